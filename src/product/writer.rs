//! Writer of one product, as a MintPy-layout HDF5 file or a Zarr store. Nothing looks complete
//! before [`ProductWriter::finish`]: HDF5 is written as `STEM.h5.part` and renamed; a Zarr store
//! carries `sbas_complete = false` until then.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use ::hdf5::{Dataset, Extent, File, SimpleExtents};
use anyhow::{bail, ensure, Context};
use ndarray::{s, ArrayView2, ArrayView3};
use serde_json::{json, Map, Value};
use zarrs::array::{data_type, Array, ArrayBuilder, ArraySubset, FillValue};
use zarrs::filesystem::FilesystemStore;

use super::{DatasetSpec, ProductSpec};
use crate::geo::grid::MapGrid;
use crate::meta::Attributes;
use crate::product::georef::{write_georef, Georef};
use crate::product::h5::{part_path, write_attrs, write_dates_bperp};
use crate::product::series_shards::{shard_cols, shard_rows, ShardedSeries};
use crate::product::shard::subchunk_shape_3d;
use crate::product::zarr_meta::{
    codecs_for, finish_store, metadata_options, write_root, COMPLETE_ATTR, DATE_FILL, INDEX_FILL,
};
use crate::product::OutputFormat;
use crate::window::Window;

/// Widest storage chunk, in columns.
const MAX_CHUNK_COLS: usize = 512;
/// Tallest storage chunk of a map, in rows.
const MAP_CHUNK_ROWS: usize = 256;
/// Target bytes of one storage chunk of a series (all dates of a block of pixels).
const SERIES_CHUNK_BYTES: usize = 4 << 20;

/// Root attribute of a product store listing its datasets in order.
pub(crate) const DATASETS_ATTR: &str = "sbas_datasets";

type Store = FilesystemStore;

/// Target bytes of one HDF5 chunk of a series laid out in strips: several dates per chunk keep a
/// pixel's series (what `tsview.py` reads) to a few chunk reads.
const STRIP_SERIES_H5_CHUNK_BYTES: usize = 1 << 20;

/// How storage chunks are shaped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Chunking {
    /// Sized for reading either way (maps of [`MAP_CHUNK_ROWS`] rows, series of about
    /// [`SERIES_CHUNK_BYTES`]): products written by the steps after the inversion.
    Reading,
    /// Chunks as tall as the writer's row strips, so each strip write covers whole chunks: the
    /// inversion's outputs, written strip by strip of its plan.
    Strips(usize),
}

/// Storage chunk rows and columns for a dataset of a spec.
fn chunk_shape(spec: &ProductSpec, chunking: Chunking, per_date: bool) -> (usize, usize) {
    let parts = spec.width.div_ceil(MAX_CHUNK_COLS).max(1);
    let cols = spec.width.div_ceil(parts).max(1);
    let rows = match chunking {
        Chunking::Strips(rows) => rows,
        Chunking::Reading if per_date => SERIES_CHUNK_BYTES / (spec.dates.len().max(1) * cols * 4),
        Chunking::Reading => MAP_CHUNK_ROWS,
    };
    (rows.clamp(1, spec.length), cols)
}

/// HDF5 chunk (dates, rows, cols) of a per-date dataset.
fn series_h5_chunk(spec: &ProductSpec, chunking: Chunking) -> (usize, usize, usize) {
    let (cr, cc) = chunk_shape(spec, chunking, true);
    let n = spec.dates.len();
    match chunking {
        Chunking::Strips(_) => {
            let dates = (STRIP_SERIES_H5_CHUNK_BYTES / (cr * cc * 4)).clamp(1, n);
            (dates, cr, cc)
        }
        // A few dates per chunk so a pixel's series is a few chunk reads.
        Chunking::Reading => {
            let rows = cr.min(128);
            let dates = ((1usize << 20) / (rows * cc * 4)).clamp(1, n);
            (dates, rows, cc)
        }
    }
}

enum Backend {
    Zarr {
        store: Arc<Store>,
        arrays: Vec<Array<Store>>,
        /// The shard writer of each per-date float32 array (`None` for the others).
        series: Vec<Option<ShardedSeries>>,
    },
    Hdf5 {
        file: File,
        datasets: Vec<Dataset>,
        part: PathBuf,
    },
}

/// Writes one product window by window.
pub struct ProductWriter {
    spec: ProductSpec,
    chunking: Chunking,
    path: PathBuf,
    backend: Backend,
    bool_buf: Vec<bool>,
}

impl ProductWriter {
    /// Creates product `spec.stem` in `dir` (creating folders as needed). An earlier product of
    /// the same name, finished or not, is removed first.
    pub fn create(
        dir: &Path,
        format: OutputFormat,
        spec: ProductSpec,
    ) -> anyhow::Result<ProductWriter> {
        Self::create_chunked(dir, format, spec, Chunking::Reading)
    }

    /// The most memory a writer made by [`ProductWriter::create`] for `spec` holds between
    /// writes: a Zarr series keeps the shards a write covers in part until later writes
    /// complete them, at most one row of shards per sharded dataset (see `series_shards`).
    /// HDF5 writes through the library's chunk cache, counted in the fixed overhead: 0.
    pub fn pending_bytes_bound(format: OutputFormat, spec: &ProductSpec) -> u64 {
        if format != OutputFormat::Zarr {
            return 0;
        }
        let planes = spec.dates.len();
        spec.datasets
            .iter()
            .filter(|d| d.per_date && !d.is_bool)
            .map(|_| {
                let (_, cc) = chunk_shape(spec, Chunking::Reading, true);
                let cc = shard_cols(cc);
                let cr = shard_rows(planes, spec.length, cc, SERIES_CHUNK_BYTES);
                let across = spec.width.div_ceil(cc);
                // Values of every date, and a written flag per pixel.
                (across * cr * cc * (4 * planes + 1)) as u64
            })
            .sum()
    }

    /// Like [`ProductWriter::create`], with storage chunks `strip_rows` tall, for a writer that
    /// writes whole row strips of that height (the last may be shorter): no chunk is then
    /// written twice.
    pub fn create_in_strips(
        dir: &Path,
        format: OutputFormat,
        spec: ProductSpec,
        strip_rows: usize,
    ) -> anyhow::Result<ProductWriter> {
        Self::create_chunked(dir, format, spec, Chunking::Strips(strip_rows))
    }

    fn create_chunked(
        dir: &Path,
        format: OutputFormat,
        spec: ProductSpec,
        chunking: Chunking,
    ) -> anyhow::Result<ProductWriter> {
        spec.check()?;
        let ext = match format {
            OutputFormat::Zarr => "zarr",
            OutputFormat::Hdf5 => "h5",
        };
        let path = dir.join(format!("{}.{ext}", spec.stem));
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("cannot create folder {}", parent.display()))?;
        }
        remove_existing(&path)?;
        let backend = match format {
            OutputFormat::Zarr => create_zarr(&path, &spec, chunking)
                .with_context(|| format!("cannot create Zarr store {}", path.display()))?,
            OutputFormat::Hdf5 => create_hdf5(&path, &spec, chunking)?,
        };
        Ok(ProductWriter {
            spec,
            chunking,
            path,
            backend,
            bool_buf: Vec::new(),
        })
    }

    /// Rows per storage chunk of the maps: strips that are multiples of it write whole chunks
    /// (Zarr rewrites a chunk that a strip covers only in part).
    pub fn map_chunk_rows(&self) -> usize {
        chunk_shape(&self.spec, self.chunking, false).0
    }

    /// The spec being written.
    pub fn spec(&self) -> &ProductSpec {
        &self.spec
    }

    /// Writes `data` of `dataset` over `window`: `dates x rows x cols` for a per-date dataset,
    /// `rows x cols` for a map.
    pub fn write(&mut self, dataset: &str, window: Window, data: &[f32]) -> anyhow::Result<()> {
        let Some(idx) = self.spec.datasets.iter().position(|d| d.name == dataset) else {
            bail!(
                "product {} has no dataset {dataset} (it has {})",
                self.spec.stem,
                names(&self.spec.datasets)
            );
        };
        let d = &self.spec.datasets[idx];
        let w = window;
        ensure!(
            w.y0 < w.y1 && w.x0 < w.x1 && w.y1 <= self.spec.length && w.x1 <= self.spec.width,
            "window rows {}..{} cols {}..{} is empty or outside product {} ({} x {})",
            w.y0,
            w.y1,
            w.x0,
            w.x1,
            self.spec.stem,
            self.spec.length,
            self.spec.width
        );
        let planes = if d.per_date { self.spec.dates.len() } else { 1 };
        ensure!(
            data.len() == planes * w.pixels(),
            "{} values for dataset {dataset} of product {}, expected {planes} x {} x {}",
            data.len(),
            self.spec.stem,
            w.rows(),
            w.cols()
        );
        let ctx = || {
            format!(
                "cannot write {dataset} rows {}..{} cols {}..{} to {}",
                w.y0,
                w.y1,
                w.x0,
                w.x1,
                self.path.display()
            )
        };
        if d.is_bool {
            self.bool_buf.clear();
            self.bool_buf.extend(data.iter().map(|&v| v != 0.0));
        }
        match &mut self.backend {
            Backend::Zarr { arrays, series, .. } => {
                if let Some(s) = &mut series[idx] {
                    return s.write(&arrays[idx], w, data).with_context(ctx);
                }
                let mut ranges = vec![w.y0 as u64..w.y1 as u64, w.x0 as u64..w.x1 as u64];
                if d.per_date {
                    ranges.insert(0, 0..planes as u64);
                }
                let sub = ArraySubset::new_with_ranges(&ranges);
                if d.is_bool {
                    arrays[idx].store_array_subset(&sub, &self.bool_buf[..])
                } else {
                    arrays[idx].store_array_subset(&sub, data)
                }
                .with_context(ctx)?;
            }
            Backend::Hdf5 { datasets, .. } => {
                let ds = &datasets[idx];
                let (h, wd) = (w.rows(), w.cols());
                if d.per_date {
                    let v = ArrayView3::from_shape((planes, h, wd), data).with_context(ctx)?;
                    ds.write_slice(v, s![.., w.y0..w.y1, w.x0..w.x1])
                } else if d.is_bool {
                    let v =
                        ArrayView2::from_shape((h, wd), &self.bool_buf[..]).with_context(ctx)?;
                    ds.write_slice(v, s![w.y0..w.y1, w.x0..w.x1])
                } else {
                    let v = ArrayView2::from_shape((h, wd), data).with_context(ctx)?;
                    ds.write_slice(v, s![w.y0..w.y1, w.x0..w.x1])
                }
                .with_context(ctx)?;
            }
        }
        Ok(())
    }

    /// Closes the product; only now does it exist under its final name. Returns its path.
    pub fn finish(self) -> anyhow::Result<PathBuf> {
        let ctx = || format!("cannot finish {}", self.path.display());
        match self.backend {
            Backend::Zarr {
                store,
                arrays,
                mut series,
            } => {
                for (s, a) in series.iter_mut().zip(&arrays) {
                    if let Some(s) = s {
                        s.finish(a).with_context(ctx)?;
                    }
                }
                drop(arrays);
                finish_store(&store, &self.path, root_json(&self.spec, true)).with_context(ctx)?;
            }
            Backend::Hdf5 {
                file,
                datasets,
                part,
            } => {
                drop(datasets);
                file.flush().with_context(ctx)?;
                file.close().with_context(ctx)?;
                std::fs::rename(&part, &self.path).with_context(|| {
                    format!(
                        "cannot rename {} to {}",
                        part.display(),
                        self.path.display()
                    )
                })?;
            }
        }
        Ok(self.path)
    }
}

fn names(datasets: &[DatasetSpec]) -> String {
    datasets
        .iter()
        .map(|d| d.name.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Removes a finished or unfinished earlier product at `path`.
fn remove_existing(path: &Path) -> anyhow::Result<()> {
    let part = part_path(path);
    for p in [path, part.as_path()] {
        let res = if p.is_dir() {
            std::fs::remove_dir_all(p)
        } else if p.exists() {
            std::fs::remove_file(p)
        } else {
            continue;
        };
        res.with_context(|| format!("cannot remove the earlier output {}", p.display()))?;
    }
    Ok(())
}

fn array_attrs(d: &DatasetSpec) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("units".into(), json!(d.unit));
    m.insert("long_name".into(), json!(d.long_name));
    m
}

fn root_json(spec: &ProductSpec, complete: bool) -> Map<String, Value> {
    let attrs: Attributes = spec.root_attrs();
    let mut m: Map<String, Value> = attrs
        .iter()
        .map(|(k, v)| (k.to_string(), json!(v)))
        .collect();
    m.insert(
        DATASETS_ATTR.into(),
        json!(spec
            .datasets
            .iter()
            .map(|d| d.name.clone())
            .collect::<Vec<_>>()),
    );
    m.insert(COMPLETE_ATTR.into(), json!(complete));
    m
}

fn create_zarr(path: &Path, spec: &ProductSpec, chunking: Chunking) -> anyhow::Result<Backend> {
    std::fs::create_dir_all(path)?;
    let store = Arc::new(FilesystemStore::new(path)?);
    let (l, w, n) = (
        spec.length as u64,
        spec.width as u64,
        spec.dates.len() as u64,
    );
    let grid = spec.geo_grid();
    let georef = Georef::of(&spec.attrs, spec.length, spec.width);
    let (ydim, xdim) = match (&georef, &grid) {
        (Some(g), _) => g.dims(),
        (None, Some(_)) => ("lat", "lon"),
        (None, None) => ("y", "x"),
    };
    let options = metadata_options();
    let mut arrays = Vec::with_capacity(spec.datasets.len());
    let mut series = Vec::with_capacity(spec.datasets.len());
    for d in &spec.datasets {
        let (mut cr, mut cc) = chunk_shape(spec, chunking, d.per_date);
        // Per-date float32 arrays are sharded (see `series_shards`); shards of the steps' own
        // writes are about SERIES_CHUNK_BYTES, whatever rows their strips have.
        let sharded = d.per_date && !d.is_bool;
        if sharded && chunking == Chunking::Reading {
            cc = shard_cols(cc);
            cr = shard_rows(spec.dates.len(), spec.length, cc, SERIES_CHUNK_BYTES);
        }
        let (shape, chunks, dims) = if d.per_date {
            (
                vec![n, l, w],
                vec![n, cr as u64, cc as u64],
                vec!["date", ydim, xdim],
            )
        } else {
            (vec![l, w], vec![cr as u64, cc as u64], vec![ydim, xdim])
        };
        let mut builder = if d.is_bool {
            ArrayBuilder::new(shape, chunks, data_type::bool(), FillValue::from(false))
        } else {
            ArrayBuilder::new(shape, chunks, data_type::float32(), f32::NAN)
        };
        let mut attrs = array_attrs(d);
        if let Some(g) = &georef {
            g.link(&mut attrs);
        }
        if sharded {
            builder.subchunk_shape(subchunk_shape_3d(spec.dates.len(), cr, cc));
        }
        let array = builder
            .bytes_to_bytes_codecs(codecs_for(d.per_date))
            .dimension_names(Some(dims))
            .attributes(attrs)
            .build(store.clone(), &format!("/{}", d.name))?;
        array.store_metadata_opt(&options)?;
        arrays.push(array);
        series.push(sharded.then(|| {
            ShardedSeries::new(path, spec.dates.len(), (spec.length, spec.width), (cr, cc))
        }));
    }
    write_coordinates(&store, spec, grid, georef, (ydim, xdim))?;
    if let Some(g) = &georef {
        write_georef(&store, g)?;
    }
    write_root(&store, root_json(spec, false), None)?;
    Ok(Backend::Zarr {
        store,
        arrays,
        series,
    })
}

/// The coordinate arrays xarray needs: dates (and baselines) of a series, and pixel indices or
/// latitudes/longitudes of pixel centres.
fn write_coordinates(
    store: &Arc<Store>,
    spec: &ProductSpec,
    grid: Option<MapGrid>,
    georef: Option<Georef>,
    (ydim, xdim): (&str, &str),
) -> anyhow::Result<()> {
    let options = metadata_options();
    let one = |name: &str, len: usize, dim: &str, attrs: Map<String, Value>, f64s: bool| {
        let (dt, fill) = if f64s {
            (data_type::float64(), FillValue::from(f64::NAN))
        } else if name == "date" {
            (data_type::int64(), FillValue::from(DATE_FILL))
        } else {
            (data_type::int64(), FillValue::from(INDEX_FILL))
        };
        let a = ArrayBuilder::new(vec![len as u64], vec![len.max(1) as u64], dt, fill)
            .dimension_names(Some([dim]))
            .attributes(attrs)
            .build(store.clone(), &format!("/{name}"))?;
        a.store_metadata_opt(&options)?;
        anyhow::Ok(a)
    };
    let attrs = |pairs: &[(&str, &str)]| -> Map<String, Value> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), json!(v)))
            .collect()
    };
    if !spec.dates.is_empty() {
        let a = one(
            "date",
            spec.dates.len(),
            "date",
            attrs(&[
                ("long_name", "acquisition date"),
                ("units", "days since 1970-01-01"),
                ("calendar", "proleptic_gregorian"),
            ]),
            false,
        )?;
        let days: Vec<i64> = spec
            .dates
            .iter()
            .map(|d| i64::from(d.days_since_epoch()))
            .collect();
        a.store_chunk(&[0], days)?;
        let b = ArrayBuilder::new(
            vec![spec.dates.len() as u64],
            vec![spec.dates.len() as u64],
            data_type::float32(),
            f32::NAN,
        )
        .dimension_names(Some(["date"]))
        .attributes(attrs(&[
            ("long_name", "perpendicular baseline"),
            ("units", "m"),
        ]))
        .build(store.clone(), "/bperp")?;
        b.store_metadata_opt(&options)?;
        b.store_chunk(&[0], spec.bperp.clone())?;
    }
    match (georef, grid) {
        (Some(r), _) => {
            let (yattrs, xattrs) = r.coord_attrs();
            one(ydim, spec.length, ydim, yattrs, true)?.store_chunk(&[0], r.grid.row_centres())?;
            one(xdim, spec.width, xdim, xattrs, true)?.store_chunk(&[0], r.grid.col_centres())?;
        }
        (None, Some(g)) => {
            let lat = one(
                ydim,
                spec.length,
                ydim,
                attrs(&[
                    ("long_name", "latitude of pixel centre"),
                    ("units", "degrees_north"),
                ]),
                true,
            )?;
            lat.store_chunk(&[0], g.row_centres())?;
            let lon = one(
                xdim,
                spec.width,
                xdim,
                attrs(&[
                    ("long_name", "longitude of pixel centre"),
                    ("units", "degrees_east"),
                ]),
                true,
            )?;
            lon.store_chunk(&[0], g.col_centres())?;
        }
        (None, None) => {
            let y = one(
                ydim,
                spec.length,
                ydim,
                attrs(&[("long_name", "row (pixel index)")]),
                false,
            )?;
            y.store_chunk(&[0], (0..spec.length as i64).collect::<Vec<_>>())?;
            let x = one(
                xdim,
                spec.width,
                xdim,
                attrs(&[("long_name", "column (pixel index)")]),
                false,
            )?;
            x.store_chunk(&[0], (0..spec.width as i64).collect::<Vec<_>>())?;
        }
    }
    Ok(())
}

fn create_hdf5(path: &Path, spec: &ProductSpec, chunking: Chunking) -> anyhow::Result<Backend> {
    let part = part_path(path);
    let file = File::create(&part).with_context(|| format!("cannot create {}", part.display()))?;
    let ctx = || format!("cannot lay out {}", part.display());
    if !spec.dates.is_empty() {
        write_dates_bperp(&file, &spec.dates, &spec.bperp).with_context(ctx)?;
    }
    let mut datasets = Vec::with_capacity(spec.datasets.len());
    for d in &spec.datasets {
        let (cr, cc) = chunk_shape(spec, chunking, d.per_date);
        let ds = if d.per_date {
            // maxshape (None, L, W), as MintPy makes every 3-D dataset.
            let n = spec.dates.len();
            file.new_dataset::<f32>()
                .chunk(series_h5_chunk(spec, chunking))
                .shape(SimpleExtents::new([
                    Extent::resizable(n),
                    Extent::fixed(spec.length),
                    Extent::fixed(spec.width),
                ]))
                .create(d.name.as_str())
        } else if d.is_bool {
            file.new_dataset::<bool>()
                .chunk((cr, cc))
                .shape((spec.length, spec.width))
                .create(d.name.as_str())
        } else {
            file.new_dataset::<f32>()
                .chunk((cr, cc))
                .shape((spec.length, spec.width))
                .fill_value(f32::NAN)
                .create(d.name.as_str())
        }
        .with_context(ctx)?;
        // MintPy's layout_hdf5 gives each dataset its own UNIT (view.py reads it, e.g. for the
        // `...Std` and `annualPhase` datasets of velocity.h5).
        if d.unit_attr {
            let mut unit = Attributes::new();
            unit.set("UNIT", &d.unit);
            write_attrs(&ds, &unit, &part)?;
        }
        datasets.push(ds);
    }
    write_attrs(&file, &spec.root_attrs(), &part)?;
    Ok(Backend::Hdf5 {
        file,
        datasets,
        part,
    })
}
