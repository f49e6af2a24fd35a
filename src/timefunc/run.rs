//! `sbas velocity`: streams a time-series product through the time-function fit, strip by
//! strip, and writes MintPy's `velocity.h5` layout as a product (MintPy's
//! `timeseries2velocity.py`).

use std::path::{Path, PathBuf};

use anyhow::{bail, ensure, Context};
use rayon::prelude::*;

use super::bootstrap::Bootstrap;
use super::dates::{describe_range, select_dates};
use super::fit::LinearFit;
use super::model::{decimal_year, parse_user_date, Onset, TimeModel, Transient};
use super::outputs::{fill, output_datasets, OutputDataset, Source};
use crate::meta::pyfmt::py_f64;
use crate::meta::{Attributes, Date};
use crate::plan::PixelCost;
use crate::product::pass::{maps_like, open_timeseries, StripPass};
use crate::product::pass_split::PassSplit;
use crate::product::{DatasetSpec, Product};

/// How the standard deviations of the parameters are estimated (MintPy's `--uq`).
#[derive(Debug, Clone, PartialEq)]
pub enum Uncertainty {
    /// From the fit residual: `sqrt(diag((G^T G)^-1) * e2 / (N - P))` (MintPy's default).
    Residue,
    /// Propagated from per-date variances (m^2) of the time series held by product `stem`
    /// (its first per-date dataset): `sqrt(diag(G+ diag(var) G+^T))`. A full (co)variance
    /// matrix per pixel is not supported.
    Covariance {
        /// Product holding the per-date variances.
        stem: String,
    },
    /// From `count` fits on dates drawn with replacement from a generator seeded with `seed`.
    Bootstrap {
        /// Number of draws (MintPy's `--bootstrap-count`, default 400).
        count: usize,
        /// Seed of the draws.
        seed: u64,
    },
}

impl Uncertainty {
    /// MintPy's name of the method.
    pub fn name(&self) -> &'static str {
        match self {
            Uncertainty::Residue => "residue",
            Uncertainty::Covariance { .. } => "covariance",
            Uncertainty::Bootstrap { .. } => "bootstrap",
        }
    }
}

/// What `sbas velocity` estimates, and from which product.
#[derive(Debug, Clone, PartialEq)]
pub struct TimeFuncOptions {
    /// Input time-series product (default `timeseries`).
    pub ts_stem: String,
    /// Output product (default `velocity`).
    pub out_stem: String,
    /// Leave out dates before this one (`YYYYMMDD` or `YYYY-MM-DD`).
    pub start_date: Option<String>,
    /// Leave out dates after this one.
    pub end_date: Option<String>,
    /// Leave out these dates.
    pub exclude_dates: Vec<String>,
    /// Polynomial degree (1: intercept and velocity).
    pub polynomial: usize,
    /// Periods in years (1.0 annual, 0.5 semi-annual).
    pub periodic: Vec<f64>,
    /// Step dates (`YYYYMMDD` or `YYYYMMDDTHHMM`).
    pub steps: Vec<String>,
    /// Onsets of extra line segments.
    pub polylines: Vec<String>,
    /// Exponential terms: onset followed by one or more characteristic times in days.
    pub exps: Vec<Vec<String>>,
    /// Logarithmic terms: onset followed by one or more characteristic times in days.
    pub logs: Vec<Vec<String>>,
    /// Uncertainty method.
    pub uncertainty: Uncertainty,
    /// Memory budget in bytes.
    pub max_memory: u64,
    /// Whether this process computes every strip, a part's, or assembles the parts' strips.
    pub split: PassSplit,
}

impl Default for TimeFuncOptions {
    fn default() -> Self {
        TimeFuncOptions {
            ts_stem: "timeseries".into(),
            out_stem: "velocity".into(),
            start_date: None,
            end_date: None,
            exclude_dates: Vec::new(),
            polynomial: 1,
            periodic: Vec::new(),
            steps: Vec::new(),
            polylines: Vec::new(),
            exps: Vec::new(),
            logs: Vec::new(),
            uncertainty: Uncertainty::Residue,
            max_memory: 2 << 30,
            split: PassSplit::Whole,
        }
    }
}

/// The dataset of a time-series product that holds the displacement.
pub use crate::product::pass::TIMESERIES_DATASET;

/// Estimates the time functions of product `opts.ts_stem` in run folder `dir` and writes
/// product `opts.out_stem` in the same format. Returns the path written.
pub fn estimate(dir: &Path, opts: &TimeFuncOptions) -> anyhow::Result<PathBuf> {
    ensure!(
        opts.out_stem != opts.ts_stem,
        "the output product {} would overwrite its input",
        opts.out_stem
    );
    let ts = open_timeseries(dir, &opts.ts_stem)?;
    let all_dates = ts.dates().to_vec();
    let start = opts
        .start_date
        .as_deref()
        .map(parse_user_date)
        .transpose()?;
    let end = opts.end_date.as_deref().map(parse_user_date).transpose()?;
    let exclude = opts
        .exclude_dates
        .iter()
        .map(|s| parse_user_date(s))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let keep = select_dates(&all_dates, start, end, &exclude)
        .with_context(|| format!("choosing the dates of {}", ts.path().display()))?;
    let used: Vec<Date> = all_dates
        .iter()
        .zip(&keep)
        .filter(|(_, &k)| k)
        .map(|(d, _)| *d)
        .collect();
    let (first, last) = (used[0], used[used.len() - 1]);

    let model = build_model(opts)?;
    model.validate(first, last)?;
    let seconds = ts.attrs().get_f64_opt("CENTER_LINE_UTC").unwrap_or(0.0);
    let times: Vec<f64> = used.iter().map(|&d| decimal_year(d, seconds)).collect();
    let (n, p) = (used.len(), model.num_params());
    let fit = LinearFit::new(model.design_matrix(&times, 0), n, p).with_context(|| {
        format!(
            "fitting {} to {}",
            describe_model(&model),
            describe_range(&used)
        )
    })?;

    let bootstrap = bootstrap_draws(opts, &model, &times)?;
    let variance = match &opts.uncertainty {
        Uncertainty::Covariance { stem } => Some(open_variance(dir, stem, &ts)?),
        _ => None,
    };

    let with_residue = opts.uncertainty == Uncertainty::Residue;
    let datasets = output_datasets(&model, with_residue);
    let maps = datasets
        .iter()
        .map(|d| DatasetSpec::map(&d.name, &d.unit, &long_name(d)))
        .collect();
    let attrs = velocity_attrs(ts.attrs(), opts, &model, first, last);
    let spec = maps_like(&ts, &opts.out_stem, "velocity", maps, attrs);

    let n_all = all_dates.len();
    let cost = PixelCost {
        input_bytes: 4 * n_all * if variance.is_some() { 2 } else { 1 },
        output_bytes: 4 * datasets.len(),
        scratch_bytes: 4 * n + 8 * (3 * p + 1),
    };
    let mut pass = StripPass::new("velocity", ts.length(), ts.width(), cost, opts.max_memory)?
        .with_split(opts.split.clone());
    let series = pass.read(&ts, TIMESERIES_DATASET);
    let variances = variance.as_ref().map(|v| pass.read(&v.product, &v.dataset));
    let outputs = pass.create(dir, ts.format(), spec)?;
    let strip_fit = StripFit {
        fit: &fit,
        bootstrap: bootstrap.as_ref(),
        datasets: &datasets,
        keep: &keep,
    };
    let mut blocks = Vec::new();
    pass.run(|strip| {
        let npix = strip.pixels();
        let raw_var = variances.map(|v| strip.inputs.get(v));
        strip_fit.compute(strip.inputs.get(series), raw_var, npix, &mut blocks);
        // Blocks hold every dataset of a block of pixels: gather each dataset's strip.
        for (k, &id) in outputs.iter().enumerate() {
            let out = strip.outputs.get(id);
            out.clear();
            for block in blocks.chunks(BLOCK * datasets.len()) {
                let bw = block.len() / datasets.len();
                out.extend_from_slice(&block[k * bw..(k + 1) * bw]);
            }
        }
        Ok(())
    })?;
    Ok(pass.finish()?.remove(0))
}

/// The bootstrap draws when `opts` asks for bootstrap uncertainty, checked against the model
/// and the budget.
fn bootstrap_draws(
    opts: &TimeFuncOptions,
    model: &TimeModel,
    times: &[f64],
) -> anyhow::Result<Option<Bootstrap>> {
    let (n, p) = (times.len(), model.num_params());
    Ok(match &opts.uncertainty {
        Uncertainty::Bootstrap { count, seed } => {
            ensure!(
                *count > 1,
                "--bootstrap-count must be 2 or more (got {count})"
            );
            ensure!(
                model.polynomial == 1
                    && model.periodic.is_empty()
                    && model.steps.is_empty()
                    && model.polylines.is_empty()
                    && model.exps.is_empty()
                    && model.logs.is_empty(),
                "bootstrap uncertainty supports a linear polynomial only (as MintPy): drop the \
                 other time functions or use --uncertainty residue"
            );
            // Every draw keeps its date indices and pseudo-inverse for the whole run.
            let draws_bytes = (*count as u64) * (n as u64) * (p as u64 + 1) * 8;
            ensure!(
                draws_bytes <= opts.max_memory / 2,
                "{count} bootstrap draws of {n} dates need {}: raise --max-memory to {} or use \
                 fewer draws",
                crate::plan::format_size(draws_bytes),
                crate::plan::format_size(2 * draws_bytes)
            );
            Some(Bootstrap::new(model, times, *count, *seed)?)
        }
        _ => None,
    })
}

/// Pixels per block of the parallel fit.
const BLOCK: usize = 2048;

/// The fit of one strip, in parallel blocks of pixels.
struct StripFit<'a> {
    fit: &'a LinearFit,
    bootstrap: Option<&'a Bootstrap>,
    datasets: &'a [OutputDataset],
    keep: &'a [bool],
}

impl StripFit<'_> {
    /// Fits the `npix` pixels of date-major `raw` (all dates of the series; `raw_var` the same
    /// for variances) and leaves the output datasets in `blocks`: per block of [`BLOCK`] pixels,
    /// `datasets x block width` values.
    fn compute(&self, raw: &[f32], raw_var: Option<&[f32]>, npix: usize, blocks: &mut Vec<f32>) {
        let nds = self.datasets.len();
        blocks.resize(npix * nds, 0.0);
        blocks
            .par_chunks_mut(BLOCK * nds)
            .enumerate()
            .for_each_init(Work::default, |work, (b, chunk)| {
                let (c0, bw) = (b * BLOCK, chunk.len() / nds);
                self.block(raw, raw_var, npix, c0, bw, work, chunk);
            });
    }

    #[allow(clippy::too_many_arguments)]
    fn block(
        &self,
        raw: &[f32],
        raw_var: Option<&[f32]>,
        npix: usize,
        c0: usize,
        bw: usize,
        work: &mut Work,
        chunk: &mut [f32],
    ) {
        let p = self.fit.num_params();
        work.resize(p, bw);
        gather(raw, self.keep, npix, c0, bw, &mut work.data);
        match (self.bootstrap, raw_var) {
            (Some(b), _) => b.estimate(
                &work.data,
                bw,
                &mut work.params,
                &mut work.std,
                &mut work.draw,
            ),
            (None, Some(var)) => {
                self.fit
                    .solve(&work.data, bw, &mut work.params, &mut work.e2);
                gather(var, self.keep, npix, c0, bw, &mut work.var);
                self.fit.variance_std(&work.var, bw, &mut work.std);
            }
            (None, None) => {
                self.fit
                    .solve(&work.data, bw, &mut work.params, &mut work.e2);
                self.fit.residue_std(&work.e2, bw, &mut work.std);
            }
        }
        for (k, d) in self.datasets.iter().enumerate() {
            let out = &mut chunk[k * bw..(k + 1) * bw];
            fill(d.source, &work.params, &work.std, &work.e2, bw, out);
        }
    }
}

/// Buffers of one worker, reused from block to block.
#[derive(Default)]
struct Work {
    data: Vec<f32>,
    var: Vec<f32>,
    params: Vec<f64>,
    std: Vec<f64>,
    draw: Vec<f64>,
    e2: Vec<f64>,
}

impl Work {
    fn resize(&mut self, p: usize, npix: usize) {
        self.params.resize(p * npix, 0.0);
        self.std.resize(p * npix, 0.0);
        self.draw.resize(p * npix, 0.0);
        self.e2.resize(npix, 0.0);
    }
}

/// Pixels `c0..c0 + bw` of the dates `keep` marks, from date-major `raw` (`dates x npix`),
/// as a date-major block (`kept dates x bw`).
fn gather(raw: &[f32], keep: &[bool], npix: usize, c0: usize, bw: usize, out: &mut Vec<f32>) {
    out.clear();
    for (j, _) in keep.iter().enumerate().filter(|(_, &k)| k) {
        out.extend_from_slice(&raw[j * npix + c0..j * npix + c0 + bw]);
    }
}

/// A product of per-date variances matching a time series.
struct Variance {
    product: Product,
    dataset: String,
}

fn open_variance(dir: &Path, stem: &str, ts: &Product) -> anyhow::Result<Variance> {
    let product =
        Product::open(dir, stem).with_context(|| format!("opening time-series variance {stem}"))?;
    let dataset = product
        .dataset_names()
        .into_iter()
        .find(|d| product.is_per_date(d).unwrap_or(false))
        .with_context(|| {
            format!(
                "{} holds no per-date dataset of variances (a full covariance matrix per pixel \
                 is not supported)",
                product.path().display()
            )
        })?;
    ensure!(
        product.length() == ts.length() && product.width() == ts.width(),
        "{} is {} x {} pixels but the time series is {} x {}",
        product.path().display(),
        product.length(),
        product.width(),
        ts.length(),
        ts.width()
    );
    ensure!(
        product.dates() == ts.dates(),
        "{} has other dates ({}) than the time series ({})",
        product.path().display(),
        describe_range(product.dates()),
        describe_range(ts.dates())
    );
    Ok(Variance { product, dataset })
}

/// The model of `opts`, with steps and polylines sorted as MintPy sorts them.
pub fn build_model(opts: &TimeFuncOptions) -> anyhow::Result<TimeModel> {
    let onsets = |list: &[String]| -> anyhow::Result<Vec<Onset>> {
        let mut v = list
            .iter()
            .map(|s| Onset::parse(s))
            .collect::<anyhow::Result<Vec<_>>>()?;
        v.sort_by(|a, b| a.label.cmp(&b.label));
        Ok(v)
    };
    let transients = |what: &str, list: &[Vec<String>]| -> anyhow::Result<Vec<Transient>> {
        list.iter()
            .map(|words| {
                let Some((onset, taus)) = words.split_first() else {
                    bail!("--{what} needs an onset date and characteristic times in days");
                };
                let onset = Onset::parse(onset)?;
                if taus.is_empty() {
                    bail!(
                        "--{what} {}: give 1 or more characteristic times in days, e.g. --{what} {} 60",
                        onset.label,
                        onset.label
                    );
                }
                let taus_days = taus
                    .iter()
                    .map(|t| match t.trim().parse::<f64>() {
                        // MintPy keeps whole days.
                        Ok(v) if v >= 1.0 && v.is_finite() && v < u32::MAX as f64 => Ok(v as u32),
                        _ => bail!(
                            "--{what} {}: characteristic time '{t}' is not a number of days >= 1",
                            onset.label
                        ),
                    })
                    .collect::<anyhow::Result<Vec<_>>>()?;
                Ok(Transient { onset, taus_days })
            })
            .collect()
    };
    Ok(TimeModel {
        polynomial: opts.polynomial,
        periodic: opts.periodic.clone(),
        steps: onsets(&opts.steps)?,
        polylines: onsets(&opts.polylines)?,
        exps: transients("exp", &opts.exps)?,
        logs: transients("log", &opts.logs)?,
    })
}

/// A one-line description of a model, for messages.
pub fn describe_model(model: &TimeModel) -> String {
    let mut parts = vec![format!("polynomial of degree {}", model.polynomial)];
    if !model.periodic.is_empty() {
        let p: Vec<String> = model.periodic.iter().map(|&v| py_f64(v)).collect();
        parts.push(format!("periods {} years", p.join(", ")));
    }
    for (what, n) in [
        ("step", model.steps.len()),
        ("polyline", model.polylines.len()),
        ("exp", model.exps.iter().map(|e| e.taus_days.len()).sum()),
        ("log", model.logs.iter().map(|e| e.taus_days.len()).sum()),
    ] {
        if n > 0 {
            parts.push(format!("{n} {what}"));
        }
    }
    parts.join(", ")
}

fn long_name(d: &OutputDataset) -> String {
    match d.source {
        Source::Param(_) => format!("time-function parameter {}", d.name),
        Source::ParamStd(_) | Source::PolylineRateStd { .. } => {
            format!("standard deviation of {}", d.name.trim_end_matches("Std"))
        }
        Source::Amplitude(_) => "amplitude of the periodic term".into(),
        Source::Phase(_) => "phase of the periodic term, atan2(cos, sin) coefficients".into(),
        Source::PolylineRate { .. } => "velocity after the polyline onset".into(),
        Source::Residue => "root of the sum of squared fit residuals".into(),
    }
}

/// Python's `str()` of a list of strings.
fn py_str_list(v: &[String]) -> String {
    let items: Vec<String> = v.iter().map(|s| format!("'{s}'")).collect();
    format!("[{}]", items.join(", "))
}

/// The root metadata of the velocity product: the time series' plus MintPy's keys.
fn velocity_attrs(
    ts: &Attributes,
    opts: &TimeFuncOptions,
    model: &TimeModel,
    first: Date,
    last: Date,
) -> Attributes {
    let mut a = ts.clone();
    a.set("UNIT", "m/year");
    a.set("START_DATE", first);
    a.set("END_DATE", last);
    a.set("DATE12", format!("{first}_{last}"));
    if !a.contains("REF_DATE") {
        a.set("REF_DATE", first);
    }
    let k = |key: &str| format!("mintpy.timeFunc.{key}");
    // Dates as YYYYMMDD whatever form they were given in.
    let norm = |s: &String| parse_user_date(s).map_or_else(|_| s.clone(), |d| d.to_string());
    let opt = |v: &Option<String>| v.as_ref().map_or_else(|| "None".into(), norm);
    a.set(k("startDate"), opt(&opts.start_date));
    a.set(k("endDate"), opt(&opts.end_date));
    let excluded: Vec<String> = opts.exclude_dates.iter().map(norm).collect();
    a.set(k("excludeDate"), py_str_list(&excluded));
    a.set(k("polynomial"), model.polynomial);
    let periods: Vec<String> = model.periodic.iter().map(|&v| py_f64(v)).collect();
    a.set(k("periodic"), format!("[{}]", periods.join(", ")));
    let steps: Vec<String> = model.steps.iter().map(|o| o.label.clone()).collect();
    a.set(k("stepDate"), py_str_list(&steps));
    for (key, list) in [("exp", &opts.exps), ("log", &opts.logs)] {
        // The onset as its dataset label (YYYYMMDD[THHMM]), the times as given.
        let items: Vec<String> = list
            .iter()
            .map(|words| {
                let mut w = words.clone();
                if let Some(first) = w.first_mut() {
                    if let Ok(o) = Onset::parse(first) {
                        *first = o.label;
                    }
                }
                py_str_list(&w)
            })
            .collect();
        a.set(k(key), format!("[{}]", items.join(", ")));
    }
    a.set(k("uncertaintyQuantification"), opts.uncertainty.name());
    match &opts.uncertainty {
        Uncertainty::Covariance { stem } => a.set(k("timeSeriesCovFile"), stem),
        _ => a.set(k("timeSeriesCovFile"), "None"),
    }
    match &opts.uncertainty {
        Uncertainty::Bootstrap { count, seed } => {
            a.set(k("bootstrapCount"), count);
            a.set("sbas.timeFunc.bootstrapSeed", seed);
        }
        _ => a.set(k("bootstrapCount"), 400),
    }
    a
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attrs_use_mintpy_text() {
        let opts = TimeFuncOptions {
            periodic: vec![1.0, 0.5],
            steps: vec!["20200401".into(), "20200301".into()],
            exps: vec![vec!["2020-02-15".into(), "30".into()]],
            exclude_dates: vec!["2020-01-13".into()],
            ..TimeFuncOptions::default()
        };
        let model = build_model(&opts).unwrap();
        assert_eq!(model.steps[0].label, "20200301");
        let d = |s| Date::parse(s).unwrap();
        let a = velocity_attrs(
            &Attributes::new(),
            &opts,
            &model,
            d("20200101"),
            d("20200512"),
        );
        assert_eq!(a.get("mintpy.timeFunc.periodic"), Some("[1.0, 0.5]"));
        assert_eq!(
            a.get("mintpy.timeFunc.stepDate"),
            Some("['20200301', '20200401']")
        );
        assert_eq!(a.get("mintpy.timeFunc.exp"), Some("[['20200215', '30']]"));
        assert_eq!(a.get("mintpy.timeFunc.log"), Some("[]"));
        assert_eq!(a.get("mintpy.timeFunc.excludeDate"), Some("['20200113']"));
        assert_eq!(a.get("mintpy.timeFunc.startDate"), Some("None"));
        assert_eq!(a.get("DATE12"), Some("20200101_20200512"));
        assert_eq!(a.get("REF_DATE"), Some("20200101"));
        assert_eq!(a.get("UNIT"), Some("m/year"));
    }

    #[test]
    fn bad_transients_are_explained() {
        let opts = TimeFuncOptions {
            exps: vec![vec!["20200215".into()]],
            ..TimeFuncOptions::default()
        };
        let e = build_model(&opts).unwrap_err().to_string();
        assert!(e.contains("characteristic times"), "{e}");
        let opts = TimeFuncOptions {
            logs: vec![vec!["20200215".into(), "abc".into()]],
            ..TimeFuncOptions::default()
        };
        assert!(build_model(&opts).is_err());
    }

    #[test]
    fn gather_keeps_date_order_and_columns() {
        // 3 dates x 4 pixels
        let raw: Vec<f32> = (0..12).map(|v| v as f32).collect();
        let mut buf = Vec::new();
        gather(&raw, &[true, false, true], 4, 1, 2, &mut buf);
        assert_eq!(buf, [1.0, 2.0, 9.0, 10.0]);
        gather(&raw, &[true; 3], 4, 0, 4, &mut buf);
        assert_eq!(buf, raw);
    }
}
