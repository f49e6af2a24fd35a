//! A run split across processes: `--prepare` (plan, reference point, empty store, manifest),
//! `--part i/N` (one disjoint share of the chunks) and `sbas finalize` (check that every chunk
//! is durable, then the same last phase as a single-process run). Each is the single-process
//! run's phases with another choice of chunks, so the store they leave is the same bit for bit.

use std::path::Path;
use std::time::Instant;

use anyhow::bail;

use super::execute::{chunk_spec, execute};
use super::finalize::{finalize, finish_complete, report};
use super::prepare::{prepare, prepare_part};
use super::{InvertOptions, InvertReport};
use crate::parts::Part;
use crate::pipeline::PassStats;
use crate::product::inversion::create_sink;
use crate::resume::{record_parts, recorded_parts, summarize};
use crate::source::StackSource;

/// Which phases of a run one process does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// All three, in this process (plain `sbas invert`).
    Whole,
    /// Only the first: plan, reference point, empty store, manifest; with `parts`, also fix the
    /// number of parts.
    Prepare {
        /// Number of parts the run will be split into, when known now.
        parts: Option<usize>,
    },
    /// Invert one part's share of the chunks of a prepared run.
    Part(Part),
    /// Check that every chunk is durable and finalize.
    Finalize,
}

/// The prepare step alone: afterwards the parts only read what it fixed.
pub fn prepare_only(
    source: &dyn StackSource,
    stack: &Path,
    out_dir: &Path,
    opts: &InvertOptions,
    parts: Option<usize>,
    start: Instant,
) -> anyhow::Result<InvertReport> {
    let run = prepare(source, stack, out_dir, opts)?;
    if run.state.complete {
        return finish_complete(&run, start);
    }
    if let Some(n) = parts {
        Part::new(1, n)?;
        record_parts(out_dir, n)?;
    }
    // The parts then open the store and find every metadata document current, so none of them
    // rewrites one under another's feet.
    drop(create_sink(&chunk_spec(&run))?);
    let chunks = run.plan.chunks.len();
    opts.report.info(format!(
        "prepared {}: {chunks} chunks{}; run its parts (`--part I/N`), then `sbas finalize {}`",
        out_dir.display(),
        match parts.or(recorded_parts(out_dir)?) {
            Some(n) => format!(" in {n} parts"),
            None => String::new(),
        },
        out_dir.display()
    ));
    let done = run.state.done.len();
    Ok(report(&run, PassStats::default(), Vec::new(), done, start))
}

/// One part: inverts the chunks `part` owns that are not durable yet.
pub fn run_part(
    source: &dyn StackSource,
    stack: &Path,
    out_dir: &Path,
    opts: &InvertOptions,
    part: Part,
    start: Instant,
) -> anyhow::Result<InvertReport> {
    let mut run = prepare_part(source, stack, out_dir, opts, part)?;
    let done = run.state.done.len();
    if run.state.complete {
        opts.report.info(format!(
            "{} already holds the complete result of this run; part {part} has nothing to do",
            out_dir.display()
        ));
        return Ok(report(&run, PassStats::default(), Vec::new(), done, start));
    }
    let owned = part.chunks(run.plan.chunks.len());
    let todo: Vec<usize> = owned
        .iter()
        .copied()
        .filter(|c| !run.state.done.contains(c))
        .collect();
    opts.report.info(format!(
        "part {part}: {} of its {} chunks to invert ({} already durable)",
        todo.len(),
        owned.len(),
        owned.len() - todo.len()
    ));
    let executed = execute(&mut run, &todo, false)?;
    // Every chunk written is durable and recorded by now; the store stays unfinalized for
    // `sbas finalize`.
    drop(executed.sink);
    let inv = &executed.stats.inversion;
    if inv.rank_deficient > 0 {
        opts.report.warn(format!(
            "part {part}: {} pixels had a network that falls apart after dropping their no-data \
             pairs; they were solved with minimum norm",
            inv.rank_deficient
        ));
    }
    opts.report.info(format!(
        "part {part}: inverted {} of {} pixels ({} skipped for low redundancy) in {:.1} s",
        inv.inverted,
        executed.stats.pixels,
        inv.low_redundancy,
        start.elapsed().as_secs_f64()
    ));
    Ok(report(&run, executed.stats, Vec::new(), done, start))
}

/// Finalize: refuses, naming the missing chunks and their parts, unless every chunk is durable.
pub fn finalize_run(
    source: &dyn StackSource,
    stack: &Path,
    out_dir: &Path,
    opts: &InvertOptions,
    start: Instant,
) -> anyhow::Result<InvertReport> {
    if summarize(out_dir)?.is_none() {
        bail!(
            "{} was never prepared: nothing to finalize (run `sbas invert ... --prepare` and its \
             parts first)",
            out_dir.display()
        );
    }
    let mut run = prepare(source, stack, out_dir, opts)?;
    if run.state.complete {
        return finish_complete(&run, start);
    }
    let missing = run.todo();
    if !missing.is_empty() {
        bail!(
            "cannot finalize {}: {} of {} chunks are not durable yet ({}); run {} (again), then \
             finalize",
            out_dir.display(),
            missing.len(),
            run.plan.chunks.len(),
            describe_missing(&missing, recorded_parts(out_dir)?),
            match recorded_parts(out_dir)? {
                Some(_) => "those parts",
                None => "the parts (or the single-process `sbas invert`)",
            }
        );
    }
    let executed = execute(&mut run, &[], true)?;
    finalize(run, executed, start)
}

/// `part 2/4: chunks 1, 5; part 4/4: chunk 3`, or the chunk list when the run has no parts.
fn describe_missing(missing: &[usize], parts: Option<usize>) -> String {
    let list = |ids: &[usize]| {
        let shown: Vec<String> = ids.iter().take(12).map(|c| c.to_string()).collect();
        let more = if ids.len() > 12 {
            format!(" and {} more", ids.len() - 12)
        } else {
            String::new()
        };
        format!(
            "chunk{} {}{more}",
            if ids.len() == 1 { "" } else { "s" },
            shown.join(", ")
        )
    };
    let Some(n) = parts else {
        return list(missing);
    };
    (1..=n)
        .filter_map(|i| {
            let p = Part { index: i, count: n };
            let ids: Vec<usize> = missing.iter().copied().filter(|&c| p.owns(c)).collect();
            (!ids.is_empty()).then(|| format!("part {p}: {}", list(&ids)))
        })
        .collect::<Vec<_>>()
        .join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_chunks_are_named_with_their_parts() {
        assert_eq!(
            describe_missing(&[1, 3, 5], Some(4)),
            "part 2/4: chunks 1, 5; part 4/4: chunk 3"
        );
        assert_eq!(describe_missing(&[7], None), "chunk 7");
        let many: Vec<usize> = (0..20).collect();
        assert!(describe_missing(&many, None).ends_with("and 8 more"));
    }
}
