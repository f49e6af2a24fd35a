//! The unwrapping-error correction driver (MintPy's `correct_unwrap_error` step): reads the
//! connected components of whole interferograms, as many at a time as the memory budget holds
//! (at least one), and their phase only where the corrections are measured, computes their
//! integer cycle corrections with [`crate::correct::unwrap`] and writes them as
//! an [`UnwrapFix`] product (`<dataset>.json`) that [`crate::source::unwrap_fix::FixedStack`]
//! applies when the inversion reads the stack.

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{bail, Context};
use rayon::prelude::*;

use crate::correct::unwrap::cycles::{runs_of, Run};
use crate::correct::unwrap::{bridge_ifg, BridgingOptions};
use crate::correct::unwrap_closure::phase_closure;
use crate::plan::{ChunkPlan, PixelCost};
use crate::report::Reporter;
use crate::scratch::PerThread;
use crate::source::unwrap_fix::{FixedStack, UnwrapFix};
use crate::source::{StackLayer, StackSource};
use crate::survey::{choose_reference, RefRequest};
use crate::window::Window;

/// Which correction (MintPy's `mintpy.unwrapError.method`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnwrapMethod {
    /// `bridging`.
    Bridging,
    /// `phase_closure`.
    PhaseClosure,
    /// `bridging+phase_closure`: bridging, then phase closure of the bridged phase.
    BridgingPhaseClosure,
}

impl UnwrapMethod {
    /// Parses MintPy's method name.
    pub fn parse(s: &str) -> anyhow::Result<UnwrapMethod> {
        match s.trim() {
            "bridging" => Ok(UnwrapMethod::Bridging),
            "phase_closure" => Ok(UnwrapMethod::PhaseClosure),
            "bridging+phase_closure" => Ok(UnwrapMethod::BridgingPhaseClosure),
            other => bail!(
                "unknown unwrapping-error method '{other}': expected bridging, phase_closure or \
                 bridging+phase_closure"
            ),
        }
    }

    /// MintPy's name of the corrected phase dataset: the product's stem.
    pub fn dataset(self) -> &'static str {
        match self {
            UnwrapMethod::Bridging => "unwrapPhase_bridging",
            UnwrapMethod::PhaseClosure => "unwrapPhase_phaseClosure",
            UnwrapMethod::BridgingPhaseClosure => "unwrapPhase_bridging_phaseClosure",
        }
    }

    /// MintPy's method name.
    pub fn name(self) -> &'static str {
        match self {
            UnwrapMethod::Bridging => "bridging",
            UnwrapMethod::PhaseClosure => "phase_closure",
            UnwrapMethod::BridgingPhaseClosure => "bridging+phase_closure",
        }
    }

    /// Whether the method bridges.
    pub fn bridges(self) -> bool {
        self != UnwrapMethod::PhaseClosure
    }

    /// Whether the method uses the phase closure.
    pub fn closes(self) -> bool {
        self != UnwrapMethod::Bridging
    }
}

/// How to correct.
#[derive(Debug, Clone)]
pub struct UnwrapOptions {
    /// The method.
    pub method: UnwrapMethod,
    /// Bridging settings (the phase closure uses their minimum area too).
    pub bridging: BridgingOptions,
    /// Sampled pixels per common region of the phase closure (`numSample`).
    pub num_sample: usize,
    /// Zero the connected components on water where the stack has a water mask (MintPy's
    /// `waterMaskFile = waterMask.h5`, the default).
    pub water_mask: bool,
    /// The reference point, chosen by the same rule as the inversion's.
    pub reference: RefRequest,
    /// Memory budget, bytes.
    pub max_memory: u64,
    /// Where log lines and progress go.
    pub report: Reporter,
}

/// What a correction made.
#[derive(Debug, Clone)]
pub struct UnwrapReport {
    /// The product written.
    pub path: PathBuf,
    /// Reference pixel (row, column).
    pub ref_yx: (usize, usize),
    /// Interferograms with at least one corrected pixel.
    pub corrected_ifgs: usize,
    /// Corrected (pixel, interferogram) samples.
    pub corrected_samples: usize,
    /// Interferograms held in memory at once.
    pub group: usize,
    /// Wall time, seconds.
    pub seconds: f64,
}

/// The settings as recorded in the product (and compared by update mode).
pub fn describe(opts: &UnwrapOptions) -> Vec<(String, String)> {
    let b = &opts.bridging;
    let mut out = vec![
        ("method".into(), opts.method.name().into()),
        ("connCompMinArea".into(), b.min_area.to_string()),
        ("bridgePtsRadius".into(), b.radius.to_string()),
        (
            "ramp".into(),
            b.ramp.map_or("no".to_string(), |r| r.name().to_string()),
        ),
        ("waterMask".into(), opts.water_mask.to_string()),
    ];
    if opts.method.closes() {
        out.push(("numSample".into(), opts.num_sample.to_string()));
    }
    out
}

/// Corrects the interferograms of `source` and writes the product into `out_dir`.
pub fn correct_unwrap_source(
    source: &dyn StackSource,
    out_dir: &Path,
    opts: &UnwrapOptions,
) -> anyhow::Result<UnwrapReport> {
    let start = Instant::now();
    let info = source.info();
    if !info.has_layer(StackLayer::ConnComp) {
        bail!(
            "{} needs the connected components of the unwrapping, and the stack has none",
            opts.method.name()
        );
    }
    if opts.num_sample == 0 {
        bail!("the number of samples per region (numSample) must be at least 1");
    }
    let (length, width, m) = (info.length, info.width, info.network.num_pairs());
    let plan = ChunkPlan::new(
        length,
        width,
        PixelCost {
            input_bytes: 8 * m,
            output_bytes: 0,
            scratch_bytes: 0,
        },
        opts.max_memory / 2,
        info.preferred_rows,
    )?;
    let survey = opts
        .report
        .progress("survey", plan.chunks.len(), length * width);
    let reference = choose_reference(source, &plan, opts.reference, &survey)?;
    survey.finish();
    let ref_yx = (reference.y, reference.x);
    opts.report.info(format!(
        "reference point y={}, x={} ({})",
        reference.y, reference.x, reference.how
    ));
    let land = land_mask(source, opts.water_mask, &plan)?;
    let (pairs, group) = if opts.method.bridges() {
        bridging_pass(source, ref_yx, &land, opts)?
    } else {
        (vec![Vec::new(); m], 1)
    };
    let pairs = if opts.method.closes() {
        let (closed, stats) = if opts.method.bridges() {
            let bridged = UnwrapFix {
                dataset: UnwrapMethod::Bridging.dataset().to_string(),
                length,
                width,
                settings: Vec::new(),
                pairs: named(info, pairs.clone()),
            };
            let view = FixedStack::new(source, &bridged)?;
            phase_closure(&view, &plan, ref_yx, &land, opts)?
        } else {
            phase_closure(source, &plan, ref_yx, &land, opts)?
        };
        opts.report.info(format!(
            "phase closure: {} common region(s), {} pixels solved",
            stats.regions, stats.solved
        ));
        pairs
            .iter()
            .zip(&closed)
            .map(|(a, b)| add_runs(a, b, length, width))
            .collect()
    } else {
        pairs
    };
    let pairs = named(info, pairs);
    let fix = UnwrapFix {
        dataset: opts.method.dataset().to_string(),
        length,
        width,
        settings: describe(opts),
        pairs,
    };
    std::fs::create_dir_all(out_dir)
        .with_context(|| format!("cannot create folder {}", out_dir.display()))?;
    let path = UnwrapFix::path_in(out_dir, &fix.dataset);
    fix.write(&path)?;
    Ok(UnwrapReport {
        path,
        ref_yx,
        corrected_ifgs: fix.pairs.iter().filter(|(_, r)| !r.is_empty()).count(),
        corrected_samples: fix.num_corrected(),
        group,
        seconds: start.elapsed().as_secs_f64(),
    })
}

/// Interferograms in flight at once (at least one, at most one per thread): each holds
/// `bytes_per_px` bytes per pixel of its `npx`-pixel images, within half the budget.
pub(crate) fn in_flight(budget: u64, npx: usize, bytes_per_px: u64) -> usize {
    let threads = rayon::current_num_threads() as u64;
    let each = bytes_per_px.max(1) * npx.max(1) as u64;
    ((budget / 2) / each).clamp(1, threads) as usize
}

/// `f(i, images)` for the pairs `i` of `pairs` (indices into `source`'s pairs), `images`
/// holding the whole `length x width` images of `layers` of that pair, in the order of `pairs`. Each interferogram is read once, by the
/// thread that then works on it, into that thread's buffers (reused from pair to pair): as
/// many interferograms are in memory as are in flight, `in_flight(budget, npx, 4 *
/// layers.len() + work_bytes)` of them, whatever the stack's length. Returns the results and
/// that number.
pub(crate) fn map_pair_images<T: Send>(
    source: &dyn StackSource,
    pairs: &[usize],
    layers: &[StackLayer],
    work_bytes: u64,
    budget: u64,
    f: impl Fn(usize, &[Vec<f32>]) -> anyhow::Result<T> + Sync,
) -> anyhow::Result<(Vec<T>, usize)> {
    let info = source.info();
    let full = Window::full(info.length, info.width);
    let npx = full.pixels();
    let k = in_flight(budget, npx, 4 * layers.len() as u64 + work_bytes);
    let n = layers.len();
    let buffers = PerThread::new(k, move || vec![Vec::new(); n]);
    let run = || -> anyhow::Result<Vec<T>> {
        pairs
            .par_iter()
            .map(|&i| {
                buffers.with(|images| {
                    for (image, &layer) in images.iter_mut().zip(layers) {
                        image.resize(npx, 0.0);
                        source.read_pairs(layer, i..i + 1, &full, image)?;
                    }
                    f(i, images)
                })
            })
            .collect()
    };
    let out = if k < rayon::current_num_threads() {
        rayon::ThreadPoolBuilder::new()
            .num_threads(k)
            .build()
            .context("cannot start the threads that read interferograms")?
            .install(run)?
    } else {
        run()?
    };
    Ok((out, k))
}

/// Runs of every pair with the pair's name.
fn named(info: &crate::source::StackInfo, runs: Vec<Vec<Run>>) -> Vec<(String, Vec<Run>)> {
    runs.into_iter()
        .enumerate()
        .map(|(i, r)| (info.network.pair_name(i), r))
        .collect()
}

/// The runs of the sum of two corrections of a `length x width` image.
fn add_runs(a: &[Run], b: &[Run], length: usize, width: usize) -> Vec<Run> {
    if b.is_empty() {
        return a.to_vec();
    }
    if a.is_empty() {
        return b.to_vec();
    }
    let mut k = vec![0i32; length * width];
    for r in a.iter().chain(b) {
        let row = r.y as usize * width;
        for v in &mut k[row + r.x0 as usize..row + r.x1 as usize] {
            *v += r.k;
        }
    }
    runs_of(length, width, |p| k[p])
}

/// Bridging of every interferogram, as many in flight at a time as there are threads and the
/// budget holds: its conncomp read whole, its phase only at the reference pixel and the bridge
/// ends (the whole image with a ramp). Returns the runs per pair and that number.
fn bridging_pass(
    source: &dyn StackSource,
    ref_yx: (usize, usize),
    land: &[bool],
    opts: &UnwrapOptions,
) -> anyhow::Result<(Vec<Vec<Run>>, usize)> {
    let info = source.info();
    let (length, width, m) = (info.length, info.width, info.network.num_pairs());
    let npx = length * width;
    let progress = opts.report.progress("bridging", m, m * npx);
    // Only the conncomp is read whole; the phase only where the jumps are measured (see
    // `bridge_ifg`). Per interferogram in flight, besides the conncomp: the labels, the phase
    // image and the cleaning's images (about 28 bytes per pixel).
    let layers = [StackLayer::ConnComp];
    let all: Vec<usize> = (0..m).collect();
    let (pairs, k) = map_pair_images(source, &all, &layers, 28, opts.max_memory, |i, images| {
        let labels = component_labels(&images[0], land);
        let mut work = Vec::new();
        let read_phase = |w: &Window, out: &mut [f32]| {
            source
                .read_pairs(StackLayer::Phase, i..i + 1, w, out)
                .map_err(|e| format!("{e:#}"))
        };
        let b = bridge_ifg(
            &labels,
            (length, width),
            Some(ref_yx),
            &opts.bridging,
            read_phase,
            &mut work,
        )
        .map_err(|e| anyhow::anyhow!("interferogram {}: {e}", info.network.pair_name(i)))?;
        if b.unmeasured > 0 {
            opts.report.warn(format!(
                "interferogram {}: {} component(s) without valid phase at a bridge end \
                 left uncorrected (MintPy sets them to NaN)",
                info.network.pair_name(i),
                b.unmeasured
            ));
        }
        progress.chunk_done(npx);
        Ok(b.runs)
    })?;
    progress.finish();
    Ok((pairs, k))
}

/// The connected-component labels of one interferogram as the cleaning takes them: the stored
/// label (converted as `f32 as u32`) where it is positive and finite and the pixel is on land,
/// else 0.
pub(crate) fn component_labels(cc: &[f32], land: &[bool]) -> Vec<u32> {
    let label = |c: f32, l: bool| {
        if l & c.is_finite() & (c > 0.0) {
            c as u32
        } else {
            0
        }
    };
    // Labels below 2^31 convert through i32, which vector units do in one instruction (the
    // u32 conversion, and the saturating i32 one, are scalar): the same numbers, as the
    // conversion truncates either way. Larger values (or an infinity) are noticed on the way
    // and the image redone exactly.
    let mut large = false;
    let fast: Vec<u32> = cc
        .iter()
        .zip(land)
        .map(|(&c, &l)| {
            large |= c >= 2_147_483_648.0;
            // max and min return the number when the other is NaN: 0 <= v <= 2^31 - 128
            // (clamp would keep a NaN).
            #[allow(clippy::manual_clamp)]
            let v = c.max(0.0).min(2_147_483_520.0);
            // SAFETY: v is finite and within i32's range (line above).
            let v = unsafe { v.to_int_unchecked::<i32>() } as u32;
            if l & (c > 0.0) {
                v
            } else {
                0
            }
        })
        .collect();
    if !large {
        return fast;
    }
    cc.iter().zip(land).map(|(&c, &l)| label(c, l)).collect()
}

/// Land flags of the whole image (all true without a water mask or when it is not used).
fn land_mask(
    source: &dyn StackSource,
    use_water_mask: bool,
    plan: &ChunkPlan,
) -> anyhow::Result<Vec<bool>> {
    let info = source.info();
    let mut land = vec![true; info.length * info.width];
    if !use_water_mask {
        return Ok(land);
    }
    let (mut water, mut scratch) = (Vec::new(), Vec::new());
    for w in &plan.chunks {
        if let Some(flags) =
            crate::network_edit::water_mask(info, source, w, &mut water, &mut scratch)?
        {
            copy_window(w, info.width, flags, &mut land);
        }
    }
    Ok(land)
}

fn copy_window<T: Copy>(w: &Window, width: usize, from: &[T], to: &mut [T]) {
    let cols = w.x1 - w.x0;
    for (r, line) in from.chunks_exact(cols).enumerate() {
        let at = (w.y0 + r) * width + w.x0;
        to[at..at + cols].copy_from_slice(line);
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;
    use std::sync::Mutex;

    use super::*;
    use crate::correct::unwrap_closure::phase_closure;
    use crate::simulate::{simulate, SimConfig};
    use crate::source::{open_stack, GeomLayer, StackInfo};

    /// Counts the pixels read per (layer, pair) through `read_pairs`, and the largest window
    /// read per layer through `read_stack` (which `read_pixel` calls).
    struct Counting<'a> {
        inner: &'a dyn StackSource,
        by_pair: Mutex<HashMap<(StackLayer, usize), usize>>,
        largest_stack_read: Mutex<HashMap<StackLayer, usize>>,
    }

    impl<'a> Counting<'a> {
        fn new(inner: &'a dyn StackSource) -> Counting<'a> {
            Counting {
                inner,
                by_pair: Mutex::new(HashMap::new()),
                largest_stack_read: Mutex::new(HashMap::new()),
            }
        }
    }

    impl StackSource for Counting<'_> {
        fn info(&self) -> &StackInfo {
            self.inner.info()
        }
        fn read_stack(&self, layer: StackLayer, w: &Window, out: &mut [f32]) -> anyhow::Result<()> {
            let mut big = self.largest_stack_read.lock().unwrap();
            let e = big.entry(layer).or_default();
            *e = (*e).max(w.pixels());
            drop(big);
            self.inner.read_stack(layer, w, out)
        }
        fn read_pairs(
            &self,
            layer: StackLayer,
            pairs: std::ops::Range<usize>,
            w: &Window,
            out: &mut [f32],
        ) -> anyhow::Result<()> {
            let mut counts = self.by_pair.lock().unwrap();
            for i in pairs.clone() {
                *counts.entry((layer, i)).or_default() += w.pixels();
            }
            drop(counts);
            self.inner.read_pairs(layer, pairs, w, out)
        }
        fn read_geometry(
            &self,
            layer: GeomLayer,
            w: &Window,
            out: &mut [f32],
        ) -> anyhow::Result<()> {
            self.inner.read_geometry(layer, w, out)
        }
    }

    #[test]
    fn bridging_reads_each_conncomp_once_and_the_phase_where_it_measures() {
        let dir = tempfile::tempdir().unwrap();
        let (l, w) = (40, 50);
        let cfg = SimConfig {
            rows: l,
            cols: w,
            num_dates: 10,
            neighbors: 3,
            seed: 16,
            ..SimConfig::default()
        };
        simulate(dir.path(), &cfg).unwrap();
        let stack = open_stack(dir.path()).unwrap();
        let (npx, m) = (l * w, stack.info().network.num_pairs());
        let counting = Counting::new(&*stack);
        // A budget for one interferogram at a time: half of it holds the phase, conncomp
        // and working images (32 bytes per pixel) of one.
        let mut opts = UnwrapOptions {
            method: UnwrapMethod::Bridging,
            bridging: BridgingOptions {
                min_area: 50.0,
                radius: 5,
                ramp: None,
            },
            num_sample: 100,
            water_mask: false,
            reference: RefRequest::Yx(20, 25),
            max_memory: 2 * npx as u64 * 32,
            report: Reporter::silent(),
        };
        let land = vec![true; npx];
        let (one, k) = bridging_pass(&counting, (20, 25), &land, &opts).unwrap();
        assert_eq!(k, 1);
        let counts = counting.by_pair.into_inner().unwrap();
        for i in 0..m {
            assert_eq!(
                counts.get(&(StackLayer::ConnComp, i)),
                Some(&npx),
                "conncomp of pair {i} not read exactly once"
            );
        }
        // The phase only at the reference pixel and the bridge ends (4 x 4 windows here), and
        // only for interferograms with something to bridge.
        let phase: Vec<usize> = (0..m)
            .filter_map(|i| counts.get(&(StackLayer::Phase, i)).copied())
            .collect();
        assert!(!phase.is_empty() && phase.len() < m, "{phase:?}");
        assert!(phase.iter().all(|&n| n < npx / 10), "{phase:?}");
        assert!(counting.largest_stack_read.into_inner().unwrap().is_empty());
        // The same corrections with one interferogram in flight per thread.
        opts.max_memory = 1 << 30;
        let (many, k) = bridging_pass(&*stack, (20, 25), &land, &opts).unwrap();
        assert_eq!(k, rayon::current_num_threads());
        assert_eq!(one, many);
        assert!(
            many.iter().any(|runs| !runs.is_empty()),
            "the stack has errors to correct"
        );
    }

    #[test]
    fn phase_closure_reads_the_phase_at_its_samples_and_conncomp_where_it_corrects() {
        let dir = tempfile::tempdir().unwrap();
        let (l, w) = (100, 120);
        let cfg = SimConfig {
            rows: l,
            cols: w,
            num_dates: 12,
            neighbors: 3,
            seed: 16,
            effects: crate::simulate::Effects {
                unwrap_gaps: true,
                ..crate::simulate::Effects::all()
            },
            ..SimConfig::default()
        };
        simulate(dir.path(), &cfg).unwrap();
        let stack = open_stack(dir.path()).unwrap();
        let (npx, m) = (l * w, stack.info().network.num_pairs());
        let counting = Counting::new(&*stack);
        let opts = UnwrapOptions {
            method: UnwrapMethod::PhaseClosure,
            bridging: BridgingOptions {
                min_area: 20.0,
                radius: 5,
                ramp: None,
            },
            num_sample: 10,
            water_mask: false,
            reference: RefRequest::Yx(50, 60),
            max_memory: 1 << 30,
            report: Reporter::silent(),
        };
        let land = vec![true; npx];
        let plan = ChunkPlan::new(
            l,
            w,
            PixelCost {
                input_bytes: 8 * m,
                output_bytes: 0,
                scratch_bytes: 0,
            },
            opts.max_memory / 2,
            1,
        )
        .unwrap();
        // Few samples (2 per region) are read pixel by pixel, many (50) with the strip.
        for (num_sample, phase_read) in [(50, npx), (2, 1)] {
            let counting = Counting::new(&*stack);
            let opts = UnwrapOptions {
                num_sample,
                ..opts.clone()
            };
            let (r, stats) = phase_closure(&counting, &plan, (50, 60), &land, &opts).unwrap();
            let direct = phase_closure(&*stack, &plan, (50, 60), &land, &opts)
                .unwrap()
                .0;
            assert_eq!(r, direct);
            assert!(stats.solved > 0);
            let largest = counting.largest_stack_read.into_inner().unwrap();
            assert_eq!(
                largest.get(&StackLayer::Phase),
                Some(&phase_read),
                "{largest:?}, {} regions",
                stats.regions
            );
        }
        let (runs, _) = phase_closure(&counting, &plan, (50, 60), &land, &opts).unwrap();
        // Only the interferograms with a non-zero cycle read their conncomp whole.
        let counts = counting.by_pair.into_inner().unwrap();
        for (i, r) in runs.iter().enumerate() {
            if !r.is_empty() {
                assert_eq!(
                    counts.get(&(StackLayer::ConnComp, i)),
                    Some(&npx),
                    "pair {i}"
                );
            }
        }
        let read = (0..m).filter(|&i| counts.contains_key(&(StackLayer::ConnComp, i)));
        assert!(read.count() < m);
        assert!(runs.iter().any(|r| !r.is_empty()) && runs.iter().any(|r| r.is_empty()));
    }
}
