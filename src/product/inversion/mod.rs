//! Writers of results: one trait, one implementation per output format. Writers know formats,
//! not formulas.

use std::path::PathBuf;

use crate::invert::ChunkOut;
use crate::meta::{Attributes, Date};

pub(crate) mod direct_write;
pub(crate) mod layout;
pub(crate) mod results;
mod staging;
pub(crate) mod zarr;

pub use crate::product::zarr_meta::COMPLETE_ATTR;
pub use layout::OUTPUT_NAMES;
pub use results::{RunResults, LAYER_NAMES};
pub use staging::{staging_dir, write_hdf5_from_staging};
pub use zarr::{store_path, ZarrSink, STORE_NAME};

pub use crate::product::OutputFormat;

/// What a run writes: the shape, dates and metadata of every output.
#[derive(Debug, Clone)]
pub struct OutputSpec {
    /// Run directory.
    pub dir: PathBuf,
    /// Rows.
    pub length: usize,
    /// Columns.
    pub width: usize,
    /// Rows per chunk of the plan: writes arrive as row strips of this height (the last one
    /// may be shorter), so storage chunks can align with them.
    pub chunk_rows: usize,
    /// Dates of the time series (N).
    pub dates: Vec<Date>,
    /// Perpendicular baseline per date, metres (N).
    pub bperp: Vec<f32>,
    /// Root metadata common to every output (MintPy keys incl. `REF_Y`, `REF_X`, `REF_DATE`,
    /// `WAVELENGTH`, `LENGTH`, `WIDTH`, and the `mintpy.networkInversion.*` settings).
    pub attrs: Attributes,
}

/// A destination for chunk results.
pub trait Sink: Send {
    /// Writes every output of one chunk.
    fn write_chunk(&mut self, out: &ChunkOut) -> anyhow::Result<()>;
    /// Makes everything written so far durable (survives a crash or power loss), so the run
    /// may record those chunks as done.
    fn sync(&mut self) -> anyhow::Result<()> {
        Ok(())
    }
    /// Flushes and closes the outputs; only after this are they complete.
    fn finalize(self: Box<Self>) -> anyhow::Result<Vec<PathBuf>>;
}

/// Creates the chunk store of `spec`: creates `spec.dir` and lays out every output, none of
/// which looks complete until [`Sink::finalize`]. It is always a Zarr store, whose chunks are
/// durable one by one: an HDF5 run writes one under its state folder ([`staging_dir`]) and its
/// MintPy files from it at the end ([`write_hdf5_from_staging`]).
pub fn create_sink(spec: &OutputSpec) -> anyhow::Result<Box<dyn Sink>> {
    Ok(Box::new(ZarrSink::create(spec)?))
}
