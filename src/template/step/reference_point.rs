//! `reference_point`: fused into `invert_network`, which chooses the point from the stack as it reads it.

use super::{RunContext, Step, StepIo, StepPlan};
use crate::template::config::RunConfig;

/// `reference_point`.
pub struct ReferencePoint;

impl Step for ReferencePoint {
    fn name(&self) -> &'static str {
        "reference_point"
    }

    fn plan(&self, _: &RunConfig, _: Option<&str>) -> StepPlan {
        StepPlan::Run
    }

    fn always_runs(&self) -> bool {
        true
    }

    fn run(&self, ctx: &RunContext, _: &StepIo) -> anyhow::Result<()> {
        ctx.say(
            "reference_point: fused into invert_network (the reference point is chosen from the \
             stack as the inversion reads it)",
        );
        Ok(())
    }
}
