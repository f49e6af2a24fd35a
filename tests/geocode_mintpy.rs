//! Geocoding against MintPy 1.6.4's geocode.py (tests/fixtures/mintpy_geocode): the same grid
//! and, on >= 99% of the valid pixels, the same velocity within 0.1 mm/year.

use std::path::{Path, PathBuf};

use sbas::geo::{geocode_product, GeocodeOptions, Method};
use sbas::product::Product;
use sbas::window::Window;

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/mintpy_geocode")
}

/// A run folder holding MintPy's velocity.h5 and the lookup as inputs/geometryRadar.h5.
fn run_dir(tmp: &Path) -> PathBuf {
    let run = tmp.join("run");
    std::fs::create_dir_all(run.join("inputs")).unwrap();
    std::fs::copy(fixture().join("velocity.h5"), run.join("velocity.h5")).unwrap();
    std::fs::copy(
        fixture().join("geometryRadar.h5"),
        run.join("inputs/geometryRadar.h5"),
    )
    .unwrap();
    run
}

fn close(a: f64, b: f64, rel: f64) -> bool {
    (a - b).abs() <= rel * a.abs().max(b.abs())
}

fn compare(ours: &Product, mintpy: &Product) {
    let (a, m) = (ours.attrs(), mintpy.attrs());
    assert_eq!(
        (ours.length(), ours.width()),
        (mintpy.length(), mintpy.width())
    );
    for k in ["Y_FIRST", "X_FIRST", "Y_STEP", "X_STEP"] {
        let (x, y) = (a.get_f64(k).unwrap(), m.get_f64(k).unwrap());
        assert!(close(x, y, 1e-9), "{k}: ours {x}, MintPy {y}");
    }
    for k in ["REF_Y", "REF_X"] {
        assert_eq!(a.get(k), m.get(k), "{k}");
    }
    for k in ["REF_LAT", "REF_LON"] {
        let (x, y) = (a.get_f64(k).unwrap(), m.get_f64(k).unwrap());
        assert!((x - y).abs() < 1e-4, "{k}: ours {x}, MintPy {y}");
    }
    assert!(!a.contains("LAT_REF1"));
    let w = Window::full(ours.length(), ours.width());
    let ours_v = ours.read("velocity", w).unwrap();
    let theirs = mintpy.read("velocity", w).unwrap();
    let (mut valid, mut agree, mut nan_mismatch) = (0usize, 0usize, 0usize);
    for (&o, &t) in ours_v.iter().zip(&theirs) {
        if o.is_nan() != t.is_nan() {
            nan_mismatch += 1;
        }
        if t.is_nan() {
            continue;
        }
        valid += 1;
        // 0.1 mm/year, the velocity being in m/year.
        if (o - t).abs() <= 1e-4 {
            agree += 1;
        }
    }
    assert!(valid > 1000, "{valid} valid pixels");
    let share = agree as f64 / valid as f64;
    eprintln!(
        "{agree} of {valid} valid pixels within 0.1 mm/year ({:.2} %), {nan_mismatch} differ in \
         coverage",
        100.0 * share
    );
    assert!(share >= 0.99, "only {:.2} % agree", 100.0 * share);
    assert!(
        nan_mismatch * 100 <= valid,
        "{nan_mismatch} pixels differ in coverage"
    );
}

#[test]
fn nearest_with_default_step_matches_mintpy() {
    let tmp = tempfile::tempdir().unwrap();
    let run = run_dir(tmp.path());
    let opts = GeocodeOptions::default();
    let path = geocode_product(&run, "velocity", &opts).unwrap();
    assert_eq!(path, run.join("geo/geo_velocity.h5"));
    let ours = Product::open(&run, "geo/geo_velocity").unwrap();
    let mintpy = Product::open(&fixture(), "geo_velocity").unwrap();
    compare(&ours, &mintpy);
    assert_eq!(ours.dataset_names(), mintpy.dataset_names());
}

#[test]
fn nearest_with_given_step_matches_mintpy() {
    let tmp = tempfile::tempdir().unwrap();
    let run = run_dir(tmp.path());
    let opts = GeocodeOptions {
        lalo_step: Some((-0.0004, 0.0005)),
        method: Method::Nearest,
        ..GeocodeOptions::default()
    };
    geocode_product(&run, "velocity", &opts).unwrap();
    let ours = Product::open(&run, "geo/geo_velocity").unwrap();
    let mintpy = Product::open(&fixture(), "geo_velocity_step").unwrap();
    compare(&ours, &mintpy);
}
