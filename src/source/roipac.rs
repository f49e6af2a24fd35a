//! ROI_PAC stacks, laid out as MintPy's default ROI_PAC paths: `PROCESS/DONE/IFG*/filt*.unw`
//! (with `filt*.cor`, `filt*snap_connect.byt`), `PROCESS/DONE/*/radar_*rlks.hgt`, and the
//! lookup table `PROCESS/GEO/geo_*/geomap_*rlks.trans`.
//!
//! As MintPy's `prep_roipac` + `load_data`: pair dates come from `DATE12` in each `.unw.rsc`;
//! baselines from `P_BASELINE_TOP_HDR`/`P_BASELINE_BOTTOM_HDR` (their mean), in the `.unw.rsc`
//! or else in `YYMMDD_YYMMDD_baseline.rsc` beside it; the stack's metadata is the first pair's.
//! A pair folder without an unwrapped file is left out with a warning.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context};

use super::layout::{self, AutoPath, LoadGlobs, LoadKey};
use super::raster::roipac::{roipac_layout, roipac_metadata};
use super::raster::{read_rsc, RasterLayout};
use super::raw_stack::{files_like, mintpy_data_type, sub_dirs, Band, RawPair, RawParts, RawStack};
use super::{Detection, StackFormat, StackSource};
use crate::meta::{Attributes, Date};

/// The ROI_PAC format: a project folder holding `PROCESS/DONE/*/filt*.unw` with `.rsc` files.
#[derive(Debug, Clone, Copy, Default)]
pub struct RoipacFormat;

/// `PROCESS/DONE` of a project, if it holds a ROI_PAC interferogram (`filt*.unw` + `.rsc`).
fn done_dir(project: &Path) -> Option<PathBuf> {
    let done = project.join("PROCESS").join("DONE");
    let dirs = sub_dirs(&done).ok()?;
    dirs.iter()
        .filter_map(|d| files_like(d, "filt", ".unw").ok())
        .flatten()
        .any(|u| super::raster::sidecar(&u, "rsc").is_file())
        .then_some(done)
}

impl StackFormat for RoipacFormat {
    fn name(&self) -> &'static str {
        "ROI_PAC"
    }

    fn detect(&self, path: &Path) -> Detection {
        if done_dir(path).is_some() {
            Detection::Recognised
        } else {
            Detection::not_recognised("a folder holding PROCESS/DONE/*/filt*.unw with .rsc files")
        }
    }

    fn open(&self, path: &Path) -> anyhow::Result<Box<dyn StackSource>> {
        Ok(Box::new(open_roipac(path)?))
    }

    fn open_with(&self, path: &Path, globs: &LoadGlobs) -> anyhow::Result<Box<dyn StackSource>> {
        Ok(Box::new(open_roipac_globs(path, globs)?))
    }

    fn auto_path(&self) -> Option<&'static AutoPath> {
        Some(&layout::ROIPAC)
    }
}

/// The dates of `DATE12 = YYMMDD-YYMMDD` in the header of `unw`.
fn pair_dates(a: &Attributes, unw: &Path) -> anyhow::Result<(Date, Date)> {
    let rsc = super::raster::roipac::rsc_of(unw);
    let d12 = a
        .get("DATE12")
        .with_context(|| format!("{} has no DATE12 (the pair's dates)", rsc.display()))?;
    let parse = |t: &str| Date::parse(t).ok();
    match d12.replace('_', "-").split_once('-') {
        Some((x, y)) => match (parse(x), parse(y)) {
            (Some(d1), Some(d2)) if d1 < d2 => Ok((d1, d2)),
            _ => bail!(
                "{}: DATE12 = '{d12}' is not two increasing dates YYMMDD-YYMMDD",
                rsc.display()
            ),
        },
        None => bail!("{}: DATE12 = '{d12}' is not YYMMDD-YYMMDD", rsc.display()),
    }
}

/// The baseline keys of a pair: from its `.unw.rsc`, else its `_baseline.rsc`.
fn baselines(a: &mut Attributes, unw: &Path) -> anyhow::Result<f32> {
    if !a.contains("P_BASELINE_TOP_HDR") {
        let d12 = a.get("DATE12").unwrap_or_default().replace('-', "_");
        let file = unw.with_file_name(format!("{d12}_baseline.rsc"));
        if !file.is_file() {
            bail!(
                "no baseline for {}: neither its .rsc nor {} gives P_BASELINE_TOP_HDR",
                unw.display(),
                file.display()
            );
        }
        a.extend(&read_rsc(&file)?);
    }
    let get = |k: &str| {
        a.get_f64(k)
            .map_err(|e| anyhow::anyhow!("baseline of {}: {e}", unw.display()))
    };
    Ok(((get("P_BASELINE_TOP_HDR")? + get("P_BASELINE_BOTTOM_HDR")?) / 2.0) as f32)
}

/// The band of a ROI_PAC file the stack reads, checked against `shape`.
fn band_of(layout: RasterLayout, shape: Option<(usize, usize)>) -> anyhow::Result<Band> {
    let band = layout.bands.len().min(2) - 1;
    Band::checked(layout, band, shape)
}

/// The expanded globs of the coherence and conncomp keys.
struct Companions {
    cor: Vec<PathBuf>,
    conncomp: Vec<PathBuf>,
}

impl Companions {
    fn find(globs: &LoadGlobs) -> anyhow::Result<Companions> {
        let files = |k: LoadKey| match globs.get(k) {
            Some(g) => layout::expand(g),
            None => Ok(Vec::new()),
        };
        Ok(Companions {
            cor: files(LoadKey::Cor)?,
            conncomp: files(LoadKey::ConnComp)?,
        })
    }
}

/// One pair from its `.unw`: dates, baseline, rasters.
fn open_pair(
    unw: &Path,
    shape: Option<(usize, usize)>,
    comps: &Companions,
) -> anyhow::Result<(RawPair, Attributes)> {
    let (layout, _) = roipac_layout(unw)?;
    let mut attrs = roipac_metadata(unw)?;
    let dates = pair_dates(&attrs, unw)?;
    let bperp = baselines(&mut attrs, unw)?;
    let unw_band = band_of(layout, shape)?;
    let shape = Some((unw_band.layout.length, unw_band.layout.width));
    let band = |f: Option<&PathBuf>| -> anyhow::Result<Option<Band>> {
        f.map(|f| band_of(roipac_layout(f)?.0, shape)).transpose()
    };
    let pair = RawPair {
        dates,
        bperp,
        unw: unw_band,
        cor: band(layout::companion(&comps.cor, dates))?,
        conncomp: band(layout::companion(&comps.conncomp, dates))?,
    };
    Ok((pair, attrs))
}

/// Errors if a layer is present for some pairs but not all, naming a pair without it.
fn check_companions(pairs: &[(RawPair, Attributes)], globs: &LoadGlobs) -> anyhow::Result<()> {
    for (key, has) in [
        (
            LoadKey::Cor,
            &(|p: &RawPair| p.cor.is_some()) as &dyn Fn(&RawPair) -> bool,
        ),
        (LoadKey::ConnComp, &|p: &RawPair| p.conncomp.is_some()),
    ] {
        let n = pairs.iter().filter(|(p, _)| has(p)).count();
        if let (true, Some((p, _))) = (n > 0, pairs.iter().find(|(p, _)| !has(p))) {
            bail!(
                "interferogram {}_{} has an unwrapped file {} but no {} (mintpy.load.{} = {}, \
                 {n} of {} pairs have one): give it for every pair or for none",
                p.dates.0,
                p.dates.1,
                p.unw.layout.data_file.display(),
                key.name(),
                key.name(),
                globs.get(key).unwrap_or_default(),
                pairs.len()
            );
        }
    }
    Ok(())
}

/// The stack metadata MintPy writes into `ifgramStack.h5` for ROI_PAC: the first pair's
/// `.unw.rsc` merged with its baselines, `PROCESSOR = roipac`.
fn stack_attrs(mut a: Attributes) -> Attributes {
    if !a.contains("PROCESSOR") {
        a.set("PROCESSOR", "roipac");
    }
    mintpy_data_type(&mut a);
    a.remove("FILE_TYPE");
    a
}

/// Opens the ROI_PAC project `project` with MintPy's default files.
pub fn open_roipac(project: &Path) -> anyhow::Result<RawStack> {
    open_roipac_globs(project, &LoadGlobs::new())
}

/// Opens the ROI_PAC project `project` with the file globs `globs` (MintPy's
/// `mintpy.load.*File`) in place of the defaults for the keys they give.
pub fn open_roipac_globs(project: &Path, globs: &LoadGlobs) -> anyhow::Result<RawStack> {
    let all = globs.or_defaults(&layout::ROIPAC.globs_at(project));
    let (unws, warnings) = layout::unwrapped_files(&all, "ROI_PAC stack")?;
    let comps = Companions::find(&all)?;
    let (first, first_attrs) = open_pair(&unws[0], None, &comps)?;
    let shape = Some((first.unw.layout.length, first.unw.layout.width));
    let mut pairs = vec![(first, first_attrs)];
    for u in &unws[1..] {
        pairs.push(open_pair(u, shape, &comps)?);
    }
    pairs.sort_by_key(|(p, _)| p.dates);
    for w in pairs.windows(2) {
        if w[0].0.dates == w[1].0.dates {
            bail!(
                "duplicate interferogram {}_{}: {} and {}",
                w[0].0.dates.0,
                w[0].0.dates.1,
                w[0].0.unw.layout.data_file.display(),
                w[1].0.unw.layout.data_file.display()
            );
        }
    }
    check_companions(&pairs, &all)?;
    let attrs = stack_attrs(pairs[0].1.clone());
    let height = match layout::first_match(&all, LoadKey::Dem)? {
        Some(h) => Some(band_of(roipac_layout(&h)?.0, shape)?),
        None => None,
    };
    let mut extra: Vec<PathBuf> = Vec::new();
    for key in [LoadKey::LookupY, LoadKey::LookupX] {
        if let Some(t) = layout::first_match(&all, key)? {
            if !extra.contains(&t) {
                extra.push(t);
            }
        }
    }
    let mut warnings = warnings;
    let lookup = crate::geo::map_lookup::open_stack_lookup(&extra, &mut warnings);
    RawStack::new(RawParts {
        format: "ROI_PAC",
        lookup,
        pairs: pairs.into_iter().map(|(p, _)| p).collect(),
        attrs,
        height,
        extra_files: extra,
        warnings,
    })
}
