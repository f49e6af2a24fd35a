//! What to simulate: stack size, dates, network and the switch of every effect.

use crate::meta::Date;

/// Which physical and processing effects the simulated interferograms contain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Effects {
    /// Linear deformation: a subsidence bowl plus a gentle east-west gradient.
    pub deformation: bool,
    /// Annual (seasonal) deformation with a spatially varying amplitude.
    pub seasonal: bool,
    /// DEM error, seen through the perpendicular baselines.
    pub dem_error: bool,
    /// Turbulent atmospheric delay, one spatially correlated screen per date.
    pub atmosphere: bool,
    /// Decorrelation phase noise drawn from each pair's coherence.
    pub decorrelation: bool,
    /// A water body (waterMask 0, phase 0, low coherence, conncomp 0).
    pub water: bool,
    /// A low-coherence patch on land.
    pub low_coherence: bool,
    /// Missing data (phase 0, coherence 0, conncomp 0) in a patch of a few interferograms.
    pub missing_data: bool,
    /// Unwrapping errors (+-2 pi patches labelled conncomp 2) in a few interferograms.
    pub unwrap_errors: bool,
    /// A random planar-plus-quadratic phase ramp per date (orbit errors), seen in every
    /// interferogram as the difference of its two dates' ramps. Opt-in: off in every preset,
    /// so stacks simulated without it are byte for byte what they were before it existed.
    pub ramp: bool,
    /// A one-pixel unlabelled border (conncomp 0) along the edge of each unwrapping-error
    /// patch, as SNAPHU leaves between its components: the patch becomes a region of its own
    /// in MintPy's common mask. Opt-in, as `ramp`.
    pub unwrap_gaps: bool,
    /// The first unwrapping error falls on the first interferogram (the first date's first
    /// pair, an edge of the network). Opt-in, as `ramp`.
    pub unwrap_edge: bool,
}

impl Effects {
    /// Every effect on, except the opt-in [`Effects::ramp`].
    pub fn all() -> Effects {
        Effects {
            deformation: true,
            seasonal: true,
            dem_error: true,
            atmosphere: true,
            decorrelation: true,
            water: true,
            low_coherence: true,
            missing_data: true,
            unwrap_errors: true,
            ramp: false,
            unwrap_gaps: false,
            unwrap_edge: false,
        }
    }

    /// Every effect off: a flat, noise-free, fully coherent stack.
    pub fn none() -> Effects {
        Effects {
            deformation: false,
            seasonal: false,
            dem_error: false,
            atmosphere: false,
            decorrelation: false,
            water: false,
            low_coherence: false,
            missing_data: false,
            unwrap_errors: false,
            ramp: false,
            unwrap_gaps: false,
            unwrap_edge: false,
        }
    }

    /// Signal effects on (deformation, seasonal, DEM error, atmosphere), every noise and
    /// data-quality effect off: the phase is exactly `-4 pi / lambda` times the truth.
    pub fn noise_free() -> Effects {
        Effects {
            deformation: true,
            seasonal: true,
            dem_error: true,
            atmosphere: true,
            ..Effects::none()
        }
    }

    /// The effects as `(name, on)` pairs, in a fixed order (for reports and truth.json). The
    /// opt-in ramp effect is not listed (so existing truth files stay unchanged): see
    /// [`Effects::named_with_opt_in`].
    pub fn named(&self) -> [(&'static str, bool); 9] {
        [
            ("deformation", self.deformation),
            ("seasonal", self.seasonal),
            ("dem_error", self.dem_error),
            ("atmosphere", self.atmosphere),
            ("decorrelation", self.decorrelation),
            ("water", self.water),
            ("low_coherence", self.low_coherence),
            ("missing_data", self.missing_data),
            ("unwrap_errors", self.unwrap_errors),
        ]
    }
}

impl Effects {
    /// [`Effects::named`] followed by the opt-in effects that are switched on (`ramp`).
    pub fn named_with_opt_in(&self) -> Vec<(&'static str, bool)> {
        let mut v = self.named().to_vec();
        if self.ramp {
            v.push(("ramp", true));
        }
        if self.unwrap_gaps {
            v.push(("unwrap_gaps", true));
        }
        if self.unwrap_edge {
            v.push(("unwrap_edge", true));
        }
        v
    }
}

impl Default for Effects {
    fn default() -> Self {
        Effects::all()
    }
}

/// A simulation request.
#[derive(Debug, Clone, PartialEq)]
pub struct SimConfig {
    /// Multilooked image rows (azimuth lines), at least 8.
    pub rows: usize,
    /// Multilooked image columns (range samples), at least 8.
    pub cols: usize,
    /// Number of acquisition dates, at least 2.
    pub num_dates: usize,
    /// First acquisition date.
    pub start_date: Date,
    /// Days between consecutive acquisitions (Sentinel-1: 12).
    pub interval_days: i32,
    /// Each date is paired with this many following dates (sequential network).
    pub neighbors: usize,
    /// Seed of every random draw: the same seed gives byte-identical output.
    pub seed: u64,
    /// Largest absolute perpendicular baseline of a date relative to the first date (m).
    pub max_bperp_m: f64,
    /// Which effects to simulate.
    pub effects: Effects,
}

impl Default for SimConfig {
    fn default() -> Self {
        SimConfig {
            rows: 200,
            cols: 250,
            num_dates: 30,
            start_date: Date::from_ymd(2020, 1, 1).expect("2020-01-01 is a valid date"),
            interval_days: 12,
            neighbors: 3,
            seed: 1,
            max_bperp_m: 150.0,
            effects: Effects::all(),
        }
    }
}

impl SimConfig {
    /// Checks the sizes, returning a message naming the bad value.
    pub fn validate(&self) -> anyhow::Result<()> {
        anyhow::ensure!(
            self.rows >= 8 && self.cols >= 8,
            "image size {} x {} is too small: rows and cols must be at least 8",
            self.rows,
            self.cols
        );
        anyhow::ensure!(
            self.rows
                .checked_mul(self.cols)
                .is_some_and(|n| n <= 1 << 31),
            "image size {} x {} is too large",
            self.rows,
            self.cols
        );
        anyhow::ensure!(
            self.num_dates >= 2,
            "{} dates: at least 2 are needed",
            self.num_dates
        );
        anyhow::ensure!(self.neighbors >= 1, "--neighbors must be at least 1");
        anyhow::ensure!(
            self.interval_days >= 1,
            "interval of {} days: must be at least 1",
            self.interval_days
        );
        anyhow::ensure!(
            self.max_bperp_m.is_finite() && self.max_bperp_m >= 0.0,
            "maximum perpendicular baseline {} m is not a non-negative number",
            self.max_bperp_m
        );
        Ok(())
    }

    /// The acquisition dates.
    pub fn dates(&self) -> Vec<Date> {
        (0..self.num_dates)
            .map(|i| self.start_date.add_days(i as i32 * self.interval_days))
            .collect()
    }

    /// The pairs `(i, j)` of date indices: each date with its `neighbors` nearest following
    /// dates, sorted by `(i, j)` as MintPy orders them.
    pub fn pairs(&self) -> Vec<(usize, usize)> {
        let n = self.num_dates;
        (0..n)
            .flat_map(|i| (i + 1..n.min(i + 1 + self.neighbors)).map(move |j| (i, j)))
            .collect()
    }

    /// The pixel MintPy is told to reference to: the image centre (row, col). The simulator
    /// keeps it free of water, missing data and unwrapping errors.
    pub fn reference_pixel(&self) -> (usize, usize) {
        (self.rows / 2, self.cols / 2)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sequential_network() {
        let cfg = SimConfig {
            num_dates: 5,
            neighbors: 2,
            ..SimConfig::default()
        };
        assert_eq!(
            cfg.pairs(),
            vec![(0, 1), (0, 2), (1, 2), (1, 3), (2, 3), (2, 4), (3, 4)]
        );
        assert_eq!(cfg.dates()[1].to_string(), "20200113");
        assert!(cfg.validate().is_ok());
        assert!(SimConfig {
            rows: 3,
            ..SimConfig::default()
        }
        .validate()
        .is_err());
    }
}
