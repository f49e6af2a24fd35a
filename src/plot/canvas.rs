//! An RGB raster to draw figures on, with an embedded 8x8 bitmap font (no system fonts), written
//! as PNG.

use std::io::BufWriter;
use std::path::Path;

use anyhow::Context;

/// An 8-bit RGB colour.
pub type Rgb = [u8; 3];

/// White: the page, and masked pixels.
pub const WHITE: Rgb = [255, 255, 255];
/// Black: text, frames, the reference point.
pub const BLACK: Rgb = [0, 0, 0];
/// Light grey: pixels without data (NaN), told apart from masked (white) ones.
pub const NO_DATA: Rgb = [200, 200, 200];

/// Side of one glyph of the font, pixels, before scaling.
pub const GLYPH: usize = 8;

/// A width x height RGB image, row-major, starting white.
#[derive(Debug, Clone, PartialEq)]
pub struct Canvas {
    width: usize,
    height: usize,
    pixels: Vec<u8>,
}

impl Canvas {
    /// A white canvas.
    pub fn new(width: usize, height: usize) -> Canvas {
        Canvas {
            width,
            height,
            pixels: vec![255; width * height * 3],
        }
    }

    /// Width, pixels.
    pub fn width(&self) -> usize {
        self.width
    }

    /// Height, pixels.
    pub fn height(&self) -> usize {
        self.height
    }

    /// The RGB bytes, row-major.
    pub fn rgb(&self) -> &[u8] {
        &self.pixels
    }

    /// The colour at (x, y); white outside.
    pub fn get(&self, x: usize, y: usize) -> Rgb {
        if x >= self.width || y >= self.height {
            return WHITE;
        }
        let i = (y * self.width + x) * 3;
        [self.pixels[i], self.pixels[i + 1], self.pixels[i + 2]]
    }

    /// Sets one pixel; pixels outside the canvas are ignored (drawing may run over an edge).
    pub fn put(&mut self, x: i64, y: i64, c: Rgb) {
        if x < 0 || y < 0 || x as usize >= self.width || y as usize >= self.height {
            return;
        }
        let i = (y as usize * self.width + x as usize) * 3;
        self.pixels[i..i + 3].copy_from_slice(&c);
    }

    /// Fills the rectangle with corner (x, y) and the given size.
    pub fn fill_rect(&mut self, x: i64, y: i64, w: i64, h: i64, c: Rgb) {
        for yy in y.max(0)..(y + h).min(self.height as i64) {
            for xx in x.max(0)..(x + w).min(self.width as i64) {
                self.put(xx, yy, c);
            }
        }
    }

    /// Draws a one-pixel outline of the rectangle with corner (x, y) and the given size.
    pub fn stroke_rect(&mut self, x: i64, y: i64, w: i64, h: i64, c: Rgb) {
        self.fill_rect(x, y, w, 1, c);
        self.fill_rect(x, y + h - 1, w, 1, c);
        self.fill_rect(x, y, 1, h, c);
        self.fill_rect(x + w - 1, y, 1, h, c);
    }

    /// Draws a straight line of the given thickness (Bresenham, square pen).
    pub fn line(&mut self, x0: i64, y0: i64, x1: i64, y1: i64, thickness: i64, c: Rgb) {
        let (dx, dy) = ((x1 - x0).abs(), -(y1 - y0).abs());
        let (sx, sy) = (if x0 < x1 { 1 } else { -1 }, if y0 < y1 { 1 } else { -1 });
        let (mut x, mut y, mut err) = (x0, y0, dx + dy);
        let off = thickness / 2;
        loop {
            self.fill_rect(x - off, y - off, thickness, thickness, c);
            if x == x1 && y == y1 {
                break;
            }
            let e2 = 2 * err;
            if e2 >= dy {
                err += dy;
                x += sx;
            }
            if e2 <= dx {
                err += dx;
                y += sy;
            }
        }
    }

    /// Writes `text` with its top-left corner at (x, y), each font pixel `scale` x `scale`.
    /// Characters the font lacks are drawn as '?'.
    pub fn text(&mut self, x: i64, y: i64, text: &str, scale: usize, c: Rgb) {
        let s = scale as i64;
        for (k, ch) in text.chars().enumerate() {
            let glyph = glyph(ch);
            let gx = x + (k * GLYPH * scale) as i64;
            for (row, bits) in glyph.iter().enumerate() {
                for col in 0..GLYPH {
                    if bits & (1 << col) != 0 {
                        self.fill_rect(gx + col as i64 * s, y + row as i64 * s, s, s, c);
                    }
                }
            }
        }
    }

    /// Writes `text` vertically, reading bottom to top, with the bottom-left of the first
    /// character at (x, y + ...): the left-hand axis label.
    pub fn text_up(&mut self, x: i64, y_bottom: i64, text: &str, scale: usize, c: Rgb) {
        let s = scale as i64;
        for (k, ch) in text.chars().enumerate() {
            let glyph = glyph(ch);
            let base = y_bottom - (k * GLYPH * scale) as i64;
            for (row, bits) in glyph.iter().enumerate() {
                for col in 0..GLYPH {
                    if bits & (1 << col) != 0 {
                        // Rotate 90 degrees counter-clockwise: glyph column -> up, row -> right.
                        self.fill_rect(x + row as i64 * s, base - (col as i64 + 1) * s, s, s, c);
                    }
                }
            }
        }
    }

    /// Writes the canvas as an 8-bit RGB PNG.
    pub fn write_png(&self, path: &Path) -> anyhow::Result<()> {
        let write = || -> anyhow::Result<()> {
            let file = std::fs::File::create(path)?;
            write_rgb_png(BufWriter::new(file), self.width, self.height, &self.pixels)
        };
        write().with_context(|| format!("writing the picture {}", path.display()))
    }
}

/// Encodes `rgb` (row-major 8-bit RGB triples, `width x height`) as a PNG into `out`.
pub fn write_rgb_png(
    out: impl std::io::Write,
    width: usize,
    height: usize,
    rgb: &[u8],
) -> anyhow::Result<()> {
    let mut enc = png::Encoder::new(out, u32::try_from(width)?, u32::try_from(height)?);
    enc.set_color(png::ColorType::Rgb);
    enc.set_depth(png::BitDepth::Eight);
    let mut w = enc.write_header()?;
    w.write_image_data(rgb)?;
    w.finish()?;
    Ok(())
}

/// Width in pixels of `text` drawn at `scale`.
pub fn text_width(text: &str, scale: usize) -> usize {
    text.chars().count() * GLYPH * scale
}

/// The 8x8 bitmap of a character: rows top to bottom, bit 0 the leftmost pixel.
fn glyph(ch: char) -> [u8; 8] {
    let code = ch as u32;
    if code < 128 {
        font8x8::legacy::BASIC_LEGACY[code as usize]
    } else if (0xA0..0x100).contains(&code) {
        font8x8::legacy::LATIN_LEGACY[(code - 0xA0) as usize]
    } else {
        font8x8::legacy::BASIC_LEGACY['?' as usize]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_draws_ink_inside_its_box_only() {
        let mut c = Canvas::new(40, 12);
        c.text(2, 2, "A1", 1, BLACK);
        let ink: Vec<(usize, usize)> = (0..12)
            .flat_map(|y| (0..40).map(move |x| (x, y)))
            .filter(|&(x, y)| c.get(x, y) == BLACK)
            .collect();
        assert!(ink.len() > 10);
        assert!(ink
            .iter()
            .all(|&(x, y)| (2..18).contains(&x) && (2..10).contains(&y)));
    }

    #[test]
    fn degree_sign_has_a_glyph() {
        assert_ne!(glyph('°'), [0; 8]);
        assert_eq!(glyph('€'), glyph('?'));
    }

    #[test]
    fn png_round_trips() {
        let dir = tempfile::tempdir().unwrap();
        let mut c = Canvas::new(5, 3);
        c.put(4, 2, [1, 2, 3]);
        let p = dir.path().join("a.png");
        c.write_png(&p).unwrap();
        let dec = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(&p).unwrap()));
        let mut r = dec.read_info().unwrap();
        let mut buf = vec![0; r.output_buffer_size().unwrap()];
        let info = r.next_frame(&mut buf).unwrap();
        assert_eq!((info.width, info.height), (5, 3));
        assert_eq!(&buf[(2 * 5 + 4) * 3..(2 * 5 + 4) * 3 + 3], &[1, 2, 3]);
    }
}
