//! Batched least-squares fit of a design matrix to many pixels at once, and the parameter
//! standard deviations of MintPy's `residue` and `covariance` methods.
//!
//! Every pixel shares the design matrix, so its pseudo-inverse is computed once and each pixel
//! costs a matrix-vector product. Data are date-major (`dates x pixels`, as a strip of a time
//! series is stored); a pixel with a NaN at some date gets NaN parameters.

use anyhow::bail;

use crate::linalg::{cholesky_in_place, pseudo_inverse};

/// The least-squares solver of one design matrix.
#[derive(Debug, Clone)]
pub struct LinearFit {
    n: usize,
    p: usize,
    g: Vec<f64>,
    pinv: Vec<f64>,
    cov_diag: Vec<f64>,
}

impl LinearFit {
    /// Prepares the fit of the row-major `n x p` design matrix `g`. Errors when G has no more
    /// rows than columns or is rank-deficient (MintPy raises then too: scipy's `lstsq` returns no
    /// residual).
    pub fn new(g: Vec<f64>, n: usize, p: usize) -> anyhow::Result<LinearFit> {
        if g.len() != n * p {
            bail!("design matrix has {} values, expected {n} x {p}", g.len());
        }
        if n <= p {
            bail!(
                "{n} dates cannot fit {p} parameters: use more dates or fewer time functions \
                 (the fit needs more dates than parameters)"
            );
        }
        let mut gtg = vec![0.0; p * p];
        for i in 0..n {
            let row = &g[i * p..(i + 1) * p];
            for a in 0..p {
                for b in 0..p {
                    gtg[a * p + b] += row[a] * row[b];
                }
            }
        }
        if !cholesky_in_place(&mut gtg, p) {
            bail!(
                "the time functions are redundant on these dates (rank-deficient design matrix): \
                 check that characteristic times are not too short and onsets not far before \
                 the first date"
            );
        }
        let pinv = pseudo_inverse(&g, n, p, 1e-12);
        // (G^T G)^-1 = G+ G+^T, so its diagonal is the row norms of G+.
        let cov_diag = (0..p)
            .map(|a| pinv[a * n..(a + 1) * n].iter().map(|v| v * v).sum())
            .collect();
        Ok(LinearFit {
            n,
            p,
            g,
            pinv,
            cov_diag,
        })
    }

    /// Number of dates (rows).
    pub fn num_dates(&self) -> usize {
        self.n
    }

    /// Number of parameters (columns).
    pub fn num_params(&self) -> usize {
        self.p
    }

    /// The design matrix, row-major `n x p`.
    pub fn design(&self) -> &[f64] {
        &self.g
    }

    /// The pseudo-inverse G+, row-major `p x n`.
    pub fn pseudo_inverse(&self) -> &[f64] {
        &self.pinv
    }

    /// `diag((G^T G)^-1)`.
    pub fn cov_diag(&self) -> &[f64] {
        &self.cov_diag
    }

    /// Fits `npix` pixels: `data` is `n x npix` (date-major); writes the parameters to `params`
    /// (`p x npix`) and the sum of squared residuals to `e2` (`npix`).
    pub fn solve(&self, data: &[f32], npix: usize, params: &mut [f64], e2: &mut [f64]) {
        let (n, p) = (self.n, self.p);
        debug_assert_eq!(data.len(), n * npix);
        params[..p * npix].fill(0.0);
        for j in 0..n {
            let row = &data[j * npix..(j + 1) * npix];
            for a in 0..p {
                let w = self.pinv[a * n + j];
                let out = &mut params[a * npix..(a + 1) * npix];
                for (o, &d) in out.iter_mut().zip(row) {
                    *o += w * d as f64;
                }
            }
        }
        e2[..npix].fill(0.0);
        for j in 0..n {
            let row = &data[j * npix..(j + 1) * npix];
            let grow = &self.g[j * p..(j + 1) * p];
            for (k, (e, &d)) in e2.iter_mut().zip(row).enumerate() {
                let mut model = 0.0;
                for (a, &ga) in grow.iter().enumerate() {
                    model += ga * params[a * npix + k];
                }
                let r = d as f64 - model;
                *e += r * r;
            }
        }
    }

    /// MintPy's `residue` standard deviations: `sqrt(diag((G^T G)^-1) * e2 / (n - p))`, into
    /// `std` (`p x npix`).
    pub fn residue_std(&self, e2: &[f64], npix: usize, std: &mut [f64]) {
        let dof = (self.n - self.p) as f64;
        for a in 0..self.p {
            let c = self.cov_diag[a];
            for (s, &e) in std[a * npix..(a + 1) * npix].iter_mut().zip(&e2[..npix]) {
                *s = (c * e / dof).sqrt();
            }
        }
    }

    /// MintPy's `covariance` standard deviations for a diagonal time-series covariance:
    /// `sqrt(diag(G+ diag(var) G+^T))`, with `variance` the per-date variances (`n x npix`, m^2).
    pub fn variance_std(&self, variance: &[f32], npix: usize, std: &mut [f64]) {
        let n = self.n;
        std[..self.p * npix].fill(0.0);
        for j in 0..n {
            let var = &variance[j * npix..(j + 1) * npix];
            for a in 0..self.p {
                let w = self.pinv[a * n + j];
                let w2 = w * w;
                for (s, &v) in std[a * npix..(a + 1) * npix].iter_mut().zip(var) {
                    *s += w2 * v as f64;
                }
            }
        }
        for s in &mut std[..self.p * npix] {
            *s = s.sqrt();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::meta::Date;
    use crate::timefunc::model::{decimal_year, Onset, TimeModel};

    fn times(n: usize) -> Vec<f64> {
        let d0 = Date::parse("20200101").unwrap();
        (0..n)
            .map(|i| decimal_year(d0.add_days(12 * i as i32), 6606.5))
            .collect()
    }

    fn model() -> TimeModel {
        TimeModel {
            polynomial: 2,
            periodic: vec![1.0, 0.5],
            steps: vec![Onset::parse("20200601").unwrap()],
            ..TimeModel::default()
        }
    }

    #[test]
    fn recovers_known_coefficients_exactly() {
        let t = times(40);
        let m = model();
        let p = m.num_params();
        let g = m.design_matrix(&t, 0);
        let fit = LinearFit::new(g.clone(), t.len(), p).unwrap();
        // two pixels with different coefficients, one NaN pixel, one zero pixel
        let truth = [
            vec![0.01, -0.03, 0.004, 0.002, -0.001, 0.0005, -0.0007, 0.02],
            vec![-0.02, 0.05, -0.01, -0.003, 0.002, 0.0, 0.001, -0.01],
        ];
        let npix = 4;
        let mut data = vec![0f32; t.len() * npix];
        for i in 0..t.len() {
            for (k, c) in truth.iter().enumerate() {
                data[i * npix + k] = (0..p).map(|a| g[i * p + a] * c[a]).sum::<f64>() as f32;
            }
        }
        data[5 * npix + 2] = f32::NAN;
        let mut params = vec![0.0; p * npix];
        let mut e2 = vec![0.0; npix];
        fit.solve(&data, npix, &mut params, &mut e2);
        for (k, c) in truth.iter().enumerate() {
            for a in 0..p {
                // data are f32: 1e-7 relative on ~0.05 m
                assert!(
                    (params[a * npix + k] - c[a]).abs() < 2e-6,
                    "pixel {k} param {a}"
                );
            }
            assert!(e2[k] < 1e-12);
        }
        assert!((0..p).all(|a| params[a * npix + 2].is_nan()));
        assert!(e2[2].is_nan());
        assert!((0..p).all(|a| params[a * npix + 3] == 0.0));
    }

    #[test]
    fn residue_std_matches_direct_inverse_of_normal_matrix() {
        let t = times(15);
        let m = TimeModel::default();
        let p = 2;
        let g = m.design_matrix(&t, 0);
        let fit = LinearFit::new(g.clone(), t.len(), p).unwrap();
        // direct 2x2 inverse of G^T G
        let (mut s00, mut s01, mut s11) = (0.0, 0.0, 0.0);
        for i in 0..t.len() {
            s00 += g[i * 2] * g[i * 2];
            s01 += g[i * 2] * g[i * 2 + 1];
            s11 += g[i * 2 + 1] * g[i * 2 + 1];
        }
        let det = s00 * s11 - s01 * s01;
        let inv_diag = [s11 / det, s00 / det];
        // a noisy line
        let data: Vec<f32> = (0..t.len())
            .map(|i| (0.01 + 0.02 * g[i * 2 + 1] + if i % 2 == 0 { 0.003 } else { -0.002 }) as f32)
            .collect();
        let mut params = vec![0.0; 2];
        let mut e2 = vec![0.0; 1];
        fit.solve(&data, 1, &mut params, &mut e2);
        // residuals computed directly
        let e2_direct: f64 = (0..t.len())
            .map(|i| {
                let r = data[i] as f64 - params[0] - params[1] * g[i * 2 + 1];
                r * r
            })
            .sum();
        assert!((e2[0] - e2_direct).abs() < 1e-15);
        let mut std = vec![0.0; 2];
        fit.residue_std(&e2, 1, &mut std);
        for a in 0..2 {
            assert!((fit.cov_diag()[a] - inv_diag[a]).abs() < 1e-9 * inv_diag[a]);
            let want = (inv_diag[a] * e2_direct / (t.len() - 2) as f64).sqrt();
            assert!(
                (std[a] - want).abs() < 1e-9 * want,
                "{a}: {} vs {want}",
                std[a]
            );
        }
        // Fattahi & Amelung (2015) eq. 10 for the velocity
        let tm: f64 = (0..t.len()).map(|i| g[i * 2 + 1]).sum::<f64>() / t.len() as f64;
        let st: f64 = (0..t.len()).map(|i| (g[i * 2 + 1] - tm).powi(2)).sum();
        let v_std = (e2_direct / st / (t.len() - 2) as f64).sqrt();
        assert!((std[1] - v_std).abs() < 1e-9 * v_std);
    }

    #[test]
    fn variance_std_with_equal_variances_is_sigma_times_residue_factor() {
        let t = times(20);
        let m = model();
        let p = m.num_params();
        let fit = LinearFit::new(m.design_matrix(&t, 0), t.len(), p).unwrap();
        let var = vec![4e-6f32; t.len()];
        let mut std = vec![0.0; p];
        fit.variance_std(&var, 1, &mut std);
        for (s, c) in std.iter().zip(fit.cov_diag()) {
            let want = (c * 4e-6f32 as f64).sqrt();
            assert!((s - want).abs() < 1e-9 * want);
        }
    }

    #[test]
    fn too_few_dates_or_redundant_terms_are_errors() {
        let t = times(3);
        let m = model();
        let e = LinearFit::new(m.design_matrix(&t, 0), 3, m.num_params()).unwrap_err();
        assert!(e.to_string().contains("more dates than parameters"), "{e}");
        // a step after the last date is a zero column
        let m = TimeModel {
            steps: vec![Onset::parse("20300101").unwrap()],
            ..TimeModel::default()
        };
        let t = times(6);
        let e = LinearFit::new(m.design_matrix(&t, 0), 6, 3).unwrap_err();
        assert!(e.to_string().contains("rank-deficient"), "{e}");
    }
}
