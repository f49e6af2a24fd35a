//! Phase ramps (MintPy `objects/ramp.py`): the surface types, a least-squares fit accumulated
//! strip by strip, and the fitted surface. Pure: slices in, numbers out.
//!
//! MintPy fits the ramp on pixel coordinates (`yy` = row, `xx` = column, 0-based). The fitted
//! surface does not depend on how the coordinates are scaled or shifted (every ramp type spans
//! a space of polynomials closed under `x -> a x + b`), so the fit here uses coordinates
//! centred and scaled to about [-0.5, 0.5], which keeps the normal equations well conditioned
//! in double precision, and gives MintPy's surface.

use std::fmt;
use std::str::FromStr;

/// The surface removed from each date, with MintPy's names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RampType {
    /// `a y + b x + c`.
    Linear,
    /// `a y^2 + b x^2 + c y x + d y + e x + f`.
    Quadratic,
    /// `a x + b` (x = range = column).
    LinearRange,
    /// `a y + b` (y = azimuth = row).
    LinearAzimuth,
    /// `a x^2 + b x + c`.
    QuadraticRange,
    /// `a y^2 + b y + c`.
    QuadraticAzimuth,
}

impl RampType {
    /// Every ramp type, in MintPy's `RAMP_LIST` order.
    pub const ALL: [RampType; 6] = [
        RampType::Linear,
        RampType::LinearRange,
        RampType::LinearAzimuth,
        RampType::Quadratic,
        RampType::QuadraticRange,
        RampType::QuadraticAzimuth,
    ];

    /// MintPy's name of the ramp type (`linear`, `quadratic_range`, ...).
    pub fn name(self) -> &'static str {
        match self {
            RampType::Linear => "linear",
            RampType::Quadratic => "quadratic",
            RampType::LinearRange => "linear_range",
            RampType::LinearAzimuth => "linear_azimuth",
            RampType::QuadraticRange => "quadratic_range",
            RampType::QuadraticAzimuth => "quadratic_azimuth",
        }
    }

    /// Number of coefficients of the surface.
    pub fn num_params(self) -> usize {
        match self {
            RampType::Quadratic => 6,
            RampType::Linear | RampType::QuadraticRange | RampType::QuadraticAzimuth => 3,
            RampType::LinearRange | RampType::LinearAzimuth => 2,
        }
    }

    /// Fills `row` (length [`RampType::num_params`]) with the design-matrix row of the scaled
    /// coordinates `u` (azimuth) and `v` (range), in MintPy's column order.
    fn design_row(self, u: f64, v: f64, row: &mut [f64]) {
        match self {
            RampType::Linear => row.copy_from_slice(&[u, v, 1.0]),
            RampType::Quadratic => row.copy_from_slice(&[u * u, v * v, u * v, u, v, 1.0]),
            RampType::LinearRange => row.copy_from_slice(&[v, 1.0]),
            RampType::LinearAzimuth => row.copy_from_slice(&[u, 1.0]),
            RampType::QuadraticRange => row.copy_from_slice(&[v * v, v, 1.0]),
            RampType::QuadraticAzimuth => row.copy_from_slice(&[u * u, u, 1.0]),
        }
    }
}

impl fmt::Display for RampType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for RampType {
    type Err = anyhow::Error;
    fn from_str(s: &str) -> anyhow::Result<RampType> {
        RampType::ALL
            .iter()
            .copied()
            .find(|r| r.name() == s.trim())
            .ok_or_else(|| {
                anyhow::anyhow!(
                    "unknown ramp type '{s}': use one of {}",
                    RampType::ALL.map(|r| r.name()).join(", ")
                )
            })
    }
}

/// MintPy decimates the fit samples on a regular grid when a date has more than this many.
pub const MAX_NUM_SAMPLE: usize = 1_000_000;

/// Maps pixel coordinates of an image to the scaled coordinates of the fit.
#[derive(Debug, Clone, Copy)]
struct Scaling {
    cy: f64,
    sy: f64,
    cx: f64,
    sx: f64,
}

impl Scaling {
    fn new(length: usize, width: usize) -> Scaling {
        let half = |n: usize| (n.max(1) - 1) as f64 / 2.0;
        let span = |n: usize| (n.max(2) - 1) as f64;
        Scaling {
            cy: half(length),
            sy: span(length),
            cx: half(width),
            sx: span(width),
        }
    }

    fn uv(&self, y: usize, x: usize) -> (f64, f64) {
        (
            (y as f64 - self.cy) / self.sy,
            (x as f64 - self.cx) / self.sx,
        )
    }
}

/// Decimation step MintPy uses for `n` fit samples: 1 up to [`MAX_NUM_SAMPLE`], else
/// `ceil(sqrt(n / MAX_NUM_SAMPLE))`.
pub fn sample_step(n: usize) -> usize {
    if n <= MAX_NUM_SAMPLE {
        1
    } else {
        ((n as f64 / MAX_NUM_SAMPLE as f64).sqrt().ceil() as usize).max(1)
    }
}

/// Whether pixel `(y, x)` is on MintPy's decimation grid of step `step` (offset `step / 2`).
fn on_grid(y: usize, x: usize, step: usize) -> bool {
    step == 1 || (y % step == step / 2 && x % step == step / 2)
}

/// Normal equations of one ramp fit, for every decimation step that may be needed (the step
/// is known only once all samples are counted, so all candidates are accumulated in one pass).
#[derive(Debug, Clone)]
pub struct RampAccumulator {
    ramp: RampType,
    scaling: Scaling,
    /// Per candidate step (1..=max_step): `G^T G` (k x k) then `G^T d` (k).
    sums: Vec<Vec<f64>>,
    /// Samples with step 1 (all valid pixels under the mask).
    count: usize,
    row: Vec<f64>,
}

impl RampAccumulator {
    /// An empty fit of `ramp` on an image of `length x width` pixels.
    pub fn new(ramp: RampType, length: usize, width: usize) -> RampAccumulator {
        let k = ramp.num_params();
        let max_step = sample_step(length.saturating_mul(width));
        RampAccumulator {
            ramp,
            scaling: Scaling::new(length, width),
            sums: vec![vec![0.0; k * k + k]; max_step],
            count: 0,
            row: vec![0.0; k],
        }
    }

    /// Adds the samples of a strip of rows starting at image row `row0`: `data` and `mask` are
    /// `rows x width` (row-major); a pixel counts when its mask is true and its value is
    /// finite and not zero (MintPy ignores NaN and zero).
    pub fn add_strip(&mut self, row0: usize, width: usize, data: &[f32], mask: &[bool]) {
        let k = self.ramp.num_params();
        for (i, (&d, &m)) in data.iter().zip(mask).enumerate() {
            if !m || d == 0.0 || !d.is_finite() {
                continue;
            }
            let (y, x) = (row0 + i / width, i % width);
            self.count += 1;
            let (u, v) = self.scaling.uv(y, x);
            self.ramp.design_row(u, v, &mut self.row);
            let d = d as f64;
            for (s, sums) in self.sums.iter_mut().enumerate() {
                if !on_grid(y, x, s + 1) {
                    continue;
                }
                // Upper triangle only; mirrored in `fit`.
                for a in 0..k {
                    let ra = self.row[a];
                    for b in a..k {
                        sums[a * k + b] += ra * self.row[b];
                    }
                    sums[k * k + a] += ra * d;
                }
            }
        }
    }

    /// Number of valid samples seen (before decimation).
    pub fn count(&self) -> usize {
        self.count
    }

    /// The least-squares surface (minimum-norm when the samples do not determine it; zero when
    /// there are none, as MintPy's pseudo-inverse of an empty matrix gives).
    pub fn fit(&self) -> RampFit {
        let k = self.ramp.num_params();
        let step = sample_step(self.count).min(self.sums.len());
        let sums = &self.sums[step - 1];
        let mut ata = sums[..k * k].to_vec();
        for a in 0..k {
            for b in 0..a {
                ata[a * k + b] = ata[b * k + a];
            }
        }
        let coef = if self.count == 0 {
            vec![0.0; k]
        } else {
            crate::linalg::solve_spd_or_min_norm(&ata, &sums[k * k..], k)
        };
        RampFit {
            ramp: self.ramp,
            scaling: self.scaling,
            coef,
            offset: 0.0,
        }
    }
}

/// A fitted ramp surface.
#[derive(Debug, Clone)]
pub struct RampFit {
    ramp: RampType,
    scaling: Scaling,
    coef: Vec<f64>,
    offset: f64,
}

impl RampFit {
    /// The surface at pixel `(y, x)`, minus the reference offset set by
    /// [`RampFit::referenced_to`].
    pub fn value(&self, y: usize, x: usize) -> f64 {
        let (u, v) = self.scaling.uv(y, x);
        let mut row = [0.0f64; 6];
        let k = self.ramp.num_params();
        self.ramp.design_row(u, v, &mut row[..k]);
        row[..k]
            .iter()
            .zip(&self.coef)
            .map(|(g, c)| g * c)
            .sum::<f64>()
            - self.offset
    }

    /// The same surface shifted to be zero at pixel `(ref_y, ref_x)`, as MintPy does when the
    /// file has a reference point.
    pub fn referenced_to(mut self, ref_y: usize, ref_x: usize) -> RampFit {
        self.offset = 0.0;
        self.offset = self.value(ref_y, ref_x);
        self
    }

    /// Removes the surface from a strip of rows starting at image row `row0` (`rows x width`),
    /// in place. Zero stays zero (no data), NaN stays NaN; MintPy computes the ramp in single
    /// precision, so the surface is rounded to f32 before it is subtracted.
    pub fn remove_from_strip(&self, row0: usize, width: usize, data: &mut [f32]) {
        if width == 0 {
            return;
        }
        for (r, line) in data.chunks_exact_mut(width).enumerate() {
            // Along a row the surface is a + b v + c v^2.
            let (a, b, c) = self.along_row(row0 + r);
            for (x, d) in line.iter_mut().enumerate() {
                if *d == 0.0 {
                    continue;
                }
                let v = (x as f64 - self.scaling.cx) / self.scaling.sx;
                *d -= (a + v * (b + v * c)) as f32;
            }
        }
    }

    /// Coefficients `(a, b, c)` of the surface along row `y` as `a + b v + c v^2` in the scaled
    /// range coordinate `v`, the reference offset included in `a`.
    fn along_row(&self, y: usize) -> (f64, f64, f64) {
        let (u, _) = self.scaling.uv(y, 0);
        let c = &self.coef;
        let (a, b, q) = match self.ramp {
            RampType::Linear => (c[0] * u + c[2], c[1], 0.0),
            RampType::Quadratic => (c[0] * u * u + c[3] * u + c[5], c[2] * u + c[4], c[1]),
            RampType::LinearRange => (c[1], c[0], 0.0),
            RampType::LinearAzimuth => (c[0] * u + c[1], 0.0, 0.0),
            RampType::QuadraticRange => (c[2], c[1], c[0]),
            RampType::QuadraticAzimuth => (c[0] * u * u + c[1] * u + c[2], 0.0, 0.0),
        };
        (a - self.offset, b, q)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plane(y: usize, x: usize) -> f64 {
        0.003 * y as f64 - 0.002 * x as f64 + 0.5
    }

    fn quad(y: usize, x: usize) -> f64 {
        let (y, x) = (y as f64, x as f64);
        1e-5 * y * y - 2e-5 * x * x + 3e-5 * x * y + 0.001 * y - 0.002 * x + 0.1
    }

    fn image(l: usize, w: usize, f: impl Fn(usize, usize) -> f64) -> Vec<f32> {
        (0..l * w).map(|p| f(p / w, p % w) as f32).collect()
    }

    #[test]
    fn names_round_trip() {
        for r in RampType::ALL {
            assert_eq!(r.name().parse::<RampType>().unwrap(), r);
        }
        assert!("cubic".parse::<RampType>().is_err());
    }

    #[test]
    fn fit_recovers_planes_and_quadratics_strip_by_strip() {
        let (l, w) = (37, 53);
        for (ramp, f) in [
            (RampType::Linear, plane as fn(usize, usize) -> f64),
            (RampType::Quadratic, quad),
        ] {
            let data = image(l, w, f);
            let mask = vec![true; l * w];
            let mut acc = RampAccumulator::new(ramp, l, w);
            for r0 in (0..l).step_by(10) {
                let r1 = (r0 + 10).min(l);
                acc.add_strip(r0, w, &data[r0 * w..r1 * w], &mask[r0 * w..r1 * w]);
            }
            let fit = acc.fit();
            for (y, x) in [(0, 0), (5, 40), (36, 52), (20, 1)] {
                assert!(
                    (fit.value(y, x) - f(y, x)).abs() < 1e-6,
                    "{ramp} at {y},{x}"
                );
            }
        }
    }

    #[test]
    fn referenced_ramp_is_zero_at_the_reference_and_keeps_zeros() {
        let (l, w) = (20, 30);
        let mut data = image(l, w, plane);
        data[3 * w + 4] = 0.0;
        let mut acc = RampAccumulator::new(RampType::Linear, l, w);
        acc.add_strip(0, w, &data, &vec![true; l * w]);
        let fit = acc.fit().referenced_to(10, 15);
        assert!(fit.value(10, 15).abs() < 1e-12);
        let mut out = data.clone();
        fit.remove_from_strip(0, w, &mut out);
        assert_eq!(out[3 * w + 4], 0.0);
        // What is left is the plane's value at the reference pixel, everywhere.
        let c = plane(10, 15) as f32;
        assert!(out
            .iter()
            .enumerate()
            .all(|(p, v)| p == 3 * w + 4 || (v - c).abs() < 1e-5));
    }

    #[test]
    fn mask_and_no_data_leave_samples_out() {
        let (l, w) = (10, 10);
        let mut data = image(l, w, plane);
        let mut mask = vec![true; l * w];
        // Outliers hidden by the mask, a NaN and zeros must not bend the fit.
        for p in 0..10 {
            data[p] = 100.0;
            mask[p] = false;
        }
        data[55] = f32::NAN;
        data[66] = 0.0;
        let mut acc = RampAccumulator::new(RampType::Linear, l, w);
        acc.add_strip(0, w, &data, &mask);
        assert_eq!(acc.count(), 88);
        assert!((acc.fit().value(9, 9) - plane(9, 9)).abs() < 1e-6);
    }

    #[test]
    fn row_wise_removal_equals_the_surface_for_every_type() {
        let (l, w) = (9, 11);
        let data = image(l, w, |y, x| {
            quad(y, x) + 0.01 * ((y * 7 + x * 3) % 5) as f64
        });
        for ramp in RampType::ALL {
            let mut acc = RampAccumulator::new(ramp, l, w);
            acc.add_strip(0, w, &data, &vec![true; l * w]);
            let fit = acc.fit().referenced_to(4, 5);
            let mut out = data.clone();
            fit.remove_from_strip(0, w, &mut out);
            for p in 0..l * w {
                let expected = data[p] as f64 - fit.value(p / w, p % w);
                assert!((out[p] as f64 - expected).abs() < 1e-6, "{ramp} at {p}");
            }
        }
    }

    #[test]
    fn no_samples_give_a_zero_ramp() {
        let acc = RampAccumulator::new(RampType::Quadratic, 5, 5);
        assert_eq!(acc.fit().value(2, 3), 0.0);
    }

    #[test]
    fn decimation_follows_mintpy() {
        assert_eq!(sample_step(1_000_000), 1);
        assert_eq!(sample_step(1_000_001), 2);
        assert_eq!(sample_step(9_000_000), 3);
        assert!(on_grid(1, 1, 2) && !on_grid(0, 1, 2) && on_grid(4, 7, 3));
    }
}
