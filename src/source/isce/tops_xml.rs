//! Acquisition metadata from an ISCE2 topsStack burst product XML (`reference/IW*.xml`),
//! without ISCE2: the keys MintPy's `extract_tops_metadata` harvests, under MintPy's names.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{bail, Context};

use crate::meta::pyfmt::py_f64;
use crate::meta::{Attributes, Date};
use crate::source::raster::isce_xml::properties;

/// Sentinel-1 IW resolutions (range, azimuth) in metres, by swath (MintPy's sensor table).
pub fn iw_resolution(swath: &str) -> (f64, f64) {
    match swath {
        "IW1" => (2.7, 22.5),
        "IW3" => (3.5, 22.6),
        _ => (3.1, 22.7),
    }
}

/// MintPy's sensor-name standardisation for the names a TOPS product carries: lower case
/// without `-`/`_`, Sentinel-1 spellings mapped to `sen`.
fn standard_sensor_name(name: &str) -> String {
    let n: String = name
        .trim()
        .chars()
        .filter(|c| *c != '-' && *c != '_')
        .collect::<String>()
        .to_lowercase();
    const SENTINEL1: [&str; 8] = [
        "sen",
        "s1",
        "s1a",
        "s1b",
        "sent1",
        "sentinel1",
        "sentinel1a",
        "sentinel1b",
    ];
    if SENTINEL1.contains(&n.as_str()) {
        "sen".to_string()
    } else {
        n
    }
}

/// A UTC time as seconds since 1970-01-01 plus its seconds of day (whole seconds, as
/// MintPy's `CENTER_LINE_UTC` uses `datetime.second`).
#[derive(Debug, Clone, Copy)]
struct Utc {
    epoch_s: f64,
    whole_sec_of_day: f64,
}

fn parse_utc(text: &str) -> Option<Utc> {
    let t = text.trim();
    let (date, time) = t.split_once([' ', 'T'])?;
    let mut d = date.split('-');
    let y: i32 = d.next()?.parse().ok()?;
    // Years far outside the satellite era would overflow the day arithmetic.
    if !(1..=9999).contains(&y) {
        return None;
    }
    let m: u32 = d.next()?.parse().ok()?;
    let dd: u32 = d.next()?.parse().ok()?;
    let date = Date::from_ymd(y, m, dd)?;
    let mut tp = time.split(':');
    let h: f64 = tp.next()?.parse().ok()?;
    let mi: f64 = tp.next()?.parse().ok()?;
    let s: f64 = tp.next()?.trim_end_matches('Z').parse().ok()?;
    let sod = h * 3600.0 + mi * 60.0 + s;
    Some(Utc {
        epoch_s: date.days_since_epoch() as f64 * 86400.0 + sod,
        whole_sec_of_day: h * 3600.0 + mi * 60.0 + s.floor(),
    })
}

fn parse_vec3(text: &str) -> Option<[f64; 3]> {
    let v: Vec<f64> = text
        .trim()
        .trim_start_matches('[')
        .trim_end_matches(']')
        .split([',', ' '])
        .filter(|s| !s.is_empty())
        .map(|s| s.parse::<f64>())
        .collect::<Result<_, _>>()
        .ok()?;
    (v.len() == 3).then(|| [v[0], v[1], v[2]])
}

/// One orbit state vector.
#[derive(Debug, Clone, Copy)]
struct StateVector {
    t: f64,
    pos: [f64; 3],
    vel: [f64; 3],
}

fn state_vectors(node: roxmltree::Node) -> Vec<StateVector> {
    let mut out: Vec<StateVector> = node
        .descendants()
        .filter(|n| n.is_element())
        .filter_map(|n| {
            let p = properties(n);
            Some(StateVector {
                t: parse_utc(p.get("time")?)?.epoch_s,
                pos: parse_vec3(p.get("position")?)?,
                vel: parse_vec3(p.get("velocity")?)?,
            })
        })
        .collect();
    out.sort_by(|a, b| a.t.total_cmp(&b.t));
    out
}

/// Position and velocity at time `t` from the cubic Hermite polynomial (positions and
/// velocities at both ends) through the two state vectors around `t`; the velocity is its
/// derivative, far closer to the truth than a linear blend of the two velocities.
fn interpolate(sv: &[StateVector], t: f64) -> Option<([f64; 3], [f64; 3])> {
    let i = sv.windows(2).position(|w| w[0].t <= t && t <= w[1].t)?;
    let (a, b) = (sv[i], sv[i + 1]);
    let h = b.t - a.t;
    if h <= 0.0 {
        return Some((a.pos, a.vel));
    }
    let s = (t - a.t) / h;
    let (h00, h10, h01, h11) = (
        2.0 * s * s * s - 3.0 * s * s + 1.0,
        s * s * s - 2.0 * s * s + s,
        -2.0 * s * s * s + 3.0 * s * s,
        s * s * s - s * s,
    );
    let mut pos = [0.0; 3];
    let mut vel = [0.0; 3];
    let (d00, d10, d01, d11) = (
        6.0 * s * s - 6.0 * s,
        3.0 * s * s - 4.0 * s + 1.0,
        -6.0 * s * s + 6.0 * s,
        3.0 * s * s - 2.0 * s,
    );
    for k in 0..3 {
        pos[k] = h00 * a.pos[k] + h10 * h * a.vel[k] + h01 * b.pos[k] + h11 * h * b.vel[k];
        vel[k] = (d00 * a.pos[k] + d01 * b.pos[k]) / h + d10 * a.vel[k] + d11 * b.vel[k];
    }
    Some((pos, vel))
}

const WGS84_A: f64 = 6378137.0;
const WGS84_E2: f64 = 0.0066943799901;

/// Geodetic latitude, longitude (radians) and height (m) of an ECEF point on WGS84.
fn ecef_to_llh(p: [f64; 3]) -> (f64, f64, f64) {
    let lon = p[1].atan2(p[0]);
    let r = (p[0] * p[0] + p[1] * p[1]).sqrt();
    let mut lat = p[2].atan2(r * (1.0 - WGS84_E2));
    let mut h = 0.0;
    for _ in 0..10 {
        let n = WGS84_A / (1.0 - WGS84_E2 * lat.sin().powi(2)).sqrt();
        h = r / lat.cos() - n;
        lat = p[2].atan2(r * (1.0 - WGS84_E2 * n / (n + h)));
    }
    (lat, lon, h)
}

/// Heading (degrees clockwise from north), local radius of curvature along it, and
/// altitude of a satellite at `pos` moving with `vel`.
fn heading_radius_height(pos: [f64; 3], vel: [f64; 3]) -> (f64, f64, f64) {
    let (lat, lon, h) = ecef_to_llh(pos);
    let (sl, cl, so, co) = (lat.sin(), lat.cos(), lon.sin(), lon.cos());
    let ve = -so * vel[0] + co * vel[1];
    let vn = -sl * co * vel[0] - sl * so * vel[1] + cl * vel[2];
    let hdg = ve.atan2(vn);
    let w = (1.0 - WGS84_E2 * sl * sl).sqrt();
    let re = WGS84_A / w;
    let rn = WGS84_A * (1.0 - WGS84_E2) / (w * w * w);
    let rad = re * rn / (re * hdg.cos().powi(2) + rn * hdg.sin().powi(2));
    (hdg.to_degrees(), rad, h)
}

/// Reads MintPy's acquisition keys from a topsStack burst product XML. `WAVELENGTH` is
/// required; the rest is set where the XML holds it. Also sets `rangeResolution` and
/// `azimuthResolution` from the swath named by the file (`IW1.xml` ...; IW2 otherwise).
pub fn read_tops_xml(path: &Path) -> anyhow::Result<Attributes> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read ISCE product XML {}", path.display()))?;
    tops_xml_text(&text, path)
}

/// The swath number of the first burst of a topsStack burst product XML, if it has one.
pub fn read_swath_number(path: &Path) -> anyhow::Result<Option<u32>> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read ISCE product XML {}", path.display()))?;
    let doc = roxmltree::Document::parse(&text)
        .with_context(|| format!("malformed ISCE product XML {}", path.display()))?;
    let mut bursts: Vec<(roxmltree::Node, BTreeMap<String, String>)> = doc
        .descendants()
        .filter(|n| n.is_element())
        .map(|n| (n, properties(n)))
        .filter(|(_, p)| p.contains_key("radarwavelength"))
        .collect();
    sort_bursts(&mut bursts);
    Ok(bursts
        .first()
        .and_then(|(_, p)| p.get("swathnumber"))
        .and_then(|v| v.trim().parse().ok()))
}

/// Reads MintPy's acquisition keys from a burst product XML given as text (messages name the
/// text `<string>`; the swath is taken as IW2). The entry point of the `tops_xml` fuzz target.
pub fn parse_tops_xml(text: &str) -> anyhow::Result<Attributes> {
    tops_xml_text(text, Path::new("<string>"))
}

/// Reads the burst product XML `text` read from `path` (whose name gives the swath).
fn tops_xml_text(text: &str, path: &Path) -> anyhow::Result<Attributes> {
    let doc = roxmltree::Document::parse(text)
        .with_context(|| format!("malformed ISCE product XML {}", path.display()))?;
    // Bursts are the elements holding a radarwavelength property, in document order.
    let mut bursts: Vec<(roxmltree::Node, BTreeMap<String, String>)> = doc
        .descendants()
        .filter(|n| n.is_element())
        .map(|n| (n, properties(n)))
        .filter(|(_, p)| p.contains_key("radarwavelength"))
        .collect();
    sort_bursts(&mut bursts);
    let Some((first_node, first)) = bursts.first() else {
        bail!(
            "ISCE product XML {} has no 'radarwavelength' property (no burst found)",
            path.display()
        );
    };
    let last = &bursts[bursts.len() - 1].1;
    let mut a = burst_keys(first, last);
    if !a
        .get_f64_opt("WAVELENGTH")
        .is_some_and(|v| v.is_finite() && v > 0.0)
    {
        bail!(
            "ISCE product XML {}: radarwavelength '{}' is not a positive number",
            path.display(),
            a.get("WAVELENGTH").unwrap_or_default()
        );
    }
    let file_stem = path
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or_default()
        .to_string();
    let platform = doc
        .descendants()
        .filter(|n| n.is_element())
        .find_map(|n| properties(n).get("spacecraftname").cloned());
    match platform {
        Some(p) if !p.trim().is_empty() => a.set("PLATFORM", standard_sensor_name(&p)),
        _ if file_stem.starts_with("IW") => a.set("PLATFORM", "sen"),
        _ => {}
    }
    set_orbit_keys(&mut a, &doc, *first_node, first);
    let swath = if file_stem.starts_with("IW") {
        file_stem.as_str()
    } else {
        "IW2"
    };
    let (rg, az) = iw_resolution(swath);
    a.set("rangeResolution", py_f64(rg));
    a.set("azimuthResolution", py_f64(az));
    a.set("beam_mode", "IW");
    Ok(a)
}

/// Puts bursts in acquisition order. ISCE2 writes 10 or more bursts in text order of their
/// component names (`burst1`, `burst10`, `burst11`, ..., `burst2`), so document order is not
/// time order: sort by the number of the name when every burst has one, else by start time
/// when every burst has one, else keep document order.
fn sort_bursts(bursts: &mut [(roxmltree::Node, BTreeMap<String, String>)]) {
    let number = |n: &roxmltree::Node| -> Option<u32> {
        let name = n.attribute("name")?.trim().to_ascii_lowercase();
        name.strip_prefix("burst")?.parse().ok()
    };
    let start = |p: &BTreeMap<String, String>| {
        p.get("burststartutc")
            .or_else(|| p.get("sensingstart"))
            .and_then(|t| parse_utc(t))
            .map(|u| u.epoch_s)
    };
    if bursts.iter().all(|(n, _)| number(n).is_some()) {
        bursts.sort_by_key(|(n, _)| number(n));
    } else if bursts.iter().all(|(_, p)| start(p).is_some()) {
        bursts.sort_by(|a, b| {
            let (x, y) = (start(&a.1).unwrap_or(0.0), start(&b.1).unwrap_or(0.0));
            x.total_cmp(&y)
        });
    }
}

/// The keys copied from the properties of the first burst (the stop time from the last one),
/// numbers as Python prints the floats ISCE2 parsed.
fn burst_keys(first: &BTreeMap<String, String>, last: &BTreeMap<String, String>) -> Attributes {
    let mut a = Attributes::new();
    let mut copy = |from: &BTreeMap<String, String>, key: &str, to: &str| {
        if let Some(v) = from.get(key) {
            a.set(to, v.trim());
        }
    };
    // ISCE2 writes the PRF under its public name.
    copy(first, "pulserepetitionfrequency", "PRF");
    copy(first, "prf", "PRF");
    copy(first, "burststartutc", "startUTC");
    copy(last, "burststoputc", "stopUTC");
    copy(first, "radarwavelength", "WAVELENGTH");
    copy(first, "startingrange", "STARTING_RANGE");
    copy(first, "passdirection", "ORBIT_DIRECTION");
    copy(first, "polarization", "POLARIZATION");
    copy(first, "tracknumber", "trackNumber");
    copy(first, "orbitnumber", "orbitNumber");
    copy(first, "rangepixelsize", "RANGE_PIXEL_SIZE");
    copy(first, "swathnumber", "beam_swath");
    for (k, to) in [
        ("heading", "HEADING"),
        ("earthradius", "EARTH_RADIUS"),
        ("altitude", "HEIGHT"),
        ("spacecraftheight", "HEIGHT"),
    ] {
        copy(first, k, to);
    }
    for key in ["PRF", "WAVELENGTH", "STARTING_RANGE", "RANGE_PIXEL_SIZE"] {
        if let Some(v) = a.get_f64_opt(key) {
            a.set(key, py_f64(v));
        }
    }
    a
}

/// Sets the keys that come from the orbit at the first burst's mid time (centre line time,
/// speed, heading, earth radius, height) and the azimuth pixel size. The burst's own state
/// vectors are used when it has two or more, else those of the whole document.
fn set_orbit_keys(
    a: &mut Attributes,
    doc: &roxmltree::Document,
    first_node: roxmltree::Node,
    first: &BTreeMap<String, String>,
) {
    let mid = first
        .get("sensingmid")
        .and_then(|t| parse_utc(t))
        .or_else(|| {
            let s = parse_utc(first.get("sensingstart")?)?;
            let e = parse_utc(first.get("sensingstop")?)?;
            let t = 0.5 * (s.epoch_s + e.epoch_s);
            Some(Utc {
                epoch_s: t,
                whole_sec_of_day: (t.rem_euclid(86400.0)).floor(),
            })
        });
    if let Some(mid) = mid {
        a.set("CENTER_LINE_UTC", py_f64(mid.whole_sec_of_day));
        let sv = state_vectors(first_node);
        let sv = if sv.len() >= 2 {
            sv
        } else {
            state_vectors(doc.root_element())
        };
        if let Some((pos, vel)) = interpolate(&sv, mid.epoch_s) {
            let speed = (vel[0] * vel[0] + vel[1] * vel[1] + vel[2] * vel[2]).sqrt();
            a.set("satelliteSpeed", py_f64(speed));
            let (hdg, rad, h) = heading_radius_height(pos, vel);
            a.set("HEADING", py_f64(hdg));
            a.set("EARTH_RADIUS", py_f64(rad));
            a.set("HEIGHT", py_f64(h));
        }
    }
    // Without an orbit, a product that states the speed still gives the azimuth pixel size.
    if !a.contains("satelliteSpeed") {
        if let Some(v) = first
            .get("satellitespeed")
            .and_then(|v| v.trim().parse::<f64>().ok())
        {
            a.set("satelliteSpeed", py_f64(v));
        }
    }
    let dt = first
        .get("azimuthtimeinterval")
        .and_then(|v| v.trim().parse::<f64>().ok());
    if let (Some(speed), Some(dt)) = (a.get_f64_opt("satelliteSpeed"), dt) {
        a.set("AZIMUTH_PIXEL_SIZE", py_f64(speed * dt));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sensor_names_as_mintpy() {
        assert_eq!(standard_sensor_name("Sentinel-1A"), "sen");
        assert_eq!(standard_sensor_name("S1B"), "sen");
        assert_eq!(standard_sensor_name("ALOS_2"), "alos2");
    }

    #[test]
    fn hermite_velocity_follows_a_circular_orbit() {
        let (r, w) = (7.07e6, 2.0 * std::f64::consts::PI / 5900.0);
        let at = |t: f64| StateVector {
            t,
            pos: [r * (w * t).cos(), 0.0, r * (w * t).sin()],
            vel: [-r * w * (w * t).sin(), 0.0, r * w * (w * t).cos()],
        };
        let (pos, vel) = interpolate(&[at(0.0), at(10.0)], 5.0).unwrap();
        let truth = at(5.0);
        for k in 0..3 {
            assert!((pos[k] - truth.pos[k]).abs() < 1e-2, "{pos:?}");
            assert!((vel[k] - truth.vel[k]).abs() < 1e-3, "{vel:?}");
        }
        assert!(interpolate(&[at(0.0), at(10.0)], 11.0).is_none());
    }

    #[test]
    fn llh_and_heading_of_a_polar_orbit() {
        // Over the equator at 700 km, moving due north.
        let pos = [WGS84_A + 700e3, 0.0, 0.0];
        let (lat, lon, h) = ecef_to_llh(pos);
        assert!(lat.abs() < 1e-9 && lon.abs() < 1e-12 && (h - 700e3).abs() < 1e-6);
        let (hdg, rad, _) = heading_radius_height(pos, [0.0, 0.0, 7500.0]);
        assert!(hdg.abs() < 1e-9);
        // North-south radius of curvature at the equator: a (1 - e2).
        assert!((rad - WGS84_A * (1.0 - WGS84_E2)).abs() < 1e-6);
        let (hdg, _, _) = heading_radius_height(pos, [0.0, -7500.0, -10.0]);
        assert!(
            (hdg + 90.0).abs() < 0.1 || (hdg - 270.0).abs() < 0.1,
            "{hdg}"
        );
    }

    fn burst(wavelength: &str, mid: &str) -> String {
        format!(
            r#"<product><component name="burst1">
            <property name="radarwavelength"><value>{wavelength}</value></property>
            <property name="sensingmid"><value>{mid}</value></property>
            <property name="azimuthtimeinterval"><value>0.002</value></property>
            <component name="orbit"><component name="sv1">
              <property name="time"><value>{mid}</value></property>
              <property name="position"><value>[7000000.0, 0.0, 0.0]</value></property>
              <property name="velocity"><value>[0.0, 0.0, 7500.0]</value></property>
            </component></component></component></product>"#
        )
    }

    /// A swath product of `n` bursts in ISCE2's text order of names (burst1, burst10, ...,
    /// burst2: seen in the issue's real files; MintPy 1.6.4 `utils/isce_utils.py`
    /// `extract_tops_metadata` takes `bursts[0]` / `bursts[-1]` of the product ISCE2 loads, in
    /// burst order). Burst k starts at second 10 + 3k and has swath number `swath`; the PRF is
    /// under ISCE2's public name `pulserepetitionfrequency`.
    fn swath_product(n: usize, swath: u32) -> String {
        let mut names: Vec<String> = (1..=n).map(|k| format!("burst{k}")).collect();
        names.sort();
        let bursts: String = names
            .iter()
            .map(|name| {
                let k: usize = name[5..].parse().unwrap();
                format!(
                    r#"<component name="{name}">
                    <property name="radarwavelength"><value>0.05546576</value></property>
                    <property name="pulserepetitionfrequency"><value>486.486</value></property>
                    <property name="swathnumber"><value>{swath}</value></property>
                    <property name="burststartutc"><value>2020-01-01 01:50:{:02}.0</value></property>
                    <property name="burststoputc"><value>2020-01-01 01:50:{:02}.5</value></property>
                    </component>"#,
                    10 + 3 * k,
                    12 + 3 * k
                )
            })
            .collect();
        format!("<productmanager_name><component name=\"instance\"><component name=\"bursts\">{bursts}</component></component></productmanager_name>")
    }

    #[test]
    fn ten_or_more_bursts_are_taken_in_burst_order() {
        let a = parse_tops_xml(&swath_product(12, 2)).unwrap();
        assert_eq!(a.get("startUTC"), Some("2020-01-01 01:50:13.0"));
        assert_eq!(a.get("stopUTC"), Some("2020-01-01 01:50:48.5"));
        assert_eq!(a.get("PRF"), Some("486.486"));
        assert_eq!(a.get("beam_swath"), Some("2"));
    }

    #[test]
    fn several_swaths_join_their_numbers() {
        let dir = tempfile::tempdir().unwrap();
        for s in [3, 1, 2] {
            std::fs::write(dir.path().join(format!("IW{s}.xml")), swath_product(10, s)).unwrap();
        }
        assert_eq!(
            read_swath_number(&dir.path().join("IW3.xml")).unwrap(),
            Some(3)
        );
        let g = {
            let mut g = crate::source::layout::LoadGlobs::new();
            g.set(
                crate::source::layout::LoadKey::Meta,
                dir.path().join("IW*.xml").to_string_lossy(),
            );
            g
        };
        let meta = super::super::metadata::MetaFiles::find(&g).unwrap();
        let a = super::super::metadata::stack_metadata(&meta, dir.path(), 4, 5, |_| None).unwrap();
        assert_eq!(a.get("beam_swath"), Some("123"));
        assert_eq!(a.get("stopUTC"), Some("2020-01-01 01:50:42.5"));
    }

    #[test]
    fn bad_times_and_wavelengths_never_panic() {
        let a = parse_tops_xml(&burst("0.0555", "2020-01-01 01:50:06.5")).unwrap();
        assert_eq!(a.get("CENTER_LINE_UTC"), Some("6606.0"));
        // Regression: a year beyond i32 day arithmetic overflowed (a panic with overflow
        // checks on); such a time is now unreadable and ignored.
        for mid in [
            "99999999-01-01 00:00:00",
            "-2147483648-01-01 0:0:0",
            "2020-13-01 0:0:0",
        ] {
            let a = parse_tops_xml(&burst("0.0555", mid)).unwrap();
            assert!(!a.contains("CENTER_LINE_UTC"), "{mid}");
        }
        let a = parse_tops_xml(&burst("0.0555", "2020-01-01 nan:inf:1e309")).unwrap();
        assert!(a.get_f64_opt("WAVELENGTH").is_some());
        for wl in ["0", "-1", "nan", "inf", "x"] {
            let e = parse_tops_xml(&burst(wl, "2020-01-01 0:0:0")).unwrap_err();
            assert!(e.to_string().contains("radarwavelength"), "{e}");
        }
    }
}
