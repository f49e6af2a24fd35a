//! Zarr v3 writer: one store `sbas.zarr` with the time series, the per-pixel layers and the
//! coordinates xarray needs (`date` decodes to datetimes). Storage chunks hold all dates of one
//! strip-high block of at most 512 columns, so each strip write covers whole chunks: no chunk is
//! ever read back and rewritten, and writers of disjoint strips never touch the same chunk.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{bail, ensure, Context};
use serde_json::{json, Map, Value};
use zarrs::array::{data_type, Array, ArrayBuilder, ArrayShardedExt, FillValue};
use zarrs::filesystem::FilesystemStore;
use zarrs::group::Group;

use super::direct_write::{direct_writes_pay, write_file_direct, AlignedF32};
use super::layout::{self, ChunkShape, Layer, LAYERS, TIMESERIES};
use super::{OutputSpec, Sink};
use crate::invert::ChunkOut;
use crate::meta::Attributes;
use crate::product::georef::{write_georef, Georef};
use crate::product::shard::{encode_shard, shard_bytes, shard_words, subchunk_shape_3d};
use crate::product::zarr_meta::{
    codecs_for, finish_store, metadata_options, write_root, COMPLETE_ATTR, DATE_FILL, INDEX_FILL,
};
use crate::window::Window;

/// Name of the store inside the run directory.
pub const STORE_NAME: &str = "sbas.zarr";

type Store = FilesystemStore;

/// Writer of the Zarr store.
pub struct ZarrSink {
    spec: OutputSpec,
    path: PathBuf,
    store: Arc<Store>,
    chunk: ChunkShape,
    timeseries: Array<Store>,
    layers: Vec<(Layer, Array<Store>)>,
    /// One storage chunk being assembled (reused between chunks).
    buf_f32: AlignedF32,
    buf_bool: Vec<bool>,
    /// Whether time-series chunks are written around the page cache: on a local disk, until
    /// the first refusal (see `direct_write`).
    direct: bool,
    /// Chunk files written since the last `sync`.
    unsynced: Vec<PathBuf>,
}

/// Where a run's store lives.
pub fn store_path(dir: &Path) -> PathBuf {
    dir.join(STORE_NAME)
}

fn array_attrs(units: Option<&str>, long_name: &str, mintpy: &str) -> Map<String, Value> {
    let mut m = Map::new();
    if let Some(u) = units {
        m.insert("units".into(), json!(u));
    }
    m.insert("long_name".into(), json!(long_name));
    m.insert("mintpy_name".into(), json!(mintpy));
    m
}

/// Root attributes: the run's MintPy keys (as strings, like MintPy's files) and the
/// completion flag.
fn root_attrs(spec: &OutputSpec, complete: bool) -> Map<String, Value> {
    let attrs: Attributes = {
        let mut a = spec.attrs.clone();
        a.set("LENGTH", spec.length);
        a.set("WIDTH", spec.width);
        if !a.contains("REF_DATE") {
            a.set("REF_DATE", spec.dates[0]);
        }
        a
    };
    let mut m: Map<String, Value> = attrs
        .iter()
        .map(|(k, v)| (k.to_string(), json!(v)))
        .collect();
    m.insert(COMPLETE_ATTR.into(), json!(complete));
    m
}

impl ZarrSink {
    /// Creates the store, or reopens one left by an interrupted run of the same shape (its chunks
    /// are kept, so a resumed run need not rewrite them). A store of another shape is refused.
    pub fn create(spec: &OutputSpec) -> anyhow::Result<ZarrSink> {
        layout::check_spec(spec)?;
        let path = store_path(&spec.dir);
        std::fs::create_dir_all(&path)
            .with_context(|| format!("cannot create Zarr store {}", path.display()))?;
        let store = Arc::new(
            FilesystemStore::new(&path)
                .with_context(|| format!("cannot open Zarr store {}", path.display()))?,
        );
        let chunk = ChunkShape::for_spec(spec);
        if path.join("zarr.json").exists() {
            check_compatible(&store, &path, spec, chunk)?;
        }
        let arrays = build_arrays(&store, spec, chunk)
            .with_context(|| format!("cannot lay out Zarr store {}", path.display()))?;
        let mut timeseries = None;
        let mut layers = Vec::new();
        // Everything is written only where it differs from what the store holds, so that jobs
        // sharing one store (or a resumed run) rewrite no metadata under each other's feet.
        for (name, array) in arrays {
            let ctx = || format!("cannot write {name} in {}", path.display());
            store_metadata_if_changed(&store, &array).with_context(ctx)?;
            if name == TIMESERIES {
                timeseries = Some(array);
            } else if let Ok(l) = layout::layer(&name) {
                layers.push((*l, array));
            } else {
                write_coordinate(&array, &name, spec).with_context(ctx)?;
            }
        }
        if let Some(g) = Georef::of(&spec.attrs, spec.length, spec.width) {
            write_georef(&store, &g)
                .with_context(|| format!("cannot write the CRS of {}", path.display()))?;
        }
        let root_is_current = Group::open(store.clone(), "/").is_ok_and(|g| {
            g.attributes() == &root_attrs(spec, false) && g.consolidated_metadata().is_none()
        });
        if !root_is_current {
            write_root(&store, root_attrs(spec, false), None)
                .with_context(|| format!("cannot write root metadata of {}", path.display()))?;
        }
        let direct = cfg!(target_endian = "little") && direct_writes_pay(&path);
        Ok(ZarrSink {
            spec: spec.clone(),
            path,
            store,
            chunk,
            timeseries: timeseries.expect("build_arrays always builds the time series"),
            layers,
            buf_f32: AlignedF32::default(),
            buf_bool: Vec::new(),
            direct,
            unsynced: Vec::new(),
        })
    }

    /// Writes one 2-D or 3-D block `src` (window `w`, `planes` leading planes) to `array`, one
    /// whole storage chunk at a time; edge chunks are padded with the fill value.
    fn write_f32(
        &mut self,
        array_idx: Option<usize>,
        src: &[f32],
        planes: usize,
        w: &Window,
    ) -> anyhow::Result<()> {
        let (cr, cc) = (self.chunk.rows, self.chunk.cols);
        let array = match array_idx {
            None => &self.timeseries,
            Some(i) => &self.layers[i].1,
        };
        for (ci, cj, sub) in chunks_of(w, cr, cc) {
            let idx: Vec<u64> = match array_idx {
                None => vec![0, ci, cj],
                Some(_) => vec![ci, cj],
            };
            let file = self.path.join(array.chunk_key(&idx).as_str());
            let ctx = || format!("cannot write chunk {idx:?} of {}", self.path.display());
            if array_idx.is_some() {
                let buf = self.buf_f32.reset(planes * cr * cc, f32::NAN);
                copy_block(src, w, &sub, planes, cr, cc, buf);
                array
                    .store_chunk(&idx, self.buf_f32.values())
                    .with_context(ctx)?;
            } else if all_nan(src, w, &sub, planes) {
                // As zarrs does for a chunk of fill values: none is stored (and an earlier
                // run's is removed).
                array.erase_chunk(&idx).with_context(ctx)?;
            } else {
                // The series' shards are encoded here, uncompressed, straight into the buffer
                // that is written around the page cache.
                let buf = self.buf_f32.reset(shard_words(planes, cr, cc), f32::NAN);
                encode_shard(src, w, &sub, planes, (cr, cc), buf);
                if !(self.direct && write_file_direct(&file, &self.buf_f32).is_ok()) {
                    self.direct = false;
                    write_file_buffered(&file, &shard_bytes(self.buf_f32.values()))
                        .with_context(ctx)?;
                }
            }
            self.unsynced.push(file);
        }
        Ok(())
    }

    fn write_mask(&mut self, array_idx: usize, src: &[u8], w: &Window) -> anyhow::Result<()> {
        let (cr, cc) = (self.chunk.rows, self.chunk.cols);
        let array = &self.layers[array_idx].1;
        for (ci, cj, sub) in chunks_of(w, cr, cc) {
            self.buf_bool.clear();
            self.buf_bool.resize(cr * cc, false);
            for y in sub.y0..sub.y1 {
                let s = (y - w.y0) * w.cols() + (sub.x0 - w.x0);
                let d = (y - sub.y0) * cc;
                for (o, &m) in self.buf_bool[d..d + sub.cols()]
                    .iter_mut()
                    .zip(&src[s..s + sub.cols()])
                {
                    *o = m != 0;
                }
            }
            array
                .store_chunk(&[ci, cj], &self.buf_bool[..])
                .with_context(|| format!("cannot write mask chunk of {}", self.path.display()))?;
            self.unsynced
                .push(self.path.join(array.chunk_key(&[ci, cj]).as_str()));
        }
        Ok(())
    }
}

/// The storage chunks (row index, column index, image window) covered by an aligned window.
fn chunks_of(w: &Window, cr: usize, cc: usize) -> impl Iterator<Item = (u64, u64, Window)> + '_ {
    let rows = (w.y0 / cr)..w.y1.div_ceil(cr);
    rows.flat_map(move |ci| {
        ((w.x0 / cc)..w.x1.div_ceil(cc)).map(move |cj| {
            let sub = Window {
                y0: ci * cr,
                y1: ((ci + 1) * cr).min(w.y1),
                x0: cj * cc,
                x1: ((cj + 1) * cc).min(w.x1),
            };
            (ci as u64, cj as u64, sub)
        })
    })
}

/// Whether every value of `sub` (inside window `w`) of every plane of `src` is NaN.
fn all_nan(src: &[f32], w: &Window, sub: &Window, planes: usize) -> bool {
    let plane = w.pixels();
    (0..planes).all(|p| {
        (sub.y0..sub.y1).all(|y| {
            let s = p * plane + (y - w.y0) * w.cols() + (sub.x0 - w.x0);
            src[s..s + sub.cols()].iter().all(|v| v.is_nan())
        })
    })
}

/// Writes `bytes` as the whole file `path` through the page cache, creating its folder.
fn write_file_buffered(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(path, bytes)
}

/// Copies `sub` (inside window `w`) of every plane of `src` into a chunk buffer of
/// `planes x cr x cc`, whose origin is `sub`'s top-left corner.
fn copy_block(
    src: &[f32],
    w: &Window,
    sub: &Window,
    planes: usize,
    cr: usize,
    cc: usize,
    dst: &mut [f32],
) {
    let plane = w.pixels();
    for p in 0..planes {
        for y in sub.y0..sub.y1 {
            let s = p * plane + (y - w.y0) * w.cols() + (sub.x0 - w.x0);
            let d = p * cr * cc + (y - sub.y0) * cc;
            dst[d..d + sub.cols()].copy_from_slice(&src[s..s + sub.cols()]);
        }
    }
}

/// Every array of the store, by name: the outputs first, then the coordinates.
fn build_arrays(
    store: &Arc<Store>,
    spec: &OutputSpec,
    chunk: ChunkShape,
) -> anyhow::Result<Vec<(String, Array<Store>)>> {
    let (n, l, w) = (
        spec.dates.len() as u64,
        spec.length as u64,
        spec.width as u64,
    );
    let (cr, cc) = (chunk.rows as u64, chunk.cols as u64);
    let georef = Georef::of(&spec.attrs, spec.length, spec.width);
    let (ydim, xdim) = georef.map_or(("y", "x"), |g| g.dims());
    let data_attrs = |mut m: Map<String, Value>| {
        if let Some(g) = &georef {
            g.link(&mut m);
        }
        m
    };
    let mut out = Vec::new();
    let ts = ArrayBuilder::new(
        vec![n, l, w],
        vec![n, cr, cc],
        data_type::float32(),
        f32::NAN,
    )
    .bytes_to_bytes_codecs(codecs_for(true))
    .subchunk_shape(subchunk_shape_3d(spec.dates.len(), chunk.rows, chunk.cols))
    .dimension_names(Some(["date", ydim, xdim]))
    .attributes(data_attrs(array_attrs(
        Some("m"),
        layout::TIMESERIES_LONG_NAME,
        "timeseries.h5:timeseries",
    )))
    .build(store.clone(), &format!("/{TIMESERIES}"))?;
    out.push((TIMESERIES.to_string(), ts));
    for layer in LAYERS {
        let mut b = if layer.is_bool {
            ArrayBuilder::new(
                vec![l, w],
                vec![cr, cc],
                data_type::bool(),
                FillValue::from(false),
            )
        } else {
            ArrayBuilder::new(vec![l, w], vec![cr, cc], data_type::float32(), f32::NAN)
        };
        let a = b
            .bytes_to_bytes_codecs(codecs_for(false))
            .dimension_names(Some([ydim, xdim]))
            .attributes(data_attrs(array_attrs(
                Some(layer.unit),
                layer.long_name,
                &format!("{}:{}", layer.h5_file, layer.h5_dataset),
            )))
            .build(store.clone(), &format!("/{}", layer.name))?;
        out.push((layer.name.to_string(), a));
    }
    let mut date_attrs = array_attrs(None, "acquisition date", "timeseries.h5:date");
    date_attrs.insert("units".into(), json!("days since 1970-01-01"));
    date_attrs.insert("calendar".into(), json!("proleptic_gregorian"));
    let a = ArrayBuilder::new(vec![n], vec![n], data_type::int64(), DATE_FILL)
        .dimension_names(Some(["date"]))
        .attributes(date_attrs)
        .build(store.clone(), "/date")?;
    out.push(("date".to_string(), a));
    for (name, len, attrs) in pixel_coords(georef.as_ref(), l, w) {
        let mut b = match georef {
            // Map coordinates of pixel centres.
            Some(_) => ArrayBuilder::new(vec![len], vec![len], data_type::float64(), f64::NAN),
            None => ArrayBuilder::new(vec![len], vec![len], data_type::int64(), INDEX_FILL),
        };
        let a = b
            .dimension_names(Some([name]))
            .attributes(attrs)
            .build(store.clone(), &format!("/{name}"))?;
        out.push((name.to_string(), a));
    }
    let bperp = ArrayBuilder::new(vec![n], vec![n], data_type::float32(), f32::NAN)
        .dimension_names(Some(["date"]))
        .attributes(array_attrs(
            Some("m"),
            "perpendicular baseline",
            "timeseries.h5:bperp",
        ))
        .build(store.clone(), "/bperp")?;
    out.push(("bperp".to_string(), bperp));
    Ok(out)
}

/// Name, length and attributes of the row and column coordinates: pixel indices in radar
/// coordinates, pixel centres on a georeferenced grid.
fn pixel_coords(
    georef: Option<&Georef>,
    l: u64,
    w: u64,
) -> [(&'static str, u64, Map<String, Value>); 2] {
    match georef {
        Some(g) => {
            let (ydim, xdim) = g.dims();
            let (ya, xa) = g.coord_attrs();
            [(ydim, l, ya), (xdim, w, xa)]
        }
        None => [
            ("y", l, array_attrs(None, "row (pixel index)", "y")),
            ("x", w, array_attrs(None, "column (pixel index)", "x")),
        ],
    }
}

fn store_metadata_if_changed(store: &Arc<Store>, array: &Array<Store>) -> anyhow::Result<()> {
    let options = metadata_options();
    let current = Array::open(store.clone(), array.path().as_str())
        .is_ok_and(|old| old.metadata_opt(&options) == array.metadata_opt(&options));
    if !current {
        array.store_metadata_opt(&options)?;
    }
    Ok(())
}

/// Writes a coordinate array (one chunk) unless it already holds these values.
fn write_coordinate(array: &Array<Store>, name: &str, spec: &OutputSpec) -> anyhow::Result<()> {
    fn store<T>(array: &Array<Store>, values: Vec<T>) -> anyhow::Result<()>
    where
        T: zarrs::array::ElementOwned + PartialEq,
        Vec<T>: zarrs::array::FromArrayBytes,
        Vec<T>: zarrs::array::IntoArrayBytes<'static>,
    {
        let old: Option<Vec<T>> = array.retrieve_array_subset(&array.subset_all()).ok();
        if old.as_ref() != Some(&values) {
            array.store_chunk(&[0], values)?;
        }
        Ok(())
    }
    match name {
        "date" => store(
            array,
            spec.dates
                .iter()
                .map(|d| i64::from(d.days_since_epoch()))
                .collect(),
        ),
        "y" | "lat" | "x" | "lon" => match Georef::of(&spec.attrs, spec.length, spec.width) {
            Some(g) if matches!(name, "y" | "lat") => store(array, g.grid.row_centres()),
            Some(g) => store(array, g.grid.col_centres()),
            None if name == "y" => store(array, (0..spec.length as i64).collect()),
            None => store(array, (0..spec.width as i64).collect()),
        },
        "bperp" => store(array, spec.bperp.clone()),
        other => bail!("no coordinate named {other}"),
    }
}

/// Refuses to reuse a store whose time series has another shape, chunking or dates.
fn check_compatible(
    store: &Arc<Store>,
    path: &Path,
    spec: &OutputSpec,
    chunk: ChunkShape,
) -> anyhow::Result<()> {
    let refuse = |why: String| {
        anyhow::anyhow!(
            "{} already holds another run ({why}); remove it or choose another output directory",
            path.display()
        )
    };
    let ts = Array::open(store.clone(), &format!("/{TIMESERIES}"))
        .map_err(|e| refuse(format!("no readable time series: {e}")))?;
    let want = [
        spec.dates.len() as u64,
        spec.length as u64,
        spec.width as u64,
    ];
    ensure!(
        ts.shape() == want,
        refuse(format!(
            "time series shape {:?}, this run {:?}",
            ts.shape(),
            want
        ))
    );
    // Chunks written with other codecs (a run started by an older sbas) would not decode
    // under this run's metadata.
    let compressed = !ts.codecs().bytes_to_bytes_codecs().is_empty();
    let want_compressed = !codecs_for(true).is_empty();
    ensure!(
        compressed == want_compressed,
        refuse(format!(
            "its time series is stored {}compressed, as an older version of sbas wrote it",
            if compressed { "" } else { "un" }
        ))
    );
    let got_chunk = ts
        .chunk_shape(&[0, 0, 0])
        .map_err(|e| refuse(e.to_string()))?;
    let got_chunk: Vec<u64> = got_chunk.iter().map(|c| c.get()).collect();
    let want_chunk = [
        spec.dates.len() as u64,
        chunk.rows as u64,
        chunk.cols as u64,
    ];
    ensure!(
        got_chunk == want_chunk,
        refuse(format!(
            "storage chunks {got_chunk:?}, this run {want_chunk:?}"
        ))
    );
    // A store of unsharded chunks (an older sbas) has its series in another layout.
    let got_sub: Option<Vec<u64>> = ts
        .subchunk_shape()
        .map(|c| c.iter().map(|v| v.get()).collect());
    let want_sub = subchunk_shape_3d(spec.dates.len(), chunk.rows, chunk.cols);
    ensure!(
        got_sub.as_ref() == Some(&want_sub),
        refuse(match got_sub {
            Some(g) => format!("subchunks {g:?}, this run {want_sub:?}"),
            None => "its time series is not sharded, as an older version of sbas wrote it".into(),
        })
    );
    let dates = Array::open(store.clone(), "/date")
        .map_err(|e| refuse(format!("no readable dates: {e}")))?;
    let days: Vec<i64> = dates
        .retrieve_array_subset(&dates.subset_all())
        .map_err(|e| refuse(format!("no readable dates: {e}")))?;
    let want_days: Vec<i64> = spec
        .dates
        .iter()
        .map(|d| i64::from(d.days_since_epoch()))
        .collect();
    ensure!(days == want_days, refuse("different dates".to_string()));
    Ok(())
}

impl Sink for ZarrSink {
    fn write_chunk(&mut self, out: &ChunkOut) -> anyhow::Result<()> {
        layout::check_chunk(&self.spec, out)?;
        let w = out.window;
        if !self.chunk.aligned(&w, self.spec.length, self.spec.width) {
            bail!(
                "chunk {} (rows {}..{}, cols {}..{}) does not cover whole storage chunks of {} rows x {} \
                 columns in {}: writing it would rewrite chunks shared with other writers",
                out.id,
                w.y0,
                w.y1,
                w.x0,
                w.x1,
                self.chunk.rows,
                self.chunk.cols,
                self.path.display()
            );
        }
        let n = self.spec.dates.len();
        self.write_f32(None, &out.timeseries, n, &w)?;
        for i in 0..self.layers.len() {
            let layer = self.layers[i].0;
            match layout::layer_f32(out, &layer) {
                Some(values) => self.write_f32(Some(i), values, 1, &w)?,
                None => self.write_mask(i, &out.mask_temp_coh, &w)?,
            }
        }
        Ok(())
    }

    fn sync(&mut self) -> anyhow::Result<()> {
        let mut dirs: Vec<PathBuf> = Vec::new();
        for path in self.unsynced.drain(..) {
            // zarrs skips chunks that hold only the fill value: nothing to sync then.
            match std::fs::File::open(&path) {
                Ok(f) => f
                    .sync_all()
                    .with_context(|| format!("cannot sync {}", path.display()))?,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                Err(e) => return Err(e).with_context(|| format!("cannot open {}", path.display())),
            }
            if let Some(d) = path.parent() {
                if !dirs.iter().any(|x| x == d) {
                    dirs.push(d.to_path_buf());
                }
            }
        }
        for d in dirs {
            std::fs::File::open(&d)
                .and_then(|f| f.sync_all())
                .with_context(|| format!("cannot sync folder {}", d.display()))?;
        }
        Ok(())
    }

    fn finalize(self: Box<Self>) -> anyhow::Result<Vec<PathBuf>> {
        finish_store(&self.store, &self.path, root_attrs(&self.spec, true))
            .with_context(|| format!("cannot finalize Zarr store {}", self.path.display()))?;
        Ok(vec![self.path.clone()])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::meta::Date;

    /// Every file below `dir`, by path relative to it, with its bytes.
    fn files(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
        let mut out = Vec::new();
        let mut todo = vec![dir.to_path_buf()];
        while let Some(d) = todo.pop() {
            for e in std::fs::read_dir(&d).unwrap() {
                let p = e.unwrap().path();
                if p.is_dir() {
                    todo.push(p);
                } else {
                    let rel = p.strip_prefix(dir).unwrap().to_path_buf();
                    out.push((rel, std::fs::read(&p).unwrap()));
                }
            }
        }
        out.sort();
        out
    }

    /// A 7 x 5 image of 3 dates written in strips of 3 rows.
    fn small_spec(dir: &Path) -> OutputSpec {
        let d0 = Date::parse("20200105").unwrap();
        OutputSpec {
            dir: dir.to_path_buf(),
            length: 7,
            width: 5,
            chunk_rows: 3,
            dates: (0..3).map(|k| d0.add_days(12 * k)).collect(),
            bperp: vec![0.0; 3],
            attrs: Attributes::new(),
        }
    }

    /// Writes a 7 x 5 image of 3 dates in strips of 3 rows; the middle strip's series is all
    /// fill value.
    fn write_store(dir: &Path, direct: bool) -> Vec<(PathBuf, Vec<u8>)> {
        let spec = small_spec(dir);
        let (length, width, n) = (spec.length, spec.width, spec.dates.len());
        let mut sink = ZarrSink::create(&spec).unwrap();
        sink.direct = direct;
        for (id, y0) in [0, 3, 6].into_iter().enumerate() {
            let window = Window {
                y0,
                y1: (y0 + 3).min(length),
                x0: 0,
                x1: width,
            };
            let px = window.pixels();
            let ts = (0..n * px)
                .map(|i| if y0 == 3 { f32::NAN } else { i as f32 * 0.25 })
                .collect();
            let out = ChunkOut {
                id,
                window,
                timeseries: ts,
                temporal_coherence: vec![0.5; px],
                num_inv_ifgram: vec![3.0; px],
                avg_spatial_coh: vec![0.75; px],
                mask_temp_coh: vec![1; px],
                ..ChunkOut::default()
            };
            sink.write_chunk(&out).unwrap();
        }
        sink.sync().unwrap();
        // The temp folder's filesystem (ext4 here) takes direct writes: none fell back.
        assert_eq!(sink.direct, direct);
        // Compare the chunks: the root metadata lists arrays in no fixed order.
        let all = files(&store_path(dir));
        all.into_iter()
            .filter(|(p, _)| p.starts_with(TIMESERIES) && p.components().count() > 2)
            .collect()
    }

    #[test]
    fn identical_runs_give_identical_root_metadata() {
        let tmp = tempfile::tempdir().unwrap();
        let roots: Vec<Vec<u8>> = ["a", "b"]
            .iter()
            .map(|name| {
                let dir = tmp.path().join(name);
                write_store(&dir, true);
                // `write_store` leaves its sink unfinalized; a reopened one finishes the store.
                Box::new(ZarrSink::create(&small_spec(&dir)).unwrap())
                    .finalize()
                    .unwrap();
                std::fs::read(store_path(&dir).join("zarr.json")).unwrap()
            })
            .collect();
        let text = String::from_utf8(roots[0].clone()).unwrap();
        assert!(text.contains("consolidated_metadata"), "{text}");
        assert_eq!(roots[0], roots[1]);
    }

    #[test]
    fn direct_and_buffered_series_chunks_are_the_same_bytes() {
        let tmp = tempfile::tempdir().unwrap();
        let direct = write_store(&tmp.path().join("direct"), true);
        let buffered = write_store(&tmp.path().join("buffered"), false);
        // Two strips of chunks hold data; the strip of fill values is stored by neither.
        assert_eq!(direct.len(), 2, "{direct:?}");
        assert_eq!(direct, buffered);
        // 3 dates of 3 x 5 pixels in one subchunk: the values and an index of 1 entry.
        assert_eq!(direct[0].1.len(), 3 * 3 * 5 * 4 + 16 + 4);
    }
}
