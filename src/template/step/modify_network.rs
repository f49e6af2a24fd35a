//! `modify_network`: MintPy's network edits, resolved from the stack (the coherence-based ones by the inversion as it reads it).

use anyhow::Context;

use super::{RunContext, Step, StepIo, StepPlan};
use crate::template::config::RunConfig;

/// `modify_network`.
pub struct ModifyNetwork;

impl Step for ModifyNetwork {
    fn name(&self) -> &'static str {
        "modify_network"
    }

    fn plan(&self, _: &RunConfig, _: Option<&str>) -> StepPlan {
        StepPlan::Run
    }

    fn always_runs(&self) -> bool {
        true
    }

    fn run(&self, ctx: &RunContext, _io: &StepIo) -> anyhow::Result<()> {
        modify_network(ctx)
    }
}

fn modify_network(ctx: &RunContext) -> anyhow::Result<()> {
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
    let source = crate::source::open_stack_globs(&ctx.stack, &ctx.load)
        .with_context(|| format!("opening the stack {}", ctx.stack.display()))?;
    crate::network_edit::resolve(source.as_ref(), edit, ctx.config.max_memory, &ctx.report)?;
    Ok(())
}
