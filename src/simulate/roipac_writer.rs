//! The simulated stack in ROI_PAC's layout, as MintPy's default ROI_PAC paths expect it:
//!
//! ```text
//! PROCESS/DONE/IFG_YYMMDD_YYMMDD/filt_YYMMDD-YYMMDD-sim_HDR_9rlks_c10.unw      (+ .rsc)
//!                                filt_YYMMDD-YYMMDD-sim_HDR_9rlks_c10.cor      (+ .rsc)
//!                                filt_YYMMDD-YYMMDD-sim_HDR_9rlks_c10_snap_connect.byt
//!                                YYMMDD_YYMMDD_baseline.rsc
//! PROCESS/DONE/IFG_<first pair>/radar_9rlks.hgt                                (+ .rsc)
//! PROCESS/GEO/geo_<first pair>/geomap_9rlks.trans                              (+ .rsc)
//! ```
//!
//! As ROI_PAC writes them: `.unw`, `.cor` and `.hgt` hold an amplitude row then a value row
//! (two-band BIL float32, little-endian); the baselines sit in a separate `_baseline.rsc`
//! that MintPy's `prep_roipac` merges into the `.unw.rsc`; the connected components (`.byt`)
//! have no `.rsc` of their own; dates in names and `DATE12` are `YYMMDD`.

use std::path::{Path, PathBuf};

use super::fields::Scene;
use super::isce_writer::{rsc_text, write_text, RawWriter};
use super::map_lookup::{lookup_grid, lookup_row};
use super::sensor;
use super::writer::{create_dir, fill_pair, pair_defects, PairBuffers};
use super::SimConfig;
use crate::meta::pyfmt::py_f64;
use crate::meta::{Attributes, Date};

/// `_9rlks` and the like: the range looks in ROI_PAC's file names.
fn looks_tag() -> String {
    format!("{}rlks", sensor::RLOOKS)
}

/// The interferogram folder of a pair.
pub fn pair_dir(root: &Path, d1: Date, d2: Date) -> PathBuf {
    root.join("PROCESS")
        .join("DONE")
        .join(format!("IFG_{}_{}", d1.yymmdd(), d2.yymmdd()))
}

/// The `.unw` of a pair (the `.cor` and `_snap_connect.byt` share its stem).
pub fn unw_path(root: &Path, d1: Date, d2: Date) -> PathBuf {
    pair_dir(root, d1, d2).join(format!(
        "filt_{}-{}-sim_HDR_{}_c10.unw",
        d1.yymmdd(),
        d2.yymmdd(),
        looks_tag()
    ))
}

/// The radar-geometry metadata ROI_PAC writes into each product's `.rsc`.
fn base_rsc(rows: usize, cols: usize) -> Attributes {
    let f = py_f64;
    let mut a = Attributes::new();
    a.set("WIDTH", cols);
    a.set("FILE_LENGTH", rows);
    a.set("XMIN", 0);
    a.set("XMAX", cols - 1);
    a.set("YMIN", 0);
    a.set("YMAX", rows - 1);
    a.set("RLOOKS", sensor::RLOOKS);
    a.set("ALOOKS", sensor::ALOOKS);
    a.set("RANGE_PIXEL_SIZE", f(sensor::range_pixel_size()));
    a.set("AZIMUTH_PIXEL_SIZE", f(sensor::azimuth_pixel_size()));
    a.set("STARTING_RANGE", f(sensor::STARTING_RANGE));
    a.set("EARTH_RADIUS", f(sensor::EARTH_RADIUS));
    a.set("HEIGHT", f(sensor::HEIGHT));
    a.set("HEADING", f(sensor::HEADING));
    a.set("WAVELENGTH", f(sensor::WAVELENGTH));
    a.set("PRF", f(sensor::PRF));
    a.set("CENTER_LINE_UTC", f(sensor::CENTER_LINE_UTC));
    a.set("PLATFORM", "SIM");
    a.set("ORBIT_DIRECTION", "ascending");
    a.set("ANTENNA_SIDE", "-1");
    let corners = [(0, 0), (0, cols - 1), (rows - 1, 0), (rows - 1, cols - 1)];
    for (i, &(y, x)) in corners.iter().enumerate() {
        let (lat, lon) = sensor::lat_lon(y, x);
        a.set(format!("LAT_REF{}", i + 1), f(lat));
        a.set(format!("LON_REF{}", i + 1), f(lon));
    }
    a
}

/// Writes an amplitude-and-value (two-band BIL) raster with its `.rsc`.
fn write_amp_value(
    path: &Path,
    amp: &[f32],
    value: &[f32],
    cols: usize,
    rsc: &Attributes,
) -> anyhow::Result<()> {
    let mut w = RawWriter::create(path)?;
    for (a, v) in amp.chunks_exact(cols).zip(value.chunks_exact(cols)) {
        w.f32s(a)?;
        w.f32s(v)?;
    }
    w.finish()?;
    write_text(&crate::source::raster::sidecar(path, "rsc"), &rsc_text(rsc))
}

/// Writes one pair: `.unw`, `.cor`, `_snap_connect.byt` and the `_baseline.rsc`.
fn write_pair(
    root: &Path,
    d: (Date, Date),
    bperp: f64,
    buf: &PairBuffers,
    base: &Attributes,
) -> anyhow::Result<()> {
    let (d1, d2) = d;
    create_dir(&pair_dir(root, d1, d2))?;
    let cols = base.get_f64("WIDTH")? as usize;
    let mut rsc = base.clone();
    rsc.set("DATE12", format!("{}-{}", d1.yymmdd(), d2.yymmdd()));
    let unw = unw_path(root, d1, d2);
    write_amp_value(&unw, &buf.amp, &buf.phase, cols, &rsc)?;
    let cor = unw.with_extension("cor");
    write_amp_value(&cor, &buf.amp, &buf.coh, cols, &rsc)?;
    let stem = unw.with_extension("");
    let byt = PathBuf::from(format!("{}_snap_connect.byt", stem.display()));
    let mut w = RawWriter::create(&byt)?;
    w.u8s(&buf.cc)?;
    w.finish()?;
    let mut bl = Attributes::new();
    bl.set("P_BASELINE_TOP_HDR", py_f64(bperp));
    bl.set("P_BASELINE_BOTTOM_HDR", py_f64(bperp));
    let name = format!("{}_{}_baseline.rsc", d1.yymmdd(), d2.yymmdd());
    write_text(&pair_dir(root, d1, d2).join(name), &rsc_text(&bl))
}

/// Writes the radar DEM (`radar_9rlks.hgt`) and the lookup table (`geomap_9rlks.trans`) of
/// the first pair's folders.
fn write_geometry(
    root: &Path,
    first: (Date, Date),
    scene: &Scene,
    base: &Attributes,
) -> anyhow::Result<()> {
    let (rows, cols) = (scene.rows, scene.cols);
    let hgt = pair_dir(root, first.0, first.1).join(format!("radar_{}.hgt", looks_tag()));
    let height: Vec<f32> = scene.height.iter().map(|&h| h as f32).collect();
    write_amp_value(&hgt, &scene.amplitude, &height, cols, base)?;

    let tag = format!("{}-{}", first.0.yymmdd(), first.1.yymmdd());
    let geo = root.join("PROCESS").join("GEO").join(format!("geo_{tag}"));
    create_dir(&geo)?;
    let trans = geo.join(format!("geomap_{}.trans", looks_tag()));
    let g = lookup_grid(rows, cols);
    let mut w = RawWriter::create(&trans)?;
    for i in 0..g.length {
        let row = lookup_row(&g, rows, cols, i);
        let rg: Vec<f32> = row.iter().map(|v| v.0).collect();
        let az: Vec<f32> = row.iter().map(|v| v.1).collect();
        w.f32s(&rg)?;
        w.f32s(&az)?;
    }
    w.finish()?;
    let mut a = Attributes::new();
    a.set("WIDTH", g.width);
    a.set("FILE_LENGTH", g.length);
    a.set("X_FIRST", py_f64(g.x_first));
    a.set("Y_FIRST", py_f64(g.y_first));
    a.set("X_STEP", py_f64(g.x_step));
    a.set("Y_STEP", py_f64(g.y_step));
    a.set("X_UNIT", "degrees");
    a.set("Y_UNIT", "degrees");
    write_text(
        &crate::source::raster::sidecar(&trans, "rsc"),
        &rsc_text(&a),
    )
}

/// Writes the ROI_PAC tree of `scene` under `root`.
pub(super) fn write_roipac(root: &Path, cfg: &SimConfig, scene: &Scene) -> anyhow::Result<()> {
    use rayon::prelude::*;
    let dates = cfg.dates();
    let pairs = cfg.pairs();
    let base = base_rsc(scene.rows, scene.cols);
    let defects = pair_defects(cfg, pairs.len());
    let npix = scene.rows * scene.cols;
    pairs.par_iter().enumerate().try_for_each_init(
        || PairBuffers::new(npix),
        |buf, (k, &(i, j))| {
            fill_pair(cfg, scene, k, (i, j), &defects, buf);
            let bperp = scene.bperp[j] - scene.bperp[i];
            write_pair(root, (dates[i], dates[j]), bperp, buf, &base)
        },
    )?;
    let (i, j) = pairs[0];
    write_geometry(root, (dates[i], dates[j]), scene, &base)
}
