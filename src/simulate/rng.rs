//! A small, self-contained PRNG (SplitMix64 seeding + xoshiro256**), so simulated stacks never
//! change with a dependency upgrade.

/// Mixes one 64-bit value (SplitMix64 finaliser).
fn mix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Labels of independent random streams, so that switching one effect off never changes the
/// random numbers another effect draws.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Stream {
    Baselines = 1,
    Deformation = 2,
    DemError = 3,
    Atmosphere = 4,
    Coherence = 5,
    PhaseNoise = 6,
    MissingData = 7,
    UnwrapErrors = 8,
    Amplitude = 9,
    Topography = 10,
    Ramp = 11,
}

/// xoshiro256** generator.
#[derive(Debug, Clone)]
pub(crate) struct Rng {
    s: [u64; 4],
    /// Second normal deviate of the last Box-Muller pair, if unused.
    spare: Option<f64>,
}

impl Rng {
    /// A generator for `(seed, stream, index)`: distinct triples give independent sequences.
    pub(crate) fn new(seed: u64, stream: Stream, index: u64) -> Rng {
        let mut z = mix64(seed ^ mix64((stream as u64) << 32 ^ mix64(index)));
        let mut s = [0u64; 4];
        for v in &mut s {
            z = mix64(z);
            *v = z;
        }
        if s == [0; 4] {
            s[0] = 1;
        }
        Rng { s, spare: None }
    }

    /// Next raw 64 bits.
    pub(crate) fn next_u64(&mut self) -> u64 {
        let result = self.s[1].wrapping_mul(5).rotate_left(7).wrapping_mul(9);
        let t = self.s[1] << 17;
        self.s[2] ^= self.s[0];
        self.s[3] ^= self.s[1];
        self.s[1] ^= self.s[2];
        self.s[0] ^= self.s[3];
        self.s[2] ^= t;
        self.s[3] = self.s[3].rotate_left(45);
        result
    }

    /// Uniform in [0, 1).
    pub(crate) fn uniform(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// Uniform in [lo, hi).
    pub(crate) fn range(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.uniform()
    }

    /// Uniform integer in [0, n); `n` must be positive.
    pub(crate) fn below(&mut self, n: usize) -> usize {
        ((self.uniform() * n as f64) as usize).min(n.saturating_sub(1))
    }

    /// Standard normal deviate (Box-Muller, both deviates used).
    pub(crate) fn normal(&mut self) -> f64 {
        if let Some(v) = self.spare.take() {
            return v;
        }
        let u1 = 1.0 - self.uniform(); // (0, 1]: ln is finite
        let u2 = self.uniform();
        let r = (-2.0 * u1.ln()).sqrt();
        let (s, c) = (2.0 * std::f64::consts::PI * u2).sin_cos();
        self.spare = Some(r * s);
        r * c
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_are_reproducible_and_distinct() {
        let mut a = Rng::new(7, Stream::Atmosphere, 3);
        let mut b = Rng::new(7, Stream::Atmosphere, 3);
        let mut c = Rng::new(7, Stream::Atmosphere, 4);
        let va: Vec<u64> = (0..8).map(|_| a.next_u64()).collect();
        let vb: Vec<u64> = (0..8).map(|_| b.next_u64()).collect();
        let vc: Vec<u64> = (0..8).map(|_| c.next_u64()).collect();
        assert_eq!(va, vb);
        assert_ne!(va, vc);
    }

    #[test]
    fn normal_has_unit_moments() {
        let mut r = Rng::new(1, Stream::PhaseNoise, 0);
        let n = 200_000;
        let (mut s, mut s2) = (0.0, 0.0);
        for _ in 0..n {
            let v = r.normal();
            s += v;
            s2 += v * v;
        }
        let mean = s / n as f64;
        let var = s2 / n as f64 - mean * mean;
        assert!(mean.abs() < 0.01, "mean {mean}");
        assert!((var - 1.0).abs() < 0.02, "var {var}");
        let u = r.uniform();
        assert!((0.0..1.0).contains(&u));
    }
}
