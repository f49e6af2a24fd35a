//! ARIA's per-date correction stacks (troposphere, solid Earth tides): loaded as MintPy 1.6.4's
//! `prep_aria.py --tropo --set` loads them (the committed `tests/fixtures/mintpy_aria`, made by
//! `scripts/make-mintpy-aria-fixture.sh`), subtracted by `sbas correct-tropo` so that the
//! simulated atmosphere is removed, and bad stacks refused naming the file.

use crate::common::{same_bits, sbas, stderr, whole};
use std::path::{Path, PathBuf};

use sbas::simulate::aria_writer::write_aria_corrections;
use sbas::simulate::{simulate_aria, Effects, SimConfig};
use sbas::source::aria::corrections::load_correction;
use sbas::source::layout::{LoadGlobs, LoadKey};
use sbas::source::mintpy_h5::read_root_attributes;
use sbas::source::{open_stack, open_stack_globs, StackLayer};

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/mintpy_aria")
}

fn strings<const N: usize>(f: &hdf5::File, name: &str) -> Vec<String> {
    f.dataset(name)
        .unwrap()
        .read_raw::<hdf5::types::FixedAscii<N>>()
        .unwrap()
        .iter()
        .map(|s| s.as_str().to_string())
        .collect()
}

#[test]
fn correction_stacks_equal_mintpys_prep_aria() {
    let dir = tempfile::tempdir().unwrap();
    for (vrt, file) in [
        ("stack/troposphereTotal/HRRRStack.vrt", "HRRR_ARIA.h5"),
        ("stack/setStack.vrt", "solidEarthTide_ARIA.h5"),
    ] {
        let ours =
            load_correction(&fixture().join("stack").join(vrt), dir.path(), 1 << 12).unwrap();
        assert_eq!(ours, dir.path().join("inputs").join(file));
        let theirs = fixture().join("inputs").join(file);
        let (o, t) = (
            hdf5::File::open(&ours).unwrap(),
            hdf5::File::open(&theirs).unwrap(),
        );
        let a: Vec<f32> = o.dataset("timeseries").unwrap().read_raw().unwrap();
        let b: Vec<f32> = t.dataset("timeseries").unwrap().read_raw().unwrap();
        assert_eq!(
            o.dataset("timeseries").unwrap().shape(),
            t.dataset("timeseries").unwrap().shape()
        );
        assert!(same_bits(&a, &b), "{file}");
        // Water is NaN in the rasters and 0 in both; the rest carries the delay.
        assert!(
            b.contains(&0.0) && b.iter().any(|v| v.abs() > 1e-4),
            "{file}"
        );
        assert_eq!(strings::<8>(&o, "date"), strings::<8>(&t, "date"));
        assert_eq!(
            strings::<15>(&o, "sensingMid"),
            strings::<15>(&t, "sensingMid")
        );
        assert_eq!(strings::<15>(&t, "sensingMid")[0], "2020-01-01 01:5");
        let oa = read_root_attributes(&o, &ours).unwrap();
        let ta = read_root_attributes(&t, &theirs).unwrap();
        let mut compared = 0;
        for (k, v) in ta.iter() {
            assert_eq!(oa.get(k), Some(v), "{file}: {k}");
            compared += 1;
        }
        assert!(compared >= 40, "{compared}");
        assert_eq!(oa.get("UNIT"), Some("m"));
        assert_eq!(oa.get("FILE_TYPE"), Some("timeseries"));
    }
}

#[test]
fn ionosphere_stack_read_as_the_phase_equals_mintpys_ion_stack() {
    // MintPy's ionStack.h5: ionoStack.vrt as the phase (negated), cohStack.vrt's coherence, the
    // ionosphere bands' baselines (negated). sbas reads it as the phase of the ARIA folder with
    // unwFile = ionoStack.vrt (`sbas invert ARIA_DIR --unw-file stack/ionoStack.vrt`).
    let mut globs = LoadGlobs::new();
    let stack = fixture().join("stack");
    globs.set(
        LoadKey::Unw,
        stack.join("stack/ionoStack.vrt").to_string_lossy(),
    );
    let ours = open_stack_globs(&stack, &globs).unwrap();
    let mintpy = open_stack(&fixture().join("inputs/ionStack.h5")).unwrap();
    let (a, m) = (ours.info(), mintpy.info());
    assert_eq!((a.length, a.width), (m.length, m.width));
    assert_eq!(a.network.pairs, m.network.pairs);
    assert_eq!(a.network.pair_bperp, m.network.pair_bperp);
    for layer in [StackLayer::Phase, StackLayer::Coherence] {
        let (x, y) = (whole(&*ours, layer), whole(&*mintpy, layer));
        assert!(same_bits(&x, &y), "{layer:?}");
        assert!(x.iter().any(|v| *v != 0.0 && v.is_finite()), "{layer:?}");
    }
}

fn noise_free(rows: usize, cols: usize, dates: usize) -> SimConfig {
    SimConfig {
        rows,
        cols,
        num_dates: dates,
        neighbors: 2,
        seed: 11,
        effects: Effects {
            decorrelation: false,
            dem_error: false,
            unwrap_errors: false,
            missing_data: false,
            low_coherence: false,
            ..Effects::all()
        },
        ..SimConfig::default()
    }
}

fn read_f32(p: &Path) -> Vec<f32> {
    std::fs::read(p)
        .unwrap()
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect()
}

/// Inverts `aria` into `run` (`extra` options), subtracts its troposphere then its tides with
/// `sbas correct-tropo`, and returns the largest error on land before, after the troposphere
/// and after both, against the simulated deformation over the rows `y0..` and columns `x0..`.
fn errors_against_truth(
    aria: &Path,
    run: &Path,
    extra: &[&str],
    (rows, cols, n): (usize, usize, usize),
    (y0, x0): (usize, usize),
) -> [f32; 3] {
    let s = |p: &Path| p.to_str().unwrap().to_string();
    let mut args = vec!["invert".to_string(), s(aria), "--out".into(), s(run)];
    args.extend(
        ["--format", "hdf5"]
            .iter()
            .chain(extra)
            .map(|a| a.to_string()),
    );
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = sbas(&args);
    assert!(out.status.success(), "{}", stderr(&out));
    let tropo = aria.join("stack/troposphereTotal/HRRRStack.vrt");
    let out = sbas(&["correct-tropo", &s(run), "--delay", &s(&tropo)]);
    assert!(out.status.success(), "{}", stderr(&out));
    let set = aria.join("stack/setStack.vrt");
    let out = sbas(&[
        "correct-tropo",
        &s(run),
        "--input",
        "timeseries_HRRR_ARIA",
        "--delay",
        &s(&set),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(run.join("inputs/HRRR_ARIA.h5").is_file());
    assert!(run.join("inputs/solidEarthTide_ARIA.h5").is_file());

    // The truth without atmosphere (no DEM error simulated), referenced as the series.
    let truth = read_f32(&aria.join("truth/deformation.f32"));
    let water = std::fs::read(aria.join("truth/water_mask.u8")).unwrap();
    let px = rows * cols;
    let at = |k: usize, y: usize, x: usize| k * px + (y + y0) * cols + x + x0;
    let err = |name: &str| -> f32 {
        let path = run.join(format!("{name}.h5"));
        let f = hdf5::File::open(&path).unwrap();
        let ts: Vec<f32> = f.dataset("timeseries").unwrap().read_raw().unwrap();
        let shape = f.dataset("timeseries").unwrap().shape();
        let (l, w) = (shape[1], shape[2]);
        let attrs = read_root_attributes(&f, &path).unwrap();
        let ry: usize = attrs.get("REF_Y").unwrap().parse().unwrap();
        let rx: usize = attrs.get("REF_X").unwrap().parse().unwrap();
        let mut worst = 0f32;
        for k in 0..n {
            let r = truth[at(k, ry, rx)];
            for (y, x) in (0..l).flat_map(|y| (0..w).map(move |x| (y, x))) {
                if water[(y + y0) * cols + x + x0] == 1 {
                    let want = truth[at(k, y, x)] - r;
                    worst = worst.max((ts[k * l * w + y * w + x] - want).abs());
                }
            }
        }
        worst
    };
    [
        err("timeseries"),
        err("timeseries_HRRR_ARIA"),
        err("timeseries_HRRR_ARIA_solidEarthTide_ARIA"),
    ]
}

#[test]
fn correct_tropo_with_aria_stacks_removes_the_simulated_atmosphere() {
    let dir = tempfile::tempdir().unwrap();
    let (rows, cols, n) = (16, 20, 5);
    let cfg = noise_free(rows, cols, n);
    let aria = dir.path().join("aria");
    simulate_aria(&aria, &cfg).unwrap();
    write_aria_corrections(&aria, &cfg).unwrap();
    // The whole stack, and a subset run (the stacks' part under it is loaded).
    for (run, extra, origin) in [
        ("run", &[][..], (0, 0)),
        (
            "sub",
            &["--subset-yx", "2:12,3:17", "--ref-yx", "4,4"][..],
            (2, 3),
        ),
    ] {
        let [before, tropo_only, after] =
            errors_against_truth(&aria, &dir.path().join(run), extra, (rows, cols, n), origin);
        assert!(before > 5e-3, "{run}: {before}");
        assert!(
            tropo_only > 1e-3 && tropo_only < before,
            "{run}: {tropo_only}"
        );
        assert!(after < 1e-6, "{run}: {after} (before {before})");
    }
}

#[test]
fn bad_correction_stacks_are_refused_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = noise_free(10, 12, 4);
    let aria = dir.path().join("aria");
    let run = dir.path().join("run");
    simulate_aria(&aria, &cfg).unwrap();
    write_aria_corrections(&aria, &cfg).unwrap();
    let s = |p: &Path| p.to_str().unwrap().to_string();
    let out = sbas(&["invert", &s(&aria), "--out", &s(&run), "--format", "hdf5"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let set = aria.join("stack/setStack.vrt");
    let original = std::fs::read_to_string(&set).unwrap();
    let refused = |vrt: &Path, wants: &[&str]| {
        let out = sbas(&["correct-tropo", &s(&run), "--delay", &s(vrt)]);
        let e = stderr(&out);
        assert_eq!(out.status.code(), Some(1), "{e}");
        assert!(!e.contains("panicked"), "{e}");
        for w in wants {
            assert!(e.contains(w), "{w} not in: {e}");
        }
    };
    // A missing stack.
    refused(
        &aria.join("stack/troposphereTotal/GMAOStack.vrt"),
        &["GMAOStack.vrt", "does not exist"],
    );
    // A band without Dates.
    std::fs::write(
        &set,
        original.replacen("<MDI key=\"Dates\">20200113</MDI>", "", 1),
    )
    .unwrap();
    refused(&set, &["setStack.vrt", "band 2", "no Dates"]);
    // Pairs (as ionoStack.vrt), not dates.
    std::fs::write(
        &set,
        original.replacen(
            "<MDI key=\"Dates\">20200113</MDI>",
            "<MDI key=\"Dates\">20200113_20200101</MDI>",
            1,
        ),
    )
    .unwrap();
    refused(&set, &["setStack.vrt", "20200113_20200101", "ionoStack"]);
    // Two bands of one date.
    std::fs::write(
        &set,
        original.replacen(
            "<MDI key=\"Dates\">20200113</MDI>",
            "<MDI key=\"Dates\">20200101</MDI>",
            1,
        ),
    )
    .unwrap();
    refused(&set, &["setStack.vrt", "bands 1 and 2", "20200101"]);
    // A band without its UTC time.
    let utc = "<MDI key=\"UTCTime (HH:MM:SS.ss)\">";
    let cut = original.find(utc).unwrap();
    let end = cut + original[cut..].find("</MDI>").unwrap() + "</MDI>".len();
    std::fs::write(&set, format!("{}{}", &original[..cut], &original[end..])).unwrap();
    refused(&set, &["setStack.vrt", "band 1", "UTCTime"]);
    // A stack on another grid than unwrapStack.vrt (origin moved by a pixel).
    std::fs::write(
        &set,
        original.replacen("-118.35,", "-118.34916666666666,", 1),
    )
    .unwrap();
    refused(&set, &["setStack.vrt", "another grid", "unwrapStack.vrt"]);
    // A stack without its folder's unwrapStack.vrt.
    let lone = dir.path().join("lone/setStack.vrt");
    std::fs::create_dir_all(lone.parent().unwrap()).unwrap();
    std::fs::write(&lone, &original).unwrap();
    refused(&lone, &["lone/setStack.vrt", "unwrapStack.vrt"]);
    // A folder smaller than the run's grid.
    let other = dir.path().join("other");
    simulate_aria(&other, &noise_free(8, 12, 4)).unwrap();
    write_aria_corrections(&other, &noise_free(8, 12, 4)).unwrap();
    refused(
        &other.join("stack/setStack.vrt"),
        &["setStack.vrt", "8 x 12", "10 x 12", "not inside"],
    );
}
