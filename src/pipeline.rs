//! The threads and channels of a pass: a reader fills chunks, the inverter turns them into
//! results (parallel inside), a writer stores them. Bounded channels keep at most a few chunks in
//! flight, so memory stays within the plan's budget whatever the stack size. Knows neither
//! formats nor formulas: it moves chunks.

use anyhow::{anyhow, Context};
use crossbeam_channel::bounded;

use crate::invert::{ChunkIn, ChunkOut, ChunkStats, Inverter, ObsMask};
use crate::plan::ChunkPlan;
use crate::product::inversion::Sink;
use crate::report::Progress;
use crate::source::{GeomLayer, StackLayer, StackSource};
use crate::window::Window;

/// Totals of a pass.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PassStats {
    /// Chunks processed.
    pub chunks: usize,
    /// Pixels processed.
    pub pixels: usize,
    /// Summed chunk counts.
    pub inversion: ChunkStats,
}

/// Reads the inputs of one chunk: every layer the inversion needs.
pub fn read_chunk(
    source: &dyn StackSource,
    inverter: &Inverter,
    id: usize,
    window: Window,
) -> anyhow::Result<ChunkIn> {
    let mut chunk = ChunkIn {
        id,
        window,
        phase: Vec::new(),
        coherence: Vec::new(),
        conncomp: None,
        water_mask: None,
        shadow_mask: None,
    };
    fill_chunk(source, inverter, id, window, &mut chunk)?;
    Ok(chunk)
}

/// Reads the inputs of chunk `id` into `chunk`, reusing its buffers (a used chunk's memory is
/// recycled instead of freed and faulted in again).
pub fn fill_chunk(
    source: &dyn StackSource,
    inverter: &Inverter,
    id: usize,
    window: Window,
    chunk: &mut ChunkIn,
) -> anyhow::Result<()> {
    let info = source.info();
    let m = info.network.num_pairs();
    let px = window.pixels();
    let what = |layer: &str| format!("reading {layer} of rows {}..{}", window.y0, window.y1);
    chunk.id = id;
    chunk.window = window;
    chunk.phase.resize(m * px, 0.0);
    source
        .read_stack(StackLayer::Phase, &window, &mut chunk.phase)
        .with_context(|| what("unwrapped phase"))?;
    chunk.coherence.resize(m * px, 0.0);
    source
        .read_stack(StackLayer::Coherence, &window, &mut chunk.coherence)
        .with_context(|| what("coherence"))?;
    if inverter.config.mask == Some(ObsMask::ConnComp) {
        let c = chunk.conncomp.get_or_insert_with(Vec::new);
        c.resize(m * px, 0.0);
        source
            .read_stack(StackLayer::ConnComp, &window, c)
            .with_context(|| what("connected components"))?;
    } else {
        chunk.conncomp = None;
    }
    for (layer, slot) in [
        (GeomLayer::WaterMask, &mut chunk.water_mask),
        (GeomLayer::ShadowMask, &mut chunk.shadow_mask),
    ] {
        if info.has_geometry(layer) {
            let v = slot.get_or_insert_with(Vec::new);
            v.resize(px, 0.0);
            source
                .read_geometry(layer, &window, v)
                .with_context(|| what(layer.mintpy_name()))?;
        } else {
            *slot = None;
        }
    }
    Ok(())
}

/// Default longest time written chunks wait for a sync. Syncing flushes every file written since the
/// last sync (a journal commit each on ext4): once per chunk that was about 500 flushes on the
/// 1000 x 1000 benchmark stack, and runs to ext4 took 1.1 to 1.8 s instead of 1.04 to 1.12 s.
/// A run killed between syncs redoes at most this much work.
pub const SYNC_INTERVAL: std::time::Duration = std::time::Duration::from_secs(2);

/// When written chunks become durable, and who is told.
pub struct Durability<'a> {
    /// Longest time written chunks wait for a sync (zero: after every chunk).
    pub every: std::time::Duration,
    /// Called with the chunks made durable by each sync (e.g. to record them as done).
    pub record: &'a mut (dyn FnMut(&[usize]) -> anyhow::Result<()> + Send),
}

impl Durability<'_> {
    /// Syncs the sink, then reports the chunks `ids` durable and forgets them.
    fn make_durable(&mut self, sink: &mut dyn Sink, ids: &mut Vec<usize>) -> anyhow::Result<()> {
        sink.sync().context("syncing the outputs")?;
        (self.record)(ids)?;
        ids.clear();
        Ok(())
    }
}

/// Runs the inversion pass over the chunks `todo` (ids into the plan), writing each into `sink`
/// and, at most `durability.every` apart (see [`SYNC_INTERVAL`]) and at the end, syncing the
/// sink and reporting the chunks written since the last sync to `durability.record`. The first error of any
/// stage stops every stage and is returned. Finalizing the sink is the caller's job.
pub fn run_inversion(
    source: &dyn StackSource,
    inverter: &Inverter,
    plan: &ChunkPlan,
    todo: &[usize],
    sink: &mut dyn Sink,
    mut durability: Durability<'_>,
    progress: &Progress,
) -> anyhow::Result<PassStats> {
    let (in_tx, in_rx) = bounded::<ChunkIn>(1);
    let (out_tx, out_rx) = bounded::<ChunkOut>(1);
    // Used inputs go back to the reader to be refilled (the plan counts this one in flight),
    // written results back to the inversion (they are a tenth of an input's size).
    let (used_tx, used_rx) = bounded::<ChunkIn>(1);
    let (written_tx, written_rx) = bounded::<ChunkOut>(1);
    let (reader_res, compute_res, writer_res) = std::thread::scope(|s| {
        let reader = s.spawn(move || -> anyhow::Result<()> {
            for &id in todo {
                let chunk = match used_rx.try_recv() {
                    Ok(mut used) => {
                        fill_chunk(source, inverter, id, plan.chunks[id], &mut used)?;
                        used
                    }
                    Err(_) => read_chunk(source, inverter, id, plan.chunks[id])?,
                };
                if in_tx.send(chunk).is_err() {
                    break; // a later stage failed; its error is the one reported
                }
            }
            Ok(())
        });
        let compute = s.spawn(move || -> anyhow::Result<()> {
            for chunk in in_rx {
                let mut out = written_rx.try_recv().unwrap_or_default();
                inverter
                    .try_invert_chunk_into(&chunk, &mut out)
                    .with_context(|| format!("inverting chunk {}", chunk.id))?;
                // A full queue means the reader has one spare already: free this one.
                let _ = used_tx.try_send(chunk);
                if out_tx.send(out).is_err() {
                    break;
                }
            }
            Ok(())
        });
        let writer = s.spawn(move || -> anyhow::Result<PassStats> {
            let mut stats = PassStats::default();
            let mut unsynced: Vec<usize> = Vec::new();
            let mut last_sync = std::time::Instant::now();
            for out in out_rx {
                let rows = || format!("writing rows {}..{}", out.window.y0, out.window.y1);
                sink.write_chunk(&out).with_context(rows)?;
                unsynced.push(out.id);
                if last_sync.elapsed() >= durability.every {
                    durability
                        .make_durable(sink, &mut unsynced)
                        .with_context(rows)?;
                    last_sync = std::time::Instant::now();
                }
                stats.chunks += 1;
                stats.pixels += out.window.pixels();
                stats.inversion.inverted += out.stats.inverted;
                stats.inversion.rank_deficient += out.stats.rank_deficient;
                stats.inversion.low_redundancy += out.stats.low_redundancy;
                progress.chunk_done(out.window.pixels());
                // A full queue means the inversion has spares already: free this one.
                let _ = written_tx.try_send(out);
            }
            if !unsynced.is_empty() {
                durability.make_durable(sink, &mut unsynced)?;
            }
            Ok(stats)
        });
        (
            reader
                .join()
                .map_err(|_| anyhow!("the reader thread panicked")),
            compute
                .join()
                .map_err(|_| anyhow!("the inversion thread panicked")),
            writer
                .join()
                .map_err(|_| anyhow!("the writer thread panicked")),
        )
    });
    progress.finish();
    // The writer's error explains a reader or inverter that stopped because it went away.
    let stats = writer_res?;
    reader_res??;
    compute_res??;
    let stats = stats?;
    if stats.chunks != todo.len() {
        anyhow::bail!(
            "only {} of {} chunks were written; outputs are incomplete",
            stats.chunks,
            todo.len()
        );
    }
    Ok(stats)
}
