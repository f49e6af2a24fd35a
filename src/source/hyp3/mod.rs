//! ASF HyP3 interferogram products (`INSAR_GAMMA`, `INSAR_ISCE_BURST`,
//! `INSAR_ISCE_MULTI_BURST`): a folder of product folders, each holding
//! `<product>_unw_phase.tif`, `_corr.tif`, optionally `_conncomp.tif` (ISCE2 products), the
//! `<product>.txt` metadata and the geometry `_dem.tif`, `_lv_theta.tif`, `_lv_phi.tif`,
//! `_water_mask.tif` (all optionally with MintPy's `_clip` suffix). Geocoded, in UTM.
//!
//! Arrays and metadata are MintPy 1.6.4's `load_data` (through `prep_hyp3`): the phase,
//! coherence and labels as stored; the look angles turned from GAMMA's radians (elevation from
//! the horizontal, azimuth from the east) into MintPy's degrees; no data of the angles (0) and
//! of the DEM (-32768) as NaN. Unlike MintPy, pairs covering different extents of the same
//! grid are cut to their common overlap ([`align`]) instead of dropped.

pub mod meta;
pub mod name;

use std::path::{Path, PathBuf};

use anyhow::{bail, Context};

use super::layout::{all_matches, expand, first_match, LoadGlobs, LoadKey};
use super::map_stack::{place_all, slant_range, Placed, PlacedFiles};
use super::raster::GeoTiff;
use super::{
    check_pairs, check_read, Detection, GeomLayer, StackCoords, StackFormat, StackInfo, StackLayer,
    StackSource,
};
use crate::meta::Date;
use crate::network::Network;
use crate::window::Window;
use meta::{stack_attrs, Hyp3Text};
use name::{parse_product, ProductName};

pub use super::map_stack::Alignment;

/// The HyP3 format: a folder holding product folders (or products) with `*_unw_phase*.tif`.
#[derive(Debug, Clone, Copy, Default)]
pub struct Hyp3Format;

impl StackFormat for Hyp3Format {
    fn name(&self) -> &'static str {
        "ASF HyP3"
    }

    fn detect(&self, path: &Path) -> Detection {
        if path.is_dir() && !unw_files(path).is_empty() {
            Detection::Recognised
        } else {
            Detection::not_recognised("a folder of HyP3 products holding *_unw_phase.tif")
        }
    }

    fn open(&self, path: &Path) -> anyhow::Result<Box<dyn StackSource>> {
        Ok(Box::new(Hyp3Stack::open(path)?))
    }

    fn open_with(&self, path: &Path, globs: &LoadGlobs) -> anyhow::Result<Box<dyn StackSource>> {
        Ok(Box::new(Hyp3Stack::open_with(path, globs)?))
    }
}

/// Whether the template turned `key` off (`none`/`no`).
fn key_off(globs: &LoadGlobs, key: LoadKey) -> bool {
    globs.iter().any(|(k, g)| k == key && g.is_none())
}

/// The unwrapped-phase files: those of `mintpy.load.unwFile` when given, else those of `dir`.
fn unw_files_with(dir: &Path, globs: &LoadGlobs) -> anyhow::Result<Vec<PathBuf>> {
    if key_off(globs, LoadKey::Unw) {
        bail!("mintpy.load.unwFile is off: a HyP3 stack needs its *_unw_phase.tif files");
    }
    let Some(glob) = globs.get(LoadKey::Unw) else {
        return Ok(unw_files(dir));
    };
    let files = expand(glob)?;
    if files.is_empty() {
        bail!("mintpy.load.unwFile = {glob} matches no file");
    }
    Ok(files)
}

/// Whether `name` is a product's unwrapped phase (`_unw_phase.tif` or `_unw_phase_clip.tif`).
fn is_unw(name: &str) -> bool {
    name.ends_with("_unw_phase.tif") || name.ends_with("_unw_phase_clip.tif")
}

/// The unwrapped-phase files in `dir` and its sub-folders, sorted by path (MintPy's sorted
/// glob), `_clip` files only when there are any.
fn unw_files(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let list = |d: &Path| -> Vec<PathBuf> {
        std::fs::read_dir(d)
            .map(|it| it.filter_map(|e| e.ok().map(|e| e.path())).collect())
            .unwrap_or_default()
    };
    for p in list(dir) {
        if p.is_dir() {
            found.extend(
                list(&p)
                    .into_iter()
                    .filter(|f| f.is_file() && is_unw(&file_name(f))),
            );
        } else if is_unw(&file_name(&p)) {
            found.push(p);
        }
    }
    if found.iter().any(|p| file_name(p).ends_with("_clip.tif")) {
        found.retain(|p| file_name(p).ends_with("_clip.tif"));
    }
    found.sort();
    found
}

fn file_name(p: &Path) -> String {
    p.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// The file of layer `layer` (`corr`, `dem`, ...) beside a product's unwrapped phase.
fn layer_file(unw: &Path, layer: &str) -> PathBuf {
    let name = file_name(unw).replacen("_unw_phase", &format!("_{layer}"), 1);
    unw.with_file_name(name)
}

/// One pair's files.
#[derive(Debug, Clone)]
struct PairFiles {
    unw: Placed,
    cor: Option<Placed>,
    conncomp: Option<Placed>,
}

/// A HyP3 stack opened for windowed reading.
#[derive(Debug)]
pub struct Hyp3Stack {
    info: StackInfo,
    pairs: Vec<PairFiles>,
    geometry: Vec<(GeomLayer, Placed)>,
}

/// A product found on disk: its unwrapped phase, parsed name and metadata.
struct Found {
    unw: PathBuf,
    product: ProductName,
    txt: Hyp3Text,
}

/// A note for each product folder of `dir` that holds a HyP3 product's files but no
/// unwrapped phase: its pair is left out, as MintPy's glob leaves it out, but not silently.
fn folders_without_phase(dir: &Path, found: &[Found]) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut folders: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_dir() && parse_product(&file_name(p)).is_some())
        .filter(|p| !found.iter().any(|f| f.unw.parent() == Some(p.as_path())))
        .collect();
    folders.sort();
    folders
        .iter()
        .map(|p| {
            format!(
                "HyP3 product folder {} has no *_unw_phase.tif: its pair is left out",
                p.display()
            )
        })
        .collect()
}

/// The products of `dir`, sorted by dates; refuses unparsable names and duplicate pairs.
fn find_products(dir: &Path, unws: Vec<PathBuf>) -> anyhow::Result<Vec<Found>> {
    let mut found = Vec::new();
    for unw in unws {
        let product = parse_product(&file_name(&unw)).with_context(|| {
            format!("{} is not named as a HyP3 product (e.g. S1AA_<date>T<time>_<date>T<time>_VVP012_INT80_G_ueF_ABCD_unw_phase.tif)", unw.display())
        })?;
        let txt_path = unw.with_file_name(format!("{}.txt", product.name));
        let txt = Hyp3Text::read(&txt_path)?;
        found.push(Found { unw, product, txt });
    }
    if found.is_empty() {
        bail!("empty stack: {} holds no *_unw_phase.tif", dir.display());
    }
    found.sort_by(|a, b| (a.product.dates, &a.unw).cmp(&(b.product.dates, &b.unw)));
    for w in found.windows(2) {
        if w[0].product.dates == w[1].product.dates {
            bail!(
                "two products of the pair {}_{}: {} and {}; keep one",
                w[0].product.dates.0,
                w[0].product.dates.1,
                w[0].unw.display(),
                w[1].unw.display()
            );
        }
        if w[0].product.dates.0 >= w[0].product.dates.1 {
            bail!(
                "{}: the first date must be earlier than the second",
                w[0].unw.display()
            );
        }
    }
    Ok(found)
}

/// The optional per-pair layer `layer`: every pair's file, or none (an error when only some
/// pairs have it); none when the template turns `key` off. A glob given for `key` must match
/// the files beside the phase: sbas pairs each layer with its phase by product name.
fn optional_layer(
    found: &[Found],
    layer: &str,
    globs: &LoadGlobs,
    key: LoadKey,
) -> anyhow::Result<Option<Vec<GeoTiff>>> {
    if key_off(globs, key) {
        return Ok(None);
    }
    let paths: Vec<PathBuf> = found.iter().map(|f| layer_file(&f.unw, layer)).collect();
    if let Some(glob) = globs.get(key) {
        let matched = all_matches(globs, key)?;
        let same = |a: &Path, b: &Path| {
            a == b || std::fs::canonicalize(a).ok() == std::fs::canonicalize(b).ok()
        };
        if let Some(p) = paths.iter().find(|p| !matched.iter().any(|m| same(m, p))) {
            bail!(
                "mintpy.load.{} = {glob} does not match {}, the _{layer}.tif beside its \
                 *_unw_phase.tif: sbas reads each pair's layers from its own product folder",
                key.name(),
                p.display()
            );
        }
    }
    let have = paths.iter().filter(|p| p.is_file()).count();
    if have == 0 {
        return Ok(None);
    }
    if have != paths.len() {
        let missing = paths
            .iter()
            .find(|p| !p.is_file())
            .map(|p| p.display().to_string());
        bail!(
            "_{layer}.tif is present for {have} of {} pairs but missing, e.g., {}: give it for \
             every pair or for none",
            paths.len(),
            missing.unwrap_or_default()
        );
    }
    paths
        .iter()
        .map(|p| GeoTiff::open(p))
        .collect::<anyhow::Result<_>>()
        .map(Some)
}

/// The geometry files: each from the first product (in path order) that has it.
fn geometry_files(found: &[Found], globs: &LoadGlobs) -> anyhow::Result<Vec<(GeomLayer, GeoTiff)>> {
    let mut by_path: Vec<&Found> = found.iter().collect();
    by_path.sort_by(|a, b| a.unw.cmp(&b.unw));
    let mut out = Vec::new();
    for (suffix, layer, key) in [
        ("dem", GeomLayer::Height, LoadKey::Dem),
        ("lv_theta", GeomLayer::IncidenceAngle, LoadKey::IncAngle),
        ("lv_phi", GeomLayer::AzimuthAngle, LoadKey::AzAngle),
        ("water_mask", GeomLayer::WaterMask, LoadKey::WaterMask),
    ] {
        if key_off(globs, key) {
            continue;
        }
        if globs.get(key).is_some() {
            if let Some(p) = first_match(globs, key)? {
                out.push((layer, GeoTiff::open(&p)?));
            }
            continue;
        }
        if let Some(p) = by_path
            .iter()
            .map(|f| layer_file(&f.unw, suffix))
            .find(|p| p.is_file())
        {
            out.push((layer, GeoTiff::open(&p)?));
        }
    }
    Ok(out)
}

impl Hyp3Stack {
    /// Opens the HyP3 products under `dir`.
    pub fn open(dir: &Path) -> anyhow::Result<Hyp3Stack> {
        Hyp3Stack::open_with(dir, &LoadGlobs::new())
    }

    /// Opens the HyP3 products under `dir`, the files chosen by MintPy's template globs where
    /// `globs` gives them: `unwFile` picks the pairs, each pair's coherence and components are
    /// the files beside its phase (a glob of them must match those), and `demFile`,
    /// `incAngleFile`, `azAngleFile`, `waterMaskFile` take the first match, as MintPy.
    pub fn open_with(dir: &Path, globs: &LoadGlobs) -> anyhow::Result<Hyp3Stack> {
        let found = find_products(dir, unw_files_with(dir, globs)?)?;
        let unws: Vec<GeoTiff> = found
            .iter()
            .map(|f| GeoTiff::open(&f.unw))
            .collect::<anyhow::Result<_>>()?;
        let cors = optional_layer(&found, "corr", globs, LoadKey::Cor)?;
        let ccs = optional_layer(&found, "conncomp", globs, LoadKey::ConnComp)?;
        let geometry = geometry_files(&found, globs)?;

        // Every file, in one alignment: pairs' layers, then the geometry.
        let n = unws.len();
        let (nc, ncc) = (
            cors.as_ref().map_or(0, Vec::len),
            ccs.as_ref().map_or(0, Vec::len),
        );
        let (has_cor, has_cc) = (cors.is_some(), ccs.is_some());
        let geom_names: Vec<GeomLayer> = geometry.iter().map(|g| g.0).collect();
        let mut all = unws;
        all.extend(cors.into_iter().flatten());
        all.extend(ccs.into_iter().flatten());
        all.extend(geometry.into_iter().map(|g| g.1));
        let PlacedFiles {
            grid,
            placed,
            paths: mut files,
            cut,
        } = place_all(all, "HyP3 products")?;
        let mut placed = placed.into_iter();
        let unw: Vec<Placed> = placed.by_ref().take(n).collect();
        let cor: Option<Vec<Placed>> = has_cor.then(|| placed.by_ref().take(nc).collect());
        let cc: Option<Vec<Placed>> = has_cc.then(|| placed.by_ref().take(ncc).collect());
        let geometry: Vec<(GeomLayer, Placed)> = geom_names.into_iter().zip(placed).collect();

        let mut layers = vec![StackLayer::Phase];
        cor.is_some().then(|| layers.push(StackLayer::Coherence));
        cc.is_some().then(|| layers.push(StackLayer::ConnComp));
        let pairs: Vec<PairFiles> = (0..n)
            .map(|i| PairFiles {
                unw: unw[i].clone(),
                cor: cor.as_ref().map(|v| v[i].clone()),
                conncomp: cc.as_ref().map(|v| v[i].clone()),
            })
            .collect();

        let attrs = stack_attrs(&found[0].txt, &found[0].product, &grid)?;
        let pair_dates: Vec<(Date, Date)> = found.iter().map(|f| f.product.dates).collect();
        let bperp = found
            .iter()
            .map(|f| f.txt.number("Baseline").map(|b| b as f32))
            .collect::<anyhow::Result<Vec<f32>>>()?;
        let network = Network::new(&pair_dates, &bperp)
            .with_context(|| format!("bad interferogram network in {}", dir.display()))?;
        let mut warnings = folders_without_phase(dir, &found);
        warnings.extend(cut);
        files.extend(
            found
                .iter()
                .map(|f| f.unw.with_file_name(format!("{}.txt", f.product.name))),
        );
        let mut geom_layers: Vec<GeomLayer> = geometry.iter().map(|g| g.0).collect();
        if geom_layers.contains(&GeomLayer::IncidenceAngle) {
            geom_layers.push(GeomLayer::SlantRangeDistance);
        }
        Ok(Hyp3Stack {
            info: StackInfo {
                length: grid.length,
                width: grid.width,
                network,
                attrs,
                layers,
                geometry: geom_layers,
                preferred_rows: 0,
                files,
                warnings,
                coords: StackCoords::Map(grid),
            },
            pairs,
            geometry,
        })
    }

    fn pair_file(&self, i: usize, layer: StackLayer) -> anyhow::Result<&Placed> {
        let p = &self.pairs[i];
        match layer {
            StackLayer::Phase => Some(&p.unw),
            StackLayer::Coherence => p.cor.as_ref(),
            StackLayer::ConnComp => p.conncomp.as_ref(),
        }
        .with_context(|| {
            format!(
                "the HyP3 stack has no {layer:?} layer ({})",
                p.unw.tif.path().display()
            )
        })
    }

    fn geometry_file(&self, layer: GeomLayer) -> anyhow::Result<&Placed> {
        self.geometry
            .iter()
            .find(|g| g.0 == layer)
            .map(|g| &g.1)
            .with_context(|| {
                format!(
                    "the HyP3 stack has no {} geometry file",
                    layer.mintpy_name()
                )
            })
    }
}

/// GAMMA's elevation angle (radians from the horizontal) as MintPy's incidence angle
/// (degrees from the vertical), in float32 as MintPy computes it; 0 (no data) is NaN.
fn incidence_from_theta(v: f32) -> f32 {
    if v == 0.0 {
        return f32::NAN;
    }
    90.0f32 - v * 180.0f32 / std::f32::consts::PI
}

/// GAMMA's look azimuth (radians anticlockwise from the east) as MintPy's azimuth angle
/// (degrees from the north, wrapped to -180..180), in float32; 0 (no data) is NaN.
fn azimuth_from_phi(v: f32) -> f32 {
    if v == 0.0 {
        return f32::NAN;
    }
    let a = v * 180.0f32 / std::f32::consts::PI - 90.0f32;
    // numpy's mod: the remainder takes the divisor's sign.
    let mut m = (a + 180.0f32) % 360.0f32;
    if m != 0.0 && m < 0.0 {
        m += 360.0f32;
    }
    -180.0f32 + m
}

impl StackSource for Hyp3Stack {
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
        for (i, chunk) in pairs.zip(out.chunks_exact_mut(n)) {
            self.pair_file(i, layer)?.read(window, chunk)?;
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
        if layer == GeomLayer::SlantRangeDistance {
            let a = &self.info.attrs;
            let (re, h) = (a.get_f64("EARTH_RADIUS")?, a.get_f64("HEIGHT")?);
            self.read_geometry(GeomLayer::IncidenceAngle, window, out)?;
            out.iter_mut().for_each(|v| *v = slant_range(*v, re, h));
            return Ok(());
        }
        self.geometry_file(layer)?.read(window, out)?;
        let convert: fn(f32) -> f32 = match layer {
            GeomLayer::IncidenceAngle => incidence_from_theta,
            GeomLayer::AzimuthAngle => azimuth_from_phi,
            GeomLayer::Height => |v| if v == -32768.0 { f32::NAN } else { v },
            GeomLayer::WaterMask => |v| f32::from(u8::from(v != 0.0)),
            _ => |v| v,
        };
        out.iter_mut().for_each(|v| *v = convert(*v));
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn angle_conventions() {
        let theta = (90.0f32 - 33.5) * std::f32::consts::PI / 180.0;
        assert!((incidence_from_theta(theta) - 33.5).abs() < 1e-4);
        assert!(incidence_from_theta(0.0).is_nan());
        // Looking from the ground towards a satellite to the east-south-east.
        let phi = (-102.0f32 + 90.0) * std::f32::consts::PI / 180.0;
        assert!(
            (azimuth_from_phi(phi) + 102.0).abs() < 1e-4,
            "{}",
            azimuth_from_phi(phi)
        );
        let wrapped = 200.0f32.to_radians() + 90.0f32.to_radians();
        assert!((azimuth_from_phi(wrapped) + 160.0).abs() < 1e-3);
    }

    #[test]
    fn layer_files_sit_beside_the_phase() {
        let u = Path::new("/d/P_unw_phase_clip.tif");
        assert_eq!(layer_file(u, "corr"), Path::new("/d/P_corr_clip.tif"));
        assert!(
            is_unw("x_unw_phase.tif") && is_unw("x_unw_phase_clip.tif") && !is_unw("x_corr.tif")
        );
    }
}
