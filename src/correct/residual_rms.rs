//! The residual-RMS driver (MintPy `timeseries_rms.py`): optionally deramps the residual series,
//! computes the RMS of each date over a mask, writes `rms_<stem>.txt`, `reference_date.txt`
//! (the date of minimum RMS) and `exclude_date.txt` (dates above `cutoff` times the MAD; the
//! file is removed when there are none), as MintPy does in the work folder.

use std::path::{Path, PathBuf};

use anyhow::Context;

use crate::correct::deramp;
use crate::correct::io::{self, MaskSource, TIMESERIES_DATASET};
use crate::correct::ramp::RampType;
use crate::correct::rms::{analyze, report_text, RmsAccumulator};
use crate::meta::Date;
use crate::product::pass::{buffers_cost, StripPass};

/// MintPy's file of the minimum-RMS date.
pub const REFERENCE_DATE_FILE: &str = "reference_date.txt";
/// MintPy's file of the outlier dates.
pub const EXCLUDE_DATE_FILE: &str = "exclude_date.txt";

/// Options of `residual_rms::run` (MintPy `mintpy.residualRMS.*`).
#[derive(Debug, Clone, PartialEq)]
pub struct RmsOptions {
    /// The residual series (default `timeseriesResidual`).
    pub input_stem: String,
    /// Mask of the pixels (default `maskTempCoh`; `no` = every pixel).
    pub mask: String,
    /// Ramp removed before the RMS (default quadratic; `None` = no deramping).
    pub deramp: Option<RampType>,
    /// Outlier cutoff in MADs (default 3).
    pub cutoff: f64,
}

impl Default for RmsOptions {
    fn default() -> Self {
        RmsOptions {
            input_stem: "timeseriesResidual".into(),
            mask: "maskTempCoh".into(),
            deramp: Some(RampType::Quadratic),
            cutoff: 3.0,
        }
    }
}

/// What `residual_rms::run` found and wrote.
#[derive(Debug, Clone, PartialEq)]
pub struct RmsOutputs {
    /// The dates.
    pub dates: Vec<Date>,
    /// RMS per date (m).
    pub rms: Vec<f32>,
    /// The date of minimum RMS.
    pub min_rms_date: Date,
    /// RMS above this is an outlier (m).
    pub threshold: f64,
    /// The outlier dates.
    pub excluded: Vec<Date>,
    /// The stem the RMS was computed on (`<input>_ramp` after deramping).
    pub rms_stem: String,
    /// Path of `rms_<stem>.txt`.
    pub rms_file: PathBuf,
}

fn write_text(path: &Path, text: &str) -> anyhow::Result<()> {
    std::fs::write(path, text).with_context(|| format!("cannot write {}", path.display()))
}

/// Runs the residual-RMS step in `dir` (strips within `max_memory` bytes).
pub fn run(dir: &Path, options: &RmsOptions, max_memory: u64) -> anyhow::Result<RmsOutputs> {
    anyhow::ensure!(
        options.cutoff.is_finite() && options.cutoff >= 0.0,
        "RMS cutoff {} is not a non-negative number",
        options.cutoff
    );
    let rms_stem = match options.deramp {
        Some(ramp) => {
            deramp::run(dir, &options.input_stem, ramp, &options.mask, max_memory)
                .with_context(|| format!("deramping '{}'", options.input_stem))?
                .stem
        }
        None => options.input_stem.clone(),
    };
    let ts = io::open_timeseries(dir, &rms_stem)?;
    let dates = ts.dates().to_vec();
    let n = dates.len();
    let (length, width) = (ts.length(), ts.width());
    let mask = MaskSource::open(dir, &options.mask, length, width)?;
    let mut pass = StripPass::new("rms", length, width, buffers_cost(4 * n + 1), max_memory)?;
    let series = pass.read(&ts, TIMESERIES_DATASET);
    let mask_input = mask.read_in(&mut pass);
    let mut acc = RmsAccumulator::new(n);
    let mut m = Vec::new();
    pass.run(|strip| {
        let p = strip.pixels();
        io::mask_pixels(mask_input.map(|i| strip.inputs.get(i)), p, &mut m);
        let data = strip.inputs.get(series);
        for d in 0..n {
            acc.add(d, &data[d * p..(d + 1) * p], &m);
        }
        Ok(())
    })?;
    let rms = acc.rms();
    let analysis = analyze(&rms, options.cutoff)
        .with_context(|| format!("residual RMS of '{rms_stem}' over mask '{}'", options.mask))?;

    let file_name = match ts.format() {
        crate::product::inversion::OutputFormat::Hdf5 => format!("{rms_stem}.h5"),
        _ => rms_stem.clone(),
    };
    let base = rms_stem.rsplit('/').next().unwrap_or(&rms_stem);
    let rms_file = dir.join(format!("rms_{base}.txt"));
    write_text(
        &rms_file,
        &report_text(&file_name, &mask.label(&options.mask), &dates, &rms),
    )?;
    let min_rms_date = dates[analysis.min_index];
    write_text(&dir.join(REFERENCE_DATE_FILE), &format!("{min_rms_date}\n"))?;
    let excluded: Vec<Date> = analysis.excluded.iter().map(|&i| dates[i]).collect();
    let ex_path = dir.join(EXCLUDE_DATE_FILE);
    if excluded.is_empty() {
        if ex_path.exists() {
            std::fs::remove_file(&ex_path)
                .with_context(|| format!("cannot remove {}", ex_path.display()))?;
        }
    } else {
        let text: String = excluded.iter().map(|d| format!("{d}\n")).collect();
        write_text(&ex_path, &text)?;
    }
    Ok(RmsOutputs {
        dates,
        rms,
        min_rms_date,
        threshold: analysis.threshold,
        excluded,
        rms_stem,
        rms_file,
    })
}

/// Reads a MintPy date-list text file (`reference_date.txt`, `exclude_date.txt`): one
/// `YYYYMMDD` per line; blank lines and `#` comments are skipped.
pub fn read_date_file(path: &Path) -> anyhow::Result<Vec<Date>> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    text.lines()
        .map(|l| l.split('#').next().unwrap_or("").trim())
        .filter(|l| !l.is_empty())
        .map(|l| {
            let first = l.split_whitespace().next().unwrap_or(l);
            Date::parse(first).with_context(|| format!("{}: bad date line '{l}'", path.display()))
        })
        .collect()
}
