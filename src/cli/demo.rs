//! `sbas demo`: simulate a small stack, invert it, report the error against the truth.

use std::path::PathBuf;

use anyhow::Context;
use clap::Args;

use crate::assess::timeseries_error;
use crate::product::inversion::RunResults;
use crate::simulate::{simulate, SimConfig, Truth};
use crate::workflow::{invert_stack, InvertOptions};

/// Options of `sbas demo`.
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Folder for the demo stack (`DIR/stack`) and run (`DIR/run`).
    #[arg(default_value = "sbas-demo")]
    pub dir: PathBuf,
}

/// Runs `sbas demo`.
pub fn run(args: &DemoArgs) -> anyhow::Result<()> {
    let stack = args.dir.join("stack");
    let run_dir = args.dir.join("run");
    let cfg = SimConfig {
        rows: 300,
        cols: 400,
        num_dates: 40,
        neighbors: 4,
        ..SimConfig::default()
    };
    eprintln!(
        "demo: simulating a {} x {} pixel stack of {} dates (all effects on) in {}",
        cfg.rows,
        cfg.cols,
        cfg.num_dates,
        stack.display()
    );
    if stack.exists() {
        std::fs::remove_dir_all(&stack)
            .with_context(|| format!("removing the previous demo stack {}", stack.display()))?;
    }
    simulate(&stack, &cfg)?;
    // The stack was just simulated anew, so an earlier demo run in the folder is stale.
    let opts = InvertOptions {
        restart: true,
        report: super::terminal::Terminal::reporter(false),
        ..InvertOptions::default()
    };
    let report = invert_stack(&stack, &run_dir, &opts)?;
    let results = RunResults::open(&run_dir)?;
    let truth = Truth::load(&stack.join("truth"))?;
    let err = timeseries_error(&results, &truth)?;
    println!(
        "\nsbas demo finished in {:.1} s",
        report.elapsed.as_secs_f64()
    );
    println!(
        "  stack:    {} ({} dates, {} interferograms)",
        stack.display(),
        report.num_dates,
        report.num_pairs
    );
    println!(
        "  reference point: row {}, column {} ({})",
        report.reference.y, report.reference.x, report.reference.how
    );
    for f in &report.outputs {
        println!("  output:   {}", f.display());
    }
    println!(
        "  error of the time series against the truth over {} of {} pixels in maskTempCoh:",
        err.pixels, err.total_pixels
    );
    println!(
        "    RMSE {:.2} mm, 95% of errors below {:.2} mm, largest {:.1} mm",
        err.rmse_m * 1e3,
        err.p95_abs_m * 1e3,
        err.max_abs_m * 1e3
    );
    println!("  (displacement in metres, positive = towards the satellite, relative to the reference point and the first date)");
    // The answers a user wants next: the velocity map and pictures to look at.
    let velocity =
        crate::timefunc::estimate(&run_dir, &crate::timefunc::TimeFuncOptions::default())?;
    println!("  velocity: {} (m/year)", velocity.display());
    for png in crate::plot::overview(&run_dir)? {
        println!("  picture:  {}", png.display());
    }
    Ok(())
}
