//! The quick overview of an interferogram stack (MintPy's `quick_overview` step), per strip of
//! pixels: pure functions of a strip, no I/O (the driver is [`run`]).
//!
//! - `avgPhaseVelocity` (MintPy's `temporal_average.py --dataset unwrapPhase`): per pixel, the
//!   NaN-skipping mean over the kept interferograms of `(unw - unw[ref]) * (-lambda / 4 pi) /
//!   dt_years`. As MintPy: every sample is referenced (a no-data 0 too), in float32; the scale
//!   `phase2range / dt` is formed in float64 and rounded to float32 (numpy multiplies a float32
//!   array by a Python float in float32); `dt` is the pair's span in days as float32, over
//!   365.25; the sum is a float32 running sum in pair order, divided by the count in float64.
//! - `numTriNonzeroIntAmbiguity` (MintPy's `unwrap_error_phase_closure.py --action calculate`,
//!   T_int of Yunjun et al. 2019): per pixel, how many triplets `(i, j, k)` of dates whose three
//!   pairs are all kept have a closure phase `unw_ij + unw_jk - unw_ik` (non-zero phase
//!   referenced, in float32) whose integer ambiguity `round((c - wrap(c)) / 2 pi)` is not 0.
//!   MintPy forms the closures as one float32 matrix product, whose sums run in pair order and
//!   in which a NaN phase of any pair reaches every triplet of the pixel (`0 * NaN`): such a
//!   pixel counts every triplet. Then NaN where the water mask is 0, where the average spatial
//!   coherence is 0, and where every triplet counts.

pub mod run;

use crate::network::Network;

/// What every strip of one overview shares.
#[derive(Debug, Clone)]
pub struct Overview {
    /// Phase of each kept pair at the reference pixel, radians.
    ref_phase: Vec<f32>,
    /// `float32(phase2range / dt_years)` of each pair.
    scale: Vec<f32>,
    /// Pair indices of each triplet in ascending order, with the sign each enters the closure.
    triplets: Vec<[(u32, f32); 3]>,
}

/// The overview maps of one strip (row-major, `rows x cols` of the strip).
#[derive(Debug, Clone, Default)]
pub struct StripMaps {
    /// Average phase velocity, m/year.
    pub avg_phase_velocity: Vec<f32>,
    /// Triplets with a non-zero integer ambiguity (NaN where masked).
    pub num_tri_nonzero: Vec<f32>,
}

impl Overview {
    /// The overview of `network` with wavelength `wavelength` (metres) and the reference
    /// pixel's phase `ref_phase` (one per kept pair).
    pub fn new(network: &Network, wavelength: f64, ref_phase: Vec<f32>) -> Overview {
        let phase2range = -wavelength / (4.0 * std::f64::consts::PI);
        let scale = network
            .pairs
            .iter()
            .map(|p| {
                let days = network.dates[p.first].days_until(network.dates[p.second]) as f32;
                (phase2range / (f64::from(days) / 365.25)) as f32
            })
            .collect();
        Overview {
            ref_phase,
            scale,
            triplets: triplets(network),
        }
    }

    /// Number of triplets of the network.
    pub fn num_triplets(&self) -> usize {
        self.triplets.len()
    }

    /// The maps of a strip of `px` pixels: `phase` and `coherence` are `[pair][pixel]`,
    /// `water` (0 = water) `[pixel]` when the stack has a water mask. `out` is resized.
    pub fn strip(
        &self,
        phase: &[f32],
        coherence: &[f32],
        water: Option<&[f32]>,
        px: usize,
        out: &mut StripMaps,
    ) {
        use rayon::prelude::*;
        /// Pixels per parallel task.
        const TASK: usize = 1024;
        out.avg_phase_velocity.resize(px, 0.0);
        out.num_tri_nonzero.resize(px, 0.0);
        out.avg_phase_velocity
            .par_chunks_mut(TASK)
            .zip(out.num_tri_nonzero.par_chunks_mut(TASK))
            .enumerate()
            .for_each(|(t, (apv, ntri))| {
                // One pixel's referenced phases, contiguous for the triplets (made per task).
                let mut unw = vec![0.0f32; self.scale.len()];
                for (k, (a, n)) in apv.iter_mut().zip(ntri.iter_mut()).enumerate() {
                    (*a, *n) = self.pixel(phase, coherence, water, px, t * TASK + k, &mut unw);
                }
            });
    }

    /// Both maps at pixel `p` of a strip.
    fn pixel(
        &self,
        phase: &[f32],
        coherence: &[f32],
        water: Option<&[f32]>,
        px: usize,
        p: usize,
        unw: &mut [f32],
    ) -> (f32, f32) {
        let (mut sum, mut count, mut any_nan, mut coh) = (0.0f32, 0u32, false, 0.0f64);
        for (i, (r, s)) in self.ref_phase.iter().zip(&self.scale).enumerate() {
            let raw = phase[i * px + p];
            // Only non-zero phase is referenced for the closures (MintPy's read_stack_obs);
            // the average references every sample (temporal_average).
            unw[i] = if raw != 0.0 { raw - r } else { raw };
            let v = (raw - r) * s;
            if !v.is_nan() {
                sum += v;
                count += 1;
            }
            any_nan |= raw.is_nan();
            let c = coherence[i * px + p];
            if !c.is_nan() {
                coh += f64::from(c);
            }
        }
        let apv = if count > 0 {
            (f64::from(sum) / f64::from(count)) as f32
        } else {
            f32::NAN
        };
        let t = self.triplets.len() as f32;
        let n = if any_nan {
            t
        } else {
            self.count_nonzero_closures(unw) as f32
        };
        let masked = water.is_some_and(|w| w[p] == 0.0) || coh == 0.0 || n == t;
        (apv, if masked { f32::NAN } else { n })
    }

    /// Triplets whose closure phase has a non-zero integer ambiguity, from one pixel's
    /// referenced phases `unw`.
    fn count_nonzero_closures(&self, unw: &[f32]) -> usize {
        self.triplets
            .iter()
            .filter(|tri| {
                // The sum in pair order, as the matrix product forms it.
                let c = tri
                    .iter()
                    .fold(0.0f32, |acc, &(i, s)| acc + s * unw[i as usize]);
                // Inside [-3, 3], c + pi is below 2 pi, the modulo returns it unchanged and the
                // ambiguity is exactly 0: the common case needs no modulo or rounding.
                c.abs() > 3.0 && integer_ambiguity(c) != 0.0
            })
            .count()
    }
}

/// `round((c - wrap(c)) / 2 pi)` in float32 as numpy evaluates it: `wrap(c) = -pi + mod(c + pi,
/// 2 pi)` with numpy's floored modulo, the constants rounded to float32, halves to even.
pub fn integer_ambiguity(c: f32) -> f32 {
    let pi = std::f32::consts::PI;
    let two_pi = std::f32::consts::TAU;
    let a = c - (-pi);
    let mut m = a % two_pi;
    if m != 0.0 {
        if m < 0.0 {
            m += two_pi;
        }
    } else {
        m = 0.0;
    }
    let wrapped = -pi + m;
    ((c - wrapped) / two_pi).round_ties_even()
}

/// Every triplet of dates whose three pairs are kept, in MintPy's order (date triples in
/// lexicographic order), as the pairs' indices in ascending order with their signs (+1 for
/// `(t1, t2)` and `(t2, t3)`, -1 for `(t1, t3)`).
pub fn triplets(network: &Network) -> Vec<[(u32, f32); 3]> {
    let nd = network.dates.len();
    let mut index = std::collections::HashMap::new();
    for (i, p) in network.pairs.iter().enumerate() {
        index.insert((p.first, p.second), i as u32);
    }
    let mut out = Vec::new();
    for a in 0..nd {
        for b in a + 1..nd {
            let Some(&ab) = index.get(&(a, b)) else {
                continue;
            };
            for c in b + 1..nd {
                if let (Some(&bc), Some(&ac)) = (index.get(&(b, c)), index.get(&(a, c))) {
                    let mut t = [(ab, 1.0), (bc, 1.0), (ac, -1.0)];
                    t.sort_by_key(|e| e.0);
                    out.push(t);
                }
            }
        }
    }
    out
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

    #[test]
    fn integer_ambiguity_as_numpy() {
        let tau = std::f32::consts::TAU;
        assert_eq!(integer_ambiguity(0.3), 0.0);
        assert_eq!(integer_ambiguity(-3.0), 0.0);
        assert_eq!(integer_ambiguity(tau + 0.2), 1.0);
        assert_eq!(integer_ambiguity(-tau - 0.2), -1.0);
        assert_eq!(integer_ambiguity(2.0 * tau - 0.5), 2.0);
        // wrap(pi) = -pi: a closure of exactly pi is one cycle.
        assert_eq!(integer_ambiguity(std::f32::consts::PI), 1.0);
        assert_eq!(integer_ambiguity(-std::f32::consts::PI), 0.0);
        assert!(integer_ambiguity(f32::NAN).is_nan());
        // The shortcut of count_nonzero_closures: every float32 in [-3, 3] has ambiguity 0.
        for i in 0..=3_000_000u32 {
            let c = (-3.0 + f64::from(i) * 2e-6) as f32;
            assert_eq!(integer_ambiguity(c), 0.0, "{c}");
        }
        for c in [
            -3.0f32,
            3.0,
            f32::MIN_POSITIVE,
            -f32::MIN_POSITIVE,
            0.0,
            -0.0,
        ] {
            assert_eq!(integer_ambiguity(c), 0.0, "{c}");
        }
    }

    #[test]
    fn triplets_of_a_nearest_two_network() {
        // Dates 0..5 with pairs to the next two dates: triplets (a, a+1, a+2).
        let n = net(5, 2);
        let t = triplets(&n);
        assert_eq!(t.len(), 3);
        // Pairs: (0,1)=0 (0,2)=1 (1,2)=2 (1,3)=3 (2,3)=4 (2,4)=5 (3,4)=6.
        assert_eq!(t[0], [(0, 1.0), (1, -1.0), (2, 1.0)]);
        assert_eq!(t[2], [(4, 1.0), (5, -1.0), (6, 1.0)]);
    }

    #[test]
    fn strip_counts_unwrapping_errors_and_averages_velocity() {
        let n = net(5, 2);
        let m = n.num_pairs();
        let px = 4;
        let ref_phase: Vec<f32> = (0..m).map(|i| 0.1 * i as f32).collect();
        let ov = Overview::new(&n, 0.05546576, ref_phase.clone());
        let mut phase = vec![0.0f32; m * px];
        for i in 0..m {
            for p in 0..px {
                phase[i * px + p] = ref_phase[i] + 0.5 + 0.01 * p as f32;
            }
        }
        // Pixel 1: pair (1,2) off by a cycle: triplets 0 and 1 both hold it.
        phase[2 * px + 1] += std::f32::consts::TAU;
        // Pixel 2: a NaN counts every triplet, then is masked.
        phase[3 * px + 2] = f32::NAN;
        let coherence = vec![0.5f32; m * px];
        let water = [1.0, 1.0, 1.0, 0.0];
        let mut out = StripMaps::default();
        ov.strip(&phase, &coherence, Some(&water), px, &mut out);
        assert_eq!(out.num_tri_nonzero[0], 0.0);
        assert_eq!(out.num_tri_nonzero[1], 2.0);
        assert!(out.num_tri_nonzero[2].is_nan() && out.num_tri_nonzero[3].is_nan());
        // Velocity of pixel 0: mean of (0.5 rad) * phase2range / dt over the pairs.
        let p2r = -0.05546576 / (4.0 * std::f64::consts::PI);
        let want: f64 = n
            .pairs
            .iter()
            .map(|p| 0.5 * p2r / ((p.second - p.first) as f64 * 12.0 / 365.25))
            .sum::<f64>()
            / m as f64;
        let got = f64::from(out.avg_phase_velocity[0]);
        assert!((got - want).abs() < 1e-6 * want.abs(), "{got} vs {want}");
        // The NaN pair is skipped in the mean, not the pixel.
        assert!(out.avg_phase_velocity[2].is_finite());
    }
}
