//! Ground truth of a simulated stack (`OUT_DIR/truth/`): what an ideal inversion recovers.
//!
//! `truth.json` describes the stack; the arrays are raw little-endian files, row-major:
//! `timeseries.f32` and `deformation.f32` (dates x rows x cols, metres, relative to the first
//! date, positive towards the satellite), `velocity.f32` (m/year), `dem_error.f32` (m) and
//! `water_mask.u8` (1 = land, 0 = water, as MintPy's waterMask); with the opt-in ramp effect
//! also `ramp.f32` (dates x rows x cols, metres, relative to the first date, part of
//! `timeseries.f32`).

use std::path::Path;

use anyhow::Context;
use serde_json::{json, Value};

use crate::meta::Date;

/// File names inside the truth folder.
pub const TRUTH_JSON: &str = "truth.json";
/// Per-date LOS signal (deformation + DEM-error term + atmosphere), metres.
pub const TIMESERIES_FILE: &str = "timeseries.f32";
/// Per-date deformation only, metres.
pub const DEFORMATION_FILE: &str = "deformation.f32";
/// Linear velocity, m/year.
pub const VELOCITY_FILE: &str = "velocity.f32";
/// DEM error, metres.
pub const DEM_ERROR_FILE: &str = "dem_error.f32";
/// Water mask, 1 = land.
pub const WATER_MASK_FILE: &str = "water_mask.u8";
/// Per-date phase ramp (only with the opt-in ramp effect), metres.
pub const RAMP_FILE: &str = "ramp.f32";

/// Describes the truth folder (the content of `truth.json`).
#[derive(Debug, Clone, PartialEq)]
pub struct TruthHeader {
    /// Acquisition dates.
    pub dates: Vec<Date>,
    /// Image rows.
    pub rows: usize,
    /// Image columns.
    pub cols: usize,
    /// Radar wavelength (m).
    pub wavelength: f64,
    /// Perpendicular baseline per date relative to the first date (m).
    pub bperp: Vec<f64>,
    /// Pixel the MintPy fixture references to (row, col).
    pub reference_pixel: (usize, usize),
    /// Seed of the simulation.
    pub seed: u64,
    /// Effects simulated, as `(name, on)`.
    pub effects: Vec<(String, bool)>,
}

impl TruthHeader {
    /// The JSON document.
    pub fn to_json(&self) -> Value {
        let effects: serde_json::Map<String, Value> = self
            .effects
            .iter()
            .map(|(k, v)| (k.clone(), Value::Bool(*v)))
            .collect();
        let mut doc = json!({
            "format": "sbas-simulate-truth/1",
            "dates": self.dates.iter().map(|d| d.to_string()).collect::<Vec<_>>(),
            "rows": self.rows,
            "cols": self.cols,
            "wavelength": self.wavelength,
            "bperp": self.bperp,
            "reference_pixel": [self.reference_pixel.0, self.reference_pixel.1],
            "seed": self.seed,
            "effects": effects,
            "sign_convention": "unwrapped phase of pair (d1,d2) = -4 pi / wavelength * (ts(d2) - ts(d1)) + noise; ts positive towards the satellite",
            "files": {
                TIMESERIES_FILE: "f32 LE [dates][rows][cols]: LOS signal an ideal inversion recovers = deformation + DEM-error term + atmosphere, relative to the first date, metres; 0 on water",
                DEFORMATION_FILE: "f32 LE [dates][rows][cols]: LOS deformation (linear + seasonal) relative to the first date, metres",
                VELOCITY_FILE: "f32 LE [rows][cols]: linear LOS velocity (seasonal part excluded), metres/year",
                DEM_ERROR_FILE: "f32 LE [rows][cols]: DEM error, metres (DEM-error term of date k = bperp[k] * dem_error / (r sin(inc)))",
                WATER_MASK_FILE: "u8 [rows][cols]: 1 = land, 0 = water",
            },
        });
        if self.has_ramp() {
            doc["files"][RAMP_FILE] = Value::String(
                "f32 LE [dates][rows][cols]: phase ramp (planar + quadratic, per date) relative to the first date, metres; included in timeseries.f32; 0 on water".into(),
            );
        }
        doc
    }

    /// Whether the opt-in ramp effect was simulated (`ramp.f32` exists).
    pub fn has_ramp(&self) -> bool {
        self.effects.iter().any(|(k, on)| k == "ramp" && *on)
    }

    fn from_json(v: &Value, path: &Path) -> anyhow::Result<TruthHeader> {
        let bad = |what: &str| anyhow::anyhow!("{}: {what}", path.display());
        let usize_of = |k: &str| {
            v.get(k)
                .and_then(Value::as_u64)
                .map(|x| x as usize)
                .ok_or_else(|| bad(&format!("'{k}' is missing or not a whole number")))
        };
        let dates = v
            .get("dates")
            .and_then(Value::as_array)
            .ok_or_else(|| bad("'dates' is missing or not a list"))?
            .iter()
            .map(|d| {
                d.as_str()
                    .ok_or_else(|| bad("a date is not a string"))
                    .and_then(|s| Date::parse(s).map_err(|e| bad(&e.to_string())))
            })
            .collect::<anyhow::Result<Vec<Date>>>()?;
        let bperp = v
            .get("bperp")
            .and_then(Value::as_array)
            .ok_or_else(|| bad("'bperp' is missing or not a list"))?
            .iter()
            .map(|b| {
                b.as_f64()
                    .ok_or_else(|| bad("a bperp value is not a number"))
            })
            .collect::<anyhow::Result<Vec<f64>>>()?;
        anyhow::ensure!(
            bperp.len() == dates.len(),
            "{}: {} baselines for {} dates",
            path.display(),
            bperp.len(),
            dates.len()
        );
        let rp = v
            .get("reference_pixel")
            .and_then(Value::as_array)
            .filter(|a| a.len() == 2)
            .and_then(|a| Some((a[0].as_u64()? as usize, a[1].as_u64()? as usize)))
            .ok_or_else(|| bad("'reference_pixel' is not [row, col]"))?;
        let effects = v
            .get("effects")
            .and_then(Value::as_object)
            .map(|m| {
                m.iter()
                    .map(|(k, b)| (k.clone(), b.as_bool().unwrap_or(false)))
                    .collect()
            })
            .unwrap_or_default();
        Ok(TruthHeader {
            dates,
            rows: usize_of("rows")?,
            cols: usize_of("cols")?,
            wavelength: v
                .get("wavelength")
                .and_then(Value::as_f64)
                .ok_or_else(|| bad("'wavelength' is missing or not a number"))?,
            bperp,
            reference_pixel: rp,
            seed: v.get("seed").and_then(Value::as_u64).unwrap_or(0),
            effects,
        })
    }
}

/// Ground truth loaded back from a truth folder.
#[derive(Debug, Clone)]
pub struct Truth {
    header: TruthHeader,
    timeseries: Vec<f32>,
    deformation: Vec<f32>,
    velocity: Vec<f32>,
    dem_error: Vec<f32>,
    water_mask: Vec<u8>,
    ramp: Option<Vec<f32>>,
}

fn read_exact(path: &Path, expected: usize) -> anyhow::Result<Vec<u8>> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    anyhow::ensure!(
        bytes.len() == expected,
        "{} has {} bytes, expected {expected}",
        path.display(),
        bytes.len()
    );
    Ok(bytes)
}

fn read_f32s(path: &Path, count: usize) -> anyhow::Result<Vec<f32>> {
    let bytes = read_exact(path, count * 4)?;
    Ok(bytes
        .chunks_exact(4)
        .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect())
}

impl Truth {
    /// Loads `dir` (the `truth/` folder of a simulated stack).
    pub fn load(dir: &Path) -> anyhow::Result<Truth> {
        let jpath = dir.join(TRUTH_JSON);
        let text = std::fs::read_to_string(&jpath)
            .with_context(|| format!("cannot read {}", jpath.display()))?;
        let v: Value = serde_json::from_str(&text)
            .with_context(|| format!("{} is not valid JSON", jpath.display()))?;
        let header = TruthHeader::from_json(&v, &jpath)?;
        let npix = header
            .rows
            .checked_mul(header.cols)
            .with_context(|| format!("{}: image size overflows", jpath.display()))?;
        let n3 = npix
            .checked_mul(header.dates.len())
            .with_context(|| format!("{}: stack size overflows", jpath.display()))?;
        Ok(Truth {
            timeseries: read_f32s(&dir.join(TIMESERIES_FILE), n3)?,
            deformation: read_f32s(&dir.join(DEFORMATION_FILE), n3)?,
            velocity: read_f32s(&dir.join(VELOCITY_FILE), npix)?,
            dem_error: read_f32s(&dir.join(DEM_ERROR_FILE), npix)?,
            water_mask: read_exact(&dir.join(WATER_MASK_FILE), npix)?,
            ramp: if header.has_ramp() {
                Some(read_f32s(&dir.join(RAMP_FILE), n3)?)
            } else {
                None
            },
            header,
        })
    }

    /// The description read from `truth.json`.
    pub fn header(&self) -> &TruthHeader {
        &self.header
    }

    /// Acquisition dates.
    pub fn dates(&self) -> &[Date] {
        &self.header.dates
    }

    /// (rows, cols).
    pub fn shape(&self) -> (usize, usize) {
        (self.header.rows, self.header.cols)
    }

    /// Radar wavelength (m).
    pub fn wavelength(&self) -> f64 {
        self.header.wavelength
    }

    /// LOS signal of date `k` (rows x cols, metres, relative to the first date).
    pub fn timeseries_layer(&self, k: usize) -> &[f32] {
        let n = self.header.rows * self.header.cols;
        &self.timeseries[k * n..(k + 1) * n]
    }

    /// LOS signal of date `k` at (row, col), metres.
    pub fn timeseries_at(&self, k: usize, row: usize, col: usize) -> f32 {
        self.timeseries_layer(k)[row * self.header.cols + col]
    }

    /// The whole time series, dates x rows x cols.
    pub fn timeseries(&self) -> &[f32] {
        &self.timeseries
    }

    /// Deformation of date `k` (rows x cols, metres, relative to the first date).
    pub fn deformation_layer(&self, k: usize) -> &[f32] {
        let n = self.header.rows * self.header.cols;
        &self.deformation[k * n..(k + 1) * n]
    }

    /// Linear velocity (m/year), rows x cols.
    pub fn velocity(&self) -> &[f32] {
        &self.velocity
    }

    /// DEM error (m), rows x cols.
    pub fn dem_error(&self) -> &[f32] {
        &self.dem_error
    }

    /// Water mask (1 = land), rows x cols.
    pub fn water_mask(&self) -> &[u8] {
        &self.water_mask
    }

    /// Per-date phase ramps (dates x rows x cols, m, relative to the first date) when the
    /// stack was simulated with the ramp effect.
    pub fn ramp(&self) -> Option<&[f32]> {
        self.ramp.as_deref()
    }
}
