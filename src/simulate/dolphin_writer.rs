//! The simulated stack written as a dolphin work folder: `dolphin/unwrapped/<d1>_<d2>.unw.tif`
//! (float32 radians, no data 0), `.unw.conncomp.tif` (uint16, no data 65535) and
//! `dolphin/interferograms/<d1>_<d2>.int.cor.tif` (float32 correlation), on a UTM zone 11N
//! grid of 30 m pixels (OPERA DISP-S1's posting). The scene, pairs and truth are those of the
//! ISCE2 simulation with the same settings; dolphin writes no baselines and no geometry.
//!
//! Facts followed: the suffixes and no-data values of isce-framework/dolphin
//! `src/dolphin/unwrap/_constants.py` (`UNW_SUFFIX`, `CONNCOMP_SUFFIX`, `DEFAULT_UNW_NODATA` 0,
//! `DEFAULT_CCL_NODATA` 65535), the `interferograms/*.int.tif` + `.int.cor.tif` names of
//! `workflows/stitching_bursts.py` and `geocode.py`, `%Y%m%d` pair names (`file_date_fmt`), and the
//! phase sign of `timeseries.py` (`-wavelength / (4 pi)` gives motion towards the radar), at
//! commit c2f7c24a055f3de2be13e5fda717baa03cbabad2. Our choices: uncompressed striped GeoTIFFs
//! (dolphin writes tiled, compressed ones), the components 1 (or 2 inside an unwrapping-error
//! patch) and 65535 where there is no data.

use std::path::Path;

use anyhow::Context;
use rayon::prelude::*;
use tiff::encoder::colortype;

use super::config::SimConfig;
use super::fields::Scene;
use super::geotiff_writer::{utm_geokeys, write_tif, Raster, TifGeo};
use super::writer::{create_dir, fill_pair, pair_defects, write_truth, PairBuffers, SimReport};

/// EPSG code of the grid (UTM zone 11N).
pub const EPSG: u16 = 32611;
/// Pixel size (m).
pub const PIXEL: f64 = 30.0;
/// Map corner (easting, northing) of the grid's first pixel.
pub const CORNER: (f64, f64) = (376_000.0, 3_770_000.0);

fn geo() -> TifGeo {
    TifGeo {
        pixel: (PIXEL, PIXEL),
        corner: CORNER,
        geokeys: utm_geokeys(EPSG),
    }
}

/// Writes a synthetic dolphin work folder with ground truth into `out`: `out/dolphin/` and
/// `out/truth/`. The bytes depend only on `cfg`.
pub fn simulate_dolphin(out: &Path, cfg: &SimConfig) -> anyhow::Result<SimReport> {
    cfg.validate()?;
    let work = out.join("dolphin");
    let (unw_dir, ifg_dir) = (work.join("unwrapped"), work.join("interferograms"));
    let truth_dir = out.join("truth");
    for d in [&unw_dir, &ifg_dir, &truth_dir] {
        create_dir(d)?;
    }
    let scene = Scene::new(cfg);
    let pairs = cfg.pairs();
    let dates = cfg.dates();
    let defects = pair_defects(cfg, pairs.len());
    let (rows, cols) = (cfg.rows, cfg.cols);
    pairs.par_iter().enumerate().try_for_each_init(
        || (PairBuffers::new(rows * cols), vec![0u16; rows * cols]),
        |(buf, cc), (k, &(i, j))| -> anyhow::Result<()> {
            let name = format!("{}_{}", dates[i], dates[j]);
            fill_pair(cfg, &scene, k, (i, j), &defects, buf);
            for (c, &v) in cc.iter_mut().zip(&buf.cc) {
                *c = if v == 0 { 65535 } else { u16::from(v) };
            }
            let phase = Raster::plain(&buf.phase[..], rows, cols, 0.0f32);
            let unw = unw_dir.join(format!("{name}.unw.tif"));
            write_tif::<colortype::Gray32Float>(&geo(), &unw, &phase, Some("0"))?;
            let labels = Raster::plain(&cc[..], rows, cols, 65535u16);
            let ccf = unw_dir.join(format!("{name}.unw.conncomp.tif"));
            write_tif::<colortype::Gray16>(&geo(), &ccf, &labels, Some("65535"))?;
            let coh = Raster::plain(&buf.coh[..], rows, cols, 0.0f32);
            let cor = ifg_dir.join(format!("{name}.int.cor.tif"));
            write_tif::<colortype::Gray32Float>(&geo(), &cor, &coh, Some("0"))
                .with_context(|| format!("pair {name}"))
        },
    )?;
    write_truth(&truth_dir, cfg, &scene)?;
    Ok(SimReport {
        out_dir: out.to_path_buf(),
        interferograms_dir: unw_dir,
        geometry_dir: work.clone(),
        baselines_dir: work.clone(),
        reference_dir: work,
        truth_dir,
        rows,
        cols,
        num_dates: cfg.num_dates,
        num_pairs: pairs.len(),
        reference_pixel: cfg.reference_pixel(),
    })
}
