//! HDF5 output through a Zarr staging store. HDF5 files written by a killed process can be
//! corrupt, and HDF5 has no notion of independently durable chunks; so an HDF5 run writes its
//! chunks to a Zarr store inside the run's state folder (resumable chunk by chunk) and assembles
//! the MintPy-layout HDF5 files from it, strip by strip, only at finalize.

use std::path::{Path, PathBuf};

use anyhow::Context;

use super::{Hdf5Sink, OutputSpec, RunResults, Sink};
use crate::invert::{ChunkOut, ChunkStats};
use crate::window::Window;

/// Folder of the staging store of an HDF5 run.
pub fn staging_dir(run_dir: &Path) -> PathBuf {
    run_dir.join(crate::resume::STATE_DIR).join("staging")
}

/// Writes the HDF5 outputs described by `spec` from the staging store of `spec.dir`, one row
/// strip of `windows` at a time (memory stays that of one strip).
pub fn write_hdf5_from_staging(
    spec: &OutputSpec,
    windows: &[Window],
) -> anyhow::Result<Vec<PathBuf>> {
    let staging = staging_dir(&spec.dir);
    let results = RunResults::open(&staging)
        .with_context(|| format!("opening the staging store {}", staging.display()))?;
    let mut sink = Hdf5Sink::create(spec)?;
    for (id, w) in windows.iter().enumerate() {
        let layer = |name: &str| results.read_layer(name, *w);
        let out = ChunkOut {
            id,
            window: *w,
            timeseries: results.read_timeseries(*w)?,
            temporal_coherence: layer("temporalCoherence")?,
            num_inv_ifgram: layer("numInvIfgram")?,
            avg_spatial_coh: layer("avgSpatialCoh")?,
            mask_temp_coh: layer("maskTempCoh")?
                .iter()
                .map(|&m| u8::from(m != 0.0))
                .collect(),
            stats: ChunkStats::default(),
        };
        sink.write_chunk(&out)?;
    }
    Box::new(sink).finalize()
}
