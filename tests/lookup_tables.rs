//! ROI_PAC and GAMMA map-to-radar lookup tables against MintPy 1.6.4
//! (tests/fixtures/mintpy_lookup, scripts/make-mintpy-lookup-fixture.sh): lat/lon points and
//! subset boxes go to MintPy's radar pixels, the run's copy of the table is MintPy's
//! geometryGeo.h5, and geocoding through it gives MintPy's grid and values.

use std::path::{Path, PathBuf};

use sbas::geo::geocode_lut::write_lookup_product;
use sbas::geo::{geocode_product, resolve_subset, GeocodeOptions, Method, SubsetRequest};
use sbas::meta::Attributes;
use sbas::product::{OutputFormat, Product};
use sbas::source::open_stack;
use sbas::window::Window;

const PROCS: [&str; 2] = ["roipac", "gamma"];

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

fn rows(file: &Path) -> Vec<Vec<f64>> {
    std::fs::read_to_string(file)
        .unwrap()
        .lines()
        .map(|l| l.split_whitespace().map(|v| v.parse().unwrap()).collect())
        .collect()
}

#[test]
fn points_and_boxes_find_mintpys_radar_pixels() {
    for proc in PROCS {
        let stack = open_stack(&fixtures().join(format!("mintpy_{proc}/stack"))).unwrap();
        let lut = stack.map_lookup().expect("the stack's lookup table");
        let refs = fixtures().join(format!("mintpy_lookup/{proc}/refs.txt"));
        for r in rows(&refs) {
            match lut.radar_of(r[0], r[1], (0, 0)) {
                Ok((y, x)) => assert_eq!((y as f64, x as f64), (r[2], r[3]), "{proc} {r:?}"),
                // MintPy takes pixel 0, 0 where the table sees no radar pixel; sbas refuses.
                Err(e) => {
                    assert_eq!((r[2], r[3]), (0.0, 0.0), "{proc} {r:?}: {e}");
                    assert!(e.to_string().contains("outside the imaged area"), "{e}");
                }
            }
        }
        let subsets = fixtures().join(format!("mintpy_lookup/{proc}/subsets.txt"));
        for b in rows(&subsets) {
            let req = SubsetRequest::Lalo {
                south: b[0],
                north: b[1],
                west: b[2],
                east: b[3],
            };
            let w = resolve_subset(stack.as_ref(), &req).unwrap();
            let got = [w.x0, w.y0, w.x1, w.y1].map(|v| v as f64);
            assert_eq!(got.to_vec(), b[4..8].to_vec(), "{proc} box {b:?}");
        }
        // Off the table entirely: an error naming the table.
        let e = lut.radar_of(35.0, -118.0, (0, 0)).unwrap_err().to_string();
        assert!(e.contains("outside the lookup table"), "{e}");
    }
}

/// A run folder holding MintPy's geometryRadar.h5 and, as the run's lookup, the table sbas
/// writes from the stack (checked equal to MintPy's geometryGeo.h5).
fn run_dir(tmp: &Path, proc: &str) -> PathBuf {
    let fx = fixtures().join(format!("mintpy_{proc}"));
    let run = tmp.join(proc);
    std::fs::create_dir_all(run.join("inputs")).unwrap();
    std::fs::copy(
        fx.join("inputs/geometryRadar.h5"),
        run.join("inputs/geometryRadar.h5"),
    )
    .unwrap();
    let stack = open_stack(&fx.join("stack")).unwrap();
    let attrs = stack.info().attrs.clone();
    write_lookup_product(stack.as_ref(), &run, OutputFormat::Hdf5, &attrs)
        .unwrap()
        .expect("a lookup product");
    let ours = Product::open(&run, "inputs/geometryGeo").unwrap();
    let mintpy = Product::open(&fx, "inputs/geometryGeo").unwrap();
    assert_eq!(
        (ours.length(), ours.width()),
        (mintpy.length(), mintpy.width())
    );
    let w = Window::full(ours.length(), ours.width());
    for d in ["rangeCoord", "azimuthCoord"] {
        assert_eq!(
            ours.read(d, w).unwrap(),
            mintpy.read(d, w).unwrap(),
            "{proc} {d}"
        );
    }
    for k in ["Y_FIRST", "X_FIRST", "Y_STEP", "X_STEP"] {
        let (a, b) = (
            ours.attrs().get_f64(k).unwrap(),
            mintpy.attrs().get_f64(k).unwrap(),
        );
        assert_eq!(a, b, "{proc} {k}");
    }
    run
}

fn grid_attrs(a: &Attributes) -> Vec<f64> {
    ["Y_FIRST", "X_FIRST", "Y_STEP", "X_STEP", "LENGTH", "WIDTH"]
        .iter()
        .map(|k| a.get_f64(k).unwrap())
        .collect()
}

#[test]
fn geocoding_through_the_table_matches_mintpy() {
    let tmp = tempfile::tempdir().unwrap();
    for proc in PROCS {
        let run = run_dir(tmp.path(), proc);
        for (method, name) in [(Method::Bilinear, "linear"), (Method::Nearest, "nearest")] {
            let _ = std::fs::remove_dir_all(run.join("geo"));
            let opts = GeocodeOptions {
                method,
                ..GeocodeOptions::default()
            };
            geocode_product(&run, "inputs/geometryRadar", &opts).unwrap();
            let ours = Product::open(&run, "geo/geo_geometryRadar").unwrap();
            let mdir = fixtures().join(format!("mintpy_lookup/{proc}"));
            let mintpy = Product::open(&mdir, &format!("geo_height_{name}")).unwrap();
            assert_eq!(
                grid_attrs(ours.attrs()),
                grid_attrs(mintpy.attrs()),
                "{proc} {name}"
            );
            let w = Window::full(ours.length(), ours.width());
            let (a, b) = (
                ours.read("height", w).unwrap(),
                mintpy.read("height", w).unwrap(),
            );
            let nan_mismatch = a
                .iter()
                .zip(&b)
                .filter(|(x, y)| x.is_nan() != y.is_nan())
                .count();
            assert_eq!(nan_mismatch, 0, "{proc} {name}: no-data pixels differ");
            let valid = b.iter().filter(|v| !v.is_nan()).count();
            let same = a
                .iter()
                .zip(&b)
                .filter(|(x, y)| !y.is_nan() && x == y)
                .count();
            assert!(valid > 50, "{proc} {name}: {valid} valid pixels");
            if method == Method::Bilinear {
                // scipy's RegularGridInterpolator: the same values.
                assert_eq!(same, valid, "{proc} {name}");
            } else {
                // pyresample's approximate kd-tree search may take the neighbouring pixel for
                // positions on a pixel edge.
                assert!(same * 100 >= valid * 95, "{proc} {name}: {same} of {valid}");
            }
        }
    }
}

/// Multilooked at load (2 x 3 looks), the run's table is MintPy's multilooked geometryGeo.h5
/// (cells sampled, radar coordinates divided by the looks), and geocoding MintPy's
/// multilooked geometry through it gives MintPy's geocode.py result (scipy linear).
#[test]
fn a_multilooked_stack_keeps_its_table_as_mintpy() {
    use sbas::source::multilook::{Multilook, MultilookMethod, MultilookSource};
    use sbas::source::StackSource;
    let tmp = tempfile::tempdir().unwrap();
    for proc in PROCS {
        let fx = fixtures().join(format!("mintpy_lookup/{proc}/ml2x3"));
        let inner = open_stack(&fixtures().join(format!("mintpy_{proc}/stack"))).unwrap();
        let ml = Multilook {
            ystep: 2,
            xstep: 3,
            method: MultilookMethod::Nearest,
        };
        let stack = MultilookSource::new(inner, ml).unwrap();
        let run = tmp.path().join(proc);
        std::fs::create_dir_all(run.join("inputs")).unwrap();
        std::fs::copy(
            fx.join("geometryRadar.h5"),
            run.join("inputs/geometryRadar.h5"),
        )
        .unwrap();
        let attrs = stack.info().attrs.clone();
        write_lookup_product(&stack, &run, OutputFormat::Hdf5, &attrs)
            .unwrap()
            .expect("a lookup product");
        let ours = Product::open(&run, "inputs/geometryGeo").unwrap();
        let mintpy = Product::open(&fx, "geometryGeo").unwrap();
        assert_eq!(
            (ours.length(), ours.width()),
            (mintpy.length(), mintpy.width()),
            "{proc}"
        );
        let w = Window::full(ours.length(), ours.width());
        for d in ["rangeCoord", "azimuthCoord"] {
            assert_eq!(
                ours.read(d, w).unwrap(),
                mintpy.read(d, w).unwrap(),
                "{proc} {d}"
            );
        }
        assert_eq!(
            grid_attrs(ours.attrs()),
            grid_attrs(mintpy.attrs()),
            "{proc}"
        );
        let opts = GeocodeOptions {
            method: Method::Bilinear,
            ..GeocodeOptions::default()
        };
        geocode_product(&run, "inputs/geometryRadar", &opts).unwrap();
        let ours = Product::open(&run, "geo/geo_geometryRadar").unwrap();
        let mintpy = Product::open(&fx, "geo_height_linear").unwrap();
        assert_eq!(
            grid_attrs(ours.attrs()),
            grid_attrs(mintpy.attrs()),
            "{proc}"
        );
        let w = Window::full(ours.length(), ours.width());
        let (a, b) = (
            ours.read("height", w).unwrap(),
            mintpy.read("height", w).unwrap(),
        );
        assert!(b.iter().filter(|v| !v.is_nan()).count() > 10, "{proc}");
        let same = a
            .iter()
            .zip(&b)
            .all(|(x, y)| x == y || (x.is_nan() && y.is_nan()));
        assert!(same, "{proc}: geocoded height differs from MintPy's");
    }
}
