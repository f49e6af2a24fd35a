//! Finding pixels by latitude/longitude: on the regular grid of a geocoded product, or through
//! the radar lookup (`latitude`/`longitude` of `inputs/geometryRadar`) of a radar product.

use std::path::Path;

use anyhow::{bail, ensure, Context};

use crate::geo::grid::MapGrid;
use crate::geo::lookup::{is_location, nearest_lookup_pixel, LookupHit};
use crate::product::{geometry_stem_in, Product, GEOMETRY_STEM};
use crate::window::Window;

/// Rows of the lookup read at once.
const STRIP_ROWS: usize = 256;

/// The lat/lon grid of a geocoded product, when it has one with non-zero steps to draw on.
pub fn map_grid(p: &Product) -> Option<MapGrid> {
    MapGrid::of(p.attrs(), p.length(), p.width()).filter(|g| g.y_step != 0.0 && g.x_step != 0.0)
}

/// The window of `p` covering latitudes `south..north` and longitudes `west..east`.
pub fn lalo_window(
    dir: &Path,
    p: &Product,
    (south, north, west, east): (f64, f64, f64, f64),
) -> anyhow::Result<Window> {
    let what = || format!("--sub-lat {south} {north} --sub-lon {west} {east}");
    if let Some(g) = map_grid(p) {
        // MintPy's rounding (coord.lalo2yx), for both edges: the end is excluded.
        let [r0, r1, c0, c1] = g.box_pixels(south, north, west, east);
        let y0 = r0.max(0) as usize;
        let y1 = (r1.max(0) as usize).min(p.length());
        let x0 = c0.max(0) as usize;
        let x1 = (c1.max(0) as usize).min(p.width());
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
    if let Some(g) = map_grid(p) {
        return g.pixel_of(lat, lon).with_context(|| {
            format!(
                "latitude {lat}, longitude {lon} is outside the image of {}",
                p.path().display()
            )
        });
    }
    let geom = radar_lookup(dir, p)?;
    let (length, width) = (geom.length(), geom.width());
    let strips = (0..length).step_by(STRIP_ROWS).map(|y0| Window {
        y0,
        y1: (y0 + STRIP_ROWS).min(length),
        x0: 0,
        x1: width,
    });
    let read = |w: &Window, la: &mut [f32], lo: &mut [f32]| {
        la.copy_from_slice(&geom.read("latitude", *w)?);
        lo.copy_from_slice(&geom.read("longitude", *w)?);
        anyhow::Ok(())
    };
    match nearest_lookup_pixel(lat, lon, (length, width), strips, read)? {
        LookupHit::Pixel(y, x) => Ok((y, x)),
        LookupHit::NoValidPixel => bail!(
            "the latitude/longitude lookup of {} has no valid pixel",
            geom.path().display()
        ),
        LookupHit::Outside {
            y,
            x,
            lat: cla,
            lon: clo,
        } => bail!(
            "latitude {lat}, longitude {lon} is outside the image (nearest pixel y={y}, x={x} is at {cla:.5}, {clo:.5})"
        ),
    }
}

/// Where pixel (`y`, `x`) of `p` is: (latitude, longitude) or map (y, x) of its centre, and
/// whether those are degrees; from the grid of a geocoded product, else from the radar lookup
/// (one pixel read). `None` when neither says (no lookup, or no valid location there).
pub fn pixel_place(dir: &Path, p: &Product, y: usize, x: usize) -> Option<(f64, f64, bool)> {
    if let Some(g) = map_grid(p) {
        return Some((g.row_centre(y), g.col_centre(x), g.degrees));
    }
    let geom = radar_lookup(dir, p).ok()?;
    let w = Window::pixel(y, x);
    let la = *geom.read("latitude", w).ok()?.first()?;
    let lo = *geom.read("longitude", w).ok()?.first()?;
    is_location(la, lo).then_some((la as f64, lo as f64, true))
}

/// The run's radar geometry, checked to match `p`.
fn radar_lookup(dir: &Path, p: &Product) -> anyhow::Result<Product> {
    let geom = Product::open(dir, geometry_stem_in(dir)).with_context(|| {
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
            if !is_location(*a, *o) {
                *a = f32::NAN;
                *o = f32::NAN;
            }
        }
        f(w, &la, &lo);
        y0 = w.y1;
    }
    Ok(())
}
