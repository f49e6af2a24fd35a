//! The whole chain against MintPy 1.6.4: `sbas run` with the template MintPy's
//! smallbaselineApp ran (tests/fixtures/mintpy_chain, made by
//! scripts/make-mintpy-chain-fixture.sh) agrees per pixel within the tolerances:
//! DEM error <= 0.1 m, corrected time series <= 0.5 mm, velocity <= 0.1 mm/year, over the pixels
//! both compute. Measured: DEM error 3.2e-5 m, series 3.9e-8 m, velocity 9.3e-8 m/year.

use crate::common;

use std::path::{Path, PathBuf};

use sbas::product::Product;
use sbas::window::Window;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// Largest |a - b| over pixels finite in both, and how many such values there are.
fn compare(ours: &Product, theirs: &Product, dataset: &str) -> (f32, usize) {
    assert_eq!(
        (ours.length(), ours.width()),
        (theirs.length(), theirs.width())
    );
    let w = Window::full(ours.length(), ours.width());
    let a = ours.read(dataset, w).unwrap();
    let b = theirs.read(dataset, w).unwrap();
    assert_eq!(a.len(), b.len(), "{dataset}: sizes differ");
    let mut worst = 0.0f32;
    let mut n = 0;
    for (x, y) in a.iter().zip(&b) {
        if x.is_finite() && y.is_finite() && *x != 0.0 && *y != 0.0 {
            worst = worst.max((x - y).abs());
            n += 1;
        }
    }
    (worst, n)
}

#[test]
fn whole_chain_matches_mintpy() {
    let tmp = tempfile::tempdir().unwrap();
    let work = tmp.path().join("mintpy");
    let chain = fixtures().join("mintpy_chain");
    let stack = fixtures().join("mintpy_small/stack");
    let o = common::sbas(&[
        "run",
        chain.join("template.txt").to_str().unwrap(),
        "--dir",
        work.to_str().unwrap(),
        "--stack",
        stack.to_str().unwrap(),
        "--end",
        "velocity",
    ]);
    assert!(o.status.success(), "{}", common::stderr(&o));
    let out = String::from_utf8_lossy(&o.stdout).to_string();
    for step in [
        "invert_network",
        "correct_topography",
        "residual_RMS",
        "reference_date",
        "velocity",
    ] {
        let line = out
            .lines()
            .find(|l| l.trim_start().starts_with(step))
            .unwrap_or_else(|| panic!("no line for {step} in:\n{out}"));
        assert!(line.ends_with("done"), "{line}");
    }

    let open = |dir: &Path, stem: &str| Product::open(dir, stem).unwrap();
    let (d, n) = compare(&open(&work, "demErr"), &open(&chain, "demErr"), "dem");
    assert!(n > 1000, "only {n} DEM error values compared");
    assert!(d <= 0.1, "DEM error: max |sbas - MintPy| = {d} m");
    let (d, n) = compare(
        &open(&work, "timeseries_demErr"),
        &open(&chain, "timeseries_demErr"),
        "timeseries",
    );
    assert!(n > 10_000, "only {n} series values compared");
    assert!(d <= 0.5e-3, "corrected series: max |sbas - MintPy| = {d} m");
    let (d, n) = compare(
        &open(&work, "velocity"),
        &open(&chain, "velocity"),
        "velocity",
    );
    assert!(n > 1000, "only {n} velocities compared");
    assert!(d <= 0.1e-3, "velocity: max |sbas - MintPy| = {d} m/year");
    let ours = std::fs::read_to_string(work.join("reference_date.txt")).unwrap();
    let theirs = std::fs::read_to_string(chain.join("reference_date.txt")).unwrap();
    assert_eq!(ours.trim(), theirs.trim(), "reference date");
}

/// A step re-run after the whole chain (here `correct_topography`, forced by removing its DEM
/// error product, as a kill would leave it) reads the same input as the first run and gives the
/// same bits: reference_date re-references only the final series, never another step's input.
/// (With MintPy's in-place re-referencing of every series, the re-run read a re-referenced
/// `timeseries.h5` and its DEM error moved by up to 7.6e-6 m.)
#[test]
fn a_step_rerun_after_the_chain_gives_the_same_bits() {
    let tmp = tempfile::tempdir().unwrap();
    let work = tmp.path().join("mintpy");
    let chain = fixtures().join("mintpy_chain");
    let stack = fixtures().join("mintpy_small/stack");
    // The fixture's template, with a reference date other than the first (the fixture's own
    // minimum-RMS date is the first, which would leave every series as it is).
    let template = tmp.path().join("template.txt");
    let text = std::fs::read_to_string(chain.join("template.txt")).unwrap();
    std::fs::write(&template, text + "mintpy.reference.date = 20200206\n").unwrap();
    let run = |extra: &[&str]| {
        let mut args = vec![
            "run",
            template.to_str().unwrap(),
            "--dir",
            work.to_str().unwrap(),
            "--stack",
            stack.to_str().unwrap(),
            "--quiet",
        ];
        args.extend_from_slice(extra);
        let o = common::sbas(&args);
        assert!(o.status.success(), "{}", common::stderr(&o));
    };
    let sum =
        |stem: &str| sbas::assess::product_checksum(&Product::open(&work, stem).unwrap()).unwrap();
    run(&["--end", "velocity"]);
    let first = ["demErr", "timeseries_demErr", "timeseries", "velocity"].map(sum);
    let ts = Product::open(&work, "timeseries").unwrap();
    assert_eq!(
        ts.attrs().get("REF_DATE"),
        Some(ts.dates()[0].to_string().as_str()),
        "the inversion's series keeps its reference date"
    );
    let last = Product::open(&work, "timeseries_demErr").unwrap();
    assert_ne!(
        last.attrs().get("REF_DATE"),
        Some(last.dates()[0].to_string().as_str()),
        "the final series is re-referenced"
    );

    std::fs::remove_file(work.join("demErr.h5")).unwrap();
    run(&["--dostep", "correct_topography"]);
    assert_eq!(sum("demErr"), first[0], "DEM error of the re-run");
    assert_eq!(
        sum("timeseries"),
        first[2],
        "the inversion's series is untouched"
    );
    run(&["--start", "residual_RMS", "--end", "velocity"]);
    let again = ["demErr", "timeseries_demErr", "timeseries", "velocity"].map(sum);
    assert_eq!(
        again, first,
        "demErr, timeseries_demErr, timeseries, velocity"
    );
}
