//! The quick overview's driver: one streaming pass over a stack's phase and coherence, strip
//! by strip under the memory budget, writing `avgPhaseVelocity` and
//! `numTriNonzeroIntAmbiguity` as products (MintPy's `.h5` layout or Zarr) and their pictures.

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::Context;

use rayon::prelude::*;

use super::{Overview, StripInput, StripMaps, TileScratch, TILE};
use crate::geo::{resolve_subset, SubsetRequest, SubsetSource};
use crate::meta::Attributes;
use crate::network_edit::{self, EditedStack, NetworkEdit};
use crate::plan::{ChunkPlan, PixelCost};
use crate::product::OutputFormat;
use crate::product::{DatasetSpec, ProductSpec, ProductWriter};
use crate::report::Reporter;
use crate::scratch::PerThread;
use crate::source::{open_stack, GeomLayer, StackLayer, StackSource};
use crate::survey::{choose_reference, RefRequest};
use crate::window::Window;

/// Product stem of the average phase velocity (MintPy's `avgPhaseVelocity.h5`).
pub const AVG_PHASE_VELOCITY: &str = "avgPhaseVelocity";
/// Product stem of the triplet count (MintPy's `numTriNonzeroIntAmbiguity.h5`).
pub const NUM_TRI_NONZERO: &str = "numTriNonzeroIntAmbiguity";

/// How to make the overview.
#[derive(Debug, Clone)]
pub struct OverviewOptions {
    /// The reference point (the same rule as the inversion's, so both choose the same pixel).
    pub reference: RefRequest,
    /// Budget for the strips in flight, bytes.
    pub max_memory: u64,
    /// Product format.
    pub format: OutputFormat,
    /// Network edits applied first (MintPy's `modify_network`).
    pub network: NetworkEdit,
    /// Subset applied first.
    pub subset: Option<SubsetRequest>,
    /// Also draw `pic/avgPhaseVelocity.png` and `pic/numTriNonzeroIntAmbiguity.png`.
    pub pictures: bool,
    /// Unwrapping-error corrections added to the phase as it is read (`sbas correct unwrap`).
    pub unwrap_fix: Option<PathBuf>,
    /// Where log lines and progress go.
    pub report: Reporter,
}

/// What an overview made.
#[derive(Debug, Clone)]
pub struct OverviewReport {
    /// Products and pictures written.
    pub outputs: Vec<PathBuf>,
    /// Reference pixel (row, column).
    pub ref_yx: (usize, usize),
    /// Triplets of the network.
    pub num_triplets: usize,
    /// Wall time, seconds.
    pub seconds: f64,
}

/// The overview of the stack at `stack` (after `opts.subset` and `opts.network`), into
/// `out_dir`.
pub fn overview_stack(
    stack: &Path,
    out_dir: &Path,
    opts: &OverviewOptions,
) -> anyhow::Result<OverviewReport> {
    let source = open_stack(stack).with_context(|| format!("opening stack {}", stack.display()))?;
    let source: Box<dyn StackSource> = match &opts.subset {
        None => source,
        Some(req) => {
            let window = resolve_subset(source.as_ref(), req)
                .with_context(|| format!("subset {} of {}", req.describe(), stack.display()))?;
            Box::new(SubsetSource::new(source, window)?)
        }
    };
    if opts.network.is_noop() {
        return overview_fixed(source.as_ref(), out_dir, opts);
    }
    let dropped = network_edit::resolve(
        source.as_ref(),
        &opts.network,
        opts.max_memory,
        &opts.report,
    )?;
    let edited = EditedStack::new(source.as_ref(), &dropped)?;
    overview_fixed(&edited, out_dir, opts)
}

/// The overview of `source`, through the unwrapping corrections when there are any.
fn overview_fixed(
    source: &dyn StackSource,
    out_dir: &Path,
    opts: &OverviewOptions,
) -> anyhow::Result<OverviewReport> {
    let Some(path) = &opts.unwrap_fix else {
        return overview_source(source, out_dir, opts);
    };
    let fix = crate::source::unwrap_fix::UnwrapFix::read(path)?;
    let fixed = crate::source::unwrap_fix::FixedStack::new(source, &fix)
        .with_context(|| format!("applying {}", fix.dataset))?;
    overview_source(&fixed, out_dir, opts)
}

/// The overview of `source` into `out_dir`.
pub fn overview_source(
    source: &dyn StackSource,
    out_dir: &Path,
    opts: &OverviewOptions,
) -> anyhow::Result<OverviewReport> {
    let start = Instant::now();
    let info = source.info();
    let m = info.network.num_pairs();
    let wavelength = info
        .attrs
        .get_f64("WAVELENGTH")
        .context("the stack's metadata has no usable WAVELENGTH")?;
    let has_water = info.has_geometry(GeomLayer::WaterMask);
    // Phase and coherence per pair and the water mask in; two maps out.
    let cost = PixelCost {
        input_bytes: 4 * (2 * m + 1),
        output_bytes: 8,
        scratch_bytes: 0,
    };
    let plan = ChunkPlan::new(
        info.length,
        info.width,
        cost,
        opts.max_memory,
        info.preferred_rows,
    )?;
    let survey = opts
        .report
        .progress("survey", plan.chunks.len(), info.length * info.width);
    let reference = choose_reference(source, &plan, opts.reference, &survey)?;
    survey.finish();
    opts.report.info(format!(
        "reference point y={}, x={} ({})",
        reference.y, reference.x, reference.how
    ));
    let ov = Overview::new(&info.network, wavelength, reference.phase.clone());
    if ov.num_triplets() == 0 {
        opts.report.warn(
            "the network has no triplets (three dates with all three pairs): \
             numTriNonzeroIntAmbiguity is not written",
        );
    }
    let (mut apv, mut ntri) = create_products(
        source,
        out_dir,
        opts.format,
        (reference.y, reference.x),
        ov.num_triplets() > 0,
    )?;
    let progress = opts
        .report
        .progress("overview", plan.chunks.len(), info.length * info.width);
    let mut maps = StripMaps::default();
    let rows = block_rows(m, info.width, &plan);
    // One block's buffers per thread, kept across blocks and strips.
    let blocks = PerThread::new(rayon::current_num_threads(), move || Block::new(m));
    // Chunked storage (an `ifgramStack.h5`) is read a strip at a time on this thread, as a
    // library reading whole chunks does best, and the strip's parts are reduced in parallel.
    let mut strip = Block::new(m);
    let chunked = info.preferred_rows > 1;
    for w in &plan.chunks {
        let px = w.pixels();
        maps.avg_phase_velocity.resize(px, 0.0);
        maps.num_tri_nonzero.resize(px, 0.0);
        // Pixels per task: a part of the strip read whole, or a block of rows each task reads.
        let step = if chunked { PART } else { rows * w.cols() };
        let apv_ntri = maps
            .avg_phase_velocity
            .par_chunks_mut(step)
            .zip(maps.num_tri_nonzero.par_chunks_mut(step))
            .enumerate();
        if chunked {
            strip.read(source, w, has_water)?;
            let (input, _) = strip.input(px);
            apv_ntri.for_each(|(b, (apv, ntri))| {
                blocks.with(|block| ov.part_into(&input, b * PART, apv, ntri, &mut block.tiles))
            });
        } else {
            apv_ntri.try_for_each(|(b, (apv, ntri))| {
                let y0 = w.y0 + b * rows;
                let part = Window {
                    y0,
                    y1: (y0 + rows).min(w.y1),
                    ..*w
                };
                blocks.with(|block| {
                    block.read(source, &part, has_water)?;
                    let (input, tiles) = block.input(part.pixels());
                    ov.strip_into(&input, apv, ntri, tiles);
                    anyhow::Ok(())
                })
            })?;
        }
        apv.write("velocity", *w, &maps.avg_phase_velocity)?;
        if let Some(n) = &mut ntri {
            n.write("mask", *w, &maps.num_tri_nonzero)?;
        }
        progress.chunk_done(px);
    }
    progress.finish();
    let mut outputs = vec![apv.finish()?];
    if let Some(n) = ntri {
        outputs.push(n.finish()?);
    }
    if opts.pictures {
        outputs.extend(pictures(out_dir, ov.num_triplets() > 0)?);
    }
    Ok(OverviewReport {
        outputs,
        ref_yx: (reference.y, reference.x),
        num_triplets: ov.num_triplets(),
        seconds: start.elapsed().as_secs_f64(),
    })
}

/// Pixels of a part of a strip read whole (chunked storage): whole tiles, a few per thread.
const PART: usize = 16 * TILE;

/// Bytes of one layer of a block: the phase and coherence of a block (one per thread) stay in
/// the cache from the read to the loops over them.
const BLOCK_LAYER_BYTES: usize = 2 << 20;

/// Rows per block of a `width`-pixel image with `m` pairs read by rows (at least one): about
/// [`BLOCK_LAYER_BYTES`] per layer, and never more than a thread's share of the plan's strips,
/// so the blocks in flight fit the strips' budget.
fn block_rows(m: usize, width: usize, plan: &ChunkPlan) -> usize {
    let share = (plan.rows_per_chunk / rayon::current_num_threads()).max(1);
    (BLOCK_LAYER_BYTES / (4 * m.max(1) * width.max(1))).clamp(1, share)
}

/// One thread's buffers: a block's phase, coherence and water mask, and the tile scratch.
struct Block {
    phase: Vec<f32>,
    coherence: Vec<f32>,
    water: Vec<f32>,
    tiles: TileScratch,
}

impl Block {
    fn new(m: usize) -> Block {
        Block {
            phase: Vec::new(),
            coherence: Vec::new(),
            water: Vec::new(),
            tiles: TileScratch::new(m),
        }
    }

    /// Reads window `w` of `source`.
    fn read(
        &mut self,
        source: &dyn StackSource,
        w: &Window,
        has_water: bool,
    ) -> anyhow::Result<()> {
        let px = w.pixels();
        let m = source.info().network.num_pairs();
        self.phase.resize(m * px, 0.0);
        self.coherence.resize(m * px, 0.0);
        source.read_stack(StackLayer::Phase, w, &mut self.phase)?;
        source.read_stack(StackLayer::Coherence, w, &mut self.coherence)?;
        if has_water {
            self.water.resize(px, 0.0);
            source.read_geometry(GeomLayer::WaterMask, w, &mut self.water)?;
        } else {
            self.water.clear();
        }
        Ok(())
    }

    /// The window last read, of `px` pixels, and the tile scratch.
    fn input(&mut self, px: usize) -> (StripInput<'_>, &mut TileScratch) {
        let input = StripInput {
            phase: &self.phase,
            coherence: &self.coherence,
            water: (!self.water.is_empty()).then_some(&self.water[..]),
            px,
        };
        (input, &mut self.tiles)
    }
}

/// The two products, empty (the triplet count only when the network has triplets).
fn create_products(
    source: &dyn StackSource,
    out_dir: &Path,
    format: OutputFormat,
    ref_yx: (usize, usize),
    with_triplets: bool,
) -> anyhow::Result<(ProductWriter, Option<ProductWriter>)> {
    let info = source.info();
    let spec = |stem: &str, file_type: &str, dataset: DatasetSpec| {
        let mut attrs = Attributes::new();
        attrs.extend(&info.attrs);
        attrs.set("FILE_TYPE", file_type);
        attrs.set("UNIT", &dataset.unit);
        attrs.set("REF_Y", ref_yx.0);
        attrs.set("REF_X", ref_yx.1);
        ProductSpec {
            stem: stem.to_string(),
            file_type: file_type.to_string(),
            length: info.length,
            width: info.width,
            dates: Vec::new(),
            bperp: Vec::new(),
            attrs,
            datasets: vec![dataset],
        }
    };
    let apv = ProductWriter::create(
        out_dir,
        format,
        spec(
            AVG_PHASE_VELOCITY,
            "velocity",
            DatasetSpec::map("velocity", "m/year", "average phase velocity"),
        ),
    )?;
    let ntri = if with_triplets {
        Some(ProductWriter::create(
            out_dir,
            format,
            spec(
                NUM_TRI_NONZERO,
                "mask",
                DatasetSpec::map(
                    "mask",
                    "1",
                    "triplets with a non-zero integer ambiguity of the closure phase",
                ),
            ),
        )?)
    } else {
        None
    };
    Ok((apv, ntri))
}

/// `pic/avgPhaseVelocity.png` and `pic/numTriNonzeroIntAmbiguity.png`.
fn pictures(dir: &Path, with_triplets: bool) -> anyhow::Result<Vec<PathBuf>> {
    use crate::plot::view::{render_view, ViewOptions};
    let pic = dir.join("pic");
    std::fs::create_dir_all(&pic).with_context(|| format!("creating {}", pic.display()))?;
    let stems: &[&str] = if with_triplets {
        &[AVG_PHASE_VELOCITY, NUM_TRI_NONZERO]
    } else {
        &[AVG_PHASE_VELOCITY]
    };
    // One picture per thread: most of a picture's time is its PNG compression.
    let out = stems
        .par_iter()
        .map(|stem| -> anyhow::Result<PathBuf> {
            let opts = ViewOptions {
                layer: stem.to_string(),
                ..ViewOptions::default()
            };
            let file = pic.join(format!("{stem}.png"));
            render_view(dir, &opts)
                .with_context(|| format!("drawing {stem}"))?
                .0
                .write_png(&file)?;
            Ok(file)
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    Ok(out)
}
