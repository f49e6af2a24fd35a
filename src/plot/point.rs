//! The displacement time series of one point (`sbas ts`): find the pixel, read its series,
//! write it as CSV and draw it.

use std::io::Write;
use std::path::Path;

use anyhow::{bail, ensure, Context};

use super::layer::{display_unit, Layer};
use super::locate::lalo_to_yx;
use super::picture::Picture;
use super::series::{fit_line, render_series, SeriesFigure};
use super::view::find_date;
use crate::meta::Date;
use crate::product::Product;
use crate::window::Window;

/// How the point was given.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum PointRequest {
    /// Row and column.
    Yx(usize, usize),
    /// Latitude and longitude, degrees.
    Lalo(f64, f64),
}

/// One point's series, in millimetres.
#[derive(Debug, Clone, PartialEq)]
pub struct PointSeries {
    /// The product read (`timeseries`, `timeseries_demErr`, ...).
    pub stem: String,
    /// Row.
    pub y: usize,
    /// Column.
    pub x: usize,
    /// The latitude/longitude asked for, when given that way.
    pub lalo: Option<(f64, f64)>,
    /// Dates.
    pub dates: Vec<Date>,
    /// Displacement at each date, mm, relative to `ref_date` and the reference point.
    pub mm: Vec<f64>,
    /// The date the values are relative to.
    pub ref_date: Date,
    /// The reference point (`REF_Y`, `REF_X`), when the product names it.
    pub ref_yx: Option<(usize, usize)>,
    /// Whether `maskTempCoh` masks the pixel out.
    pub masked: bool,
}

/// Reads the series of product `stem` of `dir` at the requested point, relative to `ref_date`
/// (default: the product's `REF_DATE`). Errors when the point is outside the image or has no
/// data there.
pub fn read_point_series(
    dir: &Path,
    stem: &str,
    at: PointRequest,
    ref_date: Option<&str>,
) -> anyhow::Result<PointSeries> {
    let layer = Layer::open(dir, stem, false)?;
    let p = &layer.product;
    ensure!(
        layer.per_date,
        "{} is a single map, not a time series",
        p.path().display()
    );
    let (y, x) = match at {
        PointRequest::Yx(y, x) => {
            ensure!(
                y < p.length() && x < p.width(),
                "pixel y={y}, x={x} is outside the {} x {} image of {}",
                p.length(),
                p.width(),
                p.path().display()
            );
            (y, x)
        }
        PointRequest::Lalo(lat, lon) => lalo_to_yx(dir, p, lat, lon)?,
    };
    let raw = p.read(&layer.dataset, Window::pixel(y, x))?;
    let dates = p.dates().to_vec();
    ensure!(
        raw.len() == dates.len(),
        "{} returned {} values for {} dates",
        p.path().display(),
        raw.len(),
        dates.len()
    );
    if raw.iter().all(|v| v.is_nan()) {
        bail!(
            "pixel y={y}, x={x} has no data (NaN at every date) in {}: it was not inverted (masked or no valid interferogram there)",
            p.path().display()
        );
    }
    let a = p.attrs();
    let ref_yx = match (a.get_f64_opt("REF_Y"), a.get_f64_opt("REF_X")) {
        (Some(ry), Some(rx)) if ry >= 0.0 && rx >= 0.0 => Some((ry as usize, rx as usize)),
        _ => None,
    };
    // The inversion leaves pixels it could not solve at zero on every date; only the reference
    // point is legitimately zero throughout.
    if raw.iter().all(|v| *v == 0.0) && ref_yx != Some((y, x)) {
        bail!(
            "pixel y={y}, x={x} has no data (zero at every date) in {}: it was not inverted (too few valid interferograms there)",
            p.path().display()
        );
    }
    let unit = layer.unit();
    let mm = display_unit(&unit, "timeseries", Some("mm"))
        .with_context(|| format!("unit of {}", p.path().display()))?;
    let (mut values, base_date) = (
        raw.iter()
            .map(|v| *v as f64 * mm.factor)
            .collect::<Vec<_>>(),
        ref_date,
    );
    let ref_date = match base_date {
        Some(t) => {
            let k = find_date(&dates, t, "--ref-date")?;
            let base = values[k];
            ensure!(
                base.is_finite(),
                "pixel y={y}, x={x} has no data on the reference date {t}"
            );
            values.iter_mut().for_each(|v| *v -= base);
            dates[k]
        }
        None => p
            .attrs()
            .get("REF_DATE")
            .and_then(|d| Date::parse(d).ok())
            .unwrap_or(dates[0]),
    };
    let masked = match Product::open(dir, "maskTempCoh") {
        Ok(m) if m.length() == p.length() && m.width() == p.width() => {
            let names = m.dataset_names();
            match names.first() {
                Some(ds) => m
                    .read(ds, Window::pixel(y, x))
                    .map(|v| v[0] == 0.0)
                    .unwrap_or(false),
                None => false,
            }
        }
        _ => false,
    };
    Ok(PointSeries {
        stem: p.stem().to_string(),
        y,
        x,
        lalo: match at {
            PointRequest::Lalo(a, b) => Some((a, b)),
            PointRequest::Yx(..) => None,
        },
        dates,
        mm: values,
        ref_date,
        ref_yx,
        masked,
    })
}

/// Writes `date,displacement_mm` lines (dates YYYYMMDD; no data as `nan`).
pub fn write_csv(path: &Path, s: &PointSeries) -> anyhow::Result<()> {
    let write = || -> std::io::Result<()> {
        let mut f = std::io::BufWriter::new(std::fs::File::create(path)?);
        write_csv_to(&mut f, s)?;
        f.flush()
    };
    write().with_context(|| format!("writing {}", path.display()))
}

/// The CSV of [`write_csv`], to any writer.
pub fn write_csv_to(f: &mut impl Write, s: &PointSeries) -> std::io::Result<()> {
    writeln!(f, "date,displacement_mm")?;
    for (d, v) in s.dates.iter().zip(&s.mm) {
        if v.is_finite() {
            writeln!(f, "{d},{}", v + 0.0)?;
        } else {
            writeln!(f, "{d},nan")?;
        }
    }
    Ok(())
}

/// Draws the series, with a fitted velocity line when `fit`.
pub fn render_point(s: &PointSeries, fit: bool) -> anyhow::Result<Picture> {
    let place = match s.lalo {
        Some((la, lo)) => format!("point y={}, x={} (nearest to lat {la}, lon {lo})", s.y, s.x),
        None => format!("point y={}, x={}", s.y, s.x),
    };
    let mut title = vec![format!("{}: {place}", s.stem)];
    let (y0, m0, d0) = s.ref_date.ymd();
    let mut line2 = format!("relative to {y0:04}-{m0:02}-{d0:02}");
    if let Some((ry, rx)) = s.ref_yx {
        line2.push_str(&format!(" and the reference point y={ry}, x={rx}"));
    }
    title.push(line2);
    if s.masked {
        title.push("warning: maskTempCoh masks this pixel out (low temporal coherence)".into());
    }
    let fit = if fit {
        fit_line(&s.dates, &s.mm)
            .map(|f| (f, format!("linear fit: velocity {:.2} mm/year", f.rate)))
    } else {
        None
    };
    let fig = SeriesFigure {
        dates: &s.dates,
        values: &s.mm,
        title,
        y_label: "displacement (mm)".into(),
        fit,
    };
    Ok(render_series(&fig)?.0)
}
