//! `sbas run TEMPLATE`: steps in MintPy's order from a MintPy template, update mode, the
//! external-delay step, subset and network settings, and refusals.

use crate::common;

use std::path::{Path, PathBuf};

use sbas::meta::Attributes;
use sbas::product::inversion::OutputFormat;
use sbas::product::{DatasetSpec, Product, ProductSpec, ProductWriter};
use sbas::window::Window;

const TEMPLATE: &str = "\
## a MintPy template
mintpy.load.processor      = isce
mintpy.load.unwFile        = ../stack/merged/interferograms/*/filt*.unw
mintpy.load.corFile        = ../stack/merged/interferograms/*/filt*.cor
mintpy.load.demFile        = ../stack/merged/geom_reference/hgt.rdr
mintpy.load.baselineDir    = ../stack/baselines
mintpy.subset.yx           = 2:18,0:20
mintpy.reference.yx        = 6,10     # in the subset
mintpy.network.tempBaseMax = 30
mintpy.compute.maxMemory   = 0.1
mintpy.compute.numWorker   = 2
mintpy.troposphericDelay.method = pyaps
mintpy.save.kmz            = no
";

/// A simulated stack next to a work folder holding the template.
fn setup(tmp: &Path) -> (PathBuf, PathBuf) {
    common::small_stack(tmp, 20, 20, 8, sbas::simulate::Effects::noise_free(), 5);
    let work = tmp.join("mintpy");
    std::fs::create_dir_all(work.join("inputs")).unwrap();
    let tpl = work.join("template.txt");
    std::fs::write(&tpl, TEMPLATE).unwrap();
    (work, tpl)
}

/// An absolute delay series `inputs/ERA5.h5` of the subset's size for every date.
fn write_delay(work: &Path, dates: &[sbas::meta::Date], length: usize, width: usize) {
    let spec = ProductSpec {
        stem: "inputs/ERA5".into(),
        file_type: "timeseries".into(),
        length,
        width,
        dates: dates.to_vec(),
        bperp: vec![0.0; dates.len()],
        datasets: vec![DatasetSpec::series("timeseries", "m", "delay")],
        attrs: Attributes::new(),
    };
    let mut w = ProductWriter::create(work, OutputFormat::Hdf5, spec).unwrap();
    let n = dates.len();
    let data: Vec<f32> = (0..n * length * width)
        .map(|i| {
            let (k, p) = (i / (length * width), i % (length * width));
            0.01 * k as f32 + 0.0001 * (p % width) as f32
        })
        .collect();
    w.write("timeseries", Window::full(length, width), &data)
        .unwrap();
    w.finish().unwrap();
}

fn run(work: &Path, tpl: &Path, extra: &[&str]) -> std::process::Output {
    let mut args = vec![
        "run",
        tpl.to_str().unwrap(),
        "--dir",
        work.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    common::sbas(&args)
}

#[test]
fn runs_steps_in_order_and_skips_finished_ones() {
    let tmp = tempfile::tempdir().unwrap();
    let (work, tpl) = setup(tmp.path());

    // Without inputs/ERA5.h5 the troposphere step explains what it needs.
    let o = run(&work, &tpl, &["--end", "correct_troposphere"]);
    assert!(!o.status.success());
    let err = common::stderr(&o);
    assert!(err.contains("step correct_troposphere"), "{err}");
    assert!(err.contains("inputs/ERA5.h5"), "{err}");
    assert!(
        err.contains("mintpy.compute.numWorker = 2 is not supported"),
        "{err}"
    );
    let ts = Product::open(&work, "timeseries").unwrap();
    assert_eq!((ts.length(), ts.width()), (16, 20), "subset applied");
    assert_eq!(ts.attrs().get("SUBSET_YMIN"), Some("2"));
    assert_eq!(ts.attrs().get("REF_Y"), Some("6"));
    assert_eq!(ts.dates().len(), 8);

    write_delay(&work, ts.dates(), 16, 20);
    let o = run(&work, &tpl, &["--end", "correct_troposphere"]);
    assert!(o.status.success(), "{}", common::stderr(&o));
    let out = String::from_utf8_lossy(&o.stdout).to_string();
    assert!(out.contains("correct_troposphere    done"), "{out}");
    assert!(out.contains("correct_unwrap_error   off"), "{out}");

    // The delay is 0.01 m * date index + 0.0001 m * column: referenced to the reference pixel
    // and date as MintPy's diff.py does, it cancels exactly.
    let cor = Product::open(&work, "timeseries_ERA5").unwrap();
    assert_eq!(cor.dates(), ts.dates());
    let w = Window::full(16, 20);
    let a = ts.read("timeseries", w).unwrap();
    let b = cor.read("timeseries", w).unwrap();
    let worst = a
        .iter()
        .zip(&b)
        .filter(|(x, y)| x.is_finite() && y.is_finite())
        .map(|(x, y)| (x - y).abs())
        .fold(0.0f32, f32::max);
    assert!(worst < 1e-6, "referenced delay should cancel: {worst}");

    // Re-run: the inversion keeps its result and the correction is up to date.
    let o = run(&work, &tpl, &["--end", "correct_troposphere"]);
    assert!(o.status.success(), "{}", common::stderr(&o));
    let out = String::from_utf8_lossy(&o.stdout).to_string();
    assert!(out.contains("correct_troposphere    up to date"), "{out}");
    assert!(
        common::stderr(&o).contains("already holds the complete result"),
        "{}",
        common::stderr(&o)
    );

    // A changed inversion setting re-inverts (MintPy update mode) instead of refusing.
    let t2 = work.join("template2.txt");
    std::fs::write(
        &t2,
        TEMPLATE.replace("tempBaseMax = 30", "tempBaseMax = 40"),
    )
    .unwrap();
    let o = run(&work, &t2, &["--dostep", "invert_network"]);
    assert!(o.status.success(), "{}", common::stderr(&o));
    assert!(common::stderr(&o).contains("inverting again"));
}

#[test]
fn refuses_bad_templates_and_steps() {
    let tmp = tempfile::tempdir().unwrap();
    let (work, tpl) = setup(tmp.path());
    let o = run(&work, &tpl, &["--dostep", "velocty"]);
    assert!(!o.status.success());
    assert!(common::stderr(&o).contains("unknown step"));
    let o = run(&work, &tpl, &["--start", "velocity", "--end", "deramp"]);
    assert!(!o.status.success());

    for (text, expect) in [
        (
            "mintpy.load.unwFile = ../ifgs/*/unw.tif\n",
            "mintpy.load.unwFile = ",
        ),
        (
            "mintpy.load.unwFile = ../stack/merged/interferograms/*/filt_fine.unw\n\
             mintpy.deramp = cubic\n",
            "mintpy.deramp",
        ),
        (
            "mintpy.load.unwFile = ../stack/merged/interferograms/*/filt_fine.unw\n\
             mintpy.load.processor = cosicorr\n",
            "processor",
        ),
    ] {
        let t = work.join("bad.txt");
        std::fs::write(&t, text).unwrap();
        let o = run(&work, &t, &["--end", "load_data"]);
        assert!(!o.status.success(), "{text}");
        assert!(
            common::stderr(&o).contains(expect),
            "{}",
            common::stderr(&o)
        );
    }
    let o = run(&work, &work.join("missing.txt"), &[]);
    assert!(!o.status.success());
    assert!(common::stderr(&o).contains("missing.txt"));
}
