//! Bad MintPy `ifgramStack.h5` input through `sbas invert`: missing datasets and attributes,
//! wrong shapes, a geometry file of another size, duplicate or reversed pairs give an error
//! naming the file and the problem (exit code 1, no panic, nothing that looks complete); NaN
//! and infinite phase count as no data. (Missing `unwrapPhase`/`date`/`WAVELENGTH`, a
//! duplicate pair, a bad date and a non-HDF5 file are also checked on `open_stack` in
//! tests/readers_mintpy.rs.)

use std::path::{Path, PathBuf};

use std::process::Command;

use crate::common::{has_complete_output, stderr};
use hdf5::types::{FixedAscii, VarLenUnicode};
use ndarray::{Array1, Array2, Array3};
use sbas::product::inversion::RunResults;
use sbas::window::Window;

const L: usize = 8;
const W: usize = 9;
const DATES: [&str; 5] = ["20200101", "20200113", "20200125", "20200206", "20200218"];
/// Pairs as indices into DATES: every pair of dates at most two apart.
const PAIRS: [(usize, usize); 7] = [(0, 1), (0, 2), (1, 2), (1, 3), (2, 3), (2, 4), (3, 4)];
const M: usize = PAIRS.len();
const REF: &str = "4,4";

fn disp(d: usize, y: usize, x: usize) -> f32 {
    0.3 * d as f32 * (1.0 + 0.1 * y as f32 + 0.05 * x as f32) + 0.01 * ((d * 7 + y + x) % 3) as f32
}

fn fixed(s: &str) -> FixedAscii<8> {
    FixedAscii::from_ascii(s.as_bytes()).unwrap()
}

/// Writes a valid `inputs/ifgramStack.h5` (and `geometryRadar.h5`) under `dir`.
fn write_stack(dir: &Path) -> PathBuf {
    write_stack_with(dir, |_, _| {})
}

/// As [`write_stack`], then `edit(file, inputs_dir)` before the file is closed. Files are never
/// reopened for writing: a child process started meanwhile by another test thread inherits the
/// open descriptor, and with it HDF5's lock on the file.
fn write_stack_with(dir: &Path, edit: impl Fn(&hdf5::File, &Path)) -> PathBuf {
    let inputs = dir.join("inputs");
    std::fs::create_dir_all(&inputs).unwrap();
    let path = inputs.join("ifgramStack.h5");
    let f = hdf5::File::create(&path).unwrap();
    let d = Array2::from_shape_fn((M, 2), |(i, j)| {
        fixed(DATES[if j == 0 { PAIRS[i].0 } else { PAIRS[i].1 }])
    });
    f.new_dataset_builder()
        .with_data(&d)
        .create("date")
        .unwrap();
    let bperp = Array1::from_shape_fn(M, |i| i as f32 * 7.0 - 20.0);
    f.new_dataset_builder()
        .with_data(&bperp)
        .create("bperp")
        .unwrap();
    let keep = Array1::from_elem(M, true);
    f.new_dataset_builder()
        .with_data(&keep)
        .create("dropIfgram")
        .unwrap();
    let unw = Array3::from_shape_fn((M, L, W), |(i, y, x)| {
        disp(PAIRS[i].1, y, x) - disp(PAIRS[i].0, y, x)
    });
    f.new_dataset_builder()
        .chunk((1, 4, W))
        .with_data(&unw)
        .create("unwrapPhase")
        .unwrap();
    let coh = Array3::from_shape_fn((M, L, W), |(i, y, x)| {
        0.5 + 0.05 * ((i + 2 * y + x) % 9) as f32
    });
    f.new_dataset_builder()
        .with_data(&coh)
        .create("coherence")
        .unwrap();
    for (k, v) in [
        ("WAVELENGTH", "0.05546576"),
        ("FILE_TYPE", "ifgramStack"),
        ("ALOOKS", "3"),
        ("RLOOKS", "9"),
        ("PLATFORM", "sen"),
    ] {
        f.new_attr::<VarLenUnicode>()
            .create(k)
            .unwrap()
            .write_scalar(&v.parse::<VarLenUnicode>().unwrap())
            .unwrap();
    }
    write_geometry(&inputs, L, W);
    edit(&f, &inputs);
    path
}

fn write_geometry(inputs: &Path, l: usize, w: usize) {
    let g = hdf5::File::create(inputs.join("geometryRadar.h5")).unwrap();
    let h = Array2::from_shape_fn((l, w), |(y, x)| (y * w + x) as f32);
    g.new_dataset_builder()
        .with_data(&h)
        .create("height")
        .unwrap();
}

/// Runs `sbas invert` on `stack` (reference REF unless `extra` names one) and returns (success, stderr, run folder).
fn invert(stack: &Path, extra: &[&str]) -> (bool, String, PathBuf) {
    let out = stack.parent().unwrap().parent().unwrap().join("run");
    let mut args = vec![
        "invert",
        stack.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "-q",
    ];
    if !extra.contains(&"--ref-yx") {
        args.extend_from_slice(&["--ref-yx", REF]);
    }
    args.extend_from_slice(extra);
    // HDF5 file locks are shared with every child process that inherited a descriptor of the
    // file from this (multi-threaded) test process: do not let a sibling test's child block us.
    let res = Command::new(env!("CARGO_BIN_EXE_sbas"))
        .args(&args)
        .env("HDF5_USE_FILE_LOCKING", "FALSE")
        .output()
        .expect("starting the sbas binary");
    let err = stderr(&res);
    assert!(!err.contains("panicked"), "panic: {err}");
    if !res.status.success() {
        assert_eq!(res.status.code(), Some(1), "{err}");
    }
    (res.status.success(), err, out)
}

/// A valid stack edited by `edit` must fail with a message naming the file and `expect`.
fn assert_fails(name: &str, edit: impl Fn(&hdf5::File, &Path), file: &str, expect: &[&str]) {
    let tmp = tempfile::tempdir().unwrap();
    let p = write_stack_with(tmp.path(), edit);
    let (ok, err, out) = invert(&p, &[]);
    assert!(!ok, "{name}: succeeded on bad input");
    assert!(err.contains(file), "{name}: message lacks '{file}': {err}");
    for word in expect {
        assert!(err.contains(word), "{name}: message lacks '{word}': {err}");
    }
    assert!(!has_complete_output(&out), "{name}: output looks complete");
}

fn replace<T: hdf5::H5Type, D: ndarray::Dimension>(
    f: &hdf5::File,
    name: &str,
    data: &ndarray::Array<T, D>,
) {
    f.unlink(name).unwrap();
    f.new_dataset_builder()
        .with_data(data)
        .create(name)
        .unwrap();
}

fn dates_with(rows: &[(&str, &str)]) -> Array2<FixedAscii<8>> {
    Array2::from_shape_fn((rows.len(), 2), |(i, j)| {
        fixed(if j == 0 { rows[i].0 } else { rows[i].1 })
    })
}

fn pair_rows() -> Vec<(&'static str, &'static str)> {
    PAIRS.iter().map(|(a, b)| (DATES[*a], DATES[*b])).collect()
}

#[test]
fn sanity_the_valid_stack_inverts() {
    let tmp = tempfile::tempdir().unwrap();
    let p = write_stack(tmp.path());
    let (ok, err, out) = invert(&p, &[]);
    assert!(ok, "{err}");
    assert!(has_complete_output(&out));
}

#[test]
fn missing_datasets_and_attributes_are_named() {
    for ds in ["unwrapPhase", "date", "bperp"] {
        assert_fails(
            ds,
            |f, _| f.unlink(ds).unwrap(),
            "ifgramStack.h5",
            &[&format!("no dataset '{ds}'")],
        );
    }
    assert_fails(
        "no WAVELENGTH",
        |f, _| f.delete_attr("WAVELENGTH").unwrap(),
        "ifgramStack.h5",
        &["WAVELENGTH"],
    );
    for bad in ["nan", "-0.05", "0", "five centimetres"] {
        assert_fails(
            bad,
            |f, _| {
                f.delete_attr("WAVELENGTH").unwrap();
                f.new_attr::<VarLenUnicode>()
                    .create("WAVELENGTH")
                    .unwrap()
                    .write_scalar(&bad.parse::<VarLenUnicode>().unwrap())
                    .unwrap();
            },
            "ifgramStack.h5",
            &["WAVELENGTH", "not a positive number"],
        );
    }
}

#[test]
fn wrong_shapes_are_named() {
    assert_fails(
        "2-D phase",
        |f, _| replace(f, "unwrapPhase", &Array2::<f32>::ones((L, W))),
        "ifgramStack.h5",
        &["'unwrapPhase' has shape [8, 9]"],
    );
    assert_fails(
        "empty images",
        |f, _| replace(f, "unwrapPhase", &Array3::<f32>::ones((M, 0, W))),
        "ifgramStack.h5",
        &["'unwrapPhase'", "empty"],
    );
    assert_fails(
        "dates for fewer pairs",
        |f, _| replace(f, "date", &dates_with(&pair_rows()[..M - 1])),
        "ifgramStack.h5",
        &["'date' has shape [6, 2]"],
    );
    assert_fails(
        "dates 1-D",
        |f, _| replace(f, "date", &Array1::from_elem(M, fixed("20200101"))),
        "ifgramStack.h5",
        &["'date'"],
    );
    assert_fails(
        "bperp too short",
        |f, _| replace(f, "bperp", &Array1::<f32>::zeros(M - 2)),
        "ifgramStack.h5",
        &["'bperp' has 5 values for 7 pairs"],
    );
    assert_fails(
        "bperp NaN",
        |f, _| {
            let mut b = Array1::<f32>::zeros(M);
            b[3] = f32::NAN;
            replace(f, "bperp", &b)
        },
        "ifgramStack.h5",
        &["'bperp'", "not a finite number"],
    );
    assert_fails(
        "dropIfgram too short",
        |f, _| replace(f, "dropIfgram", &Array1::from_elem(M + 1, true)),
        "ifgramStack.h5",
        &["'dropIfgram' has 8 values for 7 pairs"],
    );
    assert_fails(
        "coherence shape",
        |f, _| replace(f, "coherence", &Array3::<f32>::ones((M, L, W + 1))),
        "ifgramStack.h5",
        &["'coherence' has shape [7, 8, 10]"],
    );
    assert_fails(
        "geometry size",
        |_, inputs| write_geometry(inputs, L + 1, W),
        "geometryRadar.h5",
        &["'height' has shape [9, 9]", "(8, 9)"],
    );
}

#[test]
fn duplicate_and_reversed_pairs_are_named() {
    let mut dup = pair_rows();
    dup[4] = dup[1];
    assert_fails(
        "duplicate",
        move |f, _| replace(f, "date", &dates_with(&dup)),
        "ifgramStack.h5",
        &["appears twice"],
    );
    let mut rev = pair_rows();
    rev[2] = (rev[2].1, rev[2].0);
    assert_fails(
        "reversed",
        move |f, _| replace(f, "date", &dates_with(&rev)),
        "ifgramStack.h5",
        &["pair 2 (20200125_20200113)", "first date before its second"],
    );
    let mut same = pair_rows();
    same[0] = (same[0].0, same[0].0);
    assert_fails(
        "same date twice",
        move |f, _| replace(f, "date", &dates_with(&same)),
        "ifgramStack.h5",
        &["pair 0", "first date before its second"],
    );
}

#[test]
fn a_file_that_is_not_hdf5_is_named() {
    let tmp = tempfile::tempdir().unwrap();
    let inputs = tmp.path().join("inputs");
    std::fs::create_dir_all(&inputs).unwrap();
    let p = inputs.join("ifgramStack.h5");
    std::fs::write(&p, b"\x89HDF\r\n\x1a\n truncated").unwrap();
    let (ok, err, _) = invert(&p, &[]);
    assert!(!ok);
    assert!(
        err.contains("cannot open HDF5 file") && err.contains("ifgramStack.h5"),
        "{err}"
    );
}

fn outputs(run: &Path) -> Vec<(String, Vec<f32>)> {
    let r = RunResults::open(run).unwrap();
    assert!(r.is_complete());
    let w = Window::full(r.length(), r.width());
    let mut v = vec![("timeseries".to_string(), r.read_timeseries(w).unwrap())];
    for name in ["temporalCoherence", "numInvIfgram", "avgSpatialCoh"] {
        v.push((name.to_string(), r.read_layer(name, w).unwrap()));
    }
    v
}

#[test]
fn non_finite_phase_and_coherence_in_hdf5() {
    // (pair, y, x, phase) and (pair, y, x, coherence) edits.
    let phase = [
        (0, 1, 2, f32::INFINITY),
        (3, 1, 2, f32::NAN),
        (5, 7, 8, f32::NEG_INFINITY),
    ];
    let run = |bad: bool| {
        let tmp = tempfile::tempdir().unwrap();
        let p = write_stack_with(tmp.path(), |f, _| {
            let ds = f.dataset("unwrapPhase").unwrap();
            let mut a = ds.read::<f32, ndarray::Ix3>().unwrap();
            for (i, y, x, v) in phase {
                a[[i, y, x]] = if bad { v } else { 0.0 };
            }
            ds.write(&a).unwrap();
            let ds = f.dataset("coherence").unwrap();
            let mut c = ds.read::<f32, ndarray::Ix3>().unwrap();
            c[[2, 3, 3]] = if bad { f32::INFINITY } else { f32::NAN };
            ds.write(&c).unwrap();
        });
        let (ok, err, out) = invert(&p, &["--format", "hdf5"]);
        assert!(ok, "{err}");
        (outputs(&out), tmp)
    };
    let (a, _ta) = run(true);
    let (b, _tb) = run(false);
    for ((name, va), (_, vb)) in a.iter().zip(&b) {
        assert_eq!(va.len(), vb.len());
        for (x, y) in va.iter().zip(vb) {
            assert!(
                x.to_bits() == y.to_bits() || (x.is_nan() && y.is_nan()),
                "{name}: non-finite input differs from no data"
            );
        }
    }
    let ninv = &a[2].1;
    assert_eq!(ninv[W + 2], (M - 2) as f32);
    assert_eq!(ninv[7 * W + 8], (M - 1) as f32);
    assert!(a[0].1.iter().all(|v| v.is_finite()));
    assert!(a[3].1.iter().all(|v| v.is_finite()));
}

#[test]
fn truncated_hdf5_file_is_named() {
    // What a writer killed mid-file leaves: the first half of a valid stack.
    let tmp = tempfile::tempdir().unwrap();
    let p = write_stack(tmp.path());
    let len = std::fs::metadata(&p).unwrap().len();
    std::fs::OpenOptions::new()
        .write(true)
        .open(&p)
        .unwrap()
        .set_len(len / 2)
        .unwrap();
    let (ok, err, out) = invert(&p, &[]);
    assert!(!ok, "succeeded on a truncated file");
    assert!(
        err.contains("ifgramStack.h5") && err.contains("truncated"),
        "{err}"
    );
    assert!(!has_complete_output(&out));
}

#[test]
fn reference_outside_or_without_data_is_an_error() {
    let tmp = tempfile::tempdir().unwrap();
    let p = write_stack_with(tmp.path(), |f, _| {
        let ds = f.dataset("unwrapPhase").unwrap();
        let mut a = ds.read::<f32, ndarray::Ix3>().unwrap();
        a[[4, 4, 4]] = f32::NAN;
        ds.write(&a).unwrap();
    });
    // `invert` picks the reference 4,4 unless told otherwise.
    let (ok, err, _) = invert(&p, &[]);
    assert!(!ok);
    assert!(
        err.contains("reference point")
            && err.contains("no data")
            && err.contains("20200125_20200206"),
        "{err}"
    );
    let (ok, err, _) = invert(&p, &["--ref-yx", "8,0"]);
    assert!(!ok);
    assert!(err.contains("outside the image"), "{err}");
}
