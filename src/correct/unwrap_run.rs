//! The unwrapping-error correction driver (MintPy's `correct_unwrap_error` step): reads whole
//! interferograms of a stack, as many at a time as the memory budget holds (at least one),
//! computes their integer cycle corrections with [`crate::correct::unwrap`] and writes them as
//! an [`UnwrapFix`] product (`<dataset>.json`) that [`crate::source::unwrap_fix::FixedStack`]
//! applies when the inversion reads the stack.

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{bail, Context};
use rayon::prelude::*;

use crate::correct::unwrap::cycles::{runs_of, Run};
use crate::correct::unwrap::{bridge_ifg, BridgingOptions};
use crate::plan::{ChunkPlan, PixelCost};
use crate::report::Reporter;
use crate::source::unwrap_fix::UnwrapFix;
use crate::source::{StackLayer, StackSource};
use crate::survey::{choose_reference, RefRequest};
use crate::window::Window;

/// Which correction (MintPy's `mintpy.unwrapError.method`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnwrapMethod {
    /// `bridging`.
    Bridging,
}

impl UnwrapMethod {
    /// Parses MintPy's method name.
    pub fn parse(s: &str) -> anyhow::Result<UnwrapMethod> {
        match s.trim() {
            "bridging" => Ok(UnwrapMethod::Bridging),
            "phase_closure" | "bridging+phase_closure" => {
                bail!("unwrapping-error method '{s}' is not implemented yet (only bridging is)")
            }
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
        }
    }

    /// MintPy's method name.
    pub fn name(self) -> &'static str {
        match self {
            UnwrapMethod::Bridging => "bridging",
        }
    }
}

/// How to correct.
#[derive(Debug, Clone)]
pub struct UnwrapOptions {
    /// The method.
    pub method: UnwrapMethod,
    /// Bridging settings.
    pub bridging: BridgingOptions,
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
    vec![
        ("method".into(), opts.method.name().into()),
        ("connCompMinArea".into(), b.min_area.to_string()),
        ("bridgePtsRadius".into(), b.radius.to_string()),
        (
            "ramp".into(),
            b.ramp.map_or("no".to_string(), |r| r.name().to_string()),
        ),
        ("waterMask".into(), opts.water_mask.to_string()),
    ]
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
        bail!("bridging needs the connected components of the unwrapping, and the stack has none");
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
    // Per interferogram in memory: phase, conncomp, the working copy and the cycles (4 bytes
    // each), and the cleaning's images (about as much again).
    let per_ifg = (32 * length * width) as u64;
    let group = ((opts.max_memory / 2) / per_ifg.max(1)).clamp(1, m.max(1) as u64) as usize;
    let progress = opts.report.progress("bridging", m, m * length * width);
    let mut pairs: Vec<(String, Vec<Run>)> = Vec::with_capacity(m);
    let mut g0 = 0;
    while g0 < m {
        let g1 = (g0 + group).min(m);
        let (phase, cc) = read_group(source, &plan, g0..g1)?;
        let npx = length * width;
        let results: Vec<anyhow::Result<Vec<Run>>> = (g0..g1)
            .into_par_iter()
            .map(|i| {
                let k = i - g0;
                let ph = &phase[k * npx..(k + 1) * npx];
                let labels: Vec<u32> = cc[k * npx..(k + 1) * npx]
                    .iter()
                    .zip(&land)
                    .map(|(&c, &l)| {
                        if l && c.is_finite() && c > 0.0 {
                            c as u32
                        } else {
                            0
                        }
                    })
                    .collect();
                let mut work = Vec::new();
                let b = bridge_ifg(
                    ph,
                    &labels,
                    (length, width),
                    Some(ref_yx),
                    &opts.bridging,
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
                Ok(runs_of(length, width, |p| b.cycles[p]))
            })
            .collect();
        for (i, r) in (g0..g1).zip(results) {
            pairs.push((info.network.pair_name(i), r?));
            progress.chunk_done(npx);
        }
        g0 = g1;
    }
    progress.finish();
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

/// Phase and connected components of the interferograms `range`, whole images one after the
/// other, read in the plan's strips.
fn read_group(
    source: &dyn StackSource,
    plan: &ChunkPlan,
    range: std::ops::Range<usize>,
) -> anyhow::Result<(Vec<f32>, Vec<f32>)> {
    let info = source.info();
    let (npx, m) = (info.length * info.width, info.network.num_pairs());
    let mut phase = vec![0.0f32; range.len() * npx];
    let mut cc = vec![0.0f32; range.len() * npx];
    let mut buf = Vec::new();
    for w in &plan.chunks {
        let px = w.pixels();
        buf.resize(m * px, 0.0);
        for (layer, dest) in [
            (StackLayer::Phase, &mut phase),
            (StackLayer::ConnComp, &mut cc),
        ] {
            source.read_stack(layer, w, &mut buf)?;
            for (k, i) in range.clone().enumerate() {
                copy_window(
                    w,
                    info.width,
                    &buf[i * px..(i + 1) * px],
                    &mut dest[k * npx..(k + 1) * npx],
                );
            }
        }
    }
    Ok((phase, cc))
}
