//! The survey pass: choosing the reference point that every result is relative to, and reading
//! the reference phase of every interferogram.
//!
//! MintPy picks the automatic reference pixel at random among pixels with average spatial
//! coherence >= 0.85, so two runs differ. Ours is deterministic: the pixel with the **highest**
//! average spatial coherence (ties: smallest row, then column) among pixels that are not water
//! and have data (non-zero, finite phase, and non-zero connected component where the stack has
//! them) in every kept interferogram; it must reach `min_coherence`.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use anyhow::{bail, Context};

use crate::plan::ChunkPlan;
use crate::progress::Progress;
use crate::source::{GeomLayer, StackLayer, StackSource};
use crate::window::Window;

/// How the user asked for the reference point.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum RefRequest {
    /// Pixel row and column.
    Yx(usize, usize),
    /// Latitude and longitude in degrees, looked up in the geometry's lat/lon rasters.
    Lalo(f64, f64),
    /// Chosen from coherence (see the module docs).
    Auto {
        /// Minimum average spatial coherence (MintPy `mintpy.reference.minCoherence`, 0.85).
        min_coherence: f32,
    },
}

/// The chosen reference point.
#[derive(Debug, Clone, PartialEq)]
pub struct ReferencePoint {
    /// Row.
    pub y: usize,
    /// Column.
    pub x: usize,
    /// Latitude and longitude of the pixel, when the stack has a lat/lon lookup.
    pub lalo: Option<(f64, f64)>,
    /// Unwrapped phase of each kept pair at the pixel, radians.
    pub phase: Vec<f32>,
    /// Average spatial coherence at the pixel.
    pub avg_coherence: f32,
    /// How it was chosen, for the log.
    pub how: String,
}

/// How many of the most coherent pixels are remembered while streaming, to check in order.
const CANDIDATES: usize = 512;

#[derive(Debug, Clone, Copy, PartialEq)]
struct Candidate {
    coh: f32,
    y: usize,
    x: usize,
}

impl Eq for Candidate {}
impl Ord for Candidate {
    // "Better" candidates compare smaller so the max-heap keeps the worst on top for eviction.
    fn cmp(&self, other: &Self) -> Ordering {
        other
            .coh
            .total_cmp(&self.coh)
            .then(self.y.cmp(&other.y))
            .then(self.x.cmp(&other.x))
    }
}
impl PartialOrd for Candidate {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// Resolves the reference request to a pixel with data in every interferogram.
pub fn choose_reference(
    source: &dyn StackSource,
    plan: &ChunkPlan,
    request: RefRequest,
    progress: &Progress,
) -> anyhow::Result<ReferencePoint> {
    let info = source.info();
    let (y, x, how) = match request {
        RefRequest::Yx(y, x) => {
            if y >= info.length || x >= info.width {
                bail!(
                    "reference point y={y}, x={x} is outside the image ({} rows x {} columns)",
                    info.length,
                    info.width
                );
            }
            (y, x, "given as y/x".to_string())
        }
        RefRequest::Lalo(lat, lon) => {
            let (y, x) = lalo_to_yx(source, plan, lat, lon)?;
            (y, x, format!("given as lat/lon {lat}, {lon}"))
        }
        RefRequest::Auto { min_coherence } => {
            return auto_reference(source, plan, min_coherence, progress);
        }
    };
    let phase = checked_reference_phase(source, y, x)?;
    let avg_coherence = pixel_avg_coherence(source, y, x)?;
    if info.has_geometry(GeomLayer::WaterMask) {
        let mut w = [0.0f32];
        source.read_geometry(GeomLayer::WaterMask, &pixel(y, x), &mut w)?;
        if w[0] == 0.0 {
            bail!(
                "reference point y={y}, x={x} lies on water (waterMask = 0): choose a land pixel"
            );
        }
    }
    Ok(ReferencePoint {
        y,
        x,
        lalo: pixel_lalo(source, y, x)?,
        phase,
        avg_coherence,
        how,
    })
}

fn pixel(y: usize, x: usize) -> Window {
    Window {
        y0: y,
        y1: y + 1,
        x0: x,
        x1: x + 1,
    }
}

/// The phase of every pair at (y, x); an error naming the pairs where it has no data.
fn checked_reference_phase(
    source: &dyn StackSource,
    y: usize,
    x: usize,
) -> anyhow::Result<Vec<f32>> {
    let info = source.info();
    let m = info.network.num_pairs();
    let mut phase = vec![0.0f32; m];
    source
        .read_pixel(StackLayer::Phase, y, x, &mut phase)
        .with_context(|| format!("reading the phase at the reference point y={y}, x={x}"))?;
    let mut bad: Vec<String> = (0..m)
        .filter(|&i| phase[i] == 0.0 || !phase[i].is_finite())
        .map(|i| info.network.pair_name(i))
        .collect();
    let what = if bad.is_empty() && info.has_layer(StackLayer::ConnComp) {
        let mut cc = vec![0.0f32; m];
        source.read_pixel(StackLayer::ConnComp, y, x, &mut cc)?;
        bad = (0..m)
            .filter(|&i| cc[i] == 0.0)
            .map(|i| info.network.pair_name(i))
            .collect();
        "connected component 0 (unreliable unwrapping)"
    } else {
        "no data (zero or invalid phase)"
    };
    if !bad.is_empty() {
        let shown: Vec<&str> = bad.iter().take(5).map(|s| s.as_str()).collect();
        bail!(
            "reference point y={y}, x={x} has {what} in {} of {m} interferograms ({}{}); \
             choose another reference point",
            bad.len(),
            shown.join(", "),
            if bad.len() > 5 { ", ..." } else { "" }
        );
    }
    Ok(phase)
}

fn pixel_avg_coherence(source: &dyn StackSource, y: usize, x: usize) -> anyhow::Result<f32> {
    let m = source.info().network.num_pairs();
    let mut c = vec![0.0f32; m];
    source.read_pixel(StackLayer::Coherence, y, x, &mut c)?;
    Ok(mean_ignoring_nan(&c))
}

fn mean_ignoring_nan(v: &[f32]) -> f32 {
    let (s, n) = v
        .iter()
        .filter(|c| c.is_finite())
        .fold((0.0f64, 0usize), |(s, n), &c| (s + c as f64, n + 1));
    if n == 0 {
        f32::NAN
    } else {
        (s / n as f64) as f32
    }
}

fn pixel_lalo(source: &dyn StackSource, y: usize, x: usize) -> anyhow::Result<Option<(f64, f64)>> {
    let info = source.info();
    if !(info.has_geometry(GeomLayer::Latitude) && info.has_geometry(GeomLayer::Longitude)) {
        return Ok(None);
    }
    let (mut lat, mut lon) = ([0.0f32], [0.0f32]);
    source.read_geometry(GeomLayer::Latitude, &pixel(y, x), &mut lat)?;
    source.read_geometry(GeomLayer::Longitude, &pixel(y, x), &mut lon)?;
    Ok(Some((lat[0] as f64, lon[0] as f64)))
}

fn auto_reference(
    source: &dyn StackSource,
    plan: &ChunkPlan,
    min_coherence: f32,
    progress: &Progress,
) -> anyhow::Result<ReferencePoint> {
    let info = source.info();
    let m = info.network.num_pairs();
    let mut heap: BinaryHeap<Candidate> = BinaryHeap::with_capacity(CANDIDATES + 1);
    let mut coh = Vec::new();
    let mut water = Vec::new();
    let mut avg = Vec::new();
    let mut best_seen = f32::NEG_INFINITY;
    for window in &plan.chunks {
        let px = window.pixels();
        coh.resize(m * px, 0.0);
        source
            .read_stack(StackLayer::Coherence, window, &mut coh)
            .with_context(|| format!("reading coherence of rows {}..{}", window.y0, window.y1))?;
        let has_water = info.has_geometry(GeomLayer::WaterMask);
        if has_water {
            water.resize(px, 0.0);
            source.read_geometry(GeomLayer::WaterMask, window, &mut water)?;
        }
        avg.clear();
        avg.resize(px, 0.0f64);
        for layer in coh.chunks_exact(px) {
            for (a, &c) in avg.iter_mut().zip(layer) {
                *a += if c.is_finite() { c as f64 } else { 0.0 };
            }
        }
        for (p, a) in avg.iter().enumerate() {
            let c = (*a / m as f64) as f32;
            best_seen = best_seen.max(c);
            if c < min_coherence || (has_water && water[p] == 0.0) {
                continue;
            }
            let cand = Candidate {
                coh: c,
                y: window.y0 + p / window.cols(),
                x: window.x0 + p % window.cols(),
            };
            if heap.len() < CANDIDATES {
                heap.push(cand);
            } else if heap.peek().is_some_and(|worst| cand < *worst) {
                heap.pop();
                heap.push(cand);
            }
        }
        progress.chunk_done(px);
    }
    progress.finish();
    let candidates = heap.into_sorted_vec();
    if candidates.is_empty() {
        bail!(
            "no pixel has average spatial coherence >= {min_coherence} (the best is {best_seen:.3}): \
             give the reference point with --ref-yx or --ref-lalo, or lower --min-ref-coherence"
        );
    }
    for cand in &candidates {
        if let Ok(phase) = checked_reference_phase(source, cand.y, cand.x) {
            return Ok(ReferencePoint {
                y: cand.y,
                x: cand.x,
                lalo: pixel_lalo(source, cand.y, cand.x)?,
                phase,
                avg_coherence: cand.coh,
                how: format!(
                    "automatic: highest average spatial coherence ({:.3}) with data in every interferogram",
                    cand.coh
                ),
            });
        }
    }
    bail!(
        "none of the {} most coherent pixels has data in every interferogram: give the reference \
         point with --ref-yx or --ref-lalo",
        candidates.len()
    )
}

/// Finds the radar pixel nearest to (lat, lon) through the stack's lat/lon lookup rasters.
/// Errors when the stack has no lookup or the point lies outside the imaged area.
pub fn lalo_to_yx(
    source: &dyn StackSource,
    plan: &ChunkPlan,
    lat: f64,
    lon: f64,
) -> anyhow::Result<(usize, usize)> {
    let info = source.info();
    if !(info.has_geometry(GeomLayer::Latitude) && info.has_geometry(GeomLayer::Longitude)) {
        bail!("the stack has no latitude/longitude lookup: give the point as y/x instead");
    }
    let coslat = lat.to_radians().cos();
    let dist2 = |la: f64, lo: f64| {
        let dy = la - lat;
        let dx = (lo - lon) * coslat;
        dy * dy + dx * dx
    };
    let (mut la, mut lo) = (Vec::new(), Vec::new());
    let mut best = (f64::INFINITY, 0usize, 0usize);
    for window in &plan.chunks {
        let px = window.pixels();
        la.resize(px, 0.0f32);
        lo.resize(px, 0.0f32);
        source.read_geometry(GeomLayer::Latitude, window, &mut la)?;
        source.read_geometry(GeomLayer::Longitude, window, &mut lo)?;
        for p in 0..px {
            let (a, o) = (la[p] as f64, lo[p] as f64);
            if (a == 0.0 && o == 0.0) || !a.is_finite() || !o.is_finite() {
                continue;
            }
            let d = dist2(a, o);
            if d < best.0 {
                best = (
                    d,
                    window.y0 + p / window.cols(),
                    window.x0 + p % window.cols(),
                );
            }
        }
    }
    let (d, y, x) = best;
    if !d.is_finite() {
        bail!("the latitude/longitude lookup has no valid pixel");
    }
    // The nearest pixel must be about one pixel away, not at the edge of a far-away image:
    // compare with the spacing of the lookup around it.
    let win = Window {
        y0: y.saturating_sub(1),
        y1: (y + 2).min(info.length),
        x0: x.saturating_sub(1),
        x1: (x + 2).min(info.width),
    };
    let mut nla = vec![0.0f32; win.pixels()];
    let mut nlo = vec![0.0f32; win.pixels()];
    source.read_geometry(GeomLayer::Latitude, &win, &mut nla)?;
    source.read_geometry(GeomLayer::Longitude, &win, &mut nlo)?;
    let (cla, clo) = (
        nla[win.local_index(y, x).unwrap_or(0)] as f64,
        nlo[win.local_index(y, x).unwrap_or(0)] as f64,
    );
    let spacing2 = nla
        .iter()
        .zip(&nlo)
        .map(|(&a, &o)| {
            let dy = a as f64 - cla;
            let dx = (o as f64 - clo) * coslat;
            dy * dy + dx * dx
        })
        .fold(0.0f64, f64::max);
    if spacing2 > 0.0 && d > 4.0 * spacing2 {
        bail!(
            "latitude {lat}, longitude {lon} is outside the imaged area (nearest pixel y={y}, x={x} \
             is at {cla:.5}, {clo:.5})"
        );
    }
    Ok((y, x))
}
