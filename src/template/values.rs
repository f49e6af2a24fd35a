//! Typed values of template keys (numbers, dates, date lists, boxes, pairs), checked as they are
//! read; a message names the key as the user gave it (`key = value`, or the command-line flag).

use anyhow::{bail, Context};

use super::Template;
use crate::meta::Date;
use crate::window::Window;

/// A list of dates given in the template, or the text file that holds them (MintPy accepts
/// both, e.g. `exclude_date.txt` written by residual_RMS).
#[derive(Debug, Clone, PartialEq)]
pub enum DatesOrFile {
    /// No dates.
    None,
    /// Dates given.
    Dates(Vec<Date>),
    /// A file of dates (one per line), read when the step runs; a missing file means none.
    File(String),
}

pub(crate) fn num<T: std::str::FromStr>(t: &Template, key: &str) -> anyhow::Result<Option<T>> {
    match t.get_set(key) {
        None => Ok(None),
        Some(v) => v
            .parse::<T>()
            .ok()
            .map(Some)
            .with_context(|| format!("{}: not a valid number", t.show(key, v))),
    }
}

pub(crate) fn date(t: &Template, key: &str) -> anyhow::Result<Option<Date>> {
    t.get_set(key)
        .map(|v| Date::parse(v).with_context(|| t.show(key, v)))
        .transpose()
}

pub(crate) fn date_list(t: &Template, key: &str) -> anyhow::Result<Vec<Date>> {
    match t.get_set(key) {
        None => Ok(Vec::new()),
        Some(v) => v
            .split([',', ' '])
            .filter(|s| !s.trim().is_empty())
            .map(|s| Date::parse(s).with_context(|| t.show(key, v)))
            .collect(),
    }
}

/// Dates, or a file name when the value is not a list of dates.
pub(crate) fn dates_or_file(t: &Template, key: &str) -> DatesOrFile {
    match t.get_set(key) {
        None => DatesOrFile::None,
        Some(v) => {
            let dates: Result<Vec<Date>, _> = v
                .split([',', ' '])
                .filter(|s| !s.trim().is_empty())
                .map(Date::parse)
                .collect();
            match dates {
                Ok(d) => DatesOrFile::Dates(d),
                Err(_) => DatesOrFile::File(v.to_string()),
            }
        }
    }
}

/// Parses `y0:y1,x0:x1` (brackets allowed, ends in any order) into a window.
pub(crate) fn parse_yx_box(t: &Template, key: &str, v: &str) -> anyhow::Result<Window> {
    let clean: String = v.chars().filter(|c| *c != '[' && *c != ']').collect();
    let parts: Vec<&str> = clean.split(',').map(str::trim).collect();
    let range = |s: &str| -> anyhow::Result<(usize, usize)> {
        let mut e: Vec<usize> = s
            .split(':')
            .map(|x| x.trim().parse::<usize>())
            .collect::<Result<_, _>>()
            .ok()
            .with_context(|| format!("{}: expected y0:y1,x0:x1", t.show(key, v)))?;
        e.sort_unstable();
        match e.as_slice() {
            [a, b] if a < b => Ok((*a, *b)),
            _ => bail!(
                "{}: expected y0:y1,x0:x1 with y0 < y1 and x0 < x1",
                t.show(key, v)
            ),
        }
    };
    if parts.len() != 2 {
        bail!("{}: expected y0:y1,x0:x1", t.show(key, v));
    }
    let (y0, y1) = range(parts[0])?;
    let (x0, x1) = range(parts[1])?;
    Ok(Window { y0, y1, x0, x1 })
}

pub(crate) fn pair_of<T: std::str::FromStr>(
    t: &Template,
    key: &str,
    v: &str,
) -> anyhow::Result<(T, T)> {
    let clean: String = v.chars().filter(|c| *c != '[' && *c != ']').collect();
    let p: Vec<&str> = clean.split(',').map(str::trim).collect();
    if p.len() != 2 {
        bail!(
            "{}: expected two numbers separated by a comma",
            t.show(key, v)
        );
    }
    let a = p[0].parse().ok();
    let b = p[1].parse().ok();
    match (a, b) {
        (Some(a), Some(b)) => Ok((a, b)),
        _ => bail!(
            "{}: expected two numbers separated by a comma",
            t.show(key, v)
        ),
    }
}

pub(crate) fn unit_interval(t: &Template, key: &str, default: f32) -> anyhow::Result<f32> {
    let v = num::<f32>(t, key)?.unwrap_or(default);
    if !(0.0..=1.0).contains(&v) {
        bail!("{}: must be between 0 and 1", t.show(key, v));
    }
    Ok(v)
}

/// A number of `key` that must be finite and at least 0, if set.
pub(crate) fn non_negative(t: &Template, key: &str) -> anyhow::Result<Option<f64>> {
    let v = num::<f64>(t, key)?;
    if let Some(x) = v {
        if !(x.is_finite() && x >= 0.0) {
            bail!("{}: must be a number >= 0", t.show(key, x));
        }
    }
    Ok(v)
}
