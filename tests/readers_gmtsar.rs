//! The GMTSAR reader against MintPy 1.6.4's `load_data` on the committed simulated project
//! (`tests/fixtures/mintpy_gmtsar`, made by `scripts/make-mintpy-gmtsar-fixture.sh`), bad
//! input, the simulation (arrays equal the ISCE2 simulation of the same scene, the inversion
//! recovers the truth), and an inversion in the stack's latitude/longitude grid.

use crate::common::{geometry, open_err, same_bits, whole};
use std::path::{Path, PathBuf};

use sbas::simulate::{simulate, simulate_gmtsar, Effects, SimConfig};
use sbas::source::layout::LoadGlobs;
use sbas::source::mintpy_h5::read_root_attributes;
use sbas::source::raster::netcdf3::write::{classic_bytes, VarOut};
use sbas::source::raster::netcdf3::NcType;
use sbas::source::{open_stack, open_stack_globs, GeomLayer, StackCoords, StackLayer};

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/mintpy_gmtsar")
}

/// The heading MintPy's template of the fixture gives.
fn with_heading() -> LoadGlobs {
    let mut g = LoadGlobs::new();
    g.set_meta(vec![("HEADING".into(), "-12.239471".into())]);
    g
}

#[test]
fn arrays_and_attributes_equal_mintpys_load_data() {
    let ours = open_stack_globs(&fixture().join("stack"), &with_heading()).unwrap();
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
    ] {
        let want: Vec<f32> = f.dataset(name).unwrap().read_raw().unwrap();
        assert!(same_bits(&geometry(&*ours, layer), &want), "{name}");
    }
    // MintPy computes the slant range with float32 numpy (its own sine), ours with Rust's
    // float32: equal to a few units in the last place.
    let want: Vec<f32> = f.dataset("slantRangeDistance").unwrap().read_raw().unwrap();
    let got = geometry(&*ours, GeomLayer::SlantRangeDistance);
    let worst = got
        .iter()
        .zip(&want)
        .map(|(a, b)| ((a - b) / b).abs())
        .fold(0f32, f32::max);
    assert!(worst <= 1e-5, "slant range differs by {worst} (relative)");

    // Every attribute MintPy derives from the PRM, config, grids and baseline table, with
    // MintPy's text; left out are those load_data adds itself (paths, subset box, template,
    // file type and no-data note) and EPSG, which MintPy leaves `None` (a GMT grid names no
    // CRS) where sbas states GMTSAR's WGS84 longitude/latitude (4326).
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
                "EPSG",
            ]
            .contains(&k)
    };
    let mut compared = 0;
    for (k, v) in mattrs.iter().filter(|(k, _)| !skipped(k)) {
        assert_eq!(a.attrs.get(k), Some(v), "{k}");
        compared += 1;
    }
    assert!(compared > 80, "{compared}");
    assert_eq!(a.attrs.get("EPSG"), Some("4326"));
    let StackCoords::Map(g) = &a.coords else {
        panic!("a GMTSAR stack is in map coordinates");
    };
    assert_eq!((g.epsg, g.degrees), (Some(4326), true));
    assert!(a.warnings.is_empty(), "{:?}", a.warnings);
    // Without the heading the stack opens, says what is missing and how to give it.
    let bare = open_stack(&fixture().join("stack")).unwrap();
    assert!(bare.info().attrs.get("HEADING").is_none());
    assert!(
        bare.info()
            .warnings
            .iter()
            .any(|w| w.contains("--meta HEADING")),
        "{:?}",
        bare.info().warnings
    );
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
    simulate_gmtsar(&dir.path().join("gmtsar"), &c).unwrap();
    simulate(&dir.path().join("isce"), &c).unwrap();
    let gmtsar = open_stack(&dir.path().join("gmtsar")).unwrap();
    let isce = open_stack(&dir.path().join("isce")).unwrap();
    assert_eq!(gmtsar.info().network.pairs, isce.info().network.pairs);
    for layer in [StackLayer::Phase, StackLayer::Coherence] {
        assert!(
            same_bits(&whole(&*gmtsar, layer), &whole(&*isce, layer)),
            "{layer:?}"
        );
    }
    crate::common::assert_inversion_recovers_truth(
        &dir.path().join("gmtsar"),
        &dir.path().join("gmtsar/truth"),
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

/// The first pair folder of a simulated project.
fn first_pair(stack: &Path) -> PathBuf {
    let mut pairs: Vec<PathBuf> = std::fs::read_dir(stack.join("interferograms"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    pairs.sort();
    pairs[0].clone()
}

#[test]
fn bad_projects_are_refused_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let stack = dir.path().join("s");
    let fresh = || {
        let _ = std::fs::remove_dir_all(&stack);
        simulate_gmtsar(&stack, &small()).unwrap();
    };
    fresh();
    assert_eq!(open_stack(&stack).unwrap().info().network.num_pairs(), 5);
    let unw = first_pair(&stack).join("unwrap_ll.grd");
    // A truncated grid.
    let bytes = std::fs::read(&unw).unwrap();
    std::fs::write(&unw, &bytes[..bytes.len() - 100]).unwrap();
    let e = open_err(&stack);
    assert!(
        e.contains("unwrap_ll.grd") && e.contains("truncated"),
        "{e}"
    );
    // A grid whose header is cut.
    std::fs::write(&unw, &bytes[..60]).unwrap();
    let e = open_err(&stack);
    assert!(
        e.contains("unwrap_ll.grd") && e.contains("truncated"),
        "{e}"
    );
    // A netCDF file without the variable z (nor any 2-D variable).
    let coords_only = classic_bytes(
        &[("lon", 2)],
        &[],
        &[VarOut {
            name: "lon".into(),
            dims: vec![0],
            attrs: vec![],
            ty: NcType::Double,
            data: [1.0f64, 2.0].iter().flat_map(|v| v.to_be_bytes()).collect(),
        }],
        &[],
    );
    std::fs::write(&unw, coords_only).unwrap();
    let e = open_err(&stack);
    assert!(
        e.contains("unwrap_ll.grd") && e.contains("no variable z"),
        "{e}"
    );
    // A file that is no netCDF at all.
    std::fs::write(&unw, b"not a grid at all").unwrap();
    let e = open_err(&stack);
    assert!(e.contains("unwrap_ll.grd") && e.contains("neither"), "{e}");
    // A broken netCDF-4 (HDF5) grid.
    std::fs::write(&unw, b"\x89HDF\r\n\x1a\n0000000000000000").unwrap();
    let e = open_err(&stack);
    assert!(e.contains("unwrap_ll.grd") && e.contains("netCDF-4"), "{e}");
    // A coherence grid on another pixel size (its east edge moved out: wider pixels).
    fresh();
    let cor = first_pair(&stack).join("corr_ll.grd");
    let nc = sbas::source::gmtsar::grd::GmtGrid::open(&cor).unwrap();
    assert_eq!(nc.grid.width, 15);
    let east = -118.35 + sbas::simulate::gmtsar_writer::PIXEL * 15.0;
    let mut b = std::fs::read(&cor).unwrap();
    let at = b.windows(8).position(|w| w == east.to_be_bytes()).unwrap();
    b[at..at + 8].copy_from_slice(&(east + 0.01f64).to_be_bytes());
    std::fs::write(&cor, b).unwrap();
    let e = open_err(&stack);
    assert!(e.contains("corr_ll.grd") && e.contains("pixel size"), "{e}");
    // A coherence grid on a smaller extent of the same grid is cut to, with a note.
    fresh();
    let small_cor = sbas::simulate::gmtsar_writer::grd_bytes(&[0.5; 6 * 8], 6, 8, "", "other");
    std::fs::write(&cor, small_cor).unwrap();
    let s = open_stack(&stack).unwrap();
    assert_eq!((s.info().length, s.info().width), (6, 8));
    assert!(
        s.info().warnings.iter().any(|w| w.contains("cut")),
        "{:?}",
        s.info().warnings
    );
    // Missing PRM and baseline table, a date the table lacks.
    fresh();
    std::fs::remove_file(stack.join("supermaster.PRM")).unwrap();
    let e = open_err(&stack);
    assert!(e.contains("supermaster.PRM"), "{e}");
    fresh();
    std::fs::remove_file(stack.join("baseline_table.dat")).unwrap();
    let e = open_err(&stack);
    assert!(e.contains("baseline_table.dat"), "{e}");
    fresh();
    let t = std::fs::read_to_string(stack.join("baseline_table.dat")).unwrap();
    let cut: Vec<&str> = t.lines().take(2).collect();
    std::fs::write(stack.join("baseline_table.dat"), cut.join("\n")).unwrap();
    let e = open_err(&stack);
    assert!(
        e.contains("baseline_table.dat") && e.contains("no date"),
        "{e}"
    );
    // Without config file the looks must be given.
    fresh();
    std::fs::remove_file(stack.join("config.tops.txt")).unwrap();
    let e = open_err(&stack);
    assert!(e.contains("ALOOKS") && e.contains("config"), "{e}");
    let mut g = LoadGlobs::new();
    g.set_meta(vec![
        ("ALOOKS".into(), "3".into()),
        ("RLOOKS".into(), "9".into()),
    ]);
    let s = open_stack_globs(&stack, &g).unwrap();
    assert_eq!(s.info().attrs.get("RLOOKS"), Some("9"));
    // A pair folder not named by GMTSAR's dates.
    fresh();
    let p = first_pair(&stack);
    std::fs::rename(&p, p.with_file_name("pair_one")).unwrap();
    let e = open_err(&stack);
    assert!(e.contains("pair_one") && e.contains("YYYYDDD"), "{e}");
}

#[test]
fn invert_runs_in_the_stacks_lat_lon_grid() {
    let dir = tempfile::tempdir().unwrap();
    simulate_gmtsar(&dir.path().join("s"), &small()).unwrap();
    crate::common::assert_inverted_attributes(
        &dir.path().join("s"),
        &["--meta", "HEADING=-12.239471"],
        &[
            ("X_FIRST", "-118.35"),
            ("Y_FIRST", "34.05"),
            ("X_UNIT", "degrees"),
            ("PROCESSOR", "gmtsar"),
            ("HEADING", "-12.239471"),
        ],
    );
}
