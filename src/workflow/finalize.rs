//! The last phase of a run: close the store, assemble MintPy's HDF5 files when asked for, and
//! mark the run complete.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::Context;

use super::execute::Executed;
use super::prepare::PreparedRun;
use super::{InvertReport, OUTPUT_NAMES};
use crate::pipeline::PassStats;
use crate::product::inversion::{staging_dir, store_path, write_hdf5_from_staging, OutputFormat};
use crate::product::{geometry_stem_in, write_geometry, Product};

/// Finalizes the outputs of an executed run and marks it complete.
pub fn finalize(
    mut run: PreparedRun,
    executed: Executed,
    start: Instant,
) -> anyhow::Result<InvertReport> {
    let Executed {
        stats,
        sink,
        geometry,
        resumed,
    } = executed;
    let opts = run.opts;
    let mut outputs = sink.finalize().context("finalizing the outputs")?;
    if opts.format == OutputFormat::Hdf5 {
        outputs = write_hdf5_from_staging(&run.spec, &run.plan.chunks)
            .context("writing the HDF5 outputs")?;
    }
    outputs.extend(geometry);
    run.state.mark_complete(&run.identity)?;
    if opts.format == OutputFormat::Hdf5 {
        let staging = staging_dir(&run.out_dir);
        std::fs::remove_dir_all(&staging)
            .with_context(|| format!("removing {}", staging.display()))?;
    }
    if stats.inversion.rank_deficient > 0 {
        opts.report.warn(format!(
            "{} pixels had a network that falls apart after dropping their no-data pairs; \
             they were solved with minimum norm",
            stats.inversion.rank_deficient
        ));
    }
    if stats.chunks == 0 && resumed > 0 {
        // `sbas finalize` of a run whose parts inverted every chunk.
        opts.report.info(format!(
            "finalized the {resumed} chunks inverted by earlier processes in {:.1} s",
            start.elapsed().as_secs_f64()
        ));
    } else {
        opts.report.info(format!(
            "inverted {} of {} pixels ({} skipped for low redundancy) in {:.1} s",
            stats.inversion.inverted,
            stats.pixels,
            stats.inversion.low_redundancy,
            start.elapsed().as_secs_f64()
        ));
    }
    Ok(report(&run, stats, outputs, resumed, start))
}

/// The report of a run that an earlier process already completed (the geometry is added when
/// the run was finished before it was kept).
pub fn finish_complete(run: &PreparedRun, start: Instant) -> anyhow::Result<InvertReport> {
    let staging = staging_dir(&run.out_dir);
    if staging.exists() {
        std::fs::remove_dir_all(&staging)
            .with_context(|| format!("removing {}", staging.display()))?;
    }
    let out_dir = &run.out_dir;
    let mut outputs = match run.opts.format {
        OutputFormat::Zarr => vec![store_path(out_dir)],
        OutputFormat::Hdf5 => OUTPUT_NAMES[1..].iter().map(|f| out_dir.join(f)).collect(),
    };
    if !Product::exists(out_dir, geometry_stem_in(out_dir)) {
        outputs.extend(write_geometry(
            run.source,
            out_dir,
            run.opts.format,
            &run.spec.attrs,
            run.plan.rows_per_chunk,
        )?);
    }
    if !Product::exists(out_dir, crate::product::GEOMETRY_GEO_STEM) {
        outputs.extend(crate::geo::geocode_lut::write_lookup_product(
            run.source,
            out_dir,
            run.opts.format,
            &run.spec.attrs,
        )?);
    }
    let chunks = run.plan.chunks.len();
    Ok(report(run, PassStats::default(), outputs, chunks, start))
}

/// The report of `run` after a phase.
pub(super) fn report(
    run: &PreparedRun,
    stats: PassStats,
    outputs: Vec<PathBuf>,
    resumed: usize,
    start: Instant,
) -> InvertReport {
    let net = &run.source.info().network;
    InvertReport {
        reference: run.reference.clone(),
        stats,
        outputs,
        rows_per_chunk: run.plan.rows_per_chunk,
        chunks: run.plan.chunks.len(),
        resumed_chunks: resumed,
        num_dates: net.num_dates(),
        num_pairs: net.num_pairs(),
        elapsed: start.elapsed(),
        network_gaps: run.network_gaps.clone(),
    }
}
