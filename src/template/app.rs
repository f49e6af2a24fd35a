//! Runs smallbaselineApp's steps in order over one work folder. The steps themselves (their plan,
//! files, settings and action) are the modules of [`super::step`]; a [`StepRegistry`] holds them.
//! Update mode (MintPy's, plus the step's settings): a step whose outputs are complete, newer
//! than its inputs and made with the same settings is skipped.

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use anyhow::{bail, Context};

use super::step::{self, Step, StepPlan};
use super::steps;
use crate::product::Product;

pub use super::step::{RunContext, StepIo};

/// The steps a run can do, by MintPy step name.
pub struct StepRegistry {
    steps: Vec<Box<dyn Step>>,
}

impl StepRegistry {
    /// Every step sbas knows ([`super::step::standard`]).
    pub fn standard() -> StepRegistry {
        StepRegistry {
            steps: super::step::standard(),
        }
    }

    /// A registry of only `steps` (a step asked for but absent is reported as not available).
    pub fn of(steps: Vec<Box<dyn Step>>) -> anyhow::Result<StepRegistry> {
        for s in &steps {
            if !steps::STEP_NAMES.contains(&s.name()) {
                bail!("unknown step '{}'", s.name());
            }
        }
        Ok(StepRegistry { steps })
    }

    /// The step named `name`.
    pub fn get(&self, name: &str) -> Option<&dyn Step> {
        self.steps
            .iter()
            .find(|s| s.name() == name)
            .map(|s| s.as_ref())
    }

    /// Whether `step` has an entry.
    pub fn has(&self, step: &str) -> bool {
        self.get(step).is_some()
    }
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
    /// One phase of a run split into parts (`--prepare`, `--part`): what it did.
    Split(String),
}

/// Whether `run_steps` would do `step` now: the settings ask for it, this build has it, and it
/// always runs or its outputs are missing, stale or made with other settings.
pub fn would_run(ctx: &RunContext, registry: &StepRegistry, step: &'static str) -> bool {
    if step::plan(step, &ctx.config, ctx.platform.as_deref()) != StepPlan::Run {
        return false;
    }
    let Some(entry) = registry.get(step) else {
        return false;
    };
    if entry.always_runs() {
        return true;
    }
    let io = ctx.chain_io(step);
    needs_run(
        &ctx.work_dir,
        step,
        &entry.inputs(ctx, &io),
        &entry.outputs(ctx, &io),
        &entry.settings(ctx),
    )
    .is_some()
}

/// The fingerprint of what `step` would compute now (its settings and the products it reads):
/// the parts of a split step and its assembly must agree on it.
pub fn step_fingerprint(ctx: &RunContext, registry: &StepRegistry, step: &'static str) -> String {
    let io = ctx.chain_io(step);
    match registry.get(step) {
        None => String::new(),
        Some(entry) => {
            let inputs: Vec<String> = entry
                .inputs(ctx, &io)
                .into_iter()
                .map(|i| {
                    let t = artifact_time(&ctx.work_dir, &i)
                        .and_then(|t| t.duration_since(SystemTime::UNIX_EPOCH).ok())
                        .map(|d| format!("{}.{:09}", d.as_secs(), d.subsec_nanos()))
                        .unwrap_or_else(|| "absent".into());
                    format!("{i} (modified {t})")
                })
                .collect();
            format!(
                "step {step}\nreads {}\nsettings {}\n",
                inputs.join(", "),
                entry.settings(ctx)
            )
        }
    }
}

/// Runs `selected` steps (in MintPy's order) with `registry`. Returns each step's outcome.
pub fn run_steps(
    ctx: &RunContext,
    registry: &StepRegistry,
    selected: &[&'static str],
) -> anyhow::Result<Vec<(&'static str, StepOutcome)>> {
    let mut out = Vec::new();
    for &step in selected {
        let outcome = match step::plan(step, &ctx.config, ctx.platform.as_deref()) {
            StepPlan::Off => StepOutcome::Off,
            StepPlan::Unsupported(why) => {
                ctx.report.warn(format!("step {step} skipped: {why}"));
                StepOutcome::Skipped(why)
            }
            StepPlan::Run => match registry.get(step) {
                None => {
                    let why = "not available in this build of sbas".to_string();
                    ctx.report.warn(format!("step {step} skipped: {why}"));
                    StepOutcome::Skipped(why)
                }
                Some(entry) => {
                    let io = ctx.chain_io(step);
                    let (inputs, outputs, settings) = if entry.always_runs() {
                        (Vec::new(), Vec::new(), String::new())
                    } else {
                        (
                            entry.inputs(ctx, &io),
                            entry.outputs(ctx, &io),
                            entry.settings(ctx),
                        )
                    };
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
                            entry
                                .run(ctx, &io)
                                .with_context(|| format!("step {step}"))?;
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::product::inversion::OutputFormat;
    use crate::template::config::RunConfig;
    use crate::template::{parse_template, Template};
    use std::sync::{Arc, Mutex};

    fn ctx(dir: &Path, text: &str) -> RunContext {
        let template = Template::from_entries(parse_template(text));
        RunContext {
            work_dir: dir.to_path_buf(),
            stack: dir.join("stack"),
            load: Default::default(),
            config: RunConfig::from_template(&template).unwrap(),
            template,
            format: OutputFormat::Hdf5,
            platform: None,
            report: crate::report::Reporter::silent(),
            split: Default::default(),
        }
    }

    /// A stand-in for a real step: its plan, files and settings, but an action that logs its
    /// call and writes its outputs as plain files (or fails, with `fail`).
    struct Fake {
        real: Box<dyn Step>,
        log: Arc<Mutex<Vec<String>>>,
        label: &'static str,
        fail: bool,
    }

    fn fake(
        log: &Arc<Mutex<Vec<String>>>,
        name: &str,
        label: &'static str,
        fail: bool,
    ) -> Box<dyn Step> {
        let real = crate::template::step::standard()
            .into_iter()
            .find(|s| s.name() == name)
            .unwrap();
        Box::new(Fake {
            real,
            log: log.clone(),
            label,
            fail,
        })
    }

    impl Step for Fake {
        fn name(&self) -> &'static str {
            self.real.name()
        }
        fn plan(&self, cfg: &RunConfig, platform: Option<&str>) -> StepPlan {
            self.real.plan(cfg, platform)
        }
        fn inputs(&self, ctx: &RunContext, io: &StepIo) -> Vec<String> {
            self.real.inputs(ctx, io)
        }
        fn outputs(&self, ctx: &RunContext, io: &StepIo) -> Vec<String> {
            self.real.outputs(ctx, io)
        }
        fn settings(&self, ctx: &RunContext) -> String {
            self.real.settings(ctx)
        }
        fn run(&self, ctx: &RunContext, io: &StepIo) -> anyhow::Result<()> {
            if self.fail {
                bail!("boom");
            }
            self.log.lock().unwrap().push(format!(
                "{}:{}->{}",
                self.label,
                io.input.clone().unwrap_or_default(),
                io.output.clone().unwrap_or_default()
            ));
            for o in self.outputs(ctx, io) {
                std::fs::write(ctx.work_dir.join(o), b"x")?;
            }
            Ok(())
        }
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
        let reg = StepRegistry::of(vec![
            fake(&log, "deramp", "deramp", false),
            fake(&log, "correct_topography", "topo", false),
        ])
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
        let log = Arc::new(Mutex::new(Vec::new()));
        let reg = StepRegistry::of(vec![fake(&log, "velocity", "v", true)]).unwrap();
        let e = run_steps(&c, &reg, &["velocity"]).unwrap_err();
        assert!(format!("{e:#}").contains("step velocity: boom"));
        struct Misnamed;
        impl Step for Misnamed {
            fn name(&self) -> &'static str {
                "velocty"
            }
            fn plan(&self, _: &RunConfig, _: Option<&str>) -> StepPlan {
                StepPlan::Run
            }
            fn run(&self, _: &RunContext, _: &StepIo) -> anyhow::Result<()> {
                Ok(())
            }
        }
        assert!(StepRegistry::of(vec![Box::new(Misnamed)]).is_err());
    }
}
