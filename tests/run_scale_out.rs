//! `sbas run TEMPLATE` split into `--prepare`, parts and `--finalize` (separate processes, one
//! part from SLURM's array variables) leaves every product of the plain `sbas run` byte for
//! byte; bad use is refused with clear errors.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::common::{files_with_bytes, sbas, small_stack, stderr};
use sbas::simulate::Effects;

/// The whole chain with a ramp and geocoding, and a budget that makes several chunks (and at
/// least three strips of the DEM error and velocity passes).
const TEMPLATE: &str = "\
mintpy.load.processor      = isce
mintpy.load.unwFile        = ../stack/merged/interferograms/*/filt*.unw
mintpy.load.corFile        = ../stack/merged/interferograms/*/filt*.cor
mintpy.load.demFile        = ../stack/merged/geom_reference/hgt.rdr
mintpy.load.lookupYFile    = ../stack/merged/geom_reference/lat.rdr
mintpy.load.lookupXFile    = ../stack/merged/geom_reference/lon.rdr
mintpy.load.incAngleFile   = ../stack/merged/geom_reference/los.rdr
mintpy.load.baselineDir    = ../stack/baselines
mintpy.compute.maxMemory   = 0.04699
mintpy.troposphericDelay.method = no
mintpy.deramp              = linear
mintpy.save.kmz            = no
mintpy.plot                = no
";

fn run(tpl: &Path, work: &Path, extra: &[&str]) -> Output {
    let mut a = vec![
        "run",
        tpl.to_str().unwrap(),
        "--dir",
        work.to_str().unwrap(),
    ];
    a.extend_from_slice(extra);
    sbas(&a)
}

/// Whether `sbas run`'s step list says `step` was done.
fn done(text: &str, step: &str) -> bool {
    text.lines()
        .any(|l| l.trim_start().starts_with(step) && l.ends_with("done"))
}

/// A finalize of a finished split run: every step up to date, nothing redone.
fn o_last(tpl: &Path, work: &Path) -> Output {
    let o = ok(run(tpl, work, &["--finalize"]));
    let text = String::from_utf8_lossy(&o.stdout).to_string();
    assert!(!done(&text, "velocity"), "{text}");
    o
}

fn ok(o: Output) -> Output {
    assert!(o.status.success(), "{}", stderr(&o));
    o
}

fn refused(o: Output, needle: &str) {
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        stderr(&o).contains(needle),
        "want '{needle}' in: {}",
        stderr(&o)
    );
}

#[test]
fn prepare_parts_finalize_equal_the_plain_run_byte_for_byte() {
    let tmp = tempfile::tempdir().unwrap();
    small_stack(tmp.path(), 90, 30, 8, Effects::all(), 17);
    let tpl = tmp.path().join("template.txt");
    fs::write(&tpl, TEMPLATE).unwrap();
    let plain = tmp.path().join("plain");
    let split = tmp.path().join("split");
    ok(run(&tpl, &plain, &[]));

    refused(run(&tpl, &split, &["--part", "1/3"]), "never prepared");
    refused(run(&tpl, &split, &["--finalize"]), "never prepared");
    refused(
        run(&tpl, &split, &["--prepare", "--end", "reference_point"]),
        "leave out",
    );
    let o = ok(run(&tpl, &split, &["--prepare", "--parts", "3"]));
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.contains("quick_overview         done"), "{text}");
    assert!(
        !split.join("timeseries.h5").exists(),
        "prepare inverts nothing"
    );
    let info = ok(sbas(&["info", split.to_str().unwrap()]));
    let info = String::from_utf8_lossy(&info.stdout);
    assert!(
        info.contains("`sbas run TEMPLATE ... --part I/N`") && info.contains("part 3/3: 0 of"),
        "{info}"
    );
    refused(run(&tpl, &split, &["--part", "5/4"]), "--part");
    refused(run(&tpl, &split, &["--part", "1/4"]), "3 parts");
    refused(sbas(&["finalize", split.to_str().unwrap()]), "--dir");

    ok(run(&tpl, &split, &["--part", "1/3"]));
    refused(run(&tpl, &split, &["--finalize"]), "part 2/3");
    // Part 2 as a SLURM array task (ids 5..7, so the minimum matters).
    let o = Command::new(env!("CARGO_BIN_EXE_sbas"))
        .args([
            "run",
            tpl.to_str().unwrap(),
            "--dir",
            split.to_str().unwrap(),
        ])
        .env("SLURM_ARRAY_TASK_ID", "6")
        .env("SLURM_ARRAY_TASK_COUNT", "3")
        .env("SLURM_ARRAY_TASK_MIN", "5")
        .output()
        .unwrap();
    let o = ok(o);
    assert!(
        stderr(&o).contains("part 2/3 (from SLURM_ARRAY_TASK_ID=6"),
        "{}",
        stderr(&o)
    );
    assert!(
        !split.join("velocity.h5").exists(),
        "a part runs no later step"
    );
    ok(run(&tpl, &split, &["--part", "3/3"]));
    // The first finalize closes the inversion, runs deramp (image-wide) and opens the DEM
    // error's stage; the second closes it, runs residual_RMS and reference_date and opens the
    // velocity's; the third closes that and geocodes.
    let o = ok(run(&tpl, &split, &["--finalize"]));
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(
        done(&text, "invert_network") && done(&text, "deramp"),
        "{text}"
    );
    assert!(
        text.contains("correct_topography     its parts are due"),
        "{text}"
    );
    assert!(
        !split.join("demErr.h5").exists(),
        "the finalize solves no DEM error"
    );
    for step in ["correct_topography", "velocity"] {
        refused(run(&tpl, &split, &["--finalize"]), "part 2/3: strip");
        ok(run(&tpl, &split, &["--part", "1/3"]));
        ok(run(&tpl, &split, &["--part", "3/3"]));
        // `sbas info` names the open stage and each part's strips (part 2 not started).
        let info = ok(sbas(&["info", split.to_str().unwrap()]));
        let info = String::from_utf8_lossy(&info.stdout).to_string();
        let line = info
            .lines()
            .find(|l| {
                l.trim_start()
                    .starts_with(&format!("{step}: strips done of "))
            })
            .unwrap_or("");
        assert!(
            info.contains(&format!("stage open: {step}"))
                && line.contains("part 1/3: ")
                && line.contains("part 3/3: ")
                && !line.contains("part 2/3: "),
            "{info}"
        );
        refused(run(&tpl, &split, &["--finalize"]), "part 2/3: strip");
        ok(run(&tpl, &split, &["--part", "2/3"]));
        let o = ok(run(&tpl, &split, &["--finalize"]));
        let text = String::from_utf8_lossy(&o.stdout);
        assert!(done(&text, step), "{step} in:\n{text}");
        // Each part computed the strips it owns, and they cover the image.
        let logs = split.join(".sbas/parts").join(step);
        let mut all = Vec::new();
        for i in 1..=3 {
            let log = fs::read_to_string(logs.join(format!("{i}-of-3.done"))).unwrap();
            let ids: Vec<usize> = log.lines().skip(1).map(|l| l.parse().unwrap()).collect();
            assert!(!ids.is_empty(), "part {i}/3 of {step} computed nothing");
            assert!(
                ids.iter().all(|c| c % 3 == i - 1),
                "{step} part {i}: {ids:?}"
            );
            all.extend(ids);
        }
        all.sort();
        assert_eq!(all, (0..all.len()).collect::<Vec<_>>(), "{step}");
        assert!(!logs.join("strips").exists(), "kept strips are removed");
    }
    let text = String::from_utf8_lossy(&o_last(&tpl, &split).stdout).to_string();
    for step in ["velocity", "geocode"] {
        assert!(text.contains(step), "{text}");
    }
    assert!(
        stderr(&ok(run(&tpl, &split, &["--part", "1/3"]))).contains("nothing to do"),
        "a part after the last stage"
    );

    let (want, got) = (files_with_bytes(&plain), files_with_bytes(&split));
    let names = |v: &[(PathBuf, Vec<u8>)]| v.iter().map(|f| f.0.clone()).collect::<Vec<_>>();
    assert_eq!(names(&got), names(&want));
    assert!(
        want.iter().any(|f| f.0.ends_with("geo_velocity.h5")),
        "the chain ran to geocode"
    );
    for (w, g) in want.iter().zip(&got) {
        assert!(w.1 == g.1, "{} differs", w.0.display());
    }
}
