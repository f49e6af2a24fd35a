//! `sbas displacement`: the cumulative displacement between two dates, `ts[to] - ts[from]`
//! (metres, line of sight or vertical), as a product and a short report.

use std::path::{Path, PathBuf};

use anyhow::{bail, ensure, Context};

use super::dates::date_index;
use super::model::parse_user_date;
use crate::meta::Date;
use crate::plan::PixelCost;
use crate::product::pass::{maps_like, open_timeseries, StripPass, TIMESERIES_DATASET};
use crate::product::{geometry_stem_in, DatasetSpec, Product, ProductSpec, GEOMETRY_STEM};

/// The sign convention of line-of-sight displacement, as printed and stored.
pub const SIGN_CONVENTION: &str =
    "positive = towards the satellite (uplift or motion towards it); \
                                   negative = away from the satellite (subsidence or motion away)";

/// The assumption behind `--vertical`, as printed and stored.
pub const VERTICAL_ASSUMPTION: &str =
    "vertical = LOS / cos(incidenceAngle): assumes no horizontal motion";

/// A pixel given by the user.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Point {
    /// Row and column.
    Yx(usize, usize),
    /// Latitude and longitude, degrees.
    LatLon(f64, f64),
}

/// What `sbas displacement` computes.
#[derive(Debug, Clone, PartialEq)]
pub struct DisplacementOptions {
    /// Input time-series product (default `timeseries`).
    pub ts_stem: String,
    /// First date (`YYYYMMDD` or `YYYY-MM-DD`).
    pub from: String,
    /// Second date.
    pub to: String,
    /// Convert line of sight to vertical with the incidence angle of `inputs/geometryRadar`.
    pub vertical: bool,
    /// Output product; default `displacement_FROM_TO` (`displacement_vertical_FROM_TO`).
    pub out_stem: Option<String>,
    /// A pixel whose value is reported.
    pub point: Option<Point>,
    /// Memory budget in bytes.
    pub max_memory: u64,
}

/// Statistics of a displacement map, millimetres.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MapStats {
    /// Pixels counted.
    pub pixels: usize,
    /// Median.
    pub median_mm: f64,
    /// 5th percentile.
    pub p5_mm: f64,
    /// 95th percentile.
    pub p95_mm: f64,
}

/// The value at the requested pixel.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PointValue {
    /// Row.
    pub y: usize,
    /// Column.
    pub x: usize,
    /// Displacement, millimetres (NaN where there is no data).
    pub value_mm: f64,
}

/// What `displacement` did.
#[derive(Debug, Clone, PartialEq)]
pub struct DisplacementReport {
    /// The product written.
    pub path: PathBuf,
    /// First date.
    pub from: Date,
    /// Second date.
    pub to: Date,
    /// Vertical rather than line of sight.
    pub vertical: bool,
    /// Statistics over the pixels of `maskTempCoh` (all pixels with data when there is none).
    pub stats: Option<MapStats>,
    /// Whether `stats` are over `maskTempCoh` pixels.
    pub masked: bool,
    /// The value at the requested pixel.
    pub point: Option<PointValue>,
}

impl DisplacementReport {
    /// The report as printed by the CLI.
    pub fn text(&self) -> String {
        let kind = if self.vertical {
            "vertical"
        } else {
            "line-of-sight (LOS)"
        };
        let mut s = format!(
            "cumulative {kind} displacement from {} to {} ({} days): {}\n",
            self.from,
            self.to,
            self.from.days_until(self.to),
            self.path.display()
        );
        s += &format!("sign: {SIGN_CONVENTION}\n");
        if self.vertical {
            s += &format!("note: {VERTICAL_ASSUMPTION}\n");
        }
        let over = if self.masked {
            "maskTempCoh pixels"
        } else {
            "pixels with data (no maskTempCoh found)"
        };
        match self.stats {
            Some(st) => {
                s += &format!(
                    "over {} {over}: median {:.1} mm, 5th percentile {:.1} mm, 95th percentile {:.1} mm\n",
                    st.pixels, st.median_mm, st.p5_mm, st.p95_mm
                )
            }
            None => s += &format!("no statistics: no {over}\n"),
        }
        if let Some(p) = self.point {
            s += &format!("at pixel y={}, x={}: {:.1} mm\n", p.y, p.x, p.value_mm);
        }
        s
    }
}

/// Writes `ts[to] - ts[from]` of run folder `dir` as a product (same format as the time series)
/// and computes its statistics and the value at `opts.point`.
pub fn displacement(dir: &Path, opts: &DisplacementOptions) -> anyhow::Result<DisplacementReport> {
    let ts = open_timeseries(dir, &opts.ts_stem)?;
    let dates = ts.dates().to_vec();
    let from = parse_user_date(&opts.from).context("--from")?;
    let to = parse_user_date(&opts.to).context("--to")?;
    let i1 = date_index(&dates, from, "--from date")?;
    let i2 = date_index(&dates, to, "--to date")?;
    ensure!(i1 != i2, "--from and --to are the same date ({from})");
    let (length, width) = (ts.length(), ts.width());

    let geometry = open_geometry(dir, opts, length, width)?;
    let point = match opts.point {
        None => None,
        Some(Point::Yx(y, x)) => {
            ensure!(
                y < length && x < width,
                "pixel y={y}, x={x} is outside the image ({length} rows x {width} columns)"
            );
            Some((y, x))
        }
        Some(Point::LatLon(lat, lon)) => match &geometry {
            Some(g) => Some(find_lat_lon(g, lat, lon, opts.max_memory)?),
            None => None,
        },
    };
    let mask = Product::open(dir, "maskTempCoh").ok().filter(|m| {
        m.is_complete()
            && m.length() == length
            && m.width() == width
            && !m.dataset_names().is_empty()
    });
    let mask_ds = mask
        .as_ref()
        .and_then(|m| m.dataset_names().into_iter().next());

    let spec = output_spec(&ts, opts, from, to)?;

    // Two planes of the series, the incidence angle and the mask come in; the map goes out;
    // the statistics keep one value per pixel counted.
    let cost = PixelCost {
        input_bytes: 4 * 4,
        output_bytes: 4,
        scratch_bytes: 4,
    };
    let mut pass = StripPass::new("displacement", length, width, cost, opts.max_memory)?;
    let [first, second] = [i1, i2].map(|i| pass.read_date(&ts, TIMESERIES_DATASET, i));
    let incidence = match (&geometry, opts.vertical) {
        (Some(g), true) => Some(pass.read(g, "incidenceAngle")),
        _ => None,
    };
    let mask_input = match (&mask, &mask_ds) {
        (Some(m), Some(ds)) => Some(pass.read(m, ds)),
        _ => None,
    };
    let out = pass.create(dir, ts.format(), spec)?[0];
    let mut values: Vec<f32> = Vec::new();
    let mut point_value = None;
    pass.run(|strip| {
        let (w, inputs) = (strip.window, &strip.inputs);
        let d = strip.outputs.get(out);
        d.clear();
        d.extend(
            inputs
                .get(second)
                .iter()
                .zip(inputs.get(first))
                .map(|(b, a)| b - a),
        );
        if let Some(inc) = incidence {
            to_vertical(d, inputs.get(inc));
        }
        let m = mask_input.map(|i| inputs.get(i));
        for (k, &v) in d.iter().enumerate() {
            let counted = match m {
                Some(m) => m[k] != 0.0,
                None => v != 0.0,
            };
            if counted && v.is_finite() {
                values.push(v);
            }
        }
        if let Some((y, x)) = point {
            if let Some(k) = w.local_index(y, x) {
                point_value = Some(PointValue {
                    y,
                    x,
                    value_mm: d[k] as f64 * 1000.0,
                });
            }
        }
        Ok(())
    })?;
    let path = pass.finish()?.remove(0);
    Ok(DisplacementReport {
        path,
        from,
        to,
        vertical: opts.vertical,
        stats: map_stats(&mut values),
        masked: mask.is_some(),
        point: point_value,
    })
}

/// The product written: the map and its metadata (dates, direction, sign convention).
fn output_spec(
    ts: &Product,
    opts: &DisplacementOptions,
    from: Date,
    to: Date,
) -> anyhow::Result<ProductSpec> {
    let stem = opts.out_stem.clone().unwrap_or_else(|| {
        let kind = if opts.vertical {
            "displacement_vertical"
        } else {
            "displacement"
        };
        format!("{kind}_{from}_{to}")
    });
    ensure!(
        stem != opts.ts_stem,
        "the output product {stem} would overwrite its input"
    );
    let mut attrs = ts.attrs().clone();
    attrs.set("UNIT", "m");
    attrs.set("DATE12", format!("{from}_{to}"));
    attrs.set("START_DATE", from);
    attrs.set("END_DATE", to);
    attrs.set("REF_DATE", from);
    attrs.set(
        "DISPLACEMENT_DIRECTION",
        if opts.vertical { "vertical" } else { "LOS" },
    );
    attrs.set("SIGN_CONVENTION", SIGN_CONVENTION);
    if opts.vertical {
        attrs.set("VERTICAL_ASSUMPTION", VERTICAL_ASSUMPTION);
    }
    let long_name = if opts.vertical {
        format!("vertical displacement from {from} to {to}, no horizontal motion assumed")
    } else {
        format!("line-of-sight displacement from {from} to {to}")
    };
    let datasets = vec![DatasetSpec::map("displacement", "m", &long_name)];
    Ok(maps_like(ts, &stem, "displacement", datasets, attrs))
}

/// The run's geometry when `--vertical` or `--at LAT,LON` needs it, checked against the image.
fn open_geometry(
    dir: &Path,
    opts: &DisplacementOptions,
    length: usize,
    width: usize,
) -> anyhow::Result<Option<Product>> {
    let geometry = if opts.vertical || matches!(opts.point, Some(Point::LatLon(..))) {
        Some(Product::open(dir, geometry_stem_in(dir)).with_context(|| {
            format!(
                "{} needs the geometry of the run (product {GEOMETRY_STEM})",
                if opts.vertical {
                    "--vertical"
                } else {
                    "--at LAT,LON"
                }
            )
        })?)
    } else {
        None
    };
    if let Some(g) = &geometry {
        ensure!(
            g.length() == length && g.width() == width,
            "{} is {} x {} pixels but the time series is {length} x {width}",
            g.path().display(),
            g.length(),
            g.width()
        );
        if opts.vertical {
            has_dataset(g, "incidenceAngle")?;
        }
    }
    Ok(geometry)
}

/// Divides line-of-sight values by the cosine of the incidence angle (degrees); NaN where the
/// angle is not usable (no data, or 90 degrees or more).
pub fn to_vertical(values: &mut [f32], incidence_deg: &[f32]) {
    for (v, &inc) in values.iter_mut().zip(incidence_deg) {
        let c = (inc as f64).to_radians().cos();
        *v = if inc.is_finite() && c > 1e-6 {
            (*v as f64 / c) as f32
        } else {
            f32::NAN
        };
    }
}

/// Median and 5th/95th percentiles in millimetres of `values` (metres), linear interpolation
/// between order statistics as numpy's default. `None` when empty. Reorders `values`.
pub fn map_stats(values: &mut [f32]) -> Option<MapStats> {
    if values.is_empty() {
        return None;
    }
    values.sort_unstable_by(|a, b| a.total_cmp(b));
    let q = |p: f64| {
        let pos = p * (values.len() - 1) as f64;
        let (lo, hi) = (pos.floor() as usize, pos.ceil() as usize);
        let f = pos - lo as f64;
        (values[lo] as f64 * (1.0 - f) + values[hi] as f64 * f) * 1000.0
    };
    Some(MapStats {
        pixels: values.len(),
        median_mm: q(0.5),
        p5_mm: q(0.05),
        p95_mm: q(0.95),
    })
}

fn has_dataset(p: &Product, name: &str) -> anyhow::Result<()> {
    if !p.dataset_names().iter().any(|n| n == name) {
        bail!(
            "{} has no {name} dataset (it has {})",
            p.path().display(),
            p.dataset_names().join(", ")
        );
    }
    Ok(())
}

/// The pixel of geometry `g` nearest to (`lat`, `lon`); an error when the point lies outside the
/// area the image covers.
fn find_lat_lon(g: &Product, lat: f64, lon: f64, budget: u64) -> anyhow::Result<(usize, usize)> {
    has_dataset(g, "latitude")?;
    has_dataset(g, "longitude")?;
    ensure!(
        lat.is_finite() && lon.is_finite() && (-90.0..=90.0).contains(&lat),
        "--at {lat},{lon} is not a latitude,longitude in degrees"
    );
    let (length, width) = (g.length(), g.width());
    let cost = PixelCost {
        input_bytes: 8,
        output_bytes: 0,
        scratch_bytes: 0,
    };
    let mut pass = StripPass::new("displacement --at", length, width, cost, budget)?;
    let [lat_in, lon_in] = ["latitude", "longitude"].map(|d| pass.read(g, d));
    let cos_lat = lat.to_radians().cos();
    let mut best: Option<(f64, usize, usize)> = None;
    let (mut lat_min, mut lat_max, mut lon_min, mut lon_max) =
        (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
    pass.run(|strip| {
        let w = strip.window;
        let [la, lo] = [lat_in, lon_in].map(|i| strip.inputs.get(i));
        for (k, (&a, &o)) in la.iter().zip(lo).enumerate() {
            let (a, o) = (a as f64, o as f64);
            if !(a.is_finite() && o.is_finite()) || (a == 0.0 && o == 0.0) {
                continue;
            }
            lat_min = lat_min.min(a);
            lat_max = lat_max.max(a);
            lon_min = lon_min.min(o);
            lon_max = lon_max.max(o);
            let d2 = (a - lat).powi(2) + ((o - lon) * cos_lat).powi(2);
            if best.is_none_or(|b| d2 < b.0) {
                best = Some((d2, w.y0 + k / w.cols(), w.x0 + k % w.cols()));
            }
        }
        Ok(())
    })?;
    let Some((_, y, x)) = best else {
        bail!("{} has no valid latitude/longitude", g.path().display());
    };
    ensure!(
        (lat_min..=lat_max).contains(&lat) && (lon_min..=lon_max).contains(&lon),
        "--at {lat},{lon} is outside the image (latitude {lat_min:.4}..{lat_max:.4}, longitude \
         {lon_min:.4}..{lon_max:.4})"
    );
    Ok((y, x))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stats_follow_numpy_percentiles() {
        // numpy.percentile(np.arange(1, 12) / 1000, [5, 50, 95]) * 1000 = [1.5, 6, 10.5]
        let mut v: Vec<f32> = (1..=11).rev().map(|i| i as f32 / 1000.0).collect();
        let s = map_stats(&mut v).unwrap();
        assert_eq!(s.pixels, 11);
        assert!((s.median_mm - 6.0).abs() < 1e-4);
        assert!((s.p5_mm - 1.5).abs() < 1e-4);
        assert!((s.p95_mm - 10.5).abs() < 1e-4);
        assert!(map_stats(&mut []).is_none());
    }

    #[test]
    fn vertical_divides_by_cosine_of_incidence() {
        let mut v = [0.01f32, 0.01, 0.01];
        to_vertical(&mut v, &[60.0, 0.0, f32::NAN]);
        assert!((v[0] - 0.02).abs() < 1e-7);
        assert!((v[1] - 0.01).abs() < 1e-9);
        assert!(v[2].is_nan());
    }

    #[test]
    fn report_states_sign_and_assumption() {
        let r = DisplacementReport {
            path: PathBuf::from("run/displacement_vertical_20200101_20200301.h5"),
            from: Date::parse("20200101").unwrap(),
            to: Date::parse("20200301").unwrap(),
            vertical: true,
            stats: Some(MapStats {
                pixels: 3,
                median_mm: -4.25,
                p5_mm: -10.0,
                p95_mm: 1.0,
            }),
            masked: true,
            point: Some(PointValue {
                y: 1,
                x: 2,
                value_mm: -3.0,
            }),
        };
        let t = r.text();
        assert!(t.contains("from 20200101 to 20200301 (60 days)"), "{t}");
        assert!(t.contains("positive = towards the satellite"), "{t}");
        assert!(t.contains("no horizontal motion"), "{t}");
        assert!(
            t.contains("median -4.2 mm") || t.contains("median -4.3 mm"),
            "{t}"
        );
        assert!(t.contains("at pixel y=1, x=2: -3.0 mm"), "{t}");
    }
}
