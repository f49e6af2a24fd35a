//! Comparison of inversion results with a simulator's ground truth: the error a user of the demo
//! sees, and what the accuracy tests assert.

use anyhow::{ensure, Context};

use crate::product::inversion::RunResults;
use crate::simulate::Truth;
use crate::window::Window;

/// Error of a time series against the truth, over the pixels of `maskTempCoh`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TruthError {
    /// Pixels compared (in maskTempCoh).
    pub pixels: usize,
    /// Pixels in the image.
    pub total_pixels: usize,
    /// Root-mean-square error over all dates and compared pixels, metres.
    pub rmse_m: f64,
    /// 95th percentile of the absolute error, metres.
    pub p95_abs_m: f64,
    /// Largest absolute error, metres.
    pub max_abs_m: f64,
}

/// Compares the time series of a run with the truth. Both are re-referenced to the run's
/// reference point (`REF_Y`, `REF_X`) and first date, as the inversion's results are.
pub fn timeseries_error(results: &RunResults, truth: &Truth) -> anyhow::Result<TruthError> {
    let (rows, cols) = truth.shape();
    ensure!(
        results.length() == rows && results.width() == cols,
        "the run is {} x {} pixels but the truth {rows} x {cols}",
        results.length(),
        results.width()
    );
    ensure!(
        results.dates() == truth.dates(),
        "the run and the truth have different dates"
    );
    let attr = |k: &str| -> anyhow::Result<usize> {
        Ok(results
            .attrs()
            .get_f64(k)
            .with_context(|| format!("reading {k} of the run"))? as usize)
    };
    let (ry, rx) = (attr("REF_Y")?, attr("REF_X")?);
    let full = Window::full(rows, cols);
    let ts = results.read_timeseries(full)?;
    let mask = results.read_layer("maskTempCoh", full)?;
    let px = rows * cols;
    let mut errors = Vec::new();
    for k in 0..results.dates().len() {
        let t = truth.timeseries_layer(k);
        let t_ref = t[ry * cols + rx] - truth.timeseries_layer(0)[ry * cols + rx];
        let t0 = truth.timeseries_layer(0);
        for p in 0..px {
            if mask[p] != 0.0 {
                let expected = (t[p] - t0[p]) as f64 - t_ref as f64;
                errors.push((ts[k * px + p] as f64 - expected).abs());
            }
        }
    }
    let pixels = mask.iter().filter(|&&m| m != 0.0).count();
    ensure!(pixels > 0, "no pixel passed the temporal-coherence mask");
    let rmse = (errors.iter().map(|e| e * e).sum::<f64>() / errors.len() as f64).sqrt();
    errors.sort_by(|a, b| a.total_cmp(b));
    let p95 = errors[((errors.len() as f64 * 0.95) as usize).min(errors.len() - 1)];
    Ok(TruthError {
        pixels,
        total_pixels: px,
        rmse_m: rmse,
        p95_abs_m: p95,
        max_abs_m: *errors.last().unwrap_or(&0.0),
    })
}

/// A checksum of everything a run's results hold: dates, baselines, root attributes and every
/// value of the time series and maps (FNV-1a over their bit patterns). Two runs with equal
/// checksums hold bit-identical results, whatever their file layout.
pub fn results_checksum(results: &RunResults) -> anyhow::Result<u64> {
    let mut h = Fnv::new();
    h.header(results.dates(), results.bperp(), results.attrs());
    let n = results.dates().len();
    for w in checksum_strips(results.length(), results.width(), n) {
        h.values(&results.read_timeseries(w)?);
        for name in crate::product::inversion::LAYER_NAMES {
            h.values(&results.read_layer(name, w)?);
        }
    }
    Ok(h.0)
}

/// A checksum of one product: its dates, baselines, attributes (but the completion mark) and
/// every value of every dataset, read in strips of at most ~16 Mi values. Equal checksums = the
/// same content, whatever the format (HDF5 files also hold object times, so their bytes differ
/// from run to run even when their content does not).
pub fn product_checksum(p: &crate::product::Product) -> anyhow::Result<u64> {
    let mut h = Fnv::new();
    h.header(p.dates(), p.bperp(), p.attrs());
    for name in p.dataset_names() {
        h.bytes(name.as_bytes());
        for w in checksum_strips(p.length(), p.width(), p.dates().len()) {
            h.values(&p.read(&name, w)?);
        }
    }
    Ok(h.0)
}

/// Row strips of at most ~16 Mi values (`n` dates per pixel), so that checksums of large runs
/// stay small in memory.
fn checksum_strips(rows: usize, cols: usize, n: usize) -> impl Iterator<Item = Window> {
    let step = ((16usize << 20) / (cols * n.max(1)).max(1)).clamp(1, rows.max(1));
    (0..rows).step_by(step).map(move |y0| Window {
        y0,
        y1: (y0 + step).min(rows),
        x0: 0,
        x1: cols,
    })
}

struct Fnv(u64);

impl Fnv {
    fn new() -> Fnv {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
    /// Dates, baselines and attributes (but the completion mark, which a finished and an
    /// unfinished copy of the same content differ by).
    fn header(
        &mut self,
        dates: &[crate::meta::Date],
        bperp: &[f32],
        attrs: &crate::meta::Attributes,
    ) {
        for d in dates {
            self.bytes(d.to_string().as_bytes());
        }
        for b in bperp {
            self.bytes(&b.to_bits().to_le_bytes());
        }
        for (k, v) in attrs.iter() {
            if k != crate::product::inversion::COMPLETE_ATTR {
                self.bytes(k.as_bytes());
                self.bytes(v.as_bytes());
            }
        }
    }

    fn values(&mut self, v: &[f32]) {
        for x in v {
            self.bytes(&x.to_bits().to_le_bytes());
        }
    }

    fn bytes(&mut self, b: &[u8]) {
        for &x in b {
            self.0 ^= x as u64;
            self.0 = self.0.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
}
