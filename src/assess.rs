//! Comparison of inversion results with a simulator's ground truth: the error a user of the demo
//! sees, and what the accuracy tests assert.

use anyhow::{ensure, Context};

use crate::simulate::Truth;
use crate::sink::RunResults;
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
