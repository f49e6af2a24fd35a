//! The per-pixel SBAS solve: MintPy's minimum-norm *velocity* weighted least squares
//! (`minNormVelocity=True`), `min || W^(1/2) (B v - y) ||` over the pixel's valid pairs, then
//! `ts[0] = 0`, `ts[k+1] = ts[k] + v[k] dt[k]`.
//!
//! Connected networks solve the normal equations `B^T W B v = B^T W y`, which are banded (a pair
//! touches only the intervals it spans), with a banded Cholesky in f64. When the pixel's valid
//! pairs split the dates into several parts, `B` loses rank; its null space is known exactly
//! (shifting one part's time series by a constant), so adding `alpha Q Q^T` for an orthonormal
//! basis `Q` of it makes the system definite without changing the solution on the range: the
//! result is the minimum-norm solution MintPy's `lstsq` (gelsd) returns.

use super::tcoh::temporal_coherence;
use crate::linalg;

/// Relative pivot threshold below which a Cholesky factorisation counts as singular: the
/// square of gelsd's `cond = 1e-5`, as normal-equation eigenvalues are squared singular values.
pub(crate) const PIVOT_REL_TOL: f64 = 1e-10;

/// The time series from interval velocities: `ts[0] = 0`, `ts[k+1] = ts[k] + v[k] dt[k]`.
pub(crate) fn cumulate(ts: &mut [f64], v: &[f64], dt: &[f64]) {
    let mut acc = 0.0;
    ts[0] = 0.0;
    for ((t, vk), dtk) in ts[1..].iter_mut().zip(v).zip(dt) {
        acc += vk * dtk;
        *t = acc;
    }
}

/// The network as the solver needs it: pair date indices and interval lengths.
#[derive(Debug, Clone)]
pub(crate) struct Design {
    /// Number of dates N.
    pub num_dates: usize,
    /// `(first, second)` date indices of each pair.
    pub pairs: Vec<(u32, u32)>,
    /// Interval lengths in years (N-1).
    pub dt: Vec<f64>,
    /// Largest pair span in intervals minus one: the half-bandwidth of `B^T W B`.
    pub bandwidth: usize,
}

impl Design {
    /// From the network's pairs and interval lengths.
    pub fn new(num_dates: usize, pairs: Vec<(u32, u32)>, dt: Vec<f64>) -> Design {
        let bandwidth = pairs
            .iter()
            .map(|&(a, b)| (b - a) as usize)
            .max()
            .unwrap_or(1)
            .saturating_sub(1);
        Design {
            num_dates,
            pairs,
            dt,
            bandwidth,
        }
    }

    /// Number of unknowns (intervals), N-1.
    pub fn num_unknowns(&self) -> usize {
        self.num_dates - 1
    }

    /// MintPy's redundancy test: the fewest valid pairs touching any date but the first.
    pub fn min_redundancy(&self, valid: impl Fn(usize) -> bool, count: &mut [u32]) -> u32 {
        count.fill(0);
        for (i, &(a, b)) in self.pairs.iter().enumerate() {
            if valid(i) {
                count[a as usize] += 1;
                count[b as usize] += 1;
            }
        }
        count[1..].iter().copied().min().unwrap_or(u32::MAX)
    }
}

/// What became of one pixel.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Outcome {
    /// Solved. `rank_deficient`: the valid pairs left the dates in separate parts (or the
    /// system was numerically singular) and the minimum-norm solution was taken.
    Solved {
        /// Whether the minimum-norm path was taken.
        rank_deficient: bool,
        /// Temporal coherence.
        tcoh: f64,
        /// Valid pairs used.
        num_valid: usize,
    },
    /// Some date had fewer valid pairs than the minimum redundancy: outputs stay zero.
    LowRedundancy,
}

/// Scratch space for solving pixels one at a time; allocated once per block of pixels.
#[derive(Debug, Clone)]
pub(crate) struct PixelSolver {
    n: usize,
    /// Normal matrix, row-major n x n, lower triangle used.
    ata: Vec<f64>,
    /// Right-hand side, then the velocity.
    atb: Vec<f64>,
    /// Valid pairs per date.
    count: Vec<u32>,
    /// Union-find parents over the dates.
    parent: Vec<u32>,
    /// Orthonormal null-space basis, one row of n per vector.
    null: Vec<f64>,
    /// The phase time series of the last solved pixel (N dates, radians).
    pub ts: Vec<f64>,
}

impl PixelSolver {
    /// Scratch for `design`.
    pub fn new(design: &Design) -> PixelSolver {
        let n = design.num_unknowns();
        let nd = design.num_dates;
        PixelSolver {
            n,
            ata: vec![0.0; n * n],
            atb: vec![0.0; n],
            count: vec![0; nd],
            parent: vec![0; nd],
            null: vec![0.0; n * nd],
            ts: vec![0.0; nd],
        }
    }

    /// Solves one pixel. `y` holds the referenced phase of every pair, NaN where the pair is not
    /// valid; `w` the weights (None = unweighted). On `Solved`, [`Self::ts`] holds the phase
    /// time series.
    pub fn solve(
        &mut self,
        d: &Design,
        y: &[f64],
        w: Option<&[f64]>,
        min_redundancy: f32,
    ) -> Outcome {
        let n = self.n;
        let redundancy = d.min_redundancy(|i| !y[i].is_nan(), &mut self.count);
        if (redundancy as f64) < min_redundancy as f64 {
            return Outcome::LowRedundancy;
        }
        let num_valid = y.iter().filter(|v| !v.is_nan()).count();
        let parts = self.components(d, y);
        let mut rank_deficient = parts > 1;
        // The null-space term fills the matrix: factor it dense then.
        let bw = if rank_deficient {
            n - 1
        } else {
            d.bandwidth.min(n - 1)
        };
        self.form_normal_equations(d, y, w, bw);
        if rank_deficient {
            self.add_null_space(d, parts);
        }
        let mut ok = linalg::banded_cholesky_in_place(&mut self.ata, n, bw, PIVOT_REL_TOL);
        if ok {
            linalg::banded_cholesky_solve(&self.ata, n, bw, &mut self.atb);
            ok = self.atb.iter().all(|v| v.is_finite());
        }
        if !ok {
            // Numerically singular although connected (or the augmented system failed): the
            // eigen-decomposition path with gelsd's cutoff. Rare, so its allocations are fine.
            rank_deficient = true;
            self.form_normal_equations(d, y, w, n - 1);
            for i in 0..n {
                for j in i + 1..n {
                    self.ata[i * n + j] = self.ata[j * n + i];
                }
            }
            let x = linalg::min_norm_symmetric(&self.ata, &self.atb, n, PIVOT_REL_TOL);
            self.atb.copy_from_slice(&x);
        }
        cumulate(&mut self.ts, &self.atb, &d.dt);
        Outcome::Solved {
            rank_deficient,
            tcoh: temporal_coherence(&self.ts, &d.pairs, y),
            num_valid,
        }
    }

    /// Fills `ata` (lower band `bw`) and `atb` from the valid pairs: each entry sums `w` (or
    /// `w y`) of the pairs covering it, in pair order, and is then scaled by its interval
    /// lengths `dt[k] dt[j]` (or `dt[k]`), exactly as the batched solve forms them.
    fn form_normal_equations(&mut self, d: &Design, y: &[f64], w: Option<&[f64]>, bw: usize) {
        let n = self.n;
        for i in 0..n {
            self.ata[i * n + i.saturating_sub(bw)..=i * n + i].fill(0.0);
        }
        self.atb.fill(0.0);
        for (i, (&(a, b), &yi)) in d.pairs.iter().zip(y).enumerate() {
            if yi.is_nan() {
                continue;
            }
            let wi = w.map_or(1.0, |w| w[i]);
            let (a, b) = (a as usize, b as usize);
            for k in a..b {
                self.atb[k] += wi * yi;
                for r in &mut self.ata[k * n + a..k * n + k + 1] {
                    *r += wi;
                }
            }
        }
        for k in 0..n {
            let j0 = k.saturating_sub(bw);
            self.atb[k] *= d.dt[k];
            for (j, r) in self.ata[k * n + j0..=k * n + k].iter_mut().enumerate() {
                *r *= d.dt[k] * d.dt[j0 + j];
            }
        }
    }

    /// Union-find over the dates joined by valid pairs; leaves each date's root in `parent`
    /// and returns the number of parts.
    fn components(&mut self, d: &Design, y: &[f64]) -> usize {
        fn find(p: &mut [u32], mut i: u32) -> u32 {
            while p[i as usize] != i {
                let g = p[p[i as usize] as usize];
                p[i as usize] = g;
                i = g;
            }
            i
        }
        for (i, p) in self.parent.iter_mut().enumerate() {
            *p = i as u32;
        }
        let mut parts = d.num_dates;
        for (&(a, b), yi) in d.pairs.iter().zip(y) {
            if yi.is_nan() {
                continue;
            }
            let (ra, rb) = (find(&mut self.parent, a), find(&mut self.parent, b));
            if ra != rb {
                self.parent[ra.max(rb) as usize] = ra.min(rb);
                parts -= 1;
            }
        }
        if parts > 1 {
            for i in 0..d.num_dates as u32 {
                let r = find(&mut self.parent, i);
                self.parent[i as usize] = r;
            }
        }
        parts
    }

    /// Adds `alpha Q Q^T` to the (full lower) normal matrix, `Q` an orthonormal basis of the
    /// null space of `B`: one vector per part not holding the first date, `q[k] = ([k+1 in
    /// part] - [k in part]) / dt[k]` (the velocity of a unit step of that part's series).
    fn add_null_space(&mut self, d: &Design, parts: usize) {
        let n = self.n;
        let root0 = self.parent[0];
        let mut num_q = 0;
        for r in 1..d.num_dates as u32 {
            if self.parent[r as usize] != r || r == root0 {
                continue;
            }
            let (done, rest) = self.null.split_at_mut(num_q * n);
            let q = &mut rest[..n];
            let inside = |i: usize| f64::from(u8::from(self.parent[i] == r));
            for (k, (qk, dtk)) in q.iter_mut().zip(&d.dt).enumerate() {
                *qk = (inside(k + 1) - inside(k)) / dtk;
            }
            for prev in done.chunks_exact(n) {
                let dot: f64 = prev.iter().zip(q.iter()).map(|(p, v)| p * v).sum();
                for (v, p) in q.iter_mut().zip(prev) {
                    *v -= dot * p;
                }
            }
            let norm = q.iter().map(|v| v * v).sum::<f64>().sqrt();
            if norm > 0.0 {
                q.iter_mut().for_each(|v| *v /= norm);
                num_q += 1;
            }
        }
        debug_assert!(num_q + 1 == parts, "{num_q} null vectors for {parts} parts");
        let alpha = (0..n)
            .map(|i| self.ata[i * n + i])
            .fold(0.0f64, f64::max)
            .max(f64::MIN_POSITIVE);
        for q in self.null[..num_q * n].chunks_exact(n) {
            for i in 0..n {
                let aqi = alpha * q[i];
                if aqi == 0.0 {
                    continue;
                }
                let row = &mut self.ata[i * n..i * n + i + 1];
                for (j, r) in row.iter_mut().enumerate() {
                    *r += aqi * q[j];
                }
            }
        }
    }
}
