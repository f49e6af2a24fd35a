//! `correct_topography`: `dem_error.py`.

use anyhow::Context;

use super::{expect_stem, io_names, resolve_dates};
use super::{RunContext, Step, StepIo, StepPlan};
use crate::correct::dem_error::{self, DemErrModel, DemErrOptions};
use crate::template::config::RunConfig;

/// `correct_topography`.
pub struct CorrectTopography;

impl Step for CorrectTopography {
    fn name(&self) -> &'static str {
        "correct_topography"
    }

    fn plan(&self, cfg: &RunConfig, _: Option<&str>) -> StepPlan {
        if cfg.topography.is_some() {
            StepPlan::Run
        } else {
            StepPlan::Off
        }
    }

    fn outputs(&self, _: &RunContext, io: &StepIo) -> Vec<String> {
        let mut v: Vec<String> = io.output.iter().cloned().collect();
        v.push("demErr".into());
        v.push("timeseriesResidual".into());
        v
    }

    fn run(&self, ctx: &RunContext, io: &StepIo) -> anyhow::Result<()> {
        dem_error_step(ctx, io)
    }
}

/// `correct_topography`: `dem_error.py`.
fn dem_error_step(ctx: &RunContext, io: &StepIo) -> anyhow::Result<()> {
    let (input, output) = io_names(io)?;
    let topo = ctx
        .config
        .topography
        .as_ref()
        .context("mintpy.topographicResidual is off")?;
    let exclude_dates = resolve_dates(&ctx.work_dir, &topo.exclude_dates)?;
    let options = DemErrOptions {
        model: DemErrModel {
            poly_order: topo.poly_order,
            step_dates: topo.step_dates.clone(),
            exclude_dates,
            phase_velocity: topo.phase_velocity,
        },
        pixelwise_geometry: topo.pixelwise_geometry,
        split: ctx.split.clone(),
    };
    let out = dem_error::run(&ctx.work_dir, input, &options, ctx.config.max_memory)?;
    expect_stem(&out.corrected, output)?;
    ctx.say(format!(
        "  {} pixels estimated; {}, {}",
        out.pixels_estimated,
        out.dem_error.display(),
        out.residual.display()
    ));
    Ok(())
}
