//! The phase-closure pass of the unwrapping-error correction (MintPy's
//! `unwrap_error_phase_closure.py`), streamed over a stack:
//!
//! 1. the common regions: pixels whose connected component is non-zero in every kept
//!    interferogram (MintPy's `maskConnComp.h5`), off water, labelled and cleaned as MintPy's
//!    `label_conn_comp` (one strip of the stack in memory at a time, its bands read in
//!    parallel);
//! 2. in each region but the reference point's, `numSample` pixels spread evenly over the
//!    region's pixels in raster order ([`sample_indices`]; MintPy draws them at random), whose
//!    closure integers give each interferogram's cycles ([`ClosureSystem`]); the region's
//!    cycles are the median over its samples (the phase read only at the samples: pixel by
//!    pixel where they are few, else the strips where they lie);
//! 3. per interferogram with a non-zero cycle in some region (one whole connected-component
//!    image at a time, as bridging; the others have nothing to correct and are not read),
//!    every cleaned component of its own takes the cycles of the largest common region whose
//!    samples all lie inside it (0 when none does).

use anyhow::bail;
use rayon::prelude::*;

use crate::correct::unwrap::closure::{median_cycles, sample_indices, ClosureSystem};
use crate::correct::unwrap::conncomp::{clean_components, label_conn_comp};
use crate::correct::unwrap::cycles::{runs_of_labels, Run};
use crate::correct::unwrap_run::{component_labels, map_pair_images, UnwrapOptions};
use crate::plan::ChunkPlan;
use crate::scratch::PerThread;
use crate::source::{StackLayer, StackSource};
use crate::window::Window;

/// Pixels of a strip per sampled pixel below which the samples are read one pixel at a time:
/// a pixel costs a read per pair, a strip of `p` pixels about `p / 2000` of those in copying.
const PIXELS_PER_SAMPLE_READ: usize = 1024;

/// What the phase closure made besides its cycles.
#[derive(Debug, Clone, Default)]
pub struct ClosureStats {
    /// Common regions.
    pub regions: usize,
    /// Sampled pixels solved (the reference region's are not).
    pub solved: usize,
}

/// One common region.
struct Region {
    /// Pixels.
    area: usize,
    /// Sampled pixels (row-major indices).
    samples: Vec<usize>,
    /// Cycles per pair.
    cycles: Vec<i32>,
}

/// The common mask of the full-width rows `band`: 1 where every pair's connected component is
/// non-zero (and not NaN) and `land` (the band's flags) holds, else 0. `buf` is scratch.
fn common_band(
    source: &dyn StackSource,
    band: &Window,
    land: &[bool],
    buf: &mut Vec<f32>,
) -> anyhow::Result<Vec<u32>> {
    let m = source.info().network.num_pairs();
    let px = band.pixels();
    buf.resize(m * px, 0.0);
    source.read_stack(StackLayer::ConnComp, band, buf)?;
    // Pair by pair over the band's pixels (contiguous reads, vectorised).
    let mut every: Vec<u32> = land.iter().map(|&l| u32::from(l)).collect();
    for plane in buf.chunks_exact(px) {
        for (e, &c) in every.iter_mut().zip(plane) {
            *e &= u32::from(c != 0.0 && !c.is_nan());
        }
    }
    Ok(every)
}

/// The phase-closure cycles (as row runs) of every interferogram of `source`, referenced at
/// `ref_yx`; `land` is false on water when the water mask is used.
pub fn phase_closure(
    source: &dyn StackSource,
    plan: &ChunkPlan,
    ref_yx: (usize, usize),
    land: &[bool],
    opts: &UnwrapOptions,
) -> anyhow::Result<(Vec<Vec<Run>>, ClosureStats)> {
    let info = source.info();
    let (length, width, m) = (info.length, info.width, info.network.num_pairs());
    let npx = length * width;
    let sys = ClosureSystem::new(&info.network);
    if sys.num_triplets() == 0 {
        opts.report
            .warn("the network has no triplet: no phase-closure correction");
        return Ok((vec![Vec::new(); m], ClosureStats::default()));
    }
    // 1. The common mask, strip by strip, each strip cut into one band of rows per thread
    // (whole storage chunks where it has them): the bands together hold what the strip held.
    let mut common = vec![0u32; npx];
    let bands_per_strip = rayon::current_num_threads().max(1);
    let buffers = PerThread::new(bands_per_strip, Vec::new);
    for w in &plan.chunks {
        let rows = w.rows().div_ceil(bands_per_strip);
        let rows = rows.next_multiple_of(info.preferred_rows.max(1));
        let bands: Vec<Window> = (w.y0..w.y1)
            .step_by(rows.max(1))
            .map(|y0| Window {
                y0,
                y1: (y0 + rows).min(w.y1),
                ..*w
            })
            .collect();
        let masks = bands
            .par_iter()
            .map(|band| {
                let land = &land[band.y0 * width..band.y1 * width];
                buffers.with(|buf| common_band(source, band, land, buf))
            })
            .collect::<anyhow::Result<Vec<Vec<u32>>>>()?;
        for (band, mask) in bands.iter().zip(masks) {
            common[band.y0 * width..band.y1 * width].copy_from_slice(&mask);
        }
    }
    let (labels, num) = label_conn_comp(&common, length, width, opts.bridging.min_area);
    drop(common);
    opts.report.info(format!(
        "phase closure: {num} common region(s), {} triplets, {} samples per region",
        sys.num_triplets(),
        opts.num_sample
    ));
    if num == 0 {
        opts.report.warn(format!(
            "no common connected region of at least {} pixels: no phase-closure correction \
             (try a smaller mintpy.unwrapError.connCompMinArea)",
            opts.bridging.min_area
        ));
        return Ok((vec![Vec::new(); m], ClosureStats::default()));
    }
    // 2. Samples of each region, in raster order.
    let mut pixels: Vec<Vec<usize>> = vec![Vec::new(); num + 1];
    for (p, &l) in labels.iter().enumerate() {
        if l != 0 {
            pixels[l as usize].push(p);
        }
    }
    let ref_label = labels[ref_yx.0 * width + ref_yx.1] as usize;
    let mut regions: Vec<Region> = (1..=num)
        .map(|l| Region {
            area: pixels[l].len(),
            samples: sample_indices(pixels[l].len(), opts.num_sample)
                .into_iter()
                .map(|j| pixels[l][j])
                .collect(),
            cycles: vec![0; m],
        })
        .collect();
    drop(pixels);
    // The phases of the samples to solve, and of the reference pixel.
    let mut wanted: Vec<(usize, usize)> = Vec::new(); // (pixel, region index)
    for (r, reg) in regions.iter().enumerate() {
        if r + 1 != ref_label {
            wanted.extend(reg.samples.iter().map(|&p| (p, r)));
        }
    }
    wanted.sort_unstable();
    let ref_p = ref_yx.0 * width + ref_yx.1;
    let mut ref_phase = vec![0.0f32; m];
    let mut sample_phase = vec![0.0f32; wanted.len() * m];
    let mut buf = Vec::new();
    for w in &plan.chunks {
        let cols = w.x1 - w.x0;
        let inside = |p: usize| {
            let (y, x) = (p / width, p % width);
            (w.y0..w.y1).contains(&y) && (w.x0..w.x1).contains(&x)
        };
        let has_ref = inside(ref_p);
        let first = wanted.partition_point(|&(p, _)| p / width < w.y0);
        let mine: Vec<usize> = (first..wanted.len())
            .take_while(|&s| wanted[s].0 / width < w.y1)
            .filter(|&s| inside(wanted[s].0))
            .collect();
        if mine.is_empty() && !has_ref {
            continue;
        }
        let px = w.pixels();
        // A few samples are read one pixel at a time (a read per pair each), rather than the
        // whole strip of every interferogram: the same values.
        if (mine.len() + usize::from(has_ref)) * PIXELS_PER_SAMPLE_READ < px {
            if has_ref {
                source.read_pixel(StackLayer::Phase, ref_yx.0, ref_yx.1, &mut ref_phase)?;
            }
            for s in mine {
                let (p, out) = (wanted[s].0, &mut sample_phase[s * m..(s + 1) * m]);
                source.read_pixel(StackLayer::Phase, p / width, p % width, out)?;
            }
            continue;
        }
        buf.resize(m * px, 0.0);
        source.read_stack(StackLayer::Phase, w, &mut buf)?;
        let local = |p: usize| (p / width - w.y0) * cols + p % width - w.x0;
        if has_ref {
            for (i, r) in ref_phase.iter_mut().enumerate() {
                *r = buf[i * px + local(ref_p)];
            }
        }
        for s in mine {
            let k = local(wanted[s].0);
            for i in 0..m {
                sample_phase[s * m + i] = buf[i * px + k];
            }
        }
    }
    drop(buf);
    if ref_phase.iter().any(|v| v.is_nan()) {
        bail!(
            "the reference point y={}, x={} has no phase in some interferogram",
            ref_yx.0,
            ref_yx.1
        );
    }
    // Cycles of every sample, in parallel.
    let progress = opts.report.progress("phase closure", 1, wanted.len());
    let solved: Vec<Vec<i32>> = sample_phase
        .par_chunks(m.max(1))
        .map(|raw| {
            // Only non-zero phase is referenced (MintPy's read_stack_obs).
            let unw: Vec<f32> = raw
                .iter()
                .zip(&ref_phase)
                .map(|(&v, &r)| if v != 0.0 { v - r } else { v })
                .collect();
            let mut b = Vec::with_capacity(sys.num_triplets());
            sys.closure_integers(&unw, &mut b);
            sys.cycles(&b)
        })
        .collect();
    progress.chunk_done(wanted.len());
    progress.finish();
    for (r, reg) in regions.iter_mut().enumerate() {
        let mine: Vec<&Vec<i32>> = wanted
            .iter()
            .zip(&solved)
            .filter(|((_, rr), _)| *rr == r)
            .map(|(_, k)| k)
            .collect();
        if mine.is_empty() {
            continue;
        }
        let mut col = Vec::with_capacity(mine.len());
        for i in 0..m {
            col.clear();
            col.extend(mine.iter().map(|k| k[i]));
            reg.cycles[i] = median_cycles(&mut col);
        }
    }
    // Largest first, ties in label order (Python's stable sort).
    regions.sort_by_key(|r| std::cmp::Reverse(r.area));
    let stats = ClosureStats {
        regions: num,
        solved: wanted.len(),
    };
    // 3. Each interferogram's own components take their common region's cycles: only those
    // with a non-zero cycle in some region have anything to correct, and only their conncomp
    // is read. Per interferogram in flight, besides its conncomp image: its key, labels and
    // the cleaning's images (about 24 bytes per pixel).
    let some: Vec<usize> = (0..m)
        .filter(|&i| regions.iter().any(|r| r.cycles[i] != 0))
        .collect();
    let (runs, _) = map_pair_images(
        source,
        &some,
        &[StackLayer::ConnComp],
        24,
        opts.max_memory,
        |i, images| {
            let key = component_labels(&images[0], land);
            let local = clean_components(&key, length, width, opts.bridging.min_area);
            // Each component's cycles: those of the first (largest) region inside it.
            let mut taken = vec![false; local.num + 1];
            let mut k_of = vec![0i32; local.num + 1];
            for reg in &regions {
                let l = local.labels[reg.samples[0]] as usize;
                if l != 0 && !taken[l] && reg.samples.iter().all(|&p| local.labels[p] as usize == l)
                {
                    (taken[l], k_of[l]) = (true, reg.cycles[i]);
                }
            }
            Ok(runs_of_labels(length, width, &local.labels, &k_of))
        },
    )?;
    let mut out = vec![Vec::new(); m];
    for (i, r) in some.into_iter().zip(runs) {
        out[i] = r;
    }
    Ok((out, stats))
}
