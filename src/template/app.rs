//! Runs smallbaselineApp's steps in order over one work folder. Each step is an entry of a
//! [`StepRegistry`]: what it does, given the run context and the time-series names it reads and
//! writes. Update mode (MintPy's, plus the step's settings): a step whose outputs are complete,
//! newer than its inputs and made with the same settings is skipped.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use anyhow::{bail, Context};

use super::config::{RunConfig, TropoMethod};
use super::steps::{self, StepPlan};
use super::Template;
use crate::product::Product;
use crate::sink::OutputFormat;
use crate::workflow::{invert_stack, InvertOptions};

/// Everything a step may need.
#[derive(Debug, Clone)]
pub struct RunContext {
    /// The work folder: outputs go here (`--dir`, or the current folder).
    pub work_dir: PathBuf,
    /// The stack read by the inversion.
    pub stack: PathBuf,
    /// The resolved template.
    pub template: Template,
    /// Its typed settings.
    pub config: RunConfig,
    /// Format of the products written.
    pub format: OutputFormat,
    /// The stack's `PLATFORM` attribute, if known (decides the LOD step).
    pub platform: Option<String>,
    /// Where log lines, warnings and progress go.
    pub report: crate::report::Reporter,
}

impl RunContext {
    /// Reports an informational line.
    pub fn say(&self, line: impl AsRef<str>) {
        self.report.info(line);
    }

    /// The time series the step reads and writes, when it is part of the correction chain.
    pub fn chain_io(&self, step: &'static str) -> StepIo {
        let chain = steps::chain(&self.config, self.platform.as_deref());
        match chain.iter().find(|c| c.0 == step) {
            Some((_, input, output)) => StepIo {
                step,
                input: Some(input.clone()),
                output: Some(output.clone()),
            },
            None => StepIo {
                step,
                input: Some(steps::final_timeseries(
                    &self.config,
                    self.platform.as_deref(),
                )),
                output: None,
            },
        }
    }
}

/// The time series a step reads (and writes, for the corrections): product stems.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepIo {
    /// The step.
    pub step: &'static str,
    /// The time series read (the chain's current one; the final one for later steps).
    pub input: Option<String>,
    /// The time series written, for correction steps.
    pub output: Option<String>,
}

/// What a step does.
pub type StepAction = Box<dyn Fn(&RunContext, &StepIo) -> anyhow::Result<()> + Send + Sync>;

/// One step: its action and the files it reads and writes (product stems or file names in the
/// work folder) for update mode.
pub struct StepEntry {
    /// The action.
    pub action: StepAction,
    /// Files read, given the context and chain names (for update mode).
    pub inputs: fn(&RunContext, &StepIo) -> Vec<String>,
    /// Files written (for update mode); empty means "always run" (the step has its own resume).
    pub outputs: fn(&RunContext, &StepIo) -> Vec<String>,
    /// The settings that change the step's outputs, as text (a change re-runs the step).
    pub settings: fn(&RunContext) -> String,
}

/// The steps sbas can run, by MintPy step name. Steps without an entry are reported as not
/// available in this build.
#[derive(Default)]
pub struct StepRegistry {
    entries: BTreeMap<&'static str, StepEntry>,
}

fn no_files(_: &RunContext, _: &StepIo) -> Vec<String> {
    Vec::new()
}

fn no_settings(_: &RunContext) -> String {
    String::new()
}

impl StepRegistry {
    /// An empty registry.
    pub fn new() -> StepRegistry {
        StepRegistry::default()
    }

    /// Adds or replaces the entry of `step` (a name of [`steps::STEP_NAMES`]).
    pub fn insert(&mut self, step: &'static str, entry: StepEntry) -> anyhow::Result<()> {
        if !steps::STEP_NAMES.contains(&step) {
            bail!("unknown step '{step}'");
        }
        self.entries.insert(step, entry);
        Ok(())
    }

    /// Adds a step with MintPy's standard inputs/outputs for that step name.
    pub fn insert_action(&mut self, step: &'static str, action: StepAction) -> anyhow::Result<()> {
        self.insert(
            step,
            StepEntry {
                action,
                inputs: standard_inputs,
                outputs: standard_outputs,
                settings: standard_settings,
            },
        )
    }

    /// Whether `step` has an entry.
    pub fn has(&self, step: &str) -> bool {
        self.entries.contains_key(step)
    }

    /// Every step sbas does: load_data, modify_network, reference_point, invert_network,
    /// correct_troposphere, deramp, correct_topography, residual_RMS, reference_date, velocity,
    /// geocode.
    pub fn standard() -> StepRegistry {
        let mut r = StepRegistry::new();
        let entries: [(&'static str, StepEntry); 5] = [
            (
                "load_data",
                StepEntry {
                    action: Box::new(load_data),
                    inputs: no_files,
                    outputs: no_files,
                    settings: no_settings,
                },
            ),
            (
                "modify_network",
                StepEntry {
                    action: Box::new(modify_network),
                    inputs: no_files,
                    outputs: no_files,
                    settings: no_settings,
                },
            ),
            (
                "reference_point",
                StepEntry {
                    action: Box::new(|ctx, _| {
                        ctx.say(
                            "reference_point: fused into invert_network (the reference point \
                             is chosen from the stack as the inversion reads it)",
                        );
                        Ok(())
                    }),
                    inputs: no_files,
                    outputs: no_files,
                    settings: no_settings,
                },
            ),
            (
                "invert_network",
                StepEntry {
                    action: Box::new(invert_network),
                    inputs: no_files,
                    // The inversion keeps its own resumable state and skips a finished run.
                    outputs: no_files,
                    settings: no_settings,
                },
            ),
            (
                "correct_troposphere",
                StepEntry {
                    action: Box::new(correct_troposphere),
                    inputs: standard_inputs,
                    outputs: standard_outputs,
                    settings: standard_settings,
                },
            ),
        ];
        for (name, e) in entries {
            r.entries.insert(name, e);
        }
        let library: [(&'static str, StepAction); 6] = [
            ("deramp", Box::new(super::wiring::deramp_step)),
            (
                "correct_topography",
                Box::new(super::wiring::dem_error_step),
            ),
            ("residual_RMS", Box::new(super::wiring::residual_rms_step)),
            (
                "reference_date",
                Box::new(super::wiring::reference_date_step),
            ),
            ("velocity", Box::new(super::wiring::velocity_step)),
            ("geocode", Box::new(super::wiring::geocode_step)),
        ];
        for (name, action) in library {
            r.entries.insert(
                name,
                StepEntry {
                    action,
                    inputs: standard_inputs,
                    outputs: standard_outputs,
                    settings: standard_settings,
                },
            );
        }
        r
    }
}

/// MintPy's inputs of each step, by product stem or file name in the work folder.
pub fn standard_inputs(ctx: &RunContext, io: &StepIo) -> Vec<String> {
    let mut v: Vec<String> = io.input.iter().cloned().collect();
    match io.step {
        "deramp" => v.push("maskTempCoh".into()),
        "correct_troposphere" => {
            if let TropoMethod::Pyaps { model } = &ctx.config.tropo {
                v.push(format!("inputs/{model}"));
            }
        }
        "residual_RMS" => {
            v = vec!["timeseriesResidual".into(), "maskTempCoh".into()];
        }
        "geocode" => v.push("velocity".into()),
        _ => {}
    }
    v
}

/// MintPy's outputs of each step: the corrected series (plus `demErr` and `timeseriesResidual`
/// for the DEM error step), `velocity`, the RMS files, the geocoded velocity. Empty (always
/// runs; the step checks itself) for reference_date, which changes the chain in place.
pub fn standard_outputs(ctx: &RunContext, io: &StepIo) -> Vec<String> {
    let mut v: Vec<String> = io.output.iter().cloned().collect();
    match io.step {
        "correct_topography" => {
            v.push("demErr".into());
            v.push("timeseriesResidual".into());
        }
        "residual_RMS" => {
            v.push("rms_timeseriesResidual_ramp.txt".into());
            v.push("reference_date.txt".into());
        }
        "velocity" => v.push("velocity".into()),
        "quick_overview" => v.push("avgPhaseVelocity".into()),
        // Every product it writes, so that a run killed between two of them geocodes the rest.
        "geocode" => v.extend(
            super::wiring::geocoded_stems(ctx, io)
                .iter()
                .map(|s| crate::geo::geo_stem(s)),
        ),
        _ => {}
    }
    v
}

/// The template settings of every step (a change of any re-runs chain steps whose outputs are
/// otherwise up to date; coarse but never stale).
pub fn standard_settings(ctx: &RunContext) -> String {
    let c = &ctx.config;
    format!(
        "{:?} {:?} {:?} {:?} {:?} {:?}",
        c.tropo, c.deramp, c.deramp_mask, c.topography, c.residual_rms, c.time_func
    )
}

/// Modification time of a complete product (`NAME.h5`, `NAME.zarr`, the inversion's layers in
/// its store) or of a plain file `NAME` in `dir`; `None` when absent or incomplete.
pub fn artifact_time(dir: &Path, name: &str) -> Option<SystemTime> {
    let mtime = |p: &Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
    let plain = dir.join(name);
    if plain.is_file() {
        return mtime(&plain);
    }
    let p = Product::open(dir, name).ok().filter(|p| p.is_complete())?;
    let path = p.path();
    if path.is_dir() {
        mtime(&path.join("zarr.json"))
    } else {
        mtime(path)
    }
}

const STEP_STATE_DIR: &str = ".sbas/steps";

fn settings_path(dir: &Path, step: &str) -> PathBuf {
    dir.join(STEP_STATE_DIR).join(format!("{step}.settings"))
}

/// Why a step with files must run, or `None` when it is up to date (MintPy's `run_or_skip`:
/// every output present and no input newer than the oldest output; plus same settings).
pub fn needs_run(
    dir: &Path,
    step: &str,
    inputs: &[String],
    outputs: &[String],
    settings: &str,
) -> Option<String> {
    if outputs.is_empty() {
        return Some("always runs".into());
    }
    let mut oldest: Option<SystemTime> = None;
    for o in outputs {
        match artifact_time(dir, o) {
            None => return Some(format!("{o} is missing")),
            Some(t) => oldest = Some(oldest.map_or(t, |x: SystemTime| x.min(t))),
        }
    }
    let oldest = oldest?;
    for i in inputs {
        if let Some(t) = artifact_time(dir, i) {
            if t > oldest {
                return Some(format!("{i} is newer than the outputs"));
            }
        }
    }
    let recorded = std::fs::read_to_string(settings_path(dir, step)).ok();
    if recorded.as_deref() != Some(settings) {
        return Some("the settings changed".into());
    }
    None
}

fn record_settings(dir: &Path, step: &str, settings: &str) -> anyhow::Result<()> {
    let p = settings_path(dir, step);
    if let Some(parent) = p.parent() {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("creating {}", parent.display()))?;
    }
    std::fs::write(&p, settings).with_context(|| format!("writing {}", p.display()))
}

/// What happened to one step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StepOutcome {
    /// It ran.
    Ran,
    /// Up to date: skipped.
    UpToDate,
    /// Turned off by the settings.
    Off,
    /// Asked for but not done, with the reason.
    Skipped(String),
}

/// Runs `selected` steps (in MintPy's order) with `registry`. Returns each step's outcome.
pub fn run_steps(
    ctx: &RunContext,
    registry: &StepRegistry,
    selected: &[&'static str],
) -> anyhow::Result<Vec<(&'static str, StepOutcome)>> {
    let mut out = Vec::new();
    for &step in selected {
        let outcome = match steps::plan(step, &ctx.config, ctx.platform.as_deref()) {
            StepPlan::Off => StepOutcome::Off,
            StepPlan::Unsupported(why) => {
                ctx.report.warn(format!("step {step} skipped: {why}"));
                StepOutcome::Skipped(why)
            }
            StepPlan::Run => match registry.entries.get(step) {
                None => {
                    let why = "not available in this build of sbas".to_string();
                    ctx.report.warn(format!("step {step} skipped: {why}"));
                    StepOutcome::Skipped(why)
                }
                Some(entry) => {
                    let io = ctx.chain_io(step);
                    let inputs = (entry.inputs)(ctx, &io);
                    let outputs = (entry.outputs)(ctx, &io);
                    let settings = (entry.settings)(ctx);
                    match needs_run(&ctx.work_dir, step, &inputs, &outputs, &settings) {
                        None => {
                            ctx.say(format!(
                                "step {step}: up to date ({}), skipped",
                                outputs.join(", ")
                            ));
                            StepOutcome::UpToDate
                        }
                        Some(_) => {
                            ctx.say(format!("---------- step {step} ----------"));
                            (entry.action)(ctx, &io).with_context(|| format!("step {step}"))?;
                            if !outputs.is_empty() {
                                record_settings(&ctx.work_dir, step, &settings)?;
                            }
                            StepOutcome::Ran
                        }
                    }
                }
            },
        };
        out.push((step, outcome));
    }
    Ok(out)
}

/// The inversion options of the run.
pub fn invert_options(ctx: &RunContext) -> InvertOptions {
    InvertOptions {
        format: ctx.format,
        config: ctx.config.inversion.clone(),
        reference: ctx.config.reference,
        max_memory: ctx.config.max_memory,
        report: ctx.report.clone(),
        network: ctx.config.network.clone(),
        subset: ctx.config.subset,
        restart_if_changed: true,
        ..InvertOptions::default()
    }
}

fn load_data(ctx: &RunContext, _: &StepIo) -> anyhow::Result<()> {
    let source = crate::source::open_stack(&ctx.stack)
        .with_context(|| format!("opening the stack {}", ctx.stack.display()))?;
    let info = source.info();
    ctx.say(format!(
        "load_data: reading {} in place ({} x {} pixels, {} dates, {} interferograms); no copy \
         to inputs/ifgramStack.h5 is made",
        ctx.stack.display(),
        info.length,
        info.width,
        info.network.num_dates(),
        info.network.num_pairs()
    ));
    Ok(())
}

fn modify_network(ctx: &RunContext, _: &StepIo) -> anyhow::Result<()> {
    let edit = &ctx.config.network;
    if edit.is_noop() {
        ctx.say("modify_network: every interferogram is kept");
        return Ok(());
    }
    if edit.min_coherence.is_some() {
        ctx.say(
            "modify_network: the coherence-based selection is made by invert_network as it \
             reads the stack",
        );
        return Ok(());
    }
    let source = crate::source::open_stack(&ctx.stack)
        .with_context(|| format!("opening the stack {}", ctx.stack.display()))?;
    crate::network_edit::resolve(source.as_ref(), edit, ctx.config.max_memory, &ctx.report)?;
    Ok(())
}

fn invert_network(ctx: &RunContext, _: &StepIo) -> anyhow::Result<()> {
    let report = invert_stack(&ctx.stack, &ctx.work_dir, &invert_options(ctx))?;
    for f in &report.outputs {
        ctx.say(format!("  {}", f.display()));
    }
    Ok(())
}

fn correct_troposphere(ctx: &RunContext, io: &StepIo) -> anyhow::Result<()> {
    let (Some(input), Some(output)) = (&io.input, &io.output) else {
        bail!("correct_troposphere: no time series to correct");
    };
    let delay = match &ctx.config.tropo {
        TropoMethod::Pyaps { model } => {
            let p = ctx.work_dir.join("inputs").join(format!("{model}.h5"));
            if !p.is_file() {
                bail!(
                    "mintpy.troposphericDelay.method = pyaps needs the delay time series {} \
                     (MintPy layout, metres, e.g. from tropo_pyaps3.py); sbas does not download \
                     weather models. Put it there or set the method to no",
                    p.display()
                );
            }
            crate::tropo::DelaySource::TimeseriesFile(p)
        }
        TropoMethod::Gacos { dir } => crate::tropo::DelaySource::GacosDir(ctx.work_dir.join(dir)),
        _ => bail!("correct_troposphere: unsupported method"),
    };
    crate::tropo::correct(
        &ctx.work_dir,
        input,
        output,
        &delay,
        ctx.format,
        ctx.config.max_memory,
        &ctx.report,
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::template::{parse_template, Template};
    use std::sync::{Arc, Mutex};

    fn ctx(dir: &Path, text: &str) -> RunContext {
        let template = Template::from_entries(parse_template(text));
        RunContext {
            work_dir: dir.to_path_buf(),
            stack: dir.join("stack"),
            config: RunConfig::from_template(&template).unwrap(),
            template,
            format: OutputFormat::Hdf5,
            platform: None,
            report: crate::report::Reporter::silent(),
        }
    }

    /// A stand-in correction that writes its outputs (as plain files) and logs its call.
    fn fake(log: Arc<Mutex<Vec<String>>>, name: &'static str) -> StepAction {
        Box::new(move |ctx, io| {
            log.lock().unwrap().push(format!(
                "{name}:{}->{}",
                io.input.clone().unwrap_or_default(),
                io.output.clone().unwrap_or_default()
            ));
            for o in standard_outputs(ctx, io) {
                std::fs::write(ctx.work_dir.join(o), b"x")?;
            }
            Ok(())
        })
    }

    #[test]
    fn runs_the_chain_in_order_and_skips_up_to_date_steps() {
        let dir = tempfile::tempdir().unwrap();
        let c = ctx(
            dir.path(),
            "mintpy.troposphericDelay.method = no\nmintpy.deramp = linear\n",
        );
        std::fs::write(dir.path().join("timeseries"), b"x").unwrap();
        let log = Arc::new(Mutex::new(Vec::new()));
        let mut reg = StepRegistry::new();
        reg.insert_action("deramp", fake(log.clone(), "deramp"))
            .unwrap();
        reg.insert_action("correct_topography", fake(log.clone(), "topo"))
            .unwrap();
        let sel = steps::select(None, Some("correct_troposphere"), Some("residual_RMS")).unwrap();
        let out = run_steps(&c, &reg, &sel).unwrap();
        assert_eq!(
            *log.lock().unwrap(),
            vec![
                "deramp:timeseries->timeseries_ramp",
                "topo:timeseries_ramp->timeseries_ramp_demErr"
            ]
        );
        assert_eq!(out[0], ("correct_troposphere", StepOutcome::Off));
        assert_eq!(out[1], ("deramp", StepOutcome::Ran));
        assert!(
            matches!(out[3].1, StepOutcome::Skipped(_)),
            "no residual_RMS entry"
        );
        assert!(dir.path().join("demErr").is_file());

        // Second run: everything up to date.
        let out = run_steps(&c, &reg, &sel).unwrap();
        assert_eq!(out[1].1, StepOutcome::UpToDate);
        assert_eq!(out[2].1, StepOutcome::UpToDate);
        assert_eq!(log.lock().unwrap().len(), 2);

        // A newer input re-runs what depends on it.
        std::thread::sleep(std::time::Duration::from_millis(20));
        std::fs::write(dir.path().join("timeseries_ramp"), b"y").unwrap();
        let out = run_steps(&c, &reg, &sel).unwrap();
        assert_eq!(out[1].1, StepOutcome::UpToDate);
        assert_eq!(out[2].1, StepOutcome::Ran);

        // Other settings re-run the chain.
        let c2 = ctx(
            dir.path(),
            "mintpy.troposphericDelay.method = no\nmintpy.deramp = quadratic\n",
        );
        let out = run_steps(&c2, &reg, &sel).unwrap();
        assert_eq!(out[1].1, StepOutcome::Ran);
    }

    #[test]
    fn failing_step_names_itself() {
        let dir = tempfile::tempdir().unwrap();
        let c = ctx(dir.path(), "mintpy.troposphericDelay.method = no\n");
        let mut reg = StepRegistry::new();
        reg.insert_action("velocity", Box::new(|_, _| bail!("boom")))
            .unwrap();
        let e = run_steps(&c, &reg, &["velocity"]).unwrap_err();
        assert!(format!("{e:#}").contains("step velocity: boom"));
        assert!(reg
            .insert_action("velocty", Box::new(|_, _| Ok(())))
            .is_err());
    }
}
