//! MintPy-layout HDF5 writer: `timeseries.h5`, `temporalCoherence.h5`, `numInvIfgram.h5`,
//! `avgSpatialCoh.h5`, `maskTempCoh.h5`, exactly as MintPy 1.6.4 lays them out, so MintPy's own
//! tools read them. Each file is written as `NAME.h5.part` and renamed in `finalize`.

use std::path::{Path, PathBuf};
use std::str::FromStr;

use ::hdf5::types::{FixedAscii, VarLenUnicode};
use ::hdf5::{Dataset, Extent, File, Location, SimpleExtents};
use anyhow::Context;
use ndarray::{s, ArrayView2, ArrayView3};

use super::layout::{self, ChunkShape, Layer, LAYERS, TIMESERIES, TIMESERIES_H5};
use super::{OutputSpec, Sink};
use crate::invert::ChunkOut;
use crate::meta::{Attributes, Date};

/// Target size of one HDF5 time-series chunk: several dates per chunk keep a pixel's series
/// (what `tsview.py` reads) to a few chunk reads, one date per chunk would make it N reads.
const TS_CHUNK_BYTES: usize = 1 << 20;

/// One open output file and its pixel dataset.
struct Output {
    file: File,
    dataset: Dataset,
    part: PathBuf,
    done: PathBuf,
}

/// Writer of MintPy's HDF5 files.
pub struct Hdf5Sink {
    spec: OutputSpec,
    timeseries: Output,
    layers: Vec<(Layer, Output)>,
    mask_buf: Vec<bool>,
}

/// `path` with `.part` appended: where a file lives until it is complete.
pub(crate) fn part_path(path: &Path) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(".part");
    PathBuf::from(s)
}

/// Creates `NAME.h5.part`, after removing a finished `NAME.h5` of an earlier run so that nothing
/// looks complete before `finalize`.
fn create_part(dir: &Path, name: &str) -> anyhow::Result<(File, PathBuf, PathBuf)> {
    let done = dir.join(name);
    let part = part_path(&done);
    if done.exists() {
        std::fs::remove_file(&done)
            .with_context(|| format!("cannot remove the earlier output {}", done.display()))?;
    }
    let file = File::create(&part)
        .with_context(|| format!("cannot create HDF5 file {}", part.display()))?;
    Ok((file, part, done))
}

/// Writes MintPy's `date` (`|S8` YYYYMMDD) and `bperp` (float32) datasets of a time-series file.
pub(crate) fn write_dates_bperp(file: &File, dates: &[Date], bperp: &[f32]) -> anyhow::Result<()> {
    let dates = dates
        .iter()
        .map(|d| FixedAscii::<8>::from_ascii(d.to_string().as_bytes()))
        .collect::<Result<Vec<_>, _>>()?;
    file.new_dataset_builder()
        .with_data(&dates)
        .create("date")?;
    file.new_dataset_builder()
        .with_data(bperp)
        .create("bperp")?;
    Ok(())
}

/// Writes root attributes as scalar variable-length UTF-8 strings, as h5py writes Python `str`.
pub(crate) fn write_attrs(loc: &Location, attrs: &Attributes, path: &Path) -> anyhow::Result<()> {
    for (key, value) in attrs.iter() {
        let v = VarLenUnicode::from_str(value).map_err(|e| {
            anyhow::anyhow!(
                "attribute {key} = '{value}' cannot be stored in {}: {e}",
                path.display()
            )
        })?;
        loc.new_attr::<VarLenUnicode>()
            .create(key)
            .and_then(|a| a.write_scalar(&v))
            .with_context(|| format!("cannot write attribute {key} to {}", path.display()))?;
    }
    Ok(())
}

impl Hdf5Sink {
    /// Creates the five `.part` files with their datasets and attributes.
    pub fn create(spec: &OutputSpec) -> anyhow::Result<Hdf5Sink> {
        layout::check_spec(spec)?;
        std::fs::create_dir_all(&spec.dir)
            .with_context(|| format!("cannot create output directory {}", spec.dir.display()))?;
        let chunk = ChunkShape::for_spec(spec);
        let timeseries = Self::create_timeseries(spec, chunk)?;
        let mut layers = Vec::with_capacity(LAYERS.len());
        for layer in LAYERS {
            layers.push((layer, Self::create_layer(spec, chunk, &layer)?));
        }
        Ok(Hdf5Sink {
            spec: spec.clone(),
            timeseries,
            layers,
            mask_buf: Vec::new(),
        })
    }

    fn create_timeseries(spec: &OutputSpec, chunk: ChunkShape) -> anyhow::Result<Output> {
        let (file, part, done) = create_part(&spec.dir, TIMESERIES_H5)?;
        let ctx = || format!("cannot lay out {}", part.display());
        let n = spec.dates.len();
        write_dates_bperp(&file, &spec.dates, &spec.bperp).with_context(ctx)?;
        let per_date = chunk.rows * chunk.cols * std::mem::size_of::<f32>();
        let dates_per_chunk = (TS_CHUNK_BYTES / per_date).clamp(1, n);
        // maxshape (None, L, W), as MintPy's layout_hdf5 makes every 3-D dataset.
        let extents = SimpleExtents::new([
            Extent::resizable(n),
            Extent::fixed(spec.length),
            Extent::fixed(spec.width),
        ]);
        let dataset = file
            .new_dataset::<f32>()
            .chunk((dates_per_chunk, chunk.rows, chunk.cols))
            .shape(extents)
            .create(TIMESERIES)
            .with_context(ctx)?;
        let attrs = layout::file_attrs(spec, "timeseries", "m", true);
        write_attrs(&file, &attrs, &part)?;
        Ok(Output {
            file,
            dataset,
            part,
            done,
        })
    }

    fn create_layer(spec: &OutputSpec, chunk: ChunkShape, layer: &Layer) -> anyhow::Result<Output> {
        let (file, part, done) = create_part(&spec.dir, layer.h5_file)?;
        let ctx = || format!("cannot lay out {}", part.display());
        let shape = (spec.length, spec.width);
        let builder = if layer.is_bool {
            // bool is an HDF5 enum of int8 FALSE=0/TRUE=1, as h5py stores numpy bool.
            file.new_dataset::<bool>()
        } else {
            file.new_dataset::<f32>()
        };
        let dataset = builder
            .chunk((chunk.rows, chunk.cols))
            .shape(shape)
            .create(layer.h5_dataset)
            .with_context(ctx)?;
        let mut attrs = layout::file_attrs(spec, layer.file_type, layer.unit, false);
        if layer.name == "numInvIfgram" {
            // MintPy drops the stack's no-data value here (its issue #1185).
            attrs.remove("NO_DATA_VALUE");
        }
        write_attrs(&file, &attrs, &part)?;
        Ok(Output {
            file,
            dataset,
            part,
            done,
        })
    }
}

impl Sink for Hdf5Sink {
    fn write_chunk(&mut self, out: &ChunkOut) -> anyhow::Result<()> {
        layout::check_chunk(&self.spec, out)?;
        let w = out.window;
        let (h, wd) = (w.rows(), w.cols());
        let n = self.spec.dates.len();
        let ts = ArrayView3::from_shape((n, h, wd), &out.timeseries)
            .context("time-series buffer does not match its window")?;
        let ctx = |o: &Output| {
            format!(
                "cannot write chunk {} (rows {}..{}, cols {}..{}) to {}",
                out.id,
                w.y0,
                w.y1,
                w.x0,
                w.x1,
                o.part.display()
            )
        };
        self.timeseries
            .dataset
            .write_slice(ts, s![.., w.y0..w.y1, w.x0..w.x1])
            .with_context(|| ctx(&self.timeseries))?;
        for (layer, o) in &self.layers {
            let sel = s![w.y0..w.y1, w.x0..w.x1];
            let res = if let Some(values) = layout::layer_f32(out, layer) {
                let v = ArrayView2::from_shape((h, wd), values)
                    .context("layer buffer does not match its window")?;
                o.dataset.write_slice(v, sel)
            } else {
                self.mask_buf.clear();
                self.mask_buf
                    .extend(out.mask_temp_coh.iter().map(|&m| m != 0));
                let v = ArrayView2::from_shape((h, wd), &self.mask_buf[..])
                    .context("mask buffer does not match its window")?;
                o.dataset.write_slice(v, sel)
            };
            res.with_context(|| ctx(o))?;
        }
        // Hand the chunk to the OS now, so a chunk reported written survives a crash of this
        // process (not of the machine: that would need fsync).
        for o in std::iter::once(&self.timeseries).chain(self.layers.iter().map(|(_, o)| o)) {
            o.file.flush().with_context(|| ctx(o))?;
        }
        Ok(())
    }

    fn finalize(self: Box<Self>) -> anyhow::Result<Vec<PathBuf>> {
        let this = *self;
        let mut outputs = vec![this.timeseries];
        outputs.extend(this.layers.into_iter().map(|(_, o)| o));
        let mut paths = Vec::with_capacity(outputs.len());
        for o in outputs {
            o.file
                .flush()
                .with_context(|| format!("cannot flush {}", o.part.display()))?;
            let Output {
                file,
                dataset,
                part,
                done,
            } = o;
            drop(dataset);
            file.close()
                .with_context(|| format!("cannot close {}", part.display()))?;
            std::fs::rename(&part, &done).with_context(|| {
                format!("cannot rename {} to {}", part.display(), done.display())
            })?;
            paths.push(done);
        }
        Ok(paths)
    }
}
