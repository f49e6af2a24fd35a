//! The map-to-radar lookup table ROI_PAC (`geomap*.trans`) and GAMMA (`*.UTM_TO_RDC`) write:
//! a regular latitude/longitude grid over the simulated scene, holding for each map pixel the
//! radar column (range) and row (azimuth) it comes from, 0 outside the radar image.

use super::sensor;

/// The map grid of the lookup table, with MintPy's `Y_FIRST`/`X_FIRST` (upper-left corner of
/// the first pixel) and steps in degrees.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LookupGrid {
    /// Rows.
    pub length: usize,
    /// Columns.
    pub width: usize,
    /// Latitude of the upper edge.
    pub y_first: f64,
    /// Longitude of the left edge.
    pub x_first: f64,
    /// Latitude step (negative).
    pub y_step: f64,
    /// Longitude step.
    pub x_step: f64,
}

/// Radar (row, column) to (latitude, longitude), as an affine fit of the scene's geometry
/// through three corners; inverted to fill the lookup table.
struct Affine {
    origin: (f64, f64),
    /// d(lat, lon) / d(row), d(lat, lon) / d(col).
    dy: (f64, f64),
    dx: (f64, f64),
}

impl Affine {
    fn of_scene(rows: usize, cols: usize) -> Affine {
        let o = sensor::lat_lon(0, 0);
        let r = sensor::lat_lon(rows - 1, 0);
        let c = sensor::lat_lon(0, cols - 1);
        let per = |a: (f64, f64), n: usize| {
            let n = (n.max(2) - 1) as f64;
            ((a.0 - o.0) / n, (a.1 - o.1) / n)
        };
        Affine {
            origin: o,
            dy: per(r, rows),
            dx: per(c, cols),
        }
    }

    /// The radar (row, column) of (lat, lon).
    fn radar_of(&self, lat: f64, lon: f64) -> (f64, f64) {
        let (a, b) = (lat - self.origin.0, lon - self.origin.1);
        let det = self.dy.0 * self.dx.1 - self.dx.0 * self.dy.1;
        let row = (a * self.dx.1 - b * self.dx.0) / det;
        let col = (self.dy.0 * b - self.dy.1 * a) / det;
        (row, col)
    }
}

/// The lookup grid over a `rows` x `cols` scene: its bounding box, about as many pixels as
/// the radar image, steps rounded to 1e-6 degree so that their text is short.
pub fn lookup_grid(rows: usize, cols: usize) -> LookupGrid {
    let corners = [(0, 0), (0, cols - 1), (rows - 1, 0), (rows - 1, cols - 1)]
        .map(|(y, x)| sensor::lat_lon(y, x));
    let lat_max = corners.iter().map(|c| c.0).fold(f64::MIN, f64::max);
    let lat_min = corners.iter().map(|c| c.0).fold(f64::MAX, f64::min);
    let lon_min = corners.iter().map(|c| c.1).fold(f64::MAX, f64::min);
    let lon_max = corners.iter().map(|c| c.1).fold(f64::MIN, f64::max);
    let round = |v: f64| (v * 1e6).round() / 1e6;
    let y_step = -round((lat_max - lat_min) / rows as f64).max(1e-6);
    let x_step = round((lon_max - lon_min) / cols as f64).max(1e-6);
    let y_first = round(lat_max);
    let x_first = round(lon_min);
    LookupGrid {
        length: ((y_first - lat_min) / -y_step).ceil() as usize + 1,
        width: ((lon_max - x_first) / x_step).ceil() as usize + 1,
        y_first,
        x_first,
        y_step,
        x_step,
    }
}

/// Row `i` of the lookup table: (range, azimuth) of each map pixel's centre, (0, 0) where the
/// centre falls outside the radar image.
pub fn lookup_row(grid: &LookupGrid, rows: usize, cols: usize, i: usize) -> Vec<(f32, f32)> {
    let affine = Affine::of_scene(rows, cols);
    let lat = grid.y_first + (i as f64 + 0.5) * grid.y_step;
    (0..grid.width)
        .map(|j| {
            let lon = grid.x_first + (j as f64 + 0.5) * grid.x_step;
            let (r, c) = affine.radar_of(lat, lon);
            let inside =
                (0.0..=(rows - 1) as f64).contains(&r) && (0.0..=(cols - 1) as f64).contains(&c);
            if inside {
                (c as f32, r as f32)
            } else {
                (0.0, 0.0)
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_lookup_points_back_at_the_radar_pixel() {
        let (rows, cols) = (30, 40);
        let g = lookup_grid(rows, cols);
        assert!(g.length >= 2 && g.width >= 2 && g.y_step < 0.0);
        let affine = Affine::of_scene(rows, cols);
        let (lat, lon) = sensor::lat_lon(10, 20);
        let (r, c) = affine.radar_of(lat, lon);
        assert!((r - 10.0).abs() < 0.5 && (c - 20.0).abs() < 0.5, "{r} {c}");
        let inside: usize = (0..g.length)
            .map(|i| {
                lookup_row(&g, rows, cols, i)
                    .iter()
                    .filter(|v| v.0 != 0.0)
                    .count()
            })
            .sum();
        assert!(
            inside > rows * cols / 4,
            "{inside} map pixels see the scene"
        );
    }
}
