//! GMTSAR's metadata as MintPy 1.6.4's `prep_gmtsar` turns them into attributes: the
//! supermaster's `.PRM` (every `key = value` line, MintPy's conversions of `lookdir`,
//! `orbdir`, `SC_vel`, `rng_samp_rate`, `SC_clock_start/stop`, `SC_identity`), the looks from
//! `config.*.txt` beside it (`filter_wavelength`) or else given, the heading given (GMTSAR does
//! not record it), the corners, pixel sizes, slant range and incidence angle MintPy derives,
//! and `baseline_table.dat`. Values keep MintPy's text (Python's `str`).

use std::path::{Path, PathBuf};

use anyhow::{bail, Context};

use super::grd::GmtGrid;
use crate::meta::pyfmt::{py_f32, py_f64};
use crate::meta::{Attributes, Date};
use crate::source::map_stack::{corner_attrs, entries, file_name};
use crate::source::raster::std_keys::standardize;

const SPEED_OF_LIGHT: f64 = 299_792_458.0;

/// MintPy's `GMTSAR_SENSOR_ID2NAME`.
fn sensor_name(id: i64) -> Option<&'static str> {
    Some(match id {
        1 | 2 => "ers",
        3 => "rs1",
        4 => "env",
        5 => "alos",
        6 => "tsx",
        7 | 8 => "csk",
        9 => "rs2",
        10 => "sen",
        11 => "gf3",
        12 => "lt1",
        _ => return None,
    })
}

/// The `key = value` lines of a PRM (or `config.*.txt`) file, as MintPy splits them (tabs as
/// spaces, the first `=`, both sides trimmed, a later key winning).
pub fn parse_prm(text: &str) -> Attributes {
    let mut a = Attributes::new();
    for line in text.lines() {
        let line = line.trim().replace('\t', " ");
        if let Some((k, v)) = line.split_once('=') {
            a.set(k.trim(), v.trim());
        }
    }
    a
}

fn read_text(path: &Path, what: &str) -> anyhow::Result<String> {
    let bytes = std::fs::read(path)
        .with_context(|| format!("cannot read GMTSAR {what} {}", path.display()))?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// A number of `a[key]`, or an error naming the file.
fn num(a: &Attributes, key: &str, path: &Path) -> anyhow::Result<f64> {
    let v = a.get(key).with_context(|| {
        format!(
            "GMTSAR PRM {} has no {key} (MintPy's prep_gmtsar needs it)",
            path.display()
        )
    })?;
    v.parse::<f64>().with_context(|| {
        format!(
            "GMTSAR PRM {}: {key} = '{v}' is not a number",
            path.display()
        )
    })
}

/// MintPy's `read_gmtsar_prm` of the PRM file `path`: its keys, MintPy's conversions, and
/// MintPy's standard names. Pixel sizes are single-look here.
pub fn read_prm(path: &Path) -> anyhow::Result<(Attributes, f64, f64)> {
    let mut a = parse_prm(&read_text(path, "PRM file")?);
    if a.is_empty() {
        bail!(
            "GMTSAR PRM {} holds no 'key = value' line: not a PRM file",
            path.display()
        );
    }
    if let Some(v) = a.get("lookdir") {
        let side = if v.eq_ignore_ascii_case("R") {
            "-1"
        } else {
            "1"
        };
        a.set("ANTENNA_SIDE", side);
    }
    if let Some(v) = a.get("orbdir") {
        let dir = match v {
            "A" => "ASCENDING",
            "D" => "DESCENDING",
            _ => bail!(
                "GMTSAR PRM {}: orbdir = '{v}' is neither A nor D",
                path.display()
            ),
        };
        a.set("ORBIT_DIRECTION", dir);
    }
    let mut az_px = f64::NAN;
    if a.contains("SC_vel") {
        let vel = num(&a, "SC_vel", path)?;
        let re = num(&a, "earth_radius", path)?;
        let prf = num(&a, "PRF", path)?;
        let h = num(&a, "SC_height", path)?;
        az_px = vel / prf * re / (re + h);
        a.set("AZIMUTH_PIXEL_SIZE", py_f64(az_px));
    }
    let mut rg_px = f64::NAN;
    if a.contains("rng_samp_rate") {
        rg_px = SPEED_OF_LIGHT / num(&a, "rng_samp_rate", path)? / 2.0;
        a.set("RANGE_PIXEL_SIZE", py_f64(rg_px));
    }
    if a.contains("SC_clock_start") {
        let t0 = num(&a, "SC_clock_start", path)?;
        let t1 = num(&a, "SC_clock_stop", path)?;
        let c = (t0 + t1) / 2.0;
        let frac = c - c.trunc();
        a.set("CENTER_LINE_UTC", py_f64(frac * 24. * 60. * 60.));
    }
    if a.contains("SC_identity") {
        let id = num(&a, "SC_identity", path)?;
        if let Some(name) = sensor_name(id as i64) {
            a.set("PLATFORM", name);
        }
    }
    standardize(&mut a);
    Ok((a, az_px, rg_px))
}

/// The `config.*.txt` beside the PRM (the first by name), if any.
pub fn config_file(prm: &Path) -> Option<PathBuf> {
    let dir = prm.parent().unwrap_or(Path::new("."));
    let dir = if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    };
    entries(dir).into_iter().find(|p| {
        let n = file_name(p);
        p.is_file() && n.starts_with("config.") && n.ends_with(".txt")
    })
}

/// Metadata the user gives where GMTSAR has none (`HEADING`, and `ALOOKS`/`RLOOKS` without a
/// config file): MintPy takes them from its template.
pub fn given<'a>(given: &'a [(String, String)], key: &str) -> Option<&'a str> {
    given
        .iter()
        .rev()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
}

/// MintPy's `extract_gmtsar_metadata`: the stack's common attributes from the PRM `prm`, the
/// first unwrapped interferogram `unw` and the first geocoded grid of its folder `geo_first`
/// (`corr_ll*.grd` before `unwrap_ll*.grd`, as MintPy looks), with `meta` given by the user.
/// Returns the attributes and a warning when the heading is unknown.
pub fn stack_attrs(
    prm: &Path,
    unw: &GmtGrid,
    geo_first: &GmtGrid,
    meta: &[(String, String)],
) -> anyhow::Result<(Attributes, Option<String>)> {
    let (mut a, az_px, rg_px) = read_prm(prm)?;
    a.set("PROCESSOR", "gmtsar");
    let (alooks, rlooks) = match config_file(prm) {
        Some(cfg) => {
            let c = parse_prm(&read_text(&cfg, "config file")?);
            let fw = match c.get("filter_wavelength") {
                Some(v) => v.parse::<f64>().with_context(|| {
                    format!(
                        "GMTSAR config {}: filter_wavelength = '{v}' is not a number",
                        cfg.display()
                    )
                })?,
                None => 200.0,
            };
            if !(az_px.is_finite() && rg_px.is_finite()) {
                bail!(
                    "GMTSAR PRM {} lacks SC_vel or rng_samp_rate: the looks of {} cannot be \
                     derived",
                    prm.display(),
                    cfg.display()
                );
            }
            // GMTSAR filters with a Gaussian instead of multilooking: MintPy counts 0.3 of
            // the filter wavelength as the equivalent boxcar.
            let al = (0.3 * fw / az_px).round_ties_even() as i64;
            let rl = (0.3 * fw / rg_px).round_ties_even() as i64;
            (al, rl)
        }
        None => {
            let look = |k: &str| -> anyhow::Result<i64> {
                let v = given(meta, k).with_context(|| {
                    format!(
                        "GMTSAR stack: no config.*.txt beside {} and no {k} given: give the \
                         looks with --meta ALOOKS=<n> --meta RLOOKS=<n> (MintPy's template \
                         keys ALOOKS/RLOOKS)",
                        prm.display()
                    )
                })?;
                v.trim()
                    .parse::<i64>()
                    .with_context(|| format!("{k} = '{v}' is not a whole number"))
            };
            (look("ALOOKS")?, look("RLOOKS")?)
        }
    };
    a.set("ALOOKS", alooks);
    a.set("RLOOKS", rlooks);
    let mut warning = None;
    match given(meta, "HEADING") {
        Some(h) => a.set("HEADING", h.to_lowercase()),
        None => {
            warning = Some(format!(
                "GMTSAR records no heading: HEADING is unknown for {} (give it with --meta \
                 HEADING=<degrees>, MintPy's template key HEADING)",
                prm.display()
            ))
        }
    }
    let az = az_px * alooks as f64;
    let rg = rg_px * rlooks as f64;
    a.set("AZIMUTH_PIXEL_SIZE", py_f64(az));
    a.set("RANGE_PIXEL_SIZE", py_f64(rg));
    let dir = a.get("ORBIT_DIRECTION").with_context(|| {
        format!(
            "GMTSAR PRM {} has no orbdir (MintPy's prep_gmtsar needs the orbit direction)",
            prm.display()
        )
    })?;
    let ascending = dir.to_uppercase().starts_with("ASC");
    corner_attrs(&mut a, &geo_first.grid, ascending);
    let g = &unw.grid;
    if !(1e-7..1.0).contains(&g.x_step.abs()) {
        bail!(
            "GMTSAR grid {} is not geocoded (pixel size {}): sbas reads the geocoded \
             unwrap_ll*.grd grids",
            unw.path().display(),
            g.x_step
        );
    }
    let near = num(&a, "STARTING_RANGE", prm)?;
    let rg_dist = near + rg * geo_first.grid.width as f64 / 2.;
    a.set("SLANT_RANGE_DISTANCE", py_f64(rg_dist));
    let re = num(&a, "EARTH_RADIUS", prm)?;
    let h = num(&a, "HEIGHT", prm)?;
    let inc = (std::f64::consts::PI
        - ((re * re + rg_dist * rg_dist - (re + h) * (re + h)) / (2. * re * rg_dist)).acos())
        * 180.
        / std::f64::consts::PI;
    a.set("INCIDENCE_ANGLE", py_f64(inc));
    standardize(&mut a);
    Ok((a, warning))
}

/// MintPy's `read_baseline_table`: the perpendicular baseline (m, float32) of each date of
/// `baseline_table.dat` (second column `YYYYDDD.fraction`, the fifth the baseline).
pub fn read_baseline_table(path: &Path) -> anyhow::Result<Vec<(Date, f32)>> {
    let text = read_text(path, "baseline table")?;
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        if line.trim().is_empty() || line.trim_start().starts_with('#') {
            continue;
        }
        let bad = |why: &str| {
            anyhow::anyhow!(
                "GMTSAR baseline table {} line {}: {why} (expected 'file_ID yyyyddd.fraction \
                 day_cnt b_para b_perp')",
                path.display(),
                n + 1
            )
        };
        let cols: Vec<&str> = line.split_whitespace().collect();
        if cols.len() < 5 {
            return Err(bad("fewer than 5 columns"));
        }
        let date = cols[1]
            .get(..7)
            .and_then(yyyyddd)
            .ok_or_else(|| bad(&format!("'{}' is not a date YYYYDDD.fraction", cols[1])))?;
        let b: f32 = cols[4]
            .parse()
            .map_err(|_| bad(&format!("b_perp '{}' is not a number", cols[4])))?;
        out.push((date, b));
    }
    if out.is_empty() {
        bail!("GMTSAR baseline table {} holds no dates", path.display());
    }
    Ok(out)
}

/// GMTSAR's `YYYYDDD` (day of year minus one), as MintPy's `ptime.yyyyddd2yyyymmdd`.
pub fn yyyyddd(s: &str) -> Option<Date> {
    if s.len() != 7 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let y: i32 = s[..4].parse().ok()?;
    let d: i32 = s[4..].parse().ok()?;
    Some(Date::from_ymd(y, 1, 1)?.add_days(d))
}

/// The pair of a GMTSAR interferogram folder `YYYYDDD_YYYYDDD` (or with `-`).
pub fn pair_of_folder(name: &str) -> Option<(Date, Date)> {
    let (a, b) = name.split_once(['_', '-'])?;
    Some((yyyyddd(a)?, yyyyddd(b)?))
}

/// MintPy's pair baseline: the secondary's minus the reference's, in float32.
pub fn pair_bperp(table: &[(Date, f32)], d1: Date, d2: Date, path: &Path) -> anyhow::Result<f32> {
    let b = |d: Date| -> anyhow::Result<f32> {
        table
            .iter()
            .find(|(x, _)| *x == d)
            .map(|(_, b)| *b)
            .with_context(|| {
                format!(
                    "GMTSAR baseline table {} has no date {d} (needed by the pair {d1}_{d2})",
                    path.display()
                )
            })
    };
    Ok(b(d2)? - b(d1)?)
}

/// `P_BASELINE_*_HDR` text of a pair baseline.
pub fn bperp_text(b: f32) -> String {
    py_f32(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_and_lines() {
        let d = |s| Date::parse(s).unwrap();
        assert_eq!(yyyyddd("2014364"), Some(d("20141231")));
        assert_eq!(yyyyddd("2015000"), Some(d("20150101")));
        assert_eq!(
            pair_of_folder("2015059_2015083"),
            Some((d("20150301"), d("20150325")))
        );
        assert_eq!(pair_of_folder("20150301_20150325"), None);
        let a = parse_prm("near_range\t\t= 845000.000000 \nbad line\nx = a = b\n");
        assert_eq!(a.get("near_range"), Some("845000.000000"));
        assert_eq!(a.get("x"), Some("a = b"));
    }
}
