//! Sentinel-1 IW (swath IW2) acquisition constants and the radar geometry of the simulated
//! scene: slant range, incidence and azimuth angles, latitude/longitude per pixel, and the
//! `reference/data.rsc` metadata MintPy's `prep_isce` would have extracted.

use crate::meta::pyfmt::py_f64;
use crate::meta::Attributes;

/// Radar wavelength of Sentinel-1 C band (m).
pub const WAVELENGTH: f64 = 0.05546576;
/// Slant range to the first (near-range) pixel (m).
pub const STARTING_RANGE: f64 = 845_000.0;
/// Full-resolution slant-range pixel spacing (m).
pub const RANGE_PIXEL_SIZE_FULL: f64 = 2.329562114715323;
/// Azimuth time between full-resolution lines (s).
pub const AZIMUTH_TIME_INTERVAL: f64 = 0.002055556299999998;
/// Satellite speed used for the azimuth pixel spacing (m/s).
pub const SATELLITE_SPEED: f64 = 7594.0;
/// Radar pulse repetition frequency (Hz).
pub const PRF: f64 = 1717.128973878037;
/// Heading of the ascending track (degrees, ENU convention, clockwise from north).
pub const HEADING: f64 = -12.239_471;
/// Local Earth radius of curvature (m).
pub const EARTH_RADIUS: f64 = 6_361_582.7;
/// Satellite altitude (m).
pub const HEIGHT: f64 = 693_000.0;
/// Seconds of day at mid-scene.
pub const CENTER_LINE_UTC: f64 = 6_606.5;
/// stackSentinel's default azimuth looks.
pub const ALOOKS: usize = 3;
/// stackSentinel's default range looks.
pub const RLOOKS: usize = 9;
/// IW2 resolutions from MintPy's sensor table (m).
pub const RANGE_RESOLUTION: f64 = 3.1;
/// IW2 azimuth resolution (m).
pub const AZIMUTH_RESOLUTION: f64 = 22.7;
/// Latitude and longitude of the first (near-range, first-line) pixel.
pub const ORIGIN_LAT_LON: (f64, f64) = (34.05, -118.35);

/// Full-resolution azimuth pixel spacing (m), as MintPy derives it: speed x line interval.
pub fn azimuth_pixel_size_full() -> f64 {
    SATELLITE_SPEED * AZIMUTH_TIME_INTERVAL
}

/// Multilooked range pixel spacing (m).
pub fn range_pixel_size() -> f64 {
    RANGE_PIXEL_SIZE_FULL * RLOOKS as f64
}

/// Multilooked azimuth pixel spacing (m).
pub fn azimuth_pixel_size() -> f64 {
    azimuth_pixel_size_full() * ALOOKS as f64
}

/// MintPy's number of independent looks for coherence:
/// `RLOOKS*ALOOKS / ((rgRes/rgPix) * (azRes/azPix))` with full-resolution spacings.
pub fn ncorrlooks() -> f64 {
    let rg = RANGE_RESOLUTION / RANGE_PIXEL_SIZE_FULL;
    let az = AZIMUTH_RESOLUTION / azimuth_pixel_size_full();
    (RLOOKS * ALOOKS) as f64 / (rg * az)
}

/// Slant range (m) of multilooked column `x`, as MintPy synthesises it.
pub fn slant_range(x: usize) -> f64 {
    STARTING_RANGE + range_pixel_size() * x as f64
}

/// Look angle at the satellite and incidence angle at the ground (radians) for slant range
/// `r`, on a sphere of radius [`EARTH_RADIUS`] seen from [`HEIGHT`].
pub fn look_and_incidence(r: f64) -> (f64, f64) {
    let re = EARTH_RADIUS;
    let rs = re + HEIGHT;
    let cos_look = (r * r + rs * rs - re * re) / (2.0 * r * rs);
    let look = cos_look.clamp(-1.0, 1.0).acos();
    let inc = (rs / re * look.sin()).clamp(-1.0, 1.0).asin();
    (look, inc)
}

/// Incidence angle (degrees) of column `x`.
pub fn incidence_deg(x: usize) -> f64 {
    look_and_incidence(slant_range(x)).1.to_degrees()
}

/// Azimuth angle of the ground-to-satellite LOS (degrees from north, anticlockwise), as
/// ISCE2 stores it in `los.rdr` band 2 for a right-looking sensor.
pub fn azimuth_angle_deg() -> f64 {
    90.0 - HEADING
}

/// Latitude and longitude (degrees) of pixel (row `y`, column `x`).
pub fn lat_lon(y: usize, x: usize) -> (f64, f64) {
    let (lat0, lon0) = ORIGIN_LAT_LON;
    // Ground distance across track from the Earth-centre angle between near range and x.
    let centre_angle = |r: f64| {
        let (look, inc) = look_and_incidence(r);
        inc - look
    };
    let across = EARTH_RADIUS * (centre_angle(slant_range(x)) - centre_angle(STARTING_RANGE));
    let along = azimuth_pixel_size() * y as f64;
    let h = HEADING.to_radians();
    // Along track points along the heading; a right-looking radar looks 90 degrees clockwise.
    let north = along * h.cos() + across * (h + std::f64::consts::FRAC_PI_2).cos();
    let east = along * h.sin() + across * (h + std::f64::consts::FRAC_PI_2).sin();
    let m_per_deg = 111_320.0;
    (
        lat0 + north / m_per_deg,
        lon0 + east / (m_per_deg * lat0.to_radians().cos()),
    )
}

/// The metadata of `reference/data.rsc`, with the keys and values MintPy 1.6.4's
/// `extract_isce_metadata` + `standardize_metadata` produce for a topsStack IW2 product
/// multilooked 3 x 9, for an image of `rows` x `cols` multilooked pixels.
pub fn reference_metadata(rows: usize, cols: usize, start_utc: &str, stop_utc: &str) -> Attributes {
    let mut a = Attributes::new();
    let f = py_f64;
    a.set("ALOOKS", ALOOKS);
    a.set("RLOOKS", RLOOKS);
    a.set("NCORRLOOKS", f(ncorrlooks()));
    a.set("AZIMUTH_PIXEL_SIZE", f(azimuth_pixel_size()));
    a.set("RANGE_PIXEL_SIZE", f(range_pixel_size()));
    a.set("CENTER_LINE_UTC", f(CENTER_LINE_UTC));
    a.set("EARTH_RADIUS", f(EARTH_RADIUS));
    a.set("HEADING", f(HEADING));
    a.set("HEIGHT", f(HEIGHT));
    a.set("LENGTH", rows);
    a.set("FILE_LENGTH", rows);
    a.set("WIDTH", cols);
    a.set("ORBIT_DIRECTION", "ASCENDING");
    a.set("PLATFORM", "Sen");
    a.set("POLARIZATION", "vv");
    a.set("PRF", f(PRF));
    a.set("STARTING_RANGE", f(STARTING_RANGE));
    a.set("WAVELENGTH", f(WAVELENGTH));
    a.set("PROCESSOR", "isce");
    a.set("ANTENNA_SIDE", "-1");
    // standardize_metadata adds the MintPy names and keeps the ISCE2 ones, so data.rsc
    // holds both spellings.
    a.set("prf", f(PRF));
    a.set("radarWavelength", f(WAVELENGTH));
    a.set("startingRange", f(STARTING_RANGE));
    a.set("passDirection", "ASCENDING");
    a.set("polarization", "vv");
    a.set("azimuthPixelSize", f(azimuth_pixel_size()));
    a.set("rangePixelSize", f(range_pixel_size()));
    a.set("earthRadius", f(EARTH_RADIUS));
    a.set("altitude", f(HEIGHT));
    a.set("swathNumber", "2");
    a.set("firstFrameNumber", "488");
    a.set("lastFrameNumber", "493");
    a.set("relative_orbit", "64");
    a.set("beam_mode", "IW");
    a.set("beam_swath", "2");
    a.set("first_frame", "488");
    a.set("last_frame", "493");
    a.set("trackNumber", "64");
    a.set("orbitNumber", "30587");
    a.set("startUTC", start_utc);
    a.set("stopUTC", stop_utc);
    a.set("satelliteSpeed", f(SATELLITE_SPEED));
    a.set("azimuthResolution", f(AZIMUTH_RESOLUTION));
    a.set("rangeResolution", f(RANGE_RESOLUTION));
    // Corners two rows inside the first and last rows, as extract_geometry_metadata takes them
    // (it reads the float64 lat/lon rasters and prints numpy scalars).
    let (r0, r1) = (2.min(rows - 1), rows.saturating_sub(3));
    let corners = [(r0, 0), (r0, cols - 1), (r1, 0), (r1, cols - 1)];
    for (i, &(y, x)) in corners.iter().enumerate() {
        let (lat, lon) = lat_lon(y, x);
        a.set(format!("LAT_REF{}", i + 1), f(lat));
        a.set(format!("LON_REF{}", i + 1), f(lon));
    }
    // MintPy reads it from the float32 los.rdr, so it prints a float32.
    let inc = format!("{}", incidence_deg(cols / 2) as f32);
    let inc = if inc.contains('.') {
        inc
    } else {
        format!("{inc}.0")
    };
    a.set("CENTER_INCIDENCE_ANGLE", inc);
    a
}

/// The metadata of a stripmapStack `referenceShelve/data.rsc` as MintPy 1.6.4's
/// `extract_stripmap_metadata` + `extract_geometry_metadata` + `standardize_metadata` write it:
/// [`reference_metadata`] without the TOPS burst and swath keys, `beam_mode = SM`.
pub fn stripmap_metadata(rows: usize, cols: usize, start_utc: &str, stop_utc: &str) -> Attributes {
    let mut a = reference_metadata(rows, cols, start_utc, stop_utc);
    for key in [
        "swathNumber",
        "firstFrameNumber",
        "lastFrameNumber",
        "beam_swath",
        "first_frame",
        "last_frame",
    ] {
        a.remove(key);
    }
    a.set("beam_mode", "SM");
    a
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn geometry_is_sentinel_like() {
        let inc0 = incidence_deg(0);
        let inc1 = incidence_deg(500);
        assert!(inc0 > 30.0 && inc0 < 46.0, "near incidence {inc0}");
        assert!(inc1 > inc0, "incidence grows with range");
        let n = ncorrlooks();
        assert!(n > 5.0 && n < 27.0, "NCORRLOOKS {n}");
        let (lat_a, lon_a) = lat_lon(0, 0);
        let (lat_b, lon_b) = lat_lon(100, 0);
        let (_, lon_c) = lat_lon(0, 100);
        assert!(lat_b > lat_a, "ascending: later lines are further north");
        assert!(lon_b < lon_a, "heading -12 drifts west");
        assert!(lon_c > lon_a, "right-looking ascending: range points east");
        assert!((azimuth_angle_deg() - 102.239471).abs() < 1e-9);
    }

    #[test]
    fn python_float_text() {
        let m = reference_metadata(40, 50, "2020-01-01 01:49:00", "2020-01-01 01:50:00");
        assert_eq!(m.get("WAVELENGTH"), Some("0.05546576"));
        assert_eq!(m.get("PLATFORM"), Some("Sen"));
        assert!(m.contains("LAT_REF4") && m.contains("CENTER_INCIDENCE_ANGLE"));
    }
}
