//! Temporal coherence, MintPy's inversion quality for phase:
//! `|sum_i exp(j (y_i - (B v)_i))| / M_valid` over the valid pairs, with unweighted residuals.

/// Sine and cosine of `x` to about 1e-14, for the residuals of temporal coherence. Reduces by
/// quadrants with a two-part pi/2, then short Taylor series on [-pi/4, pi/4]: branch-free and
/// several times cheaper than the library calls.
#[inline]
pub fn sin_cos(x: f64) -> (f64, f64) {
    const PI_2_HI: f64 = std::f64::consts::FRAC_PI_2;
    const PI_2_LO: f64 = 6.123_233_995_736_766e-17;
    let k = (x * std::f64::consts::FRAC_2_PI).round();
    let t = (x - k * PI_2_HI) - k * PI_2_LO;
    let t2 = t * t;
    let s = t
        * (1.0
            + t2 * (-1.0 / 6.0
                + t2 * (1.0 / 120.0
                    + t2 * (-1.0 / 5040.0
                        + t2 * (1.0 / 362_880.0
                            + t2 * (-1.0 / 39_916_800.0 + t2 * (1.0 / 6_227_020_800.0)))))));
    let c = 1.0
        + t2 * (-0.5
            + t2 * (1.0 / 24.0
                + t2 * (-1.0 / 720.0
                    + t2 * (1.0 / 40_320.0
                        + t2 * (-1.0 / 3_628_800.0
                            + t2 * (1.0 / 479_001_600.0 + t2 * (-1.0 / 87_178_291_200.0)))))));
    match (k as i64) & 3 {
        0 => (s, c),
        1 => (c, -s),
        2 => (-s, -c),
        _ => (-c, s),
    }
}

/// Temporal coherence of a solved pixel: `ts` is the phase time series (N dates, first 0),
/// `pairs` the `(first, second)` date indices, `y` the referenced phase per pair with NaN for
/// pairs not used. The modelled phase of a pair is `ts[second] - ts[first]`, which equals
/// `(B v)_i` of MintPy's velocity design. Returns 0 when no pair is valid.
#[inline]
pub fn temporal_coherence(ts: &[f64], pairs: &[(u32, u32)], y: &[f64]) -> f64 {
    let (mut re, mut im, mut m) = (0.0f64, 0.0f64, 0usize);
    for (&(a, b), &yi) in pairs.iter().zip(y) {
        if yi.is_nan() {
            continue;
        }
        let r = yi - (ts[b as usize] - ts[a as usize]);
        let (s, c) = sin_cos(r);
        re += c;
        im += s;
        m += 1;
    }
    if m == 0 {
        0.0
    } else {
        re.hypot(im) / m as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sin_cos_matches_std() {
        let mut worst = 0.0f64;
        for i in -20000..=20000 {
            let x = i as f64 * 0.013_7;
            let (s, c) = sin_cos(x);
            worst = worst.max((s - x.sin()).abs()).max((c - x.cos()).abs());
        }
        assert!(worst < 1e-13, "worst error {worst}");
        assert!(sin_cos(f64::NAN).0.is_nan());
    }

    #[test]
    fn coherence_of_exact_and_noisy_fits() {
        let ts = [0.0, 1.0, 3.0];
        let pairs = [(0, 1), (1, 2), (0, 2)];
        assert!((temporal_coherence(&ts, &pairs, &[1.0, 2.0, 3.0]) - 1.0).abs() < 1e-15);
        // A skipped pair does not count; residuals (0, pi) give |1 - 1| / 2 = 0.
        let y = [1.0, f64::NAN, 3.0 + std::f64::consts::PI];
        assert!(temporal_coherence(&ts, &pairs, &y).abs() < 1e-12);
        assert_eq!(temporal_coherence(&ts, &pairs, &[f64::NAN; 3]), 0.0);
    }
}
