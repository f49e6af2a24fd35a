//! GMTSAR time-series projects, as MintPy's `prep_gmtsar` reads them (layout of MintPy's
//! GMTSAR example, `docs/dir_structure.md`): per pair a folder `YYYYDDD_YYYYDDD/` (day of year
//! minus one) holding the geocoded grids `unwrap_ll*.grd` and `corr_ll*.grd` (GMT netCDF,
//! [`grd`]); `supermaster.PRM` and `config.*.txt` for the metadata ([`prm`]);
//! `baseline_table.dat` for the perpendicular baselines; `geometry/{dem,incidence_angle,
//! azimuth_angle,water_mask}.grd` on the same grid when the user made them.
//!
//! Arrays are the grids' values as GDAL returns them (north row first, NaN kept); metadata are
//! MintPy 1.6.4's: every PRM key, its conversions, the looks from the config file (or
//! `--meta ALOOKS/RLOOKS`), the heading given with `--meta HEADING` (MintPy's template key),
//! the grid of the first interferogram, and each pair's baseline from the table. Pairs on
//! different extents of one grid are cut to their overlap.

pub mod grd;
pub mod prm;

use std::path::{Path, PathBuf};

use anyhow::{bail, Context};

use super::layout::{expand, first_match, AutoPath, LoadGlobs, LoadKey, GMTSAR};
use super::map_stack::{align, cut_note, entries, file_name, grid_attrs, slant_range, Offset};
use super::{
    check_pairs, check_read, Detection, GeomLayer, StackCoords, StackFormat, StackInfo, StackLayer,
    StackSource,
};
use crate::meta::pyfmt::py_f64;
use crate::meta::Date;
use crate::network::Network;
use crate::window::Window;
use grd::GmtGrid;

/// The GMTSAR format: a project folder holding `interferograms/*/unwrap_ll*.grd`.
#[derive(Debug, Clone, Copy, Default)]
pub struct GmtsarFormat;

impl StackFormat for GmtsarFormat {
    fn name(&self) -> &'static str {
        "GMTSAR"
    }

    fn detect(&self, path: &Path) -> Detection {
        if path.is_dir() && !default_files(path, "unwrap_ll").is_empty() {
            Detection::Recognised
        } else {
            Detection::not_recognised(
                "a GMTSAR project folder holding interferograms/<YYYYDDD_YYYYDDD>/unwrap_ll*.grd",
            )
        }
    }

    fn open(&self, path: &Path) -> anyhow::Result<Box<dyn StackSource>> {
        Ok(Box::new(GmtsarStack::open_with(path, &LoadGlobs::new())?))
    }

    fn open_with(&self, path: &Path, globs: &LoadGlobs) -> anyhow::Result<Box<dyn StackSource>> {
        Ok(Box::new(GmtsarStack::open_with(path, globs)?))
    }

    fn auto_path(&self) -> Option<&'static AutoPath> {
        Some(&GMTSAR)
    }
}

/// The grids named `prefix*.grd` in the pair folders of `root/interferograms` (or of `root`
/// itself), sorted by path.
fn default_files(root: &Path, prefix: &str) -> Vec<PathBuf> {
    let ifgs = root.join("interferograms");
    let base = if ifgs.is_dir() {
        ifgs
    } else {
        root.to_path_buf()
    };
    let mut out = Vec::new();
    for pair in entries(&base).into_iter().filter(|p| p.is_dir()) {
        out.extend(entries(&pair).into_iter().filter(|f| {
            let n = file_name(f);
            f.is_file() && n.starts_with(prefix) && n.ends_with(".grd")
        }));
    }
    out.sort();
    out
}

/// Whether `key` is turned off in `globs`.
fn is_off(globs: &LoadGlobs, key: LoadKey) -> bool {
    globs.iter().any(|(k, g)| k == key && g.is_none())
}

/// The file of `key`: the template's first match when given, else `default` if it exists.
fn one_file(globs: &LoadGlobs, key: LoadKey, default: PathBuf) -> anyhow::Result<Option<PathBuf>> {
    if is_off(globs, key) {
        return Ok(None);
    }
    match globs.get(key) {
        Some(_) => first_match(globs, key),
        None => Ok(default.is_file().then_some(default)),
    }
}

/// One grid of the stack and its place on the common grid.
#[derive(Debug, Clone)]
struct Placed {
    grd: GmtGrid,
    off: Offset,
}

impl Placed {
    fn open(path: &Path) -> anyhow::Result<Placed> {
        let grd = GmtGrid::open(path)?;
        grd.check_complete()?;
        Ok(Placed {
            grd,
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
        self.grd.read(&w, out)
    }
}

/// One pair's grids.
#[derive(Debug, Clone)]
struct PairGrids {
    dates: (Date, Date),
    unw: Placed,
    cor: Option<Placed>,
}

/// A GMTSAR stack opened for windowed reading.
#[derive(Debug)]
pub struct GmtsarStack {
    info: StackInfo,
    pairs: Vec<PairGrids>,
    geometry: Vec<(GeomLayer, Placed)>,
}

/// The pair of the folder holding `grd`, or an error naming it.
fn pair_of(grd: &Path) -> anyhow::Result<(Date, Date)> {
    let folder = grd.parent().map(file_name).unwrap_or_default();
    prm::pair_of_folder(&folder).with_context(|| {
        format!(
            "GMTSAR grid {}: its folder '{folder}' is not a pair YYYYDDD_YYYYDDD (MintPy's \
             prep_gmtsar dates each interferogram by its folder)",
            grd.display()
        )
    })
}

/// The geometry grids a GMTSAR project may have, their template keys and default files.
const GEOMETRY: [(GeomLayer, LoadKey, &str); 4] = [
    (GeomLayer::Height, LoadKey::Dem, "geometry/dem.grd"),
    (
        GeomLayer::IncidenceAngle,
        LoadKey::IncAngle,
        "geometry/incidence_angle.grd",
    ),
    (
        GeomLayer::AzimuthAngle,
        LoadKey::AzAngle,
        "geometry/azimuth_angle.grd",
    ),
    (
        GeomLayer::WaterMask,
        LoadKey::WaterMask,
        "geometry/water_mask.grd",
    ),
];

impl GmtsarStack {
    /// Opens the GMTSAR project at `root`, the files chosen by MintPy's template globs where
    /// `globs` gives them (`unwFile`, `corFile`, `metaFile`, `baselineDir`, geometry files),
    /// with the metadata `globs` carries (`HEADING`, `ALOOKS`, `RLOOKS`).
    pub fn open_with(root: &Path, globs: &LoadGlobs) -> anyhow::Result<GmtsarStack> {
        if is_off(globs, LoadKey::Unw) {
            bail!("mintpy.load.unwFile is off: a GMTSAR stack needs its unwrap_ll*.grd grids");
        }
        let unw_paths = match globs.get(LoadKey::Unw) {
            Some(g) => expand(g)?,
            None => default_files(root, "unwrap_ll"),
        };
        if unw_paths.is_empty() {
            bail!(
                "empty stack: {} holds no interferograms/*/unwrap_ll*.grd",
                root.display()
            );
        }
        let mut unws = Vec::new();
        for p in &unw_paths {
            unws.push((pair_of(p)?, p.clone()));
        }
        unws.sort();
        for w in unws.windows(2) {
            if w[0].0 == w[1].0 {
                bail!(
                    "two GMTSAR grids of the pair {}_{}: {} and {}; keep one",
                    w[0].0 .0,
                    w[0].0 .1,
                    w[0].1.display(),
                    w[1].1.display()
                );
            }
        }
        let cor_paths = if is_off(globs, LoadKey::Cor) {
            Vec::new()
        } else {
            match globs.get(LoadKey::Cor) {
                Some(g) => expand(g)?,
                None => default_files(root, "corr_ll"),
            }
        };
        let mut cors = Vec::new();
        for p in &cor_paths {
            cors.push((pair_of(p)?, p.clone()));
        }
        let mut pairs = Vec::new();
        for (dates, unw) in &unws {
            let cor = if cors.is_empty() {
                None
            } else {
                let c = cors.iter().find(|(d, _)| d == dates).with_context(|| {
                    format!(
                        "no coherence grid for the pair {}_{} of {} (coherence is given for {} \
                         of {} pairs: give it for every pair or for none)",
                        dates.0,
                        dates.1,
                        unw.display(),
                        cors.len(),
                        unws.len()
                    )
                })?;
                Some(Placed::open(&c.1)?)
            };
            pairs.push(PairGrids {
                dates: *dates,
                unw: Placed::open(unw)?,
                cor,
            });
        }

        let prm_path =
            one_file(globs, LoadKey::Meta, root.join("supermaster.PRM"))?.with_context(|| {
                format!(
                    "GMTSAR stack {}: no supermaster.PRM (MintPy's mintpy.load.metaFile; give \
                     it with --meta-file)",
                    root.display()
                )
            })?;
        let table_path = one_file(globs, LoadKey::BaselineDir, root.join("baseline_table.dat"))?
            .with_context(|| {
                format!(
                    "GMTSAR stack {}: no baseline_table.dat (MintPy's mintpy.load.baselineDir; \
                 give it with --baseline-dir)",
                    root.display()
                )
            })?;
        let table = prm::read_baseline_table(&table_path)?;

        let mut geometry = Vec::new();
        for (layer, key, default) in GEOMETRY {
            if let Some(p) = one_file(globs, key, root.join(default))? {
                geometry.push((layer, Placed::open(&p)?));
            }
        }

        // MintPy takes the corners, slant range and incidence from the first geocoded grid of
        // the first pair's folder, coherence first.
        let first = &pairs[0];
        let geo_first = first.cor.as_ref().unwrap_or(&first.unw);
        let (mut attrs, heading_warning) =
            prm::stack_attrs(&prm_path, &first.unw.grd, &geo_first.grd, globs.meta())?;
        // What MintPy's read_gdal_vrt adds from the first interferogram.
        let unw0 = &first.unw.grd;
        attrs.set("BANDS", 1);
        attrs.set("DATA_TYPE", unw0.data_type());
        attrs.set("INTERLEAVE", "BIP");
        attrs.set("NoDataValue", unw0.no_data_text());
        let bperp0 = prm::pair_bperp(&table, first.dates.0, first.dates.1, &table_path)?;
        attrs.set(
            "DATE12",
            format!("{}-{}", first.dates.0.yymmdd(), first.dates.1.yymmdd()),
        );
        attrs.set("P_BASELINE_TOP_HDR", prm::bperp_text(bperp0));
        attrs.set("P_BASELINE_BOTTOM_HDR", prm::bperp_text(bperp0));

        // Every grid in one alignment: phases, coherences, then the geometry.
        let mut grids = Vec::new();
        for p in &pairs {
            grids.push((p.unw.grd.path().clone(), p.unw.grd.grid));
        }
        for p in &pairs {
            if let Some(c) = &p.cor {
                grids.push((c.grd.path().clone(), c.grd.grid));
            }
        }
        for (_, g) in &geometry {
            grids.push((g.grd.path().clone(), g.grd.grid));
        }
        let al = align(&grids)?;
        let mut offs = al.offsets.iter().copied();
        for p in pairs.iter_mut() {
            p.unw.off = offs.next().unwrap_or_default();
        }
        for p in pairs.iter_mut() {
            if let Some(c) = p.cor.as_mut() {
                c.off = offs.next().unwrap_or_default();
            }
        }
        for (_, g) in geometry.iter_mut() {
            g.off = offs.next().unwrap_or_default();
        }
        let mut warnings: Vec<String> = heading_warning.into_iter().collect();
        if !al.cuts.is_empty() {
            warnings.push(cut_note("GMTSAR grids", &al));
        }
        let grid = al.grid;
        grid_attrs(&mut attrs, &grid);
        // MintPy keeps the longitude of the corner within (-180, 180].
        if grid.degrees && grid.x_first > 180.0 {
            attrs.set("X_FIRST", py_f64(grid.x_first - 360.0));
        }

        let dates: Vec<(Date, Date)> = pairs.iter().map(|p| p.dates).collect();
        let bperp: Vec<f32> = pairs
            .iter()
            .map(|p| prm::pair_bperp(&table, p.dates.0, p.dates.1, &table_path))
            .collect::<anyhow::Result<_>>()?;
        let network = Network::new(&dates, &bperp)
            .with_context(|| format!("bad interferogram network in {}", root.display()))?;
        let mut files = vec![prm_path.clone(), table_path.clone()];
        if let Some(c) = prm::config_file(&prm_path) {
            files.push(c);
        }
        for p in &pairs {
            files.push(p.unw.grd.path().clone());
            if let Some(c) = &p.cor {
                files.push(c.grd.path().clone());
            }
        }
        for (_, g) in &geometry {
            files.push(g.grd.path().clone());
        }
        let mut layers = vec![StackLayer::Phase];
        if pairs.iter().any(|p| p.cor.is_some()) {
            layers.push(StackLayer::Coherence);
        }
        let mut geom: Vec<GeomLayer> = geometry.iter().map(|(l, _)| *l).collect();
        if !geom.contains(&GeomLayer::IncidenceAngle) {
            // MintPy fills it with the constant it derives for a geocoded stack.
            geom.push(GeomLayer::IncidenceAngle);
        }
        geom.push(GeomLayer::SlantRangeDistance);
        Ok(GmtsarStack {
            info: StackInfo {
                length: grid.length,
                width: grid.width,
                network,
                attrs,
                layers,
                geometry: geom,
                preferred_rows: 0,
                files,
                warnings,
                coords: StackCoords::Map(grid),
            },
            pairs,
            geometry,
        })
    }
}

impl StackSource for GmtsarStack {
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
            let grid = match layer {
                StackLayer::Phase => Some(&p.unw),
                StackLayer::Coherence => p.cor.as_ref(),
                StackLayer::ConnComp => None,
            }
            .with_context(|| {
                format!(
                    "the GMTSAR stack has no {layer:?} layer ({})",
                    p.unw.grd.path().display()
                )
            })?;
            grid.read(window, chunk)?;
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
        let file = |l: GeomLayer| self.geometry.iter().find(|(g, _)| *g == l).map(|x| &x.1);
        if let Some(g) = file(layer) {
            return g.read(window, out);
        }
        let attrs = &self.info.attrs;
        match layer {
            GeomLayer::IncidenceAngle => {
                out.fill(attrs.get_f64("INCIDENCE_ANGLE")? as f32);
                Ok(())
            }
            GeomLayer::SlantRangeDistance => match file(GeomLayer::IncidenceAngle) {
                Some(inc) => {
                    let re = attrs.get_f64("EARTH_RADIUS")?;
                    let h = attrs.get_f64("HEIGHT")?;
                    inc.read(window, out)?;
                    out.iter_mut().for_each(|v| *v = slant_range(*v, re, h));
                    Ok(())
                }
                None => {
                    out.fill(attrs.get_f64("SLANT_RANGE_DISTANCE")? as f32);
                    Ok(())
                }
            },
            _ => bail!(
                "the GMTSAR stack has no {} geometry layer",
                layer.mintpy_name()
            ),
        }
    }
}
