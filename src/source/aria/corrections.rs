//! ARIA's per-date correction stacks, loaded as MintPy 1.6.4's `prep_aria.write_timeseries`
//! loads them: the total tropospheric delay of a weather model
//! (`stack/troposphereTotal/<MODEL>Stack.vrt`) and the solid Earth tides (`stack/setStack.vrt`),
//! one band per acquisition date, into a MintPy time series `inputs/<layer>_ARIA.h5`
//! (`HRRR_ARIA.h5`, `solidEarthTide_ARIA.h5`) in metres, which `diff.py` (sbas
//! `correct-tropo --delay`) subtracts.
//!
//! Facts (aria-tools/ARIA-tools, commit 7b151f926438a5f3eb6375f982d420096808eaf0):
//! `tools/bin/ariaTSsetup.py` `generate_stack` writes these stacks as the pair stacks, with the
//! layer as the metadata domain (the model name `HRRR`, `GMAO`, `HRES`, `ERA5` for the
//! troposphere, `solidEarthTide`), one band per `<layer>/dates/YYYYMMDD.vrt` (troposphere:
//! `troposphereTotal/<MODEL>/dates/`), `Dates` a single `YYYYMMDD`, the first product's
//! `UTCTime (HH:MM:SS.ss)` for every date, no `perpendicularBaseline`; the stack file names come
//! from `tools/ARIAtools/constants.py` `ARIA_STACK_OUTFILES` (`<MODEL>Stack`, `setStack`,
//! `ionoStack`).
//!
//! MintPy (`src/mintpy/prep_aria.py`, insarlab/MintPy 06a98622, the same in 1.6.4): dates
//! sorted; the no-data value of the stack's last file and NaN read as 0; radians times
//! `Wavelength (m) / (4 pi)` (computed in float64, multiplied in float32 as NumPy 1.26 does); `sensingMid` the date and UTC time as
//! Python's `str(datetime)` stored in an `S15` dataset (so cut to `YYYY-MM-DD HH:M`); the
//! attributes those of the interferogram stack (`extract_metadata` of `unwrapStack.vrt`) with
//! `FILE_TYPE = timeseries`, `UNIT = m`, `DATA_TYPE = float32`.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context};

use super::vrt_stack::read_stack_vrt;
use super::{stack_attrs, Layer};
use crate::meta::{Attributes, Date};
use crate::product::{DatasetSpec, OutputFormat, ProductSpec, ProductWriter};
use crate::window::Window;

/// One per-date ARIA correction stack opened for reading.
#[derive(Debug)]
pub struct CorrectionStack {
    layer: Layer,
    /// The metadata domain of the bands: the model name or `solidEarthTide`.
    pub name: String,
    /// The acquisition dates, sorted.
    pub dates: Vec<Date>,
    /// MintPy's `sensingMid` of each date (already cut to 15 characters).
    pub sensing_mid: Vec<String>,
    /// Band (0-based) of each date.
    band_of: Vec<usize>,
    /// Metres per radian: `Wavelength (m) / (4 pi)`.
    phase2range: f64,
    /// MintPy's attributes of the output file.
    pub attrs: Attributes,
}

/// The `unwrapStack.vrt` of the ARIA folder holding the correction stack `stack`: beside it
/// (`stack/setStack.vrt`) or one folder up (`stack/troposphereTotal/HRRRStack.vrt`).
pub fn unwrap_stack_of(stack: &Path) -> anyhow::Result<PathBuf> {
    let dir = stack.parent().unwrap_or(Path::new("."));
    [dir.join("unwrapStack.vrt"), dir.join("../unwrapStack.vrt")]
        .into_iter()
        .find(|p| p.is_file())
        .with_context(|| {
            format!(
                "ARIA correction stack {}: no unwrapStack.vrt beside it or in its parent folder \
                 (MintPy's prep_aria takes the attributes from it)",
                stack.display()
            )
        })
}

/// MintPy's `sensingMid`: `str(datetime)` of the date and `HH:MM:SS.ffffff`, stored in `S15`.
fn sensing_mid(date: Date, utc: &str, vrt: &Path, band: usize) -> anyhow::Result<String> {
    let bad = || {
        format!(
            "ARIA stack VRT {}: band {band}'s UTCTime '{utc}' is not HH:MM:SS.ss",
            vrt.display()
        )
    };
    let mut it = utc.trim().split(':');
    let h: u32 = it.next().and_then(|v| v.parse().ok()).with_context(bad)?;
    let m: u32 = it.next().and_then(|v| v.parse().ok()).with_context(bad)?;
    let s = it.next().with_context(bad)?;
    let (sec, frac) = s.split_once('.').with_context(bad)?;
    let sec: u32 = sec.parse().ok().with_context(bad)?;
    let ok_frac = !frac.is_empty() && frac.len() <= 6 && frac.bytes().all(|b| b.is_ascii_digit());
    if it.next().is_some() || h > 23 || m > 59 || sec > 59 || !ok_frac {
        bail!(bad());
    }
    let micro: u32 = format!("{frac:0<6}").parse().ok().with_context(bad)?;
    let (y, mo, d) = date.ymd();
    let mut text = format!("{y:04}-{mo:02}-{d:02} {h:02}:{m:02}:{sec:02}");
    if micro != 0 {
        text.push_str(&format!(".{micro:06}"));
    }
    text.truncate(15);
    Ok(text)
}

impl CorrectionStack {
    /// Opens the correction stack VRT `path`; `unwrap` is the folder's `unwrapStack.vrt`, whose
    /// grid the stack must share and whose metadata MintPy copies.
    pub fn open(path: &Path, unwrap: &Path) -> anyhow::Result<CorrectionStack> {
        if !path.is_file() {
            bail!("ARIA correction stack {} does not exist", path.display());
        }
        let unw = read_stack_vrt(unwrap)?;
        let layer = Layer::open(path, Some(&unw.grid))?;
        let first = &layer.vrt.bands[0];
        let name = first.domain.clone();
        if name.is_empty() {
            bail!(
                "ARIA stack VRT {}: band 1 has no <Metadata domain='...'> (ariaTSsetup.py names \
                 the layer there: the weather model or solidEarthTide)",
                path.display()
            );
        }
        let wl = first.get("Wavelength (m)").with_context(|| {
            format!(
                "ARIA stack VRT {}: band 1 has no 'Wavelength (m)' in its <Metadata>",
                path.display()
            )
        })?;
        let wavelength: f64 = wl.trim().parse().ok().with_context(|| {
            format!(
                "ARIA stack VRT {}: band 1's 'Wavelength (m)' = '{wl}' is not a number",
                path.display()
            )
        })?;
        let mut by_date: Vec<(Date, usize, String)> = Vec::new();
        for (k, b) in layer.vrt.bands.iter().enumerate() {
            let text = b.get("Dates").with_context(|| {
                format!(
                    "ARIA stack VRT {}: band {} has no Dates in its <Metadata> (ariaTSsetup.py \
                     writes <MDI key=\"Dates\">YYYYMMDD</MDI> for each acquisition)",
                    path.display(),
                    b.index
                )
            })?;
            let date = Date::parse(text.trim()).ok().with_context(|| {
                format!(
                    "ARIA stack VRT {}: band {}'s Dates '{text}' is not one date YYYYMMDD (a \
                     per-date correction stack; ionoStack.vrt holds pairs and is not loaded \
                     as a delay)",
                    path.display(),
                    b.index
                )
            })?;
            if let Some((_, j, _)) = by_date.iter().find(|(d, _, _)| *d == date) {
                bail!(
                    "ARIA stack VRT {}: bands {} and {} have the same date {date}",
                    path.display(),
                    layer.vrt.bands[*j].index,
                    b.index
                );
            }
            let utc = b.get("UTCTime (HH:MM:SS.ss)").with_context(|| {
                format!(
                    "ARIA stack VRT {}: band {} has no 'UTCTime (HH:MM:SS.ss)' in its \
                     <Metadata>",
                    path.display(),
                    b.index
                )
            })?;
            by_date.push((date, k, sensing_mid(date, utc, path, b.index)?));
        }
        by_date.sort_by_key(|t| t.0);
        let mut attrs = stack_attrs(&unw)?;
        attrs.set("FILE_TYPE", "timeseries");
        attrs.set("UNIT", "m");
        attrs.set("DATA_TYPE", "float32");
        Ok(CorrectionStack {
            layer,
            name,
            dates: by_date.iter().map(|t| t.0).collect(),
            band_of: by_date.iter().map(|t| t.1).collect(),
            sensing_mid: by_date.into_iter().map(|t| t.2).collect(),
            phase2range: wavelength / (4.0 * std::f64::consts::PI),
            attrs,
        })
    }

    /// Rows and columns.
    pub fn shape(&self) -> (usize, usize) {
        (self.layer.vrt.length, self.layer.vrt.width)
    }

    /// Reads date `k` (in sorted order) over `window` in metres, as MintPy stores it.
    pub fn read(&self, k: usize, window: &Window, out: &mut [f32]) -> anyhow::Result<()> {
        self.layer.read(self.band_of[k], window, out)?;
        // NumPy 1.26 multiplies a float32 array by a float64 scalar in float32 (value-based
        // casting), so the factor is rounded to float32 first, as MintPy's product is.
        let factor = self.phase2range as f32;
        for v in out.iter_mut() {
            *v = if v.is_nan() { 0.0 } else { *v * factor };
        }
        Ok(())
    }

    /// MintPy's stem of the output in a work folder: `inputs/<layer>_ARIA`.
    pub fn stem(&self) -> String {
        format!("inputs/{}_ARIA", self.name)
    }

    /// Writes `dir/inputs/<layer>_ARIA.h5` of the whole stack strip by strip within
    /// `max_memory`; returns its path.
    pub fn write(&self, dir: &Path, max_memory: u64) -> anyhow::Result<PathBuf> {
        let (length, width) = self.shape();
        let whole = Window::full(length, width);
        self.write_window(dir, &whole, &Attributes::new(), max_memory)
    }

    /// Writes `dir/inputs/<layer>_ARIA.h5` of `window` of the stack (a run's subset), with the
    /// attributes `over` (the subset's grid keys) replacing the stack's.
    pub fn write_window(
        &self,
        dir: &Path,
        window: &Window,
        over: &Attributes,
        max_memory: u64,
    ) -> anyhow::Result<PathBuf> {
        let (full_length, full_width) = self.shape();
        if window.y1 > full_length || window.x1 > full_width || window.pixels() == 0 {
            bail!(
                "rows {}:{}, columns {}:{} are not inside the {full_length} x {full_width} ARIA \
                 stack {}",
                window.y0,
                window.y1,
                window.x0,
                window.x1,
                self.layer.vrt.path.display()
            );
        }
        let (length, width) = (window.rows(), window.cols());
        let mut attrs = self.attrs.clone();
        for (k, v) in over.iter() {
            attrs.set(k, v);
        }
        let n = self.dates.len();
        let spec = ProductSpec {
            stem: self.stem(),
            file_type: "timeseries".to_string(),
            length,
            width,
            dates: self.dates.clone(),
            bperp: vec![0.0; n],
            datasets: vec![DatasetSpec::series(
                "timeseries",
                "m",
                &format!("ARIA {} correction (line of sight)", self.name),
            )
            .without_unit_attr()],
            attrs,
        };
        let row_bytes = (n * width * 4 * 2).max(1) as u64;
        let rows = ((max_memory / row_bytes) as usize).clamp(1, length);
        let mut w = ProductWriter::create_in_strips(dir, OutputFormat::Hdf5, spec, rows)?;
        let mut plane = Vec::new();
        let mut strip = Vec::new();
        for y0 in (0..length).step_by(rows) {
            let win = Window {
                y0,
                y1: (y0 + rows).min(length),
                x0: 0,
                x1: width,
            };
            let src = Window {
                y0: window.y0 + win.y0,
                y1: window.y0 + win.y1,
                x0: window.x0,
                x1: window.x1,
            };
            strip.clear();
            for k in 0..n {
                plane.resize(win.pixels(), 0.0);
                self.read(k, &src, &mut plane)?;
                strip.extend_from_slice(&plane);
            }
            w.write("timeseries", win, &strip)?;
        }
        let path = w.finish()?;
        write_sensing_mid(&path, &self.sensing_mid)?;
        Ok(path)
    }
}

/// Adds MintPy's `sensingMid` dataset (`S15`) to the written file.
fn write_sensing_mid(path: &Path, values: &[String]) -> anyhow::Result<()> {
    use ::hdf5::types::FixedAscii;
    let ctx = || format!("cannot write sensingMid to {}", path.display());
    let file = ::hdf5::File::open_rw(path).with_context(ctx)?;
    let v = values
        .iter()
        .map(|s| FixedAscii::<15>::from_ascii(s.as_bytes()))
        .collect::<Result<Vec<_>, _>>()
        .with_context(ctx)?;
    file.new_dataset_builder()
        .with_data(&v)
        .create("sensingMid")
        .with_context(ctx)?;
    Ok(())
}

/// Loads the correction stack `stack` of an ARIA folder into `dir/inputs/<layer>_ARIA.h5`.
pub fn load_correction(stack: &Path, dir: &Path, max_memory: u64) -> anyhow::Result<PathBuf> {
    let unwrap = unwrap_stack_of(stack)?;
    CorrectionStack::open(stack, &unwrap)?.write(dir, max_memory)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sensing_mid_as_python_str_in_s15() {
        let d = Date::parse("20200113").unwrap();
        let p = Path::new("s.vrt");
        assert_eq!(
            sensing_mid(d, "01:50:06.500000", p, 1).unwrap(),
            "2020-01-13 01:5"
        );
        assert_eq!(
            sensing_mid(d, "1:05:06.0", p, 1).unwrap(),
            "2020-01-13 01:0"
        );
        assert!(sensing_mid(d, "01:50:06", p, 1).is_err());
        assert!(sensing_mid(d, "25:00:00.0", p, 1).is_err());
    }
}
