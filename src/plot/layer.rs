//! Choosing what a picture shows: which product and dataset a layer name means, its unit and the
//! display unit, and reading a (sub-sampled) window of it.

use std::path::Path;

use anyhow::{bail, Context};

use crate::product::Product;
use crate::window::Window;

/// Largest number of pixels along either side of a displayed image; larger views are
/// sub-sampled (every k-th row and column).
pub const MAX_DISPLAY_SIDE: usize = 2000;

/// Bytes of input read at once while sub-sampling.
pub const READ_BUDGET: usize = 128 << 20;

/// A product opened for display, and the dataset in it.
pub struct Layer {
    /// The product.
    pub product: Product,
    /// The dataset shown.
    pub dataset: String,
    /// Whether the dataset holds one plane per date.
    pub per_date: bool,
}

impl Layer {
    /// Opens layer `name` of run folder `dir`. `name` is a product (`velocity`,
    /// `temporalCoherence`, `timeseries`, `timeseries_demErr`, `geo/geo_velocity`; a trailing
    /// `.h5`/`.zarr` is ignored), optionally followed by `:DATASET` to pick a dataset other than
    /// the main one (`velocity:velocityStd`). `geo` looks for the geocoded product
    /// `geo/geo_NAME`.
    pub fn open(dir: &Path, name: &str, geo: bool) -> anyhow::Result<Layer> {
        let (stem, dataset) = match name.split_once(':') {
            Some((s, d)) => (s, Some(d)),
            None => (name, None),
        };
        let stem = stem
            .trim_end_matches(".h5")
            .trim_end_matches(".zarr")
            .trim_end_matches('/');
        let stem = if geo && !stem.starts_with("geo/") {
            format!("geo/geo_{stem}")
        } else {
            stem.to_string()
        };
        let product = Product::open(dir, &stem).with_context(|| {
            let have = list_products(dir);
            format!(
                "no layer '{name}' in {} (products there: {})",
                dir.display(),
                if have.is_empty() {
                    "none".to_string()
                } else {
                    have.join(", ")
                }
            )
        })?;
        let names = product.dataset_names();
        let dataset = match dataset {
            Some(d) => {
                if !names.iter().any(|n| n == d) {
                    bail!(
                        "{} has no dataset '{d}' (it has {})",
                        product.path().display(),
                        names.join(", ")
                    );
                }
                d.to_string()
            }
            None => main_dataset(&stem, product.attrs().get("FILE_TYPE"), &names)
                .with_context(|| format!("{} holds no dataset", product.path().display()))?,
        };
        let per_date = product.is_per_date(&dataset)?;
        Ok(Layer {
            product,
            dataset,
            per_date,
        })
    }

    /// The unit of the stored values: the product's `UNIT`, else MintPy's unit for the
    /// dataset name.
    pub fn unit(&self) -> String {
        let attrs = self.product.attrs();
        let names = self.product.dataset_names();
        let is_main = main_dataset(self.product.stem(), attrs.get("FILE_TYPE"), &names).as_deref()
            == Some(self.dataset.as_str());
        match attrs.get("UNIT") {
            Some(u) if is_main => u.to_string(),
            _ => default_unit(&self.dataset).to_string(),
        }
    }

    /// MintPy's `FILE_TYPE` of the dataset: known from its name for the inversion's layers
    /// (whose store has one set of root attributes for all), else the product's.
    pub fn file_type(&self) -> String {
        let known = match self.dataset.as_str() {
            "timeseries" => "timeseries",
            "velocity" | "velocityStd" => "velocity",
            "temporalCoherence" => "temporalCoherence",
            "avgSpatialCoh" => "coherence",
            "maskTempCoh" => "mask",
            _ => "",
        };
        if known.is_empty() {
            self.product
                .attrs()
                .get("FILE_TYPE")
                .unwrap_or("")
                .to_string()
        } else {
            known.to_string()
        }
    }

    /// A short name for titles: the product, and the dataset when it is not the main one.
    pub fn title_name(&self) -> String {
        let stem = self.product.stem();
        let base = stem
            .rsplit('/')
            .next()
            .unwrap_or(stem)
            .trim_start_matches("geo_");
        let base_series = base.split('_').next().unwrap_or(base);
        if self.dataset == base
            || self.dataset == base_series
            || self.product.dataset_names().len() == 1
        {
            stem.to_string()
        } else {
            format!("{stem}: {}", self.dataset)
        }
    }

    /// Reads a map of the dataset (plane `date_index` for a per-date dataset) over `window`,
    /// keeping every `step`-th row and column. Returns the values and the kept rows and columns.
    pub fn read_subsampled(
        &self,
        date_index: Option<usize>,
        window: Window,
        step: usize,
    ) -> anyhow::Result<(Vec<f32>, usize, usize)> {
        let step = step.max(1);
        let rows = window.rows().div_ceil(step);
        let cols = window.cols().div_ceil(step);
        let mut out = Vec::with_capacity(rows * cols);
        // Per-date planes may come from a store whose chunks hold every date: budget for them.
        let planes = if self.per_date {
            self.product.dates().len().max(1)
        } else {
            1
        };
        let strip = (READ_BUDGET / (window.cols() * 4 * planes).max(1)).max(step);
        let strip = strip - strip % step;
        let mut y0 = window.y0;
        while y0 < window.y1 {
            let w = Window {
                y0,
                y1: (y0 + strip).min(window.y1),
                x0: window.x0,
                x1: window.x1,
            };
            let data = match (self.per_date, date_index) {
                (true, Some(k)) => self.product.read_date(&self.dataset, k, w)?,
                (true, None) => bail!(
                    "{} holds one map per date: choose a date",
                    self.title_name()
                ),
                (false, _) => self.product.read(&self.dataset, w)?,
            };
            for r in (0..w.rows()).step_by(step) {
                let row = &data[r * w.cols()..(r + 1) * w.cols()];
                out.extend(row.iter().step_by(step));
            }
            y0 = w.y1;
        }
        Ok((out, rows, cols))
    }
}

/// Sub-sampling step that keeps both sides of `window` within [`MAX_DISPLAY_SIDE`].
pub fn display_step(window: &Window) -> usize {
    window
        .rows()
        .max(window.cols())
        .div_ceil(MAX_DISPLAY_SIDE)
        .max(1)
}

/// The dataset a product name means: the one named like the product (without `geo_`), else
/// like its `FILE_TYPE`, else the first.
fn main_dataset(stem: &str, file_type: Option<&str>, names: &[String]) -> Option<String> {
    let base = stem
        .rsplit('/')
        .next()
        .unwrap_or(stem)
        .trim_start_matches("geo_");
    let base_series = base.split('_').next().unwrap_or(base);
    [Some(base), Some(base_series), file_type]
        .into_iter()
        .flatten()
        .find_map(|want| names.iter().find(|n| n.as_str() == want))
        .or_else(|| names.first())
        .cloned()
}

/// MintPy's unit for a dataset, when the product does not say.
fn default_unit(dataset: &str) -> &'static str {
    match dataset {
        "timeseries" | "dem" | "height" | "slantRangeDistance" => "m",
        "velocity" | "velocityStd" => "m/year",
        "incidenceAngle" | "azimuthAngle" | "latitude" | "longitude" => "degree",
        _ => "1",
    }
}

/// Product names in a run folder (`.h5` files and `.zarr` stores, one level of sub-folders).
pub fn list_products(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut visit = |sub: &str| {
        let Ok(entries) = std::fs::read_dir(dir.join(sub)) else {
            return;
        };
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            if sub.is_empty() && name == "sbas.zarr" {
                // The inversion's store holds several layers.
                out.extend(
                    [
                        "timeseries",
                        "temporalCoherence",
                        "numInvIfgram",
                        "avgSpatialCoh",
                        "maskTempCoh",
                    ]
                    .map(String::from),
                );
                continue;
            }
            for ext in [".h5", ".zarr"] {
                if let Some(s) = name.strip_suffix(ext) {
                    out.push(if sub.is_empty() {
                        s.to_string()
                    } else {
                        format!("{sub}/{s}")
                    });
                }
            }
        }
    };
    visit("");
    for sub in ["geo", "inputs"] {
        visit(sub);
    }
    out.sort();
    out.dedup();
    out
}

/// How values are shown: the unit on the colour bar and the factor from stored values.
#[derive(Debug, Clone, PartialEq)]
pub struct DisplayUnit {
    /// Unit text, e.g. "cm/year".
    pub unit: String,
    /// Displayed value = stored value x factor.
    pub factor: f64,
}

/// The display unit for stored unit `unit` of a product of type `file_type`: `wanted` (`mm`,
/// `cm`, `m`, with or without a `/year` suffix) for lengths, else MintPy's default (`cm` for
/// time series and velocity stored in metres, the stored unit otherwise).
pub fn display_unit(
    unit: &str,
    file_type: &str,
    wanted: Option<&str>,
) -> anyhow::Result<DisplayUnit> {
    let (base, rate) = match unit.split_once('/') {
        Some((b, r)) => (b, Some(r)),
        None => (unit, None),
    };
    let to_m = |u: &str| match u {
        "m" => Some(1.0),
        "cm" => Some(0.01),
        "mm" => Some(0.001),
        _ => None,
    };
    let suffix = rate.map(|r| format!("/{r}")).unwrap_or_default();
    let target = match wanted {
        Some(w) => {
            let w = w.split('/').next().unwrap_or(w);
            if to_m(w).is_none() {
                bail!("--unit {w}: choose mm, cm or m");
            }
            if to_m(base).is_none() {
                bail!("--unit {w}: the layer's unit is {unit}, not a length");
            }
            w.to_string()
        }
        None if to_m(base).is_some()
            && matches!(
                file_type,
                "timeseries" | "velocity" | "HDFEOS" | "giantTimeseries"
            ) =>
        {
            "cm".to_string()
        }
        None => base.to_string(),
    };
    match (to_m(base), to_m(&target)) {
        (Some(a), Some(b)) => Ok(DisplayUnit {
            unit: format!("{target}{suffix}"),
            factor: a / b,
        }),
        _ => Ok(DisplayUnit {
            unit: unit.to_string(),
            factor: 1.0,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn main_dataset_follows_the_product_name() {
        let n = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            main_dataset(
                "velocity",
                Some("velocity"),
                &n(&["velocity", "velocityStd"])
            )
            .unwrap(),
            "velocity"
        );
        assert_eq!(
            main_dataset("geo/geo_velocity", None, &n(&["velocityStd", "velocity"])).unwrap(),
            "velocity"
        );
        assert_eq!(
            main_dataset("timeseries_demErr", Some("timeseries"), &n(&["timeseries"])).unwrap(),
            "timeseries"
        );
        assert_eq!(
            main_dataset("demErr", Some("dem"), &n(&["dem", "demErrStd"])).unwrap(),
            "dem"
        );
    }

    #[test]
    fn display_units_follow_mintpy() {
        let d = display_unit("m/year", "velocity", None).unwrap();
        assert_eq!((d.unit.as_str(), d.factor), ("cm/year", 100.0));
        let d = display_unit("m", "timeseries", Some("mm")).unwrap();
        assert_eq!((d.unit.as_str(), d.factor), ("mm", 1000.0));
        let d = display_unit("m", "dem", None).unwrap();
        assert_eq!((d.unit.as_str(), d.factor), ("m", 1.0));
        let d = display_unit("1", "temporalCoherence", None).unwrap();
        assert_eq!((d.unit.as_str(), d.factor), ("1", 1.0));
        assert!(display_unit("1", "mask", Some("mm")).is_err());
        assert!(display_unit("m", "timeseries", Some("km")).is_err());
    }

    #[test]
    fn display_step_caps_the_longer_side() {
        assert_eq!(display_step(&Window::full(100, 50)), 1);
        assert_eq!(display_step(&Window::full(2001, 50)), 2);
        assert_eq!(display_step(&Window::full(100, 9000)), 5);
    }
}
