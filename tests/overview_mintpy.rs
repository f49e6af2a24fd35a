//! `sbas overview` against MintPy 1.6.4's quick_overview on the committed fixture
//! (tests/fixtures/mintpy_overview, made by scripts/make-mintpy-overview-fixture.sh from the
//! stack of tests/fixtures/mintpy_small, which has unwrapping errors), from the ISCE2 tree and
//! from MintPy's ifgramStack.h5, in both output formats.

use std::path::{Path, PathBuf};

use sbas::product::Product;
use sbas::window::Window;

use crate::common::{sbas, stderr};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

fn mintpy(file: &str, dataset: &str) -> Vec<f32> {
    let f = hdf5::File::open(fixtures().join("mintpy_overview").join(file)).unwrap();
    f.dataset(dataset).unwrap().read_raw::<f32>().unwrap()
}

fn ours(dir: &Path, stem: &str, dataset: &str) -> Vec<f32> {
    let p = Product::open(dir, stem).unwrap();
    p.read(dataset, Window::full(p.length(), p.width()))
        .unwrap()
}

fn check(dir: &Path) {
    let (want, got) = (
        mintpy("avgPhaseVelocity.h5", "velocity"),
        ours(dir, "avgPhaseVelocity", "velocity"),
    );
    assert_eq!(want.len(), got.len());
    for (i, (w, g)) in want.iter().zip(&got).enumerate() {
        assert!(
            (w - g).abs() <= 1e-6 * w.abs() || (w.is_nan() && g.is_nan()),
            "avgPhaseVelocity pixel {i}: {g} vs MintPy {w}"
        );
    }
    let (want, got) = (
        mintpy("numTriNonzeroIntAmbiguity.h5", "mask"),
        ours(dir, "numTriNonzeroIntAmbiguity", "mask"),
    );
    for (i, (w, g)) in want.iter().zip(&got).enumerate() {
        assert!(
            w == g || (w.is_nan() && g.is_nan()),
            "numTriNonzeroIntAmbiguity pixel {i}: {g} vs MintPy {w}"
        );
    }
    // The fixture exercises the count: unwrapping errors give non-zero counts, water is masked.
    assert!(want.iter().filter(|v| **v >= 2.0).count() > 50);
    assert!(want.iter().filter(|v| v.is_nan()).count() > 50);
}

#[test]
fn overview_matches_mintpy_from_isce_and_from_ifgramstack() {
    let tmp = tempfile::tempdir().unwrap();
    let stack = fixtures().join("mintpy_small/stack");
    let h5 = fixtures().join("mintpy_small/inputs/ifgramStack.h5");
    for (input, format) in [(&stack, "hdf5"), (&h5, "hdf5"), (&stack, "zarr")] {
        let out = tmp
            .path()
            .join(format!("{format}-{}", input.ends_with("stack")));
        let o = sbas(&[
            "overview",
            input.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--ref-yx",
            "20,25",
            "--format",
            format,
            "-q",
        ]);
        assert!(o.status.success(), "{}", stderr(&o));
        check(&out);
        assert!(out.join("pic/avgPhaseVelocity.png").is_file());
        assert!(out.join("pic/numTriNonzeroIntAmbiguity.png").is_file());
    }
    // MintPy's layout: dataset names, FILE_TYPE, unit, reference point.
    let f = hdf5::File::open(tmp.path().join("hdf5-true/numTriNonzeroIntAmbiguity.h5")).unwrap();
    let attr = |k: &str| {
        f.attr(k)
            .unwrap()
            .read_scalar::<hdf5::types::VarLenUnicode>()
            .unwrap()
            .to_string()
    };
    assert_eq!(attr("FILE_TYPE"), "mask");
    assert_eq!((attr("REF_Y"), attr("REF_X")), ("20".into(), "25".into()));
}

#[test]
fn overview_of_a_run_folder_uses_its_stack_and_reference() {
    let tmp = tempfile::tempdir().unwrap();
    let stack = fixtures().join("mintpy_small/stack");
    let run = tmp.path().join("run");
    let o = sbas(&[
        "invert",
        stack.to_str().unwrap(),
        "--out",
        run.to_str().unwrap(),
        "--ref-yx",
        "20,25",
        "-q",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = sbas(&["overview", run.to_str().unwrap(), "--no-pic", "-q"]);
    assert!(o.status.success(), "{}", stderr(&o));
    check(&run);
    // The run's format (sbas invert writes Zarr by default).
    assert!(run.join("avgPhaseVelocity.zarr").is_dir());
    assert!(!run.join("pic/avgPhaseVelocity.png").exists());
    // A stack without --out is refused with the reason.
    let o = sbas(&["overview", stack.to_str().unwrap()]);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("--out"), "{}", stderr(&o));
}

#[test]
fn quick_overview_step_of_a_template_run_matches_mintpy() {
    let tmp = tempfile::tempdir().unwrap();
    let work = tmp.path().join("mintpy");
    // MintPy's own template of the fixture (reference point 20,25), on the same stack.
    let template = fixtures().join("mintpy_overview/SimSenAT64.txt");
    let stack = fixtures().join("mintpy_small/stack");
    let o = sbas(&[
        "run",
        template.to_str().unwrap(),
        "--dir",
        work.to_str().unwrap(),
        "--stack",
        stack.to_str().unwrap(),
        "--end",
        "quick_overview",
        "-q",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    check(&work);
}
