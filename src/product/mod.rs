//! Products: every output beyond the inversion itself (corrected time series, DEM error,
//! velocity, geocoded layers, the geometry a run used). One product is one MintPy file
//! `RUN_DIR/STEM.h5` in MintPy's exact layout, or one Zarr store `RUN_DIR/STEM.zarr` holding the
//! same datasets, so a product name means the same thing in either format.
//!
//! Products are written and read by windows, so post-processing streams row strips under the
//! memory budget like the inversion does.

use crate::geo::grid::MapGrid;
use crate::meta::{Attributes, Date};

mod geometry;
pub(crate) mod georef;
pub(crate) mod h5;
pub mod inversion;
pub mod pass;
pub mod pass_split;
mod reader;
mod series_shards;
pub(crate) mod shard;
mod writer;
pub(crate) mod zarr_meta;

pub use geometry::write_geometry;
pub use reader::Product;
pub use writer::ProductWriter;

/// Storage format of a run's products.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputFormat {
    /// One Zarr v3 store `sbas.zarr` (default).
    Zarr,
    /// MintPy-layout HDF5 files (`timeseries.h5`, ...).
    Hdf5,
}

/// Stem of the geometry product a run on a radar-coordinate stack writes next to its results
/// (MintPy's `inputs/geometryRadar.h5`).
pub const GEOMETRY_STEM: &str = "inputs/geometryRadar";

/// Stem of the geometry product of a stack in map coordinates (MintPy's
/// `inputs/geometryGeo.h5`).
pub const GEOMETRY_GEO_STEM: &str = "inputs/geometryGeo";

/// The stem of the geometry product in run folder `dir`: `inputs/geometryRadar` if present, else
/// `inputs/geometryGeo` if present, else `inputs/geometryRadar` (so that a missing geometry is
/// reported under its usual name).
pub fn geometry_stem_in(dir: &std::path::Path) -> &'static str {
    let present = |stem: &str| {
        ["h5", "zarr"]
            .iter()
            .any(|e| dir.join(format!("{stem}.{e}")).exists())
    };
    if !present(GEOMETRY_STEM) && present(GEOMETRY_GEO_STEM) {
        GEOMETRY_GEO_STEM
    } else {
        GEOMETRY_STEM
    }
}

/// One dataset of a product: float32, or a boolean mask.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DatasetSpec {
    /// Dataset name (MintPy's: `timeseries`, `velocity`, `velocityStd`, `dem`, ...).
    pub name: String,
    /// One plane per date (`dates x rows x cols`) rather than one map (`rows x cols`).
    pub per_date: bool,
    /// Unit (`m`, `m/year`, `1`, `degree`, ...).
    pub unit: String,
    /// Human-readable description (stored in Zarr array attributes).
    pub long_name: String,
    /// Stored as booleans (written values: nonzero = true; read back as 0/1).
    pub is_bool: bool,
    /// Whether the HDF5 dataset carries its own `UNIT` attribute. MintPy's `layout_hdf5` gives
    /// one to the datasets of most files (`velocity.h5`, geometry, ...), but the inversion's own
    /// files (`timeseries.h5`, `temporalCoherence.h5`, ...) carry `UNIT` at the root only.
    pub unit_attr: bool,
}

impl DatasetSpec {
    /// A float32 map (`rows x cols`).
    pub fn map(name: &str, unit: &str, long_name: &str) -> DatasetSpec {
        DatasetSpec {
            name: name.to_string(),
            per_date: false,
            unit: unit.to_string(),
            long_name: long_name.to_string(),
            is_bool: false,
            unit_attr: true,
        }
    }

    /// A float32 series (`dates x rows x cols`).
    pub fn series(name: &str, unit: &str, long_name: &str) -> DatasetSpec {
        DatasetSpec {
            per_date: true,
            ..DatasetSpec::map(name, unit, long_name)
        }
    }

    /// A boolean mask map (`rows x cols`).
    pub fn mask(name: &str, long_name: &str) -> DatasetSpec {
        DatasetSpec {
            is_bool: true,
            ..DatasetSpec::map(name, "1", long_name)
        }
    }

    /// The same dataset without its own HDF5 `UNIT` attribute (the unit stays at the root).
    pub fn without_unit_attr(self) -> DatasetSpec {
        DatasetSpec {
            unit_attr: false,
            ..self
        }
    }
}

/// What a product holds.
#[derive(Debug, Clone)]
pub struct ProductSpec {
    /// Path of the product inside the run folder, without extension (`velocity`,
    /// `timeseries_demErr`, `geo/geo_velocity`).
    pub stem: String,
    /// MintPy's `FILE_TYPE` (`timeseries`, `velocity`, `dem`, `mask`, `geometry`, ...).
    pub file_type: String,
    /// Rows.
    pub length: usize,
    /// Columns.
    pub width: usize,
    /// Dates of a time-series product (written as the `date` and `bperp` datasets); empty for
    /// products of maps only.
    pub dates: Vec<Date>,
    /// Perpendicular baseline per date, metres (same length as `dates`).
    pub bperp: Vec<f32>,
    /// The datasets, in order.
    pub datasets: Vec<DatasetSpec>,
    /// Root metadata (MintPy keys). The writer sets `FILE_TYPE`, `LENGTH`, `WIDTH`, and `UNIT`
    /// (from the first dataset unless given).
    pub attrs: Attributes,
}

impl ProductSpec {
    /// Checks the spec before anything is created.
    fn check(&self) -> anyhow::Result<()> {
        use anyhow::ensure;
        ensure!(
            !self.stem.is_empty()
                && !self.stem.starts_with('/')
                && !self.stem.split('/').any(|p| p == ".." || p.is_empty()),
            "product name '{}' must be a relative path inside the run folder",
            self.stem
        );
        ensure!(
            self.length > 0 && self.width > 0,
            "product {} has an empty size {} x {}",
            self.stem,
            self.length,
            self.width
        );
        ensure!(
            !self.datasets.is_empty(),
            "product {} has no dataset",
            self.stem
        );
        ensure!(
            self.bperp.len() == self.dates.len(),
            "product {}: {} perpendicular baselines for {} dates",
            self.stem,
            self.bperp.len(),
            self.dates.len()
        );
        ensure!(
            self.dates.windows(2).all(|d| d[0] < d[1]),
            "product {}: dates must be strictly increasing",
            self.stem
        );
        for (i, d) in self.datasets.iter().enumerate() {
            ensure!(
                !d.per_date || !self.dates.is_empty(),
                "product {}: dataset {} is per date but the product has no dates",
                self.stem,
                d.name
            );
            ensure!(
                !matches!(
                    d.name.as_str(),
                    "date" | "bperp" | "y" | "x" | "lat" | "lon" | georef::GRID_MAPPING
                ),
                "product {}: dataset name {} is reserved for coordinates",
                self.stem,
                d.name
            );
            ensure!(
                !self.datasets[..i].iter().any(|o| o.name == d.name),
                "product {}: dataset {} appears twice",
                self.stem,
                d.name
            );
        }
        Ok(())
    }

    /// The root attributes as written: `attrs` plus the per-file keys.
    fn root_attrs(&self) -> Attributes {
        let mut a = self.attrs.clone();
        a.set("FILE_TYPE", &self.file_type);
        a.set("LENGTH", self.length);
        a.set("WIDTH", self.width);
        if !a.contains("UNIT") {
            a.set("UNIT", &self.datasets[0].unit);
        }
        a
    }

    /// The map grid of the product, when its metadata describe one.
    fn geo_grid(&self) -> Option<MapGrid> {
        MapGrid::of(&self.attrs, self.length, self.width)
    }
}

#[cfg(test)]
mod tests;
