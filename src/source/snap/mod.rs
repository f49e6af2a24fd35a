//! ESA SNAP terrain-corrected interferograms exported as BEAM-DIMAP, as MintPy's `prep_snap`
//! reads them: per pair a folder `YYYYMMDD_YYYYMMDD/` holding one-band products
//! `<pair>_unw_tc.dim` + `<pair>_unw_tc.data/Unw_*.img` (+ ENVI `.hdr`) and
//! `<pair>_coh_tc.dim` + `.data/coh_*.img`; a `dem_tc.dim` + `dem_tc.data/*.img` product for the
//! heights. Geocoded on a WGS84 latitude/longitude grid.
//!
//! Arrays are the `.img` samples as stored (big-endian float32, SNAP's no data 0 kept as MintPy
//! keeps it); metadata are MintPy 1.6.4's `read_snap_dim` of the first pair's unwrapped-phase
//! header ([`dim`]); the incidence angle and slant range are its constants `INCIDENCE_ANGLE` and
//! `SLANT_RANGE_DISTANCE`, as MintPy fills them for a geocoded stack. Pairs are dated and given
//! their baseline by their own header. Pairs on
//! different extents of one grid are cut to their overlap (MintPy reads the smallest size from
//! the top-left corner, assuming extra lines at the bottom and right; the two agree when they
//! do).

pub mod dim;

use std::path::{Path, PathBuf};

use anyhow::{bail, Context};

use super::layout::{expand, first_match, AutoPath, LoadGlobs, LoadKey, SNAP};
use super::map_stack::{align, cut_note, entries, file_name, Offset};
use super::raster::envi_hdr::layout_from_hdr;
use super::raster::RasterLayout;
use super::{
    check_pairs, check_read, Detection, GeomLayer, StackCoords, StackFormat, StackInfo, StackLayer,
    StackSource,
};
use crate::meta::Date;
use crate::network::Network;
use crate::window::Window;
use dim::SnapDim;

/// The SNAP format: a project folder holding `interferograms/<pair>/<pair>_unw_tc.data/Unw_*.img`.
#[derive(Debug, Clone, Copy, Default)]
pub struct SnapFormat;

impl StackFormat for SnapFormat {
    fn name(&self) -> &'static str {
        "ESA SNAP"
    }

    fn detect(&self, path: &Path) -> Detection {
        if path.is_dir() && !default_files(path, "Unw_").is_empty() {
            Detection::Recognised
        } else {
            Detection::not_recognised(
                "a SNAP project folder holding interferograms/<pair>/<pair>_unw_tc.data/Unw_*.img",
            )
        }
    }

    fn open(&self, path: &Path) -> anyhow::Result<Box<dyn StackSource>> {
        Ok(Box::new(SnapStack::open_with(path, &LoadGlobs::new())?))
    }

    fn open_with(&self, path: &Path, globs: &LoadGlobs) -> anyhow::Result<Box<dyn StackSource>> {
        Ok(Box::new(SnapStack::open_with(path, globs)?))
    }

    fn auto_path(&self) -> Option<&'static AutoPath> {
        Some(&SNAP)
    }
}

/// The `.img` files named `prefix*` in the products (`*.data` folders) of the pair folders
/// of `root/interferograms` (or of `root` itself), sorted by path.
fn default_files(root: &Path, prefix: &str) -> Vec<PathBuf> {
    let ifgs = root.join("interferograms");
    let base = if ifgs.is_dir() {
        ifgs
    } else {
        root.to_path_buf()
    };
    let mut out = Vec::new();
    for pair in entries(&base).into_iter().filter(|p| p.is_dir()) {
        for data in entries(&pair)
            .into_iter()
            .filter(|p| p.is_dir() && file_name(p).ends_with(".data"))
        {
            out.extend(entries(&data).into_iter().filter(|f| {
                let n = file_name(f);
                f.is_file() && n.starts_with(prefix) && n.ends_with(".img")
            }));
        }
    }
    out.sort();
    out
}

/// The files of `key`: the template's glob when given (`None` when it is off), else
/// `default`.
fn files_of(
    globs: &LoadGlobs,
    key: LoadKey,
    default: impl FnOnce() -> Vec<PathBuf>,
) -> anyhow::Result<Option<Vec<PathBuf>>> {
    if globs.iter().any(|(k, g)| k == key && g.is_none()) {
        return Ok(None);
    }
    Ok(Some(match globs.get(key) {
        Some(g) => expand(g)?,
        None => default(),
    }))
}

/// One band of a SNAP product: its header, raster layout and place on the common grid.
#[derive(Debug, Clone)]
struct Band {
    dim: SnapDim,
    raster: RasterLayout,
    off: Offset,
}

impl Band {
    /// Opens the band `img`: its product's `.dim` (the `.data` folder's name with `.dim`) and
    /// its ENVI `.hdr`, which must agree on the size; the file must hold the whole raster.
    fn open(img: &Path) -> anyhow::Result<Band> {
        let data = img.parent().unwrap_or(Path::new(""));
        let data_name = file_name(data);
        let Some(stem) = data_name.strip_suffix(".data") else {
            bail!(
                "SNAP band {} is not inside a BEAM-DIMAP product's .data folder",
                img.display()
            );
        };
        let dim_path = data.with_file_name(format!("{stem}.dim"));
        if !dim_path.is_file() {
            bail!(
                "SNAP band {} has no product header {} (MintPy's prep_snap reads the metadata \
                 from it)",
                img.display(),
                dim_path.display()
            );
        }
        let hdr = img.with_extension("hdr");
        if !hdr.is_file() {
            bail!(
                "SNAP band {} has no ENVI header {}",
                img.display(),
                hdr.display()
            );
        }
        let dim = SnapDim::read(&dim_path)?;
        let raster = layout_from_hdr(&hdr, img)?;
        if (raster.length, raster.width) != (dim.grid.length, dim.grid.width) {
            bail!(
                "SNAP band {}: its header {} describes {} x {} pixels but the product header \
                 {} {} x {}",
                img.display(),
                hdr.display(),
                raster.length,
                raster.width,
                dim_path.display(),
                dim.grid.length,
                dim.grid.width
            );
        }
        raster.check_file_size()?;
        Ok(Band {
            dim,
            raster,
            off: Offset::default(),
        })
    }

    fn read(&self, window: &Window, out: &mut [f32]) -> anyhow::Result<()> {
        let w = Window {
            y0: window.y0 + self.off.row,
            y1: window.y1 + self.off.row,
            x0: window.x0 + self.off.col,
            x1: window.x1 + self.off.col,
        };
        self.raster.read_window_f32(0, &w, out, |v| v)
    }
}

/// One pair's bands.
#[derive(Debug, Clone)]
struct PairBands {
    unw: Band,
    cor: Option<Band>,
}

/// A SNAP stack opened for windowed reading.
#[derive(Debug)]
pub struct SnapStack {
    info: StackInfo,
    pairs: Vec<PairBands>,
    dem: Option<Band>,
}

/// Each pair's coherence band among `cors`, matched by the dates of its header; every pair or
/// none must have one.
fn match_coherence(unws: &[Band], cors: Vec<Band>) -> anyhow::Result<Vec<Option<Band>>> {
    if cors.is_empty() {
        return Ok(vec![None; unws.len()]);
    }
    let mut out = Vec::with_capacity(unws.len());
    for u in unws {
        let c = cors
            .iter()
            .find(|c| c.dim.dates == u.dim.dates)
            .with_context(|| {
                format!(
                    "no coherence band for the pair {}_{} of {} (coherence is given for {} of {} \
                 pairs: give it for every pair or for none)",
                    u.dim.dates.0,
                    u.dim.dates.1,
                    u.raster.data_file.display(),
                    cors.len(),
                    unws.len()
                )
            })?;
        out.push(Some(c.clone()));
    }
    Ok(out)
}

impl SnapStack {
    /// Opens the SNAP project at `root`, the files chosen by MintPy's template globs where
    /// `globs` gives them (`unwFile`, `corFile`, `demFile`; the first match for the DEM).
    pub fn open_with(root: &Path, globs: &LoadGlobs) -> anyhow::Result<SnapStack> {
        let unw_paths = files_of(globs, LoadKey::Unw, || default_files(root, "Unw_"))?
            .context("mintpy.load.unwFile is off: a SNAP stack needs its Unw_*.img bands")?;
        if unw_paths.is_empty() {
            bail!(
                "empty stack: {} holds no interferograms/*/*/Unw_*.img",
                root.display()
            );
        }
        let mut unws: Vec<Band> = unw_paths
            .iter()
            .map(|p| Band::open(p))
            .collect::<anyhow::Result<_>>()?;
        unws.sort_by(|a, b| {
            (a.dim.dates, &a.raster.data_file).cmp(&(b.dim.dates, &b.raster.data_file))
        });
        for w in unws.windows(2) {
            if w[0].dim.dates == w[1].dim.dates {
                bail!(
                    "two SNAP bands of the pair {}_{}: {} and {}; keep one",
                    w[0].dim.dates.0,
                    w[0].dim.dates.1,
                    w[0].raster.data_file.display(),
                    w[1].raster.data_file.display()
                );
            }
        }
        let cor_paths =
            files_of(globs, LoadKey::Cor, || default_files(root, "coh_"))?.unwrap_or_default();
        let cors: Vec<Band> = cor_paths
            .iter()
            .map(|p| Band::open(p))
            .collect::<anyhow::Result<_>>()?;
        let mut cors = match_coherence(&unws, cors)?;
        let dem_path = match globs.get(LoadKey::Dem) {
            Some(_) => first_match(globs, LoadKey::Dem)?,
            None if globs.iter().any(|(k, g)| k == LoadKey::Dem && g.is_none()) => None,
            None => {
                let data = root.join("dem_tc.data");
                entries(&data)
                    .into_iter()
                    .find(|f| f.is_file() && file_name(f).ends_with(".img"))
            }
        };
        let mut dem = dem_path.map(|p| Band::open(&p)).transpose()?;

        // Every band in one alignment: phases, coherences, then the DEM.
        let mut grids: Vec<(PathBuf, crate::geo::grid::MapGrid)> = Vec::new();
        let all = unws.iter().chain(cors.iter().flatten()).chain(dem.iter());
        for b in all {
            grids.push((b.raster.data_file.clone(), b.dim.grid));
        }
        let al = align(&grids)?;
        let mut offs = al.offsets.iter().copied();
        for b in unws.iter_mut() {
            b.off = offs.next().unwrap_or_default();
        }
        for b in cors.iter_mut().flatten() {
            b.off = offs.next().unwrap_or_default();
        }
        if let Some(b) = dem.as_mut() {
            b.off = offs.next().unwrap_or_default();
        }
        let mut warnings = Vec::new();
        if !al.cuts.is_empty() {
            warnings.push(cut_note("SNAP products", &al));
        }
        let grid = al.grid;

        let mut attrs = unws[0].dim.attrs.clone();
        attrs.set("LENGTH", grid.length);
        attrs.set("WIDTH", grid.width);
        attrs.set("EPSG", 4326);
        let dates: Vec<(Date, Date)> = unws.iter().map(|b| b.dim.dates).collect();
        let bperp: Vec<f32> = unws.iter().map(|b| b.dim.bperp as f32).collect();
        let network = Network::new(&dates, &bperp)
            .with_context(|| format!("bad interferogram network in {}", root.display()))?;
        let mut files: Vec<PathBuf> = Vec::new();
        for b in unws.iter().chain(cors.iter().flatten()).chain(dem.iter()) {
            files.push(b.raster.data_file.clone());
            files.push(b.raster.sidecar.clone());
            files.push(b.dim.path.clone());
        }
        let has_cor = cors.iter().any(Option::is_some);
        let mut layers = vec![StackLayer::Phase];
        has_cor.then(|| layers.push(StackLayer::Coherence));
        let mut geometry = Vec::new();
        dem.is_some().then(|| geometry.push(GeomLayer::Height));
        // MintPy fills these with the header's constants for a geocoded stack.
        geometry.extend([GeomLayer::IncidenceAngle, GeomLayer::SlantRangeDistance]);
        let pairs = unws
            .into_iter()
            .zip(cors)
            .map(|(unw, cor)| PairBands { unw, cor })
            .collect();
        Ok(SnapStack {
            info: StackInfo {
                length: grid.length,
                width: grid.width,
                network,
                attrs,
                layers,
                geometry,
                preferred_rows: 0,
                files,
                warnings,
                coords: StackCoords::Map(grid),
            },
            pairs,
            dem,
        })
    }
}

impl StackSource for SnapStack {
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
        for (p, chunk) in self.pairs[pairs].iter().zip(out.chunks_exact_mut(n)) {
            let band = match layer {
                StackLayer::Phase => Some(&p.unw),
                StackLayer::Coherence => p.cor.as_ref(),
                StackLayer::ConnComp => None,
            }
            .with_context(|| {
                format!(
                    "the SNAP stack has no {layer:?} layer ({})",
                    p.unw.raster.data_file.display()
                )
            })?;
            band.read(window, chunk)?;
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
        let constant = |key: &str, out: &mut [f32]| -> anyhow::Result<()> {
            let v = self.info.attrs.get_f64(key)? as f32;
            out.fill(v);
            Ok(())
        };
        match (layer, &self.dem) {
            (GeomLayer::Height, Some(dem)) => dem.read(window, out),
            (GeomLayer::IncidenceAngle, _) => constant("INCIDENCE_ANGLE", out),
            (GeomLayer::SlantRangeDistance, _) => constant("SLANT_RANGE_DISTANCE", out),
            _ => bail!(
                "the SNAP stack has no {} geometry layer",
                layer.mintpy_name()
            ),
        }
    }
}
