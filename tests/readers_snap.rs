//! The SNAP reader against MintPy 1.6.4's `load_data` on the committed simulated stack
//! (`tests/fixtures/mintpy_snap`, made by `scripts/make-mintpy-snap-fixture.sh`), bad input,
//! the simulation (arrays equal the ISCE2 simulation of the same scene, the inversion recovers the
//! truth), and an inversion in the stack's latitude/longitude grid.

use crate::common::{geometry, open_err, same_bits, whole};
use std::path::{Path, PathBuf};

use sbas::simulate::{simulate, simulate_snap, Effects, SimConfig};
use sbas::source::mintpy_h5::read_root_attributes;
use sbas::source::{open_stack, GeomLayer, StackCoords, StackLayer};

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/mintpy_snap")
}

#[test]
fn arrays_and_attributes_equal_mintpys_load_data() {
    let ours = open_stack(&fixture().join("stack")).unwrap();
    let mintpy = open_stack(&fixture().join("inputs/ifgramStack.h5")).unwrap();
    let (a, m) = (ours.info(), mintpy.info());
    assert_eq!((a.length, a.width), (m.length, m.width));
    assert_eq!(a.network.num_pairs(), 9);
    assert_eq!(a.network.pairs, m.network.pairs);
    assert_eq!(a.network.pair_bperp, m.network.pair_bperp);
    for layer in [StackLayer::Phase, StackLayer::Coherence] {
        assert!(
            same_bits(&whole(&*ours, layer), &whole(&*mintpy, layer)),
            "{layer:?}"
        );
    }
    let geo = fixture().join("inputs/geometryGeo.h5");
    let f = hdf5::File::open(&geo).unwrap();
    for (layer, name) in [
        (GeomLayer::Height, "height"),
        (GeomLayer::IncidenceAngle, "incidenceAngle"),
        (GeomLayer::SlantRangeDistance, "slantRangeDistance"),
    ] {
        let want: Vec<f32> = f.dataset(name).unwrap().read_raw().unwrap();
        assert!(same_bits(&geometry(&*ours, layer), &want), "{name}");
    }

    // Every attribute MintPy derives from the SNAP header, with MintPy's text; left out are
    // those load_data adds itself (paths, subset box, template, file type and no-data note).
    let path = fixture().join("inputs/ifgramStack.h5");
    let h5 = hdf5::File::open(&path).unwrap();
    let mattrs = read_root_attributes(&h5, &path).unwrap();
    let skipped = |k: &str| {
        k.starts_with("mintpy.")
            || k.starts_with("SUBSET_")
            || [
                "FILE_PATH",
                "FILE_TYPE",
                "FILE_LENGTH",
                "NO_DATA_VALUE",
                "PROJECT_NAME",
                "XMAX",
                "YMAX",
            ]
            .contains(&k)
    };
    let mut compared = 0;
    for (k, v) in mattrs.iter().filter(|(k, _)| !skipped(k)) {
        assert_eq!(a.attrs.get(k), Some(v), "{k}");
        compared += 1;
    }
    assert!(compared > 60, "{compared}");
    let StackCoords::Map(g) = &a.coords else {
        panic!("a SNAP stack is in map coordinates");
    };
    assert_eq!((g.epsg, g.degrees), (Some(4326), true));
    assert!(a.warnings.is_empty(), "{:?}", a.warnings);
}

#[test]
fn arrays_equal_the_isce2_simulation_and_the_inversion_recovers_the_truth() {
    let dir = tempfile::tempdir().unwrap();
    let c = SimConfig {
        rows: 40,
        cols: 50,
        num_dates: 12,
        effects: Effects::all(),
        ..SimConfig::default()
    };
    simulate_snap(&dir.path().join("snap"), &c).unwrap();
    simulate(&dir.path().join("isce"), &c).unwrap();
    let snap = open_stack(&dir.path().join("snap")).unwrap();
    let isce = open_stack(&dir.path().join("isce")).unwrap();
    assert_eq!(snap.info().network.pairs, isce.info().network.pairs);
    for layer in [StackLayer::Phase, StackLayer::Coherence] {
        assert!(
            same_bits(&whole(&*snap, layer), &whole(&*isce, layer)),
            "{layer:?}"
        );
    }
    crate::common::assert_inversion_recovers_truth(
        &dir.path().join("snap"),
        &dir.path().join("snap/truth"),
        &dir.path().join("out"),
    );
}

fn small() -> SimConfig {
    SimConfig {
        rows: 12,
        cols: 15,
        num_dates: 4,
        neighbors: 2,
        ..SimConfig::default()
    }
}

/// The first pair's product files of kind `kind` (`unw`, `coh`): `.dim`, `.hdr`, `.img`.
fn first_product(stack: &Path, kind: &str) -> (PathBuf, PathBuf, PathBuf) {
    let mut pairs: Vec<PathBuf> = std::fs::read_dir(stack.join("interferograms"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    pairs.sort();
    let pair = pairs[0].file_name().unwrap().to_string_lossy().into_owned();
    let dim = pairs[0].join(format!("{pair}_{kind}_tc.dim"));
    let data = pairs[0].join(format!("{pair}_{kind}_tc.data"));
    let img = std::fs::read_dir(&data)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|e| e == "img"))
        .unwrap();
    (dim, img.with_extension("hdr"), img)
}

#[test]
fn bad_products_are_refused_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let stack = dir.path().join("s");
    let fresh = || {
        let _ = std::fs::remove_dir_all(&stack);
        simulate_snap(&stack, &small()).unwrap();
    };
    fresh();
    assert_eq!(open_stack(&stack).unwrap().info().network.num_pairs(), 5);
    // A missing product header.
    let (dim, hdr, img) = first_product(&stack, "unw");
    std::fs::remove_file(&dim).unwrap();
    let e = open_err(&stack);
    assert!(
        e.contains("_unw_tc.dim") && e.contains("no product header"),
        "{e}"
    );
    // A missing ENVI header.
    fresh();
    std::fs::remove_file(&hdr).unwrap();
    let e = open_err(&stack);
    assert!(e.contains(".hdr") && e.contains("no ENVI header"), "{e}");
    // A truncated band.
    fresh();
    let bytes = std::fs::read(&img).unwrap();
    std::fs::write(&img, &bytes[..bytes.len() / 2]).unwrap();
    let e = open_err(&stack);
    assert!(e.contains(".img") && e.contains("truncated"), "{e}");
    // A coherence band on another pixel size.
    fresh();
    let (cdim, _, _) = first_product(&stack, "coh");
    let text = std::fs::read_to_string(&cdim).unwrap();
    std::fs::write(&cdim, text.replace("2.6949458523585647E-4", "5.0E-4")).unwrap();
    let e = open_err(&stack);
    assert!(e.contains("coh_") && e.contains("pixel size"), "{e}");
    // A header without the baselines.
    fresh();
    let text = std::fs::read_to_string(&dim).unwrap();
    std::fs::write(&dim, text.replace("Baselines", "NoBaselines")).unwrap();
    let e = open_err(&stack);
    assert!(e.contains("_unw_tc.dim") && e.contains("Baselines"), "{e}");
    // A header on a projected grid (MintPy's prep_snap reads latitude/longitude only).
    fresh();
    let text = std::fs::read_to_string(&dim).unwrap();
    std::fs::write(&dim, text.replace("GEOGCS[", "PROJCS[")).unwrap();
    let e = open_err(&stack);
    assert!(e.contains("_unw_tc.dim") && e.contains("WGS84"), "{e}");
    // ENVI and product headers that disagree on the size.
    fresh();
    let text = std::fs::read_to_string(&hdr).unwrap();
    std::fs::write(&hdr, text.replace("lines = 12", "lines = 11")).unwrap();
    let e = open_err(&stack);
    assert!(e.contains(".hdr") && e.contains("11 x 15"), "{e}");
}

#[test]
fn invert_runs_in_the_stacks_lat_lon_grid() {
    let dir = tempfile::tempdir().unwrap();
    simulate_snap(&dir.path().join("s"), &small()).unwrap();
    crate::common::assert_inverted_attributes(
        &dir.path().join("s"),
        &[],
        &[
            ("X_FIRST", "-118.35"),
            ("Y_FIRST", "34.05"),
            ("X_STEP", "0.00026949458523585647"),
            ("Y_STEP", "-0.00026949458523585647"),
            ("X_UNIT", "degrees"),
            ("PROCESSOR", "snap"),
        ],
    );
}
