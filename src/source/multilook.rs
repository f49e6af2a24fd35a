//! Multilooking at load (MintPy's `mintpy.multilook.ystep/xstep/method`): a stack seen through
//! blocks of `ystep` x `xstep` pixels, each block one output pixel, as MintPy 1.6.4's
//! `load_data` writes `ifgramStack.h5` and `geometryRadar.h5`.
//!
//! What MintPy does, and so what this view does:
//! - blocks start at row and column 0; the output is floor(L / ystep) x floor(W / xstep), the
//!   rows and columns left over are dropped;
//! - `nearest` takes the block's centre pixel, row `ystep / 2` and column `xstep / 2` (integer
//!   division) of the block;
//! - `mean` and `median` ignore NaN (numpy `nanmean` / `nanmedian`); a block of NaN only is NaN;
//!   the mean adds in single precision in row order, as numpy does, and divides in double;
//! - connected components and every geometry layer are always `nearest`;
//! - the metadata change as MintPy's `update_attribute4multilook` changes them.
//!
//! Reads stream: an output window is read from the inner stack in strips of rows whose buffer
//! stays under [`STRIP_VALUES`] values, so a full-resolution stack needs no more memory than
//! the multilooked one plus one strip.

use std::str::FromStr;

use anyhow::bail;

use crate::meta::pyfmt::py_f64;
use crate::meta::Attributes;
use crate::source::{check_pairs, check_read, GeomLayer, StackInfo, StackLayer, StackSource};
use crate::window::Window;

/// Most values of the inner stack read at once by one call (64 MiB of f32).
pub const STRIP_VALUES: usize = 16 << 20;

/// How a block of pixels becomes one (MintPy's `mintpy.multilook.method`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MultilookMethod {
    /// The block's centre pixel.
    Nearest,
    /// The mean of the block's non-NaN pixels.
    Mean,
    /// The median of the block's non-NaN pixels.
    Median,
}

impl MultilookMethod {
    /// MintPy's name of the method.
    pub fn name(self) -> &'static str {
        match self {
            MultilookMethod::Nearest => "nearest",
            MultilookMethod::Mean => "mean",
            MultilookMethod::Median => "median",
        }
    }
}

impl FromStr for MultilookMethod {
    type Err = anyhow::Error;

    fn from_str(s: &str) -> anyhow::Result<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "nearest" => Ok(MultilookMethod::Nearest),
            "mean" => Ok(MultilookMethod::Mean),
            "median" => Ok(MultilookMethod::Median),
            other => bail!("multilook method '{other}': expected nearest, mean or median"),
        }
    }
}

/// Looks in rows and columns and how blocks are reduced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Multilook {
    /// Looks along rows (azimuth), >= 1.
    pub ystep: usize,
    /// Looks along columns (range), >= 1.
    pub xstep: usize,
    /// How phase and coherence blocks are reduced.
    pub method: MultilookMethod,
}

impl Multilook {
    /// Whether this changes nothing (1 x 1 looks).
    pub fn is_noop(&self) -> bool {
        self.ystep * self.xstep <= 1
    }

    /// Parses `Y,X` (or a single `N` for both), e.g. the `--multilook` flag.
    pub fn parse_looks(text: &str) -> anyhow::Result<(usize, usize)> {
        let parts: Vec<&str> = text
            .split([',', 'x', ' '])
            .filter(|s| !s.is_empty())
            .collect();
        let num = |s: &str| -> anyhow::Result<usize> {
            match s.trim().parse::<usize>() {
                Ok(n) if n >= 1 => Ok(n),
                _ => bail!("multilook '{text}': looks must be whole numbers >= 1, as Y,X"),
            }
        };
        match parts.as_slice() {
            [n] => Ok((num(n)?, num(n)?)),
            [y, x] => Ok((num(y)?, num(x)?)),
            _ => bail!("multilook '{text}': expected Y,X (rows, columns), e.g. 2,4"),
        }
    }

    /// A short text for messages and manifests, e.g. `2 x 4 (mean)`.
    pub fn describe(&self) -> String {
        format!("{} x {} ({})", self.ystep, self.xstep, self.method.name())
    }
}

/// MintPy's `update_attribute4multilook` for a whole image of `length` x `width` pixels.
pub fn multilook_attributes(
    attrs: &Attributes,
    length: usize,
    width: usize,
    ml: &Multilook,
) -> Attributes {
    let (ly, lx) = (ml.ystep, ml.xstep);
    let (l, w) = (length / ly, width / lx);
    let mut a = attrs.clone();
    a.set("LENGTH", l);
    a.set("WIDTH", w);
    a.set("XMIN", 0);
    a.set("YMIN", 0);
    a.set("XMAX", w as i64 - 1);
    a.set("YMAX", l as i64 - 1);
    let looks = |k: &str| {
        attrs
            .get(k)
            .and_then(|v| v.trim().parse::<f64>().ok())
            .map_or(1, |v| v as i64)
    };
    a.set("RLOOKS", looks("RLOOKS") * lx as i64);
    a.set("ALOOKS", looks("ALOOKS") * ly as i64);
    let scale = |a: &mut Attributes, k: &str, f: usize| {
        if let Some(v) = attrs.get_f64_opt(k) {
            a.set(k, py_f64(f as f64 * v));
        }
    };
    if attrs.contains("Y_STEP") {
        scale(&mut a, "Y_STEP", ly);
        scale(&mut a, "X_STEP", lx);
    }
    scale(&mut a, "AZIMUTH_PIXEL_SIZE", ly);
    scale(&mut a, "RANGE_PIXEL_SIZE", lx);
    let int = |k: &str| attrs.get(k).and_then(|v| v.trim().parse::<i64>().ok());
    // Python's // floors; positions are never negative here, so integer division agrees.
    let div = |v: i64, f: usize| v.div_euclid(f as i64);
    if let (Some(ry), Some(rx)) = (int("REF_Y"), int("REF_X")) {
        a.set("REF_Y", div(ry, ly));
        a.set("REF_X", div(rx, lx));
    }
    if attrs.contains("SUBSET_XMIN") {
        for (k, f) in [
            ("SUBSET_YMIN", ly),
            ("SUBSET_YMAX", ly),
            ("SUBSET_XMIN", lx),
            ("SUBSET_XMAX", lx),
        ] {
            if let Some(v) = int(k) {
                a.set(k, div(v, f));
            }
        }
    }
    a
}

/// `inner` multilooked: a stack of floor(L / ystep) x floor(W / xstep) pixels.
pub struct MultilookSource {
    inner: Box<dyn StackSource>,
    ml: Multilook,
    info: StackInfo,
    strip_values: usize,
    /// The inner stack's map-to-radar table, multilooked with it.
    lookup: Option<crate::geo::map_lookup::MapLookup>,
}

impl MultilookSource {
    /// Multilooks `inner` by `ml`; errors if the looks leave no pixel.
    pub fn new(inner: Box<dyn StackSource>, ml: Multilook) -> anyhow::Result<MultilookSource> {
        let full = inner.info();
        if ml.ystep == 0 || ml.xstep == 0 {
            bail!("multilook {}: looks must be >= 1", ml.describe());
        }
        let (l, w) = (full.length / ml.ystep, full.width / ml.xstep);
        if l == 0 || w == 0 {
            bail!(
                "multilook {} of the {} x {} stack leaves no pixel",
                ml.describe(),
                full.length,
                full.width
            );
        }
        let mut info = full.clone();
        info.length = l;
        info.width = w;
        info.attrs = multilook_attributes(&full.attrs, full.length, full.width, &ml);
        info.coords = crate::source::StackCoords::from_attrs(&info.attrs, l, w)?;
        // One output row of the chunk layout spans ystep inner rows.
        info.preferred_rows = full.preferred_rows.div_ceil(ml.ystep);
        let lookup = match inner
            .map_lookup()
            .map(|l| l.multilooked(ml.ystep, ml.xstep))
        {
            Some(Ok(l)) => Some(l),
            Some(Err(e)) => {
                info.warnings
                    .push(format!("{e:#}: lat/lon points and geocoding have no table"));
                None
            }
            None => None,
        };
        Ok(MultilookSource {
            inner,
            ml,
            info,
            strip_values: STRIP_VALUES,
            lookup,
        })
    }

    /// Caps inner reads at `values` values (at least one output row each) instead of
    /// [`STRIP_VALUES`]: smaller strips, same values.
    pub fn with_strip_values(mut self, values: usize) -> MultilookSource {
        self.strip_values = values;
        self
    }

    /// The looks and method.
    pub fn multilook(&self) -> Multilook {
        self.ml
    }

    /// Output rows per inner read for `layers` layers and `cols` output columns.
    fn strip_rows(&self, layers: usize, cols: usize) -> usize {
        let per_row = layers * cols * self.ml.xstep * self.ml.ystep;
        (self.strip_values / per_row.max(1)).max(1)
    }

    /// Reads `layers` layers of output window `window` through `read` (an inner read of a
    /// window into a `[layer][row][col]` buffer), reduced by `method`, into `out`.
    fn read_reduced(
        &self,
        layers: usize,
        window: &Window,
        method: MultilookMethod,
        out: &mut [f32],
        read: &dyn Fn(&Window, &mut [f32]) -> anyhow::Result<()>,
    ) -> anyhow::Result<()> {
        let (ly, lx) = (self.ml.ystep, self.ml.xstep);
        let (rows, cols) = (window.rows(), window.cols());
        let step = self.strip_rows(layers, cols);
        let mut buf = Vec::new();
        let mut scratch = Vec::with_capacity(ly * lx);
        for r0 in (0..rows).step_by(step) {
            let r1 = (r0 + step).min(rows);
            let inner = Window {
                y0: (window.y0 + r0) * ly,
                y1: (window.y0 + r1) * ly,
                x0: window.x0 * lx,
                x1: window.x1 * lx,
            };
            buf.resize(layers * inner.pixels(), 0.0f32);
            read(&inner, &mut buf)?;
            let strip = Strip {
                rows: r1 - r0,
                cols,
                ly,
                lx,
            };
            for k in 0..layers {
                let src = &buf[k * inner.pixels()..(k + 1) * inner.pixels()];
                let dst = &mut out[k * rows * cols + r0 * cols..k * rows * cols + r1 * cols];
                strip.reduce(src, method, dst, &mut scratch);
            }
        }
        Ok(())
    }
}

/// One strip of inner rows: `rows` x `cols` output blocks of `ly` x `lx` pixels.
struct Strip {
    rows: usize,
    cols: usize,
    ly: usize,
    lx: usize,
}

impl Strip {
    /// Reduces the blocks of one layer `src` (`rows*ly` x `cols*lx`, row-major) into `dst`.
    fn reduce(
        &self,
        src: &[f32],
        method: MultilookMethod,
        dst: &mut [f32],
        scratch: &mut Vec<f32>,
    ) {
        let (ly, lx) = (self.ly, self.lx);
        let inner_cols = self.cols * lx;
        for r in 0..self.rows {
            for c in 0..self.cols {
                let at = |i: usize, j: usize| src[(r * ly + i) * inner_cols + c * lx + j];
                dst[r * self.cols + c] = match method {
                    MultilookMethod::Nearest => at(ly / 2, lx / 2),
                    MultilookMethod::Mean => {
                        // numpy's nanmean over the block's two axes: NaN counted out and added
                        // as 0; each block row summed as numpy sums a contiguous run (float32,
                        // pairwise), the row sums added in order, then a float64 division.
                        let (mut sum, mut n) = (0.0f32, 0usize);
                        for i in 0..ly {
                            let start = (r * ly + i) * inner_cols + c * lx;
                            let row = &src[start..start + lx];
                            n += row.iter().filter(|v| !v.is_nan()).count();
                            sum += pairwise_sum(row);
                        }
                        if n == 0 {
                            f32::NAN
                        } else {
                            (sum as f64 / n as f64) as f32
                        }
                    }
                    MultilookMethod::Median => {
                        scratch.clear();
                        for i in 0..ly {
                            for j in 0..lx {
                                let v = at(i, j);
                                if !v.is_nan() {
                                    scratch.push(v);
                                }
                            }
                        }
                        median(scratch)
                    }
                };
            }
        }
    }
}

/// numpy's float32 `pairwise_sum` of a contiguous run with NaN read as 0: sequential below 8
/// values, eight interleaved accumulators up to 128, halves beyond (so that sums match numpy's
/// to the bit).
fn pairwise_sum(a: &[f32]) -> f32 {
    let val = |v: f32| if v.is_nan() { 0.0 } else { v };
    let n = a.len();
    if n < 8 {
        let mut res = 0.0f32;
        for &v in a {
            res += val(v);
        }
        res
    } else if n <= 128 {
        let mut r = [0.0f32; 8];
        for (j, slot) in r.iter_mut().enumerate() {
            *slot = val(a[j]);
        }
        let whole = n - n % 8;
        for chunk in a[8..whole].chunks_exact(8) {
            for (slot, &v) in r.iter_mut().zip(chunk) {
                *slot += val(v);
            }
        }
        let mut res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
        for &v in &a[whole..] {
            res += val(v);
        }
        res
    } else {
        let mut n2 = n / 2;
        n2 -= n2 % 8;
        pairwise_sum(&a[..n2]) + pairwise_sum(&a[n2..])
    }
}

/// numpy's median of the values (NaN if none): the middle one, or the float32 mean of the two
/// middle ones.
fn median(v: &mut [f32]) -> f32 {
    let n = v.len();
    if n == 0 {
        return f32::NAN;
    }
    v.sort_unstable_by(|a, b| a.total_cmp(b));
    let (lo, hi) = (v[(n - 1) / 2], v[n / 2]);
    (lo + hi) / 2.0
}

impl StackSource for MultilookSource {
    fn info(&self) -> &StackInfo {
        &self.info
    }

    fn map_lookup(&self) -> Option<&crate::geo::map_lookup::MapLookup> {
        self.lookup.as_ref()
    }

    fn read_stack(
        &self,
        layer: StackLayer,
        window: &Window,
        out: &mut [f32],
    ) -> anyhow::Result<()> {
        let m = self.info.network.num_pairs();
        check_read(&self.info, "multilook read_stack", window, m, out.len())?;
        let method = match layer {
            StackLayer::ConnComp => MultilookMethod::Nearest,
            StackLayer::Phase | StackLayer::Coherence => self.ml.method,
        };
        let read = |w: &Window, buf: &mut [f32]| self.inner.read_stack(layer, w, buf);
        self.read_reduced(m, window, method, out, &read)
    }

    fn read_pairs(
        &self,
        layer: StackLayer,
        pairs: std::ops::Range<usize>,
        window: &Window,
        out: &mut [f32],
    ) -> anyhow::Result<()> {
        check_pairs(
            &self.info,
            "multilook read_pairs",
            &pairs,
            window,
            out.len(),
        )?;
        let method = match layer {
            StackLayer::ConnComp => MultilookMethod::Nearest,
            StackLayer::Phase | StackLayer::Coherence => self.ml.method,
        };
        // Each output pixel is reduced from its own block alone, so the strips (sized by the
        // number of pairs) do not change the values.
        let read =
            |w: &Window, buf: &mut [f32]| self.inner.read_pairs(layer, pairs.clone(), w, buf);
        self.read_reduced(pairs.len(), window, method, out, &read)
    }

    fn read_geometry(
        &self,
        layer: GeomLayer,
        window: &Window,
        out: &mut [f32],
    ) -> anyhow::Result<()> {
        check_read(&self.info, "multilook read_geometry", window, 1, out.len())?;
        let read = |w: &Window, buf: &mut [f32]| self.inner.read_geometry(layer, w, buf);
        self.read_reduced(1, window, MultilookMethod::Nearest, out, &read)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reduce(block: &[f32], ly: usize, lx: usize, method: MultilookMethod) -> f32 {
        let strip = Strip {
            rows: 1,
            cols: 1,
            ly,
            lx,
        };
        let mut out = [0.0f32];
        strip.reduce(block, method, &mut out, &mut Vec::new());
        out[0]
    }

    #[test]
    fn nan_is_left_out_of_mean_and_median() {
        let nan = f32::NAN;
        let b = [1.0, nan, 4.0, 2.0, 8.0, nan];
        assert_eq!(reduce(&b, 2, 3, MultilookMethod::Mean), 15.0 / 4.0);
        assert_eq!(reduce(&b, 2, 3, MultilookMethod::Median), 3.0);
        assert!(reduce(&[nan; 4], 2, 2, MultilookMethod::Mean).is_nan());
        assert!(reduce(&[nan; 4], 2, 2, MultilookMethod::Median).is_nan());
        // Nearest takes the centre (row 1, column 1 of a 2 x 3 block), NaN or not.
        assert!(reduce(&b, 2, 3, MultilookMethod::Nearest) == 8.0);
        assert_eq!(reduce(&[5.0, 1.0, 3.0], 1, 3, MultilookMethod::Median), 3.0);
    }

    #[test]
    fn pairwise_sum_groups_as_numpy() {
        // Beyond 8 values the sum is no longer sequential: 1e8 + 1 + ... loses the ones one at
        // a time but not when eight accumulators collect them first.
        let mut a = vec![1.0f32; 16];
        a[0] = 1e8;
        let sequential: f32 = a.iter().sum();
        assert_eq!(sequential, 1e8);
        assert_eq!(pairwise_sum(&a), 1e8 + 8.0);
        assert_eq!(pairwise_sum(&[1.0; 300]), 300.0);
    }

    #[test]
    fn attributes_follow_mintpy() {
        let mut a = Attributes::new();
        a.set("RLOOKS", "9");
        a.set("ALOOKS", "3");
        a.set("RANGE_PIXEL_SIZE", "20.0");
        a.set("REF_Y", "7");
        a.set("REF_X", "5");
        a.set("Y_STEP", "-0.001");
        a.set("X_STEP", "0.001");
        let ml = Multilook {
            ystep: 2,
            xstep: 3,
            method: MultilookMethod::Mean,
        };
        let b = multilook_attributes(&a, 13, 14, &ml);
        let get = |k: &str| b.get(k).unwrap_or("").to_string();
        assert_eq!((get("LENGTH"), get("WIDTH")), ("6".into(), "4".into()));
        assert_eq!((get("ALOOKS"), get("RLOOKS")), ("6".into(), "27".into()));
        assert_eq!((get("REF_Y"), get("REF_X")), ("3".into(), "1".into()));
        assert_eq!(get("RANGE_PIXEL_SIZE"), "60.0");
        assert_eq!(
            (get("Y_STEP"), get("X_STEP")),
            ("-0.002".into(), "0.003".into())
        );
        assert_eq!((get("XMAX"), get("YMAX")), ("3".into(), "5".into()));
    }

    #[test]
    fn parses_looks_and_methods() {
        assert_eq!(Multilook::parse_looks("2,4").ok(), Some((2, 4)));
        assert_eq!(Multilook::parse_looks("3").ok(), Some((3, 3)));
        assert!(Multilook::parse_looks("0,2").is_err());
        assert!(Multilook::parse_looks("2,a").is_err());
        assert!(Multilook::parse_looks("1,2,3").is_err());
        assert_eq!(
            "Median".parse::<MultilookMethod>().ok(),
            Some(MultilookMethod::Median)
        );
        assert!("bilinear".parse::<MultilookMethod>().is_err());
    }
}
