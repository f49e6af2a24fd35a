//! The correction science against MintPy 1.6.4 on the committed fixture
//! (tests/fixtures/mintpy_corrections, made by scripts/make-mintpy-corrections-fixture.sh from
//! the time series of tests/fixtures/mintpy_small/mintpy_var), without the product store: the
//! fixture's HDF5 files are read directly and fed to the pure solvers.

use std::path::{Path, PathBuf};

use hdf5::types::{FixedAscii, VarLenUnicode};
use sbas::correct::dem_error::{
    deformation_matrix, valid_pixels, DemErrModel, DemErrSolver, DemErrStrip, Geometry,
};
use sbas::correct::ramp::{RampAccumulator, RampType};
use sbas::correct::rms::{analyze, RmsAccumulator};
use sbas::meta::Date;

fn small() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/mintpy_small")
}

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/mintpy_corrections")
}

fn read_f32(path: &Path, name: &str) -> Vec<f32> {
    let f = hdf5::File::open(path).unwrap();
    f.dataset(name).unwrap().read_raw::<f32>().unwrap()
}

fn attr(path: &Path, key: &str) -> String {
    let f = hdf5::File::open(path).unwrap();
    f.attr(key)
        .unwrap()
        .read_scalar::<VarLenUnicode>()
        .unwrap()
        .to_string()
}

/// The input series: dates, bperp, data (dates x pixels), length, width.
struct Series {
    dates: Vec<Date>,
    bperp: Vec<f32>,
    data: Vec<f32>,
    length: usize,
    width: usize,
}

fn input() -> Series {
    let path = small().join("mintpy_var/timeseries.h5");
    let f = hdf5::File::open(&path).unwrap();
    let dates: Vec<Date> = f
        .dataset("date")
        .unwrap()
        .read_raw::<FixedAscii<8>>()
        .unwrap()
        .iter()
        .map(|d| Date::parse(d.as_str()).unwrap())
        .collect();
    let shape = f.dataset("timeseries").unwrap().shape();
    Series {
        bperp: read_f32(&path, "bperp"),
        data: read_f32(&path, "timeseries"),
        dates,
        length: shape[1],
        width: shape[2],
    }
}

fn max_abs_diff(a: &[f32], b: &[f32]) -> f64 {
    assert_eq!(a.len(), b.len());
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs() as f64)
        .fold(0.0, f64::max)
}

fn dem_error(model: &DemErrModel) -> DemErrStrip {
    let s = input();
    let n = s.dates.len();
    let p = s.length * s.width;
    let ts_path = small().join("mintpy_var/timeseries.h5");
    let seconds: f64 = attr(&ts_path, "CENTER_LINE_UTC").parse().unwrap();
    let ref_date = Date::parse(&attr(&ts_path, "REF_DATE")).unwrap();
    let ref_idx = s.dates.iter().position(|d| *d == ref_date).unwrap();
    let pbase: Vec<f64> = s
        .bperp
        .iter()
        .map(|&b| b as f64 - s.bperp[ref_idx] as f64)
        .collect();
    let g = deformation_matrix(&s.dates, model, seconds);
    let used: Vec<bool> = s
        .dates
        .iter()
        .map(|d| !model.exclude_dates.contains(d))
        .collect();
    let t: Vec<f64> = s
        .dates
        .iter()
        .map(|d| s.dates[0].days_until(*d) as f64 / 365.25)
        .collect();
    let nd = model.poly_order + 1 + model.step_dates.len();
    let solver = DemErrSolver::new(&pbase, &g, nd, &used, &t, model.phase_velocity).unwrap();
    let geom_path = small().join("inputs/geometryRadar.h5");
    let range = read_f32(&geom_path, "slantRangeDistance");
    let inc = read_f32(&geom_path, "incidenceAngle");
    let tcoh = read_f32(
        &small().join("mintpy_var/temporalCoherence.h5"),
        "temporalCoherence",
    );
    let geom = Geometry::PerPixel {
        range: &range,
        incidence: &inc,
    };
    let mut valid = Vec::new();
    valid_pixels(&s.data, n, p, Some(&tcoh), geom, &mut valid);
    let mut out = DemErrStrip::default();
    solver.solve(&s.data, p, geom, &valid, &mut out);
    out
}

#[test]
fn dem_error_matches_mintpy() {
    let out = dem_error(&DemErrModel::default());
    let mintpy_dem = read_f32(&fixture().join("demErr.h5"), "dem");
    let mintpy_cor = read_f32(&fixture().join("timeseries_demErr.h5"), "timeseries");
    let mintpy_res = read_f32(&fixture().join("timeseriesResidual.h5"), "timeseries");
    // Same pixels estimated (zeros where MintPy left a pixel out).
    let zeros_ours = out.dem_error.iter().filter(|v| **v == 0.0).count();
    let zeros_mintpy = mintpy_dem.iter().filter(|v| **v == 0.0).count();
    assert_eq!(zeros_ours, zeros_mintpy);
    let (d_dem, d_cor, d_res) = (
        max_abs_diff(&out.dem_error, &mintpy_dem),
        max_abs_diff(&out.corrected, &mintpy_cor),
        max_abs_diff(&out.residual, &mintpy_res),
    );
    eprintln!("max |diff| vs MintPy: demErr {d_dem:.2e} m, corrected {d_cor:.2e} m, residual {d_res:.2e} m");
    assert!(d_dem < 1e-4, "DEM error differs by {d_dem} m");
    assert!(d_cor < 1e-6, "corrected series differs by {d_cor} m");
    assert!(d_res < 1e-6, "residual differs by {d_res} m");
}

#[test]
fn dem_error_with_excluded_and_step_dates_matches_mintpy() {
    let dates = input().dates;
    let model = DemErrModel {
        exclude_dates: vec![dates[3], dates[7]],
        step_dates: vec![dates[5]],
        ..DemErrModel::default()
    };
    let out = dem_error(&model);
    let mintpy_dem = read_f32(&fixture().join("demErrExStep.h5"), "dem");
    let mintpy_cor = read_f32(&fixture().join("timeseries_demErrExStep.h5"), "timeseries");
    let (d_dem, d_cor) = (
        max_abs_diff(&out.dem_error, &mintpy_dem),
        max_abs_diff(&out.corrected, &mintpy_cor),
    );
    eprintln!("excluded + step: max |diff| demErr {d_dem:.2e} m, corrected {d_cor:.2e} m");
    assert!(d_dem < 1e-4, "DEM error differs by {d_dem} m");
    assert!(d_cor < 1e-6, "corrected series differs by {d_cor} m");
}

fn deramp_against(ramp: RampType, use_mask: bool, file: &str) -> f64 {
    let s = input();
    let (l, w) = (s.length, s.width);
    let p = l * w;
    let mask: Vec<bool> = if use_mask {
        let f = hdf5::File::open(small().join("mintpy_var/maskTempCoh.h5")).unwrap();
        f.dataset("mask").unwrap().read_raw::<bool>().unwrap()
    } else {
        vec![true; p]
    };
    let mintpy = read_f32(&fixture().join(file), "timeseries");
    let mut worst = 0.0f64;
    for d in 0..s.dates.len() {
        let layer = &s.data[d * p..(d + 1) * p];
        let mut acc = RampAccumulator::new(ramp, l, w);
        // Two strips, to exercise the accumulation.
        acc.add_strip(0, w, &layer[..17 * w], &mask[..17 * w]);
        acc.add_strip(17, w, &layer[17 * w..], &mask[17 * w..]);
        let fit = acc.fit().referenced_to(20, 25);
        let mut out = layer.to_vec();
        fit.remove_from_strip(0, w, &mut out);
        worst = worst.max(max_abs_diff(&out, &mintpy[d * p..(d + 1) * p]));
    }
    worst
}

#[test]
fn deramp_matches_mintpy() {
    let q = deramp_against(RampType::Quadratic, true, "timeseries_ramp.h5");
    let l = deramp_against(RampType::Linear, false, "timeseries_rampLinearNoMask.h5");
    eprintln!(
        "deramp: max |diff| vs MintPy quadratic/maskTempCoh {q:.2e} m, linear/no mask {l:.2e} m"
    );
    assert!(q < 1e-6, "quadratic deramped series differs by {q} m");
    assert!(l < 1e-6, "linear deramped series differs by {l} m");
}

#[test]
fn residual_rms_matches_mintpy() {
    // RMS of MintPy's own deramped residual is not in the fixture; deramp MintPy's residual the
    // same way (checked above) and compare the RMS text values.
    let path = fixture().join("timeseriesResidual.h5");
    let data = read_f32(&path, "timeseries");
    let s = input();
    let (l, w) = (s.length, s.width);
    let p = l * w;
    let mask: Vec<bool> = {
        let f = hdf5::File::open(small().join("mintpy_var/maskTempCoh.h5")).unwrap();
        f.dataset("mask").unwrap().read_raw::<bool>().unwrap()
    };
    let mut rms_acc = RmsAccumulator::new(s.dates.len());
    for d in 0..s.dates.len() {
        let mut layer = data[d * p..(d + 1) * p].to_vec();
        let mut acc = RampAccumulator::new(RampType::Quadratic, l, w);
        acc.add_strip(0, w, &layer, &mask);
        acc.fit()
            .referenced_to(20, 25)
            .remove_from_strip(0, w, &mut layer);
        rms_acc.add(d, &layer, &mask);
    }
    let rms = rms_acc.rms();
    let text = std::fs::read_to_string(fixture().join("rms_timeseriesResidual_ramp.txt")).unwrap();
    let mintpy: Vec<f64> = text
        .lines()
        .filter(|l| !l.starts_with('#'))
        .map(|l| l.split('\t').nth(1).unwrap().parse().unwrap())
        .collect();
    assert_eq!(mintpy.len(), rms.len());
    for (a, b) in rms.iter().zip(&mintpy) {
        assert!(
            ((*a as f64) - b).abs() < 1e-6 * b.max(1e-3),
            "RMS {a} vs MintPy {b}"
        );
    }
    let analysis = analyze(&rms, 3.0).unwrap();
    let ref_date = std::fs::read_to_string(fixture().join("reference_date.txt")).unwrap();
    assert_eq!(s.dates[analysis.min_index].to_string(), ref_date.trim());
    assert_eq!(
        analysis.excluded.is_empty(),
        !fixture().join("exclude_date.txt").exists()
    );
}
