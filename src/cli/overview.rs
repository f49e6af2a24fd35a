//! `sbas overview`: MintPy's quick overview (avgPhaseVelocity, numTriNonzeroIntAmbiguity).

use std::path::PathBuf;

use anyhow::{bail, Context};
use clap::Args;

use crate::network_edit::NetworkEdit;
use crate::overview::run::{overview_stack, OverviewOptions};
use crate::plan::parse_size;
use crate::product::OutputFormat;
use crate::survey::RefRequest;

use super::invert::FormatArg;

/// Options of `sbas overview`.
#[derive(Debug, Args)]
pub struct OverviewArgs {
    /// A run folder of `sbas invert` (its stack and reference point are used), or a stack
    /// (ISCE2 topsStack folder, MintPy `ifgramStack.h5`).
    pub run_or_stack: PathBuf,
    /// Folder for the products (default: the run folder; required for a stack).
    #[arg(long = "out", short = 'o', value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Product format (default: the run folder's, hdf5 for a stack).
    #[arg(long, value_enum)]
    pub format: Option<FormatArg>,
    /// Reference point as row,column (default: the run's, or chosen as `sbas invert` does).
    #[arg(long = "ref-yx", value_name = "Y,X")]
    pub ref_yx: Option<String>,
    /// Minimum average spatial coherence of an automatic reference point.
    #[arg(long = "min-ref-coherence", default_value_t = 0.85)]
    pub min_ref_coherence: f32,
    /// Memory budget for the strips in flight, e.g. `512MiB`, `4GB`.
    #[arg(long = "max-memory", default_value = "2GiB")]
    pub max_memory: String,
    /// Do not draw the pictures (pic/avgPhaseVelocity.png, pic/numTriNonzeroIntAmbiguity.png).
    #[arg(long = "no-pic")]
    pub no_pic: bool,
    /// Add the unwrapping-error corrections of this file (`sbas correct unwrap`) to the phase
    /// first: the triplet count then shows what the correction left.
    #[arg(long = "unwrap-fix", value_name = "FILE")]
    pub unwrap_fix: Option<PathBuf>,
    /// Only warnings and errors.
    #[arg(long, short = 'q')]
    pub quiet: bool,
}

/// Runs `sbas overview`.
pub fn run(args: &OverviewArgs) -> anyhow::Result<()> {
    let summary = crate::resume::summarize(&args.run_or_stack)?;
    let (stack, run_ref, out) = match summary {
        Some(s) => {
            let stack = s.manifest["stack"]
                .as_str()
                .context("the run's manifest names no stack")?
                .to_string();
            let y = s.manifest["reference"]["y"].as_u64();
            let x = s.manifest["reference"]["x"].as_u64();
            let r = y.zip(x).map(|(y, x)| (y as usize, x as usize));
            let out = args
                .out
                .clone()
                .unwrap_or_else(|| args.run_or_stack.clone());
            (PathBuf::from(stack), r, out)
        }
        None => match &args.out {
            Some(o) => (args.run_or_stack.clone(), None, o.clone()),
            None => bail!(
                "{} is not a run folder: give --out DIR for the products of a stack",
                args.run_or_stack.display()
            ),
        },
    };
    let reference = match (&args.ref_yx, run_ref) {
        (Some(t), _) => {
            let (y, x) = t
                .split_once(',')
                .and_then(|(y, x)| Some((y.trim().parse().ok()?, x.trim().parse().ok()?)))
                .with_context(|| format!("--ref-yx {t}: expected ROW,COLUMN"))?;
            RefRequest::Yx(y, x)
        }
        (None, Some((y, x))) => RefRequest::Yx(y, x),
        (None, None) => RefRequest::Auto {
            min_coherence: args.min_ref_coherence,
        },
    };
    let report = super::terminal::Terminal::reporter(args.quiet);
    let opts = OverviewOptions {
        reference,
        max_memory: parse_size(&args.max_memory).context("--max-memory")?,
        format: match args.format {
            Some(FormatArg::Zarr) => OutputFormat::Zarr,
            Some(FormatArg::Hdf5) => OutputFormat::Hdf5,
            // A Zarr run keeps its results in sbas.zarr: its products are Zarr stores too.
            None if out.join("sbas.zarr").exists() => OutputFormat::Zarr,
            None => OutputFormat::Hdf5,
        },
        network: NetworkEdit::default(),
        subset: None,
        pictures: !args.no_pic,
        unwrap_fix: args.unwrap_fix.clone(),
        report: report.clone(),
    };
    let r = overview_stack(&stack, &out, &opts)?;
    report.info(format!(
        "overview of {} ({} triplets, reference y={}, x={}) in {:.2} s:",
        stack.display(),
        r.num_triplets,
        r.ref_yx.0,
        r.ref_yx.1,
        r.seconds
    ));
    for f in &r.outputs {
        report.info(format!("  {}", f.display()));
    }
    Ok(())
}
