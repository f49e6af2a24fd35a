//! Subsets at invert time: only the requested window is read, and the result equals the full
//! run cut to that window, in both output formats.

use crate::common;

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use sbas::geo::{resolve_subset, SubsetRequest, SubsetSource};
use sbas::invert::{InversionConfig, WeightFunc};
use sbas::product::inversion::{OutputFormat, RunResults};
use sbas::simulate::Effects;
use sbas::source::{open_stack, GeomLayer, StackInfo, StackLayer, StackSource};
use sbas::survey::RefRequest;
use sbas::window::Window;
use sbas::workflow::{invert_source, invert_stack, InvertOptions};

/// A source that records every stack window read from it.
struct Recording {
    inner: Box<dyn StackSource>,
    stack_reads: Arc<Mutex<Vec<Window>>>,
}

impl StackSource for Recording {
    fn info(&self) -> &StackInfo {
        self.inner.info()
    }
    fn read_stack(&self, layer: StackLayer, w: &Window, out: &mut [f32]) -> anyhow::Result<()> {
        self.stack_reads.lock().unwrap().push(*w);
        self.inner.read_stack(layer, w, out)
    }
    fn read_geometry(&self, layer: GeomLayer, w: &Window, out: &mut [f32]) -> anyhow::Result<()> {
        self.inner.read_geometry(layer, w, out)
    }
}

fn options(
    format: OutputFormat,
    reference: RefRequest,
    subset: Option<SubsetRequest>,
) -> InvertOptions {
    InvertOptions {
        format,
        config: InversionConfig {
            weight: WeightFunc::Var,
            ..InversionConfig::default()
        },
        reference,
        max_memory: 1 << 30,
        restart: false,
        meta: Vec::new(),
        subset,
        ..InvertOptions::default()
    }
}

fn layers(r: &RunResults, w: Window) -> Vec<(String, Vec<f32>)> {
    let mut v = vec![("timeseries".to_string(), r.read_timeseries(w).unwrap())];
    for name in [
        "temporalCoherence",
        "numInvIfgram",
        "avgSpatialCoh",
        "maskTempCoh",
    ] {
        v.push((name.to_string(), r.read_layer(name, w).unwrap()));
    }
    v
}

fn assert_same(a: &[(String, Vec<f32>)], b: &[(String, Vec<f32>)]) {
    for ((name, x), (_, y)) in a.iter().zip(b) {
        assert_eq!(x.len(), y.len(), "{name}");
        for (i, (p, q)) in x.iter().zip(y).enumerate() {
            assert!(
                p.to_bits() == q.to_bits() || (p - q).abs() <= 1e-6 * p.abs().max(1e-3),
                "{name}[{i}]: subset run {q} vs full run {p}"
            );
        }
    }
}

#[test]
fn subset_reads_only_its_window() {
    let tmp = tempfile::tempdir().unwrap();
    let stack = common::small_stack(tmp.path(), 50, 40, 10, Effects::all(), 11);
    let reads = Arc::new(Mutex::new(Vec::new()));
    let rec = Recording {
        inner: open_stack(&stack).unwrap(),
        stack_reads: reads.clone(),
    };
    let req = SubsetRequest::parse_yx("10:30,5:25").unwrap();
    let window = resolve_subset(&rec, &req).unwrap();
    let sub = SubsetSource::new(Box::new(rec), window).unwrap();
    invert_source(
        &sub,
        &stack,
        &tmp.path().join("run"),
        &options(OutputFormat::Zarr, RefRequest::Yx(5, 5), None),
        Instant::now(),
    )
    .unwrap();
    let reads = reads.lock().unwrap();
    assert!(!reads.is_empty());
    let mut pixels = 0usize;
    for w in reads.iter() {
        assert!(
            w.y0 >= 10 && w.y1 <= 30 && w.x0 >= 5 && w.x1 <= 25,
            "read {w:?} outside the subset"
        );
        pixels += w.pixels();
    }
    // Phase and coherence of the window once each for the inversion, once more for the survey,
    // and single pixels for the reference: far less than one layer of the full 50 x 40 image.
    assert!(
        pixels <= 5 * 20 * 20,
        "{pixels} pixels read for a 20 x 20 subset"
    );
}

fn subset_equals_full_cut(format: OutputFormat) {
    let tmp = tempfile::tempdir().unwrap();
    let stack = common::small_stack(tmp.path(), 48, 44, 12, Effects::all(), 5);
    let full_dir = tmp.path().join("full");
    invert_stack(
        &stack,
        &full_dir,
        &options(format, RefRequest::Yx(20, 25), None),
    )
    .unwrap();
    let full = RunResults::open_format(&full_dir, format).unwrap();

    let sub_dir = tmp.path().join("sub");
    let req = SubsetRequest::parse_yx("12:40,15:37").unwrap();
    invert_stack(
        &stack,
        &sub_dir,
        &options(format, RefRequest::Yx(8, 10), Some(req)),
    )
    .unwrap();
    let sub = RunResults::open_format(&sub_dir, format).unwrap();
    assert_eq!((sub.length(), sub.width()), (28, 22));
    let a = sub.attrs();
    assert_eq!(a.get("SUBSET_YMIN"), Some("12"));
    assert_eq!(a.get("SUBSET_XMAX"), Some("37"));
    assert_eq!(a.get("LENGTH"), Some("28"));
    assert_eq!(a.get("REF_Y"), Some("8"));
    assert_eq!(a.get("REF_X"), Some("10"));
    let cut = Window {
        y0: 12,
        y1: 40,
        x0: 15,
        x1: 37,
    };
    assert_same(&layers(&full, cut), &layers(&sub, Window::full(28, 22)));
}

#[test]
fn subset_equals_full_run_cut_zarr() {
    subset_equals_full_cut(OutputFormat::Zarr);
}

#[test]
fn subset_equals_full_run_cut_hdf5() {
    subset_equals_full_cut(OutputFormat::Hdf5);
}

fn lookup_at(stack: &Path, y: usize, x: usize) -> (f64, f64) {
    let s = open_stack(stack).unwrap();
    let (mut a, mut o) = ([0f32], [0f32]);
    s.read_geometry(GeomLayer::Latitude, &Window::pixel(y, x), &mut a)
        .unwrap();
    s.read_geometry(GeomLayer::Longitude, &Window::pixel(y, x), &mut o)
        .unwrap();
    (a[0] as f64, o[0] as f64)
}

#[test]
fn lalo_subset_covers_the_box_and_resumes_only_with_the_same_subset() {
    let tmp = tempfile::tempdir().unwrap();
    let stack = common::small_stack(tmp.path(), 60, 50, 8, Effects::default(), 2);
    // A box spanned by the lookup at two inner pixels.
    let (la1, lo1) = lookup_at(&stack, 20, 15);
    let (la2, lo2) = lookup_at(&stack, 35, 30);
    let text = format!(
        "{}:{},{}:{}",
        la1.min(la2),
        la1.max(la2),
        lo1.min(lo2),
        lo1.max(lo2)
    );
    let req = SubsetRequest::parse_lalo(&text).unwrap();
    let src = open_stack(&stack).unwrap();
    let w = resolve_subset(src.as_ref(), &req).unwrap();
    assert!(w.contains(20, 15) && w.contains(35, 30), "{w:?}");
    assert!(w.pixels() < 60 * 50, "{w:?} is the whole image");

    let run = tmp.path().join("run");
    let dir = run.to_str().unwrap();
    let st = stack.to_str().unwrap();
    let out = common::sbas(&[
        "invert",
        st,
        "--out",
        dir,
        "-q",
        "--min-ref-coherence",
        "0.5",
        "--subset-lalo",
        &text,
    ]);
    assert!(out.status.success(), "{}", common::stderr(&out));
    let r = RunResults::open(&run).unwrap();
    assert_eq!((r.length(), r.width()), (w.rows(), w.cols()));
    // Another subset (or none) over the same run folder is refused, naming the setting.
    let out = common::sbas(&[
        "invert",
        st,
        "--out",
        dir,
        "-q",
        "--min-ref-coherence",
        "0.5",
    ]);
    assert!(!out.status.success());
    assert!(
        common::stderr(&out).contains("subset"),
        "{}",
        common::stderr(&out)
    );
    let out = common::sbas(&[
        "invert",
        st,
        "--out",
        dir,
        "-q",
        "--subset-yx",
        "0:10,0:10",
        "--min-ref-coherence",
        "0.5",
    ]);
    assert!(!out.status.success());
    // A box off the image is a clear error.
    let out = common::sbas(&[
        "invert",
        st,
        "--out",
        tmp.path().join("x").to_str().unwrap(),
        "-q",
        "--subset-lalo",
        "-60:-59,10:11",
    ]);
    assert!(!out.status.success());
    assert!(
        common::stderr(&out).contains("misses the image"),
        "{}",
        common::stderr(&out)
    );
}
