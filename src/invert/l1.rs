//! Least absolute deviations per pixel: `min sum_i u_i |y_i - (ts[b_i] - ts[a_i])|` over the
//! pixel's valid pairs `(a_i, b_i)`, with `u_i = sqrt(w_i)` (the L2 path scales each row by
//! `sqrt(w)`, as MintPy does; L1 scales the same rows and changes only the norm).
//!
//! The problem is the dual of a minimum-cost circulation on the network's graph (dates are
//! nodes, pairs are arcs): maximise `sum_i y_i f_i` over flows `f` with `|f_i| <= u_i` that
//! are conserved at every date. The node potentials of an optimal basis are an optimal time
//! series. It is solved exactly by the primal network simplex method:
//! - start: a spanning tree of valid pairs (the previous pixel's optimal tree when it is still
//!   valid, else a breadth-first tree), every flow 0. A zero flow is strictly inside its
//!   bounds `[-u, u]`, so the start is a *strongly feasible* tree; non-tree pairs may rest at 0
//!   until they are priced (an extension of the bounded simplex that keeps the same proofs);
//! - entering pair by block pricing (the most violated pair in a block of about `sqrt(M)`);
//! - leaving pair by Cunningham's rule (the last blocking pair met on the cycle from its apex),
//!   which keeps every tree strongly feasible and so excludes cycling: the method ends in
//!   finitely many pivots, with no iteration count to choose;
//! - it ends when no pair violates the optimality conditions (a pair at `+u` has residual
//!   `>= 0`, at `-u` `<= 0`, in between exactly 0): complementary slackness, so the flow is a
//!   certificate of optimality. [`L1Solver::duality_gap`] checks it (primal minus dual
//!   objective, 0 at an optimum).
//!
//! The basis found is a vertex: it fits at least N-1 pairs exactly. When several time series
//! are optimal (a flat optimal face, common with equal weights: shifting a date moves as many
//! residuals up as down), which vertex the simplex ends on depends on where it started. The
//! answer is made canonical by [`L1Solver::centre_of_ties`]: the optimal series are exactly those
//! that satisfy complementary slackness with the optimal flow found (a fact of linear
//! programming, whichever optimal flow it is), a system of difference constraints, whose
//! componentwise greatest and least solutions are shortest paths; the result is their midpoint
//! (an optimal series: the face is convex), as the median of an even sample is the midpoint of
//! its two middle values.
//! When the valid pairs split the dates into parts, each part after the first hangs from date 0
//! by an artificial bridge that carries no flow; the parts' offsets are then chosen as the L2
//! path chooses them: the minimum-norm phase velocity among the optimal series.

use super::solve::{cumulate, Design, Outcome, PIVOT_REL_TOL};
use super::tcoh::sin_cos;

/// No arc: the root's link, or an artificial bridge between parts of a split network.
const NONE: u32 = u32::MAX;

/// Where a pair stands in the current basis.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Basic (a tree arc).
    Tree,
    /// Non-basic at `-u`.
    Lower,
    /// Non-basic at `+u`.
    Upper,
    /// Non-basic at 0 (only before it is first priced).
    Zero,
}

/// Scratch of the network simplex, made once per block of pixels and reused pixel to pixel.
#[derive(Debug, Clone)]
pub(crate) struct L1Solver {
    /// Incident pairs of each date (CSR over the design's pairs), for the breadth-first tree.
    adj_start: Vec<u32>,
    adj: Vec<u32>,
    /// Per entry of `adj`: the pair's other date, and +1 when the pair leaves the date (it is
    /// the pair's first date), -1 when it enters it.
    adj_other: Vec<u32>,
    adj_dir: Vec<f64>,
    /// Per pair: bound `u` (0 = not valid), flow, state.
    cap: Vec<f64>,
    flow: Vec<f64>,
    state: Vec<State>,
    /// Per date: parent, arc to the parent, depth, potential (phase, radians).
    parent: Vec<u32>,
    pred: Vec<u32>,
    depth: Vec<u32>,
    pot: Vec<f64>,
    /// Per date: part (its smallest date), and whether its potential is up to date.
    part: Vec<u32>,
    fresh: Vec<bool>,
    /// Scratch: a walk up the tree, the cycle's two sides, the breadth-first queue.
    stack: Vec<u32>,
    side_from: Vec<u32>,
    side_to: Vec<u32>,
    /// Valid pairs per date (redundancy test).
    count: Vec<u32>,
    /// Dates in depth-first preorder (filled by `refresh`, kept by the dual pivots), and each
    /// date's net inflow (warm flows).
    order: Vec<u32>,
    net: Vec<f64>,
    /// Scratch of [`Self::tree_flows`]: subtree sums, and per date how far its tree pair's
    /// flow exceeds the bound.
    acc: Vec<f64>,
    excess: Vec<f64>,
    /// The tree in depth-first preorder ([`Self::refresh`]): per date its place in `order`
    /// and its subtree's size; the children of each date (CSR) and a cursor per date.
    pos: Vec<u32>,
    size: Vec<u32>,
    /// Per date: +1 when its pair to the parent leaves it (the date is the pair's first),
    /// else -1 (kept with `pred`, for the dual phase).
    leaves: Vec<f64>,
    child_start: Vec<u32>,
    children: Vec<u32>,
    acc_u: Vec<u32>,
    /// Dual phase: a re-hung subtree's new preorder.
    block: Vec<u32>,
    /// Interval velocities and the null-space basis of split networks.
    vel: Vec<f64>,
    null: Vec<f64>,
    /// Ties: per pair, the weights of its constraint edges, and per date the distances.
    /// The sum of the bounds (rounding scale of the flows).
    cap_sum: f64,
    /// Tie rule: the lightest constraint edge from class to class (K x K, row-major).
    class_w: Vec<f64>,
    dist: Vec<f64>,
    hi: Vec<f64>,
    /// Whether the tree is the previous pixel's optimal tree of a connected network.
    warm: bool,
    /// Whether connected networks start with the dual phase ([`Self::start_dual`]); off only
    /// in tests that compare against the primal method alone.
    pub(crate) dual: bool,
    /// Per date: on the cut-off side of the leaving arc (dual phase).
    below: Vec<bool>,
    /// Dual phase: the candidates of the ratio test, `(breakpoint bits) << 32 | pair` (the
    /// first `num_cand`; room for every pair, see [`Self::crossing_pairs`]).
    cand: Vec<u128>,
    num_cand: usize,
    /// Dual pivots of the last solve.
    pub dual_pivots: usize,
    /// The least-squares solve whose residuals pick the dual phase's starting tree: the
    /// normal matrix (row-major, lower band), right-hand side then velocity, time series.
    ata: Vec<f64>,
    atb: Vec<f64>,
    lts: Vec<f64>,
    /// The starting tree's keys per pair: `(residual / bound as f32).to_bits() << 32 | pair`,
    /// compared as integers (the ratios are >= 0, whose bits order as their values; ties by
    /// pair index), `u64::MAX` for pairs not valid. Single precision is plenty to pick a
    /// starting tree.
    keys: Vec<u64>,
    /// Prim's method: per date the lightest key from the tree to it (`u64::MAX` once in the
    /// tree or while no tree date reaches it), and a mask, all ones for the dates in the tree
    /// (else 0).
    lightest: Vec<u64>,
    joined: Vec<u64>,
    /// Temporal coherence: residuals of the valid pairs, then their sines and cosines.
    res: Vec<f32>,
    sin: Vec<f32>,
    cos: Vec<f32>,
    /// Union-find parents over the dates (the classes of the tie rule).
    uf: Vec<u32>,
    /// Tie rule: per date its class.
    class: Vec<u32>,
    /// Where block pricing resumes.
    next_price: usize,
    /// Pivots of the last solve.
    pub pivots: usize,
    /// Pixels whose pivot limit was reached (never expected: a safety net).
    pub not_optimal: usize,
    /// The phase time series of the last solved pixel (N dates, radians).
    pub ts: Vec<f64>,
}

impl L1Solver {
    /// Scratch for `design`.
    pub fn new(d: &Design) -> L1Solver {
        let (nd, m) = (d.num_dates, d.pairs.len());
        let mut deg = vec![0u32; nd + 1];
        for &(a, b) in &d.pairs {
            deg[a as usize + 1] += 1;
            deg[b as usize + 1] += 1;
        }
        for i in 0..nd {
            deg[i + 1] += deg[i];
        }
        let mut adj = vec![0u32; 2 * m];
        let mut adj_other = vec![0u32; 2 * m];
        let mut adj_dir = vec![0.0; 2 * m];
        let mut fill = deg.clone();
        for (i, &(a, b)) in d.pairs.iter().enumerate() {
            for (v, o, dir) in [(a, b, 1.0), (b, a, -1.0)] {
                let k = fill[v as usize] as usize;
                (adj[k], adj_other[k], adj_dir[k]) = (i as u32, o, dir);
                fill[v as usize] += 1;
            }
        }
        L1Solver {
            adj_start: deg,
            adj,
            adj_other,
            adj_dir,
            cap: vec![0.0; m],
            flow: vec![0.0; m],
            state: vec![State::Zero; m],
            parent: vec![NONE; nd],
            pred: vec![NONE; nd],
            depth: vec![0; nd],
            pot: vec![0.0; nd],
            part: vec![0; nd],
            fresh: vec![false; nd],
            stack: Vec::with_capacity(nd),
            side_from: Vec::with_capacity(nd),
            side_to: Vec::with_capacity(nd),
            count: vec![0; nd],
            order: Vec::with_capacity(nd),
            net: vec![0.0; nd],
            acc: vec![0.0; nd],
            excess: vec![0.0; nd],
            pos: vec![0; nd],
            leaves: vec![0.0; nd],
            size: vec![0; nd],
            child_start: vec![0; nd + 1],
            children: vec![0; nd],
            acc_u: vec![0; nd],
            block: Vec::with_capacity(nd),
            vel: vec![0.0; nd.saturating_sub(1)],
            null: vec![0.0; nd * nd.saturating_sub(1)],
            cap_sum: 0.0,
            class_w: vec![0.0; nd * nd],
            dist: vec![0.0; nd],
            hi: vec![0.0; nd],
            warm: false,
            dual: true,
            below: vec![false; nd],
            cand: vec![0; m.max(1)],
            num_cand: 0,
            dual_pivots: 0,
            ata: vec![0.0; nd.saturating_sub(1) * nd],
            atb: vec![0.0; nd.saturating_sub(1)],
            lts: vec![0.0; nd],
            keys: vec![0; m],
            lightest: vec![0; nd],
            joined: vec![0; nd],
            res: Vec::with_capacity(m),
            sin: Vec::with_capacity(m),
            cos: Vec::with_capacity(m),
            uf: vec![0; nd],
            class: vec![NONE; nd],
            next_price: 0,
            pivots: 0,
            not_optimal: 0,
            ts: vec![0.0; nd],
        }
    }

    /// [`Self::solve_from`] solving its own least squares: the solver on its own, for the
    /// tests (the inversion passes a start from its batched solve).
    #[cfg(test)]
    pub fn solve(
        &mut self,
        d: &Design,
        y: &[f64],
        w: Option<&[f64]>,
        min_redundancy: f32,
    ) -> Outcome {
        self.solve_from(d, y, w, min_redundancy, None)
    }

    /// Solves one pixel. `y` holds the referenced phase of every pair, NaN where the pair is not
    /// valid; `w` the weights (None = unweighted). On `Solved`, [`Self::ts`] holds the phase
    /// time series. `start` is a time series near the pixel's fit when the caller has one (the
    /// inversion passes its batched least squares moved towards the L1 fit,
    /// [`super::batch::Batch::l1_start`]): the first tree then comes from its residuals,
    /// without solving least squares here. `Some` only for a pixel whose least-squares solve
    /// succeeded (its valid pairs connect every date). The answer does not depend on it: the
    /// optimum is made canonical ([`Self::centre_of_ties`]).
    pub fn solve_from(
        &mut self,
        d: &Design,
        y: &[f64],
        w: Option<&[f64]>,
        min_redundancy: f32,
        start: Option<&[f64]>,
    ) -> Outcome {
        let redundancy = d.min_redundancy(|i| !y[i].is_nan(), &mut self.count);
        if (redundancy as f64) < min_redundancy as f64 {
            return Outcome::LowRedundancy;
        }
        let mut num_valid = 0;
        let mut ymax = 0.0f64;
        self.cap_sum = 0.0;
        for (i, &yi) in y.iter().enumerate() {
            self.cap[i] = if yi.is_nan() {
                0.0
            } else {
                num_valid += 1;
                ymax = ymax.max(yi.abs());
                // Weights are positive (MintPy's coherence floor); the floor here only keeps a
                // degenerate weight from making a valid pair look invalid.
                w.map_or(1.0, |w| w[i].sqrt()).max(f64::MIN_POSITIVE)
            };
            self.cap_sum += self.cap[i];
        }
        let tol = 1e-10 * (1.0 + ymax);
        let limit = 100 * (d.pairs.len() + d.num_dates) + 1000;
        let parts = if self.dual {
            self.start_dual(d, y, w, start)
        } else {
            self.start(d, y)
        };
        if !self.optimise(d, y, tol, limit) {
            // Not expected (strongly feasible trees do not cycle); start over from a cold tree
            // once, then give up on certifying the pixel.
            self.warm = false;
            self.start(d, y);
            if !self.optimise(d, y, tol, limit) {
                self.not_optimal += 1;
            }
        }
        self.warm = parts == 1;
        self.centre_of_ties(d, y);
        if parts > 1 {
            self.minimum_norm_offsets(d, parts);
        }
        Outcome::Solved {
            rank_deficient: parts > 1,
            tcoh: self.coherence(d, y),
            num_valid,
        }
    }

    /// Temporal coherence of [`Self::ts`], bit for bit [`super::tcoh::temporal_coherence`]
    /// (the same phasors summed in the same order), with the phasors of the valid pairs made
    /// first in a loop the compiler vectorises: one by one they cost more than the solve's
    /// pivots.
    fn coherence(&mut self, d: &Design, y: &[f64]) -> f64 {
        self.res.clear();
        for (&(a, b), &yi) in d.pairs.iter().zip(y) {
            if !yi.is_nan() {
                self.res
                    .push((yi - (self.ts[b as usize] - self.ts[a as usize])) as f32);
            }
        }
        let count = self.res.len();
        if count == 0 {
            return 0.0;
        }
        self.sin.resize(count, 0.0);
        self.cos.resize(count, 0.0);
        for ((r, s), c) in self.res.iter().zip(&mut self.sin).zip(&mut self.cos) {
            (*s, *c) = sin_cos(*r);
        }
        let (mut re, mut im) = (0.0f32, 0.0f32);
        for (s, c) in self.sin.iter().zip(&self.cos) {
            im += s;
            re += c;
        }
        f64::from(re).hypot(f64::from(im)) / count as f64
    }

    /// Writes to [`Self::ts`] the midpoint of the componentwise least and greatest optimal
    /// series (each part's first date fixed), from the optimal basis in `pot` and `flow`. A
    /// pair whose flow is strictly inside its bounds must fit exactly at every optimum; one at
    /// `+u` may only keep a residual `>= 0`, at `-u` `<= 0` (complementary slackness). In the
    /// offsets `x` from `pot` these read `x[b] - x[a] <= slack` (and the reverse), with slacks
    /// the current residuals, `>= 0`: the greatest `x` is the shortest-path distance from the
    /// part's first date, the least the negated distance over the reversed constraints
    /// (Dijkstra: no negative weights). When every tree pair is strictly inside its bounds the
    /// tree pins the optimum (it is unique) and `pot` is the answer.
    ///
    /// A pair strictly inside its bounds is a constraint of weight 0 both ways, so the dates
    /// such pairs join (a *class*) share their distances: Dijkstra runs over the K classes,
    /// O(K^2 + M), and K is at most one more than the number of tree pairs at a bound (a few).
    /// The distances are those of Dijkstra over the dates, to the bit: both are the least,
    /// over the same paths, of the same left-to-right sums (adding 0 is exact, and rounding
    /// is monotone). With a single class per part the face is a point: `pot` is the answer.
    fn centre_of_ties(&mut self, d: &Design, y: &[f64]) {
        self.ts.copy_from_slice(&self.pot);
        // Flows are sums of bounds: rounding stays far below this.
        let ftol = 1e-12 * (1.0 + self.cap_sum);
        let interior = |f: f64, u: f64| !(f >= u - ftol || f <= -u + ftol);
        let degenerate = (0..d.num_dates).any(|v| {
            let arc = self.pred[v];
            arc != NONE && !interior(self.flow[arc as usize], self.cap[arc as usize])
        });
        if !degenerate {
            return;
        }
        // Classes: the dates joined by pairs strictly inside their bounds. Those are tree
        // pairs, or non-tree pairs resting at 0 (state `Zero`; the others are at a bound).
        for (v, p) in self.uf.iter_mut().enumerate() {
            *p = v as u32;
        }
        for v in 1..d.num_dates {
            let arc = self.pred[v];
            if arc != NONE && interior(self.flow[arc as usize], self.cap[arc as usize]) {
                let ra = find(&mut self.uf, v);
                let rb = find(&mut self.uf, self.parent[v] as usize);
                self.uf[ra] = rb as u32;
            }
        }
        for (i, &(a, b)) in d.pairs.iter().enumerate() {
            if self.state[i] == State::Zero && interior(self.flow[i], self.cap[i]) {
                let ra = find(&mut self.uf, a as usize);
                let rb = find(&mut self.uf, b as usize);
                self.uf[ra] = rb as u32;
            }
        }
        // Classes numbered in the order of their first dates (a root's label is its class).
        let mut k = 0;
        self.class.fill(NONE);
        for v in 0..d.num_dates {
            let r = find(&mut self.uf, v);
            if self.class[r] == NONE {
                self.class[r] = k;
                k += 1;
            }
            self.class[v] = self.class[r];
        }
        let k = k as usize;
        let parts = (0..d.num_dates)
            .filter(|&v| self.part[v] as usize == v)
            .count();
        if k == parts {
            return;
        }
        // Per pair, the weights of its constraint edges a -> b (`x[b] <= x[a] + w`) and
        // b -> a (infinite: no such constraint; 0 both ways inside a class), kept as the
        // lightest edge between each two classes: Dijkstra over classes then needs no
        // adjacency (`dc + min w` is `min (dc + w)` to the bit: rounding is monotone).
        let cw = &mut self.class_w[..k * k];
        cw.fill(f64::INFINITY);
        for (i, &(a, b)) in d.pairs.iter().enumerate() {
            let (ca, cb) = (
                self.class[a as usize] as usize,
                self.class[b as usize] as usize,
            );
            // An edge inside a class never shortens a path (weights are >= 0). A pair between
            // classes is not strictly inside its bounds (those join classes): at `+u`, at
            // `-u`, or not valid (no edge).
            if ca == cb {
                continue;
            }
            let (u, f) = (self.cap[i], self.flow[i]);
            let r = y[i] - (self.pot[b as usize] - self.pot[a as usize]);
            let up = f >= u - ftol;
            let valid = u != 0.0;
            let w_ab = if valid && up {
                r.max(0.0)
            } else {
                f64::INFINITY
            };
            let w_ba = if valid && !up {
                (-r).max(0.0)
            } else {
                f64::INFINITY
            };
            let ab = &mut cw[ca * k + cb];
            if w_ab < *ab {
                *ab = w_ab;
            }
            let ba = &mut cw[cb * k + ca];
            if w_ba < *ba {
                *ba = w_ba;
            }
        }
        self.shortest_paths(d, k, false);
        self.hi[..k].copy_from_slice(&self.dist[..k]);
        self.shortest_paths(d, k, true);
        for v in 0..d.num_dates {
            let c = self.class[v] as usize;
            let (hi, lo) = (self.hi[c], -self.dist[c]);
            // Unreached only by rounding (the optimal face is bounded): keep the vertex there.
            if hi.is_finite() && lo.is_finite() {
                self.ts[v] += 0.5 * (hi + lo);
            }
        }
    }

    /// Shortest-path distances in `dist` (per class, `k` classes) from the classes of the
    /// parts' first dates over the constraint edges of [`Self::centre_of_ties`] (reversed with
    /// `reverse`), the lightest edge between two classes in `class_w`: O(K^2) Dijkstra, K is
    /// small.
    fn shortest_paths(&mut self, d: &Design, k: usize, reverse: bool) {
        self.dist[..k].fill(f64::INFINITY);
        self.fresh[..k].fill(false);
        for v in 0..d.num_dates {
            if self.part[v] as usize == v {
                self.dist[self.class[v] as usize] = 0.0;
            }
        }
        loop {
            let mut best = (f64::INFINITY, usize::MAX);
            for c in 0..k {
                if !self.fresh[c] && self.dist[c] < best.0 {
                    best = (self.dist[c], c);
                }
            }
            let (dc, c) = best;
            if c == usize::MAX {
                break;
            }
            self.fresh[c] = true;
            for co in 0..k {
                let w = if reverse {
                    self.class_w[co * k + c]
                } else {
                    self.class_w[c * k + co]
                };
                if dc + w < self.dist[co] {
                    self.dist[co] = dc + w;
                }
            }
        }
    }

    /// Sets up the starting basis: the previous tree when every arc of it is still valid, else
    /// a breadth-first spanning forest from date 0 with bridges; every flow 0. Returns the
    /// number of parts of the valid network.
    fn start(&mut self, d: &Design, y: &[f64]) -> usize {
        let reuse = self.warm && (1..d.num_dates).all(|v| self.cap[self.pred[v] as usize] > 0.0);
        if !reuse {
            self.flow.fill(0.0);
            let parts = self.breadth_first_forest(d);
            self.refresh(d, y);
            return parts;
        }
        self.refresh(d, y);
        if !self.warm_flows(d) {
            // The previous flows do not fit this pixel's bounds: zero flows on the same tree
            // (strongly feasible, as every tree with zero flows is).
            self.flow.fill(0.0);
            for (i, s) in self.state.iter_mut().enumerate() {
                if *s != State::Tree || self.cap[i] == 0.0 {
                    *s = State::Zero;
                }
            }
        }
        1
    }

    /// Sets up an optimal basis by the dual phase where it can: the tree of the residuals of
    /// the series given, or of least squares solved here ([`Self::least_squares_tree`]), else a breadth-first forest, every non-tree pair at the bound its residual's
    /// sign asks for (so the basis is dual feasible), then
    /// [`Self::dual_phase`]. Split networks, and the rare basis the dual phase does not finish,
    /// start the primal method from zero flows on the tree instead (strongly feasible), so
    /// [`Self::optimise`] always ends at a certified optimum. Returns the number of parts.
    fn start_dual(
        &mut self,
        d: &Design,
        y: &[f64],
        w: Option<&[f64]>,
        start: Option<&[f64]>,
    ) -> usize {
        let fitted = match start {
            Some(ts) => {
                self.lts.copy_from_slice(ts);
                true
            }
            None => self.least_squares(d, y, w),
        };
        // Least squares succeeds exactly when the valid pairs connect every date (the design
        // has full rank), and then its tree spans them: one part.
        let parts = if fitted && self.least_squares_tree(d, y) {
            self.part.fill(0);
            self.hang_along_joins(d, y);
            1
        } else {
            let parts = self.breadth_first_forest(d);
            self.refresh(d, y);
            parts
        };
        self.dual_pivots = 0;
        if parts > 1 || !self.dual_phase(d, y) {
            self.flow.fill(0.0);
            for (i, s) in self.state.iter_mut().enumerate() {
                if *s != State::Tree || self.cap[i] == 0.0 {
                    *s = State::Zero;
                }
            }
        }
        parts
    }

    /// The least-squares phase time series of a connected pixel in `lts`, to the bit as
    /// [`super::solve::PixelSolver::solve`] computes it: the same sums in the same order and
    /// the banded Cholesky of [`crate::linalg::banded_cholesky_in_place`] step for step, on band
    /// storage (row `k` holds columns `k - bw ..= k`) and without what the start does not
    /// need (redundancy, parts, temporal coherence). False when the factorisation fails.
    fn least_squares(&mut self, d: &Design, y: &[f64], w: Option<&[f64]>) -> bool {
        let n = d.num_unknowns();
        let bw = d.bandwidth.min(n - 1);
        let s = bw + 1;
        // Entry (i, j), j in i - bw ..= i, of the band.
        let at = |i: usize, j: usize| i * s + j + bw - i;
        let band = &mut self.ata[..n * s];
        band.fill(0.0);
        self.atb.fill(0.0);
        for (i, (&(a, b), &yi)) in d.pairs.iter().zip(y).enumerate() {
            if yi.is_nan() {
                continue;
            }
            let wi = w.map_or(1.0, |w| w[i]);
            let (a, b) = (a as usize, b as usize);
            for k in a..b {
                self.atb[k] += wi * yi;
                for r in &mut band[at(k, a)..=at(k, k)] {
                    *r += wi;
                }
            }
        }
        for k in 0..n {
            let j0 = k.saturating_sub(bw);
            self.atb[k] *= d.dt[k];
            for (j, r) in band[at(k, j0)..=at(k, k)].iter_mut().enumerate() {
                *r *= d.dt[k] * d.dt[j0 + j];
            }
        }
        // Cholesky, the diagonal holding reciprocals.
        for j in 0..n {
            let k0 = j.saturating_sub(bw);
            let diag = band[at(j, j)];
            let mut dj = diag;
            for k in k0..j {
                dj -= band[at(j, k)] * band[at(j, k)];
            }
            if !dj.is_finite() || dj <= PIVOT_REL_TOL * diag.abs() {
                return false;
            }
            let inv = 1.0 / dj.sqrt();
            band[at(j, j)] = inv;
            for i in j + 1..n.min(j + bw + 1) {
                let mut sum = band[at(i, j)];
                for k in i.saturating_sub(bw)..j {
                    sum -= band[at(i, k)] * band[at(j, k)];
                }
                band[at(i, j)] = sum * inv;
            }
        }
        let x = &mut self.atb;
        for i in 0..n {
            let mut sum = x[i];
            for k in i.saturating_sub(bw)..i {
                sum -= band[at(i, k)] * x[k];
            }
            x[i] = sum * band[at(i, i)];
        }
        for i in (0..n).rev() {
            let mut sum = x[i];
            for k in i + 1..n.min(i + bw + 1) {
                sum -= band[at(k, i)] * x[k];
            }
            x[i] = sum * band[at(i, i)];
        }
        if !x.iter().all(|v| v.is_finite()) {
            return false;
        }
        cumulate(&mut self.lts, &self.atb, &d.dt);
        true
    }

    /// The tree: the minimum spanning tree of the valid pairs under the absolute residuals
    /// (relative to the bounds) of the series in `lts`, ties by pair index, hung from date 0.
    /// The pairs an L1 optimum fits exactly are mostly those a series near it fits best, so
    /// the dual phase starts near the optimum: from least squares about 18 dual pivots per
    /// pixel, from the inversion's reweighted start about 5 (40 dates). False (tree unset)
    /// when the pairs do not span the dates, which a successful least-squares fit rules out
    /// but for rounding.
    ///
    /// Prim's method over the dates, each step the lightest pair from the tree to a date
    /// outside it: the keys are distinct, so this is the one minimum spanning tree (Kruskal's
    /// too), and every step is a scan and a few minima without a data-dependent branch, where
    /// sorting the keys and a union-find mispredict about every other comparison. A date
    /// joins with its parent already in the tree, so the tree comes out hung from date 0.
    fn least_squares_tree(&mut self, d: &Design, y: &[f64]) -> bool {
        let nd = d.num_dates;
        for (i, &(a, b)) in d.pairs.iter().enumerate() {
            let r = y[i] - (self.lts[b as usize] - self.lts[a as usize]);
            // Relative to the bound: a stiffer pair (larger weight) is likelier to be fitted.
            let ratio = (r.abs() / self.cap[i]) as f32;
            let key = (u64::from(ratio.to_bits()) << 32) | i as u64;
            // Pairs not valid never join (their NaN ratio's key is replaced, not compared).
            self.keys[i] = if self.cap[i] > 0.0 { key } else { u64::MAX };
        }
        // Per date, the lightest key from the tree to it; u64::MAX once it is in the tree
        // (and for dates no tree date reaches yet).
        let lightest = &mut self.lightest;
        lightest.fill(u64::MAX);
        let mut v = 0;
        self.parent[0] = NONE;
        self.pred[0] = NONE;
        self.state.fill(State::Zero);
        self.stack.clear();
        self.stack.push(0);
        for _ in 1..nd {
            // Date v joins: its pairs to dates outside the tree may lower their keys. A date
            // inside has the key u64::MAX and `joined` holds it there.
            self.joined[v] = u64::MAX;
            let arcs = self.adj_start[v] as usize..self.adj_start[v + 1] as usize;
            for (&i, &o) in self.adj[arcs.clone()].iter().zip(&self.adj_other[arcs]) {
                let o = o as usize;
                lightest[o] = lightest[o].min(self.keys[i as usize] | self.joined[o]);
            }
            lightest[v] = u64::MAX;
            // The lightest key names its pair, whose end outside the tree joins next: no
            // index to carry through the scan, which is then a plain minimum.
            // (Four running minima: one would chain every comparison on the last.)
            let best = lightest.chunks_exact(4).fold([u64::MAX; 4], |m, c| {
                std::array::from_fn(|j| m[j].min(c[j]))
            });
            let best = lightest
                .chunks_exact(4)
                .remainder()
                .iter()
                .fold(best[0].min(best[1]).min(best[2].min(best[3])), |m, &k| {
                    m.min(k)
                });
            if best == u64::MAX {
                self.joined.fill(0);
                return false;
            }
            let i = (best & 0xffff_ffff) as usize;
            let (a, b) = d.pairs[i];
            // `a` is in the tree (mask all ones) or `b` is: the other end joins, without a branch.
            let next = a ^ ((a ^ b) & self.joined[a as usize] as u32);
            let next = next as usize;
            self.parent[next] = a ^ b ^ next as u32;
            self.pred[next] = i as u32;
            self.state[i] = State::Tree;
            self.stack.push(next as u32);
            v = next;
        }
        self.joined.fill(0);
        true
    }

    /// What [`Self::refresh`] sets up, for the tree [`Self::least_squares_tree`] just built,
    /// from the order its dates joined (in `stack`: each after its parent): subtree sizes
    /// backwards along it, then each date's place in a depth-first preorder (children in
    /// joining order) right after its parent's earlier children's subtrees, potentials and
    /// depths forwards. No search and no stack, where `refresh` walks the tree.
    fn hang_along_joins(&mut self, d: &Design, y: &[f64]) {
        let nd = d.num_dates;
        let joins = &self.stack;
        self.size.fill(1);
        for &v in joins[1..].iter().rev() {
            let v = v as usize;
            self.size[self.parent[v] as usize] += self.size[v];
        }
        // The next free place in each date's run of the preorder.
        let free = &mut self.acc_u;
        free[0] = 1;
        self.pos[0] = 0;
        self.pot[0] = 0.0;
        self.depth[0] = 0;
        self.order.resize(nd, 0);
        self.order[0] = 0;
        for &v in &joins[1..] {
            let v = v as usize;
            let p = self.parent[v] as usize;
            let arc = self.pred[v] as usize;
            let at = free[p];
            free[p] += self.size[v];
            free[v] = at + 1;
            self.pos[v] = at;
            self.order[at as usize] = v as u32;
            // A tree pair (a, b) fits exactly: pot[b] - pot[a] = y (times -1 is exact).
            let leaves = if d.pairs[arc].1 as usize == v {
                -1.0
            } else {
                1.0
            };
            self.leaves[v] = leaves;
            self.pot[v] = self.pot[p] - leaves * y[arc];
            self.depth[v] = self.depth[p] + 1;
        }
        debug_assert!(self.is_preorder());
    }

    /// The dual network simplex on a connected network, from the current tree: non-tree pairs
    /// at the bound of their residual's sign, tree flows from conservation; while a tree pair's
    /// flow exceeds its bound, that pair (the worst) leaves and the subtree it cuts off moves
    /// by the long-step ratio test ([`Self::dual_pivot`]). Every basis on the way is dual
    /// feasible, so a primal-feasible one is optimal. Returns false when it stops without one
    /// (pivot limit or rounding; the caller then falls back to the primal method).
    fn dual_phase(&mut self, d: &Design, y: &[f64]) -> bool {
        self.net.fill(0.0);
        // Branch-free: a residual's sign is as good as random to a branch predictor. Tree
        // pairs and pairs not valid add a zero flow (tree flows come from `tree_flows`).
        const STATES: [State; 8] = [
            State::Zero,
            State::Zero,
            State::Lower,
            State::Upper,
            State::Tree,
            State::Tree,
            State::Tree,
            State::Tree,
        ];
        let (state, flow, net) = (&mut self.state, &mut self.flow, &mut self.net);
        let (cap, pot) = (&self.cap, &self.pot);
        for (i, &(a, b)) in d.pairs.iter().enumerate() {
            let tree = state[i] == State::Tree;
            let valid = cap[i] > 0.0;
            let r = y[i] - (pot[b as usize] - pot[a as usize]);
            let up = r >= 0.0;
            // Products, not selects, which the compiler would turn back into branches:
            // times +-1 and times 1 are exact, and `+ 0.0` makes a dropped -0 a +0.
            let sign = f64::from(u8::from(up)) * 2.0 - 1.0;
            let keep = f64::from(u8::from(!tree & valid));
            let f = cap[i] * sign * keep + 0.0;
            state[i] = STATES[usize::from(tree) * 4 + usize::from(valid) * 2 + usize::from(up)];
            flow[i] = f;
            net[a as usize] -= f;
            net[b as usize] += f;
        }
        // Flows are sums of bounds: rounding stays far below this.
        let ftol = 1e-12 * (1.0 + self.cap_sum);
        let limit = 4 * d.num_dates + 20;
        let done = loop {
            let worst = self.tree_flows(ftol);
            if worst == 0 {
                break true;
            }
            if self.dual_pivots == limit || !self.dual_pivot(d, y, worst) {
                break false;
            }
            self.dual_pivots += 1;
        };
        // The pivots shifted potentials by differences; the tree gives them exactly (and the
        // depths the primal method needs).
        if self.dual_pivots > 0 {
            self.potentials_along_order(d, y);
        }
        done
    }

    /// Potentials and depths of every date from the tree along `order`, which the dual pivots
    /// keep a preorder of it: the values [`Self::refresh`] gives (each date's from its
    /// parent's, by the same sum: `p - (-1 * y)` is `p + y` exactly), without rebuilding the
    /// order.
    fn potentials_along_order(&mut self, d: &Design, y: &[f64]) {
        for k in 1..self.order.len() {
            let c = self.order[k] as usize;
            let p = self.parent[c] as usize;
            let arc = self.pred[c] as usize;
            self.pot[c] = self.pot[p] - self.leaves[c] * y[arc];
            self.depth[c] = self.depth[p] + 1;
        }
        debug_assert!(d.num_dates == self.order.len());
    }

    /// Tree flows from conservation, leaves first, given the non-tree flows' net inflow per
    /// date in `net` (needs `order`). Returns the date whose tree pair exceeds its bound most,
    /// by more than `ftol` (the smallest such date on ties), or 0 for none.
    fn tree_flows(&mut self, ftol: f64) -> usize {
        self.acc.copy_from_slice(&self.net);
        self.excess[0] = f64::NEG_INFINITY;
        let (acc, flow, excess) = (&mut self.acc, &mut self.flow, &mut self.excess);
        for &v in self.order[1..].iter().rev() {
            let v = v as usize;
            let arc = self.pred[v] as usize;
            // The pair to the parent carries the subtree's excess out of it (a product, not a
            // branch: which way a tree pair points is as good as random; times -1 is exact).
            let f = self.leaves[v] * acc[v];
            flow[arc] = f;
            let p = self.parent[v] as usize;
            acc[p] += acc[v];
            excess[v] = f.abs() - self.cap[arc];
        }
        // A separate pass in date order: no data-dependent branch in the loop above.
        let mut worst = (ftol, 0);
        for (v, &e) in self.excess.iter().enumerate() {
            if e > worst.0 {
                worst = (e, v);
            }
        }
        worst.1
    }

    /// Moves non-tree pair `i` to flow `f`, keeping `net` up to date.
    #[inline]
    fn set_flow(&mut self, d: &Design, i: usize, f: f64) {
        let (a, b) = d.pairs[i];
        let change = f - self.flow[i];
        self.net[a as usize] -= change;
        self.net[b as usize] += change;
        self.flow[i] = f;
    }

    /// Appends to `cand` the breakpoints of the non-tree pairs incident to date `v` that cross
    /// the cut (one end below) and whose flow works against the excess, as
    /// `(breakpoint bits) << 32 | pair`. `side` is +1 when `v` is below, else -1, and `g` is
    /// `side` times the direction of the excess. Branch-free: every incident pair is written
    /// and only the qualifying ones are kept (the count advances by the test), since which
    /// pairs qualify is as good as random to a branch predictor.
    ///
    /// Seen from `v` along a pair with direction `dir` (+1 when it leaves `v`), its outflow
    /// from the subtree is `dir * side * flow` and its residual oriented out of the subtree
    /// `dir * side * r`, with `dir * r = dir * y - (pot[o] - pot[v])` exactly (negation is
    /// exact), so the breakpoints are those of the pairs' own orientation to the bit.
    #[inline]
    fn crossing_pairs(&mut self, y: &[f64], v: usize, t: usize, side: f64, g: f64) {
        let arcs = self.adj_start[v] as usize..self.adj_start[v + 1] as usize;
        let below_v = side > 0.0;
        let pot_v = self.pot[v];
        let mut n = self.num_cand;
        let (below, pot, flow, cand) = (&self.below, &self.pot, &self.flow, &mut self.cand);
        for ((&i, &o), &dir) in self.adj[arcs.clone()]
            .iter()
            .zip(&self.adj_other[arcs.clone()])
            .zip(&self.adj_dir[arcs])
        {
            let (i, o) = (i as usize, o as usize);
            let crossing = below[o] != below_v;
            let r = dir * y[i] - (pot[o] - pot_v);
            // `+ 0.0` turns -0 into +0, so the bits order as the values (all >= 0).
            let x = (-g * r).max(0.0) + 0.0;
            cand[n] = (u128::from(x.to_bits()) << 32) | i as u128;
            // Pairs not valid have flow 0 and never qualify; t is the only crossing tree pair.
            n += usize::from(crossing & (i != t) & (dir * flow[i] * g < 0.0));
        }
        self.num_cand = n;
    }

    /// One dual pivot: the tree pair above date `c` leaves at the bound its flow exceeds. The
    /// subtree below it must send that excess back through non-tree pairs, which it does by
    /// shifting its potentials: each crossing pair at the bound that works against the excess
    /// flips to the other bound when the shift passes its residual (the breakpoints, in
    /// increasing order: a weighted-median line search), until the pair whose flip would
    /// overshoot enters the tree with the remainder. Returns false when no pair can enter
    /// (only by rounding).
    ///
    /// `order` is a depth-first preorder, so the subtree is the run of `size[c]` dates from
    /// `pos[c]`: marking it, scanning the smaller side and moving it cost what they touch,
    /// and re-hanging it keeps a preorder (see [`Self::rehang`]).
    fn dual_pivot(&mut self, d: &Design, y: &[f64], c: usize) -> bool {
        let nd = d.num_dates;
        let t = self.pred[c] as usize;
        let (lo, size) = (self.pos[c] as usize, self.size[c] as usize);
        for &v in &self.order[lo..lo + size] {
            self.below[v as usize] = true;
        }
        let a_below = self.below[d.pairs[t].0 as usize];
        // Flow out of the subtree through t, now and at the bound.
        let target = self.flow[t].signum() * self.cap[t];
        let (g, g_star) = if a_below {
            (self.flow[t], target)
        } else {
            (-self.flow[t], -target)
        };
        // The other crossing pairs must raise their outflow by g - g_star.
        let need = g - g_star;
        let sd = need.signum();
        // The crossing pairs, from the smaller side's incident pairs (each is met once).
        self.num_cand = 0;
        if 2 * size <= nd {
            for k in lo..lo + size {
                self.crossing_pairs(y, self.order[k] as usize, t, 1.0, sd);
            }
        } else {
            for k in (0..lo).chain(lo + size..nd) {
                self.crossing_pairs(y, self.order[k] as usize, t, -1.0, -sd);
            }
        }
        // Breakpoints in increasing order (ties by pair index), taken one at a time: most
        // pivots stop after a few, so this beats sorting them all.
        let mut remaining = need.abs();
        let mut enter = None;
        let mut left = self.num_cand;
        while left > 0 {
            let mut best = 0;
            for j in 1..left {
                if self.cand[j] < self.cand[best] {
                    best = j;
                }
            }
            let i = (self.cand[best] & 0xffff_ffff) as usize;
            self.cand.swap(best, left - 1);
            left -= 1;
            let twice = 2.0 * self.cap[i];
            if remaining > twice {
                remaining -= twice;
                self.state[i] = match self.state[i] {
                    State::Upper => State::Lower,
                    _ => State::Upper,
                };
                self.set_flow(d, i, -self.flow[i]);
            } else {
                enter = Some(i);
                break;
            }
        }
        let Some(e) = enter else {
            for &v in &self.order[lo..lo + size] {
                self.below[v as usize] = false;
            }
            return false;
        };
        self.state[t] = if target > 0.0 {
            State::Upper
        } else {
            State::Lower
        };
        // t joins the non-tree flows at its bound, e leaves them.
        self.flow[t] = 0.0;
        self.set_flow(d, t, target);
        self.set_flow(d, e, 0.0);
        self.state[e] = State::Tree;
        let (p, q) = (d.pairs[e].0 as usize, d.pairs[e].1 as usize);
        // The subtree moves so that e fits exactly.
        let r = y[e] - (self.pot[q] - self.pot[p]);
        let p_below = self.below[p];
        let shift = if p_below { -r } else { r };
        for &v in &self.order[lo..lo + size] {
            self.pot[v as usize] += shift;
            self.below[v as usize] = false;
        }
        let (k, other) = if p_below { (p, q) } else { (q, p) };
        self.rehang(d, c, k, other, e);
        true
    }

    /// Re-hangs the subtree of `c` from date `k` inside it, by pair `e` to date `other`
    /// outside it, keeping `order` a depth-first preorder (with `pos` and `size`). The path
    /// `k = p0, p1, .., pm = c` turns over; in the new preorder each `pj` is followed by its
    /// old subtree without `p(j-1)`'s (two runs of the old order, whole subtrees each), so
    /// the subtree's new order is built from runs, and placed right after `other` (as its
    /// first child): O(subtree + the dates between its old and new place), no search.
    fn rehang(&mut self, d: &Design, c: usize, k: usize, other: usize, e: usize) {
        let (lo, size) = (self.pos[c] as usize, self.size[c] as usize);
        let old_parent = self.parent[c] as usize;
        self.stack.clear();
        let mut v = k;
        loop {
            self.stack.push(v as u32);
            if v == c {
                break;
            }
            v = self.parent[v] as usize;
        }
        self.block.clear();
        for j in 0..self.stack.len() {
            let pj = self.stack[j] as usize;
            let (a, b) = (
                self.pos[pj] as usize,
                (self.pos[pj] + self.size[pj]) as usize,
            );
            self.block.push(pj as u32);
            if j == 0 {
                self.block.extend_from_slice(&self.order[a + 1..b]);
            } else {
                let prev = self.stack[j - 1] as usize;
                let (pa, pb) = (
                    self.pos[prev] as usize,
                    (self.pos[prev] + self.size[prev]) as usize,
                );
                self.block.extend_from_slice(&self.order[a + 1..pa]);
                self.block.extend_from_slice(&self.order[pb..b]);
            }
        }
        // New sizes along the path (from c down, so each reads its child's old size).
        for j in (1..self.stack.len()).rev() {
            let (pj, prev) = (self.stack[j] as usize, self.stack[j - 1] as usize);
            self.size[pj] = size as u32 - self.size[prev];
        }
        self.size[k] = size as u32;
        // Turn the path over: each date's parent becomes its child on the path.
        let (mut prev, mut prev_arc) = (other as u32, e as u32);
        for j in 0..self.stack.len() {
            let v = self.stack[j] as usize;
            let next_arc = self.pred[v];
            self.parent[v] = prev;
            self.pred[v] = prev_arc;
            self.leaves[v] = if d.pairs[prev_arc as usize].0 as usize == v {
                1.0
            } else {
                -1.0
            };
            prev = v as u32;
            prev_arc = next_arc;
        }
        // Sizes of the ancestors: the old ones lose the subtree, the new ones gain it.
        let mut u = old_parent;
        loop {
            self.size[u] -= size as u32;
            if u == 0 {
                break;
            }
            u = self.parent[u] as usize;
        }
        let mut u = other;
        loop {
            self.size[u] += size as u32;
            if u == 0 {
                break;
            }
            u = self.parent[u] as usize;
        }
        // Move the run: the dates between its old and new place shift by its size.
        let ins = self.pos[other] as usize + 1;
        let span = if ins <= lo {
            self.order.copy_within(ins..lo, ins + size);
            self.order[ins..ins + size].copy_from_slice(&self.block);
            ins..lo + size
        } else {
            self.order.copy_within(lo + size..ins, lo);
            self.order[ins - size..ins].copy_from_slice(&self.block);
            lo..ins
        };
        for j in span {
            self.pos[self.order[j] as usize] = j as u32;
        }
        debug_assert!(self.is_preorder());
    }

    /// Whether `order`, `pos` and `size` describe a depth-first preorder of the tree: each
    /// date's subtree is the run of `size` dates from its place, inside its parent's run.
    fn is_preorder(&self) -> bool {
        let nd = self.order.len();
        let mut sizes = vec![1u32; nd];
        for k in (1..nd).rev() {
            let v = self.order[k] as usize;
            sizes[self.parent[v] as usize] += sizes[v];
        }
        (0..nd).all(|k| self.pos[self.order[k] as usize] as usize == k)
            && sizes == self.size
            && (1..nd).all(|v| {
                let (p, pv) = (self.parent[v] as usize, self.pos[v]);
                self.pos[p] < pv && pv + self.size[v] <= self.pos[p] + self.size[p]
            })
    }

    /// Keeps the previous pixel's non-tree pairs at their bounds (now this pixel's bounds) and
    /// solves the tree's flows from conservation, leaves first. The flow is feasible whatever
    /// the phases (they enter only the objective), so when it fits the bounds and the tree
    /// stays strongly feasible this is the previous optimum's basis, and only the pairs whose
    /// residual changed sign have to pivot (instead of every non-tree pair from zero flows).
    /// Returns false (flows left inconsistent) when the start is not strongly feasible.
    fn warm_flows(&mut self, d: &Design) -> bool {
        self.net.fill(0.0);
        for (i, &(a, b)) in d.pairs.iter().enumerate() {
            let f = match self.state[i] {
                _ if self.cap[i] == 0.0 => {
                    self.state[i] = State::Zero;
                    0.0
                }
                State::Upper => self.cap[i],
                State::Lower => -self.cap[i],
                State::Zero | State::Tree => 0.0,
            };
            self.flow[i] = f;
            self.net[a as usize] -= f;
            self.net[b as usize] += f;
        }
        for k in (1..self.order.len()).rev() {
            let v = self.order[k] as usize;
            let arc = self.pred[v] as usize;
            let p = self.parent[v] as usize;
            // The pair to the parent carries the subtree's excess out of it.
            let up = d.pairs[arc].0 as usize == v;
            let f = if up { self.net[v] } else { -self.net[v] };
            self.flow[arc] = f;
            self.net[p] += self.net[v];
            // Strongly feasible: some flow can still move from v towards the root.
            let room = if up {
                self.cap[arc] - f
            } else {
                f + self.cap[arc]
            };
            if !(room > 0.0 && f.abs() <= self.cap[arc]) {
                return false;
            }
        }
        true
    }

    /// A breadth-first spanning forest of the valid pairs; each part but date 0's hangs from
    /// date 0 by a bridge (no arc). Returns the number of parts.
    fn breadth_first_forest(&mut self, d: &Design) -> usize {
        self.state.fill(State::Zero);
        self.parent.fill(NONE);
        self.pred.fill(NONE);
        self.fresh.fill(false);
        let mut parts = 0;
        for r in 0..d.num_dates {
            if self.fresh[r] {
                continue;
            }
            parts += 1;
            self.fresh[r] = true;
            self.part[r] = r as u32;
            if r != 0 {
                self.parent[r] = 0;
            }
            self.stack.clear();
            self.stack.push(r as u32);
            let mut head = 0;
            while head < self.stack.len() {
                let v = self.stack[head] as usize;
                head += 1;
                let arcs = self.adj_start[v] as usize..self.adj_start[v + 1] as usize;
                for &i in &self.adj[arcs] {
                    if self.cap[i as usize] == 0.0 {
                        continue;
                    }
                    let (a, b) = d.pairs[i as usize];
                    let o = if a as usize == v { b } else { a } as usize;
                    if !self.fresh[o] {
                        self.fresh[o] = true;
                        self.part[o] = r as u32;
                        self.parent[o] = v as u32;
                        self.pred[o] = i;
                        self.state[i as usize] = State::Tree;
                        self.stack.push(o as u32);
                    }
                }
            }
        }
        parts
    }

    /// Depths and potentials of every date from the tree (date 0 at potential 0), and `order`
    /// a depth-first preorder of the dates (children by date), with each date's place in it
    /// (`pos`) and its subtree's size: O(N).
    fn refresh(&mut self, d: &Design, y: &[f64]) {
        let nd = d.num_dates;
        // The children of each date (CSR, by date).
        self.child_start.fill(0);
        for v in 1..nd {
            self.child_start[self.parent[v] as usize + 1] += 1;
        }
        for v in 0..nd {
            self.child_start[v + 1] += self.child_start[v];
        }
        self.acc_u.copy_from_slice(&self.child_start[..nd]);
        for v in 1..nd {
            let p = self.parent[v] as usize;
            self.children[self.acc_u[p] as usize] = v as u32;
            self.acc_u[p] += 1;
        }
        self.pot[0] = 0.0;
        self.depth[0] = 0;
        self.order.clear();
        self.stack.clear();
        self.stack.push(0);
        while let Some(c) = self.stack.pop() {
            let c = c as usize;
            self.pos[c] = self.order.len() as u32;
            self.order.push(c as u32);
            if c != 0 {
                let p = self.parent[c] as usize;
                let arc = self.pred[c];
                // A tree pair (a, b) fits exactly: pot[b] - pot[a] = y.
                self.pot[c] = if arc == NONE {
                    self.pot[p]
                } else if d.pairs[arc as usize].1 as usize == c {
                    self.leaves[c] = -1.0;
                    self.pot[p] + y[arc as usize]
                } else {
                    self.leaves[c] = 1.0;
                    self.pot[p] - y[arc as usize]
                };
                self.depth[c] = self.depth[p] + 1;
            }
            let kids = self.child_start[c] as usize..self.child_start[c + 1] as usize;
            self.stack.extend(self.children[kids].iter().rev());
        }
        self.size.fill(1);
        for k in (1..nd).rev() {
            let v = self.order[k] as usize;
            self.size[self.parent[v] as usize] += self.size[v];
        }
    }

    /// How far pair `i` violates the optimality conditions (positive = it should enter).
    #[inline]
    fn violation(&self, d: &Design, y: &[f64], i: usize) -> f64 {
        let (a, b) = d.pairs[i];
        let r = y[i] - (self.pot[b as usize] - self.pot[a as usize]);
        match self.state[i] {
            State::Tree => 0.0,
            State::Lower => r,
            State::Upper => -r,
            State::Zero => r.abs(),
        }
    }

    /// The largest [`Self::violation`] over the valid pairs (0 when none violates): pricing's
    /// test without its branches (per state, which signs of the residual violate).
    fn max_violation(&self, d: &Design, y: &[f64]) -> f64 {
        // Indexed by `State as usize`: Tree, Lower, Upper, Zero.
        const UP: [f64; 4] = [0.0, 1.0, 0.0, 1.0];
        const DOWN: [f64; 4] = [0.0, 0.0, 1.0, 1.0];
        let mut worst = 0.0f64;
        for (i, &(a, b)) in d.pairs.iter().enumerate() {
            let r = y[i] - (self.pot[b as usize] - self.pot[a as usize]);
            let s = self.state[i] as usize;
            // Pairs not valid have NaN phase; `max` passes over the NaN products.
            worst = worst.max(UP[s] * r).max(DOWN[s] * -r);
        }
        worst
    }

    /// Pivots until no valid pair violates the optimality conditions by more than `tol`, or
    /// `limit` pivots. Returns whether it reached the optimum.
    fn optimise(&mut self, d: &Design, y: &[f64], tol: f64, limit: usize) -> bool {
        let m = d.pairs.len();
        let block = ((m as f64).sqrt() as usize).max(8).min(m.max(1));
        self.pivots = 0;
        // After the dual phase nothing violates, as a rule: one branch-free scan shows it.
        if self.max_violation(d, y) <= tol {
            return true;
        }
        loop {
            // Block pricing: the most violated pair of the first block that has one.
            let mut best = (tol, usize::MAX);
            let mut scanned = 0;
            let mut i = self.next_price % m.max(1);
            while scanned < m {
                let end = (scanned + block).min(m);
                while scanned < end {
                    if self.cap[i] > 0.0 {
                        let v = self.violation(d, y, i);
                        if v > best.0 {
                            best = (v, i);
                        }
                    }
                    i = if i + 1 == m { 0 } else { i + 1 };
                    scanned += 1;
                }
                if best.1 != usize::MAX {
                    break;
                }
            }
            self.next_price = i;
            if best.1 == usize::MAX {
                return true;
            }
            if self.pivots == limit {
                return false;
            }
            self.pivot(d, y, best.1);
            self.pivots += 1;
        }
    }

    /// Residual capacity of pair `arc` in the direction `s` (+1 along the pair).
    #[inline]
    fn room(&self, arc: usize, s: f64) -> f64 {
        if s > 0.0 {
            self.cap[arc] - self.flow[arc]
        } else {
            self.flow[arc] + self.cap[arc]
        }
    }

    /// The cycle of a pair from `from` to `to`: then up the tree from `to` to the apex and
    /// down to `from`. Leaves to..apex (apex excluded) in `side_to`, from..apex in `side_from`.
    fn find_cycle(&mut self, from: usize, to: usize) {
        self.side_from.clear();
        self.side_to.clear();
        let (mut i, mut j) = (from, to);
        while self.depth[i] > self.depth[j] {
            self.side_from.push(i as u32);
            i = self.parent[i] as usize;
        }
        while self.depth[j] > self.depth[i] {
            self.side_to.push(j as u32);
            j = self.parent[j] as usize;
        }
        while i != j {
            self.side_from.push(i as u32);
            i = self.parent[i] as usize;
            self.side_to.push(j as u32);
            j = self.parent[j] as usize;
        }
    }

    /// One pivot with entering pair `e`.
    fn pivot(&mut self, d: &Design, y: &[f64], e: usize) {
        let (a, b) = (d.pairs[e].0 as usize, d.pairs[e].1 as usize);
        let r = y[e] - (self.pot[b] - self.pot[a]);
        // Positive residual: more flow along the pair (a -> b) lowers the cost.
        let sgn = match self.state[e] {
            State::Lower => 1.0,
            State::Upper => -1.0,
            _ => {
                if r > 0.0 {
                    1.0
                } else {
                    -1.0
                }
            }
        };
        let (from, to) = if sgn > 0.0 { (a, b) } else { (b, a) };
        self.find_cycle(from, to);
        // Direction of each tree arc along the cycle: down the from side (parent -> v) and up
        // the to side (v -> parent).
        let along_down = |v: usize, arc: usize| -> f64 {
            if d.pairs[arc].1 as usize == v {
                1.0
            } else {
                -1.0
            }
        };
        // Cunningham's rule: the last blocking arc in the cycle's order from the apex.
        let mut delta = f64::INFINITY;
        // Leaving: None = the entering pair itself; else (date, on the from side, direction
        // of its arc along the cycle).
        let mut leave: Option<(usize, bool, f64)> = None;
        for &v in self.side_from.iter().rev() {
            let arc = self.pred[v as usize] as usize;
            let s = along_down(v as usize, arc);
            let c = self.room(arc, s);
            if c <= delta {
                delta = c;
                leave = Some((v as usize, true, s));
            }
        }
        let own = if sgn > 0.0 {
            self.cap[e] - self.flow[e]
        } else {
            self.flow[e] + self.cap[e]
        };
        if own <= delta {
            delta = own;
            leave = None;
        }
        for &v in &self.side_to {
            let arc = self.pred[v as usize] as usize;
            let s = -along_down(v as usize, arc);
            let c = self.room(arc, s);
            if c <= delta {
                delta = c;
                leave = Some((v as usize, false, s));
            }
        }
        let delta = delta.max(0.0);
        self.flow[e] += sgn * delta;
        for k in 0..self.side_from.len() {
            let v = self.side_from[k] as usize;
            let arc = self.pred[v] as usize;
            self.flow[arc] += along_down(v, arc) * delta;
        }
        for k in 0..self.side_to.len() {
            let v = self.side_to[k] as usize;
            let arc = self.pred[v] as usize;
            self.flow[arc] -= along_down(v, arc) * delta;
        }
        let Some((q, on_from, dir)) = leave else {
            // The entering pair reached its other bound: the tree stays.
            let (st, f) = if sgn > 0.0 {
                (State::Upper, self.cap[e])
            } else {
                (State::Lower, -self.cap[e])
            };
            self.state[e] = st;
            self.flow[e] = f;
            return;
        };
        let l = self.pred[q] as usize;
        // The leaving arc met the bound its flow moved towards.
        if dir > 0.0 {
            self.state[l] = State::Upper;
            self.flow[l] = self.cap[l];
        } else {
            self.state[l] = State::Lower;
            self.flow[l] = -self.cap[l];
        }
        self.state[e] = State::Tree;
        // Re-hang the subtree cut off at q from the endpoint of e inside it.
        let (k, other) = if on_from { (from, to) } else { (to, from) };
        let (mut prev, mut prev_arc, mut v) = (other as u32, e as u32, k);
        loop {
            let (next, next_arc) = (self.parent[v], self.pred[v]);
            self.parent[v] = prev;
            self.pred[v] = prev_arc;
            if v == q {
                break;
            }
            prev = v as u32;
            prev_arc = next_arc;
            v = next as usize;
        }
        self.refresh(d, y);
    }

    /// Replaces the parts' offsets (free for an L1 optimum) by those of the minimum-norm phase
    /// velocity, as the L2 path's minimum-norm solution has them: the velocity minus its
    /// projection on the null space of the velocity design (one vector per part but date 0's).
    fn minimum_norm_offsets(&mut self, d: &Design, parts: usize) {
        let n = d.num_dates - 1;
        for (k, v) in self.vel.iter_mut().enumerate() {
            *v = (self.ts[k + 1] - self.ts[k]) / d.dt[k];
        }
        let mut num_q = 0;
        for r in 1..d.num_dates as u32 {
            if self.part[r as usize] != r || num_q + 1 == parts {
                continue;
            }
            let (done, rest) = self.null.split_at_mut(num_q * n);
            let q = &mut rest[..n];
            let inside = |i: usize| f64::from(u8::from(self.part[i] == r));
            for (k, (qk, dtk)) in q.iter_mut().zip(&d.dt).enumerate() {
                *qk = (inside(k + 1) - inside(k)) / dtk;
            }
            for prev in done.chunks_exact(n) {
                let dot: f64 = prev.iter().zip(q.iter()).map(|(p, v)| p * v).sum();
                q.iter_mut().zip(prev).for_each(|(v, p)| *v -= dot * p);
            }
            let norm = q.iter().map(|v| v * v).sum::<f64>().sqrt();
            if norm > 0.0 {
                q.iter_mut().for_each(|v| *v /= norm);
                let dot: f64 = q.iter().zip(&self.vel).map(|(a, b)| a * b).sum();
                self.vel
                    .iter_mut()
                    .zip(q.iter())
                    .for_each(|(v, q)| *v -= dot * q);
                num_q += 1;
            }
        }
        cumulate(&mut self.ts, &self.vel, &d.dt);
    }

    /// The optimality certificate of the last solve: primal objective `sum u |r|` at the
    /// potentials minus the dual objective `sum y f` of the (feasible, conserved) flow.
    /// Weak duality makes it >= 0 up to rounding; 0 proves both optimal.
    #[cfg(test)]
    pub fn duality_gap(&self, d: &Design, y: &[f64]) -> f64 {
        let (mut primal, mut dual) = (0.0, 0.0);
        for (i, &(a, b)) in d.pairs.iter().enumerate() {
            if self.cap[i] == 0.0 {
                continue;
            }
            let r = y[i] - (self.pot[b as usize] - self.pot[a as usize]);
            primal += self.cap[i] * r.abs();
            dual += y[i] * self.flow[i];
        }
        primal - dual
    }

    /// Whether the last solve's flow is feasible: within its bounds and conserved at every
    /// date (to `tol`).
    #[cfg(test)]
    pub fn flow_is_feasible(&self, d: &Design, tol: f64) -> bool {
        let mut net = vec![0.0; d.num_dates];
        for (i, &(a, b)) in d.pairs.iter().enumerate() {
            if self.flow[i].abs() > self.cap[i] + tol {
                return false;
            }
            net[a as usize] -= self.flow[i];
            net[b as usize] += self.flow[i];
        }
        net.iter().all(|v| v.abs() <= tol)
    }
}

/// The root of date `v` in the union-find parents `uf` (path halving).
fn find(uf: &mut [u32], mut v: usize) -> usize {
    while uf[v] as usize != v {
        let g = uf[uf[v] as usize];
        uf[v] = g;
        v = g as usize;
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::Rng;

    fn design(num_dates: usize, pairs: &[(u32, u32)]) -> Design {
        let dt = (1..num_dates)
            .map(|k| 0.03 + 0.01 * (k % 3) as f64)
            .collect();
        Design::new(num_dates, pairs.to_vec(), dt)
    }

    fn objective(d: &Design, y: &[f64], u: &[f64], ts: &[f64]) -> f64 {
        d.pairs
            .iter()
            .enumerate()
            .filter(|(i, _)| !y[*i].is_nan())
            .map(|(i, &(a, b))| u[i] * (y[i] - (ts[b as usize] - ts[a as usize])).abs())
            .sum()
    }

    /// The exact optimum by enumeration: an L1 optimum of a connected network fits a spanning
    /// tree of its valid pairs exactly, so the best such tree is optimal.
    fn brute_force(d: &Design, y: &[f64], u: &[f64]) -> f64 {
        let valid: Vec<usize> = (0..y.len()).filter(|&i| !y[i].is_nan()).collect();
        let nd = d.num_dates;
        let mut best = f64::INFINITY;
        for mask in 0u32..(1 << valid.len()) {
            if mask.count_ones() as usize != nd - 1 {
                continue;
            }
            let tree: Vec<usize> = (0..valid.len())
                .filter(|k| mask & (1 << k) != 0)
                .map(|k| valid[k])
                .collect();
            let mut ts = vec![f64::NAN; nd];
            ts[0] = 0.0;
            for _ in 0..nd {
                for &i in &tree {
                    let (a, b) = (d.pairs[i].0 as usize, d.pairs[i].1 as usize);
                    if !ts[a].is_nan() && ts[b].is_nan() {
                        ts[b] = ts[a] + y[i];
                    } else if ts[a].is_nan() && !ts[b].is_nan() {
                        ts[a] = ts[b] - y[i];
                    }
                }
            }
            if ts.iter().all(|v| !v.is_nan()) {
                best = best.min(objective(d, y, u, &ts));
            }
        }
        best
    }

    #[test]
    fn an_outlier_in_a_complete_network_is_outvoted_exactly() {
        let pairs = [(0, 1), (0, 2), (0, 3), (1, 2), (1, 3), (2, 3)];
        let d = design(4, &pairs);
        let truth = [0.0, 1.0, 2.5, 3.25];
        let mut y: Vec<f64> = pairs
            .iter()
            .map(|&(a, b)| truth[b as usize] - truth[a as usize])
            .collect();
        y[3] += 2.0 * std::f64::consts::PI;
        let mut s = L1Solver::new(&d);
        let out = s.solve(&d, &y, None, 1.0);
        assert!(matches!(
            out,
            Outcome::Solved {
                rank_deficient: false,
                num_valid: 6,
                ..
            }
        ));
        for (got, want) in s.ts.iter().zip(truth) {
            assert!((got - want).abs() < 1e-12, "{:?}", s.ts);
        }
        assert!(s.duality_gap(&d, &y).abs() < 1e-12);
        assert!(s.flow_is_feasible(&d, 1e-12));
    }

    #[test]
    fn residuals_are_weighted_by_the_square_root_of_the_weights() {
        // Two cycles sharing pair (1, 2), which carries an error of 3. Leaving it there costs
        // 3 u12; moving it costs 3 (u02 + u23) or 3 (u01 + u13). With w12 = 3 and the others 1,
        // sqrt weights keep it on (1, 2) (1.73 < 2); weights used as they are would move it.
        let pairs = [(0, 1), (0, 2), (1, 2), (1, 3), (2, 3)];
        let d = design(4, &pairs);
        let truth = [0.0, 0.5, -1.0, 2.0];
        let mut y: Vec<f64> = pairs
            .iter()
            .map(|&(a, b)| truth[b as usize] - truth[a as usize])
            .collect();
        y[2] += 3.0;
        let w = [1.0, 1.0, 3.0, 1.0, 1.0];
        let mut s = L1Solver::new(&d);
        s.solve(&d, &y, Some(&w), 1.0);
        for (got, want) in s.ts.iter().zip(truth) {
            assert!((got - want).abs() < 1e-12, "{:?}", s.ts);
        }
    }

    #[test]
    fn random_problems_reach_the_enumerated_optimum() {
        let mut rng = Rng::seeded(7);
        let nd = 6;
        let mut pairs = Vec::new();
        for a in 0..nd as u32 {
            for b in a + 1..(a + 3).min(nd as u32) {
                pairs.push((a, b));
            }
        }
        pairs.push((0, 5));
        pairs.push((1, 4));
        let d = design(nd, &pairs);
        let m = pairs.len();
        // One solver for every problem: later solves start from earlier trees.
        let mut s = L1Solver::new(&d);
        let mut solved = 0;
        for trial in 0..400 {
            let truth: Vec<f64> = (0..nd).map(|k| k as f64 * rng.normal()).collect();
            let mut y: Vec<f64> = pairs
                .iter()
                .map(|&(a, b)| truth[b as usize] - truth[a as usize] + 0.3 * rng.normal())
                .collect();
            for v in y.iter_mut() {
                if rng.uniform() < 0.15 {
                    *v += 2.0 * std::f64::consts::PI * if rng.uniform() < 0.5 { 1.0 } else { -1.0 };
                }
                // Some pixels in a row share their exact data (warm starts on equal problems).
                if trial % 5 != 0 && rng.uniform() < 0.1 {
                    *v = f64::NAN;
                }
            }
            let w: Vec<f64> = (0..m).map(|_| 0.2 + rng.uniform() * 5.0).collect();
            let weighted = trial % 2 == 0;
            let u: Vec<f64> = w
                .iter()
                .map(|w| if weighted { w.sqrt() } else { 1.0 })
                .collect();
            match s.solve(&d, &y, weighted.then_some(&w[..]), 1.0) {
                Outcome::LowRedundancy => continue,
                Outcome::Solved { rank_deficient, .. } => {
                    if rank_deficient {
                        continue;
                    }
                }
            }
            solved += 1;
            let got = objective(&d, &y, &u, &s.ts);
            let want = brute_force(&d, &y, &u);
            assert!(
                (got - want).abs() <= 1e-9 * (1.0 + want),
                "trial {trial}: {got} vs {want}"
            );
            assert!(
                s.duality_gap(&d, &y).abs() <= 1e-9 * (1.0 + want),
                "trial {trial}"
            );
            assert!(s.flow_is_feasible(&d, 1e-9), "trial {trial}");
        }
        assert!(solved > 300, "{solved}");
        assert_eq!(s.not_optimal, 0);
    }

    /// A neighbour network of `nd` dates (each date paired with the next `k`) and `px` pixels
    /// of noisy phase whose truth drifts slowly from pixel to pixel, with 2 pi errors on a few
    /// pairs over runs of pixels (patches) and some pairs missing.
    fn noisy_pixels(nd: usize, k: u32, px: usize, seed: u64) -> (Design, Vec<Vec<f64>>, Vec<f64>) {
        let mut pairs = Vec::new();
        for a in 0..nd as u32 {
            for b in a + 1..(a + 1 + k).min(nd as u32) {
                pairs.push((a, b));
            }
        }
        let d = design(nd, &pairs);
        let m = pairs.len();
        let mut rng = Rng::seeded(seed);
        let base: Vec<f64> = (0..nd).map(|t| 0.4 * t as f64).collect();
        let bad: Vec<usize> = (0..4)
            .map(|_| (rng.uniform() * m as f64) as usize % m)
            .collect();
        let mut ys = Vec::with_capacity(px);
        for p in 0..px {
            let truth: Vec<f64> = base.iter().map(|v| v + 0.3 * rng.normal()).collect();
            let mut y: Vec<f64> = pairs
                .iter()
                .map(|&(a, b)| truth[b as usize] - truth[a as usize] + 0.5 * rng.normal())
                .collect();
            if (p / 50) % 3 == 1 {
                for &i in &bad {
                    y[i] += 2.0 * std::f64::consts::PI;
                }
            }
            if rng.uniform() < 0.2 {
                let i = (rng.uniform() * m as f64) as usize % m;
                y[i] = f64::NAN;
            }
            ys.push(y);
        }
        let w: Vec<f64> = (0..m).map(|_| 0.2 + rng.uniform() * 5.0).collect();
        (d, ys, w)
    }

    /// The starting tree is the minimum spanning tree under its keys: the same pairs as
    /// Kruskal's method (sorted keys, union-find) picks, on noisy pixels with missing pairs,
    /// and hung as a preorder whose potentials fit every tree pair exactly.
    #[test]
    fn the_starting_tree_is_kruskals_minimum_spanning_tree() {
        let (d, ys, w) = noisy_pixels(25, 4, 300, 11);
        let mut s = L1Solver::new(&d);
        let mut rng = Rng::seeded(5);
        let mut checked = 0;
        for y in &ys {
            for (i, &yi) in y.iter().enumerate() {
                s.cap[i] = if yi.is_nan() { 0.0 } else { w[i].sqrt() };
            }
            // Some series near the fit: the tree depends only on its residuals.
            for (t, l) in s.lts.iter_mut().enumerate() {
                *l = 0.4 * t as f64 + 0.3 * rng.normal();
            }
            let mut keys: Vec<u64> = (0..d.pairs.len())
                .filter(|&i| s.cap[i] > 0.0)
                .map(|i| {
                    let (a, b) = d.pairs[i];
                    let r = y[i] - (s.lts[b as usize] - s.lts[a as usize]);
                    (u64::from(((r.abs() / s.cap[i]) as f32).to_bits()) << 32) | i as u64
                })
                .collect();
            keys.sort_unstable();
            let mut uf: Vec<u32> = (0..d.num_dates as u32).collect();
            let mut want = Vec::new();
            for k in keys {
                let i = (k & 0xffff_ffff) as usize;
                let (a, b) = d.pairs[i];
                let (ra, rb) = (find(&mut uf, a as usize), find(&mut uf, b as usize));
                if ra != rb {
                    uf[ra] = rb as u32;
                    want.push(i);
                }
            }
            want.sort_unstable();
            let spans = want.len() + 1 == d.num_dates;
            assert_eq!(s.least_squares_tree(&d, y), spans);
            if !spans {
                continue;
            }
            s.hang_along_joins(&d, y);
            let mut got: Vec<usize> = (1..d.num_dates).map(|v| s.pred[v] as usize).collect();
            got.sort_unstable();
            assert_eq!(got, want);
            assert!(s.is_preorder());
            for v in 1..d.num_dates {
                let i = s.pred[v] as usize;
                let (a, b) = d.pairs[i];
                assert!(s.state[i] == State::Tree);
                assert!(s.parent[v] == a || s.parent[v] == b);
                assert!((y[i] - (s.pot[b as usize] - s.pot[a as usize])).abs() < 1e-9);
            }
            checked += 1;
        }
        assert!(checked > 250, "{checked}");
    }

    /// The tie rule as first written, Dijkstra over the dates in O(N^2): the reference that
    /// [`L1Solver::centre_of_ties`] (over classes of dates) must match to the bit.
    fn centre_by_dates(s: &L1Solver, d: &Design, y: &[f64]) -> Vec<f64> {
        let (nd, m) = (d.num_dates, d.pairs.len());
        let ftol = 1e-12 * (1.0 + s.cap.iter().sum::<f64>());
        let (mut w_ab, mut w_ba) = (vec![f64::INFINITY; m], vec![f64::INFINITY; m]);
        for (i, &(a, b)) in d.pairs.iter().enumerate() {
            let (u, f) = (s.cap[i], s.flow[i]);
            if u == 0.0 {
                continue;
            }
            let r = y[i] - (s.pot[b as usize] - s.pot[a as usize]);
            (w_ab[i], w_ba[i]) = if f >= u - ftol {
                (r.max(0.0), f64::INFINITY)
            } else if f <= -u + ftol {
                (f64::INFINITY, (-r).max(0.0))
            } else {
                (0.0, 0.0)
            };
        }
        let paths = |reverse: bool| {
            let mut dist = vec![f64::INFINITY; nd];
            let mut done = vec![false; nd];
            for (v, dv) in dist.iter_mut().enumerate() {
                if s.part[v] as usize == v {
                    *dv = 0.0;
                }
            }
            while let Some(v) = (0..nd)
                .filter(|&v| !done[v] && dist[v].is_finite())
                .min_by(|&a, &b| dist[a].total_cmp(&dist[b]))
            {
                done[v] = true;
                for (i, &(a, b)) in d.pairs.iter().enumerate() {
                    let (a, b) = (a as usize, b as usize);
                    if a != v && b != v {
                        continue;
                    }
                    let w = if (a == v) != reverse {
                        w_ab[i]
                    } else {
                        w_ba[i]
                    };
                    let o = if a == v { b } else { a };
                    if dist[v] + w < dist[o] {
                        dist[o] = dist[v] + w;
                    }
                }
            }
            dist
        };
        let (hi, lo) = (paths(false), paths(true));
        let mut ts = s.pot.clone();
        for ((t, hi), lo) in ts.iter_mut().zip(hi).zip(lo) {
            if hi.is_finite() && lo.is_finite() {
                *t += 0.5 * (hi + -lo);
            }
        }
        ts
    }

    #[test]
    fn the_dual_phase_reaches_the_primal_methods_optimum() {
        for (nd, k, weighted) in [(12, 3, false), (20, 4, true), (9, 8, true)] {
            let (d, ys, w) = noisy_pixels(nd, k, 600, nd as u64);
            let u: Vec<f64> = w
                .iter()
                .map(|w| if weighted { w.sqrt() } else { 1.0 })
                .collect();
            let w = weighted.then_some(&w[..]);
            let mut fast = L1Solver::new(&d);
            let mut slow = L1Solver::new(&d);
            slow.dual = false;
            let (mut same, mut dual_ended, mut ties) = (0, 0, 0);
            for y in &ys {
                let out = fast.solve(&d, y, w, 1.0);
                slow.solve(&d, y, w, 1.0);
                // The starting least squares are the L2 solver's, to the bit.
                let mut l2 = super::super::solve::PixelSolver::new(&d);
                if let Outcome::Solved {
                    rank_deficient: false,
                    ..
                } = l2.solve(&d, y, w, 0.0)
                {
                    assert!(fast.least_squares(&d, y, w));
                    let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
                    assert_eq!(bits(&fast.lts), bits(&l2.ts));
                }
                // The vectorised coherence is the reference one to the bit.
                let want = super::super::tcoh::temporal_coherence(&fast.ts, &d.pairs, y);
                assert!(
                    matches!(out, Outcome::Solved { tcoh, .. } if tcoh.to_bits() == want.to_bits())
                );
                let (a, b) = (
                    objective(&d, y, &u, &fast.ts),
                    objective(&d, y, &u, &slow.ts),
                );
                assert!((a - b).abs() <= 1e-9 * (1.0 + b), "{a} vs {b}");
                assert!(fast.duality_gap(&d, y).abs() <= 1e-9 * (1.0 + b));
                assert!(fast.flow_is_feasible(&d, 1e-9));
                // Ties are broken by the centre of the optimal face, whichever vertex each
                // method ends on: the same series (to rounding) from either start.
                let scale = 1.0 + slow.ts.iter().fold(0.0f64, |m, v| m.max(v.abs()));
                same += usize::from(
                    fast.ts
                        .iter()
                        .zip(&slow.ts)
                        .all(|(a, b)| (a - b).abs() <= 1e-9 * scale),
                );
                ties += usize::from(fast.pot != fast.ts);
                // The tie rule over classes of dates is the rule over dates, to the bit.
                for solver in [&fast, &slow] {
                    let want = centre_by_dates(solver, &d, y);
                    let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
                    assert_eq!(bits(&solver.ts), bits(&want), "{nd} dates");
                }
                // The primal method found nothing left to do after the dual phase.
                dual_ended += usize::from(fast.pivots == 0);
            }
            assert_eq!(same, ys.len(), "{nd} dates");
            // Unit weights tie often (a flat optimal face); weighted noisy data almost never.
            if !weighted {
                assert!(ties > ys.len() / 10, "{nd} dates: {ties} ties");
            }
            assert_eq!(dual_ended, ys.len(), "{nd} dates");
            assert_eq!(fast.not_optimal + slow.not_optimal, 0);
        }
    }

    /// `cargo test --release --lib bench_l1_pivots -- --ignored --nocapture`: time per pixel
    /// of the dual start against the primal method alone, 40 dates, 4 neighbours (`BENCH_PX`
    /// pixels, default 20000).
    #[test]
    #[ignore]
    fn bench_l1_pivots() {
        let px = std::env::var("BENCH_PX").map_or(Ok(20000), |v| v.parse());
        let (d, ys, w) = noisy_pixels(40, 4, px.unwrap_or(20000), 3);
        // BENCH_DUAL_ONLY: the dual start alone (for callgrind).
        let only = std::env::var_os("BENCH_DUAL_ONLY").is_some();
        for dual in [false, true] {
            if only && !dual {
                continue;
            }
            let mut s = L1Solver::new(&d);
            s.dual = dual;
            let (mut pivots, mut dual_pivots) = (0, 0);
            let t0 = std::time::Instant::now();
            for y in &ys {
                s.solve(&d, y, Some(&w), 1.0);
                pivots += s.pivots;
                dual_pivots += s.dual_pivots;
            }
            let us = t0.elapsed().as_secs_f64() * 1e6 / ys.len() as f64;
            let n = ys.len() as f64;
            println!(
                "dual {dual}: {us:.1} us/pixel, {:.1} primal + {:.1} dual pivots/pixel",
                pivots as f64 / n,
                dual_pivots as f64 / n
            );
        }
    }

    #[test]
    fn a_tie_takes_the_centre_of_the_optimal_face() {
        // A cycle with misclosure 1 and unit weights: any split of it between pairs (0, 1) and
        // (0, 2) costs 1, so the optimal series form a triangle, ts1 in [-1, 0], ts2 in [0, 1],
        // ts2 - ts1 <= 1; its least and greatest points are (-1, 0) and (0, 1).
        let pairs = [(0, 1), (0, 2), (1, 2)];
        let d = design(3, &pairs);
        let y = [0.0, 0.0, 1.0];
        for dual in [true, false] {
            let mut s = L1Solver::new(&d);
            s.dual = dual;
            s.solve(&d, &y, None, 0.0);
            assert_eq!(s.ts, [0.0, -0.5, 0.5], "dual {dual}");
            // The basis is still a vertex, and optimal.
            assert!(s.duality_gap(&d, &y).abs() < 1e-12);
            let u = [1.0; 3];
            assert!((objective(&d, &y, &u, &s.ts) - 1.0).abs() < 1e-12);
        }
    }

    #[test]
    fn split_networks_take_the_minimum_norm_velocity() {
        // Dates 0..3 and 3..6 joined by no pair: the second part's offset is free.
        let pairs = [(0, 1), (1, 2), (0, 2), (3, 4), (4, 5), (3, 5)];
        let d = design(6, &pairs);
        let y = [1.0, 2.0, 3.0, -1.0, 0.5, -0.5];
        let mut s = L1Solver::new(&d);
        let out = s.solve(&d, &y, None, 0.0);
        assert!(matches!(
            out,
            Outcome::Solved {
                rank_deficient: true,
                ..
            }
        ));
        // Consistent data: both parts fit exactly; then the L2 solver's minimum-norm rule.
        let mut l2 = super::super::solve::PixelSolver::new(&d);
        l2.solve(&d, &y, None, 0.0);
        for (a, b) in s.ts.iter().zip(&l2.ts) {
            assert!((a - b).abs() < 1e-9, "{:?} vs {:?}", s.ts, l2.ts);
        }
        assert!((s.ts[1] - 1.0).abs() < 1e-12 && (s.ts[5] - s.ts[3] + 0.5).abs() < 1e-12);
    }
}
