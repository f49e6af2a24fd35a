//! The batched DEM-error least-squares solve (MintPy `dem_error.estimate_dem_error`).
//!
//! Per pixel MintPy solves `ts = [bperp / (r sin(inc)) | G_defo] X` with an SVD. Only the first
//! column depends on the pixel, and only through a scale factor: `G_pixel = G diag(s, 1, ..)`
//! with `G = [bperp | G_defo]` and `s = 1 / (r sin(inc))`. So the fitted series and residuals
//! of every pixel come from one pseudo-inverse of `G` (`X' = pinv(G) ts`), and the DEM error is
//! `X'[0] / s = X'[0] r sin(inc)`. The solve is then a small matrix product per strip.

/// How per-pixel slant range and incidence enter the solve.
#[derive(Debug, Clone, Copy)]
pub enum Geometry<'a> {
    /// One `r sin(inc)` value (m) for every pixel (MintPy without a geometry file).
    Scalar(f64),
    /// Slant range (m) and incidence angle (degrees) per pixel of the strip.
    PerPixel {
        /// `slantRangeDistance`, metres.
        range: &'a [f32],
        /// `incidenceAngle`, degrees.
        incidence: &'a [f32],
    },
}

/// A DEM-error solver for one date list and model, shared by every strip.
#[derive(Debug, Clone)]
pub struct DemErrSolver {
    n: usize,
    k: usize,
    /// `k x n`: the parameters are `X' = estimator * ts` (excluded dates have zero columns).
    estimator: Vec<f64>,
    /// `n x k`: `[bperp | G_defo]` on every date, for the fitted series.
    design: Vec<f64>,
}

/// The outputs of one strip, in buffers the caller keeps between strips.
#[derive(Debug, Clone, Default)]
pub struct DemErrStrip {
    /// DEM error per pixel (m); 0 where not estimated.
    pub dem_error: Vec<f32>,
    /// Corrected series, dates x pixels (m); 0 where not estimated.
    pub corrected: Vec<f32>,
    /// Residual series `ts - G X`, dates x pixels (m); 0 where not estimated.
    pub residual: Vec<f32>,
    params: Vec<f64>,
}

impl DemErrSolver {
    /// Builds the solver. `pbase` is the perpendicular baseline of each date relative to the
    /// reference date (m); `g_defo` is the `n x n_defo` deformation design matrix (row-major);
    /// `used` marks the dates of the fit; `t_years` is the time of each date in years (used
    /// only with `phase_velocity`, which fits time differences of the used dates divided by
    /// their time spans and drops the constant column, as MintPy does).
    pub fn new(
        pbase: &[f64],
        g_defo: &[f64],
        n_defo: usize,
        used: &[bool],
        t_years: &[f64],
        phase_velocity: bool,
    ) -> anyhow::Result<DemErrSolver> {
        let n = pbase.len();
        anyhow::ensure!(
            g_defo.len() == n * n_defo && used.len() == n && t_years.len() == n,
            "DEM-error model: inconsistent sizes"
        );
        // Columns kept: geometry, then the deformation columns (without the constant when
        // fitting the phase velocity).
        let cols: Vec<Option<usize>> = std::iter::once(None)
            .chain(
                (0..n_defo)
                    .filter(|&c| !(phase_velocity && c == 0))
                    .map(Some),
            )
            .collect();
        let k = cols.len();
        let mut design = vec![0.0; n * k];
        for d in 0..n {
            for (j, c) in cols.iter().enumerate() {
                design[d * k + j] = match c {
                    None => pbase[d],
                    Some(c) => g_defo[d * n_defo + c],
                };
            }
        }
        let idx: Vec<usize> = (0..n).filter(|&d| used[d]).collect();
        // Rows of the fit as combinations of dates: (date, weight) pairs.
        let rows: Vec<Vec<(usize, f64)>> = if phase_velocity {
            idx.windows(2)
                .map(|w| {
                    let dt = t_years[w[1]] - t_years[w[0]];
                    vec![(w[1], 1.0 / dt), (w[0], -1.0 / dt)]
                })
                .collect()
        } else {
            idx.iter().map(|&d| vec![(d, 1.0)]).collect()
        };
        let m = rows.len();
        let mut a = vec![0.0; m * k];
        for (r, comb) in rows.iter().enumerate() {
            for &(d, w) in comb {
                for j in 0..k {
                    a[r * k + j] += w * design[d * k + j];
                }
            }
        }
        anyhow::ensure!(
            a.iter().all(|v| v.is_finite()),
            "DEM-error model is not finite (two used dates at the same time?)"
        );
        // MintPy: scipy.linalg.lstsq(..., cond=1e-8).
        let pinv = crate::linalg::pseudo_inverse(&a, m, k, 1e-8);
        let mut estimator = vec![0.0; k * n];
        for j in 0..k {
            for (r, comb) in rows.iter().enumerate() {
                for &(d, w) in comb {
                    estimator[j * n + d] += pinv[j * m + r] * w;
                }
            }
        }
        Ok(DemErrSolver {
            n,
            k,
            estimator,
            design,
        })
    }

    /// Number of dates.
    pub fn num_dates(&self) -> usize {
        self.n
    }

    /// Solves a strip of `p` pixels: `ts` is dates x pixels; `valid` marks the pixels to
    /// estimate (see [`valid_pixels`]). Results go to `out`, resized as needed.
    pub fn solve(
        &self,
        ts: &[f32],
        p: usize,
        geometry: Geometry,
        valid: &[bool],
        out: &mut DemErrStrip,
    ) {
        let (n, k) = (self.n, self.k);
        out.dem_error.clear();
        out.dem_error.resize(p, 0.0);
        out.corrected.clear();
        out.corrected.resize(n * p, 0.0);
        out.residual.clear();
        out.residual.resize(n * p, 0.0);
        out.params.clear();
        out.params.resize(k * p, 0.0);
        for j in 0..k {
            let x = &mut out.params[j * p..(j + 1) * p];
            for d in 0..n {
                let e = self.estimator[j * n + d];
                if e == 0.0 {
                    continue;
                }
                for (xv, &t) in x.iter_mut().zip(&ts[d * p..(d + 1) * p]) {
                    *xv += e * t as f64;
                }
            }
        }
        for d in 0..n {
            let g = &self.design[d * k..(d + 1) * k];
            let t = &ts[d * p..(d + 1) * p];
            let cor = &mut out.corrected[d * p..(d + 1) * p];
            let res = &mut out.residual[d * p..(d + 1) * p];
            for i in 0..p {
                if !valid[i] {
                    continue;
                }
                let topo = g[0] * out.params[i];
                let mut fit = topo;
                for (j, gj) in g.iter().enumerate().skip(1) {
                    fit += gj * out.params[j * p + i];
                }
                cor[i] = (t[i] as f64 - topo) as f32;
                res[i] = (t[i] as f64 - fit) as f32;
            }
        }
        for i in 0..p {
            if !valid[i] {
                continue;
            }
            let r_sin_inc = match geometry {
                Geometry::Scalar(v) => v,
                Geometry::PerPixel { range, incidence } => {
                    range[i] as f64 * (incidence[i] as f64).to_radians().sin()
                }
            };
            out.dem_error[i] = (out.params[i] * r_sin_inc) as f32;
        }
    }
}

/// The pixels MintPy estimates: mean of the series not zero, no NaN on any date, temporal
/// coherence not zero (when given), and slant range and incidence neither zero nor NaN (when
/// per pixel). `ts` is dates x pixels; the result is written to `valid` (length `p`).
pub fn valid_pixels(
    ts: &[f32],
    n: usize,
    p: usize,
    tcoh: Option<&[f32]>,
    geometry: Geometry,
    valid: &mut Vec<bool>,
) {
    valid.clear();
    valid.resize(p, true);
    let mut sums = vec![0.0f64; p];
    for d in 0..n {
        for (i, &t) in ts[d * p..(d + 1) * p].iter().enumerate() {
            if t.is_nan() {
                valid[i] = false;
            }
            sums[i] += t as f64;
        }
    }
    for i in 0..p {
        if sums[i] == 0.0 {
            valid[i] = false;
        }
        if tcoh.is_some_and(|c| c[i] == 0.0) {
            valid[i] = false;
        }
        if let Geometry::PerPixel { range, incidence } = geometry {
            let sin_inc = (incidence[i] as f64).to_radians().sin();
            if range[i] == 0.0 || range[i].is_nan() || sin_inc == 0.0 || sin_inc.is_nan() {
                valid[i] = false;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::model::{deformation_matrix, DemErrModel};
    use super::*;
    use crate::meta::Date;

    fn dates(n: usize) -> Vec<Date> {
        let d0 = Date::from_ymd(2020, 1, 1).unwrap();
        (0..n).map(|i| d0.add_days(12 * i as i32)).collect()
    }

    /// Three pixels with known DEM errors, quadratic deformation and per-pixel geometry.
    fn synthetic(
        model: &DemErrModel,
    ) -> (DemErrSolver, Vec<f32>, [f32; 3], [f32; 3], [f64; 3], usize) {
        let n = 10;
        let ds = dates(n);
        let pbase: Vec<f64> = (0..n)
            .map(|i| {
                [
                    0.0, 80.0, -40.0, 120.0, 10.0, -90.0, 55.0, -130.0, 30.0, 70.0,
                ][i]
            })
            .collect();
        let g = deformation_matrix(&ds, model, 0.0);
        let nd = model.poly_order + 1 + model.step_dates.len();
        let t: Vec<f64> = ds
            .iter()
            .map(|d| ds[0].days_until(*d) as f64 / 365.25)
            .collect();
        let used: Vec<bool> = ds
            .iter()
            .map(|d| !model.exclude_dates.contains(d))
            .collect();
        let solver = DemErrSolver::new(&pbase, &g, nd, &used, &t, model.phase_velocity).unwrap();
        let range = [850_000.0f32, 870_000.0, 900_000.0];
        let inc = [33.0f32, 38.0, 44.0];
        let dz = [12.0f64, -7.5, 30.0];
        let p = 3;
        let mut ts = vec![0.0f32; n * p];
        for i in 0..p {
            let s = range[i] as f64 * (inc[i] as f64).to_radians().sin();
            for d in 0..n {
                let defo = 0.002 - 0.03 * t[d] + 0.01 * t[d] * t[d];
                ts[d * p + i] = (pbase[d] * dz[i] / s + defo) as f32;
            }
        }
        (solver, ts, range, inc, dz, p)
    }

    #[test]
    fn recovers_a_known_dem_error_exactly_without_noise() {
        for model in [
            DemErrModel::default(),
            DemErrModel {
                phase_velocity: true,
                ..DemErrModel::default()
            },
            DemErrModel {
                exclude_dates: vec![dates(10)[3]],
                ..DemErrModel::default()
            },
        ] {
            let (solver, ts, range, inc, dz, p) = synthetic(&model);
            let geom = Geometry::PerPixel {
                range: &range,
                incidence: &inc,
            };
            let mut valid = Vec::new();
            valid_pixels(&ts, 10, p, None, geom, &mut valid);
            assert_eq!(valid, [true; 3]);
            let mut out = DemErrStrip::default();
            solver.solve(&ts, p, geom, &valid, &mut out);
            for (i, dz_i) in dz.iter().enumerate() {
                assert!(
                    (out.dem_error[i] as f64 - dz_i).abs() < 1e-3,
                    "{model:?}: {} vs {}",
                    out.dem_error[i],
                    dz_i
                );
                // With the phase velocity the constant is not fitted and stays in the residual.
                let offset = if model.phase_velocity { 0.002 } else { 0.0 };
                for d in 0..10 {
                    assert!((out.residual[d * p + i] - offset).abs() < 1e-6);
                }
            }
        }
    }

    #[test]
    fn corrected_series_keeps_the_deformation() {
        let (solver, ts, range, inc, _, p) = synthetic(&DemErrModel::default());
        let geom = Geometry::PerPixel {
            range: &range,
            incidence: &inc,
        };
        let mut out = DemErrStrip::default();
        solver.solve(&ts, p, geom, &[true, true, false], &mut out);
        let t = 12.0 * 4.0 / 365.25;
        let defo = (0.002 - 0.03 * t + 0.01 * t * t) as f32;
        assert!((out.corrected[4 * p] - defo).abs() < 1e-6);
        // A pixel left out keeps zeros, as MintPy writes.
        assert_eq!(out.dem_error[2], 0.0);
        assert_eq!(out.corrected[4 * p + 2], 0.0);
    }

    #[test]
    fn invalid_pixels_follow_mintpy() {
        let n = 2;
        let ts = [0.0, 1.0, f32::NAN, 0.5, 0.0, 2.0, 1.0, 1.0, -1.0, 0.5];
        let p = 5;
        let tcoh = [1.0, 1.0, 1.0, 0.0, 1.0];
        let range = [8e5; 5];
        let inc = [30.0, 30.0, 30.0, 30.0, 0.0];
        let mut valid = Vec::new();
        valid_pixels(
            &ts,
            n,
            p,
            Some(&tcoh),
            Geometry::PerPixel {
                range: &range,
                incidence: &inc,
            },
            &mut valid,
        );
        // 0: all zero... ts[0]=0, ts[5]=2 -> mean 1 -> valid; 1: 1 + 1 valid; 2: NaN;
        // 3: zero temporal coherence; 4: zero incidence.
        assert_eq!(valid, [true, true, false, false, false]);
        valid_pixels(&[0.0, 0.0], 2, 1, None, Geometry::Scalar(5e5), &mut valid);
        assert_eq!(valid, [false]);
    }
}
