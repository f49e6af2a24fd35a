//! `sbas velocity` against MintPy 1.6.4's `timeseries2velocity.py` on the same time series
//! (tests/fixtures/mintpy_velocity, made by scripts/make-mintpy-velocity-fixture.sh).

use std::path::Path;

use crate::common::{sbas, stderr};
use sbas::product::Product;
use sbas::window::Window;

const FIXTURE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/mintpy_velocity"
);
const TIMESERIES: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/mintpy_small/mintpy_var/timeseries.h5"
);

/// Fixture file stem and the `sbas velocity` options equivalent to its MintPy command line.
const CASES: [(&str, &[&str]); 5] = [
    ("velocity", &[]),
    ("velocity_periodic", &["--periodic", "1.0"]),
    ("velocity_step", &["--step-date", "20200301"]),
    (
        "velocity_poly2_exp_log",
        &[
            "--poly-order",
            "2",
            "--exp",
            "20200215,30",
            "--log",
            "20200215,30",
        ],
    ),
    (
        "velocity_window",
        &[
            "--start-date",
            "20200113",
            "--end-date",
            "2020-04-30",
            "--exclude-date",
            "20200301",
        ],
    ),
];

fn read_all(p: &Product, name: &str) -> Vec<f32> {
    p.read(name, Window::full(p.length(), p.width())).unwrap()
}

fn compare(run: &Path, stem: &str) {
    let ours = Product::open(run, stem).unwrap();
    let theirs = Product::open(Path::new(FIXTURE), stem).unwrap();
    let mut a = ours.dataset_names();
    let mut b = theirs.dataset_names();
    a.sort();
    b.sort();
    assert_eq!(a, b, "{stem}: datasets");
    for name in &b {
        let (x, y) = (read_all(&ours, name), read_all(&theirs, name));
        let scale = y.iter().fold(0f32, |m, v| m.max(v.abs()));
        let worst = x
            .iter()
            .zip(&y)
            .map(|(p, q)| (p - q).abs())
            .fold(0f32, f32::max);
        // velocity within 0.1 mm/year; every other dataset within 1e-4 of its largest value
        // (MintPy solves in single precision; the acceleration/transient stds of the poly2 case
        // are the least well conditioned)
        let tol = if name == "velocity" {
            1e-4
        } else {
            1e-3 * scale.max(1e-3)
        };
        assert!(
            worst <= tol,
            "{stem}/{name}: worst difference {worst} (scale {scale})"
        );
    }
    for key in [
        "FILE_TYPE",
        "UNIT",
        "START_DATE",
        "END_DATE",
        "DATE12",
        "REF_DATE",
        "REF_Y",
        "REF_X",
    ] {
        assert_eq!(
            ours.attrs().get(key),
            theirs.attrs().get(key),
            "{stem}: {key}"
        );
    }
    for (key, value) in theirs.attrs().iter() {
        if key.starts_with("mintpy.timeFunc.") {
            assert_eq!(ours.attrs().get(key), Some(value), "{stem}: {key}");
        }
    }
}

#[test]
fn velocity_matches_mintpy() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::copy(TIMESERIES, tmp.path().join("timeseries.h5")).unwrap();
    let run = tmp.path().to_str().unwrap();
    for (stem, opts) in CASES {
        let mut args = vec!["velocity", run, "--out", stem];
        args.extend_from_slice(opts);
        let out = sbas(&args);
        assert!(out.status.success(), "{stem}: {}", stderr(&out));
        compare(tmp.path(), stem);
    }
}

#[test]
fn covariance_uncertainty_propagates_per_date_variances() {
    use sbas::product::{DatasetSpec, ProductSpec, ProductWriter};
    use sbas::timefunc::fit::LinearFit;
    use sbas::timefunc::{decimal_year, TimeModel};

    let tmp = tempfile::tempdir().unwrap();
    std::fs::copy(TIMESERIES, tmp.path().join("timeseries.h5")).unwrap();
    let ts = Product::open(tmp.path(), "timeseries").unwrap();
    let (l, w, n) = (ts.length(), ts.width(), ts.dates().len());
    // variance 4e-6 m^2 (2 mm std) on every date, 9 times larger on the last one
    let mut var = vec![4e-6f32; n * l * w];
    var[(n - 1) * l * w..].fill(36e-6);
    let spec = ProductSpec {
        stem: "timeseriesVar".into(),
        file_type: "timeseries".into(),
        length: l,
        width: w,
        dates: ts.dates().to_vec(),
        bperp: ts.bperp().to_vec(),
        datasets: vec![DatasetSpec::series("timeseries", "m^2", "variance")],
        attrs: ts.attrs().clone(),
    };
    let mut writer = ProductWriter::create(tmp.path(), ts.format(), spec).unwrap();
    writer
        .write("timeseries", Window::full(l, w), &var)
        .unwrap();
    writer.finish().unwrap();

    let run = tmp.path().to_str().unwrap();
    let args = [
        "velocity",
        run,
        "--uncertainty",
        "covariance",
        "--ts-cov",
        "timeseriesVar",
    ];
    let out = sbas(&args);
    assert!(out.status.success(), "{}", stderr(&out));
    let vel = Product::open(tmp.path(), "velocity").unwrap();
    assert!(!vel.dataset_names().iter().any(|d| d == "residue"));
    assert_eq!(
        vel.attrs().get("mintpy.timeFunc.uncertaintyQuantification"),
        Some("covariance")
    );
    assert_eq!(
        vel.attrs().get("mintpy.timeFunc.timeSeriesCovFile"),
        Some("timeseriesVar")
    );

    // sqrt(sum_j G+[1, j]^2 var_j), the same for every pixel
    let secs = ts.attrs().get_f64("CENTER_LINE_UTC").unwrap();
    let t: Vec<f64> = ts.dates().iter().map(|&d| decimal_year(d, secs)).collect();
    let m = TimeModel::default();
    let fit = LinearFit::new(m.design_matrix(&t, 0), n, 2).unwrap();
    let pinv = fit.pseudo_inverse();
    let want: f64 = (0..n)
        .map(|j| pinv[n + j].powi(2) * if j == n - 1 { 36e-6 } else { 4e-6 })
        .sum::<f64>()
        .sqrt();
    let std = read_all(&vel, "velocityStd");
    assert!(
        std.iter().all(|&s| ((s as f64) - want).abs() < 1e-6 * want),
        "{} vs {want}",
        std[0]
    );
    // the velocity itself is the ordinary least-squares one
    let v = read_all(&vel, "velocity");
    let theirs = Product::open(Path::new(FIXTURE), "velocity").unwrap();
    let v_mintpy = read_all(&theirs, "velocity");
    assert!(v.iter().zip(&v_mintpy).all(|(a, b)| (a - b).abs() < 1e-6));

    // a missing variance product is an error naming it
    let out = sbas(&[
        "velocity",
        run,
        "-o",
        "v2",
        "--uncertainty",
        "covariance",
        "--ts-cov",
        "nothing",
    ]);
    assert!(
        !out.status.success() && stderr(&out).contains("nothing"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn bootstrap_is_comparable_to_mintpy() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::copy(TIMESERIES, tmp.path().join("timeseries.h5")).unwrap();
    let run = tmp.path().to_str().unwrap();
    let stem = "velocity_bootstrap";
    let out = sbas(&["velocity", run, "-o", stem, "--uncertainty", "bootstrap"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let ours = Product::open(tmp.path(), stem).unwrap();
    let theirs = Product::open(Path::new(FIXTURE), stem).unwrap();
    let (mut a, mut b) = (ours.dataset_names(), theirs.dataset_names());
    a.sort();
    b.sort();
    assert_eq!(a, b);
    for (key, value) in theirs.attrs().iter() {
        if key.starts_with("mintpy.timeFunc.") {
            assert_eq!(ours.attrs().get(key), Some(value), "{key}");
        }
    }
    // Different random draws: compare distributions, not pixels.
    let (s1, s2) = (
        read_all(&ours, "velocityStd"),
        read_all(&theirs, "velocityStd"),
    );
    let mut ratio: Vec<f32> = s1
        .iter()
        .zip(&s2)
        .filter(|(_, &m)| m > 0.0)
        .map(|(a, b)| a / b)
        .collect();
    ratio.sort_by(f32::total_cmp);
    let median = ratio[ratio.len() / 2];
    assert!((0.85..1.15).contains(&median), "median std ratio {median}");
    // Each mean of 400 draws scatters by std/20 around the least-squares velocity, so two of
    // them differ by about 0.05 std (median); allow twice that.
    let mut s_sorted = s2.clone();
    s_sorted.sort_by(f32::total_cmp);
    let typical_std = s_sorted[s_sorted.len() / 2];
    let (v1, v2) = (read_all(&ours, "velocity"), read_all(&theirs, "velocity"));
    let mut diff: Vec<f32> = v1.iter().zip(&v2).map(|(a, b)| (a - b).abs()).collect();
    diff.sort_by(f32::total_cmp);
    let median_diff = diff[diff.len() / 2];
    assert!(
        median_diff < 0.1 * typical_std,
        "median velocity difference {median_diff}, typical std {typical_std}"
    );
}
