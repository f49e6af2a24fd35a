//! The simulated stack written as a COMET LiCSAR frame: `GEOC/<d1>_<d2>/<d1>_<d2>.geo.unw.tif`
//! (float32 radians) and `.geo.cc.tif` (uint8, coherence x 255) per pair, and per frame
//! `GEOC/<frame>.geo.{E,N,U}.tif` (float32 unit vector from the ground to the satellite),
//! `<frame>.geo.hgt.tif` (float32 m), `baselines` and `metadata.txt`, on a WGS 84
//! latitude/longitude grid (EPSG:4326, 0.001 degree pixels, about LiCSAR's 100 m). The scene,
//! pairs and truth are those of the ISCE2 simulation with the same settings: the image rows and
//! columns become the grid's.
//!
//! Facts followed, and where they were seen:
//! - folder and file names, the uint8 coherence (`cc / 255`, "new format since 201910"), no
//!   data as 0 in every layer, `*.geo.[ENU].tif`, `*.geo.hgt.tif`, `baselines`, `metadata.txt`
//!   with a `center_time=` line: yumorishita/LiCSBAS `bin/LiCSBAS02_ml_prep.py` (commit
//!   f3c75720fcb3d1acd47078bc864d6a5edde453d4, v1.7.2);
//! - the `baselines` format (`primary date bperp dt`, the primary at 0) and its older 9-column
//!   form: yumorishita/LiCSBAS `LiCSBAS_lib/LiCSBAS_io_lib.py` `read_bperp_file` (commit
//!   13471f5c8872ca1571d57e429f737114a4962334);
//! - frame names `NNN[AD]_NNNNN_NNNNNN` (e.g. `021D_04972_131213`): the frame-id pattern of
//!   `LiCSBAS02_ml_prep.py` v1.4 (commit 1a94ca062e35e0d3a24978e120de39b7c34ce7f4);
//! - the `metadata.txt` keys `master`, `center_time`, `heading`, `avg_incidence_angle`,
//!   `azimuth_resolution`, `range_resolution`, `centre_range_m`, `avg_height`, `applied_DEM`
//!   (`key=value`; values such as `centre_range_m=880080.5691`, `heading=-13.775063`,
//!   `avg_incidence_angle=39.1918`): comet-licsar's tools that read the file (LiCSAR daz and
//!   iono scripts, and a `prep_licsar` adapted from MintPy's `prep_hyp3`).
//!
//! Our choices: uncompressed striped GeoTIFFs, PixelIsArea, `GDAL_NODATA` 0 on the phase; the
//! frame's primary date is the middle date.

use std::f64::consts::PI;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use anyhow::Context;
use rayon::prelude::*;
use tiff::encoder::colortype;

use super::config::SimConfig;
use super::fields::Scene;
use super::geotiff_writer::{lat_lon_geokeys, write_tif, Raster, TifGeo};
use super::sensor;
use super::writer::{create_dir, fill_pair, pair_defects, write_truth, PairBuffers, SimReport};

/// The simulated frame's name (ascending track 64).
pub const FRAME: &str = "064A_05000_131313";
/// Pixel size (degrees).
pub const PIXEL: f64 = 0.001;
/// Map corner (longitude, latitude) of the grid's first pixel.
pub const CORNER: (f64, f64) = (sensor::ORIGIN_LAT_LON.1, sensor::ORIGIN_LAT_LON.0);

fn geo() -> TifGeo {
    TifGeo {
        pixel: (PIXEL, PIXEL),
        corner: CORNER,
        geokeys: lat_lon_geokeys(),
    }
}

/// `seconds` of the day as `HH:MM:SS.ffffff`.
fn clock(seconds: f64) -> String {
    let h = (seconds / 3600.0).floor();
    let m = ((seconds - h * 3600.0) / 60.0).floor();
    let s = seconds - h * 3600.0 - m * 60.0;
    format!("{:02}:{:02}:{:09.6}", h as u32, m as u32, s)
}

/// The frame's `metadata.txt`.
fn metadata_text(cfg: &SimConfig, scene: &Scene, primary: &str) -> String {
    let centre = sensor::slant_range(cfg.cols / 2);
    let inc = scene.incidence_deg.iter().map(|&v| v as f64).sum::<f64>()
        / scene.incidence_deg.len().max(1) as f64;
    let h = scene.height.iter().sum::<f64>() / scene.height.len().max(1) as f64;
    [
        format!("master={primary}"),
        format!("center_time={}", clock(sensor::CENTER_LINE_UTC)),
        format!("heading={}", sensor::HEADING),
        format!("avg_incidence_angle={inc:.4}"),
        format!(
            "azimuth_resolution={:.2}",
            sensor::azimuth_pixel_size_full()
        ),
        format!("range_resolution={:.2}", sensor::RANGE_PIXEL_SIZE_FULL),
        format!("centre_range_m={centre:.4}"),
        format!("avg_height={h:.1}"),
        "applied_DEM=Copernicus".into(),
    ]
    .join("\n")
        + "\n"
}

/// The `baselines` file: one line per date after the primary's, `primary date bperp dt`.
fn baselines_text(cfg: &SimConfig, scene: &Scene, primary: usize) -> String {
    let dates = cfg.dates();
    let mut s = String::new();
    for (k, d) in dates.iter().enumerate().filter(|(k, _)| *k != primary) {
        let _ = writeln!(
            s,
            "{} {d} {:.4} {:.1}",
            dates[primary],
            scene.bperp[k] - scene.bperp[primary],
            dates[primary].days_until(*d) as f64
        );
    }
    s
}

/// Writes the frame-wide files: unit vector, heights, `baselines`, `metadata.txt`.
fn write_frame(geoc: &Path, cfg: &SimConfig, scene: &Scene) -> anyhow::Result<()> {
    let (rows, cols) = (scene.rows, scene.cols);
    let file = |s: &str| geoc.join(format!("{FRAME}.geo.{s}.tif"));
    let az = sensor::azimuth_angle_deg().to_radians();
    let land = |p: usize, v: f64| if scene.water[p] { 0.0 } else { v as f32 };
    let inc = |p: usize| scene.incidence_deg[p % cols] as f64 * PI / 180.0;
    let e: Vec<f32> = (0..rows * cols)
        .map(|p| land(p, -inc(p).sin() * az.sin()))
        .collect();
    let n: Vec<f32> = (0..rows * cols)
        .map(|p| land(p, inc(p).sin() * az.cos()))
        .collect();
    let u: Vec<f32> = (0..rows * cols).map(|p| land(p, inc(p).cos())).collect();
    let hgt: Vec<f32> = (0..rows * cols).map(|p| land(p, scene.height[p])).collect();
    for (name, data) in [("E", &e), ("N", &n), ("U", &u), ("hgt", &hgt)] {
        let r = Raster::plain(&data[..], rows, cols, 0.0f32);
        write_tif::<colortype::Gray32Float>(&geo(), &file(name), &r, Some("0"))?;
    }
    let dates = cfg.dates();
    let primary = dates.len() / 2;
    let write = |name: &str, text: String| {
        let p = geoc.join(name);
        std::fs::write(&p, text).with_context(|| format!("cannot write {}", p.display()))
    };
    write("baselines", baselines_text(cfg, scene, primary))?;
    write(
        "metadata.txt",
        metadata_text(cfg, scene, &dates[primary].to_string()),
    )
}

/// Writes a synthetic LiCSAR frame with ground truth into `out`: the products under
/// `out/GEOC/`, the truth under `out/truth/`. The bytes depend only on `cfg`.
pub fn simulate_licsar(out: &Path, cfg: &SimConfig) -> anyhow::Result<SimReport> {
    cfg.validate()?;
    let geoc = out.join("GEOC");
    let truth_dir = out.join("truth");
    create_dir(&geoc)?;
    create_dir(&truth_dir)?;
    let scene = Scene::new(cfg);
    let pairs = cfg.pairs();
    let dates = cfg.dates();
    let defects = pair_defects(cfg, pairs.len());
    let (rows, cols) = (cfg.rows, cfg.cols);
    pairs.par_iter().enumerate().try_for_each_init(
        || (PairBuffers::new(rows * cols), vec![0u8; rows * cols]),
        |(buf, cc), (k, &(i, j))| -> anyhow::Result<()> {
            let name = format!("{}_{}", dates[i], dates[j]);
            let dir = geoc.join(&name);
            create_dir(&dir)?;
            fill_pair(cfg, &scene, k, (i, j), &defects, buf);
            for (c, &g) in cc.iter_mut().zip(&buf.coh) {
                *c = (g.clamp(0.0, 1.0) * 255.0).round() as u8;
            }
            let file =
                |s: &str| PathBuf::from(format!("{}.geo.{s}.tif", dir.join(&name).display()));
            let phase = Raster::plain(&buf.phase[..], rows, cols, 0.0f32);
            write_tif::<colortype::Gray32Float>(&geo(), &file("unw"), &phase, Some("0"))?;
            let coh = Raster::plain(&cc[..], rows, cols, 0u8);
            write_tif::<colortype::Gray8>(&geo(), &file("cc"), &coh, None)
        },
    )?;
    write_frame(&geoc, cfg, &scene)?;
    write_truth(&truth_dir, cfg, &scene)?;
    Ok(SimReport {
        out_dir: out.to_path_buf(),
        interferograms_dir: geoc.clone(),
        geometry_dir: geoc.clone(),
        baselines_dir: geoc.clone(),
        reference_dir: geoc,
        truth_dir,
        rows,
        cols,
        num_dates: cfg.num_dates,
        num_pairs: pairs.len(),
        reference_pixel: cfg.reference_pixel(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clock_text() {
        assert_eq!(clock(6606.5), "01:50:06.500000");
        assert_eq!(clock(0.0), "00:00:00.000000");
    }
}
