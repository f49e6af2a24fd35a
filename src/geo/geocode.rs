//! Geocoding science: the output latitude/longitude grid and the radar-to-grid resampling through
//! a radar-coordinate lat/lon lookup, as MintPy 1.6.4's `geocode.py` with its pyresample backend.
//! Pure: slices in, slices out.
//!
//! - Grid: MintPy's default step keeps the pixel area (see [`default_step`]); the extent is the
//!   lookup's, padded by half a step, with S and E snapped to a whole number of steps.
//! - Nearest: each grid pixel takes the source pixel nearest to its centre (straight-line distance
//!   between points on a sphere, as pyresample's kd-tree on Earth-centred coordinates) if it is
//!   within the radius of influence (3 grid steps in metres), else no data (NaN). pyresample
//!   searches approximately (`epsilon = 0.5`); we search exactly, through a grid index of
//!   the source pixels.
//! - Bilinear: the grid pixel centre is located inside the radar grid (fractional row and column,
//!   by a local affine fit of the lookup around the nearest pixel) and the 4 surrounding source
//!   values are interpolated; NaN when one of them is NaN or off the source window.

use crate::geo::grid::MapGrid;
use crate::meta::Attributes;

/// MintPy's Earth radius (`mintpy.constants.EARTH_RADIUS`), metres.
pub const EARTH_RADIUS: f64 = 6_371_008.8;

/// How grid values are taken from the radar image.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// The nearest source pixel within the radius of influence.
    Nearest,
    /// Bilinear interpolation of the 4 source pixels around the grid pixel centre.
    Bilinear,
}

/// MintPy's grid for a box S, N, W, E (outer edges, degrees) and steps: rows and columns are
/// `rint` of the extent over the step; S and E follow from N and W. Its corner and centres are
/// computed in float64.
pub fn snwe_grid(
    snwe: (f64, f64, f64, f64),
    lat_step: f64,
    lon_step: f64,
) -> anyhow::Result<MapGrid> {
    let (s, n, w, e) = snwe;
    let (lat_step, lon_step) = (-lat_step.abs(), lon_step.abs());
    if !(lat_step.is_finite() && lon_step.is_finite() && lat_step != 0.0 && lon_step != 0.0) {
        anyhow::bail!("the latitude/longitude step must be finite and non-zero");
    }
    let length = ((s - n) / lat_step).round_ties_even();
    let width = ((e - w) / lon_step).round_ties_even();
    if !(length >= 1.0 && width >= 1.0) || length * width > 1e11 {
        anyhow::bail!(
            "the output grid S:N,W:E {s}:{n},{w}:{e} with steps {lat_step}, {lon_step} has \
             {length} x {width} pixels"
        );
    }
    Ok(MapGrid::lat_lon(
        n,
        w,
        lat_step,
        lon_step,
        length as usize,
        width as usize,
    ))
}

/// MintPy's default grid around a lookup whose valid pixel centres span the given extent.
///
/// MintPy mixes its float32 lookup extent with the step: a step given by the user (a Python
/// float) keeps that arithmetic in float32 under NumPy 2's promotion rules, the default step
/// (a NumPy float64) moves it to float64. `user_step` reproduces that, so the grid (and its
/// `Y_FIRST`/`X_FIRST` text) is MintPy's; MintPy then also computes the pixel centres in
/// float32 (see `geocode_run`).
pub fn grid_around(
    extent: &LookupExtent,
    lat_step: f64,
    lon_step: f64,
    user_step: bool,
) -> anyhow::Result<MapGrid> {
    let (la, lo) = (lat_step.abs(), lon_step.abs());
    if !user_step {
        return snwe_grid(
            (
                extent.lat_min - la / 2.0,
                extent.lat_max + la / 2.0,
                extent.lon_min - lo / 2.0,
                extent.lon_max + lo / 2.0,
            ),
            la,
            lo,
        );
    }
    let (hla, hlo) = ((la / 2.0) as f32, (lo / 2.0) as f32);
    let s = extent.lat_min as f32 - hla;
    let n = extent.lat_max as f32 + hla;
    let w = extent.lon_min as f32 - hlo;
    let e = extent.lon_max as f32 + hlo;
    let length = ((s - n) / (-la as f32)).round_ties_even();
    let width = ((e - w) / (lo as f32)).round_ties_even();
    if !(length >= 1.0 && width >= 1.0) || length as f64 * width as f64 > 1e11 {
        anyhow::bail!("the output grid with steps {la}, {lo} has {length} x {width} pixels");
    }
    // The float32 corner as MintPy writes it (shortest text of the float32).
    let text = |v: f32| v.to_string().parse::<f64>().unwrap_or(v as f64);
    Ok(MapGrid::lat_lon(
        text(n),
        text(w),
        -la,
        lo,
        length as usize,
        width as usize,
    ))
}

/// The radius of influence of nearest resampling on `grid`: 3 steps, in metres (MintPy).
pub fn radius_m(grid: &MapGrid) -> f64 {
    3.0 * grid.y_step.abs().max(grid.x_step).to_radians() * EARTH_RADIUS
}

/// The latitude/longitude span of the valid pixels of a lookup, accumulated strip by strip.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LookupExtent {
    /// Southernmost pixel centre.
    pub lat_min: f64,
    /// Northernmost pixel centre.
    pub lat_max: f64,
    /// Westernmost pixel centre.
    pub lon_min: f64,
    /// Easternmost pixel centre.
    pub lon_max: f64,
    /// Valid pixels seen.
    pub count: usize,
}

impl Default for LookupExtent {
    fn default() -> Self {
        LookupExtent {
            lat_min: f64::INFINITY,
            lat_max: f64::NEG_INFINITY,
            lon_min: f64::INFINITY,
            lon_max: f64::NEG_INFINITY,
            count: 0,
        }
    }
}

impl LookupExtent {
    /// Adds lookup values (lat = lon = 0 and non-finite pixels are invalid, as in MintPy).
    pub fn add(&mut self, lat: &[f32], lon: &[f32]) {
        for (&a, &o) in lat.iter().zip(lon) {
            if valid(a, o) {
                let (a, o) = (a as f64, o as f64);
                self.lat_min = self.lat_min.min(a);
                self.lat_max = self.lat_max.max(a);
                self.lon_min = self.lon_min.min(o);
                self.lon_max = self.lon_max.max(o);
                self.count += 1;
            }
        }
    }
}

/// Whether a lookup pixel is usable: finite and not MintPy's invalid lat = lon = 0... (MintPy
/// drops a pixel when either is 0).
#[inline]
pub fn valid(lat: f32, lon: f32) -> bool {
    lat.is_finite() && lon.is_finite() && lat != 0.0 && lon != 0.0 && lat.abs() <= 90.0
}

/// MintPy's default step ("approach 1": the same pixel area before and after), as
/// `(lat_step, lon_step)` with `lat_step < 0`, from the radar metadata and the centre latitude
/// of the lookup (float32, as MintPy's lookup). `None` when a needed key is missing (MintPy then keeps the matrix shape: see
/// [`shape_step`]).
pub fn default_step(attrs: &Attributes, lat_centre: f32) -> Option<(f64, f64)> {
    let g = |k: &str| attrs.get_f64_opt(k);
    let (az_px, heading, height, rg_px, r0, width) = (
        g("AZIMUTH_PIXEL_SIZE")?,
        g("HEADING")?,
        g("HEIGHT")?,
        g("RANGE_PIXEL_SIZE")?,
        g("STARTING_RANGE")?,
        g("WIDTH")?,
    );
    let re = g("EARTH_RADIUS").unwrap_or(EARTH_RADIUS);
    // Azimuth angle of the flight direction (MintPy `heading2azimuth_angle`, right looking).
    let mut az_angle = -(heading - 90.0);
    az_angle -= (az_angle / 360.0).round() * 360.0;
    let alpha = az_angle.abs().to_radians();
    let inc = match g("CENTER_INCIDENCE_ANGLE") {
        Some(v) => v,
        None => {
            let inc_at = |r: f64| {
                (std::f64::consts::PI
                    - ((re * re + r * r - (re + height).powi(2)) / (2.0 * re * r)).acos())
                .to_degrees()
            };
            (inc_at(r0) + inc_at(r0 + rg_px * width)) / 2.0
        }
    };
    let az_step = az_px * re / (re + height);
    let rg_step = rg_px / inc.to_radians().sin();
    let mut x = rg_step * alpha.cos().abs() + az_step * alpha.sin().abs();
    let mut y = rg_step * alpha.sin().abs() + az_step * alpha.cos().abs();
    let scale = ((rg_step * az_step) / (x * y)).sqrt();
    x *= scale;
    y *= scale;
    // MintPy takes this cosine, and its product with the radius, in float32.
    let across = (EARTH_RADIUS as f32 * lat_centre.to_radians().cos()) as f64;
    let lon_step = (x / across).to_degrees();
    let lat_step = -(y / EARTH_RADIUS).to_degrees();
    (lat_step.is_finite() && lon_step.is_finite() && lat_step != 0.0 && lon_step > 0.0)
        .then_some((lat_step, lon_step))
}

/// MintPy's fallback step ("approach 2"): the output keeps the lookup's matrix shape.
pub fn shape_step(extent: &LookupExtent, length: usize, width: usize) -> (f64, f64) {
    let lat = (extent.lat_max - extent.lat_min) / (length.max(2) - 1) as f64;
    let lon = (extent.lon_max - extent.lon_min) / (width.max(2) - 1) as f64;
    (-lat.abs(), lon.abs())
}

/// Unit-sphere Earth-centred coordinates of a point (degrees).
#[inline]
fn xyz(lat: f64, lon: f64) -> [f64; 3] {
    let (la, lo) = (lat.to_radians(), lon.to_radians());
    [la.cos() * lo.cos(), la.cos() * lo.sin(), la.sin()]
}

#[inline]
fn chord2(a: &[f64; 3], b: &[f64; 3]) -> f64 {
    let d = [a[0] - b[0], a[1] - b[1], a[2] - b[2]];
    d[0] * d[0] + d[1] * d[1] + d[2] * d[2]
}

/// A bucket index of the source pixels of one source window by latitude/longitude cell, for
/// nearest-neighbour searches within a radius.
pub struct SourceIndex {
    cell_lat: f64,
    cell_lon: f64,
    lat0: f64,
    lon0: f64,
    rows: usize,
    cols: usize,
    /// Start of each cell's pixels in `pixels` (CSR layout).
    starts: Vec<u32>,
    pixels: Vec<u32>,
    points: Vec<[f64; 3]>,
    /// Source window size.
    src_rows: usize,
    src_cols: usize,
    lat: Vec<f32>,
    lon: Vec<f32>,
}

impl SourceIndex {
    /// Indexes the source window of `src_rows` x `src_cols` pixels with lookup `lat`/`lon`
    /// (row-major); `radius_m` is the search radius in metres.
    pub fn new(lat: &[f32], lon: &[f32], src_rows: usize, src_cols: usize, radius_m: f64) -> Self {
        let mut ext = LookupExtent::default();
        ext.add(lat, lon);
        let cell_lat = (radius_m / EARTH_RADIUS).to_degrees().max(1e-9);
        let max_abs_lat = ext.lat_min.abs().max(ext.lat_max.abs()).min(89.0);
        let cell_lon = (cell_lat / max_abs_lat.to_radians().cos()).max(1e-9);
        let (rows, cols) = if ext.count == 0 {
            (1, 1)
        } else {
            (
                ((ext.lat_max - ext.lat_min) / cell_lat) as usize + 1,
                ((ext.lon_max - ext.lon_min) / cell_lon) as usize + 1,
            )
        };
        let mut idx = SourceIndex {
            cell_lat,
            cell_lon,
            lat0: ext.lat_min,
            lon0: ext.lon_min,
            rows,
            cols,
            starts: vec![0; rows * cols + 1],
            pixels: Vec::with_capacity(ext.count),
            points: vec![[0.0; 3]; lat.len()],
            src_rows,
            src_cols,
            lat: lat.to_vec(),
            lon: lon.to_vec(),
        };
        let mut cell_of = vec![u32::MAX; lat.len()];
        for (p, (&a, &o)) in lat.iter().zip(lon).enumerate() {
            if valid(a, o) {
                let c = idx.cell(a as f64, o as f64).unwrap_or(0);
                cell_of[p] = c as u32;
                idx.starts[c + 1] += 1;
                idx.points[p] = xyz(a as f64, o as f64);
            }
        }
        for c in 0..rows * cols {
            idx.starts[c + 1] += idx.starts[c];
        }
        let mut fill = idx.starts.clone();
        idx.pixels.resize(ext.count, 0);
        for (p, &c) in cell_of.iter().enumerate() {
            if c != u32::MAX {
                let c = c as usize;
                idx.pixels[fill[c] as usize] = p as u32;
                fill[c] += 1;
            }
        }
        idx
    }

    fn cell(&self, lat: f64, lon: f64) -> Option<usize> {
        let r = ((lat - self.lat0) / self.cell_lat).floor();
        let c = ((lon - self.lon0) / self.cell_lon).floor();
        (r >= 0.0 && c >= 0.0 && (r as usize) < self.rows && (c as usize) < self.cols)
            .then(|| r as usize * self.cols + c as usize)
    }

    /// The source pixel (row-major index in the window) nearest to (lat, lon) within
    /// `radius_m`; ties go to the smaller index.
    pub fn nearest(&self, lat: f64, lon: f64, radius_m: f64) -> Option<usize> {
        let r = ((lat - self.lat0) / self.cell_lat).floor() as i64;
        let c = ((lon - self.lon0) / self.cell_lon).floor() as i64;
        let q = xyz(lat, lon);
        let limit = (radius_m / EARTH_RADIUS).powi(2);
        let mut best: Option<(f64, usize)> = None;
        for rr in r - 1..=r + 1 {
            if rr < 0 || rr >= self.rows as i64 {
                continue;
            }
            for cc in c - 1..=c + 1 {
                if cc < 0 || cc >= self.cols as i64 {
                    continue;
                }
                let cell = rr as usize * self.cols + cc as usize;
                let (a, b) = (self.starts[cell] as usize, self.starts[cell + 1] as usize);
                for &p in &self.pixels[a..b] {
                    let p = p as usize;
                    let d = chord2(&q, &self.points[p]);
                    if d <= limit && best.is_none_or(|(bd, bp)| d < bd || (d == bd && p < bp)) {
                        best = Some((d, p));
                    }
                }
            }
        }
        best.map(|(_, p)| p)
    }

    /// Fractional (row, column) of (lat, lon) inside the source window, from an affine fit of
    /// the lookup around the nearest pixel `p`; `None` where the neighbourhood is not usable.
    pub fn locate(&self, lat: f64, lon: f64, p: usize) -> Option<(f64, f64)> {
        let (y, x) = (p / self.src_cols, p % self.src_cols);
        let at = |y: usize, x: usize| {
            let i = y * self.src_cols + x;
            let (a, o) = (self.lat[i], self.lon[i]);
            valid(a, o).then_some((a as f64, o as f64))
        };
        let (a0, o0) = at(y, x)?;
        // Derivatives along rows and columns from the neighbours on the side that exists.
        let step = |fwd: Option<(f64, f64)>, back: Option<(f64, f64)>| match (fwd, back) {
            (Some((a, o)), _) => Some((a - a0, o - o0)),
            (None, Some((a, o))) => Some((a0 - a, o0 - o)),
            _ => None,
        };
        let down = step(
            (y + 1 < self.src_rows).then(|| at(y + 1, x)).flatten(),
            (y > 0).then(|| at(y - 1, x)).flatten(),
        )?;
        let right = step(
            (x + 1 < self.src_cols).then(|| at(y, x + 1)).flatten(),
            (x > 0).then(|| at(y, x - 1)).flatten(),
        )?;
        // Solve [down right] [dy dx]^T = [dlat dlon]^T.
        let det = down.0 * right.1 - right.0 * down.1;
        if det == 0.0 || !det.is_finite() {
            return None;
        }
        let (da, dor) = (lat - a0, lon - o0);
        let dy = (da * right.1 - right.0 * dor) / det;
        let dx = (down.0 * dor - da * down.1) / det;
        Some((y as f64 + dy, x as f64 + dx))
    }
}

/// For each pixel of `grid` rows `row0..row1`, the source pixel it takes (`u32::MAX`: none):
/// the nearest within the radius of influence.
pub fn nearest_map(index: &SourceIndex, grid: &MapGrid, row0: usize, row1: usize) -> Vec<u32> {
    let radius = radius_m(grid);
    let mut out = Vec::with_capacity((row1 - row0) * grid.width);
    for i in row0..row1 {
        let lat = grid.row_centre(i);
        for j in 0..grid.width {
            out.push(
                index
                    .nearest(lat, grid.col_centre(j), radius)
                    .map_or(u32::MAX, |p| p as u32),
            );
        }
    }
    out
}

/// Bilinear weights of one grid pixel: 4 source pixels and their weights.
pub type Bilinear = ([u32; 4], [f32; 4]);

/// For each pixel of `grid` rows `row0..row1`, the 4 source pixels and weights of bilinear
/// interpolation (`None`: outside the source or within no radius of it).
pub fn bilinear_map(
    index: &SourceIndex,
    grid: &MapGrid,
    row0: usize,
    row1: usize,
) -> Vec<Option<Bilinear>> {
    let radius = radius_m(grid);
    let (rows, cols) = (index.src_rows, index.src_cols);
    let mut out = Vec::with_capacity((row1 - row0) * grid.width);
    for i in row0..row1 {
        let lat = grid.row_centre(i);
        for j in 0..grid.width {
            let lon = grid.col_centre(j);
            let cell = index.nearest(lat, lon, radius).and_then(|p| {
                let (fy, fx) = index.locate(lat, lon, p)?;
                if fy < 0.0 || fx < 0.0 || fy > (rows - 1) as f64 || fx > (cols - 1) as f64 {
                    return None;
                }
                let (y0, x0) = (
                    (fy.floor() as usize).min(rows.saturating_sub(2)),
                    (fx.floor() as usize).min(cols.saturating_sub(2)),
                );
                let (y1, x1) = ((y0 + 1).min(rows - 1), (x0 + 1).min(cols - 1));
                let (ty, tx) = ((fy - y0 as f64) as f32, (fx - x0 as f64) as f32);
                Some((
                    [
                        (y0 * cols + x0) as u32,
                        (y0 * cols + x1) as u32,
                        (y1 * cols + x0) as u32,
                        (y1 * cols + x1) as u32,
                    ],
                    [
                        (1.0 - ty) * (1.0 - tx),
                        (1.0 - ty) * tx,
                        ty * (1.0 - tx),
                        ty * tx,
                    ],
                ))
            });
            out.push(cell);
        }
    }
    out
}

/// Applies a nearest map to one source plane: NaN where no source pixel.
pub fn apply_nearest(map: &[u32], src: &[f32], out: &mut [f32]) {
    for (o, &p) in out.iter_mut().zip(map) {
        *o = if p == u32::MAX {
            f32::NAN
        } else {
            src[p as usize]
        };
    }
}

/// Applies a bilinear map to one source plane: NaN where no cell or a corner is NaN.
pub fn apply_bilinear(map: &[Option<Bilinear>], src: &[f32], out: &mut [f32]) {
    for (o, cell) in out.iter_mut().zip(map) {
        *o = match cell {
            None => f32::NAN,
            Some((idx, w)) => idx
                .iter()
                .zip(w)
                .map(|(&p, &w)| if w == 0.0 { 0.0 } else { w * src[p as usize] })
                .sum(),
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A rotated radar grid: lat/lon of pixel (y, x).
    fn lookup(rows: usize, cols: usize) -> (Vec<f32>, Vec<f32>) {
        let mut lat = Vec::new();
        let mut lon = Vec::new();
        for y in 0..rows {
            for x in 0..cols {
                let (yf, xf) = (y as f64, x as f64);
                lat.push((35.0 - 0.001 * yf + 0.0002 * xf) as f32);
                lon.push((-118.0 + 0.0012 * xf + 0.0003 * yf) as f32);
            }
        }
        (lat, lon)
    }

    #[test]
    fn grid_follows_mintpy_extent_rules() {
        let ext = LookupExtent {
            lat_min: 34.9,
            lat_max: 35.0,
            lon_min: -118.0,
            lon_max: -117.8,
            count: 10,
        };
        let g = grid_around(&ext, -0.001, 0.002, false).unwrap();
        assert!((g.y_first - 35.0005).abs() < 1e-12);
        assert!((g.x_first - (-118.001)).abs() < 1e-12);
        assert_eq!((g.length, g.width), (101, 101));
        assert!((g.row_centre(0) - 35.0).abs() < 1e-12);
        assert!((radius_m(&g) - 3.0 * 0.002f64.to_radians() * EARTH_RADIUS).abs() < 1e-6);
    }

    #[test]
    fn default_step_keeps_pixel_area() {
        let mut a = Attributes::new();
        a.set("AZIMUTH_PIXEL_SIZE", 14.0);
        a.set("RANGE_PIXEL_SIZE", 2.3);
        a.set("HEADING", -12.0);
        a.set("HEIGHT", 693000.0);
        a.set("STARTING_RANGE", 800000.0);
        a.set("WIDTH", 1000);
        a.set("CENTER_INCIDENCE_ANGLE", 35.0);
        let (dlat, dlon) = default_step(&a, 30.0f32).unwrap();
        assert!(dlat < 0.0 && dlon > 0.0);
        let re = EARTH_RADIUS;
        let area_geo =
            (dlat.abs().to_radians() * re) * (dlon.to_radians() * re * 30f64.to_radians().cos());
        let area_radar = 14.0 * re / (re + 693000.0) * 2.3 / 35f64.to_radians().sin();
        // The cosine of the latitude is taken in float32, as MintPy does.
        assert!(
            (area_geo / area_radar - 1.0).abs() < 1e-6,
            "{area_geo} vs {area_radar}"
        );
        a.remove("HEIGHT");
        assert!(default_step(&a, 30.0f32).is_none());
    }

    #[test]
    fn nearest_takes_the_closest_pixel_within_the_radius() {
        let (rows, cols) = (40, 50);
        let (lat, lon) = lookup(rows, cols);
        let mut ext = LookupExtent::default();
        ext.add(&lat, &lon);
        let grid = grid_around(&ext, -0.0008, 0.0009, false).unwrap();
        let index = SourceIndex::new(&lat, &lon, rows, cols, radius_m(&grid));
        let map = nearest_map(&index, &grid, 0, grid.length);
        // Brute force over all source pixels.
        let radius = radius_m(&grid);
        let mut checked = 0;
        for i in (0..grid.length).step_by(7) {
            for j in (0..grid.width).step_by(5) {
                let q = xyz(grid.row_centre(i), grid.col_centre(j));
                let mut best = (f64::INFINITY, u32::MAX);
                for p in 0..lat.len() {
                    let d = chord2(&q, &xyz(lat[p] as f64, lon[p] as f64));
                    if d < best.0 {
                        best = (d, p as u32);
                    }
                }
                let want = if best.0.sqrt() * EARTH_RADIUS <= radius {
                    best.1
                } else {
                    u32::MAX
                };
                assert_eq!(map[i * grid.width + j], want, "grid pixel {i},{j}");
                checked += 1;
            }
        }
        assert!(checked > 50);
        assert!(
            map.contains(&u32::MAX),
            "corners of a rotated swath have no data"
        );
        let src: Vec<f32> = (0..lat.len()).map(|p| p as f32).collect();
        let mut out = vec![0.0; map.len()];
        apply_nearest(&map, &src, &mut out);
        assert!(out.iter().any(|v| v.is_nan()) && out.contains(&0.0));
    }

    #[test]
    fn bilinear_reproduces_a_plane() {
        let (rows, cols) = (30, 30);
        let (lat, lon) = lookup(rows, cols);
        // A field linear in row and column is linear in lat/lon too: bilinear must be exact.
        let src: Vec<f32> = (0..rows * cols)
            .map(|p| (2.0 * (p / cols) as f64 + 0.5 * (p % cols) as f64) as f32)
            .collect();
        let mut ext = LookupExtent::default();
        ext.add(&lat, &lon);
        let grid = grid_around(&ext, -0.0005, 0.0005, true).unwrap();
        let index = SourceIndex::new(&lat, &lon, rows, cols, radius_m(&grid));
        let map = bilinear_map(&index, &grid, 0, grid.length);
        let mut out = vec![0.0; map.len()];
        apply_bilinear(&map, &src, &mut out);
        let mut n = 0;
        for i in 0..grid.length {
            for j in 0..grid.width {
                let v = out[i * grid.width + j];
                if v.is_nan() {
                    continue;
                }
                // Invert the lookup analytically.
                let (da, dor) = (grid.row_centre(i) - 35.0, grid.col_centre(j) + 118.0);
                // da = -0.001 y + 0.0002 x ; dor = 0.0003 y + 0.0012 x
                let det = -0.001 * 0.0012 - 0.0002 * 0.0003;
                let y = (da * 0.0012 - 0.0002 * dor) / det;
                let x = (-0.001 * dor - 0.0003 * da) / det;
                let want = 2.0 * y + 0.5 * x;
                // The f32 lookup holds ~4e-6 degrees: ~1% of a pixel here.
                assert!((v as f64 - want).abs() < 0.03, "{i},{j}: {v} vs {want}");
                n += 1;
            }
        }
        assert!(n > grid.length * grid.width / 3, "{n} interpolated pixels");
    }
}
