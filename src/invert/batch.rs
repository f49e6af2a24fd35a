//! The SBAS solve for [`LANES`] neighbouring pixels at once, pixels in the innermost loop
//! ("lanes"): forming the banded normal equations, the banded Cholesky factorisation and solve,
//! the cumulation into a time series and the temporal coherence all run as plain loops over
//! lanes, which the compiler turns into SIMD code, with no branch on the data.
//!
//! Every operation mirrors the per-pixel path of [`super::solve`] in the same order, so a pixel
//! solved here gets bit-for-bit the same result. The normal equations are formed entry by
//! entry (each entry sums the weights of the pairs covering it, in pair order, in registers,
//! then is scaled by its interval lengths) where the per-pixel path adds pair by pair: the same
//! sums in the same order, with one store per entry instead of one per pair and entry.
//! Observations are held in f32 (they are float32 data, so nothing is lost) to keep a batch in
//! the first-level cache. An invalid observation enters with weight 0 (adding +0 changes
//! nothing). A lane whose network is not fully determined (a pivot below the tolerance:
//! separate parts, no valid pair over some interval) or fails the redundancy test is flagged
//! and left to the per-pixel path, which handles rank deficiency with the minimum-norm
//! solution.
//!
//! The same solve, generic over the float type, also runs in f32 for the reweighted steps of
//! the L1 start ([`Batch::l1_start`]), which only pick a starting tree.

use super::solve::Design;
use super::tcoh::sin_cos;

/// Pixels solved together: a few SIMD registers wide, and small enough that a batch's normal
/// equations stay in the first-level cache.
pub(crate) const LANES: usize = 16;

type Lanes = [f64; LANES];

/// The lanes of entry `i` of a lane-interleaved buffer.
#[inline(always)]
fn at<T>(v: &[T], i: usize) -> &[T; LANES] {
    v[i * LANES..(i + 1) * LANES]
        .try_into()
        .expect("lane slices are LANES long")
}

/// The lanes of entry `i`, mutable.
#[inline(always)]
fn at_mut<T>(v: &mut [T], i: usize) -> &mut [T; LANES] {
    (&mut v[i * LANES..(i + 1) * LANES])
        .try_into()
        .expect("lane slices are LANES long")
}

/// Which pairs add to each entry of a row-major table, as one list per entry (CSR).
#[derive(Debug, Clone, Default)]
struct PairLists {
    start: Vec<u32>,
    pairs: Vec<u32>,
    /// The entries by the length of their lists (then by entry): looping over them in this
    /// order, each inner loop runs as many times as the one before but at a few steps, which a
    /// branch predictor follows, where in entry order the lengths vary at every entry.
    by_length: Vec<u32>,
}

impl PairLists {
    /// `lists[e]` = the pairs `i` (ascending) whose `covered(i, ..)` pushes `e`, for `e` in
    /// `0..entries`. Work in proportion to the pairs' coverage, not entries x pairs.
    fn new(
        entries: usize,
        num_pairs: usize,
        mut covered: impl FnMut(usize, &mut Vec<usize>),
    ) -> PairLists {
        let mut lists: Vec<Vec<u32>> = vec![Vec::new(); entries];
        let mut buf = Vec::new();
        for i in 0..num_pairs {
            buf.clear();
            covered(i, &mut buf);
            for &e in &buf {
                lists[e].push(i as u32);
            }
        }
        let mut by_length: Vec<u32> = (0..entries as u32).collect();
        by_length.sort_by_key(|&e| lists[e as usize].len());
        let mut l = PairLists {
            start: Vec::with_capacity(entries + 1),
            pairs: Vec::with_capacity(lists.iter().map(Vec::len).sum()),
            by_length,
        };
        l.start.push(0);
        for list in lists {
            l.pairs.extend(list);
            l.start.push(l.pairs.len() as u32);
        }
        l
    }

    #[inline(always)]
    fn of(&self, e: usize) -> &[u32] {
        &self.pairs[self.start[e] as usize..self.start[e + 1] as usize]
    }
}

type Lanes32 = [f32; LANES];

/// The lanes of entry `i` of a lane-interleaved f32 buffer, widened to f64 (exactly).
#[inline(always)]
fn at32(v: &[f32], i: usize) -> Lanes {
    let s = at(v, i);
    let mut o = [0.0; LANES];
    for (o, s) in o.iter_mut().zip(s) {
        *o = f64::from(*s);
    }
    o
}

/// IRLS weights of one pair's lanes: `u / max(|y - (tb - ta)|, delta)`.
#[inline(always)]
fn reweight(w: &mut Lanes32, y: &Lanes32, u: &Lanes32, tb: &Lanes32, ta: &Lanes32, delta: f32) {
    for ((((w, &y), &u), &tb), &ta) in w.iter_mut().zip(y).zip(u).zip(tb).zip(ta) {
        let r = (y - (tb - ta)).abs();
        // A compare and select: `delta` for NaN too, as `f32::max`, whose NaN rule keeps the
        // compiler from vectorising.
        *w = u / if r > delta { r } else { delta };
    }
}

/// The arithmetic the batched solve needs, so that one code solves in f64 (the inversion,
/// bit for bit as the per-pixel path) and in f32 (the L1 start, twice the lanes per vector).
trait Real:
    Copy
    + PartialOrd
    + std::ops::Add<Output = Self>
    + std::ops::Sub<Output = Self>
    + std::ops::Mul<Output = Self>
    + std::ops::Div<Output = Self>
    + std::ops::AddAssign
    + std::ops::SubAssign
    + std::ops::MulAssign
{
    const ZERO: Self;
    const ONE: Self;
    /// From an f32 observation or weight (exact for f64).
    fn of_f32(v: f32) -> Self;
    /// From an f64 interval length or scale (identity for f64).
    fn of_f64(v: f64) -> Self;
    fn sqrt(self) -> Self;
    fn abs(self) -> Self;
    fn is_finite(self) -> bool;
}

macro_rules! real {
    ($t:ty) => {
        impl Real for $t {
            const ZERO: $t = 0.0;
            const ONE: $t = 1.0;
            #[inline(always)]
            fn of_f32(v: f32) -> $t {
                v as $t
            }
            #[inline(always)]
            fn of_f64(v: f64) -> $t {
                v as $t
            }
            #[inline(always)]
            fn sqrt(self) -> $t {
                <$t>::sqrt(self)
            }
            #[inline(always)]
            fn abs(self) -> $t {
                <$t>::abs(self)
            }
            #[inline(always)]
            fn is_finite(self) -> bool {
                <$t>::is_finite(self)
            }
        }
    };
}
real!(f32);
real!(f64);

/// The pair lists and scales of the normal equations ([`normal_equations`]).
struct NormalLists<'a> {
    rhs_pairs: &'a PairLists,
    band_pairs: &'a PairLists,
    band_scale: &'a [f64],
    dt: &'a [f64],
}

/// `B^T W B` (band) and `B^T W y`: each entry the sum over the pairs covering it, in pair
/// order as the per-pixel path adds them, of `w` (band) or `w y` (right-hand side), then times
/// its interval lengths.
#[inline(always)]
fn normal_equations<T: Real>(
    l: &NormalLists<'_>,
    w: &[f32],
    y: &[f32],
    band: &mut [T],
    rhs: &mut [T],
) {
    // Each entry is summed on its own: the order of the entries changes nothing.
    for &k in &l.rhs_pairs.by_length {
        let k = k as usize;
        let mut acc = [T::ZERO; LANES];
        for &i in l.rhs_pairs.of(k) {
            let (w, y) = (at(w, i as usize), at(y, i as usize));
            for ((a, &w), &y) in acc.iter_mut().zip(w).zip(y) {
                *a += T::of_f32(w) * T::of_f32(y);
            }
        }
        let dtk = T::of_f64(l.dt[k]);
        for (r, &a) in at_mut(rhs, k).iter_mut().zip(&acc) {
            *r = a * dtk;
        }
    }
    for &e in &l.band_pairs.by_length {
        let (e, scale) = (e as usize, T::of_f64(l.band_scale[e as usize]));
        let mut acc = [T::ZERO; LANES];
        for &i in l.band_pairs.of(e) {
            for (a, &w) in acc.iter_mut().zip(at(w, i as usize)) {
                *a += T::of_f32(w);
            }
        }
        for (r, &a) in at_mut(band, e).iter_mut().zip(&acc) {
            *r = a * scale;
        }
    }
}

/// Banded Cholesky in place (`n` unknowns, half-bandwidth `bw`), reciprocal diagonal, as
/// `linalg::banded_cholesky_in_place`; a lane whose pivot is not above `rel_tol` times its
/// diagonal is not `ok`.
#[inline(always)]
fn factor<T: Real>(n: usize, bw: usize, band: &mut [T], ok: &mut [bool; LANES], rel_tol: T) {
    let bw1 = bw + 1;
    let e = |r: usize, j: usize| r * bw1 + (j + bw - r);
    for j in 0..n {
        let k0 = j.saturating_sub(bw);
        let diag = *at(band, e(j, j));
        let mut dj = diag;
        for k in k0..j {
            for (dv, &l) in dj.iter_mut().zip(at(band, e(j, k))) {
                *dv -= l * l;
            }
        }
        let mut inv = [T::ZERO; LANES];
        for (((o, &dv), &dg), ok) in inv.iter_mut().zip(&dj).zip(&diag).zip(ok.iter_mut()) {
            *ok &= dv.is_finite() && dv > rel_tol * dg.abs();
            *o = T::ONE / dv.sqrt();
        }
        *at_mut(band, e(j, j)) = inv;
        for i in j + 1..n.min(j + bw + 1) {
            let mut s = *at(band, e(i, j));
            for k in i.saturating_sub(bw)..j {
                let (lik, ljk) = (*at(band, e(i, k)), *at(band, e(j, k)));
                for ((sv, &a), &b) in s.iter_mut().zip(&lik).zip(&ljk) {
                    *sv -= a * b;
                }
            }
            for (sv, &iv) in s.iter_mut().zip(&inv) {
                *sv *= iv;
            }
            *at_mut(band, e(i, j)) = s;
        }
    }
}

/// Forward and back substitution with the factor of [`factor`], as
/// `linalg::banded_cholesky_solve`: `rhs` becomes the solution.
#[inline(always)]
fn substitute<T: Real>(n: usize, bw: usize, band: &[T], rhs: &mut [T]) {
    let bw1 = bw + 1;
    let e = |r: usize, j: usize| r * bw1 + (j + bw - r);
    for i in 0..n {
        let mut s = *at(rhs, i);
        for k in i.saturating_sub(bw)..i {
            let x = *at(rhs, k);
            for ((sv, &l), &x) in s.iter_mut().zip(at(band, e(i, k))).zip(&x) {
                *sv -= l * x;
            }
        }
        for (sv, &dg) in s.iter_mut().zip(at(band, e(i, i))) {
            *sv *= dg;
        }
        *at_mut(rhs, i) = s;
    }
    for i in (0..n).rev() {
        let mut s = *at(rhs, i);
        for k in i + 1..n.min(i + bw + 1) {
            let x = *at(rhs, k);
            for ((sv, &l), &x) in s.iter_mut().zip(at(band, e(k, i))).zip(&x) {
                *sv -= l * x;
            }
        }
        for (sv, &dg) in s.iter_mut().zip(at(band, e(i, i))) {
            *sv *= dg;
        }
        *at_mut(rhs, i) = s;
    }
}

/// `ts[0] = 0`, `ts[k+1] = ts[k] + v[k] dt[k]` from the velocities in `rhs`; a lane with a
/// velocity not finite is not `ok`.
#[inline(always)]
fn cumulate<T: Real>(dt: &[f64], rhs: &[T], ts: &mut [T], ok: &mut [bool; LANES]) {
    let mut acc = [T::ZERO; LANES];
    *at_mut(ts, 0) = acc;
    for (k, &dtk) in dt.iter().enumerate() {
        let dtk = T::of_f64(dtk);
        for (a, &v) in acc.iter_mut().zip(at(rhs, k)) {
            *a += v * dtk;
        }
        *at_mut(ts, k + 1) = acc;
    }
    // A sum that meets an inf or a NaN stays inf or NaN (inf - inf is NaN), and the intervals
    // are positive: the last date is finite exactly when every velocity is.
    for (ok, a) in ok.iter_mut().zip(&acc) {
        *ok &= a.is_finite();
    }
}

/// Scratch and results of one batch: built once per inverter, cloned by each parallel task.
#[derive(Debug, Clone)]
pub(crate) struct Batch {
    /// Unknowns (intervals) N-1.
    n: usize,
    /// Half-bandwidth of the normal matrix.
    bw: usize,
    /// Referenced phase per pair and lane, 0 where not valid.
    pub y: Vec<f32>,
    /// 1 where the observation is valid, else 0.
    pub valid: Vec<f32>,
    /// Weight per pair and lane (0 where not valid).
    pub w: Vec<f32>,
    /// Band of the normal matrix: row `r`, column `r - bw + c` at entry `r * (bw + 1) + c`.
    band: Vec<f64>,
    /// Right-hand side, then the interval velocities.
    rhs: Vec<f64>,
    /// Pairs covering both intervals of each band entry.
    band_pairs: PairLists,
    /// `dt[r] dt[col]` of each band entry (0 outside the matrix).
    band_scale: Vec<f64>,
    /// Pairs covering each interval.
    rhs_pairs: PairLists,
    /// Pairs with either end at each date.
    date_pairs: PairLists,
    /// Phase time series per date (radians).
    pub ts: Vec<f64>,
    /// Iteratively reweighted least squares ([`Self::towards_l1`]), in single precision: the
    /// L1 bounds `sqrt(w)` per pair and lane, the current weights, the band, right-hand side,
    /// time series and previous time series.
    bound: Vec<f32>,
    w_fit: Vec<f32>,
    band32: Vec<f32>,
    rhs32: Vec<f32>,
    ts32: Vec<f32>,
    ts_prev: Vec<f32>,
    /// Temporal coherence per lane.
    pub tcoh: Lanes,
    /// Valid pairs per lane.
    pub num_valid: Lanes,
    /// Whether the lane was solved here (else it goes to the per-pixel path).
    pub ok: [bool; LANES],
}

impl Batch {
    /// Scratch for `design`.
    pub fn new(design: &Design) -> Batch {
        let n = design.num_unknowns();
        let bw = design.bandwidth.min(n.saturating_sub(1));
        let bw1 = bw + 1;
        let m = design.pairs.len();
        let nd = design.num_dates;
        let span = |i: usize| {
            let (a, b) = design.pairs[i];
            (a as usize, b as usize)
        };
        // Entry e = r * bw1 + c is row r, column r + c - bw (absent when negative).
        let column = |e: usize| (e / bw1 + e % bw1).checked_sub(bw);
        // Pair (a, b) covers intervals a..b: band entries (k, j) with a <= j <= k < b.
        let band_pairs = PairLists::new(n * bw1, m, |i, out| {
            let (a, b) = span(i);
            for k in a..b {
                out.extend((a..=k).map(|j| k * bw1 + (j + bw - k)));
            }
        });
        let band_scale = (0..n * bw1)
            .map(|e| column(e).map_or(0.0, |j| design.dt[e / bw1] * design.dt[j]))
            .collect();
        let rhs_pairs = PairLists::new(n, m, |i, out| {
            let (a, b) = span(i);
            out.extend(a..b);
        });
        let date_pairs = PairLists::new(nd, m, |i, out| {
            let (a, b) = span(i);
            out.extend([a, b]);
        });
        Batch {
            n,
            bw,
            y: vec![0.0; m * LANES],
            valid: vec![0.0; m * LANES],
            w: vec![0.0; m * LANES],
            band: vec![0.0; n * bw1 * LANES],
            rhs: vec![0.0; n * LANES],
            band_pairs,
            band_scale,
            rhs_pairs,
            date_pairs,
            ts: vec![0.0; nd * LANES],
            bound: vec![0.0; m * LANES],
            w_fit: vec![0.0; m * LANES],
            band32: vec![0.0; n * bw1 * LANES],
            rhs32: vec![0.0; n * LANES],
            ts32: vec![0.0; nd * LANES],
            ts_prev: vec![0.0; nd * LANES],
            tcoh: [0.0; LANES],
            num_valid: [0.0; LANES],
            ok: [false; LANES],
        }
    }

    crate::simd::simd_dispatch!(
        /// Solves every lane from `y`, `valid` and `w` (filled by the caller, weights already 0
        /// where not valid). Afterwards `ok`, `ts`, `tcoh` and `num_valid` hold the results.
        pub fn solve => solve_generic, solve_avx512, solve_avx2(
            d: &Design, min_redundancy: f32, pivot_rel_tol: f64
        )
    );

    crate::simd::simd_dispatch!(
        /// The starting series of the L1 solve ([`super::l1`]): every lane solved by least
        /// squares as [`Self::solve`] does (the same series to the bit, without the temporal
        /// coherence, which the L1 solve makes of its own series), then moved towards its L1
        /// fit (least absolute deviations with bounds `sqrt(w)`) by `iters` steps of
        /// iteratively reweighted least squares: each pair reweighted by
        /// `sqrt(w) / max(|residual|, delta)`, `delta` (radians) shrinking by `shrink` each
        /// step. Only a starting point for the exact L1 solve (the pairs it fits best make its
        /// first tree), so the reweighted steps run in f32, and a lane whose reweighted system
        /// does not factor keeps its previous series. Afterwards `ok`, `ts` and `num_valid`
        /// are as after [`Self::solve`].
        pub fn l1_start => l1_start_generic, l1_start_avx512, l1_start_avx2(
            d: &Design,
            min_redundancy: f32,
            iters: usize,
            delta: f32,
            shrink: f32,
            pivot_rel_tol: f64,
        )
    );

    #[inline(always)]
    fn l1_start_generic(
        &mut self,
        d: &Design,
        min_redundancy: f32,
        iters: usize,
        delta: f32,
        shrink: f32,
        tol: f64,
    ) {
        self.normal_equations(d);
        self.redundancy(d, min_redundancy);
        self.factor_substitute_cumulate(d, tol);
        if iters > 0 {
            self.towards_l1(d, iters, delta, shrink);
        }
    }

    /// The reweighted steps of [`Self::l1_start`], in f32: twice the lanes per vector, and
    /// plenty for a start. A pivot below 1e-5 of its diagonal is noise at that precision.
    #[inline(always)]
    fn towards_l1(&mut self, d: &Design, iters: usize, delta: f32, shrink: f32) {
        const REL_TOL: f32 = 1e-5;
        let solved = self.ok;
        for (u, w) in self.bound.iter_mut().zip(&self.w) {
            *u = w.sqrt();
        }
        for (t, &v) in self.ts32.iter_mut().zip(&self.ts) {
            *t = v as f32;
        }
        let lists = NormalLists {
            rhs_pairs: &self.rhs_pairs,
            band_pairs: &self.band_pairs,
            band_scale: &self.band_scale,
            dt: &d.dt,
        };
        let mut delta = delta;
        for _ in 0..iters {
            self.ts_prev.copy_from_slice(&self.ts32);
            for (i, &(a, b)) in d.pairs.iter().enumerate() {
                // By value: references into the batch might overlap the weights written, as
                // far as the compiler knows, which keeps it from vectorising.
                let (y, u) = (*at(&self.y, i), *at(&self.bound, i));
                let (ta, tb) = (*at(&self.ts32, a as usize), *at(&self.ts32, b as usize));
                reweight(at_mut(&mut self.w_fit, i), &y, &u, &tb, &ta, delta);
            }
            self.ok = solved;
            normal_equations(
                &lists,
                &self.w_fit,
                &self.y,
                &mut self.band32,
                &mut self.rhs32,
            );
            factor(self.n, self.bw, &mut self.band32, &mut self.ok, REL_TOL);
            substitute(self.n, self.bw, &self.band32, &mut self.rhs32);
            cumulate(&d.dt, &self.rhs32, &mut self.ts32, &mut self.ok);
            delta *= shrink;
            for (l, (&was, &now)) in solved.iter().zip(&self.ok).enumerate() {
                if was && !now {
                    for k in 0..d.num_dates {
                        self.ts32[k * LANES + l] = self.ts_prev[k * LANES + l];
                    }
                }
            }
        }
        for (t, &v) in self.ts.iter_mut().zip(&self.ts32) {
            *t = f64::from(v);
        }
        self.ok = solved;
    }

    #[inline(always)]
    fn solve_generic(&mut self, d: &Design, min_redundancy: f32, pivot_rel_tol: f64) {
        self.normal_equations(d);
        self.redundancy(d, min_redundancy);
        self.factor_substitute_cumulate(d, pivot_rel_tol);
        self.temporal_coherence(d);
    }

    /// [`normal_equations`] of the batch's weights and phases, in f64.
    #[inline(always)]
    fn normal_equations(&mut self, d: &Design) {
        let lists = NormalLists {
            rhs_pairs: &self.rhs_pairs,
            band_pairs: &self.band_pairs,
            band_scale: &self.band_scale,
            dt: &d.dt,
        };
        normal_equations(&lists, &self.w, &self.y, &mut self.band, &mut self.rhs);
    }

    /// Valid pairs per lane and MintPy's redundancy test; a lane failing it is not `ok`.
    #[inline(always)]
    fn redundancy(&mut self, d: &Design, min_redundancy: f32) {
        let mut num_valid = [0.0; LANES];
        for i in 0..d.pairs.len() {
            for (c, v) in num_valid.iter_mut().zip(&at32(&self.valid, i)) {
                *c += v;
            }
        }
        self.num_valid = num_valid;
        let mut least = [f64::INFINITY; LANES];
        // The least count over dates 1..: `min` is exact, so any order of dates gives it.
        for &date in self.date_pairs.by_length.iter().filter(|&&v| v != 0) {
            let mut count = [0.0; LANES];
            for &i in self.date_pairs.of(date as usize) {
                for (c, v) in count.iter_mut().zip(&at32(&self.valid, i as usize)) {
                    *c += v;
                }
            }
            for (l, c) in least.iter_mut().zip(&count) {
                *l = l.min(*c);
            }
        }
        let min_redundancy = min_redundancy as f64;
        for (ok, l) in self.ok.iter_mut().zip(&least) {
            *ok = *l >= min_redundancy;
        }
    }

    /// [`factor`], [`substitute`] and [`cumulate`] of the f64 solve.
    #[inline(always)]
    fn factor_substitute_cumulate(&mut self, d: &Design, rel_tol: f64) {
        factor(self.n, self.bw, &mut self.band, &mut self.ok, rel_tol);
        substitute(self.n, self.bw, &self.band, &mut self.rhs);
        cumulate(&d.dt, &self.rhs, &mut self.ts, &mut self.ok);
    }

    /// `|sum exp(j r)| / M_valid` over the valid pairs, as `tcoh::temporal_coherence`: the
    /// residual in f64, its phasor summed in f32 (an invalid pair adds a signed zero).
    #[inline(always)]
    fn temporal_coherence(&mut self, d: &Design) {
        let mut re = [0.0f32; LANES];
        let mut im = [0.0f32; LANES];
        for (i, &(a, b)) in d.pairs.iter().enumerate() {
            let (ta, tb) = (at(&self.ts, a as usize), at(&self.ts, b as usize));
            let y = at32(&self.y, i);
            let v = &self.valid[i * LANES..(i + 1) * LANES];
            for l in 0..LANES {
                let (s, c) = sin_cos((y[l] - (tb[l] - ta[l])) as f32);
                let v = v[l];
                im[l] += s * v;
                re[l] += c * v;
            }
        }
        for (((t, r), i), m) in self.tcoh.iter_mut().zip(&re).zip(&im).zip(&self.num_valid) {
            *t = if *m > 0.0 {
                f64::from(*r).hypot(f64::from(*i)) / m
            } else {
                0.0
            };
        }
    }
}
