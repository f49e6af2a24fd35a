//! Residual RMS per date and the dates it singles out (MintPy `timeseries_rms.py`,
//! `utils1.get_residual_rms`, `utils0.median_abs_deviation_threshold`). Pure.

use crate::meta::pyfmt::py_f64;
use crate::meta::Date;

// The residual-RMS step itself (it reads and writes products) is `crate::correct::residual_rms`,
// which uses this module; nothing here uses it back.

/// MintPy's scale of the median absolute deviation, so that it estimates a standard deviation.
pub const MAD_SCALE: f64 = 0.67449;

/// Sums of squares per date over the mask, accumulated strip by strip.
#[derive(Debug, Clone)]
pub struct RmsAccumulator {
    sum_sq: Vec<f64>,
    count: Vec<u64>,
}

impl RmsAccumulator {
    /// An empty accumulator for `num_dates` dates.
    pub fn new(num_dates: usize) -> RmsAccumulator {
        RmsAccumulator {
            sum_sq: vec![0.0; num_dates],
            count: vec![0; num_dates],
        }
    }

    /// Adds one date's values of a strip; `mask` (same length) selects the pixels. NaN values
    /// are skipped (MintPy's `nanmean`); zeros count.
    pub fn add(&mut self, date_index: usize, data: &[f32], mask: &[bool]) {
        let (mut s, mut c) = (0.0f64, 0u64);
        for (&v, &m) in data.iter().zip(mask) {
            if m && !v.is_nan() {
                s += v as f64 * v as f64;
                c += 1;
            }
        }
        self.sum_sq[date_index] += s;
        self.count[date_index] += c;
    }

    /// RMS per date; NaN for a date without any pixel. MintPy computes in single precision, so
    /// the values are rounded to f32.
    pub fn rms(&self) -> Vec<f32> {
        self.sum_sq
            .iter()
            .zip(&self.count)
            .map(|(&s, &c)| {
                if c == 0 {
                    f32::NAN
                } else {
                    (s / c as f64).sqrt() as f32
                }
            })
            .collect()
    }
}

/// Median of the finite values (numpy `nanmedian`: mean of the two middle values for an even
/// count); NaN when there are none.
pub fn nan_median(values: &[f64]) -> f64 {
    let mut v: Vec<f64> = values.iter().copied().filter(|x| !x.is_nan()).collect();
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_by(f64::total_cmp);
    let m = v.len() / 2;
    if v.len() % 2 == 1 {
        v[m]
    } else {
        (v[m - 1] + v[m]) / 2.0
    }
}

/// MintPy's outlier threshold `center + cutoff * MAD` with `MAD = median(|x - center|) / 0.67449`;
/// the residual RMS uses `center = 0`.
pub fn mad_threshold(values: &[f64], center: f64, cutoff: f64) -> f64 {
    let dev: Vec<f64> = values.iter().map(|v| (v - center).abs()).collect();
    center + cutoff * nan_median(&dev) / MAD_SCALE
}

/// What the residual RMS singles out.
#[derive(Debug, Clone, PartialEq)]
pub struct RmsAnalysis {
    /// Index of the date with the smallest RMS (MintPy's reference date candidate).
    pub min_index: usize,
    /// RMS above this value marks a date as an outlier.
    pub threshold: f64,
    /// Indices of the dates with RMS above the threshold, in date order.
    pub excluded: Vec<usize>,
}

/// Finds the minimum-RMS date (first one on ties, as `argmin`; NaN never wins) and the
/// dates with RMS above `cutoff * MAD`.
pub fn analyze(rms: &[f32], cutoff: f64) -> anyhow::Result<RmsAnalysis> {
    let values: Vec<f64> = rms.iter().map(|&v| v as f64).collect();
    let min_index = values
        .iter()
        .enumerate()
        .filter(|(_, v)| !v.is_nan())
        .fold(None, |best: Option<(usize, f64)>, (i, &v)| match best {
            Some((_, b)) if b <= v => best,
            _ => Some((i, v)),
        })
        .map(|(i, _)| i)
        .ok_or_else(|| anyhow::anyhow!("no date has a residual RMS (empty mask?)"))?;
    let threshold = mad_threshold(&values, 0.0, cutoff);
    let excluded = values
        .iter()
        .enumerate()
        .filter(|(_, &v)| v > threshold)
        .map(|(i, _)| i)
        .collect();
    Ok(RmsAnalysis {
        min_index,
        threshold,
        excluded,
    })
}

/// The text of MintPy's `rms_<stem>.txt`: a `#` header naming the files, then `date<TAB>rms`
/// lines, the RMS printed as Python prints the single-precision value widened to double.
pub fn report_text(ts_file: &str, mask_file: &str, dates: &[Date], rms: &[f32]) -> String {
    let mut s = String::new();
    s.push_str("# Root Mean Square in space for each acquisition of time-series\n");
    s.push_str(&format!("# Timeseries file: {ts_file}\n"));
    s.push_str(&format!("# Mask file: {mask_file}\n"));
    s.push_str("# Date\t\tRMS (m)\n");
    for (d, &v) in dates.iter().zip(rms) {
        s.push_str(&format!("{d}\t{}\n", py_f64(v as f64)));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rms_over_the_mask_counts_zeros_and_skips_nan() {
        let mut acc = RmsAccumulator::new(2);
        acc.add(0, &[3.0, 4.0, 100.0], &[true, true, false]);
        acc.add(1, &[0.0, f32::NAN, 2.0], &[true, true, true]);
        let r = acc.rms();
        assert!((r[0] - (12.5f32).sqrt()).abs() < 1e-6);
        assert!((r[1] - (2.0f32).sqrt()).abs() < 1e-6);
        assert!(RmsAccumulator::new(1).rms()[0].is_nan());
    }

    #[test]
    fn mad_threshold_by_hand() {
        // |x| = 1, 2, 3, 4, 10 -> median 3 -> MAD 3 / 0.67449; threshold 3 MAD.
        let t = mad_threshold(&[1.0, -2.0, 3.0, 4.0, 10.0], 0.0, 3.0);
        assert!((t - 9.0 / 0.67449).abs() < 1e-12);
        // Even count: median of 1, 2, 3, 4 is 2.5.
        assert!((nan_median(&[4.0, 1.0, f64::NAN, 3.0, 2.0]) - 2.5).abs() < 1e-15);
    }

    #[test]
    fn analysis_finds_the_minimum_and_the_outliers() {
        let rms = [0.003f32, 0.002, 0.0031, 0.03, 0.0029, f32::NAN];
        let a = analyze(&rms, 3.0).unwrap();
        assert_eq!(a.min_index, 1);
        assert_eq!(a.excluded, vec![3]);
        assert!(analyze(&[f32::NAN], 3.0).is_err());
    }

    #[test]
    fn report_matches_mintpy_text() {
        let dates = [
            Date::parse("20200101").unwrap(),
            Date::parse("20200113").unwrap(),
        ];
        let t = report_text(
            "timeseriesResidual_ramp.h5",
            "maskTempCoh.h5",
            &dates,
            &[0.002596337f32, 0.0038696604],
        );
        let expected = "# Root Mean Square in space for each acquisition of time-series\n\
                        # Timeseries file: timeseriesResidual_ramp.h5\n\
                        # Mask file: maskTempCoh.h5\n\
                        # Date\t\tRMS (m)\n\
                        20200101\t0.002596337115392089\n\
                        20200113\t0.0038696604315191507\n";
        assert_eq!(t, expected);
    }
}
