//! The `deramp` driver (MintPy `remove_ramp.py` on a time series, `utils1.run_deramp`): fits
//! one ramp per date over a mask, accumulating the normal equations strip by strip (pass 1),
//! then removes the ramps, referenced to zero at the reference pixel (pass 2). Writes
//! `<input>_ramp`.

use std::path::{Path, PathBuf};

use crate::correct::io::{self, MaskSource, TIMESERIES_DATASET};
use crate::correct::ramp::{RampAccumulator, RampFit, RampType};
use crate::product::pass::{buffers_cost, series_like, StripPass};

/// What `deramp::run` wrote.
#[derive(Debug, Clone, PartialEq)]
pub struct DerampOutputs {
    /// Stem of the output (`<input>_ramp`).
    pub stem: String,
    /// Its path.
    pub path: PathBuf,
    /// Pixels used in the fit, per date (before MintPy's decimation above a million).
    pub samples: Vec<usize>,
}

/// Removes a `ramp` from every date of the time series `input_stem` in `dir`, fitted over the
/// mask `mask` (a mask product stem such as `maskTempCoh`, or `no` for every pixel), and writes
/// `<input_stem>_ramp` in the input's format, strip by strip within `max_memory` bytes.
pub fn run(
    dir: &Path,
    input_stem: &str,
    ramp: RampType,
    mask: &str,
    max_memory: u64,
) -> anyhow::Result<DerampOutputs> {
    let ts = io::open_timeseries(dir, input_stem)?;
    let n = ts.dates().len();
    let (length, width) = (ts.length(), ts.width());
    let mask_source = MaskSource::open(dir, mask, length, width)?;
    let what = format!("time series '{input_stem}'");
    let reference = io::reference_pixel(ts.attrs(), length, width, &what)?;
    // Per pixel: the series of the strip and the mask.
    let cost = buffers_cost(4 * n + 1);

    let mut fit_pass = StripPass::new("deramp", length, width, cost, max_memory)?;
    let series = fit_pass.read(&ts, TIMESERIES_DATASET);
    let mask_input = mask_source.read_in(&mut fit_pass);
    let mut acc: Vec<RampAccumulator> = (0..n)
        .map(|_| RampAccumulator::new(ramp, length, width))
        .collect();
    let mut m = Vec::new();
    fit_pass.run(|strip| {
        let p = strip.pixels();
        io::mask_pixels(mask_input.map(|i| strip.inputs.get(i)), p, &mut m);
        let data = strip.inputs.get(series);
        for (d, a) in acc.iter_mut().enumerate() {
            a.add_strip(strip.window.y0, width, &data[d * p..(d + 1) * p], &m);
        }
        Ok(())
    })?;
    let fits: Vec<RampFit> = acc
        .iter()
        .map(|a| match reference {
            Some((y, x)) => a.fit().referenced_to(y, x),
            None => a.fit(),
        })
        .collect();

    let stem = format!("{input_stem}_ramp");
    let mut attrs = ts.attrs().clone();
    attrs.set("mintpy.deramp", ramp.name());
    attrs.set("mintpy.deramp.maskFile", mask_source.label(mask));
    let long_name = format!("displacement with a {} ramp removed", ramp.name());
    let spec = series_like(&ts, &stem, "m", &long_name, attrs);
    let mut apply_pass = StripPass::new("deramp", length, width, cost, max_memory)?;
    let series = apply_pass.read(&ts, TIMESERIES_DATASET);
    let out = apply_pass.create(dir, ts.format(), spec)?[0];
    apply_pass.run(|strip| {
        let p = strip.pixels();
        let data = strip.outputs.set(out, strip.inputs.take(series));
        for (d, fit) in fits.iter().enumerate() {
            fit.remove_from_strip(strip.window.y0, width, &mut data[d * p..(d + 1) * p]);
        }
        Ok(())
    })?;
    let path = apply_pass.finish()?.remove(0);
    Ok(DerampOutputs {
        stem,
        path,
        samples: acc.iter().map(|a| a.count()).collect(),
    })
}
