//! Flat binary rasters (ISCE2 `.rdr`, `.unw`, `.cor`; ROI_PAC, GAMMA and ENVI files are the same
//! kind): their layout (sample type, byte order, BIL/BIP/BSQ band interleave) and windowed reads
//! of only the rows a window spans. Sidecar parsers build a [`RasterLayout`]; this module knows
//! no sidecar.

use std::fs::File;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use std::cell::RefCell;

use super::gather;
use super::handle::FileHandle;

use crate::window::Window;

/// Sample type of a raster.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DataType {
    /// Unsigned 8-bit (ISCE `BYTE`, GDAL `Byte`).
    U8,
    /// Signed 16-bit (ISCE `SHORT`, GDAL `Int16`).
    I16,
    /// Unsigned 16-bit (GDAL `UInt16`).
    U16,
    /// Signed 32-bit (ISCE `INT`, GDAL `Int32`).
    I32,
    /// Unsigned 32-bit (GDAL `UInt32`).
    U32,
    /// 32-bit float (ISCE `FLOAT`, GDAL `Float32`).
    F32,
    /// 64-bit float (ISCE `DOUBLE`, GDAL `Float64`).
    F64,
}

impl DataType {
    /// Bytes per sample.
    pub fn size(self) -> usize {
        match self {
            DataType::U8 => 1,
            DataType::I16 | DataType::U16 => 2,
            DataType::I32 | DataType::U32 | DataType::F32 => 4,
            DataType::F64 => 8,
        }
    }

    /// Parses an ISCE image-XML `data_type` (`BYTE`, `SHORT`, `INT`, `FLOAT`, `DOUBLE`).
    pub fn from_isce(name: &str) -> Option<DataType> {
        Some(match name.trim().to_ascii_uppercase().as_str() {
            "BYTE" | "UBYTE" | "CHAR" | "UCHAR" => DataType::U8,
            "SHORT" => DataType::I16,
            "INT" | "LONG" => DataType::I32,
            "FLOAT" | "REAL4" => DataType::F32,
            "DOUBLE" | "REAL8" => DataType::F64,
            _ => return None,
        })
    }

    /// Parses a GDAL VRT `dataType` (`Byte`, `Int16`, `UInt16`, `Int32`, `UInt32`, `Float32`,
    /// `Float64`).
    pub fn from_gdal(name: &str) -> Option<DataType> {
        Some(match name.trim() {
            "Byte" => DataType::U8,
            "Int16" => DataType::I16,
            "UInt16" => DataType::U16,
            "Int32" => DataType::I32,
            "UInt32" => DataType::U32,
            "Float32" => DataType::F32,
            "Float64" => DataType::F64,
            _ => return None,
        })
    }

    /// Decodes one sample from exactly `self.size()` bytes.
    #[inline]
    fn decode(self, b: &[u8], big_endian: bool) -> f64 {
        macro_rules! dec {
            ($t:ty, $n:expr) => {{
                let mut a = [0u8; $n];
                a.copy_from_slice(&b[..$n]);
                if big_endian {
                    <$t>::from_be_bytes(a) as f64
                } else {
                    <$t>::from_le_bytes(a) as f64
                }
            }};
        }
        match self {
            DataType::U8 => b[0] as f64,
            DataType::I16 => dec!(i16, 2),
            DataType::U16 => dec!(u16, 2),
            DataType::I32 => dec!(i32, 4),
            DataType::U32 => dec!(u32, 4),
            DataType::F32 => dec!(f32, 4),
            DataType::F64 => dec!(f64, 8),
        }
    }
}

/// Most bands a sidecar may declare: ISCE2 products have one to a few; a larger count is a
/// corrupt sidecar, refused before a band table of that size is built.
pub const MAX_BANDS: usize = 1024;

/// Band interleaving of a multi-band raster.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Interleave {
    /// Band interleaved by line: each row holds band 1's samples, then band 2's, ...
    Bil,
    /// Band interleaved by pixel.
    Bip,
    /// Band sequential: whole images one after another.
    Bsq,
}

impl Interleave {
    /// Parses `BIL`, `BIP` or `BSQ` (any case).
    pub fn parse(s: &str) -> Option<Interleave> {
        Some(match s.trim().to_ascii_uppercase().as_str() {
            "BIL" => Interleave::Bil,
            "BIP" => Interleave::Bip,
            "BSQ" => Interleave::Bsq,
            _ => return None,
        })
    }
}

/// Where one band's samples lie in a file: sample (y, x) starts at
/// `offset + y * line_stride + x * pixel_stride` bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BandLayout {
    /// Byte offset of sample (0, 0).
    pub offset: u64,
    /// Bytes between horizontally adjacent samples.
    pub pixel_stride: u64,
    /// Bytes between vertically adjacent samples.
    pub line_stride: u64,
}

/// The layout of a flat binary raster, as given by its `.xml` or `.vrt` sidecar.
#[derive(Debug, Clone, PartialEq)]
pub struct RasterLayout {
    /// Columns.
    pub width: usize,
    /// Rows.
    pub length: usize,
    /// Sample type (the same for every band).
    pub dtype: DataType,
    /// Whether samples are big-endian.
    pub big_endian: bool,
    /// One entry per band.
    pub bands: Vec<BandLayout>,
    /// The binary file the layout describes.
    pub data_file: PathBuf,
    /// The sidecar the layout was read from.
    pub sidecar: PathBuf,
    /// `data_file`, kept open across reads.
    pub handle: FileHandle,
}

impl RasterLayout {
    /// Layout of a regular `bands`-band raster with the given interleaving.
    pub fn regular(
        width: usize,
        length: usize,
        nbands: usize,
        dtype: DataType,
        scheme: Interleave,
    ) -> Vec<BandLayout> {
        let (w, l, n, s) = (
            width as u64,
            length as u64,
            nbands as u64,
            dtype.size() as u64,
        );
        // Saturating: an absurd size from a corrupt sidecar then fails the file-size check
        // instead of overflowing.
        let m = |a: u64, b: u64| a.saturating_mul(b);
        (0..n)
            .map(|b| match scheme {
                Interleave::Bil => BandLayout {
                    offset: m(m(b, w), s),
                    pixel_stride: s,
                    line_stride: m(m(n, w), s),
                },
                Interleave::Bip => BandLayout {
                    offset: m(b, s),
                    pixel_stride: m(n, s),
                    line_stride: m(m(n, w), s),
                },
                Interleave::Bsq => BandLayout {
                    offset: m(m(m(b, w), l), s),
                    pixel_stride: s,
                    line_stride: m(w, s),
                },
            })
            .collect()
    }

    /// Bytes the file must hold: one past the last byte of any band (`u64::MAX` when that
    /// does not fit in 64 bits, which no file matches).
    pub fn expected_size(&self) -> u64 {
        if self.width == 0 || self.length == 0 {
            return 0;
        }
        let (w, l, s) = (
            self.width as u64,
            self.length as u64,
            self.dtype.size() as u64,
        );
        self.bands
            .iter()
            .map(|b| {
                b.offset
                    .saturating_add((l - 1).saturating_mul(b.line_stride))
                    .saturating_add((w - 1).saturating_mul(b.pixel_stride))
                    .saturating_add(s)
            })
            .max()
            .unwrap_or(0)
    }

    /// Checks that the data file exists and has exactly the size the layout implies.
    pub fn check_file_size(&self) -> anyhow::Result<()> {
        let meta = std::fs::metadata(&self.data_file).with_context(|| {
            format!(
                "raster {} (described by {}) cannot be read",
                self.data_file.display(),
                self.sidecar.display()
            )
        })?;
        let expected = self.expected_size();
        if meta.len() != expected {
            bail!(
                "raster {} holds {} bytes but its sidecar {} describes {} x {} x {} band(s) of \
                 {}-byte samples = {} bytes ({})",
                self.data_file.display(),
                meta.len(),
                self.sidecar.display(),
                self.length,
                self.width,
                self.bands.len(),
                self.dtype.size(),
                expected,
                if meta.len() < expected {
                    "truncated"
                } else {
                    "oversized"
                }
            );
        }
        Ok(())
    }

    fn band(&self, band: usize) -> anyhow::Result<&BandLayout> {
        self.bands.get(band).with_context(|| {
            format!(
                "raster {} has {} band(s), band {} was asked for",
                self.data_file.display(),
                self.bands.len(),
                band + 1
            )
        })
    }

    fn check_window(&self, w: &Window) -> anyhow::Result<()> {
        if w.y0 >= w.y1 || w.x0 >= w.x1 || w.y1 > self.length || w.x1 > self.width {
            bail!(
                "window rows {}..{} cols {}..{} is empty or outside raster {} ({} x {})",
                w.y0,
                w.y1,
                w.x0,
                w.x1,
                self.data_file.display(),
                self.length,
                self.width
            );
        }
        Ok(())
    }

    /// Reads band `band` (0-based) in `window` into `out` (row-major, `window.pixels()` long),
    /// reading only the rows the window spans and converting each sample with `convert`.
    pub fn read_window_with(
        &self,
        band: usize,
        window: &Window,
        out: &mut [f32],
        convert: impl Fn(f64) -> f32,
    ) -> anyhow::Result<()> {
        self.read_window_generic(band, window, out, &convert, |v: f32| convert(v as f64))
    }

    /// [`Self::read_window_with`] with a conversion of float32 samples, which float32 rasters
    /// (phase, coherence) get without a detour through f64; other types are widened to f64
    /// and converted with `convert(v as f32)`.
    pub fn read_window_f32(
        &self,
        band: usize,
        window: &Window,
        out: &mut [f32],
        convert: impl Fn(f32) -> f32,
    ) -> anyhow::Result<()> {
        self.read_window_generic(band, window, out, |v: f64| convert(v as f32), &convert)
    }

    /// The read behind both: `convert` for decoded samples, `convert_f32` for float32 samples
    /// read in place.
    fn read_window_generic(
        &self,
        band: usize,
        window: &Window,
        out: &mut [f32],
        convert: impl Fn(f64) -> f32,
        convert_f32: impl Fn(f32) -> f32,
    ) -> anyhow::Result<()> {
        self.check_window(window)?;
        if out.len() != window.pixels() {
            bail!(
                "buffer of {} values for a window of {} pixels",
                out.len(),
                window.pixels()
            );
        }
        let b = *self.band(band)?;
        let s = self.dtype.size();
        let start = b.offset + window.y0 as u64 * b.line_stride + window.x0 as u64 * b.pixel_stride;
        let file = self
            .handle
            .open(&self.data_file)
            .with_context(|| format!("cannot open raster {}", self.data_file.display()))?;
        let short = |e: std::io::Error| {
            anyhow::Error::new(e).context(format!(
                "cannot read rows {}..{} of raster {} (shorter than its sidecar {} says?)",
                window.y0,
                window.y1,
                self.data_file.display(),
                self.sidecar.display()
            ))
        };
        let cols = window.cols();
        let line = b.line_stride as usize;
        let native = self.big_endian == cfg!(target_endian = "big");
        if b.pixel_stride as usize == s && self.dtype == DataType::F32 && native {
            // The common case (float32 phase and coherence): the kernel copies each row
            // straight into `out`, which is then converted in place.
            let bytes = f32_bytes_mut(out);
            gather::read_rows(&file, start, line, cols * 4, bytes).map_err(short)?;
            for v in out.iter_mut() {
                *v = convert_f32(*v);
            }
            return Ok(());
        }
        SCRATCH.with(|cell| -> anyhow::Result<()> {
            let mut scratch = cell.borrow_mut();
            let rows = if b.pixel_stride as usize == s {
                // Contiguous samples: gather the rows packed, then decode.
                scratch.resize(window.pixels() * s, 0);
                gather::read_rows(&file, start, line, cols * s, &mut scratch).map_err(short)?;
                Strided {
                    bytes: &scratch,
                    cols,
                    line: cols * s,
                    pixel: s,
                }
            } else {
                // Interleaved by pixel: read the whole span, then pick every n-th sample.
                let span = (window.rows() - 1) * line + (cols - 1) * b.pixel_stride as usize + s;
                scratch.resize(span, 0);
                file.read_exact_at(&mut scratch, start).map_err(short)?;
                Strided {
                    bytes: &scratch,
                    cols,
                    line,
                    pixel: b.pixel_stride as usize,
                }
            };
            // Dispatch on the sample type once, so the per-pixel loop is monomorphic.
            macro_rules! fill {
                ($t:ty, $n:expr) => {
                    if self.big_endian {
                        rows.fill(out, |x: [u8; $n]| convert(<$t>::from_be_bytes(x) as f64))
                    } else {
                        rows.fill(out, |x: [u8; $n]| convert(<$t>::from_le_bytes(x) as f64))
                    }
                };
            }
            match self.dtype {
                DataType::U8 => rows.fill(out, |x: [u8; 1]| convert(x[0] as f64)),
                DataType::I16 => fill!(i16, 2),
                DataType::U16 => fill!(u16, 2),
                DataType::I32 => fill!(i32, 4),
                DataType::U32 => fill!(u32, 4),
                DataType::F32 => fill!(f32, 4),
                DataType::F64 => fill!(f64, 8),
            }
            Ok(())
        })
    }

    /// Reads band `band` in `window` into `out` as f32.
    pub fn read_window(&self, band: usize, window: &Window, out: &mut [f32]) -> anyhow::Result<()> {
        self.read_window_with(band, window, out, |v| v as f32)
    }

    /// Reads one sample of band `band` at (y, x) with a positioned read (no map).
    pub fn read_sample_from(
        &self,
        file: &File,
        band: usize,
        y: usize,
        x: usize,
    ) -> anyhow::Result<f64> {
        if y >= self.length || x >= self.width {
            bail!(
                "pixel ({y}, {x}) is outside raster {} ({} x {})",
                self.data_file.display(),
                self.length,
                self.width
            );
        }
        let b = self.band(band)?;
        let pos = b.offset + y as u64 * b.line_stride + x as u64 * b.pixel_stride;
        let mut buf = [0u8; 8];
        let item = self.dtype.size();
        file.read_exact_at(&mut buf[..item], pos).with_context(|| {
            format!(
                "cannot read pixel ({y}, {x}) of raster {}",
                self.data_file.display()
            )
        })?;
        Ok(self.dtype.decode(&buf[..item], self.big_endian))
    }

    /// Reads one sample of band `band` at (y, x), through the layout's kept handle (phase
    /// closure reads its samples a pixel at a time: an open per sample cost more than the read).
    pub fn read_sample(&self, band: usize, y: usize, x: usize) -> anyhow::Result<f64> {
        let file = self
            .handle
            .open(&self.data_file)
            .with_context(|| format!("cannot open raster {}", self.data_file.display()))?;
        self.read_sample_from(&file, band, y, x)
    }

    /// Reads whole rows `y0..y1` of band `band` as f64 (for metadata scans).
    pub fn read_rows_f64(&self, band: usize, y0: usize, y1: usize) -> anyhow::Result<Vec<f64>> {
        let w = Window {
            y0,
            y1,
            x0: 0,
            x1: self.width,
        };
        self.check_window(&w)?;
        let b = *self.band(band)?;
        let file = open(&self.data_file)?;
        let item = self.dtype.size();
        let mut row = vec![0u8; (self.width as u64 - 1) as usize * b.pixel_stride as usize + item];
        let mut out = Vec::with_capacity(w.pixels());
        for y in y0..y1 {
            let pos = b.offset + y as u64 * b.line_stride;
            file.read_exact_at(&mut row, pos).with_context(|| {
                format!("cannot read row {y} of raster {}", self.data_file.display())
            })?;
            for x in 0..self.width {
                let p = x * b.pixel_stride as usize;
                out.push(self.dtype.decode(&row[p..p + item], self.big_endian));
            }
        }
        Ok(out)
    }
}

thread_local! {
    /// Raw bytes of a window that needs decoding (not float32 in native byte order).
    static SCRATCH: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

/// The bytes of a float32 buffer, for reading samples into it in place.
fn f32_bytes_mut(v: &mut [f32]) -> &mut [u8] {
    // SAFETY: f32 has no padding and every bit pattern is a valid f32, so its storage may be
    // written as bytes; the length covers exactly the same memory, and the borrow of `v` is
    // carried by the result.
    unsafe { std::slice::from_raw_parts_mut(v.as_mut_ptr().cast::<u8>(), std::mem::size_of_val(v)) }
}

/// Raw bytes of a window: rows `line` bytes apart, samples `pixel` bytes apart, the
/// first sample at byte 0.
struct Strided<'a> {
    bytes: &'a [u8],
    cols: usize,
    line: usize,
    pixel: usize,
}

impl Strided<'_> {
    fn fill<const N: usize>(&self, out: &mut [f32], decode: impl Fn([u8; N]) -> f32) {
        if self.pixel == N {
            // Contiguous samples (BIL, BSQ, single band): a plain loop over fixed-size
            // pieces, which the compiler turns into a copy-like SIMD loop.
            for (r, row_out) in out.chunks_exact_mut(self.cols).enumerate() {
                let row = &self.bytes[r * self.line..r * self.line + self.cols * N];
                for (o, x) in row_out.iter_mut().zip(row.chunks_exact(N)) {
                    let mut a = [0u8; N];
                    a.copy_from_slice(x);
                    *o = decode(a);
                }
            }
            return;
        }
        for (r, row_out) in out.chunks_exact_mut(self.cols).enumerate() {
            let row = &self.bytes[r * self.line..];
            for (c, o) in row_out.iter_mut().enumerate() {
                let p = c * self.pixel;
                let mut x = [0u8; N];
                x.copy_from_slice(&row[p..p + N]);
                *o = decode(x);
            }
        }
    }
}

/// Opens a file for reading, naming it on failure.
pub fn open(path: &Path) -> anyhow::Result<File> {
    File::open(path).with_context(|| format!("cannot open {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
        let p = dir.join(name);
        std::fs::write(&p, bytes).unwrap();
        p
    }

    fn layout(
        p: PathBuf,
        w: usize,
        l: usize,
        n: usize,
        t: DataType,
        s: Interleave,
    ) -> RasterLayout {
        RasterLayout {
            width: w,
            length: l,
            dtype: t,
            big_endian: false,
            bands: RasterLayout::regular(w, l, n, t, s),
            data_file: p.clone(),
            sidecar: p,
            handle: Default::default(),
        }
    }

    #[test]
    fn bil_bip_bsq_windows_pick_the_right_band() {
        let dir = tempfile::tempdir().unwrap();
        let (w, l) = (4usize, 3usize);
        // value = band*100 + y*10 + x
        let val = |b: usize, y: usize, x: usize| (b * 100 + y * 10 + x) as f32;
        for scheme in [Interleave::Bil, Interleave::Bip, Interleave::Bsq] {
            let mut bytes = Vec::new();
            match scheme {
                Interleave::Bil => {
                    for y in 0..l {
                        for b in 0..2 {
                            for x in 0..w {
                                bytes.extend(val(b, y, x).to_le_bytes());
                            }
                        }
                    }
                }
                Interleave::Bip => {
                    for y in 0..l {
                        for x in 0..w {
                            for b in 0..2 {
                                bytes.extend(val(b, y, x).to_le_bytes());
                            }
                        }
                    }
                }
                Interleave::Bsq => {
                    for b in 0..2 {
                        for y in 0..l {
                            for x in 0..w {
                                bytes.extend(val(b, y, x).to_le_bytes());
                            }
                        }
                    }
                }
            }
            let p = write(dir.path(), "r.bin", &bytes);
            let r = layout(p, w, l, 2, DataType::F32, scheme);
            r.check_file_size().unwrap();
            let win = Window {
                y0: 1,
                y1: 3,
                x0: 1,
                x1: 3,
            };
            let mut out = vec![0.0; 4];
            r.read_window(1, &win, &mut out).unwrap();
            assert_eq!(out, vec![111.0, 112.0, 121.0, 122.0], "{scheme:?}");
            r.read_window(0, &win, &mut out).unwrap();
            assert_eq!(out, vec![11.0, 12.0, 21.0, 22.0], "{scheme:?}");
            assert_eq!(r.read_sample(1, 2, 3).unwrap(), 123.0);
            assert!(r.read_window(2, &win, &mut out).is_err());
        }
    }

    #[test]
    fn big_endian_and_size_checks() {
        let dir = tempfile::tempdir().unwrap();
        let bytes: Vec<u8> = [1i16, -2, 3, 400]
            .iter()
            .flat_map(|v| v.to_be_bytes())
            .collect();
        let p = write(dir.path(), "s.bin", &bytes);
        let mut r = layout(p.clone(), 2, 2, 1, DataType::I16, Interleave::Bil);
        r.big_endian = true;
        let mut out = vec![0.0; 4];
        r.read_window(0, &Window::full(2, 2), &mut out).unwrap();
        assert_eq!(out, vec![1.0, -2.0, 3.0, 400.0]);
        let short = layout(p.clone(), 3, 2, 1, DataType::I16, Interleave::Bil);
        let e = short.check_file_size().unwrap_err().to_string();
        assert!(e.contains("truncated") && e.contains("s.bin"), "{e}");
        let long = layout(p, 1, 2, 1, DataType::I16, Interleave::Bil);
        assert!(long
            .check_file_size()
            .unwrap_err()
            .to_string()
            .contains("oversized"));
    }
}
