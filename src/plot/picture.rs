//! A finished figure: the RGB pixels plotters drew, and their PNG encoding.

use std::io::BufWriter;
use std::path::Path;

use anyhow::Context;
use plotters::backend::BitMapBackend;
use plotters::coord::Shift;
use plotters::drawing::{DrawingArea, IntoDrawingArea};

/// An 8-bit RGB colour.
pub type Rgb = [u8; 3];

/// White: the page, and masked pixels.
pub const WHITE: Rgb = [255, 255, 255];
/// Black: text, frames, the reference point.
pub const BLACK: Rgb = [0, 0, 0];
/// Light grey: pixels without data (NaN), told apart from masked (white) ones.
pub const NO_DATA: Rgb = [200, 200, 200];

/// The plotters colour of `c`.
pub fn colour(c: Rgb) -> plotters::style::RGBColor {
    plotters::style::RGBColor(c[0], c[1], c[2])
}

/// A width x height RGB image, row-major.
#[derive(Debug, Clone, PartialEq)]
pub struct Picture {
    width: usize,
    height: usize,
    pixels: Vec<u8>,
}

impl Picture {
    /// A white picture.
    pub fn new(width: usize, height: usize) -> Picture {
        Picture {
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

    /// Fills the rectangle with corner (x, y) and the given size with exact colours, one per
    /// pixel (`colours` row-major, `w x h`): a raster laid down before plotters draws on top,
    /// so its pixels keep the colour map's colours exactly.
    pub fn blit(
        &mut self,
        x: usize,
        y: usize,
        w: usize,
        h: usize,
        colour_of: impl Fn(usize, usize) -> Rgb,
    ) {
        for yy in 0..h.min(self.height.saturating_sub(y)) {
            let row = (y + yy) * self.width;
            for xx in 0..w.min(self.width.saturating_sub(x)) {
                let i = (row + x + xx) * 3;
                self.pixels[i..i + 3].copy_from_slice(&colour_of(xx, yy));
            }
        }
    }

    /// Mixes colour `c` into pixel (x, y) with weight `a` in 0..1 (anti-aliased ink); pixels
    /// outside are ignored.
    pub fn blend(&mut self, x: i64, y: i64, c: Rgb, a: f32) {
        if a <= 0.0 || x < 0 || y < 0 || x as usize >= self.width || y as usize >= self.height {
            return;
        }
        let i = (y as usize * self.width + x as usize) * 3;
        let a = a.min(1.0);
        for (px, &ink) in self.pixels[i..i + 3].iter_mut().zip(&c) {
            *px = (ink as f32 * a + *px as f32 * (1.0 - a)).round() as u8;
        }
    }

    /// Lets `draw` draw on the picture through plotters' bitmap backend.
    pub fn draw(
        &mut self,
        draw: impl FnOnce(&DrawingArea<BitMapBackend<'_>, Shift>) -> anyhow::Result<()>,
    ) -> anyhow::Result<()> {
        let size = (u32::try_from(self.width)?, u32::try_from(self.height)?);
        let root = BitMapBackend::with_buffer(&mut self.pixels, size).into_drawing_area();
        draw(&root)?;
        root.present()
            .map_err(|e| anyhow::anyhow!("drawing the figure: {e}"))?;
        Ok(())
    }

    /// Writes the picture as an 8-bit RGB PNG.
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn png_round_trips() {
        let dir = tempfile::tempdir().unwrap();
        let mut c = Picture::new(5, 3);
        c.blit(4, 2, 1, 1, |_, _| [1, 2, 3]);
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
