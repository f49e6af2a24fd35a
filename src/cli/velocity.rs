//! `sbas velocity`: time functions (velocity, seasonal terms, steps, transients) of a time series.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::{bail, Context};
use clap::{Args, ValueEnum};

use crate::plan::parse_size;
use crate::timefunc::run::{build_model, describe_model};
use crate::timefunc::{estimate, TimeFuncOptions, Uncertainty};

/// Uncertainty method choices (MintPy's `--uq`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum UncertaintyArg {
    /// From the fit residual (MintPy's default).
    Residue,
    /// Propagated from per-date variances of the time series (--ts-cov).
    Covariance,
    /// From fits on dates drawn with replacement (--bootstrap-count, --bootstrap-seed).
    Bootstrap,
}

/// Options of `sbas velocity`.
#[derive(Debug, Args)]
pub struct VelocityArgs {
    /// The run folder (the `--out` of `sbas invert`).
    pub run_dir: PathBuf,
    /// Input time-series product (e.g. `timeseries_demErr`).
    #[arg(long = "ts", value_name = "STEM", default_value = "timeseries")]
    pub ts: String,
    /// Output product.
    #[arg(
        long = "out",
        short = 'o',
        value_name = "STEM",
        default_value = "velocity"
    )]
    pub out: String,
    /// Leave out dates before this one (YYYYMMDD or YYYY-MM-DD).
    #[arg(long, value_name = "DATE")]
    pub start_date: Option<String>,
    /// Leave out dates after this one.
    #[arg(long, value_name = "DATE")]
    pub end_date: Option<String>,
    /// Leave out these dates (repeatable, or comma-separated).
    #[arg(long = "exclude-date", value_name = "DATE", num_args = 1.., value_delimiter = ',')]
    pub exclude_date: Vec<String>,
    /// Polynomial degree: 1 linear (velocity), 2 quadratic (acceleration), ...
    #[arg(
        long = "poly-order",
        visible_alias = "polynomial",
        value_name = "N",
        default_value_t = 1
    )]
    pub poly_order: usize,
    /// Periodic terms, periods in years (1.0 annual, 0.5 semi-annual), e.g. `--periodic 1.0,0.5`.
    #[arg(long, value_name = "YEARS", num_args = 1.., value_delimiter = ',')]
    pub periodic: Vec<f64>,
    /// Step (offset) at these dates, YYYYMMDD or YYYYMMDDTHHMM.
    #[arg(long = "step-date", value_name = "DATE", num_args = 1.., value_delimiter = ',')]
    pub step_date: Vec<String>,
    /// Extra line segments (velocity changes) starting at these dates.
    #[arg(long, value_name = "DATE", num_args = 1.., value_delimiter = ',')]
    pub polyline: Vec<String>,
    /// Exponential relaxation: onset date and characteristic times in days, comma-separated,
    /// e.g. `--exp 20200215,30,90` (repeatable).
    #[arg(long, value_name = "ONSET,TAU[,TAU...]")]
    pub exp: Vec<String>,
    /// Logarithmic relaxation: onset date and characteristic times in days, comma-separated
    /// (repeatable).
    #[arg(long, value_name = "ONSET,TAU[,TAU...]")]
    pub log: Vec<String>,
    /// How the standard deviations are estimated.
    #[arg(long, value_enum, default_value_t = UncertaintyArg::Residue)]
    pub uncertainty: UncertaintyArg,
    /// Product holding per-date variances (m^2) of the time series, for `--uncertainty covariance`.
    #[arg(long = "ts-cov", value_name = "STEM")]
    pub ts_cov: Option<String>,
    /// Number of bootstrap draws.
    #[arg(long, value_name = "N", default_value_t = 400)]
    pub bootstrap_count: usize,
    /// Seed of the bootstrap draws (the same seed gives the same result).
    #[arg(long, value_name = "S", default_value_t = 1)]
    pub bootstrap_seed: u64,
    /// Memory budget, e.g. `512MiB`, `4GB`.
    #[arg(long, value_name = "SIZE", default_value = "2GiB")]
    pub max_memory: String,
}

impl VelocityArgs {
    /// The library options these arguments ask for.
    pub fn options(&self) -> anyhow::Result<TimeFuncOptions> {
        let uncertainty = match self.uncertainty {
            UncertaintyArg::Residue => Uncertainty::Residue,
            UncertaintyArg::Covariance => match &self.ts_cov {
                Some(stem) => Uncertainty::Covariance { stem: stem.clone() },
                None => bail!("--uncertainty covariance needs --ts-cov STEM (a product of per-date variances)"),
            },
            UncertaintyArg::Bootstrap => Uncertainty::Bootstrap {
                count: self.bootstrap_count,
                seed: self.bootstrap_seed,
            },
        };
        Ok(TimeFuncOptions {
            ts_stem: self.ts.clone(),
            out_stem: self.out.clone(),
            start_date: self.start_date.clone(),
            end_date: self.end_date.clone(),
            exclude_dates: self.exclude_date.clone(),
            polynomial: self.poly_order,
            periodic: self.periodic.clone(),
            steps: self.step_date.clone(),
            polylines: self.polyline.clone(),
            exps: self.exp.iter().map(|t| split_words(t)).collect(),
            logs: self.log.iter().map(|t| split_words(t)).collect(),
            uncertainty,
            max_memory: parse_size(&self.max_memory).context("--max-memory")?,
            split: Default::default(),
        })
    }
}

/// `ONSET,TAU,...` as its words.
fn split_words(text: &str) -> Vec<String> {
    text.split(',')
        .map(|w| w.trim().to_string())
        .filter(|w| !w.is_empty())
        .collect()
}

/// Runs `sbas velocity`.
pub fn run(args: &VelocityArgs) -> anyhow::Result<()> {
    if !args.run_dir.is_dir() {
        bail!("{} is not a folder", args.run_dir.display());
    }
    let opts = args.options()?;
    let model = build_model(&opts)?;
    let started = Instant::now();
    let path = estimate(&args.run_dir, &opts)?;
    println!(
        "time functions ({}; uncertainty: {}) of {} -> {} in {:.1} s",
        describe_model(&model),
        opts.uncertainty.name(),
        opts.ts_stem,
        path.display(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
