//! End-to-end inversion of simulated stacks against their ground truth, across output formats
//! and memory budgets.

use crate::common;

use std::time::Instant;

use sbas::assess::timeseries_error;
use sbas::invert::{InversionConfig, WeightFunc};
use sbas::product::inversion::{OutputFormat, RunResults};
use sbas::simulate::{Effects, Truth};
use sbas::source::open_stack;
use sbas::survey::RefRequest;
use sbas::window::Window;
use sbas::workflow::{invert_source, invert_stack, InvertOptions};

fn options(
    format: OutputFormat,
    weight: WeightFunc,
    max_memory: u64,
    reference: RefRequest,
) -> InvertOptions {
    InvertOptions {
        format,
        config: InversionConfig {
            weight,
            ..InversionConfig::default()
        },
        reference,
        max_memory,
        restart: false,
        meta: Vec::new(),
        ..InvertOptions::default()
    }
}

fn everything(r: &RunResults) -> Vec<Vec<f32>> {
    let w = Window::full(r.length(), r.width());
    let mut v = vec![r.read_timeseries(w).unwrap()];
    for name in [
        "temporalCoherence",
        "numInvIfgram",
        "avgSpatialCoh",
        "maskTempCoh",
    ] {
        v.push(r.read_layer(name, w).unwrap());
    }
    v
}

#[test]
fn recovers_truth_same_in_every_format_and_chunking() {
    let tmp = tempfile::tempdir().unwrap();
    let stack = common::small_stack(tmp.path(), 60, 70, 16, Effects::all(), 3);
    let truth = Truth::load(&stack.join("truth")).unwrap();
    let auto = RefRequest::Auto { min_coherence: 0.8 };

    let big = tmp.path().join("big");
    let rep = invert_stack(
        &stack,
        &big,
        &options(OutputFormat::Zarr, WeightFunc::Var, 1 << 30, auto),
    )
    .unwrap();
    assert_eq!(rep.chunks, 1);
    let big_res = RunResults::open(&big).unwrap();
    assert!(big_res.is_complete());

    // A budget that forces many row strips must give bit-identical results, in HDF5 too.
    let source = open_stack(&stack).unwrap();
    let small = tmp.path().join("small");
    let budget = 48 << 20 | 600_000;
    let rep_small = invert_source(
        source.as_ref(),
        &stack,
        &small,
        &options(OutputFormat::Hdf5, WeightFunc::Var, budget, auto),
        Instant::now(),
    )
    .unwrap();
    assert!(rep_small.chunks > 3, "{} chunks", rep_small.chunks);
    assert_eq!(
        (rep_small.reference.y, rep_small.reference.x),
        (rep.reference.y, rep.reference.x)
    );
    let small_res = RunResults::open(&small).unwrap();
    assert_eq!(small_res.format(), OutputFormat::Hdf5);
    assert_eq!(everything(&big_res), everything(&small_res));

    // Accuracy against the truth over maskTempCoh.
    let err = timeseries_error(&big_res, &truth).unwrap();
    assert!(err.pixels as f64 > 0.6 * err.total_pixels as f64, "{err:?}");
    assert!(err.rmse_m < 0.004, "{err:?}");

    // The reference pixel: zero series, coherence 1, every interferogram counted.
    let (ry, rx) = (rep.reference.y, rep.reference.x);
    let px = Window {
        y0: ry,
        y1: ry + 1,
        x0: rx,
        x1: rx + 1,
    };
    assert!(big_res
        .read_timeseries(px)
        .unwrap()
        .iter()
        .all(|&v| v == 0.0));
    assert_eq!(
        big_res.read_layer("temporalCoherence", px).unwrap(),
        vec![1.0]
    );
    assert_eq!(
        big_res.read_layer("numInvIfgram", px).unwrap(),
        vec![rep.num_pairs as f32]
    );
    assert!(rep.reference.avg_coherence >= 0.8);
}

#[test]
fn noise_free_stack_is_recovered_exactly() {
    let tmp = tempfile::tempdir().unwrap();
    let stack = common::small_stack(tmp.path(), 30, 40, 12, Effects::noise_free(), 5);
    let truth = Truth::load(&stack.join("truth")).unwrap();
    for weight in [
        WeightFunc::Var,
        WeightFunc::No,
        WeightFunc::Coh,
        WeightFunc::Fim,
    ] {
        let out = tmp.path().join(format!("run-{weight:?}"));
        invert_stack(
            &stack,
            &out,
            &options(OutputFormat::Zarr, weight, 1 << 30, RefRequest::Yx(15, 20)),
        )
        .unwrap();
        let res = RunResults::open(&out).unwrap();
        let err = timeseries_error(&res, &truth).unwrap();
        assert!(err.max_abs_m < 1e-5, "{weight:?}: {err:?}");
        let tcoh = res
            .read_layer("temporalCoherence", Window::full(30, 40))
            .unwrap();
        assert!(tcoh.iter().all(|&c| c > 0.999), "{weight:?}");
    }
}

#[test]
fn reference_from_lalo_is_the_pixel_there() {
    let tmp = tempfile::tempdir().unwrap();
    let stack = common::small_stack(tmp.path(), 30, 40, 8, Effects::noise_free(), 9);
    let (lat, lon) = sbas::simulate::sensor::lat_lon(12, 27);
    let out = tmp.path().join("run");
    let rep = invert_stack(
        &stack,
        &out,
        &options(
            OutputFormat::Zarr,
            WeightFunc::No,
            1 << 30,
            RefRequest::Lalo(lat, lon),
        ),
    )
    .unwrap();
    assert_eq!((rep.reference.y, rep.reference.x), (12, 27));
    let attrs = RunResults::open(&out).unwrap().attrs().clone();
    assert_eq!(attrs.get("REF_Y"), Some("12"));
    assert_eq!(attrs.get("REF_X"), Some("27"));
    // Far away from the image: an error, not a pixel on the edge.
    let err = invert_stack(
        &stack,
        &tmp.path().join("far"),
        &options(
            OutputFormat::Zarr,
            WeightFunc::No,
            1 << 30,
            RefRequest::Lalo(lat + 3.0, lon),
        ),
    )
    .unwrap_err();
    assert!(format!("{err:#}").contains("outside"), "{err:#}");
}

#[test]
fn metadata_flags_override_the_stack() {
    let tmp = tempfile::tempdir().unwrap();
    let stack = common::small_stack(tmp.path(), 20, 24, 8, Effects::noise_free(), 13);
    let base = tmp.path().join("base");
    let twice = tmp.path().join("twice");
    let mut opts = options(
        OutputFormat::Zarr,
        WeightFunc::No,
        1 << 30,
        RefRequest::Yx(10, 12),
    );
    invert_stack(&stack, &base, &opts).unwrap();
    let wl = RunResults::open(&base)
        .unwrap()
        .attrs()
        .get_f64("WAVELENGTH")
        .unwrap();
    opts.meta = vec![("WAVELENGTH".into(), (2.0 * wl).to_string())];
    invert_stack(&stack, &twice, &opts).unwrap();
    let (a, b) = (
        RunResults::open(&base).unwrap(),
        RunResults::open(&twice).unwrap(),
    );
    assert_eq!(b.attrs().get_f64("WAVELENGTH").unwrap(), 2.0 * wl);
    let w = Window::full(20, 24);
    let (ta, tb) = (a.read_timeseries(w).unwrap(), b.read_timeseries(w).unwrap());
    // Displacement scales with the wavelength.
    assert!(ta
        .iter()
        .zip(&tb)
        .all(|(x, y)| (2.0 * x - y).abs() <= 1e-6 * y.abs().max(1e-3)));
    assert!(ta.iter().any(|&x| x != 0.0));
}
