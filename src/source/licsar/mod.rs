//! COMET LiCSAR frame products, as LiCSBAS's `LiCSBAS02_ml_prep.py` reads them: a `GEOC`
//! folder holding one folder per pair `YYYYMMDD_YYYYMMDD/` with `YYYYMMDD_YYYYMMDD.geo.unw.tif`
//! (unwrapped phase, radians) and `.geo.cc.tif` (coherence: uint8 0..255 in products since
//! 2019, float 0..1 before), and, per frame, `<frame>.geo.{E,N,U}.tif` (the unit vector from
//! the ground to the satellite), `<frame>.geo.hgt.tif` (heights, m), `baselines` and
//! `metadata.txt`. Geocoded on a latitude/longitude grid (EPSG:4326).
//!
//! sbas reads the phase as stored, the coherence as `cc / 255` when it is uint8, no data (0)
//! of the heights and unit vectors as NaN (as LiCSBAS does), and turns the unit vector into
//! MintPy's angles: incidence `acos(U)` and azimuth `atan2(-E, N)` (degrees from the north,
//! anticlockwise), the slant range from the incidence as MintPy does for HyP3, with the orbit
//! height from the frame's `centre_range_m` and `avg_incidence_angle`. Pair folders without
//! a phase file are left out with a note (LiCSBAS lists them in `no_unw_list.txt`); a phase
//! without its coherence is an error. Pairs on different extents of one grid are cut to their
//! overlap, as HyP3's.

pub mod meta;

use std::path::{Path, PathBuf};

use anyhow::{bail, Context};

use super::map_stack::{
    entries, file_name, pair_dates, place_all, slant_range, Placed, PlacedFiles,
};
use super::raster::{GeoTiff, Sample};
use super::{
    check_pairs, check_read, Detection, GeomLayer, StackCoords, StackFormat, StackInfo, StackLayer,
    StackSource,
};
use crate::meta::Date;
use crate::network::Network;
use crate::window::Window;
use meta::{read_baselines, stack_attrs, LicsarMeta};

/// The LiCSAR format: a `GEOC` folder of pair folders, or the folder holding it.
#[derive(Debug, Clone, Copy, Default)]
pub struct LicsarFormat;

impl StackFormat for LicsarFormat {
    fn name(&self) -> &'static str {
        "COMET LiCSAR"
    }

    fn detect(&self, path: &Path) -> Detection {
        if geoc_dir(path).is_some() {
            Detection::Recognised
        } else {
            Detection::not_recognised(
                "a LiCSAR GEOC folder holding YYYYMMDD_YYYYMMDD/YYYYMMDD_YYYYMMDD.geo.unw.tif",
            )
        }
    }

    fn open(&self, path: &Path) -> anyhow::Result<Box<dyn StackSource>> {
        Ok(Box::new(LicsarStack::open(path)?))
    }
}

/// The pair folders of `dir` (named `YYYYMMDD_YYYYMMDD`), sorted.
fn pair_folders(dir: &Path) -> Vec<PathBuf> {
    entries(dir)
        .into_iter()
        .filter(|p| p.is_dir() && pair_dates(&file_name(p)).is_some())
        .collect()
}

/// A pair folder's file with suffix `suffix` (`geo.unw.tif`, ...).
fn pair_file(folder: &Path, suffix: &str) -> PathBuf {
    folder.join(format!("{}.{suffix}", file_name(folder)))
}

/// The GEOC folder of `path`: `path/GEOC`, or `path` itself, when it holds a pair folder with
/// its unwrapped phase.
fn geoc_dir(path: &Path) -> Option<PathBuf> {
    let holds = |d: &Path| {
        pair_folders(d)
            .iter()
            .any(|f| pair_file(f, "geo.unw.tif").is_file())
    };
    let sub = path.join("GEOC");
    if sub.is_dir() && holds(&sub) {
        Some(sub)
    } else if path.is_dir() && holds(path) {
        Some(path.to_path_buf())
    } else {
        None
    }
}

/// The first file (by name) of `dir` ending with `suffix`, as LiCSBAS's glob takes the first.
fn frame_file(dir: &Path, suffix: &str) -> Option<PathBuf> {
    entries(dir)
        .into_iter()
        .find(|p| p.is_file() && file_name(p).ends_with(suffix))
}

/// One pair's files.
#[derive(Debug, Clone)]
struct PairFiles {
    unw: Placed,
    cc: Placed,
}

/// The frame-wide geometry files present.
#[derive(Debug, Default)]
struct Geometry {
    hgt: Option<Placed>,
    e: Option<Placed>,
    n: Option<Placed>,
    u: Option<Placed>,
}

/// A LiCSAR stack opened for windowed reading.
#[derive(Debug)]
pub struct LicsarStack {
    info: StackInfo,
    pairs: Vec<PairFiles>,
    geometry: Geometry,
}

/// A pair's dates and folder.
type PairFolder = (Date, Date, PathBuf);

/// The pairs of `geoc` with their phase, sorted by dates, and a note per pair folder without
/// one; an error for a phase without its coherence.
fn find_pairs(geoc: &Path) -> anyhow::Result<(Vec<PairFolder>, Vec<String>)> {
    let mut pairs = Vec::new();
    let mut notes = Vec::new();
    for f in pair_folders(geoc) {
        let Some((d1, d2)) = pair_dates(&file_name(&f)) else {
            continue;
        };
        if !pair_file(&f, "geo.unw.tif").is_file() {
            notes.push(format!(
                "LiCSAR pair folder {} has no {}.geo.unw.tif: its pair is left out",
                f.display(),
                file_name(&f)
            ));
            continue;
        }
        let cc = pair_file(&f, "geo.cc.tif");
        if !cc.is_file() {
            bail!(
                "{} is missing beside {}: every LiCSAR pair needs its coherence (LiCSBAS \
                 skips such pairs; remove the folder to leave the pair out)",
                cc.display(),
                pair_file(&f, "geo.unw.tif").display()
            );
        }
        if d1 >= d2 {
            bail!(
                "{}: the first date must be earlier than the second",
                f.display()
            );
        }
        pairs.push((d1, d2, f));
    }
    if pairs.is_empty() {
        bail!(
            "empty stack: {} holds no YYYYMMDD_YYYYMMDD/*.geo.unw.tif",
            geoc.display()
        );
    }
    pairs.sort_by_key(|p| (p.0, p.1));
    Ok((pairs, notes))
}

/// Each pair's perpendicular baseline from `baselines`, or zeros with a note when the file
/// is missing or lacks a date (LiCSBAS then makes a dummy file).
fn pair_baselines(geoc: &Path, pairs: &[PairFolder]) -> anyhow::Result<(Vec<f32>, Option<String>)> {
    let path = geoc.join("baselines");
    let zeros = vec![0f32; pairs.len()];
    if !path.is_file() {
        return Ok((
            zeros,
            Some(format!(
                "no LiCSAR baselines file {}: perpendicular baselines taken as 0 (DEM error \
                 cannot be estimated)",
                path.display()
            )),
        ));
    }
    let b = read_baselines(&path)?;
    let mut out = Vec::with_capacity(pairs.len());
    for (d1, d2, _) in pairs {
        match (b.get(d1), b.get(d2)) {
            (Some(x), Some(y)) => out.push((y - x) as f32),
            _ => {
                let missing = if b.contains_key(d1) { d2 } else { d1 };
                return Ok((
                    zeros,
                    Some(format!(
                        "LiCSAR baselines {} has no line for {missing}: perpendicular \
                         baselines taken as 0 (DEM error cannot be estimated)",
                        path.display()
                    )),
                ));
            }
        }
    }
    Ok((out, None))
}

impl LicsarStack {
    /// Opens the LiCSAR stack at `path` (a GEOC folder, or the folder holding `GEOC`).
    pub fn open(path: &Path) -> anyhow::Result<LicsarStack> {
        let geoc = geoc_dir(path).with_context(|| {
            format!(
                "{} is not a LiCSAR stack: no GEOC/YYYYMMDD_YYYYMMDD/*.geo.unw.tif",
                path.display()
            )
        })?;
        let (pairs, mut warnings) = find_pairs(&geoc)?;
        let n = pairs.len();
        let mut tifs = Vec::with_capacity(2 * n + 4);
        for (_, _, f) in &pairs {
            tifs.push(GeoTiff::open(&pair_file(f, "geo.unw.tif"))?);
        }
        for (_, _, f) in &pairs {
            tifs.push(GeoTiff::open(&pair_file(f, "geo.cc.tif"))?);
        }
        let geom_paths: Vec<Option<PathBuf>> =
            [".geo.hgt.tif", ".geo.E.tif", ".geo.N.tif", ".geo.U.tif"]
                .iter()
                .map(|s| frame_file(&geoc, s))
                .collect();
        for p in geom_paths.iter().flatten() {
            tifs.push(GeoTiff::open(p)?);
        }
        let PlacedFiles {
            grid,
            placed,
            paths: mut files,
            cut,
        } = place_all(tifs, "LiCSAR interferograms")?;
        warnings.extend(cut);
        let mut placed = placed.into_iter();
        let unw: Vec<Placed> = placed.by_ref().take(n).collect();
        let cc: Vec<Placed> = placed.by_ref().take(n).collect();
        let mut take = |i: usize| geom_paths[i].as_ref().and_then(|_| placed.next());
        let geometry = Geometry {
            hgt: take(0),
            e: take(1),
            n: take(2),
            u: take(3),
        };

        let meta_path = geoc.join("metadata.txt");
        let meta = if meta_path.is_file() {
            files.push(meta_path.clone());
            Some(LicsarMeta::read(&meta_path)?)
        } else {
            warnings.push(format!(
                "no LiCSAR {}: heading, orbit direction and centre time are unknown",
                meta_path.display()
            ));
            None
        };
        let attrs = stack_attrs(meta.as_ref(), &grid)?;
        let (bperp, note) = pair_baselines(&geoc, &pairs)?;
        warnings.extend(note);
        if geoc.join("baselines").is_file() {
            files.push(geoc.join("baselines"));
        }
        let dates: Vec<(Date, Date)> = pairs.iter().map(|p| (p.0, p.1)).collect();
        let network = Network::new(&dates, &bperp)
            .with_context(|| format!("bad interferogram network in {}", geoc.display()))?;

        let mut geom_layers = Vec::new();
        geometry
            .hgt
            .is_some()
            .then(|| geom_layers.push(GeomLayer::Height));
        if geometry.u.is_some() {
            geom_layers.push(GeomLayer::IncidenceAngle);
            if attrs.contains("HEIGHT") {
                geom_layers.push(GeomLayer::SlantRangeDistance);
            }
        }
        if geometry.e.is_some() && geometry.n.is_some() {
            geom_layers.push(GeomLayer::AzimuthAngle);
        }
        let pairs = unw
            .into_iter()
            .zip(cc)
            .map(|(unw, cc)| PairFiles { unw, cc })
            .collect();
        Ok(LicsarStack {
            info: StackInfo {
                length: grid.length,
                width: grid.width,
                network,
                attrs,
                layers: vec![StackLayer::Phase, StackLayer::Coherence],
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

    fn geometry_file<'a>(&self, f: &'a Option<Placed>, what: &str) -> anyhow::Result<&'a Placed> {
        f.as_ref()
            .with_context(|| format!("the LiCSAR stack has no *.geo.{what}.tif"))
    }
}

/// No data (0) of a frame-wide layer as NaN, as LiCSBAS reads them.
fn zero_to_nan(v: f32) -> f32 {
    if v == 0.0 {
        f32::NAN
    } else {
        v
    }
}

impl StackSource for LicsarStack {
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
            match layer {
                StackLayer::Phase => p.unw.read(window, chunk)?,
                StackLayer::Coherence => {
                    p.cc.read(window, chunk)?;
                    if p.cc.tif.sample() == Sample::U8 {
                        chunk.iter_mut().for_each(|v| *v /= 255.0);
                    }
                }
                StackLayer::ConnComp => bail!(
                    "the LiCSAR stack has no connected components ({})",
                    p.unw.tif.path().display()
                ),
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
        let g = &self.geometry;
        match layer {
            GeomLayer::Height => {
                self.geometry_file(&g.hgt, "hgt")?.read(window, out)?;
                out.iter_mut().for_each(|v| *v = zero_to_nan(*v));
            }
            GeomLayer::IncidenceAngle => {
                self.geometry_file(&g.u, "U")?.read(window, out)?;
                out.iter_mut()
                    .for_each(|v| *v = zero_to_nan(*v).acos().to_degrees());
            }
            GeomLayer::SlantRangeDistance => {
                let a = &self.info.attrs;
                let (re, h) = (a.get_f64("EARTH_RADIUS")?, a.get_f64("HEIGHT")?);
                self.read_geometry(GeomLayer::IncidenceAngle, window, out)?;
                out.iter_mut().for_each(|v| *v = slant_range(*v, re, h));
            }
            GeomLayer::AzimuthAngle => {
                let north = self.geometry_file(&g.n, "N")?;
                self.geometry_file(&g.e, "E")?.read(window, out)?;
                // One buffer per call (a chunk), not per pixel.
                let mut n = vec![0f32; out.len()];
                north.read(window, &mut n)?;
                for (e, n) in out.iter_mut().zip(&n) {
                    *e = if *e == 0.0 && *n == 0.0 {
                        f32::NAN
                    } else {
                        (-*e).atan2(*n).to_degrees()
                    };
                }
            }
            _ => bail!(
                "the LiCSAR stack has no {} geometry layer",
                layer.mintpy_name()
            ),
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pair_names() {
        let d = |s| Date::parse(s).unwrap();
        assert_eq!(
            pair_dates("20200101_20200113"),
            Some((d("20200101"), d("20200113")))
        );
        for bad in [
            "20200101-20200113",
            "2020010_20200113",
            "GEOC",
            "20201301_20200113",
        ] {
            assert_eq!(pair_dates(bad), None, "{bad}");
        }
        assert_eq!(
            pair_file(Path::new("/g/20200101_20200113"), "geo.cc.tif"),
            Path::new("/g/20200101_20200113/20200101_20200113.geo.cc.tif")
        );
    }

    #[test]
    fn unit_vector_to_angles() {
        // A right-looking descending pass: the satellite to the east (E > 0), slightly south.
        let (inc, az) = (39.0f32.to_radians(), (-100.0f32).to_radians());
        let (e, n, u) = (-inc.sin() * az.sin(), inc.sin() * az.cos(), inc.cos());
        assert!(e > 0.0);
        assert!(((-e).atan2(n).to_degrees() + 100.0).abs() < 1e-4);
        assert!((u.acos().to_degrees() - 39.0).abs() < 1e-4);
        assert!(zero_to_nan(0.0).is_nan());
    }
}
