//! A rectangular part of a stack (MintPy `mintpy.subset.yx`), presented to the inversion as a
//! whole stack: pixel (0, 0) of the subset is pixel (y0, x0) of the stack. Metadata are updated as
//! MintPy's `update_attribute4subset` does for radar coordinates.

use anyhow::bail;

use crate::source::{GeomLayer, StackInfo, StackLayer, StackSource};
use crate::window::Window;

/// A stack seen through a window.
pub struct SubsetStack<'a> {
    inner: &'a dyn StackSource,
    area: Window,
    info: StackInfo,
}

impl<'a> SubsetStack<'a> {
    /// The part `area` (rows y0..y1, columns x0..x1) of `inner`; `area` is clipped to the image,
    /// as MintPy's `check_box_within_data_coverage`, and must not be empty after that.
    pub fn new(inner: &'a dyn StackSource, area: Window) -> anyhow::Result<SubsetStack<'a>> {
        let full = inner.info();
        let a = Window {
            y0: area.y0.min(full.length),
            y1: area.y1.min(full.length),
            x0: area.x0.min(full.width),
            x1: area.x1.min(full.width),
        };
        if a.y0 >= a.y1 || a.x0 >= a.x1 {
            bail!(
                "subset rows {}:{} columns {}:{} lies outside the {} x {} stack",
                area.y0,
                area.y1,
                area.x0,
                area.x1,
                full.length,
                full.width
            );
        }
        let mut info = full.clone();
        info.length = a.rows();
        info.width = a.cols();
        let attrs = &mut info.attrs;
        attrs.set("LENGTH", a.rows());
        attrs.set("WIDTH", a.cols());
        attrs.set("XMIN", 0);
        attrs.set("XMAX", a.cols() - 1);
        attrs.set("YMIN", 0);
        attrs.set("YMAX", a.rows() - 1);
        let prev = |k: &str| attrs.get_f64_opt(k).map(|v| v as usize).unwrap_or(0);
        let (sx, sy) = (prev("SUBSET_XMIN"), prev("SUBSET_YMIN"));
        attrs.set("SUBSET_XMIN", sx + a.x0);
        attrs.set("SUBSET_XMAX", sx + a.x1);
        attrs.set("SUBSET_YMIN", sy + a.y0);
        attrs.set("SUBSET_YMAX", sy + a.y1);
        if let (Some(r0), Some(dr)) = (
            attrs.get_f64_opt("STARTING_RANGE"),
            attrs.get_f64_opt("RANGE_PIXEL_SIZE"),
        ) {
            attrs.set("STARTING_RANGE", r0 + dr * a.x0 as f64);
        }
        Ok(SubsetStack {
            inner,
            area: a,
            info,
        })
    }

    /// The part of the full stack read, after clipping.
    pub fn area(&self) -> Window {
        self.area
    }

    fn outer(&self, w: &Window) -> anyhow::Result<Window> {
        if w.y1 > self.info.length || w.x1 > self.info.width || w.y0 >= w.y1 || w.x0 >= w.x1 {
            bail!(
                "subset read: window rows {}..{} cols {}..{} is empty or outside the {} x {} subset",
                w.y0,
                w.y1,
                w.x0,
                w.x1,
                self.info.length,
                self.info.width
            );
        }
        Ok(Window {
            y0: w.y0 + self.area.y0,
            y1: w.y1 + self.area.y0,
            x0: w.x0 + self.area.x0,
            x1: w.x1 + self.area.x0,
        })
    }
}

impl StackSource for SubsetStack<'_> {
    fn info(&self) -> &StackInfo {
        &self.info
    }

    fn read_stack(
        &self,
        layer: StackLayer,
        window: &Window,
        out: &mut [f32],
    ) -> anyhow::Result<()> {
        self.inner.read_stack(layer, &self.outer(window)?, out)
    }

    fn read_geometry(
        &self,
        layer: GeomLayer,
        window: &Window,
        out: &mut [f32],
    ) -> anyhow::Result<()> {
        self.inner.read_geometry(layer, &self.outer(window)?, out)
    }
}
