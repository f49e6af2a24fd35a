//! MintPy's standard metadata names (`readfile.STD_METADATA_KEYS`): each processor's own
//! spelling of a value (`range_pixel_spacing`, `near_range_slc`, `FILE_LENGTH`, ...) also
//! stored under MintPy's name, as `readfile.standardize_metadata` does after every header read.

use crate::meta::Attributes;

/// MintPy's name, then the processor spellings it takes, the first present winning.
const STANDARD_KEYS: &[(&str, &[&str])] = &[
    ("ALOOKS", &["azimuth_looks"]),
    ("RLOOKS", &["range_looks"]),
    (
        "AZIMUTH_PIXEL_SIZE",
        &[
            "azimuthPixelSize",
            "azimuth_pixel_spacing",
            "az_pixel_spacing",
            "azimuth_spacing",
        ],
    ),
    (
        "RANGE_PIXEL_SIZE",
        &[
            "rangePixelSize",
            "range_pixel_spacing",
            "rg_pixel_spacing",
            "range_spacing",
        ],
    ),
    ("CENTER_LINE_UTC", &["center_time"]),
    ("DATA_TYPE", &["dataType", "data_type", "image_format"]),
    (
        "EARTH_RADIUS",
        &["earthRadius", "earth_radius_below_sensor", "earth_radius"],
    ),
    ("HEADING", &["HEADING_DEG", "heading", "centre_heading"]),
    ("HEIGHT", &["altitude", "SC_height"]),
    ("BANDS", &["number_bands", "bands"]),
    ("INTERLEAVE", &["scheme", "interleave"]),
    (
        "LENGTH",
        &[
            "length",
            "FILE_LENGTH",
            "lines",
            "azimuth_lines",
            "nlines",
            "az_samp",
            "interferogram_azimuth_lines",
            "num_output_lines",
        ],
    ),
    ("LAT_REF1", &["first_near_lat"]),
    ("LON_REF1", &["first_near_long"]),
    ("LAT_REF2", &["first_far_lat"]),
    ("LON_REF2", &["first_far_long"]),
    ("LAT_REF3", &["last_near_lat"]),
    ("LON_REF3", &["last_near_long"]),
    ("LAT_REF4", &["last_far_lat"]),
    ("LON_REF4", &["last_far_long"]),
    ("ORBIT_DIRECTION", &["passDirection", "pass"]),
    ("NO_DATA_VALUE", &["NoDataValue"]),
    ("PLATFORM", &["spacecraftName", "sensor", "mission"]),
    ("POLARIZATION", &["polarization"]),
    ("PRF", &["prf", "pulse_repetition_frequency"]),
    (
        "STARTING_RANGE",
        &[
            "startingRange",
            "near_range_slc",
            "near_range",
            "slant_range_to_first_pixel",
        ],
    ),
    (
        "WAVELENGTH",
        &[
            "wavelength",
            "Wavelength",
            "radarWavelength",
            "radar_wavelength",
        ],
    ),
    (
        "WIDTH",
        &[
            "width",
            "Width",
            "samples",
            "range_samp",
            "interferogram_width",
            "num_samples_per_line",
        ],
    ),
    ("REF_DATE", &["ref_date"]),
    ("REF_LAT", &["ref_lat"]),
    ("REF_LON", &["ref_lon"]),
    ("REF_X", &["ref_x"]),
    ("REF_Y", &["ref_y"]),
    ("SUBSET_XMIN", &["subset_x0"]),
    ("SUBSET_XMAX", &["subset_x1"]),
    ("SUBSET_YMIN", &["subset_y0"]),
    ("SUBSET_YMAX", &["subset_y1"]),
    ("X_FIRST", &["corner_lon", "corner_east"]),
    ("Y_FIRST", &["corner_lat", "corner_north"]),
    ("X_STEP", &["post_lon", "post_east"]),
    ("Y_STEP", &["post_lat", "post_north"]),
];

/// Adds MintPy's name of every value given only under a processor's spelling (keys already
/// present are kept; the processor spellings stay too, as in MintPy's files).
pub fn standardize(attrs: &mut Attributes) {
    for (std_key, spellings) in STANDARD_KEYS {
        if attrs.contains(std_key) {
            continue;
        }
        // A spelling that is itself a standard name is not a candidate (MintPy's rule).
        let found = spellings
            .iter()
            .filter(|s| !STANDARD_KEYS.iter().any(|(k, _)| k == *s))
            .find_map(|s| attrs.get(s).map(str::to_string));
        if let Some(v) = found {
            attrs.set(*std_key, v);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_spelling_present_wins_and_existing_keys_stay() {
        let mut a = Attributes::new();
        a.set("near_range", "2");
        a.set("near_range_slc", "1");
        a.set("FILE_LENGTH", "10");
        a.set("WIDTH", "5");
        a.set("width", "6");
        standardize(&mut a);
        assert_eq!(a.get("STARTING_RANGE"), Some("1"));
        assert_eq!(a.get("LENGTH"), Some("10"));
        assert_eq!(a.get("WIDTH"), Some("5"));
        assert_eq!(a.get("near_range"), Some("2"), "spellings are kept");
        assert!(!a.contains("PRF"));
    }
}
