//! Phase closure (MintPy's `unwrap_error_phase_closure.py`, Yunjun et al. 2019): the integer
//! ambiguity of each triplet's closure phase, explained by integer cycles of the
//! interferograms through the L1-regularised least squares
//! `minimize ||C x + b||^2 + alpha ||x||_1` (`C` the triplets' design matrix, `b` the closure
//! integers, `alpha = 0.01`), rounded. MintPy solves it with cvxopt's interior-point method;
//! here a primal-dual interior-point method of our own, converged far beyond cvxopt's
//! tolerances, whose iterates follow the central path: where several cycle sets explain the
//! closures equally well (an error on a pair that only one triplet holds, such as the first
//! date's pairs of a nearest-neighbour network), the limit is the centre of the tie, each
//! candidate below half a cycle, and none is corrected. Pure.

use crate::linalg::{
    cholesky_profile_in_place, cholesky_profile_solve, solve_spd_or_min_norm, Profile,
};
use crate::network::Network;

/// MintPy's shrinkage weight of the L1 term.
pub const ALPHA: f64 = 1e-2;

/// The triplets of a network and the normal matrix of their design matrix.
#[derive(Debug, Clone)]
pub struct ClosureSystem {
    /// Pairs.
    n: usize,
    /// Pair indices of each triplet in ascending order with their signs (MintPy's row order).
    triplets: Vec<[(u32, f64); 3]>,
    /// `C^T C`, `n x n` row-major.
    ctc: Vec<f64>,
    /// Its non-zero pattern: banded, as a triplet's pairs are near each other in pair order.
    profile: Profile,
}

impl ClosureSystem {
    /// The system of `network`'s triplets (every date triple whose three pairs are present).
    pub fn new(network: &Network) -> ClosureSystem {
        let n = network.num_pairs();
        let triplets: Vec<[(u32, f64); 3]> = crate::overview::triplets(network)
            .into_iter()
            .map(|t| t.map(|(i, s)| (i, f64::from(s))))
            .collect();
        let mut ctc = vec![0.0; n * n];
        for t in &triplets {
            for &(i, si) in t {
                for &(j, sj) in t {
                    ctc[i as usize * n + j as usize] += si * sj;
                }
            }
        }
        let profile = Profile::of(&ctc, n);
        ClosureSystem {
            n,
            triplets,
            ctc,
            profile,
        }
    }

    /// Number of triplets.
    pub fn num_triplets(&self) -> usize {
        self.triplets.len()
    }

    /// Integer ambiguities `round((c - wrap(c)) / 2 pi)` of the closure phases `c` of one
    /// pixel's referenced phases `unw` (one per pair), in float64 as MintPy's product of the
    /// float64 design matrix and the float32 phase. A NaN closure counts as 0.
    pub fn closure_integers(&self, unw: &[f32], out: &mut Vec<f64>) {
        let tau = 2.0 * std::f64::consts::PI;
        out.clear();
        out.extend(self.triplets.iter().map(|t| {
            let c = t
                .iter()
                .fold(0.0f64, |acc, &(i, s)| acc + s * f64::from(unw[i as usize]));
            // numpy's wrap: -pi + (c + pi) mod 2 pi, floored modulo.
            let wrapped = (c + std::f64::consts::PI).rem_euclid(tau) - std::f64::consts::PI;
            let k = ((c - wrapped) / tau).round_ties_even();
            if k.is_finite() {
                k
            } else {
                0.0
            }
        }));
    }

    /// Cycles per pair explaining the closure integers `b` (one per triplet): the solution of
    /// the L1-regularised least squares, rounded to the nearest integer (halves to even, as
    /// `np.round`). All zero without a non-zero closure.
    pub fn cycles(&self, b: &[f64]) -> Vec<i32> {
        if b.iter().all(|&v| v == 0.0) {
            return vec![0; self.n];
        }
        self.solve(b)
            .iter()
            .map(|v| v.round_ties_even() as i32)
            .collect()
    }

    /// The real solution of `minimize ||C x + b||^2 + ALPHA ||x||_1`: a Mehrotra
    /// predictor-corrector interior-point method on `x` and the bounds `u >= |x|`.
    pub fn solve(&self, b: &[f64]) -> Vec<f64> {
        let n = self.n;
        // Objective x'Px + q'x + alpha 1'u with P = C'C, q = 2 C'b.
        let mut q = vec![0.0; n];
        for (t, &bt) in self.triplets.iter().zip(b) {
            for &(i, s) in t {
                q[i as usize] += 2.0 * s * bt;
            }
        }
        let p = &self.ctc;
        let (mut x, mut u) = (vec![0.0; n], vec![1.0; n]);
        let (mut z1, mut z2) = (vec![ALPHA / 2.0; n], vec![ALPHA / 2.0; n]);
        // The Newton matrix 2P + diag: only its diagonal changes from one iteration to the
        // next. Its factor is made over P's profile (entries outside it stay 0).
        let mut h: Vec<f64> = p.iter().map(|v| 2.0 * v).collect();
        let mut l = vec![0.0; n * n];
        let prof = &self.profile;
        let mut px = vec![0.0; n];
        let (mut rx, mut ru) = (vec![0.0; n], vec![0.0; n]);
        let mut dir = Direction::new(n);
        let mut aff = Direction::new(n);
        let scale = 1.0 + q.iter().fold(0.0f64, |a, v| a.max(v.abs()));
        for _ in 0..200 {
            let s1: Vec<f64> = (0..n).map(|i| u[i] - x[i]).collect();
            let s2: Vec<f64> = (0..n).map(|i| u[i] + x[i]).collect();
            let mu = (0..n).map(|i| z1[i] * s1[i] + z2[i] * s2[i]).sum::<f64>() / (2 * n) as f64;
            prof.mul(p, n, &x, &mut px);
            for i in 0..n {
                rx[i] = 2.0 * px[i] + q[i] + z1[i] - z2[i];
                ru[i] = ALPHA - z1[i] - z2[i];
            }
            let res = rx.iter().chain(&ru).fold(0.0f64, |a, v| a.max(v.abs()));
            if mu < 1e-13 && res < 1e-11 * scale {
                break;
            }
            let d1: Vec<f64> = (0..n).map(|i| z1[i] / s1[i]).collect();
            let d2: Vec<f64> = (0..n).map(|i| z2[i] / s2[i]).collect();
            for i in 0..n {
                h[i * n + i] = 2.0 * p[i * n + i] + 4.0 * d1[i] * d2[i] / (d1[i] + d2[i]);
                let row = i * n + prof.first[i]..=i * n + i;
                l[row.clone()].copy_from_slice(&h[row]);
            }
            let factored = cholesky_profile_in_place(&mut l, n, prof);
            let solve = |rhs: &[f64]| -> Vec<f64> {
                if factored {
                    let mut v = rhs.to_vec();
                    cholesky_profile_solve(&l, n, prof, &mut v);
                    v
                } else {
                    solve_spd_or_min_norm(&h, rhs, n)
                }
            };
            let sys = Newton {
                s1: &s1,
                s2: &s2,
                d1: &d1,
                d2: &d2,
                rx: &rx,
                ru: &ru,
            };
            // Predictor: the affine step towards complementarity 0.
            let c1: Vec<f64> = (0..n).map(|i| -z1[i] * s1[i]).collect();
            let c2: Vec<f64> = (0..n).map(|i| -z2[i] * s2[i]).collect();
            sys.direction(&c1, &c2, &solve, &mut aff);
            let a_aff = aff.step_length(&s1, &s2, &z1, &z2);
            let mu_aff = (0..n)
                .map(|i| {
                    (z1[i] + a_aff * aff.dz1[i]) * (s1[i] + a_aff * aff.ds1[i])
                        + (z2[i] + a_aff * aff.dz2[i]) * (s2[i] + a_aff * aff.ds2[i])
                })
                .sum::<f64>()
                / (2 * n) as f64;
            let sigma = (mu_aff / mu).clamp(0.0, 1.0).powi(3);
            // Corrector: centring plus the second-order term of the predictor.
            let c1: Vec<f64> = (0..n)
                .map(|i| sigma * mu - z1[i] * s1[i] - aff.ds1[i] * aff.dz1[i])
                .collect();
            let c2: Vec<f64> = (0..n)
                .map(|i| sigma * mu - z2[i] * s2[i] - aff.ds2[i] * aff.dz2[i])
                .collect();
            sys.direction(&c1, &c2, &solve, &mut dir);
            let a = (0.99 * dir.step_length(&s1, &s2, &z1, &z2)).min(1.0);
            for i in 0..n {
                x[i] += a * dir.dx[i];
                u[i] += a * dir.du[i];
                z1[i] += a * dir.dz1[i];
                z2[i] += a * dir.dz2[i];
            }
        }
        x
    }
}

/// The Newton system of one iteration.
struct Newton<'a> {
    s1: &'a [f64],
    s2: &'a [f64],
    d1: &'a [f64],
    d2: &'a [f64],
    rx: &'a [f64],
    ru: &'a [f64],
}

/// A search direction.
struct Direction {
    dx: Vec<f64>,
    du: Vec<f64>,
    dz1: Vec<f64>,
    dz2: Vec<f64>,
    ds1: Vec<f64>,
    ds2: Vec<f64>,
}

impl Direction {
    fn new(n: usize) -> Direction {
        Direction {
            dx: vec![0.0; n],
            du: vec![0.0; n],
            dz1: vec![0.0; n],
            dz2: vec![0.0; n],
            ds1: vec![0.0; n],
            ds2: vec![0.0; n],
        }
    }

    /// Largest step in (0, 1] keeping slacks and multipliers non-negative.
    fn step_length(&self, s1: &[f64], s2: &[f64], z1: &[f64], z2: &[f64]) -> f64 {
        let mut a = 1.0f64;
        for (v, d) in [
            (s1, &self.ds1),
            (s2, &self.ds2),
            (z1, &self.dz1),
            (z2, &self.dz2),
        ] {
            for (&vi, &di) in v.iter().zip(d.iter()) {
                if di < 0.0 {
                    a = a.min(-vi / di);
                }
            }
        }
        a
    }
}

impl Newton<'_> {
    /// The direction for complementarity targets `c1 = target - z1 s1` (and `c2`): the
    /// multipliers and `u` eliminated, `(2P + 4 D1 D2 / (D1 + D2)) dx = rhs` solved by `solve`.
    fn direction(
        &self,
        c1: &[f64],
        c2: &[f64],
        solve: &dyn Fn(&[f64]) -> Vec<f64>,
        out: &mut Direction,
    ) {
        let n = self.s1.len();
        let w: Vec<f64> = (0..n)
            .map(|i| c1[i] / self.s1[i] + c2[i] / self.s2[i] - self.ru[i])
            .collect();
        let rhs: Vec<f64> = (0..n)
            .map(|i| {
                let (d1, d2) = (self.d1[i], self.d2[i]);
                -self.rx[i]
                    - (c1[i] / self.s1[i] - c2[i] / self.s2[i])
                    - (d2 - d1) * w[i] / (d1 + d2)
            })
            .collect();
        out.dx = solve(&rhs);
        for i in 0..n {
            let (d1, d2) = (self.d1[i], self.d2[i]);
            let dx = out.dx[i];
            out.du[i] = (w[i] + (d1 - d2) * dx) / (d1 + d2);
            out.ds1[i] = out.du[i] - dx;
            out.ds2[i] = out.du[i] + dx;
            out.dz1[i] = c1[i] / self.s1[i] - d1 * out.ds1[i];
            out.dz2[i] = c2[i] / self.s2[i] - d2 * out.ds2[i];
        }
    }
}

/// MintPy's `np.median` of the rounded cycles of a region's samples for one pair, as an
/// integer: the middle value, or with an even count the mean of the two middle values rounded
/// half to even (MintPy would add the half cycle; sbas stores whole cycles).
pub fn median_cycles(v: &mut [i32]) -> i32 {
    if v.is_empty() {
        return 0;
    }
    v.sort_unstable();
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        ((f64::from(v[n / 2 - 1]) + f64::from(v[n / 2])) / 2.0).round_ties_even() as i32
    }
}

/// The sampled pixels of a region of `area` pixels: `num` indices into its pixels in raster
/// order, spread evenly (`floor((j + 1/2) area / num)`), every pixel when the region is
/// smaller. MintPy draws them at random; this rule gives the same correction on every run.
pub fn sample_indices(area: usize, num: usize) -> Vec<usize> {
    if area <= num {
        return (0..area).collect();
    }
    (0..num).map(|j| ((2 * j + 1) * area) / (2 * num)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::meta::Date;

    fn net(n: usize, k: usize) -> Network {
        let d0 = Date::parse("20200101").expect("date");
        let ds: Vec<Date> = (0..n).map(|i| d0.add_days(12 * i as i32)).collect();
        let mut pairs = Vec::new();
        for a in 0..n {
            for b in a + 1..(a + k + 1).min(n) {
                pairs.push((ds[a], ds[b]));
            }
        }
        let bperp = vec![0.0; pairs.len()];
        Network::new(&pairs, &bperp).expect("network")
    }

    /// Phases of a smooth deformation with `errors` (pair, cycles) added.
    fn phases(network: &Network, errors: &[(usize, i32)]) -> Vec<f32> {
        let mut unw: Vec<f32> = network
            .pairs
            .iter()
            .map(|p| 0.3 * (p.second as f32 - p.first as f32))
            .collect();
        for &(i, k) in errors {
            unw[i] += std::f32::consts::TAU * k as f32;
        }
        unw
    }

    #[test]
    fn an_error_inside_the_network_is_undone() {
        let network = net(8, 3);
        let sys = ClosureSystem::new(&network);
        // Pair 7 is (2, 4): inside the network, held by several triplets.
        let i = 7;
        assert_eq!(
            (network.pairs[i].first, network.pairs[i].second),
            (2, 4),
            "test setup"
        );
        let mut b = Vec::new();
        sys.closure_integers(&phases(&network, &[(i, 1)]), &mut b);
        assert!(b.iter().any(|&v| v != 0.0));
        let k = sys.cycles(&b);
        let want: Vec<i32> = (0..network.num_pairs())
            .map(|j| if j == i { -1 } else { 0 })
            .collect();
        assert_eq!(k, want);
        // Two errors of opposite sign, apart.
        sys.closure_integers(&phases(&network, &[(2, 2), (15, -1)]), &mut b);
        let k = sys.cycles(&b);
        assert_eq!((k[2], k[15]), (-2, 1));
        assert_eq!(k.iter().filter(|&&v| v != 0).count(), 2);
    }

    #[test]
    fn a_tie_on_an_edge_pair_corrects_nothing() {
        // Nearest two: the first pair (0, 1) is in one triplet only, as is (0, 2): the
        // closure is explained equally well by either, and neither is changed.
        let network = net(6, 2);
        let sys = ClosureSystem::new(&network);
        let mut b = Vec::new();
        sys.closure_integers(&phases(&network, &[(0, 1)]), &mut b);
        assert_eq!(b.iter().filter(|&&v| v != 0.0).count(), 1);
        let x = sys.solve(&b);
        assert!((x[0] + x[1]).abs() < 1e-4, "symmetric centre: {x:?}");
        assert!(x[0].abs() < 0.5 && x[0].abs() > 0.45, "{x:?}");
        assert!(sys.cycles(&b).iter().all(|&v| v == 0));
    }

    #[test]
    fn samples_and_medians() {
        assert_eq!(sample_indices(10, 4), vec![1, 3, 6, 8]);
        assert_eq!(sample_indices(3, 5), vec![0, 1, 2]);
        assert_eq!(median_cycles(&mut [1, -1, 1]), 1);
        assert_eq!(median_cycles(&mut [0, 1]), 0);
        assert_eq!(median_cycles(&mut [1, 1, 2, 2]), 2);
    }
}
