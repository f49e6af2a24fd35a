//! Agreement with MintPy 1.6.4 on the committed fixture (tests/fixtures/mintpy_small, made by
//! scripts/make-mintpy-fixture.sh): same stack, same reference point (y=20, x=25), weights var
//! and no; both from the ISCE2 tree and from MintPy's own ifgramStack.h5.

use std::path::{Path, PathBuf};
use std::time::Instant;

use sbas::assess::timeseries_error;
use sbas::invert::{InversionConfig, WeightFunc};
use sbas::product::inversion::{OutputFormat, RunResults};
use sbas::simulate::Truth;
use sbas::source::open_stack;
use sbas::survey::RefRequest;
use sbas::window::Window;
use sbas::workflow::{invert_source, InvertOptions};

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/mintpy_small")
}

struct Diff {
    pixels: usize,
    max_ts_m: f64,
    max_tcoh: f64,
}

/// Largest differences over pixels both inverted (numInvIfgram > 0 in both).
fn compare(ours: &RunResults, mintpy: &RunResults) -> Diff {
    assert_eq!(ours.dates(), mintpy.dates());
    assert_eq!(
        (ours.length(), ours.width()),
        (mintpy.length(), mintpy.width())
    );
    let w = Window::full(ours.length(), ours.width());
    let px = w.pixels();
    let (a, b) = (
        ours.read_timeseries(w).unwrap(),
        mintpy.read_timeseries(w).unwrap(),
    );
    let (na, nb) = (
        ours.read_layer("numInvIfgram", w).unwrap(),
        mintpy.read_layer("numInvIfgram", w).unwrap(),
    );
    let (ca, cb) = (
        ours.read_layer("temporalCoherence", w).unwrap(),
        mintpy.read_layer("temporalCoherence", w).unwrap(),
    );
    let mut d = Diff {
        pixels: 0,
        max_ts_m: 0.0,
        max_tcoh: 0.0,
    };
    for p in 0..px {
        if na[p] == 0.0 || nb[p] == 0.0 {
            continue;
        }
        d.pixels += 1;
        assert_eq!(na[p], nb[p], "numInvIfgram differs at pixel {p}");
        d.max_tcoh = d.max_tcoh.max((ca[p] - cb[p]).abs() as f64);
        for k in 0..ours.dates().len() {
            d.max_ts_m = d.max_ts_m.max((a[k * px + p] - b[k * px + p]).abs() as f64);
        }
    }
    d
}

fn run(stack: &Path, out: &Path, weight: WeightFunc, format: OutputFormat) -> RunResults {
    let opts = InvertOptions {
        format,
        config: InversionConfig {
            weight,
            ..InversionConfig::default()
        },
        reference: RefRequest::Yx(20, 25),
        max_memory: 1 << 30,
        restart: false,
        meta: Vec::new(),
        ..InvertOptions::default()
    };
    let source = open_stack(stack).unwrap();
    invert_source(source.as_ref(), stack, out, &opts, Instant::now()).unwrap();
    RunResults::open(out).unwrap()
}

#[test]
fn matches_mintpy_for_var_and_no_weights_from_both_inputs() {
    let fx = fixture();
    let truth = Truth::load(&fx.join("stack/truth")).unwrap();
    let tmp = tempfile::tempdir().unwrap();
    for (weight, name) in [(WeightFunc::Var, "var"), (WeightFunc::No, "no")] {
        let mintpy = RunResults::open(&fx.join(format!("mintpy_{name}"))).unwrap();
        let mintpy_err = timeseries_error(&mintpy, &truth).unwrap();
        for (input, stack) in [
            ("isce", fx.join("stack")),
            ("h5", fx.join("inputs/ifgramStack.h5")),
        ] {
            if weight == WeightFunc::No && input == "h5" {
                continue; // the h5 stack was loaded once; var covers the reader
            }
            let out = tmp.path().join(format!("{name}-{input}"));
            let ours = run(&stack, &out, weight, OutputFormat::Hdf5);
            let d = compare(&ours, &mintpy);
            assert!(
                d.pixels > 1500,
                "{name}/{input}: only {} pixels compared",
                d.pixels
            );
            assert!(
                d.max_ts_m <= 0.5e-3,
                "{name}/{input}: time series differs by {} m",
                d.max_ts_m
            );
            assert!(
                d.max_tcoh <= 0.01,
                "{name}/{input}: temporal coherence differs by {}",
                d.max_tcoh
            );
            // Average spatial coherence and the mask follow from the same numbers.
            let w = Window::full(ours.length(), ours.width());
            let (sa, sb) = (
                ours.read_layer("avgSpatialCoh", w).unwrap(),
                mintpy.read_layer("avgSpatialCoh", w).unwrap(),
            );
            assert!(
                sa.iter().zip(&sb).all(|(a, b)| (a - b).abs() < 1e-5),
                "{name}/{input}: avgSpatialCoh"
            );
            let ours_err = timeseries_error(&ours, &truth).unwrap();
            assert!(
                ours_err.rmse_m <= mintpy_err.rmse_m * 1.001 + 1e-6,
                "{name}/{input}: RMSE {} m vs MintPy {} m",
                ours_err.rmse_m,
                mintpy_err.rmse_m
            );
            eprintln!(
                "{name}/{input}: {} px, max |dts| {:.3e} m, max |dtcoh| {:.2e}, RMSE {:.3} mm (MintPy {:.3} mm)",
                d.pixels, d.max_ts_m, d.max_tcoh, ours_err.rmse_m * 1e3, mintpy_err.rmse_m * 1e3
            );
        }
    }
}
