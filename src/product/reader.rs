//! Reader of products by window, whatever wrote them: our product stores, the inversion's own
//! outputs (`sbas.zarr` or MintPy's `.h5` files), and MintPy-written HDF5 files.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use ::hdf5::types::{FixedAscii, FixedUnicode, TypeDescriptor, VarLenAscii, VarLenUnicode};
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
use crate::product::inversion::{layout, store_path, LAYER_NAMES};
use crate::product::zarr_meta::COMPLETE_ATTR;
use crate::product::OutputFormat;
use crate::window::Window;

enum Backend {
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
    /// Other names a dataset is read by, and the stored name each stands for: MintPy's dataset
    /// names (`mask`, `coherence`) of the inversion's layers in the Zarr store.
    aliases: Vec<(String, String)>,
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
            open_inversion_zarr(dir, stem)
        } else {
            bail!(
                "{} holds no product {stem} (looked for {} and {})",
                dir.display(),
                zarr.display(),
                h5.display()
            )
        }
    }

    /// Opens the time series (`timeseries`) or one layer (`temporalCoherence`, ...) of the
    /// inversion's Zarr store in `dir` as a product.
    pub(crate) fn open_inversion(dir: &Path, stem: &str) -> anyhow::Result<Product> {
        open_inversion_zarr(dir, stem)
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
        let dataset = self.stored_name(dataset)?;
        Ok(match &self.backend {
            Backend::Zarr(store) => zarr_array(store, dataset, &self.path)?.shape().len() == 3,
            Backend::Hdf5(file) => h5_dataset(file, dataset, &self.path)?.ndim() == 3,
        })
    }

    /// Reads `dataset` over `window`: `dates x rows x cols` for a per-date dataset, else
    /// `rows x cols`. Masks read as 0/1.
    pub fn read(&self, dataset: &str, window: Window) -> anyhow::Result<Vec<f32>> {
        let dataset = self.stored_name(dataset)?;
        self.check_window(&window)?;
        let w = window;
        match &self.backend {
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
        let dataset = self.stored_name(dataset)?;
        let w = window;
        let k = date_index;
        match &self.backend {
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

    /// The stored name of `dataset` (itself, or what an alias stands for), or an error naming
    /// the datasets the product has.
    fn stored_name<'a>(&'a self, dataset: &'a str) -> anyhow::Result<&'a str> {
        ensure!(
            self.datasets.iter().any(|d| d == dataset),
            "{} has no dataset {dataset} (it has {})",
            self.path.display(),
            self.datasets.join(", ")
        );
        Ok(self
            .aliases
            .iter()
            .find(|(alias, _)| alias == dataset)
            .map_or(dataset, |(_, stored)| stored.as_str()))
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

/// The time series or one layer of the inversion's Zarr store as a product of its own, as
/// MintPy's separate files would be: a layer reads by our name and by MintPy's dataset name.
fn open_inversion_zarr(dir: &Path, stem: &str) -> anyhow::Result<Product> {
    let path = store_path(dir);
    let mut p = open_zarr_datasets(stem, &path, Some(vec![stem.to_string()]))?;
    if stem != layout::TIMESERIES {
        let mintpy = layout::layer(stem)?.h5_dataset;
        p.dates.clear();
        p.bperp.clear();
        if mintpy != stem {
            p.datasets.insert(0, mintpy.to_string());
            p.aliases.push((mintpy.to_string(), stem.to_string()));
        }
    }
    Ok(p)
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
    open_zarr_datasets(stem, path, None)
}

/// Opens the Zarr store at `path` as product `stem`; its datasets are `datasets` if given, else
/// those its root attribute lists.
fn open_zarr_datasets(
    stem: &str,
    path: &Path,
    datasets: Option<Vec<String>>,
) -> anyhow::Result<Product> {
    let store = Arc::new(
        FilesystemStore::new(path)
            .with_context(|| format!("cannot open Zarr store {}", path.display()))?,
    );
    let root = Group::open(store.clone(), "/")
        .with_context(|| format!("cannot open the root group of {}", path.display()))?;
    let mut attrs = Attributes::new();
    let given = datasets.is_some();
    let mut datasets = datasets.unwrap_or_default();
    let mut complete = false;
    for (k, v) in root.attributes() {
        match (k.as_str(), v) {
            (DATASETS_ATTR, Value::Array(names)) if !given => {
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
        aliases: Vec::new(),
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
        aliases: Vec::new(),
        complete,
    })
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
