//! What every stack of geocoded GeoTIFFs shares (HyP3, LiCSAR, ...): aligning the files on
//! their common grid ([`align`]), reading a window of that grid from each file ([`Placed`]),
//! saying what alignment cut, MintPy's grid and corner attributes of a map grid, and the slant
//! range MintPy derives from an incidence angle.

pub mod align;

use std::path::{Path, PathBuf};

use crate::geo::grid::MapGrid;
use crate::meta::pyfmt::py_f64;
use crate::meta::{Attributes, Date};
use crate::source::raster::geokeys::utm_zone;
use crate::source::raster::GeoTiff;
use crate::window::Window;

pub use align::{align, Alignment, Offset};

/// A GeoTIFF of the stack and where the common grid starts in it.
#[derive(Debug, Clone)]
pub struct Placed {
    /// The file.
    pub tif: GeoTiff,
    /// Its offset from the common grid.
    pub off: Offset,
}

impl Placed {
    /// Reads `window` of the common grid.
    pub fn read(&self, window: &Window, out: &mut [f32]) -> anyhow::Result<()> {
        let w = Window {
            y0: window.y0 + self.off.row,
            y1: window.y1 + self.off.row,
            x0: window.x0 + self.off.col,
            x1: window.x1 + self.off.col,
        };
        self.tif.read_window(&w, out)
    }
}

/// Files aligned on their common grid.
#[derive(Debug)]
pub struct PlacedFiles {
    /// The common grid.
    pub grid: MapGrid,
    /// Each file placed on it, in the order given.
    pub placed: Vec<Placed>,
    /// Each file's path, in the same order.
    pub paths: Vec<PathBuf>,
    /// The note of what was cut, if anything was.
    pub cut: Option<String>,
}

/// Aligns `tifs` (the first is the reference) on their common grid; the note of what was cut
/// names the files as `products` (e.g. "HyP3 products").
pub fn place_all(tifs: Vec<GeoTiff>, products: &str) -> anyhow::Result<PlacedFiles> {
    let grids = tifs
        .iter()
        .map(|t| Ok((t.path().to_path_buf(), t.grid()?)))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let al = align(&grids)?;
    let note = (!al.cuts.is_empty()).then(|| cut_note(products, &al));
    let placed = tifs
        .into_iter()
        .zip(&al.offsets)
        .map(|(tif, &off)| Placed { tif, off })
        .collect();
    Ok(PlacedFiles {
        grid: al.grid,
        placed,
        paths: grids.into_iter().map(|g| g.0).collect(),
        cut: note,
    })
}

/// The note of what alignment cut: how many files, the common size, and a few examples.
pub fn cut_note(products: &str, al: &Alignment) -> String {
    const SHOWN: usize = 3;
    let more = al.cuts.len().saturating_sub(SHOWN);
    format!(
        "{products} cover different extents: {} file(s) cut to their common overlap of \
         {} x {} pixels (MintPy would drop the pairs of other sizes), e.g. {}{}",
        al.cuts.len(),
        al.grid.length,
        al.grid.width,
        al.cuts[..al.cuts.len().min(SHOWN)].join("; "),
        if more > 0 {
            format!("; and {more} more")
        } else {
            String::new()
        }
    )
}

/// The dates of a pair's name `YYYYMMDD_YYYYMMDD` (LiCSAR's folders, dolphin's files).
pub fn pair_dates(name: &str) -> Option<(Date, Date)> {
    let (a, b) = name.split_once('_')?;
    let digits = |s: &str| s.len() == 8 && s.bytes().all(|c| c.is_ascii_digit());
    if !digits(a) || !digits(b) {
        return None;
    }
    Some((Date::parse(a).ok()?, Date::parse(b).ok()?))
}

/// The file name of `p` as text (empty for none).
pub fn file_name(p: &Path) -> String {
    p.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// The entries of `dir`, sorted by path (none when it cannot be read).
pub fn entries(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|it| it.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    v.sort();
    v
}

/// The grid keys MintPy's `read_gdal_vrt` writes: size, corner, steps, EPSG, UTM zone and
/// unit.
pub fn grid_attrs(a: &mut Attributes, g: &MapGrid) {
    a.set("LENGTH", g.length);
    a.set("WIDTH", g.width);
    a.set("X_FIRST", py_f64(g.x_first));
    a.set("Y_FIRST", py_f64(g.y_first));
    a.set("X_STEP", py_f64(g.x_step.abs()));
    a.set("Y_STEP", py_f64(-g.y_step.abs()));
    if let Some(e) = g.epsg {
        a.set("EPSG", e);
    }
    let unit = match g.epsg.and_then(utm_zone) {
        Some(zone) => {
            a.set("UTM_ZONE", zone);
            Some("meters")
        }
        None => (g.x_step.abs() < 1.0 && g.x_step.abs() > 1e-7).then_some("degrees"),
    };
    if let Some(u) = unit {
        a.set("X_UNIT", u);
        a.set("Y_UNIT", u);
    }
}

/// The four corners `LAT_REF1..4`/`LON_REF1..4` in the order of the pass direction.
pub fn corner_attrs(a: &mut Attributes, g: &MapGrid, ascending: bool) {
    let (n, w) = (g.y_first, g.x_first);
    let s = n + (-g.y_step.abs()) * g.length as f64;
    let e = w + g.x_step.abs() * g.width as f64;
    let (lat, lon) = if ascending {
        ([s, s, n, n], [w, e, w, e])
    } else {
        ([n, n, s, s], [e, w, e, w])
    };
    for k in 0..4 {
        a.set(format!("LAT_REF{}", k + 1), py_f64(lat[k]));
        a.set(format!("LON_REF{}", k + 1), py_f64(lon[k]));
    }
}

/// Python's `x % m` for floats: the result has the sign of `m`.
pub fn py_mod(x: f64, m: f64) -> f64 {
    let r = x % m;
    if r != 0.0 && (r < 0.0) != (m < 0.0) {
        r + m
    } else {
        r
    }
}

/// MintPy's slant range distance (m) of an incidence angle (degrees) on a sphere of radius
/// `earth_radius` seen from `height` (law of sines), in float32 as MintPy computes it.
pub fn slant_range(inc_deg: f32, earth_radius: f64, height: f64) -> f32 {
    let inc = inc_deg / 180.0f32 * std::f32::consts::PI;
    let r2 = ((earth_radius + height) as f32) / (std::f32::consts::PI - inc).sin();
    let look = (earth_radius as f32 / r2).asin();
    r2 * (inc - look).sin()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slant_range_is_the_law_of_sines() {
        let (re, h, inc) = (6_371_000.0f64, 693_000.0f64, 33.0f64.to_radians());
        let r2 = (re + h) / inc.sin();
        let want = r2 * (inc - (re / r2).asin()).sin();
        let r = slant_range(33.0, re, h) as f64;
        assert!((r - want).abs() < 5.0, "{r} vs {want}");
        assert_eq!(py_mod(-12.5, 360.0), 347.5);
    }
}
