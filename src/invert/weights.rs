//! Interferogram weights from spatial coherence, as MintPy 1.6.4's `coherence2weight`, and the
//! number of looks they depend on.

use anyhow::{bail, Context};

use super::WeightFunc;
use crate::meta::Attributes;

/// Coherence floor applied before any weight function (MintPy's `epsilon`).
const COH_EPSILON: f32 = 0.05;
/// Entries of the phase-variance table (coherence step 0.005).
const LUT_SIZE: usize = 200;
/// Entries allocated for the table: a power of two at least LUT_SIZE, so that a masked index
/// needs no bounds check.
const TABLE_ALLOC: usize = 256;
/// Coherence step of the table.
const COH_STEP: f64 = 0.005;
/// Its reciprocal: for every float32 coherence the table can see, `x * 200` truncates to the
/// same index as MintPy's `x / 0.005` (checked exhaustively by a test), at a fraction of a
/// division's cost in the batched weight loop.
const INV_COH_STEP: f64 = 200.0;
/// Looks above this are capped for the variance table (MintPy avoids overflow there).
const MAX_VAR_LOOKS: u32 = 80;
/// Coherence ceiling of the Fisher-information weight.
const FIM_MAX_COH: f64 = 1.0 - 1e-3;

/// Equivalent number of independent looks, MintPy's rule: `NCORRLOOKS` if present, else
/// `ALOOKS * RLOOKS / 1.94` (the Sentinel-1 IW resolution-to-pixel ratio); then rounded to the
/// nearest integer (ties to even, as numpy's `rint`) and at least 1.
pub fn num_looks(attrs: &Attributes) -> anyhow::Result<f64> {
    let looks = if attrs.contains("NCORRLOOKS") {
        attrs
            .get_f64("NCORRLOOKS")
            .context("reading the number of looks")?
    } else {
        let missing: Vec<&str> = ["ALOOKS", "RLOOKS"]
            .into_iter()
            .filter(|k| !attrs.contains(k))
            .collect();
        if !missing.is_empty() {
            bail!(
                "the number of looks is unknown: the metadata has neither NCORRLOOKS nor {} \
                 (needed by the var and fim weights)",
                missing.join(" and ")
            );
        }
        // MintPy takes int() of both multilook factors.
        let alooks = attrs.get_f64("ALOOKS").context("reading ALOOKS")?.trunc();
        let rlooks = attrs.get_f64("RLOOKS").context("reading RLOOKS")?.trunc();
        alooks * rlooks / 1.94
    };
    if !looks.is_finite() {
        bail!("the number of looks is not a finite number ({looks})");
    }
    Ok(looks.round_ties_even().max(1.0))
}

/// Converts coherence to weights for one weight function; holds the variance table of `Var`,
/// built once.
#[derive(Debug, Clone)]
pub struct WeightTable {
    func: WeightFunc,
    /// Integer looks as MintPy uses them (`int(L)`, at least 1).
    looks: u32,
    /// `float32(1 / var)` per table entry, for `Var`.
    inv_var: Vec<f32>,
    /// Lowest and highest table coherence, as MintPy computes them.
    coh_min: f64,
    coh_max: f64,
}

impl WeightTable {
    /// The table for `func` with `num_looks` looks (truncated to an integer, at least 1).
    pub fn new(func: WeightFunc, num_looks: f64) -> WeightTable {
        let looks = if num_looks.is_finite() && num_looks >= 1.0 {
            num_looks.min(u32::MAX as f64) as u32
        } else {
            1
        };
        let coh_lut = coherence_grid();
        let inv_var = if func == WeightFunc::Var {
            phase_variance_ds(looks.min(MAX_VAR_LOOKS), &coh_lut)
                .iter()
                .map(|v| (1.0 / v) as f32)
                .chain(std::iter::repeat(0.0))
                .take(TABLE_ALLOC)
                .collect()
        } else {
            Vec::new()
        };
        WeightTable {
            func,
            looks,
            inv_var,
            coh_min: coh_lut[0],
            coh_max: coh_lut[LUT_SIZE - 1],
        }
    }

    /// The weight function.
    pub fn func(&self) -> WeightFunc {
        self.func
    }

    /// Weight of one observation with spatial coherence `coh` (NaN and values below 0.05 count
    /// as 0.05), computed in f64 and rounded to f32 as MintPy stores it. `No` gives 1.
    #[inline]
    pub fn weight(&self, coh: f32) -> f32 {
        let c = if !coh.is_finite() || coh < COH_EPSILON {
            COH_EPSILON
        } else {
            coh
        };
        let c = c as f64;
        match self.func {
            WeightFunc::No => 1.0,
            WeightFunc::Coh => c as f32,
            WeightFunc::Fim => {
                let c = c.min(FIM_MAX_COH);
                (2.0 * self.looks as f64 * c * c / (1.0 - c * c)) as f32
            }
            WeightFunc::Var => {
                let c = c.clamp(self.coh_min, self.coh_max);
                // Truncation, as numpy's cast to int16.
                let idx = ((c - self.coh_min) * INV_COH_STEP) as usize;
                self.inv_var[idx.min(LUT_SIZE - 1)]
            }
        }
    }
}

impl WeightTable {
    /// Weights of many observations at once, `out[i] = weight(coh[i]) * keep[i]` (`keep` 1 or 0
    /// keeps or drops an observation exactly): the same values as [`WeightTable::weight`], in
    /// loops free of branches on the data so that they vectorise. The product is formed as each
    /// weight is made, not by reloading the weights: re-reading freshly stored scalars as a
    /// vector stalls on store forwarding.
    #[inline(always)]
    pub fn weights_into(&self, coh: &[f32], keep: &[f32], out: &mut [f32]) {
        let floor = |c: f32| if !c.is_finite() || c < COH_EPSILON { COH_EPSILON } else { c } as f64;
        let (coh, keep) = (&coh[..out.len()], &keep[..out.len()]);
        match self.func {
            WeightFunc::No => out.copy_from_slice(keep),
            WeightFunc::Coh => {
                for ((o, &c), k) in out.iter_mut().zip(coh).zip(keep) {
                    *o = (floor(c) as f32) * k;
                }
            }
            WeightFunc::Fim => {
                let looks = self.looks as f64;
                for ((o, &c), k) in out.iter_mut().zip(coh).zip(keep) {
                    let c = floor(c).min(FIM_MAX_COH);
                    *o = ((2.0 * looks * c * c / (1.0 - c * c)) as f32) * k;
                }
            }
            WeightFunc::Var => {
                let table: &[f32; TABLE_ALLOC] = self.inv_var[..]
                    .try_into()
                    .expect("the variance table is TABLE_ALLOC long");
                let (lo, hi) = (self.coh_min, self.coh_max);
                // `1.5 * 2^52`: adding it puts a small integer in the low mantissa bits.
                const MAGIC: f64 = 6_755_399_441_055_744.0;
                // Indices first (a loop that vectorises), then the table lookups.
                const PIECE: usize = 16;
                let mut idx = [0u32; PIECE];
                for ((out, coh), keep) in out
                    .chunks_mut(PIECE)
                    .zip(coh.chunks(PIECE))
                    .zip(keep.chunks(PIECE))
                {
                    for (ix, &c) in idx.iter_mut().zip(coh) {
                        let c = floor(c).clamp(lo, hi);
                        // Truncation of q >= 0 (`q as usize`) in arithmetic: round to
                        // nearest, step down if that went up, read the integer bits.
                        let q = (c - lo) * INV_COH_STEP;
                        let near = (q + MAGIC) - MAGIC;
                        let trunc = near - if near > q { 1.0 } else { 0.0 };
                        *ix = ((trunc + MAGIC).to_bits() as u32).min(LUT_SIZE as u32 - 1);
                    }
                    for ((o, &ix), k) in out.iter_mut().zip(&idx).zip(keep) {
                        // The mask only spares the bounds check (ix < LUT_SIZE already).
                        *o = table[(ix as usize) & (TABLE_ALLOC - 1)] * k;
                    }
                }
            }
        }
    }
}

/// numpy's `linspace(start, stop, num)`: `i * step + start`, with the last value exactly `stop`.
fn linspace(start: f64, stop: f64, num: usize) -> Vec<f64> {
    let step = (stop - start) / (num - 1) as f64;
    let mut v: Vec<f64> = (0..num).map(|i| i as f64 * step + start).collect();
    v[num - 1] = stop;
    v
}

/// Table coherences: `linspace(0.005, 1.0, 200) - 0.0025`, i.e. 0.0025 ... 0.9975.
fn coherence_grid() -> Vec<f64> {
    linspace(COH_STEP, 1.0, LUT_SIZE)
        .into_iter()
        .map(|c| c - COH_STEP / 2.0)
        .collect()
}

/// Phase variance (rad^2) of a distributed scatterer with `looks` looks at each coherence, as
/// MintPy's `phase_variance_ds`: the Tough et al. (1995) phase PDF summed over as many phase
/// samples in [-pi, pi] as there are coherences. Non-positive results (rounding at coherence
/// near 1) are replaced by the smallest positive one.
pub fn phase_variance_ds(looks: u32, coherence: &[f64]) -> Vec<f64> {
    let num = coherence.len();
    if num == 0 {
        return Vec::new();
    }
    let phi = if num > 1 {
        linspace(-std::f64::consts::PI, std::f64::consts::PI, num)
    } else {
        vec![-std::f64::consts::PI]
    };
    let phi_step = 2.0 * std::f64::consts::PI / num as f64;
    let coef = PdfCoefficients::new(looks.max(1));
    let mut var: Vec<f64> = coherence
        .iter()
        .map(|&g| {
            phi.iter()
                .map(|&p| p * p * coef.pdf(g, p) * phi_step)
                .sum::<f64>()
        })
        .collect();
    let min_pos = var
        .iter()
        .copied()
        .filter(|v| *v > 0.0)
        .fold(f64::INFINITY, f64::min);
    let fill = if min_pos.is_finite() {
        min_pos
    } else {
        f64::EPSILON
    };
    for v in &mut var {
        if v.is_nan() || *v <= 0.0 {
            *v = fill;
        }
    }
    var
}

/// The coefficients of the phase PDF that depend on the looks only. The gamma-function ratios
/// are formed as products of their factors (exact for integer looks), so nothing overflows.
struct PdfCoefficients {
    looks: i32,
    /// `Gamma(2L-1) / (Gamma(L)^2 2^(2(L-1)))`, i.e. `C(2L-2, L-1) / 4^(L-1)`.
    b: f64,
    /// Per `r = 0..L-2`: `[Gamma(L-1/2) / Gamma(L-1/2-r)] [Gamma(L-1-r) / Gamma(L-1)]`.
    d: Vec<f64>,
}

impl PdfCoefficients {
    fn new(looks: u32) -> PdfCoefficients {
        let l = looks as f64;
        let b = (1..looks).fold(1.0, |acc, k| {
            let k = k as f64;
            acc * (l - 1.0 + k) / (4.0 * k)
        });
        let mut d = Vec::new();
        if looks > 1 {
            let mut c = 1.0;
            for r in 0..looks - 1 {
                if r > 0 {
                    let r = r as f64;
                    c *= (l - 0.5 - r) / (l - 1.0 - r);
                }
                d.push(c);
            }
        }
        PdfCoefficients {
            looks: looks as i32,
            b,
            d,
        }
    }

    /// Probability density of phase `phi` at coherence `gamma` (Hanssen 2001, eq. 4.2.23).
    /// Powers use `powf`, as numpy's `power` does, to stay within rounding of MintPy's table.
    fn pdf(&self, gamma: f64, phi: f64) -> f64 {
        let l = self.looks as f64;
        let a = (1.0 - gamma * gamma).powf(l) / (2.0 * std::f64::consts::PI);
        let beta = gamma.abs() * phi.cos();
        let one_b2 = 1.0 - beta * beta;
        let c = (2.0 * l - 1.0) * beta / one_b2.powf(l + 0.5)
            * (std::f64::consts::FRAC_PI_2 + beta.asin())
            + 1.0 / one_b2.powf(l);
        let mut sum_d = 0.0;
        if self.looks > 1 {
            for (r, dr) in self.d.iter().enumerate() {
                sum_d +=
                    dr * (1.0 + (2 * r + 1) as f64 * beta * beta) / one_b2.powf(r as f64 + 2.0);
            }
            sum_d /= 2.0 * (l - 1.0);
        }
        a * (self.b * c + sum_d)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, rel: f64) -> bool {
        (a - b).abs() <= rel * b.abs()
    }

    /// Reference values printed by MintPy 1.6.4's own
    /// `decorrelation.phase_variance_ds(L, linspace(0.005, 1, 200) - 0.0025)`.
    #[test]
    fn variance_table_matches_mintpy() {
        let grid = coherence_grid();
        let idx = [0usize, 1, 50, 100, 150, 190, 198, 199];
        let cases: [(u32, [f64; 8]); 4] = [
            (
                1,
                [
                    3.3149263949375776,
                    3.298935218509349,
                    2.540605654925497,
                    1.7883493310306233,
                    1.0047133192381092,
                    0.25927301718957535,
                    0.05414085436971156,
                    0.020746373407945485,
                ],
            ),
            (
                5,
                [
                    3.3032392963841715,
                    3.2639582258400552,
                    1.583628577588528,
                    0.5365915976002011,
                    0.11527119172272905,
                    0.012950117788879405,
                    0.0018916506601014131,
                    0.0006292242043079548,
                ],
            ),
            (
                30,
                [
                    3.27374273876767,
                    3.176024134883361,
                    0.37185937182564316,
                    0.05405603542108099,
                    0.013327645581652383,
                    0.0017568951971872096,
                    0.0002908646360040662,
                    0.0001552043689963386,
                ],
            ),
            (
                80,
                [
                    3.2425077679105265,
                    3.083502195383375,
                    0.10589247261657227,
                    0.01901611307123786,
                    0.0048477727998662914,
                    0.0006443415460743895,
                    0.00017262260919963653,
                    2.2515693517101247e-05,
                ],
            ),
        ];
        for (looks, want) in cases {
            let var = phase_variance_ds(looks, &grid);
            for (k, &i) in idx.iter().enumerate() {
                // The high-coherence end is a difference of huge terms: allow more there.
                let tol = if i >= 190 { 1e-6 } else { 1e-10 };
                assert!(
                    close(var[i], want[k], tol),
                    "L={looks} i={i}: {} vs {}",
                    var[i],
                    want[k]
                );
            }
        }
    }

    /// The table index by multiplication equals MintPy's by division for every float32
    /// coherence from the 0.05 floor to 1 (37 million values).
    #[test]
    fn index_by_reciprocal_equals_index_by_division() {
        let grid = coherence_grid();
        let (lo, hi) = (grid[0], grid[LUT_SIZE - 1]);
        let mut bits = COH_EPSILON.to_bits();
        while bits <= 1.0f32.to_bits() {
            let c = f64::from(f32::from_bits(bits)).clamp(lo, hi);
            let (a, b) = (
                ((c - lo) / COH_STEP) as usize,
                ((c - lo) * INV_COH_STEP) as usize,
            );
            assert_eq!(a, b, "coherence {}", f32::from_bits(bits));
            bits += 1;
        }
    }

    #[test]
    fn weights_into_equals_weight() {
        let coh: Vec<f32> = (-20..=1020)
            .map(|i| i as f32 * 0.001)
            .chain([f32::NAN, 0.9974, 0.99749, 0.9975, 0.05, 0.049_999])
            .collect();
        for func in [
            WeightFunc::Var,
            WeightFunc::Fim,
            WeightFunc::Coh,
            WeightFunc::No,
        ] {
            let t = WeightTable::new(func, 9.0);
            let keep: Vec<f32> = (0..coh.len())
                .map(|i| f32::from(u8::from(i % 3 != 1)))
                .collect();
            let mut out = vec![0.0; coh.len()];
            t.weights_into(&coh, &keep, &mut out);
            for ((c, o), k) in coh.iter().zip(&out).zip(&keep) {
                assert_eq!(*o, t.weight(*c) * k, "{func:?} coherence {c}");
            }
        }
    }

    /// Reference weights printed by MintPy 1.6.4's `coherence2weight(coh, func, L, 0.05)` for
    /// the coherences below (float32 input, float32 output).
    #[test]
    #[allow(clippy::excessive_precision)]
    fn weights_match_mintpy() {
        let coh: [f32; 13] = [
            f32::NAN,
            0.0,
            0.03,
            0.05,
            0.2,
            0.4377,
            0.6,
            0.9,
            0.9974,
            0.99749,
            0.9975,
            0.999,
            1.0,
        ];
        let cases: [(WeightFunc, f64, [f32; 13]); 5] = [
            (
                WeightFunc::Var,
                1.0,
                [
                    0.31526512,
                    0.31526512,
                    0.31526512,
                    0.31526512,
                    0.36934078,
                    0.50394368,
                    0.66744518,
                    2.04434323,
                    18.47034073,
                    18.47034073,
                    48.20119476,
                    48.20119476,
                    48.20119476,
                ],
            ),
            (
                WeightFunc::Var,
                6.0,
                [
                    0.34255663,
                    0.34255663,
                    0.34255663,
                    0.34255663,
                    0.55797237,
                    1.62233841,
                    4.06849051,
                    40.22020721,
                    661.22033691,
                    661.22033691,
                    1969.86999512,
                    1969.86999512,
                    1969.86999512,
                ],
            ),
            (
                WeightFunc::Var,
                100.0,
                [
                    0.51549584,
                    0.51549584,
                    0.51549584,
                    0.51549584,
                    4.9375,
                    36.51644135,
                    87.12728882,
                    656.63311768,
                    5792.98388672,
                    5792.98388672,
                    44413.46484375,
                    44413.46484375,
                    44413.46484375,
                ],
            ),
            (
                WeightFunc::Fim,
                6.0,
                [
                    0.03007519,
                    0.03007519,
                    0.03007519,
                    0.03007519,
                    0.5,
                    2.84379315,
                    6.75000095,
                    51.15787888,
                    2298.68359375,
                    2381.43139648,
                    2391.00610352,
                    5991.00146484,
                    5991.00146484,
                ],
            ),
            (
                WeightFunc::Coh,
                6.0,
                [
                    0.05, 0.05, 0.05, 0.05, 0.2, 0.4377, 0.6, 0.9, 0.9974, 0.99749, 0.9975, 0.999,
                    1.0,
                ],
            ),
        ];
        for (func, looks, want) in cases {
            let t = WeightTable::new(func, looks);
            for (c, w) in coh.iter().zip(want) {
                let got = t.weight(*c);
                // Var entries near coherence 1 come from the high-coherence end of the table.
                assert!(
                    close(got as f64, w as f64, 2e-6),
                    "{func:?} L={looks} c={c}: {got} vs {w}"
                );
            }
        }
        assert_eq!(WeightTable::new(WeightFunc::No, 3.0).weight(0.3), 1.0);
    }

    #[test]
    fn looks_follow_mintpy_rule() {
        let mut a = Attributes::new();
        a.set("ALOOKS", 3);
        a.set("RLOOKS", 9);
        // 27 / 1.94 = 13.9 -> 14
        assert_eq!(num_looks(&a).unwrap(), 14.0);
        a.set("NCORRLOOKS", "2.5");
        // rint(2.5) = 2 (ties to even)
        assert_eq!(num_looks(&a).unwrap(), 2.0);
        a.set("NCORRLOOKS", "0.2");
        assert_eq!(num_looks(&a).unwrap(), 1.0);
        let mut b = Attributes::new();
        b.set("RLOOKS", 9);
        let err = num_looks(&b).unwrap_err().to_string();
        assert!(
            err.contains("NCORRLOOKS") && err.contains("ALOOKS"),
            "{err}"
        );
        assert!(!err.contains("and RLOOKS"), "{err}");
        b.set("ALOOKS", "x");
        assert!(num_looks(&b).is_err());
    }
}
