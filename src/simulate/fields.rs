//! The simulated scene: static maps (geometry, deformation rates, DEM error, coherence, water)
//! and one atmospheric screen per date, plus the per-date signal they add up to.

use std::f64::consts::PI;

use rayon::prelude::*;

use super::config::SimConfig;
use super::rng::{Rng, Stream};
use super::sensor;

/// Peak subsidence rate of the bowl (m/year, away from the satellite).
const BOWL_RATE: f64 = 0.03;
/// East-west velocity difference across the image (m/year).
const GRADIENT_RATE: f64 = 0.006;
/// Seasonal amplitude: background and extra amplitude at its hot spot (m).
const SEASONAL_AMPLITUDE: (f64, f64) = (0.003, 0.008);
/// Standard deviation of the smooth DEM-error field (m) and height of the DEM-error spot (m).
const DEM_ERROR_STD: f64 = 5.0;
const DEM_ERROR_SPOT: f64 = 25.0;
/// Standard deviation of each date's atmospheric delay (m).
const ATMOSPHERE_STD: f64 = 0.005;
/// Largest ramp coefficient (m): the linear terms change by up to this much across the image,
/// the quadratic ones by up to half of it.
const RAMP_AMPLITUDE: f64 = 0.02;
/// Base coherence of land: mean and spatial standard deviation; of the low-coherence patch.
const LAND_COHERENCE: (f64, f64) = (0.85, 0.06);
const LOW_COHERENCE: f64 = 0.22;
/// Temporal decorrelation: pair coherence = base * (FLOOR + (1-FLOOR) exp(-days/TAU)).
const TEMPORAL_FLOOR: f64 = 0.7;
const TEMPORAL_TAU_DAYS: f64 = 48.0;

/// A rectangle of pixels `[y0, y1) x [x0, x1)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Patch {
    pub y0: usize,
    pub y1: usize,
    pub x0: usize,
    pub x1: usize,
}

impl Patch {
    pub(crate) fn contains(&self, y: usize, x: usize) -> bool {
        (self.y0..self.y1).contains(&y) && (self.x0..self.x1).contains(&x)
    }
}

/// Static maps and per-date screens of one simulated stack. Maps are row-major `rows x cols`.
pub(crate) struct Scene {
    pub rows: usize,
    pub cols: usize,
    /// Years since the first date, per date.
    pub t_years: Vec<f64>,
    /// `(sin, cos)` of `2 pi t_years`, per date.
    pub annual: Vec<(f64, f64)>,
    /// Perpendicular baseline per date relative to the first date (m).
    pub bperp: Vec<f64>,
    /// Parallel baseline per date relative to the first date (m), for the baseline files.
    pub bpar: Vec<f64>,
    /// true = water.
    pub water: Vec<bool>,
    /// Terrain height (m).
    pub height: Vec<f64>,
    /// Incidence angle (degrees) per column.
    pub incidence_deg: Vec<f32>,
    /// Linear LOS velocity (m/year).
    pub velocity: Vec<f32>,
    /// Seasonal coefficients (m): `s sin(2 pi t) + c (cos(2 pi t) - 1)`.
    pub seasonal_sin: Vec<f32>,
    pub seasonal_cos: Vec<f32>,
    /// DEM error (m).
    pub dem_error: Vec<f32>,
    /// LOS metres per metre of perpendicular baseline: `dem_error / (r sin(inc))`.
    pub dem_coef: Vec<f32>,
    /// Coherence of a zero-time-span pair.
    pub coherence: Vec<f32>,
    /// Amplitude of the interferograms (arbitrary units).
    pub amplitude: Vec<f32>,
    /// Atmospheric delay per date (m), `num_dates x rows x cols`; empty when switched off.
    pub atmosphere: Vec<f32>,
    /// Ramp coefficients per date `[u, v, u^2, v^2, u v]` (m) on `u = y/(rows-1) - 0.5`,
    /// `v = x/(cols-1) - 0.5`; empty when switched off.
    pub ramps: Vec<[f64; 5]>,
}

/// Replaces `field` by three passes of a box filter of half-width `radius` along rows and
/// columns (close to a Gaussian blur), shrinking the window at the edges.
fn smooth(field: &mut [f32], rows: usize, cols: usize, radius: usize) {
    let mut line = vec![0.0f64; rows.max(cols) + 1];
    let mut tmp = vec![0.0f32; rows.max(cols)];
    for _ in 0..3 {
        for y in 0..rows {
            box_line(
                &mut field[y * cols..(y + 1) * cols],
                1,
                radius,
                &mut line,
                &mut tmp,
            );
        }
        for x in 0..cols {
            box_line(&mut field[x..], cols, radius, &mut line, &mut tmp);
        }
    }
}

/// One box-filter pass over the `n` samples `data[0], data[stride], ...` (n inferred from the
/// slice and `tmp`), using prefix sums.
fn box_line(data: &mut [f32], stride: usize, radius: usize, prefix: &mut [f64], tmp: &mut [f32]) {
    let n = (data.len() - 1) / stride + 1;
    let n = n.min(tmp.len());
    prefix[0] = 0.0;
    for i in 0..n {
        prefix[i + 1] = prefix[i] + data[i * stride] as f64;
    }
    for (i, t) in tmp.iter_mut().enumerate().take(n) {
        let lo = i.saturating_sub(radius);
        let hi = (i + radius + 1).min(n);
        *t = ((prefix[hi] - prefix[lo]) / (hi - lo) as f64) as f32;
    }
    for (i, t) in tmp.iter().enumerate().take(n) {
        data[i * stride] = *t;
    }
}

/// Smooth Gaussian noise with zero mean and unit standard deviation.
fn smooth_noise(rng: &mut Rng, rows: usize, cols: usize, radius: usize) -> Vec<f32> {
    let mut f = vec![0.0f32; rows * cols];
    fill_smooth_noise(&mut f, rng, rows, cols, radius);
    f
}

/// Fills `f` (rows x cols) with smooth Gaussian noise of zero mean and unit standard deviation.
fn fill_smooth_noise(f: &mut [f32], rng: &mut Rng, rows: usize, cols: usize, radius: usize) {
    for v in f.iter_mut() {
        *v = rng.normal() as f32;
    }
    smooth(f, rows, cols, radius.max(1));
    let n = f.len() as f64;
    let mean = f.iter().map(|&v| v as f64).sum::<f64>() / n;
    let var = f.iter().map(|&v| (v as f64 - mean).powi(2)).sum::<f64>() / n;
    let scale = if var > 0.0 { 1.0 / var.sqrt() } else { 0.0 };
    for v in f.iter_mut() {
        *v = ((*v as f64 - mean) * scale) as f32;
    }
}

/// `exp(-d^2 / 2)` of the distance of (y, x) to a centre, in units of `sigma` pixels.
fn gaussian(y: usize, x: usize, cy: f64, cx: f64, sigma: f64) -> f64 {
    let d2 = ((y as f64 - cy).powi(2) + (x as f64 - cx).powi(2)) / (sigma * sigma);
    (-0.5 * d2).exp()
}

/// Whether (y, x) is inside the ellipse of centre (cy, cx) and half-axes (ry, rx).
fn in_ellipse(y: usize, x: usize, cy: f64, cx: f64, ry: f64, rx: f64) -> bool {
    ((y as f64 - cy) / ry).powi(2) + ((x as f64 - cx) / rx).powi(2) <= 1.0
}

/// Image height and width as floats and the shorter side: the scales the maps are laid out on.
fn extent(cfg: &SimConfig) -> (f64, f64, f64) {
    let (lf, wf) = (cfg.rows as f64, cfg.cols as f64);
    (lf, wf, lf.min(wf))
}

/// Perpendicular and parallel baselines per date relative to the first date (the stack's
/// reference), as topsStack reports them.
fn baselines(cfg: &SimConfig) -> (Vec<f64>, Vec<f64>) {
    let mut rng = Rng::new(cfg.seed, Stream::Baselines, 0);
    let bperp: Vec<f64> = (0..cfg.num_dates)
        .map(|k| {
            let b = rng.range(-cfg.max_bperp_m, cfg.max_bperp_m);
            if k == 0 {
                0.0
            } else {
                b
            }
        })
        .collect();
    let bpar: Vec<f64> = (0..cfg.num_dates)
        .map(|i| if i == 0 { 0.0 } else { rng.range(-60.0, 60.0) })
        .collect();
    (bperp, bpar)
}

/// Water: a lake near the top-left corner, well away from the reference pixel.
fn water_map(cfg: &SimConfig) -> Vec<bool> {
    let (lf, wf, _) = extent(cfg);
    let cols = cfg.cols;
    (0..cfg.rows * cols)
        .map(|p| {
            cfg.effects.water
                && in_ellipse(
                    p / cols,
                    p % cols,
                    0.17 * lf,
                    0.2 * wf,
                    0.13 * lf,
                    0.16 * wf,
                )
        })
        .collect()
}

/// Terrain height (m): smooth relief, sea level on water.
fn terrain(cfg: &SimConfig, water: &[bool]) -> Vec<f64> {
    let (rows, cols) = (cfg.rows, cfg.cols);
    let (_, _, short) = extent(cfg);
    let mut rng = Rng::new(cfg.seed, Stream::Topography, 0);
    let relief = smooth_noise(&mut rng, rows, cols, (short / 6.0) as usize);
    (0..rows * cols)
        .map(|p| {
            if water[p] {
                0.0
            } else {
                (250.0 + 120.0 * relief[p] as f64).max(5.0)
            }
        })
        .collect()
}

/// Linear velocity and seasonal sine and cosine coefficients: a subsidence bowl, an east-west
/// gradient and a little smooth texture, and a seasonal signal with a hot spot.
fn deformation_maps(cfg: &SimConfig) -> (Vec<f32>, Vec<f32>, Vec<f32>) {
    let (rows, cols) = (cfg.rows, cfg.cols);
    let npix = rows * cols;
    let (lf, wf, short) = extent(cfg);
    let e = cfg.effects;
    let mut rng = Rng::new(cfg.seed, Stream::Deformation, 0);
    let texture = smooth_noise(&mut rng, rows, cols, (short / 8.0) as usize);
    let phase_field = smooth_noise(&mut rng, rows, cols, (short / 4.0) as usize);
    let mut velocity = vec![0.0f32; npix];
    let mut seasonal_sin = vec![0.0f32; npix];
    let mut seasonal_cos = vec![0.0f32; npix];
    for p in 0..npix {
        let (y, x) = (p / cols, p % cols);
        if e.deformation {
            let bowl = -BOWL_RATE * gaussian(y, x, 0.38 * lf, 0.66 * wf, 0.12 * short);
            let gradient = GRADIENT_RATE * (x as f64 / (wf - 1.0) - 0.5);
            velocity[p] = (bowl + gradient + 0.001 * texture[p] as f64) as f32;
        }
        if e.seasonal {
            let amp = SEASONAL_AMPLITUDE.0
                + SEASONAL_AMPLITUDE.1 * gaussian(y, x, 0.72 * lf, 0.7 * wf, 0.15 * short);
            let phi = 0.6 + 0.5 * phase_field[p] as f64;
            seasonal_sin[p] = (amp * phi.cos()) as f32;
            seasonal_cos[p] = (amp * phi.sin()) as f32;
        }
    }
    (velocity, seasonal_sin, seasonal_cos)
}

/// DEM error (m) and its LOS metres per metre of perpendicular baseline: a smooth field plus
/// one spot; zero when switched off.
fn dem_error_maps(cfg: &SimConfig, incidence_deg: &[f32]) -> (Vec<f32>, Vec<f32>) {
    let (rows, cols) = (cfg.rows, cfg.cols);
    let npix = rows * cols;
    let (lf, wf, short) = extent(cfg);
    let mut rng = Rng::new(cfg.seed, Stream::DemError, 0);
    let dz_field = smooth_noise(&mut rng, rows, cols, (short / 12.0) as usize);
    let mut dem_error = vec![0.0f32; npix];
    let mut dem_coef = vec![0.0f32; npix];
    if cfg.effects.dem_error {
        for p in 0..npix {
            let (y, x) = (p / cols, p % cols);
            let dz = DEM_ERROR_STD * dz_field[p] as f64
                + DEM_ERROR_SPOT * gaussian(y, x, 0.62 * lf, 0.3 * wf, 0.04 * short + 1.0);
            let inc = (incidence_deg[x] as f64).to_radians();
            dem_error[p] = dz as f32;
            dem_coef[p] = (dz / (sensor::slant_range(x) * inc.sin())) as f32;
        }
    }
    (dem_error, dem_coef)
}

/// Zero-time-span coherence (low on water and in one patch) and interferogram amplitude.
fn coherence_maps(cfg: &SimConfig, water: &[bool]) -> (Vec<f32>, Vec<f32>) {
    let (rows, cols) = (cfg.rows, cfg.cols);
    let npix = rows * cols;
    let (lf, wf, short) = extent(cfg);
    let mut rng = Rng::new(cfg.seed, Stream::Coherence, 0);
    let coh_field = smooth_noise(&mut rng, rows, cols, (short / 10.0) as usize);
    let amp_field = smooth_noise(&mut Rng::new(cfg.seed, Stream::Amplitude, 0), rows, cols, 2);
    let mut coherence = vec![0.0f32; npix];
    let mut amplitude = vec![0.0f32; npix];
    for p in 0..npix {
        let (y, x) = (p / cols, p % cols);
        coherence[p] = if water[p] {
            rng.range(0.03, 0.12) as f32
        } else if cfg.effects.low_coherence
            && in_ellipse(y, x, 0.78 * lf, 0.24 * wf, 0.1 * lf, 0.1 * wf)
        {
            (LOW_COHERENCE + 0.05 * coh_field[p] as f64).clamp(0.1, 0.35) as f32
        } else {
            (LAND_COHERENCE.0 + LAND_COHERENCE.1 * coh_field[p] as f64).clamp(0.5, 0.98) as f32
        };
        amplitude[p] = if water[p] {
            4.0
        } else {
            (90.0 * (1.0 + 0.35 * amp_field[p] as f64)).max(5.0) as f32
        };
    }
    (coherence, amplitude)
}

/// One smooth atmospheric screen per date (m), `num_dates x rows x cols`; empty when switched
/// off. Each date draws from its own stream, so the screens are built in parallel.
fn atmosphere_screens(cfg: &SimConfig) -> Vec<f32> {
    if !cfg.effects.atmosphere {
        return Vec::new();
    }
    let (rows, cols) = (cfg.rows, cfg.cols);
    let npix = rows * cols;
    let (_, _, short) = extent(cfg);
    let radius = ((short / 10.0) as usize).max(2);
    let mut screens = vec![0.0f32; cfg.num_dates * npix];
    screens
        .par_chunks_mut(npix)
        .enumerate()
        .for_each(|(k, screen)| {
            let mut rng = Rng::new(cfg.seed, Stream::Atmosphere, k as u64);
            fill_smooth_noise(screen, &mut rng, rows, cols, radius);
            for v in screen.iter_mut() {
                *v *= ATMOSPHERE_STD as f32;
            }
        });
    screens
}

/// Ramp coefficients per date (see [`Scene::ramps`]); empty when switched off.
fn ramp_coefficients(cfg: &SimConfig) -> Vec<[f64; 5]> {
    if !cfg.effects.ramp {
        return Vec::new();
    }
    (0..cfg.num_dates)
        .map(|k| {
            let mut rng = Rng::new(cfg.seed, Stream::Ramp, k as u64);
            let a = RAMP_AMPLITUDE;
            [
                rng.range(-a, a),
                rng.range(-a, a),
                rng.range(-a / 2.0, a / 2.0),
                rng.range(-a / 2.0, a / 2.0),
                rng.range(-a / 2.0, a / 2.0),
            ]
        })
        .collect()
}

impl Scene {
    /// Builds every static map and atmospheric screen for `cfg`.
    pub(crate) fn new(cfg: &SimConfig) -> Scene {
        let (rows, cols) = (cfg.rows, cfg.cols);
        let dates = cfg.dates();
        let t_years: Vec<f64> = dates
            .iter()
            .map(|d| dates[0].days_until(*d) as f64 / 365.25)
            .collect();
        let (bperp, bpar) = baselines(cfg);
        let water = water_map(cfg);
        let height = terrain(cfg, &water);
        let incidence_deg: Vec<f32> = (0..cols).map(|x| sensor::incidence_deg(x) as f32).collect();
        let (velocity, seasonal_sin, seasonal_cos) = deformation_maps(cfg);
        let (dem_error, dem_coef) = dem_error_maps(cfg, &incidence_deg);
        let (coherence, amplitude) = coherence_maps(cfg, &water);
        let atmosphere = atmosphere_screens(cfg);
        let ramps = ramp_coefficients(cfg);
        let annual = t_years.iter().map(|t| (2.0 * PI * t).sin_cos()).collect();
        Scene {
            rows,
            cols,
            t_years,
            annual,
            bperp,
            bpar,
            water,
            height,
            incidence_deg,
            velocity,
            seasonal_sin,
            seasonal_cos,
            dem_error,
            dem_coef,
            coherence,
            amplitude,
            atmosphere,
            ramps,
        }
    }

    /// Deformation of pixel `p` at date `k` relative to the first date (m, LOS).
    pub(crate) fn deformation(&self, k: usize, p: usize) -> f64 {
        let t = self.t_years[k];
        let (s, c) = self.annual[k];
        self.velocity[p] as f64 * t
            + self.seasonal_sin[p] as f64 * s
            + self.seasonal_cos[p] as f64 * (c - 1.0)
    }

    /// Atmospheric delay of pixel `p` at date `k` (m, absolute; 0 when switched off).
    pub(crate) fn atmosphere(&self, k: usize, p: usize) -> f64 {
        if self.atmosphere.is_empty() {
            0.0
        } else {
            self.atmosphere[k * self.rows * self.cols + p] as f64
        }
    }

    /// Phase ramp of pixel `p` at date `k` (m, absolute; 0 when switched off).
    pub(crate) fn ramp(&self, k: usize, p: usize) -> f64 {
        match self.ramps.get(k) {
            None => 0.0,
            Some(c) => {
                let u = (p / self.cols) as f64 / (self.rows - 1) as f64 - 0.5;
                let v = (p % self.cols) as f64 / (self.cols - 1) as f64 - 0.5;
                c[0] * u + c[1] * v + c[2] * u * u + c[3] * v * v + c[4] * u * v
            }
        }
    }

    /// Ramp of pixel `p` at date `k` relative to the first date (m), 0 on water.
    pub(crate) fn relative_ramp(&self, k: usize, p: usize) -> f64 {
        if self.water[p] || self.ramps.is_empty() {
            0.0
        } else {
            self.ramp(k, p) - self.ramp(0, p)
        }
    }

    /// The LOS signal of pixel `p` at date `k` relative to the first date (m): deformation +
    /// DEM-error term + atmosphere (+ ramp when on). Zero on water, where interferograms hold
    /// no signal.
    pub(crate) fn signal(&self, k: usize, p: usize) -> f64 {
        if self.water[p] {
            return 0.0;
        }
        let s = self.deformation(k, p)
            + self.bperp[k] * self.dem_coef[p] as f64
            + self.atmosphere(k, p)
            - self.atmosphere(0, p);
        if self.ramps.is_empty() {
            s
        } else {
            s + self.relative_ramp(k, p)
        }
    }

    /// Coherence of pixel `p` in a pair spanning `days` days.
    pub(crate) fn pair_coherence(&self, p: usize, days: f64) -> f64 {
        let base = self.coherence[p] as f64;
        if self.water[p] {
            return base;
        }
        base * (TEMPORAL_FLOOR + (1.0 - TEMPORAL_FLOOR) * (-days / TEMPORAL_TAU_DAYS).exp())
    }
}

/// A random `h x w` patch inside the image that does not contain pixel `avoid`.
pub(crate) fn patch_avoiding(
    rng: &mut Rng,
    rows: usize,
    cols: usize,
    h: usize,
    w: usize,
    avoid: (usize, usize),
) -> Patch {
    let (h, w) = (h.clamp(1, rows), w.clamp(1, cols));
    for _ in 0..100 {
        let y0 = rng.below(rows - h + 1);
        let x0 = rng.below(cols - w + 1);
        let p = Patch {
            y0,
            y1: y0 + h,
            x0,
            x1: x0 + w,
        };
        if !p.contains(avoid.0, avoid.1) {
            return p;
        }
    }
    // The reference pixel is the image centre, so a patch smaller than half the image fits
    // in the top-left corner.
    Patch {
        y0: 0,
        y1: h.min(avoid.0),
        x0: 0,
        x1: w.min(avoid.1),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn smoothing_keeps_constants_and_reduces_noise() {
        let (rows, cols) = (20, 30);
        let mut c = vec![2.5f32; rows * cols];
        smooth(&mut c, rows, cols, 3);
        assert!(c.iter().all(|v| (v - 2.5).abs() < 1e-5));
        let mut rng = Rng::new(3, Stream::Atmosphere, 0);
        let f = smooth_noise(&mut rng, rows, cols, 4);
        let mean: f32 = f.iter().sum::<f32>() / f.len() as f32;
        assert!(mean.abs() < 1e-4);
        // Neighbouring pixels of smoothed noise are strongly correlated.
        let mut num = 0.0;
        for y in 0..rows {
            for x in 0..cols - 1 {
                num += f[y * cols + x] * f[y * cols + x + 1];
            }
        }
        let corr = num / (rows * (cols - 1)) as f32;
        assert!(corr > 0.8, "lag-1 correlation {corr}");
    }

    #[test]
    fn patches_avoid_the_reference_pixel() {
        let mut rng = Rng::new(5, Stream::MissingData, 0);
        for _ in 0..200 {
            let p = patch_avoiding(&mut rng, 40, 50, 10, 16, (20, 25));
            assert!(!p.contains(20, 25));
            assert!(p.y1 <= 40 && p.x1 <= 50 && p.y0 < p.y1 && p.x0 < p.x1);
        }
    }
}
