//! A run's results in either format, read through the product store: the time series and the
//! per-pixel layers, opened as products (from the Zarr store `sbas.zarr`, or MintPy's files).
//! Used by the demo, the tests and anything that post-processes.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context};

use super::layout::{self, LAYERS, TIMESERIES, TIMESERIES_H5};
use super::zarr::store_path;
use super::OutputFormat;
use crate::meta::{Attributes, Date};
use crate::product::h5::part_path;
use crate::product::zarr_meta::COMPLETE_ATTR;
use crate::product::Product;
use crate::window::Window;

/// Names accepted by [`RunResults::read_layer`].
pub const LAYER_NAMES: [&str; 4] = [
    LAYERS[0].name,
    LAYERS[1].name,
    LAYERS[2].name,
    LAYERS[3].name,
];

/// The results of one run, opened for reading.
pub struct RunResults {
    dir: PathBuf,
    format: OutputFormat,
    series: Product,
    /// One per [`LAYERS`] entry; `None` for an HDF5 file not (yet) written.
    layers: Vec<Option<Product>>,
    attrs: Attributes,
    complete: bool,
}

impl RunResults {
    /// Opens the results in `dir`, detecting the format (the Zarr store `sbas.zarr` if present,
    /// else MintPy's `timeseries.h5`, or its `.part` while the run is unfinished).
    pub fn open(dir: &Path) -> anyhow::Result<RunResults> {
        if store_path(dir).join("zarr.json").exists() {
            Self::open_format(dir, OutputFormat::Zarr)
        } else if dir.join(TIMESERIES_H5).exists() || part_path(&dir.join(TIMESERIES_H5)).exists() {
            Self::open_format(dir, OutputFormat::Hdf5)
        } else {
            bail!(
                "{} holds no sbas results: neither {} nor {} is there",
                dir.display(),
                super::zarr::STORE_NAME,
                TIMESERIES_H5
            )
        }
    }

    /// Opens the results in `dir` written in `format`.
    pub fn open_format(dir: &Path, format: OutputFormat) -> anyhow::Result<RunResults> {
        let (series, layers) = match format {
            OutputFormat::Zarr => {
                let layers = LAYERS
                    .iter()
                    .map(|l| Product::open_inversion(dir, l.name).map(Some))
                    .collect::<anyhow::Result<Vec<_>>>()?;
                (Product::open_inversion(dir, TIMESERIES)?, layers)
            }
            OutputFormat::Hdf5 => {
                let stem = |file: &str| file.trim_end_matches(".h5").to_string();
                let series = Product::open(dir, &stem(TIMESERIES_H5))?;
                let layers = LAYERS
                    .iter()
                    .map(|l| Product::open(dir, &stem(l.h5_file)).ok())
                    .collect();
                (series, layers)
            }
        };
        check_series(&series)?;
        let complete = series.is_complete()
            && layers
                .iter()
                .all(|l: &Option<Product>| l.as_ref().is_some_and(Product::is_complete));
        let mut attrs = series.attrs().clone();
        if format == OutputFormat::Zarr {
            attrs.set(COMPLETE_ATTR, series.is_complete());
        }
        Ok(RunResults {
            dir: dir.to_path_buf(),
            format,
            series,
            layers,
            attrs,
            complete,
        })
    }

    /// The format the results are stored in.
    pub fn format(&self) -> OutputFormat {
        self.format
    }

    /// Dates of the time series.
    pub fn dates(&self) -> &[Date] {
        self.series.dates()
    }

    /// Perpendicular baseline per date, metres.
    pub fn bperp(&self) -> &[f32] {
        self.series.bperp()
    }

    /// Root metadata (MintPy keys; for Zarr also `sbas_complete`).
    pub fn attrs(&self) -> &Attributes {
        &self.attrs
    }

    /// Rows.
    pub fn length(&self) -> usize {
        self.series.length()
    }

    /// Columns.
    pub fn width(&self) -> usize {
        self.series.width()
    }

    /// Whether the run was finalized: Zarr `sbas_complete` is true, or every HDF5 file has lost
    /// its `.part` suffix.
    pub fn is_complete(&self) -> bool {
        self.complete
    }

    /// The time series in `window`, metres, `dates x rows x cols`.
    pub fn read_timeseries(&self, window: Window) -> anyhow::Result<Vec<f32>> {
        self.series.read(TIMESERIES, window)
    }

    /// One per-pixel layer in `window`, `rows x cols`: `temporalCoherence`, `numInvIfgram`,
    /// `avgSpatialCoh` or `maskTempCoh` (as 0/1).
    pub fn read_layer(&self, name: &str, window: Window) -> anyhow::Result<Vec<f32>> {
        let layer = layout::layer(name)?;
        let i = LAYERS
            .iter()
            .position(|l| l.name == layer.name)
            .context("every layer is in LAYERS")?;
        match &self.layers[i] {
            Some(p) => p.read(layer.h5_dataset, window),
            None => bail!(
                "{} holds no {} (the run has not written it)",
                self.dir.display(),
                layer.h5_file
            ),
        }
    }
}

/// Refuses a time series whose dataset is not one plane per date.
fn check_series(series: &Product) -> anyhow::Result<()> {
    if !series.is_per_date(TIMESERIES)? || series.dates().is_empty() {
        bail!(
            "{} in {} is not (date, y, x) with dates",
            TIMESERIES,
            series.path().display()
        );
    }
    Ok(())
}
