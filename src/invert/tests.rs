//! Chunk inversion against a brute-force reference: dense (weighted) least squares by SVD
//! pseudo-inverse with gelsd's cutoff, on small random networks.

// Index loops mirror the formulas here.
#![allow(clippy::needless_range_loop)]
// MintPy's float32 values are kept exactly as it printed them.
#![allow(clippy::excessive_precision)]

use super::*;
use crate::linalg;
use crate::meta::Date;

// The crate's deterministic generator: reproducible failures.
use crate::rng::Rng;

const P2R: f64 = -0.055_465_763 / (4.0 * std::f64::consts::PI);

/// Dates 12 days apart with a few irregular gaps.
fn dates(n: usize) -> Vec<Date> {
    let d0 = Date::parse("20200101").expect("valid date");
    let mut days = 0i32;
    (0..n)
        .map(|i| {
            let d = d0.add_days(days);
            days += if i % 5 == 4 { 24 } else { 12 };
            d
        })
        .collect()
}

/// Each date paired with its next `k` neighbours, plus `extra` random longer pairs.
pub(super) fn network(n: usize, k: usize, extra: usize, rng: &mut Rng) -> Network {
    let ds = dates(n);
    let mut pairs = Vec::new();
    for a in 0..n {
        for b in a + 1..(a + k + 1).min(n) {
            pairs.push((ds[a], ds[b]));
        }
    }
    for _ in 0..extra {
        let a = (rng.next_u64() % n as u64) as usize;
        let b = (rng.next_u64() % n as u64) as usize;
        if a != b && !pairs.contains(&(ds[a.min(b)], ds[a.max(b)])) {
            pairs.push((ds[a.min(b)], ds[a.max(b)]));
        }
    }
    let bperp = vec![0.0; pairs.len()];
    Network::new(&pairs, &bperp).expect("valid network")
}

/// Two separate clusters of dates: 0..n/2 and n/2..n.
pub(super) fn split_network(n: usize) -> Network {
    let ds = dates(n);
    let h = n / 2;
    let mut pairs = Vec::new();
    for a in 0..n {
        for b in a + 1..(a + 3).min(n) {
            if (a < h) == (b < h) {
                pairs.push((ds[a], ds[b]));
            }
        }
    }
    let bperp = vec![0.0; pairs.len()];
    Network::new(&pairs, &bperp).expect("valid network")
}

/// A chunk whose phase comes from a smooth random time series per pixel (metres), offset by a
/// per-pair reference phase, with noise of std `noise` radians; coherence random in 0.1..1.
pub(super) fn chunk(
    net: &Network,
    rows: usize,
    cols: usize,
    noise: f64,
    rng: &mut Rng,
) -> (ChunkIn, Vec<f32>, Vec<f64>) {
    let (m, nd, px) = (net.num_pairs(), net.num_dates(), rows * cols);
    let ref_phase: Vec<f32> = (0..m).map(|_| (rng.uniform() * 4.0 - 2.0) as f32).collect();
    let mut truth = vec![0.0; nd * px];
    for p in 0..px {
        let vel = rng.normal() * 0.02;
        for d in 1..nd {
            truth[d * px + p] = truth[(d - 1) * px + p] + vel * 0.033 + rng.normal() * 0.002;
        }
    }
    let mut phase = vec![0.0f32; m * px];
    let mut coherence = vec![0.0f32; m * px];
    for (i, pr) in net.pairs.iter().enumerate() {
        for p in 0..px {
            let dphi = (truth[pr.second * px + p] - truth[pr.first * px + p]) / P2R;
            phase[i * px + p] = (dphi + noise * rng.normal()) as f32 + ref_phase[i];
            coherence[i * px + p] = (0.1 + 0.9 * rng.uniform()) as f32;
        }
    }
    let c = ChunkIn {
        id: 3,
        window: Window {
            y0: 10,
            y1: 10 + rows,
            x0: 5,
            x1: 5 + cols,
        },
        phase,
        coherence,
        conncomp: None,
        water_mask: None,
        shadow_mask: None,
    };
    (c, ref_phase, truth)
}

/// The brute-force answer for one pixel: phase time series (radians), temporal coherence and
/// pairs used, or None when MintPy's redundancy test skips it.
fn reference(
    net: &Network,
    y: &[f64],
    w: Option<&[f64]>,
    min_red: f32,
) -> Option<(Vec<f64>, f64, usize)> {
    let (nd, n) = (net.num_dates(), net.num_dates() - 1);
    let mut count = vec![0usize; nd];
    for (pr, v) in net.pairs.iter().zip(y) {
        if !v.is_nan() {
            count[pr.first] += 1;
            count[pr.second] += 1;
        }
    }
    if (*count[1..].iter().min().expect("dates") as f64) < min_red as f64 {
        return None;
    }
    let b = net.design_velocity();
    let rows: Vec<usize> = (0..y.len()).filter(|&i| !y[i].is_nan()).collect();
    let mut a = Vec::new();
    let mut rhs = Vec::new();
    for &i in &rows {
        let s = w.map_or(1.0, |w| w[i].sqrt());
        a.extend(b[i * n..(i + 1) * n].iter().map(|v| v * s));
        rhs.push(y[i] * s);
    }
    let pinv = linalg::pseudo_inverse(&a, rows.len(), n, 1e-5);
    let dt = net.interval_years();
    let mut ts = vec![0.0; nd];
    for k in 0..n {
        let v: f64 = (0..rows.len())
            .map(|j| pinv[k * rows.len() + j] * rhs[j])
            .sum();
        ts[k + 1] = ts[k] + v * dt[k];
    }
    let (mut re, mut im) = (0.0, 0.0);
    for &i in &rows {
        let pr = net.pairs[i];
        let r = y[i] - (ts[pr.second] - ts[pr.first]);
        re += r.cos();
        im += r.sin();
    }
    Some((ts, re.hypot(im) / rows.len() as f64, rows.len()))
}

/// The referenced, masked observations of pixel `p` as the inversion sees them.
pub(super) fn observations(inv: &Inverter, c: &ChunkIn, p: usize) -> (Vec<f64>, Vec<f64>) {
    let px = c.window.pixels();
    // The table itself is checked against MintPy in weights.rs.
    let table = &inv.weights;
    let mut y = Vec::new();
    let mut w = Vec::new();
    for i in 0..inv.network.num_pairs() {
        let raw = c.phase[i * px + p];
        let v = if raw != 0.0 {
            raw - inv.ref_phase[i]
        } else {
            raw
        };
        let coh = c.coherence[i * px + p];
        let keep = match inv.config.mask {
            None => true,
            Some(ObsMask::ConnComp) => c.conncomp.as_ref().expect("components")[i * px + p] != 0.0,
            Some(ObsMask::Coherence(t)) => coh >= t,
        };
        y.push(if keep && v != 0.0 && !v.is_nan() {
            v as f64
        } else {
            f64::NAN
        });
        w.push(table.weight(coh) as f64);
    }
    (y, w)
}

pub(super) fn inverter(
    net: &Network,
    config: InversionConfig,
    ref_phase: Vec<f32>,
    ref_yx: (usize, usize),
) -> Inverter {
    Inverter::new(net.clone(), config, ref_phase, ref_yx, 6.0, P2R)
}

/// Every pixel of the output against the reference; returns how many were solved.
fn check_against_reference(inv: &Inverter, c: &ChunkIn, out: &ChunkOut) -> usize {
    let px = c.window.pixels();
    let nd = inv.network.num_dates();
    let weighted = inv.config.weight != WeightFunc::No;
    let mut solved = 0;
    for p in 0..px {
        let (y, w) = observations(inv, c, p);
        let water = c.water_mask.as_ref().is_none_or(|wm| wm[p] != 0.0);
        let any = y.iter().any(|v| !v.is_nan());
        let expect = if water && any {
            reference(
                &inv.network,
                &y,
                weighted.then_some(&w[..]),
                inv.config.min_redundancy,
            )
        } else {
            None
        };
        match expect {
            None => {
                assert_eq!(out.num_inv_ifgram[p], 0.0, "pixel {p}");
                assert_eq!(out.temporal_coherence[p], 0.0, "pixel {p}");
                for d in 0..nd {
                    assert_eq!(out.timeseries[d * px + p], 0.0, "pixel {p} date {d}");
                }
            }
            Some((ts, tcoh, used)) => {
                solved += 1;
                assert_eq!(out.num_inv_ifgram[p], used as f32, "pixel {p}");
                let t = out.temporal_coherence[p] as f64;
                assert!((t - tcoh).abs() < 1e-5, "pixel {p}: tcoh {t} vs {tcoh}");
                for d in 0..nd {
                    let want = ts[d] * P2R;
                    let got = out.timeseries[d * px + p] as f64;
                    assert!(
                        (got - want).abs() <= 1e-5 * want.abs() + 1e-7,
                        "pixel {p} date {d}: {got} vs {want}"
                    );
                }
            }
        }
    }
    solved
}

pub(super) fn config(weight: WeightFunc) -> InversionConfig {
    InversionConfig {
        weight,
        ..InversionConfig::default()
    }
}

/// Knocks out observations: zeros, NaNs and phases equal to the reference phase (which become
/// zero after referencing, hence no data).
pub(super) fn knock_out(c: &mut ChunkIn, ref_phase: &[f32], fraction: f64, rng: &mut Rng) {
    let px = c.window.pixels();
    for i in 0..ref_phase.len() {
        for p in 0..px {
            let u = rng.uniform();
            if u < fraction / 3.0 {
                c.phase[i * px + p] = 0.0;
            } else if u < 2.0 * fraction / 3.0 {
                c.phase[i * px + p] = f32::NAN;
            } else if u < fraction {
                c.phase[i * px + p] = ref_phase[i];
            }
        }
    }
}

#[test]
fn weighted_and_unweighted_match_reference() {
    let mut rng = Rng::seeded(0x9e37_79b9_7f4a_7c15);
    let net = network(14, 3, 4, &mut rng);
    for weight in [
        WeightFunc::Var,
        WeightFunc::Fim,
        WeightFunc::Coh,
        WeightFunc::No,
    ] {
        let (mut c, ref_phase, _) = chunk(&net, 7, 9, 0.4, &mut rng);
        // Leave some pixels complete (the shared solve) and thin out others.
        let px = c.window.pixels();
        let mut thinned = c.clone();
        knock_out(&mut thinned, &ref_phase, 0.15, &mut rng);
        for p in (0..px).filter(|p| p % 3 != 0) {
            for i in 0..net.num_pairs() {
                c.phase[i * px + p] = thinned.phase[i * px + p];
            }
        }
        let inv = inverter(&net, config(weight), ref_phase, (0, 0));
        let out = inv.invert_chunk(&c);
        let solved = check_against_reference(&inv, &c, &out);
        assert!(solved > px / 2, "{weight:?}: only {solved} solved");
        assert_eq!(out.stats.inverted + out.stats.low_redundancy, {
            (0..px)
                .filter(|&p| observations(&inv, &c, p).0.iter().any(|v| !v.is_nan()))
                .count()
        });
        assert_eq!(out.stats.inverted, solved);
    }
}

#[test]
fn masks_drop_observations() {
    let mut rng = Rng::seeded(77);
    let net = network(10, 3, 2, &mut rng);
    let (mut c, ref_phase, _) = chunk(&net, 5, 6, 0.3, &mut rng);
    let px = c.window.pixels();
    let cc: Vec<f32> = (0..net.num_pairs() * px)
        .map(|_| if rng.uniform() < 0.1 { 0.0 } else { 1.0 })
        .collect();
    c.conncomp = Some(cc);
    for (mask, weight) in [
        (ObsMask::ConnComp, WeightFunc::Var),
        (ObsMask::Coherence(0.3), WeightFunc::No),
    ] {
        let cfg = InversionConfig {
            weight,
            mask: Some(mask),
            ..InversionConfig::default()
        };
        let inv = inverter(&net, cfg, ref_phase.clone(), (0, 0));
        let out = inv.invert_chunk(&c);
        check_against_reference(&inv, &c, &out);
        // Some pixel lost pairs to the mask.
        assert!(out
            .num_inv_ifgram
            .iter()
            .any(|&v| v > 0.0 && v < net.num_pairs() as f32));
    }
    // A connected-component mask without components is an error, not a panic.
    let cfg = InversionConfig {
        mask: Some(ObsMask::ConnComp),
        ..InversionConfig::default()
    };
    c.conncomp = None;
    assert!(inverter(&net, cfg, ref_phase, (0, 0))
        .try_invert_chunk(&c)
        .is_err());
}

#[test]
fn disconnected_network_gives_minimum_norm() {
    let mut rng = Rng::seeded(4242);
    let net = split_network(10);
    for weight in [WeightFunc::No, WeightFunc::Var] {
        let (mut c, ref_phase, _) = chunk(&net, 4, 5, 0.2, &mut rng);
        knock_out(&mut c, &ref_phase, 0.05, &mut rng);
        let cfg = InversionConfig {
            weight,
            min_redundancy: 0.0,
            ..InversionConfig::default()
        };
        let inv = inverter(&net, cfg, ref_phase, (0, 0));
        let out = inv.invert_chunk(&c);
        let solved = check_against_reference(&inv, &c, &out);
        assert_eq!(out.stats.rank_deficient, solved, "{weight:?}");
        assert!(solved > 0);
    }
}

#[test]
fn connected_network_split_per_pixel() {
    // A connected network where one pixel loses the only pairs bridging two halves.
    let mut rng = Rng::seeded(99);
    let net = network(8, 2, 0, &mut rng);
    let (mut c, ref_phase, _) = chunk(&net, 1, 3, 0.1, &mut rng);
    let px = 3;
    for (i, pr) in net.pairs.iter().enumerate() {
        if pr.first < 4 && pr.second >= 4 {
            c.phase[i * px + 1] = 0.0;
        }
    }
    let cfg = InversionConfig {
        weight: WeightFunc::Var,
        min_redundancy: 1.0,
        ..InversionConfig::default()
    };
    let inv = inverter(&net, cfg, ref_phase, (0, 0));
    let out = inv.invert_chunk(&c);
    assert_eq!(check_against_reference(&inv, &c, &out), 3);
    assert_eq!(out.stats.rank_deficient, 1);
}

#[test]
fn low_redundancy_pixels_stay_zero() {
    let mut rng = Rng::seeded(5);
    let net = network(9, 2, 0, &mut rng);
    let (mut c, ref_phase, _) = chunk(&net, 2, 2, 0.1, &mut rng);
    let px = 4;
    // Pixel 1: date 4 keeps a single pair (of its 4).
    let mut dropped = 0;
    for (i, pr) in net.pairs.iter().enumerate() {
        if pr.first == 4 || pr.second == 4 {
            if dropped < 3 {
                c.phase[i * px + 1] = 0.0;
            }
            dropped += 1;
        }
    }
    let cfg = InversionConfig {
        weight: WeightFunc::Coh,
        min_redundancy: 2.0,
        ..InversionConfig::default()
    };
    let inv = inverter(&net, cfg, ref_phase.clone(), (0, 0));
    let out = inv.invert_chunk(&c);
    check_against_reference(&inv, &c, &out);
    assert_eq!(out.stats.low_redundancy, 1);
    assert_eq!(out.num_inv_ifgram[1], 0.0);
    assert_eq!(out.temporal_coherence[1], 0.0);
    assert_eq!(out.mask_temp_coh[1], 0);
    // Unweighted, a full network below the threshold skips every complete pixel.
    let cfg = InversionConfig {
        weight: WeightFunc::No,
        min_redundancy: 5.0,
        ..InversionConfig::default()
    };
    let inv = inverter(&net, cfg, ref_phase, (0, 0));
    let out = inv.invert_chunk(&c);
    assert_eq!(out.stats.low_redundancy, 4);
    assert!(out.timeseries.iter().all(|&v| v == 0.0));
}

#[test]
fn water_no_data_and_reference_pixel() {
    let mut rng = Rng::seeded(31337);
    let net = network(8, 3, 1, &mut rng);
    let (mut c, ref_phase, _) = chunk(&net, 3, 4, 0.2, &mut rng);
    let (m, px, nd) = (net.num_pairs(), 12, net.num_dates());
    // Pixel 0: water. Pixel 1: all zero phase. Pixel 2: NaN coherence everywhere (still
    // inverted: nanmean of nothing is NaN, which is not 0). Pixel 3: zero coherence -> average
    // 0 -> skipped. Pixel (11, 7) = local 6 is the reference pixel: its phase is ref_phase.
    let mut water = vec![1.0f32; px];
    water[0] = 0.0;
    c.water_mask = Some(water);
    let mut shadow = vec![0.0f32; px];
    shadow[5] = 1.0;
    c.shadow_mask = Some(shadow);
    for i in 0..m {
        c.phase[i * px + 1] = 0.0;
        c.coherence[i * px + 2] = f32::NAN;
        c.coherence[i * px + 3] = 0.0;
        c.phase[i * px + 6] = ref_phase[i];
    }
    let cfg = InversionConfig {
        min_temp_coh: 0.0,
        ..InversionConfig::default()
    };
    let inv = inverter(&net, cfg, ref_phase, (11, 7));
    let out = inv.invert_chunk(&c);
    assert_eq!(out.id, 3);
    assert_eq!(out.num_inv_ifgram[0], 0.0);
    assert!(out.avg_spatial_coh[0] > 0.0);
    assert_eq!(out.num_inv_ifgram[1], 0.0);
    assert!(out.avg_spatial_coh[2].is_nan());
    assert_eq!(out.num_inv_ifgram[2], m as f32);
    assert_eq!(out.avg_spatial_coh[3], 0.0);
    assert_eq!(out.num_inv_ifgram[3], 0.0);
    // Threshold 0: even skipped pixels pass, except in shadow.
    assert_eq!(out.mask_temp_coh[0], 1);
    assert_eq!(out.mask_temp_coh[5], 0);
    assert_eq!(out.num_inv_ifgram[6], m as f32);
    assert_eq!(out.temporal_coherence[6], 1.0);
    for d in 0..nd {
        assert_eq!(out.timeseries[d * px + 6], 0.0);
    }
    assert_eq!(out.stats.inverted, px - 4);
    // Average coherence of a normal pixel is the plain mean.
    let mean: f64 = (0..m).map(|i| c.coherence[i * px + 4] as f64).sum::<f64>() / m as f64;
    assert!((out.avg_spatial_coh[4] as f64 - mean).abs() < 1e-6);
}

#[test]
fn batched_solve_matches_per_pixel_solve_exactly() {
    let mut rng = Rng::seeded(2024);
    let net = network(16, 4, 6, &mut rng);
    for weight in [WeightFunc::Var, WeightFunc::No] {
        let (mut c, ref_phase, _) = chunk(&net, 20, 30, 0.5, &mut rng);
        // Complete pixels, thinned ones and some whose gaps break the network or redundancy.
        let px = c.window.pixels();
        let mut thinned = c.clone();
        knock_out(&mut thinned, &ref_phase, 0.3, &mut rng);
        for p in (0..px).filter(|p| p % 3 != 0) {
            for i in 0..net.num_pairs() {
                c.phase[i * px + p] = thinned.phase[i * px + p];
            }
        }
        let inv = inverter(&net, config(weight), ref_phase, (0, 0));
        // A connected network: every pixel goes through the batches.
        assert!(inv.all_valid.is_none());
        let out = inv.invert_chunk(&c);
        let mut solver = solve::PixelSolver::new(&inv.design);
        let (mut solved, mut deficient) = (0, 0);
        for p in 0..px {
            let (y, w) = observations(&inv, &c, p);
            let w = (weight != WeightFunc::No).then_some(&w[..]);
            match solver.solve(&inv.design, &y, w, 1.0) {
                solve::Outcome::Solved {
                    tcoh,
                    num_valid,
                    rank_deficient,
                } => {
                    solved += 1;
                    deficient += usize::from(rank_deficient);
                    assert_eq!(out.num_inv_ifgram[p], num_valid as f32, "pixel {p}");
                    assert_eq!(out.temporal_coherence[p], tcoh as f32, "pixel {p}");
                    for d in 0..net.num_dates() {
                        let want = (solver.ts[d] * P2R) as f32;
                        assert_eq!(out.timeseries[d * px + p], want, "pixel {p} date {d}");
                    }
                }
                solve::Outcome::LowRedundancy => {
                    assert_eq!(out.num_inv_ifgram[p], 0.0, "pixel {p}");
                }
            }
        }
        assert_eq!(out.stats.inverted, solved);
        assert_eq!(out.stats.rank_deficient, deficient);
        assert!(
            deficient > 0 && solved > px / 2,
            "{weight:?}: {deficient} {solved}"
        );
    }
    // A network in separate parts keeps the shared pseudo-inverse for unweighted runs.
    let inv = inverter(
        &split_network(10),
        config(WeightFunc::No),
        vec![0.0; 0],
        (0, 0),
    );
    assert!(inv.all_valid.is_some());
}

#[test]
fn noise_free_phase_recovers_time_series() {
    let mut rng = Rng::seeded(8);
    let net = network(25, 3, 8, &mut rng);
    for weight in [WeightFunc::Var, WeightFunc::No] {
        // 600 pixels: several blocks, so the parallel split is exercised too.
        let (mut c, ref_phase, truth) = chunk(&net, 20, 30, 0.0, &mut rng);
        knock_out(&mut c, &ref_phase, 0.03, &mut rng);
        let inv = inverter(&net, config(weight), ref_phase, (0, 0));
        let out = inv.invert_chunk(&c);
        let px = c.window.pixels();
        let mut checked = 0;
        for p in 0..px {
            // Only connected pixels determine their whole series.
            let (y, _) = observations(&inv, &c, p);
            if out.num_inv_ifgram[p] == 0.0 || net.components(|i| !y[i].is_nan()).len() > 1 {
                continue;
            }
            checked += 1;
            assert!(
                out.temporal_coherence[p] > 0.99999,
                "pixel {p}: {}",
                out.temporal_coherence[p]
            );
            assert_eq!(out.mask_temp_coh[p], 1);
            for d in 0..net.num_dates() {
                let got = out.timeseries[d * px + p] as f64;
                assert!(
                    (got - truth[d * px + p]).abs() < 1e-6,
                    "{weight:?} pixel {p} date {d}: {got} vs {}",
                    truth[d * px + p]
                );
            }
        }
        assert!(checked > px * 9 / 10, "{weight:?}: {checked} of {px}");
    }
}

#[test]
fn wrong_buffer_sizes_are_errors() {
    let mut rng = Rng::seeded(1);
    let net = network(5, 2, 0, &mut rng);
    let (mut c, ref_phase, _) = chunk(&net, 2, 2, 0.1, &mut rng);
    let inv = inverter(&net, config(WeightFunc::Var), ref_phase.clone(), (0, 0));
    c.coherence.pop();
    assert!(inv.try_invert_chunk(&c).is_err());
    let inv = inverter(
        &net,
        config(WeightFunc::Var),
        ref_phase[1..].to_vec(),
        (0, 0),
    );
    c.coherence.push(0.5);
    assert!(inv.try_invert_chunk(&c).is_err());
}

/// Pixel observations (radians; NaN = no data) and coherence from a script that ran MintPy
/// 1.6.4's `estimate_timeseries` on them; `[pixel][pair]`.
const MINTPY_Y: [[f32; 15]; 3] = [
    [
        0.0036904599983245134,
        0.8962365984916687,
        -0.8224135637283325,
        -2.6717755794525146,
        -1.364012360572815,
        -2.9749395847320557,
        0.1804308146238327,
        4.020645618438721,
        -1.4766196012496948,
        -1.8614246845245361,
        1.4695261716842651,
        1.0706610679626465,
        0.3162427544593811,
        -2.7914042472839355,
        -0.0877554640173912,
    ],
    [
        -4.590407371520996,
        f32::NAN,
        -2.9355571269989014,
        -2.426511764526367,
        f32::NAN,
        -2.4226040840148926,
        -0.09756511449813843,
        2.653169631958008,
        -1.7508013248443604,
        f32::NAN,
        0.33139243721961975,
        0.19134531915187836,
        -3.6751675605773926,
        0.228420689702034,
        4.076470375061035,
    ],
    [
        0.6094158291816711,
        -1.3899227380752563,
        0.3818052411079407,
        -3.5615835189819336,
        -1.7379047870635986,
        f32::NAN,
        f32::NAN,
        f32::NAN,
        -3.970583438873291,
        -2.3839271068573,
        1.9407103061676025,
        -5.977259159088135,
        -1.3895095586776733,
        f32::NAN,
        f32::NAN,
    ],
];
const MINTPY_COH: [[f32; 15]; 3] = [
    [
        0.592612624168396,
        0.9859952330589294,
        0.8054690957069397,
        0.6537395119667053,
        0.9801745414733887,
        0.2916247546672821,
        0.24258871376514435,
        0.6451602578163147,
        0.13910838961601257,
        0.13175544142723083,
        0.5582510232925415,
        0.5149233341217041,
        0.9162793159484863,
        0.660011351108551,
        0.5575646758079529,
    ],
    [
        0.18143108487129211,
        0.5816180109977722,
        0.551917314529419,
        0.8754920363426208,
        0.4215250015258789,
        0.6323838233947754,
        0.1527339667081833,
        0.4449923038482666,
        0.3875023424625397,
        0.23367775976657867,
        0.8265408873558044,
        0.4377070963382721,
        0.9710856080055237,
        0.625092625617981,
        0.6385000944137573,
    ],
    [
        0.9410038590431213,
        0.9044859409332275,
        0.6070500612258911,
        0.22945936024188995,
        0.271292507648468,
        0.9258360862731934,
        0.5915705561637878,
        0.26069173216819763,
        0.8868106603622437,
        0.6709988117218018,
        0.6070278882980347,
        0.43489617109298706,
        0.46575018763542175,
        0.31314539909362793,
        0.13387098908424377,
    ],
];
/// MintPy's time series (radians), temporal coherence and pairs used, per pixel, for the
/// `var` (L = 6) and `no` weights.
#[allow(clippy::type_complexity)]
const MINTPY_RESULT: [(WeightFunc, [([f64; 8], f64, usize); 3]); 2] = [
    (
        WeightFunc::Var,
        [
            (
                [
                    0.0,
                    1.4786957502365112,
                    0.817647397518158,
                    -0.6475083231925964,
                    -0.12009543180465698,
                    -0.09840504825115204,
                    0.7059209942817688,
                    1.0027498006820679,
                ],
                0.47718822956085205,
                15,
            ),
            (
                [
                    0.0,
                    -1.7706921100616455,
                    -4.8233184814453125,
                    -4.137860298156738,
                    -5.342098712921143,
                    -0.07899808883666992,
                    0.9786723852157593,
                    -2.599763870239258,
                ],
                0.3108609914779663,
                12,
            ),
            (
                [
                    0.0,
                    0.48937755823135376,
                    -1.188769817352295,
                    -2.993647575378418,
                    -2.993647575378418,
                    -6.906878471374512,
                    -5.683364391326904,
                    -9.747686386108398,
                ],
                0.48107394576072693,
                10,
            ),
        ],
    ),
    (
        WeightFunc::No,
        [
            (
                [
                    0.0,
                    0.15730386972427368,
                    -0.11447834968566895,
                    -2.911489486694336,
                    -1.5176159143447876,
                    -1.9343037605285645,
                    -1.6537270545959473,
                    -0.8011204600334167,
                ],
                0.47429192066192627,
                15,
            ),
            (
                [
                    0.0,
                    -2.5884153842926025,
                    -4.191112518310547,
                    -4.345795154571533,
                    -3.6932833194732666,
                    -1.773572325706482,
                    0.2653862237930298,
                    -1.702216386795044,
                ],
                0.23969870805740356,
                12,
            ),
            (
                [
                    0.0,
                    -0.007827534340322018,
                    -0.7726789712905884,
                    -3.0399975776672363,
                    -3.0399975776672363,
                    -6.327293395996094,
                    -6.107211589813232,
                    -9.90063762664795,
                ],
                0.41508418321609497,
                10,
            ),
        ],
    ),
];

/// The inversion against MintPy 1.6.4 itself, run by a script on the same pixels: a
/// complete pixel (the shared solve when unweighted), one with missing pairs, and one whose
/// valid pairs split the dates in two (minimum norm). MintPy solves in float32, hence the
/// tolerance.
#[test]
fn matches_mintpy_estimate_timeseries() {
    let names = [
        "20200101", "20200113", "20200125", "20200206", "20200218", "20200301", "20200325",
        "20200406",
    ];
    let ds: Vec<Date> = names
        .iter()
        .map(|s| Date::parse(s).expect("date"))
        .collect();
    let mut pairs = Vec::new();
    for a in 0..ds.len() {
        for b in a + 1..(a + 3).min(ds.len()) {
            pairs.push((ds[a], ds[b]));
        }
    }
    pairs.push((ds[0], ds[5]));
    pairs.push((ds[2], ds[7]));
    let net = Network::new(&pairs, &vec![0.0; pairs.len()]).expect("network");
    let (m, px) = (net.num_pairs(), 3);
    let mut c = ChunkIn {
        id: 0,
        window: Window::full(1, px),
        phase: vec![0.0; m * px],
        coherence: vec![0.0; m * px],
        conncomp: None,
        water_mask: None,
        shadow_mask: None,
    };
    // The script lists pairs in the order above; the network sorts them.
    let index: Vec<usize> = pairs
        .iter()
        .map(|(a, b)| {
            let pair = |d: &Date| ds.iter().position(|x| x == d).expect("date");
            net.pairs
                .iter()
                .position(|q| q.first == pair(a) && q.second == pair(b))
                .expect("pair")
        })
        .collect();
    for p in 0..px {
        for (i, &j) in index.iter().enumerate() {
            let y = MINTPY_Y[p][i];
            // No data is zero phase on input.
            c.phase[j * px + p] = if y.is_nan() { 0.0 } else { y };
            c.coherence[j * px + p] = MINTPY_COH[p][i];
        }
    }
    for (weight, pixels) in MINTPY_RESULT {
        let inv = Inverter::new(net.clone(), config(weight), vec![0.0; m], (9, 9), 6.0, 1.0);
        let out = inv.invert_chunk(&c);
        for (p, (ts, tcoh, used)) in pixels.iter().enumerate() {
            assert_eq!(out.num_inv_ifgram[p], *used as f32, "{weight:?} pixel {p}");
            let t = out.temporal_coherence[p] as f64;
            assert!(
                (t - tcoh).abs() < 2e-6,
                "{weight:?} pixel {p}: tcoh {t} vs {tcoh}"
            );
            for d in 0..net.num_dates() {
                let got = out.timeseries[d * px + p] as f64;
                assert!(
                    (got - ts[d]).abs() < 1e-5 * (1.0 + ts[d].abs()),
                    "{weight:?} pixel {p} date {d}: {got} vs {}",
                    ts[d]
                );
            }
        }
        assert_eq!(out.stats.rank_deficient, 1, "{weight:?}");
    }
}
/// Puts one pixel's observations `y` (NaN = not valid) and weights `w` into lane `l` of `b`.
pub(super) fn load_lane(b: &mut batch::Batch, l: usize, y: &[f64], w: &[f64]) {
    let lanes = batch::LANES;
    for (i, (&y, &w)) in y.iter().zip(w).enumerate() {
        let ok = !y.is_nan();
        // Phase and weights are float32 data widened to f64: narrowing them back is exact.
        b.y[i * lanes + l] = if ok { y as f32 } else { 0.0 };
        b.valid[i * lanes + l] = f32::from(u8::from(ok));
        b.w[i * lanes + l] = if ok { w as f32 } else { 0.0 };
    }
}

#[test]
fn batch_solves_connected_lanes_and_flags_the_rest() {
    let mut rng = Rng::seeded(2024);
    let net = network(16, 4, 6, &mut rng);
    let lanes = batch::LANES;
    let (c, ref_phase, _) = chunk(&net, 1, lanes, 0.5, &mut rng);
    let inv = inverter(&net, config(WeightFunc::Var), ref_phase, (0, 0));
    let mut b = batch::Batch::new(&inv.design);
    let mut ys = Vec::new();
    for l in 0..lanes {
        let (mut y, w) = observations(&inv, &c, l);
        if l == 3 {
            // Every pair touching date 5 missing: the network falls apart.
            for (i, p) in net.pairs.iter().enumerate() {
                if p.first == 5 || p.second == 5 {
                    y[i] = f64::NAN;
                }
            }
        }
        load_lane(&mut b, l, &y, &w);
        ys.push((y, w));
    }
    b.solve(&inv.design, 1.0, 1e-10);
    let mut solver = solve::PixelSolver::new(&inv.design);
    for (l, (y, w)) in ys.iter().enumerate() {
        assert_eq!(b.ok[l], l != 3, "lane {l}");
        if l == 3 {
            continue;
        }
        let solve::Outcome::Solved { tcoh, .. } = solver.solve(&inv.design, y, Some(w), 1.0) else {
            panic!("lane {l} should solve");
        };
        assert_eq!(b.tcoh[l], tcoh, "lane {l}");
        for d in 0..net.num_dates() {
            assert_eq!(b.ts[d * lanes + l], solver.ts[d], "lane {l} date {d}");
        }
    }
}

#[test]
fn infinite_phase_and_coherence_count_as_no_data() {
    let mut rng = Rng::seeded(0x5151_2727_1313_abcd);
    let net = network(12, 3, 2, &mut rng);
    for weight in [WeightFunc::Var, WeightFunc::Coh, WeightFunc::No] {
        let (c, ref_phase, _) = chunk(&net, 5, 40, 0.3, &mut rng);
        let px = c.window.pixels();
        let (mut inf, mut zero) = (c.clone(), c.clone());
        for (k, p) in [(0usize, 3usize), (2, 17), (5, 33), (7, 34)] {
            inf.phase[k * px + p] = if k % 2 == 0 {
                f32::INFINITY
            } else {
                f32::NEG_INFINITY
            };
            zero.phase[k * px + p] = 0.0;
            // Infinite coherence weighs like missing coherence (NaN), and stays out of the mean.
            inf.coherence[(k + 1) * px + p + 1] = f32::INFINITY;
            zero.coherence[(k + 1) * px + p + 1] = f32::NAN;
        }
        let inv = inverter(&net, config(weight), ref_phase, (0, 0));
        let (a, b) = (inv.invert_chunk(&inf), inv.invert_chunk(&zero));
        assert_eq!(a.timeseries, b.timeseries, "{weight:?}");
        assert_eq!(a.temporal_coherence, b.temporal_coherence, "{weight:?}");
        assert_eq!(a.num_inv_ifgram, b.num_inv_ifgram, "{weight:?}");
        assert_eq!(a.avg_spatial_coh, b.avg_spatial_coh, "{weight:?}");
        assert!(a.timeseries.iter().all(|v| v.is_finite()), "{weight:?}");
        assert_eq!(a.num_inv_ifgram[3], (net.num_pairs() - 1) as f32);
    }
}

/// A result buffer reused for another chunk comes out exactly as a fresh one: nothing of the
/// earlier chunk survives, not even where the new chunk leaves pixels unsolved.
#[test]
fn reused_result_buffers_equal_fresh_ones() {
    let mut rng = Rng::seeded(0x5eed);
    let net = network(12, 3, 2, &mut rng);
    for weight in [WeightFunc::Var, WeightFunc::No] {
        let (big, ref_phase, _) = chunk(&net, 6, 7, 0.3, &mut rng);
        let (mut small, _, _) = chunk(&net, 3, 4, 0.3, &mut rng);
        // Every pair of pixel 2 is no data: unsolved, where the big chunk solved it.
        let px = small.window.pixels();
        for i in 0..net.num_pairs() {
            small.phase[i * px + 2] = 0.0;
        }
        let inv = inverter(&net, config(weight), ref_phase, (0, 0));
        let mut reused = inv.invert_chunk(&big);
        assert!(reused.temporal_coherence[2] > 0.0);
        inv.try_invert_chunk_into(&small, &mut reused)
            .expect("valid chunk");
        let fresh = inv.invert_chunk(&small);
        assert_eq!(fresh.temporal_coherence[2], 0.0);
        assert_eq!(reused.id, fresh.id);
        assert_eq!(reused.window, fresh.window);
        assert_eq!(reused.stats, fresh.stats);
        let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(&reused.timeseries), bits(&fresh.timeseries));
        assert_eq!(
            bits(&reused.temporal_coherence),
            bits(&fresh.temporal_coherence)
        );
        assert_eq!(bits(&reused.num_inv_ifgram), bits(&fresh.num_inv_ifgram));
        assert_eq!(bits(&reused.avg_spatial_coh), bits(&fresh.avg_spatial_coh));
        assert_eq!(reused.mask_temp_coh, fresh.mask_temp_coh);
    }
}

#[test]
fn batches_without_anything_to_solve_give_zeros_between_solved_ones() {
    let mut rng = Rng::seeded(4242);
    let net = network(10, 3, 2, &mut rng);
    let (m, nd) = (net.num_pairs(), net.num_dates());
    let lanes = batch::LANES;
    // One row of six batches: data, water, no phase, data, zero coherence, one lane of data.
    let (mut c, ref_phase, _) = chunk(&net, 1, 6 * lanes, 0.3, &mut rng);
    let px = c.window.pixels();
    let mut water = vec![1.0f32; px];
    for p in lanes..2 * lanes {
        water[p] = 0.0;
    }
    for p in 5 * lanes + 1..6 * lanes {
        water[p] = 0.0;
    }
    c.water_mask = Some(water);
    for i in 0..m {
        for p in 2 * lanes..3 * lanes {
            c.phase[i * px + p] = 0.0;
        }
        for p in 4 * lanes..5 * lanes {
            c.coherence[i * px + p] = 0.0;
        }
    }
    for weight in [WeightFunc::Var, WeightFunc::No] {
        let cfg = InversionConfig {
            min_redundancy: 0.0,
            ..config(weight)
        };
        let inv = inverter(&net, cfg, ref_phase.clone(), (0, 0));
        // Reused buffers holding another chunk's results must not leak into skipped pixels.
        let mut out = inv.invert_chunk(&c);
        out.timeseries.fill(9.0);
        out.temporal_coherence.fill(9.0);
        out.num_inv_ifgram.fill(9.0);
        inv.try_invert_chunk_into(&c, &mut out).unwrap();
        let solved: Vec<usize> = (0..px).filter(|&p| out.num_inv_ifgram[p] > 0.0).collect();
        let expected: Vec<usize> = (0..lanes)
            .chain(3 * lanes..4 * lanes)
            .chain([5 * lanes])
            .collect();
        assert_eq!(solved, expected, "{weight:?}");
        for p in 4 * lanes..5 * lanes {
            assert_eq!(out.avg_spatial_coh[p], 0.0);
            assert_eq!(out.temporal_coherence[p], 0.0);
            for d in 0..nd {
                assert_eq!(out.timeseries[d * px + p], 0.0, "pixel {p} date {d}");
            }
        }
        // Average coherence is kept over water, with the same bits as where there is land.
        let mut land = c.clone();
        land.water_mask = None;
        let on_land = inv.invert_chunk(&land);
        assert_eq!(
            out.avg_spatial_coh
                .iter()
                .map(|v| v.to_bits())
                .collect::<Vec<_>>(),
            on_land
                .avg_spatial_coh
                .iter()
                .map(|v| v.to_bits())
                .collect::<Vec<_>>()
        );
        // The rest against the brute-force reference (water and no-data give zeros).
        let mut rest = c.clone();
        for i in 0..m {
            for p in 4 * lanes..5 * lanes {
                rest.phase[i * px + p] = 0.0;
            }
        }
        check_against_reference(&inv, &rest, &out);
    }
}
