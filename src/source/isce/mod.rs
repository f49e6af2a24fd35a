//! ISCE2 topsStack reader: `merged/interferograms/D1_D2/filt_fine.{unw,cor,unw.conncomp}`,
//! `merged/geom_reference/*.rdr`, `reference/` metadata and `baselines/`.

mod baselines;
mod metadata;
mod tops_xml;

use std::path::{Path, PathBuf};

use anyhow::{bail, Context};

use super::layout::{self, LoadGlobs, LoadKey, PairPaths};
use super::{Detection, GeomLayer, StackCoords, StackFormat, StackInfo, StackLayer, StackSource};
use crate::meta::Date;
use crate::network::Network;
use crate::source::raster::{raster_layout, RasterLayout};
use crate::source::{check_pairs, check_read};
use crate::window::Window;

pub use baselines::{
    parse_tops_baseline, read_baselines, read_stripmap_baselines, read_tops_baseline, DateBaselines,
};
pub use tops_xml::{parse_tops_xml, read_tops_xml};

/// Whether `dir` looks like an ISCE2 topsStack project (has `merged/interferograms`).
pub fn is_isce_project(dir: &Path) -> bool {
    dir.join("merged").join("interferograms").is_dir()
}

/// The ISCE2 topsStack format: a project folder holding `merged/interferograms`.
#[derive(Debug, Clone, Copy, Default)]
pub struct TopsStackFormat;

impl StackFormat for TopsStackFormat {
    fn name(&self) -> &'static str {
        "ISCE2 topsStack"
    }

    fn detect(&self, path: &Path) -> Detection {
        if is_isce_project(path) {
            Detection::Recognised
        } else {
            Detection::not_recognised("a folder holding merged/interferograms")
        }
    }

    fn open(&self, path: &Path) -> anyhow::Result<Box<dyn StackSource>> {
        Ok(Box::new(IsceStack::open(path)?))
    }

    fn open_with(&self, path: &Path, globs: &LoadGlobs) -> anyhow::Result<Box<dyn StackSource>> {
        let all = globs.or_defaults(&layout::ISCE_TOPS.globs_at(path));
        Ok(Box::new(IsceStack::open_globs(&all, IsceKind::Tops)?))
    }

    fn auto_path(&self) -> Option<&'static layout::AutoPath> {
        Some(&layout::ISCE_TOPS)
    }
}

/// Which ISCE2 stack processor wrote a project: they differ in baselines and metadata.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IsceKind {
    /// topsStack: `baselines/D1_D2/D1_D2.txt` with `Bperp (average)` lines, `reference/IW*.xml`.
    Tops,
    /// stripmapStack: `baselines/D1_D2.txt` with `PERP_BASELINE_TOP/BOTTOM`, the reference's
    /// `referenceShelve/data.rsc` (written by MintPy's `prep_isce`).
    Stripmap,
}

/// The ISCE2 stripmapStack format: a project folder holding `Igrams` (pair folders with
/// `filt*.unw`), `geom_reference/`, `baselines/` and the reference's metadata.
#[derive(Debug, Clone, Copy, Default)]
pub struct StripmapStackFormat;

impl StackFormat for StripmapStackFormat {
    fn name(&self) -> &'static str {
        "ISCE2 stripmapStack"
    }

    fn detect(&self, path: &Path) -> Detection {
        if path.join(layout::ISCE_STRIPMAP.marker).is_dir() {
            Detection::Recognised
        } else {
            Detection::not_recognised("a folder holding Igrams")
        }
    }

    fn open(&self, path: &Path) -> anyhow::Result<Box<dyn StackSource>> {
        self.open_with(path, &LoadGlobs::new())
    }

    fn open_with(&self, path: &Path, globs: &LoadGlobs) -> anyhow::Result<Box<dyn StackSource>> {
        let all = globs.or_defaults(&layout::ISCE_STRIPMAP.globs_at(path));
        Ok(Box::new(IsceStack::open_globs(&all, IsceKind::Stripmap)?))
    }

    fn auto_path(&self) -> Option<&'static layout::AutoPath> {
        Some(&layout::ISCE_STRIPMAP)
    }
}

/// A raster opened for one role: its layout and the 0-based band to read.
#[derive(Debug, Clone)]
struct BandFile {
    layout: RasterLayout,
    band: usize,
}

impl BandFile {
    /// Opens `path` for reading band `band` (0-based), checking its size against the
    /// stack's `(length, width)` when given.
    fn open(path: &Path, band: usize, shape: Option<(usize, usize)>) -> anyhow::Result<BandFile> {
        if !path.is_file() {
            bail!("raster {} is missing", path.display());
        }
        let layout = raster_layout(path)?;
        layout.check_file_size()?;
        if let Some((l, w)) = shape {
            if (layout.length, layout.width) != (l, w) {
                bail!(
                    "raster {} is {} x {} (length x width) but the stack is {} x {}",
                    path.display(),
                    layout.length,
                    layout.width,
                    l,
                    w
                );
            }
        }
        if band >= layout.bands.len() {
            bail!(
                "raster {} has {} band(s), band {} is needed",
                path.display(),
                layout.bands.len(),
                band + 1
            );
        }
        Ok(BandFile { layout, band })
    }

    /// MintPy's band for interferometric products: `min(2, bands)`.
    fn product_band(path: &Path, shape: Option<(usize, usize)>) -> anyhow::Result<BandFile> {
        if !path.is_file() {
            bail!("raster {} is missing", path.display());
        }
        let nb = raster_layout(path)?.bands.len();
        BandFile::open(path, nb.min(2) - 1, shape)
    }
}

/// The rasters of one interferogram.
#[derive(Debug, Clone)]
struct PairFiles {
    unw: BandFile,
    cor: Option<BandFile>,
    conncomp: Option<BandFile>,
}

/// An ISCE2 topsStack project opened for windowed reading.
#[derive(Debug)]
pub struct IsceStack {
    info: StackInfo,
    pairs: Vec<PairFiles>,
    geometry: Vec<(GeomLayer, BandFile)>,
    /// `(near, far)` slant range for the synthesised `slantRangeDistance`.
    slant_range: Option<(f64, f64)>,
}

/// Parses a pair folder name `YYYYMMDD_YYYYMMDD` (dates in the order written; `None` if the
/// name is not two valid dates). The entry point of the `pair_name` fuzz target.
pub fn parse_pair_name(name: &str) -> Option<(Date, Date)> {
    let (a, b) = name.split_once('_')?;
    // Exactly eight digits each: `Date::parse` alone would also take padded six-digit dates.
    let eight_digits = |t: &str| t.len() == 8 && t.bytes().all(|c| c.is_ascii_digit());
    if !eight_digits(a) || !eight_digits(b) {
        return None;
    }
    Some((Date::parse(a).ok()?, Date::parse(b).ok()?))
}

/// `f` of every item, computed in parallel; the error of the first failing item in order (so
/// that a stack with several bad files always reports the same one).
fn in_order<I: Sync, T: Send>(
    items: &[I],
    f: impl Fn(&I) -> anyhow::Result<T> + Sync,
) -> anyhow::Result<Vec<T>> {
    use rayon::prelude::*;
    let results: Vec<anyhow::Result<T>> = items.par_iter().map(&f).collect();
    results.into_iter().collect()
}

/// The rasters of each pair and the stack layers they give. The first phase raster fixes the
/// stack's shape; every other raster must match it.
fn pair_rasters(pairs: &[PairPaths]) -> anyhow::Result<(Vec<PairFiles>, Vec<StackLayer>)> {
    // Phase rasters fix the stack's shape (the first pair's). The other sidecars are parsed
    // in parallel: a stack has thousands, and parsing them was most of a run's start-up.
    let first = BandFile::product_band(&pairs[0].unw, None)?;
    let (length, width) = (first.layout.length, first.layout.width);
    let shape = Some((length, width));
    let mut unws = vec![first];
    unws.extend(in_order(&pairs[1..], |p| {
        BandFile::product_band(&p.unw, shape)
    })?);
    let companion = |get: fn(&PairPaths) -> Option<&PathBuf>, product: bool| {
        in_order(pairs, |p| {
            get(p)
                .map(|f| {
                    if product {
                        BandFile::product_band(f, shape)
                    } else {
                        BandFile::open(f, 0, shape)
                    }
                })
                .transpose()
        })
    };
    let cors = companion(|p| p.cor.as_ref(), true)?;
    let ccs = companion(|p| p.conncomp.as_ref(), false)?;
    let mut layers = vec![StackLayer::Phase];
    if cors[0].is_some() {
        layers.push(StackLayer::Coherence);
    }
    if ccs[0].is_some() {
        layers.push(StackLayer::ConnComp);
    }
    let pairs: Vec<PairFiles> = unws
        .into_iter()
        .zip(cors)
        .zip(ccs)
        .map(|((unw, cor), conncomp)| PairFiles { unw, cor, conncomp })
        .collect();
    Ok((pairs, layers))
}

/// The geometry rasters the globs find (the incidence-angle file's first band; the
/// azimuth-angle file's second band, when it has one: ISCE's `los.rdr`), each checked
/// against the stack's `shape`.
fn geometry_rasters(
    globs: &LoadGlobs,
    shape: (usize, usize),
) -> anyhow::Result<Vec<(GeomLayer, BandFile)>> {
    let mut geometry: Vec<(GeomLayer, BandFile)> = Vec::new();
    let shape = Some(shape);
    for (key, layer) in [
        (LoadKey::Dem, GeomLayer::Height),
        (LoadKey::LookupY, GeomLayer::Latitude),
        (LoadKey::LookupX, GeomLayer::Longitude),
        (LoadKey::ShadowMask, GeomLayer::ShadowMask),
        (LoadKey::WaterMask, GeomLayer::WaterMask),
    ] {
        if let Some(p) = layout::first_match(globs, key)? {
            geometry.push((layer, BandFile::open(&p, 0, shape)?));
        }
    }
    if let Some(p) = layout::first_match(globs, LoadKey::IncAngle)? {
        geometry.push((GeomLayer::IncidenceAngle, BandFile::open(&p, 0, shape)?));
    }
    if let Some(p) = layout::first_match(globs, LoadKey::AzAngle)? {
        if raster_layout(&p)?.bands.len() >= 2 {
            geometry.push((GeomLayer::AzimuthAngle, BandFile::open(&p, 1, shape)?));
        }
    }
    Ok(geometry)
}

/// The folder of the geometry files (MintPy's `geom_dir`, the DEM's folder), where the
/// full-resolution sidecars that give the looks are.
fn geometry_dir(globs: &LoadGlobs) -> anyhow::Result<PathBuf> {
    for key in [
        LoadKey::Dem,
        LoadKey::LookupY,
        LoadKey::LookupX,
        LoadKey::IncAngle,
    ] {
        if let Some(p) = layout::first_match(globs, key)? {
            return Ok(p.parent().unwrap_or(Path::new(".")).to_path_buf());
        }
    }
    let dem = globs.get(LoadKey::Dem).unwrap_or(".");
    Ok(Path::new(dem)
        .parent()
        .unwrap_or(Path::new("."))
        .to_path_buf())
}

/// The perpendicular baseline of each pair from the per-date baselines under `bl_dir`; all 0,
/// with a warning, when there are no baseline files (`baselineDir`).
fn pair_baselines(
    globs: &LoadGlobs,
    kind: IsceKind,
    pair_dates: &[(Date, Date)],
    warnings: &mut Vec<String>,
) -> anyhow::Result<Vec<f32>> {
    let bl_dir = match layout::first_match(globs, LoadKey::BaselineDir)? {
        Some(d) => d,
        None => PathBuf::from(globs.get(LoadKey::BaselineDir).unwrap_or("baselines")),
    };
    let per_date = match kind {
        IsceKind::Tops => read_baselines(&bl_dir)?,
        IsceKind::Stripmap => read_stripmap_baselines(&bl_dir)?,
    };
    Ok(match per_date {
        Some(b) => pair_dates
            .iter()
            .map(|(d1, d2)| {
                let get = |d: &Date| {
                    b.get(d).copied().with_context(|| {
                        format!(
                            "no perpendicular baseline for date {d} in {} (needed by \
                             interferogram {d1}_{d2})",
                            bl_dir.display()
                        )
                    })
                };
                Ok((get(d2)? - get(d1)?) as f32)
            })
            .collect::<anyhow::Result<_>>()?,
        None => {
            warnings.push(format!(
                "no baseline files under {}; perpendicular baselines set to 0",
                bl_dir.display()
            ));
            vec![0.0; pair_dates.len()]
        }
    })
}

/// Every data file of the stack: the pairs' rasters, then the geometry files not yet listed.
fn stack_files(pairs: &[PairFiles], geometry: &[(GeomLayer, BandFile)]) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = Vec::new();
    for p in pairs {
        for f in [Some(&p.unw), p.cor.as_ref(), p.conncomp.as_ref()]
            .into_iter()
            .flatten()
        {
            files.push(f.layout.data_file.clone());
        }
    }
    for (_, g) in geometry {
        if !files.contains(&g.layout.data_file) {
            files.push(g.layout.data_file.clone());
        }
    }
    files
}

impl IsceStack {
    /// Opens the topsStack project folder `project` with MintPy's default topsStack globs,
    /// checking every raster's sidecar and size.
    pub fn open(project: &Path) -> anyhow::Result<IsceStack> {
        IsceStack::open_globs(&layout::ISCE_TOPS.globs_at(project), IsceKind::Tops)
    }

    /// Opens the ISCE2 stack whose files the complete globs `globs` give (every key the stack
    /// uses set, or off).
    pub fn open_globs(globs: &LoadGlobs, kind: IsceKind) -> anyhow::Result<IsceStack> {
        let found = layout::find_pairs(globs)?;
        let (pairs, layers) = pair_rasters(&found.pairs)?;
        let (length, width) = (pairs[0].unw.layout.length, pairs[0].unw.layout.width);

        let geometry = geometry_rasters(globs, (length, width))?;
        let geom_dir = geometry_dir(globs)?;
        let meta = metadata::MetaFiles::find(globs)?;
        let attrs = metadata::stack_metadata(&meta, &geom_dir, length, width, |layer| {
            geometry
                .iter()
                .find(|g| g.0 == layer)
                .map(|g| (&g.1.layout, g.1.band))
        })?;
        let slant_range = match (
            attrs.get_f64_opt("STARTING_RANGE"),
            attrs.get_f64_opt("RANGE_PIXEL_SIZE"),
        ) {
            (Some(near), Some(step)) => Some((near, near + step * (width as f64 - 1.0))),
            _ => None,
        };

        let pair_dates: Vec<(Date, Date)> = found.pairs.iter().map(|p| p.dates).collect();
        let mut warnings = found.warnings;
        let bperp = pair_baselines(globs, kind, &pair_dates, &mut warnings)?;
        let network = Network::new(&pair_dates, &bperp).with_context(|| {
            format!(
                "bad interferogram network of {}",
                globs.get(LoadKey::Unw).unwrap_or_default()
            )
        })?;

        let files = stack_files(&pairs, &geometry);
        let mut geom_layers: Vec<GeomLayer> = geometry.iter().map(|g| g.0).collect();
        if slant_range.is_some() {
            geom_layers.push(GeomLayer::SlantRangeDistance);
        }
        Ok(IsceStack {
            info: StackInfo {
                length,
                width,
                network,
                attrs,
                layers,
                geometry: geom_layers,
                preferred_rows: 0,
                files,
                warnings,
                coords: StackCoords::Radar,
            },
            pairs,
            geometry,
            slant_range,
        })
    }

    fn pair_file(&self, i: usize, layer: StackLayer) -> anyhow::Result<&BandFile> {
        let p = &self.pairs[i];
        match layer {
            StackLayer::Phase => Some(&p.unw),
            StackLayer::Coherence => p.cor.as_ref(),
            StackLayer::ConnComp => p.conncomp.as_ref(),
        }
        .with_context(|| {
            format!(
                "the ISCE stack has no {layer:?} layer (folder {})",
                p.unw
                    .layout
                    .data_file
                    .parent()
                    .unwrap_or(Path::new(""))
                    .display()
            )
        })
    }
}

impl StackSource for IsceStack {
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
        // The layer decided once, so that the per-sample conversion is a branch-free select
        // the compiler vectorises (as a `match` per sample it cost a tenth of the run).
        let no_inf = matches!(layer, StackLayer::Phase | StackLayer::Coherence);
        for (i, chunk) in pairs.zip(out.chunks_exact_mut(n)) {
            let f = self.pair_file(i, layer)?;
            if no_inf {
                f.layout
                    .read_window_f32(f.band, window, chunk, super::infinite_to_nan)?;
            } else {
                f.layout.read_window_f32(f.band, window, chunk, |v| v)?;
            }
        }
        Ok(())
    }

    fn read_pixel(
        &self,
        layer: StackLayer,
        y: usize,
        x: usize,
        out: &mut [f32],
    ) -> anyhow::Result<()> {
        check_read(
            &self.info,
            "read_pixel",
            &Window::pixel(y, x),
            self.pairs.len(),
            out.len(),
        )?;
        for (i, o) in out.iter_mut().enumerate() {
            let f = self.pair_file(i, layer)?;
            *o = super::sanitize(layer, f.layout.read_sample(f.band, y, x)? as f32);
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
            if let Some((near, far)) = self.slant_range {
                // As numpy.linspace(near, far, WIDTH), which MintPy's range_distance uses.
                let w = self.info.width;
                for row in out.chunks_exact_mut(window.cols()) {
                    for (c, o) in row.iter_mut().enumerate() {
                        *o = super::linspace_at(near, far, w, window.x0 + c) as f32;
                    }
                }
                return Ok(());
            }
        }
        let (_, f) = self
            .geometry
            .iter()
            .find(|g| g.0 == layer)
            .with_context(|| {
                format!(
                    "the ISCE stack has no geometry layer {} (looked in merged/geom_reference)",
                    layer.mintpy_name()
                )
            })?;
        match layer {
            // As MintPy's geometry loading: DEM no-data -32768 becomes NaN, masks become bool.
            GeomLayer::Height => f.layout.read_window_with(f.band, window, out, |v| {
                if v == -32768.0 {
                    f32::NAN
                } else {
                    v as f32
                }
            }),
            GeomLayer::WaterMask => f.layout.read_window_with(f.band, window, out, |v| {
                if v != 0.0 && !v.is_nan() {
                    1.0
                } else {
                    0.0
                }
            }),
            GeomLayer::ShadowMask => {
                f.layout
                    .read_window_with(f.band, window, out, |v| if v != 0.0 { 1.0 } else { 0.0 })
            }
            _ => f.layout.read_window(f.band, window, out),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parallel_parsing_keeps_order_and_reports_the_first_failure() {
        let items: Vec<PathBuf> = (0..200).map(|i| PathBuf::from(format!("{i}"))).collect();
        let parse = |p: &PathBuf| -> anyhow::Result<usize> { Ok(p.to_str().unwrap().parse()?) };
        let all = in_order(&items, parse).unwrap();
        assert_eq!(all, (0..200).collect::<Vec<_>>());
        // Item 10 fails late (it is slow), item 150 at once: the report is still item 10's.
        let two_bad = |p: &PathBuf| -> anyhow::Result<usize> {
            let i = parse(p)?;
            if i == 10 {
                std::thread::sleep(std::time::Duration::from_millis(100));
            }
            anyhow::ensure!(i != 10 && i != 150, "item {i} is bad");
            Ok(i)
        };
        let e = in_order(&items, two_bad).unwrap_err();
        assert_eq!(e.to_string(), "item 10 is bad");
    }

    /// A small simulated topsStack tree in `dir`.
    fn simulated(dir: &Path) -> PathBuf {
        let root = dir.join("stack");
        let cfg = crate::simulate::SimConfig {
            rows: 8,
            cols: 9,
            num_dates: 4,
            neighbors: 2,
            ..Default::default()
        };
        crate::simulate::simulate(&root, &cfg).unwrap();
        root
    }

    #[test]
    fn missing_baselines_are_a_warning_of_the_stack_kept_by_its_views() {
        let dir = tempfile::tempdir().unwrap();
        let root = simulated(dir.path());
        let s = IsceStack::open(&root).unwrap();
        assert!(s.info().warnings.is_empty(), "{:?}", s.info().warnings);
        std::fs::remove_dir_all(root.join("baselines")).unwrap();
        let s = IsceStack::open(&root).unwrap();
        let expected = format!(
            "no baseline files under {}; perpendicular baselines set to 0",
            root.join("baselines").display()
        );
        assert_eq!(s.info().warnings, vec![expected.clone()]);
        assert!(s.info().network.pair_bperp.iter().all(|&b| b == 0.0));
        let edited = crate::network_edit::EditedStack::new(&s, &[0]).unwrap();
        assert_eq!(edited.info().warnings, vec![expected.clone()]);
        let sub = crate::geo::SubsetSource::new(Box::new(s), Window::full(2, 3)).unwrap();
        assert_eq!(sub.info().warnings, vec![expected]);
    }

    #[test]
    fn pair_names() {
        let (a, b) = parse_pair_name("20200101_20200113").unwrap();
        assert_eq!(
            (a.to_string(), b.to_string()),
            ("20200101".into(), "20200113".into())
        );
        // Reversed pairs parse (the reader refuses them with a message naming the folder).
        assert!(parse_pair_name("20200113_20200101").is_some());
        for bad in [
            "",
            "_",
            "20200101",
            "20200101_",
            "2020010_20200113",
            "20200101_20200230",
            "20200101-20200113",
            "20200101_20200113_x",
            "２０２００１０１_20200113",
            "200101_200113",
        ] {
            assert!(parse_pair_name(bad).is_none(), "{bad:?}");
        }
    }
}
