//! The figures' text: DejaVu Sans (Bitstream Vera licence, `assets/fonts/`), embedded so figures
//! look the same on every machine and need no system fonts, set with `ab_glyph` (the rasteriser
//! plotters uses) and blended into the picture by coverage.
//!
//! Text is set here rather than through plotters' own `ab_glyph` text because plotters 0.3.7
//! drops each glyph's left side bearing and rounds every glyph's position down (uneven letter
//! spacing, full stops lifted off the baseline); here glyphs sit on one baseline at sub-pixel
//! pen positions with kerning.

use std::sync::OnceLock;

use ab_glyph::{point, Font, FontRef, PxScale, ScaleFont};

use super::picture::{Picture, Rgb};

static FONT_BYTES: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");
static FONT: OnceLock<Option<FontRef<'static>>> = OnceLock::new();

/// The embedded font; `None` only if the checked-in file were broken (text is then left out
/// rather than the figure failing).
fn font() -> Option<&'static FontRef<'static>> {
    FONT.get_or_init(|| FontRef::try_from_slice(FONT_BYTES).ok())
        .as_ref()
}

/// Horizontal placement of text relative to its anchor point.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HAlign {
    /// The anchor is the left end.
    Left,
    /// The anchor is the middle.
    Center,
    /// The anchor is the right end.
    Right,
}

/// Vertical placement of text relative to its anchor point (of the line box: ascent to
/// descent).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VAlign {
    /// The anchor is the top of the line.
    Top,
    /// The anchor is the middle of the line.
    Center,
    /// The anchor is the bottom of the line.
    Bottom,
}

/// Width and height in pixels of `s` set at `size` pixels (the line box: ascent to descent).
pub fn measure(s: &str, size: f64) -> (usize, usize) {
    let Some(f) = font() else {
        return (0, 0);
    };
    let sf = f.as_scaled(PxScale::from(size as f32));
    let (w, _) = pen_positions(&sf, s);
    (
        w.ceil() as usize,
        (sf.ascent() - sf.descent()).ceil() as usize,
    )
}

/// The pen position of each character of `s` and the advance of the whole line.
fn pen_positions(sf: &impl ScaleFont<&'static FontRef<'static>>, s: &str) -> (f32, Vec<f32>) {
    let mut x = 0f32;
    let mut prev = None;
    let mut xs = Vec::with_capacity(s.len());
    for c in s.chars() {
        let id = sf.glyph_id(c);
        if let Some(p) = prev {
            x += sf.kern(p, id);
        }
        xs.push(x);
        x += sf.h_advance(id);
        prev = Some(id);
    }
    (x, xs)
}

/// The coverage (0..1) of `s` set at `size`, `w x h` row-major, baseline at the ascent.
fn rasterise(s: &str, size: f64) -> (usize, usize, Vec<f32>) {
    let Some(f) = font() else {
        return (0, 0, Vec::new());
    };
    let sf = f.as_scaled(PxScale::from(size as f32));
    let (advance, xs) = pen_positions(&sf, s);
    let (w, h) = (
        advance.ceil() as usize + 2,
        (sf.ascent() - sf.descent()).ceil() as usize + 1,
    );
    let mut cov = vec![0f32; w * h];
    for (c, x) in s.chars().zip(xs) {
        let glyph = sf
            .glyph_id(c)
            .with_scale_and_position(sf.scale(), point(x, sf.ascent()));
        if let Some(g) = f.outline_glyph(glyph) {
            let b = g.px_bounds();
            g.draw(|gx, gy, a| {
                let (px, py) = (b.min.x as i64 + gx as i64, b.min.y as i64 + gy as i64);
                if px >= 0 && py >= 0 && (px as usize) < w && (py as usize) < h {
                    let i = py as usize * w + px as usize;
                    cov[i] = (cov[i] + a).min(1.0);
                }
            });
        }
    }
    (w, h, cov)
}

impl Picture {
    /// Writes `s` at `size` pixels in `colour`, placed by (`h`, `v`) around (x, y).
    #[allow(clippy::too_many_arguments)]
    pub fn text(&mut self, s: &str, size: f64, colour: Rgb, x: i64, y: i64, h: HAlign, v: VAlign) {
        let (w, ht, cov) = rasterise(s, size);
        let ox = x - match h {
            HAlign::Left => 0,
            HAlign::Center => w as i64 / 2,
            HAlign::Right => w as i64,
        };
        let oy = y - match v {
            VAlign::Top => 0,
            VAlign::Center => ht as i64 / 2,
            VAlign::Bottom => ht as i64,
        };
        for r in 0..ht {
            for c in 0..w {
                self.blend(ox + c as i64, oy + r as i64, colour, cov[r * w + c]);
            }
        }
    }

    /// Writes `s` reading bottom to top (a vertical axis label), centred on (x, y) along the
    /// text, its top (the ascender side) at column x.
    pub fn text_up(&mut self, s: &str, size: f64, colour: Rgb, x: i64, y: i64) {
        let (w, ht, cov) = rasterise(s, size);
        let oy = y + w as i64 / 2;
        for r in 0..ht {
            for c in 0..w {
                // Rotated a quarter turn anticlockwise: along the text goes up, the line's
                // top goes left.
                self.blend(x + r as i64, oy - c as i64, colour, cov[r * w + c]);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn longer_text_is_wider() {
        let (a, ha) = measure("velocity", 14.0);
        let (b, _) = measure("velocity velocity", 14.0);
        assert!(a > 30 && b > a + 30, "{a} {b}");
        assert!((12..=20).contains(&ha), "{ha}");
    }

    #[test]
    fn full_stop_sits_on_the_baseline_of_the_digits() {
        // The lowest ink of "1" and of "." is the same row: the baseline.
        let lowest = |s: &str| {
            let (w, h, cov) = rasterise(s, 28.0);
            (0..h)
                .rev()
                .find(|&r| (0..w).any(|c| cov[r * w + c] > 0.5))
                .unwrap()
        };
        assert_eq!(lowest("1"), lowest("."));
    }

    #[test]
    fn text_is_anti_aliased_ink_inside_its_box() {
        let mut p = Picture::new(120, 40);
        p.text("Ag 12", 20.0, [0, 0, 0], 10, 5, HAlign::Left, VAlign::Top);
        let (w, h) = measure("Ag 12", 20.0);
        let mut dark = 0;
        let mut grey = 0;
        for y in 0..40 {
            for x in 0..120 {
                let c = p.get(x, y)[0];
                if c < 255 {
                    assert!(
                        (10..=12 + w).contains(&x) && (5..=6 + h).contains(&y),
                        "{x},{y}"
                    );
                }
                dark += usize::from(c < 60);
                grey += usize::from((60..200).contains(&c));
            }
        }
        assert!(dark > 40 && grey > 20, "{dark} {grey}");
    }
}
