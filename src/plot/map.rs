//! A map figure: a raster coloured by value, a colour bar with ticks and unit, a title, axes in
//! radar rows/columns or latitude/longitude, the reference point and a legend. Pure: values in,
//! pixels out.

use super::canvas::{text_width, Canvas, Rgb, BLACK, GLYPH, NO_DATA, WHITE};
use super::colormap::Colormap;
use super::ticks::nice_ticks;

/// One map axis: the coordinate of the first displayed pixel's outer edge and the coordinate
/// change per displayed pixel (negative for latitude going down).
#[derive(Debug, Clone, PartialEq)]
pub struct Axis {
    /// Coordinate at the top (rows) or left (columns) edge of the image.
    pub first: f64,
    /// Coordinate change per displayed pixel.
    pub step: f64,
    /// Axis label, e.g. "row" or "latitude (deg)".
    pub label: String,
}

/// The reference point to mark, in displayed pixel coordinates.
#[derive(Debug, Clone, PartialEq)]
pub struct RefMarker {
    /// Displayed row (may be fractional after decimation).
    pub row: f64,
    /// Displayed column.
    pub col: f64,
    /// Legend text.
    pub label: String,
}

/// Everything a map figure shows.
#[derive(Debug, Clone)]
pub struct MapFigure<'a> {
    /// Values in display units, `rows x cols` row-major; NaN = no data.
    pub values: &'a [f32],
    /// Rows of `values`.
    pub rows: usize,
    /// Columns of `values`.
    pub cols: usize,
    /// `true` where the mask removes the pixel (drawn white).
    pub masked: Option<&'a [bool]>,
    /// Legend text for masked pixels, e.g. "masked (maskTempCoh)".
    pub mask_label: String,
    /// Colour limits: values at or below `.0` take the first colour, at or above `.1` the last.
    pub vlim: (f64, f64),
    /// Colour map.
    pub colormap: Colormap,
    /// Unit shown above the colour bar.
    pub unit: String,
    /// Title lines, top first.
    pub title: Vec<String>,
    /// Vertical axis.
    pub y_axis: Axis,
    /// Horizontal axis.
    pub x_axis: Axis,
    /// Reference point, when it lies inside the view.
    pub reference: Option<RefMarker>,
    /// Extra legend lines (e.g. the reference point outside the view).
    pub notes: Vec<String>,
}

/// Where the parts of a rendered map landed, in canvas pixels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MapLayout {
    /// Left edge of the image area.
    pub map_x: usize,
    /// Top edge of the image area.
    pub map_y: usize,
    /// Canvas pixels per displayed raster pixel.
    pub zoom: usize,
    /// Width of the image area (displayed columns x zoom).
    pub map_w: usize,
    /// Height of the image area (displayed rows x zoom).
    pub map_h: usize,
    /// Left edge of the colour bar.
    pub bar_x: usize,
    /// Top edge of the colour bar (the high end).
    pub bar_y: usize,
    /// Width of the colour bar.
    pub bar_w: usize,
    /// Height of the colour bar.
    pub bar_h: usize,
    /// Top of the title block.
    pub title_y: usize,
}

/// Smallest size the longer side of the image is blown up to, canvas pixels.
const MIN_MAP_SIDE: usize = 400;
const PAD: usize = 12;
const TICK: usize = 4;
const BAR_W: usize = 18;
const BAR_GAP: usize = 16;
const TITLE_SCALE: usize = 2;
const LINE: usize = GLYPH + 6;

/// Renders the figure.
pub fn render_map(fig: &MapFigure) -> (Canvas, MapLayout) {
    let f = MapFrame::of(fig);
    let mut c = Canvas::new(f.width, f.height);
    for (k, t) in fig.title.iter().enumerate() {
        c.text(
            PAD as i64,
            (PAD + k * (GLYPH * f.title_scale + 6)) as i64,
            t,
            f.title_scale,
            BLACK,
        );
    }
    draw_raster(&mut c, fig, f.map_x, f.map_y, f.zoom);
    c.stroke_rect(
        f.map_x as i64 - 1,
        f.map_y as i64 - 1,
        f.map_w as i64 + 2,
        f.map_h as i64 + 2,
        BLACK,
    );
    draw_axes(&mut c, fig, &f);
    let bar_h = draw_colour_bar(&mut c, fig, &f);
    if let Some(r) = &fig.reference {
        draw_reference(&mut c, r, &f);
    }
    draw_legend(&mut c, &f);
    let layout = MapLayout {
        map_x: f.map_x,
        map_y: f.map_y,
        zoom: f.zoom,
        map_w: f.map_w,
        map_h: f.map_h,
        bar_x: f.bar_x,
        bar_y: f.map_y,
        bar_w: f.bar_w,
        bar_h,
        title_y: PAD,
    };
    (c, layout)
}

/// The sizes and places of a map figure's parts, and the ticks and legend lines they hold.
struct MapFrame {
    /// Scale of text and furniture (2 on large maps).
    s: usize,
    tick: usize,
    bar_w: usize,
    line: usize,
    title_scale: usize,
    zoom: usize,
    map_x: usize,
    map_y: usize,
    map_w: usize,
    map_h: usize,
    bar_x: usize,
    legend_y: usize,
    width: usize,
    height: usize,
    y_ticks: Vec<(f64, String)>,
    x_ticks: Vec<(f64, String)>,
    bar_ticks: Vec<(f64, String)>,
    legend: Vec<(Swatch, String)>,
}

impl MapFrame {
    /// Lays out `fig`: the image blown up to at least [`MIN_MAP_SIDE`], the colour bar on its
    /// right, the title above and the legend below.
    fn of(fig: &MapFigure) -> MapFrame {
        let side = fig.rows.max(fig.cols).max(1);
        let zoom = if side >= MIN_MAP_SIDE {
            1
        } else {
            MIN_MAP_SIDE.div_ceil(side)
        };
        let (map_w, map_h) = (fig.cols * zoom, fig.rows * zoom);
        // Text and furniture grow with the picture so large maps stay readable.
        let s = if map_w.max(map_h) > 1000 { 2 } else { 1 };
        let (tick, bar_w, gap, line) = (TICK * s, BAR_W * s, BAR_GAP * s, LINE * s);
        let title_scale = TITLE_SCALE + s - 1;

        let y_ticks = axis_ticks(&fig.y_axis, fig.rows, map_h);
        let x_ticks = axis_ticks(&fig.x_axis, fig.cols, map_w);
        let bar_ticks = nice_ticks(fig.vlim.0.min(fig.vlim.1), fig.vlim.0.max(fig.vlim.1), 6);
        let widest =
            |ticks: &[(f64, String)]| ticks.iter().map(|t| text_width(&t.1, s)).max().unwrap_or(0);
        let (y_label_w, bar_label_w) = (widest(&y_ticks), widest(&bar_ticks));

        let legend = legend_lines(fig);
        let title_h = fig.title.len() * (GLYPH * title_scale + 6);
        let map_x = PAD + GLYPH * s + 6 + y_label_w + tick + 2;
        let map_y = PAD + title_h + 10 + line; // room for the unit above the bar
        let bar_x = map_x + map_w + gap;
        let right = bar_x + bar_w + tick + 2 + bar_label_w.max(text_width(&fig.unit, s) / 2) + PAD;
        let legend_y = map_y + map_h + tick + 2 + line + line + 6;
        let width = right
            .max(
                fig.title
                    .iter()
                    .map(|t| 2 * PAD + text_width(t, title_scale))
                    .max()
                    .unwrap_or(0),
            )
            .max(
                legend
                    .iter()
                    .map(|l| 2 * PAD + 20 * s + text_width(&l.1, s))
                    .max()
                    .unwrap_or(0),
            )
            .max(bar_x + text_width(&fig.unit, s) + PAD);
        let height = legend_y + legend.len() * (line + 2) + PAD;
        MapFrame {
            s,
            tick,
            bar_w,
            line,
            title_scale,
            zoom,
            map_x,
            map_y,
            map_w,
            map_h,
            bar_x,
            legend_y,
            width,
            height,
            y_ticks,
            x_ticks,
            bar_ticks,
            legend,
        }
    }
}

/// Tick marks and labels of both axes, and the axis labels.
fn draw_axes(c: &mut Canvas, fig: &MapFigure, f: &MapFrame) {
    let (s, tick, line) = (f.s, f.tick, f.line);
    let (map_x, map_y, map_w, map_h) = (f.map_x, f.map_y, f.map_w, f.map_h);
    for (pos, label) in &f.y_ticks {
        let y = map_y as i64 + *pos as i64;
        c.fill_rect((map_x - 1 - tick) as i64, y, tick as i64, s as i64, BLACK);
        let x = map_x as i64 - 1 - tick as i64 - 2 - text_width(label, s) as i64;
        c.text(x, y - (GLYPH * s / 2) as i64, label, s, BLACK);
    }
    for (pos, label) in &f.x_ticks {
        let x = map_x as i64 + *pos as i64;
        c.fill_rect(x, (map_y + map_h + 1) as i64, s as i64, tick as i64, BLACK);
        let tx = x - (text_width(label, s) / 2) as i64;
        c.text(tx, (map_y + map_h + tick + 3) as i64, label, s, BLACK);
    }
    let xl = &fig.x_axis.label;
    c.text(
        (map_x + map_w / 2) as i64 - (text_width(xl, s) / 2) as i64,
        (map_y + map_h + tick + 3 + line) as i64,
        xl,
        s,
        BLACK,
    );
    let yl = &fig.y_axis.label;
    c.text_up(
        PAD as i64,
        (map_y + map_h / 2 + text_width(yl, s) / 2) as i64,
        yl,
        s,
        BLACK,
    );
}

/// The colour bar right of the image, high values at the top, with its ticks and the unit
/// above it; returns its height.
fn draw_colour_bar(c: &mut Canvas, fig: &MapFigure, f: &MapFrame) -> usize {
    let (s, tick, bar_x, bar_w, map_y) = (f.s, f.tick, f.bar_x, f.bar_w, f.map_y);
    let bar_h = f.map_h.max(2);
    let (lo, hi) = fig.vlim;
    for j in 0..bar_h {
        let t = 1.0 - j as f64 / (bar_h - 1) as f64;
        let col = fig.colormap.at(t);
        c.fill_rect(bar_x as i64, (map_y + j) as i64, bar_w as i64, 1, col);
    }
    c.stroke_rect(
        bar_x as i64 - 1,
        map_y as i64 - 1,
        bar_w as i64 + 2,
        bar_h as i64 + 2,
        BLACK,
    );
    if hi > lo {
        for (v, label) in &f.bar_ticks {
            let y = map_y as i64 + ((hi - v) / (hi - lo) * (bar_h - 1) as f64).round() as i64;
            c.fill_rect((bar_x + bar_w + 1) as i64, y, tick as i64, s as i64, BLACK);
            c.text(
                (bar_x + bar_w + tick + 3) as i64,
                y - (GLYPH * s / 2) as i64,
                label,
                s,
                BLACK,
            );
        }
    }
    c.text(
        bar_x as i64,
        (map_y - 6 - GLYPH * s) as i64,
        &fig.unit,
        s,
        BLACK,
    );
    bar_h
}

/// The reference point: a black square with a thin white rim so it shows on dark colours too.
fn draw_reference(c: &mut Canvas, r: &RefMarker, f: &MapFrame) {
    let zoom = f.zoom;
    let side = (zoom as i64).max(9 * f.s as i64) | 1;
    let cx = f.map_x as i64 + ((r.col + 0.5) * zoom as f64).floor() as i64;
    let cy = f.map_y as i64 + ((r.row + 0.5) * zoom as f64).floor() as i64;
    let h = side / 2;
    c.fill_rect(cx - h - 1, cy - h - 1, side + 2, side + 2, WHITE);
    c.fill_rect(cx - h, cy - h, side, side, BLACK);
}

/// The legend lines below the image, each after its swatch.
fn draw_legend(c: &mut Canvas, f: &MapFrame) {
    let si = f.s as i64;
    for (k, (swatch, text)) in f.legend.iter().enumerate() {
        let y = (f.legend_y + k * (f.line + 2)) as i64;
        match swatch {
            Swatch::Reference => c.fill_rect(PAD as i64 + 2, y, 7 * si, 7 * si, BLACK),
            Swatch::Fill(col) => {
                c.fill_rect(PAD as i64, y - 1, 11 * si, 10 * si, *col);
                c.stroke_rect(PAD as i64, y - 1, 11 * si, 10 * si, BLACK);
            }
            Swatch::None => {}
        }
        c.text(PAD as i64 + 20 * si, y, text, f.s, BLACK);
    }
}

enum Swatch {
    Reference,
    Fill(Rgb),
    None,
}

fn legend_lines(fig: &MapFigure) -> Vec<(Swatch, String)> {
    let mut lines = Vec::new();
    if let Some(r) = &fig.reference {
        lines.push((Swatch::Reference, r.label.clone()));
    }
    if let Some(m) = fig.masked {
        if m.iter().zip(fig.values).any(|(&b, v)| b && !v.is_nan()) {
            lines.push((Swatch::Fill(WHITE), fig.mask_label.clone()));
        }
    }
    if fig.values.iter().any(|v| v.is_nan()) {
        lines.push((Swatch::Fill(NO_DATA), "no data".to_string()));
    }
    for n in &fig.notes {
        lines.push((Swatch::None, n.clone()));
    }
    lines
}

/// Tick positions (canvas pixels from the image edge) and labels along one axis.
fn axis_ticks(axis: &Axis, n: usize, screen: usize) -> Vec<(f64, String)> {
    if n == 0 || axis.step == 0.0 {
        return Vec::new();
    }
    let a = axis.first;
    let b = axis.first + axis.step * n as f64;
    let target = (screen / 90).clamp(2, 8);
    nice_ticks(a.min(b), a.max(b), target)
        .into_iter()
        .map(|(v, label)| ((v - a) / axis.step * (screen as f64 / n as f64), label))
        .filter(|(p, _)| *p >= 0.0 && *p <= screen as f64)
        .collect()
}

/// Colours value `i` of `fig`: [`NO_DATA`] without data, white where masked, else its place
/// between the colour limits in `lut` (the colour map's table).
fn pixel_colour(fig: &MapFigure, lut: &[Rgb; 256], i: usize) -> Rgb {
    let v = fig.values[i];
    let (lo, hi) = fig.vlim;
    let span = hi - lo;
    // No data wins over the mask: white means "has data, masked out".
    if v.is_nan() {
        NO_DATA
    } else if fig.masked.is_some_and(|m| m[i]) {
        WHITE
    } else {
        let t = if span > 0.0 {
            (v as f64 - lo) / span
        } else {
            0.5
        };
        lut[(t.clamp(0.0, 1.0) * 255.0).round() as usize]
    }
}

/// The raster of `fig` alone, one RGB triple per value (row-major, `rows x cols`), coloured as
/// the figure colours it.
pub fn colour_raster(fig: &MapFigure) -> Vec<u8> {
    let lut = fig.colormap.lut();
    let mut out = Vec::with_capacity(fig.values.len() * 3);
    for i in 0..fig.values.len() {
        out.extend_from_slice(&pixel_colour(fig, &lut, i));
    }
    out
}

fn draw_raster(c: &mut Canvas, fig: &MapFigure, x0: usize, y0: usize, zoom: usize) {
    let lut = fig.colormap.lut();
    for r in 0..fig.rows {
        for col in 0..fig.cols {
            let colour = pixel_colour(fig, &lut, r * fig.cols + col);
            c.fill_rect(
                (x0 + col * zoom) as i64,
                (y0 + r * zoom) as i64,
                zoom as i64,
                zoom as i64,
                colour,
            );
        }
    }
}

/// Default colour limits: symmetric about zero (+-the 99th percentile of |value|) for diverging
/// maps, else the 1st..99th percentile; `None` when no pixel has a value.
pub fn auto_vlim(values: &[f32], masked: Option<&[bool]>, diverging: bool) -> Option<(f64, f64)> {
    let mut v: Vec<f32> = values
        .iter()
        .enumerate()
        .filter(|(i, x)| x.is_finite() && !masked.is_some_and(|m| m[*i]))
        .map(|(_, x)| if diverging { x.abs() } else { *x })
        .collect();
    if v.is_empty() {
        return None;
    }
    v.sort_by(f32::total_cmp);
    let q = |p: f64| v[((v.len() - 1) as f64 * p).round() as usize] as f64;
    let (lo, hi) = if diverging {
        let m = q(0.99);
        let m = if m > 0.0 { m } else { 1.0 };
        (-m, m)
    } else {
        let (a, b) = (q(0.01), q(0.99));
        if b > a {
            (a, b)
        } else {
            (a - 0.5, a + 0.5)
        }
    };
    Some((lo, hi))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn figure<'a>(values: &'a [f32], rows: usize, cols: usize) -> MapFigure<'a> {
        MapFigure {
            values,
            rows,
            cols,
            masked: None,
            mask_label: "masked".into(),
            vlim: (-1.0, 1.0),
            colormap: Colormap::RdBuR,
            unit: "cm".into(),
            title: vec!["t".into()],
            y_axis: Axis {
                first: -0.5,
                step: 1.0,
                label: "row".into(),
            },
            x_axis: Axis {
                first: -0.5,
                step: 1.0,
                label: "column".into(),
            },
            reference: None,
            notes: vec![],
        }
    }

    #[test]
    fn pixels_take_the_colour_of_their_value() {
        let vals = [-1.0f32, 0.0, 1.0, f32::NAN];
        let fig = figure(&vals, 2, 2);
        let (c, l) = render_map(&fig);
        let at = |r: usize, col: usize| {
            c.get(
                l.map_x + col * l.zoom + l.zoom / 2,
                l.map_y + r * l.zoom + l.zoom / 2,
            )
        };
        assert_eq!(at(0, 0), Colormap::RdBuR.at(0.0));
        assert_eq!(at(1, 0), Colormap::RdBuR.at(1.0));
        assert_eq!(at(1, 1), NO_DATA);
        assert_eq!(l.zoom, 200);
    }

    #[test]
    fn auto_limits_are_symmetric_for_diverging_maps() {
        let v: Vec<f32> = (0..101).map(|i| i as f32 - 20.0).collect();
        let (lo, hi) = auto_vlim(&v, None, true).unwrap();
        assert_eq!(lo, -hi);
        assert!((79.0..=80.0).contains(&hi));
        let (lo, hi) = auto_vlim(&v, None, false).unwrap();
        assert!(lo < -18.0 && hi > 78.0);
        assert!(auto_vlim(&[f32::NAN], None, true).is_none());
    }
}
