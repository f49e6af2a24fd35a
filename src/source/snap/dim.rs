//! SNAP's BEAM-DIMAP `.dim` header of a one-band product, read as MintPy 1.6.4's
//! `readfile.read_snap_dim` reads it: every attribute of `Abstracted_Metadata` (names in lower
//! case, MintPy's standard names added), the antenna side, the centre time, the orbit height
//! and Earth radius from the first state vector, the wavelength, the map grid of
//! `Geoposition/IMAGE_TO_MODEL_TRANSFORM`, and the pair's dates and perpendicular baseline from
//! `Baselines`. Values keep MintPy's text (Python's `str` of a float).

use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use roxmltree::Node;

use crate::geo::grid::MapGrid;
use crate::meta::pyfmt::py_f64;
use crate::meta::{Attributes, Date};
use crate::source::raster::std_keys::standardize;

/// MintPy's sensor names and the spellings each takes (`objects/sensor.py`).
const SENSOR_NAMES: &[(&str, &[&str])] = &[
    ("alos", &["alos", "alos1", "palsar", "palsar1"]),
    ("alos2", &["alos2", "palsar2"]),
    ("alos4", &["alos4", "palsar3"]),
    ("bio", &["bio", "biomass"]),
    (
        "csk",
        &[
            "csk",
            "csk1",
            "csk2",
            "csk3",
            "csk4",
            "cos",
            "cosmo",
            "cosmoskymed",
        ],
    ),
    ("env", &["env", "envisat", "asar"]),
    ("ers", &["ers", "ers1", "ers2", "ers12"]),
    ("gf3", &["gfen3", "gaofen3", "g3", "gaofen"]),
    ("hj1c", &["hj1", "huanjing1c"]),
    ("jers", &["jers", "jers1"]),
    ("ksat5", &["ksat5", "kompsat5", "kompsat", "kmps5"]),
    ("lt1", &["lt1", "lt", "lutan", "lutan1"]),
    ("ni", &["ni", "nisar"]),
    ("saocom", &["saocom", "sao", "saocom1a", "saocom1b"]),
    ("rs1", &["rs1", "rsat", "rsat1", "radarsat", "radarsat1"]),
    ("rs2", &["rs2", "rsat2", "radarsat2"]),
    ("rcm", &["rcm", "rsatc"]),
    (
        "sen",
        &[
            "sen",
            "s1",
            "s1a",
            "s1b",
            "sent1",
            "sentinel1",
            "sentinel1a",
            "sentinel1b",
        ],
    ),
    (
        "tsx",
        &["tsx", "terra", "terrasar", "terrasarx", "tdx", "tandemx"],
    ),
    ("uav", &["uav", "uavsar"]),
];

/// MintPy's `standardize_sensor_name`: `-`/`_` removed, lower case, a known spelling mapped to
/// its sensor.
fn sensor_name(name: &str) -> String {
    let s: String = name
        .chars()
        .filter(|&c| c != '-' && c != '_')
        .collect::<String>()
        .to_lowercase();
    if SENSOR_NAMES.iter().any(|(k, _)| *k == s) {
        return s;
    }
    SENSOR_NAMES
        .iter()
        .rev()
        .find(|(_, v)| v.contains(&s.as_str()))
        .map_or(s.clone(), |(k, _)| k.to_string())
}

const SPEED_OF_LIGHT: f64 = 299_792_458.0;

/// MintPy's `incidence_angle2slant_range_distance` of one angle (degrees) as numpy 1.x computes
/// it for a scalar: the angle rounded to float32, then float64 throughout (law of sines on a
/// sphere of radius `earth_radius` seen from `height`).
pub fn slant_range_f64(inc_deg: f32, earth_radius: f64, height: f64) -> f64 {
    let inc = inc_deg as f64 / 180.0 * std::f64::consts::PI;
    let r2 = (earth_radius + height) / (std::f64::consts::PI - inc).sin();
    let look = (earth_radius / r2).asin();
    r2 * (inc - look).sin()
}

/// One SNAP product's header: MintPy's attributes, grid, pair dates and baseline.
#[derive(Debug, Clone)]
pub struct SnapDim {
    /// The `.dim` file.
    pub path: PathBuf,
    /// MintPy's attributes of the product (what `prep_snap` writes to the `.rsc`).
    pub attrs: Attributes,
    /// The band's map grid.
    pub grid: MapGrid,
    /// The pair's dates, earlier first.
    pub dates: (Date, Date),
    /// The perpendicular baseline (m): the first nonzero of the secondaries'.
    pub bperp: f64,
}

fn child<'a>(n: Node<'a, 'a>, tag: &str) -> Option<Node<'a, 'a>> {
    n.children()
        .find(|c| c.is_element() && c.tag_name().name() == tag)
}

fn named<'a>(n: Node<'a, 'a>, tag: &str, name: &str) -> Option<Node<'a, 'a>> {
    n.children()
        .find(|c| c.is_element() && c.tag_name().name() == tag && c.attribute("name") == Some(name))
}

fn node_text<'a>(n: Node<'a, 'a>) -> &'a str {
    n.text().map(str::trim).unwrap_or("")
}

/// SNAP's UTC text `08-Apr-2019 17:13:10.497431` as microseconds since 0001-01-01.
fn parse_utc(s: &str) -> Option<i64> {
    let (date, time) = s.trim().split_once(' ')?;
    let mut d = date.split('-');
    let (day, mon, year) = (d.next()?, d.next()?, d.next()?);
    const MONTHS: [&str; 12] = [
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ];
    let m = MONTHS.iter().position(|x| x.eq_ignore_ascii_case(mon))? as u32 + 1;
    let date = Date::from_ymd(year.parse().ok()?, m, day.parse().ok()?)?;
    let (hms, frac) = time.split_once('.')?;
    let mut t = hms.split(':');
    let (h, mi, sec): (i64, i64, i64) = (
        t.next()?.parse().ok()?,
        t.next()?.parse().ok()?,
        t.next()?.parse().ok()?,
    );
    if frac.is_empty() || frac.len() > 6 || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let us: i64 = format!("{frac:0<6}").parse().ok()?;
    let day_us = 86_400_000_000i64;
    Some(date.days_since_epoch() as i64 * day_us + ((h * 60 + mi) * 60 + sec) * 1_000_000 + us)
}

/// MintPy's centre time: the whole seconds of the day of the mid-time of the first and last
/// lines (Python's `timedelta / 2` rounds half to even).
fn center_line_utc(first: i64, last: i64) -> f64 {
    let d = last - first;
    let half = d.div_euclid(2) + i64::from(d.rem_euclid(2) == 1 && d.div_euclid(2) % 2 != 0);
    let mid = first + half;
    (mid.rem_euclid(86_400_000_000) / 1_000_000) as f64
}

/// MintPy's `xyz_to_local_radius`: the height above the WGS84 ellipsoid of an orbit position
/// and the ellipsoid's radius at its latitude, with MintPy's operations in MintPy's order.
pub fn height_and_radius(xyz: [f64; 3]) -> (f64, f64) {
    let a = 6378137.000f64;
    let e2 = 0.0066943799901f64;
    let a2 = a.powf(2.0);
    let e4 = e2.powf(2.0);
    let xy2 = xyz[0].powf(2.0) + xyz[1].powf(2.0);
    let p = xy2 / a2;
    let q = (1. - e2) * xyz[2].powf(2.0) / a2;
    let r = (p + q - e4) / 6.;
    let s = e4 * p * q / (4. * r.powf(3.0));
    let t = (1. + s + (s * (2. + s)).sqrt()).powf(1. / 3.);
    let u = r * (1. + t + 1. / t);
    let v = (u.powf(2.0) + e4 * q).sqrt();
    let w = e2 * (u + v - q) / (2. * v);
    let k = (u + v + w.powf(2.0)).sqrt() - w;
    let d = k * xy2.sqrt() / (k + e2);
    let lat = xyz[2].atan2(d);
    let height = (k + e2 - 1.) * (d.powf(2.0) + xyz[2].powf(2.0)).sqrt() / k;
    let b = a * (1.0 - e2).powf(0.5);
    let latg = (lat.to_degrees().to_radians().tan() * a.powf(2.0) / b.powf(2.0)).atan();
    let arg = latg.cos().powf(2.0) / a.powf(2.0) + latg.sin().powf(2.0) / b.powf(2.0);
    (height, 1.0 / arg.sqrt())
}

/// A SNAP baseline element's date (`Ref_08Apr2019`, `Secondary_20Apr2019`, or the older
/// `Master: 08Apr2019`): the text after the first `_` or `:`, as `ddMonYYYY`.
fn baseline_date(name: &str) -> Option<Date> {
    let s = name.split([':', '_']).nth(1)?.trim();
    if s.len() != 9 {
        return None;
    }
    let day: u32 = s.get(0..2)?.parse().ok()?;
    let mon = s.get(2..5)?;
    const MONTHS: [&str; 12] = [
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ];
    let m = MONTHS.iter().position(|x| x.eq_ignore_ascii_case(mon))? as u32 + 1;
    Date::from_ymd(s.get(5..9)?.parse().ok()?, m, day)
}

/// `float(text)`, or an error naming the file and the field.
fn number(v: &str, what: &str, path: &Path) -> anyhow::Result<f64> {
    v.trim().parse::<f64>().with_context(|| {
        format!(
            "SNAP header {}: {what} '{v}' is not a number",
            path.display()
        )
    })
}

impl SnapDim {
    /// Reads the `.dim` file `path`.
    pub fn read(path: &Path) -> anyhow::Result<SnapDim> {
        let bytes = std::fs::read(path)
            .with_context(|| format!("cannot read SNAP header {}", path.display()))?;
        // SNAP declares ISO-8859-1; its markup is ASCII, and a stray byte in free text
        // must not fail the header.
        let text: String = bytes.iter().map(|&b| b as char).collect();
        SnapDim::parse(&text, path)
    }

    /// Parses the text of the `.dim` file `path`.
    pub fn parse(text: &str, path: &Path) -> anyhow::Result<SnapDim> {
        let bad = |what: &str| format!("malformed SNAP header {}: {what}", path.display());
        let doc = roxmltree::Document::parse(text).with_context(|| bad("not XML"))?;
        let root = doc.root_element();
        let abs = child(root, "Dataset_Sources")
            .and_then(|n| named(n, "MDElem", "metadata"))
            .and_then(|n| named(n, "MDElem", "Abstracted_Metadata"))
            .with_context(|| bad("no Dataset_Sources/metadata/Abstracted_Metadata element"))?;

        let mut a = Attributes::new();
        a.set("PROCESSOR", "snap");
        let stem = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let parts: Vec<&str> = stem.split('_').collect();
        let file_type = if parts.len() >= 2 {
            parts[parts.len() - 2]
        } else {
            parts[0]
        };
        a.set("FILE_TYPE", file_type.to_lowercase());
        for m in abs
            .children()
            .filter(|c| c.is_element() && c.tag_name().name() == "MDATTR")
        {
            let key = m.attribute("name").unwrap_or("").to_lowercase();
            // Python's str() of an empty element's text (None).
            let value = m.text().unwrap_or("None");
            a.set(key, value);
        }
        standardize(&mut a);
        let need = |a: &Attributes, k: &str| -> anyhow::Result<String> {
            a.get(k)
                .map(str::to_string)
                .with_context(|| bad(&format!("Abstracted_Metadata has no {k}")))
        };
        let side = if need(&a, "antenna_pointing")? == "right" {
            "-1"
        } else {
            "1"
        };
        a.set("ANTENNA_SIDE", side);
        let utc = |k: &str| -> anyhow::Result<i64> {
            let v = need(&a, k)?;
            parse_utc(&v).with_context(|| {
                bad(&format!(
                    "{k} '{v}' is not a time like 08-Apr-2019 17:13:10.497431"
                ))
            })
        };
        let (first, last) = (utc("first_line_time")?, utc("last_line_time")?);
        a.set("CENTER_LINE_UTC", py_f64(center_line_utc(first, last)));

        let band = child(root, "Image_Interpretation")
            .and_then(|n| child(n, "Spectral_Band_Info"))
            .with_context(|| bad("no Image_Interpretation/Spectral_Band_Info"))?;
        let band_field = |k: &str| -> anyhow::Result<&str> {
            child(band, k)
                .map(node_text)
                .with_context(|| bad(&format!("Spectral_Band_Info has no {k}")))
        };
        a.set("DATA_TYPE", band_field("DATA_TYPE")?);
        let size = |k: &str| -> anyhow::Result<usize> {
            let v = band_field(k)?;
            let n = number(v, k, path)?;
            if n < 1.0 || n.fract() != 0.0 {
                bail!(bad(&format!("{k} '{v}' is not a positive whole number")));
            }
            Ok(n as usize)
        };
        let (length, width) = (size("BAND_RASTER_HEIGHT")?, size("BAND_RASTER_WIDTH")?);
        a.set("LENGTH", length);
        a.set("WIDTH", width);

        let orbit = named(abs, "MDElem", "Orbit_State_Vectors")
            .and_then(|n| named(n, "MDElem", "orbit_vector1"))
            .with_context(|| bad("no Orbit_State_Vectors/orbit_vector1"))?;
        let pos = |k: &str| -> anyhow::Result<f64> {
            let v = named(orbit, "MDATTR", k)
                .map(node_text)
                .with_context(|| bad(&format!("orbit_vector1 has no {k}")))?;
            number(v, k, path)
        };
        let (height, radius) = height_and_radius([pos("x_pos")?, pos("y_pos")?, pos("z_pos")?]);
        a.set("HEIGHT", py_f64(height));
        a.set("EARTH_RADIUS", py_f64(radius));
        let platform = need(&a, "PLATFORM")?;
        a.set("PLATFORM", sensor_name(&platform));
        let freq = need(&a, "radar_frequency")?;
        a.set(
            "WAVELENGTH",
            py_f64(SPEED_OF_LIGHT / (number(&freq, "radar_frequency", path)? * 1e6)),
        );

        let t = child(root, "Geoposition")
            .and_then(|n| child(n, "IMAGE_TO_MODEL_TRANSFORM"))
            .map(node_text)
            .with_context(|| bad("no Geoposition/IMAGE_TO_MODEL_TRANSFORM"))?;
        let t: Vec<f64> = t
            .split(',')
            .map(|v| number(v, "IMAGE_TO_MODEL_TRANSFORM", path))
            .collect::<anyhow::Result<_>>()?;
        if t.len() != 6 {
            bail!(bad("IMAGE_TO_MODEL_TRANSFORM does not hold 6 numbers"));
        }
        if t[1] != 0.0 || t[2] != 0.0 || t[0] <= 0.0 || t[3] >= 0.0 {
            bail!(bad(
                "IMAGE_TO_MODEL_TRANSFORM is not a north-up grid (rotated or flipped): \
                 terrain-correct the product onto a regular grid"
            ));
        }
        let crs = child(root, "Coordinate_Reference_System")
            .and_then(|n| child(n, "WKT"))
            .map(node_text)
            .unwrap_or("");
        let geographic = crs.trim_start().starts_with("GEOGCS")
            && (crs.contains("WGS84") || crs.contains("WGS 84") || crs.contains("WGS_1984"));
        if !geographic {
            bail!(
                "SNAP header {}: the product is not on a WGS84 latitude/longitude grid \
                 (Coordinate_Reference_System/WKT {}); MintPy's prep_snap reads only those: \
                 terrain-correct with the WGS84(DD) map projection",
                path.display(),
                if crs.is_empty() {
                    "missing"
                } else {
                    "names another"
                }
            );
        }
        a.set("X_STEP", py_f64(t[0]));
        a.set("Y_STEP", py_f64(t[3]));
        a.set("X_FIRST", py_f64(t[4]));
        a.set("Y_FIRST", py_f64(t[5]));
        a.set("X_UNIT", "degrees");
        a.set("Y_UNIT", "degrees");
        let grid = MapGrid {
            epsg: Some(4326),
            ..MapGrid::lat_lon(t[5], t[4], t[3], t[0], length, width)
        };

        let near = need(&a, "incidence_near")?;
        // MintPy averages the near incidence with itself (not the far one).
        let inc = (number(&near, "incidence_near", path)? * 2.0) / 2.0;
        a.set("INCIDENCE_ANGLE", py_f64(inc));
        let re = a.get_f64("EARTH_RADIUS")?;
        a.set(
            "SLANT_RANGE_DISTANCE",
            py_f64(slant_range_f64(inc as f32, re, height)),
        );

        let secondaries: Vec<Node> = named(abs, "MDElem", "Baselines")
            .and_then(|b| {
                b.children()
                    .find(|c| c.is_element() && c.tag_name().name() == "MDElem")
            })
            .map(|r| {
                r.children()
                    .filter(|c| c.is_element() && c.tag_name().name() == "MDElem")
                    .collect()
            })
            .unwrap_or_default();
        if secondaries.len() < 2 {
            bail!(bad(
                "Baselines holds no reference element with two secondaries (the pair's \
                 dates and perpendicular baseline come from it)"
            ));
        }
        let mut dates = Vec::new();
        for s in &secondaries[secondaries.len() - 2..] {
            let name = s.attribute("name").unwrap_or("");
            dates.push(baseline_date(name).with_context(|| {
                bad(&format!(
                    "baseline element '{name}' does not name a date like Secondary_08Apr2019"
                ))
            })?);
        }
        dates.sort();
        a.set(
            "DATE12",
            format!("{}-{}", dates[0].yymmdd(), dates[1].yymmdd()),
        );
        let mut pbase = None;
        for s in &secondaries {
            let v = named(*s, "MDATTR", "Perp Baseline")
                .map(node_text)
                .with_context(|| bad("a baseline element has no Perp Baseline"))?;
            if number(v, "Perp Baseline", path)? != 0.0 {
                pbase = Some(v.to_string());
                break;
            }
        }
        let pbase = pbase.with_context(|| bad("every Perp Baseline is 0"))?;
        a.set("P_BASELINE_TOP_HDR", &pbase);
        a.set("P_BASELINE_BOTTOM_HDR", &pbase);
        for k in ["ALOOKS", "RLOOKS"] {
            if let Some(v) = a.get(k) {
                let n = number(v, k, path)?;
                a.set(k, n.trunc() as i64);
            }
        }
        Ok(SnapDim {
            path: path.to_path_buf(),
            bperp: number(&pbase, "Perp Baseline", path)?,
            attrs: a,
            grid,
            dates: (dates[0], dates[1]),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_and_dates() {
        let a = parse_utc("08-Apr-2019 17:13:10.497431").unwrap();
        let b = parse_utc("08-APR-2019 17:13:35.5").unwrap();
        assert_eq!(b - a, 25_002_569);
        assert_eq!(center_line_utc(a, b), (17 * 3600 + 13 * 60 + 22) as f64);
        assert!(parse_utc("2019-04-08 17:13:10").is_none());
        let d = |s| Date::parse(s).unwrap();
        assert_eq!(baseline_date("Ref_08Apr2019"), Some(d("20190408")));
        assert_eq!(baseline_date("Slave: 20Apr2019"), Some(d("20190420")));
        assert_eq!(baseline_date("Secondary_2019-04-08"), None);
        assert_eq!(sensor_name("SENTINEL-1A"), "sen");
        assert_eq!(sensor_name("ENVISAT"), "env");
    }

    #[test]
    fn slant_range_equals_mintpys() {
        // MintPy 1.6.4 (numpy 1.26) on the SNAP fixture's first header.
        let r = slant_range_f64(37.0249, 6_371_693.717_252_291, 693_000.000_031_482_8);
        assert_eq!(py_f64(r), "845031.3213799598");
    }

    #[test]
    fn orbit_height_is_about_700_km() {
        // A Sentinel-1 state vector (m, ECEF) over California.
        let (h, r) = height_and_radius([-2_434_476.35, -4_848_392.74, 4_526_853.91]);
        assert!((600_000.0..800_000.0).contains(&h), "{h}");
        assert!((6_356_000.0..6_378_200.0).contains(&r), "{r}");
    }
}
