//! Which files form a stack, independent of any processor: MintPy's `mintpy.load.*File` globs,
//! expanded in sorted order; the pair dates of each interferogram from its path; the companions
//! (coherence, connected components) of each pair matched by those dates; and MintPy 1.6.4's
//! default globs of each processor (`mintpy.load.autoPath`, `mintpy/defaults/auto_path.py`).
//!
//! A processor's reader asks this module for its files and reads them with the codecs of
//! `source::raster`; a new processor adds its row to [`AUTO_PATHS`].

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context};

use crate::meta::Date;

/// A file key of MintPy's template (`mintpy.load.<name>`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum LoadKey {
    /// `unwFile`: unwrapped interferograms, one per pair.
    Unw,
    /// `corFile`: spatial coherence, one per pair.
    Cor,
    /// `connCompFile`: connected components of the unwrapping, one per pair.
    ConnComp,
    /// `demFile`: height in radar coordinates.
    Dem,
    /// `lookupYFile`: latitude (or the azimuth lookup) of each pixel.
    LookupY,
    /// `lookupXFile`: longitude (or the range lookup) of each pixel.
    LookupX,
    /// `incAngleFile`: incidence angle.
    IncAngle,
    /// `azAngleFile`: azimuth angle.
    AzAngle,
    /// `shadowMaskFile`.
    ShadowMask,
    /// `waterMaskFile`.
    WaterMask,
    /// `metaFile`: the acquisition metadata of the reference.
    Meta,
    /// `baselineDir`: the folder of per-date baselines.
    BaselineDir,
}

impl LoadKey {
    /// Every key, in MintPy's template order.
    pub const ALL: [LoadKey; 12] = [
        LoadKey::Meta,
        LoadKey::BaselineDir,
        LoadKey::Unw,
        LoadKey::Cor,
        LoadKey::ConnComp,
        LoadKey::Dem,
        LoadKey::LookupY,
        LoadKey::LookupX,
        LoadKey::IncAngle,
        LoadKey::AzAngle,
        LoadKey::ShadowMask,
        LoadKey::WaterMask,
    ];

    /// MintPy's name, e.g. `unwFile` (the template key is `mintpy.load.` + this).
    pub fn name(self) -> &'static str {
        match self {
            LoadKey::Unw => "unwFile",
            LoadKey::Cor => "corFile",
            LoadKey::ConnComp => "connCompFile",
            LoadKey::Dem => "demFile",
            LoadKey::LookupY => "lookupYFile",
            LoadKey::LookupX => "lookupXFile",
            LoadKey::IncAngle => "incAngleFile",
            LoadKey::AzAngle => "azAngleFile",
            LoadKey::ShadowMask => "shadowMaskFile",
            LoadKey::WaterMask => "waterMaskFile",
            LoadKey::Meta => "metaFile",
            LoadKey::BaselineDir => "baselineDir",
        }
    }

    /// The full template key, e.g. `mintpy.load.unwFile`.
    pub fn template_key(self) -> String {
        format!("mintpy.load.{}", self.name())
    }

    /// The command-line flag of `sbas invert`, e.g. `--unw-file` (MintPy's name in kebab case).
    pub fn flag(self) -> String {
        let mut out = String::from("--");
        for c in self.name().chars() {
            if c.is_ascii_uppercase() {
                out.push('-');
                out.push(c.to_ascii_lowercase());
            } else {
                out.push(c);
            }
        }
        out
    }
}

/// The globs of a stack's files, by key. A key may be given, explicitly off (MintPy's `None`:
/// the layer is not loaded), or absent (the reader's default applies).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LoadGlobs {
    entries: BTreeMap<LoadKey, Option<String>>,
    /// Metadata given by the user (`--meta KEY=VALUE`), for readers that need them to open a
    /// stack whose own metadata file is missing (a stripmapStack without `data.rsc`).
    meta: Vec<(String, String)>,
}

impl LoadGlobs {
    /// No key given.
    pub fn new() -> LoadGlobs {
        LoadGlobs::default()
    }

    /// Sets `key` to `glob`.
    pub fn set(&mut self, key: LoadKey, glob: impl Into<String>) {
        self.entries.insert(key, Some(glob.into()));
    }

    /// Turns `key` off: its layer is not loaded whatever the default.
    pub fn disable(&mut self, key: LoadKey) {
        self.entries.insert(key, None);
    }

    /// The glob of `key`, if given and not off.
    pub fn get(&self, key: LoadKey) -> Option<&str> {
        self.entries.get(&key).and_then(|g| g.as_deref())
    }

    /// Whether no key is given (nor turned off); metadata given do not count.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Sets the metadata the user gave (`--meta KEY=VALUE`, MintPy key names).
    pub fn set_meta(&mut self, meta: Vec<(String, String)>) {
        self.meta = meta;
    }

    /// The metadata the user gave, in order (a later key wins).
    pub fn meta(&self) -> &[(String, String)] {
        &self.meta
    }

    /// The keys given (or turned off), with their globs.
    pub fn iter(&self) -> impl Iterator<Item = (LoadKey, Option<&str>)> {
        self.entries.iter().map(|(k, g)| (*k, g.as_deref()))
    }

    /// These globs, with `defaults` for every key not given here (given or off keys win).
    pub fn or_defaults(&self, defaults: &LoadGlobs) -> LoadGlobs {
        let mut out = defaults.clone();
        for (k, g) in &self.entries {
            out.entries.insert(*k, g.clone());
        }
        if !self.meta.is_empty() {
            out.meta = self.meta.clone();
        }
        out
    }

    /// These globs with every relative glob taken from `base` (as MintPy takes template paths
    /// from its work folder).
    pub fn relative_to(&self, base: &Path) -> LoadGlobs {
        let entries = self
            .entries
            .iter()
            .map(|(k, g)| {
                let g = g.as_ref().map(|g| {
                    if Path::new(g).is_absolute() {
                        g.clone()
                    } else {
                        base.join(g).to_string_lossy().into_owned()
                    }
                });
                (*k, g)
            })
            .collect();
        LoadGlobs {
            entries,
            meta: self.meta.clone(),
        }
    }
}

/// One processor's default globs (MintPy's `AUTO_PATH_*`), relative to the project folder (the
/// parent of MintPy's work folder, `..` in MintPy's table).
#[derive(Debug)]
pub struct AutoPath {
    /// MintPy's name of the entry, e.g. `isce_tops`.
    pub name: &'static str,
    /// The `mintpy.load.processor` value it belongs to, e.g. `isce`.
    pub processor: &'static str,
    /// A folder under the project that marks this layout (MintPy's test for the ISCE stacks).
    pub marker: &'static str,
    /// Glob of each key; keys absent here are not loaded by default.
    pub globs: &'static [(LoadKey, &'static str)],
}

impl AutoPath {
    /// The globs under the project folder `root`.
    pub fn globs_at(&self, root: &Path) -> LoadGlobs {
        let mut g = LoadGlobs::new();
        for (k, v) in self.globs {
            g.set(*k, root.join(v).to_string_lossy().into_owned());
        }
        g
    }

    /// The default glob of `key`, if any.
    pub fn glob(&self, key: LoadKey) -> Option<&'static str> {
        self.globs.iter().find(|(k, _)| *k == key).map(|(_, g)| *g)
    }
}

/// ISCE2 topsStack (MintPy `AUTO_PATH_ISCE_TOPS`).
pub const ISCE_TOPS: AutoPath = AutoPath {
    name: "isce_tops",
    processor: "isce",
    marker: "merged/interferograms",
    globs: &[
        (LoadKey::Meta, "reference/IW*.xml"),
        (LoadKey::BaselineDir, "baselines"),
        (LoadKey::Unw, "merged/interferograms/*/filt*.unw"),
        (LoadKey::Cor, "merged/interferograms/*/filt*.cor"),
        (
            LoadKey::ConnComp,
            "merged/interferograms/*/filt*.unw.conncomp",
        ),
        (LoadKey::Dem, "merged/geom_reference/hgt.rdr"),
        (LoadKey::LookupY, "merged/geom_reference/lat.rdr"),
        (LoadKey::LookupX, "merged/geom_reference/lon.rdr"),
        (LoadKey::IncAngle, "merged/geom_reference/los.rdr"),
        (LoadKey::AzAngle, "merged/geom_reference/los.rdr"),
        (LoadKey::ShadowMask, "merged/geom_reference/shadowMask.rdr"),
        (LoadKey::WaterMask, "merged/geom_reference/waterMask.rdr"),
    ],
};

/// ISCE2 stripmapStack (MintPy `AUTO_PATH_ISCE_STRIPMAP`; MintPy's `${ref_shelve}` is the
/// `referenceShelve` of the first date folder of `merged/SLC`, a glob here).
pub const ISCE_STRIPMAP: AutoPath = AutoPath {
    name: "isce_stripmap",
    processor: "isce",
    marker: "Igrams",
    globs: &[
        (LoadKey::Meta, "merged/SLC/*/referenceShelve/data.dat"),
        (LoadKey::BaselineDir, "baselines"),
        (LoadKey::Unw, "Igrams/*/filt*.unw"),
        (LoadKey::Cor, "Igrams/*/filt*.cor"),
        (LoadKey::ConnComp, "Igrams/*/filt*.unw.conncomp"),
        (LoadKey::Dem, "geom_reference/hgt.rdr"),
        (LoadKey::LookupY, "geom_reference/lat.rdr"),
        (LoadKey::LookupX, "geom_reference/lon.rdr"),
        (LoadKey::IncAngle, "geom_reference/los.rdr"),
        (LoadKey::AzAngle, "geom_reference/los.rdr"),
        (LoadKey::ShadowMask, "geom_reference/shadowMask.rdr"),
        (LoadKey::WaterMask, "geom_reference/waterMask.rdr"),
    ],
};

/// ASF HyP3 products (MintPy has no `AUTO_PATH` for them: these are the globs of MintPy's HyP3
/// template, relative to the folder holding the product folders). A template's `_clip` globs
/// derive the same folder.
pub const HYP3: AutoPath = AutoPath {
    name: "hyp3",
    processor: "hyp3",
    marker: "",
    globs: &[
        (LoadKey::Unw, "*/*unw_phase.tif"),
        (LoadKey::Cor, "*/*corr.tif"),
        (LoadKey::ConnComp, "*/*conncomp.tif"),
        (LoadKey::Dem, "*/*dem.tif"),
        (LoadKey::IncAngle, "*/*lv_theta.tif"),
        (LoadKey::AzAngle, "*/*lv_phi.tif"),
        (LoadKey::WaterMask, "*/*water_mask.tif"),
    ],
};

/// ROI_PAC (MintPy `AUTO_PATH_ROIPAC`; MintPy's `${ref_date12}` folder is a glob here).
pub const ROIPAC: AutoPath = AutoPath {
    name: "roipac",
    processor: "roipac",
    marker: "PROCESS/DONE",
    globs: &[
        (LoadKey::Unw, "PROCESS/DONE/IFG*/filt*.unw"),
        (LoadKey::Cor, "PROCESS/DONE/IFG*/filt*.cor"),
        (LoadKey::ConnComp, "PROCESS/DONE/IFG*/filt*snap_connect.byt"),
        (LoadKey::Dem, "PROCESS/DONE/*/radar_*rlks.hgt"),
        (LoadKey::LookupY, "PROCESS/GEO/geo_*/geomap_*rlks.trans"),
        (LoadKey::LookupX, "PROCESS/GEO/geo_*/geomap_*rlks.trans"),
    ],
};

/// GAMMA (MintPy `AUTO_PATH_GAMMA`; MintPy's `${ref_date12}` folder is a glob here). The
/// lookup table is read for its file only (the fingerprint), as for ROI_PAC.
pub const GAMMA: AutoPath = AutoPath {
    name: "gamma",
    processor: "gamma",
    marker: "PROCESS/DONE",
    globs: &[
        (LoadKey::Unw, "PROCESS/DONE/IFG*/diff*rlks.unw"),
        (LoadKey::Cor, "PROCESS/DONE/IFG*/*filt*rlks.cor"),
        (LoadKey::Dem, "PROCESS/SIM/sim_*/sim*.hgt_sim"),
        (LoadKey::LookupY, "PROCESS/SIM/sim_*/sim*.UTM_TO_RDC"),
        (LoadKey::LookupX, "PROCESS/SIM/sim_*/sim*.UTM_TO_RDC"),
    ],
};

/// ESA SNAP BEAM-DIMAP exports (MintPy has no `AUTO_PATH` for them: these are the globs of
/// MintPy's SNAP example, `docs/dir_structure.md`, relative to the project folder).
pub const SNAP: AutoPath = AutoPath {
    name: "snap",
    processor: "snap",
    marker: "",
    globs: &[
        (LoadKey::Unw, "interferograms/*/*/Unw_*.img"),
        (LoadKey::Cor, "interferograms/*/*/coh_*.img"),
        (LoadKey::Dem, "dem_tc.data/*.img"),
    ],
};

/// GMTSAR projects (MintPy has no `AUTO_PATH` for them: these are the globs of MintPy's
/// GMTSAR example, `docs/templates/SanFranBaySenD42.txt`, relative to the project folder).
pub const GMTSAR: AutoPath = AutoPath {
    name: "gmtsar",
    processor: "gmtsar",
    marker: "",
    globs: &[
        (LoadKey::Meta, "supermaster.PRM"),
        (LoadKey::BaselineDir, "baseline_table.dat"),
        (LoadKey::Unw, "interferograms/*/unwrap_ll*.grd"),
        (LoadKey::Cor, "interferograms/*/corr_ll*.grd"),
        (LoadKey::Dem, "geometry/dem.grd"),
        (LoadKey::IncAngle, "geometry/incidence_angle.grd"),
        (LoadKey::AzAngle, "geometry/azimuth_angle.grd"),
        (LoadKey::WaterMask, "geometry/water_mask.grd"),
    ],
};

/// ARIA-tools time-series folders (MintPy has no `AUTO_PATH` for them: these are the files
/// `ariaTSsetup.py` writes, as in `prep_aria.py`'s template, relative to the folder; the DEM
/// and mask names vary with ARIA-tools' version: `glo_90.dem` or `SRTM_3arcsec.dem`,
/// `esa_world_cover_2021.msk` or `watermask.msk`).
pub const ARIA: AutoPath = AutoPath {
    name: "aria",
    processor: "aria",
    marker: "",
    globs: &[
        (LoadKey::Unw, "stack/unwrapStack.vrt"),
        (LoadKey::Cor, "stack/cohStack.vrt"),
        (LoadKey::ConnComp, "stack/connCompStack.vrt"),
        (LoadKey::Dem, "DEM/*.dem"),
        (LoadKey::IncAngle, "incidenceAngle/*.vrt"),
        (LoadKey::AzAngle, "azimuthAngle/*.vrt"),
        (LoadKey::WaterMask, "mask/*.msk"),
    ],
};

/// MintPy's default globs of every processor sbas reads, in the order they are tried.
pub const AUTO_PATHS: &[&AutoPath] = &[
    &ISCE_TOPS,
    &ISCE_STRIPMAP,
    &ROIPAC,
    &GAMMA,
    &HYP3,
    &SNAP,
    &GMTSAR,
    &ARIA,
];

/// The entries of [`AUTO_PATHS`] for `mintpy.load.processor = processor`.
pub fn auto_paths_of(processor: &str) -> impl Iterator<Item = &'static AutoPath> + '_ {
    AUTO_PATHS
        .iter()
        .copied()
        .filter(move |a| a.processor == processor)
}

/// Whether `text` (one file name) matches the glob component `pattern`: `*`, `?` and `[...]`
/// (`[!...]` negated, `a-z` ranges), as Python's `fnmatch`.
pub fn name_matches(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    let (mut pi, mut ti) = (0, 0);
    let (mut star, mut mark) = (None, 0);
    while ti < t.len() {
        let step = if pi < p.len() {
            match p[pi] {
                '*' => None,
                '?' => Some(1),
                '[' => class_matches(&p[pi..], t[ti]),
                c => Some(usize::from(c == t[ti])),
            }
        } else {
            Some(0)
        };
        match step {
            Some(n) if n > 0 => {
                pi += n;
                ti += 1;
            }
            None => {
                star = Some(pi);
                mark = ti;
                pi += 1;
            }
            _ => match star {
                Some(s) => {
                    pi = s + 1;
                    mark += 1;
                    ti = mark;
                }
                None => return false,
            },
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

/// Length of the class `[...]` at the start of `p` if it matches `c`; `Some(0)` if it does
/// not. An unclosed `[` is a literal, as in `fnmatch`.
fn class_matches(p: &[char], c: char) -> Option<usize> {
    let Some(end) = p.iter().skip(2).position(|x| *x == ']').map(|i| i + 2) else {
        return Some(usize::from(c == '['));
    };
    let body = &p[1..end];
    let (neg, body) = match body.first() {
        Some('!') => (true, &body[1..]),
        _ => (false, body),
    };
    let mut hit = false;
    let mut i = 0;
    while i < body.len() {
        if i + 2 < body.len() && body[i + 1] == '-' {
            hit |= body[i] <= c && c <= body[i + 2];
            i += 3;
        } else {
            hit |= body[i] == c;
            i += 1;
        }
    }
    Some(if hit != neg { end + 1 } else { 0 })
}

fn has_magic(s: &str) -> bool {
    s.contains(['*', '?', '['])
}

/// The paths matching `glob` that exist, sorted as Python's `sorted(glob.glob(...))` (by the
/// path's text). Wildcards in a name do not match a leading `.` (hidden files), as in Python.
pub fn expand(glob: &str) -> anyhow::Result<Vec<PathBuf>> {
    let path = Path::new(glob);
    let mut current: Vec<PathBuf> = vec![PathBuf::new()];
    for comp in path.components() {
        let part = comp.as_os_str().to_string_lossy();
        if !has_magic(&part) {
            current.iter_mut().for_each(|c| c.push(comp.as_os_str()));
            continue;
        }
        let mut next = Vec::new();
        for dir in &current {
            let listed = if dir.as_os_str().is_empty() {
                Path::new(".")
            } else {
                dir.as_path()
            };
            let Ok(entries) = std::fs::read_dir(listed) else {
                continue;
            };
            for e in entries {
                let e = e.with_context(|| format!("cannot list {}", listed.display()))?;
                let name = e.file_name().to_string_lossy().into_owned();
                if name.starts_with('.') && !part.starts_with('.') {
                    continue;
                }
                if name_matches(&part, &name) {
                    next.push(dir.join(&name));
                }
            }
        }
        current = next;
    }
    let mut out: Vec<PathBuf> = current.into_iter().filter(|p| p.exists()).collect();
    out.sort_by(|a, b| a.as_os_str().cmp(b.as_os_str()));
    out.dedup();
    Ok(out)
}

/// The pair dates of an interferogram from its path, as MintPy's `get_date12_from_path`: the
/// last path component (file name first, then its folders) holding `YYYYMMDDTHHMM[-_]...`,
/// `YYYYMMDD[-_]YYYYMMDD` or `YYMMDD[-_]YYMMDD` gives them (the first match in it; six-digit
/// years are 19xx when they start with 9, else 20xx, as MintPy). `None` if no component holds
/// such a pair, or its dates do not exist. The entry point of the `date12_path` fuzz target.
pub fn date12_from_path(path: &Path) -> Option<(Date, Date)> {
    let comps: Vec<String> = path
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    for part in comps.iter().rev() {
        for (digits, time) in [(8, true), (8, false), (6, false)] {
            if let Some((a, b)) = find_date12(part.as_bytes(), digits, time) {
                return Some((to_date(a)?, to_date(b)?));
            }
        }
    }
    None
}

/// The first `D[T4][-_]D[T4]` in `s` with `digits`-digit dates `D` (with `THHMM` when `time`):
/// the two date texts without the time.
fn find_date12(s: &[u8], digits: usize, time: bool) -> Option<(&str, &str)> {
    let one = digits + if time { 5 } else { 0 };
    let total = 2 * one + 1;
    let date_at = |i: usize| {
        s[i..i + digits].iter().all(u8::is_ascii_digit)
            && (!time
                || (s[i + digits] == b'T'
                    && s[i + digits + 1..i + one].iter().all(u8::is_ascii_digit)))
    };
    (0..(s.len() + 1).saturating_sub(total)).find_map(|i| {
        let ok = date_at(i) && matches!(s[i + one], b'-' | b'_') && date_at(i + one + 1);
        ok.then(|| {
            let a = std::str::from_utf8(&s[i..i + digits]).ok();
            let b = std::str::from_utf8(&s[i + one + 1..i + one + 1 + digits]).ok();
            a.zip(b)
        })
        .flatten()
    })
}

fn to_date(text: &str) -> Option<Date> {
    let full = if text.len() == 6 {
        // MintPy's yymmdd2yyyymmdd.
        let century = if text.starts_with('9') { "19" } else { "20" };
        format!("{century}{text}")
    } else {
        text.to_string()
    };
    Date::parse(&full).ok()
}

/// The companion of a pair among `files` (a key's glob expanded), as MintPy's `load_data`
/// finds it for ROI_PAC and GAMMA: the first whose path holds both six-digit dates of the
/// pair's `DATE12`.
pub fn companion(files: &[PathBuf], dates: (Date, Date)) -> Option<&PathBuf> {
    let (a, b) = (dates.0.yymmdd(), dates.1.yymmdd());
    files.iter().find(|f| {
        let t = f.to_string_lossy();
        t.contains(&a) && t.contains(&b)
    })
}

/// The files of one interferogram.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PairPaths {
    /// First (reference) and second date.
    pub dates: (Date, Date),
    /// The unwrapped interferogram.
    pub unw: PathBuf,
    /// Its coherence, when the stack has a coherence layer.
    pub cor: Option<PathBuf>,
    /// Its connected components, when the stack has that layer.
    pub conncomp: Option<PathBuf>,
}

/// The interferograms of a stack and what was noticed finding them.
#[derive(Debug, Clone)]
pub struct PairList {
    /// One entry per pair, sorted by dates.
    pub pairs: Vec<PairPaths>,
    /// One sentence each: pair folders left out (no unwrapped file), for `StackInfo::warnings`.
    pub warnings: Vec<String>,
}

/// Every file matching the glob of `key`, each with its pair dates; errors name a file whose
/// path holds no pair of dates, and two files of one pair.
fn dated_files(globs: &LoadGlobs, key: LoadKey) -> anyhow::Result<BTreeMap<(Date, Date), PathBuf>> {
    let Some(glob) = globs.get(key) else {
        return Ok(BTreeMap::new());
    };
    let mut out: BTreeMap<(Date, Date), PathBuf> = BTreeMap::new();
    for f in expand(glob)? {
        let dates = date12_from_path(&f).with_context(|| {
            format!(
                "{} (mintpy.load.{} = {glob}): no pair of dates YYYYMMDD_YYYYMMDD (or \
                 YYMMDD-YYMMDD) in its name or folders",
                f.display(),
                key.name()
            )
        })?;
        if dates.0 >= dates.1 {
            bail!(
                "{}: the first date must be earlier than the second",
                f.display()
            );
        }
        if let Some(other) = out.insert(dates, f.clone()) {
            bail!(
                "duplicate interferogram {}_{}: {} and {} both match mintpy.load.{} = {glob}",
                dates.0,
                dates.1,
                other.display(),
                f.display(),
                key.name()
            );
        }
    }
    Ok(out)
}

/// Pair folders that hold no unwrapped file (`unws`): the folders matching the unwrapped glob's folder
/// part (when it has a wildcard) that no unwrapped file lies in.
pub fn failed_pair_folders(glob: &str, unws: &[&PathBuf]) -> anyhow::Result<Vec<PathBuf>> {
    let Some(parent) = Path::new(glob).parent() else {
        return Ok(Vec::new());
    };
    if !has_magic(&parent.to_string_lossy()) {
        return Ok(Vec::new());
    }
    Ok(expand(&parent.to_string_lossy())?
        .into_iter()
        .filter(|d| d.is_dir() && !unws.iter().any(|u| u.parent() == Some(d.as_path())))
        .collect())
}

/// The interferograms of the stack: every file matching `unwFile`, its dates from its path, and
/// the coherence and connected-component files of the same dates. A pair folder without an
/// unwrapped file is left out with a warning (as MintPy's globs leave it out); a coherence or
/// conncomp layer present for some pairs must be present for every pair (else an error naming
/// the pair that lacks it).
pub fn find_pairs(globs: &LoadGlobs) -> anyhow::Result<PairList> {
    let unw_glob = globs
        .get(LoadKey::Unw)
        .context("no mintpy.load.unwFile: the unwrapped interferograms must be given")?;
    let unws = dated_files(globs, LoadKey::Unw)?;
    if unws.is_empty() {
        bail!(
            "empty stack: no file matches mintpy.load.unwFile = {unw_glob} (give the \
             interferograms' names with {} GLOB, or mintpy.load.unwFile in a template)",
            LoadKey::Unw.flag()
        );
    }
    let mut warnings = Vec::new();
    let listed: Vec<&PathBuf> = unws.values().collect();
    for d in failed_pair_folders(unw_glob, &listed)? {
        warnings.push(format!(
            "pair folder {} holds no unwrapped file matching {}: left out (unwrapping failed?)",
            d.display(),
            Path::new(unw_glob)
                .file_name()
                .unwrap_or_default()
                .to_string_lossy()
        ));
    }
    let companions = |key: LoadKey| -> anyhow::Result<Vec<Option<PathBuf>>> {
        let mut found = dated_files(globs, key)?;
        let out: Vec<Option<PathBuf>> = unws.keys().map(|dates| found.remove(dates)).collect();
        let have = out.iter().filter(|f| f.is_some()).count();
        let lacking = unws.iter().zip(&out).find(|(_, f)| f.is_none());
        if let (true, Some(((dates, unw), _))) = (have != 0, lacking) {
            // The name the other pairs use, in this pair's folder: the file the user looks for.
            let name = out.iter().flatten().next().and_then(|f| f.file_name());
            let expected = unw.with_file_name(name.unwrap_or_default());
            bail!(
                "interferogram {}_{} has an unwrapped file {} but its {} is missing (expected \
                 {}, as the other pairs have; mintpy.load.{} = {}, {have} of {} pairs have \
                 one): give it for every pair or for none",
                dates.0,
                dates.1,
                unw.display(),
                key.name(),
                expected.display(),
                key.name(),
                globs.get(key).unwrap_or_default(),
                out.len()
            );
        }
        Ok(out)
    };
    let cors = companions(LoadKey::Cor)?;
    let ccs = companions(LoadKey::ConnComp)?;
    let pairs = unws
        .into_iter()
        .zip(cors)
        .zip(ccs)
        .map(|(((dates, unw), cor), conncomp)| PairPaths {
            dates,
            unw,
            cor,
            conncomp,
        })
        .collect();
    Ok(PairList { pairs, warnings })
}

/// The unwrapped files `unwFile` of `globs` matches, sorted, and a warning for each pair folder
/// left out because it holds none (as MintPy's glob leaves it out); an error naming the glob
/// when nothing matches. `stack` names the stack in that error (`ROI_PAC stack`).
pub fn unwrapped_files(
    globs: &LoadGlobs,
    stack: &str,
) -> anyhow::Result<(Vec<PathBuf>, Vec<String>)> {
    let unw_glob = globs
        .get(LoadKey::Unw)
        .context("no mintpy.load.unwFile: the unwrapped interferograms must be given")?;
    let unws = expand(unw_glob)?;
    if unws.is_empty() {
        bail!(
            "empty {stack}: no file matches mintpy.load.unwFile = {unw_glob} (give the \
             interferograms' names with {} GLOB)",
            LoadKey::Unw.flag()
        );
    }
    let listed: Vec<&PathBuf> = unws.iter().collect();
    let name = Path::new(unw_glob)
        .file_name()
        .unwrap_or_default()
        .to_string_lossy();
    let warnings = failed_pair_folders(unw_glob, &listed)?
        .into_iter()
        .map(|d| {
            format!(
                "interferogram folder {} has no file matching {name}: left out (as MintPy's \
                 glob leaves it out)",
                d.display()
            )
        })
        .collect();
    Ok((unws, warnings))
}

/// The first file matching the glob of `key` (MintPy takes the first of the sorted matches),
/// or `None` when the key is off or nothing matches.
pub fn first_match(globs: &LoadGlobs, key: LoadKey) -> anyhow::Result<Option<PathBuf>> {
    match globs.get(key) {
        Some(g) => Ok(expand(g)?.into_iter().next()),
        None => Ok(None),
    }
}

/// Every file matching the glob of `key` (empty when the key is off).
pub fn all_matches(globs: &LoadGlobs, key: LoadKey) -> anyhow::Result<Vec<PathBuf>> {
    match globs.get(key) {
        Some(g) => expand(g),
        None => Ok(Vec::new()),
    }
}

/// One line saying which files the globs found: for the note `sbas invert` prints.
pub fn describe(format: &str, globs: &LoadGlobs, pairs: usize) -> String {
    let keys: Vec<String> = [LoadKey::Unw, LoadKey::Cor, LoadKey::ConnComp, LoadKey::Meta]
        .iter()
        .filter_map(|k| globs.get(*k).map(|g| format!("{} {g}", k.name())))
        .collect();
    format!(
        "{format}: {pairs} interferograms from {} (other files: sbas invert {} GLOB, ...)",
        keys.join(", "),
        LoadKey::Unw.flag()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Date {
        Date::parse(s).unwrap()
    }

    #[test]
    fn flags_follow_mintpy_names() {
        assert_eq!(LoadKey::Unw.flag(), "--unw-file");
        assert_eq!(LoadKey::ConnComp.flag(), "--conn-comp-file");
        assert_eq!(LoadKey::LookupY.flag(), "--lookup-y-file");
        assert_eq!(LoadKey::BaselineDir.flag(), "--baseline-dir");
        assert_eq!(LoadKey::Meta.template_key(), "mintpy.load.metaFile");
    }

    #[test]
    fn names_match_as_fnmatch() {
        assert!(name_matches("filt*.unw", "filt_fine.unw"));
        assert!(name_matches("filt*.unw", "filt.unw"));
        assert!(!name_matches("filt*.unw", "filt_fine.unw.conncomp"));
        assert!(name_matches("IW?.xml", "IW1.xml"));
        assert!(!name_matches("IW?.xml", "IW10.xml"));
        assert!(name_matches("IW[12].xml", "IW2.xml"));
        assert!(!name_matches("IW[!12].xml", "IW2.xml"));
        assert!(name_matches("IW[1-3].xml", "IW3.xml"));
        assert!(name_matches("a[b", "a[b"));
        assert!(name_matches("*", ""));
        assert!(!name_matches("", "x"));
    }

    #[test]
    fn pair_dates_come_from_the_last_component_holding_them() {
        let p = |s: &str| date12_from_path(Path::new(s));
        assert_eq!(
            p("/x/merged/interferograms/20200101_20200113/filt_fine.unw"),
            Some((d("20200101"), d("20200113")))
        );
        // The file name wins over its folder (searched from the end).
        assert_eq!(
            p("/20190101_20190113/filt_20200101_20200113.unw"),
            Some((d("20200101"), d("20200113")))
        );
        assert_eq!(
            p("PROCESS/DONE/IFG_100102-100220/diff_100102-100220_4rlks.unw"),
            Some((d("20100102"), d("20100220")))
        );
        assert_eq!(
            p("IFG_990102-000220/x.unw"),
            Some((d("19990102"), d("20000220")))
        );
        assert_eq!(
            p("a/20200101T1200_20200113T1201/x.unw"),
            Some((d("20200101"), d("20200113")))
        );
        // Leftmost match inside a component, digits around it allowed.
        assert_eq!(
            p("x120200101_20200113.unw"),
            Some((d("20200101"), d("20200113")))
        );
        for bad in [
            "a/b.unw",
            "2020_0101/x",
            "/20200101/x.unw",
            "20201301_20201302/x",
        ] {
            assert_eq!(p(bad), None, "{bad}");
        }
    }

    fn touch(p: &Path) {
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, b"").unwrap();
    }

    #[test]
    fn globs_expand_sorted_and_skip_hidden_names() {
        let dir = tempfile::tempdir().unwrap();
        let r = dir.path();
        for f in [
            "b/20200113_20200125/filt_fine.unw",
            "b/20200101_20200113/filt_fine.unw",
            "b/.20200101_20200125/filt_fine.unw",
            "b/20200101_20200125/filt_fine.cor",
        ] {
            touch(&r.join(f));
        }
        let got = expand(&r.join("b/*/filt*.unw").to_string_lossy()).unwrap();
        assert_eq!(
            got,
            vec![
                r.join("b/20200101_20200113/filt_fine.unw"),
                r.join("b/20200113_20200125/filt_fine.unw")
            ]
        );
        assert_eq!(
            expand(&r.join("b/nope/*").to_string_lossy()).unwrap(),
            Vec::<PathBuf>::new()
        );
        assert_eq!(
            expand(&r.join("b").to_string_lossy()).unwrap(),
            vec![r.join("b")]
        );
    }

    fn tree(r: &Path, files: &[&str]) -> LoadGlobs {
        for f in files {
            touch(&r.join(f));
        }
        ISCE_TOPS.globs_at(r)
    }

    #[test]
    fn a_pair_folder_without_unwrapped_file_is_left_out_with_a_warning() {
        let dir = tempfile::tempdir().unwrap();
        let i = "merged/interferograms";
        let g = tree(
            dir.path(),
            &[
                &format!("{i}/20200101_20200113/filt_fine.unw"),
                &format!("{i}/20200101_20200113/filt_fine.cor"),
                &format!("{i}/20200113_20200125/filt_fine.cor"),
                &format!("{i}/20200101_20200125/filt_fine.unw"),
                &format!("{i}/20200101_20200125/filt_fine.cor"),
            ],
        );
        let l = find_pairs(&g).unwrap();
        assert_eq!(l.pairs.len(), 2);
        assert_eq!(l.pairs[1].dates, (d("20200101"), d("20200125")));
        assert!(l
            .pairs
            .iter()
            .all(|p| p.cor.is_some() && p.conncomp.is_none()));
        assert_eq!(l.warnings.len(), 1, "{:?}", l.warnings);
        assert!(
            l.warnings[0].contains("20200113_20200125"),
            "{:?}",
            l.warnings
        );
        assert!(l.warnings[0].contains("filt*.unw"), "{:?}", l.warnings);
    }

    #[test]
    fn a_missing_companion_is_an_error_naming_the_pair() {
        let dir = tempfile::tempdir().unwrap();
        let i = "merged/interferograms";
        let g = tree(
            dir.path(),
            &[
                &format!("{i}/20200101_20200113/filt_fine.unw"),
                &format!("{i}/20200101_20200113/filt_fine.cor"),
                &format!("{i}/20200101_20200125/filt_fine.unw"),
            ],
        );
        let e = format!("{:#}", find_pairs(&g).unwrap_err());
        assert!(
            e.contains("20200101_20200125") && e.contains("corFile"),
            "{e}"
        );
        let mut off = LoadGlobs::new();
        off.disable(LoadKey::Cor);
        let l = find_pairs(&off.or_defaults(&g)).unwrap();
        assert!(l.pairs.iter().all(|p| p.cor.is_none()));
    }

    #[test]
    fn undated_reversed_and_duplicate_files_are_errors() {
        let dir = tempfile::tempdir().unwrap();
        let r = dir.path();
        let mut g = LoadGlobs::new();
        g.set(LoadKey::Unw, r.join("*/*.unw").to_string_lossy());
        touch(&r.join("a/x.unw"));
        let e = format!("{:#}", find_pairs(&g).unwrap_err());
        assert!(
            e.contains("a/x.unw") && e.contains("no pair of dates"),
            "{e}"
        );
        std::fs::remove_dir_all(r.join("a")).unwrap();
        touch(&r.join("20200113_20200101/x.unw"));
        let e = format!("{:#}", find_pairs(&g).unwrap_err());
        assert!(
            e.contains("20200113_20200101") && e.contains("earlier"),
            "{e}"
        );
        std::fs::remove_dir_all(r.join("20200113_20200101")).unwrap();
        touch(&r.join("20200101_20200113/a.unw"));
        touch(&r.join("20200101_20200113/b.unw"));
        let e = format!("{:#}", find_pairs(&g).unwrap_err());
        assert!(e.contains("duplicate") && e.contains("b.unw"), "{e}");
        let mut empty = LoadGlobs::new();
        empty.set(LoadKey::Unw, r.join("nope/*.unw").to_string_lossy());
        let e = format!("{:#}", find_pairs(&empty).unwrap_err());
        assert!(e.contains("empty stack") && e.contains("nope"), "{e}");
    }

    #[test]
    fn given_globs_win_over_defaults_and_relative_ones_follow_the_base() {
        let mut g = LoadGlobs::new();
        g.set(LoadKey::Unw, "ifgs/*/u.unw");
        g.disable(LoadKey::ConnComp);
        let all = g
            .relative_to(Path::new("/w"))
            .or_defaults(&ISCE_TOPS.globs_at(Path::new("/p")));
        assert_eq!(all.get(LoadKey::Unw), Some("/w/ifgs/*/u.unw"));
        assert_eq!(all.get(LoadKey::ConnComp), None);
        assert_eq!(
            all.get(LoadKey::Cor),
            Some("/p/merged/interferograms/*/filt*.cor")
        );
        assert_eq!(auto_paths_of("isce").count(), 2);
        assert_eq!(ISCE_STRIPMAP.glob(LoadKey::Unw), Some("Igrams/*/filt*.unw"));
    }
}
