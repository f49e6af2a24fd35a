//! Reader of a run's results in either format: dates, metadata, and windows of the time series
//! and of the per-pixel layers. Used by the demo, the tests and anything that post-processes.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use ::hdf5::types::{FixedAscii, FixedUnicode, TypeDescriptor, VarLenAscii, VarLenUnicode};
use ::hdf5::{Dataset, File};
use anyhow::{bail, ensure, Context};
use ndarray::s;
use serde_json::Value;
use zarrs::array::{Array, ArraySubset};
use zarrs::filesystem::FilesystemStore;
use zarrs::group::Group;

use super::layout::{self, LAYERS, TIMESERIES, TIMESERIES_H5};
use super::zarr::{store_path, COMPLETE_ATTR};
use super::OutputFormat;
use crate::meta::{Attributes, Date};
use crate::product::h5::part_path;
use crate::window::Window;

/// Names accepted by [`RunResults::read_layer`].
pub const LAYER_NAMES: [&str; 4] = [
    LAYERS[0].name,
    LAYERS[1].name,
    LAYERS[2].name,
    LAYERS[3].name,
];

enum Backend {
    Zarr(Arc<FilesystemStore>),
    Hdf5,
}

/// The results of one run, opened for reading.
pub struct RunResults {
    dir: PathBuf,
    format: OutputFormat,
    backend: Backend,
    dates: Vec<Date>,
    bperp: Vec<f32>,
    attrs: Attributes,
    length: usize,
    width: usize,
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
        match format {
            OutputFormat::Zarr => open_zarr(dir),
            OutputFormat::Hdf5 => open_hdf5(dir),
        }
    }

    /// The format the results are stored in.
    pub fn format(&self) -> OutputFormat {
        self.format
    }

    /// Dates of the time series.
    pub fn dates(&self) -> &[Date] {
        &self.dates
    }

    /// Perpendicular baseline per date, metres.
    pub fn bperp(&self) -> &[f32] {
        &self.bperp
    }

    /// Root metadata (MintPy keys; for Zarr also `sbas_complete`).
    pub fn attrs(&self) -> &Attributes {
        &self.attrs
    }

    /// Rows.
    pub fn length(&self) -> usize {
        self.length
    }

    /// Columns.
    pub fn width(&self) -> usize {
        self.width
    }

    /// Whether the run was finalized: Zarr `sbas_complete` is true, or every HDF5 file has lost
    /// its `.part` suffix.
    pub fn is_complete(&self) -> bool {
        self.complete
    }

    /// The time series in `window`, metres, `dates x rows x cols`.
    pub fn read_timeseries(&self, window: Window) -> anyhow::Result<Vec<f32>> {
        self.check_window(&window)?;
        let w = window;
        match &self.backend {
            Backend::Zarr(store) => {
                let n = self.dates.len() as u64;
                read_zarr_f32(store, TIMESERIES, &[0..n, rows(&w), cols(&w)], &self.dir)
            }
            Backend::Hdf5 => {
                let (path, ds) = open_h5_dataset(&self.dir, TIMESERIES_H5, TIMESERIES)?;
                let a = ds
                    .read_slice::<f32, _, ndarray::Ix3>(s![.., w.y0..w.y1, w.x0..w.x1])
                    .with_context(|| format!("cannot read timeseries from {}", path.display()))?;
                Ok(a.iter().copied().collect())
            }
        }
    }

    /// One per-pixel layer in `window`, `rows x cols`: `temporalCoherence`, `numInvIfgram`,
    /// `avgSpatialCoh` or `maskTempCoh` (as 0/1).
    pub fn read_layer(&self, name: &str, window: Window) -> anyhow::Result<Vec<f32>> {
        let layer = layout::layer(name)?;
        self.check_window(&window)?;
        let w = window;
        match &self.backend {
            Backend::Zarr(store) => {
                let sub = [rows(&w), cols(&w)];
                if layer.is_bool {
                    let array = open_zarr_array(store, layer.name, &self.dir)?;
                    let v: Vec<bool> = array
                        .retrieve_array_subset(&sub)
                        .with_context(|| zarr_read_err(&self.dir, name))?;
                    Ok(v.into_iter().map(|b| if b { 1.0 } else { 0.0 }).collect())
                } else {
                    read_zarr_f32(store, layer.name, &sub, &self.dir)
                }
            }
            Backend::Hdf5 => {
                let (path, ds) = open_h5_dataset(&self.dir, layer.h5_file, layer.h5_dataset)?;
                let ctx = || format!("cannot read {} from {}", layer.h5_dataset, path.display());
                let sel = s![w.y0..w.y1, w.x0..w.x1];
                if layer.is_bool {
                    let a = ds
                        .read_slice::<bool, _, ndarray::Ix2>(sel)
                        .with_context(ctx)?;
                    Ok(a.iter().map(|&b| if b { 1.0 } else { 0.0 }).collect())
                } else {
                    let a = ds
                        .read_slice::<f32, _, ndarray::Ix2>(sel)
                        .with_context(ctx)?;
                    Ok(a.iter().copied().collect())
                }
            }
        }
    }

    fn check_window(&self, w: &Window) -> anyhow::Result<()> {
        ensure!(
            w.y0 < w.y1 && w.x0 < w.x1 && w.y1 <= self.length && w.x1 <= self.width,
            "window rows {}..{} cols {}..{} is empty or outside the {} x {} results in {}",
            w.y0,
            w.y1,
            w.x0,
            w.x1,
            self.length,
            self.width,
            self.dir.display()
        );
        Ok(())
    }
}

fn rows(w: &Window) -> std::ops::Range<u64> {
    w.y0 as u64..w.y1 as u64
}

fn cols(w: &Window) -> std::ops::Range<u64> {
    w.x0 as u64..w.x1 as u64
}

fn zarr_read_err(dir: &Path, name: &str) -> String {
    format!("cannot read {name} from {}", store_path(dir).display())
}

fn open_zarr_array(
    store: &Arc<FilesystemStore>,
    name: &str,
    dir: &Path,
) -> anyhow::Result<Array<FilesystemStore>> {
    Array::open(store.clone(), &format!("/{name}"))
        .with_context(|| format!("cannot open array {name} in {}", store_path(dir).display()))
}

fn read_zarr_f32(
    store: &Arc<FilesystemStore>,
    name: &str,
    ranges: &[std::ops::Range<u64>],
    dir: &Path,
) -> anyhow::Result<Vec<f32>> {
    let array = open_zarr_array(store, name, dir)?;
    let sub = ArraySubset::new_with_ranges(ranges);
    array
        .retrieve_array_subset::<Vec<f32>>(&sub)
        .with_context(|| zarr_read_err(dir, name))
}

/// The `date` (days since 1970-01-01) and `bperp` coordinates of a Zarr store at `path`.
pub(crate) fn read_zarr_dates_bperp(
    store: &Arc<FilesystemStore>,
    path: &Path,
) -> anyhow::Result<(Vec<Date>, Vec<f32>)> {
    let open = |name: &str| {
        Array::open(store.clone(), &format!("/{name}"))
            .with_context(|| format!("cannot open array {name} in {}", path.display()))
    };
    let date_array = open("date")?;
    let days: Vec<i64> = date_array
        .retrieve_array_subset(&date_array.subset_all())
        .with_context(|| format!("cannot read date from {}", path.display()))?;
    let dates = days
        .iter()
        .map(|&d| {
            i32::try_from(d)
                .map(Date::from_days_since_epoch)
                .with_context(|| format!("date value {d} in {} is out of range", path.display()))
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    let bperp_array = open("bperp")?;
    let bperp: Vec<f32> = bperp_array
        .retrieve_array_subset(&bperp_array.subset_all())
        .with_context(|| format!("cannot read bperp from {}", path.display()))?;
    Ok((dates, bperp))
}

fn open_zarr(dir: &Path) -> anyhow::Result<RunResults> {
    let path = store_path(dir);
    let store = Arc::new(
        FilesystemStore::new(&path)
            .with_context(|| format!("cannot open Zarr store {}", path.display()))?,
    );
    let root = Group::open(store.clone(), "/")
        .with_context(|| format!("cannot open the root group of {}", path.display()))?;
    let mut attrs = Attributes::new();
    for (k, v) in root.attributes() {
        let text = match v {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        attrs.set(k.clone(), text);
    }
    let complete = root.attributes().get(COMPLETE_ATTR) == Some(&Value::Bool(true));
    let ts = open_zarr_array(&store, TIMESERIES, dir)?;
    let (length, width) = match ts.shape() {
        [_, l, w] => (*l as usize, *w as usize),
        other => bail!(
            "timeseries in {} has shape {other:?}, expected (date, y, x)",
            path.display()
        ),
    };
    let (dates, bperp) = read_zarr_dates_bperp(&store, &path)?;
    Ok(RunResults {
        dir: dir.to_path_buf(),
        format: OutputFormat::Zarr,
        backend: Backend::Zarr(store),
        dates,
        bperp,
        attrs,
        length,
        width,
        complete,
    })
}

/// `dir/name` if finished, else its `.part`.
fn h5_path(dir: &Path, name: &str) -> PathBuf {
    let done = dir.join(name);
    if done.exists() {
        done
    } else {
        part_path(&done)
    }
}

fn open_h5_dataset(dir: &Path, file: &str, dataset: &str) -> anyhow::Result<(PathBuf, Dataset)> {
    let path = h5_path(dir, file);
    let f = File::open(&path).with_context(|| format!("cannot open {}", path.display()))?;
    let ds = f
        .dataset(dataset)
        .with_context(|| format!("{} has no dataset {dataset}", path.display()))?;
    Ok((path, ds))
}

/// Reads every root attribute as text, whatever type it was stored with (MintPy writes strings,
/// but some of its writers store numbers).
pub(crate) fn read_h5_attrs(file: &File, path: &Path) -> anyhow::Result<Attributes> {
    let mut attrs = Attributes::new();
    let names = file
        .attr_names()
        .with_context(|| format!("cannot list attributes of {}", path.display()))?;
    for name in names {
        let ctx = || format!("cannot read attribute {name} of {}", path.display());
        let attr = file.attr(&name).with_context(ctx)?;
        if !attr.is_scalar() {
            continue;
        }
        let desc = attr
            .dtype()
            .and_then(|t| t.to_descriptor())
            .with_context(ctx)?;
        let text = match desc {
            TypeDescriptor::VarLenUnicode => {
                attr.read_scalar::<VarLenUnicode>().map(|v| v.to_string())
            }
            TypeDescriptor::VarLenAscii => attr.read_scalar::<VarLenAscii>().map(|v| v.to_string()),
            TypeDescriptor::FixedAscii(_) => attr
                .read_scalar::<FixedAscii<4096>>()
                .map(|v| v.to_string()),
            TypeDescriptor::FixedUnicode(_) => attr
                .read_scalar::<FixedUnicode<4096>>()
                .map(|v| v.to_string()),
            TypeDescriptor::Integer(_) => attr.read_scalar::<i64>().map(|v| v.to_string()),
            TypeDescriptor::Unsigned(_) => attr.read_scalar::<u64>().map(|v| v.to_string()),
            TypeDescriptor::Float(_) => attr.read_scalar::<f64>().map(|v| v.to_string()),
            _ => continue,
        }
        .with_context(ctx)?;
        attrs.set(name, text);
    }
    Ok(attrs)
}

fn open_hdf5(dir: &Path) -> anyhow::Result<RunResults> {
    let path = h5_path(dir, TIMESERIES_H5);
    let file = File::open(&path).with_context(|| format!("cannot open {}", path.display()))?;
    let attrs = read_h5_attrs(&file, &path)?;
    let ctx = |what: &str| format!("cannot read {what} from {}", path.display());
    let raw_dates = file
        .dataset("date")
        .and_then(|d| d.read_raw::<FixedAscii<8>>())
        .with_context(|| ctx("date"))?;
    let dates = raw_dates
        .iter()
        .map(|d| Date::parse(d.as_str()))
        .collect::<Result<Vec<_>, _>>()
        .with_context(|| ctx("date"))?;
    let bperp = file
        .dataset("bperp")
        .and_then(|d| d.read_raw::<f32>())
        .with_context(|| ctx("bperp"))?;
    let ts = file.dataset(TIMESERIES).with_context(|| ctx(TIMESERIES))?;
    let (length, width) = match ts.shape()[..] {
        [n, l, w] if n == dates.len() => (l, w),
        ref other => bail!(
            "timeseries in {} has shape {other:?}, expected ({}, length, width)",
            path.display(),
            dates.len()
        ),
    };
    let complete = std::iter::once(TIMESERIES_H5)
        .chain(LAYERS.iter().map(|l| l.h5_file))
        .all(|f| dir.join(f).exists() && !part_path(&dir.join(f)).exists());
    Ok(RunResults {
        dir: dir.to_path_buf(),
        format: OutputFormat::Hdf5,
        backend: Backend::Hdf5,
        dates,
        bperp,
        attrs,
        length,
        width,
        complete,
    })
}
