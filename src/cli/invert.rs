//! `sbas invert`.

use std::path::PathBuf;

use anyhow::{bail, Context};
use clap::{Args, ValueEnum};

use crate::invert::{InversionConfig, ObsMask, SolverKind, WeightFunc};
use crate::meta::Date;
use crate::network_edit::{parse_date12, NetworkEdit};
use crate::plan::parse_size;
use crate::sink::OutputFormat;
use crate::survey::RefRequest;
use crate::workflow::{invert_stack, InvertOptions};

/// Output format choices.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FormatArg {
    /// One Zarr v3 store, `RUN_DIR/sbas.zarr`.
    Zarr,
    /// MintPy-layout HDF5 files (`timeseries.h5`, ...).
    Hdf5,
}

/// Weight function choices.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum WeightArg {
    /// Inverse phase variance from coherence and looks.
    Var,
    /// Fisher information.
    Fim,
    /// Coherence.
    Coh,
    /// No weights (ordinary least squares).
    No,
}

/// Observation mask choices.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum MaskArg {
    /// No mask.
    No,
    /// Drop observations with connected component 0.
    #[value(name = "connectComponent")]
    ConnectComponent,
    /// Drop observations with coherence below --mask-threshold.
    Coherence,
}

/// Norm of the per-pixel inversion.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum NormArg {
    /// Weighted least squares (MintPy's inversion).
    L2,
    /// Least absolute deviations, exact (robust to unwrapping errors).
    L1,
}

/// Options of `sbas invert`.
#[derive(Debug, Args)]
pub struct InvertArgs {
    /// ISCE2 topsStack project folder, or MintPy `ifgramStack.h5` (or a folder holding
    /// `inputs/ifgramStack.h5`).
    pub stack: PathBuf,
    /// Run folder for the outputs (created if needed).
    #[arg(long = "out", short = 'o', value_name = "RUN_DIR")]
    pub out: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value_t = FormatArg::Zarr)]
    pub format: FormatArg,
    /// Weight of each interferogram (MintPy weightFunc).
    #[arg(long, value_enum, default_value_t = WeightArg::Var)]
    pub weight: WeightArg,
    /// Mask observations before inversion (MintPy maskDataset).
    #[arg(long = "mask-dataset", value_enum, default_value_t = MaskArg::No)]
    pub mask_dataset: MaskArg,
    /// Coherence threshold for --mask-dataset coherence (MintPy maskThreshold).
    #[arg(long = "mask-threshold", default_value_t = 0.4)]
    pub mask_threshold: f32,
    /// Minimum number of valid interferograms touching each date (MintPy minRedundancy).
    #[arg(long = "min-redundancy", default_value_t = 1.0)]
    pub min_redundancy: f32,
    /// Norm minimised per pixel: l2 (MintPy's least squares) or l1 (least absolute
    /// deviations, robust to unwrapping errors).
    #[arg(long, value_enum, default_value_t = NormArg::L2)]
    pub norm: NormArg,
    /// Temporal coherence threshold of maskTempCoh (MintPy minTempCoh).
    #[arg(long = "min-temp-coh", default_value_t = 0.7)]
    pub min_temp_coh: f32,
    /// Reference point as row,column (e.g. `--ref-yx 120,340`).
    #[arg(long = "ref-yx", value_name = "Y,X", conflicts_with = "ref_lalo")]
    pub ref_yx: Option<String>,
    /// Reference point as latitude,longitude in degrees, through the lat/lon lookup.
    #[arg(long = "ref-lalo", value_name = "LAT,LON", allow_hyphen_values = true)]
    pub ref_lalo: Option<String>,
    /// Minimum average spatial coherence of an automatic reference point.
    #[arg(long = "min-ref-coherence", default_value_t = 0.85)]
    pub min_ref_coherence: f32,
    /// Memory budget for the chunks in flight, e.g. `512MiB`, `4GB`.
    #[arg(long = "max-memory", default_value = "2GiB")]
    pub max_memory: String,
    /// Worker threads for the inversion (default: all cores).
    #[arg(long)]
    pub threads: Option<usize>,
    /// Override a metadata value of the stack, MintPy key names (repeatable), e.g.
    /// `--meta WAVELENGTH=0.05546576 --meta NCORRLOOKS=14`.
    #[arg(long = "meta", value_name = "KEY=VALUE")]
    pub meta: Vec<String>,
    /// Leave out every interferogram that includes this date, YYYYMMDD (repeatable; MintPy
    /// network.excludeDate).
    #[arg(long = "exclude-date", value_name = "DATE")]
    pub exclude_date: Vec<String>,
    /// Leave out this interferogram, YYYYMMDD_YYYYMMDD (repeatable; MintPy network.excludeDate12).
    #[arg(long = "exclude-pair", value_name = "D1_D2")]
    pub exclude_pair: Vec<String>,
    /// Leave out interferograms longer than this many days (MintPy network.tempBaseMax).
    #[arg(long = "max-temp-baseline", value_name = "DAYS")]
    pub max_temp_baseline: Option<f64>,
    /// Leave out interferograms whose |perpendicular baseline| exceeds this many metres (MintPy
    /// network.perpBaseMax).
    #[arg(long = "max-perp-baseline", value_name = "M")]
    pub max_perp_baseline: Option<f64>,
    /// Leave out interferograms whose average coherence is below this, except those of the
    /// minimum spanning tree (MintPy network.coherenceBased + minCoherence + keepMinSpanTree).
    #[arg(long = "min-coherence", value_name = "C")]
    pub min_coherence: Option<f32>,
    /// Discard an earlier run in RUN_DIR and start over (by default an interrupted run with the
    /// same inputs and settings is resumed, and one with other inputs or settings is refused).
    #[arg(long)]
    pub restart: bool,
    /// Make written chunks durable (synced to disk and recorded as done) at least this often,
    /// in seconds; 0 syncs after every chunk. A killed run recomputes at most this much work.
    #[arg(long = "sync-every", value_name = "SECONDS", default_value_t = 2.0)]
    pub sync_every: f64,
    /// Invert only part of the stack.
    #[command(flatten)]
    pub subset: super::subset::SubsetFlags,
    /// Print only warnings and errors.
    #[arg(long, short = 'q')]
    pub quiet: bool,
    /// Also draw the main maps as PNGs into RUN_DIR/pic/ (see `sbas view`).
    #[arg(long)]
    pub pic: bool,
}

fn parse_pair<T: std::str::FromStr>(text: &str, what: &str) -> anyhow::Result<(T, T)> {
    let parts: Vec<&str> = text.split(',').map(|s| s.trim()).collect();
    if parts.len() != 2 {
        bail!("{what} '{text}': expected two numbers separated by a comma");
    }
    let a = parts[0]
        .parse()
        .ok()
        .with_context(|| format!("{what} '{text}': '{}' is not a number", parts[0]))?;
    let b = parts[1]
        .parse()
        .ok()
        .with_context(|| format!("{what} '{text}': '{}' is not a number", parts[1]))?;
    Ok((a, b))
}

/// Parses `KEY=VALUE`; numeric keys are checked to hold numbers.
fn parse_meta(text: &str) -> anyhow::Result<(String, String)> {
    let (k, v) = text
        .split_once('=')
        .with_context(|| format!("--meta '{text}': expected KEY=VALUE"))?;
    let (k, v) = (k.trim(), v.trim());
    if k.is_empty() || v.is_empty() {
        bail!("--meta '{text}': expected KEY=VALUE");
    }
    const NUMERIC: [&str; 8] = [
        "WAVELENGTH",
        "NCORRLOOKS",
        "ALOOKS",
        "RLOOKS",
        "STARTING_RANGE",
        "RANGE_PIXEL_SIZE",
        "AZIMUTH_PIXEL_SIZE",
        "HEADING",
    ];
    if NUMERIC.contains(&k) && v.parse::<f64>().map(|x| !x.is_finite()).unwrap_or(true) {
        bail!("--meta {k}={v}: {k} must be a number");
    }
    Ok((k.to_string(), v.to_string()))
}

impl InvertArgs {
    /// Turns the command line into run options, checking values.
    pub fn options(&self) -> anyhow::Result<InvertOptions> {
        let reference = match (&self.ref_yx, &self.ref_lalo) {
            (Some(t), _) => {
                let (y, x) = parse_pair::<usize>(t, "--ref-yx")?;
                RefRequest::Yx(y, x)
            }
            (None, Some(t)) => {
                let (lat, lon) = parse_pair::<f64>(t, "--ref-lalo")?;
                if !(-90.0..=90.0).contains(&lat) || !(-180.0..=360.0).contains(&lon) {
                    bail!(
                        "--ref-lalo '{t}': latitude must be within -90..90 and longitude -180..360"
                    );
                }
                RefRequest::Lalo(lat, lon)
            }
            (None, None) => RefRequest::Auto {
                min_coherence: self.min_ref_coherence,
            },
        };
        for (name, v) in [
            ("--mask-threshold", self.mask_threshold),
            ("--min-temp-coh", self.min_temp_coh),
            ("--min-ref-coherence", self.min_ref_coherence),
        ] {
            if !(0.0..=1.0).contains(&v) {
                bail!("{name} {v}: must be between 0 and 1");
            }
        }
        if self.min_redundancy.is_nan() || self.min_redundancy < 0.0 {
            bail!("--min-redundancy must be >= 0");
        }
        let config = InversionConfig {
            weight: match self.weight {
                WeightArg::Var => WeightFunc::Var,
                WeightArg::Fim => WeightFunc::Fim,
                WeightArg::Coh => WeightFunc::Coh,
                WeightArg::No => WeightFunc::No,
            },
            mask: match self.mask_dataset {
                MaskArg::No => None,
                MaskArg::ConnectComponent => Some(ObsMask::ConnComp),
                MaskArg::Coherence => Some(ObsMask::Coherence(self.mask_threshold)),
            },
            min_redundancy: self.min_redundancy,
            min_temp_coh: self.min_temp_coh,
            solver: match self.norm {
                NormArg::L2 => SolverKind::L2,
                NormArg::L1 => SolverKind::L1,
            },
        };
        Ok(InvertOptions {
            format: match self.format {
                FormatArg::Zarr => OutputFormat::Zarr,
                FormatArg::Hdf5 => OutputFormat::Hdf5,
            },
            config,
            reference,
            max_memory: parse_size(&self.max_memory).context("--max-memory")?,
            report: super::terminal::Terminal::reporter(self.quiet),
            restart: self.restart,
            meta: self
                .meta
                .iter()
                .map(|kv| parse_meta(kv))
                .collect::<anyhow::Result<_>>()?,
            network: self.network_edit()?,
            subset: self.subset.request()?,
            restart_if_changed: false,
            sync_every: std::time::Duration::try_from_secs_f64(self.sync_every).map_err(|_| {
                anyhow::anyhow!(
                    "--sync-every must be a number of seconds >= 0, not {}",
                    self.sync_every
                )
            })?,
        })
    }

    /// The network edit of the command line (no-op without edit flags).
    fn network_edit(&self) -> anyhow::Result<NetworkEdit> {
        let exclude_dates = self
            .exclude_date
            .iter()
            .flat_map(|t| t.split(','))
            .map(|t| Date::parse(t).with_context(|| format!("--exclude-date '{t}'")))
            .collect::<anyhow::Result<_>>()?;
        let exclude_pairs = self
            .exclude_pair
            .iter()
            .flat_map(|t| t.split(','))
            .map(|t| parse_date12(t).context("--exclude-pair"))
            .collect::<anyhow::Result<_>>()?;
        for (name, v) in [
            ("--max-temp-baseline", self.max_temp_baseline),
            ("--max-perp-baseline", self.max_perp_baseline),
        ] {
            if v.is_some_and(|v| v.is_nan() || v < 0.0 || v.is_infinite()) {
                bail!("{name} must be a number >= 0");
            }
        }
        if let Some(c) = self.min_coherence {
            if !(0.0..=1.0).contains(&c) {
                bail!("--min-coherence {c}: must be between 0 and 1");
            }
        }
        Ok(NetworkEdit {
            exclude_dates,
            exclude_pairs,
            max_temp_baseline_days: self.max_temp_baseline,
            max_perp_baseline_m: self.max_perp_baseline,
            min_coherence: self.min_coherence,
            ..NetworkEdit::default()
        })
    }
}

/// Sets the size of the global thread pool (once per process).
pub fn init_threads(threads: Option<usize>) -> anyhow::Result<()> {
    if let Some(n) = threads {
        if n == 0 {
            bail!("--threads must be at least 1");
        }
        rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .build_global()
            .context("setting up the worker threads")?;
    }
    Ok(())
}

/// Runs `sbas invert`.
pub fn run(args: &InvertArgs) -> anyhow::Result<()> {
    let opts = args.options()?;
    init_threads(args.threads)?;
    let report = invert_stack(&args.stack, &args.out, &opts)?;
    let pictures = if args.pic {
        crate::plot::overview(&args.out)?
    } else {
        Vec::new()
    };
    if !args.quiet {
        println!("outputs:");
        for f in report.outputs.iter().chain(&pictures) {
            println!("  {}", f.display());
        }
    }
    Ok(())
}
