//! Temporal coherence, MintPy's inversion quality for phase:
//! `|sum_i exp(j (y_i - (B v)_i))| / M_valid` over the valid pairs, with unweighted residuals.

/// `1.5 * 2^52`: adding and subtracting it rounds an f64 of magnitude below 2^51 to the nearest
/// integer (ties to even) with plain arithmetic, which vectorises where `round` is a libm call.
const ROUND_MAGIC: f64 = 6_755_399_441_055_744.0;

/// Sine and cosine of `x` to about 1e-11: `x = k pi + t` with `|t| <= pi/2` (two-part pi),
/// Taylor series in `t`, and the sign `(-1)^k`. Branch-free arithmetic only, so loops over it
/// vectorise; several times cheaper than the library calls.
#[inline(always)]
pub fn sin_cos(x: f64) -> (f64, f64) {
    const PI_HI: f64 = std::f64::consts::PI;
    const PI_LO: f64 = 1.224_646_799_147_353_2e-16;
    let k = (x * std::f64::consts::FRAC_1_PI + ROUND_MAGIC) - ROUND_MAGIC;
    let t = (x - k * PI_HI) - k * PI_LO;
    let half = (k * 0.5 + ROUND_MAGIC) - ROUND_MAGIC;
    // +1 for even k, -1 for odd k.
    let sign = 1.0 - 2.0 * (k - 2.0 * half).abs();
    let t2 = t * t;
    let s = t
        * (1.0
            + t2 * (-1.0 / 6.0
                + t2 * (1.0 / 120.0
                    + t2 * (-1.0 / 5040.0
                        + t2 * (1.0 / 362_880.0
                            + t2 * (-1.0 / 39_916_800.0
                                + t2 * (1.0 / 6_227_020_800.0
                                    + t2 * (-1.0 / 1_307_674_368_000.0))))))));
    let c = 1.0
        + t2 * (-0.5
            + t2 * (1.0 / 24.0
                + t2 * (-1.0 / 720.0
                    + t2 * (1.0 / 40_320.0
                        + t2 * (-1.0 / 3_628_800.0
                            + t2 * (1.0 / 479_001_600.0
                                + t2 * (-1.0 / 87_178_291_200.0
                                    + t2 * (1.0 / 20_922_789_888_000.0))))))));
    (sign * s, sign * c)
}

/// Temporal coherence of a solved pixel: `ts` is the phase time series (N dates, first 0),
/// `pairs` the `(first, second)` date indices, `y` the referenced phase per pair with NaN for
/// pairs not used, `resid` scratch of at least as many values as pairs. The modelled phase of
/// a pair is `ts[second] - ts[first]`, which equals `(B v)_i` of MintPy's velocity design.
/// Returns 0 when no pair is valid.
#[inline]
pub fn temporal_coherence(ts: &[f64], pairs: &[(u32, u32)], y: &[f64], resid: &mut [f64]) -> f64 {
    let m = pairs.len();
    let resid = &mut resid[..2 * m];
    let (r, used) = resid.split_at_mut(m);
    let mut count = 0usize;
    for (((&(a, b), &yi), ri), ui) in pairs.iter().zip(y).zip(r.iter_mut()).zip(used.iter_mut()) {
        let valid = !yi.is_nan();
        count += usize::from(valid);
        *ri = if valid {
            yi - (ts[b as usize] - ts[a as usize])
        } else {
            0.0
        };
        *ui = f64::from(u8::from(valid));
    }
    if count == 0 {
        return 0.0;
    }
    // A pure element-wise map (vectorised by the compiler), then plain sums: the reduction
    // kept separate so that no floating-point reordering is needed for vector code.
    for (ri, ui) in r.iter_mut().zip(used.iter_mut()) {
        let (s, c) = sin_cos(*ri);
        *ri = s * *ui;
        *ui *= c;
    }
    let im: f64 = r.iter().sum();
    let re: f64 = used.iter().sum();
    re.hypot(im) / count as f64
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
        assert!(worst < 1e-11, "worst error {worst}");
        assert!(sin_cos(f64::NAN).0.is_nan());
    }

    #[test]
    fn coherence_of_exact_and_noisy_fits() {
        let ts = [0.0, 1.0, 3.0];
        let pairs = [(0, 1), (1, 2), (0, 2)];
        let mut r = [0.0; 6];
        let tc = |y: &[f64], r: &mut [f64]| temporal_coherence(&ts, &pairs, y, r);
        assert!((tc(&[1.0, 2.0, 3.0], &mut r) - 1.0).abs() < 1e-15);
        // A skipped pair does not count; residuals (0, pi) give |1 - 1| / 2 = 0.
        let y = [1.0, f64::NAN, 3.0 + std::f64::consts::PI];
        assert!(tc(&y, &mut r).abs() < 1e-11);
        assert_eq!(tc(&[f64::NAN; 3], &mut r), 0.0);
        // More pairs than one lane group, against the plain formula.
        let ts: Vec<f64> = (0..12).map(|d| (d as f64 * 0.7).sin() * 9.0).collect();
        let pairs: Vec<(u32, u32)> = (0..11)
            .flat_map(|a| [(a, a + 1), (a, (a + 2).min(11))])
            .collect();
        let y: Vec<f64> = (0..pairs.len())
            .map(|i| {
                if i % 7 == 3 {
                    f64::NAN
                } else {
                    (i as f64).cos() * 20.0
                }
            })
            .collect();
        let (mut re, mut im, mut m) = (0.0f64, 0.0f64, 0.0);
        for (&(a, b), &yi) in pairs.iter().zip(&y) {
            if !yi.is_nan() {
                let e = yi - (ts[b as usize] - ts[a as usize]);
                re += e.cos();
                im += e.sin();
                m += 1.0;
            }
        }
        let mut r = vec![0.0; 2 * pairs.len()];
        let got = temporal_coherence(&ts, &pairs, &y, &mut r);
        assert!((got - re.hypot(im) / m).abs() < 1e-12, "{got}");
    }
}
