//! The simulated stack written as ESA SNAP terrain-corrected BEAM-DIMAP exports, in the layout
//! of MintPy's SNAP example (`docs/dir_structure.md`): `interferograms/<d1>_<d2>/` holding
//! `<d1>_<d2>_unw_tc.dim` + `<d1>_<d2>_unw_tc.data/Unw_Phase_ifg_VV_<ddMonYYYY>_<ddMonYYYY>.img`
//! (+ `.hdr`) and `<d1>_<d2>_coh_tc.dim` + `.data/coh_VV_...img`, and `dem_tc.dim` +
//! `dem_tc.data/elevation.img`, on a WGS84 latitude/longitude grid of about 30 m.
//!
//! Facts followed:
//! - `.dim` structure: `Dataset_Sources/MDElem[metadata]/MDElem[Abstracted_Metadata]` with
//!   `MDATTR name=... type=...` entries, `Orbit_State_Vectors/orbit_vector1/{x,y,z}_pos`,
//!   `Baselines/Ref_<date>/Secondary_<date>/Perp Baseline`, `Image_Interpretation/
//!   Spectral_Band_Info/{DATA_TYPE,BAND_RASTER_WIDTH,BAND_RASTER_HEIGHT}`,
//!   `Geoposition/IMAGE_TO_MODEL_TRANSFORM`: what MintPy 1.6.4's `readfile.read_snap_dim`
//!   reads; attribute names and types from snap-engine's `AbstractMetadata.java` (commit
//!   3dcd731c); the `Ref_`/`Secondary_` baseline names as CDSE SNAP products carry them (a test
//!   header of openeo2mintpy's `snap_header` tests);
//! - `.hdr`: snap-engine `dataio/dimap/EnviHeader.java` (commit 1df71e1f): `ENVI`,
//!   description, samples, lines, `bands = 1`, `header offset = 0`, `file type = ENVI
//!   Standard`, `data type = 4`, `interleave = bsq`, `byte order = 1` (Java writes big-endian),
//!   band names, `map info`.
//!
//! Our choices: band names `Unw_Phase_ifg_VV_...`, `coh_VV_...`, `elevation`; no data 0 outside
//! the image (none here); orbit, times and frequencies of a Sentinel-1A IW2 pass.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use anyhow::Context;
use rayon::prelude::*;

use super::config::SimConfig;
use super::fields::Scene;
use super::sensor;
use super::writer::{create_dir, fill_pair, pair_defects, write_truth, PairBuffers, SimReport};
use crate::meta::pyfmt::py_f64;
use crate::meta::Date;

/// Pixel size (degrees): SNAP's 30 m at the equator (30 / (6378137 pi / 180)).
pub const PIXEL: f64 = 2.6949458523585647e-4;
/// Map corner (longitude, latitude) of the grid's first pixel.
pub const CORNER: (f64, f64) = (sensor::ORIGIN_LAT_LON.1, sensor::ORIGIN_LAT_LON.0);
/// Sentinel-1's radar frequency (MHz), as SNAP writes it.
const RADAR_FREQUENCY_MHZ: f64 = 5405.000454334349;

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// `ddMonYYYY`, as SNAP names dates in bands and baselines.
fn snap_date(d: Date) -> String {
    let (y, m, day) = d.ymd();
    format!("{day:02}{}{y}", MONTHS[m as usize - 1])
}

/// SNAP's UTC text of `seconds` into day `d`: `08-Apr-2019 01:49:54.000000`.
fn snap_utc(d: Date, seconds: f64) -> String {
    let (y, m, day) = d.ymd();
    let h = (seconds / 3600.0).floor();
    let mi = ((seconds - h * 3600.0) / 60.0).floor();
    let s = seconds - h * 3600.0 - mi * 60.0;
    format!(
        "{day:02}-{}-{y} {:02}:{:02}:{:09.6}",
        MONTHS[m as usize - 1],
        h as u32,
        mi as u32,
        s
    )
}

/// Java's `Double.toString` for the transform: plain between 1e-3 and 1e7, else `d.dddE-n`.
fn java_f64(v: f64) -> String {
    let a = v.abs();
    if a == 0.0 || (1e-3..1e7).contains(&a) {
        return py_f64(v);
    }
    let e = format!("{v:e}");
    let (m, x) = e.split_once('e').unwrap_or((&e, "0"));
    let m = if m.contains('.') {
        m.to_string()
    } else {
        format!("{m}.0")
    };
    format!("{m}E{x}")
}

/// An ECEF position (m) `height` above the WGS84 ellipsoid at `lat`, `lon` (degrees).
fn ecef(lat: f64, lon: f64, height: f64) -> [f64; 3] {
    let (a, e2) = (6_378_137.0f64, 0.006_694_379_990_14f64);
    let (la, lo) = (lat.to_radians(), lon.to_radians());
    let n = a / (1.0 - e2 * la.sin().powi(2)).sqrt();
    [
        (n + height) * la.cos() * lo.cos(),
        (n + height) * la.cos() * lo.sin(),
        (n * (1.0 - e2) + height) * la.sin(),
    ]
}

/// What one product's header says beyond its band.
struct Product<'a> {
    cfg: &'a SimConfig,
    scene: &'a Scene,
    /// The pair (reference, secondary) and its perpendicular baseline.
    pair: (Date, Date, f64),
}

/// One `<MDATTR>` line.
fn attr(s: &mut String, indent: &str, name: &str, ty: &str, unit: &str, value: &str) {
    let unit = if unit.is_empty() {
        String::new()
    } else {
        format!(" unit=\"{unit}\"")
    };
    let _ = writeln!(
        s,
        "{indent}<MDATTR name=\"{name}\" type=\"{ty}\"{unit} mode=\"rw\">{value}</MDATTR>"
    );
}

/// The `Abstracted_Metadata` element of a product of pair `p`.
fn abstracted_metadata(p: &Product, rows: usize, cols: usize) -> String {
    let (d1, d2, bperp) = p.pair;
    let f = py_f64;
    let mut s = String::new();
    let i = "                ";
    let _ = writeln!(s, "            <MDElem name=\"Abstracted_Metadata\">");
    let granule = format!("S1A_IW_SLC__1SDV_{d1}T014954_{d1}T015021_031000_03D000_ABCD");
    attr(&mut s, i, "PRODUCT", "ascii", "", &granule);
    attr(&mut s, i, "PRODUCT_TYPE", "ascii", "", "SLC");
    attr(&mut s, i, "MISSION", "ascii", "", "SENTINEL-1A");
    attr(&mut s, i, "ACQUISITION_MODE", "ascii", "", "IW");
    attr(&mut s, i, "antenna_pointing", "ascii", "", "right");
    attr(&mut s, i, "SWATH", "ascii", "", "IW2");
    attr(&mut s, i, "REL_ORBIT", "int32", "", "64");
    attr(&mut s, i, "ABS_ORBIT", "int32", "", "31000");
    let inc = &p.scene.incidence_deg;
    let near = inc.first().copied().unwrap_or(33.0) as f64;
    let far = inc.last().copied().unwrap_or(33.0) as f64;
    attr(&mut s, i, "incidence_near", "float64", "deg", &f(near));
    attr(&mut s, i, "incidence_far", "float64", "deg", &f(far));
    let t0 = sensor::CENTER_LINE_UTC - 12.5;
    attr(
        &mut s,
        i,
        "first_line_time",
        "utc",
        "utc",
        &snap_utc(d1, t0),
    );
    attr(
        &mut s,
        i,
        "last_line_time",
        "utc",
        "utc",
        &snap_utc(d1, t0 + 25.0),
    );
    let (n, w) = (CORNER.1, CORNER.0);
    let (south, east) = (n - PIXEL * rows as f64, w + PIXEL * cols as f64);
    for (k, v) in [
        ("first_near_lat", south),
        ("first_near_long", w),
        ("first_far_lat", south),
        ("first_far_long", east),
        ("last_near_lat", n),
        ("last_near_long", w),
        ("last_far_lat", n),
        ("last_far_long", east),
    ] {
        attr(&mut s, i, k, "float64", "deg", &f(v));
    }
    attr(&mut s, i, "PASS", "ascii", "", "ASCENDING");
    attr(&mut s, i, "SAMPLE_TYPE", "ascii", "", "COMPLEX");
    attr(&mut s, i, "mds1_tx_rx_polar", "ascii", "", "VV");
    let (al, rl) = (sensor::ALOOKS as f64, sensor::RLOOKS as f64);
    attr(&mut s, i, "azimuth_looks", "float64", "", &f(al));
    attr(&mut s, i, "range_looks", "float64", "", &f(rl));
    attr(
        &mut s,
        i,
        "range_spacing",
        "float64",
        "m",
        &f(sensor::range_pixel_size()),
    );
    attr(
        &mut s,
        i,
        "azimuth_spacing",
        "float64",
        "m",
        &f(sensor::azimuth_pixel_size()),
    );
    attr(
        &mut s,
        i,
        "pulse_repetition_frequency",
        "float64",
        "Hz",
        &f(sensor::PRF),
    );
    attr(
        &mut s,
        i,
        "radar_frequency",
        "float64",
        "MHz",
        &f(RADAR_FREQUENCY_MHZ),
    );
    let lti = sensor::AZIMUTH_TIME_INTERVAL * al;
    attr(&mut s, i, "line_time_interval", "float64", "s", &f(lti));
    attr(
        &mut s,
        i,
        "num_output_lines",
        "uint32",
        "lines",
        &rows.to_string(),
    );
    attr(
        &mut s,
        i,
        "num_samples_per_line",
        "uint32",
        "samples",
        &cols.to_string(),
    );
    let h = p.scene.height.iter().sum::<f64>() / p.scene.height.len().max(1) as f64;
    attr(&mut s, i, "avg_scene_height", "float64", "m", &f(h.round()));
    attr(&mut s, i, "map_projection", "ascii", "", "WGS84(DD)");
    attr(&mut s, i, "is_terrain_corrected", "uint8", "flag", "1");
    attr(&mut s, i, "DEM", "ascii", "", "SRTM 1Sec HGT");
    attr(&mut s, i, "geo_ref_system", "ascii", "", "WGS84");
    attr(&mut s, i, "lat_pixel_res", "float64", "deg", &f(PIXEL));
    attr(&mut s, i, "lon_pixel_res", "float64", "deg", &f(PIXEL));
    let r0 = sensor::STARTING_RANGE;
    attr(
        &mut s,
        i,
        "slant_range_to_first_pixel",
        "float64",
        "m",
        &f(r0),
    );
    attr(&mut s, i, "coregistered_stack", "uint8", "flag", "1");
    attr(&mut s, i, "metadata_version", "ascii", "", "7.0");
    // The satellite west of the scene for a right-looking ascending pass.
    let xyz = ecef(n - 1.0, w - 3.2, sensor::HEIGHT);
    let _ = writeln!(s, "{i}<MDElem name=\"Orbit_State_Vectors\">");
    let _ = writeln!(s, "{i}    <MDElem name=\"orbit_vector1\">");
    let j = format!("{i}        ");
    attr(&mut s, &j, "time", "utc", "utc", &snap_utc(d1, t0 - 10.0));
    for (k, v) in ["x_pos", "y_pos", "z_pos"].iter().zip(xyz) {
        attr(&mut s, &j, k, "float64", "m", &f((v * 1e4).round() / 1e4));
    }
    for k in ["x_vel", "y_vel", "z_vel"] {
        attr(&mut s, &j, k, "float64", "m/s", "0.0");
    }
    let _ = writeln!(s, "{i}    </MDElem>");
    let _ = writeln!(s, "{i}</MDElem>");
    let _ = writeln!(s, "{i}<MDElem name=\"Baselines\">");
    let _ = writeln!(s, "{i}    <MDElem name=\"Ref_{}\">", snap_date(d1));
    for (d, b) in [(d1, 0.0), (d2, bperp)] {
        let _ = writeln!(s, "{j}<MDElem name=\"Secondary_{}\">", snap_date(d));
        let k = format!("{j}    ");
        // SNAP stores the baselines as float32 widened to float64.
        attr(
            &mut s,
            &k,
            "Perp Baseline",
            "float64",
            "",
            &f(b as f32 as f64),
        );
        let days = d1.days_until(d) as f64;
        attr(&mut s, &k, "Temp Baseline", "float64", "", &f(days));
        let _ = writeln!(s, "{j}</MDElem>");
    }
    let _ = writeln!(s, "{i}    </MDElem>");
    let _ = writeln!(s, "{i}</MDElem>");
    let _ = writeln!(s, "            </MDElem>");
    s
}

/// WKT of SNAP's `WGS84(DD)` map CRS.
const WGS84_WKT: &str = "GEOGCS[\"WGS84(DD)\", \n  DATUM[\"WGS84\", \n    SPHEROID[\"WGS84\", \
6378137.0, 298.257223563]], \n  PRIMEM[\"Greenwich\", 0.0], \n  UNIT[\"degree\", \
0.017453292519943295], \n  AXIS[\"Geodetic longitude\", EAST], \n  AXIS[\"Geodetic latitude\", \
NORTH]]";

/// The `.dim` header of the one-band product `name` (band `band`, `unit`).
fn dim_text(p: &Product, name: &str, band: &str, unit: &str, rows: usize, cols: usize) -> String {
    let transform = format!(
        "{},0.0,0.0,{},{},{}",
        java_f64(PIXEL),
        java_f64(-PIXEL),
        java_f64(CORNER.0),
        java_f64(CORNER.1)
    );
    let mut s = String::new();
    let _ = write!(
        s,
        "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>
<Dimap_Document name=\"{name}.dim\">
    <Metadata_Id>
        <METADATA_FORMAT version=\"2.12.1\">DIMAP</METADATA_FORMAT>
        <METADATA_PROFILE>BEAM-DATAMODEL-V1</METADATA_PROFILE>
    </Metadata_Id>
    <Dataset_Id>
        <DATASET_SERIES>BEAM-PRODUCT</DATASET_SERIES>
        <DATASET_NAME>{name}</DATASET_NAME>
    </Dataset_Id>
    <Dataset_Use>
        <DATASET_COMMENTS>Sentinel-1 IW Level-1 SLC Product</DATASET_COMMENTS>
    </Dataset_Use>
    <Production>
        <DATASET_PRODUCER_NAME />
        <PRODUCT_TYPE>SLC</PRODUCT_TYPE>
    </Production>
    <Coordinate_Reference_System>
        <WKT>
             {WGS84_WKT}
        </WKT>
    </Coordinate_Reference_System>
    <Geoposition>
        <IMAGE_TO_MODEL_TRANSFORM>{transform}</IMAGE_TO_MODEL_TRANSFORM>
    </Geoposition>
    <Raster_Dimensions>
        <NCOLS>{cols}</NCOLS>
        <NROWS>{rows}</NROWS>
        <NBANDS>1</NBANDS>
    </Raster_Dimensions>
    <Data_Access>
        <DATA_FILE_FORMAT>ENVI</DATA_FILE_FORMAT>
        <DATA_FILE_FORMAT_DESC>ENVI File Format</DATA_FILE_FORMAT_DESC>
        <DATA_FILE_ORGANISATION>BAND_SEPARATE</DATA_FILE_ORGANISATION>
        <Data_File>
            <DATA_FILE_PATH href=\"{name}.data/{band}.hdr\" />
            <BAND_INDEX>0</BAND_INDEX>
        </Data_File>
    </Data_Access>
    <Image_Interpretation>
        <Spectral_Band_Info>
            <BAND_INDEX>0</BAND_INDEX>
            <BAND_DESCRIPTION />
            <BAND_NAME>{band}</BAND_NAME>
            <BAND_RASTER_WIDTH>{cols}</BAND_RASTER_WIDTH>
            <BAND_RASTER_HEIGHT>{rows}</BAND_RASTER_HEIGHT>
            <DATA_TYPE>float32</DATA_TYPE>
            <PHYSICAL_UNIT>{unit}</PHYSICAL_UNIT>
            <SOLAR_FLUX>0.0</SOLAR_FLUX>
            <SPECTRAL_BAND_INDEX>-1</SPECTRAL_BAND_INDEX>
            <BANDWIDTH>0.0</BANDWIDTH>
            <WAVELENGTH>0.0</WAVELENGTH>
            <SCALING_FACTOR>1.0</SCALING_FACTOR>
            <SCALING_OFFSET>0.0</SCALING_OFFSET>
            <LOG10_SCALED>false</LOG10_SCALED>
            <NO_DATA_VALUE_USED>true</NO_DATA_VALUE_USED>
            <NO_DATA_VALUE>0.0</NO_DATA_VALUE>
            <IMAGE_TO_MODEL_TRANSFORM>{transform}</IMAGE_TO_MODEL_TRANSFORM>
        </Spectral_Band_Info>
    </Image_Interpretation>
    <Dataset_Sources>
        <MDElem name=\"metadata\">
"
    );
    s.push_str(&abstracted_metadata(p, rows, cols));
    s.push_str("        </MDElem>\n    </Dataset_Sources>\n</Dimap_Document>\n");
    s
}

/// The ENVI `.hdr` SNAP writes beside band `band`.
fn hdr_text(band: &str, unit: &str, rows: usize, cols: usize) -> String {
    format!(
        "ENVI\ndescription = {{Sentinel Application Platform (SNAP) Export of {band} - Unit: \
         {unit}}}\nsamples = {cols}\nlines = {rows}\nbands = 1\nheader offset = 0\nfile type = \
         ENVI Standard\ndata type = 4\ninterleave = bsq\nbyte order = 1\nband names = {{ {band} \
         }}\nmap info = {{Geographic Lat/Lon,1.0,1.0,{},{},{},{},WGS84,units=Degrees}}\n\
         data gain values = {{1.0}}\ndata offset values = {{0.0}}\n",
        java_f64(CORNER.0),
        java_f64(CORNER.1),
        java_f64(PIXEL),
        java_f64(PIXEL)
    )
}

/// Writes one BEAM-DIMAP product `dir/<name>.dim` + `<name>.data/<band>.{img,hdr}`.
fn write_product(
    dir: &Path,
    name: &str,
    band: &str,
    unit: &str,
    p: &Product,
    data: &[f32],
) -> anyhow::Result<()> {
    let (rows, cols) = (p.cfg.rows, p.cfg.cols);
    let write = |path: PathBuf, bytes: &[u8]| {
        std::fs::write(&path, bytes).with_context(|| format!("cannot write {}", path.display()))
    };
    write(
        dir.join(format!("{name}.dim")),
        dim_text(p, name, band, unit, rows, cols).as_bytes(),
    )?;
    let data_dir = dir.join(format!("{name}.data"));
    create_dir(&data_dir)?;
    write(
        data_dir.join(format!("{band}.hdr")),
        hdr_text(band, unit, rows, cols).as_bytes(),
    )?;
    let bytes: Vec<u8> = data.iter().flat_map(|v| v.to_be_bytes()).collect();
    write(data_dir.join(format!("{band}.img")), &bytes)
}

/// Writes a synthetic SNAP stack with ground truth into `out`: `out/interferograms/`,
/// `out/dem_tc.{dim,data}` and the truth under `out/truth/`. The bytes depend only on `cfg`.
pub fn simulate_snap(out: &Path, cfg: &SimConfig) -> anyhow::Result<SimReport> {
    cfg.validate()?;
    let ifgs = out.join("interferograms");
    let truth_dir = out.join("truth");
    create_dir(&ifgs)?;
    create_dir(&truth_dir)?;
    let scene = Scene::new(cfg);
    let pairs = cfg.pairs();
    let dates = cfg.dates();
    let defects = pair_defects(cfg, pairs.len());
    pairs.par_iter().enumerate().try_for_each_init(
        || PairBuffers::new(cfg.rows * cfg.cols),
        |buf, (k, &(i, j))| -> anyhow::Result<()> {
            let (d1, d2) = (dates[i], dates[j]);
            let pair = format!("{d1}_{d2}");
            let dir = ifgs.join(&pair);
            create_dir(&dir)?;
            fill_pair(cfg, &scene, k, (i, j), &defects, buf);
            let p = Product {
                cfg,
                scene: &scene,
                pair: (d1, d2, scene.bperp[j] - scene.bperp[i]),
            };
            let tag = format!("VV_{}_{}", snap_date(d1), snap_date(d2));
            write_product(
                &dir,
                &format!("{pair}_unw_tc"),
                &format!("Unw_Phase_ifg_{tag}"),
                "radian",
                &p,
                &buf.phase,
            )?;
            write_product(
                &dir,
                &format!("{pair}_coh_tc"),
                &format!("coh_{tag}"),
                "",
                &p,
                &buf.coh,
            )
        },
    )?;
    let (i, j) = pairs.first().copied().unwrap_or((0, 1));
    let first = Product {
        cfg,
        scene: &scene,
        pair: (dates[i], dates[j], scene.bperp[j] - scene.bperp[i]),
    };
    let dem: Vec<f32> = scene.height.iter().map(|&h| h as f32).collect();
    write_product(out, "dem_tc", "elevation", "m", &first, &dem)?;
    write_truth(&truth_dir, cfg, &scene)?;
    Ok(SimReport {
        out_dir: out.to_path_buf(),
        interferograms_dir: ifgs.clone(),
        geometry_dir: out.join("dem_tc.data"),
        baselines_dir: ifgs.clone(),
        reference_dir: ifgs,
        truth_dir,
        rows: cfg.rows,
        cols: cfg.cols,
        num_dates: cfg.num_dates,
        num_pairs: pairs.len(),
        reference_pixel: cfg.reference_pixel(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snap_text_of_dates_and_numbers() {
        let d = Date::parse("20190408").unwrap();
        assert_eq!(snap_date(d), "08Apr2019");
        assert_eq!(snap_utc(d, 6594.5), "08-Apr-2019 01:49:54.500000");
        assert_eq!(java_f64(PIXEL), "2.6949458523585647E-4");
        assert_eq!(java_f64(-118.35), "-118.35");
        assert_eq!(java_f64(0.0), "0.0");
    }
}
