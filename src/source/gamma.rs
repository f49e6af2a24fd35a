//! GAMMA stacks, laid out as MintPy's default GAMMA paths: `PROCESS/DONE/IFG*/diff*rlks.unw`
//! (with `*filt*rlks.cor`), each beside its `.off`, the two dates' `.amp.par` (or `.ramp.par`,
//! `.mli.par`), a `.base_perp` and the reference date's `.corner`; the radar DEM
//! `PROCESS/SIM/sim_*/sim*.hgt_sim` (size from its `.diff_par`) and the lookup table
//! `sim*.UTM_TO_RDC` (grid from its `.utm.dem.par`).
//!
//! As MintPy's `prep_gamma`: pair dates from the file name (`YYYYMMDD_YYYYMMDD`, or six-digit
//! dates), the looks suffix after them (`_9rlks`) finds the `.off` and `.par` files; the stack's
//! metadata is the first pair's `.par` + `.off` + baselines + corners. The `.base_perp` and
//! `.corner` files must exist: sbas does not run GAMMA's `base_perp` and `SLC_corners` as
//! MintPy does when they are missing.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context};

use super::layout::{self, LoadGlobs, LoadKey};
use super::raster::gamma::gamma_layout;
use super::raster::gamma_par::read_gamma_par;
use super::raster::roipac::header_size;
use super::raw_stack::{files_like, mintpy_data_type, sub_dirs, Band, RawPair, RawParts, RawStack};
use super::{Detection, StackFormat, StackSource};
use crate::meta::{Attributes, Date};

/// The GAMMA format: a project folder holding `PROCESS/DONE/*/diff*rlks.unw`.
#[derive(Debug, Clone, Copy, Default)]
pub struct GammaFormat;

/// The `diff*rlks.unw` of each interferogram folder of `done`; folders without one in `missing`.
fn unw_files(done: &Path) -> anyhow::Result<(Vec<PathBuf>, Vec<PathBuf>)> {
    let (mut found, mut missing) = (Vec::new(), Vec::new());
    for d in sub_dirs(done)?.into_iter().filter(|d| {
        d.file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with("IFG"))
    }) {
        match files_like(&d, "diff", "rlks.unw")?.into_iter().next() {
            Some(u) => found.push(u),
            None => missing.push(d),
        }
    }
    Ok((found, missing))
}

impl StackFormat for GammaFormat {
    fn name(&self) -> &'static str {
        "GAMMA"
    }

    fn detect(&self, path: &Path) -> Detection {
        let done = path.join("PROCESS").join("DONE");
        match unw_files(&done) {
            Ok((f, _)) if !f.is_empty() => Detection::Recognised,
            _ => Detection::not_recognised("a folder holding PROCESS/DONE/IFG*/diff*rlks.unw"),
        }
    }

    fn open(&self, path: &Path) -> anyhow::Result<Box<dyn StackSource>> {
        Ok(Box::new(open_gamma(path)?))
    }

    fn open_with(&self, path: &Path, globs: &LoadGlobs) -> anyhow::Result<Box<dyn StackSource>> {
        Ok(Box::new(open_gamma_globs(path, globs)?))
    }

    fn auto_path(&self) -> Option<&'static layout::AutoPath> {
        Some(&layout::GAMMA)
    }
}

/// The first `DDDDDDDD[-_]DDDDDDDD` (else six-digit) date pair in `name`, as MintPy's regular
/// expressions find it: `(matched text, date1, date2)`. The entry point of the fuzzed date
/// parsing of names.
pub fn date12_in_name(name: &str) -> Option<(String, Date, Date)> {
    for n in [8usize, 6] {
        let b = name.as_bytes();
        let len = 2 * n + 1;
        for i in 0..b.len().saturating_sub(len - 1) {
            let s = &b[i..i + len];
            let digits = |r: &[u8]| r.iter().all(u8::is_ascii_digit);
            if digits(&s[..n]) && (s[n] == b'_' || s[n] == b'-') && digits(&s[n + 1..]) {
                let t = &name[i..i + len];
                let d1 = Date::parse(&t[..n]).ok()?;
                let d2 = Date::parse(&t[n + 1..]).ok()?;
                return Some((t.to_string(), d1, d2));
            }
        }
    }
    None
}

/// The only file of `dir` whose name ends with one of `suffixes` (tried in order).
fn find_ending(
    dir: &Path,
    suffixes: &[String],
    what: &str,
    for_file: &Path,
) -> anyhow::Result<PathBuf> {
    for s in suffixes {
        if let Some(f) = files_like(dir, "", s)?.into_iter().next() {
            return Ok(f);
        }
    }
    bail!(
        "{what} of {} is missing: expected a file named *{} in {}",
        for_file.display(),
        suffixes.join(" or *"),
        dir.display()
    )
}

/// `P_BASELINE_TOP_HDR`/`BOTTOM` from a `base_perp` output: the 8th of 9 columns of the first
/// and last rows under the `bpara bperp blen` header.
fn read_base_perp(path: &Path) -> anyhow::Result<(String, String)> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read baseline file {}", path.display()))?;
    let bperp: Vec<String> = text
        .lines()
        .skip_while(|l| !l.contains("bpara       bperp       blen"))
        .skip(2)
        .filter_map(|l| {
            let c: Vec<&str> = l.split_whitespace().collect();
            (c.len() == 9).then(|| c[7].to_string())
        })
        .collect();
    match (bperp.first(), bperp.last()) {
        (Some(top), Some(bottom)) => {
            let py = |t: &str| -> anyhow::Result<String> {
                let v: f64 = t
                    .parse()
                    .with_context(|| format!("{}: bperp '{t}' is not a number", path.display()))?;
                Ok(crate::meta::pyfmt::py_f64(v))
            };
            Ok((py(top)?, py(bottom)?))
        }
        _ => bail!(
            "{}: no baseline table (a 'bpara       bperp       blen' header and rows of 9 columns)",
            path.display()
        ),
    }
}

/// `LAT_REF1..4`, `LON_REF1..4` from a `.corner` file (four `lat lon` lines).
fn read_corners(path: &Path, a: &mut Attributes) -> anyhow::Result<()> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read corner file {}", path.display()))?;
    let rows: Vec<Vec<&str>> = text
        .lines()
        .map(|l| l.split_whitespace().collect())
        .collect();
    if rows.len() < 4 || rows[..4].iter().any(|r| r.len() < 2) {
        bail!("{}: expected four lines 'lat lon'", path.display());
    }
    for (i, r) in rows[..4].iter().enumerate() {
        a.set(format!("LAT_REF{}", i + 1), r[0]);
        a.set(format!("LON_REF{}", i + 1), r[1]);
    }
    Ok(())
}

/// The metadata MintPy's `prep_gamma` builds for the interferogram file `file`.
fn pair_metadata(file: &Path) -> anyhow::Result<(Attributes, Date, Date)> {
    let name = file
        .file_name()
        .unwrap_or_default()
        .to_string_lossy()
        .into_owned();
    let stem = name.rsplit_once('.').map_or(name.as_str(), |s| s.0);
    let (date12, d1, d2) = date12_in_name(stem).with_context(|| {
        format!(
            "interferogram {}: no dates YYYYMMDD_YYYYMMDD in its name",
            file.display()
        )
    })?;
    if d1 >= d2 {
        bail!(
            "interferogram {}: the first date must be earlier than the second",
            file.display()
        );
    }
    let lks = stem.split_once(date12.as_str()).map_or("", |s| s.1);
    let dir = file.parent().unwrap_or(Path::new("."));
    let (m, _) = date12.split_at(date12.len() / 2);
    let par_exts = [".amp.par", ".ramp.par", ".mli.par"];
    let m_par = find_ending(
        dir,
        &par_exts.map(|e| format!("{m}{lks}{e}")),
        "the reference date's .par",
        file,
    )?;
    let off = find_ending(dir, &[format!("{date12}{lks}.off")], "the .off", file)?;
    let mut a = Attributes::new();
    a.set("PROCESSOR", "gamma");
    a.set("DATE12", format!("{}-{}", d1.yymmdd(), d2.yymmdd()));
    a.extend(&read_gamma_par(&m_par)?);
    a.extend(&read_gamma_par(&off)?);
    let (top, bottom) = read_base_perp(&off.with_extension("base_perp"))?;
    a.set("P_BASELINE_TOP_HDR", top);
    a.set("P_BASELINE_BOTTOM_HDR", bottom);
    read_corners(&m_par.with_extension("corner"), &mut a)?;
    mintpy_data_type(&mut a);
    Ok((a, d1, d2))
}

/// One pair from its `.unw`.
fn open_pair(
    unw: &Path,
    shape: Option<(usize, usize)>,
    cors: &[PathBuf],
) -> anyhow::Result<(RawPair, Attributes)> {
    let (a, d1, d2) = pair_metadata(unw)?;
    let header = unw.with_extension("off");
    let (length, width) = header_size(&a, &header)?;
    let unw_band = Band::checked(gamma_layout(unw, length, width, header.clone())?, 0, shape)?;
    let shape = Some((length, width));
    let cor = match layout::companion(cors, (d1, d2)) {
        Some(c) => Some(Band::checked(
            gamma_layout(c, length, width, header)?,
            0,
            shape,
        )?),
        None => None,
    };
    let bperp =
        ((a.get_f64("P_BASELINE_TOP_HDR")? + a.get_f64("P_BASELINE_BOTTOM_HDR")?) / 2.0) as f32;
    let pair = RawPair {
        dates: (d1, d2),
        bperp,
        unw: unw_band,
        cor,
        conncomp: None,
    };
    Ok((pair, a))
}

/// Opens the GAMMA project `project` with MintPy's default files.
pub fn open_gamma(project: &Path) -> anyhow::Result<RawStack> {
    open_gamma_globs(project, &LoadGlobs::new())
}

/// Opens the GAMMA project `project` with the file globs `globs` (MintPy's
/// `mintpy.load.*File`) in place of the defaults for the keys they give.
pub fn open_gamma_globs(project: &Path, globs: &LoadGlobs) -> anyhow::Result<RawStack> {
    let all = globs.or_defaults(&layout::GAMMA.globs_at(project));
    let (unws, warnings) = layout::unwrapped_files(&all, "GAMMA stack")?;
    let cors = layout::all_matches(&all, LoadKey::Cor)?;
    let mut pairs = vec![open_pair(&unws[0], None, &cors)?];
    let shape = Some((pairs[0].0.unw.layout.length, pairs[0].0.unw.layout.width));
    for u in &unws[1..] {
        pairs.push(open_pair(u, shape, &cors)?);
    }
    pairs.sort_by_key(|(p, _)| p.dates);
    if let Some(w) = pairs.windows(2).find(|w| w[0].0.dates == w[1].0.dates) {
        bail!(
            "duplicate interferogram: {} and {}",
            w[0].0.unw.layout.data_file.display(),
            w[1].0.unw.layout.data_file.display()
        );
    }
    let with_cor = pairs.iter().filter(|(p, _)| p.cor.is_some()).count();
    if let (true, Some((p, _))) = (with_cor > 0, pairs.iter().find(|(p, _)| p.cor.is_none())) {
        bail!(
            "interferogram {}_{} has an unwrapped file {} but no corFile (mintpy.load.corFile = \
             {}, {with_cor} of {} pairs have one): give it for every pair or for none",
            p.dates.0,
            p.dates.1,
            p.unw.layout.data_file.display(),
            all.get(LoadKey::Cor).unwrap_or_default(),
            pairs.len()
        );
    }
    let hgt = layout::first_match(&all, LoadKey::Dem)?;
    let lut = layout::first_match(&all, LoadKey::LookupY)?;
    let height = match &hgt {
        Some(h) => {
            // MintPy strips every extension of the name: sim_D1_D2_9rlks.hgt_sim -> .diff_par.
            let name = h
                .file_name()
                .unwrap_or_default()
                .to_string_lossy()
                .into_owned();
            let base = name.split_once('.').map_or(name.as_str(), |s| s.0);
            let par = h.with_file_name(format!("{base}.diff_par"));
            if !par.is_file() {
                bail!(
                    "radar DEM {} has no parameter file {}",
                    h.display(),
                    par.display()
                );
            }
            let (l, w) = header_size(&read_gamma_par(&par)?, &par)?;
            Some(Band::checked(gamma_layout(h, l, w, par)?, 0, shape)?)
        }
        None => None,
    };
    let attrs = pairs[0].1.clone();
    let mut warnings = warnings;
    let lut: Vec<PathBuf> = lut.into_iter().collect();
    let lookup = crate::geo::map_lookup::open_stack_lookup(&lut, &mut warnings);
    RawStack::new(RawParts {
        format: "GAMMA",
        lookup,
        pairs: pairs.into_iter().map(|(p, _)| p).collect(),
        attrs,
        height,
        extra_files: lut,
        warnings,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_in_names_as_mintpy_finds_them() {
        let (t, a, b) = date12_in_name("diff_filt_HDR_20130118-20130129_4rlks").unwrap();
        assert_eq!(
            (t.as_str(), a.to_string(), b.to_string()),
            ("20130118-20130129", "20130118".into(), "20130129".into())
        );
        let (t, a, _) = date12_in_name("diff_130118_130129_4rlks").unwrap();
        assert_eq!(
            (t.as_str(), a.to_string()),
            ("130118_130129", "20130118".into())
        );
        assert!(date12_in_name("diff_20131318_20130129_4rlks").is_none());
        assert!(date12_in_name("diff_4rlks").is_none());
        assert!(date12_in_name("").is_none());
    }
}
