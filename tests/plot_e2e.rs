//! End to end: `sbas view`, `sbas ts` and `sbas invert --pic` on a simulated, inverted stack.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use crate::common::{sbas, small_stack, stderr};
use sbas::meta::{Attributes, Date};
use sbas::plot::colormap::Colormap;
use sbas::plot::map::MapLayout;
use sbas::plot::picture::{BLACK, WHITE};
use sbas::plot::view::{render_view, MaskChoice, Subset, ViewOptions};
use sbas::product::inversion::OutputFormat;
use sbas::product::{DatasetSpec, Product, ProductSpec, ProductWriter};
use sbas::simulate::Effects;
use sbas::window::Window;

/// One inverted 40 x 50 x 12 run shared by the tests of this file.
fn run_dir() -> &'static Path {
    static RUN: OnceLock<(tempfile::TempDir, PathBuf)> = OnceLock::new();
    &RUN.get_or_init(|| {
        let tmp = tempfile::tempdir().unwrap();
        let stack = small_stack(tmp.path(), 40, 50, 12, Effects::default(), 7);
        let run = tmp.path().join("run");
        let out = sbas(&[
            "invert",
            stack.to_str().unwrap(),
            "--out",
            run.to_str().unwrap(),
            "-q",
            "--pic",
        ]);
        assert!(out.status.success(), "{}", stderr(&out));
        (tmp, run)
    })
    .1
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn cell(c: &sbas::plot::picture::Picture, l: &MapLayout, row: usize, col: usize) -> [u8; 3] {
    c.get(
        l.map_x + col * l.zoom + l.zoom / 2,
        l.map_y + row * l.zoom + l.zoom / 2,
    )
}

#[test]
fn displacement_map_has_the_values_mask_and_reference_point() {
    let run = run_dir();
    let ts = Product::open(run, "timeseries").unwrap();
    let dates = ts.dates().to_vec();
    let (k, r) = (8, 2);
    let opts = ViewOptions {
        layer: "timeseries".into(),
        date: Some(dates[k].to_string()),
        ref_date: Some(dates[r].to_string()),
        mask: MaskChoice::Product("maskTempCoh".into()),
        vlim: Some((-20.0, 20.0)),
        unit: Some("mm".into()),
        ..ViewOptions::default()
    };
    let (c, l) = render_view(run, &opts).unwrap();
    let full = Window::full(ts.length(), ts.width());
    let a = ts.read_date("timeseries", k, full).unwrap();
    let b = ts.read_date("timeseries", r, full).unwrap();
    let mask = Product::open(run, "maskTempCoh")
        .unwrap()
        .read("maskTempCoh", full)
        .unwrap();
    let attrs = ts.attrs();
    let ry: usize = attrs.get("REF_Y").unwrap().parse().unwrap();
    let rx: usize = attrs.get("REF_X").unwrap().parse().unwrap();
    let lut = Colormap::RdBuR.lut();
    let (mut checked, mut masked) = (0, 0);
    for y in (0..40usize).step_by(3) {
        for x in (0..50usize).step_by(3) {
            if y.abs_diff(ry) < 3 && x.abs_diff(rx) < 3 {
                continue;
            }
            let i = y * 50 + x;
            let got = cell(&c, &l, y, x);
            if mask[i] == 0.0 {
                assert_eq!(got, WHITE, "masked pixel {y},{x}");
                masked += 1;
            } else if a[i].is_finite() && b[i].is_finite() {
                let mm = (a[i] - b[i]) * 1000.0;
                let t = ((mm as f64 + 20.0) / 40.0).clamp(0.0, 1.0);
                assert_eq!(
                    got,
                    lut[(t * 255.0).round() as usize],
                    "pixel {y},{x}: {mm} mm"
                );
                checked += 1;
            }
        }
    }
    assert!(
        checked > 100 && masked > 3,
        "checked {checked}, masked {masked}"
    );
    assert_eq!(cell(&c, &l, ry, rx), BLACK);
}

#[test]
fn view_cli_writes_a_png_and_explains_bad_requests() {
    let run = run_dir();
    let tmp = tempfile::tempdir().unwrap();
    let png = tmp.path().join("tcoh.png");
    let out = sbas(&[
        "view",
        s(run),
        "temporalCoherence",
        "--out",
        s(&png),
        "--subset-yx",
        "5:25,10:40",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let dec = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(&png).unwrap()));
    let info = dec.read_info().unwrap();
    assert!(info.info().width >= 400 && info.info().height >= 300);

    let out = sbas(&["view", s(run), "velocty"]);
    assert!(!out.status.success());
    let e = stderr(&out);
    assert!(
        e.contains("velocty") && e.contains("temporalCoherence"),
        "{e}"
    );

    let out = sbas(&["view", s(run), "timeseries", "--date", "19990101"]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("nearest"), "{}", stderr(&out));

    let out = sbas(&["view", s(run), "timeseries", "--vlim", "5", "-5"]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("--vlim"), "{}", stderr(&out));
}

#[test]
fn invert_pic_writes_the_overview() {
    let pic = run_dir().join("pic");
    for f in [
        "temporalCoherence",
        "maskTempCoh",
        "avgSpatialCoh",
        "numInvIfgram",
        "timeseries_last",
    ] {
        assert!(pic.join(format!("{f}.png")).is_file(), "{f}.png missing");
    }
}

fn read_csv(path: &Path) -> Vec<(String, f64)> {
    let text = std::fs::read_to_string(path).unwrap();
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("date,displacement_mm"));
    lines
        .map(|l| {
            let (d, v) = l.split_once(',').unwrap();
            (d.to_string(), v.parse().unwrap())
        })
        .collect()
}

#[test]
fn point_series_csv_equals_the_stored_series() {
    let run = run_dir();
    let tmp = tempfile::tempdir().unwrap();
    let prefix = tmp.path().join("pt");
    let out = sbas(&["ts", s(run), "--yx", "21,30", "--fit", "--out", s(&prefix)]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(tmp.path().join("pt.png").is_file());
    let rows = read_csv(&tmp.path().join("pt.csv"));
    let ts = Product::open(run, "timeseries").unwrap();
    let v = ts.read("timeseries", Window::pixel(21, 30)).unwrap();
    assert_eq!(rows.len(), ts.dates().len());
    for ((d, mm), (date, m)) in rows.iter().zip(ts.dates().iter().zip(&v)) {
        assert_eq!(d, &date.to_string());
        assert!((mm - *m as f64 * 1000.0).abs() < 1e-9, "{d}: {mm} vs {m} m");
    }
}

#[test]
fn point_by_lat_lon_goes_through_the_geometry() {
    let run = run_dir();
    let geom = Product::open(run, "inputs/geometryRadar").unwrap();
    let (y, x) = (17, 33);
    let lat = geom.read("latitude", Window::pixel(y, x)).unwrap()[0];
    let lon = geom.read("longitude", Window::pixel(y, x)).unwrap()[0];
    let tmp = tempfile::tempdir().unwrap();
    let prefix = tmp.path().join("ll");
    let out = sbas(&[
        "ts",
        s(run),
        "--lalo",
        &format!("{lat},{lon}"),
        "--out",
        s(&prefix),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let by_lalo = read_csv(&tmp.path().join("ll.csv"));
    let out = sbas(&[
        "ts",
        s(run),
        "--yx",
        &format!("{y},{x}"),
        "--out",
        s(&tmp.path().join("yx")),
    ]);
    assert!(out.status.success());
    assert_eq!(by_lalo, read_csv(&tmp.path().join("yx.csv")));

    let out = sbas(&["ts", s(run), "--yx", "400,1"]);
    assert!(
        !out.status.success() && stderr(&out).contains("outside"),
        "{}",
        stderr(&out)
    );
    let out = sbas(&["ts", s(run), "--lalo", "10.0,20.0"]);
    assert!(
        !out.status.success() && stderr(&out).contains("outside"),
        "{}",
        stderr(&out)
    );
}

/// A geocoded velocity and time series, 30 x 40 on a 0.01 degree grid from (35.0 N, 120.0 W).
fn geo_products(dir: &Path) {
    let mut attrs = Attributes::new();
    for (k, v) in [
        ("Y_FIRST", "35.0"),
        ("Y_STEP", "-0.01"),
        ("X_FIRST", "-120.0"),
        ("X_STEP", "0.01"),
        ("REF_Y", "12"),
        ("REF_X", "25"),
        ("REF_LAT", "34.875"),
        ("REF_LON", "-119.745"),
        ("REF_DATE", "20200101"),
    ] {
        attrs.set(k, v);
    }
    let (h, w) = (30, 40);
    let vel: Vec<f32> = (0..h * w).map(|i| (i % w) as f32 * 0.001 - 0.02).collect();
    let spec = ProductSpec {
        stem: "geo/geo_velocity".into(),
        file_type: "velocity".into(),
        length: h,
        width: w,
        dates: vec![],
        bperp: vec![],
        datasets: vec![DatasetSpec::map("velocity", "m/year", "velocity")],
        attrs: attrs.clone(),
    };
    let mut wr = ProductWriter::create(dir, OutputFormat::Hdf5, spec).unwrap();
    wr.write("velocity", Window::full(h, w), &vel).unwrap();
    wr.finish().unwrap();
    let dates: Vec<Date> = (0..3)
        .map(|k| Date::parse("20200101").unwrap().add_days(12 * k))
        .collect();
    let mut ts = vec![0.01f32; 3 * h * w];
    for k in 0..3 {
        ts[k * h * w + 5 * w + 6] = f32::NAN;
        ts[k * h * w + 8 * w + 9] = 0.0;
    }
    let spec = ProductSpec {
        stem: "geo/geo_timeseries".into(),
        file_type: "timeseries".into(),
        length: h,
        width: w,
        dates,
        bperp: vec![0.0; 3],
        datasets: vec![DatasetSpec::series("timeseries", "m", "displacement")],
        attrs,
    };
    let mut wr = ProductWriter::create(dir, OutputFormat::Zarr, spec).unwrap();
    wr.write("timeseries", Window::full(h, w), &ts).unwrap();
    wr.finish().unwrap();
}

#[test]
fn geocoded_layers_subset_by_lat_lon_and_points_on_the_grid() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    geo_products(dir);
    // 34.9..34.8 N is rows 10..20; -119.9..-119.7 is columns 10..30.
    let opts = ViewOptions {
        layer: "velocity".into(),
        geo: true,
        subset: Subset::Lalo {
            south: 34.8,
            north: 34.9,
            west: -119.9,
            east: -119.7,
        },
        ..ViewOptions::default()
    };
    let (c, l) = render_view(dir, &opts).unwrap();
    assert_eq!((l.map_w / l.zoom, l.map_h / l.zoom), (20, 10));
    // The reference point (12, 25) is inside: black at local (2, 15).
    assert_eq!(cell(&c, &l, 2, 15), BLACK);
    // Velocity grows eastwards: the right edge is red, the left edge blue (diverging default).
    let (left, right) = (cell(&c, &l, 8, 0), cell(&c, &l, 8, 19));
    assert!(
        left[2] > left[0] && right[0] > right[2],
        "{left:?} {right:?}"
    );

    // A point by lat/lon on the grid: row 3, column 7.
    let out = sbas(&[
        "ts",
        s(dir),
        "--ts",
        "geo/geo_timeseries",
        "--lalo",
        "34.965,-119.925",
        "--out",
        s(&dir.join("p")),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("p.csv"));
    let rows = read_csv(&dir.join("p.csv"));
    assert_eq!(rows.len(), 3);
    assert!(rows.iter().all(|(_, v)| (v - 10.0).abs() < 1e-4));
    // No data at (5, 6).
    let out = sbas(&["ts", s(dir), "--ts", "geo/geo_timeseries", "--yx", "5,6"]);
    assert!(
        !out.status.success() && stderr(&out).contains("no data"),
        "{}",
        stderr(&out)
    );
    // Not inverted (zero throughout) at (8, 9).
    let out = sbas(&["ts", s(dir), "--ts", "geo/geo_timeseries", "--yx", "8,9"]);
    assert!(
        !out.status.success() && stderr(&out).contains("not inverted"),
        "{}",
        stderr(&out)
    );
    // Outside the grid.
    let out = sbas(&[
        "ts",
        s(dir),
        "--ts",
        "geo/geo_timeseries",
        "--lalo",
        "36.0,-119.9",
    ]);
    assert!(
        !out.status.success() && stderr(&out).contains("outside"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn radar_layers_subset_by_lat_lon_through_the_lookup() {
    let run = run_dir();
    let geom = Product::open(run, "inputs/geometryRadar").unwrap();
    let w = Window {
        y0: 10,
        y1: 21,
        x0: 12,
        x1: 31,
    };
    let lat = geom.read("latitude", w).unwrap();
    let lon = geom.read("longitude", w).unwrap();
    let (s_, n) = lat.iter().fold((f64::MAX, f64::MIN), |(a, b), &v| {
        (a.min(v as f64), b.max(v as f64))
    });
    let (we, e) = lon.iter().fold((f64::MAX, f64::MIN), |(a, b), &v| {
        (a.min(v as f64), b.max(v as f64))
    });
    let p = Product::open(run, "timeseries").unwrap();
    let got = sbas::plot::locate::lalo_window(run, &p, (s_, n, we, e)).unwrap();
    // The box of the window's corners covers the window, and not much more than it.
    assert!(
        got.y0 <= 10 && got.y1 >= 21 && got.x0 <= 12 && got.x1 >= 31,
        "{got:?}"
    );
    assert!(got.rows() < 30 && got.cols() < 40, "{got:?}");
    let err = sbas::plot::locate::lalo_window(run, &p, (10.0, 11.0, 20.0, 21.0)).unwrap_err();
    assert!(err.to_string().contains("no pixel"), "{err}");
}

#[test]
fn large_layers_are_subsampled_for_display() {
    let tmp = tempfile::tempdir().unwrap();
    let (h, w) = (4100, 30);
    let v: Vec<f32> = (0..h * w).map(|i| (i / w) as f32).collect();
    let spec = ProductSpec {
        stem: "tall".into(),
        file_type: "dem".into(),
        length: h,
        width: w,
        dates: vec![],
        bperp: vec![],
        datasets: vec![DatasetSpec::map("dem", "m", "row number")],
        attrs: Attributes::new(),
    };
    let mut wr = ProductWriter::create(tmp.path(), OutputFormat::Zarr, spec).unwrap();
    wr.write("dem", Window::full(h, w), &v).unwrap();
    wr.finish().unwrap();
    let layer = sbas::plot::layer::Layer::open(tmp.path(), "tall", false).unwrap();
    let full = Window::full(h, w);
    let step = sbas::plot::layer::display_step(&full);
    assert_eq!(step, 3);
    let (vals, rows, cols) = layer.read_subsampled(None, full, step).unwrap();
    assert_eq!((rows, cols), (1367, 10));
    assert_eq!(vals[5 * cols + 4], 15.0);
    assert_eq!(vals[(rows - 1) * cols], 4098.0);
    let (c, l) = render_view(
        tmp.path(),
        &ViewOptions {
            layer: "tall".into(),
            ..ViewOptions::default()
        },
    )
    .unwrap();
    assert_eq!((l.map_h, l.map_w, l.zoom), (1367, 10, 1));
    assert!(c.height() > 1367);
}

#[test]
fn view_options_date_index_noreference_and_flip() {
    let run = run_dir();
    let ts = Product::open(run, "timeseries").unwrap();
    let dates = ts.dates().to_vec();
    let attrs = ts.attrs();
    let ry: usize = attrs.get("REF_Y").unwrap().parse().unwrap();
    let rx: usize = attrs.get("REF_X").unwrap().parse().unwrap();
    let base = ViewOptions {
        layer: "timeseries".into(),
        vlim: Some((-20.0, 20.0)),
        unit: Some("mm".into()),
        ..ViewOptions::default()
    };
    let by_date = ViewOptions {
        date: Some(dates[5].to_string()),
        ..base.clone()
    };
    let by_index = ViewOptions {
        date_index: Some(5),
        ..base.clone()
    };
    let (a, la) = render_view(run, &by_date).unwrap();
    let (b, lb) = render_view(run, &by_index).unwrap();
    let (mut same, mut differs_from_other_date) = (0, 0);
    let (o, lo) = render_view(
        run,
        &ViewOptions {
            date_index: Some(9),
            ..base.clone()
        },
    )
    .unwrap();
    for y in 0..40 {
        for x in 0..50 {
            same += usize::from(cell(&a, &la, y, x) == cell(&b, &lb, y, x));
            differs_from_other_date += usize::from(cell(&a, &la, y, x) != cell(&o, &lo, y, x));
        }
    }
    assert_eq!(same, 2000, "-n 5 draws the date --date names");
    assert!(differs_from_other_date > 100, "{differs_from_other_date}");
    assert_eq!(cell(&a, &la, ry, rx), BLACK, "reference marker drawn");

    let (c, lc) = render_view(
        run,
        &ViewOptions {
            no_reference: true,
            ..by_date.clone()
        },
    )
    .unwrap();
    assert_ne!(cell(&c, &lc, ry, rx), BLACK, "--noreference hides it");

    // MintPy's rule: the simulated stack is ascending, so the map is flipped up-down.
    let (f, lf) = render_view(
        run,
        &ViewOptions {
            flip: true,
            ..by_date.clone()
        },
    )
    .unwrap();
    let p = Product::open(run, "timeseries").unwrap();
    let (lr, ud) = sbas::plot::view::flip_rule(&p);
    assert!(ud || lr, "a radar product is flipped one way");
    let mut mirrored = 0;
    for y in 0..40 {
        for x in 0..50 {
            let (fy, fx) = (if ud { 39 - y } else { y }, if lr { 49 - x } else { x });
            mirrored += usize::from(cell(&a, &la, y, x) == cell(&f, &lf, fy, fx));
        }
    }
    assert_eq!(mirrored, 2000, "the flipped map mirrors the stored one");
}

#[test]
fn view_dem_shades_masked_pixels_and_lalo_label_needs_degrees() {
    let run = run_dir();
    let masked_view = ViewOptions {
        layer: "temporalCoherence".into(),
        mask: MaskChoice::Product("maskTempCoh".into()),
        ..ViewOptions::default()
    };
    let shaded_view = ViewOptions {
        dem: Some("inputs/geometryRadar".into()),
        ..masked_view.clone()
    };
    let (a, la) = render_view(run, &masked_view).unwrap();
    let (b, lb) = render_view(run, &shaded_view).unwrap();
    let full = Window::full(40, 50);
    let mask = Product::open(run, "maskTempCoh")
        .unwrap()
        .read("maskTempCoh", full)
        .unwrap();
    let (mut shaded, mut masked, mut kept, mut valid) = (0, 0, 0, 0);
    for y in 0..40 {
        for x in 0..50 {
            let (pa, pb) = (cell(&a, &la, y, x), cell(&b, &lb, y, x));
            if mask[y * 50 + x] == 0.0 && pa == WHITE {
                masked += 1;
                shaded += usize::from(pb != WHITE && pb[0] == pb[1] && pb[1] == pb[2]);
            } else if mask[y * 50 + x] != 0.0 {
                valid += 1;
                kept += usize::from(pa == pb);
            }
        }
    }
    assert!(masked > 3, "masked {masked}");
    assert!(
        shaded * 2 > masked,
        "grey relief under {shaded} of {masked} masked pixels"
    );
    assert_eq!(kept, valid, "valid pixels keep their colours");

    let e = render_view(
        run,
        &ViewOptions {
            lalo_label: true,
            ..masked_view
        },
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("--lalo-label") && e.contains("radar"), "{e}");
}
