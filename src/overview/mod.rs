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
        out.avg_phase_velocity.resize(px, 0.0);
        out.num_tri_nonzero.resize(px, 0.0);
        let mut tiles = TileScratch::new(self.scale.len());
        let input = StripInput {
            phase,
            coherence,
            water,
            px,
        };
        self.strip_into(
            &input,
            &mut out.avg_phase_velocity,
            &mut out.num_tri_nonzero,
            &mut tiles,
        );
    }

    /// [`Self::strip`] into the caller's maps (`input.px` values each), with the caller's
    /// scratch, on the calling thread: the driver runs one strip per thread, each small enough
    /// for its phases to stay in cache between the read and these loops.
    pub fn strip_into(
        &self,
        input: &StripInput<'_>,
        apv: &mut [f32],
        ntri: &mut [f32],
        tiles: &mut TileScratch,
    ) {
        self.part_into(input, 0, apv, ntri, tiles);
    }

    /// [`Self::strip_into`] for the pixels `first..first + apv.len()` of the strip only (`first`
    /// a multiple of [`TILE`]): parts of one strip go to different threads.
    pub fn part_into(
        &self,
        input: &StripInput<'_>,
        first: usize,
        apv: &mut [f32],
        ntri: &mut [f32],
        tiles: &mut TileScratch,
    ) {
        debug_assert!(first.is_multiple_of(TILE));
        for (t, (apv, ntri)) in apv.chunks_mut(TILE).zip(ntri.chunks_mut(TILE)).enumerate() {
            tiles.run(self, input, first + t * TILE, apv, ntri);
        }
    }
}

/// The inputs of a strip of `px` pixels.
#[derive(Debug, Clone, Copy)]
pub struct StripInput<'a> {
    /// Unwrapped phase, `[pair][pixel]`, radians.
    pub phase: &'a [f32],
    /// Coherence, `[pair][pixel]`.
    pub coherence: &'a [f32],
    /// Water mask (0 = water), `[pixel]`, when the stack has one.
    pub water: Option<&'a [f32]>,
    /// Pixels.
    pub px: usize,
}

/// Pixels of a tile: one pair's phases of a tile are a contiguous run of the strip, and the
/// tile's referenced phases of every pair (`M x TILE` floats) stay in the core's cache while
/// the triplets read them.
pub const TILE: usize = 256;

/// One tile's accumulators, per pixel (scratch of [`Overview::strip_into`]); the loops over a
/// tile's pixels run in SIMD lanes, each lane's arithmetic in the same order as the per-pixel
/// definition (bit-identical results).
pub struct TileScratch {
    /// Referenced phases, `[pair][pixel of the tile]` (non-zero phase only, for the closures).
    unw: Vec<f32>,
    /// Running float32 sum of the non-NaN scaled phases.
    sum: [f32; TILE],
    /// Their count.
    count: [u32; TILE],
    /// Whether any phase is NaN (0 or 1).
    nan: [u32; TILE],
    /// Sum of the non-NaN coherences (only its being 0 matters).
    coh: [f64; TILE],
    /// Closure phase of the current triplet.
    closure: [f32; TILE],
    /// Triplets with a non-zero integer ambiguity.
    nonzero: [u32; TILE],
}

impl TileScratch {
    /// Scratch for a network of `num_pairs` kept pairs.
    pub fn new(num_pairs: usize) -> TileScratch {
        TileScratch {
            unw: vec![0.0; num_pairs * TILE],
            sum: [0.0; TILE],
            count: [0; TILE],
            nan: [0; TILE],
            coh: [0.0; TILE],
            closure: [0.0; TILE],
            nonzero: [0; TILE],
        }
    }

    crate::simd::simd_dispatch!(
        /// Both maps of the `apv.len()` pixels from pixel `at` of a strip of `px` pixels.
        fn run => run_generic, run_avx512, run_avx2(
            ov: &Overview,
            input: &StripInput<'_>,
            at: usize,
            apv: &mut [f32],
            ntri: &mut [f32],
        )
    );

    #[inline(always)]
    fn run_generic(
        &mut self,
        ov: &Overview,
        input: &StripInput<'_>,
        at: usize,
        apv: &mut [f32],
        ntri: &mut [f32],
    ) {
        let n = apv.len();
        let StripInput {
            phase,
            coherence,
            px,
            ..
        } = *input;
        let water = input.water.map(|w| &w[at..at + n]);
        self.sum[..n].fill(0.0);
        self.count[..n].fill(0);
        self.nan[..n].fill(0);
        self.coh[..n].fill(0.0);
        self.nonzero[..n].fill(0);
        for (i, (&r, &s)) in ov.ref_phase.iter().zip(&ov.scale).enumerate() {
            let raw = &phase[i * px + at..i * px + at + n];
            let unw = &mut self.unw[i * TILE..i * TILE + n];
            let lanes = self.sum[..n]
                .iter_mut()
                .zip(&mut self.count[..n])
                .zip(&mut self.nan[..n]);
            for ((((sum, count), nan), u), &x) in lanes.zip(unw.iter_mut()).zip(raw) {
                // Only non-zero phase is referenced for the closures (MintPy's
                // read_stack_obs); the average references every sample (temporal_average).
                *u = if x != 0.0 { x - r } else { x };
                let v = (x - r) * s;
                // Adding 0 for a NaN is skipping it: the sum starts at +0 and never becomes
                // -0 (x + y is -0 only for two -0), and a masked store would cost more.
                *sum += if v.is_nan() { 0.0 } else { v };
                *count += u32::from(!v.is_nan());
                *nan |= u32::from(x.is_nan());
            }
            // Apart, so the loop above runs in float32 lanes.
            let coh = &coherence[i * px + at..i * px + at + n];
            for (csum, &c) in self.coh[..n].iter_mut().zip(coh) {
                *csum += if c.is_nan() { 0.0 } else { f64::from(c) };
            }
        }
        for tri in &ov.triplets {
            let [(a, sa), (b, sb), (c, sc)] = *tri;
            let ua = &self.unw[a as usize * TILE..a as usize * TILE + n];
            let ub = &self.unw[b as usize * TILE..b as usize * TILE + n];
            let uc = &self.unw[c as usize * TILE..c as usize * TILE + n];
            let mut large = false;
            for (((cl, &xa), &xb), &xc) in self.closure[..n].iter_mut().zip(ua).zip(ub).zip(uc) {
                // The sum in pair order, as MintPy's matrix product forms it.
                *cl = 0.0 + sa * xa + sb * xb + sc * xc;
                large |= cl.abs() > 3.0;
            }
            // Inside [-3, 3], c + pi is below 2 pi, the modulo returns it unchanged and the
            // ambiguity is exactly 0: only a tile with a larger closure needs the modulo.
            if large {
                for (k, &cl) in self.closure[..n].iter().enumerate() {
                    if cl.abs() > 3.0 && integer_ambiguity(cl) != 0.0 {
                        self.nonzero[k] += 1;
                    }
                }
            }
        }
        let t = ov.triplets.len() as f32;
        for k in 0..n {
            apv[k] = if self.count[k] > 0 {
                (f64::from(self.sum[k]) / f64::from(self.count[k])) as f32
            } else {
                f32::NAN
            };
            // A NaN phase reaches every triplet of the pixel through MintPy's product.
            let nt = if self.nan[k] != 0 {
                t
            } else {
                self.nonzero[k] as f32
            };
            let masked = water.is_some_and(|w| w[k] == 0.0) || self.coh[k] == 0.0 || nt == t;
            ntri[k] = if masked { f32::NAN } else { nt };
        }
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

    /// Both maps at pixel `p` of a strip, pixel by pixel: the definition the tiled loops must
    /// reproduce bit for bit.
    fn reference_pixel(
        ov: &Overview,
        phase: &[f32],
        coherence: &[f32],
        water: Option<&[f32]>,
        px: usize,
        p: usize,
    ) -> (f32, f32) {
        let m = ov.scale.len();
        let mut unw = vec![0.0f32; m];
        let (mut sum, mut count, mut any_nan, mut coh) = (0.0f32, 0u32, false, 0.0f64);
        for i in 0..m {
            let raw = phase[i * px + p];
            unw[i] = if raw != 0.0 {
                raw - ov.ref_phase[i]
            } else {
                raw
            };
            let v = (raw - ov.ref_phase[i]) * ov.scale[i];
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
        let t = ov.triplets.len() as f32;
        let n = if any_nan {
            t
        } else {
            ov.triplets
                .iter()
                .filter(|tri| {
                    let c = tri
                        .iter()
                        .fold(0.0f32, |acc, &(i, s)| acc + s * unw[i as usize]);
                    integer_ambiguity(c) != 0.0
                })
                .count() as f32
        };
        let masked = water.is_some_and(|w| w[p] == 0.0) || coh == 0.0 || n == t;
        (apv, if masked { f32::NAN } else { n })
    }

    #[test]
    fn tiled_strip_equals_the_per_pixel_definition() {
        let n = net(12, 3);
        let m = n.num_pairs();
        // Pixels over several tiles and a partial last one.
        let px = 2 * TILE + 37;
        let mut rng = crate::rng::Rng::seeded(7);
        let ref_phase: Vec<f32> = (0..m).map(|_| rng.normal() as f32).collect();
        let ov = Overview::new(&n, 0.05546576, ref_phase);
        let tau = std::f32::consts::TAU;
        let mut phase = vec![0.0f32; m * px];
        let mut coherence = vec![0.0f32; m * px];
        for (i, v) in phase.iter_mut().enumerate() {
            let u = rng.uniform();
            *v = match u {
                u if u < 0.01 => f32::NAN,
                u if u < 0.03 => 0.0,
                // Cycle slips: closures near and beyond +-3 rad.
                u if u < 0.10 => (rng.normal() * 2.0) as f32 + tau * (i % 3) as f32,
                _ => (rng.normal() * 0.5) as f32,
            };
        }
        for (p, c) in coherence.iter_mut().enumerate() {
            // Pixels 0..40 without coherence (masked); a few NaN elsewhere.
            *c = match (p % px < 40, rng.uniform()) {
                (true, _) => 0.0,
                (false, u) if u < 0.05 => f32::NAN,
                (false, u) => u as f32,
            };
        }
        let water: Vec<f32> = (0..px).map(|p| f32::from(p % 11 != 0)).collect();
        for water in [None, Some(&water[..])] {
            let mut out = StripMaps::default();
            ov.strip(&phase, &coherence, water, px, &mut out);
            let mut counted = 0;
            for p in 0..px {
                let (apv, ntri) = reference_pixel(&ov, &phase, &coherence, water, px, p);
                assert_eq!(
                    out.avg_phase_velocity[p].to_bits(),
                    apv.to_bits(),
                    "pixel {p}"
                );
                assert_eq!(
                    out.num_tri_nonzero[p].to_bits(),
                    ntri.to_bits(),
                    "pixel {p}"
                );
                counted += usize::from(ntri > 0.0);
            }
            // The data exercise the counting, not only the masks.
            assert!(counted > px / 4, "{counted}");
        }
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
