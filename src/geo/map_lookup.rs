//! Map-to-radar lookup tables, as ROI_PAC (`geomap*.trans`) and GAMMA (`*.UTM_TO_RDC`) write
//! them: a regular latitude/longitude grid holding, for each map pixel, the radar column
//! (`rangeCoord`) and row (`azimuthCoord`) it comes from, 0 where it sees no radar pixel.
//!
//! MintPy 1.6.4 uses such a table directly (`objects/coord.py`, lookup with `Y_FIRST`):
//! a lat/lon point goes to the grid cell `rint((lat - Y_FIRST) / Y_STEP)`,
//! `rint((lon - X_FIRST) / X_STEP)` (from the grid's corner, not its pixel centre), whose
//! values rounded to the nearest integer are the radar row and column, less the
//! `SUBSET_YMIN`/`SUBSET_XMIN` of a cropped stack. A lat/lon box goes to the radar box spanned
//! by its four corners, the largest row and column excluded (`bbox_geo2radar` with no buffer,
//! then clipped to the image).

use std::path::{Path, PathBuf};

use anyhow::{bail, Context};

use crate::geo::grid::MapGrid;
use crate::meta::Attributes;
use crate::source::raster::gamma::{gamma_layout, is_gamma_lookup};
use crate::source::raster::gamma_par::read_gamma_par_skipping;
use crate::source::raster::roipac::roipac_layout;
use crate::source::raster::RasterLayout;
use crate::window::Window;

/// The MintPy dataset names of the two bands (range first).
pub const LOOKUP_DATASETS: [&str; 2] = ["rangeCoord", "azimuthCoord"];

/// A map-to-radar lookup table opened for windowed reads.
#[derive(Debug, Clone)]
pub struct MapLookup {
    /// The table's latitude/longitude grid.
    pub grid: MapGrid,
    /// Its metadata (`Y_FIRST`, ..., as MintPy reads them).
    pub attrs: Attributes,
    layout: RasterLayout,
    /// Looks (rows, columns) of a table multilooked with its stack: 1 x 1 for the file as is.
    looks: (usize, usize),
}

/// Whether `file` names a map-to-radar lookup table sbas reads as one (`.trans`, GAMMA's
/// `*to_rdc`, `*2_rdc`, `*2rdc`).
pub fn is_map_lookup_file(file: &Path) -> bool {
    file.extension().is_some_and(|e| e == "trans") || is_gamma_lookup(file)
}

impl MapLookup {
    /// Opens the ROI_PAC `.trans` (with its `.rsc`) or GAMMA `*.UTM_TO_RDC` (with the
    /// `.utm.dem.par` of the same stem) at `file`.
    pub fn open(file: &Path) -> anyhow::Result<MapLookup> {
        let (layout, attrs) = if is_gamma_lookup(file) {
            let par = file.with_extension("utm.dem.par");
            if !par.is_file() {
                bail!(
                    "GAMMA lookup table {} has no map parameter file {}",
                    file.display(),
                    par.display()
                );
            }
            // MintPy skips only the title line of a DEM/MAP parameter file.
            let a = read_gamma_par_skipping(&par, 1)?;
            let dim = |keys: &[&str]| -> anyhow::Result<usize> {
                keys.iter()
                    .find_map(|k| a.get(k).and_then(|v| v.trim().parse::<usize>().ok()))
                    .with_context(|| {
                        format!("{} has no {} (the map grid's size)", par.display(), keys[0])
                    })
            };
            let (length, width) = (dim(&["nlines", "LENGTH"])?, dim(&["width", "WIDTH"])?);
            (gamma_layout(file, length, width, par)?, a)
        } else if file.extension().is_some_and(|e| e == "trans") {
            roipac_layout(file)?
        } else {
            bail!(
                "{} is not a map-to-radar lookup table sbas reads (ROI_PAC geomap*.trans, GAMMA \
                 *.UTM_TO_RDC)",
                file.display()
            );
        };
        layout.check_file_size()?;
        let grid = MapGrid::from_attrs(&attrs, layout.length, layout.width).map_err(|e| {
            anyhow::anyhow!(
                "lookup table {} (metadata {}): {e}: the map grid is needed to find radar pixels \
                 by latitude/longitude",
                file.display(),
                layout.sidecar.display()
            )
        })?;
        if !(grid.y_step != 0.0 && grid.x_step != 0.0 && grid.y_step.is_finite()) {
            bail!(
                "lookup table {}: steps Y_STEP = {}, X_STEP = {} are not usable",
                file.display(),
                grid.y_step,
                grid.x_step
            );
        }
        Ok(MapLookup {
            grid,
            attrs,
            layout,
            looks: (1, 1),
        })
    }

    /// The table of a stack multilooked by `ystep` x `xstep` at load, as MintPy's `load_data`
    /// writes `geometryGeo.h5` then: the map grid sampled by the same looks (the centre cell
    /// of each block, MintPy's nearest multilook; steps scaled, the first corner kept) and the
    /// radar coordinates divided by the looks (`rangeCoord / xstep`, `azimuthCoord / ystep`),
    /// so that they count multilooked pixels.
    pub fn multilooked(&self, ystep: usize, xstep: usize) -> anyhow::Result<MapLookup> {
        let (ly, lx) = (self.looks.0 * ystep, self.looks.1 * xstep);
        if self.looks != (1, 1) {
            bail!("lookup table {}: multilooked twice", self.file().display());
        }
        let ml = crate::source::multilook::Multilook {
            ystep: ly,
            xstep: lx,
            method: crate::source::multilook::MultilookMethod::Nearest,
        };
        let attrs = crate::source::multilook::multilook_attributes(
            &self.attrs,
            self.grid.length,
            self.grid.width,
            &ml,
        );
        let grid = MapGrid::from_attrs(&attrs, self.grid.length / ly, self.grid.width / lx)
            .map_err(|e| {
                anyhow::anyhow!(
                    "lookup table {} multilooked {ly} x {lx}: {e}",
                    self.file().display()
                )
            })?;
        if grid.length == 0 || grid.width == 0 {
            bail!(
                "lookup table {} ({} x {} cells) multilooked {ly} x {lx} leaves no cell",
                self.file().display(),
                self.grid.length,
                self.grid.width
            );
        }
        Ok(MapLookup {
            grid,
            attrs,
            layout: self.layout.clone(),
            looks: (ly, lx),
        })
    }

    /// The table's file.
    pub fn file(&self) -> &Path {
        &self.layout.data_file
    }

    /// Reads the range (column) and azimuth (row) values of `window` of the map grid.
    pub fn read(
        &self,
        window: &Window,
        range: &mut [f32],
        azimuth: &mut [f32],
    ) -> anyhow::Result<()> {
        let (ly, lx) = self.looks;
        if (ly, lx) == (1, 1) {
            self.layout.read_window(0, window, range)?;
            return self.layout.read_window(1, window, azimuth);
        }
        // Multilooked: the centre cell of each block, one full-resolution row at a time.
        let cols = window.x1.saturating_sub(window.x0);
        if cols == 0 {
            return Ok(());
        }
        let (x0, x1) = (window.x0 * lx + lx / 2, (window.x1 - 1) * lx + lx / 2 + 1);
        let (mut r, mut a) = (vec![0f32; x1 - x0], vec![0f32; x1 - x0]);
        for (k, y) in (window.y0..window.y1).enumerate() {
            let fy = y * ly + ly / 2;
            let w = Window {
                y0: fy,
                y1: fy + 1,
                x0,
                x1,
            };
            self.layout.read_window(0, &w, &mut r)?;
            self.layout.read_window(1, &w, &mut a)?;
            for c in 0..cols {
                range[k * cols + c] = r[c * lx] / lx as f32;
                azimuth[k * cols + c] = a[c * lx] / ly as f32;
            }
        }
        Ok(())
    }

    /// The table's (range, azimuth) at the grid cell of (`lat`, `lon`) (MintPy's
    /// `rint((lat - Y_FIRST) / Y_STEP)`, `rint((lon - X_FIRST) / X_STEP)`). Errors when the
    /// point is off the table.
    fn cell_value(&self, lat: f64, lon: f64) -> anyhow::Result<(usize, usize, f32, f32)> {
        cell_value(&self.grid, self.file(), lat, lon, &|row, col| {
            let (mut r, mut a) = ([0f32], [0f32]);
            self.read(&Window::pixel(row, col), &mut r, &mut a)?;
            Ok((r[0], a[0]))
        })
    }

    /// MintPy's `geo2radar` for one point: the radar (row, column) the table gives for
    /// (`lat`, `lon`), `offset` (`SUBSET_YMIN`, `SUBSET_XMIN`) removed. Errors when the point
    /// is off the table or the table sees no radar pixel there (where MintPy would take
    /// pixel 0, 0).
    pub fn radar_of(&self, lat: f64, lon: f64, offset: (i64, i64)) -> anyhow::Result<(i64, i64)> {
        let (row, col, r, a) = self.cell_value(lat, lon)?;
        if !(r.is_finite() && a.is_finite()) || (r == 0.0 && a == 0.0) {
            bail!(
                "latitude {lat}, longitude {lon} is outside the imaged area: the lookup table {} \
                 has no radar pixel at its row {row}, column {col}",
                self.file().display()
            );
        }
        Ok(to_radar(r, a, offset))
    }

    /// MintPy's `bbox_geo2radar` and coverage check: the radar window of the box S, N, W, E
    /// (degrees) on a `length` x `width` image cropped at `offset`, widened by `buf` pixels.
    /// As in MintPy, a corner where the table sees no radar pixel counts as radar pixel 0, 0
    /// (so the box reaches the image's first row or column); the largest row and column are
    /// the window's exclusive ends.
    pub fn radar_box(
        &self,
        bbox: (f64, f64, f64, f64),
        offset: (i64, i64),
        buf: i64,
        size: (usize, usize),
    ) -> anyhow::Result<Window> {
        table_radar_box(
            &self.grid,
            self.file(),
            bbox,
            offset,
            buf,
            size,
            &|row, col| {
                let (mut r, mut a) = ([0f32], [0f32]);
                self.read(&Window::pixel(row, col), &mut r, &mut a)?;
                Ok((r[0], a[0]))
            },
        )
    }

    /// The pixel buffer MintPy's `load_data` adds around a lat/lon subset with this table:
    /// twice the larger of the table's step over the radar ground resolution in each
    /// direction (rounded up), or 4 without the metadata for it.
    pub fn load_buffer(&self, stack: &Attributes) -> i64 {
        2 * resolution_factors(&self.grid, stack).map_or(2, |(y, x)| y.max(x))
    }
}

/// MintPy's buffer (y, x) in radar pixels of `radar2geo` through a table on `grid`, for a
/// stack with metadata `a`: twice [`resolution_factors`], or 4 without the metadata.
pub fn radar2geo_factors(grid: &MapGrid, a: &Attributes) -> (f64, f64) {
    resolution_factors(grid, a).map_or((4.0, 4.0), |(y, x)| (2.0 * y as f64, 2.0 * x as f64))
}

/// MintPy's (y_factor, x_factor) of `geo2radar`: the table's step in metres over the radar
/// azimuth and ground-range resolution, rounded up.
fn resolution_factors(grid: &MapGrid, a: &Attributes) -> Option<(i64, i64)> {
    let g = |k: &str| a.get_f64_opt(k);
    let re = g("EARTH_RADIUS").unwrap_or(crate::geo::geocode::EARTH_RADIUS);
    let lat_c = grid.y_first + grid.y_step * grid.length as f64 / 2.0;
    let lat_step = grid.y_step.to_radians() * re;
    let lon_step = grid.x_step.to_radians() * re * lat_c.to_radians().cos();
    let az_step = match a.get("PROCESSOR").unwrap_or("isce") {
        "gamma" => g("AZIMUTH_PIXEL_SIZE")?,
        "roipac" | "isce" => g("AZIMUTH_PIXEL_SIZE")? * re / (re + g("HEIGHT")?),
        _ => return None,
    };
    let inc = match g("CENTER_INCIDENCE_ANGLE") {
        Some(v) => v,
        None => {
            let (r0, dr, h, w) = (
                g("STARTING_RANGE")?,
                g("RANGE_PIXEL_SIZE")?,
                g("HEIGHT")?,
                g("WIDTH")?,
            );
            let inc_at = |r: f64| {
                (std::f64::consts::PI
                    - ((re * re + r * r - (re + h).powi(2)) / (2.0 * re * r)).acos())
                .to_degrees()
            };
            (inc_at(r0) + inc_at(r0 + dr * w)) / 2.0
        }
    };
    let rg_step = g("RANGE_PIXEL_SIZE")? / inc.to_radians().sin();
    let x = (lon_step.abs() / rg_step).ceil();
    let y = (lat_step.abs() / az_step).ceil();
    (x.is_finite() && y.is_finite()).then_some((y as i64, x as i64))
}

/// Radar (row, column) of table values, rounded to the nearest integer as MintPy's `rint`.
fn to_radar(range: f32, azimuth: f32, offset: (i64, i64)) -> (i64, i64) {
    (
        (azimuth as f64).round_ties_even() as i64 - offset.0,
        (range as f64).round_ties_even() as i64 - offset.1,
    )
}

/// Reads the (range, azimuth) of one cell (row, column) of a table.
pub type CellReader<'a> = &'a dyn Fn(usize, usize) -> anyhow::Result<(f32, f32)>;

/// The table cell of (`lat`, `lon`) on `grid` (MintPy's rounding from the corner) and its
/// (range, azimuth); errors when the point is off the table `file`.
fn cell_value(
    grid: &MapGrid,
    file: &Path,
    lat: f64,
    lon: f64,
    read: CellReader,
) -> anyhow::Result<(usize, usize, f32, f32)> {
    let g = grid;
    let row = ((lat - g.y_first) / g.y_step).round_ties_even();
    let col = ((lon - g.x_first) / g.x_step).round_ties_even();
    if !(row >= 0.0 && col >= 0.0 && row < g.length as f64 && col < g.width as f64) {
        bail!(
            "latitude {lat}, longitude {lon} is outside the lookup table {} ({} x {} grid \
             from {}, {} by {}, {} degrees)",
            file.display(),
            g.length,
            g.width,
            g.y_first,
            g.x_first,
            g.y_step,
            g.x_step
        );
    }
    let (row, col) = (row as usize, col as usize);
    let (r, a) = read(row, col)?;
    Ok((row, col, r, a))
}

/// MintPy's `bbox_geo2radar` and coverage check through the table `file` on `grid` (read by
/// `read`): the radar window of the box S, N, W, E (degrees) on a `length` x `width` image
/// cropped at `offset`, widened by `buf` pixels. As in MintPy, a corner where the table sees
/// no radar pixel counts as radar pixel 0, 0 (so the box reaches the image's first row or
/// column); the largest row and column are the window's exclusive ends.
pub fn table_radar_box(
    grid: &MapGrid,
    file: &Path,
    (south, north, west, east): (f64, f64, f64, f64),
    offset: (i64, i64),
    buf: i64,
    (length, width): (usize, usize),
    read: CellReader,
) -> anyhow::Result<Window> {
    let mut ys = Vec::with_capacity(4);
    let mut xs = Vec::with_capacity(4);
    for (lat, lon) in [(south, west), (south, east), (north, west), (north, east)] {
        let (_, _, r, a) = cell_value(grid, file, lat, lon, read)
            .with_context(|| format!("corner of the box S:N,W:E {south}:{north},{west}:{east}"))?;
        let (r, a) = if r.is_finite() && a.is_finite() {
            (r, a)
        } else {
            (0.0, 0.0)
        };
        let (y, x) = to_radar(r, a, offset);
        ys.push(y);
        xs.push(x);
    }
    let (ya, yb) = (min(&ys) - buf, max(&ys) + buf);
    let (xa, xb) = (min(&xs) - buf, max(&xs) + buf);
    if ya >= length as i64 || yb <= 0 || xa >= width as i64 || xb <= 0 {
        bail!(
            "the box S:N,W:E {south}:{north},{west}:{east} is outside the image: through \
             the lookup table {} it is rows {ya}..{yb}, columns {xa}..{xb} of the \
             {length} x {width} image",
            file.display()
        );
    }
    let clip = |v: i64, n: usize| v.clamp(0, n as i64) as usize;
    let w = Window {
        y0: clip(ya, length),
        y1: clip(yb, length),
        x0: clip(xa, width),
        x1: clip(xb, width),
    };
    if w.y0 >= w.y1 || w.x0 >= w.x1 {
        bail!(
            "the box S:N,W:E {south}:{north},{west}:{east} covers no radar pixel: through \
             the lookup table {} it is rows {ya}..{yb}, columns {xa}..{xb}",
            file.display()
        );
    }
    Ok(w)
}

fn min(v: &[i64]) -> i64 {
    v.iter().copied().min().unwrap_or(0)
}

fn max(v: &[i64]) -> i64 {
    v.iter().copied().max().unwrap_or(0)
}

/// The `SUBSET_YMIN`, `SUBSET_XMIN` of a cropped stack's metadata (0 when absent).
pub fn subset_offset(attrs: &Attributes) -> (i64, i64) {
    let get = |k: &str| {
        attrs
            .get(k)
            .and_then(|v| v.trim().parse::<i64>().ok())
            .unwrap_or(0)
    };
    (get("SUBSET_YMIN"), get("SUBSET_XMIN"))
}

/// Opens the map-to-radar table among a stack's `files`, if there is one; a table that cannot
/// be used is a warning (the stack still loads; what needs the table says it is missing).
pub fn open_stack_lookup(files: &[PathBuf], warnings: &mut Vec<String>) -> Option<MapLookup> {
    let file = files.iter().find(|f| is_map_lookup_file(f))?;
    match MapLookup::open(file) {
        Ok(l) => Some(l),
        Err(e) => {
            warnings.push(format!(
                "lookup table {} is not usable ({e:#}): --subset-lalo, --ref-lalo and geocoding \
                 will not work on this stack",
                file.display()
            ));
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A 4 x 5 ROI_PAC table: row i, column j sees radar row 10 + i, column 20 + j, except
    /// (0, 0) which sees nothing.
    fn table(dir: &Path) -> PathBuf {
        let f = dir.join("geomap_4rlks.trans");
        let mut bytes = Vec::new();
        for i in 0..4 {
            for band in 0..2 {
                for j in 0..5 {
                    let v = if i == 0 && j == 0 {
                        0.0f32
                    } else if band == 0 {
                        20.4 + j as f32
                    } else {
                        10.0 + i as f32
                    };
                    bytes.extend_from_slice(&v.to_le_bytes());
                }
            }
        }
        std::fs::write(&f, bytes).unwrap();
        std::fs::write(
            dir.join("geomap_4rlks.trans.rsc"),
            "WIDTH 5\nFILE_LENGTH 4\nY_FIRST 40.0\nX_FIRST 10.0\nY_STEP -0.1\nX_STEP 0.1\n",
        )
        .unwrap();
        f
    }

    #[test]
    fn points_and_boxes_go_through_the_table_as_mintpy_reads_it() {
        let dir = tempfile::tempdir().unwrap();
        let lut = MapLookup::open(&table(dir.path())).unwrap();
        // rint((39.79 - 40) / -0.1) = 2, rint((10.31 - 10) / 0.1) = 3.
        assert_eq!(lut.radar_of(39.79, 10.31, (0, 0)).unwrap(), (12, 23));
        assert_eq!(lut.radar_of(39.79, 10.31, (2, 3)).unwrap(), (10, 20));
        let e = lut.radar_of(40.0, 10.0, (0, 0)).unwrap_err().to_string();
        assert!(e.contains("outside the imaged area"), "{e}");
        let e = lut.radar_of(45.0, 10.0, (0, 0)).unwrap_err().to_string();
        assert!(e.contains("outside the lookup table"), "{e}");
        let w = lut
            .radar_box((39.7, 39.9, 10.1, 10.4), (0, 0), 0, (100, 100))
            .unwrap();
        assert_eq!((w.y0, w.y1, w.x0, w.x1), (11, 13, 21, 24));
        let w = lut
            .radar_box((39.7, 39.9, 10.1, 10.4), (0, 0), 2, (12, 100))
            .unwrap();
        assert_eq!((w.y0, w.y1, w.x0, w.x1), (9, 12, 19, 26));
        // A corner without a radar pixel counts as pixel 0, 0 (MintPy).
        let w = lut
            .radar_box((39.7, 40.0, 10.0, 10.4), (0, 0), 0, (100, 100))
            .unwrap();
        assert_eq!((w.y0, w.y1, w.x0, w.x1), (0, 13, 0, 24));
        let e = lut
            .radar_box((39.7, 39.9, 10.1, 10.4), (0, 0), 0, (5, 5))
            .unwrap_err()
            .to_string();
        assert!(e.contains("outside the image"), "{e}");
    }

    #[test]
    fn a_table_without_its_grid_is_an_error_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        let f = table(dir.path());
        std::fs::write(
            dir.path().join("geomap_4rlks.trans.rsc"),
            "WIDTH 5\nFILE_LENGTH 4\n",
        )
        .unwrap();
        let e = format!("{:#}", MapLookup::open(&f).unwrap_err());
        assert!(
            e.contains("geomap_4rlks.trans") && e.contains("Y_FIRST"),
            "{e}"
        );
        let g = dir.path().join("sim_4rlks.UTM_TO_RDC");
        std::fs::write(&g, [0u8; 8]).unwrap();
        let e = format!("{:#}", MapLookup::open(&g).unwrap_err());
        assert!(e.contains("utm.dem.par"), "{e}");
    }
}
