//! LiCSAR frame metadata: `GEOC/metadata.txt` (`key=value` lines: `master`, `center_time`,
//! `heading`, `avg_incidence_angle`, `azimuth_resolution`, `range_resolution`,
//! `centre_range_m`, `avg_height`, `applied_DEM`), the `GEOC/baselines` file, and the
//! MintPy-named attributes sbas builds from them and the stack's grid.

use std::collections::HashMap;
use std::path::Path;

use anyhow::Context;

use crate::geo::grid::MapGrid;
use crate::meta::pyfmt::py_f64;
use crate::meta::{Attributes, Date};
use crate::source::map_stack::{corner_attrs, grid_attrs, py_mod};

/// Sentinel-1's carrier frequency (Hz), LiCSBAS02's default `--freq`.
const CARRIER_FREQUENCY: f64 = 5.405e9;
const SPEED_OF_LIGHT: f64 = 299_792_458.0;
/// LiCSAR's multilooking of its standard frame products (azimuth, range): 4 x 20 looks of
/// Sentinel-1 IW, to about 100 m (Lazecky et al. 2020, "LiCSAR: an automatic InSAR tool for
/// measuring and monitoring tectonic and volcanic activity", Remote Sensing 12(15)); the
/// products do not state it, and the var/fim weights need it.
pub const LOOKS: (usize, usize) = (4, 20);
/// MintPy's mean Earth radius (m), for the orbit height derived from the frame's geometry.
pub const EARTH_RADIUS: f64 = 6_371_008.8;

/// A frame's `metadata.txt`: `key=value` lines, keys and values trimmed.
#[derive(Debug, Clone, Default)]
pub struct LicsarMeta {
    values: HashMap<String, String>,
    file: String,
}

impl LicsarMeta {
    /// Parses the text of `file` (named in errors); lines without `=` are skipped.
    pub fn parse(text: &str, file: &Path) -> LicsarMeta {
        let values = text
            .lines()
            .filter_map(|l| l.split_once('='))
            .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
            .collect();
        LicsarMeta {
            values,
            file: file.display().to_string(),
        }
    }

    /// Reads and parses `path`.
    pub fn read(path: &Path) -> anyhow::Result<LicsarMeta> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read LiCSAR metadata {}", path.display()))?;
        Ok(LicsarMeta::parse(&text, path))
    }

    /// The value of `key`, if given.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.values.get(key).map(String::as_str)
    }

    /// The value of `key` as a number, if given; an error naming the file when it is not one.
    pub fn number(&self, key: &str) -> anyhow::Result<Option<f64>> {
        self.get(key)
            .map(|v| {
                v.parse::<f64>().with_context(|| {
                    format!("LiCSAR metadata {}: {key}={v} is not a number", self.file)
                })
            })
            .transpose()
    }
}

/// `HH:MM:SS[.ffffff]` as seconds of the day.
fn seconds_of_day(t: &str) -> Option<f64> {
    let mut it = t.split(':');
    let (h, m, s) = (it.next()?, it.next()?, it.next()?);
    if it.next().is_some() {
        return None;
    }
    Some(h.parse::<f64>().ok()? * 3600.0 + m.parse::<f64>().ok()? * 60.0 + s.parse::<f64>().ok()?)
}

/// The orbit height (m) above a sphere of radius [`EARTH_RADIUS`] that sees the ground at
/// slant range `range` (m) under incidence `inc_deg` (law of cosines in the triangle Earth
/// centre, ground, satellite).
pub fn orbit_height(range: f64, inc_deg: f64) -> f64 {
    let re = EARTH_RADIUS;
    (re * re + range * range + 2.0 * re * range * inc_deg.to_radians().cos()).sqrt() - re
}

/// The stack's attributes from the frame's metadata (when there is a `metadata.txt`) and the
/// stack's grid, with MintPy's keys.
pub fn stack_attrs(meta: Option<&LicsarMeta>, grid: &MapGrid) -> anyhow::Result<Attributes> {
    let mut a = Attributes::new();
    grid_attrs(&mut a, grid);
    a.set("PROCESSOR", "licsar");
    a.set("PLATFORM", "Sen");
    a.set("ANTENNA_SIDE", "-1");
    a.set("WAVELENGTH", py_f64(SPEED_OF_LIGHT / CARRIER_FREQUENCY));
    a.set("ALOOKS", LOOKS.0);
    a.set("RLOOKS", LOOKS.1);
    let Some(m) = meta else {
        return Ok(a);
    };
    if let Some(h) = m.number("heading")? {
        let heading = py_mod(h, 360.0) - 360.0;
        let ascending = heading.abs() < 90.0;
        a.set("HEADING", py_f64(heading));
        a.set(
            "ORBIT_DIRECTION",
            if ascending { "ASCENDING" } else { "DESCENDING" },
        );
        corner_attrs(&mut a, grid, ascending);
    }
    if let Some(t) = m.get("center_time") {
        let s = seconds_of_day(t).with_context(|| {
            format!(
                "LiCSAR metadata {}: center_time={t} is not HH:MM:SS",
                m.file
            )
        })?;
        a.set("CENTER_LINE_UTC", py_f64(s));
    }
    if let Some(v) = m.number("avg_incidence_angle")? {
        a.set("CENTER_INCIDENCE_ANGLE", py_f64(v));
        if let Some(r) = m.number("centre_range_m")? {
            a.set("EARTH_RADIUS", py_f64(EARTH_RADIUS));
            a.set("HEIGHT", py_f64(orbit_height(r, v)));
        }
    }
    for (key, name) in [
        ("range_resolution", "RANGE_PIXEL_SIZE"),
        ("azimuth_resolution", "AZIMUTH_PIXEL_SIZE"),
    ] {
        if let Some(v) = m.number(key)? {
            a.set(name, py_f64(v));
        }
    }
    Ok(a)
}

/// The perpendicular baseline (m) of each date from a LiCSAR `baselines` file, as LiCSBAS's
/// `read_bperp_file` reads both of its forms: 4 columns `primary date bperp dt` (the primary
/// itself at 0), or the old 9 columns whose last two are the baselines of the pair's dates.
pub fn read_baselines(path: &Path) -> anyhow::Result<HashMap<Date, f64>> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read LiCSAR baselines {}", path.display()))?;
    let mut out = HashMap::new();
    let bad = |n: usize, l: &str| {
        anyhow::anyhow!(
            "LiCSAR baselines {} line {n}: {l:?} is not `primary date bperp dt`",
            path.display()
        )
    };
    for (n, line) in text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
    {
        let t: Vec<&str> = line.split_whitespace().collect();
        let date = |s: &str| Date::parse(s).map_err(|_| bad(n + 1, line));
        let num = |s: &str| s.parse::<f64>().map_err(|_| bad(n + 1, line));
        match t.len() {
            4 => {
                out.insert(date(t[0])?, 0.0);
                out.insert(date(t[1])?, num(t[2])?);
            }
            9 => {
                out.insert(date(t[1])?, num(t[7])?);
                out.insert(date(t[2])?, num(t[8])?);
            }
            _ => return Err(bad(n + 1, line)),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metadata_and_baselines_parse() {
        let m = LicsarMeta::parse(
            "master=20200101\ncenter_time=01:50:06.5\nheading=-13.775063\n\
             avg_incidence_angle=39.1918\ncentre_range_m=880080.5691\n",
            Path::new("metadata.txt"),
        );
        let g = MapGrid {
            epsg: Some(4326),
            ..MapGrid::lat_lon(34.05, -118.35, -0.001, 0.001, 10, 20)
        };
        let a = stack_attrs(Some(&m), &g).unwrap();
        assert_eq!(a.get("CENTER_LINE_UTC"), Some("6606.5"));
        assert_eq!(a.get("ORBIT_DIRECTION"), Some("ASCENDING"));
        // Python: `-13.775063 % 360. - 360.`
        assert_eq!(a.get("HEADING"), Some("-13.775062999999989"));
        assert_eq!(a.get("X_UNIT"), Some("degrees"));
        assert_eq!(a.get("EPSG"), Some("4326"));
        let h = a.get_f64("HEIGHT").unwrap();
        assert!((680e3..720e3).contains(&h), "{h}");
        let bad = LicsarMeta::parse("heading=abc", Path::new("m.txt"));
        let e = stack_attrs(Some(&bad), &g).unwrap_err().to_string();
        assert!(e.contains("m.txt") && e.contains("heading"), "{e}");

        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("baselines");
        std::fs::write(
            &p,
            "20200101 20200113 12.5 12.0\n20200101 20200125 -3.0 24.0\n",
        )
        .unwrap();
        let b = read_baselines(&p).unwrap();
        let d = |s| Date::parse(s).unwrap();
        assert_eq!(b[&d("20200101")], 0.0);
        assert_eq!(b[&d("20200125")], -3.0);
        std::fs::write(
            &p,
            "  1 20170218 20170326 96.6 36.0 -12.0 24.0 34.2 130.9\n",
        )
        .unwrap();
        let b = read_baselines(&p).unwrap();
        assert_eq!(b[&d("20170326")], 130.9);
        std::fs::write(&p, "20200101 x\n").unwrap();
        let e = read_baselines(&p).unwrap_err().to_string();
        assert!(e.contains("line 1"), "{e}");
    }
}
