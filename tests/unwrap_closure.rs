//! `sbas correct unwrap --method phase_closure` (and `bridging+phase_closure`) against MintPy
//! 1.6.4's runs (tests/fixtures/mintpy_unwrap_closure, made by
//! `PART=closure scripts/make-mintpy-unwrap-fixture.sh`: the cycles MintPy added in each of
//! several runs, its samples being random), determinism, the inversion against the truth and
//! `sbas run` on a template asking for phase closure.

use std::path::{Path, PathBuf};

use sbas::source::unwrap_fix::UnwrapFix;

use crate::common::run_unwrap_template;
use crate::common::unwrap::{
    correct, corrected_pixels, dense, fixture_pair_names, invert_timeseries,
    simulate_fixture_stack, TruthSeries, COLS, REF, ROWS,
};

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/mintpy_unwrap_closure")
}

/// MintPy's runs: pair names, number of runs and twice the cycles (run, pair, row, col).
fn mintpy_runs(dataset: &str) -> (Vec<String>, usize, Vec<i32>) {
    let f = hdf5::File::open(fixture().join("cycles.h5")).unwrap();
    let ds = f.dataset(&format!("{dataset}_x2")).unwrap();
    let runs = ds.shape()[0];
    let k: Vec<i8> = ds.read_raw().unwrap();
    (
        fixture_pair_names(&f),
        runs,
        k.into_iter().map(i32::from).collect(),
    )
}

#[test]
fn phase_closure_matches_mintpy_runs_and_is_deterministic() {
    let tmp = tempfile::tempdir().unwrap();
    let stack = simulate_fixture_stack(tmp.path(), 16002, &["--unwrap-gaps", "--unwrap-edge"]);
    for (method, dataset) in [
        ("phase_closure", "unwrapPhase_phaseClosure"),
        (
            "bridging+phase_closure",
            "unwrapPhase_bridging_phaseClosure",
        ),
    ] {
        let (names, runs, want) = mintpy_runs(dataset);
        let fix = correct(
            &stack,
            &tmp.path().join(dataset),
            &["--method", method],
            dataset,
        );
        assert_eq!((fix.length, fix.width), (ROWS, COLS));
        let got = dense(&fix, &names, 2);
        let n = got.len();
        assert_eq!(want.len(), runs * n);
        // The fixture exercises the method: MintPy corrects something in every run.
        let mut agree = Vec::new();
        for r in 0..runs {
            let w = &want[r * n..(r + 1) * n];
            assert!(
                w.iter().filter(|k| **k != 0).count() > 500,
                "{dataset} run {r}"
            );
            let same = w.iter().zip(&got).filter(|(a, b)| a == b).count();
            agree.push(same as f64 / n as f64);
        }
        eprintln!("{dataset}: agreement with MintPy's {runs} runs: {agree:?}");
        for (r, a) in agree.iter().enumerate() {
            assert!(*a >= 0.99, "{dataset}: run {r}: {a}");
        }
        // The same input gives the same correction.
        let again = correct(
            &stack,
            &tmp.path().join("again"),
            &["--method", method],
            dataset,
        );
        assert_eq!(again.pairs, fix.pairs);
    }

    // Against the truth: phase closure does not make the inversion worse anywhere and better
    // inside the corrected pixels.
    let fix_path = UnwrapFix::path_in(
        &tmp.path().join("unwrapPhase_phaseClosure"),
        "unwrapPhase_phaseClosure",
    );
    let l2 = invert_timeseries(&stack, &tmp.path().join("l2"), &[]);
    let closed = invert_timeseries(
        &stack,
        &tmp.path().join("closed"),
        &["--unwrap-fix", fix_path.to_str().unwrap()],
    );
    let fix = UnwrapFix::read(&fix_path).unwrap();
    let touched = corrected_pixels(&fix);
    let truth = TruthSeries::load(&stack);
    let rmse = |ts: &[f32], sel: &dyn Fn(usize) -> bool| truth.rmse(ts, sel);
    let (l2_in, cl_in) = (rmse(&l2, &|p| touched[p]), rmse(&closed, &|p| touched[p]));
    let (l2_all, cl_all) = (rmse(&l2, &|_| true), rmse(&closed, &|_| true));
    eprintln!(
        "RMSE in corrected pixels: L2 {:.2} mm, phase closure {:.2} mm; whole image {:.2} / {:.2} mm",
        l2_in * 1e3,
        cl_in * 1e3,
        l2_all * 1e3,
        cl_all * 1e3
    );
    assert!(
        cl_in < 0.5 * l2_in,
        "corrected pixels: {cl_in} vs L2 {l2_in}"
    );
    assert!(cl_all <= l2_all, "whole image: {cl_all} vs L2 {l2_all}");

    // sbas run with mintpy.unwrapError.method = phase_closure runs the step.
    let work = tmp.path().join("run");
    run_unwrap_template(&stack, &work, REF, "phase_closure");
    let step_fix = UnwrapFix::read(&UnwrapFix::path_in(&work, "unwrapPhase_phaseClosure")).unwrap();
    assert_eq!(step_fix.pairs, fix.pairs);
}
