//! One pixel: its time series (JSON for the plot, CSV to download), read through the same
//! code as `sbas ts`, and where it is (latitude/longitude under the cursor).

use std::path::Path;

use anyhow::Context;
use serde_json::{json, Value};

use super::catalog::Catalog;
use super::reply::Reply;
use crate::plot::layer::display_unit;
use crate::plot::locate::pixel_place;
use crate::plot::point::{read_point_series, write_csv_to, PointRequest, PointSeries};
use crate::plot::series::fit_line;
use crate::product::Product;
use crate::window::Window;

/// Reads the series of product `ts` at (`y`, `x`), relative to `ref_date` (default: the file's).
pub fn read(
    dir: &Path,
    ts: &str,
    y: usize,
    x: usize,
    ref_date: Option<&str>,
) -> anyhow::Result<PointSeries> {
    read_point_series(dir, ts, PointRequest::Yx(y, x), ref_date)
}

/// The series as the page plots it: dates, mm, the least-squares line and, when the run has
/// a velocity product on the same grid, its value at the pixel.
pub fn series_json(dir: &Path, catalog: &Catalog, s: &PointSeries) -> Value {
    let fit = fit_line(&s.dates, &s.mm);
    let t0 = s.dates.first().map(|d| d.decimal_year());
    json!({
        "ts": s.stem,
        "y": s.y,
        "x": s.x,
        "dates": s.dates.iter().map(|d| d.to_string()).collect::<Vec<_>>(),
        "years": s.dates.iter().map(|d| d.decimal_year()).collect::<Vec<_>>(),
        // No "-0" in the page: the same text as the CSV.
        "mm": s.mm.iter().map(|v| v + 0.0).collect::<Vec<_>>(),
        "ref_date": s.ref_date.to_string(),
        "ref_yx": s.ref_yx.map(|(y, x)| [y, x]),
        "masked": s.masked,
        "fit": fit.zip(t0).map(|(f, t0)| json!({
            "rate_mm_per_year": f.rate,
            "offset_mm": f.offset,
            "t0": t0,
        })),
        "velocity_mm_per_year": velocity_at(dir, catalog, &s.stem, s.y, s.x),
    })
}

/// The raw series drawn beside a corrected one: its name, dates and mm.
pub fn raw_json(s: &PointSeries) -> Value {
    json!({
        "ts": s.stem,
        "dates": s.dates.iter().map(|d| d.to_string()).collect::<Vec<_>>(),
        "years": s.dates.iter().map(|d| d.decimal_year()).collect::<Vec<_>>(),
        "mm": s.mm.iter().map(|v| v + 0.0).collect::<Vec<_>>(),
        "ref_date": s.ref_date.to_string(),
    })
}

/// `velocity` (or `geo/geo_velocity` for a geocoded series) at the pixel, mm/year, when the
/// run has it on the series' grid.
fn velocity_at(dir: &Path, catalog: &Catalog, ts: &str, y: usize, x: usize) -> Option<f64> {
    let series = catalog.layer(ts)?;
    let name = if series.geocoded {
        "geo/geo_velocity"
    } else {
        "velocity"
    };
    let v = catalog.layer(name)?;
    if (v.rows, v.cols) != (series.rows, series.cols) {
        return None;
    }
    let p = Product::open(dir, name).ok()?;
    let value = *p.read("velocity", Window::pixel(y, x)).ok()?.first()?;
    let unit = p.attrs().get("UNIT").unwrap_or("m/year").to_string();
    let mm = display_unit(&unit, "velocity", Some("mm")).ok()?;
    Some(value as f64 * mm.factor).filter(|v| v.is_finite())
}

/// The series as `sbas ts` writes its CSV, as a download named after the pixel.
pub fn series_csv(s: &PointSeries) -> anyhow::Result<Reply> {
    let mut body = Vec::new();
    write_csv_to(&mut body, s).context("writing the CSV")?;
    let name = format!("{}_y{}_x{}.csv", s.stem.replace('/', "_"), s.y, s.x);
    Ok(Reply::ok("text/csv; charset=utf-8", body).with_header(
        "Content-Disposition",
        format!("attachment; filename=\"{name}\""),
    ))
}

/// Where pixel (`y`, `x`) of `layer` is: `{"lat", "lon"}` (or map `y`, `x` when the grid is
/// not in degrees), nulls when the run cannot say.
pub fn place_json(dir: &Path, layer: &str, y: usize, x: usize) -> anyhow::Result<Value> {
    let p = Product::open(dir, layer.split(':').next().unwrap_or(layer))?;
    anyhow::ensure!(
        y < p.length() && x < p.width(),
        "pixel y={y}, x={x} is outside the {} x {} image",
        p.length(),
        p.width()
    );
    Ok(match pixel_place(dir, &p, y, x) {
        Some((a, b, true)) => json!({ "y": y, "x": x, "lat": a, "lon": b }),
        Some((a, b, false)) => json!({ "y": y, "x": x, "map_y": a, "map_x": b }),
        None => json!({ "y": y, "x": x }),
    })
}
