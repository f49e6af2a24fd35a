//! Colour maps: value in 0..1 -> colour, as 256-entry lookup tables.

use anyhow::bail;

use super::picture::Rgb;

/// The colour maps on offer, with matplotlib's names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Colormap {
    /// Blue -> white -> red, for signed values centred on zero (the default for displacement).
    RdBuR,
    /// Red -> white -> blue.
    RdBu,
    /// matplotlib's `jet` (MintPy's default for displacement and velocity).
    Jet,
    /// Perceptually uniform dark blue -> yellow.
    Viridis,
    /// Black -> white (MintPy's default for coherence and masks).
    Gray,
}

/// ColorBrewer's 11-class RdBu, red end first.
const RDBU: [Rgb; 11] = [
    [0x67, 0x00, 0x1f],
    [0xb2, 0x18, 0x2b],
    [0xd6, 0x60, 0x4d],
    [0xf4, 0xa5, 0x82],
    [0xfd, 0xdb, 0xc7],
    [0xf7, 0xf7, 0xf7],
    [0xd1, 0xe5, 0xf0],
    [0x92, 0xc5, 0xde],
    [0x43, 0x93, 0xc3],
    [0x21, 0x66, 0xac],
    [0x05, 0x30, 0x61],
];

/// viridis sampled at 9 evenly spaced points.
const VIRIDIS: [Rgb; 9] = [
    [0x44, 0x01, 0x54],
    [0x47, 0x2d, 0x7b],
    [0x3b, 0x52, 0x8b],
    [0x2c, 0x72, 0x8e],
    [0x21, 0x91, 0x8c],
    [0x28, 0xae, 0x80],
    [0x5e, 0xc9, 0x62],
    [0xad, 0xdc, 0x30],
    [0xfd, 0xe7, 0x25],
];

impl Colormap {
    /// Parses a name as given to `--colormap` (matplotlib spelling, case-insensitive).
    pub fn parse(name: &str) -> anyhow::Result<Colormap> {
        Ok(match name.to_ascii_lowercase().as_str() {
            "rdbu_r" => Colormap::RdBuR,
            "rdbu" => Colormap::RdBu,
            "jet" => Colormap::Jet,
            "viridis" => Colormap::Viridis,
            "gray" | "grey" => Colormap::Gray,
            _ => bail!("colour map '{name}': choose one of RdBu_r, RdBu, jet, viridis, gray"),
        })
    }

    /// The matplotlib name.
    pub fn name(self) -> &'static str {
        match self {
            Colormap::RdBuR => "RdBu_r",
            Colormap::RdBu => "RdBu",
            Colormap::Jet => "jet",
            Colormap::Viridis => "viridis",
            Colormap::Gray => "gray",
        }
    }

    /// The colour at `t` in 0..1 (clamped).
    pub fn at(self, t: f64) -> Rgb {
        let t = if t.is_nan() { 0.0 } else { t.clamp(0.0, 1.0) };
        match self {
            Colormap::RdBu => interpolate(&RDBU, t),
            Colormap::RdBuR => interpolate(&RDBU, 1.0 - t),
            Colormap::Viridis => interpolate(&VIRIDIS, t),
            Colormap::Gray => {
                let v = (t * 255.0).round() as u8;
                [v, v, v]
            }
            Colormap::Jet => {
                let r = piecewise(
                    t,
                    &[
                        (0.0, 0.0),
                        (0.35, 0.0),
                        (0.66, 1.0),
                        (0.89, 1.0),
                        (1.0, 0.5),
                    ],
                );
                let g = piecewise(
                    t,
                    &[
                        (0.0, 0.0),
                        (0.125, 0.0),
                        (0.375, 1.0),
                        (0.64, 1.0),
                        (0.91, 0.0),
                        (1.0, 0.0),
                    ],
                );
                let b = piecewise(
                    t,
                    &[
                        (0.0, 0.5),
                        (0.11, 1.0),
                        (0.34, 1.0),
                        (0.65, 0.0),
                        (1.0, 0.0),
                    ],
                );
                [to_u8(r), to_u8(g), to_u8(b)]
            }
        }
    }

    /// A 256-entry lookup table, for colouring many pixels.
    pub fn lut(self) -> [Rgb; 256] {
        let mut lut = [[0u8; 3]; 256];
        for (i, c) in lut.iter_mut().enumerate() {
            *c = self.at(i as f64 / 255.0);
        }
        lut
    }
}

fn to_u8(v: f64) -> u8 {
    (v * 255.0).round().clamp(0.0, 255.0) as u8
}

/// Linear interpolation through evenly spaced colours.
fn interpolate(stops: &[Rgb], t: f64) -> Rgb {
    let pos = t * (stops.len() - 1) as f64;
    let i = (pos.floor() as usize).min(stops.len() - 2);
    let f = pos - i as f64;
    let mut c = [0u8; 3];
    for k in 0..3 {
        let (a, b) = (stops[i][k] as f64, stops[i + 1][k] as f64);
        c[k] = (a + (b - a) * f).round() as u8;
    }
    c
}

/// Linear interpolation through (x, y) knots sorted by x.
fn piecewise(t: f64, knots: &[(f64, f64)]) -> f64 {
    for w in knots.windows(2) {
        let ((x0, y0), (x1, y1)) = (w[0], w[1]);
        if t <= x1 {
            return y0 + (y1 - y0) * (t - x0) / (x1 - x0);
        }
    }
    knots[knots.len() - 1].1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn diverging_map_is_blue_white_red() {
        let c = Colormap::RdBuR;
        let (lo, mid, hi) = (c.at(0.0), c.at(0.5), c.at(1.0));
        assert!(lo[2] > lo[0], "low end blue: {lo:?}");
        assert!(hi[0] > hi[2], "high end red: {hi:?}");
        assert!(mid.iter().all(|&v| v > 240), "centre near white: {mid:?}");
        assert_eq!(Colormap::RdBu.at(0.2), c.at(0.8));
    }

    #[test]
    fn jet_matches_matplotlib_at_knots() {
        assert_eq!(Colormap::Jet.at(0.0), [0, 0, 128]);
        assert_eq!(Colormap::Jet.at(1.0), [128, 0, 0]);
        let mid = Colormap::Jet.at(0.5);
        assert!(mid[1] == 255 && mid[0] > 100 && mid[2] > 80, "{mid:?}");
    }

    #[test]
    fn gray_and_viridis_brighten_monotonically() {
        for cm in [Colormap::Gray, Colormap::Viridis] {
            let lum = |c: Rgb| 0.299 * c[0] as f64 + 0.587 * c[1] as f64 + 0.114 * c[2] as f64;
            let lut = cm.lut();
            assert!(
                lut.windows(2).all(|w| lum(w[1]) >= lum(w[0])),
                "{}",
                cm.name()
            );
        }
    }

    #[test]
    fn names_round_trip_and_bad_names_fail() {
        for cm in [
            Colormap::RdBuR,
            Colormap::RdBu,
            Colormap::Jet,
            Colormap::Viridis,
            Colormap::Gray,
        ] {
            assert_eq!(Colormap::parse(cm.name()).unwrap(), cm);
        }
        assert!(Colormap::parse("rainbow")
            .unwrap_err()
            .to_string()
            .contains("jet"));
    }
}
