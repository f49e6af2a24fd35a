//! A stack reader restricted to a window of another: every read is offset into the inner
//! source, so only the requested rows and columns are ever read and the readers stay unaware.

use anyhow::{bail, Context};

use crate::geo::grid::MapGrid;
use crate::geo::subset::{
    clip_box, geo_box_to_window, subset_attributes, LookupBox, SubsetRequest,
};
use crate::source::{check_pairs, check_read, GeomLayer, StackInfo, StackLayer, StackSource};
use crate::window::Window;

/// Pixels of lookup read per strip while resolving a lat/lon subset.
const LOOKUP_STRIP_PIXELS: usize = 1 << 20;

/// The `window` part of `inner`, seen as a stack of its own (rows and columns from 0).
pub struct SubsetSource {
    inner: Box<dyn StackSource>,
    window: Window,
    info: StackInfo,
}

impl SubsetSource {
    /// Restricts `inner` to `window` (which must lie inside it); the metadata follow MintPy's
    /// subset rules ([`subset_attributes`]).
    pub fn new(inner: Box<dyn StackSource>, window: Window) -> anyhow::Result<SubsetSource> {
        let full = inner.info();
        if window.y0 >= window.y1
            || window.x0 >= window.x1
            || window.y1 > full.length
            || window.x1 > full.width
        {
            bail!(
                "subset rows {}..{}, columns {}..{} is empty or outside the {} x {} stack",
                window.y0,
                window.y1,
                window.x0,
                window.x1,
                full.length,
                full.width
            );
        }
        let mut info = full.clone();
        info.length = window.rows();
        info.width = window.cols();
        info.attrs = subset_attributes(&full.attrs, &window);
        info.coords = full.coords.window(&window);
        Ok(SubsetSource {
            inner,
            window,
            info,
        })
    }

    /// The window of the inner stack this source shows.
    pub fn window(&self) -> Window {
        self.window
    }

    fn outer(&self, w: &Window) -> Window {
        Window {
            y0: w.y0 + self.window.y0,
            y1: w.y1 + self.window.y0,
            x0: w.x0 + self.window.x0,
            x1: w.x1 + self.window.x0,
        }
    }
}

impl StackSource for SubsetSource {
    fn map_lookup(&self) -> Option<&crate::geo::map_lookup::MapLookup> {
        self.inner.map_lookup()
    }

    fn info(&self) -> &StackInfo {
        &self.info
    }

    fn read_stack(
        &self,
        layer: StackLayer,
        window: &Window,
        out: &mut [f32],
    ) -> anyhow::Result<()> {
        let m = self.info.network.num_pairs();
        check_read(&self.info, "subset read_stack", window, m, out.len())?;
        self.inner.read_stack(layer, &self.outer(window), out)
    }

    fn read_pairs(
        &self,
        layer: StackLayer,
        pairs: std::ops::Range<usize>,
        window: &Window,
        out: &mut [f32],
    ) -> anyhow::Result<()> {
        check_pairs(&self.info, "subset read_pairs", &pairs, window, out.len())?;
        self.inner
            .read_pairs(layer, pairs, &self.outer(window), out)
    }

    fn read_geometry(
        &self,
        layer: GeomLayer,
        window: &Window,
        out: &mut [f32],
    ) -> anyhow::Result<()> {
        check_read(&self.info, "subset read_geometry", window, 1, out.len())?;
        self.inner.read_geometry(layer, &self.outer(window), out)
    }
}

/// Resolves a subset request to a window of `source`: y/x boxes are clipped to the image, lat/lon
/// boxes go through the geocoded grid or the radar lat/lon lookup (read in strips).
pub fn resolve_subset(source: &dyn StackSource, req: &SubsetRequest) -> anyhow::Result<Window> {
    let info = source.info();
    let (length, width) = (info.length, info.width);
    match *req {
        SubsetRequest::Yx { y0, y1, x0, x1 } => clip_box(y0, y1, x0, x1, length, width),
        SubsetRequest::Lalo {
            south,
            north,
            west,
            east,
        } => {
            if MapGrid::is_geocoded(&info.attrs) {
                return geo_box_to_window(&info.attrs, south, north, west, east, length, width);
            }
            let has_lalo =
                info.has_geometry(GeomLayer::Latitude) && info.has_geometry(GeomLayer::Longitude);
            if let (false, Some(lut)) = (has_lalo, source.map_lookup()) {
                let offset = crate::geo::map_lookup::subset_offset(&info.attrs);
                let buf = lut.load_buffer(&info.attrs);
                return lut.radar_box((south, north, west, east), offset, buf, (length, width));
            }
            if !has_lalo {
                bail!(
                    "--subset-lalo: the stack is in radar coordinates and has no latitude/longitude \
                     lookup; give the subset as --subset-yx y0:y1,x0:x1 instead"
                );
            }
            let rows = (LOOKUP_STRIP_PIXELS / width.max(1)).clamp(1, length);
            let mut search = LookupBox::new(south, north, west, east);
            let (mut lat, mut lon) = (Vec::new(), Vec::new());
            for y0 in (0..length).step_by(rows) {
                let w = Window {
                    y0,
                    y1: (y0 + rows).min(length),
                    x0: 0,
                    x1: width,
                };
                lat.resize(w.pixels(), 0.0f32);
                lon.resize(w.pixels(), 0.0f32);
                source
                    .read_geometry(GeomLayer::Latitude, &w, &mut lat)
                    .context("reading the latitude lookup for --subset-lalo")?;
                source
                    .read_geometry(GeomLayer::Longitude, &w, &mut lon)
                    .context("reading the longitude lookup for --subset-lalo")?;
                search.add(&w, &lat, &lon);
            }
            search.finish(length, width)
        }
    }
}
