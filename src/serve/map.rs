//! Map images: one layer of the run rendered from the store as a PNG of its (sub-sampled)
//! pixels, coloured and turned (MintPy's flip of radar-coordinate maps) as `sbas view` shows
//! them, with what the page needs to label it (colour limits, unit, title, reference point in
//! product pixels, notes, the flip applied) in a header; and colour-bar strips.

use std::path::Path;

use serde_json::json;

use super::catalog::LayerInfo;
use super::reply::{ascii_json, Reply};
use crate::plot::colormap::Colormap;
use crate::plot::map::colour_raster;
use crate::plot::picture::write_rgb_png;
use crate::plot::view::{prepare_view, MaskChoice, ViewOptions};

/// Header carrying the map's description (JSON, ASCII).
pub const MAP_INFO_HEADER: &str = "X-Sbas-Map";

/// What a map request asks for.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MapRequest {
    /// Date of a per-date layer, YYYYMMDD (default: the last).
    pub date: Option<String>,
    /// Show the change since this date.
    pub ref_date: Option<String>,
    /// Hide the pixels the layer's mask removes.
    pub mask: bool,
    /// Colour limits, display units.
    pub vlim: Option<(f64, f64)>,
    /// Colour map name.
    pub colormap: Option<String>,
    /// Display unit of lengths.
    pub unit: Option<String>,
    /// Turn a radar-coordinate map by MintPy's rule, as `sbas view` does (false: `noflip=1`,
    /// the stored orientation).
    pub flip: bool,
}

/// What the note of a flipped map tells the page's reader: the page's own control, not
/// `sbas view`'s `--noflip`.
pub const NOFLIP_HINT: &str =
    "untick \"north up\", or add noflip=1 to the address, to see it as stored";

/// Renders `layer` of run folder `dir` as asked: the PNG, and its description in
/// [`MAP_INFO_HEADER`].
pub fn map_png(dir: &Path, layer: &LayerInfo, rq: &MapRequest) -> anyhow::Result<Reply> {
    let mask = if rq.mask {
        let m = layer.mask.as_ref().ok_or_else(|| {
            anyhow::anyhow!("{} has no mask of the same grid to apply", layer.name)
        })?;
        MaskChoice::Product(m.clone())
    } else {
        MaskChoice::No
    };
    let opts = ViewOptions {
        layer: layer.name.clone(),
        date: rq.date.clone(),
        ref_date: rq.ref_date.clone(),
        mask,
        vlim: rq.vlim,
        colormap: rq.colormap.as_deref().map(Colormap::parse).transpose()?,
        unit: rq.unit.clone(),
        flip: rq.flip,
        noflip_hint: Some(NOFLIP_HINT.to_string()),
        ..ViewOptions::default()
    };
    let view = prepare_view(dir, &opts)?;
    let rgb = colour_raster(&view.figure());
    let mut png = Vec::new();
    write_rgb_png(&mut png, view.cols, view.rows, &rgb)?;
    let w = view.window;
    let info = json!({
        "layer": layer.name,
        "rows": view.rows,
        "cols": view.cols,
        "step": view.step,
        "window": [w.y0, w.y1, w.x0, w.x1],
        "flipped": [view.flipped.0, view.flipped.1],
        "vlim": [view.vlim.0, view.vlim.1],
        "unit": view.unit,
        "colormap": view.colormap.name(),
        "title": view.title,
        "notes": view.notes,
        "mask_label": view.mask_label,
        "reference": view.reference.as_ref().map(|r| {
            let (y, x) = view.product_pixel(r.row, r.col);
            json!({ "y": y, "x": x, "label": r.label })
        }),
    });
    Ok(Reply::ok("image/png", png).with_header(MAP_INFO_HEADER, ascii_json(&info)))
}

/// A 256 x 1 PNG of colour map `name`, low values on the left.
pub fn colorbar_png(name: &str) -> anyhow::Result<Reply> {
    let lut = Colormap::parse(name)?.lut();
    let rgb: Vec<u8> = lut.iter().flatten().copied().collect();
    let mut png = Vec::new();
    write_rgb_png(&mut png, 256, 1, &rgb)?;
    Ok(Reply::ok("image/png", png))
}
