//! `deramp`: `remove_ramp.py` on the chain's series.

use anyhow::Context;

use super::{expect_stem, io_names, mask_stem};
use super::{RunContext, Step, StepIo, StepPlan};
use crate::correct::deramp;
use crate::correct::ramp::RampType;
use crate::template::config::RunConfig;

/// `deramp`.
pub struct Deramp;

impl Step for Deramp {
    fn name(&self) -> &'static str {
        "deramp"
    }

    fn plan(&self, cfg: &RunConfig, _: Option<&str>) -> StepPlan {
        if cfg.deramp.is_some() {
            StepPlan::Run
        } else {
            StepPlan::Off
        }
    }

    fn inputs(&self, _: &RunContext, io: &StepIo) -> Vec<String> {
        let mut v: Vec<String> = io.input.iter().cloned().collect();
        v.push("maskTempCoh".into());
        v
    }

    fn run(&self, ctx: &RunContext, io: &StepIo) -> anyhow::Result<()> {
        deramp_step(ctx, io)
    }
}

/// `deramp`: `remove_ramp.py` on the chain's series.
fn deramp_step(ctx: &RunContext, io: &StepIo) -> anyhow::Result<()> {
    let (input, output) = io_names(io)?;
    let ramp: RampType = ctx.config.deramp.context("mintpy.deramp is off")?;
    let out = deramp::run(
        &ctx.work_dir,
        input,
        ramp,
        &mask_stem(ctx.config.deramp_mask.as_deref()),
        ctx.config.max_memory,
    )?;
    expect_stem(&out.path, output)?;
    Ok(())
}
