//! The reference-date step (MintPy `reference_date.py`): re-references time series so that the
//! chosen date is zero (`ts[k] -= ts[ref]`), in place, and sets `REF_DATE`. A product whose
//! `REF_DATE` already is the date is left alone, as MintPy does.

use std::path::Path;

use anyhow::Context;

use crate::correct::io::{self, TIMESERIES_DATASET};
use crate::correct::residual_rms::{read_date_file, REFERENCE_DATE_FILE};
use crate::meta::Date;
use crate::product::inversion::OutputFormat;
use crate::product::pass::{buffers_cost, series_like, StripPass};

/// Which date to reference to (MintPy `mintpy.reference.date`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefDateChoice {
    /// The minimum-RMS date in `reference_date.txt` of the run folder (from the RMS step).
    Auto,
    /// This date.
    Date(Date),
    /// Leave the series as they are.
    No,
}

impl std::str::FromStr for RefDateChoice {
    type Err = anyhow::Error;
    fn from_str(s: &str) -> anyhow::Result<RefDateChoice> {
        match s.trim().to_ascii_lowercase().as_str() {
            "auto" | "minrms" | "reference_date.txt" => Ok(RefDateChoice::Auto),
            "no" | "none" | "false" => Ok(RefDateChoice::No),
            t => Date::parse(t).map(RefDateChoice::Date).map_err(|e| {
                anyhow::anyhow!("reference date '{s}': {e} (use auto, no or YYYYMMDD)")
            }),
        }
    }
}

/// The time series of the correction chain in `dir`, as MintPy's smallbaselineApp passes them
/// to `reference_date.py`: every finished product `timeseries*` (`timeseries`,
/// `timeseries_ramp`, `timeseries_ERA5_demErr`, ...) except the residuals
/// (`timeseriesResidual*`), sorted by name.
pub fn chain_stems(dir: &Path) -> Vec<String> {
    let mut stems: Vec<String> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            let stem = name
                .strip_suffix(".h5")
                .or_else(|| name.strip_suffix(".zarr"))?
                .to_string();
            let wanted = (stem == "timeseries" || stem.starts_with("timeseries_"))
                && !stem.contains(".refdate-");
            wanted.then_some(stem)
        })
        .collect();
    if !stems.iter().any(|s| s == "timeseries") {
        // A Zarr run keeps the inversion's series inside sbas.zarr.
        stems.push("timeseries".into());
    }
    stems.sort();
    stems.dedup();
    stems.retain(|s| crate::product::Product::exists(dir, s));
    stems
}

/// Subtracts date `ref_idx` from every date of a `n x p` block (dates x pixels), so that date
/// becomes zero.
pub fn rereference(data: &mut [f32], n: usize, p: usize, ref_idx: usize, scratch: &mut Vec<f32>) {
    scratch.clear();
    scratch.extend_from_slice(&data[ref_idx * p..(ref_idx + 1) * p]);
    for d in 0..n {
        for (v, r) in data[d * p..(d + 1) * p].iter_mut().zip(scratch.iter()) {
            *v -= *r;
        }
    }
}

/// The date `choice` stands for in `dir`, or `None` for [`RefDateChoice::No`].
pub fn resolve(dir: &Path, choice: RefDateChoice) -> anyhow::Result<Option<Date>> {
    match choice {
        RefDateChoice::No => Ok(None),
        RefDateChoice::Date(d) => Ok(Some(d)),
        RefDateChoice::Auto => {
            let path = dir.join(REFERENCE_DATE_FILE);
            anyhow::ensure!(
                path.exists(),
                "no {} in {}: run the residual RMS step first (`sbas correct rms`), or give a date",
                REFERENCE_DATE_FILE,
                dir.display()
            );
            read_date_file(&path)?
                .first()
                .copied()
                .map(Some)
                .with_context(|| format!("{} holds no date", path.display()))
        }
    }
}

/// Re-references each time series of `stems` in `dir` to the date `choice` stands for, in
/// place (strips within `max_memory` bytes). Returns the date, or `None` when there is nothing
/// to do (`no`). Series already referenced to the date are left alone.
pub fn run(
    dir: &Path,
    stems: &[String],
    choice: RefDateChoice,
    max_memory: u64,
) -> anyhow::Result<Option<Date>> {
    let Some(date) = resolve(dir, choice)? else {
        return Ok(None);
    };
    for stem in stems {
        rereference_product(dir, stem, date, max_memory)
            .with_context(|| format!("changing the reference date of '{stem}' to {date}"))?;
    }
    Ok(Some(date))
}

/// Re-references one product in place: the new series is written next to it under a temporary
/// stem and then takes its place, so an interruption never leaves a half-referenced series.
fn rereference_product(dir: &Path, stem: &str, date: Date, max_memory: u64) -> anyhow::Result<()> {
    remove_leftovers(dir, stem)?;
    let ts = io::open_timeseries(dir, stem)?;
    let dates = ts.dates().to_vec();
    let ref_idx = dates.iter().position(|d| *d == date).with_context(|| {
        format!(
            "reference date {date} is not a date of '{stem}' ({} to {})",
            dates[0],
            dates[dates.len() - 1]
        )
    })?;
    if ts.attrs().get("REF_DATE").and_then(|t| Date::parse(t).ok()) == Some(date) {
        return Ok(());
    }
    let n = dates.len();
    let (length, width) = (ts.length(), ts.width());
    let mut attrs = ts.attrs().clone();
    attrs.set("REF_DATE", date);
    let format = ts.format();
    let unit = ts.attrs().get("UNIT").unwrap_or("m");
    let tmp_stem = format!("{stem}.refdate-tmp");
    let mut spec = series_like(&ts, &tmp_stem, unit, "displacement", attrs);
    spec.file_type = ts.attrs().get("FILE_TYPE").unwrap_or("timeseries").into();
    let cost = buffers_cost(4 * n + 4);
    let mut pass = StripPass::new("reference-date", length, width, cost, max_memory)?;
    let series = pass.read(&ts, TIMESERIES_DATASET);
    let out = pass.create(dir, format, spec)?[0];
    let mut scratch = Vec::new();
    pass.run(|strip| {
        let p = strip.pixels();
        let data = strip.outputs.set(out, strip.inputs.take(series));
        rereference(data, n, p, ref_idx, &mut scratch);
        Ok(())
    })?;
    let written = pass.finish()?.remove(0);
    drop(ts);
    replace_product(dir, stem, format, &written)
}

/// Removes what an interrupted re-referencing of `stem` left: its temporary series, and the
/// old series a Zarr replacement moved aside (a kill between the renames of
/// [`replace_product`]). The series itself is then either the new one (its `REF_DATE` says so)
/// or, when it is missing, re-made by its own step before this one runs again; the leftovers
/// would otherwise stay as products of their own.
fn remove_leftovers(dir: &Path, stem: &str) -> anyhow::Result<()> {
    for name in ["refdate-tmp", "refdate-old"] {
        for ext in ["zarr", "h5"] {
            let p = dir.join(format!("{stem}.{name}.{ext}"));
            let removed = if p.is_dir() {
                std::fs::remove_dir_all(&p)
            } else if p.is_file() {
                std::fs::remove_file(&p)
            } else {
                continue;
            };
            removed.with_context(|| format!("cannot remove {}", p.display()))?;
        }
    }
    Ok(())
}

/// Moves the finished product at `written` to the place of product `stem`. A file is replaced
/// atomically; a Zarr store is moved aside first and removed after. For a Zarr run the
/// inversion's `timeseries` lives inside `sbas.zarr`: the re-referenced series becomes the
/// product `timeseries.zarr`, which [`crate::product::Product::open`] reads in its place.
fn replace_product(
    dir: &Path,
    stem: &str,
    format: OutputFormat,
    written: &Path,
) -> anyhow::Result<()> {
    let ext = match format {
        OutputFormat::Zarr => "zarr",
        OutputFormat::Hdf5 => "h5",
    };
    let target = dir.join(format!("{stem}.{ext}"));
    let moved = |from: &Path, to: &Path| {
        std::fs::rename(from, to)
            .with_context(|| format!("cannot rename {} to {}", from.display(), to.display()))
    };
    if target.is_dir() {
        let old = dir.join(format!("{stem}.refdate-old.{ext}"));
        if old.exists() {
            std::fs::remove_dir_all(&old)
                .with_context(|| format!("cannot remove {}", old.display()))?;
        }
        moved(&target, &old)?;
        moved(written, &target)?;
        std::fs::remove_dir_all(&old).with_context(|| format!("cannot remove {}", old.display()))
    } else {
        moved(written, &target)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rereferencing_zeroes_the_reference_date() {
        // 3 dates x 2 pixels.
        let mut d = vec![0.0, 0.0, 1.0, 2.0, 3.0, 5.0];
        rereference(&mut d, 3, 2, 1, &mut Vec::new());
        assert_eq!(d, vec![-1.0, -2.0, 0.0, 0.0, 2.0, 3.0]);
    }

    #[test]
    fn choices_parse() {
        assert_eq!(
            "auto".parse::<RefDateChoice>().unwrap(),
            RefDateChoice::Auto
        );
        assert_eq!("no".parse::<RefDateChoice>().unwrap(), RefDateChoice::No);
        assert_eq!(
            "20200113".parse::<RefDateChoice>().unwrap(),
            RefDateChoice::Date(Date::parse("20200113").unwrap())
        );
        assert!("2020-01-13".parse::<RefDateChoice>().is_err());
    }
}
