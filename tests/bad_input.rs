//! Bad input ends in a clear error naming the file and the problem, a non-zero exit code, no
//! panic, and no output that looks complete. A disconnected network is a warning, not an error.

use std::fs;
use std::path::Path;

use crate::common::{has_complete_output, sbas, small_stack, stderr};
use sbas::simulate::Effects;

fn stack(dir: &Path) -> std::path::PathBuf {
    small_stack(dir, 24, 30, 8, Effects::all(), 11)
}

fn first_pair(stack: &Path) -> std::path::PathBuf {
    let mut pairs: Vec<_> = fs::read_dir(stack.join("merged/interferograms"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    pairs.sort();
    pairs[0].clone()
}

/// Runs `sbas invert` in both formats and checks failure, message and outputs.
fn assert_fails(stack: &Path, extra: &[&str], expect: &[&str]) {
    for format in ["zarr", "hdf5"] {
        let out = stack.parent().unwrap().join(format!("run-{format}"));
        let mut args = vec![
            "invert",
            stack.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--format",
            format,
            "-q",
        ];
        args.extend_from_slice(extra);
        let res = sbas(&args);
        let err = stderr(&res);
        assert!(!res.status.success(), "{format}: succeeded on bad input");
        assert_eq!(res.status.code(), Some(1), "{format}: {err}");
        assert!(!err.contains("panicked"), "{format}: panic: {err}");
        for word in expect {
            assert!(
                err.contains(word),
                "{format}: message lacks '{word}': {err}"
            );
        }
        assert!(
            !has_complete_output(&out),
            "{format}: output looks complete after an error"
        );
    }
}

#[test]
fn missing_raster_is_named() {
    let tmp = tempfile::tempdir().unwrap();
    let s = stack(tmp.path());
    let pair = first_pair(&s);
    fs::remove_file(pair.join("filt_fine.cor")).unwrap();
    assert_fails(
        &s,
        &[],
        &["filt_fine.cor", pair.file_name().unwrap().to_str().unwrap()],
    );
}

#[test]
fn truncated_raster_is_named() {
    let tmp = tempfile::tempdir().unwrap();
    let s = stack(tmp.path());
    let unw = first_pair(&s).join("filt_fine.unw");
    let len = fs::metadata(&unw).unwrap().len();
    fs::OpenOptions::new()
        .write(true)
        .open(&unw)
        .unwrap()
        .set_len(len - 100)
        .unwrap();
    assert_fails(&s, &[], &["filt_fine.unw", "truncated"]);
}

#[test]
fn size_disagreeing_with_xml_is_named() {
    let tmp = tempfile::tempdir().unwrap();
    let s = stack(tmp.path());
    let xml = first_pair(&s).join("filt_fine.cor.xml");
    let text = fs::read_to_string(&xml).unwrap();
    // Claim one more column than the file holds, in the `width` property.
    let at = text.find("name=\"width\"").expect("a width property");
    let (head, tail) = text.split_at(at);
    let patched = format!(
        "{head}{}",
        tail.replacen("<value>30</value>", "<value>31</value>", 1)
    );
    assert_ne!(text, patched, "the test expects width 30 in the XML");
    fs::write(&xml, patched).unwrap();
    assert_fails(&s, &[], &["filt_fine.cor"]);
}

#[test]
fn unparsable_pair_folder_is_named() {
    let tmp = tempfile::tempdir().unwrap();
    let s = stack(tmp.path());
    let pair = first_pair(&s);
    fs::rename(&pair, pair.with_file_name("2020013_20200125")).unwrap();
    assert_fails(&s, &[], &["2020013_20200125"]);
}

#[test]
fn empty_stack_is_an_error() {
    let tmp = tempfile::tempdir().unwrap();
    let s = stack(tmp.path());
    let ifgs = s.join("merged/interferograms");
    fs::remove_dir_all(&ifgs).unwrap();
    fs::create_dir_all(&ifgs).unwrap();
    assert_fails(&s, &[], &["interferograms"]);
}

#[test]
fn not_a_stack_is_an_error() {
    let tmp = tempfile::tempdir().unwrap();
    assert_fails(&tmp.path().join("nothing-here"), &[], &["nothing-here"]);
}

#[test]
fn bad_reference_points_are_errors() {
    let tmp = tempfile::tempdir().unwrap();
    let s = stack(tmp.path());
    assert_fails(&s, &["--ref-yx", "24,3"], &["outside the image"]);
    assert_fails(&s, &["--ref-yx", "one,2"], &["--ref-yx"]);
    // A pixel without data in some interferogram: zero its phase in the first pair.
    let pair = first_pair(&s);
    let unw = pair.join("filt_fine.unw");
    let mut bytes = fs::read(&unw).unwrap();
    // BIL, 2 bands of 30 float32: row 5, band 2 (phase), column 7.
    let off = (5 * 2 * 30 + 30 + 7) * 4;
    bytes[off..off + 4].copy_from_slice(&0f32.to_le_bytes());
    fs::write(&unw, bytes).unwrap();
    assert_fails(
        &s,
        &["--ref-yx", "5,7"],
        &["no data", pair.file_name().unwrap().to_str().unwrap()],
    );
}

#[test]
fn bad_options_are_errors() {
    let tmp = tempfile::tempdir().unwrap();
    let s = stack(tmp.path());
    assert_fails(&s, &["--max-memory", "lots"], &["--max-memory"]);
    assert_fails(&s, &["--max-memory", "1KiB"], &["too small"]);
    assert_fails(&s, &["--min-temp-coh", "1.5"], &["--min-temp-coh"]);
    assert_fails(
        &s,
        &["--meta", "WAVELENGTH=green"],
        &["WAVELENGTH must be a number"],
    );
    assert_fails(&s, &["--meta", "NCORRLOOKS"], &["KEY=VALUE"]);
    assert_fails(&s, &["--sync-every=-1"], &["--sync-every", "seconds >= 0"]);
    assert_fails(&s, &["--sync-every", "nan"], &["--sync-every"]);
}

#[test]
fn disconnected_network_warns_and_solves() {
    let tmp = tempfile::tempdir().unwrap();
    let s = small_stack(tmp.path(), 24, 30, 8, Effects::noise_free(), 12);
    // Remove every pair that bridges the 4th and 5th dates: the network falls into two parts.
    let dates: Vec<String> = {
        let mut d: Vec<String> = fs::read_dir(s.join("merged/interferograms"))
            .unwrap()
            .flat_map(|e| {
                let n = e.unwrap().file_name().into_string().unwrap();
                vec![n[..8].to_string(), n[9..].to_string()]
            })
            .collect();
        d.sort();
        d.dedup();
        d
    };
    let split = &dates[4];
    for e in fs::read_dir(s.join("merged/interferograms")).unwrap() {
        let p = e.unwrap().path();
        let n = p.file_name().unwrap().to_str().unwrap().to_string();
        if n[..8] < *split.as_str() && n[9..] >= *split.as_str() {
            fs::remove_dir_all(&p).unwrap();
        }
    }
    let out = tmp.path().join("run");
    let res = sbas(&[
        "invert",
        s.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--ref-yx",
        "12,15",
    ]);
    let err = stderr(&res);
    assert!(res.status.success(), "{err}");
    assert!(err.contains("falls apart"), "{err}");
    assert!(
        err.contains(&dates[3]) && err.contains(split.as_str()),
        "{err}"
    );
    assert!(has_complete_output(&out));
}
