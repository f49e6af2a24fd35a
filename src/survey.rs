//! The survey pass: choosing the reference point that every result is relative to, and reading
//! the reference phase of every interferogram.
//!
//! MintPy picks the automatic reference pixel at random among pixels with average spatial
//! coherence >= 0.85, so two runs differ. Ours is deterministic. Candidates are pixels with
//! average spatial coherence >= `min_coherence` that are not water; each is scored by the mean
//! average coherence of its 5 x 5 neighbourhood (water and the outside of the image count as 0, so
//! isolated pixels and image edges score low). The best-scoring candidate (ties: smallest row,
//! then column) that has data (non-zero, finite phase, and non-zero connected component where the
//! stack has them) in every kept interferogram is the reference point.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use anyhow::{bail, Context};

use crate::geo::lookup::{nearest_lookup_pixel, LookupHit};
use crate::plan::ChunkPlan;
use crate::report::Progress;
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
            let (y, x) = match &info.coords {
                crate::source::StackCoords::Map(g) => map_pixel_of(g, lat, lon)?,
                crate::source::StackCoords::Radar => lookup_pixel_of(source, plan, lat, lon)?,
            };
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
        source.read_geometry(GeomLayer::WaterMask, &Window::pixel(y, x), &mut w)?;
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
    source.read_geometry(GeomLayer::Latitude, &Window::pixel(y, x), &mut lat)?;
    source.read_geometry(GeomLayer::Longitude, &Window::pixel(y, x), &mut lon)?;
    Ok(Some((lat[0] as f64, lon[0] as f64)))
}

/// Half-size of the neighbourhood whose mean coherence ranks automatic reference candidates.
const NEIGHBOURHOOD: usize = 2;

fn auto_reference(
    source: &dyn StackSource,
    plan: &ChunkPlan,
    min_coherence: f32,
    progress: &Progress,
) -> anyhow::Result<ReferencePoint> {
    let info = source.info();
    let m = info.network.num_pairs();
    let has_water = info.has_geometry(GeomLayer::WaterMask);
    let r = NEIGHBOURHOOD;
    let mut heap: BinaryHeap<Candidate> = BinaryHeap::with_capacity(CANDIDATES + 1);
    let (mut coh, mut water, mut avg, mut score) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut best_seen = f32::NEG_INFINITY;
    for window in &plan.chunks {
        // Read `r` extra rows above and below so the neighbourhood of every row is known.
        let halo = Window {
            y0: window.y0.saturating_sub(r),
            y1: (window.y1 + r).min(info.length),
            ..*window
        };
        let (hpx, cols) = (halo.pixels(), halo.cols());
        coh.resize(m * hpx, 0.0);
        source
            .read_stack(StackLayer::Coherence, &halo, &mut coh)
            .with_context(|| format!("reading coherence of rows {}..{}", halo.y0, halo.y1))?;
        water.resize(hpx, 1.0);
        if has_water {
            source.read_geometry(GeomLayer::WaterMask, &halo, &mut water)?;
        }
        average_coherence(&coh, m, &mut avg);
        // Water and the outside of the image count as zero coherence in a neighbourhood.
        let land_avg: Vec<f32> = avg
            .iter()
            .zip(&water)
            .map(|(&a, &w)| if w == 0.0 { 0.0 } else { a })
            .collect();
        box_mean(&land_avg, halo.rows(), cols, r, &mut score);
        for y in window.y0..window.y1 {
            for x in 0..cols {
                let p = (y - halo.y0) * cols + x;
                let c = avg[p];
                best_seen = best_seen.max(c);
                if c.is_nan() || c < min_coherence || water[p] == 0.0 {
                    continue;
                }
                let cand = Candidate {
                    coh: score[p],
                    y,
                    x: halo.x0 + x,
                };
                if heap.len() < CANDIDATES {
                    heap.push(cand);
                } else if heap.peek().is_some_and(|worst| cand < *worst) {
                    heap.pop();
                    heap.push(cand);
                }
            }
        }
        progress.chunk_done(window.pixels());
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
            let avg_coherence = pixel_avg_coherence(source, cand.y, cand.x)?;
            return Ok(ReferencePoint {
                y: cand.y,
                x: cand.x,
                lalo: pixel_lalo(source, cand.y, cand.x)?,
                phase,
                avg_coherence,
                how: format!(
                    "automatic: average spatial coherence {avg_coherence:.3}, highest 5x5 \
                     neighbourhood mean ({:.3}) among pixels with data in every interferogram",
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

/// Mean over pairs of a `[pair][pixel]` coherence buffer, ignoring NaN (as numpy's nanmean).
fn average_coherence(coh: &[f32], m: usize, avg: &mut Vec<f32>) {
    let px = coh.len() / m.max(1);
    let mut sum = vec![0.0f64; px];
    let mut count = vec![0u32; px];
    for layer in coh.chunks_exact(px) {
        for ((s, n), &c) in sum.iter_mut().zip(count.iter_mut()).zip(layer) {
            if c.is_finite() {
                *s += c as f64;
                *n += 1;
            }
        }
    }
    avg.clear();
    avg.extend(sum.iter().zip(&count).map(|(&s, &n)| {
        if n == 0 {
            f32::NAN
        } else {
            (s / n as f64) as f32
        }
    }));
}

/// Mean over the `(2r+1) x (2r+1)` box around each pixel of a `rows x cols` image; the outside of
/// the image and NaN count as 0, so pixels near an edge or a gap score lower.
fn box_mean(v: &[f32], rows: usize, cols: usize, r: usize, out: &mut Vec<f32>) {
    let val = |p: usize| if v[p].is_finite() { v[p] as f64 } else { 0.0 };
    let mut horiz = vec![0.0f64; rows * cols];
    for y in 0..rows {
        for x in 0..cols {
            let (a, b) = (x.saturating_sub(r), (x + r + 1).min(cols));
            horiz[y * cols + x] = (a..b).map(|xx| val(y * cols + xx)).sum();
        }
    }
    let n = ((2 * r + 1) * (2 * r + 1)) as f64;
    out.clear();
    out.resize(rows * cols, 0.0);
    for y in 0..rows {
        let (a, b) = (y.saturating_sub(r), (y + r + 1).min(rows));
        for x in 0..cols {
            out[y * cols + x] = ((a..b).map(|yy| horiz[yy * cols + x]).sum::<f64>() / n) as f32;
        }
    }
}

/// The pixel of a map grid holding (lat, lon), projected into the grid's coordinate system
/// (MintPy's `lalo2yx`, through `latlon2utm` on a UTM grid).
fn map_pixel_of(
    grid: &crate::geo::grid::MapGrid,
    lat: f64,
    lon: f64,
) -> anyhow::Result<(usize, usize)> {
    let Some((y, x)) = grid.project(lat, lon) else {
        bail!(
            "lat/lon {lat}, {lon}: the stack's coordinate system (EPSG {:?}) is neither \
             latitude/longitude nor UTM; give the point as y/x instead",
            grid.epsg
        );
    };
    grid.pixel_of(y, x).with_context(|| {
        format!(
            "lat/lon {lat}, {lon} (map y {y:.3}, x {x:.3}) lies outside the {} x {} image",
            grid.length, grid.width
        )
    })
}

/// Finds the radar pixel nearest to (lat, lon) through the stack's lat/lon lookup rasters.
/// Errors when the stack has no lookup or the point lies outside the imaged area.
pub fn lookup_pixel_of(
    source: &dyn StackSource,
    plan: &ChunkPlan,
    lat: f64,
    lon: f64,
) -> anyhow::Result<(usize, usize)> {
    let info = source.info();
    let has_lalo =
        info.has_geometry(GeomLayer::Latitude) && info.has_geometry(GeomLayer::Longitude);
    if let (false, Some(lut)) = (has_lalo, source.map_lookup()) {
        // MintPy's geo2radar with a lookup in map coordinates: no search, the table's value.
        let offset = crate::geo::map_lookup::subset_offset(&info.attrs);
        let (y, x) = lut.radar_of(lat, lon, offset)?;
        if y < 0 || x < 0 || y as usize >= info.length || x as usize >= info.width {
            bail!(
                "latitude {lat}, longitude {lon} is radar pixel y={y}, x={x} through the lookup \
                 table {}, outside the {} x {} image",
                lut.file().display(),
                info.length,
                info.width
            );
        }
        return Ok((y as usize, x as usize));
    }
    if !has_lalo {
        bail!("the stack has no latitude/longitude lookup: give the point as y/x instead");
    }
    let read = |w: &Window, la: &mut [f32], lo: &mut [f32]| {
        source.read_geometry(GeomLayer::Latitude, w, la)?;
        source.read_geometry(GeomLayer::Longitude, w, lo)
    };
    let size = (info.length, info.width);
    match nearest_lookup_pixel(lat, lon, size, plan.chunks.iter().copied(), read)? {
        LookupHit::Pixel(y, x) => Ok((y, x)),
        LookupHit::NoValidPixel => bail!("the latitude/longitude lookup has no valid pixel"),
        LookupHit::Outside {
            y,
            x,
            lat: cla,
            lon: clo,
        } => bail!(
            "latitude {lat}, longitude {lon} is outside the imaged area (nearest pixel y={y}, x={x} \
             is at {cla:.5}, {clo:.5})"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn neighbourhood_mean_penalises_edges_and_isolated_pixels() {
        // 7 x 7 image of coherence 0.9 with one isolated 1.0 pixel at the edge (0, 3).
        let mut v = vec![0.9f32; 49];
        v[3] = 1.0;
        let mut out = Vec::new();
        box_mean(&v, 7, 7, 2, &mut out);
        let centre = out[3 * 7 + 3];
        assert!((centre - 0.9).abs() < 1e-6);
        assert!(out[3] < centre, "edge pixel must score below the interior");
        assert!(out[0] < out[3]);
        let mut avg = Vec::new();
        average_coherence(&[0.5, f32::NAN, 0.7, 0.2], 2, &mut avg);
        assert_eq!(avg.len(), 2);
        assert!((avg[0] - 0.6).abs() < 1e-6 && (avg[1] - 0.2).abs() < 1e-6);
    }
}
