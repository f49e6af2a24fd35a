//! Inverting one chunk: referencing and masking the observations, weights, the per-pixel or
//! shared solve, and MintPy's reference-pixel post-fix. Parallel over blocks of pixels, each
//! with scratch buffers made once per block.

use anyhow::{bail, ensure};
use rayon::prelude::*;

use super::batch::{Batch, LANES};
use super::l1::L1Solver;
use super::solve::{cumulate, Design, Outcome, PixelSolver, PIVOT_REL_TOL};
use super::tcoh::temporal_coherence;
use super::weights::WeightTable;
use super::{
    ChunkIn, ChunkOut, ChunkStats, InversionConfig, Inverter, ObsMask, SolverKind, WeightFunc,
};
use crate::linalg;
use crate::network::Network;

/// Pixels per parallel block: small enough that a block's observations stay in cache, large
/// enough for the shared solve's matrix product to be efficient.
const BLOCK: usize = 256;

/// gelsd's `cond` in MintPy's inversion: singular values below this fraction of the largest
/// count as zero.
const RCOND: f64 = 1e-5;

/// The L1 path's start ([`Batch::l1_start`]): steps of iteratively reweighted least squares
/// from the least-squares series, the floor on a residual's size in the first step (radians)
/// and its shrink per step. Measured on simulated stacks (scripts/bench-l1.sh): six steps cut
/// the exact solve's dual pivots from about 18 to about 5 per pixel; more cost more than the
/// pivots they save.
pub(super) const L1_START_STEPS: usize = 6;
pub(super) const L1_START_DELTA: f32 = 0.1;
pub(super) const L1_START_SHRINK: f32 = 0.6;

/// Solves the pixels of one block of a chunk: the seam between the chunk's bookkeeping and a
/// solver of [`SolverKind`].
trait BlockSolver: Sync {
    /// Inverts pixels `p0..p0 + out.tcoh.len()` of `chunk` into `out`.
    fn invert_block(
        &self,
        inv: &Inverter,
        chunk: &ChunkIn,
        p0: usize,
        out: BlockOut<'_>,
        s: &mut BlockScratch,
    ) -> ChunkStats;
}

/// Weighted least squares ([`SolverKind::L2`]).
struct L2;

impl BlockSolver for L2 {
    fn invert_block(
        &self,
        inv: &Inverter,
        chunk: &ChunkIn,
        p0: usize,
        out: BlockOut<'_>,
        s: &mut BlockScratch,
    ) -> ChunkStats {
        inv.invert_block_l2(chunk, p0, out, s)
    }
}

/// Least absolute deviations ([`SolverKind::L1`]), pixel by pixel.
struct L1;

impl BlockSolver for L1 {
    fn invert_block(
        &self,
        inv: &Inverter,
        chunk: &ChunkIn,
        p0: usize,
        out: BlockOut<'_>,
        s: &mut BlockScratch,
    ) -> ChunkStats {
        inv.invert_block_l1(chunk, p0, out, s)
    }
}

thread_local! {
    /// Block-ordered time series of the last chunk inverted on this thread, kept for reuse.
    static TS_BLOCKS: std::cell::RefCell<Vec<f32>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// The unweighted solution shared by every pixel whose pairs are all valid (MintPy's
/// `mask_all_net` batch).
#[derive(Debug, Clone)]
pub(crate) struct AllValid {
    /// Pseudo-inverse of the velocity design matrix B, row-major (N-1) x M.
    pinv: Vec<f64>,
    /// Whether the full network passes the redundancy test.
    redundant: bool,
    /// Whether the full network falls apart (then the pseudo-inverse is minimum norm).
    rank_deficient: bool,
}

impl AllValid {
    fn new(network: &Network, design: &Design, min_redundancy: f32) -> AllValid {
        let (m, n) = (network.num_pairs(), design.num_unknowns());
        let pinv = linalg::pseudo_inverse(&network.design_velocity(), m, n, RCOND);
        let mut count = vec![0; design.num_dates];
        let redundant =
            (design.min_redundancy(|_| true, &mut count) as f64) >= min_redundancy as f64;
        AllValid {
            pinv,
            redundant,
            rank_deficient: network.components(|_| true).len() > 1,
        }
    }
}

impl Inverter {
    /// Prepares the inversion of `network` with `config`: `ref_phase` is each pair's phase at the
    /// reference pixel `ref_yx` (row, column in the image), `num_looks` the looks for the `Var`
    /// and `Fim` weights, `phase2range` the radians-to-metres factor (`-wavelength / (4 pi)`).
    pub fn new(
        network: Network,
        config: InversionConfig,
        ref_phase: Vec<f32>,
        ref_yx: (usize, usize),
        num_looks: f64,
        phase2range: f64,
    ) -> Self {
        let design = Design::new(
            network.num_dates(),
            network
                .pairs
                .iter()
                .map(|p| (p.first as u32, p.second as u32))
                .collect(),
            network.interval_years(),
        );
        let weights = WeightTable::new(config.weight, num_looks);
        // Batches take every pixel of a connected network; the shared pseudo-inverse is kept
        // for unweighted inversions of a network that falls apart, whose all-valid pixels
        // would otherwise each need the minimum-norm path.
        // The shared pseudo-inverse is a least-squares solution: L2 only.
        let all_valid = (config.solver == SolverKind::L2
            && config.weight == WeightFunc::No
            && network.components(|_| true).len() > 1)
            .then(|| AllValid::new(&network, &design, config.min_redundancy));
        let batch = Batch::new(&design);
        Inverter {
            network,
            config,
            ref_phase,
            ref_yx,
            num_looks,
            phase2range,
            design,
            weights,
            all_valid,
            batch,
        }
    }

    /// Inverts one chunk. Panics only if the chunk's buffers disagree with its window and the
    /// network, which the sources guarantee; [`Inverter::try_invert_chunk`] reports that as an
    /// error instead.
    pub fn invert_chunk(&self, chunk: &ChunkIn) -> ChunkOut {
        match self.try_invert_chunk(chunk) {
            Ok(out) => out,
            Err(e) => panic!("invalid chunk {} handed to the inversion: {e:#}", chunk.id),
        }
    }

    /// Inverts one chunk, or says which buffer has the wrong size.
    pub fn try_invert_chunk(&self, chunk: &ChunkIn) -> anyhow::Result<ChunkOut> {
        let mut out = ChunkOut::default();
        self.try_invert_chunk_into(chunk, &mut out)?;
        Ok(out)
    }

    /// [`Inverter::try_invert_chunk`] into the buffers of an earlier result, `out`, which it
    /// overwrites whole: a pipeline that hands written results back spares a fresh allocation
    /// per chunk (a page fault and a page clear every 4 KiB, and an unmap when freed).
    pub fn try_invert_chunk_into(&self, chunk: &ChunkIn, out: &mut ChunkOut) -> anyhow::Result<()> {
        self.check_chunk(chunk)?;
        let px = chunk.window.pixels();
        let nd = self.network.num_dates();
        out.id = chunk.id;
        out.window = chunk.window;
        out.stats = ChunkStats::default();
        // Every time-series value and every average coherence and mask value is written
        // below; pixels left unsolved keep a temporal coherence and a count of 0.
        out.timeseries.resize(px * nd, 0.0);
        out.avg_spatial_coh.resize(px, 0.0);
        out.mask_temp_coh.resize(px, 0);
        for v in [&mut out.temporal_coherence, &mut out.num_inv_ifgram] {
            v.clear();
            v.resize(px, 0.0);
        }
        if px == 0 {
            return Ok(());
        }
        // Block results keep the time series date-major within each block, [d][k], so that
        // they land in the N x h x w output as contiguous runs.
        // Reused from chunk to chunk (the compute stage calls this from one thread): a fresh
        // buffer of this size costs a page fault and a page clear every 4 KiB.
        let solver: &dyn BlockSolver = match self.config.solver {
            SolverKind::L2 => &L2,
            SolverKind::L1 => &L1,
        };
        let mut ts_blocks = TS_BLOCKS.with(|b| b.take());
        ts_blocks.clear();
        ts_blocks.resize(px * nd, 0.0);
        out.stats = ts_blocks
            .par_chunks_mut(BLOCK * nd)
            .zip(out.temporal_coherence.par_chunks_mut(BLOCK))
            .zip(out.num_inv_ifgram.par_chunks_mut(BLOCK))
            .zip(out.avg_spatial_coh.par_chunks_mut(BLOCK))
            .zip(out.mask_temp_coh.par_chunks_mut(BLOCK))
            .enumerate()
            .map_init(
                || BlockScratch::new(self),
                |scratch, (b, ((((ts, tcoh), num_inv), avg), mask))| {
                    let block = BlockOut {
                        ts,
                        tcoh,
                        num_inv,
                        avg,
                        mask,
                    };
                    solver.invert_block(self, chunk, b * BLOCK, block, scratch)
                },
            )
            .reduce(ChunkStats::default, add_stats);
        out.timeseries
            .par_chunks_mut(px)
            .enumerate()
            .for_each(|(d, plane)| {
                for (p0, block) in (0..px).step_by(BLOCK).zip(ts_blocks.chunks(BLOCK * nd)) {
                    let k = block.len() / nd;
                    plane[p0..p0 + k].copy_from_slice(&block[d * k..(d + 1) * k]);
                }
            });
        TS_BLOCKS.with(|b| b.replace(ts_blocks));
        self.reference_pixel_fix(chunk, out);
        Ok(())
    }

    /// Buffer sizes against the window and the network.
    fn check_chunk(&self, chunk: &ChunkIn) -> anyhow::Result<()> {
        let px = chunk.window.pixels();
        let m = self.network.num_pairs();
        ensure!(
            self.ref_phase.len() == m,
            "{} reference phases for {m} interferograms",
            self.ref_phase.len()
        );
        let stack = |name: &str, len: usize| -> anyhow::Result<()> {
            ensure!(
                len == m * px,
                "the {name} buffer holds {len} values, not {m} pairs x {px} pixels"
            );
            Ok(())
        };
        stack("phase", chunk.phase.len())?;
        stack("coherence", chunk.coherence.len())?;
        match (&self.config.mask, &chunk.conncomp) {
            (Some(ObsMask::ConnComp), Some(c)) => stack("connected-component", c.len())?,
            (Some(ObsMask::ConnComp), None) => {
                bail!("the connected-component mask is on but the chunk has no components")
            }
            _ => {}
        }
        for (name, layer) in [("water", &chunk.water_mask), ("shadow", &chunk.shadow_mask)] {
            if let Some(l) = layer {
                ensure!(
                    l.len() == px,
                    "the {name} mask holds {} values for {px} pixels",
                    l.len()
                );
            }
        }
        Ok(())
    }

    /// Inverts pixels `p0..p0 + block.tcoh.len()` of the chunk: batches of neighbouring
    /// pixels solved together, the few a batch cannot take one at a time. When the whole
    /// network is rank deficient and unweighted, the shared pseudo-inverse path instead.
    fn invert_block_l2(
        &self,
        chunk: &ChunkIn,
        p0: usize,
        out: BlockOut<'_>,
        s: &mut BlockScratch,
    ) -> ChunkStats {
        if self.all_valid.is_some() {
            return self.invert_block_per_pixel(chunk, p0, out, s);
        }
        // The batched path compiled for wider vectors when the CPU has them (no fused
        // multiply-add: results are bit-identical across the variants).
        #[cfg(target_arch = "x86_64")]
        {
            if std::arch::is_x86_feature_detected!("avx512f") {
                // SAFETY: the CPU supports AVX-512F, checked just above.
                return unsafe { self.invert_block_batched_avx512(chunk, p0, out, s) };
            }
            if std::arch::is_x86_feature_detected!("avx2") {
                // SAFETY: the CPU supports AVX2, checked just above.
                return unsafe { self.invert_block_batched_avx2(chunk, p0, out, s) };
            }
        }
        self.invert_block_batched(chunk, p0, out, s)
    }

    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx512f")]
    unsafe fn invert_block_batched_avx512(
        &self,
        chunk: &ChunkIn,
        p0: usize,
        out: BlockOut<'_>,
        s: &mut BlockScratch,
    ) -> ChunkStats {
        self.invert_block_batched(chunk, p0, out, s)
    }

    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    unsafe fn invert_block_batched_avx2(
        &self,
        chunk: &ChunkIn,
        p0: usize,
        out: BlockOut<'_>,
        s: &mut BlockScratch,
    ) -> ChunkStats {
        self.invert_block_batched(chunk, p0, out, s)
    }

    /// Batches of [`LANES`] neighbouring pixels solved together; the few a batch cannot take
    /// one at a time.
    #[inline(always)]
    fn invert_block_batched(
        &self,
        chunk: &ChunkIn,
        p0: usize,
        out: BlockOut<'_>,
        s: &mut BlockScratch,
    ) -> ChunkStats {
        let kn = out.tcoh.len();
        let mut out = out;
        let mut stats = ChunkStats::default();
        for k0 in (0..kn).step_by(LANES) {
            let lanes = LANES.min(kn - k0);
            self.load_batch(chunk, p0 + k0, lanes, s);
            if self.any_lane_to_solve(chunk, p0 + k0, lanes, s) {
                s.batch
                    .solve(&self.design, self.config.min_redundancy, PIVOT_REL_TOL);
            } else {
                // Water, no data or zero coherence throughout (sea, swath borders): the loop
                // below gives every lane zeros whatever the solve would have said.
                s.batch.num_valid = [0.0; LANES];
            }
            // Every lane's series at once (contiguous runs per date); the lanes the batch did
            // not solve are overwritten below, with the per-pixel result or zeros.
            let nd = self.design.num_dates;
            for (d, t) in s.batch.ts.chunks_exact(LANES).take(nd).enumerate() {
                let o = &mut out.ts[d * kn + k0..d * kn + k0 + lanes];
                for (o, t) in o.iter_mut().zip(t) {
                    *o = (t * self.phase2range) as f32;
                }
            }
            let zero_ts = |ts: &mut [f32], k: usize| {
                for d in 0..nd {
                    ts[d * kn + k] = 0.0;
                }
            };
            for l in 0..lanes {
                let k = k0 + l;
                let p = p0 + k;
                let avg = s.average_coherence(l);
                out.avg[k] = avg;
                let shadow = chunk.shadow_mask.as_ref().is_some_and(|sm| sm[p] != 0.0);
                out.mask[k] = u8::from(0.0 >= self.config.min_temp_coh && !shadow);
                let num_valid = s.batch.num_valid[l] as usize;
                let water_ok = chunk.water_mask.as_ref().is_none_or(|wm| wm[p] != 0.0);
                // NaN average coherence passes, as MintPy's `!= 0` test lets it.
                if !(water_ok && avg != 0.0 && num_valid > 0) {
                    zero_ts(out.ts, k);
                    continue;
                }
                if s.batch.ok[l] {
                    let outcome = Outcome::Solved {
                        rank_deficient: false,
                        tcoh: s.batch.tcoh[l],
                        num_valid,
                    };
                    self.record(outcome, k, &mut out, &mut stats, shadow);
                    continue;
                }
                // Low redundancy, separate parts or a singular system: the per-pixel path.
                let m = self.network.num_pairs();
                let weighted = self.config.weight != WeightFunc::No;
                s.lane_to_pixel(l, m, weighted);
                let w = weighted.then(|| &s.w[..m]);
                let outcome =
                    s.solver
                        .solve(&self.design, &s.y[..m], w, self.config.min_redundancy);
                self.record(outcome, k, &mut out, &mut stats, shadow);
                if let Outcome::Solved { .. } = outcome {
                    for (d, v) in s.solver.ts.iter().enumerate() {
                        out.ts[d * kn + k] = (v * self.phase2range) as f32;
                    }
                } else {
                    zero_ts(out.ts, k);
                }
            }
        }
        stats
    }

    /// L1 inversion of a block, [`LANES`] neighbouring pixels at a time: the batched
    /// least-squares solve, moved towards the L1 fit by a few reweighted steps
    /// ([`Batch::l1_start`]), gives each pixel a series from which the L1 solver builds its
    /// starting tree, and then each pixel is solved on its own. Which pixels are solved, and how they are recorded, is as in the
    /// batched L2 path.
    fn invert_block_l1(
        &self,
        chunk: &ChunkIn,
        p0: usize,
        mut out: BlockOut<'_>,
        s: &mut BlockScratch,
    ) -> ChunkStats {
        let kn = out.tcoh.len();
        let (m, nd) = (self.network.num_pairs(), self.design.num_dates);
        let weighted = self.config.weight != WeightFunc::No;
        let mut stats = ChunkStats::default();
        for k0 in (0..kn).step_by(LANES) {
            let lanes = LANES.min(kn - k0);
            self.load_batch(chunk, p0 + k0, lanes, s);
            let any = self.any_lane_to_solve(chunk, p0 + k0, lanes, s);
            if any {
                // The exact solve's dual pivots start from the tree of the pairs this start
                // fits best: near the L1 fit, a third of the pivots from least squares.
                s.batch.l1_start(
                    &self.design,
                    self.config.min_redundancy,
                    L1_START_STEPS,
                    L1_START_DELTA,
                    L1_START_SHRINK,
                    PIVOT_REL_TOL,
                );
            }
            for l in 0..lanes {
                let k = k0 + l;
                let p = p0 + k;
                let avg = s.average_coherence(l);
                out.avg[k] = avg;
                let shadow = chunk.shadow_mask.as_ref().is_some_and(|sm| sm[p] != 0.0);
                out.mask[k] = u8::from(0.0 >= self.config.min_temp_coh && !shadow);
                let water_ok = chunk.water_mask.as_ref().is_none_or(|wm| wm[p] != 0.0);
                let num_valid = s.lane_to_pixel(l, m, weighted);
                // NaN average coherence passes, as MintPy's `!= 0` test lets it.
                if !(any && water_ok && avg != 0.0 && num_valid > 0) {
                    for d in 0..nd {
                        out.ts[d * kn + k] = 0.0;
                    }
                    continue;
                }
                let w = weighted.then(|| &s.w[..m]);
                let start = s.batch.ok[l].then(|| {
                    for (d, t) in s.ts.iter_mut().enumerate() {
                        *t = s.batch.ts[d * LANES + l];
                    }
                    &s.ts[..nd]
                });
                let Some(l1) = s.l1.as_mut() else {
                    continue;
                };
                let outcome = l1.solve_from(
                    &self.design,
                    &s.y[..m],
                    w,
                    self.config.min_redundancy,
                    start,
                );
                self.record(outcome, k, &mut out, &mut stats, shadow);
                if let Outcome::Solved { .. } = outcome {
                    for (d, v) in l1.ts.iter().enumerate() {
                        out.ts[d * kn + k] = (v * self.phase2range) as f32;
                    }
                } else {
                    for d in 0..nd {
                        out.ts[d * kn + k] = 0.0;
                    }
                }
            }
        }
        stats
    }

    /// Whether some lane of the loaded batch (pixels `p..p + lanes`) is one the loop after the
    /// solve would record: not water, average coherence not 0, some valid observation. The
    /// first valid pair usually settles it, so it costs next to nothing where there is data.
    #[inline(always)]
    fn any_lane_to_solve(&self, chunk: &ChunkIn, p: usize, lanes: usize, s: &BlockScratch) -> bool {
        let m = self.network.num_pairs();
        (0..lanes).any(|l| {
            let water_ok = chunk.water_mask.as_ref().is_none_or(|wm| wm[p + l] != 0.0);
            // NaN average coherence passes, as below.
            water_ok
                && s.average_coherence(l) != 0.0
                && (0..m).any(|i| s.batch.valid[i * LANES + l] != 0.0)
        })
    }

    /// Fills the batch with pixels `p..p + lanes` (pair-major, referenced, masked, weighted;
    /// lanes past `lanes` hold no valid observation) and their coherence sums. One loop per
    /// mask kind, free of data-dependent branches so that it vectorises.
    #[inline(always)]
    fn load_batch(&self, chunk: &ChunkIn, p: usize, lanes: usize, s: &mut BlockScratch) {
        match (self.config.mask, &chunk.conncomp) {
            (Some(ObsMask::ConnComp), Some(cc)) => {
                self.load_batch_with(chunk, p, lanes, s, Some(cc), |cc: f32, _| {
                    cc != 0.0 && cc.is_finite()
                })
            }
            (Some(ObsMask::Coherence(t)), _) => {
                self.load_batch_with(chunk, p, lanes, s, None, |_, c: f32| {
                    (if c.is_finite() { c } else { 0.0 }) >= t
                })
            }
            // A connected-component mask without components cannot pass check_chunk.
            _ => self.load_batch_with(chunk, p, lanes, s, None, |_, _| true),
        }
    }

    /// [`Self::load_batch`] with the observation mask `keep(component, coherence)`.
    #[inline(always)]
    fn load_batch_with(
        &self,
        chunk: &ChunkIn,
        p: usize,
        lanes: usize,
        s: &mut BlockScratch,
        conncomp: Option<&Vec<f32>>,
        keep: impl Fn(f32, f32) -> bool,
    ) {
        let m = self.network.num_pairs();
        let px = chunk.window.pixels();
        let coh_sum = &mut s.coh_sum[..lanes];
        let coh_cnt = &mut s.coh_cnt[..lanes];
        coh_sum.fill(0.0);
        coh_cnt.fill(0);
        let b = &mut s.batch;
        for i in 0..m {
            let range = i * px + p..i * px + p + lanes;
            let phase = &chunk.phase[range.clone()];
            let coh = &chunk.coherence[range.clone()];
            let cc = conncomp.map_or(coh, |c| &c[range]);
            prefetch_ahead(&chunk.phase, i * px + p);
            prefetch_ahead(&chunk.coherence, i * px + p);
            let r = self.ref_phase[i];
            let lane = i * LANES..(i + 1) * LANES;
            let (y, valid, w) = (
                &mut b.y[lane.clone()],
                &mut b.valid[lane.clone()],
                &mut b.w[lane],
            );
            for l in 0..lanes {
                let raw = phase[l];
                // Only non-zero phase is referenced; a zero result is no data (MintPy).
                let v = if raw != 0.0 { raw - r } else { raw };
                let c = coh[l];
                let ok = keep(cc[l], c) && v != 0.0 && v.is_finite();
                y[l] = if ok { v } else { 0.0 };
                valid[l] = if ok { 1.0 } else { 0.0 };
                // Adding +0 for NaN (or inf) leaves the sum as MintPy's nan-skipping mean has it.
                let real = c.is_finite();
                coh_sum[l] += if real { c as f64 } else { 0.0 };
                coh_cnt[l] += u32::from(real);
            }
            // Weights are positive and finite: times 1 or 0 keeps them or drops them exactly.
            self.weights
                .weights_into(coh, &valid[..lanes], &mut w[..lanes]);
            y[lanes..].fill(0.0);
            valid[lanes..].fill(0.0);
            w[lanes..].fill(0.0);
        }
    }

    /// Inverts pixels `p0..p0 + block.tcoh.len()` of the chunk one at a time (and the
    /// all-valid ones with the shared pseudo-inverse).
    fn invert_block_per_pixel(
        &self,
        chunk: &ChunkIn,
        p0: usize,
        mut out: BlockOut<'_>,
        s: &mut BlockScratch,
    ) -> ChunkStats {
        let kn = out.tcoh.len();
        let m = self.network.num_pairs();
        self.gather(chunk, p0, kn, s);

        let weighted = self.config.weight != WeightFunc::No;
        let thr = self.config.min_temp_coh;
        let mut stats = ChunkStats::default();
        s.fast.clear();
        for k in 0..kn {
            let p = p0 + k;
            let avg = s.average_coherence(k);
            out.avg[k] = avg;
            let shadow = chunk.shadow_mask.as_ref().is_some_and(|sm| sm[p] != 0.0);
            out.mask[k] = u8::from(0.0 >= thr && !shadow);
            let y = &s.y[k * m..(k + 1) * m];
            let num_valid = y.iter().filter(|v| !v.is_nan()).count();
            let water_ok = chunk.water_mask.as_ref().is_none_or(|wm| wm[p] != 0.0);
            // NaN average coherence passes, as MintPy's `!= 0` test lets it.
            if !(water_ok && avg != 0.0 && num_valid > 0) {
                continue;
            }
            if num_valid == m && self.all_valid.is_some() {
                s.fast.push(k);
                continue;
            }
            let w = weighted.then(|| &s.w[k * m..(k + 1) * m]);
            let outcome = s
                .solver
                .solve(&self.design, y, w, self.config.min_redundancy);
            self.record(outcome, k, &mut out, &mut stats, shadow);
            if let Outcome::Solved { .. } = outcome {
                for (d, v) in s.solver.ts.iter().enumerate() {
                    out.ts[d * kn + k] = (v * self.phase2range) as f32;
                }
            }
        }
        if let (Some(all), false) = (&self.all_valid, s.fast.is_empty()) {
            self.solve_all_valid(all, kn, &mut out, s, &mut stats, chunk, p0);
        }
        stats
    }

    /// Copies the block's observations pixel-major, referenced and masked (NaN = not valid),
    /// its weights, and the sums for the average coherence.
    fn gather(&self, chunk: &ChunkIn, p0: usize, kn: usize, s: &mut BlockScratch) {
        let m = self.network.num_pairs();
        let px = chunk.window.pixels();
        let weighted = self.config.weight != WeightFunc::No;
        s.coh_sum[..kn].fill(0.0);
        s.coh_cnt[..kn].fill(0);
        for i in 0..m {
            let range = i * px + p0..i * px + p0 + kn;
            let phase = &chunk.phase[range.clone()];
            let coh = &chunk.coherence[range.clone()];
            let conncomp = chunk.conncomp.as_ref().map(|c| &c[range.clone()]);
            let r = self.ref_phase[i];
            for k in 0..kn {
                let raw = phase[k];
                // Only non-zero phase is referenced; a zero result is no data (MintPy).
                let v = if raw != 0.0 { raw - r } else { raw };
                let c = coh[k];
                let keep = match self.config.mask {
                    None => true,
                    Some(ObsMask::ConnComp) => {
                        conncomp.is_some_and(|cc| cc[k] != 0.0 && cc[k].is_finite())
                    }
                    Some(ObsMask::Coherence(t)) => (if c.is_finite() { c } else { 0.0 }) >= t,
                };
                s.y[k * m + i] = if keep && v != 0.0 && v.is_finite() {
                    v as f64
                } else {
                    f64::NAN
                };
                if c.is_finite() {
                    s.coh_sum[k] += c as f64;
                    s.coh_cnt[k] += 1;
                }
                if weighted {
                    s.w[k * m + i] = self.weights.weight(c) as f64;
                }
            }
        }
    }

    /// Solves the block's all-valid pixels with one product by the cached pseudo-inverse.
    #[allow(clippy::too_many_arguments)]
    fn solve_all_valid(
        &self,
        all: &AllValid,
        kn: usize,
        out: &mut BlockOut<'_>,
        s: &mut BlockScratch,
        stats: &mut ChunkStats,
        chunk: &ChunkIn,
        p0: usize,
    ) {
        let m = self.network.num_pairs();
        let n = self.design.num_unknowns();
        let kf = s.fast.len();
        if !all.redundant {
            stats.low_redundancy += kf;
            return;
        }
        for (j, &k) in s.fast.iter().enumerate() {
            s.y_fast[j * m..(j + 1) * m].copy_from_slice(&s.y[k * m..(k + 1) * m]);
        }
        {
            let lhs = faer::MatRef::from_row_major_slice(&all.pinv, n, m);
            let rhs = faer::MatRef::from_column_major_slice(&s.y_fast[..m * kf], m, kf);
            let dst = faer::MatMut::from_column_major_slice_mut(&mut s.x_fast[..n * kf], n, kf);
            faer::linalg::matmul::matmul(dst, faer::Accum::Replace, lhs, rhs, 1.0, faer::Par::Seq);
        }
        for (j, &k) in s.fast.iter().enumerate() {
            let x = &s.x_fast[j * n..(j + 1) * n];
            cumulate(&mut s.ts, x, &self.design.dt);
            let y = &s.y_fast[j * m..(j + 1) * m];
            let outcome = Outcome::Solved {
                rank_deficient: all.rank_deficient,
                tcoh: temporal_coherence(&s.ts, &self.design.pairs, y),
                num_valid: m,
            };
            let shadow = chunk
                .shadow_mask
                .as_ref()
                .is_some_and(|sm| sm[p0 + k] != 0.0);
            self.record(outcome, k, out, stats, shadow);
            for (d, v) in s.ts.iter().enumerate() {
                out.ts[d * kn + k] = (v * self.phase2range) as f32;
            }
        }
    }

    /// Writes a pixel's scalar outputs and counts it.
    fn record(
        &self,
        outcome: Outcome,
        k: usize,
        out: &mut BlockOut<'_>,
        stats: &mut ChunkStats,
        shadow: bool,
    ) {
        match outcome {
            Outcome::LowRedundancy => stats.low_redundancy += 1,
            Outcome::Solved {
                rank_deficient,
                tcoh,
                num_valid,
            } => {
                stats.inverted += 1;
                stats.rank_deficient += usize::from(rank_deficient);
                let tcoh = tcoh as f32;
                out.tcoh[k] = tcoh;
                out.num_inv[k] = num_valid as f32;
                out.mask[k] = u8::from(tcoh >= self.config.min_temp_coh && !shadow);
            }
        }
    }

    /// MintPy's post-fix: the reference pixel has no valid observation after referencing, and
    /// gets time series 0, temporal coherence 1 and all M interferograms counted.
    fn reference_pixel_fix(&self, chunk: &ChunkIn, out: &mut ChunkOut) {
        let Some(p) = chunk.window.local_index(self.ref_yx.0, self.ref_yx.1) else {
            return;
        };
        let px = chunk.window.pixels();
        for d in 0..self.network.num_dates() {
            out.timeseries[d * px + p] = 0.0;
        }
        out.temporal_coherence[p] = 1.0;
        out.num_inv_ifgram[p] = self.network.num_pairs() as f32;
        let shadow = chunk.shadow_mask.as_ref().is_some_and(|sm| sm[p] != 0.0);
        out.mask_temp_coh[p] = u8::from(1.0 >= self.config.min_temp_coh && !shadow);
    }
}

/// Asks the CPU to fetch the values a few batches ahead of `at`: a batch reads one short run
/// from each of hundreds of pair planes, too many streams for the hardware prefetcher.
#[inline(always)]
fn prefetch_ahead(v: &[f32], at: usize) {
    const AHEAD: usize = 4 * LANES;
    #[cfg(target_arch = "x86_64")]
    if let Some(x) = v.get(at + AHEAD) {
        // SAFETY: a prefetch is only a hint; the address is that of a live element.
        unsafe {
            std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(
                (x as *const f32).cast::<i8>(),
            )
        };
    }
}

fn add_stats(a: ChunkStats, b: ChunkStats) -> ChunkStats {
    ChunkStats {
        inverted: a.inverted + b.inverted,
        rank_deficient: a.rank_deficient + b.rank_deficient,
        low_redundancy: a.low_redundancy + b.low_redundancy,
    }
}

/// One block's share of the chunk outputs.
struct BlockOut<'a> {
    /// Time series of the block, date-major: `[d][k]`.
    ts: &'a mut [f32],
    tcoh: &'a mut [f32],
    num_inv: &'a mut [f32],
    avg: &'a mut [f32],
    mask: &'a mut [u8],
}

/// Scratch buffers of one parallel task.
struct BlockScratch {
    /// Observations, pixel-major `[k][pair]`, NaN = not valid.
    y: Vec<f64>,
    /// Weights, pixel-major (empty when unweighted).
    w: Vec<f64>,
    coh_sum: Vec<f64>,
    coh_cnt: Vec<u32>,
    solver: PixelSolver,
    /// The L1 solver, when the inversion is L1 (its tree is kept from pixel to pixel).
    l1: Option<L1Solver>,
    /// Block indices of the pixels for the shared solve.
    fast: Vec<usize>,
    /// Their observations, column-major M x K.
    y_fast: Vec<f64>,
    /// Their velocities, column-major (N-1) x K.
    x_fast: Vec<f64>,
    /// Time series of one pixel of the shared solve.
    ts: Vec<f64>,
    /// Pixels solved together.
    batch: Batch,
}

impl BlockScratch {
    /// Mean coherence of pixel `k` of the loaded batch or block over its finite samples
    /// (NaN without any, as numpy's `nanmean`).
    #[inline(always)]
    fn average_coherence(&self, k: usize) -> f32 {
        if self.coh_cnt[k] > 0 {
            (self.coh_sum[k] / self.coh_cnt[k] as f64) as f32
        } else {
            f32::NAN
        }
    }

    /// Copies lane `l` of the loaded batch into the per-pixel buffers: its `m` observations
    /// (NaN where not valid) and, when `weighted`, its weights. Returns the valid count.
    fn lane_to_pixel(&mut self, l: usize, m: usize, weighted: bool) -> usize {
        let mut num_valid = 0;
        for i in 0..m {
            let valid = self.batch.valid[i * LANES + l] != 0.0;
            num_valid += usize::from(valid);
            self.y[i] = if valid {
                f64::from(self.batch.y[i * LANES + l])
            } else {
                f64::NAN
            };
        }
        if weighted {
            for i in 0..m {
                self.w[i] = f64::from(self.batch.w[i * LANES + l]);
            }
        }
        num_valid
    }

    fn new(inv: &Inverter) -> BlockScratch {
        let m = inv.network.num_pairs();
        let n = inv.design.num_unknowns();
        let weighted = inv.config.weight != WeightFunc::No;
        let shared = inv.all_valid.is_some();
        let l1 = inv.config.solver == SolverKind::L1;
        // The per-pixel path keeps a whole block's observations; the batched paths (L2, L1)
        // only one pixel's, for the pixel they hand to a per-pixel solver.
        let k = if shared { BLOCK } else { 1 };
        BlockScratch {
            y: vec![0.0; k * m],
            w: if weighted {
                vec![0.0; k * m]
            } else {
                Vec::new()
            },
            coh_sum: vec![0.0; BLOCK],
            coh_cnt: vec![0; BLOCK],
            solver: PixelSolver::new(&inv.design),
            l1: l1.then(|| L1Solver::new(&inv.design)),
            fast: Vec::with_capacity(if shared { BLOCK } else { 0 }),
            y_fast: if shared {
                vec![0.0; BLOCK * m]
            } else {
                Vec::new()
            },
            x_fast: if shared {
                vec![0.0; BLOCK * n]
            } else {
                Vec::new()
            },
            ts: vec![0.0; n + 1],
            batch: inv.batch.clone(),
        }
    }
}
