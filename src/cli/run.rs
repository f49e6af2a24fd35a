//! `sbas run TEMPLATE`: MintPy's smallbaselineApp workflow from a MintPy template.

use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::Args;

use super::invert::{argv_after, slurm_part};
use crate::cli::invert::FormatArg;
use crate::parts::Part;
use crate::product::inversion::OutputFormat;
use crate::resume::{read_run_invocation, write_run_invocation, Invocation};
use crate::template::app::{run_steps, RunContext, StepOutcome, StepRegistry};
use crate::template::config::RunConfig;
use crate::template::{load, split, steps, Template};
use crate::workflow::Phase;

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
    /// Only prepare a run split into parts: the steps before invert_network, then the
    /// inversion's plan, reference point, empty store and manifest. Then run the parts
    /// (`--part I/N`) and `--finalize`, once per stage (inversion, DEM error, velocity).
    #[arg(long, conflicts_with_all = ["part", "finalize"])]
    pub prepare: bool,
    /// With --prepare: fix the number of parts now (otherwise the first part to start fixes it).
    #[arg(long, value_name = "N", requires = "prepare")]
    pub parts: Option<usize>,
    /// Do only part I of N of the stage open in a prepared run (its share of the inversion's
    /// chunks, or of the DEM error's or velocity's strips). Inside a SLURM array
    /// job, a prepared work folder's part is read from SLURM_ARRAY_TASK_ID,
    /// SLURM_ARRAY_TASK_COUNT and SLURM_ARRAY_TASK_MIN when this flag is absent.
    #[arg(long, value_name = "I/N", conflicts_with = "finalize")]
    pub part: Option<String>,
    /// Close the stage open once every part is done, then run the selected steps after it, as a
    /// plain `sbas run` would, up to the next step split among the parts (whose stage it opens)
    /// or the end.
    #[arg(long)]
    pub finalize: bool,
}

/// An `sbas run` command line (the arguments after `run`), parsed.
#[derive(Debug, clap::Parser)]
#[command(name = "sbas run")]
struct RunCommand {
    #[command(flatten)]
    args: RunArgs,
}

/// Parses the arguments of `sbas run` (those after `run`).
pub fn parse_run_args(args: &[String]) -> anyhow::Result<RunArgs> {
    use clap::Parser;
    let argv = std::iter::once("sbas run".to_string()).chain(args.iter().cloned());
    RunCommand::try_parse_from(argv)
        .map(|c| c.args)
        .map_err(|e| anyhow::anyhow!("{}", e.render().to_string().trim_end()))
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
        if crate::template::PREP_ARIA_KEYS.contains(&u.key.as_str()) {
            eprintln!(
                "warning: template key {} = {} is read by MintPy's prep_aria.py only when it is \
                 run with this template by hand (smallbaselineApp's load_data does not pass it), \
                 and sbas run does not load it either: subtract an ARIA troposphere or solid \
                 Earth tide stack with `sbas correct-tropo WORK_DIR --delay STACK.vrt` (MintPy: \
                 prep_aria.py --tropo/--set, then diff.py); ionoStack.vrt is not loaded",
                u.key, u.value
            );
        } else if u.known {
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
        split: Default::default(),
    };
    let mut note = None;
    let phase = args.phase(&ctx.work_dir, &mut note)?;
    if let Some(n) = note {
        ctx.say(n);
    }
    if phase != Phase::Whole {
        // Read now, recorded once the prepare step succeeded (a fresh inversion clears the
        // state folder first).
        let inv = match phase {
            Phase::Prepare { .. } => Some(Invocation {
                cwd: std::env::current_dir().context("reading the current folder")?,
                args: argv_after("run")?,
            }),
            _ => None,
        };
        let outcomes = split::run_phase(&ctx, &selected, phase)?;
        if let Some(inv) = inv {
            write_run_invocation(&ctx.work_dir, &inv)?;
        }
        print_outcomes(&outcomes, args.quiet);
        return Ok(());
    }
    let registry = StepRegistry::standard();
    let outcomes = run_steps(&ctx, &registry, &selected)?;
    print_outcomes(&outcomes, args.quiet);
    Ok(())
}

impl RunArgs {
    /// Which phase of a split run this command does (`Whole` for a plain run).
    fn phase(&self, work_dir: &Path, note: &mut Option<String>) -> anyhow::Result<Phase> {
        if self.prepare {
            return Ok(Phase::Prepare { parts: self.parts });
        }
        if let Some(text) = &self.part {
            let part: Part = text.parse().context("--part")?;
            *note = Some(format!("part {part} (from --part)"));
            return Ok(Phase::Part(part));
        }
        if self.finalize {
            return Ok(Phase::Finalize);
        }
        // As for `sbas invert`: an array of independent runs stays one process per task unless
        // the work folder was prepared for parts.
        if std::env::var_os("SLURM_ARRAY_TASK_ID").is_none()
            || read_run_invocation(work_dir)?.is_none()
        {
            return Ok(Phase::Whole);
        }
        slurm_part(note).map(Phase::Part)
    }
}

/// Prints what happened to each step.
pub fn print_outcomes(outcomes: &[(&'static str, StepOutcome)], quiet: bool) {
    if !quiet {
        println!("steps:");
        for (step, outcome) in outcomes {
            let what = match outcome {
                StepOutcome::Ran => "done".to_string(),
                StepOutcome::UpToDate => "up to date".to_string(),
                StepOutcome::Off => "off".to_string(),
                StepOutcome::Skipped(why) => format!("skipped: {why}"),
                StepOutcome::Split(what) => what.clone(),
            };
            println!("  {step:<22} {what}");
        }
    }
}
