//! A map figure: a raster coloured by value, a colour bar with ticks and unit, a title, axes in
//! radar rows/columns or latitude/longitude, the reference point and a legend. Pure: values in,
//! pixels out.

use plotters::backend::BitMapBackend;
use plotters::coord::Shift;
use plotters::drawing::{DrawingArea, DrawingAreaErrorKind};
use plotters::element::Rectangle;
use plotters::style::Color;

use super::colormap::Colormap;
use super::font::{measure, HAlign, VAlign};
use super::picture::{colour, Picture, Rgb, BLACK, NO_DATA, WHITE};
use super::ticks::{nice_ticks, typeset};

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
    /// How tick labels are written.
    pub ticks: TickLabels,
}

impl Axis {
    /// The same axis read from the other end, for a map of `n` pixels shown flipped.
    pub fn reversed(self, n: usize) -> Axis {
        Axis {
            first: self.first + self.step * n as f64,
            step: -self.step,
            ..self
        }
    }
}

/// How the tick labels of an axis are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TickLabels {
    /// Plain numbers: "-119.8".
    #[default]
    Plain,
    /// Degrees north or south: "34.9°N" (MintPy's `--lalo-label`).
    Latitude,
    /// Degrees east or west: "119.8°W".
    Longitude,
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
    /// Shaded relief in 0..1 (`rows x cols`), shown grey where the data are masked or missing
    /// instead of white and light grey (`--dem`).
    pub shade: Option<&'a [f32]>,
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

/// Where the parts of a rendered map landed, in picture pixels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MapLayout {
    /// Left edge of the image area.
    pub map_x: usize,
    /// Top edge of the image area.
    pub map_y: usize,
    /// Picture pixels per displayed raster pixel.
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

/// Smallest size the longer side of the image is blown up to, picture pixels.
const MIN_MAP_SIDE: usize = 400;
const PAD: usize = 12;
const TICK: usize = 5;
const BAR_W: usize = 18;
const BAR_GAP: usize = 16;
/// Body text size, pixels (doubled on large maps).
const TEXT: f64 = 14.0;
/// Title text size, pixels.
const TITLE: f64 = 17.0;

type Area<'a> = DrawingArea<BitMapBackend<'a>, Shift>;

/// Renders the figure: the raster and colour bar laid down pixel by pixel in the colour map's
/// exact colours, then frames, ticks, the reference marker and the legend's swatches drawn
/// over them by plotters, and the text in anti-aliased DejaVu Sans.
pub fn render_map(fig: &MapFigure) -> anyhow::Result<(Picture, MapLayout)> {
    let f = MapFrame::of(fig);
    let mut pic = Picture::new(f.width, f.height);
    let lut = fig.colormap.lut();
    let zoom = f.zoom;
    pic.blit(f.map_x, f.map_y, f.map_w, f.map_h, |x, y| {
        pixel_colour(fig, &lut, (y / zoom) * fig.cols + x / zoom)
    });
    let bar_h = f.map_h.max(2);
    pic.blit(f.bar_x, f.map_y, f.bar_w, bar_h, |_, j| {
        fig.colormap.at(1.0 - j as f64 / (bar_h - 1) as f64)
    });
    pic.draw(|root| {
        frame(root, f.map_x, f.map_y, f.map_w, f.map_h)?;
        draw_ticks(root, &f)?;
        draw_colour_bar(root, fig, &f, bar_h)?;
        if let Some(r) = &fig.reference {
            draw_reference(root, r, &f)?;
        }
        draw_swatches(root, &f)
    })?;
    write_text(&mut pic, fig, &f, bar_h);
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
    Ok((pic, layout))
}

/// The sizes and places of a map figure's parts, and the ticks and legend lines they hold.
struct MapFrame {
    /// Scale of text and furniture (2 on large maps).
    s: usize,
    tick: usize,
    bar_w: usize,
    line: usize,
    text_size: f64,
    title_size: f64,
    title_line: usize,
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
        let (text_size, title_size) = (TEXT * s as f64, TITLE * s as f64);
        let (tick, bar_w, gap) = (TICK * s, BAR_W * s, BAR_GAP * s);
        let line = measure("Ag", text_size).1.max(1) + 5 * s;
        let title_line = measure("Ag", title_size).1.max(1) + 6 * s;

        let y_ticks = axis_ticks(&fig.y_axis, fig.rows, map_h);
        let x_ticks = axis_ticks(&fig.x_axis, fig.cols, map_w);
        let bar_ticks = nice_ticks(fig.vlim.0.min(fig.vlim.1), fig.vlim.0.max(fig.vlim.1), 6);
        let width_of = |t: &str| measure(t, text_size).0;
        let widest =
            |ticks: &[(f64, String)]| ticks.iter().map(|t| width_of(&t.1)).max().unwrap_or(0);
        let (y_label_w, bar_label_w) = (widest(&y_ticks), widest(&bar_ticks));

        let legend = legend_lines(fig);
        let title_h = fig.title.len() * title_line;
        let map_x = PAD + line + 4 + y_label_w + tick + 4;
        let map_y = PAD + title_h + 6 + line; // room for the unit above the bar
        let bar_x = map_x + map_w + gap;
        let unit_w = width_of(&fig.unit);
        let right = bar_x + bar_w + tick + 4 + bar_label_w + PAD;
        let legend_y = map_y + map_h + tick + 4 + 2 * line + 4;
        let width = right
            .max(
                fig.title
                    .iter()
                    .map(|t| 2 * PAD + measure(t, title_size).0)
                    .max()
                    .unwrap_or(0),
            )
            .max(
                legend
                    .iter()
                    .map(|l| 2 * PAD + 20 * s + width_of(&l.1))
                    .max()
                    .unwrap_or(0),
            )
            .max(bar_x + bar_w / 2 + unit_w / 2 + PAD);
        let height = legend_y + legend.len() * line + PAD;
        MapFrame {
            s,
            tick,
            bar_w,
            line,
            text_size,
            title_size,
            title_line,
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

/// Plotters' error as ours.
fn drawn<E: std::error::Error + Send + Sync>(
    r: Result<(), DrawingAreaErrorKind<E>>,
) -> anyhow::Result<()> {
    r.map_err(|e| anyhow::anyhow!("drawing the figure: {e}"))
}

/// A one-pixel black frame just outside the `w x h` box at (x, y).
fn frame(root: &Area, x: usize, y: usize, w: usize, h: usize) -> anyhow::Result<()> {
    let (x0, y0) = (x as i32 - 1, y as i32 - 1);
    let (x1, y1) = ((x + w) as i32, (y + h) as i32);
    drawn(root.draw(&Rectangle::new(
        [(x0, y0), (x1, y1)],
        colour(BLACK).stroke_width(1),
    )))
}

/// A filled `w x h` box at (x, y) (plotters fills the half-open box between the corners).
fn fill(root: &Area, x: i32, y: i32, w: i32, h: i32, c: Rgb) -> anyhow::Result<()> {
    drawn(root.draw(&Rectangle::new(
        [(x, y), (x + w, y + h)],
        colour(c).filled(),
    )))
}

/// Tick marks of both axes.
fn draw_ticks(root: &Area, f: &MapFrame) -> anyhow::Result<()> {
    let (s, tick) = (f.s as i32, f.tick as i32);
    let (map_x, map_y, map_h) = (f.map_x as i32, f.map_y as i32, f.map_h as i32);
    for (pos, _) in &f.y_ticks {
        fill(root, map_x - 1 - tick, map_y + *pos as i32, tick, s, BLACK)?;
    }
    for (pos, _) in &f.x_ticks {
        fill(root, map_x + *pos as i32, map_y + map_h + 1, s, tick, BLACK)?;
    }
    Ok(())
}

/// The colour bar's frame and tick marks (its colours are laid down with the raster).
fn draw_colour_bar(root: &Area, fig: &MapFigure, f: &MapFrame, bar_h: usize) -> anyhow::Result<()> {
    frame(root, f.bar_x, f.map_y, f.bar_w, bar_h)?;
    let (s, tick) = (f.s as i32, f.tick as i32);
    for y in bar_tick_rows(fig, f, bar_h) {
        fill(root, (f.bar_x + f.bar_w + 1) as i32, y, tick, s, BLACK)?;
    }
    Ok(())
}

/// Rows of the colour bar's ticks, in the order of `f.bar_ticks`.
fn bar_tick_rows(fig: &MapFigure, f: &MapFrame, bar_h: usize) -> Vec<i32> {
    let (lo, hi) = fig.vlim;
    if hi <= lo {
        return Vec::new();
    }
    f.bar_ticks
        .iter()
        .map(|(v, _)| f.map_y as i32 + ((hi - v) / (hi - lo) * (bar_h - 1) as f64).round() as i32)
        .collect()
}

/// The reference point: a black square with a thin white rim so it shows on dark colours too
/// (MintPy marks it with a black square as well).
fn draw_reference(root: &Area, r: &RefMarker, f: &MapFrame) -> anyhow::Result<()> {
    let zoom = f.zoom;
    let side = (zoom as i32).max(9 * f.s as i32) | 1;
    let cx = f.map_x as i32 + ((r.col + 0.5) * zoom as f64).floor() as i32;
    let cy = f.map_y as i32 + ((r.row + 0.5) * zoom as f64).floor() as i32;
    let h = side / 2;
    fill(root, cx - h - 1, cy - h - 1, side + 2, side + 2, WHITE)?;
    fill(root, cx - h, cy - h, side, side, BLACK)
}

/// The swatches of the legend lines below the image.
fn draw_swatches(root: &Area, f: &MapFrame) -> anyhow::Result<()> {
    let si = f.s as i32;
    for (k, (swatch, _)) in f.legend.iter().enumerate() {
        let cy = (f.legend_y + k * f.line) as i32;
        match swatch {
            Swatch::Reference => fill(root, PAD as i32 + 2, cy - 4 * si, 9 * si, 9 * si, BLACK)?,
            Swatch::Fill(col) => {
                fill(root, PAD as i32, cy - 5 * si, 13 * si, 11 * si, *col)?;
                drawn(root.draw(&Rectangle::new(
                    [
                        (PAD as i32, cy - 5 * si),
                        (PAD as i32 + 13 * si - 1, cy + 6 * si - 1),
                    ],
                    colour(BLACK).stroke_width(1),
                )))?;
            }
            Swatch::None => {}
        }
    }
    Ok(())
}

/// Every text of the figure: title, tick labels, axis labels, the colour bar's labels and unit,
/// and the legend.
fn write_text(pic: &mut Picture, fig: &MapFigure, f: &MapFrame, bar_h: usize) {
    let (ts, tick) = (f.text_size, f.tick as i64);
    let (map_x, map_y, map_w, map_h) = (
        f.map_x as i64,
        f.map_y as i64,
        f.map_w as i64,
        f.map_h as i64,
    );
    for (k, t) in fig.title.iter().enumerate() {
        let y = (PAD + k * f.title_line) as i64;
        pic.text(
            t,
            f.title_size,
            BLACK,
            PAD as i64,
            y,
            HAlign::Left,
            VAlign::Top,
        );
    }
    for (pos, label) in &f.y_ticks {
        let y = map_y + *pos as i64;
        let label = &typeset(label);
        pic.text(
            label,
            ts,
            BLACK,
            map_x - tick - 4,
            y,
            HAlign::Right,
            VAlign::Center,
        );
    }
    for (pos, label) in &f.x_ticks {
        let x = map_x + *pos as i64;
        let label = &typeset(label);
        pic.text(
            label,
            ts,
            BLACK,
            x,
            map_y + map_h + tick + 3,
            HAlign::Center,
            VAlign::Top,
        );
    }
    let below = map_y + map_h + tick + 3 + f.line as i64;
    pic.text(
        &fig.x_axis.label,
        ts,
        BLACK,
        map_x + map_w / 2,
        below,
        HAlign::Center,
        VAlign::Top,
    );
    pic.text_up(&fig.y_axis.label, ts, BLACK, PAD as i64, map_y + map_h / 2);
    let label_x = (f.bar_x + f.bar_w) as i64 + tick + 4;
    for (y, (_, label)) in bar_tick_rows(fig, f, bar_h).into_iter().zip(&f.bar_ticks) {
        let label = &typeset(label);
        pic.text(
            label,
            ts,
            BLACK,
            label_x,
            y as i64,
            HAlign::Left,
            VAlign::Center,
        );
    }
    let bar_mid = (f.bar_x + f.bar_w / 2) as i64;
    pic.text(
        &fig.unit,
        ts,
        BLACK,
        bar_mid,
        map_y - 5,
        HAlign::Center,
        VAlign::Bottom,
    );
    let text_x = PAD as i64 + 20 * f.s as i64;
    for (k, (_, label)) in f.legend.iter().enumerate() {
        let cy = (f.legend_y + k * f.line) as i64;
        pic.text(label, ts, BLACK, text_x, cy, HAlign::Left, VAlign::Center);
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
    if fig.shade.is_some() {
        let hidden = fig.values.iter().any(|v| v.is_nan())
            || fig.masked.is_some_and(|m| m.iter().any(|&b| b));
        if hidden {
            lines.push((
                Swatch::Fill([150, 150, 150]),
                "masked or no data: shaded relief of the DEM".to_string(),
            ));
        }
    } else {
        if let Some(m) = fig.masked {
            if m.iter().zip(fig.values).any(|(&b, v)| b && !v.is_nan()) {
                lines.push((Swatch::Fill(WHITE), fig.mask_label.clone()));
            }
        }
        if fig.values.iter().any(|v| v.is_nan()) {
            lines.push((Swatch::Fill(NO_DATA), "no data".to_string()));
        }
    }
    for n in &fig.notes {
        lines.push((Swatch::None, n.clone()));
    }
    lines
}

/// Tick positions (picture pixels from the image edge) and labels along one axis.
fn axis_ticks(axis: &Axis, n: usize, screen: usize) -> Vec<(f64, String)> {
    if n == 0 || axis.step == 0.0 {
        return Vec::new();
    }
    let a = axis.first;
    let b = axis.first + axis.step * n as f64;
    let target = (screen / 90).clamp(2, 8);
    let hemisphere = |v: f64, label: String, pos: char, neg: char| {
        let bare = label.trim_start_matches('-').to_string();
        match v.partial_cmp(&0.0) {
            Some(std::cmp::Ordering::Greater) => format!("{bare}°{pos}"),
            Some(std::cmp::Ordering::Less) => format!("{bare}°{neg}"),
            _ => format!("{bare}°"),
        }
    };
    nice_ticks(a.min(b), a.max(b), target)
        .into_iter()
        .map(|(v, label)| {
            let label = match axis.ticks {
                TickLabels::Plain => label,
                TickLabels::Latitude => hemisphere(v, label, 'N', 'S'),
                TickLabels::Longitude => hemisphere(v, label, 'E', 'W'),
            };
            ((v - a) / axis.step * (screen as f64 / n as f64), label)
        })
        .filter(|(p, _)| *p >= 0.0 && *p <= screen as f64)
        .collect()
}

/// Colours value `i` of `fig`: [`NO_DATA`] without data, white where masked, else its place
/// between the colour limits in `lut` (the colour map's table).
fn pixel_colour(fig: &MapFigure, lut: &[Rgb; 256], i: usize) -> Rgb {
    let v = fig.values[i];
    let (lo, hi) = fig.vlim;
    let span = hi - lo;
    // No data wins over the mask: white means "has data, masked out". With a DEM, both show
    // its relief instead, as MintPy shows the DEM through masked pixels.
    let masked = fig.masked.is_some_and(|m| m[i]);
    if let (Some(shade), true) = (fig.shade, v.is_nan() || masked) {
        let g = (shade[i].clamp(0.0, 1.0) * 255.0).round() as u8;
        [g, g, g]
    } else if v.is_nan() {
        NO_DATA
    } else if masked {
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
            shade: None,
            mask_label: "masked".into(),
            vlim: (-1.0, 1.0),
            colormap: Colormap::RdBuR,
            unit: "cm".into(),
            title: vec!["t".into()],
            y_axis: Axis {
                first: -0.5,
                step: 1.0,
                label: "row".into(),
                ticks: TickLabels::Plain,
            },
            x_axis: Axis {
                first: -0.5,
                step: 1.0,
                label: "column".into(),
                ticks: TickLabels::Plain,
            },
            reference: None,
            notes: vec![],
        }
    }

    #[test]
    fn pixels_take_the_colour_of_their_value() {
        let vals = [-1.0f32, 0.0, 1.0, f32::NAN];
        let fig = figure(&vals, 2, 2);
        let (c, l) = render_map(&fig).unwrap();
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
