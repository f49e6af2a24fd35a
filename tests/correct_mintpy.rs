//! The correction drivers against MintPy 1.6.4 on the committed fixture
//! (tests/fixtures/mintpy_corrections, made by scripts/make-mintpy-corrections-fixture.sh):
//! a run folder is made of MintPy's own inversion outputs of tests/fixtures/mintpy_small and
//! the drivers run on it end to end, through the product store.

use std::path::{Path, PathBuf};

use sbas::correct::dem_error::{self, DemErrModel, DemErrOptions};
use sbas::correct::deramp;
use sbas::correct::ramp::RampType;
use sbas::correct::reference_date::{self, RefDateChoice};
use sbas::correct::residual_rms::{self, RmsOptions};
use sbas::meta::Date;
use sbas::product::Product;
use sbas::window::Window;

const MEMORY: u64 = 64 << 20;

fn small() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/mintpy_small")
}

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/mintpy_corrections")
}

/// A run folder holding MintPy's inversion outputs and geometry.
fn run_dir() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(tmp.path().join("inputs")).unwrap();
    for f in ["timeseries.h5", "temporalCoherence.h5", "maskTempCoh.h5"] {
        std::fs::copy(small().join("mintpy_var").join(f), tmp.path().join(f)).unwrap();
    }
    std::fs::copy(
        small().join("inputs/geometryRadar.h5"),
        tmp.path().join("inputs/geometryRadar.h5"),
    )
    .unwrap();
    tmp
}

fn read_all(dir: &Path, stem: &str, dataset: &str) -> Vec<f32> {
    let p = Product::open(dir, stem).unwrap();
    p.read(dataset, Window::full(p.length(), p.width()))
        .unwrap()
}

fn max_abs_diff(a: &[f32], b: &[f32]) -> f64 {
    assert_eq!(a.len(), b.len());
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs() as f64)
        .fold(0.0, f64::max)
}

#[test]
fn dem_error_deramp_rms_and_reference_date_match_mintpy() {
    let tmp = run_dir();
    let dir = tmp.path();
    let fx = fixture();

    // DEM error, in strips of a few rows (64 MiB minus overhead is plenty; force strips by a
    // small budget below in the deramp).
    let out = dem_error::run(dir, "timeseries", &DemErrOptions::default(), MEMORY).unwrap();
    assert!(out.pixelwise_geometry);
    assert_eq!(out.corrected_stem, "timeseries_demErr");
    assert_eq!(out.corrected, dir.join("timeseries_demErr.h5"));
    let d_dem = max_abs_diff(
        &read_all(dir, "demErr", "dem"),
        &read_all(&fx, "demErr", "dem"),
    );
    let d_cor = max_abs_diff(
        &read_all(dir, "timeseries_demErr", "timeseries"),
        &read_all(&fx, "timeseries_demErr", "timeseries"),
    );
    let d_res = max_abs_diff(
        &read_all(dir, "timeseriesResidual", "timeseries"),
        &read_all(&fx, "timeseriesResidual", "timeseries"),
    );
    eprintln!(
        "vs MintPy: demErr {d_dem:.2e} m, timeseries_demErr {d_cor:.2e} m, residual {d_res:.2e} m"
    );
    assert!(d_dem < 1e-4 && d_cor < 1e-6 && d_res < 1e-6);
    // Metadata as MintPy writes it.
    let dem = Product::open(dir, "demErr").unwrap();
    let mintpy_dem = Product::open(&fx, "demErr").unwrap();
    for key in [
        "FILE_TYPE",
        "UNIT",
        "mintpy.topographicResidual.polyOrder",
        "mintpy.topographicResidual.phaseVelocity",
        "mintpy.topographicResidual.stepDate",
        "mintpy.topographicResidual.excludeDate",
        "REF_DATE",
        "REF_Y",
        "REF_X",
    ] {
        assert_eq!(dem.attrs().get(key), mintpy_dem.attrs().get(key), "{key}");
    }

    // Deramp (quadratic over maskTempCoh) of the inverted series.
    let d = deramp::run(
        dir,
        "timeseries",
        RampType::Quadratic,
        "maskTempCoh",
        MEMORY,
    )
    .unwrap();
    assert_eq!(d.stem, "timeseries_ramp");
    let d_ramp = max_abs_diff(
        &read_all(dir, "timeseries_ramp", "timeseries"),
        &read_all(&fx, "timeseries_ramp", "timeseries"),
    );
    let ramp_p = Product::open(dir, "timeseries_ramp").unwrap();
    assert_eq!(ramp_p.attrs().get("mintpy.deramp"), Some("quadratic"));
    assert_eq!(
        ramp_p.attrs().get("mintpy.deramp.maskFile"),
        Some("maskTempCoh.h5")
    );

    // Residual RMS: the text file, the reference date and no outliers, as MintPy.
    let rms = residual_rms::run(dir, &RmsOptions::default(), MEMORY).unwrap();
    assert_eq!(rms.rms_stem, "timeseriesResidual_ramp");
    let ours = std::fs::read_to_string(dir.join("rms_timeseriesResidual_ramp.txt")).unwrap();
    let theirs = std::fs::read_to_string(fx.join("rms_timeseriesResidual_ramp.txt")).unwrap();
    let values = |t: &str| -> Vec<(String, f64)> {
        t.lines()
            .filter(|l| !l.starts_with('#'))
            .map(|l| {
                let (d, v) = l.split_once('\t').unwrap();
                (d.to_string(), v.parse().unwrap())
            })
            .collect()
    };
    let header = |t: &str| -> Vec<String> {
        t.lines()
            .filter(|l| l.starts_with('#'))
            .map(String::from)
            .collect()
    };
    assert_eq!(header(&ours), header(&theirs));
    for ((da, va), (db, vb)) in values(&ours).iter().zip(values(&theirs)) {
        assert_eq!(da, &db);
        assert!((va - vb).abs() < 1e-6 * vb, "{da}: RMS {va} vs MintPy {vb}");
    }
    assert_eq!(
        std::fs::read_to_string(dir.join("reference_date.txt")).unwrap(),
        std::fs::read_to_string(fx.join("reference_date.txt")).unwrap()
    );
    assert_eq!(
        dir.join("exclude_date.txt").exists(),
        fx.join("exclude_date.txt").exists()
    );

    // Reference date: the fixture re-references timeseries_demErr to its fifth date. Leftovers
    // of an interrupted earlier re-referencing (a temporary series, an old one moved aside) are
    // removed, not kept as products.
    std::fs::write(dir.join("timeseries_demErr.refdate-tmp.h5"), b"partial").unwrap();
    std::fs::create_dir_all(dir.join("timeseries_demErr.refdate-old.zarr")).unwrap();
    let fifth = Product::open(dir, "timeseries_demErr").unwrap().dates()[4];
    let got = reference_date::run(
        dir,
        &["timeseries_demErr".to_string()],
        RefDateChoice::Date(fifth),
        MEMORY,
    )
    .unwrap();
    assert_eq!(got, Some(fifth));
    let p = Product::open(dir, "timeseries_demErr").unwrap();
    assert_eq!(p.attrs().get("REF_DATE"), Some(fifth.to_string().as_str()));
    let d_ref = max_abs_diff(
        &read_all(dir, "timeseries_demErr", "timeseries"),
        &read_all(&fx, "timeseries_demErr_refdate", "timeseries"),
    );
    eprintln!("vs MintPy: timeseries_ramp {d_ramp:.2e} m, re-referenced {d_ref:.2e} m");
    assert!(d_ramp < 1e-6 && d_ref < 1e-6);
    assert!(!dir.join("timeseries_demErr.refdate-tmp.h5").exists());
    assert!(!dir.join("timeseries_demErr.refdate-old.zarr").exists());
    // Auto picks reference_date.txt (the first date here).
    let auto = reference_date::run(
        dir,
        &["timeseries_demErr".to_string()],
        RefDateChoice::Auto,
        MEMORY,
    )
    .unwrap();
    assert_eq!(auto, Some(Date::parse("20200101").unwrap()));
}

#[test]
fn excluded_and_step_dates_match_mintpy() {
    let tmp = run_dir();
    let dir = tmp.path();
    let dates = Product::open(dir, "timeseries").unwrap().dates().to_vec();
    let options = DemErrOptions {
        model: DemErrModel {
            exclude_dates: vec![dates[3], dates[7]],
            step_dates: vec![dates[5]],
            ..DemErrModel::default()
        },
        ..DemErrOptions::default()
    };
    // A budget of a few rows per strip: the result must not depend on the strips.
    dem_error::run(dir, "timeseries", &options, (48 << 20) + 33_000).unwrap();
    let d_dem = max_abs_diff(
        &read_all(dir, "demErr", "dem"),
        &read_all(&fixture(), "demErrExStep", "dem"),
    );
    let d_cor = max_abs_diff(
        &read_all(dir, "timeseries_demErr", "timeseries"),
        &read_all(&fixture(), "timeseries_demErrExStep", "timeseries"),
    );
    assert!(d_dem < 1e-4 && d_cor < 1e-6, "{d_dem} {d_cor}");
    let a = Product::open(dir, "timeseries_demErr").unwrap();
    let b = Product::open(&fixture(), "timeseries_demErrExStep").unwrap();
    for key in [
        "mintpy.topographicResidual.stepDate",
        "mintpy.topographicResidual.excludeDate",
    ] {
        assert_eq!(a.attrs().get(key), b.attrs().get(key), "{key}");
    }
}

#[test]
fn scene_centre_geometry_is_used_without_the_geometry_product() {
    let tmp = run_dir();
    let dir = tmp.path();
    std::fs::remove_dir_all(dir.join("inputs")).unwrap();
    let out = dem_error::run(dir, "timeseries", &DemErrOptions::default(), MEMORY).unwrap();
    assert!(!out.pixelwise_geometry);
    // The per-pixel geometry of this small scene differs little from its centre: the DEM
    // error is close to MintPy's per-pixel estimate, but not equal.
    let d = max_abs_diff(
        &read_all(dir, "demErr", "dem"),
        &read_all(&fixture(), "demErr", "dem"),
    );
    assert!(d > 1e-4 && d < 2.0, "{d}");
}

#[test]
fn bad_requests_are_named() {
    let tmp = run_dir();
    let dir = tmp.path();
    let err = |e: anyhow::Error| format!("{e:#}");
    let e =
        err(deramp::run(dir, "timeseries", RampType::Linear, "noSuchMask", MEMORY).unwrap_err());
    assert!(e.contains("noSuchMask"), "{e}");
    let e = err(dem_error::run(dir, "nothing", &DemErrOptions::default(), MEMORY).unwrap_err());
    assert!(e.contains("nothing"), "{e}");
    let opts = DemErrOptions {
        model: DemErrModel {
            poly_order: 20,
            ..DemErrModel::default()
        },
        ..DemErrOptions::default()
    };
    let e = err(dem_error::run(dir, "timeseries", &opts, MEMORY).unwrap_err());
    assert!(e.contains("polynomial order 20"), "{e}");
    let e = err(reference_date::run(
        dir,
        &["timeseries".into()],
        RefDateChoice::Date(Date::parse("19990101").unwrap()),
        MEMORY,
    )
    .unwrap_err());
    assert!(e.contains("19990101"), "{e}");
    let e = err(
        reference_date::run(dir, &["timeseries".into()], RefDateChoice::Auto, MEMORY).unwrap_err(),
    );
    assert!(e.contains("reference_date.txt"), "{e}");
    let e = err(dem_error::run(dir, "timeseries", &DemErrOptions::default(), 1000).unwrap_err());
    assert!(e.contains("max-memory"), "{e}");
}

#[test]
fn phase_velocity_fit_matches_mintpy() {
    let tmp = run_dir();
    let dir = tmp.path();
    let options = DemErrOptions {
        model: DemErrModel {
            phase_velocity: true,
            ..DemErrModel::default()
        },
        ..DemErrOptions::default()
    };
    dem_error::run(dir, "timeseries", &options, MEMORY).unwrap();
    let d_dem = max_abs_diff(
        &read_all(dir, "demErr", "dem"),
        &read_all(&fixture(), "demErrPhaseVel", "dem"),
    );
    let d_cor = max_abs_diff(
        &read_all(dir, "timeseries_demErr", "timeseries"),
        &read_all(&fixture(), "timeseries_demErrPhaseVel", "timeseries"),
    );
    eprintln!("phase velocity vs MintPy: demErr {d_dem:.2e} m, corrected {d_cor:.2e} m");
    assert!(d_dem < 1e-4 && d_cor < 1e-6, "{d_dem} {d_cor}");
    let p = Product::open(dir, "demErr").unwrap();
    assert_eq!(
        p.attrs().get("mintpy.topographicResidual.phaseVelocity"),
        Some("True")
    );
}
