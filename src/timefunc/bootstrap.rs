//! MintPy's `bootstrap` uncertainty: refit on dates drawn with replacement, many times; the
//! parameters are the mean over the draws and their standard deviations the spread.
//!
//! As in MintPy each draw sorts its date indices and takes its first drawn date as the origin of
//! the polynomial. Unlike MintPy the draws come from a seeded generator and are the same for every
//! strip, so results do not depend on the memory budget and repeat exactly.

use anyhow::Context;

use super::fit::LinearFit;
use super::model::TimeModel;
use crate::rng::SplitMix64;

/// The draws of a bootstrap and their solvers.
#[derive(Debug, Clone)]
pub struct Bootstrap {
    n: usize,
    p: usize,
    /// Per draw: the drawn date indices (sorted) and the pseudo-inverse of its design matrix.
    draws: Vec<(Vec<usize>, Vec<f64>)>,
}

impl Bootstrap {
    /// Prepares `count` draws over acquisitions at `times` (decimal years) from `seed`.
    pub fn new(
        model: &TimeModel,
        times: &[f64],
        count: usize,
        seed: u64,
    ) -> anyhow::Result<Bootstrap> {
        let n = times.len();
        let p = model.num_params();
        let mut rng = SplitMix64::new(seed);
        let mut draws = Vec::with_capacity(count);
        let mut t = vec![0.0; n];
        for k in 0..count {
            let mut idx: Vec<usize> = (0..n).map(|_| rng.below(n)).collect();
            idx.sort_unstable();
            for (tj, &i) in t.iter_mut().zip(&idx) {
                *tj = times[i];
            }
            let fit = LinearFit::new(model.design_matrix(&t, 0), n, p)
                .with_context(|| format!("bootstrap draw {} of {count} (seed {seed})", k + 1))?;
            draws.push((idx, fit.pseudo_inverse().to_vec()));
        }
        Ok(Bootstrap { n, p, draws })
    }

    /// Number of draws.
    pub fn count(&self) -> usize {
        self.draws.len()
    }

    /// The drawn date indices of draw `k`.
    pub fn indices(&self, k: usize) -> &[usize] {
        &self.draws[k].0
    }

    /// Estimates `npix` pixels of date-major `data` (`n x npix`): the mean parameters over the
    /// draws into `mean` and their standard deviation (population, as numpy's `std`) into `std`
    /// (both `p x npix`). `draw` is scratch of `p x npix`.
    pub fn estimate(
        &self,
        data: &[f32],
        npix: usize,
        mean: &mut [f64],
        std: &mut [f64],
        draw: &mut [f64],
    ) {
        let (n, p) = (self.n, self.p);
        mean[..p * npix].fill(0.0);
        std[..p * npix].fill(0.0);
        for (idx, pinv) in &self.draws {
            draw[..p * npix].fill(0.0);
            for (j, &i) in idx.iter().enumerate() {
                let row = &data[i * npix..(i + 1) * npix];
                for a in 0..p {
                    let w = pinv[a * n + j];
                    for (o, &d) in draw[a * npix..(a + 1) * npix].iter_mut().zip(row) {
                        *o += w * d as f64;
                    }
                }
            }
            for ((s, q), &m) in mean.iter_mut().zip(std.iter_mut()).zip(&draw[..p * npix]) {
                // MintPy keeps the draws in float32
                let m = m as f32 as f64;
                *s += m;
                *q += m * m;
            }
        }
        let c = self.draws.len().max(1) as f64;
        for (s, q) in mean[..p * npix].iter_mut().zip(std[..p * npix].iter_mut()) {
            *s /= c;
            *q = (*q / c - *s * *s).max(0.0).sqrt();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::meta::Date;
    use crate::timefunc::model::decimal_year;

    fn setup() -> (TimeModel, Vec<f64>, Vec<f32>) {
        let d0 = Date::parse("20200101").unwrap();
        let t: Vec<f64> = (0..30)
            .map(|i| decimal_year(d0.add_days(12 * i), 0.0))
            .collect();
        // pixel 0: exact line; pixel 1: line plus alternating noise
        let data: Vec<f32> = (0..30)
            .flat_map(|i| {
                let dt = t[i] - t[0];
                let noise = if i % 3 == 0 { 0.004 } else { -0.002 };
                [(0.01 + 0.03 * dt) as f32, (-0.02 * dt + noise) as f32]
            })
            .collect();
        (TimeModel::default(), t, data)
    }

    #[test]
    fn same_seed_same_result_and_exact_data_has_zero_spread() {
        let (m, t, data) = setup();
        let run = |seed| {
            let b = Bootstrap::new(&m, &t, 50, seed).unwrap();
            let (mut mean, mut std, mut draw) = (vec![0.0; 4], vec![0.0; 4], vec![0.0; 4]);
            b.estimate(&data, 2, &mut mean, &mut std, &mut draw);
            (mean, std, b.indices(0).to_vec())
        };
        let (m1, s1, i1) = run(7);
        let (m2, s2, i2) = run(7);
        assert_eq!((&m1, &s1, &i1), (&m2, &s2, &i2));
        let (_, s3, i3) = run(8);
        assert_ne!(i1, i3);
        assert_ne!(s1[3], s3[3]);
        assert!(i1.windows(2).all(|w| w[0] <= w[1]));
        // exact line: every draw finds the same velocity
        assert!((m1[2] - 0.03).abs() < 1e-6, "{}", m1[2]);
        assert!(s1[2] < 1e-6);
        // noisy pixel: a spread comparable to the residue estimate
        assert!((m1[3] + 0.02).abs() < 2e-3);
        assert!(s1[3] > 1e-4 && s1[3] < 5e-3, "{}", s1[3]);
    }
}
