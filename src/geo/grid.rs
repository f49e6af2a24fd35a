//! The regular map grid of geocoded data, as MintPy describes it in metadata: `Y_FIRST`/`X_FIRST`
//! are the outer corner of the first pixel, `Y_STEP`/`X_STEP` the pixel size (`Y_STEP < 0` for a
//! north-up grid), `LENGTH`/`WIDTH` the size, `X_UNIT`/`Y_UNIT` the unit and `EPSG` the
//! coordinate system when given. Pixel centres lie half a step inside the corner.
//!
//! The one definition for the crate: geocoding writes it, subsets cut it, products store its
//! pixel centres, plots label their axes with it and GeoTIFF export derives its transform from
//! it. Only latitude/longitude grids are computed on today; `epsg` leaves room for a map
//! projection.

use crate::meta::pyfmt::py_f64;
use crate::meta::{AttrError, Attributes};
use crate::window::Window;

/// A regular grid of `length` rows and `width` columns in map coordinates (degrees of
/// latitude/longitude unless `epsg` says otherwise).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MapGrid {
    /// `Y_FIRST`: y (latitude) of the outer edge of the first row.
    pub y_first: f64,
    /// `X_FIRST`: x (longitude) of the outer edge of the first column.
    pub x_first: f64,
    /// `Y_STEP`: y step per row (negative for a north-up grid).
    pub y_step: f64,
    /// `X_STEP`: x step per column.
    pub x_step: f64,
    /// Rows.
    pub length: usize,
    /// Columns.
    pub width: usize,
    /// `EPSG` code of the coordinate system, when the metadata give one.
    pub epsg: Option<u32>,
    /// Whether the coordinates are degrees (`X_UNIT` absent or `deg...`).
    pub degrees: bool,
}

impl MapGrid {
    /// A latitude/longitude grid in degrees without a stated coordinate system.
    pub fn lat_lon(
        y_first: f64,
        x_first: f64,
        y_step: f64,
        x_step: f64,
        length: usize,
        width: usize,
    ) -> MapGrid {
        MapGrid {
            y_first,
            x_first,
            y_step,
            x_step,
            length,
            width,
            epsg: None,
            degrees: true,
        }
    }

    /// Whether metadata describe geocoded data (MintPy's test: `Y_FIRST` is present).
    pub fn is_geocoded(a: &Attributes) -> bool {
        a.contains("Y_FIRST")
    }

    /// The grid of metadata `a` for an image of `length` x `width` pixels; the first key of
    /// `Y_FIRST`, `Y_STEP`, `X_FIRST`, `X_STEP` that is missing or not a number is the error.
    pub fn from_attrs(a: &Attributes, length: usize, width: usize) -> Result<MapGrid, AttrError> {
        let (y_first, y_step) = (a.get_f64("Y_FIRST")?, a.get_f64("Y_STEP")?);
        let (x_first, x_step) = (a.get_f64("X_FIRST")?, a.get_f64("X_STEP")?);
        Ok(MapGrid {
            epsg: a.get("EPSG").and_then(|v| v.trim().parse::<u32>().ok()),
            degrees: a.get("X_UNIT").is_none_or(|u| u.starts_with("deg")),
            ..MapGrid::lat_lon(y_first, x_first, y_step, x_step, length, width)
        })
    }

    /// The grid of metadata `a`, if they describe a complete one.
    pub fn of(a: &Attributes, length: usize, width: usize) -> Option<MapGrid> {
        MapGrid::from_attrs(a, length, width).ok()
    }

    /// Writes the grid as MintPy's geocoded metadata: size, corner, steps, the unit of a degree
    /// grid and the coordinate system when known. Numbers are written as Rust prints them
    /// (shortest round-trip text), so reading them back gives the same grid.
    pub fn write_attrs(&self, a: &mut Attributes) {
        a.set("LENGTH", self.length);
        a.set("WIDTH", self.width);
        a.set("Y_FIRST", self.y_first);
        a.set("X_FIRST", self.x_first);
        a.set("Y_STEP", self.y_step);
        a.set("X_STEP", self.x_step);
        if self.degrees {
            a.set("Y_UNIT", "degrees");
            a.set("X_UNIT", "degrees");
        }
        if let Some(e) = self.epsg {
            a.set("EPSG", e);
        }
    }

    /// Rewrites only the corner (`Y_FIRST`/`X_FIRST`) of existing metadata, as MintPy's subset
    /// does, in Python's float text (`376960.0`) as MintPy writes it: the other grid keys keep
    /// their text.
    pub fn write_corner(&self, a: &mut Attributes) {
        a.set("Y_FIRST", py_f64(self.y_first));
        a.set("X_FIRST", py_f64(self.x_first));
    }

    /// The grid of the `window` cut: the corner moves by whole pixels, the steps stay.
    pub fn sub_grid(&self, window: &Window) -> MapGrid {
        MapGrid {
            y_first: self.y_first + window.y0 as f64 * self.y_step,
            x_first: self.x_first + window.x0 as f64 * self.x_step,
            length: window.rows(),
            width: window.cols(),
            ..*self
        }
    }

    /// y (latitude) of the centre of row `i`.
    pub fn row_centre(&self, i: usize) -> f64 {
        self.y_first + self.y_step * (i as f64 + 0.5)
    }

    /// x (longitude) of the centre of column `j`.
    pub fn col_centre(&self, j: usize) -> f64 {
        self.x_first + self.x_step * (j as f64 + 0.5)
    }

    /// y of the centre of every row, top to bottom.
    pub fn row_centres(&self) -> Vec<f64> {
        (0..self.length).map(|i| self.row_centre(i)).collect()
    }

    /// x of the centre of every column, left to right.
    pub fn col_centres(&self) -> Vec<f64> {
        (0..self.width).map(|j| self.col_centre(j)).collect()
    }

    /// The row holding y, by MintPy's `lalo2yx` rule: floor with 0.01 pixel of slack, so a
    /// coordinate on a pixel edge (up to rounding) belongs to the pixel after it. Not clipped:
    /// negative or beyond the grid outside it.
    pub fn row_of(&self, y: f64) -> f64 {
        ((y - self.y_first) / self.y_step + 0.01).floor()
    }

    /// The column holding x (see [`MapGrid::row_of`]).
    pub fn col_of(&self, x: f64) -> f64 {
        ((x - self.x_first) / self.x_step + 0.01).floor()
    }

    /// The pixel holding (y, x) by [`MapGrid::row_of`], or `None` outside the grid.
    pub fn pixel_of(&self, y: f64, x: f64) -> Option<(usize, usize)> {
        let (r, c) = (self.row_of(y), self.col_of(x));
        (r >= 0.0 && c >= 0.0 && r < self.length as f64 && c < self.width as f64)
            .then_some((r as usize, c as usize))
    }

    /// The pixel whose outer corner is nearest to (y, x) (`round` of the offset in steps), as
    /// MintPy places a geocoded reference point; `None` outside the grid.
    pub fn pixel_rounded(&self, y: f64, x: f64) -> Option<(usize, usize)> {
        let r = ((y - self.y_first) / self.y_step).round();
        let c = ((x - self.x_first) / self.x_step).round();
        (r >= 0.0 && c >= 0.0 && (r as usize) < self.length && (c as usize) < self.width)
            .then_some((r as usize, c as usize))
    }

    /// The half-open pixel box `(y0, y1, x0, x1)` of the box S, N, W, E by [`MapGrid::row_of`]
    /// on both edges (the far edge excluded), not clipped to the grid.
    pub fn box_pixels(&self, south: f64, north: f64, west: f64, east: f64) -> [i64; 4] {
        let (ya, yb) = (self.row_of(north) as i64, self.row_of(south) as i64);
        let (xa, xb) = (self.col_of(west) as i64, self.col_of(east) as i64);
        [ya.min(yb), ya.max(yb), xa.min(xb), xa.max(xb)]
    }

    /// The outer edges S, N, W, E of the grid.
    pub fn snwe(&self) -> (f64, f64, f64, f64) {
        let y_end = self.y_first + self.y_step * self.length as f64;
        let x_end = self.x_first + self.x_step * self.width as f64;
        (
            self.y_first.min(y_end),
            self.y_first.max(y_end),
            self.x_first.min(x_end),
            self.x_first.max(x_end),
        )
    }

    /// The grid's (y, x) of latitude `lat`, longitude `lon` (degrees): themselves on a degree
    /// grid, projected on a WGS 84 / UTM grid (as MintPy's `latlon2utm`); `None` for other
    /// coordinate systems.
    pub fn project(&self, lat: f64, lon: f64) -> Option<(f64, f64)> {
        if self.degrees {
            return Some((lat, lon));
        }
        let (e, n) = crate::geo::utm::UtmZone::from_epsg(self.epsg?)?.forward(lat, lon);
        Some((n, e))
    }

    /// A latitude/longitude box S, N, W, E (degrees) in the grid's coordinates: itself on a degree
    /// grid; on a UTM grid, the box spanned by its projected north-west and south-east corners
    /// (as MintPy's subset converts a box); `None` for other coordinate systems.
    pub fn project_box(&self, south: f64, north: f64, west: f64, east: f64) -> Option<[f64; 4]> {
        let (n, w) = self.project(north, west)?;
        let (s, e) = self.project(south, east)?;
        Some([s.min(n), s.max(n), w.min(e), w.max(e)])
    }

    /// GeoTIFF's ModelPixelScale: the pixel size in x and y (positive), and 0 in z.
    pub fn pixel_scale(&self) -> [f64; 3] {
        [self.x_step.abs(), self.y_step.abs(), 0.0]
    }

    /// GeoTIFF's ModelTiepoint: raster (0, 0, 0), the outer corner of the first pixel, at the
    /// corner's map coordinates (the raster is PixelIsArea).
    pub fn tiepoint(&self) -> [f64; 6] {
        [0.0, 0.0, 0.0, self.x_first, self.y_first, 0.0]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attrs(pairs: &[(&str, &str)]) -> Attributes {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn attributes_round_trip_as_text() {
        let a = attrs(&[
            ("LENGTH", "120"),
            ("WIDTH", "90"),
            ("Y_FIRST", "35.0005"),
            ("X_FIRST", "-118.001"),
            ("Y_STEP", "-0.000833333333333"),
            ("X_STEP", "0.000833333333333"),
            ("Y_UNIT", "degrees"),
            ("X_UNIT", "degrees"),
        ]);
        let g = MapGrid::from_attrs(&a, 120, 90).unwrap();
        assert_eq!(
            (g.length, g.width, g.epsg, g.degrees),
            (120, 90, None, true)
        );
        let mut b = Attributes::new();
        g.write_attrs(&mut b);
        assert_eq!(a, b);
        // Whole numbers are written without `.0`, as the writers always did.
        let mut c = Attributes::new();
        MapGrid::lat_lon(35.0, -118.0, -0.5, 0.5, 2, 3).write_attrs(&mut c);
        assert_eq!(c.get("Y_FIRST"), Some("35"));
        assert_eq!(c.get("X_FIRST"), Some("-118"));
        assert_eq!(c.get("X_STEP"), Some("0.5"));
    }

    #[test]
    fn reads_crs_and_unit_and_names_the_missing_key() {
        let mut a = attrs(&[
            ("Y_FIRST", "4000000"),
            ("X_FIRST", "500000"),
            ("Y_STEP", "-30"),
            ("X_STEP", "30"),
            ("X_UNIT", "meters"),
            ("EPSG", "32611"),
        ]);
        let g = MapGrid::from_attrs(&a, 10, 10).unwrap();
        assert_eq!((g.epsg, g.degrees), (Some(32611), false));
        let mut b = Attributes::new();
        g.write_attrs(&mut b);
        assert_eq!(b.get("EPSG"), Some("32611"));
        assert!(!b.contains("X_UNIT"));
        a.remove("Y_STEP");
        let e = MapGrid::from_attrs(&a, 10, 10).unwrap_err();
        assert_eq!(e.key(), "Y_STEP");
        assert!(MapGrid::of(&a, 10, 10).is_none());
        assert!(MapGrid::is_geocoded(&a));
    }

    #[test]
    fn pixel_and_coordinate_round_trip() {
        let g = MapGrid::lat_lon(10.0, 20.0, -0.1, 0.2, 50, 40);
        for (i, j) in [(0, 0), (7, 3), (49, 39)] {
            let (y, x) = (g.row_centre(i), g.col_centre(j));
            assert_eq!(g.pixel_of(y, x), Some((i, j)));
        }
        assert!((g.row_centre(0) - 9.95).abs() < 1e-12);
        assert!((g.col_centre(1) - 20.3).abs() < 1e-12);
        assert_eq!(g.row_centres().len(), 50);
        assert_eq!(g.col_centres()[0], g.col_centre(0));
        // A coordinate on a pixel edge, a little off by rounding, belongs to the next pixel.
        assert_eq!(g.row_of(10.0 - 0.1 * 3.0 + 1e-9), 3.0);
        assert_eq!(g.pixel_of(10.05, 20.1), None);
        assert_eq!(g.pixel_of(9.0, 28.0), None);
        // Rounding to the nearest corner (MintPy's geocoded reference point).
        assert_eq!(g.pixel_rounded(9.96, 20.29), Some((0, 1)));
        assert_eq!(g.pixel_rounded(4.9, 20.0), None);
        assert_eq!(g.box_pixels(9.0, 9.5, 20.2, 21.0), [5, 10, 1, 5]);
        assert_eq!(g.snwe(), (5.0, 10.0, 20.0, 28.0));
    }

    #[test]
    fn sub_grid_moves_the_corner_by_whole_pixels() {
        let g = MapGrid::lat_lon(10.0, 20.0, -0.1, 0.2, 50, 40);
        let w = Window {
            y0: 5,
            y1: 15,
            x0: 4,
            x1: 10,
        };
        let s = g.sub_grid(&w);
        assert_eq!((s.length, s.width), (10, 6));
        assert_eq!(s.y_first, 10.0 + 5.0 * -0.1);
        assert_eq!(s.x_first, 20.0 + 4.0 * 0.2);
        assert_eq!((s.y_step, s.x_step), (g.y_step, g.x_step));
        // Same pixel centres as the full grid's.
        assert_eq!(s.row_centre(0), g.y_first + g.y_step * 5.0 + g.y_step * 0.5);
        assert!((s.col_centre(2) - g.col_centre(6)).abs() < 1e-12);
        let mut a = attrs(&[("Y_FIRST", "10"), ("Y_STEP", "-0.1000")]);
        s.write_corner(&mut a);
        assert_eq!(a.get("Y_FIRST"), Some("9.5"));
        assert_eq!(a.get("Y_STEP"), Some("-0.1000"));
    }

    #[test]
    fn geotiff_transform_is_the_outer_corner_and_absolute_steps() {
        let g = MapGrid::lat_lon(35.5, -118.25, -0.0008, 0.001, 3, 4);
        assert_eq!(g.pixel_scale(), [0.001, 0.0008, 0.0]);
        assert_eq!(g.tiepoint(), [0.0, 0.0, 0.0, -118.25, 35.5, 0.0]);
    }
}
