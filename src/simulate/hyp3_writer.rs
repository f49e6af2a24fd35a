//! The simulated stack written as ASF HyP3 `INSAR_GAMMA` products: one folder per pair named
//! after the product, holding `<name>_unw_phase.tif`, `_corr.tif`, `_dem.tif`, `_lv_theta.tif`,
//! `_lv_phi.tif`, `_water_mask.tif` and the `<name>.txt` metadata, on a UTM grid (EPSG 32611,
//! 80 m pixels). The scene, pairs and truth are those of the ISCE2 simulation with the same
//! settings: the image rows and columns become the map grid's.
//!
//! Facts followed (file names, `.txt` keys, angle conventions): HyP3's product guide as
//! MintPy 1.6.4's `prep_hyp3.py` parses it, the real metadata files in MintPy's `tests/data/`
//! (`S1AC_20251001T204513_20251007T204359_HHR006_INT40_G_ueF_1DBE.txt`, commit 0011f81b), and
//! `hyp3_gamma/insar/ifm_sentinel.py` (ASFHyP3/hyp3-gamma: product name pattern
//! `S1{p1}{p2}_{t1}_{t2}_{pol}{orb}{days:03}_INT{px}_G_{mask}eF_{hex4}`, output suffixes).
//! Our choices: uncompressed striped float32/uint8 GeoTIFFs, PixelIsArea, `GDAL_NODATA` 0 on the
//! interferometric layers.
//!
//! With `vary_extent`, each pair's files cover the grid plus a border of no data (0) on a
//! pair-dependent side, as unclipped HyP3 products do; the common overlap is the grid.

use std::f64::consts::PI;
use std::path::{Path, PathBuf};

use anyhow::Context;
use rayon::prelude::*;
use tiff::encoder::colortype;

use super::config::SimConfig;
use super::fields::Scene;
use super::geotiff_writer::{utm_geokeys, write_tif, Raster, TifGeo};
use super::sensor;
use super::writer::{create_dir, fill_pair, pair_defects, write_truth, PairBuffers, SimReport};
use crate::meta::Date;

/// EPSG code of the simulated grid (UTM zone 11N, where the ISCE2 simulation lies).
pub const EPSG: u16 = 32611;
/// Pixel size of the products (m): HyP3's `INT80`.
pub const PIXEL: f64 = 80.0;
/// Map corner (easting, northing) of the grid's first pixel.
pub const CORNER: (f64, f64) = (376_000.0, 3_770_000.0);
/// Heading written to the metadata (degrees), as HyP3 writes it for an ascending pass.
pub const HEADING: f64 = sensor::HEADING;
/// Azimuth and range looks of an `INT80` product.
pub const LOOKS: (usize, usize) = (4, 20);

/// A pair's product: its name and the extra border `(top, bottom, left, right)` in pixels.
struct Product {
    name: String,
    border: [usize; 4],
}

/// HyP3's product name of pair `k` (dates `d1`, `d2`): platform `AA`, VV, precise orbits,
/// unmasked, and a 4-digit hex id drawn from the seed and pair index.
fn product_name(d1: Date, d2: Date, k: usize, seed: u64) -> String {
    let days = d1.days_until(d2);
    let id = (seed.wrapping_mul(0x9E37_79B9).wrapping_add(k as u64 * 7919)) & 0xFFFF;
    format!("S1AA_{d1}T015006_{d2}T015006_VVP{days:03}_INT80_G_ueF_{id:04X}")
}

/// The border of pair `k` when extents vary: 0..3 pixels on each side, pair-dependent.
fn border(k: usize, vary: bool) -> [usize; 4] {
    if !vary {
        return [0; 4];
    }
    [k % 3, (k / 3) % 2, (k + 1) % 2, k % 4]
}

/// The `.txt` metadata of a product, with the keys and layout of HyP3's files.
fn metadata_text(name: &str, bperp: f64, days: i32) -> String {
    let (a, r) = LOOKS;
    let granule = |t: &str| format!("S1A_IW_SLC__1SDV_{t}T015006_{t}T015033_031000_03D000_ABCD");
    let parts: Vec<&str> = name.split('_').collect();
    let (t1, t2) = (&parts[1][..8], &parts[2][..8]);
    let near = sensor::STARTING_RANGE;
    let far = near + 2.3 * r as f64 * 250.0;
    [
        format!("Reference Granule: {}", granule(t1)),
        format!("Secondary Granule: {}", granule(t2)),
        "Reference Pass Direction: ASCENDING".into(),
        "Reference Orbit Number: 31000".into(),
        "Secondary Pass Direction: ASCENDING".into(),
        format!("Secondary Orbit Number: {}", 31000 + days / 12 * 175),
        format!("Baseline: {bperp}"),
        format!("UTC time: {}", sensor::CENTER_LINE_UTC),
        format!("Heading: {HEADING}"),
        format!("Spacecraft height: {}", sensor::HEIGHT),
        format!("Earth radius at nadir: {}", sensor::EARTH_RADIUS),
        format!("Slant range near: {near}"),
        format!("Slant range center: {}", (near + far) / 2.0),
        format!("Slant range far: {far}"),
        format!("Range looks: {r}"),
        format!("Azimuth looks: {a}"),
        "INSAR phase filter: adf".into(),
        "Phase filter parameter: 0.6".into(),
        "Resolution of output (m): 80".into(),
        "Range bandpass filter: no".into(),
        "Azimuth bandpass filter: no".into(),
        "DEM source: GLO-30".into(),
        "DEM resolution (m): 160".into(),
        "Unwrapping type: mcf".into(),
        "Phase at reference point: 0.0".into(),
        "Unwrapping threshold: none".into(),
        "Speckle filter: no".into(),
    ]
    .join("\n")
        + "\n"
}

/// Where the products lie: HyP3's UTM grid.
fn geo() -> TifGeo {
    TifGeo {
        pixel: (PIXEL, PIXEL),
        corner: CORNER,
        geokeys: utm_geokeys(EPSG),
    }
}

/// Writes the geometry files of one product (every HyP3 product carries its own).
fn write_geometry(dir: &Path, p: &Product, scene: &Scene) -> anyhow::Result<()> {
    let (rows, cols) = (scene.rows, scene.cols);
    let raster = |data| Raster {
        data,
        rows,
        cols,
        border: p.border,
        fill: 0.0f32,
    };
    let base = dir.join(&p.name);
    let file = |s: &str| PathBuf::from(format!("{}_{s}.tif", base.display()));
    let dem: Vec<f32> = scene.height.iter().map(|&h| h as f32).collect();
    write_tif::<colortype::Gray32Float>(&geo(), &file("dem"), &raster(&dem), None)?;
    // GAMMA's look vector: elevation angle from the horizontal, and azimuth from the east
    // (anticlockwise), in radians; MintPy turns them into incidence from the vertical and
    // azimuth from the north, in degrees.
    let theta: Vec<f32> = (0..rows * cols)
        .map(|p| ((90.0 - scene.incidence_deg[p % cols] as f64) * PI / 180.0) as f32)
        .collect();
    write_tif::<colortype::Gray32Float>(&geo(), &file("lv_theta"), &raster(&theta), None)?;
    let phi = ((sensor::azimuth_angle_deg() + 90.0) * PI / 180.0) as f32;
    write_tif::<colortype::Gray32Float>(
        &geo(),
        &file("lv_phi"),
        &raster(&vec![phi; rows * cols]),
        None,
    )?;
    let land: Vec<u8> = scene.water.iter().map(|&w| u8::from(!w)).collect();
    let r = Raster {
        data: &land,
        rows,
        cols,
        border: p.border,
        fill: 0u8,
    };
    write_tif::<colortype::Gray8>(&geo(), &file("water_mask"), &r, None)
}

/// Writes a synthetic HyP3 `INSAR_GAMMA` stack with ground truth into `out`: the products
/// under `out/hyp3/`, the truth under `out/truth/`. The bytes depend only on `cfg` and
/// `vary_extent`.
pub fn simulate_hyp3(out: &Path, cfg: &SimConfig, vary_extent: bool) -> anyhow::Result<SimReport> {
    cfg.validate()?;
    let products_dir = out.join("hyp3");
    let truth_dir = out.join("truth");
    create_dir(&products_dir)?;
    create_dir(&truth_dir)?;
    let scene = Scene::new(cfg);
    let pairs = cfg.pairs();
    let dates = cfg.dates();
    let defects = pair_defects(cfg, pairs.len());
    let npix = cfg.rows * cfg.cols;
    pairs.par_iter().enumerate().try_for_each_init(
        || PairBuffers::new(npix),
        |buf, (k, &(i, j))| -> anyhow::Result<()> {
            let p = Product {
                name: product_name(dates[i], dates[j], k, cfg.seed),
                border: border(k, vary_extent),
            };
            let dir = products_dir.join(&p.name);
            create_dir(&dir)?;
            fill_pair(cfg, &scene, k, (i, j), &defects, buf);
            let bperp = scene.bperp[j] - scene.bperp[i];
            let txt = dir.join(format!("{}.txt", p.name));
            std::fs::write(
                &txt,
                metadata_text(&p.name, bperp, dates[i].days_until(dates[j])),
            )
            .with_context(|| format!("cannot write {}", txt.display()))?;
            let base = dir.join(&p.name);
            let file = |s: &str| PathBuf::from(format!("{}_{s}.tif", base.display()));
            let (rows, cols) = (cfg.rows, cfg.cols);
            let raster = |data| Raster {
                data,
                rows,
                cols,
                border: p.border,
                fill: 0.0f32,
            };
            write_tif::<colortype::Gray32Float>(
                &geo(),
                &file("unw_phase"),
                &raster(&buf.phase),
                Some("0"),
            )?;
            write_tif::<colortype::Gray32Float>(
                &geo(),
                &file("corr"),
                &raster(&buf.coh),
                Some("0"),
            )?;
            write_geometry(&dir, &p, &scene)
        },
    )?;
    write_truth(&truth_dir, cfg, &scene)?;
    Ok(SimReport {
        out_dir: out.to_path_buf(),
        interferograms_dir: products_dir.clone(),
        geometry_dir: products_dir.clone(),
        baselines_dir: products_dir.clone(),
        reference_dir: products_dir,
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
    fn product_names_follow_hyp3s_pattern() {
        let d = |s| Date::parse(s).unwrap();
        let n = product_name(d("20200101"), d("20200113"), 3, 1);
        assert!(
            n.starts_with("S1AA_20200101T015006_20200113T015006_VVP012_INT80_G_ueF_"),
            "{n}"
        );
        assert_eq!(
            n.len(),
            "S1AA_20200101T015006_20200113T015006_VVP012_INT80_G_ueF_ABCD".len()
        );
        assert_ne!(n, product_name(d("20200101"), d("20200113"), 4, 1));
    }

    #[test]
    fn borders_vary_only_when_asked() {
        assert_eq!(border(0, false), [0; 4]);
        assert_ne!(border(1, true), [0; 4]);
    }
}
