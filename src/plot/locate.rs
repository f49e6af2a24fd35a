//! Finding pixels by latitude/longitude: on the regular grid of a geocoded product, or through
//! the radar lookup (`latitude`/`longitude` of `inputs/geometryRadar`) of a radar product.

use std::path::Path;

use anyhow::{bail, ensure, Context};

use super::view::geo_grid;
use crate::product::{Product, GEOMETRY_STEM};
use crate::window::Window;

/// Rows of the lookup read at once.
const STRIP_ROWS: usize = 256;

/// The window of `p` covering latitudes `south..north` and longitudes `west..east`.
pub fn lalo_window(
    dir: &Path,
    p: &Product,
    (south, north, west, east): (f64, f64, f64, f64),
) -> anyhow::Result<Window> {
    let what = || format!("--sub-lat {south} {north} --sub-lon {west} {east}");
    if let Some(g) = geo_grid(p.attrs()) {
        // MintPy's rounding (coord.lalo2yx), for both edges: the end is excluded.
        let row = |lat: f64| grid_index(lat, g.y_first, g.y_step);
        let col = |lon: f64| grid_index(lon, g.x_first, g.x_step);
        let (r0, r1) = (row(north).min(row(south)), row(north).max(row(south)));
        let (c0, c1) = (col(west).min(col(east)), col(west).max(col(east)));
        let y0 = r0.max(0.0) as usize;
        let y1 = (r1.max(0.0) as usize).min(p.length());
        let x0 = c0.max(0.0) as usize;
        let x1 = (c1.max(0.0) as usize).min(p.width());
        ensure!(
            y0 < y1 && x0 < x1,
            "{}: the box is outside the image",
            what()
        );
        return Ok(Window { y0, y1, x0, x1 });
    }
    let geom = radar_lookup(dir, p)?;
    let (mut y0, mut y1, mut x0, mut x1) = (usize::MAX, 0, usize::MAX, 0);
    for_each_lookup_strip(&geom, |w, lat, lon| {
        for (i, (&la, &lo)) in lat.iter().zip(lon).enumerate() {
            let (la, lo) = (la as f64, lo as f64);
            if la >= south && la <= north && lo >= west && lo <= east {
                let (y, x) = (w.y0 + i / w.cols(), w.x0 + i % w.cols());
                y0 = y0.min(y);
                y1 = y1.max(y + 1);
                x0 = x0.min(x);
                x1 = x1.max(x + 1);
            }
        }
    })?;
    ensure!(
        y0 < y1 && x0 < x1,
        "{}: no pixel of the image lies in the box",
        what()
    );
    Ok(Window { y0, y1, x0, x1 })
}

/// The pixel of `p` nearest to (lat, lon), or an error when the point is outside the image.
pub fn lalo_to_yx(dir: &Path, p: &Product, lat: f64, lon: f64) -> anyhow::Result<(usize, usize)> {
    if let Some(g) = geo_grid(p.attrs()) {
        let y = grid_index(lat, g.y_first, g.y_step);
        let x = grid_index(lon, g.x_first, g.x_step);
        if y < 0.0 || x < 0.0 || y >= p.length() as f64 || x >= p.width() as f64 {
            bail!(
                "latitude {lat}, longitude {lon} is outside the image of {}",
                p.path().display()
            );
        }
        return Ok((y as usize, x as usize));
    }
    let geom = radar_lookup(dir, p)?;
    let coslat = lat.to_radians().cos();
    let dist2 = |la: f64, lo: f64| (la - lat).powi(2) + ((lo - lon) * coslat).powi(2);
    let mut best = (f64::INFINITY, 0usize, 0usize);
    for_each_lookup_strip(&geom, |w, la, lo| {
        for (i, (&a, &o)) in la.iter().zip(lo).enumerate() {
            let d = dist2(a as f64, o as f64);
            if d < best.0 {
                best = (d, w.y0 + i / w.cols(), w.x0 + i % w.cols());
            }
        }
    })?;
    let (d, y, x) = best;
    ensure!(
        d.is_finite(),
        "the latitude/longitude lookup of {} has no valid pixel",
        geom.path().display()
    );
    // The nearest pixel must be about a pixel away, not on the edge of a far-away image.
    let win = Window {
        y0: y.saturating_sub(1),
        y1: (y + 2).min(geom.length()),
        x0: x.saturating_sub(1),
        x1: (x + 2).min(geom.width()),
    };
    let la = geom.read("latitude", win)?;
    let lo = geom.read("longitude", win)?;
    let k = win
        .local_index(y, x)
        .context("pixel outside its own window")?;
    let (cla, clo) = (la[k] as f64, lo[k] as f64);
    let spacing2 = la
        .iter()
        .zip(&lo)
        .filter(|(a, o)| valid(**a, **o))
        .map(|(&a, &o)| (a as f64 - cla).powi(2) + ((o as f64 - clo) * coslat).powi(2))
        .fold(0.0f64, f64::max);
    if spacing2 > 0.0 && d > 4.0 * spacing2 {
        bail!(
            "latitude {lat}, longitude {lon} is outside the image (nearest pixel y={y}, x={x} is at {cla:.5}, {clo:.5})"
        );
    }
    Ok((y, x))
}

/// Grid index of a coordinate as MintPy computes it: floor with 0.01 pixel of slack, so a
/// coordinate on a pixel edge (up to rounding) belongs to the pixel after it.
fn grid_index(v: f64, first: f64, step: f64) -> f64 {
    ((v - first) / step + 0.01).floor()
}

fn valid(la: f32, lo: f32) -> bool {
    la.is_finite() && lo.is_finite() && !(la == 0.0 && lo == 0.0)
}

/// The run's radar geometry, checked to match `p`.
fn radar_lookup(dir: &Path, p: &Product) -> anyhow::Result<Product> {
    let geom = Product::open(dir, GEOMETRY_STEM).with_context(|| {
        format!(
            "{} is in radar coordinates and {} has no {GEOMETRY_STEM} with latitude/longitude to find points by lat/lon: give rows/columns instead",
            p.stem(),
            dir.display()
        )
    })?;
    let names = geom.dataset_names();
    ensure!(
        names.iter().any(|n| n == "latitude") && names.iter().any(|n| n == "longitude"),
        "{} has no latitude/longitude lookup: give rows/columns instead",
        geom.path().display()
    );
    ensure!(
        geom.length() == p.length() && geom.width() == p.width(),
        "{} is {} x {} but {} is {} x {}",
        geom.path().display(),
        geom.length(),
        geom.width(),
        p.path().display(),
        p.length(),
        p.width()
    );
    Ok(geom)
}

/// Calls `f(window, lat, lon)` for strips of the lookup, invalid pixels (NaN, or 0,0 as ISCE
/// writes outside the footprint) set to NaN.
fn for_each_lookup_strip(
    geom: &Product,
    mut f: impl FnMut(Window, &[f32], &[f32]),
) -> anyhow::Result<()> {
    let mut y0 = 0;
    while y0 < geom.length() {
        let w = Window {
            y0,
            y1: (y0 + STRIP_ROWS).min(geom.length()),
            x0: 0,
            x1: geom.width(),
        };
        let mut la = geom.read("latitude", w)?;
        let mut lo = geom.read("longitude", w)?;
        for (a, o) in la.iter_mut().zip(lo.iter_mut()) {
            if !valid(*a, *o) {
                *a = f32::NAN;
                *o = f32::NAN;
            }
        }
        f(w, &la, &lo);
        y0 = w.y1;
    }
    Ok(())
}
