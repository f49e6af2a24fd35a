//! ARIA time-series folders, as ARIA-tools' `ariaTSsetup.py` writes them and MintPy 1.6.4's
//! `prep_aria` reads them: `stack/unwrapStack.vrt`, `stack/cohStack.vrt` and
//! `stack/connCompStack.vrt` (one band per pair, each pointing at the pair's raster under
//! `unwrappedPhase/`, `coherence/`, `connectedComponents/`, with the pair's metadata); the DEM
//! (`DEM/glo_90.dem`, older `DEM/SRTM_3arcsec.dem`), `incidenceAngle/*.vrt`,
//! `azimuthAngle/*.vrt` and the water mask (`mask/*.msk`) on the same latitude/longitude grid.
//!
//! Arrays and attributes are MintPy's: pairs named `date2_date1` by ARIA are turned into
//! `date1_date2` with the phase and perpendicular baseline negated; no-data values of each
//! stack (those of its last pair's raster) read as 0; the connected components converted to
//! the stack VRT's `Int16` as GDAL converts; heights and angles with their no-data as NaN,
//! ARIA's azimuth angle (from the east) turned into ISCE's (from the north) by subtracting 90
//! degrees and zeroed on water; the slant range MintPy's constant `startRange`; the metadata of
//! the first band of `unwrapStack.vrt` with MintPy's additions (`HEADING` -12 or -168 by the
//! pass direction, 7 x 19 looks, ...).

pub mod corrections;
pub mod vrt_stack;
pub mod warped;

use std::path::{Path, PathBuf};

use anyhow::{bail, Context};

use super::layout::{first_match, AutoPath, LoadGlobs, LoadKey, ARIA};
use super::{
    check_pairs, check_read, Detection, GeomLayer, StackCoords, StackFormat, StackInfo, StackLayer,
    StackSource,
};
use crate::geo::grid::MapGrid;
use crate::meta::pyfmt::py_f64;
use crate::meta::{Attributes, Date};
use crate::network::Network;
use crate::source::raster::DataType;
use crate::window::Window;
use vrt_stack::{read_stack_vrt, Band, StackBand, StackVrt};

/// The ARIA format: a folder holding `stack/unwrapStack.vrt`.
#[derive(Debug, Clone, Copy, Default)]
pub struct AriaFormat;

impl StackFormat for AriaFormat {
    fn name(&self) -> &'static str {
        "ARIA"
    }

    fn detect(&self, path: &Path) -> Detection {
        if aria_root(path).is_some() {
            Detection::Recognised
        } else {
            Detection::not_recognised(
                "an ARIA-tools time-series folder holding stack/unwrapStack.vrt (or that \
                 stack folder, or its unwrapStack.vrt)",
            )
        }
    }

    fn open(&self, path: &Path) -> anyhow::Result<Box<dyn StackSource>> {
        self.open_with(path, &LoadGlobs::new())
    }

    fn open_with(&self, path: &Path, globs: &LoadGlobs) -> anyhow::Result<Box<dyn StackSource>> {
        let root = aria_root(path).unwrap_or_else(|| path.to_path_buf());
        Ok(Box::new(AriaStack::open_with(&root, globs)?))
    }

    fn auto_path(&self) -> Option<&'static AutoPath> {
        Some(&ARIA)
    }

    fn project_root(&self, path: &Path) -> PathBuf {
        aria_root(path).unwrap_or_else(|| path.to_path_buf())
    }
}

/// The ARIA-tools folder of `path`: the folder holding `stack/unwrapStack.vrt`, given as
/// itself, its `stack` folder or that file.
fn aria_root(path: &Path) -> Option<PathBuf> {
    let is_stack_vrt =
        |p: &Path| p.is_file() && p.file_name().is_some_and(|n| n == "unwrapStack.vrt");
    if path.is_dir() && is_stack_vrt(&path.join("stack/unwrapStack.vrt")) {
        return Some(path.to_path_buf());
    }
    if path.is_dir() && is_stack_vrt(&path.join("unwrapStack.vrt")) {
        return path.parent().map(Path::to_path_buf);
    }
    if is_stack_vrt(path) {
        return path.parent().and_then(Path::parent).map(Path::to_path_buf);
    }
    None
}

/// MintPy's fixed looks of ARIA's standard products (`prep_aria.extract_metadata`).
const ALOOKS: u32 = 7;
const RLOOKS: u32 = 19;
/// MintPy's Sentinel-1 IW2 resolutions and pixel sizes (`mintpy/objects/sensor.py`).
const S1_RANGE_RESOLUTION: f64 = 3.1;
const S1_AZIMUTH_RESOLUTION: f64 = 22.7;
const S1_RANGE_PIXEL: f64 = 2.3;
const S1_AZIMUTH_PIXEL: f64 = 14.1;

/// One stack VRT opened: its bands' rasters, the no-data MintPy replaces by 0, and the type
/// its bands convert to.
#[derive(Debug)]
struct Layer {
    vrt: StackVrt,
    sources: Vec<Band>,
    nodata: Option<f64>,
}

impl Layer {
    fn open(path: &Path, grid: Option<&MapGrid>) -> anyhow::Result<Layer> {
        let vrt = read_stack_vrt(path)?;
        if let Some(g) = grid {
            if !same_grid(&vrt.grid, g) {
                bail!(
                    "ARIA stack VRT {} is on another grid ({}) than unwrapStack.vrt ({})",
                    path.display(),
                    show_grid(&vrt.grid),
                    show_grid(g)
                );
            }
        }
        let mut sources = Vec::with_capacity(vrt.bands.len());
        for b in &vrt.bands {
            if !matches!(b.dtype, DataType::F32 | DataType::I16) {
                bail!(
                    "ARIA stack VRT {}: band {} is {:?}; ariaTSsetup.py writes Float32 and Int16 \
                     bands",
                    path.display(),
                    b.index,
                    b.dtype
                );
            }
            let band = Band::open(&b.source).with_context(|| {
                format!(
                    "ARIA stack VRT {}: band {} ({})",
                    path.display(),
                    b.index,
                    b.get("Dates").unwrap_or("no Dates")
                )
            })?;
            let (w, l) = band.size();
            if (w, l) != (vrt.width, vrt.length) {
                bail!(
                    "ARIA stack VRT {}: band {}'s raster {} is {l} x {w} (rows x columns), the \
                     stack {} x {}: every pair must be on the stack's grid",
                    path.display(),
                    b.index,
                    band.path.display(),
                    vrt.length,
                    vrt.width
                );
            }
            if let Some(g) = &band.grid {
                if !same_grid(g, &vrt.grid) {
                    bail!(
                        "ARIA stack VRT {}: band {}'s raster {} is on another grid ({}) than \
                         the stack ({})",
                        path.display(),
                        b.index,
                        band.path.display(),
                        show_grid(g),
                        show_grid(&vrt.grid)
                    );
                }
            }
            sources.push(band);
        }
        // MintPy takes the no-data value of the stack's last file (`GetFileList()[-1]`).
        let nodata = sources.last().and_then(|b| b.nodata);
        Ok(Layer {
            vrt,
            sources,
            nodata,
        })
    }

    /// Reads band `k` (0-based) in `window` as MintPy stores it: converted to the band's type,
    /// no-data as 0.
    fn read(&self, k: usize, window: &Window, out: &mut [f32]) -> anyhow::Result<()> {
        self.sources[k].read(window, out)?;
        if self.vrt.bands[k].dtype == DataType::I16 {
            out.iter_mut().for_each(|v| *v = gdal_i16(*v));
        }
        if let Some(nd) = self.nodata {
            for v in out.iter_mut() {
                if *v as f64 == nd {
                    *v = 0.0;
                }
            }
        }
        Ok(())
    }
}

/// GDAL's conversion of a float32 sample to Int16 (GDAL 3.6, what MintPy's VRT read does):
/// rounded half away from zero, clamped, NaN to the smallest value.
fn gdal_i16(v: f32) -> f32 {
    if v.is_nan() {
        return i16::MIN as f32;
    }
    v.round().clamp(i16::MIN as f32, i16::MAX as f32)
}

/// Whether two grids are the same (size, steps, origin within a thousandth of a pixel).
fn same_grid(a: &MapGrid, b: &MapGrid) -> bool {
    let close = |x: f64, y: f64, step: f64| (x - y).abs() <= 1e-3 * step.abs();
    (a.length, a.width) == (b.length, b.width)
        && close(a.x_step, b.x_step, b.x_step)
        && close(a.y_step, b.y_step, b.y_step)
        && close(a.x_first, b.x_first, b.x_step)
        && close(a.y_first, b.y_first, b.y_step)
        && (a.epsg.is_none() || b.epsg.is_none() || a.epsg == b.epsg)
}

fn show_grid(g: &MapGrid) -> String {
    format!(
        "{} x {} pixels from ({}, {}) by ({}, {}){}",
        g.length,
        g.width,
        g.x_first,
        g.y_first,
        g.x_step,
        g.y_step,
        g.epsg.map(|e| format!(", EPSG:{e}")).unwrap_or_default()
    )
}

/// The pair `date1_date2` (earlier first) of a band's `Dates` (ARIA's `date2_date1`).
fn band_pair(vrt: &Path, b: &StackBand) -> anyhow::Result<(Date, Date)> {
    let text = b.get("Dates").with_context(|| {
        format!(
            "ARIA stack VRT {}: band {} has no Dates in its <Metadata> (ariaTSsetup.py writes \
             <MDI key=\"Dates\">YYYYMMDD_YYYYMMDD</MDI> for each pair)",
            vrt.display(),
            b.index
        )
    })?;
    let bad = || {
        format!(
            "ARIA stack VRT {}: band {}'s Dates '{text}' is not YYYYMMDD_YYYYMMDD",
            vrt.display(),
            b.index
        )
    };
    let (x, y) = text.split_once('_').with_context(bad)?;
    let (x, y) = (
        Date::parse(x).ok().with_context(bad)?,
        Date::parse(y).ok().with_context(bad)?,
    );
    Ok(if x <= y { (x, y) } else { (y, x) })
}

/// The band of each pair of `pairs` in `layer`, matched by their dates.
fn bands_by_pair(layer: &Layer, pairs: &[(Date, Date)]) -> anyhow::Result<Vec<usize>> {
    let mine: Vec<(Date, Date)> = layer
        .vrt
        .bands
        .iter()
        .map(|b| band_pair(&layer.vrt.path, b))
        .collect::<anyhow::Result<_>>()?;
    pairs
        .iter()
        .map(|p| {
            mine.iter().position(|q| q == p).with_context(|| {
                format!(
                    "ARIA stack VRT {} has no band of the pair {}_{} of unwrapStack.vrt (it \
                     has {} bands): the stacks must hold the same pairs",
                    layer.vrt.path.display(),
                    p.0,
                    p.1,
                    mine.len()
                )
            })
        })
        .collect()
}

/// MintPy's attributes of an ARIA stack (`prep_aria.extract_metadata`).
fn stack_attrs(unw: &StackVrt) -> anyhow::Result<Attributes> {
    let b = &unw.bands[0];
    let need = |k: &str| -> anyhow::Result<&str> {
        b.get(k).with_context(|| {
            format!(
                "ARIA stack VRT {}: band 1 has no '{k}' in its <Metadata domain='{}'> (MintPy's \
                 prep_aria needs it)",
                unw.path.display(),
                b.domain
            )
        })
    };
    let num = |k: &str| -> anyhow::Result<f64> {
        let v = need(k)?;
        v.trim().parse::<f64>().with_context(|| {
            format!(
                "ARIA stack VRT {}: band 1's '{k}' = '{v}' is not a number",
                unw.path.display()
            )
        })
    };
    let mut a = Attributes::new();
    for (k, v) in &b.meta {
        if k != "Dates" && k != "perpendicularBaseline" {
            a.set(k.as_str(), v);
        }
    }
    let (length, width) = (unw.length, unw.width);
    let orbit = need("orbitDirection")?.to_uppercase();
    a.set("ANTENNA_SIDE", -1);
    a.set("PROCESSOR", "isce");
    a.set("FILE_LENGTH", length);
    a.set("LENGTH", length);
    a.set("ORBIT_DIRECTION", &orbit);
    if !a.contains("PLATFORM") {
        a.set("PLATFORM", "Sen");
    }
    a.set("WAVELENGTH", py_f64(num("Wavelength (m)")?));
    a.set("WIDTH", width);
    a.set("NUMBER_OF_PAIRS", unw.bands.len());
    a.set("STARTING_RANGE", py_f64(num("startRange")?));
    a.set(
        "HEADING",
        if orbit.starts_with('D') {
            "-168"
        } else {
            "-12"
        },
    );
    a.set("ALOOKS", ALOOKS);
    a.set("RLOOKS", RLOOKS);
    a.set(
        "RANGE_PIXEL_SIZE",
        py_f64(num("slantRangeSpacing")? * RLOOKS as f64),
    );
    let rgfact = S1_RANGE_RESOLUTION / S1_RANGE_PIXEL;
    let azfact = S1_AZIMUTH_RESOLUTION / S1_AZIMUTH_PIXEL;
    a.set(
        "NCORRLOOKS",
        py_f64((RLOOKS * ALOOKS) as f64 / (rgfact * azfact)),
    );
    let g = &unw.grid;
    let x_step = g.x_step.abs();
    let y_step = -g.y_step.abs();
    let (w, n) = (g.x_first, g.y_first);
    let e = w + x_step * width as f64;
    let s = n + y_step * length as f64;
    a.set("X_FIRST", format!("{w:.9}"));
    a.set("Y_FIRST", format!("{n:.9}"));
    a.set("X_STEP", format!("{x_step:.9}"));
    a.set("Y_STEP", format!("{y_step:.9}"));
    a.set("X_UNIT", "degrees");
    a.set("Y_UNIT", "degrees");
    a.set(
        "CENTER_LINE_UTC",
        py_f64(utc_seconds(need("UTCTime (HH:MM:SS.ss)")?, unw)?),
    );
    a.set("EARTH_RADIUS", "6337286.638938101");
    a.set("HEIGHT", "693000.0");
    let (lat, lon) = if orbit.starts_with("ASC") {
        ([s, s, n, n], [w, e, w, e])
    } else {
        ([n, n, s, s], [e, w, e, w])
    };
    for k in 0..4 {
        a.set(format!("LAT_REF{}", k + 1), py_f64(lat[k]));
        a.set(format!("LON_REF{}", k + 1), py_f64(lon[k]));
    }
    if let Some(epsg) = g.epsg {
        a.set("EPSG", epsg);
    }
    Ok(a)
}

/// MintPy's `CENTER_LINE_UTC` of `HH:MM:SS.ffffff`: `time.strptime` keeps whole seconds.
fn utc_seconds(text: &str, unw: &StackVrt) -> anyhow::Result<f64> {
    let bad = || {
        format!(
            "ARIA stack VRT {}: UTCTime '{text}' is not HH:MM:SS.ss",
            unw.path.display()
        )
    };
    let mut it = text.trim().split(':');
    let h: u32 = it.next().and_then(|v| v.parse().ok()).with_context(bad)?;
    let m: u32 = it.next().and_then(|v| v.parse().ok()).with_context(bad)?;
    let s: f64 = it.next().and_then(|v| v.parse().ok()).with_context(bad)?;
    if it.next().is_some() || h > 23 || m > 59 || !(0.0..62.0).contains(&s) {
        bail!(bad());
    }
    Ok(h as f64 * 3600.0 + m as f64 * 60.0 + s.trunc())
}

/// Whether `key` is turned off in `globs`.
fn is_off(globs: &LoadGlobs, key: LoadKey) -> bool {
    globs.iter().any(|(k, g)| k == key && g.is_none())
}

/// The file of `key`: the template's first match when given, else the first match of ARIA's
/// default glob under `root` (DEMs named `*_expanded.dem` or `*_uncropped*` left out: they
/// are ARIA-tools' larger working copies).
fn one_file(globs: &LoadGlobs, key: LoadKey, root: &Path) -> anyhow::Result<Option<PathBuf>> {
    if is_off(globs, key) {
        return Ok(None);
    }
    if globs.get(key).is_some() {
        return first_match(globs, key);
    }
    let Some(g) = ARIA.glob(key) else {
        return Ok(None);
    };
    let all = super::layout::expand(&root.join(g).to_string_lossy())?;
    Ok(all.into_iter().find(|p| {
        let n = super::map_stack::file_name(p);
        !n.contains("_expanded") && !n.contains("_uncropped")
    }))
}

/// A geometry raster and how MintPy reads it.
#[derive(Debug)]
struct Geom {
    layer: GeomLayer,
    band: Band,
}

/// An ARIA stack opened for windowed reading.
#[derive(Debug)]
pub struct AriaStack {
    info: StackInfo,
    unw: Layer,
    cor: Layer,
    conn: Option<Layer>,
    /// Band of each pair (in the network's order) in each stack.
    unw_band: Vec<usize>,
    cor_band: Vec<usize>,
    conn_band: Vec<usize>,
    geometry: Vec<Geom>,
}

impl AriaStack {
    /// Opens the ARIA time-series folder `root`, the files chosen by MintPy's template globs
    /// where `globs` gives them (`unwFile`, `corFile`, `connCompFile`, `demFile`,
    /// `incAngleFile`, `azAngleFile`, `waterMaskFile`).
    pub fn open_with(root: &Path, globs: &LoadGlobs) -> anyhow::Result<AriaStack> {
        let required = |key: LoadKey, what: &str| -> anyhow::Result<PathBuf> {
            one_file(globs, key, root)?.with_context(|| {
                format!(
                    "ARIA folder {}: no {what} ({}; MintPy's prep_aria needs it)",
                    root.display(),
                    globs
                        .get(key)
                        .map(str::to_string)
                        .or_else(|| ARIA.glob(key).map(|g| root.join(g).display().to_string()))
                        .unwrap_or_default()
                )
            })
        };
        let unw_path = required(LoadKey::Unw, "unwrapped-phase stack VRT")?;
        let cor_path = required(LoadKey::Cor, "coherence stack VRT")?;
        let unw = Layer::open(&unw_path, None)?;
        let cor = Layer::open(&cor_path, Some(&unw.vrt.grid))?;
        let conn = match one_file(globs, LoadKey::ConnComp, root)? {
            Some(p) => Some(Layer::open(&p, Some(&unw.vrt.grid))?),
            None => None,
        };

        let mut order: Vec<((Date, Date), usize)> = Vec::new();
        for (k, b) in unw.vrt.bands.iter().enumerate() {
            let p = band_pair(&unw_path, b)?;
            if let Some((_, j)) = order.iter().find(|(q, _)| *q == p) {
                bail!(
                    "ARIA stack VRT {}: bands {} and {} are the same pair {}_{}",
                    unw_path.display(),
                    unw.vrt.bands[*j].index,
                    b.index,
                    p.0,
                    p.1
                );
            }
            order.push((p, k));
        }
        order.sort();
        let pairs: Vec<(Date, Date)> = order.iter().map(|o| o.0).collect();
        let unw_band: Vec<usize> = order.iter().map(|o| o.1).collect();
        let mut bperp = Vec::with_capacity(pairs.len());
        for &k in &unw_band {
            let b = &unw.vrt.bands[k];
            let v = b.get("perpendicularBaseline").with_context(|| {
                format!(
                    "ARIA stack VRT {}: band {} has no perpendicularBaseline in its <Metadata>",
                    unw_path.display(),
                    b.index
                )
            })?;
            let v: f64 = v.trim().parse().with_context(|| {
                format!(
                    "ARIA stack VRT {}: band {}'s perpendicularBaseline '{v}' is not a number",
                    unw_path.display(),
                    b.index
                )
            })?;
            // ARIA's date2_date1 baseline, negated for date1_date2 as MintPy does.
            bperp.push((-v) as f32);
        }
        let cor_band = bands_by_pair(&cor, &pairs)?;
        let conn_band = match &conn {
            Some(c) => bands_by_pair(c, &pairs)?,
            None => Vec::new(),
        };

        let mut geometry = Vec::new();
        for (layer, key, what) in [
            (GeomLayer::Height, LoadKey::Dem, "DEM"),
            (
                GeomLayer::IncidenceAngle,
                LoadKey::IncAngle,
                "incidence angle",
            ),
            (GeomLayer::AzimuthAngle, LoadKey::AzAngle, "azimuth angle"),
            (GeomLayer::WaterMask, LoadKey::WaterMask, "water mask"),
        ] {
            let path = if matches!(layer, GeomLayer::Height | GeomLayer::IncidenceAngle) {
                Some(required(key, what)?)
            } else {
                one_file(globs, key, root)?
            };
            let Some(path) = path else { continue };
            let band = Band::open(&path)?;
            let g = &unw.vrt.grid;
            let (w, l) = band.size();
            if (l, w) != (g.length, g.width) {
                bail!(
                    "ARIA {what} {} is {l} x {w} (rows x columns), the stack {} x {}",
                    path.display(),
                    g.length,
                    g.width
                );
            }
            if let Some(bg) = &band.grid {
                if !same_grid(bg, g) {
                    bail!(
                        "ARIA {what} {} is on another grid ({}) than the stack ({})",
                        path.display(),
                        show_grid(bg),
                        show_grid(g)
                    );
                }
            }
            geometry.push(Geom { layer, band });
        }

        let attrs = stack_attrs(&unw.vrt)?;
        let network = Network::new(&pairs, &bperp)
            .with_context(|| format!("bad interferogram network in {}", unw_path.display()))?;
        let mut files = vec![unw_path.clone(), cor_path.clone()];
        if let Some(c) = &conn {
            files.push(c.vrt.path.clone());
        }
        for l in std::iter::once(&unw)
            .chain(std::iter::once(&cor))
            .chain(conn.iter())
        {
            files.extend(l.sources.iter().map(|b| b.path.clone()));
        }
        files.extend(geometry.iter().map(|g| g.band.path.clone()));
        let mut layers = vec![StackLayer::Phase, StackLayer::Coherence];
        if conn.is_some() {
            layers.push(StackLayer::ConnComp);
        }
        let mut geom: Vec<GeomLayer> = geometry.iter().map(|g| g.layer).collect();
        geom.push(GeomLayer::SlantRangeDistance);
        let grid = MapGrid {
            epsg: unw.vrt.grid.epsg.or(Some(4326)),
            ..unw.vrt.grid
        };
        Ok(AriaStack {
            info: StackInfo {
                length: grid.length,
                width: grid.width,
                network,
                attrs,
                layers,
                geometry: geom,
                preferred_rows: 0,
                files,
                warnings: Vec::new(),
                coords: StackCoords::Map(grid),
            },
            unw,
            cor,
            conn,
            unw_band,
            cor_band,
            conn_band,
            geometry,
        })
    }

    fn geom(&self, layer: GeomLayer) -> Option<&Band> {
        self.geometry
            .iter()
            .find(|g| g.layer == layer)
            .map(|g| &g.band)
    }

    /// A geometry raster read as MintPy writes it: float32, its no-data as NaN.
    fn read_nan(band: &Band, window: &Window, out: &mut [f32]) -> anyhow::Result<()> {
        band.read(window, out)?;
        if let Some(nd) = band.nodata {
            out.iter_mut()
                .filter(|v| **v as f64 == nd)
                .for_each(|v| *v = f32::NAN);
        }
        Ok(())
    }

    /// MintPy's water mask: the mask's no-data and the incidence angle's no-data as water.
    fn water(&self, mask: &Band, window: &Window, out: &mut [f32]) -> anyhow::Result<()> {
        mask.read(window, out)?;
        let nd = mask.nodata;
        out.iter_mut().for_each(|v| {
            *v = if nd == Some(*v as f64) || *v == 0.0 {
                0.0
            } else {
                1.0
            }
        });
        if let Some(inc) = self.geom(GeomLayer::IncidenceAngle) {
            if let Some(ind) = inc.nodata {
                let mut a = vec![0f32; out.len()];
                inc.read(window, &mut a)?;
                for (v, i) in out.iter_mut().zip(&a) {
                    if *i as f64 == ind {
                        *v = 0.0;
                    }
                }
            }
        }
        Ok(())
    }
}

impl StackSource for AriaStack {
    fn info(&self) -> &StackInfo {
        &self.info
    }

    fn read_stack(
        &self,
        layer: StackLayer,
        window: &Window,
        out: &mut [f32],
    ) -> anyhow::Result<()> {
        crate::source::read_all_pairs(self, layer, window, out)
    }

    fn read_pairs(
        &self,
        layer: StackLayer,
        pairs: std::ops::Range<usize>,
        window: &Window,
        out: &mut [f32],
    ) -> anyhow::Result<()> {
        check_pairs(&self.info, "read_pairs", &pairs, window, out.len())?;
        let n = window.pixels();
        let (stack, bands) = match layer {
            StackLayer::Phase => (&self.unw, &self.unw_band),
            StackLayer::Coherence => (&self.cor, &self.cor_band),
            StackLayer::ConnComp => match &self.conn {
                Some(c) => (c, &self.conn_band),
                None => bail!(
                    "the ARIA stack has no connected components ({} lacks connCompStack.vrt)",
                    self.unw.vrt.path.display()
                ),
            },
        };
        for (&k, chunk) in bands[pairs].iter().zip(out.chunks_exact_mut(n)) {
            stack.read(k, window, chunk)?;
            if layer == StackLayer::Phase {
                // ARIA's date2_date1 phase, negated for date1_date2 as MintPy does.
                chunk.iter_mut().for_each(|v| *v *= -1.0);
            }
            for v in chunk.iter_mut() {
                *v = super::sanitize(layer, *v);
            }
        }
        Ok(())
    }

    fn read_geometry(
        &self,
        layer: GeomLayer,
        window: &Window,
        out: &mut [f32],
    ) -> anyhow::Result<()> {
        check_read(&self.info, "read_geometry", window, 1, out.len())?;
        match layer {
            GeomLayer::Height | GeomLayer::IncidenceAngle => {
                let band = self.geom(layer).with_context(|| {
                    format!("the ARIA stack has no {} file", layer.mintpy_name())
                })?;
                Self::read_nan(band, window, out)
            }
            GeomLayer::AzimuthAngle => {
                let band = self
                    .geom(layer)
                    .context("the ARIA stack has no azimuth angle file (azAngleFile)")?;
                Self::read_nan(band, window, out)?;
                // ARIA: from the east, counterclockwise, target to sensor; ISCE (MintPy):
                // from the north.
                out.iter_mut().for_each(|v| *v -= 90.0);
                if let Some(mask) = self.geom(GeomLayer::WaterMask) {
                    let mut m = vec![0f32; out.len()];
                    self.water(mask, window, &mut m)?;
                    out.iter_mut().zip(&m).for_each(|(v, w)| *v *= *w);
                }
                Ok(())
            }
            GeomLayer::WaterMask => {
                let mask = self
                    .geom(layer)
                    .context("the ARIA stack has no water mask file (waterMaskFile)")?;
                self.water(mask, window, out)
            }
            GeomLayer::SlantRangeDistance => {
                out.fill(self.info.attrs.get_f64("STARTING_RANGE")? as f32);
                Ok(())
            }
            _ => bail!(
                "the ARIA stack has no {} geometry layer",
                layer.mintpy_name()
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gdal_int16_conversion_and_utc() {
        assert_eq!(gdal_i16(1.5), 2.0);
        assert_eq!(gdal_i16(-1.5), -2.0);
        assert_eq!(gdal_i16(0.49), 0.0);
        assert_eq!(gdal_i16(40000.0), 32767.0);
        assert_eq!(gdal_i16(f32::NAN), -32768.0);
        let vrt = StackVrt {
            path: PathBuf::from("s.vrt"),
            width: 1,
            length: 1,
            grid: MapGrid::lat_lon(0.0, 0.0, -1.0, 1.0, 1, 1),
            bands: Vec::new(),
        };
        assert_eq!(utc_seconds("01:50:06.500000", &vrt).unwrap(), 6606.0);
        assert!(utc_seconds("1:50", &vrt).is_err());
    }
}
