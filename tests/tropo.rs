//! External tropospheric delays against MintPy 1.6.4 (`diff.py` with an ERA5.h5, and
//! `tropo_gacos.py`) on the committed fixture (tests/fixtures/mintpy_chain/tropo).

use crate::common;

use std::path::{Path, PathBuf};

use sbas::product::Product;
use sbas::window::Window;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// A run folder holding MintPy's timeseries.h5 and geometryRadar.h5 of the small fixture.
fn run_dir(tmp: &Path) -> PathBuf {
    let run = tmp.join("run");
    std::fs::create_dir_all(run.join("inputs")).unwrap();
    let small = fixtures().join("mintpy_small");
    std::fs::copy(
        small.join("mintpy_var/timeseries.h5"),
        run.join("timeseries.h5"),
    )
    .unwrap();
    std::fs::copy(
        small.join("inputs/geometryRadar.h5"),
        run.join("inputs/geometryRadar.h5"),
    )
    .unwrap();
    run
}

/// Largest |a - b| over values finite in both; also checks both are NaN at the same places.
fn max_diff(a: &[f32], b: &[f32]) -> f32 {
    assert_eq!(a.len(), b.len());
    let mut worst = 0.0f32;
    for (x, y) in a.iter().zip(b) {
        assert_eq!(x.is_nan(), y.is_nan(), "NaN pattern differs: {x} vs {y}");
        if x.is_finite() && y.is_finite() {
            worst = worst.max((x - y).abs());
        }
    }
    worst
}

fn read_all(dir: &Path, stem: &str) -> (Vec<f32>, Vec<String>) {
    let p = Product::open(dir, stem).unwrap();
    let w = Window::full(p.length(), p.width());
    let dates = p.dates().iter().map(|d| d.to_string()).collect();
    (p.read("timeseries", w).unwrap(), dates)
}

#[test]
fn era5_file_is_subtracted_as_mintpy_diff() {
    let tmp = tempfile::tempdir().unwrap();
    let run = run_dir(tmp.path());
    let delay = fixtures().join("mintpy_chain/tropo/ERA5.h5");
    let o = common::sbas(&[
        "correct-tropo",
        run.to_str().unwrap(),
        "--delay",
        delay.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", common::stderr(&o));
    assert!(
        common::stderr(&o).contains("lacks 1 date"),
        "{}",
        common::stderr(&o)
    );
    let (ours, dates) = read_all(&run, "timeseries_ERA5");
    let (theirs, their_dates) = read_all(&fixtures().join("mintpy_chain/tropo"), "timeseries_ERA5");
    assert_eq!(dates, their_dates);
    let d = max_diff(&ours, &theirs);
    assert!(d <= 1e-7, "max |sbas - MintPy| = {d} m");
    // The correction did something.
    let (input, _) = read_all(&run, "timeseries");
    assert!(max_diff(&ours, &input) > 1e-3);
}

#[test]
fn gacos_folder_matches_tropo_gacos() {
    let tmp = tempfile::tempdir().unwrap();
    let run = run_dir(tmp.path());
    let gacos = fixtures().join("mintpy_chain/tropo/GACOS");
    let o = common::sbas(&[
        "correct-tropo",
        run.to_str().unwrap(),
        "--delay",
        gacos.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", common::stderr(&o));
    let fx = fixtures().join("mintpy_chain/tropo");
    let (ours, dates) = read_all(&run, "inputs/GACOS");
    let (theirs, their_dates) = read_all(&fx, "GACOS");
    assert_eq!(dates, their_dates);
    let d = max_diff(&ours, &theirs);
    assert!(d <= 1e-5, "LOS delay: max |sbas - MintPy| = {d} m");
    let (ours, _) = read_all(&run, "timeseries_GACOS");
    let (theirs, _) = read_all(&fx, "timeseries_GACOS");
    let d = max_diff(&ours, &theirs);
    assert!(d <= 1e-5, "corrected series: max |sbas - MintPy| = {d} m");
}

#[test]
fn bad_delays_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let run = run_dir(tmp.path());
    // Not a time series.
    let geom = run.join("inputs/geometryRadar.h5");
    let o = common::sbas(&[
        "correct-tropo",
        run.to_str().unwrap(),
        "--delay",
        geom.to_str().unwrap(),
    ]);
    assert!(!o.status.success());
    // Missing file, empty GACOS folder.
    let empty = tmp.path().join("empty");
    std::fs::create_dir_all(&empty).unwrap();
    for delay in [tmp.path().join("nope.h5"), empty] {
        let o = common::sbas(&[
            "correct-tropo",
            run.to_str().unwrap(),
            "--delay",
            delay.to_str().unwrap(),
        ]);
        assert!(!o.status.success(), "{}", delay.display());
        assert!(common::stderr(&o).contains("error:"));
    }
    assert!(!run.join("timeseries_nope.h5").exists());
}

#[test]
fn a_small_memory_budget_gives_the_same_correction_or_a_clear_error() {
    let delay = fixtures().join("mintpy_chain/tropo/ERA5.h5");
    let correct = |run: &Path, max_memory: &str| {
        common::sbas(&[
            "correct-tropo",
            run.to_str().unwrap(),
            "--delay",
            delay.to_str().unwrap(),
            "--max-memory",
            max_memory,
        ])
    };
    let tmp = tempfile::tempdir().unwrap();
    let whole = run_dir(&tmp.path().join("whole"));
    let o = correct(&whole, "2GiB");
    assert!(o.status.success(), "{}", common::stderr(&o));
    // 12 + 2 x 11 float planes of 50 columns are 6,800 bytes a row: the fixed 48 MiB plus
    // 20,400 bytes is a budget of 3 rows, so the 40 rows go in 14 strips.
    let strips = run_dir(&tmp.path().join("strips"));
    let o = correct(&strips, &((48u64 << 20) + 20_400).to_string());
    assert!(o.status.success(), "{}", common::stderr(&o));
    let (a, _) = read_all(&whole, "timeseries_ERA5");
    let (b, _) = read_all(&strips, "timeseries_ERA5");
    assert_eq!(max_diff(&a, &b), 0.0);
    // Not even one row fits: an error naming the option, and no corrected product.
    let small = run_dir(&tmp.path().join("small"));
    let o = correct(&small, "1MiB");
    assert!(!o.status.success());
    assert!(
        common::stderr(&o).contains("--max-memory"),
        "{}",
        common::stderr(&o)
    );
    assert!(!Product::exists(&small, "timeseries_ERA5"));
}
