//! Helpers shared by the end-to-end tests.
#![allow(dead_code)]

pub mod unwrap;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use sbas::simulate::{simulate, Effects, SimConfig};
use sbas::source::{open_stack, GeomLayer, StackLayer, StackSource};
use sbas::window::Window;

/// A small simulated stack in a fresh temporary folder.
pub fn small_stack(
    dir: &Path,
    rows: usize,
    cols: usize,
    dates: usize,
    effects: Effects,
    seed: u64,
) -> PathBuf {
    let stack = dir.join("stack");
    let cfg = SimConfig {
        rows,
        cols,
        num_dates: dates,
        neighbors: 3,
        seed,
        effects,
        ..SimConfig::default()
    };
    simulate(&stack, &cfg).expect("simulating a test stack");
    stack
}

/// Runs the `sbas` binary with arguments.
pub fn sbas(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_sbas"))
        .args(args)
        .output()
        .expect("starting the sbas binary")
}

/// Standard error of a finished process as text.
pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Whether `dir` holds anything that looks like a complete result.
pub fn has_complete_output(dir: &Path) -> bool {
    if !dir.exists() {
        return false;
    }
    let h5_done = ["timeseries.h5", "temporalCoherence.h5", "maskTempCoh.h5"]
        .iter()
        .any(|f| dir.join(f).exists());
    let zarr_done = sbas::product::inversion::RunResults::open(dir)
        .map(|r| r.is_complete())
        .unwrap_or(false);
    h5_done || zarr_done
}

/// Every pair's `layer` of a stack, whole.
pub fn whole(s: &dyn StackSource, layer: StackLayer) -> Vec<f32> {
    let i = s.info();
    let mut v = vec![0f32; i.network.num_pairs() * i.length * i.width];
    s.read_stack(layer, &Window::full(i.length, i.width), &mut v)
        .expect("reading the stack");
    v
}

/// A geometry layer of a stack, whole.
pub fn geometry(s: &dyn StackSource, layer: GeomLayer) -> Vec<f32> {
    let i = s.info();
    let mut v = vec![0f32; i.length * i.width];
    s.read_geometry(layer, &Window::full(i.length, i.width), &mut v)
        .expect("reading the geometry");
    v
}

/// Bit-identical, NaN equal to NaN.
pub fn same_bits(a: &[f32], b: &[f32]) -> bool {
    a.len() == b.len()
        && a.iter()
            .zip(b)
            .all(|(x, y)| x.to_bits() == y.to_bits() || (x.is_nan() && y.is_nan()))
}

/// The error (with its causes) of opening a stack that must not open.
pub fn open_err(p: &Path) -> String {
    match open_stack(p) {
        Ok(_) => panic!("{} opened", p.display()),
        Err(e) => format!("{e:#}"),
    }
}

/// Inverts the geocoded stack at `stack` into HDF5 (reference coherence lowered to 0.3 for the
/// small simulated stacks, plus `extra` arguments) and asserts that `timeseries.h5`'s root
/// attributes hold each `(key, value)` of `want`: the map grid and metadata a reader hands on.
pub fn assert_inverted_attributes(stack: &Path, extra: &[&str], want: &[(&str, &str)]) {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let mut args = vec![
        "invert",
        stack.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--format",
        "hdf5",
        "--min-ref-coherence",
        "0.3",
    ];
    args.extend_from_slice(extra);
    let o = sbas(&args);
    assert!(o.status.success(), "{}", stderr(&o));
    let ts = out.join("timeseries.h5");
    let f = hdf5::File::open(&ts).unwrap();
    let attrs = sbas::source::mintpy_h5::read_root_attributes(&f, &ts).unwrap();
    for (k, v) in want {
        assert_eq!(attrs.get(k), Some(*v), "{k}");
    }
}

/// Every file below `dir` (skipping folders named `.sbas`, the run state), by path relative to
/// `dir`, with its bytes, sorted: two runs compared byte for byte.
pub fn files_with_bytes(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.file_name().is_some_and(|n| n == ".sbas") {
                continue;
            }
            if p.is_dir() {
                todo.push(p);
            } else {
                out.push((
                    p.strip_prefix(dir).unwrap().to_path_buf(),
                    std::fs::read(&p).unwrap(),
                ));
            }
        }
    }
    out.sort();
    out
}

/// Runs `sbas run` up to `invert_network` (HDF5) in `work` on the simulated ISCE stack `stack`
/// with MintPy's `mintpy.unwrapError.method = METHOD` and reference pixel `reference`, asserts
/// that the unwrapping-error step ran, and returns its standard output.
pub fn run_unwrap_template(
    stack: &Path,
    work: &Path,
    reference: (usize, usize),
    method: &str,
) -> String {
    std::fs::create_dir_all(work).unwrap();
    let tpl = work.join("template.txt");
    let s = stack.display();
    let text = format!(
        "mintpy.load.processor = isce\n\
         mintpy.load.unwFile = {s}/merged/interferograms/*/filt*.unw\n\
         mintpy.load.corFile = {s}/merged/interferograms/*/filt*.cor\n\
         mintpy.load.connCompFile = {s}/merged/interferograms/*/filt*.unw.conncomp\n\
         mintpy.load.demFile = {s}/merged/geom_reference/hgt.rdr\n\
         mintpy.load.waterMaskFile = {s}/merged/geom_reference/waterMask.rdr\n\
         mintpy.load.baselineDir = {s}/baselines\n\
         mintpy.reference.yx = {},{}\n\
         mintpy.unwrapError.method = {method}\n",
        reference.0, reference.1
    );
    std::fs::write(&tpl, text).unwrap();
    let o = sbas(&[
        "run",
        tpl.to_str().unwrap(),
        "--dir",
        work.to_str().unwrap(),
        "--format",
        "hdf5",
        "--end",
        "invert_network",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = String::from_utf8_lossy(&o.stdout).to_string();
    assert!(out.contains("correct_unwrap_error   done"), "{out}");
    out
}

/// Inverts the simulated stack at `stack` into `out` (Zarr, automatic reference point) and
/// asserts the time series recovers the simulation's truth in `truth_dir`: most pixels solved,
/// RMSE under 4 mm.
pub fn assert_inversion_recovers_truth(stack: &Path, truth_dir: &Path, out: &Path) {
    use sbas::assess::timeseries_error;
    use sbas::product::inversion::{OutputFormat, RunResults};
    use sbas::simulate::Truth;
    use sbas::survey::RefRequest;
    use sbas::workflow::{invert_stack, InvertOptions};
    let truth = Truth::load(truth_dir).unwrap();
    let opts = InvertOptions {
        format: OutputFormat::Zarr,
        reference: RefRequest::Auto { min_coherence: 0.8 },
        max_memory: 1 << 30,
        ..InvertOptions::default()
    };
    invert_stack(stack, out, &opts).unwrap();
    let err = timeseries_error(&RunResults::open(out).unwrap(), &truth).unwrap();
    assert!(err.pixels as f64 > 0.6 * err.total_pixels as f64, "{err:?}");
    assert!(err.rmse_m < 0.004, "{err:?}");
}
