//! The `sbas` command line: one subcommand per user task. No science here.

use clap::{Parser, Subcommand};

pub mod correct;
pub mod correct_tropo;
pub mod demo;
pub mod displacement;
pub mod export;
pub mod finalize;
pub mod geocode;
pub mod info;
pub mod invert;
pub mod overview;
pub mod run;
pub mod serve;
pub mod simulate;
pub mod slurm;
pub mod subset;
pub mod terminal;
pub mod ts;
pub mod velocity;
pub mod view;

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
    /// Finish a run split into parts: check every chunk is durable, write the final metadata.
    Finalize(finalize::FinalizeArgs),
    /// Write (and with --submit, submit) the SLURM job scripts of a run split into parts.
    Slurm(slurm::SlurmArgs),
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
    /// Cut every product of a run to a window (rows/columns or a lat/lon box) into a new folder.
    Subset(subset::SubsetArgs),
    /// Resample radar-coordinate products to a regular latitude/longitude grid (geo/geo_*).
    Geocode(geocode::GeocodeArgs),
    /// Write a 2-D layer of a geocoded product as a GeoTIFF (EPSG:4326).
    Export(export::ExportArgs),
    /// Fit time functions (velocity, seasonal terms, steps, transients) to a time series.
    Velocity(velocity::VelocityArgs),
    /// Cumulative displacement between two dates, with its statistics.
    Displacement(displacement::DisplacementArgs),
    /// Correct a run's time series: DEM error, ramps, residual RMS, reference date.
    Correct(correct::CorrectArgs),
    /// Draw a map of one layer of a run folder as a PNG.
    View(view::ViewArgs),
    /// Plot the displacement time series of one point as a PNG and a CSV.
    Ts(ts::TsArgs),
    /// MintPy's quick overview of a stack: average phase velocity and unwrapping-error triplets.
    Overview(overview::OverviewArgs),
    /// Explore a run in the browser: maps of its layers, a pixel's time series on a click.
    Serve(serve::ServeArgs),
}

/// `errno` of a full disk on Linux.
const ENOSPC: i32 = 28;

/// Parses the command line and runs it; returns the process exit code.
pub fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Invert(args) => invert::run(&args),
        Command::Finalize(args) => finalize::run(&args),
        Command::Slurm(args) => slurm::run(&args),
        Command::Simulate(args) => simulate::run(&args),
        Command::Demo(args) => demo::run(&args),
        Command::Info(args) => info::run(&args),
        Command::Run(args) => run::run(&args),
        Command::CorrectTropo(args) => correct_tropo::run(&args),
        Command::Subset(args) => subset::run(&args),
        Command::Geocode(args) => geocode::run(&args),
        Command::Export(args) => export::run(&args),
        Command::Velocity(args) => velocity::run(&args),
        Command::Displacement(args) => displacement::run(&args),
        Command::Correct(args) => correct::run(&args),
        Command::View(args) => view::run(&args),
        Command::Ts(args) => ts::run(&args),
        Command::Overview(args) => overview::run(&args),
        Command::Serve(args) => serve::run(&args),
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
