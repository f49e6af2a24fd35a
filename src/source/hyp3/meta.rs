//! HyP3 metadata: the per-product `.txt` file, and the attributes MintPy 1.6.4's `prep_hyp3`
//! builds from it and the GeoTIFF's grid (its `read_gdal_vrt` + `add_hyp3_metadata`), with the
//! same keys and the same text for every value.

use std::collections::HashMap;
use std::path::Path;

use anyhow::{bail, Context};

use super::name::{beam_swath, JobType, ProductName};
use crate::geo::grid::MapGrid;
use crate::meta::pyfmt::py_f64;
use crate::meta::Attributes;
use crate::source::map_stack::{corner_attrs, grid_attrs, py_mod};

/// Sentinel-1's carrier frequency (Hz) and pixel sizes (m), MintPy's `sensor.SEN` values.
const CARRIER_FREQUENCY: f64 = 5.405e9;
const SPEED_OF_LIGHT: f64 = 299_792_458.0;
const RANGE_PIXEL_SIZE: f64 = 2.3;
const AZIMUTH_PIXEL_SIZE: f64 = 14.1;

/// A product's `.txt` metadata: keys with their spaces removed (`UTCtime`, `Azimuthlooks`),
/// values up to a second colon, as MintPy parses them.
#[derive(Debug, Clone, Default)]
pub struct Hyp3Text {
    values: HashMap<String, String>,
    file: String,
}

impl Hyp3Text {
    /// Parses the text of file `file` (named in errors).
    pub fn parse(text: &str, file: &Path) -> Hyp3Text {
        let mut values = HashMap::new();
        for line in text.lines() {
            let squeezed: String = line.trim().chars().filter(|&c| c != ' ').collect();
            let mut parts = squeezed.split(':');
            if let (Some(k), Some(v)) = (parts.next(), parts.next()) {
                values.insert(k.to_string(), v.to_string());
            }
        }
        Hyp3Text {
            values,
            file: file.display().to_string(),
        }
    }

    /// Reads and parses `path`.
    pub fn read(path: &Path) -> anyhow::Result<Hyp3Text> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read HyP3 metadata {}", path.display()))?;
        Ok(Hyp3Text::parse(&text, path))
    }

    /// The value of `key` (spaces removed), or an error naming the file and the line.
    pub fn get(&self, key: &str) -> anyhow::Result<&str> {
        match self.values.get(key) {
            Some(v) => Ok(v),
            None => bail!("HyP3 metadata {} has no \"{key}\" line", self.file),
        }
    }

    /// The value of `key` as a number.
    pub fn number(&self, key: &str) -> anyhow::Result<f64> {
        let v = self.get(key)?;
        v.parse()
            .with_context(|| format!("HyP3 metadata {}: {key} {v:?} is not a number", self.file))
    }
}

/// MintPy's relative orbit of a Sentinel-1 reference granule from its absolute orbit.
fn relative_orbit(granule: &str, abs_orbit: i64) -> Option<i64> {
    let off = match granule.get(..3)? {
        "S1A" => 73,
        "S1B" => 202,
        "S1C" if abs_orbit <= 8018 => 172,
        "S1C" => 99,
        "S1D" => 42,
        _ => return None,
    };
    Some((abs_orbit - off).rem_euclid(175) + 1)
}

/// `YYYYMMDDTHHMMSS` as `YYYY-MM-DD HH:MM:SS.000000`.
fn utc_text(t: &str) -> Option<String> {
    let ok = t.len() == 15 && t.as_bytes()[8] == b'T';
    ok.then(|| {
        format!(
            "{}-{}-{} {}:{}:{}.000000",
            &t[0..4],
            &t[4..6],
            &t[6..8],
            &t[9..11],
            &t[11..13],
            &t[13..15]
        )
    })
}

/// The stack's attributes from its first product's metadata and the stack's grid, with
/// MintPy's keys and values.
pub fn stack_attrs(
    txt: &Hyp3Text,
    product: &ProductName,
    grid: &MapGrid,
) -> anyhow::Result<Attributes> {
    let mut a = Attributes::new();
    grid_attrs(&mut a, grid);
    a.set("PROCESSOR", "hyp3");
    a.set("CENTER_LINE_UTC", txt.get("UTCtime")?);
    let (alooks, rlooks) = (txt.get("Azimuthlooks")?, txt.get("Rangelooks")?);
    a.set("ALOOKS", alooks);
    a.set("RLOOKS", rlooks);
    a.set("EARTH_RADIUS", txt.get("Earthradiusatnadir")?);
    a.set("HEIGHT", txt.get("Spacecraftheight")?);
    a.set("STARTING_RANGE", txt.get("Slantrangenear")?);
    let heading = py_mod(txt.number("Heading")?, 360.0) - 360.0;
    a.set("HEADING", py_f64(heading));
    let ascending = heading.abs() < 90.0;
    a.set(
        "ORBIT_DIRECTION",
        if ascending { "ASCENDING" } else { "DESCENDING" },
    );
    corner_attrs(&mut a, grid, ascending);
    a.set("PLATFORM", "Sen");
    a.set("ANTENNA_SIDE", "-1");
    a.set("WAVELENGTH", py_f64(SPEED_OF_LIGHT / CARRIER_FREQUENCY));
    let looks = |v: &str, key: &str| {
        v.parse::<i64>()
            .with_context(|| format!("HyP3 metadata {}: {key} {v:?} is not an integer", txt.file))
    };
    a.set(
        "RANGE_PIXEL_SIZE",
        py_f64(RANGE_PIXEL_SIZE * looks(rlooks, "Range looks")? as f64),
    );
    a.set(
        "AZIMUTH_PIXEL_SIZE",
        py_f64(AZIMUTH_PIXEL_SIZE * looks(alooks, "Azimuth looks")? as f64),
    );
    a.set("beam_mode", "IW");
    a.set("unwrap_method", txt.get("Unwrappingtype")?);
    a.set("beam_swath", beam_swath(product));
    if product.job == JobType::Gamma {
        let granule = txt.get("ReferenceGranule")?;
        let orbit = txt.number("ReferenceOrbitNumber")? as i64;
        let rel = relative_orbit(granule, orbit).with_context(|| {
            format!(
                "HyP3 metadata {}: unknown Sentinel-1 satellite in {granule}",
                txt.file
            )
        })?;
        a.set("relative_orbit", rel);
        let t: Vec<&str> = granule.split('_').collect();
        if t.len() >= 5 {
            if let (Some(s), Some(e)) = (utc_text(t[t.len() - 5]), utc_text(t[t.len() - 4])) {
                a.set("startUTC", s);
                a.set("stopUTC", e);
            }
        }
    }
    Ok(a)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::hyp3::name::parse_product;

    /// The metadata file `S1AC_20251001T204513_20251007T204359_HHR006_INT40_G_ueF_1DBE.txt` of
    /// MintPy's `tests/data` (commit 0011f81b), abridged to the lines read.
    const GAMMA_TXT: &str =
        "Reference Granule: S1A_IW_SLC__1SDH_20251001T204513_20251001T204540_061237_07A332_A16A
Reference Orbit Number: 61237
Baseline: 48.0195
UTC time: 74714.869576
Heading: -18.1505111
Spacecraft height: 705239.4029000001
Earth radius at nadir: 6362008.3766
Slant range near: 803591.1723
Range looks: 10
Azimuth looks: 2
Unwrapping type: mcf
Y coordinate of the reference point in the map projection: 6703535.9184
";

    #[test]
    fn gamma_attributes_equal_mintpys_test_expectations() {
        // MintPy's tests/test_prep_hyp3.py, test_add_hyp3_metadata_gamma.
        let p =
            parse_product("S1AC_20251001T204513_20251007T204359_HHR006_INT40_G_ueF_1DBE_dem.tif")
                .unwrap();
        let txt = Hyp3Text::parse(GAMMA_TXT, Path::new("x.txt"));
        let mut g = MapGrid::lat_lon(6802380.0, 282180.0, -40.0, 40.0, 3735, 6829);
        g.epsg = Some(32622);
        g.degrees = false;
        let a = stack_attrs(&txt, &p, &g).unwrap();
        for (k, v) in [
            ("CENTER_LINE_UTC", "74714.869576"),
            ("ALOOKS", "2"),
            ("RLOOKS", "10"),
            ("EARTH_RADIUS", "6362008.3766"),
            ("HEIGHT", "705239.4029000001"),
            ("STARTING_RANGE", "803591.1723"),
            ("HEADING", "-18.150511100000017"),
            ("ORBIT_DIRECTION", "ASCENDING"),
            ("LAT_REF1", "6652980.0"),
            ("LAT_REF3", "6802380.0"),
            ("LON_REF2", "555340.0"),
            ("LON_REF3", "282180.0"),
            ("WAVELENGTH", "0.055465764662349676"),
            ("RANGE_PIXEL_SIZE", "23.0"),
            ("AZIMUTH_PIXEL_SIZE", "28.2"),
            ("beam_swath", "123"),
            ("relative_orbit", "90"),
            ("startUTC", "2025-10-01 20:45:13.000000"),
            ("stopUTC", "2025-10-01 20:45:40.000000"),
            ("unwrap_method", "mcf"),
            ("X_FIRST", "282180.0"),
            ("Y_STEP", "-40.0"),
            ("UTM_ZONE", "22N"),
            ("X_UNIT", "meters"),
        ] {
            assert_eq!(a.get(k), Some(v), "{k}");
        }
        // A value with a second colon keeps only what precedes it, as MintPy's split does.
        let t = Hyp3Text::parse(
            "Radar sensing stop: 2022-08-14T12:58:32.2\n",
            Path::new("y"),
        );
        assert_eq!(t.get("Radarsensingstop").unwrap(), "2022-08-14T12");
        let e = Hyp3Text::parse("", Path::new("z.txt"))
            .get("UTCtime")
            .unwrap_err();
        assert!(e.to_string().contains("z.txt") && e.to_string().contains("UTCtime"));
    }

    #[test]
    fn descending_heading_and_python_modulo() {
        assert_eq!(
            py_f64(py_mod(-164.275514873119, 360.0) - 360.0),
            "-164.275514873119"
        );
        assert_eq!(py_mod(-12.5, 360.0), 347.5);
        assert_eq!(relative_orbit("S1A_x", 61237), Some(90));
        assert_eq!(relative_orbit("S1C_x", 9000), Some((9000 - 99) % 175 + 1));
        assert_eq!(relative_orbit("S2A_x", 1), None);
    }
}
