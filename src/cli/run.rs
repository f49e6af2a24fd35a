//! `sbas run TEMPLATE`: MintPy's smallbaselineApp workflow from a MintPy template.

use std::path::PathBuf;

use anyhow::Context;
use clap::Args;

use crate::cli::invert::FormatArg;
use crate::sink::OutputFormat;
use crate::template::app::{run_steps, RunContext, StepOutcome, StepRegistry};
use crate::template::config::RunConfig;
use crate::template::{load, steps, Template};

/// Options of `sbas run`.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// MintPy template (`smallbaselineApp.cfg` style: `mintpy.* = value`).
    pub template: PathBuf,
    /// Work folder for the outputs (default: the current folder); relative template paths are
    /// taken from here, as MintPy does.
    #[arg(long = "dir", value_name = "DIR")]
    pub dir: Option<PathBuf>,
    /// Run only this step.
    #[arg(long = "dostep", value_name = "STEP")]
    pub dostep: Option<String>,
    /// Start at this step.
    #[arg(long = "start", value_name = "STEP")]
    pub start: Option<String>,
    /// End after this step.
    #[arg(long = "end", value_name = "STEP")]
    pub end: Option<String>,
    /// The stack to read, instead of the one the template's mintpy.load.* paths name.
    #[arg(long = "stack", value_name = "PATH")]
    pub stack: Option<PathBuf>,
    /// Product format: MintPy HDF5 files (`timeseries_demErr.h5`, ...) or Zarr stores.
    #[arg(long, value_enum, default_value_t = FormatArg::Hdf5)]
    pub format: FormatArg,
    /// Worker threads (default: all cores).
    #[arg(long)]
    pub threads: Option<usize>,
    /// Print only warnings and errors.
    #[arg(long, short = 'q')]
    pub quiet: bool,
}

/// Runs `sbas run`.
pub fn run(args: &RunArgs) -> anyhow::Result<()> {
    let template = Template::read(&args.template)?;
    let work_dir = match &args.dir {
        Some(d) => d.clone(),
        None => std::env::current_dir().context("finding the current folder")?,
    };
    std::fs::create_dir_all(&work_dir)
        .with_context(|| format!("creating the work folder {}", work_dir.display()))?;
    let unsupported = template.unsupported();
    let (ignored_default, ignored): (Vec<_>, Vec<_>) =
        unsupported.into_iter().partition(|u| u.is_default);
    for u in &ignored {
        if u.known {
            eprintln!(
                "warning: template key {} = {} is not supported by sbas and is ignored",
                u.key, u.value
            );
        } else {
            eprintln!(
                "warning: template key {} = {} is not a MintPy key (a typo?) and is ignored",
                u.key, u.value
            );
        }
    }
    if !ignored_default.is_empty() && !args.quiet {
        eprintln!(
            "note: {} template key(s) that sbas does not read are at MintPy's default: {}",
            ignored_default.len(),
            ignored_default
                .iter()
                .map(|u| u.key.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    let config = RunConfig::from_template(&template)
        .with_context(|| format!("template {}", args.template.display()))?;
    let (stack, load) = load::stack_request(&template, &work_dir, args.stack.as_deref())?;
    let selected = steps::select(
        args.dostep.as_deref(),
        args.start.as_deref(),
        args.end.as_deref(),
    )?;
    crate::cli::invert::init_threads(args.threads)?;
    let platform = crate::source::open_stack_globs(&stack, &load)
        .ok()
        .and_then(|s| s.info().attrs.get("PLATFORM").map(str::to_string));
    let ctx = RunContext {
        work_dir,
        stack,
        load,
        template,
        config,
        format: match args.format {
            FormatArg::Zarr => OutputFormat::Zarr,
            FormatArg::Hdf5 => OutputFormat::Hdf5,
        },
        platform,
        report: super::terminal::Terminal::reporter(args.quiet),
    };
    let registry = StepRegistry::standard();
    let outcomes = run_steps(&ctx, &registry, &selected)?;
    if !args.quiet {
        println!("steps:");
        for (step, outcome) in &outcomes {
            let what = match outcome {
                StepOutcome::Ran => "done".to_string(),
                StepOutcome::UpToDate => "up to date".to_string(),
                StepOutcome::Off => "off".to_string(),
                StepOutcome::Skipped(why) => format!("skipped: {why}"),
            };
            println!("  {step:<22} {what}");
        }
    }
    Ok(())
}
