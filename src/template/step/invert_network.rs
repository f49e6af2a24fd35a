//! `invert_network`: the network inversion (`sbas invert`), which keeps its own resumable state and skips a finished run.

use super::{RunContext, Step, StepIo, StepPlan};
use crate::template::config::RunConfig;
use crate::workflow::{invert_stack, InvertOptions};

/// `invert_network`.
pub struct InvertNetwork;

impl Step for InvertNetwork {
    fn name(&self) -> &'static str {
        "invert_network"
    }

    fn plan(&self, _: &RunConfig, _: Option<&str>) -> StepPlan {
        StepPlan::Run
    }

    fn always_runs(&self) -> bool {
        true
    }

    fn run(&self, ctx: &RunContext, _io: &StepIo) -> anyhow::Result<()> {
        invert_network(ctx)
    }
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
        multilook: ctx.config.multilook,
        restart_if_changed: true,
        load: ctx.load.clone(),
        meta: ctx.load.meta().to_vec(),
        unwrap_fix: super::unwrap_fix_file(ctx),
        ..InvertOptions::default()
    }
}

fn invert_network(ctx: &RunContext) -> anyhow::Result<()> {
    let report = invert_stack(&ctx.stack, &ctx.work_dir, &invert_options(ctx))?;
    for f in &report.outputs {
        ctx.say(format!("  {}", f.display()));
    }
    Ok(())
}
