//! GAMMA parameter files (`.par` of an SLC/MLI, `.off` of an interferogram, `.diff_par`,
//! `.utm.dem.par`): `key:   value [unit]` lines under a few header lines, read into MintPy's
//! attributes as `readfile.read_gamma_par` does.
//!
//! What MintPy keeps, and so what sbas keeps: the first word of each value (`date: 2009 9 20
//! 22 2 31.61` gives `2009`, `radar_frequency: 5.405e9 Hz` gives `5.405e9`), every key under
//! its GAMMA name, plus MintPy's names derived from them: `LENGTH`/`WIDTH` (the last of the
//! line/sample keys in file order), `WAVELENGTH` from `radar_frequency`, `EARTH_RADIUS` and
//! `HEIGHT` from `earth_radius_below_sensor` and `sar_to_earth_center`, `PLATFORM` from
//! `sensor`, `ORBIT_DIRECTION` from `heading`, `ANTENNA_SIDE` from `azimuth_angle`, then the
//! standard names ([`super::std_keys`]).

use std::path::Path;

use anyhow::Context;

use super::std_keys::standardize;
use crate::meta::pyfmt::py_f64;
use crate::meta::Attributes;

/// Header lines MintPy skips in `.par` and `.off` files (the title line, a blank line and
/// `title:`).
pub const PAR_HEADER_LINES: usize = 3;

/// Speed of light (m/s), as MintPy converts `radar_frequency` to `WAVELENGTH`.
const SPEED_OF_LIGHT: f64 = 299_792_458.0;

/// Reads a GAMMA parameter file, skipping its first [`PAR_HEADER_LINES`] lines.
pub fn read_gamma_par(path: &Path) -> anyhow::Result<Attributes> {
    read_gamma_par_skipping(path, PAR_HEADER_LINES)
}

/// Reads a GAMMA parameter file, skipping its first `skip` lines (MintPy skips 1 in a
/// `.utm.dem.par`, 3 elsewhere).
pub fn read_gamma_par_skipping(path: &Path, skip: usize) -> anyhow::Result<Attributes> {
    let bytes = std::fs::read(path)
        .with_context(|| format!("cannot read GAMMA parameter file {}", path.display()))?;
    let text = String::from_utf8_lossy(&bytes);
    Ok(par_text(&text, skip))
}

/// Parses GAMMA parameter text (the entry point of the `gamma_par` fuzz target). Lines
/// without a `:`, `#`/`%` comments and keys without a value are skipped: MintPy would
/// stop on a key without a value, but no value is needed from such a line.
pub fn parse_gamma_par(text: &str) -> Attributes {
    par_text(text, PAR_HEADER_LINES)
}

/// The key-value pairs of `text` after `skip` lines, in file order.
fn pairs(text: &str, skip: usize) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for line in text.lines().skip(skip) {
        if line.starts_with(['%', '#']) {
            continue;
        }
        let Some((key, rest)) = line.trim().split_once(':') else {
            continue;
        };
        let key = key.trim();
        let value = rest.split('#').next().unwrap_or_default();
        let Some(first) = value.split_whitespace().next() else {
            continue;
        };
        if key.is_empty() {
            continue;
        }
        // A repeated key keeps its first place and its last value, as a Python dict does.
        match out.iter_mut().find(|(k, _)| k == key) {
            Some(kv) => kv.1 = first.to_string(),
            None => out.push((key.to_string(), first.to_string())),
        }
    }
    out
}

fn par_text(text: &str, skip: usize) -> Attributes {
    let kv = pairs(text, skip);
    let mut a = Attributes::new();
    for (k, v) in &kv {
        a.set(k.as_str(), v);
    }
    let last_with_prefix = |prefixes: &[&str]| {
        kv.iter()
            .rev()
            .find(|(k, _)| prefixes.iter().any(|p| k.starts_with(p)))
            .map(|(_, v)| v.clone())
    };
    if let Some(v) = last_with_prefix(&[
        "azimuth_lines",
        "nlines",
        "az_samp",
        "interferogram_azimuth_lines",
    ]) {
        a.set("LENGTH", v);
    }
    if let Some(v) = last_with_prefix(&["width", "range_samp", "interferogram_width"]) {
        a.set("WIDTH", v);
    }
    derived_values(&mut a);
    standardize(&mut a);
    a
}

/// MintPy's `_attribute_gamma2roipac` values computed from GAMMA keys (a key whose value is
/// not a number gives nothing, where MintPy would stop).
fn derived_values(a: &mut Attributes) {
    if let Some(f) = a.get_f64_opt("radar_frequency") {
        a.set("WAVELENGTH", py_f64(SPEED_OF_LIGHT / f));
    }
    if let Some(re) = a.get_f64_opt("earth_radius_below_sensor") {
        a.set("EARTH_RADIUS", py_f64(re));
        if let Some(rs) = a.get_f64_opt("sar_to_earth_center") {
            a.set("HEIGHT", py_f64(rs - re));
        }
    }
    if let Some(s) = a.get("sensor").map(str::to_string) {
        a.set("PLATFORM", s);
    }
    if let Some(h) = a.get_f64_opt("heading") {
        let ascending = (270.0 < h && h < 360.0) || (-90.0 < h && h < 90.0);
        a.set(
            "ORBIT_DIRECTION",
            if ascending { "ascending" } else { "descending" },
        );
    }
    if let Some(az) = a.get_f64_opt("azimuth_angle") {
        a.set(
            "ANTENNA_SIDE",
            if 0.0 < az && az < 180.0 { "-1" } else { "1" },
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The head of a real TerraSAR-X SLC parameter file (seen quoted in a public IDL reader,
    /// `find_string` id 7874052987): first word of each value, `date` with six words.
    const TSX: &str = "Gamma Interferometric SAR Processor (ISP) - Image Parameter File\n\
        \n\
        title:     SSC____SM_S\n\
        sensor:    TSX-1\n\
        date:      2009 9 20 22 2 31.6100\n\
        center_time:            79355.414869   s\n\
        range_samples:                  3150\n\
        azimuth_lines:                  2250\n\
        range_looks:                       1\n\
        azimuth_looks:                     1\n\
        image_format:               SCOMPLEX\n\
        heading:                 190.7709114   degrees\n\
        range_pixel_spacing:        0.909403   m\n\
        azimuth_pixel_spacing:      1.966905   m\n\
        near_range_slc:           562804.6249   m\n\
        azimuth_angle:               90.0000   degrees\n\
        radar_frequency:        9.6500000e+09   Hz\n\
        prf:                     3607.081408   Hz\n\
        doppler_polynomial:         -3.78752  0.00000e+00  0.00000e+00  0.00000e+00  Hz     Hz/m\n\
        sar_to_earth_center:             6884232.8404   m\n\
        earth_radius_below_sensor:       6372623.3859   m\n";

    #[test]
    fn a_real_slc_par_gives_mintpys_attributes() {
        let a = parse_gamma_par(TSX);
        assert!(!a.contains("title"), "the header lines are skipped");
        assert_eq!(a.get("date"), Some("2009"));
        assert_eq!(a.get("PLATFORM"), Some("TSX-1"));
        assert_eq!(a.get("LENGTH"), Some("2250"));
        assert_eq!(a.get("WIDTH"), Some("3150"));
        // str(299792458 / 9.65e9) in Python.
        assert_eq!(a.get("WAVELENGTH"), Some("0.03106657595854922"));
        assert_eq!(a.get("EARTH_RADIUS"), Some("6372623.3859"));
        assert_eq!(a.get("HEIGHT"), Some("511609.4545"));
        assert_eq!(a.get("ORBIT_DIRECTION"), Some("descending"));
        assert_eq!(a.get("ANTENNA_SIDE"), Some("-1"));
        assert_eq!(a.get("HEADING"), Some("190.7709114"));
        assert_eq!(a.get("CENTER_LINE_UTC"), Some("79355.414869"));
        assert_eq!(a.get("STARTING_RANGE"), Some("562804.6249"));
        assert_eq!(a.get("RANGE_PIXEL_SIZE"), Some("0.909403"));
        assert_eq!(a.get("AZIMUTH_PIXEL_SIZE"), Some("1.966905"));
        assert_eq!(a.get("PRF"), Some("3607.081408"));
        assert_eq!(a.get("ALOOKS"), Some("1"));
        assert_eq!(a.get("DATA_TYPE"), Some("SCOMPLEX"));
        assert_eq!(a.get("doppler_polynomial"), Some("-3.78752"));
    }

    #[test]
    fn the_last_size_key_wins_and_odd_lines_are_skipped() {
        let text = "h\n\nt\nrange_samp_1: 10\naz_samp_1: 20\nrange_samp_2: 11\naz_samp_2: 21\n\
                    # c: 1\nno colon here\nempty:\n:7\nheading: abc\n";
        let a = parse_gamma_par(text);
        assert_eq!((a.get("LENGTH"), a.get("WIDTH")), (Some("21"), Some("11")));
        assert!(!a.contains("empty") && !a.contains("# c") && !a.contains("ORBIT_DIRECTION"));
        let a = parse_gamma_par("");
        assert!(a.is_empty());
    }

    #[test]
    fn a_missing_file_is_named() {
        let e = read_gamma_par(Path::new("/nonexistent/x.off")).unwrap_err();
        assert!(format!("{e:#}").contains("/nonexistent/x.off"), "{e:#}");
    }
}
