//! Multilooking at load against MintPy 1.6.4: the ROI_PAC fixture stack read by sbas through
//! `MultilookSource` gives what MintPy's `load_data` with `mintpy.multilook.*` wrote
//! (`tests/fixtures/mintpy_multilook`, made by `scripts/make-mintpy-multilook-fixture.sh`).

use std::path::PathBuf;

use sbas::source::multilook::{Multilook, MultilookMethod, MultilookSource};
use sbas::source::{open_stack, StackLayer, StackSource};
use sbas::window::Window;

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn view(ystep: usize, xstep: usize, method: MultilookMethod) -> MultilookSource {
    let raw = open_stack(&fixture("mintpy_roipac/stack")).unwrap();
    MultilookSource::new(
        raw,
        Multilook {
            ystep,
            xstep,
            method,
        },
    )
    .unwrap()
}

fn differing(a: &[f32], b: &[f32]) -> usize {
    a.iter()
        .zip(b)
        .filter(|(p, q)| p.to_bits() != q.to_bits())
        .count()
}

/// The view against MintPy's files in `case`: shape, attributes, every layer bit for bit.
fn compare(case: &str, ystep: usize, xstep: usize, method: MultilookMethod) {
    let ml = view(ystep, xstep, method);
    let dir = fixture("mintpy_multilook").join(case);
    let h5 = open_stack(&dir.join("ifgramStack.h5")).unwrap();
    let (a, b) = (ml.info(), h5.info());
    assert_eq!((a.length, a.width), (b.length, b.width), "{case}");
    assert_eq!(a.network, b.network);
    let mut shared = 0;
    for (k, v) in b.attrs.iter() {
        if k == "FILE_PATH" || k == "FILE_TYPE" {
            continue;
        }
        if let Some(x) = a.attrs.get(k) {
            assert_eq!(x, v, "{case}: attribute {k}");
            shared += 1;
        }
    }
    for key in [
        "ALOOKS",
        "RLOOKS",
        "XMAX",
        "YMAX",
        "RANGE_PIXEL_SIZE",
        "AZIMUTH_PIXEL_SIZE",
    ] {
        assert!(a.attrs.contains(key) && b.attrs.contains(key), "{key}");
    }
    assert!(shared >= 20, "only {shared} shared keys");
    let w = Window::full(a.length, a.width);
    let m = a.network.num_pairs();
    let (mut x, mut y) = (vec![0.0f32; m * w.pixels()], vec![0.0f32; m * w.pixels()]);
    assert_eq!(a.layers, b.layers);
    for layer in a.layers.clone() {
        ml.read_stack(layer, &w, &mut x).unwrap();
        h5.read_stack(layer, &w, &mut y).unwrap();
        assert_eq!(
            differing(&x, &y),
            0,
            "{case} {layer:?}: {:?} vs {:?}",
            &x[..4],
            &y[..4]
        );
    }
    let (mut x, mut y) = (vec![0.0f32; w.pixels()], vec![0.0f32; w.pixels()]);
    assert!(!b.geometry.is_empty());
    for g in b.geometry.clone() {
        ml.read_geometry(g, &w, &mut x).unwrap();
        h5.read_geometry(g, &w, &mut y).unwrap();
        // The incidence angle's float32 arccos differs by a few ulp between numpy and libm
        // (see readers_rawfmt); everything else is bit for bit.
        let worst = x
            .iter()
            .zip(&y)
            .map(|(p, q)| (p.to_bits() as i64 - q.to_bits() as i64).abs())
            .max()
            .unwrap_or(0);
        let allowed = if g == sbas::source::GeomLayer::IncidenceAngle {
            8
        } else {
            0
        };
        assert!(worst <= allowed, "{case} {g:?}: {worst} ulp");
    }
}

#[test]
fn nearest_matches_mintpy() {
    compare("nearest_2x3", 2, 3, MultilookMethod::Nearest);
    compare("nearest_5x4", 5, 4, MultilookMethod::Nearest);
}

#[test]
fn mean_matches_mintpy() {
    compare("mean_2x3", 2, 3, MultilookMethod::Mean);
}

#[test]
fn median_matches_mintpy() {
    compare("median_2x3", 2, 3, MultilookMethod::Median);
}

#[test]
fn window_reads_equal_whole_image_reads() {
    for method in [
        MultilookMethod::Nearest,
        MultilookMethod::Mean,
        MultilookMethod::Median,
    ] {
        let ml = view(2, 3, method);
        let (l, w) = (ml.info().length, ml.info().width);
        let m = ml.info().network.num_pairs();
        let mut whole = vec![0.0f32; m * l * w];
        ml.read_stack(StackLayer::Coherence, &Window::full(l, w), &mut whole)
            .unwrap();
        for y in 0..l {
            for x in 0..w {
                let mut px = vec![0.0f32; m];
                ml.read_pixel(StackLayer::Coherence, y, x, &mut px).unwrap();
                for k in 0..m {
                    assert_eq!(px[k].to_bits(), whole[(k * l + y) * w + x].to_bits());
                }
            }
        }
        let sub = Window {
            y0: 1,
            y1: 4,
            x0: 1,
            x1: 3,
        };
        let mut s = vec![0.0f32; m * sub.pixels()];
        ml.read_stack(StackLayer::Phase, &sub, &mut s).unwrap();
        let mut full = vec![0.0f32; m * l * w];
        ml.read_stack(StackLayer::Phase, &Window::full(l, w), &mut full)
            .unwrap();
        assert_eq!(
            s[sub.pixels() + sub.cols() + 1].to_bits(),
            full[l * w + 2 * w + 2].to_bits()
        );
    }
}

#[test]
fn strips_of_one_row_read_the_same() {
    let whole = view(2, 3, MultilookMethod::Mean);
    let strips = view(2, 3, MultilookMethod::Mean).with_strip_values(1);
    let (l, w) = (whole.info().length, whole.info().width);
    let m = whole.info().network.num_pairs();
    let (mut a, mut b) = (vec![0.0f32; m * l * w], vec![0.0f32; m * l * w]);
    let win = Window::full(l, w);
    whole.read_stack(StackLayer::Phase, &win, &mut a).unwrap();
    strips.read_stack(StackLayer::Phase, &win, &mut b).unwrap();
    assert_eq!(differing(&a, &b), 0);
    assert!(a.iter().any(|v| *v != 0.0));
}

/// `invert_stack` with `multilook` inverts what MintPy's multilooked `ifgramStack.h5` holds:
/// the same time series, bit for bit, as inverting that file.
#[test]
fn invert_with_multilook_equals_inverting_mintpy_multilooked_stack() {
    use sbas::product::inversion::{OutputFormat, RunResults};
    use sbas::source::multilook::Multilook;
    use sbas::survey::RefRequest;
    use sbas::workflow::{invert_stack, InvertOptions};

    let tmp = tempfile::tempdir().unwrap();
    let opts = |ml: Option<Multilook>| InvertOptions {
        format: OutputFormat::Hdf5,
        reference: RefRequest::Yx(2, 1),
        multilook: ml,
        ..InvertOptions::default()
    };
    let ml = Multilook {
        ystep: 2,
        xstep: 3,
        method: MultilookMethod::Mean,
    };
    let ours = tmp.path().join("ours");
    let theirs = tmp.path().join("theirs");
    invert_stack(&fixture("mintpy_roipac/stack"), &ours, &opts(Some(ml))).unwrap();
    invert_stack(
        &fixture("mintpy_multilook/mean_2x3/ifgramStack.h5"),
        &theirs,
        &opts(None),
    )
    .unwrap();
    let w = Window::full(6, 4);
    let a = RunResults::open(&ours).unwrap().read_timeseries(w).unwrap();
    let b = RunResults::open(&theirs)
        .unwrap()
        .read_timeseries(w)
        .unwrap();
    assert_eq!(a.len(), 5 * 24);
    assert_eq!(differing(&a, &b), 0);
    assert!(a.iter().any(|v| *v != 0.0));
}
