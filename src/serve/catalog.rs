//! The layers of a run folder the page can show: each product's datasets, whether they hold
//! one map per date, their size, and which mask and time series go with them. Layer names
//! a request gives are accepted only when they are in this list, so no request can name a
//! file outside the run folder.

use std::path::Path;

use serde_json::{json, Value};

use crate::meta::Date;
use crate::plot::layer::{list_products, Layer};
use crate::plot::view::flip_rule;
use crate::product::Product;

/// One layer the page can show.
#[derive(Debug, Clone, PartialEq)]
pub struct LayerInfo {
    /// Name as `sbas view` takes it (`velocity`, `velocity:velocityStd`, `geo/geo_velocity`).
    pub name: String,
    /// Whether it holds one map per date.
    pub per_date: bool,
    /// Rows.
    pub rows: usize,
    /// Columns.
    pub cols: usize,
    /// Whether it is on a map grid (geocoded) rather than in radar rows/columns.
    pub geocoded: bool,
    /// How MintPy's orientation rule turns its map (left-right, up-down): by pass direction
    /// for radar coordinates, never for a geocoded layer (see [`flip_rule`]).
    pub flip: (bool, bool),
    /// Dates of a per-date layer.
    pub dates: Vec<Date>,
    /// The file's `REF_DATE`, when it has one.
    pub ref_date: Option<Date>,
    /// The reference point (`REF_Y`, `REF_X`), when the product names one.
    pub ref_yx: Option<(usize, usize)>,
    /// The mask product of the same grid (`maskTempCoh`, `geo/geo_maskTempCoh`).
    pub mask: Option<String>,
}

/// The layers of a run folder, in the order the page lists them.
#[derive(Debug, Clone, Default)]
pub struct Catalog {
    /// The layers.
    pub layers: Vec<LayerInfo>,
}

/// Products listed first, in this order; the rest follow alphabetically.
const FIRST: [&str; 8] = [
    "velocity",
    "timeseries",
    "temporalCoherence",
    "maskTempCoh",
    "demErr",
    "avgSpatialCoh",
    "numInvIfgram",
    "geo/geo_velocity",
];

impl Catalog {
    /// Scans run folder `dir`. Products that do not open are left out (a run still being
    /// written shows what is there).
    pub fn scan(dir: &Path) -> anyhow::Result<Catalog> {
        let mut stems = list_products(dir);
        // The interferogram stack is per pair, not per date: not a layer of the map.
        stems.retain(|s| !s.ends_with("ifgramStack"));
        stems.sort_by_key(|s| {
            (
                FIRST.iter().position(|f| f == s).unwrap_or(FIRST.len()),
                s.clone(),
            )
        });
        let mut layers = Vec::new();
        for stem in &stems {
            let Ok(main) = Layer::open(dir, stem, false) else {
                continue;
            };
            let mut names = vec![stem.clone()];
            let datasets = main.product.dataset_names();
            // The inversion's store names each layer also by MintPy's HDF5 dataset name: the
            // same map again.
            let shared_store = main
                .product
                .path()
                .ends_with(crate::product::inversion::STORE_NAME);
            if datasets.len() > 1 && !shared_store {
                names.extend(
                    datasets
                        .iter()
                        .filter(|d| **d != main.dataset)
                        .map(|d| format!("{stem}:{d}")),
                );
            }
            for name in names {
                if let Ok(layer) = Layer::open(dir, &name, false) {
                    layers.push(describe(dir, &name, &layer));
                }
            }
        }
        Ok(Catalog { layers })
    }

    /// The layer called `name`, if the run has it.
    pub fn layer(&self, name: &str) -> Option<&LayerInfo> {
        self.layers.iter().find(|l| l.name == name)
    }

    /// The per-date layers of the same grid as `of` (the series a click can read), the
    /// layer itself first when it is one.
    pub fn series_for(&self, of: &LayerInfo) -> Vec<&LayerInfo> {
        let mut out: Vec<&LayerInfo> = self
            .layers
            .iter()
            .filter(|l| {
                l.per_date && l.rows == of.rows && l.cols == of.cols && l.geocoded == of.geocoded
            })
            .collect();
        out.sort_by_key(|l| l.name != of.name);
        out
    }

    /// The raw series a corrected one (`timeseries_demErr`, `geo/geo_timeseries_ramp`, ...)
    /// was made from, when the run has it on the same grid: the inversion's `timeseries` (or
    /// `geo/geo_timeseries` for a geocoded series). None for the raw series itself.
    pub fn raw_series_for(&self, ts: &LayerInfo) -> Option<&LayerInfo> {
        let raw = if ts.geocoded {
            "geo/geo_timeseries"
        } else {
            "timeseries"
        };
        let base = ts.name.split(':').next().unwrap_or(&ts.name);
        let corrected = base
            .strip_prefix(raw)
            .is_some_and(|rest| rest.starts_with('_'));
        self.layer(raw)
            .filter(|r| corrected && r.rows == ts.rows && r.cols == ts.cols && r.per_date)
    }

    /// The catalog as the page reads it.
    pub fn to_json(&self, run_name: &str) -> Value {
        let layers: Vec<Value> = self
            .layers
            .iter()
            .map(|l| {
                json!({
                    "name": l.name,
                    "per_date": l.per_date,
                    "rows": l.rows,
                    "cols": l.cols,
                    "geocoded": l.geocoded,
                    "flip": [l.flip.0, l.flip.1],
                    "dates": l.dates.iter().map(|d| d.to_string()).collect::<Vec<_>>(),
                    "ref_date": l.ref_date.map(|d| d.to_string()),
                    "ref_yx": l.ref_yx.map(|(y, x)| [y, x]),
                    "mask": l.mask,
                    "series": self.series_for(l).iter().map(|s| s.name.clone()).collect::<Vec<_>>(),
                })
            })
            .collect();
        json!({ "run": run_name, "layers": layers })
    }
}

fn describe(dir: &Path, name: &str, layer: &Layer) -> LayerInfo {
    let p = &layer.product;
    let a = p.attrs();
    let geocoded = crate::plot::locate::map_grid(p).is_some();
    let mask_stem = if geocoded {
        "geo/geo_maskTempCoh"
    } else {
        "maskTempCoh"
    };
    let mask = Product::open(dir, mask_stem)
        .ok()
        .filter(|m| m.length() == p.length() && m.width() == p.width() && name != mask_stem)
        .map(|_| mask_stem.to_string());
    LayerInfo {
        name: name.to_string(),
        per_date: layer.per_date,
        rows: p.length(),
        cols: p.width(),
        geocoded,
        flip: flip_rule(p),
        dates: if layer.per_date {
            p.dates().to_vec()
        } else {
            Vec::new()
        },
        ref_date: a.get("REF_DATE").and_then(|d| Date::parse(d).ok()),
        ref_yx: match (a.get_f64_opt("REF_Y"), a.get_f64_opt("REF_X")) {
            (Some(y), Some(x)) if y >= 0.0 && x >= 0.0 => Some((y as usize, x as usize)),
            _ => None,
        },
        mask,
    }
}
