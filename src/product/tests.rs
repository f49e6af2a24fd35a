use super::*;
use crate::product::OutputFormat;
use crate::window::Window;

fn dates(n: usize) -> Vec<Date> {
    let d0 = Date::from_ymd(2020, 1, 1).expect("valid date");
    (0..n).map(|i| d0.add_days(12 * i as i32)).collect()
}

fn spec(stem: &str, geo: bool) -> ProductSpec {
    let mut attrs = Attributes::new();
    attrs.set("WAVELENGTH", "0.05546576");
    attrs.set("REF_DATE", "20200101");
    if geo {
        attrs.set("Y_FIRST", "35.0");
        attrs.set("X_FIRST", "-118.0");
        attrs.set("Y_STEP", "-0.001");
        attrs.set("X_STEP", "0.001");
    }
    ProductSpec {
        stem: stem.to_string(),
        file_type: "timeseries".into(),
        length: 300,
        width: 1100,
        dates: dates(3),
        bperp: vec![0.0, 10.5, -20.25],
        datasets: vec![
            DatasetSpec::series("timeseries", "m", "displacement"),
            DatasetSpec::map("demErr", "m", "DEM error"),
            DatasetSpec::mask("mask", "a mask"),
        ],
        attrs,
    }
}

fn value(k: usize, y: usize, x: usize) -> f32 {
    (k * 1_000_000 + y * 1000 + x) as f32
}

/// Writes the whole product in row strips whose height (7) matches no storage chunk.
fn write_all(dir: &std::path::Path, format: OutputFormat, spec: ProductSpec) -> std::path::PathBuf {
    let (l, w, n) = (spec.length, spec.width, spec.dates.len());
    let mut writer = ProductWriter::create(dir, format, spec).expect("create");
    let mut y0 = 0;
    while y0 < l {
        let y1 = (y0 + 7).min(l);
        let win = Window {
            y0,
            y1,
            x0: 0,
            x1: w,
        };
        let mut ts = Vec::new();
        for k in 0..n {
            for y in y0..y1 {
                ts.extend((0..w).map(|x| value(k, y, x)));
            }
        }
        writer.write("timeseries", win, &ts).expect("write ts");
        let map: Vec<f32> = (y0..y1)
            .flat_map(|y| (0..w).map(move |x| value(9, y, x)))
            .collect();
        writer.write("demErr", win, &map).expect("write map");
        let mask: Vec<f32> = (y0..y1)
            .flat_map(|y| (0..w).map(move |x| ((x + y) % 3) as f32))
            .collect();
        writer.write("mask", win, &mask).expect("write mask");
        y0 = y1;
    }
    writer.finish().expect("finish")
}

fn roundtrip(format: OutputFormat) {
    let tmp = tempfile::tempdir().expect("tempdir");
    let path = write_all(tmp.path(), format, spec("sub/timeseries_demErr", false));
    assert!(path.exists());
    let p = Product::open(tmp.path(), "sub/timeseries_demErr").expect("open");
    assert!(p.is_complete());
    assert_eq!(p.format(), format);
    assert_eq!((p.length(), p.width()), (300, 1100));
    assert_eq!(p.dates(), &dates(3)[..]);
    assert_eq!(p.bperp(), &[0.0, 10.5, -20.25]);
    assert_eq!(p.attrs().get("FILE_TYPE"), Some("timeseries"));
    assert_eq!(p.attrs().get("UNIT"), Some("m"));
    assert_eq!(p.attrs().get("LENGTH"), Some("300"));
    assert_eq!(p.attrs().get("WAVELENGTH"), Some("0.05546576"));
    let mut names = p.dataset_names();
    names.sort();
    assert_eq!(names, ["demErr", "mask", "timeseries"]);
    let win = Window {
        y0: 250,
        y1: 290,
        x0: 500,
        x1: 1030,
    };
    let ts = p.read("timeseries", win).expect("read");
    assert_eq!(ts.len(), 3 * win.pixels());
    assert_eq!(ts[0], value(0, 250, 500));
    assert_eq!(ts[2 * win.pixels() + 39 * 530 + 529], value(2, 289, 1029));
    let d1 = p.read_date("timeseries", 1, win).expect("read date");
    assert_eq!(d1, ts[win.pixels()..2 * win.pixels()]);
    let dem = p.read("demErr", win).expect("read map");
    assert_eq!(dem[41], value(9, 250, 541));
    let mask = p.read("mask", win).expect("read mask");
    let want = |y: usize, x: usize| if (x + y).is_multiple_of(3) { 0.0 } else { 1.0 };
    assert_eq!(mask[0], want(250, 500));
    assert_eq!(mask[1], want(250, 501));
    assert!(p.is_per_date("timeseries").expect("known"));
    assert!(!p.is_per_date("demErr").expect("known"));
    let e = p.read("velocity", win).unwrap_err().to_string();
    assert!(e.contains("no dataset velocity"), "{e}");
    let outside = Window {
        y0: 0,
        y1: 301,
        x0: 0,
        x1: 1,
    };
    assert!(p.read("demErr", outside).is_err());
}

#[test]
fn zarr_products_round_trip() {
    roundtrip(OutputFormat::Zarr);
}

#[test]
fn hdf5_products_round_trip() {
    roundtrip(OutputFormat::Hdf5);
}

#[test]
fn hdf5_datasets_carry_their_unit() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let mut s = spec("velocity", false);
    s.length = 2;
    s.width = 3;
    s.dates.clear();
    s.bperp.clear();
    s.datasets = vec![
        DatasetSpec::map("velocity", "m/year", "velocity"),
        DatasetSpec::map("annualPhase", "radian", "phase"),
    ];
    let w = ProductWriter::create(tmp.path(), OutputFormat::Hdf5, s).expect("create");
    let path = w.finish().expect("finish");
    let f = ::hdf5::File::open(&path).expect("open");
    let unit = |name: &str| -> String {
        f.dataset(name)
            .and_then(|d| d.attr("UNIT"))
            .and_then(|a| a.read_scalar::<::hdf5::types::VarLenUnicode>())
            .expect("UNIT attribute")
            .to_string()
    };
    assert_eq!(unit("velocity"), "m/year");
    assert_eq!(unit("annualPhase"), "radian");
}

#[test]
fn unfinished_products_do_not_look_complete() {
    for format in [OutputFormat::Zarr, OutputFormat::Hdf5] {
        let tmp = tempfile::tempdir().expect("tempdir");
        let mut s = spec("velocity", false);
        s.dates.clear();
        s.bperp.clear();
        s.datasets = vec![DatasetSpec::map("velocity", "m/year", "velocity")];
        let mut w = ProductWriter::create(tmp.path(), format, s).expect("create");
        let win = Window {
            y0: 0,
            y1: 1,
            x0: 0,
            x1: 1100,
        };
        w.write("velocity", win, &vec![1.0; 1100]).expect("write");
        assert!(!Product::exists(tmp.path(), "velocity"), "{format:?}");
        if format == OutputFormat::Hdf5 {
            assert!(!tmp.path().join("velocity.h5").exists());
        }
        drop(w);
        let e = match Product::open(tmp.path(), "nothing") {
            Ok(_) => panic!("opened a missing product"),
            Err(e) => e.to_string(),
        };
        assert!(e.contains("no product nothing"), "{e}");
    }
}

#[test]
fn geo_products_get_lat_lon_coordinates() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let mut s = spec("geo/geo_velocity", true);
    s.length = 4;
    s.width = 5;
    s.dates.clear();
    s.bperp.clear();
    s.datasets = vec![DatasetSpec::map("velocity", "m/year", "velocity")];
    let mut w = ProductWriter::create(tmp.path(), OutputFormat::Zarr, s).expect("create");
    w.write(
        "velocity",
        Window {
            y0: 0,
            y1: 4,
            x0: 0,
            x1: 5,
        },
        &[0.5; 20],
    )
    .expect("write");
    let path = w.finish().expect("finish");
    let lat = std::fs::read_to_string(path.join("lat/zarr.json")).expect("lat array");
    assert!(lat.contains("degrees_north"), "{lat}");
    let v = std::fs::read_to_string(path.join("velocity/zarr.json")).expect("velocity");
    assert!(v.contains("\"lat\"") && v.contains("\"lon\""), "{v}");
    let p = Product::open(tmp.path(), "geo/geo_velocity").expect("open");
    assert_eq!(p.attrs().get("Y_FIRST"), Some("35.0"));
    assert_eq!(p.attrs().get("FILE_TYPE"), Some("timeseries"));
}

#[test]
fn bad_specs_are_refused() {
    let tmp = tempfile::tempdir().expect("tempdir");
    for (what, edit) in [
        (
            "relative path",
            Box::new(|s: &mut ProductSpec| s.stem = "../x".into()) as Box<dyn Fn(&mut ProductSpec)>,
        ),
        ("empty size", Box::new(|s: &mut ProductSpec| s.length = 0)),
        (
            "per date",
            Box::new(|s: &mut ProductSpec| {
                s.dates.clear();
                s.bperp.clear();
            }),
        ),
        (
            "reserved",
            Box::new(|s: &mut ProductSpec| s.datasets[1].name = "date".into()),
        ),
        (
            "appears twice",
            Box::new(|s: &mut ProductSpec| s.datasets[2].name = "demErr".into()),
        ),
    ] {
        let mut s = spec("x", false);
        edit(&mut s);
        assert!(
            ProductWriter::create(tmp.path(), OutputFormat::Zarr, s).is_err(),
            "{what} accepted"
        );
    }
}

#[test]
fn a_run_keeps_its_geometry_as_a_product() {
    use crate::simulate::{simulate, Effects, SimConfig};
    use crate::source::{open_stack, GeomLayer};
    let tmp = tempfile::tempdir().expect("tempdir");
    let cfg = SimConfig {
        rows: 20,
        cols: 30,
        num_dates: 4,
        effects: Effects::none(),
        ..SimConfig::default()
    };
    let stack = tmp.path().join("stack");
    simulate(&stack, &cfg).expect("simulate");
    let source = open_stack(&stack).expect("open");
    for format in [OutputFormat::Zarr, OutputFormat::Hdf5] {
        let out = tmp.path().join(format!("{format:?}"));
        let path = write_geometry(source.as_ref(), &out, format, &Attributes::new(), 7)
            .expect("write")
            .expect("the simulated stack has geometry");
        assert!(path.exists());
        let p = Product::open(&out, GEOMETRY_STEM).expect("open");
        assert_eq!(p.attrs().get("FILE_TYPE"), Some("geometry"));
        let win = Window {
            y0: 0,
            y1: 20,
            x0: 0,
            x1: 30,
        };
        let mut want = vec![0.0; 600];
        source
            .read_geometry(GeomLayer::IncidenceAngle, &win, &mut want)
            .expect("read");
        assert_eq!(p.read("incidenceAngle", win).expect("read"), want);
    }
}
