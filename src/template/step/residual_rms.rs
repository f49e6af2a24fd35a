//! `residual_RMS`: `timeseries_rms.py` on `timeseriesResidual`.

use super::mask_stem;
use super::{RunContext, Step, StepIo, StepPlan};
use crate::correct::residual_rms::{self, RmsOptions};
use crate::template::config::RunConfig;

/// `residual_RMS`.
pub struct ResidualRms;

impl Step for ResidualRms {
    fn name(&self) -> &'static str {
        "residual_RMS"
    }

    fn plan(&self, cfg: &RunConfig, _: Option<&str>) -> StepPlan {
        if cfg.topography.is_some() {
            StepPlan::Run
        } else {
            // MintPy reads timeseriesResidual.h5, which only the DEM error step writes.
            StepPlan::Unsupported(
                "needs timeseriesResidual from correct_topography, which is off".to_string(),
            )
        }
    }

    fn inputs(&self, _: &RunContext, _: &StepIo) -> Vec<String> {
        vec!["timeseriesResidual".into(), "maskTempCoh".into()]
    }

    fn outputs(&self, _: &RunContext, _: &StepIo) -> Vec<String> {
        vec![
            "rms_timeseriesResidual_ramp.txt".into(),
            "reference_date.txt".into(),
        ]
    }

    fn run(&self, ctx: &RunContext, _io: &StepIo) -> anyhow::Result<()> {
        residual_rms_step(ctx)
    }
}

/// `residual_RMS`: `timeseries_rms.py` on `timeseriesResidual`.
fn residual_rms_step(ctx: &RunContext) -> anyhow::Result<()> {
    let r = &ctx.config.residual_rms;
    let deramp = r.deramp;
    let options = RmsOptions {
        input_stem: RmsOptions::default().input_stem,
        mask: mask_stem(r.mask_file.as_deref()),
        deramp,
        cutoff: r.cutoff,
    };
    let out = residual_rms::run(&ctx.work_dir, &options, ctx.config.max_memory)?;
    ctx.say(format!(
        "  minimum RMS at {}; {} date(s) above {:.4} m excluded",
        out.min_rms_date,
        out.excluded.len(),
        out.threshold
    ));
    Ok(())
}
