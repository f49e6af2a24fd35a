//! `sbas correct unwrap --method bridging` against MintPy 1.6.4 (tests/fixtures/mintpy_unwrap,
//! made by scripts/make-mintpy-unwrap-fixture.sh: the integer cycles MintPy's bridging added,
//! on a stack `sbas simulate` remakes from its seed), and against the simulator's truth through
//! `sbas invert --unwrap-fix`.

use std::path::{Path, PathBuf};

use sbas::product::Product;
use sbas::source::unwrap_fix::UnwrapFix;
use sbas::window::Window;

use crate::common::unwrap::{
    correct, corrected_pixels, dense, fixture_pair_names, invert_timeseries,
    simulate_fixture_stack, TruthSeries, COLS, REF, ROWS,
};
use crate::common::{run_unwrap_template, sbas, stderr};

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/mintpy_unwrap")
}

fn mintpy_cycles(dataset: &str) -> (Vec<String>, Vec<i32>) {
    let f = hdf5::File::open(fixture().join("cycles.h5")).unwrap();
    let k: Vec<i8> = f.dataset(dataset).unwrap().read_raw().unwrap();
    (
        fixture_pair_names(&f),
        k.into_iter().map(i32::from).collect(),
    )
}

#[test]
fn bridging_matches_mintpy_and_corrects_the_inversion() {
    let tmp = tempfile::tempdir().unwrap();
    let stack = simulate_fixture_stack(tmp.path(), 16001, &[]);
    for (dataset, extra) in [
        ("unwrapPhase_bridging", &[][..]),
        ("unwrapPhase_bridging_linear", &["--ramp", "linear"][..]),
    ] {
        let (names, want) = mintpy_cycles(dataset);
        let fix = correct(
            &stack,
            &tmp.path().join(dataset),
            extra,
            "unwrapPhase_bridging",
        );
        assert_eq!((fix.length, fix.width), (ROWS, COLS));
        let got = dense(&fix, &names, 1);
        let same = want.iter().zip(&got).filter(|(a, b)| a == b).count();
        // Measured: identical everywhere (0 of 1 188 000 samples differ).
        assert!(
            same as f64 >= 0.999 * want.len() as f64,
            "{dataset}: {} of {} samples differ",
            want.len() - same,
            want.len()
        );
        // The fixture exercises the method: four interferograms with a patch each.
        assert!(want.iter().filter(|k| **k != 0).count() > 2000);
    }

    // Against the truth: the inversion of the corrected phase inside the patches.
    let fix_path = UnwrapFix::path_in(
        &tmp.path().join("unwrapPhase_bridging"),
        "unwrapPhase_bridging",
    );
    let fix = UnwrapFix::read(&fix_path).unwrap();
    let px = ROWS * COLS;
    let patch = corrected_pixels(&fix);
    let l2 = invert_timeseries(&stack, &tmp.path().join("l2"), &[]);
    let bridged = invert_timeseries(
        &stack,
        &tmp.path().join("bridged"),
        &["--unwrap-fix", fix_path.to_str().unwrap()],
    );
    let truth = TruthSeries::load(&stack);
    let n = truth.dates();
    let rmse = |ts: &[f32], inside: bool| truth.rmse(ts, &|p| patch[p] == inside);
    let (l2_in, br_in) = (rmse(&l2, true), rmse(&bridged, true));
    assert!(
        br_in < 0.5 * l2_in,
        "patches: bridged {br_in} vs L2 {l2_in}"
    );
    // Pixels without corrections invert exactly as before.
    for p in (0..px).filter(|&p| !patch[p]) {
        for d in 0..n {
            let (a, b) = (l2[d * px + p], bridged[d * px + p]);
            assert!(
                a == b || (a.is_nan() && b.is_nan()),
                "pixel {p} date {d}: {a} vs {b}"
            );
        }
    }
    eprintln!(
        "RMSE inside the patches: L2 {:.2} mm, bridging {:.2} mm; elsewhere {:.2} mm",
        l2_in * 1e3,
        br_in * 1e3,
        rmse(&l2, false) * 1e3
    );

    // The overview through the corrections: the triplets with a non-zero integer ambiguity in
    // the patches are gone.
    let ntri = |dir: &str, extra: &[&str]| {
        let out = tmp.path().join(dir);
        let r = format!("{},{}", REF.0, REF.1);
        let mut args = vec![
            "overview",
            stack.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--ref-yx",
            &r,
            "--no-pic",
            "-q",
        ];
        args.extend_from_slice(extra);
        let o = sbas(&args);
        assert!(o.status.success(), "{}", stderr(&o));
        let p = Product::open(&out, "numTriNonzeroIntAmbiguity").unwrap();
        let v = p.read("mask", Window::full(ROWS, COLS)).unwrap();
        (0..px)
            .filter(|&q| patch[q])
            .map(|q| f64::from(v[q]))
            .filter(|v| v.is_finite())
            .sum::<f64>()
    };
    let (before, after) = (
        ntri("ov", &[]),
        ntri("ov_fixed", &["--unwrap-fix", fix_path.to_str().unwrap()]),
    );
    assert!(
        after < 0.1 * before,
        "triplets in the patches: {before} -> {after}"
    );

    // `sbas run` with MintPy's key runs the step and inverts the corrected phase.
    let work = tmp.path().join("mintpy");
    run_unwrap_template(&stack, &work, REF, "bridging");
    let step_fix = UnwrapFix::read(&UnwrapFix::path_in(&work, "unwrapPhase_bridging")).unwrap();
    assert_eq!(step_fix.pairs, fix.pairs);
    let p = Product::open(&work, "timeseries").unwrap();
    let run_ts = p.read("timeseries", Window::full(ROWS, COLS)).unwrap();
    let worst = run_ts
        .iter()
        .zip(&bridged)
        .filter(|(a, b)| a.is_finite() && b.is_finite())
        .map(|(a, b)| (a - b).abs())
        .fold(0.0f32, f32::max);
    assert!(
        worst < 1e-6,
        "sbas run vs sbas invert --unwrap-fix: {worst}"
    );
}
