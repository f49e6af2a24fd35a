//! Corrections end to end on simulated stacks: simulate -> `sbas invert` -> `sbas correct ...`,
//! checked against the simulator's ground truth.

use std::path::Path;

use crate::common::{sbas, small_stack, stderr};
use sbas::correct::dem_error::{self, DemErrOptions};
use sbas::product::{Product, GEOMETRY_STEM};
use sbas::simulate::{Effects, Truth};
use sbas::window::Window;

const ROWS: usize = 30;
const COLS: usize = 40;
const DATES: usize = 12;

/// Simulates and inverts a stack into `dir/run`, referenced to the simulator's reference pixel.
fn invert(dir: &Path, effects: Effects, format: &str) -> (std::path::PathBuf, Truth) {
    let stack = small_stack(dir, ROWS, COLS, DATES, effects, 7);
    let run = dir.join("run");
    let (ry, rx) = (ROWS / 2, COLS / 2);
    let out = sbas(&[
        "invert",
        stack.to_str().unwrap(),
        "--out",
        run.to_str().unwrap(),
        "--format",
        format,
        "--ref-yx",
        &format!("{ry},{rx}"),
        "--quiet",
    ]);
    assert!(out.status.success(), "invert failed: {}", stderr(&out));
    (run, Truth::load(&stack.join("truth")).unwrap())
}

fn correct(args: &[&str]) {
    let mut all = vec!["correct"];
    all.extend_from_slice(args);
    let out = sbas(&all);
    assert!(
        out.status.success(),
        "sbas {all:?} failed: {}",
        stderr(&out)
    );
}

fn read_all(dir: &Path, stem: &str, dataset: &str) -> Vec<f32> {
    let p = Product::open(dir, stem).unwrap();
    p.read(dataset, Window::full(p.length(), p.width()))
        .unwrap()
}

/// `r sin(inc)` per pixel from the run's geometry product.
fn range_sin_inc(run: &Path) -> Vec<f64> {
    let r = read_all(run, GEOMETRY_STEM, "slantRangeDistance");
    let i = read_all(run, GEOMETRY_STEM, "incidenceAngle");
    r.iter()
        .zip(&i)
        .map(|(&r, &i)| r as f64 * (i as f64).to_radians().sin())
        .collect()
}

fn rms(v: impl Iterator<Item = f64>) -> f64 {
    let (s, n) = v.fold((0.0, 0usize), |(s, n), x| (s + x * x, n + 1));
    (s / n.max(1) as f64).sqrt()
}

#[test]
fn dem_error_is_recovered_on_a_noise_free_stack() {
    let tmp = tempfile::tempdir().unwrap();
    let effects = Effects {
        deformation: true,
        dem_error: true,
        ..Effects::none()
    };
    let (run, truth) = invert(tmp.path(), effects, "hdf5");
    correct(&["dem-error", run.to_str().unwrap()]);
    assert!(run.join("timeseries_demErr.h5").exists());
    assert!(run.join("demErr.h5").exists());
    assert!(run.join("timeseriesResidual.h5").exists());

    // The series are relative to the reference pixel, so the estimate is the DEM error minus
    // the reference pixel's, scaled by the ratio of r sin(inc).
    let s = range_sin_inc(&run);
    let p_ref = (ROWS / 2) * COLS + COLS / 2;
    let dz = truth.dem_error();
    let est = read_all(&run, "demErr", "dem");
    let mut worst = 0.0f64;
    for p in 0..ROWS * COLS {
        if p == p_ref {
            // MintPy leaves the reference pixel (all-zero series) out.
            assert_eq!(est[p], 0.0);
            continue;
        }
        let expected = dz[p] as f64 - dz[p_ref] as f64 * s[p] / s[p_ref];
        worst = worst.max((est[p] as f64 - expected).abs());
    }
    eprintln!(
        "noise-free DEM error: max |error| {worst:.2e} m (truth spans {:.1} m)",
        dz.iter().fold(0.0f32, |m, v| m.max(v.abs()))
    );
    assert!(worst < 0.01, "DEM error off by {worst} m");
    // Linear deformation is in the model: the residual is only rounding.
    let res = read_all(&run, "timeseriesResidual", "timeseries");
    assert!(res.iter().all(|v| v.abs() < 1e-5));
}

#[test]
fn corrected_series_is_closer_to_the_truth_and_rms_and_reference_date_follow() {
    let tmp = tempfile::tempdir().unwrap();
    let effects = Effects {
        deformation: true,
        seasonal: true,
        dem_error: true,
        decorrelation: true,
        water: true,
        ..Effects::none()
    };
    let (run, truth) = invert(tmp.path(), effects, "zarr");
    let out = dem_error::run(&run, "timeseries", &DemErrOptions::default(), 256 << 20).unwrap();
    assert_eq!(out.corrected, run.join("timeseries_demErr.zarr"));

    // Truth without the DEM-error term, relative to the reference pixel.
    let s = range_sin_inc(&run);
    let bperp = &truth.header().bperp;
    let dz = truth.dem_error();
    let npix = ROWS * COLS;
    let p_ref = (ROWS / 2) * COLS + COLS / 2;
    let target = |k: usize, p: usize| {
        let t = |p: usize| {
            truth.timeseries_at(k, p / COLS, p % COLS) as f64 - bperp[k] * dz[p] as f64 / s[p]
        };
        t(p) - t(p_ref)
    };
    let mask = read_all(&run, "maskTempCoh", "maskTempCoh");
    let before = read_all(&run, "timeseries", "timeseries");
    let after = read_all(&run, "timeseries_demErr", "timeseries");
    let err = |ts: &[f32]| {
        rms((0..DATES)
            .flat_map(|k| {
                (0..npix)
                    .filter(|&p| mask[p] != 0.0 && p != p_ref)
                    .map(move |p| (k, p))
            })
            .map(|(k, p)| ts[k * npix + p] as f64 - target(k, p)))
    };
    let (e0, e1) = (err(&before), err(&after));
    eprintln!("RMS error vs truth without DEM error: before {e0:.2e} m, after {e1:.2e} m");
    assert!(
        e1 < 0.7 * e0,
        "DEM-error correction did not help: {e0} -> {e1}"
    );

    // Residual RMS (quadratic deramp over maskTempCoh), then the reference date from it.
    correct(&["rms", run.to_str().unwrap()]);
    let text = std::fs::read_to_string(run.join("rms_timeseriesResidual_ramp.txt")).unwrap();
    assert_eq!(text.lines().filter(|l| !l.starts_with('#')).count(), DATES);
    let ref_date = std::fs::read_to_string(run.join("reference_date.txt")).unwrap();
    let ref_date = ref_date.trim().to_string();
    assert_eq!(
        sbas::correct::reference_date::chain_stems(&run),
        ["timeseries", "timeseries_demErr"]
    );
    correct(&["reference-date", run.to_str().unwrap()]);
    for stem in ["timeseries", "timeseries_demErr"] {
        let p = Product::open(&run, stem).unwrap();
        assert_eq!(p.attrs().get("REF_DATE"), Some(ref_date.as_str()), "{stem}");
        let k = p
            .dates()
            .iter()
            .position(|d| d.to_string() == ref_date)
            .unwrap();
        let ts = read_all(&run, stem, "timeseries");
        assert!(ts[k * npix..(k + 1) * npix].iter().all(|v| *v == 0.0));
    }
    // Differences between dates are unchanged by the re-referencing.
    let now = read_all(&run, "timeseries_demErr", "timeseries");
    let p = 3 * COLS + 5;
    let d_before = after[5 * npix + p] - after[2 * npix + p];
    let d_now = now[5 * npix + p] - now[2 * npix + p];
    assert!((d_before - d_now).abs() < 1e-6);
}

#[test]
fn ramps_are_removed() {
    let tmp = tempfile::tempdir().unwrap();
    let effects = Effects {
        ramp: true,
        ..Effects::none()
    };
    let (run, truth) = invert(tmp.path(), effects, "zarr");
    let ramp = truth.ramp().expect("the ramp truth is written");
    let npix = ROWS * COLS;
    // The inverted series are the ramps relative to the reference pixel.
    let ts = read_all(&run, "timeseries", "timeseries");
    assert!(ts.iter().fold(0.0f32, |m, v| m.max(v.abs())) > 0.005);
    let p_ref = (ROWS / 2) * COLS + COLS / 2;
    let k = DATES - 1;
    let p = 7;
    assert!((ts[k * npix + p] - (ramp[k * npix + p] - ramp[k * npix + p_ref])).abs() < 1e-5);

    correct(&[
        "deramp",
        run.to_str().unwrap(),
        "--ramp",
        "quadratic",
        "--mask",
        "no",
    ]);
    let q = read_all(&run, "timeseries_ramp", "timeseries");
    let worst_q = q.iter().fold(0.0f32, |m, v| m.max(v.abs()));
    // A plane cannot take out the quadratic part.
    correct(&[
        "deramp",
        run.to_str().unwrap(),
        "--ramp",
        "linear",
        "--mask",
        "maskTempCoh",
    ]);
    let l = read_all(&run, "timeseries_ramp", "timeseries");
    let worst_l = l.iter().fold(0.0f32, |m, v| m.max(v.abs()));
    eprintln!("after deramping: quadratic max |ts| {worst_q:.2e} m, linear {worst_l:.2e} m");
    assert!(worst_q < 1e-5, "quadratic deramp left {worst_q} m");
    assert!(
        worst_l > 1e-4,
        "a linear deramp cannot remove a quadratic ramp ({worst_l})"
    );
    // Zero at the reference pixel, every date.
    assert!((0..DATES).all(|k| l[k * npix + p_ref] == 0.0));
}

#[test]
fn cli_errors_are_clear() {
    let tmp = tempfile::tempdir().unwrap();
    let out = sbas(&[
        "correct",
        "deramp",
        tmp.path().to_str().unwrap(),
        "--ramp",
        "cubic",
    ]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("unknown ramp type 'cubic'"),
        "{}",
        stderr(&out)
    );
    let out = sbas(&["correct", "dem-error", tmp.path().to_str().unwrap()]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("timeseries"), "{}", stderr(&out));
    let out = sbas(&["correct", "reference-date", "/no/such/dir"]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("not a folder"), "{}", stderr(&out));
}
