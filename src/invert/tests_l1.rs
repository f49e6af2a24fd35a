//! The L1 solver inside the chunk inversion: the same bookkeeping as L2 (masks, redundancy,
//! split networks, outputs), the same answer on consistent data, and robustness to unwrapping
//! errors.

use super::tests::{
    chunk, config, inverter, knock_out, load_lane, network, observations, split_network,
};
use super::*;
use crate::rng::Rng;

fn l1(weight: WeightFunc) -> InversionConfig {
    InversionConfig {
        solver: SolverKind::L1,
        ..config(weight)
    }
}

/// RMS of `a - b` over pixels `sel` and every date.
fn rms(a: &[f32], b: &[f64], px: usize, nd: usize, sel: &[usize]) -> f64 {
    let mut s = 0.0;
    for d in 0..nd {
        for &p in sel {
            s += (a[d * px + p] as f64 - b[d * px + p]).powi(2);
        }
    }
    (s / (nd * sel.len()) as f64).sqrt()
}

#[test]
fn l1_equals_l2_on_consistent_data_and_keeps_its_bookkeeping() {
    let mut rng = Rng::seeded(11);
    let net = network(15, 3, 4, &mut rng);
    let (nd, px) = (net.num_dates(), 6 * 7);
    for weight in [WeightFunc::Var, WeightFunc::No] {
        let (mut c, ref_phase, _) = chunk(&net, 6, 7, 0.0, &mut rng);
        knock_out(&mut c, &ref_phase, 0.45, &mut rng);
        let a = inverter(&net, config(weight), ref_phase.clone(), (10, 5)).invert_chunk(&c);
        let b = inverter(&net, l1(weight), ref_phase, (10, 5)).invert_chunk(&c);
        assert_eq!(a.stats, b.stats, "{weight:?}");
        assert!(b.stats.low_redundancy > 0 && b.stats.inverted > 0);
        assert_eq!(a.num_inv_ifgram, b.num_inv_ifgram);
        assert_eq!(a.avg_spatial_coh, b.avg_spatial_coh);
        for p in 0..px {
            // Consistent data: both fit every pair, so both are the truth.
            let tol = 1e-6 * (1.0 + b.timeseries[(nd - 1) * px + p].abs() as f64);
            for d in 0..nd {
                let (x, y) = (a.timeseries[d * px + p], b.timeseries[d * px + p]);
                assert!(
                    ((x - y) as f64).abs() < tol,
                    "{weight:?} p {p} d {d}: {x} vs {y}"
                );
            }
            assert!((a.temporal_coherence[p] - b.temporal_coherence[p]).abs() < 1e-5);
            assert_eq!(a.mask_temp_coh[p], b.mask_temp_coh[p]);
        }
        // The reference pixel (row 10, column 5: the chunk's first pixel) is fixed as by L2.
        assert_eq!(b.temporal_coherence[0], 1.0);
    }
}

#[test]
fn l1_is_close_to_l2_on_clean_noisy_data() {
    let mut rng = Rng::seeded(12);
    let net = network(20, 4, 0, &mut rng);
    let (nd, px) = (net.num_dates(), 8 * 8);
    let (c, ref_phase, truth) = chunk(&net, 8, 8, 0.1, &mut rng);
    let a = inverter(&net, config(WeightFunc::Var), ref_phase.clone(), (0, 0)).invert_chunk(&c);
    let b = inverter(&net, l1(WeightFunc::Var), ref_phase, (0, 0)).invert_chunk(&c);
    let all: Vec<usize> = (0..px).collect();
    let a_truth = rms(&a.timeseries, &truth, px, nd, &all);
    let b_truth = rms(&b.timeseries, &truth, px, nd, &all);
    let ab: Vec<f64> = a.timeseries.iter().map(|&v| v as f64).collect();
    let diff = rms(&b.timeseries, &ab, px, nd, &all);
    // 0.1 rad of noise is 0.44 mm per pair: both within a fraction of a millimetre.
    assert!(a_truth < 1e-3 && b_truth < 1e-3, "{a_truth} {b_truth}");
    assert!(diff < 1e-3, "{diff}");
    for p in 0..px {
        assert!((a.temporal_coherence[p] - b.temporal_coherence[p]).abs() < 0.02);
    }
}

#[test]
fn l1_outvotes_unwrapping_errors_that_l2_spreads() {
    let mut rng = Rng::seeded(13);
    let net = network(20, 4, 0, &mut rng);
    let (rows, cols) = (10, 10);
    let (nd, px, m) = (net.num_dates(), rows * cols, net.num_pairs());
    let (mut c, ref_phase, truth) = chunk(&net, rows, cols, 0.1, &mut rng);
    // Three interferograms off by one cycle in a patch of 5 x 5 pixels.
    let patch: Vec<usize> = (2..7)
        .flat_map(|r| (3..8).map(move |k| r * cols + k))
        .collect();
    for (i, cycles) in [(5, 1.0f32), (23, -1.0), (40, 1.0)] {
        assert!(i < m);
        for &p in &patch {
            c.phase[i * px + p] += cycles * std::f32::consts::TAU;
        }
    }
    let rest: Vec<usize> = (0..px).filter(|p| !patch.contains(p)).collect();
    for w in [WeightFunc::Var, WeightFunc::No] {
        let a = inverter(&net, config(w), ref_phase.clone(), (0, 0)).invert_chunk(&c);
        let b = inverter(&net, l1(w), ref_phase.clone(), (0, 0)).invert_chunk(&c);
        let l2_err = rms(&a.timeseries, &truth, px, nd, &patch);
        let l1_err = rms(&b.timeseries, &truth, px, nd, &patch);
        let l1_rest = rms(&b.timeseries, &truth, px, nd, &rest);
        // L2 carries a share of each 2 pi; L1 outvotes them. Unweighted, completely: in the
        // patch it is as far from the truth as elsewhere (the noise). Weighted, a pair with a
        // high weight (this chunk's coherence is random, unrelated to its noise) can outweigh
        // the pairs that would outvote it, and a little error remains.
        assert!(l2_err > 2e-3, "{w:?}: L2 error in the patch {l2_err}");
        assert!(l1_err < 0.3 * l2_err, "{w:?}: L1 {l1_err} vs L2 {l2_err}");
        if w == WeightFunc::No {
            assert!(
                l1_err < 1.5 * l1_rest && l1_rest < 1e-3,
                "{l1_err} vs {l1_rest}"
            );
        }
        for &p in &patch {
            assert!(b.temporal_coherence[p] > 0.5);
        }
    }
}

#[test]
fn l1_split_networks_take_the_minimum_norm_rule_of_l2() {
    let mut rng = Rng::seeded(14);
    let net = split_network(10);
    for weight in [WeightFunc::No, WeightFunc::Var] {
        let (c, ref_phase, _) = chunk(&net, 3, 4, 0.0, &mut rng);
        let cfg = |solver| InversionConfig {
            weight,
            min_redundancy: 0.0,
            solver,
            ..InversionConfig::default()
        };
        let a = inverter(&net, cfg(SolverKind::L2), ref_phase.clone(), (0, 0)).invert_chunk(&c);
        let b = inverter(&net, cfg(SolverKind::L1), ref_phase, (0, 0)).invert_chunk(&c);
        assert_eq!(b.stats.rank_deficient, 12, "{weight:?}");
        assert_eq!(a.stats, b.stats);
        for (x, y) in a.timeseries.iter().zip(&b.timeseries) {
            assert!(
                (x - y).abs() < 1e-6 * (1.0 + x.abs()),
                "{weight:?}: {x} vs {y}"
            );
        }
    }
}

#[test]
fn l1_chunks_from_the_batched_start_equal_the_solver_alone_to_the_bit() {
    // The chunk's L1 path starts each pixel from the batched L2 solve moved towards the L1 fit
    // (`Batch::l1_start`) instead of the solver's own least squares; the answer is the
    // canonical optimum either way, here bit for bit (noisy data with missing pairs, so ties,
    // split networks and low redundancy occur).
    let mut rng = Rng::seeded(4242);
    let net = network(18, 4, 5, &mut rng);
    let nd = net.num_dates();
    for weight in [WeightFunc::Var, WeightFunc::No] {
        let (mut c, ref_phase, _) = chunk(&net, 3, 2 * batch::LANES + 5, 0.9, &mut rng);
        knock_out(&mut c, &ref_phase, 0.5, &mut rng);
        let px = c.window.pixels();
        let inv = inverter(&net, l1(weight), ref_phase, (10, 5));
        let out = inv.invert_chunk(&c);
        let mut alone = l1::L1Solver::new(&inv.design);
        let (mut solved, mut pivots) = (0, 0);
        // Pixel 0 is the reference pixel (row 10, column 5), fixed afterwards.
        for p in 1..px {
            let (y, w) = observations(&inv, &c, p);
            let w = (weight != WeightFunc::No).then_some(&w[..]);
            let solve::Outcome::Solved { tcoh, .. } =
                alone.solve(&inv.design, &y, w, inv.config.min_redundancy)
            else {
                continue;
            };
            solved += 1;
            pivots += alone.dual_pivots;
            assert_eq!(
                out.temporal_coherence[p], tcoh as f32,
                "{weight:?} pixel {p}"
            );
            for d in 0..nd {
                let want = (alone.ts[d] * inv.phase2range) as f32;
                let got = out.timeseries[d * px + p];
                assert_eq!(
                    got.to_bits(),
                    want.to_bits(),
                    "{weight:?} pixel {p} date {d}"
                );
            }
        }
        assert!(
            solved > px / 2 && pivots > solved,
            "{weight:?}: {solved} solved, {pivots} pivots"
        );
    }
}

#[test]
fn the_batched_start_nears_the_l1_fit_and_saves_dual_pivots() {
    // Pixels with unwrapping errors: the reweighted start must lower the L1 objective of the
    // least-squares series, leave the lanes' flags alone, and start the exact solve closer to
    // its optimum (fewer dual pivots) without changing that optimum.
    let mut rng = Rng::seeded(77);
    let net = network(24, 4, 3, &mut rng);
    let lanes = batch::LANES;
    let (c, ref_phase, _) = chunk(&net, 4, lanes, 0.6, &mut rng);
    let inv = inverter(&net, l1(WeightFunc::Var), ref_phase, (0, 0));
    let nd = net.num_dates();
    let objective = |y: &[f64], w: &[f64], ts: &[f64]| -> f64 {
        net.pairs
            .iter()
            .enumerate()
            .filter(|(i, _)| !y[*i].is_nan())
            .map(|(i, p)| w[i].sqrt() * (y[i] - (ts[p.second] - ts[p.first])).abs())
            .sum()
    };
    let (mut better, mut solved) = (0, 0);
    let (mut from_ls, mut from_start) = (0, 0);
    let mut alone = l1::L1Solver::new(&inv.design);
    for row in 0..4 {
        let mut b = batch::Batch::new(&inv.design);
        let mut ys = Vec::new();
        for l in 0..lanes {
            let (mut y, w) = observations(&inv, &c, row * lanes + l);
            // Unwrapping errors on a few pairs of every other pixel.
            if l % 2 == 0 {
                for i in [3, 17, 40] {
                    y[i] += 2.0 * std::f64::consts::PI * if i == 17 { -1.0 } else { 1.0 };
                }
            }
            load_lane(&mut b, l, &y, &w);
            // The batch holds the data in f32: the solver gets the same values.
            for v in &mut y {
                *v = *v as f32 as f64;
            }
            ys.push((y, w));
        }
        let loaded = b.clone();
        b.solve(&inv.design, 1.0, 1e-10);
        let (ls, ok) = (b.ts.clone(), b.ok);
        // Without reweighted steps the start is the least-squares solve, to the bit.
        let mut b = loaded.clone();
        b.l1_start(&inv.design, 1.0, 0, 0.1, 0.6, 1e-10);
        assert_eq!(b.ok, ok);
        assert!(b
            .ts
            .iter()
            .zip(&ls)
            .all(|(a, c)| a.to_bits() == c.to_bits()));
        let mut b = loaded;
        b.l1_start(
            &inv.design,
            1.0,
            super::chunk::L1_START_STEPS,
            super::chunk::L1_START_DELTA,
            super::chunk::L1_START_SHRINK,
            1e-10,
        );
        assert_eq!(b.ok, ok);
        for (l, (y, w)) in ys.iter().enumerate() {
            if !ok[l] {
                continue;
            }
            let lane = |ts: &[f64]| (0..nd).map(|d| ts[d * lanes + l]).collect::<Vec<_>>();
            let (ls, start) = (lane(&ls), lane(&b.ts));
            solved += 1;
            better += usize::from(objective(y, w, &start) < objective(y, w, &ls));
            alone.solve_from(&inv.design, y, Some(w), 1.0, Some(&ls));
            let want = alone.ts.clone();
            from_ls += alone.dual_pivots;
            alone.solve_from(&inv.design, y, Some(w), 1.0, Some(&start));
            from_start += alone.dual_pivots;
            for (a, b) in alone.ts.iter().zip(&want) {
                assert!(
                    (a - b).abs() <= 1e-9 * (1.0 + b.abs()),
                    "lane {l}: {a} vs {b}"
                );
            }
        }
    }
    assert!(solved > 3 * lanes, "{solved} solved");
    assert_eq!(
        better, solved,
        "{better} of {solved} lanes nearer the L1 fit"
    );
    assert!(
        2 * from_start < from_ls,
        "dual pivots: {from_start} from the start, {from_ls} from least squares"
    );
}
