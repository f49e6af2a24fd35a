//! The steps of MintPy's `smallbaselineApp`, one module each. A step owns what the settings make
//! of it ([`StepPlan`]), the products it reads and writes (for update mode), the settings that
//! change its outputs, and its action; the runner ([`super::app::run_steps`]) knows none of them
//! by name. Adding a step: a module here implementing [`Step`], and its entry in [`standard`] at
//! its place in MintPy's order.

use std::path::{Path, PathBuf};

use anyhow::bail;

use super::config::{DatesOrFile, RunConfig};
use super::steps::{chain_suffixes, STEP_NAMES};
use super::Template;
use crate::correct::residual_rms::read_date_file;
use crate::meta::Date;
use crate::product::inversion::OutputFormat;

mod correct_topography;
mod correct_troposphere;
mod correct_unwrap_error;
mod deramp;
mod geocode;
mod invert_network;
mod load_data;
mod modify_network;
mod not_done;
mod quick_overview;
mod reference_date;
mod reference_point;
mod residual_rms;
mod velocity;

pub use correct_unwrap_error::unwrap_fix_file;
pub use geocode::geocoded_stems;
pub use invert_network::invert_options;
pub use reference_date::rereferenced_stems;

/// Everything a step may need.
#[derive(Debug, Clone)]
pub struct RunContext {
    /// The work folder: outputs go here (`--dir`, or the current folder).
    pub work_dir: PathBuf,
    /// The stack read by the inversion.
    pub stack: PathBuf,
    /// The template's file globs of the stack (empty: the stack's own defaults).
    pub load: crate::source::layout::LoadGlobs,
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
    /// For the steps split by strips (DEM error, time functions): whether this process
    /// computes every strip, one part's, or assembles the parts' (`sbas run --part/--finalize`).
    pub split: crate::product::pass_split::PassSplit,
}

impl RunContext {
    /// Reports an informational line.
    pub fn say(&self, line: impl AsRef<str>) {
        self.report.info(line);
    }

    /// The time series the step reads and writes, when it is part of the correction chain.
    pub fn chain_io(&self, step: &'static str) -> StepIo {
        let chain = chain(&self.config, self.platform.as_deref());
        match chain.iter().find(|c| c.0 == step) {
            Some((_, input, output)) => StepIo {
                step,
                input: Some(input.clone()),
                output: Some(output.clone()),
            },
            None => StepIo {
                step,
                input: Some(final_timeseries(&self.config, self.platform.as_deref())),
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

/// What a step will do with the given settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StepPlan {
    /// The step runs (or is skipped when up to date).
    Run,
    /// The settings turn the step off: nothing to do, nothing said (as MintPy).
    Off,
    /// The settings ask for the step, but sbas does not do it: reported with the reason.
    Unsupported(String),
}

/// The time-series stem each step of the chain reads and writes: `(step, input, output)`, from
/// `timeseries` through the corrections. Steps that are off, and steps the settings ask for but
/// sbas skips (solid Earth tides, say), are absent: the next step reads what the last step that
/// ran wrote, so a skipped step leaves the chain working.
pub fn chain(cfg: &RunConfig, platform: Option<&str>) -> Vec<(&'static str, String, String)> {
    let mut out = Vec::new();
    let mut current = "timeseries".to_string();
    for (step, suffix) in chain_suffixes(cfg, platform)
        .into_iter()
        .filter(|(step, _)| plan(step, cfg, platform) == StepPlan::Run)
    {
        let next = format!("{current}_{suffix}");
        out.push((step, current.clone(), next.clone()));
        current = next;
    }
    out
}

/// The last time series of the chain (what reference_date, velocity and geocode use).
pub fn final_timeseries(cfg: &RunConfig, platform: Option<&str>) -> String {
    chain(cfg, platform)
        .last()
        .map(|c| c.2.clone())
        .unwrap_or_else(|| "timeseries".to_string())
}

/// One step of the workflow.
pub trait Step: Send + Sync {
    /// MintPy's step name.
    fn name(&self) -> &'static str;

    /// What the settings make of the step, before looking at files.
    fn plan(&self, cfg: &RunConfig, platform: Option<&str>) -> StepPlan;

    /// Whether the step keeps its own state (or has none) and so always runs: update mode then
    /// looks at none of its files or settings.
    fn always_runs(&self) -> bool {
        false
    }

    /// Products (stems) or plain files of the work folder it reads, for update mode: by default
    /// the chain's series it reads.
    fn inputs(&self, _ctx: &RunContext, io: &StepIo) -> Vec<String> {
        io.input.iter().cloned().collect()
    }

    /// What it writes, for update mode; empty means "always runs" (the step checks itself).
    /// By default the chain's series it writes.
    fn outputs(&self, _ctx: &RunContext, io: &StepIo) -> Vec<String> {
        io.output.iter().cloned().collect()
    }

    /// The settings that change its outputs, as text (a change re-runs it). By default those of
    /// every correction of the chain: coarse, but never stale.
    fn settings(&self, ctx: &RunContext) -> String {
        let c = &ctx.config;
        format!(
            "{:?} {:?} {:?} {:?} {:?} {:?}",
            c.tropo, c.deramp, c.deramp_mask, c.topography, c.residual_rms, c.time_func
        )
    }

    /// Does the step's work.
    fn run(&self, ctx: &RunContext, io: &StepIo) -> anyhow::Result<()>;
}

/// Every step, in MintPy's order ([`STEP_NAMES`]).
pub fn standard() -> Vec<Box<dyn Step>> {
    use not_done::NotDone;
    vec![
        Box::new(load_data::LoadData),
        Box::new(modify_network::ModifyNetwork),
        Box::new(reference_point::ReferencePoint),
        Box::new(quick_overview::QuickOverview),
        Box::new(correct_unwrap_error::CorrectUnwrapError),
        Box::new(invert_network::InvertNetwork),
        Box::new(NotDone::CorrectLod),
        Box::new(NotDone::CorrectSet),
        Box::new(NotDone::CorrectIonosphere),
        Box::new(correct_troposphere::CorrectTroposphere),
        Box::new(deramp::Deramp),
        Box::new(correct_topography::CorrectTopography),
        Box::new(residual_rms::ResidualRms),
        Box::new(reference_date::ReferenceDate),
        Box::new(velocity::Velocity),
        Box::new(geocode::Geocode),
        Box::new(NotDone::GoogleEarth),
        Box::new(NotDone::Hdfeos5),
    ]
}

/// What `step` does under `cfg` (before looking at files).
pub fn plan(step: &str, cfg: &RunConfig, platform: Option<&str>) -> StepPlan {
    match standard().iter().find(|s| s.name() == step) {
        Some(s) => s.plan(cfg, platform),
        None => StepPlan::Unsupported(format!(
            "unknown step '{step}'; the steps are: {}",
            STEP_NAMES.join(", ")
        )),
    }
}

/// Dates of a template date list or date file (relative to the work folder; a missing file means
/// no dates, as MintPy's `exclude_date.txt` before residual_RMS has run).
pub fn resolve_dates(work_dir: &Path, d: &DatesOrFile) -> anyhow::Result<Vec<Date>> {
    match d {
        DatesOrFile::None => Ok(Vec::new()),
        DatesOrFile::Dates(v) => Ok(v.clone()),
        DatesOrFile::File(name) => {
            let p = work_dir.join(name);
            if p.is_file() {
                read_date_file(&p)
            } else {
                Ok(Vec::new())
            }
        }
    }
}

/// A mask setting as the correction functions take it: a product stem or `no`.
pub(crate) fn mask_stem(setting: Option<&str>) -> String {
    match setting {
        None => "no".to_string(),
        Some(s) => s
            .strip_suffix(".h5")
            .or_else(|| s.strip_suffix(".zarr"))
            .unwrap_or(s)
            .to_string(),
    }
}

pub(crate) fn io_names(io: &StepIo) -> anyhow::Result<(&str, &str)> {
    match (&io.input, &io.output) {
        (Some(i), Some(o)) => Ok((i, o)),
        _ => bail!("step {} has no time series to read and write", io.step),
    }
}

/// Checks that a function wrote the product the chain expects.
pub(crate) fn expect_stem(path: &Path, stem: &str) -> anyhow::Result<()> {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    let expected = stem.rsplit('/').next().unwrap_or(stem);
    if name != format!("{expected}.h5") && name != format!("{expected}.zarr") {
        bail!("wrote {} where the chain expects {stem}", path.display());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn standard_steps_are_mintpys_in_order() {
        let names: Vec<&str> = standard().iter().map(|s| s.name()).collect();
        assert_eq!(names, STEP_NAMES);
    }
}
