//! The HyP3 reader against MintPy 1.6.4's `load_data` on the committed simulated stack
//! (`tests/fixtures/mintpy_hyp3`, made by `scripts/make-mintpy-hyp3-fixture.sh`), pairs on
//! different extents, and bad input.

use crate::common::{geometry, open_err, same_bits, whole};
use std::path::{Path, PathBuf};

use sbas::simulate::{simulate_hyp3, SimConfig};
use sbas::source::mintpy_h5::read_root_attributes;
use sbas::source::{open_stack, GeomLayer, StackCoords, StackLayer};

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/mintpy_hyp3")
}

#[test]
fn arrays_and_attributes_equal_mintpys_load_data() {
    let ours = open_stack(&fixture().join("stack/hyp3")).unwrap();
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
    assert!(!a.has_layer(StackLayer::ConnComp));
    for layer in [
        GeomLayer::Height,
        GeomLayer::IncidenceAngle,
        GeomLayer::AzimuthAngle,
        GeomLayer::WaterMask,
    ] {
        assert!(
            same_bits(&geometry(&*ours, layer), &geometry(&*mintpy, layer)),
            "{layer:?}"
        );
    }
    // MintPy computes the slant range with float32 numpy, ours with Rust's float32.
    let (r1, r2) = (
        geometry(&*ours, GeomLayer::SlantRangeDistance),
        geometry(&*mintpy, GeomLayer::SlantRangeDistance),
    );
    let worst = r1
        .iter()
        .zip(&r2)
        .map(|(x, y)| ((x - y) / y).abs())
        .fold(0f32, f32::max);
    // 3e-6 relative (2.2 m of 850 km) seen: float32 rounding of sin/asin.
    assert!(worst <= 1e-5, "slant range differs by {worst} (relative)");

    let f = hdf5::File::open(fixture().join("inputs/ifgramStack.h5")).unwrap();
    let mattrs = read_root_attributes(&f, &fixture().join("inputs/ifgramStack.h5")).unwrap();
    for key in [
        "ALOOKS",
        "ANTENNA_SIDE",
        "AZIMUTH_PIXEL_SIZE",
        "CENTER_LINE_UTC",
        "EARTH_RADIUS",
        "EPSG",
        "HEADING",
        "HEIGHT",
        "LAT_REF1",
        "LAT_REF2",
        "LAT_REF3",
        "LAT_REF4",
        "LENGTH",
        "LON_REF1",
        "LON_REF2",
        "LON_REF3",
        "LON_REF4",
        "ORBIT_DIRECTION",
        "PLATFORM",
        "PROCESSOR",
        "RANGE_PIXEL_SIZE",
        "RLOOKS",
        "STARTING_RANGE",
        "UTM_ZONE",
        "WAVELENGTH",
        "WIDTH",
        "X_FIRST",
        "X_STEP",
        "X_UNIT",
        "Y_FIRST",
        "Y_STEP",
        "Y_UNIT",
        "beam_mode",
        "beam_swath",
        "relative_orbit",
        "startUTC",
        "stopUTC",
        "unwrap_method",
    ] {
        assert_eq!(a.attrs.get(key), mattrs.get(key), "{key}");
    }
    let StackCoords::Map(g) = &a.coords else {
        panic!("a HyP3 stack is in map coordinates");
    };
    assert_eq!(
        (g.epsg, g.degrees, g.x_step, g.y_step),
        (Some(32611), false, 80.0, -80.0)
    );
    assert!(a.warnings.is_empty(), "{:?}", a.warnings);
}

fn small() -> SimConfig {
    SimConfig {
        rows: 12,
        cols: 15,
        num_dates: 5,
        neighbors: 2,
        ..SimConfig::default()
    }
}

#[test]
fn pairs_on_different_extents_are_cut_to_the_overlap() {
    let dir = tempfile::tempdir().unwrap();
    simulate_hyp3(&dir.path().join("same"), &small(), false).unwrap();
    simulate_hyp3(&dir.path().join("vary"), &small(), true).unwrap();
    let same = open_stack(&dir.path().join("same/hyp3")).unwrap();
    let vary = open_stack(&dir.path().join("vary/hyp3")).unwrap();
    let (s, v) = (same.info(), vary.info());
    assert_eq!((v.length, v.width), (12, 15));
    assert_eq!(s.coords, v.coords);
    assert_eq!(s.attrs.get("X_FIRST"), v.attrs.get("X_FIRST"));
    for layer in [StackLayer::Phase, StackLayer::Coherence] {
        assert!(
            same_bits(&whole(&*same, layer), &whole(&*vary, layer)),
            "{layer:?}"
        );
    }
    assert!(same_bits(
        &geometry(&*same, GeomLayer::Height),
        &geometry(&*vary, GeomLayer::Height)
    ));
    assert_eq!(v.warnings.len(), 1);
    assert!(
        v.warnings[0].contains("cut to their common overlap of 12 x 15"),
        "{}",
        v.warnings[0]
    );
    assert!(s.warnings.is_empty());
}

/// The first product folder's file with suffix `suffix` in a simulated stack.
fn first_file(stack: &Path, suffix: &str) -> PathBuf {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(stack.join("hyp3"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    dirs.sort();
    let name = dirs[0].file_name().unwrap().to_string_lossy().into_owned();
    dirs[0].join(format!("{name}{suffix}"))
}

#[test]
fn bad_products_are_refused_naming_the_file() {
    let geotiffs = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/geotiff");
    let dir = tempfile::tempdir().unwrap();
    let stack = dir.path().join("s");
    // Another pixel size (30 m) in the same CRS.
    simulate_hyp3(&stack, &small(), false).unwrap();
    let corr = first_file(&stack, "_corr.tif");
    std::fs::copy(geotiffs.join("strip_lzw_fpred_utm11n.tif"), &corr).unwrap();
    let e = open_err(&stack.join("hyp3"));
    assert!(e.contains("_corr.tif") && e.contains("pixel size"), "{e}");
    // No georeferencing.
    std::fs::copy(geotiffs.join("no_georef.tif"), &corr).unwrap();
    let e = open_err(&stack.join("hyp3"));
    assert!(
        e.contains("_corr.tif") && e.contains("not georeferenced"),
        "{e}"
    );
    // Another CRS.
    std::fs::copy(geotiffs.join("tile_deflate_bigtiff_4326.tif"), &corr).unwrap();
    let e = open_err(&stack.join("hyp3"));
    assert!(e.contains("_corr.tif") && e.contains("EPSG:4326"), "{e}");
    // A truncated phase file.
    simulate_hyp3(&stack, &small(), false).unwrap();
    let unw = first_file(&stack, "_unw_phase.tif");
    let bytes = std::fs::read(&unw).unwrap();
    std::fs::write(&unw, &bytes[..bytes.len() / 2]).unwrap();
    let e = open_err(&stack.join("hyp3"));
    assert!(
        e.contains("_unw_phase.tif") && e.contains("truncated"),
        "{e}"
    );
    // Missing metadata text.
    simulate_hyp3(&stack, &small(), false).unwrap();
    let txt = first_file(&stack, ".txt");
    std::fs::remove_file(&txt).unwrap();
    let e = open_err(&stack.join("hyp3"));
    assert!(e.contains(".txt"), "{e}");
    // Coherence for some pairs only.
    simulate_hyp3(&stack, &small(), false).unwrap();
    std::fs::remove_file(first_file(&stack, "_corr.tif")).unwrap();
    let e = open_err(&stack.join("hyp3"));
    assert!(e.contains("_corr.tif is present for"), "{e}");
}

fn h5_attr(path: &Path, key: &str) -> Option<String> {
    let f = hdf5::File::open(path).unwrap();
    read_root_attributes(&f, path)
        .unwrap()
        .get(key)
        .map(str::to_string)
}

#[test]
fn invert_runs_in_the_stacks_map_coordinates() {
    use crate::common::{sbas, stderr};
    let dir = tempfile::tempdir().unwrap();
    simulate_hyp3(&dir.path().join("s"), &small(), true).unwrap();
    let stack = dir.path().join("s/hyp3");
    let run = |name: &str, extra: &[&str]| {
        let out = dir.path().join(name);
        let mut args = vec![
            "invert",
            stack.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ];
        args.extend_from_slice(&["--format", "hdf5", "--min-ref-coherence", "0.3"]);
        args.extend_from_slice(extra);
        let o = sbas(&args);
        assert!(o.status.success(), "{}", stderr(&o));
        (out.join("timeseries.h5"), stderr(&o))
    };
    // Latitude/longitude of UTM 11N (376500, 3769500): row 6, column 6 of the grid whose
    // corner is (376000, 3770000) with 80 m pixels (pyproj's inverse).
    let (ts, err) = run(
        "ref",
        &["--ref-lalo", "34.05894927058009,-118.33821454603063"],
    );
    assert!(err.contains("cut to their common overlap"), "{err}");
    for (k, v) in [
        ("X_FIRST", "376000.0"),
        ("Y_FIRST", "3770000.0"),
        ("X_STEP", "80.0"),
        ("Y_STEP", "-80.0"),
        ("EPSG", "32611"),
        ("UTM_ZONE", "11N"),
        ("X_UNIT", "meters"),
        ("REF_Y", "6"),
        ("REF_X", "6"),
    ] {
        assert_eq!(h5_attr(&ts, k).as_deref(), Some(v), "{k}");
    }
    // The box between UTM (376100, 3769900) and (376900, 3769300): rows 1..8, columns 1..11
    // (the far edge excluded, as MintPy does).
    let (ts, _) = run(
        "sub",
        &[
            "--subset-lalo",
            "34.05719310189029:34.062508548849266,-118.34260468165692:-118.3338530277445",
        ],
    );
    assert_eq!(h5_attr(&ts, "LENGTH").as_deref(), Some("7"));
    assert_eq!(h5_attr(&ts, "WIDTH").as_deref(), Some("10"));
    assert_eq!(h5_attr(&ts, "SUBSET_YMIN").as_deref(), Some("1"));
    assert_eq!(h5_attr(&ts, "SUBSET_XMIN").as_deref(), Some("1"));
}
