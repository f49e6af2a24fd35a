//! Orchestrates one simulation: builds the scene, then writes the reference metadata,
//! baselines, geometry, interferograms (one at a time per worker thread) and the truth.

use std::f64::consts::PI;
use std::path::{Path, PathBuf};

use anyhow::Context;
use rayon::prelude::*;

use super::config::SimConfig;
use super::fields::{patch_avoiding, Patch, Scene};
use super::isce_writer::{
    baseline_text, reference_product_xml, rsc_text, write_sidecars, write_text, BurstInfo,
    IsceType, RasterSpec, RawWriter,
};
use super::rng::{Rng, Stream};
use super::sensor;
use super::truth::{self, TruthHeader};
use crate::meta::pyfmt::py_f64;
use crate::meta::Date;

/// What [`simulate`] wrote.
#[derive(Debug, Clone, PartialEq)]
pub struct SimReport {
    /// The tree's root folder.
    pub out_dir: PathBuf,
    /// `merged/interferograms`.
    pub interferograms_dir: PathBuf,
    /// `merged/geom_reference`.
    pub geometry_dir: PathBuf,
    /// `baselines`.
    pub baselines_dir: PathBuf,
    /// `reference` (IW2.xml and data.rsc); stripmapStack: `merged/SLC/D1/referenceShelve`.
    pub reference_dir: PathBuf,
    /// `truth`.
    pub truth_dir: PathBuf,
    /// Image rows.
    pub rows: usize,
    /// Image columns.
    pub cols: usize,
    /// Acquisition dates.
    pub num_dates: usize,
    /// Interferograms written.
    pub num_pairs: usize,
    /// Pixel kept free of water, missing data and unwrapping errors (row, col).
    pub reference_pixel: (usize, usize),
}

/// Which interferograms carry missing data or unwrapping errors, and where.
pub(super) struct PairDefects {
    missing: Vec<Option<Patch>>,
    /// Patch and number of cycles added.
    unwrap: Vec<Option<(Patch, i32)>>,
}

/// Picks `count` distinct indices below `n`.
fn pick_distinct(rng: &mut Rng, n: usize, count: usize) -> Vec<usize> {
    let mut idx: Vec<usize> = (0..n).collect();
    let count = count.min(n);
    for i in 0..count {
        let j = i + rng.below(n - i);
        idx.swap(i, j);
    }
    idx.truncate(count);
    idx
}

pub(super) fn pair_defects(cfg: &SimConfig, num_pairs: usize) -> PairDefects {
    let (rows, cols) = (cfg.rows, cfg.cols);
    let avoid = cfg.reference_pixel();
    let mut missing = vec![None; num_pairs];
    let mut unwrap = vec![None; num_pairs];
    if cfg.effects.missing_data {
        let mut rng = Rng::new(cfg.seed, Stream::MissingData, 0);
        for i in pick_distinct(&mut rng, num_pairs, (num_pairs / 12).max(1)) {
            missing[i] = Some(patch_avoiding(
                &mut rng,
                rows,
                cols,
                rows / 4,
                cols / 3,
                avoid,
            ));
        }
    }
    if cfg.effects.unwrap_errors {
        let mut rng = Rng::new(cfg.seed, Stream::UnwrapErrors, 0);
        let mut picked = pick_distinct(&mut rng, num_pairs, (num_pairs / 15).max(1));
        if cfg.effects.unwrap_edge && !picked.contains(&0) {
            picked[0] = 0;
        }
        for i in picked {
            let patch = patch_avoiding(&mut rng, rows, cols, rows / 5, cols / 5, avoid);
            let cycles = if rng.uniform() < 0.5 { -1 } else { 1 };
            unwrap[i] = Some((patch, cycles));
        }
    }
    PairDefects { missing, unwrap }
}

pub(super) fn create_dir(p: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(p).with_context(|| format!("cannot create folder {}", p.display()))
}

fn ymd_dashed(d: Date) -> String {
    let (y, m, dd) = d.ymd();
    format!("{y:04}-{m:02}-{dd:02}")
}

/// Writes `reference/IW2.xml`, then `reference/data.rsc` with a later modification time so
/// MintPy re-reads the `.rsc` instead of parsing the product XML with ISCE2.
fn write_reference(dir: &Path, cfg: &SimConfig) -> anyhow::Result<()> {
    let day = ymd_dashed(cfg.start_date);
    let start = format!("{day} 01:49:52.000000");
    let mid = format!("{day} 01:50:06.500000");
    let stop = format!("{day} 01:50:21.000000");
    let xml_path = dir.join("IW2.xml");
    write_text(
        &xml_path,
        &reference_product_xml(&BurstInfo {
            sensing: [&start, &mid, &stop],
            samples: cfg.cols * sensor::RLOOKS,
            lines: cfg.rows * sensor::ALOOKS,
        }),
    )?;
    let rsc_path = dir.join("data.rsc");
    let meta = sensor::reference_metadata(cfg.rows, cfg.cols, &start, &stop);
    write_text(&rsc_path, &rsc_text(&meta))?;
    let now = std::time::SystemTime::now();
    let older = now
        .checked_sub(std::time::Duration::from_secs(60))
        .unwrap_or(now);
    let f = std::fs::File::options()
        .write(true)
        .open(&xml_path)
        .with_context(|| format!("cannot open {}", xml_path.display()))?;
    f.set_modified(older)
        .with_context(|| format!("cannot set the modification time of {}", xml_path.display()))?;
    Ok(())
}

/// Writes stripmapStack's reference metadata into `dir` (`merged/SLC/D0/referenceShelve`):
/// the shelve files `data.{dat,dir,bak}` that only ISCE2 can unpickle (placeholders here: sbas
/// and MintPy never open them when `data.rsc` is newer), then the `data.rsc` MintPy's
/// `prep_isce` writes beside them, with a later modification time.
fn write_stripmap_reference(dir: &Path, cfg: &SimConfig) -> anyhow::Result<()> {
    let day = ymd_dashed(cfg.start_date);
    let start = format!("{day} 05:43:11.000000");
    let stop = format!("{day} 05:43:26.000000");
    let dat = dir.join("data.dat");
    // A dbm.dumb shelve: `data.dat` holds the pickled records, `data.dir` (and its backup
    // `data.bak`) one `'key', (offset, size)` line per record.
    let record = b"sbas simulate: placeholder for ISCE2's pickled Frame\n";
    std::fs::write(&dat, record).with_context(|| format!("cannot write {}", dat.display()))?;
    let index = format!("'frame', (0, {})\n", record.len());
    write_text(&dir.join("data.dir"), &index)?;
    write_text(&dir.join("data.bak"), &index)?;
    let meta = sensor::stripmap_metadata(cfg.rows, cfg.cols, &start, &stop);
    write_text(&dir.join("data.rsc"), &rsc_text(&meta))?;
    let now = std::time::SystemTime::now();
    let older = now
        .checked_sub(std::time::Duration::from_secs(60))
        .unwrap_or(now);
    for name in ["data.dat", "data.dir", "data.bak"] {
        let p = dir.join(name);
        let f = std::fs::File::options()
            .write(true)
            .open(&p)
            .with_context(|| format!("cannot open {}", p.display()))?;
        f.set_modified(older)
            .with_context(|| format!("cannot set the modification time of {}", p.display()))?;
    }
    Ok(())
}

/// Half the difference between the top and bottom perpendicular baselines of date `k`'s
/// stripmapStack baseline file (real files differ by a few centimetres along the swath).
fn stripmap_bperp_spread(k: usize) -> f64 {
    0.01 + 0.003 * k as f64
}

fn write_baselines(
    dir: &Path,
    cfg: &SimConfig,
    scene: &Scene,
    layout: IsceLayout,
) -> anyhow::Result<()> {
    let dates = cfg.dates();
    for k in 1..dates.len() {
        let name = format!("{}_{}", dates[0], dates[k]);
        match layout {
            IsceLayout::Tops => {
                let sub = dir.join(&name);
                create_dir(&sub)?;
                write_text(
                    &sub.join(format!("{name}.txt")),
                    &baseline_text(2, scene.bperp[k], scene.bpar[k]),
                )?;
            }
            IsceLayout::Stripmap => {
                // As stripmapStack's baseline step writes them: bottom first, Python reprs.
                let spread = stripmap_bperp_spread(k);
                write_text(
                    &dir.join(format!("{name}.txt")),
                    &format!(
                        "PERP_BASELINE_BOTTOM {}\nPERP_BASELINE_TOP {}\n",
                        py_f64(scene.bperp[k] - spread),
                        py_f64(scene.bperp[k] + spread)
                    ),
                )?;
            }
        }
    }
    Ok(())
}

/// Writes one geometry raster with its sidecars and the `.full` sidecars of the
/// full-resolution product it was multilooked from.
fn write_geometry_raster(
    dir: &Path,
    name: &str,
    spec: RasterSpec,
    fill: impl FnOnce(&mut RawWriter) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let path = dir.join(name);
    let mut w = RawWriter::create(&path)?;
    fill(&mut w)?;
    w.finish()?;
    write_sidecars(&path, &spec, None)?;
    let full = RasterSpec {
        width: spec.width * sensor::RLOOKS,
        length: spec.length * sensor::ALOOKS,
        ..spec
    };
    write_sidecars(&dir.join(format!("{name}.full")), &full, None)
}

fn write_geometry(dir: &Path, scene: &Scene) -> anyhow::Result<()> {
    let (rows, cols) = (scene.rows, scene.cols);
    let spec = |bands, dtype| RasterSpec {
        width: cols,
        length: rows,
        bands,
        dtype,
    };
    write_geometry_raster(dir, "hgt.rdr", spec(1, IsceType::Double), |w| {
        w.f64s(&scene.height)
    })?;
    let mut lat = vec![0.0f64; cols];
    let mut lon = vec![0.0f64; cols];
    write_geometry_raster(dir, "lat.rdr", spec(1, IsceType::Double), |w| {
        for y in 0..rows {
            for (x, v) in lat.iter_mut().enumerate() {
                *v = sensor::lat_lon(y, x).0;
            }
            w.f64s(&lat)?;
        }
        Ok(())
    })?;
    write_geometry_raster(dir, "lon.rdr", spec(1, IsceType::Double), |w| {
        for y in 0..rows {
            for (x, v) in lon.iter_mut().enumerate() {
                *v = sensor::lat_lon(y, x).1;
            }
            w.f64s(&lon)?;
        }
        Ok(())
    })?;
    let az = vec![sensor::azimuth_angle_deg() as f32; cols];
    write_geometry_raster(dir, "los.rdr", spec(2, IsceType::Float), |w| {
        for _ in 0..rows {
            w.f32s(&scene.incidence_deg)?;
            w.f32s(&az)?;
        }
        Ok(())
    })?;
    write_geometry_raster(dir, "shadowMask.rdr", spec(1, IsceType::Byte), |w| {
        w.u8s(&vec![0u8; rows * cols])
    })?;
    let water: Vec<u8> = scene.water.iter().map(|&w| u8::from(!w)).collect();
    write_geometry_raster(dir, "waterMask.rdr", spec(1, IsceType::Byte), |w| {
        w.u8s(&water)
    })
}

/// Per-pair buffers, reused by a worker for every pair it writes.
pub(super) struct PairBuffers {
    pub(super) phase: Vec<f32>,
    pub(super) amp: Vec<f32>,
    pub(super) coh: Vec<f32>,
    pub(super) cc: Vec<u8>,
}

impl PairBuffers {
    /// Buffers for images of `npix` pixels.
    pub(super) fn new(npix: usize) -> PairBuffers {
        PairBuffers {
            phase: vec![0.0; npix],
            amp: vec![0.0; npix],
            coh: vec![0.0; npix],
            cc: vec![0; npix],
        }
    }
}

/// Writes pair `pair_index` (dates `i`, `j`) into its folder under `dir`, its files named as
/// `layout` names them.
fn write_pair(
    (dir, layout): (&Path, IsceLayout),
    cfg: &SimConfig,
    scene: &Scene,
    pair_index: usize,
    (i, j): (usize, usize),
    defects: &PairDefects,
    buf: &mut PairBuffers,
) -> anyhow::Result<()> {
    let (rows, cols) = (scene.rows, scene.cols);
    let dates = cfg.dates();
    let name = format!("{}_{}", dates[i], dates[j]);
    let sub = dir.join(&name);
    create_dir(&sub)?;
    fill_pair(cfg, scene, pair_index, (i, j), defects, buf);
    let stem = match layout {
        IsceLayout::Tops => "filt_fine".to_string(),
        IsceLayout::Stripmap => format!("filt_{name}"),
    };
    write_isce_pair(&sub, &stem, rows, cols, buf)
}

/// Computes pair `pair_index` (dates `i`, `j`) into `buf`: unwrapped phase, amplitude,
/// coherence and connected components, the same whatever layout writes them.
pub(super) fn fill_pair(
    cfg: &SimConfig,
    scene: &Scene,
    pair_index: usize,
    (i, j): (usize, usize),
    defects: &PairDefects,
    buf: &mut PairBuffers,
) {
    let (rows, cols) = (scene.rows, scene.cols);
    let dates = cfg.dates();
    let to_phase = -4.0 * PI / sensor::WAVELENGTH;
    let days = dates[i].days_until(dates[j]) as f64;
    let looks = sensor::ncorrlooks();
    let mut rng = Rng::new(cfg.seed, Stream::PhaseNoise, pair_index as u64);
    let missing = defects.missing[pair_index];
    let unwrap = defects.unwrap[pair_index];
    for y in 0..rows {
        for x in 0..cols {
            let p = y * cols + x;
            if scene.water[p] {
                buf.phase[p] = 0.0;
                buf.coh[p] = scene.coherence[p];
                buf.cc[p] = 0;
                buf.amp[p] = scene.amplitude[p];
                continue;
            }
            let g = scene.pair_coherence(p, days);
            let mut phase = to_phase * (scene.signal(j, p) - scene.signal(i, p));
            if cfg.effects.decorrelation {
                let sigma = ((1.0 - g * g) / (2.0 * looks * g * g)).sqrt().min(PI);
                phase += sigma * rng.normal();
            }
            let mut cc = 1u8;
            if let Some((patch, cycles)) = unwrap {
                if patch.contains(y, x) {
                    phase += 2.0 * PI * cycles as f64;
                    let edge =
                        y == patch.y0 || y + 1 == patch.y1 || x == patch.x0 || x + 1 == patch.x1;
                    cc = if cfg.effects.unwrap_gaps && edge {
                        0
                    } else {
                        2
                    };
                }
            }
            buf.phase[p] = phase as f32;
            buf.coh[p] = g as f32;
            buf.cc[p] = cc;
            buf.amp[p] = scene.amplitude[p];
            if missing.is_some_and(|m| m.contains(y, x)) {
                buf.phase[p] = 0.0;
                buf.coh[p] = 0.0;
                buf.cc[p] = 0;
                buf.amp[p] = 0.0;
            }
        }
    }
}

/// Writes a pair's rasters in the ISCE2 layout (after [`fill_pair`]): `stem.unw`,
/// `stem.cor`, `stem.unw.conncomp` with their sidecars.
fn write_isce_pair(
    sub: &Path,
    stem: &str,
    rows: usize,
    cols: usize,
    buf: &PairBuffers,
) -> anyhow::Result<()> {
    let unw = sub.join(format!("{stem}.unw"));
    let mut w = RawWriter::create(&unw)?;
    for y in 0..rows {
        w.f32s(&buf.amp[y * cols..(y + 1) * cols])?;
        w.f32s(&buf.phase[y * cols..(y + 1) * cols])?;
    }
    w.finish()?;
    let spec = |bands, dtype| RasterSpec {
        width: cols,
        length: rows,
        bands,
        dtype,
    };
    write_sidecars(&unw, &spec(2, IsceType::Float), Some("unw"))?;

    let cor = sub.join(format!("{stem}.cor"));
    let mut w = RawWriter::create(&cor)?;
    w.f32s(&buf.coh)?;
    w.finish()?;
    write_sidecars(&cor, &spec(1, IsceType::Float), None)?;

    let conncomp = sub.join(format!("{stem}.unw.conncomp"));
    let mut w = RawWriter::create(&conncomp)?;
    w.u8s(&buf.cc)?;
    w.finish()?;
    write_sidecars(&conncomp, &spec(1, IsceType::Byte), None)
}

pub(super) fn write_truth(dir: &Path, cfg: &SimConfig, scene: &Scene) -> anyhow::Result<()> {
    let npix = scene.rows * scene.cols;
    let header = TruthHeader {
        dates: cfg.dates(),
        rows: scene.rows,
        cols: scene.cols,
        wavelength: sensor::WAVELENGTH,
        bperp: scene.bperp.clone(),
        reference_pixel: cfg.reference_pixel(),
        seed: cfg.seed,
        effects: cfg
            .effects
            .named_with_opt_in()
            .iter()
            .map(|(k, v)| (k.to_string(), *v))
            .collect(),
    };
    let text =
        serde_json::to_string_pretty(&header.to_json()).context("cannot serialise truth.json")?;
    write_text(&dir.join(truth::TRUTH_JSON), &(text + "\n"))?;

    let land = |p: usize| !scene.water[p];
    let mut ts = RawWriter::create(&dir.join(truth::TIMESERIES_FILE))?;
    let mut defo = RawWriter::create(&dir.join(truth::DEFORMATION_FILE))?;
    let mut layer = vec![0.0f32; npix];
    for k in 0..cfg.num_dates {
        for (p, v) in layer.iter_mut().enumerate() {
            *v = scene.signal(k, p) as f32;
        }
        ts.f32s(&layer)?;
        for (p, v) in layer.iter_mut().enumerate() {
            *v = if land(p) {
                scene.deformation(k, p) as f32
            } else {
                0.0
            };
        }
        defo.f32s(&layer)?;
    }
    ts.finish()?;
    defo.finish()?;
    let masked = |v: &[f32]| -> Vec<f32> {
        v.iter()
            .enumerate()
            .map(|(p, &x)| if land(p) { x } else { 0.0 })
            .collect()
    };
    let mut w = RawWriter::create(&dir.join(truth::VELOCITY_FILE))?;
    w.f32s(&masked(&scene.velocity))?;
    w.finish()?;
    let mut w = RawWriter::create(&dir.join(truth::DEM_ERROR_FILE))?;
    w.f32s(&masked(&scene.dem_error))?;
    w.finish()?;
    if cfg.effects.ramp {
        let mut w = RawWriter::create(&dir.join(truth::RAMP_FILE))?;
        for k in 0..cfg.num_dates {
            for (p, v) in layer.iter_mut().enumerate() {
                *v = scene.relative_ramp(k, p) as f32;
            }
            w.f32s(&layer)?;
        }
        w.finish()?;
    }
    let mut w = RawWriter::create(&dir.join(truth::WATER_MASK_FILE))?;
    w.u8s(
        &scene
            .water
            .iter()
            .map(|&w| u8::from(!w))
            .collect::<Vec<u8>>(),
    )?;
    w.finish()
}

/// Which ISCE2 stack processor's tree [`simulate_isce`] writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IsceLayout {
    /// topsStack (`stackSentinel.py`).
    Tops,
    /// stripmapStack (`stackStripMap.py`): `Igrams/D1_D2/filt_D1_D2.*`, `geom_reference/`,
    /// `baselines/D1_D2.txt`, `merged/SLC/D1/referenceShelve/`.
    Stripmap,
}

/// Writes a synthetic topsStack tree with ground truth into `out` (created if needed; files
/// already there are overwritten). The output bytes depend only on `cfg`.
pub fn simulate(out: &Path, cfg: &SimConfig) -> anyhow::Result<SimReport> {
    simulate_isce(out, cfg, IsceLayout::Tops)
}

/// Writes a synthetic ISCE2 tree of `layout` with ground truth into `out` (created if needed;
/// files already there are overwritten). The output bytes (but the stripmap shelve's
/// modification times) depend only on `cfg` and `layout`.
pub fn simulate_isce(out: &Path, cfg: &SimConfig, layout: IsceLayout) -> anyhow::Result<SimReport> {
    cfg.validate()?;
    let (igrams, geom, reference) = match layout {
        IsceLayout::Tops => (
            out.join("merged").join("interferograms"),
            out.join("merged").join("geom_reference"),
            out.join("reference"),
        ),
        IsceLayout::Stripmap => (
            out.join("Igrams"),
            out.join("geom_reference"),
            out.join("merged")
                .join("SLC")
                .join(cfg.start_date.to_string())
                .join("referenceShelve"),
        ),
    };
    let report = SimReport {
        out_dir: out.to_path_buf(),
        interferograms_dir: igrams,
        geometry_dir: geom,
        baselines_dir: out.join("baselines"),
        reference_dir: reference,
        truth_dir: out.join("truth"),
        rows: cfg.rows,
        cols: cfg.cols,
        num_dates: cfg.num_dates,
        num_pairs: cfg.pairs().len(),
        reference_pixel: cfg.reference_pixel(),
    };
    for d in [
        &report.interferograms_dir,
        &report.geometry_dir,
        &report.baselines_dir,
        &report.reference_dir,
        &report.truth_dir,
    ] {
        create_dir(d)?;
    }

    let scene = Scene::new(cfg);
    match layout {
        IsceLayout::Tops => write_reference(&report.reference_dir, cfg)?,
        IsceLayout::Stripmap => write_stripmap_reference(&report.reference_dir, cfg)?,
    }
    write_baselines(&report.baselines_dir, cfg, &scene, layout)?;
    write_geometry(&report.geometry_dir, &scene)?;

    let pairs = cfg.pairs();
    let defects = pair_defects(cfg, pairs.len());
    let npix = cfg.rows * cfg.cols;
    pairs.par_iter().enumerate().try_for_each_init(
        || PairBuffers::new(npix),
        |buf, (k, &pair)| {
            write_pair(
                (&report.interferograms_dir, layout),
                cfg,
                &scene,
                k,
                pair,
                &defects,
                buf,
            )
        },
    )?;

    write_truth(&report.truth_dir, cfg, &scene)?;
    Ok(report)
}
