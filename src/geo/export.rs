//! `sbas export` as a library call: one 2-D layer of a geocoded product to a GeoTIFF.

use std::path::{Path, PathBuf};

use anyhow::{bail, ensure, Context};

use crate::geo::geotiff::write_geotiff;
use crate::geo::grid::MapGrid;
use crate::meta::Date;
use crate::product::Product;
use crate::window::Window;

/// Which plane of a per-date dataset to export.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateSel {
    /// The value at a date (relative to the reference date).
    At(Date),
    /// The displacement from the first date to the second (`ts[d2] - ts[d1]`).
    Between(Date, Date),
}

impl DateSel {
    /// Parses `YYYYMMDD` or `YYYYMMDD_YYYYMMDD`.
    pub fn parse(text: &str) -> anyhow::Result<DateSel> {
        let d = |t: &str| Date::parse(t.trim()).with_context(|| format!("--date '{text}'"));
        Ok(match text.split_once('_') {
            Some((a, b)) => DateSel::Between(d(a)?, d(b)?),
            None => DateSel::At(d(text)?),
        })
    }
}

/// Writes `dataset` (default: the product's first) of product `stem` in `dir` to `out` as a
/// float32 GeoTIFF, rows streamed under `max_memory`. Per-date datasets need `date`.
pub fn export_geotiff(
    dir: &Path,
    stem: &str,
    dataset: Option<&str>,
    date: Option<DateSel>,
    out: &Path,
    max_memory: u64,
) -> anyhow::Result<PathBuf> {
    let p = Product::open(dir, stem)?;
    ensure!(
        p.is_complete(),
        "product {stem} is incomplete (its run was interrupted)"
    );
    let a = p.attrs();
    let geo = match MapGrid::from_attrs(a, p.length(), p.width()) {
        Ok(g) => g,
        Err(_) => bail!(
            "product {stem} is in radar coordinates (no Y_FIRST/X_FIRST): geocode it first with \
             `sbas geocode {} {stem}` and export geo/geo_{}",
            dir.display(),
            stem.rsplit('/').next().unwrap_or(stem)
        ),
    };
    if !geo.degrees && geo.epsg.is_none() {
        bail!(
            "product {stem} is on a projected grid (X_UNIT {}) that names no EPSG code: its \
             coordinate system is unknown",
            a.get("X_UNIT").unwrap_or("")
        );
    }
    let names = p.dataset_names();
    let name = match dataset {
        Some(d) => {
            ensure!(
                names.iter().any(|n| n == d),
                "product {stem} has no dataset {d} (it has {})",
                names.join(", ")
            );
            d.to_string()
        }
        None => names
            .first()
            .cloned()
            .with_context(|| format!("product {stem} has no dataset"))?,
    };
    let per_date = p.is_per_date(&name)?;
    let index = |d: Date| {
        p.dates()
            .iter()
            .position(|x| *x == d)
            .with_context(|| format!("product {stem} has no date {d}"))
    };
    let planes = match (per_date, date) {
        (false, None) => None,
        (false, Some(_)) => bail!("{stem}:{name} is a single map: --date does not apply"),
        (true, None) => bail!(
            "{stem}:{name} has one layer per date: choose one with --date YYYYMMDD, or a \
             displacement between two with --date YYYYMMDD_YYYYMMDD"
        ),
        (true, Some(DateSel::At(d))) => Some((None, index(d)?)),
        (true, Some(DateSel::Between(d1, d2))) => Some((Some(index(d1)?), index(d2)?)),
    };
    let (length, width) = (p.length(), p.width());
    let rows = ((max_memory / (8 * width as u64).max(1)) as usize).clamp(1, length);
    let part = out.with_extension("tif.part");
    let file =
        std::fs::File::create(&part).with_context(|| format!("creating {}", part.display()))?;
    let mut w = std::io::BufWriter::new(file);
    let mut cache: Option<(usize, usize, Vec<f32>)> = None;
    let result = write_geotiff(&mut w, &geo, |y0, y1| {
        // Read in big strips; the TIFF strips are smaller.
        if !cache.as_ref().is_some_and(|(a, b, _)| *a <= y0 && y1 <= *b) {
            let (a, b) = (y0, (y0 + rows).max(y1).min(length));
            let win = Window {
                y0: a,
                y1: b,
                x0: 0,
                x1: width,
            };
            let data = match planes {
                None => p.read(&name, win)?,
                Some((None, k)) => p.read_date(&name, k, win)?,
                Some((Some(k1), k2)) => {
                    let first = p.read_date(&name, k1, win)?;
                    let mut second = p.read_date(&name, k2, win)?;
                    for (s, f) in second.iter_mut().zip(&first) {
                        *s -= f;
                    }
                    second
                }
            };
            cache = Some((a, b, data));
        }
        let (a, _, data) = cache.as_ref().context("row cache")?;
        Ok(data[(y0 - a) * width..(y1 - a) * width].to_vec())
    });
    if let Err(e) = result {
        let _ = std::fs::remove_file(&part);
        return Err(e.context(format!("writing {}", out.display())));
    }
    drop(w);
    std::fs::rename(&part, out)
        .with_context(|| format!("renaming {} to {}", part.display(), out.display()))?;
    Ok(out.to_path_buf())
}
