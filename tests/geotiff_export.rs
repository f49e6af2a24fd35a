//! `sbas export`: a geocoded layer as a GeoTIFF, read back with the `tiff` crate.

use crate::common;

use sbas::geo::geotiff::{GDAL_NODATA, GEO_KEY_DIRECTORY, MODEL_PIXEL_SCALE, MODEL_TIEPOINT};
use sbas::geo::{geocode_product, GeocodeOptions};
use sbas::product::Product;
use sbas::simulate::Effects;
use sbas::window::Window;
use tiff::decoder::{Decoder, DecodingResult};
use tiff::tags::Tag;

fn read_tiff(path: &std::path::Path) -> (Decoder<std::fs::File>, Vec<f32>) {
    let mut dec = Decoder::new(std::fs::File::open(path).unwrap()).unwrap();
    let DecodingResult::F32(v) = dec.read_image().unwrap() else {
        panic!("not float32")
    };
    (dec, v)
}

#[test]
fn exports_maps_and_displacements_with_geokeys() {
    let tmp = tempfile::tempdir().unwrap();
    let stack = common::small_stack(tmp.path(), 40, 36, 6, Effects::default(), 8);
    let dir = tmp.path().join("run");
    let d = dir.to_str().unwrap();
    let out = common::sbas(&[
        "invert",
        stack.to_str().unwrap(),
        "--out",
        d,
        "--ref-yx",
        "20,18",
        "-q",
    ]);
    assert!(out.status.success(), "{}", common::stderr(&out));

    // Radar products are refused with the way out.
    let tif = tmp.path().join("tc.tif");
    let out = common::sbas(&[
        "export",
        d,
        "temporalCoherence",
        "--out",
        tif.to_str().unwrap(),
    ]);
    assert!(!out.status.success());
    assert!(
        common::stderr(&out).contains("sbas geocode"),
        "{}",
        common::stderr(&out)
    );
    assert!(!tif.exists());

    geocode_product(&dir, "temporalCoherence", &GeocodeOptions::default()).unwrap();
    geocode_product(&dir, "timeseries", &GeocodeOptions::default()).unwrap();
    let out = common::sbas(&[
        "export",
        d,
        "geo/geo_temporalCoherence",
        "--out",
        tif.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", common::stderr(&out));
    let p = Product::open(&dir, "geo/geo_temporalCoherence").unwrap();
    let a = p.attrs();
    let (mut dec, v) = read_tiff(&tif);
    assert_eq!(
        dec.dimensions().unwrap(),
        (p.width() as u32, p.length() as u32)
    );
    let tie = dec.get_tag_f64_vec(Tag::Unknown(MODEL_TIEPOINT)).unwrap();
    assert_eq!(tie[3], a.get_f64("X_FIRST").unwrap());
    assert_eq!(tie[4], a.get_f64("Y_FIRST").unwrap());
    let scale = dec
        .get_tag_f64_vec(Tag::Unknown(MODEL_PIXEL_SCALE))
        .unwrap();
    assert_eq!(scale[0], a.get_f64("X_STEP").unwrap());
    assert_eq!(scale[1], -a.get_f64("Y_STEP").unwrap());
    let keys = dec
        .get_tag_u16_vec(Tag::Unknown(GEO_KEY_DIRECTORY))
        .unwrap();
    assert!(keys.chunks(4).any(|k| k == [2048, 0, 1, 4326]));
    assert!(keys.chunks(4).any(|k| k == [1025, 0, 1, 1]));
    assert!(dec
        .get_tag_ascii_string(Tag::Unknown(GDAL_NODATA))
        .unwrap()
        .starts_with("nan"));
    let want = p
        .read(&p.dataset_names()[0], Window::full(p.length(), p.width()))
        .unwrap();
    assert_eq!(v.len(), want.len());
    assert!(v.iter().zip(&want).all(|(a, b)| a.to_bits() == b.to_bits()));

    // A time series needs a date; between two dates is the difference.
    let ts = Product::open(&dir, "geo/geo_timeseries").unwrap();
    let dates = ts.dates().to_vec();
    let tif2 = tmp.path().join("disp.tif");
    let out = common::sbas(&[
        "export",
        d,
        "geo/geo_timeseries",
        "--out",
        tif2.to_str().unwrap(),
    ]);
    assert!(!out.status.success());
    assert!(common::stderr(&out).contains("--date"));
    let sel = format!("{}_{}", dates[1], dates[4]);
    let out = common::sbas(&[
        "export",
        d,
        "geo/geo_timeseries:timeseries",
        "--date",
        &sel,
        "--out",
        tif2.to_str().unwrap(),
        "--max-memory",
        "4KiB",
    ]);
    assert!(out.status.success(), "{}", common::stderr(&out));
    let (_, got) = read_tiff(&tif2);
    let w = Window::full(ts.length(), ts.width());
    let (d1, d4) = (
        ts.read_date("timeseries", 1, w).unwrap(),
        ts.read_date("timeseries", 4, w).unwrap(),
    );
    for ((g, a), b) in got.iter().zip(&d1).zip(&d4) {
        assert!(g.to_bits() == (b - a).to_bits() || (g.is_nan() && (b - a).is_nan()));
    }
}
