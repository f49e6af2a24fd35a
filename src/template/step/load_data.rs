//! `load_data`: sbas reads the stack in place (no copy to `inputs/ifgramStack.h5`); the step opens it and says what it holds.

use anyhow::Context;

use super::{RunContext, Step, StepIo, StepPlan};
use crate::template::config::RunConfig;

/// `load_data`.
pub struct LoadData;

impl Step for LoadData {
    fn name(&self) -> &'static str {
        "load_data"
    }

    fn plan(&self, _: &RunConfig, _: Option<&str>) -> StepPlan {
        StepPlan::Run
    }

    fn always_runs(&self) -> bool {
        true
    }

    fn run(&self, ctx: &RunContext, _io: &StepIo) -> anyhow::Result<()> {
        load_data(ctx)
    }
}

fn load_data(ctx: &RunContext) -> anyhow::Result<()> {
    let source = crate::source::open_stack_globs(&ctx.stack, &ctx.load)
        .with_context(|| format!("opening the stack {}", ctx.stack.display()))?;
    let info = source.info();
    if let Some(note) = crate::source::layout_note(&ctx.stack, &ctx.load, info) {
        ctx.say(format!("load_data: {note}"));
    }
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
