//! The simulated stack written as an ARIA-tools time-series folder (what `ariaTSsetup.py -of
//! ENVI` or `--mask` writes from ARIA GUNW products), on a WGS 84 latitude/longitude grid of
//! 3 arc seconds (ARIA's standard product spacing):
//! `stack/{unwrapStack,cohStack,connCompStack}.vrt`, per pair (named `date2_date1`, later date
//! first) `unwrappedPhase/`, `coherence/`, `connectedComponents/` ENVI rasters with their
//! header and VRT, `incidenceAngle/` and `azimuthAngle/` (one file, named after a pair),
//! `DEM/glo_90.dem`, `mask/esa_world_cover_2021.msk`, `bPerpendicular/bperp.json`.
//!
//! Facts followed (aria-tools/ARIA-tools, commit 7b151f926438a5f3eb6375f982d420096808eaf0):
//! - stack VRT text, band metadata keys and order, `Int16` bands for connected components,
//!   `Float32` otherwise, paths relative to `stack/`, pairs in sorted file-name order, the
//!   no-data value of the first pair's raster: `tools/bin/ariaTSsetup.py` `generate_stack`;
//!   `perpendicularBaseline` the mean of the pair's grid, from `bPerpendicular/bperp.json`
//!   (`extractProduct.extract_bperp_dict`);
//! - unwrapped phase and connected components: `gdal.Warp(format=ENVI,
//!   outputType=Float32)` then `gdal.Translate(<name>.vrt, format="VRT")`, no data 0 and -1,
//!   then the phase set to NaN where it is 0 or its component is 0 or -1, and the components
//!   set to NaN where 0 or -1 (`tools/ARIAtools/util/seq_stitch.py`
//!   `product_stitch_sequential`);
//! - coherence, incidence and azimuth angles: ENVI via `gdal.Warp` and a `gdal.Translate` VRT
//!   (`extractProduct.export_product_worker`, `finalize_metadata`); the geometry layers are
//!   extracted once, "valid over common interferometric grid";
//! - the DEM `DEM/glo_90.dem`, `Int16` (`util/dem.py` `prep_dem`); the mask
//!   `mask/esa_world_cover_2021.msk`, `Byte`, 1 = land, 0 = water and no data (`util/mask.py`
//!   `prep_mask`); GDAL's ENVI driver names the header `glo_90.hdr` for `glo_90.dem` (GDAL
//!   3.6, checked);
//! - ARIA's azimuth angle is measured from the east, MintPy's (ISCE's) from the north
//!   (`prep_aria.write_geometry` subtracts 90 degrees); the pair `date2_date1` phase and
//!   baseline are negated by MintPy (`write_ifgram_stack`).
//!
//! Our choices: ascending pass (`orbitDirection` ASCENDING, as the simulated heading); no data
//! 0 for coherence and the angles, -32768 for the DEM; the sensor values of the ISCE2
//! simulation (`startRange`, `slantRangeSpacing`, wavelength, UTC time); the phase is the
//! ISCE2 simulation's, negated (ARIA's `date2_date1`), so that MintPy's reading gives the same
//! arrays as from the ISCE2 simulation where ARIA keeps data.

use std::fmt::Write as _;
use std::path::Path;

use anyhow::Context;
use rayon::prelude::*;

use super::config::SimConfig;
use super::fields::Scene;
use super::sensor;
use super::writer::{create_dir, fill_pair, pair_defects, write_truth, PairBuffers, SimReport};
use crate::meta::pyfmt::py_f64;
use crate::meta::Date;

/// Pixel size (degrees): 3 arc seconds.
pub const PIXEL: f64 = 1.0 / 1200.0;
/// North-west corner (longitude, latitude) of the grid.
pub const CORNER: (f64, f64) = (sensor::ORIGIN_LAT_LON.1, sensor::ORIGIN_LAT_LON.0);
/// No-data value of the DEM.
pub const DEM_NODATA: i16 = -32768;

/// GDAL's WKT of EPSG:4326 (`GetProjection()`, GDAL 3.6).
const WKT_4326: &str = "GEOGCS[\"WGS 84\",DATUM[\"WGS_1984\",SPHEROID[\"WGS 84\",6378137,298.257223563,AUTHORITY[\"EPSG\",\"7030\"]],AUTHORITY[\"EPSG\",\"6326\"]],PRIMEM[\"Greenwich\",0,AUTHORITY[\"EPSG\",\"8901\"]],UNIT[\"degree\",0.0174532925199433,AUTHORITY[\"EPSG\",\"9122\"]],AXIS[\"Latitude\",NORTH],AXIS[\"Longitude\",EAST],AUTHORITY[\"EPSG\",\"4326\"]]";

/// The geotransform of the grid.
fn geotransform() -> [f64; 6] {
    [CORNER.0, PIXEL, 0.0, CORNER.1, 0.0, -PIXEL]
}

/// C's `%24.16e` (GDAL's `<GeoTransform>` numbers).
fn c_e16(v: f64) -> String {
    let s = format!("{v:.16e}");
    let (m, e) = s.split_once('e').unwrap_or((&s, "0"));
    let e: i32 = e.parse().unwrap_or(0);
    format!(
        "{:>24}",
        format!("{m}e{}{:02}", if e < 0 { '-' } else { '+' }, e.abs())
    )
}

/// A raster type GDAL writes.
#[derive(Clone, Copy)]
enum Ty {
    Byte,
    Int16,
    Float32,
}

impl Ty {
    fn gdal(self) -> &'static str {
        match self {
            Ty::Byte => "Byte",
            Ty::Int16 => "Int16",
            Ty::Float32 => "Float32",
        }
    }
    fn envi(self) -> u8 {
        match self {
            Ty::Byte => 1,
            Ty::Int16 => 2,
            Ty::Float32 => 4,
        }
    }
}

/// GDAL's no-data text in a VRT (`%.18g`: `0`, `-1`, `-32768`).
fn nodata_text(v: f64) -> String {
    format!("{v}")
}

/// Writes the ENVI raster `path` (`bytes` little-endian samples of `ty`), its header as GDAL's
/// ENVI driver names and writes it, and `path.vrt` as `gdal.Translate(format="VRT")` does.
fn write_envi(
    path: &Path,
    bytes: &[u8],
    ty: Ty,
    (rows, cols): (usize, usize),
    nodata: f64,
) -> anyhow::Result<()> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let hdr = if path.extension().is_some() {
        path.with_extension("hdr")
    } else {
        path.with_file_name(format!("{name}.hdr"))
    };
    let (w, n) = CORNER;
    // GDAL writes the name it was given; ours is relative to the folder, so that the bytes
    // do not depend on where the folder is.
    let parent = path
        .parent()
        .and_then(|p| p.file_name())
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let header = format!(
        "ENVI\ndescription = {{\n{}}}\nsamples = {cols}\nlines   = {rows}\nbands   = 1\n\
         header offset = 0\nfile type = ENVI Standard\ndata type = {}\ninterleave = bsq\n\
         byte order = 0\nmap info = {{Geographic Lat/Lon, 1, 1, {}, {}, {}, {},WGS-84}}\n\
         coordinate system string = {{GEOGCS[\"GCS_WGS_1984\",DATUM[\"D_WGS_1984\",\
         SPHEROID[\"WGS_1984\",6378137.0,298.257223563]],PRIMEM[\"Greenwich\",0.0],\
         UNIT[\"Degree\",0.0174532925199433]]}}\nband names = {{\nBand 1}}\n\
         data ignore value = {}\n",
        Path::new(&parent).join(&name).display(),
        ty.envi(),
        py_f64(w),
        py_f64(n),
        py_f64(PIXEL),
        py_f64(PIXEL),
        nodata_text(nodata)
    );
    let gt = geotransform().map(c_e16).join(",");
    let t = ty.gdal();
    let vrt = format!(
        "<VRTDataset rasterXSize=\"{cols}\" rasterYSize=\"{rows}\">\n  \
         <SRS dataAxisToSRSAxisMapping=\"2,1\">{WKT_4326}</SRS>\n  \
         <GeoTransform>{gt}</GeoTransform>\n  <Metadata>\n    \
         <MDI key=\"Band_1\">Band 1</MDI>\n  </Metadata>\n  \
         <Metadata domain=\"IMAGE_STRUCTURE\">\n    <MDI key=\"INTERLEAVE\">BAND</MDI>\n  \
         </Metadata>\n  <VRTRasterBand dataType=\"{t}\" band=\"1\" blockYSize=\"1\">\n    \
         <NoDataValue>{}</NoDataValue>\n    <SimpleSource>\n      \
         <SourceFilename relativeToVRT=\"1\">{name}</SourceFilename>\n      \
         <SourceBand>1</SourceBand>\n      \
         <SourceProperties RasterXSize=\"{cols}\" RasterYSize=\"{rows}\" DataType=\"{t}\" \
         BlockXSize=\"{cols}\" BlockYSize=\"1\" />\n      \
         <SrcRect xOff=\"0\" yOff=\"0\" xSize=\"{cols}\" ySize=\"{rows}\" />\n      \
         <DstRect xOff=\"0\" yOff=\"0\" xSize=\"{cols}\" ySize=\"{rows}\" />\n    \
         </SimpleSource>\n  </VRTRasterBand>\n</VRTDataset>\n",
        nodata_text(nodata)
    );
    let vrt_path = crate::source::raster::sidecar(path, "vrt");
    for (p, b) in [
        (path, bytes),
        (hdr.as_path(), header.as_bytes()),
        (vrt_path.as_path(), vrt.as_bytes()),
    ] {
        std::fs::write(p, b).with_context(|| format!("cannot write {}", p.display()))?;
    }
    Ok(())
}

fn f32_bytes(v: &[f32]) -> Vec<u8> {
    v.iter().flat_map(|x| x.to_le_bytes()).collect()
}

/// ARIA's name of the pair (`i`, `j`): the later date first.
fn pair_name(dates: &[Date], (i, j): (usize, usize)) -> String {
    format!("{}_{}", dates[j], dates[i])
}

/// The stack VRT `stack/<file>.vrt` of `layer`, as `generate_stack` writes it.
struct StackText<'a> {
    layer: &'a str,
    ty: Ty,
    nodata: f64,
    /// Folder of the bands' rasters, relative to the stack VRT's folder.
    src: &'a str,
    /// Whether the bands carry `perpendicularBaseline` (pairs, not dates).
    with_bperp: bool,
}

fn stack_vrt(
    s: &StackText,
    names: &[String],
    bperp: &std::collections::BTreeMap<String, f64>,
    (rows, cols): (usize, usize),
) -> String {
    let gt = geotransform().map(py_f64).join(",");
    let mut out = format!(
        "<VRTDataset rasterXSize=\"{cols}\" rasterYSize=\"{rows}\">\n        \
         <SRS>{WKT_4326}</SRS>\n        <GeoTransform>{gt}</GeoTransform>\n\n        "
    );
    let t = s.ty.gdal();
    let end_range =
        sensor::STARTING_RANGE + (cols * sensor::RLOOKS) as f64 * sensor::RANGE_PIXEL_SIZE_FULL;
    let utc = {
        let sec = sensor::CENTER_LINE_UTC;
        let h = (sec / 3600.0).floor();
        let m = ((sec - h * 3600.0) / 60.0).floor();
        format!(
            "{:02}:{:02}:{:09.6}",
            h as u32,
            m as u32,
            sec - h * 3600.0 - m * 60.0
        )
    };
    for (k, name) in names.iter().enumerate() {
        let _ = write!(
            out,
            "  <VRTRasterBand dataType=\"{t}\" band=\"{}\">\n        \
             <NoDataValue>{}</NoDataValue>\n        <SimpleSource>\n            \
             <SourceFilename relativeToVRT=\"1\">{}/{name}.vrt</SourceFilename>\n            \
             <SourceBand>1</SourceBand>\n            \
             <SourceProperties RasterXSize=\"{cols}\" RasterYSize=\"{rows}\"\n                \
             DataType=\"{t}\"/>\n            \
             <SrcRect xOff=\"0\" yOff=\"0\" xSize=\"{cols}\"\n                \
             ySize=\"{rows}\"/>\n            \
             <DstRect xOff=\"0\" yOff=\"0\" xSize=\"{cols}\" ySize=\"{rows}\"/>\n        \
             </SimpleSource>\n        <Metadata domain='{}'>\n            \
             <MDI key=\"Dates\">{name}</MDI>\n            \
             <MDI key=\"Wavelength (m)\">{}</MDI>\n            \
             <MDI key=\"UTCTime (HH:MM:SS.ss)\">{utc}</MDI>\n            \
             <MDI key=\"startRange\">{}</MDI>\n            \
             <MDI key=\"endRange\">{}</MDI>\n            \
             <MDI key=\"slantRangeSpacing\">{}</MDI>\n            \
             <MDI key=\"orbitDirection\">ASCENDING</MDI>{}\n        </Metadata>\n    \
             </VRTRasterBand>\n",
            k + 1,
            py_f64(s.nodata),
            s.src,
            s.layer,
            py_f64(sensor::WAVELENGTH),
            py_f64(sensor::STARTING_RANGE),
            py_f64(end_range),
            py_f64(sensor::RANGE_PIXEL_SIZE_FULL),
            if s.with_bperp {
                format!(
                    "\n            <MDI key=\"perpendicularBaseline\">{}</MDI>",
                    py_f64(bperp.get(name).copied().unwrap_or(0.0))
                )
            } else {
                String::new()
            },
        );
    }
    out.push_str("</VRTDataset>\n");
    out
}

/// Writes a synthetic ARIA-tools time-series folder with ground truth into `out`. The bytes
/// depend only on `cfg`.
pub fn simulate_aria(out: &Path, cfg: &SimConfig) -> anyhow::Result<SimReport> {
    cfg.validate()?;
    let dirs = [
        "stack",
        "unwrappedPhase",
        "coherence",
        "connectedComponents",
        "incidenceAngle",
        "azimuthAngle",
        "DEM",
        "mask",
        "bPerpendicular",
        "truth",
    ];
    for d in dirs {
        create_dir(&out.join(d))?;
    }
    let scene = Scene::new(cfg);
    let pairs = cfg.pairs();
    let dates = cfg.dates();
    let defects = pair_defects(cfg, pairs.len());
    let (rows, cols) = (cfg.rows, cfg.cols);
    let shape = (rows, cols);
    pairs.par_iter().enumerate().try_for_each_init(
        || PairBuffers::new(rows * cols),
        |buf, (k, &(i, j))| -> anyhow::Result<()> {
            let name = pair_name(&dates, (i, j));
            fill_pair(cfg, &scene, k, (i, j), &defects, buf);
            let unw: Vec<f32> = buf
                .phase
                .iter()
                .zip(&buf.cc)
                .map(|(&p, &c)| if p == 0.0 || c == 0 { f32::NAN } else { -p })
                .collect();
            let cc: Vec<f32> = buf
                .cc
                .iter()
                .map(|&c| if c == 0 { f32::NAN } else { c as f32 })
                .collect();
            let file = |d: &str| out.join(d).join(&name);
            write_envi(
                &file("unwrappedPhase"),
                &f32_bytes(&unw),
                Ty::Float32,
                shape,
                0.0,
            )?;
            write_envi(
                &file("connectedComponents"),
                &f32_bytes(&cc),
                Ty::Float32,
                shape,
                -1.0,
            )?;
            write_envi(
                &file("coherence"),
                &f32_bytes(&buf.coh),
                Ty::Float32,
                shape,
                0.0,
            )
        },
    )?;
    // ARIA's pairs in file-name order, as generate_stack globs and sorts them.
    let mut names: Vec<String> = pairs.iter().map(|&p| pair_name(&dates, p)).collect();
    names.sort();
    let mut bperp = std::collections::BTreeMap::new();
    for &(i, j) in &pairs {
        // date2_date1: MintPy negates it into the date1_date2 baseline.
        bperp.insert(
            pair_name(&dates, (i, j)),
            -(scene.bperp[j] - scene.bperp[i]),
        );
    }
    let json = format!(
        "{{{}}}",
        bperp
            .iter()
            .map(|(k, v)| format!("\"{k}\": {}", py_f64(*v)))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let write = |p: &Path, b: &[u8]| {
        std::fs::write(p, b).with_context(|| format!("cannot write {}", p.display()))
    };
    write(&out.join("bPerpendicular/bperp.json"), json.as_bytes())?;
    for (layer, file, ty, nodata) in [
        ("unwrappedPhase", "unwrapStack", Ty::Float32, 0.0),
        ("coherence", "cohStack", Ty::Float32, 0.0),
        ("connectedComponents", "connCompStack", Ty::Int16, -1.0),
    ] {
        let src = format!("../{layer}");
        let st = StackText {
            layer,
            ty,
            nodata,
            src: &src,
            with_bperp: true,
        };
        let text = stack_vrt(&st, &names, &bperp, shape);
        write(
            &out.join("stack").join(format!("{file}.vrt")),
            text.as_bytes(),
        )?;
    }

    let geom_name = names.first().cloned().unwrap_or_default();
    let inc: Vec<f32> = (0..rows * cols)
        .map(|p| scene.incidence_deg[p % cols])
        .collect();
    write_envi(
        &out.join("incidenceAngle").join(&geom_name),
        &f32_bytes(&inc),
        Ty::Float32,
        shape,
        0.0,
    )?;
    let az = (sensor::azimuth_angle_deg() + 90.0) as f32;
    write_envi(
        &out.join("azimuthAngle").join(&geom_name),
        &f32_bytes(&vec![az; rows * cols]),
        Ty::Float32,
        shape,
        0.0,
    )?;
    let dem: Vec<u8> = scene
        .height
        .iter()
        .flat_map(|&h| (h.round() as i16).to_le_bytes())
        .collect();
    write_envi(
        &out.join("DEM/glo_90.dem"),
        &dem,
        Ty::Int16,
        shape,
        DEM_NODATA as f64,
    )?;
    let mask: Vec<u8> = scene.water.iter().map(|&w| u8::from(!w)).collect();
    write_envi(
        &out.join("mask/esa_world_cover_2021.msk"),
        &mask,
        Ty::Byte,
        shape,
        0.0,
    )?;
    let truth_dir = out.join("truth");
    write_truth(&truth_dir, cfg, &scene)?;
    Ok(SimReport {
        out_dir: out.to_path_buf(),
        interferograms_dir: out.join("stack"),
        geometry_dir: out.join("incidenceAngle"),
        baselines_dir: out.join("bPerpendicular"),
        reference_dir: out.join("stack"),
        truth_dir,
        rows,
        cols,
        num_dates: cfg.num_dates,
        num_pairs: pairs.len(),
        reference_pixel: cfg.reference_pixel(),
    })
}

/// The weather model of the simulated tropospheric correction stack.
pub const TROPO_MODEL: &str = "HRRR";

/// The simulated solid Earth tide of date `k` at pixel `p` (m, line of sight): a few
/// millimetres, smooth in space, different each date.
fn solid_earth_tide(cfg: &SimConfig, k: usize, p: usize) -> f64 {
    let (y, x) = ((p / cfg.cols) as f64, (p % cfg.cols) as f64);
    let (ny, nx) = (cfg.rows.max(2) as f64 - 1.0, cfg.cols.max(2) as f64 - 1.0);
    0.004 * (0.9 * k as f64 + 0.4).sin() * (1.0 + 0.5 * x / nx - 0.3 * y / ny)
}

/// Writes ARIA-tools' per-date correction stacks of the simulated folder `out` (made by
/// [`simulate_aria`] with the same `cfg`): the tropospheric delay of model
/// [`TROPO_MODEL`] (`troposphereTotal/HRRR/dates/YYYYMMDD` ENVI + `.vrt`,
/// `stack/troposphereTotal/HRRRStack.vrt`) and the solid Earth tides
/// (`solidEarthTide/dates/YYYYMMDD`, `stack/setStack.vrt`), in radians, NaN on water (no data
/// 0), as `ariaTSsetup.py --layers "troposphereTotal, solidEarthTide, ionosphere"
/// --tropo_models HRRR` leaves them (commit 7b151f92: `generate_stack` and
/// `extractProduct.handle_epoch_layers`); and the ionosphere pair stack (`write_ionosphere`).
///
/// The two add up to the simulated atmosphere of each date: the tides are a small smooth
/// field and the troposphere the rest, so MintPy's loading (radians times wavelength / 4 pi)
/// of both, subtracted from the series, removes the simulated atmosphere. The tides are also
/// written to `truth/solid_earth_tide.f32` and the troposphere to `truth/troposphere.f32`
/// (dates x rows x cols, metres, absolute).
pub fn write_aria_corrections(out: &Path, cfg: &SimConfig) -> anyhow::Result<()> {
    cfg.validate()?;
    let scene = Scene::new(cfg);
    let dates = cfg.dates();
    let (rows, cols) = (cfg.rows, cfg.cols);
    let shape = (rows, cols);
    let m2rad = 4.0 * std::f64::consts::PI / sensor::WAVELENGTH;
    let tropo_dir = format!("troposphereTotal/{TROPO_MODEL}/dates");
    for d in [
        tropo_dir.as_str(),
        "solidEarthTide/dates",
        "stack/troposphereTotal",
        "truth",
    ] {
        create_dir(&out.join(d))?;
    }
    let mut truth_tropo = Vec::with_capacity(dates.len() * rows * cols);
    let mut truth_set = Vec::with_capacity(dates.len() * rows * cols);
    for (k, date) in dates.iter().enumerate() {
        let mut tropo = Vec::with_capacity(rows * cols);
        let mut set = Vec::with_capacity(rows * cols);
        for p in 0..rows * cols {
            let tide = solid_earth_tide(cfg, k, p);
            let delay = scene.atmosphere(k, p) - tide;
            truth_tropo.push(delay as f32);
            truth_set.push(tide as f32);
            if scene.water[p] {
                tropo.push(f32::NAN);
                set.push(f32::NAN);
            } else {
                tropo.push((delay * m2rad) as f32);
                set.push((tide * m2rad) as f32);
            }
        }
        let name = date.to_string();
        write_envi(
            &out.join(&tropo_dir).join(&name),
            &f32_bytes(&tropo),
            Ty::Float32,
            shape,
            0.0,
        )?;
        write_envi(
            &out.join("solidEarthTide/dates").join(&name),
            &f32_bytes(&set),
            Ty::Float32,
            shape,
            0.0,
        )?;
    }
    write_ionosphere(out, cfg, &scene)?;
    let names: Vec<String> = dates.iter().map(|d| d.to_string()).collect();
    let none = std::collections::BTreeMap::new();
    let src = format!("../../{tropo_dir}");
    for (st, file) in [
        (
            StackText {
                layer: TROPO_MODEL,
                ty: Ty::Float32,
                nodata: 0.0,
                src: &src,
                with_bperp: false,
            },
            format!("stack/troposphereTotal/{TROPO_MODEL}Stack.vrt"),
        ),
        (
            StackText {
                layer: "solidEarthTide",
                ty: Ty::Float32,
                nodata: 0.0,
                src: "../solidEarthTide/dates",
                with_bperp: false,
            },
            "stack/setStack.vrt".to_string(),
        ),
    ] {
        let text = stack_vrt(&st, &names, &none, shape);
        let p = out.join(file);
        std::fs::write(&p, text).with_context(|| format!("cannot write {}", p.display()))?;
    }
    for (file, v) in [
        ("truth/troposphere.f32", &truth_tropo),
        ("truth/solid_earth_tide.f32", &truth_set),
    ] {
        let p = out.join(file);
        std::fs::write(&p, f32_bytes(v))
            .with_context(|| format!("cannot write {}", p.display()))?;
    }
    Ok(())
}

/// The simulated ionospheric phase of date `k` at pixel `p` (radians): a long-wavelength
/// ramp, different each date.
fn ionosphere(cfg: &SimConfig, k: usize, p: usize) -> f64 {
    let (y, x) = ((p / cfg.cols) as f64, (p % cfg.cols) as f64);
    let (ny, nx) = (cfg.rows.max(2) as f64 - 1.0, cfg.cols.max(2) as f64 - 1.0);
    (1.3 * k as f64 + 0.2).cos() * (0.8 * x / nx + 0.5 * y / ny)
}

/// Writes ARIA's ionosphere pair stack: `ionosphere/<date2_date1>` ENVI + `.vrt` (radians,
/// `date2_date1` as ARIA's phase, NaN on water, no data 0) and `stack/ionoStack.vrt` (domain
/// `ionosphere`, with `perpendicularBaseline`), as `ariaTSsetup.py --layers ionosphere` leaves
/// them (`generate_stack`: pairs, as the phase). It is not part of the interferograms.
fn write_ionosphere(out: &Path, cfg: &SimConfig, scene: &Scene) -> anyhow::Result<()> {
    create_dir(&out.join("ionosphere"))?;
    let dates = cfg.dates();
    let pairs = cfg.pairs();
    let (rows, cols) = (cfg.rows, cfg.cols);
    let mut bperp = std::collections::BTreeMap::new();
    for &(i, j) in &pairs {
        let name = pair_name(&dates, (i, j));
        let v: Vec<f32> = (0..rows * cols)
            .map(|p| {
                if scene.water[p] {
                    f32::NAN
                } else {
                    (ionosphere(cfg, i, p) - ionosphere(cfg, j, p)) as f32
                }
            })
            .collect();
        write_envi(
            &out.join("ionosphere").join(&name),
            &f32_bytes(&v),
            Ty::Float32,
            (rows, cols),
            0.0,
        )?;
        bperp.insert(name, -(scene.bperp[j] - scene.bperp[i]));
    }
    let mut names: Vec<String> = bperp.keys().cloned().collect();
    names.sort();
    let st = StackText {
        layer: "ionosphere",
        ty: Ty::Float32,
        nodata: 0.0,
        src: "../ionosphere",
        with_bperp: true,
    };
    let p = out.join("stack/ionoStack.vrt");
    std::fs::write(&p, stack_vrt(&st, &names, &bperp, (rows, cols)))
        .with_context(|| format!("cannot write {}", p.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gdal_geotransform_numbers() {
        assert_eq!(c_e16(-118.35), " -1.1834999999999999e+02");
        assert_eq!(c_e16(PIXEL), "  8.3333333333333339e-04");
        assert_eq!(c_e16(0.0), "  0.0000000000000000e+00");
    }
}
