//! The `sbas` command line: one subcommand per user task. No science here.

use clap::{Parser, Subcommand};

pub mod correct_tropo;
pub mod demo;
pub mod info;
pub mod invert;
pub mod run;
pub mod simulate;

/// InSAR small-baseline time-series analysis.
#[derive(Debug, Parser)]
#[command(name = "sbas", version, about)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Invert a stack of unwrapped interferograms into a displacement time series.
    Invert(invert::InvertArgs),
    /// Simulate a small stack, invert it and report the error against the ground truth.
    Demo(demo::DemoArgs),
    /// Show what a run folder holds and how far an unfinished run got.
    Info(info::InfoArgs),
    /// Write a synthetic ISCE2 topsStack tree with ground truth.
    Simulate(simulate::SimulateArgs),
    /// Run MintPy's smallbaselineApp workflow from a MintPy template.
    Run(run::RunArgs),
    /// Subtract an external tropospheric delay (ERA5/GACOS computed elsewhere) from a time series.
    CorrectTropo(correct_tropo::CorrectTropoArgs),
}

/// `errno` of a full disk on Linux.
const ENOSPC: i32 = 28;

/// Parses the command line and runs it; returns the process exit code.
pub fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Invert(args) => invert::run(&args),
        Command::Simulate(args) => simulate::run(&args),
        Command::Demo(args) => demo::run(&args),
        Command::Info(args) => info::run(&args),
        Command::Run(args) => run::run(&args),
        Command::CorrectTropo(args) => correct_tropo::run(&args),
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            let disk_full = e.chain().any(|c| {
                c.downcast_ref::<std::io::Error>()
                    .is_some_and(|io| io.raw_os_error() == Some(ENOSPC))
                    || c.to_string().contains("No space left on device")
            });
            if disk_full {
                eprintln!(
                    "hint: the disk is full. Free some space and run the same command again: \
                     the run resumes where it stopped."
                );
            }
            std::process::ExitCode::FAILURE
        }
    }
}
