//! Temporal coherence, MintPy's inversion quality for phase:
//! `|sum_i exp(j (y_i - (B v)_i))| / M_valid` over the valid pairs, with unweighted residuals.
//!
//! Computed in single precision, as MintPy does (its residuals are float32 and its phasors
//! complex64): the result is stored as float32, and a float32 phasor costs half of a float64
//! one in vector code, where it was the largest part of the batched solve.

/// `1.5 * 2^23`: adding and subtracting it rounds an f32 of magnitude below 2^22 to the nearest
/// integer with plain arithmetic, and leaves that integer in the low mantissa bits of the sum.
const ROUND_MAGIC: f32 = 12_582_912.0;

/// pi/2 in three parts (Cody and Waite): the first two have trailing zero bits, so their
/// products with a quadrant count below 2^8 are exact.
const PIO2_A: f32 = 1.570_312_5;
const PIO2_B: f32 = 4.837_513e-4;
const PIO2_C: f32 = 7.549_79e-8;

/// Sine and cosine of `x` to float32 rounding (a few 1e-8) for `|x|` below a few hundred
/// radians (residuals of unwrapping errors included): `x = k pi/2 + t` with `|t| <= pi/4`,
/// Taylor series in `t`, then the quadrant `k mod 4` swaps and signs them. Branch-free
/// arithmetic and selects only, so loops over it vectorise; NaN gives NaN.
#[inline(always)]
pub fn sin_cos(x: f32) -> (f32, f32) {
    let shifted = x * std::f32::consts::FRAC_2_PI + ROUND_MAGIC;
    let k = shifted - ROUND_MAGIC;
    let q = shifted.to_bits();
    let t = ((x - k * PIO2_A) - k * PIO2_B) - k * PIO2_C;
    let t2 = t * t;
    let s = t
        * (1.0
            + t2 * (-1.0 / 6.0
                + t2 * (1.0 / 120.0 + t2 * (-1.0 / 5040.0 + t2 * (1.0 / 362_880.0)))));
    let c = 1.0
        + t2 * (-0.5
            + t2 * (1.0 / 24.0
                + t2 * (-1.0 / 720.0 + t2 * (1.0 / 40_320.0 + t2 * (-1.0 / 3_628_800.0)))));
    // sin(k pi/2 + t) is sin t, cos t, -sin t, -cos t for k = 0, 1, 2, 3 (mod 4); cos is
    // cos t, -sin t, -cos t, sin t.
    let odd = q & 1 != 0;
    let (s1, c1) = if odd { (c, s) } else { (s, c) };
    let sin = f32::from_bits(s1.to_bits() ^ ((q & 2) << 30));
    let cos = f32::from_bits(c1.to_bits() ^ ((q.wrapping_add(1) & 2) << 30));
    (sin, cos)
}

/// Temporal coherence of a solved pixel: `ts` is the phase time series (N dates, first 0),
/// `pairs` the `(first, second)` date indices, `y` the referenced phase per pair with NaN for
/// pairs not used. The modelled phase of a pair is `ts[second] - ts[first]`, which equals
/// `(B v)_i` of MintPy's velocity design. Residuals are formed in f64 and their phasors summed
/// in f32 pair by pair, in the order of the batched solve, so both give the same bits.
/// Returns 0 when no pair is valid.
#[inline]
pub fn temporal_coherence(ts: &[f64], pairs: &[(u32, u32)], y: &[f64]) -> f64 {
    let (mut re, mut im) = (0.0f32, 0.0f32);
    let mut count = 0usize;
    for (&(a, b), &yi) in pairs.iter().zip(y) {
        if yi.is_nan() {
            continue;
        }
        let (s, c) = sin_cos((yi - (ts[b as usize] - ts[a as usize])) as f32);
        im += s;
        re += c;
        count += 1;
    }
    if count == 0 {
        return 0.0;
    }
    f64::from(re).hypot(f64::from(im)) / count as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sin_cos_matches_std() {
        let mut worst = 0.0f64;
        // Up to 300 rad: residuals of a pair with many cycles of unwrapping error.
        for i in -30000..=30000 {
            let x = i as f32 * 0.010_03;
            let (s, c) = sin_cos(x);
            let xd = f64::from(x);
            worst = worst
                .max((f64::from(s) - xd.sin()).abs())
                .max((f64::from(c) - xd.cos()).abs());
        }
        assert!(worst < 2e-7, "worst error {worst}");
        let (s, c) = sin_cos(f32::NAN);
        assert!(s.is_nan() && c.is_nan());
        // Each quadrant's signs, at and between the quadrant boundaries.
        for k in -8..=8 {
            for t in [-0.7f32, 0.0, 0.3] {
                let x = k as f32 * std::f32::consts::FRAC_PI_2 + t;
                let (s, c) = sin_cos(x);
                assert!(
                    (s - x.sin()).abs() < 1e-6 && (c - x.cos()).abs() < 1e-6,
                    "{x}"
                );
            }
        }
    }

    #[test]
    fn coherence_of_exact_and_noisy_fits() {
        let ts = [0.0, 1.0, 3.0];
        let pairs = [(0, 1), (1, 2), (0, 2)];
        let tc = |y: &[f64]| temporal_coherence(&ts, &pairs, y);
        assert!((tc(&[1.0, 2.0, 3.0]) - 1.0).abs() < 1e-7);
        // A skipped pair does not count; residuals (0, pi) give |1 - 1| / 2 = 0.
        let y = [1.0, f64::NAN, 3.0 + std::f64::consts::PI];
        assert!(tc(&y).abs() < 1e-7);
        assert_eq!(tc(&[f64::NAN; 3]), 0.0);
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
        let got = temporal_coherence(&ts, &pairs, &y);
        assert!((got - re.hypot(im) / m).abs() < 1e-6, "{got}");
    }
}
