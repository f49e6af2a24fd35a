//! `sbas invert --norm l1` on simulated stacks with unwrapping errors (the simulator's ±2 pi
//! patches): inside the patches L1 recovers the truth where L2 spreads each error over the
//! series; elsewhere it is as good as L2.

use std::path::Path;

use sbas::product::Product;
use sbas::simulate::{Effects, Truth};
use sbas::window::Window;

use crate::common::{sbas, small_stack, stderr};

const ROWS: usize = 40;
const COLS: usize = 50;
const DATES: usize = 20;

/// Inverts `stack` with `norm` and returns the time series relative to the reference pixel
/// (dates x pixels).
fn invert(stack: &Path, run: &Path, norm: &str) -> Vec<f32> {
    let o = sbas(&[
        "invert",
        stack.to_str().unwrap(),
        "--out",
        run.to_str().unwrap(),
        "--norm",
        norm,
        "--ref-yx",
        &format!("{},{}", ROWS / 2, COLS / 2),
        "-q",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let p = Product::open(run, "timeseries").unwrap();
    p.read("timeseries", Window::full(ROWS, COLS)).unwrap()
}

/// Per pixel, the largest error over the dates against the truth (both relative to the
/// reference pixel), metres.
fn max_errors(ts: &[f32], truth: &Truth) -> Vec<f64> {
    let px = ROWS * COLS;
    let r = (ROWS / 2) * COLS + COLS / 2;
    let t = truth.timeseries();
    (0..px)
        .map(|p| {
            (0..DATES)
                .map(|d| {
                    let want = f64::from(t[d * px + p]) - f64::from(t[d * px + r]);
                    (f64::from(ts[d * px + p]) - want).abs()
                })
                .fold(0.0, f64::max)
        })
        .collect()
}

fn rms(v: &[f64], sel: &[usize]) -> f64 {
    (sel.iter().map(|&p| v[p] * v[p]).sum::<f64>() / sel.len() as f64).sqrt()
}

#[test]
fn l1_recovers_the_truth_inside_unwrapping_error_patches() {
    let tmp = tempfile::tempdir().unwrap();
    // The patches from the noise-free twin (same seed: the same patches): where L2 errs at all.
    let clean = Effects {
        deformation: true,
        unwrap_errors: true,
        ..Effects::none()
    };
    let noisy = Effects {
        seasonal: true,
        dem_error: true,
        decorrelation: true,
        ..clean
    };
    let seed = 5;
    let stack = small_stack(&tmp.path().join("clean"), ROWS, COLS, DATES, clean, seed);
    let truth = Truth::load(&stack.join("truth")).unwrap();
    let l2 = max_errors(&invert(&stack, &tmp.path().join("c2"), "l2"), &truth);
    let l1 = max_errors(&invert(&stack, &tmp.path().join("c1"), "l1"), &truth);
    let patch: Vec<usize> = (0..ROWS * COLS).filter(|&p| l2[p] > 1e-3).collect();
    assert!(patch.len() > 100, "{} pixels in the patches", patch.len());
    // Noise-free: L2 is off by centimetres there, L1 exact.
    assert!(rms(&l2, &patch) > 5e-3, "L2 {}", rms(&l2, &patch));
    assert!(
        l1.iter().all(|e| *e < 1e-5),
        "L1 worst {}",
        l1.iter().fold(0.0f64, |a, b| a.max(*b))
    );

    let stack = small_stack(&tmp.path().join("noisy"), ROWS, COLS, DATES, noisy, seed);
    let truth = Truth::load(&stack.join("truth")).unwrap();
    let l2 = max_errors(&invert(&stack, &tmp.path().join("n2"), "l2"), &truth);
    let l1 = max_errors(&invert(&stack, &tmp.path().join("n1"), "l1"), &truth);
    let rest: Vec<usize> = (0..ROWS * COLS).filter(|p| !patch.contains(p)).collect();
    let (l2_in, l1_in) = (rms(&l2, &patch), rms(&l1, &patch));
    let (l2_out, l1_out) = (rms(&l2, &rest), rms(&l1, &rest));
    // With decorrelation noise (measured: patches L2 7.2 mm, L1 2.5 mm; elsewhere L2 1.6 mm,
    // L1 2.3 mm, as worst error over the dates): inside the patches L1 stays at the noise
    // level it has elsewhere, far below L2; elsewhere L1 pays for its robustness with more
    // noise than least squares (which is optimal for Gaussian noise).
    assert!(l1_in < 0.4 * l2_in, "patches: L1 {l1_in} vs L2 {l2_in}");
    assert!(
        l1_in < 1.5 * l1_out,
        "L1 patches {l1_in} vs elsewhere {l1_out}"
    );
    assert!(
        l1_out < 2.0 * l2_out,
        "elsewhere: L1 {l1_out} vs L2 {l2_out}"
    );
    let o = sbas(&["info", tmp.path().join("n1").to_str().unwrap()]);
    assert!(String::from_utf8_lossy(&o.stdout).contains("norm"));
}
