//! `sbas velocity` and `sbas displacement` on inverted simulated stacks, against the simulator's
//! ground truth, in both output formats.

use std::path::{Path, PathBuf};

use crate::common::{sbas, small_stack, stderr};
use sbas::product::Product;
use sbas::simulate::{Effects, Truth};
use sbas::window::Window;

/// A noise-free stack with linear and seasonal deformation, inverted into `RUN` in `format`.
fn inverted_run(tmp: &Path, format: &str) -> (PathBuf, Truth) {
    let effects = Effects {
        deformation: true,
        seasonal: true,
        ..Effects::none()
    };
    let stack = small_stack(tmp, 20, 24, 26, effects, 5);
    let run = tmp.join("run");
    let out = sbas(&[
        "invert",
        stack.to_str().unwrap(),
        "--out",
        run.to_str().unwrap(),
        "--format",
        format,
        "--quiet",
    ]);
    assert!(out.status.success(), "invert: {}", stderr(&out));
    (run, Truth::load(&stack.join("truth")).unwrap())
}

fn read_map(run: &Path, stem: &str, dataset: &str) -> (Product, Vec<f32>) {
    let p = Product::open(run, stem).unwrap();
    let v = p
        .read(dataset, Window::full(p.length(), p.width()))
        .unwrap();
    (p, v)
}

fn ref_index(p: &Product) -> usize {
    let a = p.attrs();
    let y = a.get_f64("REF_Y").unwrap() as usize;
    let x = a.get_f64("REF_X").unwrap() as usize;
    y * p.width() + x
}

fn run_ok(args: &[&str]) -> String {
    let out = sbas(args);
    assert!(out.status.success(), "sbas {args:?}: {}", stderr(&out));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn check_format(format: &str) {
    let tmp = tempfile::tempdir().unwrap();
    let (run, truth) = inverted_run(tmp.path(), format);
    let r = run.to_str().unwrap();
    let (rows, cols) = truth.shape();

    // Velocity with an annual term: the simulated deformation is linear plus annual.
    run_ok(&["velocity", r, "--periodic", "1.0", "--max-memory", "60MiB"]);
    let (vel, v) = read_map(&run, "velocity", "velocity");
    assert_eq!(vel.attrs().get("FILE_TYPE"), Some("velocity"));
    assert_eq!(vel.attrs().get("UNIT"), Some("m/year"));
    assert_eq!(vel.attrs().get("mintpy.timeFunc.periodic"), Some("[1.0]"));
    let expected_format = if format == "zarr" { "zarr" } else { "h5" };
    assert!(vel.path().to_string_lossy().ends_with(expected_format));
    let names = vel.dataset_names();
    for n in [
        "intercept",
        "velocity",
        "velocityStd",
        "annualAmplitude",
        "annualPhase",
        "residue",
    ] {
        assert!(names.iter().any(|d| d == n), "{n} missing from {names:?}");
    }
    let k0 = ref_index(&vel);
    let tv = truth.velocity();
    let mut worst = 0f32;
    for k in 0..rows * cols {
        let err = (v[k] - v[k0]) - (tv[k] - tv[k0]);
        worst = worst.max(err.abs());
    }
    // Noise-free: only the simulator's day-count time axis differs from MintPy's decimal years.
    assert!(worst < 3e-4, "worst velocity error {worst} m/year");
    let (_, std) = read_map(&run, "velocity", "velocityStd");
    assert!(
        std.iter().all(|s| s.is_finite() && *s < 1e-3),
        "noise-free fit has tiny std"
    );

    // A line alone leaves the seasonal signal in the residue.
    run_ok(&["velocity", r, "--out", "velocity_line"]);
    let (_, res_line) = read_map(&run, "velocity_line", "residue");
    let (_, res_per) = read_map(&run, "velocity", "residue");
    let sum = |v: &[f32]| v.iter().map(|&x| x as f64).sum::<f64>();
    assert!(sum(&res_line) > 10.0 * sum(&res_per));

    // Bootstrap: the same seed gives the same result.
    for out in ["vb1", "vb2"] {
        run_ok(&[
            "velocity",
            r,
            "--out",
            out,
            "--uncertainty",
            "bootstrap",
            "--bootstrap-count",
            "40",
        ]);
    }
    let (_, b1) = read_map(&run, "vb1", "velocityStd");
    let (_, b2) = read_map(&run, "vb2", "velocityStd");
    assert_eq!(b1, b2);

    // Displacement between two dates against the truth difference.
    let dates = truth.dates().to_vec();
    let (k1, k2) = (3, dates.len() - 2);
    let (d1, d2) = (dates[k1].to_string(), dates[k2].to_string());
    let d1_dashed = format!("{}-{}-{}", &d1[..4], &d1[4..6], &d1[6..]);
    let text = run_ok(&[
        "displacement",
        r,
        "--from",
        &d1_dashed,
        "--to",
        &d2,
        "--yx",
        "5,7",
    ]);
    assert!(text.contains("positive = towards the satellite"), "{text}");
    assert!(
        text.contains("maskTempCoh pixels: median") && text.contains("at pixel y=5, x=7"),
        "{text}"
    );
    let stem = format!("displacement_{d1}_{d2}");
    let (disp, d) = read_map(&run, &stem, "displacement");
    assert_eq!(disp.attrs().get("FILE_TYPE"), Some("displacement"));
    assert_eq!(
        disp.attrs().get("DATE12"),
        Some(format!("{d1}_{d2}").as_str())
    );
    let (t1, t2) = (truth.timeseries_layer(k1), truth.timeseries_layer(k2));
    let truth_d = |k: usize| (t2[k] - t1[k]) - (t2[k0] - t1[k0]);
    let worst = (0..rows * cols)
        .map(|k| (d[k] - truth_d(k)).abs())
        .fold(0f32, f32::max);
    assert!(worst < 1e-4, "worst displacement error {worst} m");
    let printed = format!("{:.1} mm", d[5 * cols + 7] * 1000.0);
    assert!(text.contains(&printed), "{printed} not in {text}");

    // Vertical: LOS / cos(incidence) from the run's geometry.
    let text = run_ok(&["displacement", r, "--from", &d1, "--to", &d2, "--vertical"]);
    assert!(text.contains("no horizontal motion"), "{text}");
    let (vp, dv) = read_map(
        &run,
        &format!("displacement_vertical_{d1}_{d2}"),
        "displacement",
    );
    assert!(vp.attrs().get("VERTICAL_ASSUMPTION").is_some());
    let (_, inc) = read_map(&run, "inputs/geometryRadar", "incidenceAngle");
    for k in [0, 17, rows * cols - 1] {
        let want = d[k] / (inc[k] as f64).to_radians().cos() as f32;
        assert!(
            (dv[k] - want).abs() < 1e-6,
            "pixel {k}: {} vs {want}",
            dv[k]
        );
    }

    // --at LAT,LON finds the pixel through the run's geometry.
    let (_, lat) = read_map(&run, "inputs/geometryRadar", "latitude");
    let (_, lon) = read_map(&run, "inputs/geometryRadar", "longitude");
    let k = 11 * cols + 13;
    let at = format!("{},{}", lat[k], lon[k]);
    let out = "displacement_at";
    let text = run_ok(&[
        "displacement",
        r,
        "--from",
        &d1,
        "--to",
        &d2,
        "--at",
        &at,
        "-o",
        out,
    ]);
    assert!(text.contains("at pixel y=11, x=13"), "{text}");
    let far = format!("{},{}", lat[k] + 5.0, lon[k]);
    let bad = sbas(&[
        "displacement",
        r,
        "--from",
        &d1,
        "--to",
        &d2,
        "--at",
        &far,
        "-o",
        out,
    ]);
    assert!(
        !bad.status.success() && stderr(&bad).contains("outside the image"),
        "{}",
        stderr(&bad)
    );

    // Dates that are not acquisitions: a clear error naming the available range.
    let out = sbas(&["displacement", r, "--from", "20190105", "--to", &d2]);
    assert!(!out.status.success());
    let e = stderr(&out);
    assert!(
        e.contains("20190105") && e.contains(&format!("from {}", dates[0])),
        "{e}"
    );
    let out = sbas(&["displacement", r, "--from", "2020-13-01", "--to", &d2]);
    assert!(
        !out.status.success() && stderr(&out).contains("YYYYMMDD"),
        "{}",
        stderr(&out)
    );
    let out = sbas(&["velocity", r, "--out", "vx", "--exclude-date", "20190105"]);
    assert!(!out.status.success() && stderr(&out).contains("not an acquisition date"));
    assert!(!Product::exists(&run, "vx"));
    let out = sbas(&["velocity", r, "--out", "vx", "--step-date", "20100101"]);
    assert!(!out.status.success() && stderr(&out).contains("outside the dates used"));
}

#[test]
fn velocity_and_displacement_zarr() {
    check_format("zarr");
}

#[test]
fn velocity_and_displacement_hdf5() {
    check_format("hdf5");
}
