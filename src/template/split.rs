//! `sbas run` split across processes, in stages. The per-pixel steps are split by chunks among
//! the parts: the inversion (`invert_network`), then the DEM error (`correct_topography`) and
//! the time functions (`velocity`), each by the row strips of its own pass. Image-wide steps
//! (ramp fits, residual RMS, reference date, geocoding) need the whole image, so they run in the
//! finalize job between two stages of parts:
//!
//! ```text
//! prepare | parts: invert_network | finalize: finalize the inversion, tropo, deramp
//!         | parts: correct_topography | finalize: assemble it, residual_RMS, reference_date
//!         | parts: velocity | finalize: assemble it, geocode
//! ```
//!
//! `--part` does the part of the stage that is open, `--finalize` closes it and runs the steps
//! up to the next split step, whose stage it opens (or to the end). The stage open is recorded
//! in `RUN/.sbas/parts/stage` (replaced atomically). Every phase is the plain chain's own code
//! with another choice of strips, so the products are the plain run's bit for bit.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context};

use super::app::{run_steps, step_fingerprint, would_run, RunContext, StepOutcome, StepRegistry};
use super::config::RunConfig;
use super::step::invert_options;
use crate::parts::Part;
use crate::product::pass_split::{discard_strips, PassSplit};
use crate::resume::{lock_file, lock_folder, lock_folder_shared, recorded_parts, STATE_DIR};
use crate::workflow::{invert_stack_phase, Phase};

/// The step the first stage splits (by the inversion's chunks).
const SPLIT_STEP: &str = "invert_network";

/// The steps after the inversion split by the strips of their pass, in chain order.
pub const STRIP_STEPS: [&str; 2] = ["correct_topography", "velocity"];

/// Content of the stage file once every stage is done.
const COMPLETE: &str = "complete";

/// What one phase did: the outcome of each step it ran (or handled), in order.
pub type Outcomes = Vec<(&'static str, StepOutcome)>;

fn parts_dir(work_dir: &Path) -> PathBuf {
    work_dir.join(STATE_DIR).join("parts")
}

/// The state folder of split step `step`.
pub fn step_dir(work_dir: &Path, step: &str) -> PathBuf {
    parts_dir(work_dir).join(step)
}

/// The stage open in `work_dir`: `None` before the inversion is finalized, else the step whose
/// parts are due, or [`COMPLETE`].
pub fn open_stage(work_dir: &Path) -> anyhow::Result<Option<String>> {
    let path = parts_dir(work_dir).join("stage");
    match std::fs::read_to_string(&path) {
        Ok(t) => Ok(Some(t.trim().to_string())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e).with_context(|| format!("cannot read {}", path.display())),
    }
}

/// Writes `text` to `path` through a temporary file and a rename (readers on other nodes see
/// the old or the new text, never a part).
fn replace_file(path: &Path, text: &str) -> anyhow::Result<()> {
    let tmp = path.with_extension(format!("{}.tmp", std::process::id()));
    (|| -> std::io::Result<()> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        std::fs::write(&tmp, text)?;
        std::fs::File::open(&tmp)?.sync_all()?;
        std::fs::rename(&tmp, path)
    })()
    .with_context(|| format!("cannot write {}", path.display()))
}

fn set_stage(work_dir: &Path, stage: &str) -> anyhow::Result<()> {
    replace_file(&parts_dir(work_dir).join("stage"), &format!("{stage}\n"))
}

/// The steps of the selection split across the parts, with the stages they make: the inversion
/// first, then each strip step the settings turn on.
pub fn split_steps(config: &RunConfig, selected: &[&'static str]) -> Vec<&'static str> {
    selected
        .iter()
        .copied()
        .filter(|s| {
            *s == SPLIT_STEP
                || (STRIP_STEPS.contains(s)
                    && super::step::plan(s, config, None) == super::step::StepPlan::Run)
        })
        .collect()
}

/// Checks that the fingerprint recorded when `step`'s stage opened is the current one.
fn check_fingerprint(ctx: &RunContext, step: &'static str, who: &str) -> anyhow::Result<()> {
    let path = step_dir(&ctx.work_dir, step).join("fingerprint");
    let recorded = std::fs::read_to_string(&path)
        .with_context(|| format!("cannot read {}", path.display()))?;
    let now = step_fingerprint(ctx, &StepRegistry::standard(), step);
    if recorded != now {
        bail!(
            "{who}: step {step} was opened for its parts with other settings or inputs:\n  \
             recorded: {}\n  now:      {}\nGive every phase the same template and arguments",
            recorded.trim().replace('\n', "; "),
            now.trim().replace('\n', "; ")
        );
    }
    Ok(())
}

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
            let stages = split_steps(&ctx.config, selected).len();
            out.push((
                SPLIT_STEP,
                StepOutcome::Split(format!(
                    "prepared: {stages} stage{} of parts ({}), each run its parts, then \
                     --finalize",
                    if stages == 1 { "" } else { "s" },
                    split_steps(&ctx.config, selected).join(", ")
                )),
            ));
            Ok(out)
        }
        Phase::Part(part) => match open_stage(dir)?.as_deref() {
            None | Some(SPLIT_STEP) => {
                let r = invert_stack_phase(&ctx.stack, dir, &opts, phase)
                    .with_context(|| format!("step {SPLIT_STEP}, part {part}"))?;
                let what = format!(
                    "part {part}: {} chunks inverted; finalize with --finalize once every part \
                     is done",
                    r.stats.chunks
                );
                Ok(vec![(SPLIT_STEP, StepOutcome::Split(what))])
            }
            Some(COMPLETE) => {
                ctx.say(format!(
                    "{} holds the complete run: part {part} has nothing to do",
                    dir.display()
                ));
                Ok(Vec::new())
            }
            Some(step) => {
                let step = STRIP_STEPS
                    .iter()
                    .copied()
                    .find(|s| *s == step)
                    .with_context(|| {
                        format!("{} names an unknown stage '{step}'", dir.display())
                    })?;
                strip_part(ctx, &registry, step, part)
            }
        },
        Phase::Finalize => {
            if crate::resume::read_run_invocation(dir)?.is_none() {
                bail!(
                    "{} was never prepared by `sbas run TEMPLATE --prepare`: nothing to finalize",
                    dir.display()
                );
            }
            let stage = open_stage(dir)?;
            let mut out = Vec::new();
            if matches!(stage.as_deref(), None | Some(SPLIT_STEP)) {
                ctx.say(format!("---------- step {SPLIT_STEP}: finalize ----------"));
                let r = invert_stack_phase(&ctx.stack, dir, &opts, phase)
                    .with_context(|| format!("step {SPLIT_STEP}"))?;
                for f in &r.outputs {
                    ctx.say(format!("  {}", f.display()));
                }
                out.push((SPLIT_STEP, StepOutcome::Ran));
            } else {
                out.push((SPLIT_STEP, StepOutcome::UpToDate));
            }
            // The parts of the next stage are refused while this holds the folder.
            let _lock = lock_folder(dir)?;
            out.extend(finalize_after(ctx, &registry, after, stage.as_deref())?);
            Ok(out)
        }
    }
}

/// One part of the stage of strip step `step`: its strips not yet durable.
fn strip_part(
    ctx: &RunContext,
    registry: &StepRegistry,
    step: &'static str,
    part: Part,
) -> anyhow::Result<Outcomes> {
    let dir = &ctx.work_dir;
    let who = format!("part {part} of step {step}");
    let _folder = lock_folder_shared(dir, &who)?;
    crate::resume::record_parts(dir, part.count)?;
    let sdir = step_dir(dir, step);
    let lock_path = sdir.join(format!("{}-of-{}.lock", part.index, part.count));
    let _part = lock_file(&lock_path, || {
        format!(
            "part {part} of step {step} in {} is already being run by another process (it holds \
             {}); each part runs once at a time",
            dir.display(),
            lock_path.display()
        )
    })?;
    check_fingerprint(ctx, step, &who)?;
    let entry = registry
        .get(step)
        .with_context(|| format!("step {step} is not available in this build of sbas"))?;
    ctx.say(format!("---------- step {step}: part {part} ----------"));
    let part_ctx = RunContext {
        split: PassSplit::Part {
            dir: sdir.clone(),
            part,
        },
        ..ctx.clone()
    };
    entry
        .run(&part_ctx, &ctx.chain_io(step))
        .with_context(|| format!("step {step}, part {part}"))?;
    Ok(vec![(
        step,
        StepOutcome::Split(format!(
            "part {part}: its strips are durable (log {}); finalize with --finalize once every \
             part is done",
            sdir.join(format!("{}-of-{}.done", part.index, part.count))
                .display()
        )),
    )])
}

/// The finalize job's work after the inversion: the steps of `after` in order, assembling the
/// strip step whose stage is open, and opening the stage of the next strip step due (then
/// stopping there).
fn finalize_after(
    ctx: &RunContext,
    registry: &StepRegistry,
    after: &[&'static str],
    stage: Option<&str>,
) -> anyhow::Result<Outcomes> {
    let dir = &ctx.work_dir;
    let mut out = Vec::new();
    for &step in after {
        if !STRIP_STEPS.contains(&step) {
            out.extend(run_steps(ctx, registry, &[step])?);
            continue;
        }
        let sdir = step_dir(dir, step);
        if stage == Some(step) {
            check_fingerprint(ctx, step, &format!("the finalize of step {step}"))?;
            let parts = recorded_parts(dir)?.unwrap_or(1);
            let assemble = RunContext {
                split: PassSplit::Assemble {
                    dir: sdir.clone(),
                    parts,
                },
                ..ctx.clone()
            };
            out.extend(run_steps(&assemble, registry, &[step])?);
            discard_strips(&sdir)?;
            continue;
        }
        if !would_run(ctx, registry, step) {
            out.extend(run_steps(ctx, registry, &[step])?);
            continue;
        }
        // Its input is complete now: open its stage for the parts.
        if sdir.exists() {
            std::fs::remove_dir_all(&sdir)
                .with_context(|| format!("cannot remove the stale {}", sdir.display()))?;
        }
        replace_file(
            &sdir.join("fingerprint"),
            &step_fingerprint(ctx, registry, step),
        )?;
        set_stage(dir, step)?;
        let what = format!(
            "its parts are due: run the parts again (--part I/N), then --finalize again \
             (the steps after {step} follow)"
        );
        ctx.say(format!("---------- step {step}: {what} ----------"));
        out.push((step, StepOutcome::Split(what)));
        return Ok(out);
    }
    set_stage(dir, COMPLETE)?;
    Ok(out)
}
