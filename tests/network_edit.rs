//! Network editing: agreement with MintPy 1.6.4's modify_network on the committed fixture, and
//! `sbas invert` with edit flags.

use crate::common;

use std::path::{Path, PathBuf};

use sbas::network_edit::{mean_coherence, pairs_to_drop, NetworkEdit};
use sbas::source::open_stack;

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// MintPy's `coherenceSpatialAvg.txt`: (date12, mean) per pair.
fn mintpy_means() -> Vec<(String, f32)> {
    let text =
        std::fs::read_to_string(fixture().join("mintpy_chain/network/coherenceSpatialAvg.txt"))
            .unwrap();
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            (f[0].to_string(), f[1].parse().unwrap())
        })
        .collect()
}

#[test]
fn coherence_average_and_drops_match_mintpy() {
    let stack = open_stack(&fixture().join("mintpy_small/stack")).unwrap();
    let net = &stack.info().network;
    // Strips of 7 rows: the average must not depend on the strip height.
    let ours = mean_coherence(stack.as_ref(), None, true, 7).unwrap();
    let theirs = mintpy_means();
    assert_eq!(ours.len(), theirs.len());
    for (i, (name, m)) in theirs.iter().enumerate() {
        assert_eq!(&net.pair_name(i), name);
        assert!(
            (ours[i] - m).abs() < 1e-6,
            "{name}: sbas {} MintPy {m}",
            ours[i]
        );
    }
    let edit = NetworkEdit {
        min_coherence: Some(0.75),
        ..NetworkEdit::default()
    };
    let dropped = pairs_to_drop(net, &edit, Some(&ours)).unwrap();
    let names: Vec<String> = dropped.iter().map(|&i| net.pair_name(i)).collect();
    let expected: Vec<String> =
        std::fs::read_to_string(fixture().join("mintpy_chain/network/dropped_coherence_0.75.txt"))
            .unwrap()
            .lines()
            .map(str::to_string)
            .collect();
    assert_eq!(names, expected);
}

#[test]
fn invert_with_edit_flags_drops_dates_and_pairs() {
    let tmp = tempfile::tempdir().unwrap();
    let stack = common::small_stack(
        tmp.path(),
        16,
        20,
        8,
        sbas::simulate::Effects::noise_free(),
        3,
    );
    let out = tmp.path().join("run");
    let o = common::sbas(&[
        "invert",
        stack.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--exclude-date",
        "20200125",
        "--exclude-pair",
        "20200206_20200218",
        "--max-temp-baseline",
        "30",
        "--ref-yx",
        "8,10",
        "-q",
    ]);
    assert!(o.status.success(), "{}", common::stderr(&o));
    let r = sbas::product::inversion::RunResults::open(&out).unwrap();
    let dates: Vec<String> = r.dates().iter().map(|d| d.to_string()).collect();
    assert_eq!(dates.len(), 7, "one date excluded: {dates:?}");
    assert!(!dates.contains(&"20200125".to_string()));

    // Other edit settings are other settings: the run is refused without --restart.
    let o = common::sbas(&[
        "invert",
        stack.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--ref-yx",
        "8,10",
        "-q",
    ]);
    assert!(!o.status.success());
    assert!(common::stderr(&o).contains("network exclude-date"));

    // Bad values are refused before any work.
    for args in [
        ["--exclude-date", "2020"],
        ["--exclude-pair", "20200101"],
        ["--min-coherence", "1.5"],
        ["--max-temp-baseline", "-1"],
    ] {
        let o = common::sbas(&[
            "invert",
            stack.to_str().unwrap(),
            "--out",
            tmp.path().join("bad").to_str().unwrap(),
            args[0],
            args[1],
        ]);
        assert!(!o.status.success(), "{args:?}");
    }
}
