//! Geocoding the products of a simulated run: MintPy's layout and names, Zarr coordinates,
//! nearest values taken from the radar image, bilinear, blocks under a small memory budget.

use crate::common;

use std::path::Path;

use sbas::geo::{geocode_product, GeocodeOptions, Method};
use sbas::product::inversion::OutputFormat;
use sbas::product::Product;
use sbas::simulate::Effects;
use sbas::window::Window;

fn run(tmp: &Path, format: &str) -> std::path::PathBuf {
    let stack = common::small_stack(tmp, 40, 36, 8, Effects::default(), 9);
    let dir = tmp.join(format!("run_{format}"));
    let out = common::sbas(&[
        "invert",
        stack.to_str().unwrap(),
        "--out",
        dir.to_str().unwrap(),
        "--format",
        format,
        "--ref-yx",
        "20,18",
        "-q",
    ]);
    assert!(out.status.success(), "{}", common::stderr(&out));
    dir
}

fn geocodes_like_mintpy(format: &str, expect: OutputFormat) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = run(tmp.path(), format);
    let out = common::sbas(&["geocode", dir.to_str().unwrap()]);
    assert!(out.status.success(), "{}", common::stderr(&out));
    for stem in [
        "timeseries",
        "temporalCoherence",
        "maskTempCoh",
        "geometryRadar",
    ] {
        let p = Product::open(&dir, &format!("geo/geo_{stem}")).unwrap();
        assert_eq!(p.format(), expect);
        let a = p.attrs();
        for k in ["Y_FIRST", "X_FIRST", "Y_STEP", "X_STEP"] {
            assert!(a.get_f64(k).is_ok(), "{stem}: {k}");
        }
        assert!(a.get_f64("Y_STEP").unwrap() < 0.0);
        assert_eq!(a.get("LENGTH").unwrap(), p.length().to_string());
        assert!(!a.contains("LAT_REF1"), "{stem}");
    }
    let ts = Product::open(&dir, "geo/geo_timeseries").unwrap();
    assert_eq!(ts.dates().len(), 8);
    let a = ts.attrs();
    // The reference pixel keeps its lat/lon and lands in the grid.
    assert!(a.get_f64("REF_LAT").is_ok() && a.get_f64("REF_LON").is_ok());
    let (ry, rx) = (
        a.get("REF_Y").unwrap().parse::<usize>().unwrap(),
        a.get("REF_X").unwrap().parse::<usize>().unwrap(),
    );
    assert!(ry < ts.length() && rx < ts.width());
    // Every geocoded value is one of the radar values (nearest), and most of the grid has data.
    let radar = Product::open(&dir, "temporalCoherence").unwrap();
    let rv = radar
        .read(
            &radar.dataset_names()[0],
            Window::full(radar.length(), radar.width()),
        )
        .unwrap();
    let geo = Product::open(&dir, "geo/geo_temporalCoherence").unwrap();
    let gv = geo
        .read(
            &geo.dataset_names()[0],
            Window::full(geo.length(), geo.width()),
        )
        .unwrap();
    let valid: Vec<f32> = gv.iter().copied().filter(|v| !v.is_nan()).collect();
    assert!(
        valid.len() * 2 > gv.len(),
        "{} of {}",
        valid.len(),
        gv.len()
    );
    for v in &valid {
        assert!(rv.iter().any(|r| r == v), "{v} is not a radar value");
    }
    // Masks stay 0/1 with no NaN.
    let m = Product::open(&dir, "geo/geo_maskTempCoh").unwrap();
    let mv = m
        .read(&m.dataset_names()[0], Window::full(m.length(), m.width()))
        .unwrap();
    assert!(mv.iter().all(|v| *v == 0.0 || *v == 1.0));
}

#[test]
fn geocodes_a_zarr_run() {
    geocodes_like_mintpy("zarr", OutputFormat::Zarr);
}

#[test]
fn geocodes_an_hdf5_run() {
    geocodes_like_mintpy("hdf5", OutputFormat::Hdf5);
}

#[test]
fn zarr_products_have_lat_lon_coordinates() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = run(tmp.path(), "zarr");
    geocode_product(&dir, "temporalCoherence", &GeocodeOptions::default()).unwrap();
    let store = dir.join("geo/geo_temporalCoherence.zarr");
    let lat: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(store.join("lat/zarr.json")).unwrap())
            .unwrap();
    assert_eq!(lat["dimension_names"], serde_json::json!(["lat"]));
    let ds: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(store.join("temporalCoherence/zarr.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(ds["dimension_names"], serde_json::json!(["lat", "lon"]));
}

#[test]
fn blocks_bbox_step_and_bilinear() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = run(tmp.path(), "zarr");
    let whole = geocode_product(&dir, "timeseries", &GeocodeOptions::default()).unwrap();
    let one = Product::open(&dir, "geo/geo_timeseries").unwrap();
    let w = Window::full(one.length(), one.width());
    let a = one.read("timeseries", w).unwrap();
    std::fs::remove_dir_all(&whole).unwrap();
    // A budget of a few rows: many destination blocks, same grid, (nearly) the same values
    // (the kd-tree of a block holds only its source rows, so its approximate search may differ).
    let small = GeocodeOptions {
        max_memory: 48 << 10,
        ..GeocodeOptions::default()
    };
    geocode_product(&dir, "timeseries", &small).unwrap();
    let blocks = Product::open(&dir, "geo/geo_timeseries").unwrap();
    assert_eq!(
        (blocks.length(), blocks.width()),
        (one.length(), one.width())
    );
    let b = blocks.read("timeseries", w).unwrap();
    let same = a
        .iter()
        .zip(&b)
        .filter(|(x, y)| x.to_bits() == y.to_bits())
        .count();
    assert!(same * 100 >= a.len() * 97, "{same} of {}", a.len());

    // --bbox and --lalo-step give MintPy's grid for that box.
    let ext = (
        one.attrs().get_f64("Y_FIRST").unwrap(),
        one.attrs().get_f64("X_FIRST").unwrap(),
    );
    let bbox = GeocodeOptions {
        lalo_step: Some((-0.0005, 0.0005)),
        bbox: Some((ext.0 - 0.006, ext.0 - 0.001, ext.1 + 0.002, ext.1 + 0.008)),
        ..GeocodeOptions::default()
    };
    std::fs::remove_dir_all(dir.join("geo/geo_timeseries.zarr")).unwrap();
    geocode_product(&dir, "timeseries", &bbox).unwrap();
    let g = Product::open(&dir, "geo/geo_timeseries").unwrap();
    assert_eq!((g.length(), g.width()), (10, 12));
    assert!((g.attrs().get_f64("Y_FIRST").unwrap() - (ext.0 - 0.001)).abs() < 1e-12);

    // Bilinear: values between radar values, smooth field close to nearest.
    std::fs::remove_dir_all(dir.join("geo/geo_timeseries.zarr")).unwrap();
    let bil = GeocodeOptions {
        method: Method::Bilinear,
        ..GeocodeOptions::default()
    };
    geocode_product(&dir, "timeseries", &bil).unwrap();
    let c = Product::open(&dir, "geo/geo_timeseries")
        .unwrap()
        .read("timeseries", w)
        .unwrap();
    let both: Vec<(f32, f32)> = a
        .iter()
        .zip(&c)
        .filter(|(x, y)| !x.is_nan() && !y.is_nan())
        .map(|(x, y)| (*x, *y))
        .collect();
    assert!(both.len() * 2 > a.len());
    let rms = (both
        .iter()
        .map(|(x, y)| ((x - y) as f64).powi(2))
        .sum::<f64>()
        / both.len() as f64)
        .sqrt();
    assert!(rms < 0.01, "bilinear vs nearest rms {rms} m");
}

#[test]
fn refuses_geocoded_and_runs_without_lookup() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = run(tmp.path(), "zarr");
    geocode_product(&dir, "temporalCoherence", &GeocodeOptions::default()).unwrap();
    let e = geocode_product(
        &dir,
        "geo/geo_temporalCoherence",
        &GeocodeOptions::default(),
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("already geocoded"), "{e}");
    std::fs::remove_dir_all(dir.join("inputs")).unwrap();
    let e = format!(
        "{:#}",
        geocode_product(&dir, "timeseries", &GeocodeOptions::default()).unwrap_err()
    );
    assert!(e.contains("lookup"), "{e}");
    let out = common::sbas(&["geocode", dir.to_str().unwrap(), "--lalo-step", "0,1"]);
    assert!(!out.status.success());
}
