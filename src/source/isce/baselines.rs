//! Perpendicular baselines of an ISCE2 topsStack `baselines/` folder, read as MintPy's
//! `read_baseline_timeseries` does for TOPS.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context};

use crate::meta::Date;

/// Perpendicular baseline of every date relative to the baselines' reference date, metres.
pub type DateBaselines = BTreeMap<Date, f64>;

/// Reads `dir/D1_D2/D1_D2.txt` files. Only files whose first date is the most common first
/// date are used (a re-run with another reference leaves stale files); empty files are
/// skipped. Each file's value is the mean of its `Bperp (average): v` lines; the reference
/// date gets 0. Returns `None` when `dir` holds no baseline file.
pub fn read_baselines(dir: &Path) -> anyhow::Result<Option<DateBaselines>> {
    if !dir.is_dir() {
        return Ok(None);
    }
    let mut files: Vec<(String, String, PathBuf)> = Vec::new();
    let entries =
        std::fs::read_dir(dir).with_context(|| format!("cannot list {}", dir.display()))?;
    for sub in entries {
        let sub = sub
            .with_context(|| format!("cannot list {}", dir.display()))?
            .path();
        if !sub.is_dir() {
            continue;
        }
        let inner =
            std::fs::read_dir(&sub).with_context(|| format!("cannot list {}", sub.display()))?;
        for f in inner {
            let f = f
                .with_context(|| format!("cannot list {}", sub.display()))?
                .path();
            let Some(name) = f.file_name().and_then(|n| n.to_str()) else {
                continue;
            };
            let Some(stem) = name.strip_suffix(".txt") else {
                continue;
            };
            let mut parts = stem.split('_');
            let d1 = parts.next().unwrap_or_default().to_string();
            let d2 = parts.next().unwrap_or_default().to_string();
            files.push((d1, d2, f));
        }
    }
    if files.is_empty() {
        return Ok(None);
    }
    files.sort_by(|a, b| a.2.cmp(&b.2));
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for f in &files {
        *counts.entry(f.0.as_str()).or_default() += 1;
    }
    // Ties go to the earliest date (BTreeMap order, max_by_key keeps the last maximum).
    let common = counts
        .iter()
        .rev()
        .max_by_key(|(_, n)| **n)
        .map(|(d, _)| d.to_string())
        .unwrap_or_default();
    let mut out = DateBaselines::new();
    for (d1, d2, path) in files.iter().filter(|f| f.0 == common) {
        let size = std::fs::metadata(path)
            .with_context(|| format!("cannot read baseline file {}", path.display()))?
            .len();
        if size == 0 {
            continue;
        }
        let parse = |d: &str| {
            Date::parse(d).with_context(|| {
                format!(
                    "baseline file {} is not named DATE1_DATE2.txt",
                    path.display()
                )
            })
        };
        let (ref_date, date) = (parse(d1)?, parse(d2)?);
        out.insert(date, read_tops_baseline(path)?);
        out.insert(ref_date, 0.0);
    }
    Ok(if out.is_empty() { None } else { Some(out) })
}

/// Reads a stripmapStack `dir/D1_D2.txt` baseline folder (`PERP_BASELINE_TOP v`,
/// `PERP_BASELINE_BOTTOM v` lines): each date's baseline is the mean of top and bottom (the
/// mean MintPy takes for a pair); only files of the most common first date are used, empty
/// files skipped, the reference date gets 0. `None` when `dir` holds no `.txt` file.
pub fn read_stripmap_baselines(dir: &Path) -> anyhow::Result<Option<DateBaselines>> {
    let pattern = dir.join("*.txt");
    let files = crate::source::layout::expand(&pattern.to_string_lossy())?;
    let named: Vec<(String, String, PathBuf)> = files
        .into_iter()
        .map(|f| {
            let stem = f
                .file_stem()
                .unwrap_or_default()
                .to_string_lossy()
                .into_owned();
            let mut parts = stem.split('_');
            let d1 = parts.next().unwrap_or_default().to_string();
            let d2 = parts.next().unwrap_or_default().to_string();
            (d1, d2, f)
        })
        .collect();
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for f in &named {
        *counts.entry(f.0.as_str()).or_default() += 1;
    }
    let Some(common) = counts
        .iter()
        .rev()
        .max_by_key(|(_, n)| **n)
        .map(|(d, _)| d.to_string())
    else {
        return Ok(None);
    };
    let mut out = DateBaselines::new();
    for (d1, d2, path) in named.iter().filter(|f| f.0 == common) {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read baseline file {}", path.display()))?;
        if text.trim().is_empty() {
            continue;
        }
        let parse = |d: &str| {
            Date::parse(d).with_context(|| {
                format!(
                    "baseline file {} is not named DATE1_DATE2.txt",
                    path.display()
                )
            })
        };
        let value = |key: &str| -> anyhow::Result<f64> {
            let line = text.lines().find_map(|l| {
                let mut it = l.split_whitespace();
                (it.next() == Some(key)).then(|| it.next().unwrap_or_default())
            });
            let v: f64 = line
                .with_context(|| format!("baseline file {}: no {key} line", path.display()))?
                .parse()
                .with_context(|| {
                    format!("baseline file {}: {key} is not a number", path.display())
                })?;
            if !v.is_finite() {
                bail!(
                    "baseline file {}: {key} is not a finite number",
                    path.display()
                );
            }
            Ok(v)
        };
        let mean = (value("PERP_BASELINE_TOP")? + value("PERP_BASELINE_BOTTOM")?) / 2.0;
        out.insert(parse(d2)?, mean);
        out.insert(parse(d1)?, 0.0);
    }
    Ok(if out.is_empty() { None } else { Some(out) })
}

/// Mean of the `Bperp (average): v` lines of one baseline file.
pub fn read_tops_baseline(path: &Path) -> anyhow::Result<f64> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read baseline file {}", path.display()))?;
    tops_baseline_text(&text, path)
}

/// Mean of the `Bperp (average): v` lines of a baseline file given as text (messages name the
/// text `<string>`). The entry point of the `baseline` fuzz target.
pub fn parse_tops_baseline(text: &str) -> anyhow::Result<f64> {
    tops_baseline_text(text, Path::new("<string>"))
}

/// Mean of the `Bperp (average): v` lines of the baseline text read from `path`.
fn tops_baseline_text(text: &str, path: &Path) -> anyhow::Result<f64> {
    let mut sum = 0.0;
    let mut n = 0usize;
    for (i, line) in text.lines().enumerate() {
        let mut parts = line.split(':');
        if parts.next().map(str::trim) != Some("Bperp (average)") {
            continue;
        }
        let v = parts.next().unwrap_or_default().trim();
        let v: f64 = v.parse().with_context(|| {
            format!(
                "malformed baseline file {}: line {} '{}' has no number",
                path.display(),
                i + 1,
                line.trim()
            )
        })?;
        // A NaN or infinite baseline would poison every DEM-error estimate that uses it.
        if !v.is_finite() {
            bail!(
                "malformed baseline file {}: line {} '{}' is not a finite number",
                path.display(),
                i + 1,
                line.trim()
            );
        }
        sum += v;
        n += 1;
    }
    if n == 0 {
        bail!(
            "malformed baseline file {}: no 'Bperp (average):' line",
            path.display()
        );
    }
    let mean = sum / n as f64;
    if !mean.is_finite() {
        bail!(
            "malformed baseline file {}: the mean Bperp overflows",
            path.display()
        );
    }
    Ok(mean)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn put(dir: &Path, d12: &str, text: &str) {
        let sub = dir.join(d12);
        std::fs::create_dir_all(&sub).unwrap();
        std::fs::write(sub.join(format!("{d12}.txt")), text).unwrap();
    }

    #[test]
    fn averages_swaths_and_keeps_common_reference() {
        let dir = tempfile::tempdir().unwrap();
        let b = dir.path();
        put(b, "20200101_20200113", "swath: IW1\nBperp (average): 10.0\nBpar (average): 3\nswath: IW2\nBperp (average): 20.0\n");
        put(b, "20200101_20200125", "Bperp (average): -5.5\n");
        // stale file with another reference: ignored
        put(b, "20200113_20200125", "Bperp (average): 999\n");
        put(b, "20200101_20200206", "");
        let d = read_baselines(b).unwrap().unwrap();
        let get = |s: &str| d[&Date::parse(s).unwrap()];
        assert_eq!(get("20200101"), 0.0);
        assert_eq!(get("20200113"), 15.0);
        assert_eq!(get("20200125"), -5.5);
        assert_eq!(d.len(), 3);
        assert!(read_baselines(&b.join("nope")).unwrap().is_none());
        put(b, "20200101_20200218", "Bperp (average): x\n");
        let e = read_baselines(b).unwrap_err().to_string();
        assert!(e.contains("20200101_20200218.txt"), "{e}");
    }

    #[test]
    fn non_finite_baselines_are_errors() {
        assert_eq!(
            parse_tops_baseline("Bperp (average): 2\nBperp (average): 4").unwrap(),
            3.0
        );
        for bad in [
            "Bperp (average): NaN",
            "Bperp (average): -inf",
            "Bperp (average): 1e308\nBperp (average): 1e308",
            "Bperp (average):",
            "",
        ] {
            assert!(parse_tops_baseline(bad).is_err(), "{bad:?}");
        }
    }
}
