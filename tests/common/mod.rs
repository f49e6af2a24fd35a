//! Helpers shared by the end-to-end tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use sbas::simulate::{simulate, Effects, SimConfig};

/// A small simulated stack in a fresh temporary folder.
pub fn small_stack(
    dir: &Path,
    rows: usize,
    cols: usize,
    dates: usize,
    effects: Effects,
    seed: u64,
) -> PathBuf {
    let stack = dir.join("stack");
    let cfg = SimConfig {
        rows,
        cols,
        num_dates: dates,
        neighbors: 3,
        seed,
        effects,
        ..SimConfig::default()
    };
    simulate(&stack, &cfg).expect("simulating a test stack");
    stack
}

/// Runs the `sbas` binary with arguments.
pub fn sbas(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_sbas"))
        .args(args)
        .output()
        .expect("starting the sbas binary")
}

/// Standard error of a finished process as text.
pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Whether `dir` holds anything that looks like a complete result.
pub fn has_complete_output(dir: &Path) -> bool {
    if !dir.exists() {
        return false;
    }
    let h5_done = ["timeseries.h5", "temporalCoherence.h5", "maskTempCoh.h5"]
        .iter()
        .any(|f| dir.join(f).exists());
    let zarr_done = sbas::product::inversion::RunResults::open(dir)
        .map(|r| r.is_complete())
        .unwrap_or(false);
    h5_done || zarr_done
}
