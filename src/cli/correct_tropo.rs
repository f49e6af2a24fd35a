//! `sbas correct-tropo RUN_DIR --delay FILE`: subtract an external tropospheric delay.

use std::path::PathBuf;

use anyhow::Context;
use clap::Args;

use crate::cli::invert::FormatArg;
use crate::plan::parse_size;
use crate::product::inversion::OutputFormat;
use crate::tropo::{correct, DelaySource};

/// Options of `sbas correct-tropo`.
#[derive(Debug, Args)]
pub struct CorrectTropoArgs {
    /// Run folder holding the time series.
    pub run_dir: PathBuf,
    /// The delay: a MintPy-layout time series of delays in metres (`ERA5.h5`, `GACOS.h5`, a
    /// `.zarr` product), a folder of GACOS `YYYYMMDD.ztd` + `.ztd.rsc` zenith delays, or an
    /// ARIA-tools correction stack (`stack/troposphereTotal/HRRRStack.vrt`,
    /// `stack/setStack.vrt`), loaded first into `RUN_DIR/inputs/<layer>_ARIA.h5`.
    #[arg(long, value_name = "FILE|DIR")]
    pub delay: PathBuf,
    /// Time series to correct (a product of RUN_DIR).
    #[arg(long, default_value = "timeseries")]
    pub input: String,
    /// Name of the corrected series (default: INPUT_ERA5 for an HDF5/Zarr delay named ERA5.*,
    /// INPUT_GACOS for a GACOS folder, INPUT_<layer>_ARIA for an ARIA stack, else
    /// INPUT_<delay file stem>).
    #[arg(long)]
    pub output: Option<String>,
    /// Format of the corrected series.
    #[arg(long, value_enum, default_value_t = FormatArg::Hdf5)]
    pub format: FormatArg,
    /// Memory budget, e.g. `512MiB`.
    #[arg(long = "max-memory", default_value = "2GiB")]
    pub max_memory: String,
}

/// Runs `sbas correct-tropo`.
pub fn run(args: &CorrectTropoArgs) -> anyhow::Result<()> {
    let max_memory = parse_size(&args.max_memory).context("--max-memory")?;
    let is_vrt = args
        .delay
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("vrt"));
    let (source, suffix) = if is_vrt {
        use crate::source::aria::corrections::{unwrap_stack_of, CorrectionStack};
        let stack = CorrectionStack::open(&args.delay, &unwrap_stack_of(&args.delay)?)?;
        (
            DelaySource::AriaStack(args.delay.clone()),
            format!("{}_ARIA", stack.name),
        )
    } else if args.delay.is_dir() {
        (
            DelaySource::GacosDir(args.delay.clone()),
            "GACOS".to_string(),
        )
    } else {
        let stem = args
            .delay
            .file_name()
            .and_then(|n| n.to_str())
            .map(|n| {
                n.trim_end_matches(".h5")
                    .trim_end_matches(".zarr")
                    .to_string()
            })
            .with_context(|| format!("--delay {}: no file name", args.delay.display()))?;
        (DelaySource::TimeseriesFile(args.delay.clone()), stem)
    };
    let output = args
        .output
        .clone()
        .unwrap_or_else(|| format!("{}_{suffix}", args.input));
    let format = match args.format {
        FormatArg::Zarr => OutputFormat::Zarr,
        FormatArg::Hdf5 => OutputFormat::Hdf5,
    };
    let path = correct(
        &args.run_dir,
        &args.input,
        &output,
        &source,
        format,
        max_memory,
        &super::terminal::Terminal::reporter(false),
    )?;
    println!("{}", path.display());
    Ok(())
}
