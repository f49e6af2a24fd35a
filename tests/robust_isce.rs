//! Bad ISCE2 topsStack input through `sbas invert`: malformed sidecars and metadata give an
//! error naming the file and the problem (exit code 1, no panic, nothing that looks complete);
//! NaN and infinite phase or coherence never panic nor poison the results.
//! (Missing, truncated and mis-sized rasters, bad folder names and bad reference points are in
//! tests/bad_input.rs and tests/readers_isce.rs.)

use std::fs;
use std::path::{Path, PathBuf};

/// A named corruption of a stack and the words its error must contain.
type Case<'a> = (
    &'static str,
    Box<dyn Fn(&Path) + 'a>,
    &'static [&'static str],
);

use crate::common::{has_complete_output, same_bits, sbas, small_stack, stderr};
use sbas::product::inversion::RunResults;
use sbas::simulate::Effects;
use sbas::source::raster::raster_layout;
use sbas::window::Window;

const ROWS: usize = 12;
const COLS: usize = 15;
const REF: &str = "6,7";

/// One simulated stack per test binary run, copied for each case (simulating is the slow part).
fn base_stack(dir: &Path, effects: Effects) -> PathBuf {
    small_stack(dir, ROWS, COLS, 6, effects, 21)
}

/// Noise and decorrelation but every pixel with data in every pair (no water, no gaps), so
/// that counts of valid pairs are known.
fn full_data() -> Effects {
    Effects {
        water: false,
        missing_data: false,
        ..Effects::all()
    }
}

fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for e in fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let dst = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &dst);
        } else {
            fs::copy(e.path(), dst).unwrap();
        }
    }
}

fn pairs(stack: &Path) -> Vec<PathBuf> {
    let mut p: Vec<_> = fs::read_dir(stack.join("merged/interferograms"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    p.sort();
    p
}

/// Runs `sbas invert` (Zarr output) and returns (success, stderr, run folder).
fn invert(stack: &Path, extra: &[&str]) -> (bool, String, PathBuf) {
    let out = stack.with_file_name(format!(
        "{}-run",
        stack.file_name().unwrap().to_str().unwrap()
    ));
    let mut args = vec![
        "invert",
        stack.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "-q",
    ];
    args.extend_from_slice(extra);
    let res = sbas(&args);
    let err = stderr(&res);
    assert!(!err.contains("panicked"), "panic: {err}");
    if !res.status.success() {
        assert_eq!(res.status.code(), Some(1), "{err}");
    }
    (res.status.success(), err, out)
}

/// A fresh copy of `base` named `name`, damaged by `damage`, must fail naming every `expect`.
fn assert_fails(tmp: &Path, base: &Path, name: &str, damage: impl Fn(&Path), expect: &[&str]) {
    let s = tmp.join(name);
    copy_dir(base, &s);
    damage(&s);
    let (ok, err, out) = invert(&s, &["--ref-yx", REF]);
    assert!(!ok, "{name}: succeeded on bad input");
    for word in expect {
        assert!(err.contains(word), "{name}: message lacks '{word}': {err}");
    }
    assert!(!has_complete_output(&out), "{name}: output looks complete");
}

/// Replaces the `<value>` of property `prop` in an ISCE image XML.
fn set_xml_prop(xml: &Path, prop: &str, value: &str) {
    let text = fs::read_to_string(xml).unwrap();
    let at = text
        .find(&format!("name=\"{prop}\""))
        .unwrap_or_else(|| panic!("{} has no property {prop}", xml.display()));
    let v0 = at + text[at..].find("<value>").unwrap() + "<value>".len();
    let v1 = v0 + text[v0..].find("</value>").unwrap();
    fs::write(xml, format!("{}{value}{}", &text[..v0], &text[v1..])).unwrap();
}

fn first_unw(s: &Path) -> PathBuf {
    pairs(s)[0].join("filt_fine.unw")
}

fn with_ext(p: &Path, ext: &str) -> PathBuf {
    PathBuf::from(format!("{}.{ext}", p.display()))
}

#[test]
fn malformed_image_xml_is_named() {
    let tmp = tempfile::tempdir().unwrap();
    let base = base_stack(tmp.path(), Effects::noise_free());
    let xml = |s: &Path| with_ext(&first_unw(s), "xml");
    let prop = |name: &'static str, value: &'static str| {
        move |s: &Path| set_xml_prop(&xml(s), name, value)
    };
    let cases: Vec<Case> = vec![
        (
            "not-utf8",
            Box::new(|s: &Path| fs::write(xml(s), b"<imageFile>\xff\xfe</imageFile>").unwrap()),
            &["filt_fine.unw.xml"],
        ),
        (
            "empty",
            Box::new(|s: &Path| fs::write(xml(s), "").unwrap()),
            &["malformed ISCE XML", "filt_fine.unw.xml"],
        ),
        (
            "wrong-root",
            Box::new(|s: &Path| fs::write(xml(s), "<VRTDataset/>").unwrap()),
            &["filt_fine.unw.xml", "not an <imageFile>"],
        ),
        (
            "width-text",
            Box::new(prop("width", "wide")),
            &["filt_fine.unw.xml", "'width'", "not a whole number"],
        ),
        (
            "width-negative",
            Box::new(prop("width", "-15")),
            &["filt_fine.unw.xml", "not a whole number"],
        ),
        (
            "width-zero",
            Box::new(prop("width", "0")),
            &["filt_fine.unw.xml", "must not be empty"],
        ),
        (
            "width-huge",
            Box::new(prop("width", "18446744073709551615")),
            &["filt_fine.unw", "bytes"],
        ),
        (
            "length-huge",
            Box::new(prop("length", "4611686018427387904")),
            &["filt_fine.unw", "bytes"],
        ),
        (
            "bands-zero",
            Box::new(prop("number_bands", "0")),
            &["filt_fine.unw.xml", "number_bands"],
        ),
        (
            "bands-huge",
            Box::new(prop("number_bands", "999999999999")),
            &["filt_fine.unw.xml", "number_bands"],
        ),
        (
            "data-type",
            Box::new(prop("data_type", "CFLOAT")),
            &["filt_fine.unw.xml", "unsupported data_type 'CFLOAT'"],
        ),
        (
            "scheme",
            Box::new(prop("scheme", "BXL")),
            &["filt_fine.unw.xml", "unknown scheme 'BXL'"],
        ),
        (
            "type-size-mismatch",
            Box::new(prop("data_type", "DOUBLE")),
            &["filt_fine.unw", "truncated"],
        ),
    ];
    for (name, damage, expect) in cases {
        assert_fails(tmp.path(), &base, name, damage, expect);
    }
}

#[test]
fn malformed_vrt_is_named() {
    let tmp = tempfile::tempdir().unwrap();
    let base = base_stack(tmp.path(), Effects::noise_free());
    // Without the .xml the reader falls back to the .vrt.
    let vrt_only = |s: &Path, edit: &dyn Fn(String) -> String| {
        let unw = first_unw(s);
        fs::remove_file(with_ext(&unw, "xml")).unwrap();
        let vrt = with_ext(&unw, "vrt");
        let text = fs::read_to_string(&vrt).unwrap();
        let new = edit(text.clone());
        assert_ne!(new, text, "the edit changed nothing");
        fs::write(&vrt, new).unwrap();
    };
    let cases: Vec<Case> = vec![
        (
            "vrt-garbage",
            Box::new(move |s: &Path| vrt_only(s, &|_| "<VRTDataset".into())),
            &["malformed VRT", "filt_fine.unw.vrt"],
        ),
        (
            "vrt-no-xsize",
            Box::new(move |s: &Path| {
                vrt_only(s, &|t| t.replacen("rasterXSize=", "rasterZSize=", 1))
            }),
            &["filt_fine.unw.vrt", "no rasterXSize"],
        ),
        (
            "vrt-no-band",
            Box::new(move |s: &Path| {
                vrt_only(s, &|t| {
                    let a = t.find("<VRTRasterBand").unwrap();
                    let b = t.rfind("</VRTRasterBand>").unwrap() + "</VRTRasterBand>".len();
                    format!("{}{}", &t[..a], &t[b..])
                })
            }),
            &["filt_fine.unw.vrt", "no raster band"],
        ),
        (
            "vrt-data-type",
            Box::new(move |s: &Path| {
                vrt_only(s, &|t| {
                    t.replace("dataType=\"Float32\"", "dataType=\"CFloat32\"")
                })
            }),
            &["filt_fine.unw.vrt", "unsupported dataType 'CFloat32'"],
        ),
        (
            "vrt-byte-order",
            Box::new(move |s: &Path| vrt_only(s, &|t| t.replace(">LSB<", ">middle<"))),
            &["filt_fine.unw.vrt", "ByteOrder 'middle'"],
        ),
        (
            "vrt-negative-offset",
            Box::new(move |s: &Path| {
                vrt_only(s, &|t| t.replacen("<LineOffset>", "<LineOffset>-", 1))
            }),
            &["filt_fine.unw.vrt", "LineOffset"],
        ),
        (
            "vrt-huge-offset",
            Box::new(move |s: &Path| {
                vrt_only(s, &|t| {
                    t.replacen(
                        "<ImageOffset>0</ImageOffset>",
                        "<ImageOffset>18446744073709551615</ImageOffset>",
                        1,
                    )
                })
            }),
            &["filt_fine.unw", "bytes"],
        ),
    ];
    for (name, damage, expect) in cases {
        assert_fails(tmp.path(), &base, name, damage, expect);
    }
}

#[test]
fn malformed_metadata_and_baselines_are_named() {
    let tmp = tempfile::tempdir().unwrap();
    let base = base_stack(tmp.path(), Effects::noise_free());
    let rsc = |s: &Path| s.join("reference/data.rsc");
    let bl = |s: &Path| {
        let d = fs::read_dir(s.join("baselines"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .min()
            .unwrap();
        let name = d.file_name().unwrap().to_str().unwrap().to_string();
        d.join(format!("{name}.txt"))
    };
    let cases: Vec<Case> = vec![
        (
            "rsc-lonely-key",
            Box::new(move |s: &Path| {
                let t = fs::read_to_string(rsc(s)).unwrap();
                fs::write(rsc(s), format!("{t}\nHEADING\n")).unwrap()
            }),
            &["data.rsc", "has no value"],
        ),
        (
            "rsc-nan-wavelength",
            Box::new(move |s: &Path| fs::write(rsc(s), "WAVELENGTH nan\n").unwrap()),
            &["data.rsc", "WAVELENGTH"],
        ),
        (
            "rsc-negative-wavelength",
            Box::new(move |s: &Path| fs::write(rsc(s), "WAVELENGTH -0.05\n").unwrap()),
            &["data.rsc", "WAVELENGTH"],
        ),
        (
            "rsc-not-utf8",
            Box::new(move |s: &Path| fs::write(rsc(s), b"WAVELENGTH \xff\n").unwrap()),
            &["data.rsc"],
        ),
        (
            "iw-truncated",
            Box::new(|s: &Path| {
                fs::remove_file(s.join("reference/data.rsc")).unwrap();
                let p = s.join("reference/IW2.xml");
                let t = fs::read_to_string(&p).unwrap();
                fs::write(&p, &t[..t.len() / 2]).unwrap();
            }),
            &["malformed ISCE product XML", "IW2.xml"],
        ),
        (
            "iw-bad-wavelength",
            Box::new(|s: &Path| {
                fs::remove_file(s.join("reference/data.rsc")).unwrap();
                set_xml_prop(&s.join("reference/IW2.xml"), "radarwavelength", "0.0");
            }),
            &["IW2.xml", "radarwavelength"],
        ),
        (
            "baseline-nan",
            Box::new(move |s: &Path| fs::write(bl(s), "Bperp (average): NaN\n").unwrap()),
            &["baseline file", "not a finite number"],
        ),
        (
            "baseline-no-bperp",
            Box::new(move |s: &Path| fs::write(bl(s), "Bpar (average): 3\n").unwrap()),
            &["baseline file", "no 'Bperp (average):' line"],
        ),
        (
            "baseline-missing-date",
            Box::new(move |s: &Path| fs::remove_dir_all(bl(s).parent().unwrap()).unwrap()),
            &["no perpendicular baseline for date", "baselines"],
        ),
        (
            "reversed-pair",
            Box::new(|s: &Path| {
                let p = pairs(s).remove(0);
                let n = p.file_name().unwrap().to_str().unwrap();
                let swapped = format!("{}_{}", &n[9..], &n[..8]);
                fs::rename(&p, p.with_file_name(swapped)).unwrap();
            }),
            &["first date must be earlier than the second"],
        ),
    ];
    for (name, damage, expect) in cases {
        assert_fails(tmp.path(), &base, name, damage, expect);
    }
}

/// Sets band `band` of a raster at (y, x) to `v` (as the raster's float type).
fn poke(file: &Path, y: usize, x: usize, v: f32) {
    let l = raster_layout(file).unwrap();
    let band = l.bands.len().min(2) - 1;
    let b = l.bands[band];
    let at = (b.offset + y as u64 * b.line_stride + x as u64 * b.pixel_stride) as usize;
    let mut bytes = fs::read(file).unwrap();
    assert_eq!(l.dtype.size(), 4, "{}", file.display());
    bytes[at..at + 4].copy_from_slice(&v.to_le_bytes());
    fs::write(file, bytes).unwrap();
}

fn peek(file: &Path, y: usize, x: usize) -> f32 {
    let l = raster_layout(file).unwrap();
    l.read_sample(l.bands.len().min(2) - 1, y, x).unwrap() as f32
}

/// Every output layer of a finished run, flattened.
fn outputs(run: &Path) -> Vec<(String, Vec<f32>)> {
    let r = RunResults::open(run).unwrap();
    assert!(r.is_complete());
    let w = Window::full(r.length(), r.width());
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

fn run_ok(stack: &Path, extra: &[&str]) -> Vec<(String, Vec<f32>)> {
    // One output folder serves runs of several settings: start each afresh.
    let mut args = vec!["--ref-yx", REF, "--restart"];
    args.extend_from_slice(extra);
    let (ok, err, out) = invert(stack, &args);
    assert!(ok, "{err}");
    outputs(&out)
}

#[test]
fn non_finite_phase_counts_as_no_data() {
    let tmp = tempfile::tempdir().unwrap();
    let base = base_stack(tmp.path(), full_data());
    let bad = tmp.path().join("nonfinite");
    let zero = tmp.path().join("zeroed");
    copy_dir(&base, &bad);
    copy_dir(&base, &zero);
    // Pixel (2, 3): +inf, -inf and NaN in three pairs; pixel (9, 11): NaN in one pair.
    let hits = [
        (0, 2, 3, f32::INFINITY),
        (1, 2, 3, f32::NEG_INFINITY),
        (3, 2, 3, f32::NAN),
        (2, 9, 11, f32::NAN),
    ];
    for (i, y, x, v) in hits {
        poke(&pairs(&bad)[i].join("filt_fine.unw"), y, x, v);
        poke(&pairs(&zero)[i].join("filt_fine.unw"), y, x, 0.0);
    }
    for weight in ["var", "no"] {
        let a = run_ok(&bad, &["--weight", weight]);
        let b = run_ok(&zero, &["--weight", weight]);
        for ((name, va), (_, vb)) in a.iter().zip(&b) {
            assert!(
                same_bits(va, vb),
                "{weight}: {name} differs from the zeroed stack"
            );
        }
        let ts = &a[0].1;
        let px = ROWS * COLS;
        for (d, date) in ts.chunks_exact(px).enumerate() {
            assert!(
                date[2 * COLS + 3].is_finite(),
                "{weight}: date {d} not finite"
            );
        }
        let ninv = &a[2].1;
        let m = pairs(&base).len() as f32;
        assert_eq!(ninv[2 * COLS + 3], m - 3.0, "{weight}");
        assert_eq!(ninv[9 * COLS + 11], m - 1.0, "{weight}");
    }
}

#[test]
fn non_finite_coherence_is_treated_as_mintpy_treats_nan() {
    let tmp = tempfile::tempdir().unwrap();
    let base = base_stack(tmp.path(), full_data());
    let (y, x) = (4, 5);
    let p = y * COLS + x;
    let cor = |s: &Path, i: usize| pairs(s)[i].join("filt_fine.cor");
    let m = pairs(&base).len();
    let others: Vec<f32> = (1..m).map(|i| peek(&cor(&base, i), y, x)).collect();

    let nan = tmp.path().join("nan");
    let inf = tmp.path().join("inf");
    let eps = tmp.path().join("eps");
    for (dir, v) in [(&nan, f32::NAN), (&inf, f32::INFINITY), (&eps, 0.05)] {
        copy_dir(&base, dir);
        poke(&cor(dir, 0), y, x, v);
    }
    let a = run_ok(&nan, &[]);
    let b = run_ok(&inf, &[]);
    let c = run_ok(&eps, &[]);
    for ((name, va), (_, vb)) in a.iter().zip(&b) {
        assert!(same_bits(va, vb), "{name}: inf coherence differs from NaN");
    }
    // Weights as coherence 0.05: the inversion matches the stack holding 0.05 there.
    for k in [0, 1, 2, 4] {
        assert!(
            same_bits(&a[k].1, &c[k].1),
            "{} differs from coherence 0.05",
            a[k].0
        );
    }
    // The average spatial coherence leaves the NaN out.
    let avg = &a[3].1;
    let want = (others.iter().map(|v| *v as f64).sum::<f64>() / others.len() as f64) as f32;
    assert!((avg[p] - want).abs() < 1e-6, "{} vs {want}", avg[p]);
    assert!(avg[p] != c[3].1[p]);
    assert!(avg.iter().all(|v| v.is_finite()));
}

#[test]
fn reference_point_on_non_finite_phase_is_an_error() {
    let tmp = tempfile::tempdir().unwrap();
    let base = base_stack(tmp.path(), Effects::noise_free());
    for (name, v) in [("ref-inf", f32::INFINITY), ("ref-nan", f32::NAN)] {
        assert_fails(
            tmp.path(),
            &base,
            name,
            |s| poke(&pairs(s)[2].join("filt_fine.unw"), 6, 7, v),
            &["reference point", "no data"],
        );
    }
}
