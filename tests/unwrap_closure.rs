//! `sbas correct unwrap --method phase_closure` (and `bridging+phase_closure`) against MintPy
//! 1.6.4's runs (tests/fixtures/mintpy_unwrap_closure, made by
//! `PART=closure scripts/make-mintpy-unwrap-fixture.sh`: the cycles MintPy added in each of
//! several runs, its samples being random), determinism, the inversion against the truth and
//! `sbas run` on a template asking for phase closure.

use std::path::{Path, PathBuf};

use sbas::product::Product;
use sbas::simulate::Truth;
use sbas::source::unwrap_fix::UnwrapFix;
use sbas::window::Window;

use crate::common::{run_unwrap_template, sbas, stderr};

const ROWS: usize = 120;
const COLS: usize = 150;
const REF: (usize, usize) = (60, 75);

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/mintpy_unwrap_closure")
}

/// The fixture's stack, simulated anew (the fixture script's arguments).
fn simulate(dir: &Path) -> PathBuf {
    let stack = dir.join("stack");
    let o = sbas(&[
        "simulate",
        stack.to_str().unwrap(),
        "--rows",
        "120",
        "--cols",
        "150",
        "--dates",
        "24",
        "--neighbors",
        "3",
        "--seed",
        "16002",
        "--unwrap-gaps",
        "--unwrap-edge",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    stack
}

fn correct(stack: &Path, out: &Path, method: &str, dataset: &str) -> UnwrapFix {
    let r = format!("{},{}", REF.0, REF.1);
    let o = sbas(&[
        "correct",
        "unwrap",
        stack.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--ref-yx",
        &r,
        "--method",
        method,
        "-q",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    UnwrapFix::read(&UnwrapFix::path_in(out, dataset)).unwrap()
}

/// Twice the corrections, as a dense (pair, row, col) array in MintPy's pair order.
fn dense_x2(fix: &UnwrapFix, names: &[String]) -> Vec<i32> {
    let px = fix.length * fix.width;
    let mut out = vec![0; names.len() * px];
    for (i, name) in names.iter().enumerate() {
        let runs = &fix.pairs.iter().find(|(n, _)| n == name).unwrap().1;
        for r in runs {
            for x in r.x0..r.x1 {
                out[i * px + r.y as usize * fix.width + x as usize] = 2 * r.k;
            }
        }
    }
    out
}

/// MintPy's runs: pair names, number of runs and twice the cycles (run, pair, row, col).
fn mintpy_runs(dataset: &str) -> (Vec<String>, usize, Vec<i32>) {
    let f = hdf5::File::open(fixture().join("cycles.h5")).unwrap();
    let ds = f.dataset(&format!("{dataset}_x2")).unwrap();
    let runs = ds.shape()[0];
    let k: Vec<i8> = ds.read_raw().unwrap();
    let dates: Vec<hdf5::types::FixedAscii<8>> = f.dataset("date").unwrap().read_raw().unwrap();
    let names = dates
        .chunks(2)
        .map(|d| format!("{}_{}", d[0].as_str(), d[1].as_str()))
        .collect();
    (names, runs, k.into_iter().map(i32::from).collect())
}

#[test]
fn phase_closure_matches_mintpy_runs_and_is_deterministic() {
    let tmp = tempfile::tempdir().unwrap();
    let stack = simulate(tmp.path());
    for (method, dataset) in [
        ("phase_closure", "unwrapPhase_phaseClosure"),
        (
            "bridging+phase_closure",
            "unwrapPhase_bridging_phaseClosure",
        ),
    ] {
        let (names, runs, want) = mintpy_runs(dataset);
        let fix = correct(&stack, &tmp.path().join(dataset), method, dataset);
        assert_eq!((fix.length, fix.width), (ROWS, COLS));
        let got = dense_x2(&fix, &names);
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
        let again = correct(&stack, &tmp.path().join("again"), method, dataset);
        assert_eq!(again.pairs, fix.pairs);
    }

    // Against the truth: phase closure does not make the inversion worse anywhere and better
    // inside the corrected pixels.
    let fix_path = UnwrapFix::path_in(
        &tmp.path().join("unwrapPhase_phaseClosure"),
        "unwrapPhase_phaseClosure",
    );
    let invert = |run: &str, extra: &[&str]| {
        let run = tmp.path().join(run);
        let r = format!("{},{}", REF.0, REF.1);
        let mut args = vec![
            "invert",
            stack.to_str().unwrap(),
            "--out",
            run.to_str().unwrap(),
            "--ref-yx",
            &r,
            "--format",
            "hdf5",
            "-q",
        ];
        args.extend_from_slice(extra);
        let o = sbas(&args);
        assert!(o.status.success(), "{}", stderr(&o));
        let p = Product::open(&run, "timeseries").unwrap();
        p.read("timeseries", Window::full(ROWS, COLS)).unwrap()
    };
    let l2 = invert("l2", &[]);
    let closed = invert("closed", &["--unwrap-fix", fix_path.to_str().unwrap()]);
    let truth = Truth::load(&stack.join("truth")).unwrap();
    let t = truth.timeseries();
    let nd = truth.dates().len();
    let px = ROWS * COLS;
    let r = REF.0 * COLS + REF.1;
    let fix = UnwrapFix::read(&fix_path).unwrap();
    let mut touched = vec![false; px];
    for (_, runs) in &fix.pairs {
        for run in runs {
            for x in run.x0..run.x1 {
                touched[run.y as usize * COLS + x as usize] = true;
            }
        }
    }
    let rmse = |ts: &[f32], sel: &dyn Fn(usize) -> bool| {
        let (mut s, mut c) = (0.0f64, 0usize);
        for p in (0..px).filter(|&p| sel(p)) {
            for d in 0..nd {
                let (got, want) = (ts[d * px + p], t[d * px + p] - t[d * px + r]);
                if got.is_finite() {
                    s += f64::from(got - want).powi(2);
                    c += 1;
                }
            }
        }
        (s / c.max(1) as f64).sqrt()
    };
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
