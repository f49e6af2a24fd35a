//! HDF5 output through a Zarr staging store. HDF5 files written by a killed process can be
//! corrupt, and HDF5 has no notion of independently durable chunks; so an HDF5 run writes its
//! chunks to a Zarr store inside the run's state folder (resumable chunk by chunk) and, only at
//! finalize, writes MintPy's files from it as ordinary products, strip by strip.

use std::path::{Path, PathBuf};

use anyhow::Context;

use super::layout::{self, ChunkShape, LAYERS, TIMESERIES};
use super::{OutputFormat, OutputSpec, RunResults};
use crate::product::ProductWriter;
use crate::window::Window;

/// Folder of the staging store of an HDF5 run.
pub fn staging_dir(run_dir: &Path) -> PathBuf {
    run_dir.join(crate::resume::STATE_DIR).join("staging")
}

/// Writes the HDF5 outputs described by `spec` from the staging store of `spec.dir`, one row
/// strip of `windows` at a time (memory stays that of one strip). Returns their paths.
pub fn write_hdf5_from_staging(
    spec: &OutputSpec,
    windows: &[Window],
) -> anyhow::Result<Vec<PathBuf>> {
    layout::check_spec(spec)?;
    let staging = staging_dir(&spec.dir);
    let results = RunResults::open(&staging)
        .with_context(|| format!("opening the staging store {}", staging.display()))?;
    std::fs::create_dir_all(&spec.dir)
        .with_context(|| format!("cannot create output directory {}", spec.dir.display()))?;
    let strip_rows = ChunkShape::for_spec(spec).rows;
    let mut writers = layout::hdf5_products(spec)
        .into_iter()
        .map(|p| ProductWriter::create_in_strips(&spec.dir, OutputFormat::Hdf5, p, strip_rows))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let (series, layers) = writers
        .split_first_mut()
        .context("the inversion writes at least its time series")?;
    for w in windows {
        series.write(TIMESERIES, *w, &results.read_timeseries(*w)?)?;
        for (layer, writer) in LAYERS.iter().zip(layers.iter_mut()) {
            writer.write(layer.h5_dataset, *w, &results.read_layer(layer.name, *w)?)?;
        }
    }
    writers.into_iter().map(ProductWriter::finish).collect()
}
