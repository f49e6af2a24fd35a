//! The COMET LiCSAR reader on simulated frames (`sbas simulate --processor licsar`): the
//! arrays equal the ISCE2 simulation of the same scene, the inversion recovers the truth, the
//! stack stays on its latitude/longitude grid, and bad frames are refused naming the file.

use crate::common::{geometry, open_err, whole};
use std::path::{Path, PathBuf};

use sbas::simulate::{simulate, simulate_licsar, Effects, SimConfig};
use sbas::source::mintpy_h5::read_root_attributes;
use sbas::source::{open_stack, GeomLayer, StackCoords, StackLayer};

fn cfg(effects: Effects) -> SimConfig {
    SimConfig {
        rows: 24,
        cols: 30,
        num_dates: 8,
        neighbors: 3,
        seed: 7,
        effects,
        ..SimConfig::default()
    }
}

#[test]
fn arrays_equal_the_isce_simulation_of_the_same_scene() {
    let dir = tempfile::tempdir().unwrap();
    let c = cfg(Effects::all());
    simulate_licsar(&dir.path().join("lic"), &c).unwrap();
    simulate(&dir.path().join("isce"), &c).unwrap();
    let lic = open_stack(&dir.path().join("lic")).unwrap();
    let isce = open_stack(&dir.path().join("isce")).unwrap();
    let (a, b) = (lic.info(), isce.info());
    assert_eq!((a.length, a.width), (24, 30));
    assert_eq!(a.network.pairs, b.network.pairs);
    for (x, y) in a.network.pair_bperp.iter().zip(&b.network.pair_bperp) {
        assert!((x - y).abs() < 1e-3, "bperp {x} vs {y}");
    }
    assert_eq!(
        whole(&*lic, StackLayer::Phase),
        whole(&*isce, StackLayer::Phase)
    );
    // Coherence stored as uint8: within half a step of 1/255.
    let worst = whole(&*lic, StackLayer::Coherence)
        .iter()
        .zip(&whole(&*isce, StackLayer::Coherence))
        .map(|(x, y)| (x - y).abs())
        .fold(0f32, f32::max);
    assert!(worst <= 0.5 / 255.0 + 1e-6, "coherence off by {worst}");
    assert!(!a.has_layer(StackLayer::ConnComp));

    // Geometry from the unit vector and heights, NaN on water (no data 0).
    let water: Vec<bool> = geometry(&*isce, GeomLayer::WaterMask)
        .iter()
        .map(|&v| v == 0.0)
        .collect();
    for (layer, tol) in [
        (GeomLayer::IncidenceAngle, 1e-3),
        (GeomLayer::AzimuthAngle, 1e-3),
        (GeomLayer::Height, 1e-3),
    ] {
        let (l, i) = (geometry(&*lic, layer), geometry(&*isce, layer));
        for p in 0..l.len() {
            if water[p] {
                assert!(l[p].is_nan(), "{layer:?} at {p} on water");
            } else {
                assert!((l[p] - i[p]).abs() < tol, "{layer:?} {} vs {}", l[p], i[p]);
            }
        }
    }
    // The slant range from the incidence and the orbit height derived from metadata.txt.
    let r = geometry(&*lic, GeomLayer::SlantRangeDistance);
    let ri = geometry(&*isce, GeomLayer::SlantRangeDistance);
    for p in (0..r.len()).filter(|&p| !water[p]) {
        assert!((r[p] / ri[p] - 1.0).abs() < 0.01, "{} vs {}", r[p], ri[p]);
    }

    let StackCoords::Map(g) = &a.coords else {
        panic!("a LiCSAR stack is in map coordinates");
    };
    assert_eq!(
        (g.epsg, g.degrees, g.x_step, g.y_step, g.x_first, g.y_first),
        (Some(4326), true, 0.001, -0.001, -118.35, 34.05)
    );
    for (k, v) in [
        ("PROCESSOR", "licsar"),
        ("EPSG", "4326"),
        ("X_UNIT", "degrees"),
        ("ORBIT_DIRECTION", "ASCENDING"),
        ("CENTER_LINE_UTC", "6606.5"),
        ("ALOOKS", "4"),
        ("RLOOKS", "20"),
    ] {
        assert_eq!(a.attrs.get(k), Some(v), "{k}");
    }
    assert!(a.warnings.is_empty(), "{:?}", a.warnings);
}

#[test]
fn inversion_recovers_the_truth() {
    let dir = tempfile::tempdir().unwrap();
    let c = SimConfig {
        rows: 40,
        cols: 50,
        num_dates: 12,
        ..cfg(Effects::all())
    };
    simulate_licsar(&dir.path().join("lic"), &c).unwrap();
    crate::common::assert_inversion_recovers_truth(
        &dir.path().join("lic/GEOC"),
        &dir.path().join("lic/truth"),
        &dir.path().join("out"),
    );
}

fn h5_attr(path: &Path, key: &str) -> Option<String> {
    let f = hdf5::File::open(path).unwrap();
    read_root_attributes(&f, path)
        .unwrap()
        .get(key)
        .map(str::to_string)
}

#[test]
fn reference_and_subset_by_latitude_longitude() {
    use crate::common::{sbas, stderr};
    let dir = tempfile::tempdir().unwrap();
    simulate_licsar(&dir.path().join("s"), &cfg(Effects::all())).unwrap();
    let run = |name: &str, extra: &[&str]| {
        let out = dir.path().join(name);
        let stack = dir.path().join("s");
        let mut args = vec![
            "invert",
            stack.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--format",
            "hdf5",
            "--min-ref-coherence",
            "0.3",
        ];
        args.extend_from_slice(extra);
        let o = sbas(&args);
        assert!(o.status.success(), "{}", stderr(&o));
        out.join("timeseries.h5")
    };
    // 34.0405 N, 118.3395 W: 9.5 rows below and 10.5 columns right of the corner.
    let ts = run("ref", &["--ref-lalo", "34.0405,-118.3395"]);
    for (k, v) in [
        ("REF_Y", "9"),
        ("REF_X", "10"),
        ("EPSG", "4326"),
        ("X_STEP", "0.001"),
        ("Y_STEP", "-0.001"),
        ("X_FIRST", "-118.35"),
        ("Y_FIRST", "34.05"),
    ] {
        assert_eq!(h5_attr(&ts, k).as_deref(), Some(v), "{k}");
    }
    // Rows 2..12 and columns 5..20 of the grid.
    let ts = run("sub", &["--subset-lalo", "34.038:34.048,-118.345:-118.330"]);
    assert_eq!(h5_attr(&ts, "LENGTH").as_deref(), Some("10"));
    assert_eq!(h5_attr(&ts, "WIDTH").as_deref(), Some("15"));
    assert_eq!(h5_attr(&ts, "SUBSET_YMIN").as_deref(), Some("2"));
    assert_eq!(h5_attr(&ts, "SUBSET_XMIN").as_deref(), Some("5"));
}

/// The first pair folder of a simulated frame and its name.
fn first_pair(stack: &Path) -> (PathBuf, String) {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(stack.join("GEOC"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    let name = dirs[0].file_name().unwrap().to_string_lossy().into_owned();
    (dirs[0].clone(), name)
}

#[test]
fn bad_frames_are_refused_or_noted() {
    let geotiffs = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/geotiff");
    let dir = tempfile::tempdir().unwrap();
    let stack = dir.path().join("s");
    let small = SimConfig {
        rows: 12,
        cols: 15,
        num_dates: 5,
        neighbors: 2,
        ..SimConfig::default()
    };
    let fresh = || {
        let _ = std::fs::remove_dir_all(&stack);
        simulate_licsar(&stack, &small).unwrap();
        first_pair(&stack)
    };
    // A missing coherence.
    let (pair, name) = fresh();
    std::fs::remove_file(pair.join(format!("{name}.geo.cc.tif"))).unwrap();
    let e = open_err(&stack);
    assert!(
        e.contains(&format!("{name}.geo.cc.tif")) && e.contains("missing"),
        "{e}"
    );
    // A coherence on another grid (UTM), then on another pixel size (same CRS).
    let (pair, name) = fresh();
    let cc = pair.join(format!("{name}.geo.cc.tif"));
    std::fs::copy(geotiffs.join("strip_lzw_fpred_utm11n.tif"), &cc).unwrap();
    let e = open_err(&stack);
    assert!(e.contains(".geo.cc.tif") && e.contains("EPSG:32611"), "{e}");
    std::fs::copy(geotiffs.join("tile_deflate_bigtiff_4326.tif"), &cc).unwrap();
    let e = open_err(&stack);
    assert!(
        e.contains(".geo.cc.tif") && e.contains("cannot be aligned"),
        "{e}"
    );
    // A truncated phase.
    let (pair, name) = fresh();
    let unw = pair.join(format!("{name}.geo.unw.tif"));
    let bytes = std::fs::read(&unw).unwrap();
    std::fs::write(&unw, &bytes[..bytes.len() / 2]).unwrap();
    let e = open_err(&stack);
    assert!(e.contains(".geo.unw.tif") && e.contains("truncated"), "{e}");
    // A pair folder without its phase is left out with a note; no baselines or metadata.txt:
    // zero baselines and unknown heading, said.
    let (pair, name) = fresh();
    std::fs::remove_file(pair.join(format!("{name}.geo.unw.tif"))).unwrap();
    std::fs::remove_file(stack.join("GEOC/baselines")).unwrap();
    std::fs::remove_file(stack.join("GEOC/metadata.txt")).unwrap();
    let s = open_stack(&stack).unwrap();
    let i = s.info();
    assert_eq!(i.network.num_pairs(), small.pairs().len() - 1);
    assert!(i.network.pair_bperp.iter().all(|&b| b == 0.0));
    let w = i.warnings.join("\n");
    assert!(w.contains(&name) && w.contains("left out"), "{w}");
    assert!(w.contains("baselines") && w.contains("metadata.txt"), "{w}");
    assert!(!i.geometry.contains(&GeomLayer::SlantRangeDistance));
    // A baselines file that lacks a date: zeros, said.
    fresh();
    std::fs::write(
        stack.join("GEOC/baselines"),
        "20200101 20200113 10.0 12.0\n",
    )
    .unwrap();
    let s = open_stack(&stack).unwrap();
    assert!(s.info().network.pair_bperp.iter().all(|&b| b == 0.0));
    assert!(s.info().warnings.join(" ").contains("has no line for"));
    // A malformed metadata.txt value.
    fresh();
    std::fs::write(stack.join("GEOC/metadata.txt"), "heading=north\n").unwrap();
    let e = open_err(&stack);
    assert!(e.contains("metadata.txt") && e.contains("heading"), "{e}");
}
