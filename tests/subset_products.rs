//! `sbas subset` on an existing run: every product cut to the window, in both formats.

use crate::common;

use sbas::geo::run_products;
use sbas::product::Product;
use sbas::simulate::Effects;
use sbas::window::Window;

fn cuts_every_product(format: &str) {
    let tmp = tempfile::tempdir().unwrap();
    let stack = common::small_stack(tmp.path(), 40, 36, 8, Effects::default(), 4);
    let dir = tmp.path().join("run");
    let d = dir.to_str().unwrap();
    let out = common::sbas(&[
        "invert",
        stack.to_str().unwrap(),
        "--out",
        d,
        "--format",
        format,
        "--ref-yx",
        "20,18",
        "-q",
    ]);
    assert!(out.status.success(), "{}", common::stderr(&out));
    let cut = tmp.path().join("cut");
    let out = common::sbas(&[
        "subset",
        d,
        "--subset-yx",
        "10:30,5:25",
        "--out",
        cut.to_str().unwrap(),
        "--max-memory",
        "8KiB",
    ]);
    assert!(out.status.success(), "{}", common::stderr(&out));
    let stems = run_products(&dir);
    assert!(stems.contains(&"timeseries".to_string()));
    assert!(stems.contains(&"inputs/geometryRadar".to_string()));
    let w = Window {
        y0: 10,
        y1: 30,
        x0: 5,
        x1: 25,
    };
    for stem in &stems {
        let full = Product::open(&dir, stem).unwrap();
        let part = Product::open(&cut, stem).unwrap();
        assert_eq!((part.length(), part.width()), (20, 20), "{stem}");
        assert_eq!(part.dates(), full.dates());
        let a = part.attrs();
        assert_eq!(a.get("SUBSET_YMIN"), Some("10"), "{stem}");
        assert_eq!(a.get("SUBSET_XMAX"), Some("25"), "{stem}");
        let name = &part.dataset_names()[0];
        assert_eq!(
            part.read(name, Window::full(20, 20)).unwrap(),
            full.read(name, w).unwrap(),
            "{stem}:{name}"
        );
    }
    let ts = Product::open(&cut, "timeseries").unwrap();
    assert_eq!(ts.attrs().get("REF_Y"), Some("10"));
    assert_eq!(ts.attrs().get("REF_X"), Some("13"));

    // A lat/lon box through the run's lookup.
    let geom = Product::open(&dir, "inputs/geometryRadar").unwrap();
    let lat = geom.read("latitude", Window::pixel(15, 10)).unwrap()[0];
    let lon = geom.read("longitude", Window::pixel(15, 10)).unwrap()[0];
    let bx = format!(
        "{}:{},{}:{}",
        lat - 0.001,
        lat + 0.001,
        lon - 0.001,
        lon + 0.001
    );
    let cut2 = tmp.path().join("cut2");
    let out = common::sbas(&[
        "subset",
        d,
        "--subset-lalo",
        &bx,
        "--out",
        cut2.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", common::stderr(&out));
    let t = Product::open(&cut2, "temporalCoherence").unwrap();
    let y0: usize = t.attrs().get("SUBSET_YMIN").unwrap().parse().unwrap();
    let x0: usize = t.attrs().get("SUBSET_XMIN").unwrap().parse().unwrap();
    assert!(y0 <= 15 && y0 + t.length() > 15 && x0 <= 10 && x0 + t.width() > 10);
    assert!(t.length() < 40);
    // Off the image: a clear error and no output claiming success.
    let out = common::sbas(&[
        "subset",
        d,
        "--subset-yx",
        "50:60,0:5",
        "--out",
        cut2.to_str().unwrap(),
    ]);
    assert!(!out.status.success());
    assert!(
        common::stderr(&out).contains("outside"),
        "{}",
        common::stderr(&out)
    );
}

#[test]
fn cuts_every_product_zarr() {
    cuts_every_product("zarr");
}

#[test]
fn cuts_every_product_hdf5() {
    cuts_every_product("hdf5");
}
