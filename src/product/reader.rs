//! Reader of products by window, whatever wrote them: our product stores, the inversion's own
//! outputs (`sbas.zarr` or MintPy's `.h5` files), and MintPy-written HDF5 files.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use ::hdf5::types::{FixedAscii, TypeDescriptor};
use ::hdf5::File;
use anyhow::{bail, ensure, Context};
use ndarray::s;
use serde_json::Value;
use zarrs::array::{data_type, Array, ArraySubset};
use zarrs::filesystem::FilesystemStore;
use zarrs::group::Group;

use super::writer::DATASETS_ATTR;
use crate::meta::{Attributes, Date};
use crate::product::h5::part_path;
use crate::product::inversion::results::{read_h5_attrs, read_zarr_dates_bperp};
use crate::product::inversion::{store_path, OutputFormat, RunResults, COMPLETE_ATTR, LAYER_NAMES};
use crate::window::Window;

enum Backend {
    /// A layer or the time series of the inversion's Zarr store.
    Inversion(Box<RunResults>),
    Zarr(Arc<FilesystemStore>),
    Hdf5(File),
}

/// One product opened for reading.
pub struct Product {
    stem: String,
    path: PathBuf,
    format: OutputFormat,
    backend: Backend,
    attrs: Attributes,
    dates: Vec<Date>,
    bperp: Vec<f32>,
    length: usize,
    width: usize,
    datasets: Vec<String>,
    complete: bool,
}

impl Product {
    /// Opens product `stem` of the run folder `dir`: `STEM.zarr` or `STEM.h5`. `timeseries`
    /// and the inversion's layers (`temporalCoherence`, `numInvIfgram`, `avgSpatialCoh`,
    /// `maskTempCoh`) also open from the inversion's Zarr store.
    pub fn open(dir: &Path, stem: &str) -> anyhow::Result<Product> {
        let zarr = dir.join(format!("{stem}.zarr"));
        let h5 = dir.join(format!("{stem}.h5"));
        let inversion = stem == "timeseries" || LAYER_NAMES.contains(&stem);
        if zarr.join("zarr.json").exists() {
            open_zarr(stem, &zarr)
        } else if h5.exists() || part_path(&h5).exists() {
            open_hdf5(stem, &h5)
        } else if inversion && store_path(dir).join("zarr.json").exists() {
            open_inversion(dir, stem)
        } else {
            bail!(
                "{} holds no product {stem} (looked for {} and {})",
                dir.display(),
                zarr.display(),
                h5.display()
            )
        }
    }

    /// Whether a finished product `stem` is in `dir`.
    pub fn exists(dir: &Path, stem: &str) -> bool {
        Product::open(dir, stem).is_ok_and(|p| p.is_complete())
    }

    /// The product's name.
    pub fn stem(&self) -> &str {
        &self.stem
    }

    /// The file or store read.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The format it is stored in.
    pub fn format(&self) -> OutputFormat {
        self.format
    }

    /// Whether it was finished (not left by an interrupted run).
    pub fn is_complete(&self) -> bool {
        self.complete
    }

    /// Root metadata (MintPy keys).
    pub fn attrs(&self) -> &Attributes {
        &self.attrs
    }

    /// Dates of a time-series product (empty otherwise).
    pub fn dates(&self) -> &[Date] {
        &self.dates
    }

    /// Perpendicular baseline per date, metres.
    pub fn bperp(&self) -> &[f32] {
        &self.bperp
    }

    /// Rows.
    pub fn length(&self) -> usize {
        self.length
    }

    /// Columns.
    pub fn width(&self) -> usize {
        self.width
    }

    /// The datasets (not the coordinates), in stored order.
    pub fn dataset_names(&self) -> Vec<String> {
        self.datasets.clone()
    }

    /// Whether `dataset` holds one plane per date.
    pub fn is_per_date(&self, dataset: &str) -> anyhow::Result<bool> {
        self.check_dataset(dataset)?;
        Ok(match &self.backend {
            Backend::Inversion(_) => dataset == "timeseries",
            Backend::Zarr(store) => zarr_array(store, dataset, &self.path)?.shape().len() == 3,
            Backend::Hdf5(file) => h5_dataset(file, dataset, &self.path)?.ndim() == 3,
        })
    }

    /// Reads `dataset` over `window`: `dates x rows x cols` for a per-date dataset, else
    /// `rows x cols`. Masks read as 0/1.
    pub fn read(&self, dataset: &str, window: Window) -> anyhow::Result<Vec<f32>> {
        self.check_dataset(dataset)?;
        self.check_window(&window)?;
        let w = window;
        match &self.backend {
            Backend::Inversion(r) => {
                if dataset == "timeseries" {
                    r.read_timeseries(w)
                } else {
                    r.read_layer(&self.stem, w)
                }
            }
            Backend::Zarr(store) => {
                let array = zarr_array(store, dataset, &self.path)?;
                let mut ranges = vec![w.y0 as u64..w.y1 as u64, w.x0 as u64..w.x1 as u64];
                if array.shape().len() == 3 {
                    ranges.insert(0, 0..array.shape()[0]);
                }
                read_zarr(&array, &ranges, dataset, &self.path)
            }
            Backend::Hdf5(file) => {
                let ds = h5_dataset(file, dataset, &self.path)?;
                let ctx = || format!("cannot read {dataset} from {}", self.path.display());
                let is_bool = ds
                    .dtype()
                    .and_then(|t| t.to_descriptor())
                    .is_ok_and(|d| d == TypeDescriptor::Boolean);
                match ds.ndim() {
                    3 => Ok(ds
                        .read_slice::<f32, _, ndarray::Ix3>(s![.., w.y0..w.y1, w.x0..w.x1])
                        .with_context(ctx)?
                        .into_raw_vec_and_offset()
                        .0),
                    2 if is_bool => Ok(ds
                        .read_slice::<bool, _, ndarray::Ix2>(s![w.y0..w.y1, w.x0..w.x1])
                        .with_context(ctx)?
                        .iter()
                        .map(|&b| f32::from(u8::from(b)))
                        .collect()),
                    2 => Ok(ds
                        .read_slice::<f32, _, ndarray::Ix2>(s![w.y0..w.y1, w.x0..w.x1])
                        .with_context(ctx)?
                        .into_raw_vec_and_offset()
                        .0),
                    n => bail!("{dataset} in {} has {n} dimensions", self.path.display()),
                }
            }
        }
    }

    /// Reads plane `date_index` of a per-date `dataset` over `window` (`rows x cols`).
    pub fn read_date(
        &self,
        dataset: &str,
        date_index: usize,
        window: Window,
    ) -> anyhow::Result<Vec<f32>> {
        ensure!(
            self.is_per_date(dataset)?,
            "{dataset} in {} is a map, not a series",
            self.path.display()
        );
        ensure!(
            date_index < self.dates.len(),
            "date index {date_index} is outside the {} dates of {}",
            self.dates.len(),
            self.path.display()
        );
        self.check_window(&window)?;
        let w = window;
        let k = date_index;
        match &self.backend {
            Backend::Inversion(r) => {
                // The inversion store chunks hold every date: read the strip and keep one plane.
                let all = r.read_timeseries(w)?;
                let px = w.pixels();
                Ok(all[k * px..(k + 1) * px].to_vec())
            }
            Backend::Zarr(store) => {
                let array = zarr_array(store, dataset, &self.path)?;
                let ranges = [
                    k as u64..k as u64 + 1,
                    w.y0 as u64..w.y1 as u64,
                    w.x0 as u64..w.x1 as u64,
                ];
                read_zarr(&array, &ranges, dataset, &self.path)
            }
            Backend::Hdf5(file) => {
                let ds = h5_dataset(file, dataset, &self.path)?;
                Ok(ds
                    .read_slice::<f32, _, ndarray::Ix2>(s![k, w.y0..w.y1, w.x0..w.x1])
                    .with_context(|| format!("cannot read {dataset} from {}", self.path.display()))?
                    .into_raw_vec_and_offset()
                    .0)
            }
        }
    }

    fn check_dataset(&self, dataset: &str) -> anyhow::Result<()> {
        ensure!(
            self.datasets.iter().any(|d| d == dataset),
            "{} has no dataset {dataset} (it has {})",
            self.path.display(),
            self.datasets.join(", ")
        );
        Ok(())
    }

    fn check_window(&self, w: &Window) -> anyhow::Result<()> {
        ensure!(
            w.y0 < w.y1 && w.x0 < w.x1 && w.y1 <= self.length && w.x1 <= self.width,
            "window rows {}..{} cols {}..{} is empty or outside the {} x {} image of {}",
            w.y0,
            w.y1,
            w.x0,
            w.x1,
            self.length,
            self.width,
            self.path.display()
        );
        Ok(())
    }
}

fn open_inversion(dir: &Path, stem: &str) -> anyhow::Result<Product> {
    let r = RunResults::open_format(dir, OutputFormat::Zarr)?;
    let dataset = if stem == "timeseries" {
        "timeseries"
    } else {
        crate::product::inversion::layout::layer(stem).map_or(stem, |l| l.h5_dataset)
    };
    let mut attrs = r.attrs().clone();
    attrs.remove(COMPLETE_ATTR);
    let series = stem == "timeseries";
    Ok(Product {
        stem: stem.to_string(),
        path: store_path(dir),
        format: OutputFormat::Zarr,
        attrs,
        dates: if series {
            r.dates().to_vec()
        } else {
            Vec::new()
        },
        bperp: if series {
            r.bperp().to_vec()
        } else {
            Vec::new()
        },
        length: r.length(),
        width: r.width(),
        // Both our name and MintPy's dataset name read the layer.
        datasets: if dataset == stem {
            vec![stem.to_string()]
        } else {
            vec![dataset.to_string(), stem.to_string()]
        },
        complete: r.is_complete(),
        backend: Backend::Inversion(Box::new(r)),
    })
}

fn zarr_array(
    store: &Arc<FilesystemStore>,
    name: &str,
    path: &Path,
) -> anyhow::Result<Array<FilesystemStore>> {
    Array::open(store.clone(), &format!("/{name}"))
        .with_context(|| format!("cannot open array {name} in {}", path.display()))
}

fn read_zarr(
    array: &Array<FilesystemStore>,
    ranges: &[std::ops::Range<u64>],
    name: &str,
    path: &Path,
) -> anyhow::Result<Vec<f32>> {
    let sub = ArraySubset::new_with_ranges(ranges);
    let ctx = || format!("cannot read {name} from {}", path.display());
    if *array.data_type() == data_type::bool() {
        let v: Vec<bool> = array.retrieve_array_subset(&sub).with_context(ctx)?;
        Ok(v.into_iter().map(|b| f32::from(u8::from(b))).collect())
    } else {
        array.retrieve_array_subset(&sub).with_context(ctx)
    }
}

fn open_zarr(stem: &str, path: &Path) -> anyhow::Result<Product> {
    let store = Arc::new(
        FilesystemStore::new(path)
            .with_context(|| format!("cannot open Zarr store {}", path.display()))?,
    );
    let root = Group::open(store.clone(), "/")
        .with_context(|| format!("cannot open the root group of {}", path.display()))?;
    let mut attrs = Attributes::new();
    let mut datasets = Vec::new();
    let mut complete = false;
    for (k, v) in root.attributes() {
        match (k.as_str(), v) {
            (DATASETS_ATTR, Value::Array(names)) => {
                datasets = names
                    .iter()
                    .filter_map(|n| n.as_str().map(str::to_string))
                    .collect();
            }
            (COMPLETE_ATTR, v) => complete = *v == Value::Bool(true),
            (_, Value::String(s)) => attrs.set(k.clone(), s.clone()),
            (_, other) => attrs.set(k.clone(), other.to_string()),
        }
    }
    ensure!(
        !datasets.is_empty(),
        "{} is not an sbas product store (no {DATASETS_ATTR} attribute)",
        path.display()
    );
    let first = zarr_array(&store, &datasets[0], path)?;
    let shape = first.shape().to_vec();
    let (length, width) = match shape[..] {
        [_, l, w] | [l, w] => (l as usize, w as usize),
        _ => bail!(
            "{} in {} has shape {shape:?}, expected 2 or 3 dimensions",
            datasets[0],
            path.display()
        ),
    };
    let (dates, bperp) = if zarr_array(&store, "date", path).is_ok() {
        read_zarr_dates_bperp(&store, path)?
    } else {
        (Vec::new(), Vec::new())
    };
    Ok(Product {
        stem: stem.to_string(),
        path: path.to_path_buf(),
        format: OutputFormat::Zarr,
        backend: Backend::Zarr(store),
        attrs,
        dates,
        bperp,
        length,
        width,
        datasets,
        complete,
    })
}

fn h5_dataset(file: &File, name: &str, path: &Path) -> anyhow::Result<::hdf5::Dataset> {
    file.dataset(name)
        .with_context(|| format!("{} has no dataset {name}", path.display()))
}

fn open_hdf5(stem: &str, done: &Path) -> anyhow::Result<Product> {
    let complete = done.exists();
    let path = if complete {
        done.to_path_buf()
    } else {
        part_path(done)
    };
    let file = File::open(&path).with_context(|| format!("cannot open {}", path.display()))?;
    let attrs = read_h5_attrs(&file, &path)?;
    let names = file
        .member_names()
        .with_context(|| format!("cannot list the datasets of {}", path.display()))?;
    let mut datasets = Vec::new();
    let mut shape = None;
    for name in names {
        if matches!(name.as_str(), "date" | "bperp") {
            continue;
        }
        let Ok(ds) = file.dataset(&name) else {
            continue;
        };
        let s = ds.shape();
        if !(2..=3).contains(&s.len()) {
            continue;
        }
        let (l, w) = (s[s.len() - 2], s[s.len() - 1]);
        match shape {
            None => shape = Some((l, w)),
            Some(lw) if lw != (l, w) => bail!(
                "{name} in {} is {l} x {w}, other datasets are {} x {}",
                path.display(),
                lw.0,
                lw.1
            ),
            _ => {}
        }
        datasets.push(name);
    }
    let Some((length, width)) = shape else {
        bail!("{} holds no 2-D or 3-D dataset", path.display());
    };
    let (dates, bperp) = if let Ok(d) = file.dataset("date") {
        let ctx = || format!("cannot read date from {}", path.display());
        let raw = d.read_raw::<FixedAscii<8>>().with_context(ctx)?;
        let dates = raw
            .iter()
            .map(|d| Date::parse(d.as_str()))
            .collect::<Result<Vec<_>, _>>()
            .with_context(ctx)?;
        let bperp = match file.dataset("bperp") {
            Ok(b) => b
                .read_raw::<f32>()
                .with_context(|| format!("cannot read bperp from {}", path.display()))?,
            Err(_) => vec![0.0; dates.len()],
        };
        (dates, bperp)
    } else {
        (Vec::new(), Vec::new())
    };
    Ok(Product {
        stem: stem.to_string(),
        path,
        format: OutputFormat::Hdf5,
        backend: Backend::Hdf5(file),
        attrs,
        dates,
        bperp,
        length,
        width,
        datasets,
        complete,
    })
}
