//! `quick_overview`: `avgPhaseVelocity` and `numTriNonzeroIntAmbiguity` from the stack, in one
//! streaming pass (MintPy's `temporal_average.py` and `unwrap_error_phase_closure.py --action
//! calculate`).

use super::{RunContext, Step, StepIo, StepPlan};
use crate::overview::run::{overview_stack, OverviewOptions, AVG_PHASE_VELOCITY, NUM_TRI_NONZERO};
use crate::template::config::RunConfig;

/// `quick_overview`.
pub struct QuickOverview;

impl Step for QuickOverview {
    fn name(&self) -> &'static str {
        "quick_overview"
    }

    fn plan(&self, _: &RunConfig, _: Option<&str>) -> StepPlan {
        StepPlan::Run
    }

    fn inputs(&self, _: &RunContext, _: &StepIo) -> Vec<String> {
        Vec::new()
    }

    fn outputs(&self, _: &RunContext, _: &StepIo) -> Vec<String> {
        vec![AVG_PHASE_VELOCITY.to_string(), NUM_TRI_NONZERO.to_string()]
    }

    fn settings(&self, ctx: &RunContext) -> String {
        let c = &ctx.config;
        format!("{:?} {:?} {:?}", c.reference, c.network, c.subset)
    }

    fn run(&self, ctx: &RunContext, _: &StepIo) -> anyhow::Result<()> {
        let opts = OverviewOptions {
            reference: ctx.config.reference,
            max_memory: ctx.config.max_memory,
            format: ctx.format,
            network: ctx.config.network.clone(),
            subset: ctx.config.subset,
            pictures: false,
            // MintPy's quick_overview comes before correct_unwrap_error: the phase as stored.
            unwrap_fix: None,
            report: ctx.report.clone(),
        };
        let r = overview_stack(&ctx.stack, &ctx.work_dir, &opts)?;
        for f in &r.outputs {
            ctx.say(format!("  {}", f.display()));
        }
        Ok(())
    }
}
