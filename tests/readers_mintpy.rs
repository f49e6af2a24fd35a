//! End-to-end tests of the MintPy `ifgramStack.h5` reader on files written the way h5py
//! writes them.

use std::path::{Path, PathBuf};

use hdf5::types::{FixedAscii, VarLenUnicode};
use ndarray::{Array1, Array2, Array3};
use sbas::source::{open_stack, GeomLayer, StackLayer};
use sbas::window::Window;

const M: usize = 4;
const L: usize = 6;
const W: usize = 5;

/// File order of pairs; pair 2 is dropped.
const DATES: [(&str, &str); M] = [
    ("20200101", "20200113"),
    ("20200101", "20200125"),
    ("20200113", "20200125"),
    ("20200113", "20200206"),
];
const KEEP: [bool; M] = [true, true, false, true];

fn value(i: usize, y: usize, x: usize) -> f32 {
    (i * 1000 + y * 10 + x) as f32 + 0.5
}

struct Opts {
    skip: Option<&'static str>,
    wavelength: bool,
    dates: [(&'static str, &'static str); M],
    keep: [bool; M],
}

impl Default for Opts {
    fn default() -> Self {
        Opts {
            skip: None,
            wavelength: true,
            dates: DATES,
            keep: KEEP,
        }
    }
}

fn fixed(s: &str) -> FixedAscii<8> {
    FixedAscii::from_ascii(s.as_bytes()).unwrap()
}

fn vlu(s: &str) -> VarLenUnicode {
    s.parse().unwrap()
}

fn write_stack(dir: &Path, o: &Opts) -> PathBuf {
    let inputs = dir.join("inputs");
    std::fs::create_dir_all(&inputs).unwrap();
    let path = inputs.join("ifgramStack.h5");
    let f = hdf5::File::create(&path).unwrap();
    let want = |n: &str| o.skip != Some(n);
    if want("date") {
        let d = Array2::from_shape_fn((M, 2), |(i, j)| {
            fixed(if j == 0 { o.dates[i].0 } else { o.dates[i].1 })
        });
        f.new_dataset_builder()
            .with_data(&d)
            .create("date")
            .unwrap();
    }
    let bperp = Array1::from_shape_fn(M, |i| i as f32 * 10.0 - 5.0);
    f.new_dataset_builder()
        .with_data(&bperp)
        .create("bperp")
        .unwrap();
    let drop = Array1::from_shape_fn(M, |i| o.keep[i]);
    f.new_dataset_builder()
        .with_data(&drop)
        .create("dropIfgram")
        .unwrap();
    if want("unwrapPhase") {
        let a = Array3::from_shape_fn((M, L, W), |(i, y, x)| value(i, y, x));
        f.new_dataset_builder()
            .chunk((1, 2, W))
            .with_data(&a)
            .create("unwrapPhase")
            .unwrap();
    }
    let coh = Array3::from_shape_fn((M, L, W), |(i, y, x)| value(i, y, x) / 10000.0);
    f.new_dataset_builder()
        .with_data(&coh)
        .create("coherence")
        .unwrap();
    let cc = Array3::from_shape_fn((M, L, W), |(i, y, x)| ((i + y + x) % 4) as i16 - 1);
    f.new_dataset_builder()
        .chunk((M, 3, W))
        .lzf()
        .with_data(&cc)
        .create("connectComponent")
        .unwrap();
    // Attributes as h5py leaves them: str, bytes, numpy ints and floats.
    if o.wavelength {
        f.new_attr::<VarLenUnicode>()
            .create("WAVELENGTH")
            .unwrap()
            .write_scalar(&vlu("0.05546576"))
            .unwrap();
    }
    f.new_attr::<VarLenUnicode>()
        .create("FILE_TYPE")
        .unwrap()
        .write_scalar(&vlu("ifgramStack"))
        .unwrap();
    f.new_attr::<FixedAscii<8>>()
        .create("PLATFORM")
        .unwrap()
        .write_scalar(&fixed("sen"))
        .unwrap();
    f.new_attr::<i64>()
        .create("ALOOKS")
        .unwrap()
        .write_scalar(&3i64)
        .unwrap();
    f.new_attr::<f64>()
        .create("STARTING_RANGE")
        .unwrap()
        .write_scalar(&800000.5f64)
        .unwrap();
    f.new_attr::<f32>()
        .create("NCORRLOOKS")
        .unwrap()
        .write_scalar(&0.1f32)
        .unwrap();
    f.new_attr::<i32>()
        .create("LENGTH")
        .unwrap()
        .write_scalar(&999i32)
        .unwrap();
    path
}

fn write_geometry(dir: &Path) {
    let f = hdf5::File::create(dir.join("inputs/geometryRadar.h5")).unwrap();
    let h = Array2::from_shape_fn((L, W), |(y, x)| (y * W + x) as f32 * 2.0);
    f.new_dataset_builder()
        .chunk((3, W))
        .lzf()
        .with_data(&h)
        .create("height")
        .unwrap();
    let inc = Array2::from_shape_fn((L, W), |(y, _)| 30.0 + y as f32);
    f.new_dataset_builder()
        .with_data(&inc)
        .create("incidenceAngle")
        .unwrap();
    let wm = Array2::from_shape_fn((L, W), |(y, x)| (x + y) % 2 == 0);
    f.new_dataset_builder()
        .chunk((L, W))
        .lzf()
        .with_data(&wm)
        .create("waterMask")
        .unwrap();
}

#[test]
fn reads_kept_pairs_windows_geometry_and_attributes() {
    let dir = tempfile::tempdir().unwrap();
    write_stack(dir.path(), &Opts::default());
    write_geometry(dir.path());
    // Opening the project folder finds inputs/ifgramStack.h5.
    let s = open_stack(dir.path()).unwrap();
    let info = s.info();
    assert_eq!((info.length, info.width), (L, W));
    assert_eq!(info.network.num_pairs(), 3);
    let names: Vec<String> = (0..3).map(|i| info.network.pair_name(i)).collect();
    assert_eq!(
        names,
        [
            "20200101_20200113",
            "20200101_20200125",
            "20200113_20200206"
        ]
    );
    assert_eq!(info.network.pair_bperp, vec![-5.0, 5.0, 25.0]);
    assert_eq!(info.preferred_rows, 2);
    assert!(info.has_layer(StackLayer::Coherence) && info.has_layer(StackLayer::ConnComp));
    assert_eq!(
        info.geometry,
        vec![
            GeomLayer::Height,
            GeomLayer::IncidenceAngle,
            GeomLayer::WaterMask
        ]
    );
    assert_eq!(info.files.len(), 2);

    let a = &info.attrs;
    assert_eq!(a.get("WAVELENGTH"), Some("0.05546576"));
    assert_eq!(a.get("PLATFORM"), Some("sen"));
    assert_eq!(a.get("ALOOKS"), Some("3"));
    assert_eq!(a.get("STARTING_RANGE"), Some("800000.5"));
    assert_eq!(a.get("NCORRLOOKS"), Some("0.1"));
    assert_eq!(a.get("FILE_TYPE"), Some("ifgramStack"));
    // The dataset shape wins over a stale attribute.
    assert_eq!((a.get("LENGTH"), a.get("WIDTH")), (Some("6"), Some("5")));

    let win = Window {
        y0: 1,
        y1: 4,
        x0: 2,
        x1: 4,
    };
    let n = win.pixels();
    let mut out = vec![0.0f32; 3 * n];
    s.read_stack(StackLayer::Phase, &win, &mut out).unwrap();
    for (k, file_i) in [0usize, 1, 3].into_iter().enumerate() {
        for p in 0..n {
            let (y, x) = (1 + p / 2, 2 + p % 2);
            assert_eq!(out[k * n + p], value(file_i, y, x));
        }
    }
    s.read_stack(StackLayer::ConnComp, &win, &mut out).unwrap();
    assert_eq!(out[0], 2.0); // (pair 0 + row 1 + col 2) % 4 - 1
    assert_eq!(out[2 * n], ((3 + 1 + 2) % 4) as f32 - 1.0);
    s.read_stack(StackLayer::Coherence, &win, &mut out).unwrap();
    assert_eq!(out[n], value(1, 1, 2) / 10000.0);
    let mut px = vec![0.0f32; 3];
    s.read_pixel(StackLayer::Phase, 5, 4, &mut px).unwrap();
    assert_eq!(px, vec![value(0, 5, 4), value(1, 5, 4), value(3, 5, 4)]);
    assert!(s.read_pixel(StackLayer::Phase, 6, 0, &mut px).is_err());

    let full = Window::full(L, W);
    let mut g = vec![0.0f32; L * W];
    s.read_geometry(GeomLayer::Height, &full, &mut g).unwrap();
    assert_eq!(g[7], 14.0);
    s.read_geometry(
        GeomLayer::WaterMask,
        &Window {
            y0: 1,
            y1: 2,
            x0: 0,
            x1: 2,
        },
        &mut g[..2],
    )
    .unwrap();
    assert_eq!(&g[..2], &[0.0, 1.0]);
    let e = s
        .read_geometry(GeomLayer::Latitude, &full, &mut g)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("geometryRadar.h5") && e.contains("latitude"),
        "{e}"
    );
}

#[test]
fn opens_the_file_directly_without_geometry() {
    let dir = tempfile::tempdir().unwrap();
    let p = write_stack(dir.path(), &Opts::default());
    let s = open_stack(&p).unwrap();
    assert!(s.info().geometry.is_empty());
    let e = s
        .read_geometry(GeomLayer::Height, &Window::full(L, W), &mut [0.0; L * W])
        .unwrap_err()
        .to_string();
    assert!(e.contains("geometryRadar.h5"), "{e}");
}

#[test]
fn bad_stacks_are_errors_naming_the_file() {
    let cases: Vec<(&str, Opts, &str)> = vec![
        (
            "no phase",
            Opts {
                skip: Some("unwrapPhase"),
                ..Opts::default()
            },
            "'unwrapPhase'",
        ),
        (
            "no dates",
            Opts {
                skip: Some("date"),
                ..Opts::default()
            },
            "'date'",
        ),
        (
            "no wavelength",
            Opts {
                wavelength: false,
                ..Opts::default()
            },
            "WAVELENGTH",
        ),
        (
            "duplicate pair",
            Opts {
                dates: [DATES[0], DATES[1], DATES[2], DATES[0]],
                ..Opts::default()
            },
            "appears twice",
        ),
        (
            "all dropped",
            Opts {
                keep: [false; M],
                ..Opts::default()
            },
            "empty stack",
        ),
        (
            "bad date",
            Opts {
                dates: [DATES[0], ("2020013", "20200125"), DATES[2], DATES[3]],
                ..Opts::default()
            },
            "2020013",
        ),
    ];
    for (what, o, needle) in cases {
        let dir = tempfile::tempdir().unwrap();
        let p = write_stack(dir.path(), &o);
        let e = match open_stack(&p) {
            Ok(_) => panic!("{what}: should fail"),
            Err(e) => format!("{e:#}"),
        };
        assert!(
            e.contains("ifgramStack.h5") && e.contains(needle),
            "{what}: {e}"
        );
    }
    let dir = tempfile::tempdir().unwrap();
    let bogus = dir.path().join("x.h5");
    std::fs::write(&bogus, b"not hdf5").unwrap();
    let e = format!("{:#}", open_stack(&bogus).err().unwrap());
    assert!(e.contains("x.h5"), "{e}");
}
