//! Readers of interferogram stacks: one trait, one implementation per input format.
//! Readers know formats, not formulas.
//!
//! A format is a module here (its [`StackSource`] and its [`StackFormat`], which recognises and
//! opens a path) plus one line in [`formats`]; [`open_stack`] asks the formats in that order.
//! Pixel codecs every format may use (flat binary with sidecars, `.rsc`, ...) are in [`raster`].

pub mod aria;
pub mod dolphin;
pub mod gamma;
pub mod gmtsar;
pub mod hyp3;
pub mod isce;
pub mod layout;
pub mod licsar;
pub mod map_stack;
pub mod mintpy_h5;
pub mod multilook;
pub mod raster;
pub mod raw_stack;
mod registry;
pub mod roipac;
pub mod snap;
pub mod unwrap_fix;

pub use registry::{
    detect_format, formats, layout_note, open_stack, open_stack_globs, open_stack_with, Detection,
    StackFormat,
};

use std::ops::Range;
use std::path::PathBuf;

use crate::meta::Attributes;
use crate::network::Network;
use crate::window::Window;

/// A per-interferogram layer of the stack.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StackLayer {
    /// Unwrapped phase, radians; 0 means no data.
    Phase,
    /// Spatial coherence, 0..1.
    Coherence,
    /// Connected-component label of the unwrapping; 0 means unreliable.
    ConnComp,
}

/// A single-image geometry layer (MintPy `geometryRadar.h5` names in the docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum GeomLayer {
    /// `height`: DEM height, metres.
    Height,
    /// `latitude` of each radar pixel, degrees.
    Latitude,
    /// `longitude` of each radar pixel, degrees.
    Longitude,
    /// `incidenceAngle`, degrees from vertical.
    IncidenceAngle,
    /// `azimuthAngle`, degrees.
    AzimuthAngle,
    /// `slantRangeDistance`, metres.
    SlantRangeDistance,
    /// `shadowMask`: nonzero = shadow.
    ShadowMask,
    /// `waterMask`: nonzero = land, 0 = water.
    WaterMask,
}

impl GeomLayer {
    /// Every geometry layer, in MintPy's order of `geometryRadar.h5` datasets.
    pub const ALL: [GeomLayer; 8] = [
        GeomLayer::Height,
        GeomLayer::Latitude,
        GeomLayer::Longitude,
        GeomLayer::IncidenceAngle,
        GeomLayer::AzimuthAngle,
        GeomLayer::SlantRangeDistance,
        GeomLayer::ShadowMask,
        GeomLayer::WaterMask,
    ];

    /// MintPy's dataset name for this layer.
    pub fn mintpy_name(self) -> &'static str {
        match self {
            GeomLayer::Height => "height",
            GeomLayer::Latitude => "latitude",
            GeomLayer::Longitude => "longitude",
            GeomLayer::IncidenceAngle => "incidenceAngle",
            GeomLayer::AzimuthAngle => "azimuthAngle",
            GeomLayer::SlantRangeDistance => "slantRangeDistance",
            GeomLayer::ShadowMask => "shadowMask",
            GeomLayer::WaterMask => "waterMask",
        }
    }
}

/// What a source holds, known after opening it (cheap: no pixel data read).
#[derive(Debug, Clone)]
pub struct StackInfo {
    /// Rows (azimuth lines).
    pub length: usize,
    /// Columns (range samples).
    pub width: usize,
    /// The kept interferograms (MintPy `dropIfgram` applied), dates and pair baselines.
    pub network: Network,
    /// Metadata with MintPy key names: at least `WAVELENGTH`, and where known `ALOOKS`,
    /// `RLOOKS`, `NCORRLOOKS`, `STARTING_RANGE`, `RANGE_PIXEL_SIZE`, `AZIMUTH_PIXEL_SIZE`,
    /// `HEADING`, `ORBIT_DIRECTION`, `CENTER_LINE_UTC`, `EARTH_RADIUS`, `HEIGHT`, `PLATFORM`,
    /// `PROCESSOR`, `LAT_REF1..4`, `LON_REF1..4`, `CENTER_INCIDENCE_ANGLE`.
    pub attrs: Attributes,
    /// Stack layers present (`Phase` always; `ConnComp` may be absent).
    pub layers: Vec<StackLayer>,
    /// Geometry layers present.
    pub geometry: Vec<GeomLayer>,
    /// Rows per read that suit the storage layout (e.g. the HDF5 chunk height), or 0 if any.
    pub preferred_rows: usize,
    /// Every file the stack is read from (for fingerprints and messages).
    pub files: Vec<PathBuf>,
    /// What the opener noticed and worked around (e.g. missing baselines), one sentence each,
    /// for the caller to report: the library does not print. Views of the stack keep them.
    pub warnings: Vec<String>,
    /// Where its pixels are on the ground.
    pub coords: StackCoords,
}

/// Where a stack's pixels are on the ground: what every step after loading asks, instead of
/// assuming radar geometry.
#[derive(Debug, Clone, PartialEq)]
pub enum StackCoords {
    /// Radar geometry: rows and columns of the radar image; the latitude and longitude of each
    /// pixel come from the lookup layers (`GeomLayer::Latitude`, `GeomLayer::Longitude`) when the
    /// stack has them.
    Radar,
    /// Map geometry: a regular grid (MintPy's `X_FIRST`, `Y_STEP`, ..., with its CRS when known).
    Map(crate::geo::grid::MapGrid),
}

impl StackCoords {
    /// The coordinates metadata `attrs` describe for an image of `length` x `width` pixels: a map
    /// grid when they are geocoded (`Y_FIRST` present), else radar.
    pub fn from_attrs(attrs: &Attributes, length: usize, width: usize) -> anyhow::Result<Self> {
        if crate::geo::grid::MapGrid::is_geocoded(attrs) {
            let grid = crate::geo::grid::MapGrid::from_attrs(attrs, length, width)
                .map_err(|e| anyhow::anyhow!("the stack's map grid: {e}"))?;
            Ok(StackCoords::Map(grid))
        } else {
            Ok(StackCoords::Radar)
        }
    }

    /// The coordinates of the sub-image `window`.
    pub fn window(&self, window: &Window) -> StackCoords {
        match self {
            StackCoords::Radar => StackCoords::Radar,
            StackCoords::Map(g) => StackCoords::Map(g.sub_grid(window)),
        }
    }
}

impl StackInfo {
    /// Whether a stack layer is present.
    pub fn has_layer(&self, layer: StackLayer) -> bool {
        self.layers.contains(&layer)
    }

    /// Whether a geometry layer is present.
    pub fn has_geometry(&self, layer: GeomLayer) -> bool {
        self.geometry.contains(&layer)
    }
}

/// A readable interferogram stack. Implementations must be safe to share between threads;
/// reads are of windows so memory stays bounded whatever the image size.
pub trait StackSource: Send + Sync {
    /// Shape, network and metadata.
    fn info(&self) -> &StackInfo;

    /// Reads `layer` for every kept pair in `window` into `out`, laid out `[pair][row][col]`
    /// (`out.len() == M * window.pixels()`). Values are converted to f32 (conncomp labels too).
    fn read_stack(&self, layer: StackLayer, window: &Window, out: &mut [f32])
        -> anyhow::Result<()>;

    /// Reads `layer` for the kept pairs `pairs` (indices in the network's order) in `window`
    /// into `out`, laid out `[pair][row][col]` (`out.len() == pairs.len() * window.pixels()`):
    /// the same values as that slice of [`StackSource::read_stack`]. Readers that hand out
    /// whole interferograms one at a time (bridging) call this, so that each interferogram is
    /// read once whatever their memory budget.
    ///
    /// The default reads every pair and keeps the range (correct for any source, but it reads
    /// the whole stack); sources that store pairs separately, and views of such sources,
    /// override it to read only the range.
    fn read_pairs(
        &self,
        layer: StackLayer,
        pairs: Range<usize>,
        window: &Window,
        out: &mut [f32],
    ) -> anyhow::Result<()> {
        let m = self.info().network.num_pairs();
        check_pairs(self.info(), "read_pairs", &pairs, window, out.len())?;
        if pairs == (0..m) {
            return self.read_stack(layer, window, out);
        }
        let px = window.pixels();
        let mut all = vec![0.0f32; m * px];
        self.read_stack(layer, window, &mut all)?;
        out.copy_from_slice(&all[pairs.start * px..pairs.end * px]);
        Ok(())
    }

    /// Reads `layer` at one pixel for every kept pair (`out.len() == M`).
    fn read_pixel(
        &self,
        layer: StackLayer,
        y: usize,
        x: usize,
        out: &mut [f32],
    ) -> anyhow::Result<()> {
        self.read_stack(layer, &Window::pixel(y, x), out)
    }

    /// Reads a geometry layer in `window` into `out` (row-major). Errors if absent.
    fn read_geometry(
        &self,
        layer: GeomLayer,
        window: &Window,
        out: &mut [f32],
    ) -> anyhow::Result<()>;

    /// The stack's map-to-radar lookup table (ROI_PAC `geomap*.trans`, GAMMA `*.UTM_TO_RDC`),
    /// when it has one instead of per-pixel latitude/longitude. Pixel numbers of the table
    /// are those of the uncropped stack: a cropped view keeps `SUBSET_YMIN`/`SUBSET_XMIN`.
    fn map_lookup(&self) -> Option<&crate::geo::map_lookup::MapLookup> {
        None
    }
}

/// Sample `i` of `numpy.linspace(start, stop, num)`: `start + i * step`, with the last sample
/// exactly `stop`. MintPy's slant range per column is this, for every processor.
pub(crate) fn linspace_at(start: f64, stop: f64, num: usize, i: usize) -> f64 {
    if num > 1 && i + 1 == num {
        return stop;
    }
    let step = if num > 1 {
        (stop - start) / (num as f64 - 1.0)
    } else {
        0.0
    };
    start + i as f64 * step
}

/// What readers hand out for a stored stack value: an infinite phase or coherence is not a
/// measurement, so it becomes NaN (no data for the phase; for the coherence, what MintPy does
/// with NaN: weight of coherence 0.05, left out of the average). Everything else is kept.
#[inline]
fn sanitize(layer: StackLayer, v: f32) -> f32 {
    match layer {
        StackLayer::Phase | StackLayer::Coherence => infinite_to_nan(v),
        _ => v,
    }
}

/// NaN for an infinite sample, else the sample: a select on the bits, no branch.
#[inline(always)]
fn infinite_to_nan(v: f32) -> f32 {
    let bits = v.to_bits();
    f32::from_bits(if bits & 0x7fff_ffff == 0x7f80_0000 {
        f32::NAN.to_bits()
    } else {
        bits
    })
}

/// Checks a read request: `window` must be non-empty and inside the `info` image, and `out` must
/// hold `layers` values per pixel of it. `what` names the call in messages.
pub(crate) fn check_read(
    info: &StackInfo,
    what: &str,
    window: &Window,
    layers: usize,
    out_len: usize,
) -> anyhow::Result<()> {
    let w = window;
    if w.y0 >= w.y1 || w.x0 >= w.x1 || w.y1 > info.length || w.x1 > info.width {
        anyhow::bail!(
            "{what}: window rows {}..{} cols {}..{} is empty or outside the {} x {} stack",
            w.y0,
            w.y1,
            w.x0,
            w.x1,
            info.length,
            info.width
        );
    }
    if out_len != layers * w.pixels() {
        anyhow::bail!(
            "{what}: buffer holds {out_len} values, {layers} layer(s) x {} pixels needed",
            w.pixels()
        );
    }
    Ok(())
}

/// `read_stack` of a source that reads ranges of pairs itself: every pair through its
/// `read_pairs`, so that both reads share one code path.
pub(crate) fn read_all_pairs<S: StackSource + ?Sized>(
    source: &S,
    layer: StackLayer,
    window: &Window,
    out: &mut [f32],
) -> anyhow::Result<()> {
    let m = source.info().network.num_pairs();
    // Checked before `window.pixels()`, which a reversed window would underflow.
    check_read(source.info(), "read_stack", window, m, out.len())?;
    source.read_pairs(layer, 0..m, window, out)
}

/// Checks a pair-range read request: `pairs` must be a non-empty range of the kept pairs, and
/// `window` and `out` as [`check_read`] wants them for that many pairs.
pub(crate) fn check_pairs(
    info: &StackInfo,
    what: &str,
    pairs: &Range<usize>,
    window: &Window,
    out_len: usize,
) -> anyhow::Result<()> {
    let m = info.network.num_pairs();
    if pairs.start >= pairs.end || pairs.end > m {
        anyhow::bail!(
            "{what}: pairs {}..{} is empty or outside the stack's {m} interferograms",
            pairs.start,
            pairs.end
        );
    }
    check_read(info, what, window, pairs.len(), out_len)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn linspace_ends_exactly_on_its_stop_as_numpy() {
        // Three steps of 0.9 / 3 add up to 0.8999999999999999: numpy ends on 0.9 anyway.
        let (start, stop, n) = (0.0, 0.9, 4);
        assert_ne!(start + 3.0 * ((stop - start) / 3.0), stop);
        assert_eq!(linspace_at(start, stop, n, n - 1), stop);
        assert_eq!(linspace_at(start, stop, n, 1), 0.9 / 3.0);
        assert_eq!(linspace_at(5.0, 9.0, 1, 0), 5.0);
    }

    #[test]
    fn coordinates_follow_the_metadata_and_windows() {
        let mut a = Attributes::new();
        assert_eq!(
            StackCoords::from_attrs(&a, 10, 20).unwrap(),
            StackCoords::Radar
        );
        a.set("Y_FIRST", "35.0");
        assert!(
            StackCoords::from_attrs(&a, 10, 20).is_err(),
            "Y_FIRST without the steps is an incomplete grid"
        );
        a.set("Y_STEP", "-0.01");
        a.set("X_FIRST", "-118.0");
        a.set("X_STEP", "0.02");
        let StackCoords::Map(g) = StackCoords::from_attrs(&a, 10, 20).unwrap() else {
            panic!("geocoded metadata give a map grid");
        };
        assert_eq!((g.length, g.width), (10, 20));
        let w = Window {
            y0: 2,
            y1: 5,
            x0: 4,
            x1: 9,
        };
        let StackCoords::Map(s) = StackCoords::Map(g).window(&w) else {
            panic!("a window of a map grid is a map grid");
        };
        assert_eq!((s.length, s.width), (3, 5));
        assert!((s.y_first - 34.98).abs() < 1e-12 && (s.x_first + 117.92).abs() < 1e-12);
        assert_eq!(StackCoords::Radar.window(&w), StackCoords::Radar);
    }
}
