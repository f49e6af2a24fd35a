//! HDF5 details shared by every writer and reader of MintPy's files: the `.part` name of a file
//! being written, MintPy's `date`/`bperp` datasets, and attributes stored as h5py stores Python
//! strings.

use std::path::{Path, PathBuf};
use std::str::FromStr;

use ::hdf5::types::{FixedAscii, VarLenUnicode};
use ::hdf5::{File, Location};
use anyhow::Context;

use crate::meta::{Attributes, Date};

/// `path` with `.part` appended: where a file lives until it is complete.
pub(crate) fn part_path(path: &Path) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(".part");
    PathBuf::from(s)
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
