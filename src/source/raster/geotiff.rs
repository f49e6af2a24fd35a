//! GeoTIFF rasters (HyP3, LiCSAR, dolphin/OPERA products): windowed reads of band 1 that
//! decode only the strips or tiles a window touches, so memory stays bounded by one chunk plus
//! the window whatever the image size; and the file's georeferencing as a [`MapGrid`].
//!
//! Decoding (classic TIFF and BigTIFF; strips and tiles; no compression, LZW, Deflate, ZSTD;
//! horizontal and floating-point predictors) is the `tiff` crate's; this module plans the
//! chunks of a window, converts samples to f32 and reads the GeoTIFF tags ([`geokeys`]).
//!
//! [`geokeys`]: super::geokeys

use std::fs::File;
use std::io::BufReader;
use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail, Context};
use tiff::decoder::{ChunkType, Decoder, Limits};
use tiff::tags::Tag;

use super::geokeys::{map_grid, GeoTags};
use crate::geo::grid::MapGrid;
use crate::window::Window;

/// Sample type of a GeoTIFF band.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sample {
    /// Unsigned 8-bit (GDAL `Byte`).
    U8,
    /// Signed 8-bit.
    I8,
    /// Unsigned 16-bit.
    U16,
    /// Signed 16-bit.
    I16,
    /// Unsigned 32-bit.
    U32,
    /// Signed 32-bit.
    I32,
    /// 32-bit float.
    F32,
    /// 64-bit float.
    F64,
}

impl Sample {
    /// Bytes per sample.
    pub fn size(self) -> usize {
        match self {
            Sample::U8 | Sample::I8 => 1,
            Sample::U16 | Sample::I16 => 2,
            Sample::U32 | Sample::I32 | Sample::F32 => 4,
            Sample::F64 => 8,
        }
    }

    /// The sample type of TIFF `SampleFormat` (1 unsigned, 2 signed, 3 float) and
    /// `BitsPerSample`, if this reader handles it.
    fn from_tiff(format: u16, bits: u16) -> Option<Sample> {
        Some(match (format, bits) {
            (1, 8) => Sample::U8,
            (2, 8) => Sample::I8,
            (1, 16) => Sample::U16,
            (2, 16) => Sample::I16,
            (1, 32) => Sample::U32,
            (2, 32) => Sample::I32,
            (3, 32) => Sample::F32,
            (3, 64) => Sample::F64,
            _ => return None,
        })
    }
}

/// A GeoTIFF opened for windowed reads of its first band. Holds no file handle: each read opens
/// the file, so a stack of thousands of rasters keeps no descriptors open and the value is
/// freely shared between threads.
#[derive(Debug, Clone)]
pub struct GeoTiff {
    path: PathBuf,
    width: usize,
    length: usize,
    sample: Sample,
    /// Chunk size: the tile, or the full width by the rows of a strip.
    chunk_w: usize,
    chunk_h: usize,
    tiled: bool,
    nodata: Option<f64>,
    geo: GeoTags,
}

/// The TIFF error of `path` as an error naming it.
fn tiff_err(path: &Path, e: tiff::TiffError) -> anyhow::Error {
    match e {
        tiff::TiffError::IoError(io) if io.kind() == std::io::ErrorKind::UnexpectedEof => {
            anyhow!("GeoTIFF {} is truncated: {io}", path.display())
        }
        e => anyhow!("GeoTIFF {}: {e}", path.display()),
    }
}

/// A decoder of `path` positioned on its first image.
fn decoder(path: &Path) -> anyhow::Result<Decoder<BufReader<File>>> {
    let f = File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    // The IFD may list one offset per row of a tall striped file: allow more than the default
    // 1 MiB of tag values. Pixel buffers are ours (one chunk), so the other limits stay.
    let mut limits = Limits::default();
    limits.ifd_value_size = 64 << 20;
    Ok(Decoder::new(BufReader::new(f))
        .map_err(|e| tiff_err(path, e))?
        .with_limits(limits))
}

/// A tag's values as f64, `None` when absent.
fn f64_tag(dec: &mut Decoder<BufReader<File>>, tag: Tag) -> tiff::TiffResult<Option<Vec<f64>>> {
    dec.find_tag(tag)?.map(|v| v.into_f64_vec()).transpose()
}

impl GeoTiff {
    /// Opens `path`: reads its tags (no pixels) and checks that every chunk lies inside the
    /// file, so a truncated file is refused here rather than half read later.
    pub fn open(path: &Path) -> anyhow::Result<GeoTiff> {
        if !path.is_file() {
            bail!("raster {} is missing", path.display());
        }
        let mut dec = decoder(path)?;
        let err = |e| tiff_err(path, e);
        let (w, h) = dec.dimensions().map_err(err)?;
        let spp: u16 = dec
            .find_tag_unsigned(Tag::SamplesPerPixel)
            .map_err(err)?
            .unwrap_or(1);
        if spp != 1 {
            bail!(
                "GeoTIFF {} has {spp} samples per pixel; one band per file is expected",
                path.display()
            );
        }
        let bits: u16 = dec.get_tag_unsigned(Tag::BitsPerSample).map_err(err)?;
        let format: u16 = dec
            .find_tag_unsigned(Tag::SampleFormat)
            .map_err(err)?
            .unwrap_or(1);
        let sample = Sample::from_tiff(format, bits).with_context(|| {
            format!(
                "GeoTIFF {}: {bits}-bit samples of format {format} are not supported",
                path.display()
            )
        })?;
        let tiled = dec.get_chunk_type() == ChunkType::Tile;
        let (cw, ch) = dec.chunk_dimensions();
        let nodata = match dec.find_tag(Tag::GdalNodata).map_err(err)? {
            Some(v) => {
                let s = v.into_string().map_err(err)?;
                let t = s.trim_matches(|c: char| c == '\0' || c.is_whitespace());
                Some(parse_nodata(t).with_context(|| {
                    format!(
                        "GeoTIFF {}: GDAL_NODATA {t:?} is not a number",
                        path.display()
                    )
                })?)
            }
            None => None,
        };
        let geo = GeoTags {
            pixel_scale: f64_tag(&mut dec, Tag::ModelPixelScaleTag).map_err(err)?,
            tiepoint: f64_tag(&mut dec, Tag::ModelTiepointTag).map_err(err)?,
            transformation: f64_tag(&mut dec, Tag::ModelTransformationTag).map_err(err)?,
            geokeys: dec
                .find_tag(Tag::GeoKeyDirectoryTag)
                .map_err(err)?
                .map(|v| v.into_u16_vec())
                .transpose()
                .map_err(err)?,
        };
        check_chunks_inside(&mut dec, path, tiled)?;
        Ok(GeoTiff {
            path: path.to_path_buf(),
            width: w as usize,
            length: h as usize,
            sample,
            chunk_w: (cw as usize).max(1),
            chunk_h: (ch as usize).max(1),
            tiled,
            nodata,
            geo,
        })
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Columns.
    pub fn width(&self) -> usize {
        self.width
    }

    /// Rows.
    pub fn length(&self) -> usize {
        self.length
    }

    /// Sample type of the band.
    pub fn sample(&self) -> Sample {
        self.sample
    }

    /// `GDAL_NODATA`, when the file declares it.
    pub fn nodata(&self) -> Option<f64> {
        self.nodata
    }

    /// Whether the file is tiled (else striped).
    pub fn is_tiled(&self) -> bool {
        self.tiled
    }

    /// The georeferencing tags as read.
    pub fn geo_tags(&self) -> &GeoTags {
        &self.geo
    }

    /// The map grid of the file; an error naming it when it is not georeferenced or its
    /// georeferencing is not a north-up grid in an EPSG system.
    pub fn grid(&self) -> anyhow::Result<MapGrid> {
        map_grid(&self.geo, self.length, self.width)
            .map_err(|e| anyhow!("GeoTIFF {}: {e}", self.path.display()))
    }

    /// Reads band 1 in `window` into `out` (row-major, `window.pixels()` values), converting
    /// samples to f32 (f64 rounds; integers are exact up to 2^24).
    pub fn read_window(&self, window: &Window, out: &mut [f32]) -> anyhow::Result<()> {
        let w = window;
        if w.y0 >= w.y1 || w.x0 >= w.x1 || w.y1 > self.length || w.x1 > self.width {
            bail!(
                "GeoTIFF {}: window rows {}..{} cols {}..{} is empty or outside the {} x {} image",
                self.path.display(),
                w.y0,
                w.y1,
                w.x0,
                w.x1,
                self.length,
                self.width
            );
        }
        if out.len() != w.pixels() {
            bail!(
                "GeoTIFF {}: buffer holds {} values, the window {}",
                self.path.display(),
                out.len(),
                w.pixels()
            );
        }
        let mut dec = decoder(&self.path)?;
        let (cw, ch) = (self.chunk_w, self.chunk_h);
        let across = if self.tiled {
            self.width.div_ceil(cw)
        } else {
            1
        };
        let mut buf = vec![0u8; cw * ch * self.sample.size()];
        for cy in w.y0 / ch..=(w.y1 - 1) / ch {
            for cx in w.x0 / cw..=(w.x1 - 1) / cw {
                let (ox, oy) = (cx * cw, cy * ch);
                // The chunk without the padding of the last row or column of tiles.
                let (dw, dh) = ((self.width - ox).min(cw), (self.length - oy).min(ch));
                let bytes = &mut buf[..dw * dh * self.sample.size()];
                let index = (cy * across + cx) as u32;
                dec.read_chunk_bytes(index, bytes).map_err(|e| {
                    anyhow!(
                        "GeoTIFF {}: {} {index}: {e}",
                        self.path.display(),
                        if self.tiled { "tile" } else { "strip" }
                    )
                })?;
                let part = Window {
                    y0: w.y0.max(oy),
                    y1: w.y1.min(oy + dh),
                    x0: w.x0.max(ox),
                    x1: w.x1.min(ox + dw),
                };
                self.copy_part(bytes, (ox, oy, dw), &part, w, out);
            }
        }
        Ok(())
    }

    /// Copies `part` (image coordinates) of a decoded chunk whose origin is `(ox, oy)` and
    /// width `dw` into `out`, the buffer of `window`.
    fn copy_part(
        &self,
        chunk: &[u8],
        (ox, oy, dw): (usize, usize, usize),
        part: &Window,
        window: &Window,
        out: &mut [f32],
    ) {
        macro_rules! copy {
            ($t:ty, $n:expr) => {{
                for y in part.y0..part.y1 {
                    let src = ((y - oy) * dw + (part.x0 - ox)) * $n;
                    let dst = (y - window.y0) * window.cols() + (part.x0 - window.x0);
                    let row = &chunk[src..src + part.cols() * $n];
                    for (o, b) in out[dst..dst + part.cols()]
                        .iter_mut()
                        .zip(row.chunks_exact($n))
                    {
                        let mut a = [0u8; $n];
                        a.copy_from_slice(b);
                        // The decoder hands samples out in native byte order.
                        *o = <$t>::from_ne_bytes(a) as f32;
                    }
                }
            }};
        }
        match self.sample {
            Sample::U8 => copy!(u8, 1),
            Sample::I8 => copy!(i8, 1),
            Sample::U16 => copy!(u16, 2),
            Sample::I16 => copy!(i16, 2),
            Sample::U32 => copy!(u32, 4),
            Sample::I32 => copy!(i32, 4),
            Sample::F32 => copy!(f32, 4),
            Sample::F64 => copy!(f64, 8),
        }
    }

    /// Reads the whole band (for small rasters and tests).
    pub fn read_all(&self) -> anyhow::Result<Vec<f32>> {
        let mut out = vec![0f32; self.length * self.width];
        self.read_window(&Window::full(self.length, self.width), &mut out)?;
        Ok(out)
    }
}

/// Parses GDAL's no-data text (`nan`, `-9999`, `0`, `inf`).
fn parse_nodata(t: &str) -> Option<f64> {
    match t.to_ascii_lowercase().as_str() {
        "nan" | "-nan" => Some(f64::NAN),
        "inf" | "+inf" => Some(f64::INFINITY),
        "-inf" => Some(f64::NEG_INFINITY),
        s => s.parse().ok(),
    }
}

/// Refuses a file whose chunk offsets and byte counts reach past its end (a truncated download
/// or copy), or whose chunk tables disagree in length.
fn check_chunks_inside(
    dec: &mut Decoder<BufReader<File>>,
    path: &Path,
    tiled: bool,
) -> anyhow::Result<()> {
    let (off_tag, cnt_tag, what) = if tiled {
        (Tag::TileOffsets, Tag::TileByteCounts, "tile")
    } else {
        (Tag::StripOffsets, Tag::StripByteCounts, "strip")
    };
    let err = |e| tiff_err(path, e);
    let offsets: Vec<u64> = dec.get_tag_u64_vec(off_tag).map_err(err)?;
    let counts: Vec<u64> = dec.get_tag_u64_vec(cnt_tag).map_err(err)?;
    if offsets.len() != counts.len() {
        bail!(
            "GeoTIFF {}: {} {what} offsets but {} byte counts",
            path.display(),
            offsets.len(),
            counts.len()
        );
    }
    let size = std::fs::metadata(path)
        .with_context(|| format!("cannot read the size of {}", path.display()))?
        .len();
    for (i, (o, c)) in offsets.iter().zip(&counts).enumerate() {
        if o.saturating_add(*c) > size {
            bail!(
                "GeoTIFF {} is truncated: {what} {i} ends at byte {} but the file has {size} bytes",
                path.display(),
                o.saturating_add(*c)
            );
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const LENGTH: usize = 45;
    const WIDTH: usize = 70;

    fn fixture(name: &str) -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/geotiff")
            .join(name)
    }

    /// The value formula of `scripts/make-geotiff-fixtures.py`.
    fn k(y: usize, x: usize) -> usize {
        (53 * y + 29 * x) % 211
    }

    fn value(y: usize, x: usize) -> f32 {
        k(y, x) as f32 * 0.37f32 - 20.0f32
    }

    fn assert_image(g: &GeoTiff, want: impl Fn(usize, usize) -> f32) {
        assert_eq!((g.length(), g.width()), (LENGTH, WIDTH));
        let all = g.read_all().unwrap();
        for y in 0..LENGTH {
            for x in 0..WIDTH {
                let (got, w) = (all[y * WIDTH + x], want(y, x));
                assert!(
                    got.to_bits() == w.to_bits() || (got.is_nan() && w.is_nan()),
                    "{}: ({y}, {x}) {got} != {w}",
                    g.path().display()
                );
            }
        }
        // Windows crossing chunk edges equal the same part of the whole image.
        for w in [
            Window {
                y0: 0,
                y1: 1,
                x0: 0,
                x1: 1,
            },
            Window {
                y0: 5,
                y1: 40,
                x0: 13,
                x1: 50,
            },
            Window {
                y0: 31,
                y1: 45,
                x0: 60,
                x1: 70,
            },
            Window {
                y0: 44,
                y1: 45,
                x0: 0,
                x1: 70,
            },
        ] {
            let mut out = vec![0f32; w.pixels()];
            g.read_window(&w, &mut out).unwrap();
            for y in w.y0..w.y1 {
                for x in w.x0..w.x1 {
                    let (a, b) = (out[(y - w.y0) * w.cols() + x - w.x0], all[y * WIDTH + x]);
                    assert!(a.to_bits() == b.to_bits(), "{w:?} ({y}, {x})");
                }
            }
        }
    }

    #[test]
    fn fixture_striped_lzw_float_predictor_utm() {
        let g = GeoTiff::open(&fixture("strip_lzw_fpred_utm11n.tif")).unwrap();
        assert!(!g.is_tiled());
        assert_eq!((g.sample(), g.nodata()), (Sample::F32, None));
        assert_image(&g, value);
        let m = g.grid().unwrap();
        assert_eq!(
            (m.x_first, m.y_first, m.x_step, m.y_step),
            (500000.0, 4000000.0, 30.0, -30.0)
        );
        assert_eq!(
            (m.epsg, m.degrees, m.length, m.width),
            (Some(32611), false, LENGTH, WIDTH)
        );
    }

    #[test]
    fn fixture_tiled_deflate_bigtiff_geographic_with_nan_nodata() {
        let g = GeoTiff::open(&fixture("tile_deflate_bigtiff_4326.tif")).unwrap();
        assert!(g.is_tiled());
        assert!(g.nodata().is_some_and(f64::is_nan));
        assert_image(&g, |y, x| {
            if (y, x) == (3, 5) {
                f32::NAN
            } else {
                value(y, x)
            }
        });
        let m = g.grid().unwrap();
        assert_eq!(
            (m.x_first, m.y_first, m.x_step, m.y_step),
            (-118.5, 35.25, 0.001, -0.002)
        );
        assert_eq!((m.epsg, m.degrees), (Some(4326), true));
    }

    #[test]
    fn fixture_tiled_zstd_bytes_pixel_is_point() {
        let g = GeoTiff::open(&fixture("tile_zstd_u8_point_utm33s.tif")).unwrap();
        assert_eq!(
            (g.sample(), g.nodata(), g.is_tiled()),
            (Sample::U8, Some(0.0), true)
        );
        assert_image(&g, |y, x| (k(y, x) % 256) as f32);
        // GDAL wrote the corner 300000/7000000 as a PixelIsPoint tie point at the centre.
        let m = g.grid().unwrap();
        assert_eq!(
            (m.x_first, m.y_first, m.epsg),
            (300000.0, 7000000.0, Some(32733))
        );
    }

    #[test]
    fn fixture_integer_and_double_samples() {
        let g = GeoTiff::open(&fixture("strip_raw_i16_utm11n.tif")).unwrap();
        assert_eq!((g.sample(), g.nodata()), (Sample::I16, Some(-9999.0)));
        assert_image(&g, |y, x| k(y, x) as f32 - 100.0);
        let g = GeoTiff::open(&fixture("strip_deflate_f64_4326.tif")).unwrap();
        assert_eq!(g.sample(), Sample::F64);
        assert_image(&g, value);
        assert_eq!(g.grid().unwrap().y_step, -0.25);
    }

    #[test]
    fn a_file_without_georeferencing_is_an_error_naming_it() {
        let g = GeoTiff::open(&fixture("no_georef.tif")).unwrap();
        assert_image(&g, value);
        let e = format!("{:#}", g.grid().unwrap_err());
        assert!(
            e.contains("no_georef.tif") && e.contains("not georeferenced"),
            "{e}"
        );
    }

    #[test]
    fn bad_windows_missing_and_truncated_files_are_refused() {
        let g = GeoTiff::open(&fixture("strip_lzw_fpred_utm11n.tif")).unwrap();
        let mut out = vec![0f32; 4];
        let outside = Window {
            y0: 44,
            y1: 46,
            x0: 0,
            x1: 2,
        };
        assert!(g.read_window(&outside, &mut out).is_err());
        let short = Window {
            y0: 0,
            y1: 3,
            x0: 0,
            x1: 2,
        };
        assert!(g
            .read_window(&short, &mut out)
            .unwrap_err()
            .to_string()
            .contains("buffer"));
        let dir = tempfile::tempdir().unwrap();
        let e = GeoTiff::open(&dir.path().join("gone.tif"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("gone.tif") && e.contains("missing"), "{e}");
        for name in ["tile_deflate_bigtiff_4326.tif", "strip_raw_i16_utm11n.tif"] {
            let bytes = std::fs::read(fixture(name)).unwrap();
            let cut = dir.path().join(name);
            // GDAL writes the directory first and the pixels after it: cutting the tail cuts
            // the last chunks.
            std::fs::write(&cut, &bytes[..bytes.len() - 300]).unwrap();
            let e = format!("{:#}", GeoTiff::open(&cut).unwrap_err());
            assert!(e.contains(name) && e.contains("truncated"), "{e}");
        }
        let junk = dir.path().join("junk.tif");
        std::fs::write(&junk, b"II*\0garbage").unwrap();
        let e = format!("{:#}", GeoTiff::open(&junk).unwrap_err());
        assert!(e.contains("junk.tif"), "{e}");
    }

    #[test]
    fn nodata_text() {
        assert!(parse_nodata("nan").is_some_and(f64::is_nan));
        assert_eq!(parse_nodata("-9999"), Some(-9999.0));
        assert_eq!(parse_nodata("0"), Some(0.0));
        assert_eq!(parse_nodata("x"), None);
    }
}
