//! `sbas run` split across processes, around its inversion: the prepare job runs the steps before
//! `invert_network` and prepares the inversion; each part inverts its share of the chunks with the
//! template's inversion options; the finalize job finalizes the inversion and runs the remaining
//! steps. Every phase is the plain chain's own code with another choice of chunks, so the products
//! are the plain run's bit for bit.

use anyhow::{bail, Context};

use super::app::{run_steps, RunContext, StepOutcome, StepRegistry};
use super::step::invert_options;
use crate::workflow::{invert_stack_phase, Phase};

/// The step the parts split.
const SPLIT_STEP: &str = "invert_network";

/// What one phase did: the outcome of each step it ran (or handled), in order.
pub type Outcomes = Vec<(&'static str, StepOutcome)>;

/// Does `phase` (not [`Phase::Whole`]) of the template run over `selected` steps.
pub fn run_phase(
    ctx: &RunContext,
    selected: &[&'static str],
    phase: Phase,
) -> anyhow::Result<Outcomes> {
    let Some(at) = selected.iter().position(|s| *s == SPLIT_STEP) else {
        bail!(
            "--prepare, --part and --finalize split the step {SPLIT_STEP}, which the selected \
             steps ({}) leave out",
            selected.join(", ")
        );
    };
    let (before, after) = (&selected[..at], &selected[at + 1..]);
    let registry = StepRegistry::standard();
    let opts = invert_options(ctx);
    let dir = &ctx.work_dir;
    match phase {
        Phase::Whole => bail!("a plain run is not a phase of a split run"),
        Phase::Prepare { .. } => {
            let mut out = run_steps(ctx, &registry, before)?;
            ctx.say(format!("---------- step {SPLIT_STEP}: prepare ----------"));
            invert_stack_phase(&ctx.stack, dir, &opts, phase)
                .with_context(|| format!("step {SPLIT_STEP}"))?;
            out.push((
                SPLIT_STEP,
                StepOutcome::Split("prepared: run its parts, then --finalize".into()),
            ));
            Ok(out)
        }
        Phase::Part(part) => {
            let r = invert_stack_phase(&ctx.stack, dir, &opts, phase)
                .with_context(|| format!("step {SPLIT_STEP}, part {part}"))?;
            let what = format!(
                "part {part}: {} chunks inverted; finalize with --finalize once every part is done",
                r.stats.chunks
            );
            Ok(vec![(SPLIT_STEP, StepOutcome::Split(what))])
        }
        Phase::Finalize => {
            if crate::resume::read_run_invocation(dir)?.is_none() {
                bail!(
                    "{} was never prepared by `sbas run TEMPLATE --prepare`: nothing to finalize",
                    dir.display()
                );
            }
            ctx.say(format!("---------- step {SPLIT_STEP}: finalize ----------"));
            let r = invert_stack_phase(&ctx.stack, dir, &opts, phase)
                .with_context(|| format!("step {SPLIT_STEP}"))?;
            for f in &r.outputs {
                ctx.say(format!("  {}", f.display()));
            }
            let mut out = vec![(SPLIT_STEP, StepOutcome::Ran)];
            out.extend(run_steps(ctx, &registry, after)?);
            Ok(out)
        }
    }
}
