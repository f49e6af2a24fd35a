//! The second phase of a run: invert a set of chunks of a prepared run into its store, recording
//! each chunk as done once it is durable.

use anyhow::Context;

use super::prepare::PreparedRun;
use crate::pipeline::{run_inversion, Durability, PassStats};
use crate::product::inversion::{create_sink, staging_dir, OutputFormat, OutputSpec, Sink};
use crate::product::write_geometry;

/// What the execute phase leaves for finalize.
pub struct Executed {
    /// Totals of the inversion pass.
    pub stats: PassStats,
    /// The writer of the chunks, still to be finalized.
    pub sink: Box<dyn Sink>,
    /// The geometry product written beside the chunks, when asked for.
    pub geometry: Option<std::path::PathBuf>,
    /// Chunks already done before this phase started.
    pub resumed: usize,
}

/// The store the chunks of `run` are written to. HDF5 runs write their chunks to a Zarr staging
/// store and assemble the files at the end.
pub(super) fn chunk_spec(run: &PreparedRun) -> OutputSpec {
    match run.opts.format {
        OutputFormat::Zarr => run.spec.clone(),
        OutputFormat::Hdf5 => OutputSpec {
            dir: staging_dir(&run.out_dir),
            ..run.spec.clone()
        },
    }
}

/// Inverts `chunks` (ids of the run's plan) of `run`. With `with_geometry`, the geometry product
/// is copied while the inversion runs, so it does not add its own pass at the end (a tenth of a
/// second on the benchmark stack, a serial tail otherwise).
pub fn execute(
    run: &mut PreparedRun,
    chunks: &[usize],
    with_geometry: bool,
) -> anyhow::Result<Executed> {
    let inverter = run.inverter();
    let opts = run.opts;
    let mut sink = create_sink(&chunk_spec(run))?;
    let resumed = run.state.done.len();
    let pixels = chunks.iter().map(|&id| run.plan.chunks[id].pixels()).sum();
    let progress = opts.report.progress("invert", chunks.len(), pixels);
    let (source, plan, spec, out_dir) = (run.source, &run.plan, &run.spec, &run.out_dir);
    let state = &mut run.state;
    let mut on_durable = |ids: &[usize]| state.mark_all_done(ids);
    let (stats, geometry) = std::thread::scope(|s| {
        let geometry = s.spawn(|| -> anyhow::Result<Option<std::path::PathBuf>> {
            if !with_geometry {
                return Ok(None);
            }
            let g = write_geometry(
                source,
                out_dir,
                opts.format,
                &spec.attrs,
                plan.rows_per_chunk,
            )?;
            crate::geo::geocode_lut::write_lookup_product(
                source,
                out_dir,
                opts.format,
                &spec.attrs,
            )?;
            Ok(g)
        });
        let stats = run_inversion(
            source,
            &inverter,
            plan,
            chunks,
            sink.as_mut(),
            Durability {
                every: opts.sync_every,
                record: &mut on_durable,
            },
            &progress,
        );
        (stats, geometry.join())
    });
    let stats = stats?;
    let geometry = geometry
        .map_err(|_| anyhow::anyhow!("the geometry writer panicked"))?
        .context("writing the geometry")?;
    Ok(Executed {
        stats,
        sink,
        geometry,
        resumed,
    })
}
