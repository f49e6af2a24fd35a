//! dolphin (OPERA DISP-S1's engine) work folders: `unwrapped/YYYYMMDD_YYYYMMDD.unw.tif`
//! (unwrapped phase, radians, no data 0), `unwrapped/YYYYMMDD_YYYYMMDD.unw.conncomp.tif`
//! (connected components, uint16, no data 65535) and `interferograms/YYYYMMDD_YYYYMMDD.int.cor.tif`
//! (interferometric correlation, 0..1), geocoded (UTM for OPERA). Names and no-data values
//! are dolphin's (`src/dolphin/unwrap/_constants.py`, `workflows/stitching_bursts.py`,
//! `interferogram.py`; isce-framework/dolphin commit c2f7c24a).
//!
//! dolphin's phase has MintPy's sign (its `timeseries.py` turns it into displacement towards
//! the radar with `-wavelength / (4 pi)`), so it is read as stored. dolphin writes no baselines
//! and no geometry: perpendicular baselines are 0 (no DEM-error estimate) and the stack has no
//! geometry layers; the wavelength is Sentinel-1's and the looks OPERA DISP-S1's strides
//! (3 x 6), both overridable with `--meta`. Coherence and components are optional, for every
//! pair or none; the temporal coherence rasters are not read.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context};

use super::map_stack::{
    entries, file_name, grid_attrs, pair_dates, place_all, Placed, PlacedFiles,
};
use super::raster::GeoTiff;
use super::{
    check_pairs, Detection, GeomLayer, StackCoords, StackFormat, StackInfo, StackLayer, StackSource,
};
use crate::meta::pyfmt::py_f64;
use crate::meta::{Attributes, Date};
use crate::network::Network;
use crate::window::Window;

/// Sentinel-1's carrier frequency (Hz): OPERA DISP-S1 processes Sentinel-1.
const CARRIER_FREQUENCY: f64 = 5.405e9;
const SPEED_OF_LIGHT: f64 = 299_792_458.0;
/// OPERA DISP-S1's strides (azimuth, range), the looks of its interferograms.
pub const LOOKS: (usize, usize) = (3, 6);
/// dolphin's no data of connected components (`DEFAULT_CCL_NODATA`).
const CCL_NODATA: f32 = 65535.0;
/// The unwrapped-phase suffix (`UNW_SUFFIX`).
const UNW_SUFFIX: &str = ".unw.tif";

/// The dolphin format: a work folder holding `unwrapped/*.unw.tif`, or that folder itself.
#[derive(Debug, Clone, Copy, Default)]
pub struct DolphinFormat;

impl StackFormat for DolphinFormat {
    fn name(&self) -> &'static str {
        "dolphin"
    }

    fn detect(&self, path: &Path) -> Detection {
        if unwrapped_dir(path).is_some() {
            Detection::Recognised
        } else {
            Detection::not_recognised(
                "a dolphin work folder holding unwrapped/YYYYMMDD_YYYYMMDD.unw.tif",
            )
        }
    }

    fn open(&self, path: &Path) -> anyhow::Result<Box<dyn StackSource>> {
        Ok(Box::new(DolphinStack::open(path)?))
    }
}

/// The pair of an unwrapped file name `YYYYMMDD_YYYYMMDD.unw.tif`.
fn unw_pair(p: &Path) -> Option<(Date, Date)> {
    pair_dates(file_name(p).strip_suffix(UNW_SUFFIX)?)
}

/// The unwrapped files of `dir`, sorted.
fn unw_files(dir: &Path) -> Vec<PathBuf> {
    entries(dir)
        .into_iter()
        .filter(|p| p.is_file() && unw_pair(p).is_some())
        .collect()
}

/// The folder of unwrapped files: `path/unwrapped`, or `path` itself.
fn unwrapped_dir(path: &Path) -> Option<PathBuf> {
    let sub = path.join("unwrapped");
    if sub.is_dir() && !unw_files(&sub).is_empty() {
        Some(sub)
    } else if path.is_dir() && !unw_files(path).is_empty() {
        Some(path.to_path_buf())
    } else {
        None
    }
}

/// One pair's files.
#[derive(Debug, Clone)]
struct PairFiles {
    unw: Placed,
    cor: Option<Placed>,
    conncomp: Option<Placed>,
}

/// A dolphin stack opened for windowed reading.
#[derive(Debug)]
pub struct DolphinStack {
    info: StackInfo,
    pairs: Vec<PairFiles>,
}

/// Every pair's file `paths`, or none when no pair has one; an error when only some have it.
fn all_or_none(paths: Vec<PathBuf>, what: &str) -> anyhow::Result<Option<Vec<PathBuf>>> {
    let have = paths.iter().filter(|p| p.is_file()).count();
    if have == 0 {
        return Ok(None);
    }
    if let Some(missing) = paths.iter().find(|p| !p.is_file()) {
        bail!(
            "{what} is present for {have} of {} pairs but {} is missing: give it for every \
             pair or for none",
            paths.len(),
            missing.display()
        );
    }
    Ok(Some(paths))
}

/// The stack's attributes: the grid's, dolphin's phase convention and the assumed sensor.
fn stack_attrs(grid: &crate::geo::grid::MapGrid) -> Attributes {
    let mut a = Attributes::new();
    grid_attrs(&mut a, grid);
    a.set("PROCESSOR", "dolphin");
    a.set("PLATFORM", "Sen");
    a.set("WAVELENGTH", py_f64(SPEED_OF_LIGHT / CARRIER_FREQUENCY));
    a.set("ALOOKS", LOOKS.0);
    a.set("RLOOKS", LOOKS.1);
    a
}

impl DolphinStack {
    /// Opens the dolphin outputs at `path` (the work folder, or its `unwrapped/`).
    pub fn open(path: &Path) -> anyhow::Result<DolphinStack> {
        let unw_dir = unwrapped_dir(path).with_context(|| {
            format!(
                "{} is not a dolphin stack: no unwrapped/YYYYMMDD_YYYYMMDD.unw.tif",
                path.display()
            )
        })?;
        let mut unws: Vec<(Date, Date, PathBuf)> = unw_files(&unw_dir)
            .into_iter()
            .filter_map(|p| unw_pair(&p).map(|(a, b)| (a, b, p)))
            .collect();
        unws.sort_by_key(|u| (u.0, u.1));
        if let Some(u) = unws.iter().find(|u| u.0 >= u.1) {
            bail!(
                "{}: the first date must be earlier than the second",
                u.2.display()
            );
        }
        let work = unw_dir.parent().unwrap_or(&unw_dir);
        let stem = |u: &(Date, Date, PathBuf)| format!("{}_{}", u.0, u.1);
        let cors = all_or_none(
            unws.iter()
                .map(|u| {
                    work.join("interferograms")
                        .join(format!("{}.int.cor.tif", stem(u)))
                })
                .collect(),
            "interferograms/*.int.cor.tif",
        )?;
        let ccs = all_or_none(
            unws.iter()
                .map(|u| unw_dir.join(format!("{}.unw.conncomp.tif", stem(u))))
                .collect(),
            "unwrapped/*.unw.conncomp.tif",
        )?;
        let n = unws.len();
        let mut tifs = Vec::with_capacity(3 * n);
        for p in unws
            .iter()
            .map(|u| &u.2)
            .chain(cors.iter().flatten())
            .chain(ccs.iter().flatten())
        {
            tifs.push(GeoTiff::open(p)?);
        }
        let PlacedFiles {
            grid,
            placed,
            paths,
            cut,
        } = place_all(tifs, "dolphin interferograms")?;
        let mut placed = placed.into_iter();
        let unw: Vec<Placed> = placed.by_ref().take(n).collect();
        let cor: Option<Vec<Placed>> = cors.as_ref().map(|_| placed.by_ref().take(n).collect());
        let cc: Option<Vec<Placed>> = ccs.as_ref().map(|_| placed.by_ref().take(n).collect());

        let mut layers = vec![StackLayer::Phase];
        cor.is_some().then(|| layers.push(StackLayer::Coherence));
        cc.is_some().then(|| layers.push(StackLayer::ConnComp));
        let pairs = (0..n)
            .map(|i| PairFiles {
                unw: unw[i].clone(),
                cor: cor.as_ref().map(|v| v[i].clone()),
                conncomp: cc.as_ref().map(|v| v[i].clone()),
            })
            .collect();
        let dates: Vec<(Date, Date)> = unws.iter().map(|u| (u.0, u.1)).collect();
        let network = Network::new(&dates, &vec![0.0; n])
            .with_context(|| format!("bad interferogram network in {}", unw_dir.display()))?;
        let mut warnings = vec![
            "dolphin writes no baselines: perpendicular baselines are 0 (DEM error cannot be \
             estimated)"
                .to_string(),
        ];
        warnings.extend(cut);
        Ok(DolphinStack {
            info: StackInfo {
                length: grid.length,
                width: grid.width,
                network,
                attrs: stack_attrs(&grid),
                layers,
                geometry: Vec::new(),
                preferred_rows: 0,
                files: paths,
                warnings,
                coords: StackCoords::Map(grid),
            },
            pairs,
        })
    }
}

impl StackSource for DolphinStack {
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
            let file = match layer {
                StackLayer::Phase => Some(&p.unw),
                StackLayer::Coherence => p.cor.as_ref(),
                StackLayer::ConnComp => p.conncomp.as_ref(),
            }
            .with_context(|| {
                format!(
                    "the dolphin stack has no {layer:?} layer ({})",
                    p.unw.tif.path().display()
                )
            })?;
            file.read(window, chunk)?;
            if layer == StackLayer::ConnComp {
                // No data is not a component: MintPy's 0.
                chunk.iter_mut().for_each(|v| {
                    if *v == CCL_NODATA {
                        *v = 0.0
                    }
                });
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
        _window: &Window,
        _out: &mut [f32],
    ) -> anyhow::Result<()> {
        bail!(
            "a dolphin stack has no geometry ({} asked): dolphin writes none",
            layer.mintpy_name()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unwrapped_names() {
        let d = |s| Date::parse(s).unwrap();
        assert_eq!(
            unw_pair(Path::new("/w/unwrapped/20200101_20200113.unw.tif")),
            Some((d("20200101"), d("20200113")))
        );
        assert_eq!(
            unw_pair(Path::new("/w/unwrapped/20200101_20200113.unw.conncomp.tif")),
            None
        );
        assert_eq!(unw_pair(Path::new("/w/20200101_20200113.int.tif")), None);
    }
}
