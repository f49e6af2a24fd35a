//! Product access shared by the correction drivers: masks, reference pixel and date, geometry.
//! Knows products and metadata, not formulas; strips are planned by [`crate::product::pass`].

use std::path::Path;

use anyhow::Context;

use crate::meta::{Attributes, Date};
use crate::product::pass::{InputId, StripPass};
use crate::product::Product;

pub use crate::product::pass::{open_timeseries, TIMESERIES_DATASET};

/// Opens the map product `stem` of `dir` when it exists, checking its size against the series.
pub fn open_map_if_present(
    dir: &Path,
    stem: &str,
    length: usize,
    width: usize,
) -> anyhow::Result<Option<Product>> {
    if !Product::exists(dir, stem) {
        return Ok(None);
    }
    let p = Product::open(dir, stem)
        .with_context(|| format!("cannot open '{stem}' in {}", dir.display()))?;
    anyhow::ensure!(
        p.length() == length && p.width() == width,
        "'{stem}' is {} x {} but the time series is {length} x {width}",
        p.length(),
        p.width()
    );
    Ok(Some(p))
}

/// Index of the reference date (`REF_DATE`, the first date when absent, as MintPy reads it).
pub fn reference_date_index(
    attrs: &Attributes,
    dates: &[Date],
    what: &str,
) -> anyhow::Result<usize> {
    match attrs.get("REF_DATE") {
        None => Ok(0),
        Some(text) => {
            let d = Date::parse(text).with_context(|| format!("{what}: REF_DATE"))?;
            dates
                .iter()
                .position(|x| *x == d)
                .with_context(|| format!("{what}: REF_DATE {d} is not one of its dates"))
        }
    }
}

/// The reference pixel (`REF_Y`, `REF_X`) when present, checked to lie inside the image.
pub fn reference_pixel(
    attrs: &Attributes,
    length: usize,
    width: usize,
    what: &str,
) -> anyhow::Result<Option<(usize, usize)>> {
    let (Some(y), Some(x)) = (attrs.get("REF_Y"), attrs.get("REF_X")) else {
        return Ok(None);
    };
    let parse = |key: &str, v: &str| -> anyhow::Result<usize> {
        v.trim()
            .parse::<f64>()
            .ok()
            .filter(|f| f.is_finite() && *f >= 0.0)
            .map(|f| f as usize)
            .with_context(|| format!("{what}: {key} = '{v}' is not a pixel index"))
    };
    let (y, x) = (parse("REF_Y", y)?, parse("REF_X", x)?);
    anyhow::ensure!(
        y < length && x < width,
        "{what}: reference pixel ({y}, {x}) is outside the {length} x {width} image"
    );
    Ok(Some((y, x)))
}

/// A mask read strip by strip: a product's mask dataset, or every pixel (`no`).
pub enum MaskSource {
    /// Every pixel.
    All,
    /// Non-zero values of `dataset` of `product`.
    Product {
        /// The mask product.
        product: Box<Product>,
        /// Its dataset.
        dataset: String,
    },
}

impl MaskSource {
    /// Opens the mask `name` of `dir`: `no` for every pixel, else a product stem (a trailing
    /// `.h5` is dropped, so MintPy's `maskTempCoh.h5` works). The product must match the image
    /// size.
    pub fn open(dir: &Path, name: &str, length: usize, width: usize) -> anyhow::Result<MaskSource> {
        let name = name.trim();
        if name.is_empty() || name.eq_ignore_ascii_case("no") {
            return Ok(MaskSource::All);
        }
        let stem = name.strip_suffix(".h5").unwrap_or(name);
        anyhow::ensure!(
            Product::exists(dir, stem),
            "mask '{stem}' not found in {} (give another mask, or 'no' for every pixel)",
            dir.display()
        );
        let product = Product::open(dir, stem)
            .with_context(|| format!("cannot open the mask '{stem}' in {}", dir.display()))?;
        anyhow::ensure!(
            product.length() == length && product.width() == width,
            "mask '{stem}' is {} x {} but the time series is {length} x {width}",
            product.length(),
            product.width()
        );
        let names = product.dataset_names();
        let dataset = ["mask", "waterMask", stem]
            .iter()
            .find(|n| names.iter().any(|d| d == *n))
            .map(|s| s.to_string())
            .or_else(|| (names.len() == 1).then(|| names[0].clone()))
            .with_context(|| {
                format!(
                    "mask '{stem}' has no 'mask' dataset (datasets: {})",
                    names.join(", ")
                )
            })?;
        anyhow::ensure!(
            !product.is_per_date(&dataset)?,
            "mask '{stem}': dataset '{dataset}' is a series, not a map"
        );
        Ok(MaskSource::Product {
            product: Box::new(product),
            dataset,
        })
    }

    /// Declares the mask an input of `pass`; `None` for every pixel (nothing to read).
    pub fn read_in<'a>(&'a self, pass: &mut StripPass<'a>) -> Option<InputId> {
        match self {
            MaskSource::All => None,
            MaskSource::Product { product, dataset } => Some(pass.read(product, dataset)),
        }
    }

    /// The name MintPy prints for the mask file (`maskTempCoh.h5`, or `no`).
    pub fn label(&self, name: &str) -> String {
        match self {
            MaskSource::All => "no".into(),
            MaskSource::Product { .. } => {
                let stem = name.trim().strip_suffix(".h5").unwrap_or(name.trim());
                format!("{stem}.h5")
            }
        }
    }
}

/// The mask of a strip of `pixels` pixels (true = use the pixel) from the values read for it
/// (`None`: every pixel), into `out`: non-zero values that are not NaN.
pub fn mask_pixels(values: Option<&[f32]>, pixels: usize, out: &mut Vec<bool>) {
    out.clear();
    match values {
        None => out.resize(pixels, true),
        Some(v) => out.extend(v.iter().map(|&m| m != 0.0 && !m.is_nan())),
    }
}

/// Python's `str()` of a list of date strings, as MintPy stores list options in metadata:
/// `[]`, `['20200101', '20200113']`.
pub fn py_date_list(dates: &[Date]) -> String {
    let items: Vec<String> = dates.iter().map(|d| format!("'{d}'")).collect();
    format!("[{}]", items.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn date_lists_print_as_python() {
        assert_eq!(py_date_list(&[]), "[]");
        let d = [
            Date::parse("20200101").unwrap(),
            Date::parse("20200113").unwrap(),
        ];
        assert_eq!(py_date_list(&d), "['20200101', '20200113']");
    }

    #[test]
    fn masks_keep_nonzero_numbers() {
        let mut m = Vec::new();
        mask_pixels(Some(&[1.0, 0.0, f32::NAN, -2.0]), 4, &mut m);
        assert_eq!(m, [true, false, false, true]);
        mask_pixels(None, 3, &mut m);
        assert_eq!(m, [true; 3]);
    }

    #[test]
    fn reference_date_and_pixel_from_metadata() {
        let dates = [
            Date::parse("20200101").unwrap(),
            Date::parse("20200113").unwrap(),
        ];
        let mut a = Attributes::new();
        assert_eq!(reference_date_index(&a, &dates, "x").unwrap(), 0);
        a.set("REF_DATE", "20200113");
        assert_eq!(reference_date_index(&a, &dates, "x").unwrap(), 1);
        a.set("REF_DATE", "20200125");
        assert!(reference_date_index(&a, &dates, "x").is_err());
        assert_eq!(reference_pixel(&a, 10, 10, "x").unwrap(), None);
        a.set("REF_Y", "3");
        a.set("REF_X", "4");
        assert_eq!(reference_pixel(&a, 10, 10, "x").unwrap(), Some((3, 4)));
        assert!(reference_pixel(&a, 3, 10, "x").is_err());
    }
}
