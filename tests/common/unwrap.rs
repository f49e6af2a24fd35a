//! The setup the unwrapping-error tests share: the 120 x 150 simulated stacks of the MintPy
//! fixtures (`scripts/make-mintpy-unwrap-fixture.sh`), `sbas correct unwrap` and `sbas invert`
//! on them, corrections as dense arrays, and the time-series error against the truth.

use std::path::{Path, PathBuf};

use sbas::product::Product;
use sbas::simulate::Truth;
use sbas::source::unwrap_fix::UnwrapFix;
use sbas::window::Window;

use super::{sbas, stderr};

/// Rows of the fixtures' stacks.
pub const ROWS: usize = 120;
/// Columns of the fixtures' stacks.
pub const COLS: usize = 150;
/// The reference pixel the fixtures' MintPy runs used.
pub const REF: (usize, usize) = (60, 75);

/// A fixture's stack simulated anew into `dir/stack`: 24 dates, 3 neighbours, `seed`, and the
/// `extra` arguments of the fixture script (`--unwrap-gaps`, ...).
pub fn simulate_fixture_stack(dir: &Path, seed: u64, extra: &[&str]) -> PathBuf {
    let stack = dir.join("stack");
    let seed = seed.to_string();
    let mut args = vec![
        "simulate",
        stack.to_str().unwrap(),
        "--rows",
        "120",
        "--cols",
        "150",
        "--dates",
        "24",
        "--neighbors",
        "3",
        "--seed",
        &seed,
    ];
    args.extend_from_slice(extra);
    let o = sbas(&args);
    assert!(o.status.success(), "{}", stderr(&o));
    stack
}

/// `sbas correct unwrap` of `stack` into `out` with the reference pixel [`REF`] and the `extra`
/// arguments; returns the product `dataset` it wrote.
pub fn correct(stack: &Path, out: &Path, extra: &[&str], dataset: &str) -> UnwrapFix {
    let r = format!("{},{}", REF.0, REF.1);
    let mut args = vec![
        "correct",
        "unwrap",
        stack.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--ref-yx",
        &r,
        "-q",
    ];
    args.extend_from_slice(extra);
    let o = sbas(&args);
    assert!(o.status.success(), "{}", stderr(&o));
    UnwrapFix::read(&UnwrapFix::path_in(out, dataset)).unwrap()
}

/// `scale` times the corrections, as a dense (pair, row, col) array in the order of `names`.
pub fn dense(fix: &UnwrapFix, names: &[String], scale: i32) -> Vec<i32> {
    let px = fix.length * fix.width;
    let mut out = vec![0; names.len() * px];
    for (i, name) in names.iter().enumerate() {
        let runs = &fix.pairs.iter().find(|(n, _)| n == name).unwrap().1;
        for r in runs {
            for x in r.x0..r.x1 {
                out[i * px + r.y as usize * fix.width + x as usize] = scale * r.k;
            }
        }
    }
    out
}

/// The pixels a correction changes in some interferogram.
pub fn corrected_pixels(fix: &UnwrapFix) -> Vec<bool> {
    let mut touched = vec![false; fix.length * fix.width];
    for (_, runs) in &fix.pairs {
        for r in runs {
            for x in r.x0..r.x1 {
                touched[r.y as usize * fix.width + x as usize] = true;
            }
        }
    }
    touched
}

/// The pair names (`D1_D2`) of a fixture's `cycles.h5` (its `date` dataset).
pub fn fixture_pair_names(f: &hdf5::File) -> Vec<String> {
    let dates: Vec<hdf5::types::FixedAscii<8>> = f.dataset("date").unwrap().read_raw().unwrap();
    dates
        .chunks(2)
        .map(|d| format!("{}_{}", d[0].as_str(), d[1].as_str()))
        .collect()
}

/// `sbas invert` of `stack` (HDF5, reference [`REF`], the `extra` arguments) into `run`;
/// returns the time series, `[date][row][col]`.
pub fn invert_timeseries(stack: &Path, run: &Path, extra: &[&str]) -> Vec<f32> {
    let r = format!("{},{}", REF.0, REF.1);
    let mut args = vec![
        "invert",
        stack.to_str().unwrap(),
        "--out",
        run.to_str().unwrap(),
        "--ref-yx",
        &r,
        "--format",
        "hdf5",
        "-q",
    ];
    args.extend_from_slice(extra);
    let o = sbas(&args);
    assert!(o.status.success(), "{}", stderr(&o));
    let p = Product::open(run, "timeseries").unwrap();
    p.read("timeseries", Window::full(ROWS, COLS)).unwrap()
}

/// The simulation's truth of a stack, to measure inverted time series against.
pub struct TruthSeries {
    truth: Vec<f32>,
    dates: usize,
}

impl TruthSeries {
    /// The truth of the stack at `stack`.
    pub fn load(stack: &Path) -> TruthSeries {
        let t = Truth::load(&stack.join("truth")).unwrap();
        TruthSeries {
            truth: t.timeseries().to_vec(),
            dates: t.dates().len(),
        }
    }

    /// Number of dates.
    pub fn dates(&self) -> usize {
        self.dates
    }

    /// RMS (m) over dates and the pixels `sel` picks of `ts` minus the truth, both relative to
    /// [`REF`]; NaN samples are left out.
    pub fn rmse(&self, ts: &[f32], sel: &dyn Fn(usize) -> bool) -> f64 {
        let px = ROWS * COLS;
        let r = REF.0 * COLS + REF.1;
        let t = &self.truth;
        let (mut s, mut c) = (0.0f64, 0usize);
        for p in (0..px).filter(|&p| sel(p)) {
            for d in 0..self.dates {
                let (got, want) = (ts[d * px + p], t[d * px + p] - t[d * px + r]);
                if got.is_finite() {
                    s += f64::from(got - want).powi(2);
                    c += 1;
                }
            }
        }
        (s / c.max(1) as f64).sqrt()
    }
}
