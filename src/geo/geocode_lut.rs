//! Geocoding through a map-to-radar lookup table (ROI_PAC, GAMMA), as MintPy 1.6.4's
//! `geocode.py` does with a lookup in geo coordinates (`objects/resample.py`,
//! `prepare_geometry_definition_geo` / `prepare_regular_grid_interpolator`):
//!
//! - The output grid is the table's grid (or the part of it a `--bbox` covers, its edges
//!   rounded to whole table pixels); a `--lalo-step` is ignored, as in MintPy.
//! - Each output pixel takes the radar position (azimuth, range) the table gives, less the
//!   crop of a subset stack; a value of 0 in either means no data. Radar pixel `k` spans
//!   `k..k+1` (its centre is at `k + 0.5`).
//! - Nearest: the radar pixel holding the position (the one whose centre is nearest), or, off
//!   the image, the nearest edge pixel within MintPy's radius of influence (3 table steps);
//!   else no data.
//! - Linear: bilinear interpolation between the 4 pixel centres around the position (scipy's
//!   `RegularGridInterpolator`, MintPy's `--software scipy`); no data outside the centres or
//!   next to a NaN. MintPy's default pyresample bilinear weighs neighbours slightly
//!   differently.
//!
//! Blocks of output rows are read and written in turn, so memory stays bounded.

use std::path::{Path, PathBuf};

use anyhow::{bail, ensure, Context};

use crate::geo::geocode::{Method, EARTH_RADIUS};
use crate::geo::geocode_run::{geo_stem, GeocodeOptions};
use crate::geo::grid::MapGrid;
use crate::geo::kdtree::{cartesian, cartesian64, KdTree, MINTPY_EPS};
use crate::geo::map_lookup::{subset_offset, LOOKUP_DATASETS};
use crate::geo::product_io::describe_product;
use crate::meta::Attributes;
use crate::product::{Product, ProductSpec, ProductWriter, GEOMETRY_GEO_STEM};
use crate::window::Window;

/// Whether `p` is a map-to-radar lookup table product (`rangeCoord`, `azimuthCoord` on a map
/// grid).
pub fn is_lookup_product(p: &Product) -> bool {
    let names = p.dataset_names();
    MapGrid::is_geocoded(p.attrs()) && LOOKUP_DATASETS.iter().all(|d| names.iter().any(|n| n == d))
}

/// The run's map-to-radar lookup (`inputs/geometryGeo` holding `rangeCoord`/`azimuthCoord`),
/// if it has one.
pub fn run_lookup(dir: &Path) -> Option<Product> {
    Product::open(dir, GEOMETRY_GEO_STEM)
        .ok()
        .filter(is_lookup_product)
}

/// Output pixels per block.
const BLOCK_PIXELS: usize = 1 << 20;

/// Where each output pixel of a block takes its value: source pixel indices (row-major in the
/// block's source window) and weights; empty for no data.
struct BlockMap {
    src: Window,
    taps: Vec<Vec<(u32, f64)>>,
}

/// Geocodes radar product `input` (stem `stem` of run `dir`) through the run's lookup table
/// `lut` into `dir/geo/geo_STEM`.
pub fn geocode_with_table(
    dir: &Path,
    stem: &str,
    input: &Product,
    lut: &Product,
    opts: &GeocodeOptions,
) -> anyhow::Result<PathBuf> {
    let full = MapGrid::from_attrs(lut.attrs(), lut.length(), lut.width())
        .map_err(|e| anyhow::anyhow!("lookup table {}: {e}", lut.path().display()))?;
    if opts.lalo_step.is_some() {
        opts.report.warn(format!(
            "the lat/lon step is ignored: through the lookup table {} the output grid is the \
             table's (MintPy does the same)",
            lut.path().display()
        ));
    }
    let dest_box = dest_box(&full, opts.bbox);
    let grid = full.sub_grid(&dest_box);
    let (src_len, src_wid) = (input.length(), input.width());
    let offset = subset_offset(input.attrs());
    let scale = PseudoScale::scan(lut, &dest_box, offset, (src_len, src_wid), &grid)?;
    let tree = (opts.method == Method::Nearest).then(|| scale.tree(src_len, src_wid));

    let (file_type, datasets) = describe_product(dir, input)?;
    let mut attrs = input.attrs().clone();
    grid.write_attrs(&mut attrs);
    for k in [
        "SUBSET_YMIN",
        "SUBSET_YMAX",
        "SUBSET_XMIN",
        "SUBSET_XMAX",
        "REF_Y",
        "REF_X",
    ] {
        attrs.remove(k);
    }
    for k in 1..=4 {
        attrs.remove(&format!("LAT_REF{k}"));
        attrs.remove(&format!("LON_REF{k}"));
    }
    if let Some((lat, lon)) = reference_lalo(input.attrs(), lut, &full, offset)? {
        attrs.set("REF_LAT", lat);
        attrs.set("REF_LON", lon);
        let y = ((lat - grid.y_first) / grid.y_step).round_ties_even();
        let x = ((lon - grid.x_first) / grid.x_step).round_ties_even();
        if y >= 0.0 && x >= 0.0 {
            attrs.set("REF_Y", y as i64);
            attrs.set("REF_X", x as i64);
        }
    }
    let spec = ProductSpec {
        stem: geo_stem(stem),
        file_type,
        length: grid.length,
        width: grid.width,
        dates: input.dates().to_vec(),
        bperp: input.bperp().to_vec(),
        datasets: datasets.clone(),
        attrs,
    };
    let mut writer = ProductWriter::create(dir, input.format(), spec)?;
    let rows = (BLOCK_PIXELS / grid.width.max(1)).clamp(1, grid.length);
    for r0 in (0..grid.length).step_by(rows) {
        let r1 = (r0 + rows).min(grid.length);
        let w = Window {
            y0: dest_box.y0 + r0,
            y1: dest_box.y0 + r1,
            x0: dest_box.x0,
            x1: dest_box.x1,
        };
        let (rg, az) = read_positions(lut, w, offset)?;
        let map = match &tree {
            Some(t) => nearest_map(&rg, &az, src_wid, t, &scale),
            None => block_map(&rg, &az, (src_len, src_wid)),
        };
        let dest = Window {
            y0: r0,
            y1: r1,
            x0: 0,
            x1: grid.width,
        };
        for d in &datasets {
            let n = if d.per_date { input.dates().len() } else { 1 };
            let mut out = vec![f32::NAN; n * dest.pixels()];
            if let Some(map) = &map {
                for k in 0..n {
                    let plane = if d.per_date {
                        input.read_date(&d.name, k, map.src)?
                    } else {
                        input.read(&d.name, map.src)?
                    };
                    let o = &mut out[k * dest.pixels()..(k + 1) * dest.pixels()];
                    for (v, taps) in o.iter_mut().zip(&map.taps) {
                        if !taps.is_empty() {
                            *v = taps
                                .iter()
                                .map(|&(i, wt)| plane[i as usize] as f64 * wt)
                                .sum::<f64>() as f32;
                        }
                    }
                }
            }
            if d.is_bool {
                out.iter_mut().filter(|v| v.is_nan()).for_each(|v| *v = 0.0);
            }
            writer.write(&d.name, dest, &out)?;
        }
    }
    writer.finish()
}

/// MintPy's output box on the table: the whole table, or the `bbox` (S, N, W, E) edges
/// rounded to table pixels and clipped.
fn dest_box(full: &MapGrid, bbox: Option<(f64, f64, f64, f64)>) -> Window {
    let all = Window {
        y0: 0,
        y1: full.length,
        x0: 0,
        x1: full.width,
    };
    let Some((s, n, w, e)) = bbox else {
        return all;
    };
    let r = |v: f64, first: f64, step: f64, max: usize| {
        ((v - first) / step)
            .round_ties_even()
            .clamp(0.0, max as f64) as usize
    };
    Window {
        y0: r(n, full.y_first, full.y_step, full.length),
        y1: r(s, full.y_first, full.y_step, full.length),
        x0: r(w, full.x_first, full.x_step, full.width),
        x1: r(e, full.x_first, full.x_step, full.width),
    }
}

/// The table's (range, azimuth) positions in `w`, crop removed from non-zero values; a
/// position of 0 (no data) becomes NaN, as MintPy.
fn read_positions(
    lut: &Product,
    w: Window,
    (oy, ox): (i64, i64),
) -> anyhow::Result<(Vec<f32>, Vec<f32>)> {
    let mut rg = lut.read(LOOKUP_DATASETS[0], w)?;
    let mut az = lut.read(LOOKUP_DATASETS[1], w)?;
    for (v, o) in rg
        .iter_mut()
        .map(|v| (v, ox))
        .chain(az.iter_mut().map(|v| (v, oy)))
    {
        if *v != 0.0 {
            *v -= o as f32;
        }
        if *v == 0.0 {
            *v = f32::NAN;
        }
    }
    for (r, a) in rg.iter_mut().zip(az.iter_mut()) {
        if r.is_nan() || a.is_nan() {
            (*r, *a) = (f32::NAN, f32::NAN);
        }
    }
    if w.pixels() == 0 {
        bail!("empty lookup window");
    }
    Ok((rg, az))
}

/// MintPy's pseudo latitude/longitude of radar positions, which its radius of influence
/// applies to: radar rows and columns scaled onto the box of table pixels that see the image.
struct PseudoScale {
    north: f64,
    west: f64,
    /// Degrees per radar row (negative) and column.
    per_row: f64,
    per_col: f64,
    /// Radius of influence, metres.
    radius: f64,
}

impl PseudoScale {
    fn scan(
        lut: &Product,
        dest_box: &Window,
        offset: (i64, i64),
        (src_len, src_wid): (usize, usize),
        grid: &MapGrid,
    ) -> anyhow::Result<PseudoScale> {
        let mut span: Option<(usize, usize, usize, usize)> = None;
        let rows = (BLOCK_PIXELS / dest_box.cols().max(1)).max(1);
        for y0 in (dest_box.y0..dest_box.y1).step_by(rows) {
            let w = Window {
                y0,
                y1: (y0 + rows).min(dest_box.y1),
                ..*dest_box
            };
            let (rg, az) = read_positions(lut, w, offset)?;
            for (p, (&r, &a)) in rg.iter().zip(&az).enumerate() {
                let inside = a > 0.0 && a < src_len as f32 && r > 0.0 && r < src_wid as f32;
                if inside {
                    let (i, j) = (y0 - dest_box.y0 + p / w.cols(), p % w.cols());
                    span = Some(span.map_or((i, i, j, j), |(a0, a1, b0, b1)| {
                        (a0.min(i), a1.max(i), b0.min(j), b1.max(j))
                    }));
                }
            }
        }
        let Some((i0, i1, j0, j1)) = span else {
            bail!(
                "the lookup table {} sees no pixel of the {src_len} x {src_wid} radar image \
                 in the output area",
                lut.path().display()
            );
        };
        let (n0, w0) = (grid.y_first, grid.x_first);
        let (south, north) = (n0 + grid.y_step * i1 as f64, n0 + grid.y_step * i0 as f64);
        let (west, east) = (w0 + grid.x_step * j0 as f64, w0 + grid.x_step * j1 as f64);
        let step = grid.y_step.abs().max(grid.x_step.abs());
        Ok(PseudoScale {
            north,
            west,
            per_row: (south - north) / src_len as f64,
            per_col: (east - west) / src_wid as f64,
            radius: 3.0 * step.to_radians() * EARTH_RADIUS,
        })
    }

    /// pyresample's kd-tree over the pseudo coordinates of every radar pixel centre (float64
    /// grid, as MintPy's `np.mgrid`), ids row-major.
    fn tree(&self, len: usize, wid: usize) -> KdTree {
        let mut pts = Vec::with_capacity(len * wid);
        for y in 0..len {
            let lat = self.north + (y as f64 + 0.5) * self.per_row;
            for x in 0..wid {
                pts.push(cartesian64(
                    lat,
                    self.west + (x as f64 + 0.5) * self.per_col,
                ));
            }
        }
        let ids = (0..(len * wid) as u32).collect();
        KdTree::new(pts, ids)
    }

    /// Earth-centred coordinates of a radar position (row, column) as MintPy computes its
    /// pseudo latitude/longitude from the float32 table (in float32).
    fn point(&self, az: f32, rg: f32) -> [f32; 3] {
        let lat = az * self.per_row as f32 + self.north as f32;
        let lon = rg * self.per_col as f32 + self.west as f32;
        cartesian(lat, lon)
    }
}

/// Nearest resampling of one block as pyresample's approximate kd-tree search (`epsilon` 0.5)
/// finds it among the pseudo coordinates.
fn nearest_map(
    rg: &[f32],
    az: &[f32],
    wid: usize,
    tree: &KdTree,
    scale: &PseudoScale,
) -> Option<BlockMap> {
    let bound2 = (scale.radius * scale.radius) as f32;
    let hits: Vec<Option<u32>> = rg
        .iter()
        .zip(az)
        .map(|(&r, &a)| {
            (r.is_finite() && a.is_finite())
                .then(|| tree.nearest(&scale.point(a, r), MINTPY_EPS, bound2))
                .flatten()
        })
        .collect();
    let rows = hits.iter().flatten().map(|&i| i as usize / wid);
    let (y0, y1) = rows.fold((usize::MAX, 0), |(a, b), y| (a.min(y), b.max(y + 1)));
    if y0 >= y1 {
        return None;
    }
    let base = (y0 * wid) as u32;
    Some(BlockMap {
        src: Window {
            y0,
            y1,
            x0: 0,
            x1: wid,
        },
        taps: hits
            .into_iter()
            .map(|h| h.map(|i| vec![(i - base, 1.0)]).unwrap_or_default())
            .collect(),
    })
}

/// The bilinear taps of each output pixel of a block, and the source rows they need; `None`
/// when no output pixel sees the image.
fn block_map(rg: &[f32], az: &[f32], (len, wid): (usize, usize)) -> Option<BlockMap> {
    // Taps as (row, col, weight) first; the source window follows from them.
    let mut taps: Vec<Vec<(usize, usize, f64)>> = Vec::with_capacity(rg.len());
    let (lenf, widf) = (len as f64, wid as f64);
    for (&r, &a) in rg.iter().zip(az) {
        let (r, a) = (r as f64, a as f64);
        let mut t = Vec::new();
        if r.is_finite() && a.is_finite() {
            // Pixel centres at k + 0.5; positions beyond the outer centres have none.
            let (fy, fx) = (a - 0.5, r - 0.5);
            if fy >= 0.0 && fx >= 0.0 && fy <= lenf - 1.0 && fx <= widf - 1.0 {
                let (y0, x0) = (fy.floor(), fx.floor());
                let (dy, dx) = (fy - y0, fx - x0);
                let (y0, x0) = (y0 as usize, x0 as usize);
                let (y1, x1) = ((y0 + 1).min(len - 1), (x0 + 1).min(wid - 1));
                for (y, x, w) in [
                    (y0, x0, (1.0 - dy) * (1.0 - dx)),
                    (y0, x1, (1.0 - dy) * dx),
                    (y1, x0, dy * (1.0 - dx)),
                    (y1, x1, dy * dx),
                ] {
                    t.push((y, x, w));
                }
            }
        }
        taps.push(t);
    }
    let (y0, y1) = taps
        .iter()
        .flatten()
        .fold((usize::MAX, 0), |(a, b), &(y, _, _)| {
            (a.min(y), b.max(y + 1))
        });
    if y0 >= y1 {
        return None;
    }
    let src = Window {
        y0,
        y1,
        x0: 0,
        x1: wid,
    };
    let taps = taps
        .into_iter()
        .map(|t| {
            t.into_iter()
                .map(|(y, x, w)| (((y - y0) * wid + x) as u32, w))
                .collect()
        })
        .collect();
    Some(BlockMap { src, taps })
}

/// MintPy's `radar2geo` of the reference point through the table: the mean table pixel
/// among those whose (azimuth, range) lie within a buffer of (`REF_Y`, `REF_X`), the buffer
/// doubled up to twice while none does; its centre as latitude/longitude.
fn reference_lalo(
    input: &Attributes,
    lut: &Product,
    grid: &MapGrid,
    (oy, ox): (i64, i64),
) -> anyhow::Result<Option<(f64, f64)>> {
    let parse = |k: &str| input.get(k).and_then(|v| v.trim().parse::<i64>().ok());
    let (Some(ry), Some(rx)) = (parse("REF_Y"), parse("REF_X")) else {
        return Ok(None);
    };
    let (yf, xf) = crate::geo::map_lookup::radar2geo_factors(grid, input);
    let (y, x) = ((ry + oy) as f64, (rx + ox) as f64);
    // Counts and sums of row and column for the buffer and its two doublings.
    let mut acc = [(0u64, 0f64, 0f64); 3];
    let rows = (BLOCK_PIXELS / grid.width.max(1)).max(1);
    for y0 in (0..grid.length).step_by(rows) {
        let w = Window {
            y0,
            y1: (y0 + rows).min(grid.length),
            x0: 0,
            x1: grid.width,
        };
        let rg = lut.read(LOOKUP_DATASETS[0], w)?;
        let az = lut.read(LOOKUP_DATASETS[1], w)?;
        for (p, (&r, &a)) in rg.iter().zip(&az).enumerate() {
            let (r, a) = (r as f64, a as f64);
            for (k, acc) in acc.iter_mut().enumerate() {
                let m = (1u32 << k) as f64;
                let (ylo, yhi) = ((y - yf * m).max(0.5), y + yf * m);
                let (xlo, xhi) = ((x - xf * m).max(0.5), x + xf * m);
                if a >= ylo && a <= yhi && r >= xlo && r <= xhi {
                    acc.0 += 1;
                    acc.1 += (w.y0 + p / w.cols()) as f64;
                    acc.2 += (p % w.cols()) as f64;
                }
            }
        }
    }
    Ok(acc.iter().find(|a| a.0 > 0).map(|&(n, sr, sc)| {
        let (row, col) = (sr / n as f64, sc / n as f64);
        (
            (row + 0.5) * grid.y_step + grid.y_first,
            (col + 0.5) * grid.x_step + grid.x_first,
        )
    }))
}

/// Writes the stack's map-to-radar table into run folder `dir` as `inputs/geometryGeo`
/// (`rangeCoord`, `azimuthCoord` on the table's grid, MintPy's `geometryGeo.h5` of a ROI_PAC
/// or GAMMA stack), strip by strip. `None` when the stack has no table.
pub fn write_lookup_product(
    source: &dyn crate::source::StackSource,
    dir: &Path,
    format: crate::product::OutputFormat,
    attrs: &Attributes,
) -> anyhow::Result<Option<PathBuf>> {
    let Some(lut) = source.map_lookup() else {
        return Ok(None);
    };
    let g = lut.grid;
    let mut a = attrs.clone();
    for k in [
        "REF_DATE",
        "REF_Y",
        "REF_X",
        "REF_LAT",
        "REF_LON",
        "UNIT",
        "SUBSET_YMIN",
        "SUBSET_YMAX",
        "SUBSET_XMIN",
        "SUBSET_XMAX",
    ] {
        a.remove(k);
    }
    g.write_attrs(&mut a);
    let spec = ProductSpec {
        stem: GEOMETRY_GEO_STEM.to_string(),
        file_type: "geometry".into(),
        length: g.length,
        width: g.width,
        dates: Vec::new(),
        bperp: Vec::new(),
        datasets: vec![
            crate::product::DatasetSpec::map(
                LOOKUP_DATASETS[0],
                "1",
                "radar column (range) of the map pixel",
            ),
            crate::product::DatasetSpec::map(
                LOOKUP_DATASETS[1],
                "1",
                "radar row (azimuth) of the map pixel",
            ),
        ],
        attrs: a,
    };
    let mut writer = ProductWriter::create(dir, format, spec)
        .with_context(|| format!("writing the lookup table {}", lut.file().display()))?;
    let rows = (BLOCK_PIXELS / g.width.max(1)).clamp(1, g.length);
    let (mut rg, mut az) = (Vec::new(), Vec::new());
    for y0 in (0..g.length).step_by(rows) {
        let w = Window {
            y0,
            y1: (y0 + rows).min(g.length),
            x0: 0,
            x1: g.width,
        };
        rg.resize(w.pixels(), 0.0);
        az.resize(w.pixels(), 0.0);
        lut.read(&w, &mut rg, &mut az)?;
        writer.write(LOOKUP_DATASETS[0], w, &rg)?;
        writer.write(LOOKUP_DATASETS[1], w, &az)?;
    }
    ensure!(g.length > 0, "empty lookup table {}", lut.file().display());
    writer.finish().map(Some)
}
