//! A time-series figure: values against dates, with calendar ticks and an optional fitted
//! line. Pure: values in, pixels out.

use plotters::backend::BitMapBackend;
use plotters::coord::Shift;
use plotters::drawing::{DrawingArea, DrawingAreaErrorKind};
use plotters::element::{Circle, PathElement, Rectangle};
use plotters::style::Color;

use super::font::{measure, HAlign, VAlign};
use super::picture::{colour, Picture, Rgb, BLACK};
use super::ticks::{date_ticks, nice_ticks, typeset};
use crate::meta::Date;

/// Colour of the data points.
pub const POINT: Rgb = [31, 119, 180];
/// Colour of the fitted line.
pub const FIT: Rgb = [214, 39, 40];
const GRID: Rgb = [225, 225, 225];

/// A straight line through the series: value = offset + rate * (years since the first date).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LinearFit {
    /// Value at the first date.
    pub offset: f64,
    /// Change per year.
    pub rate: f64,
}

/// Everything a time-series figure shows.
#[derive(Debug, Clone)]
pub struct SeriesFigure<'a> {
    /// Acquisition dates, ascending.
    pub dates: &'a [Date],
    /// Value at each date; NaN values are left out.
    pub values: &'a [f64],
    /// Title lines.
    pub title: Vec<String>,
    /// Vertical axis label, with unit.
    pub y_label: String,
    /// Fitted line and its legend text.
    pub fit: Option<(LinearFit, String)>,
}

/// Where the plotting area of a rendered series landed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SeriesLayout {
    /// Left edge of the plotting area.
    pub plot_x: usize,
    /// Top edge.
    pub plot_y: usize,
    /// Width.
    pub plot_w: usize,
    /// Height.
    pub plot_h: usize,
}

const PAD: usize = 12;
const PLOT_W: usize = 640;
const PLOT_H: usize = 320;
/// Body text size, pixels.
const TEXT: f64 = 14.0;
/// Title text size, pixels.
const TITLE: f64 = 17.0;

/// Least-squares line through the finite values against decimal years since the first date.
/// `None` with fewer than two finite values or all on one date.
pub fn fit_line(dates: &[Date], values: &[f64]) -> Option<LinearFit> {
    let t0 = dates.first()?.decimal_year();
    let pts: Vec<(f64, f64)> = dates
        .iter()
        .zip(values)
        .filter(|(_, v)| v.is_finite())
        .map(|(d, v)| (d.decimal_year() - t0, *v))
        .collect();
    if pts.len() < 2 {
        return None;
    }
    let n = pts.len() as f64;
    let mt = pts.iter().map(|p| p.0).sum::<f64>() / n;
    let mv = pts.iter().map(|p| p.1).sum::<f64>() / n;
    let stt: f64 = pts.iter().map(|p| (p.0 - mt).powi(2)).sum();
    if stt <= 0.0 {
        return None;
    }
    let stv: f64 = pts.iter().map(|p| (p.0 - mt) * (p.1 - mv)).sum();
    let rate = stv / stt;
    Some(LinearFit {
        offset: mv - rate * mt,
        rate,
    })
}

/// Renders the figure: grid, ticks, the fitted line and the points (over the line) drawn by
/// plotters, then the text in anti-aliased DejaVu Sans.
pub fn render_series(fig: &SeriesFigure) -> anyhow::Result<(Picture, SeriesLayout)> {
    let f = SeriesFrame::of(fig);
    let mut pic = Picture::new(f.width, f.height);
    pic.draw(|root| {
        draw_axes(root, &f)?;
        if let Some((fit, _)) = &fig.fit {
            let t0 = f.t_first.decimal_year();
            let at = |d: Date| fit.offset + fit.rate * (d.decimal_year() - t0);
            let ends = vec![
                (f.px(f.t_first), f.py(at(f.t_first))),
                (f.px(f.t_last), f.py(at(f.t_last))),
            ];
            drawn(root.draw(&PathElement::new(ends, colour(FIT).stroke_width(2))))?;
        }
        for (d, v) in fig.dates.iter().zip(fig.values) {
            if v.is_finite() {
                let c = Circle::new((f.px(*d), f.py(*v)), 4, colour(POINT).filled());
                drawn(root.draw(&c))?;
            }
        }
        draw_legend(root, fig, &f)
    })?;
    write_text(&mut pic, fig, &f);
    let layout = SeriesLayout {
        plot_x: f.plot_x,
        plot_y: f.plot_y,
        plot_w: PLOT_W,
        plot_h: PLOT_H,
    };
    Ok((pic, layout))
}

type Area<'a> = DrawingArea<BitMapBackend<'a>, Shift>;

/// Plotters' error as ours.
fn drawn<E: std::error::Error + Send + Sync>(
    r: Result<(), DrawingAreaErrorKind<E>>,
) -> anyhow::Result<()> {
    r.map_err(|e| anyhow::anyhow!("drawing the figure: {e}"))
}

/// A filled `w x h` box at (x, y) (plotters fills the half-open box between the corners).
fn fill(root: &Area, x: i32, y: i32, w: i32, h: i32, c: Rgb) -> anyhow::Result<()> {
    drawn(root.draw(&Rectangle::new(
        [(x, y), (x + w, y + h)],
        colour(c).filled(),
    )))
}

/// The places of a series figure's parts, its value and date ranges, and their ticks.
struct SeriesFrame {
    /// Height of a line of body text and of the title, with spacing.
    line: usize,
    title_line: usize,
    plot_x: usize,
    plot_y: usize,
    width: usize,
    height: usize,
    /// Value range of the plotting area, bottom to top.
    lo: f64,
    hi: f64,
    /// First and last date of the series (or of a placeholder year when it has none).
    t_first: Date,
    t_last: Date,
    /// Date range of the plotting area, left to right.
    d0: Date,
    d1: Date,
    y_ticks: Vec<(f64, String)>,
    x_ticks: Vec<(Date, String)>,
}

impl SeriesFrame {
    /// Lays out `fig`: the value range covers the points and the fitted line with a margin, the
    /// date range the dates with half a month either side.
    fn of(fig: &SeriesFigure) -> SeriesFrame {
        let (lo, hi) = value_range(fig);
        let y_ticks = nice_ticks(lo, hi, 6);

        let (t_first, t_last) = match (fig.dates.first(), fig.dates.last()) {
            (Some(a), Some(b)) => (*a, *b),
            _ => (
                Date::from_days_since_epoch(0),
                Date::from_days_since_epoch(1),
            ),
        };
        // Half a month of room on both sides keeps the end points off the frame.
        let (d0, d1) = (t_first.add_days(-15), t_last.add_days(15));
        let x_ticks = date_ticks(d0, d1, 8);

        let y_label_w = y_ticks
            .iter()
            .map(|t| measure(&t.1, TEXT).0)
            .max()
            .unwrap_or(0);
        let line = measure("Ag", TEXT).1.max(1) + 6;
        let title_line = measure("Ag", TITLE).1.max(1) + 6;
        let title_h = fig.title.len() * title_line;
        let plot_x = PAD + line + 6 + y_label_w + 10;
        let plot_y = PAD + title_h + 10;
        let legend_lines = 1 + usize::from(fig.fit.is_some());
        let width = (plot_x + PLOT_W + PAD + 20).max(
            fig.title
                .iter()
                .map(|t| 2 * PAD + measure(t, TITLE).0)
                .max()
                .unwrap_or(0),
        );
        let height = plot_y + PLOT_H + 2 * line + 14 + legend_lines * line + PAD;
        SeriesFrame {
            line,
            title_line,
            plot_x,
            plot_y,
            width,
            height,
            lo,
            hi,
            t_first,
            t_last,
            d0,
            d1,
            y_ticks,
            x_ticks,
        }
    }

    /// Row of the middle of the legend's first line.
    fn legend_y(&self) -> usize {
        self.plot_y + PLOT_H + 2 * self.line + 14
    }

    /// Picture column of date `d`.
    fn px(&self, d: Date) -> i32 {
        let span_days = self.d0.days_until(self.d1).max(1) as f64;
        self.plot_x as i32
            + (self.d0.days_until(d) as f64 / span_days * PLOT_W as f64).round() as i32
    }

    /// Picture row of value `v`.
    fn py(&self, v: f64) -> i32 {
        self.plot_y as i32 + ((self.hi - v) / (self.hi - self.lo) * PLOT_H as f64).round() as i32
    }
}

/// The range of the finite values and of the fitted line, widened by a margin; -1..1 (plus the
/// margin) when there is nothing to show.
fn value_range(fig: &SeriesFigure) -> (f64, f64) {
    let (mut lo, mut hi) = fig
        .values
        .iter()
        .copied()
        .filter(|v| v.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
            (a.min(v), b.max(v))
        });
    if let (Some((f, _)), Some(first), Some(last)) = (&fig.fit, fig.dates.first(), fig.dates.last())
    {
        let span = last.decimal_year() - first.decimal_year();
        for v in [f.offset, f.offset + f.rate * span] {
            lo = lo.min(v);
            hi = hi.max(v);
        }
    }
    if !lo.is_finite() {
        (lo, hi) = (-1.0, 1.0);
    }
    let margin = if hi > lo { 0.08 * (hi - lo) } else { 1.0 };
    (lo - margin, hi + margin)
}

/// Grid lines and ticks of both axes, the zero line and the frame.
fn draw_axes(root: &Area, f: &SeriesFrame) -> anyhow::Result<()> {
    let (plot_x, plot_y, w, h) = (
        f.plot_x as i32,
        f.plot_y as i32,
        PLOT_W as i32,
        PLOT_H as i32,
    );
    for (v, _) in &f.y_ticks {
        let y = f.py(*v);
        fill(root, plot_x, y, w, 1, GRID)?;
        fill(root, plot_x - 6, y, 5, 1, BLACK)?;
    }
    for (d, _) in &f.x_ticks {
        let x = f.px(*d);
        fill(root, x, plot_y, 1, h, GRID)?;
        fill(root, x, plot_y + h + 1, 1, 5, BLACK)?;
    }
    if f.lo < 0.0 && f.hi > 0.0 {
        fill(root, plot_x, f.py(0.0), w, 1, [150, 150, 150])?;
    }
    drawn(root.draw(&Rectangle::new(
        [(plot_x - 1, plot_y - 1), (plot_x + w, plot_y + h)],
        colour(BLACK).stroke_width(1),
    )))
}

/// The legend's symbols below the plot: the points, and the fitted line when there is one.
fn draw_legend(root: &Area, fig: &SeriesFigure, f: &SeriesFrame) -> anyhow::Result<()> {
    let cy = f.legend_y() as i32;
    let x = PAD as i32;
    drawn(root.draw(&Circle::new((x + 7, cy), 4, colour(POINT).filled())))?;
    if fig.fit.is_some() {
        fill(root, x, cy + f.line as i32 - 1, 15, 2, FIT)?;
    }
    Ok(())
}

/// Every text of the figure: title, tick labels, axis labels and legend.
fn write_text(pic: &mut Picture, fig: &SeriesFigure, f: &SeriesFrame) {
    let (plot_x, plot_y) = (f.plot_x as i64, f.plot_y as i64);
    let (w, h) = (PLOT_W as i64, PLOT_H as i64);
    for (k, t) in fig.title.iter().enumerate() {
        let y = (PAD + k * f.title_line) as i64;
        pic.text(t, TITLE, BLACK, PAD as i64, y, HAlign::Left, VAlign::Top);
    }
    for (v, label) in &f.y_ticks {
        let y = f.py(*v) as i64;
        let label = &typeset(label);
        pic.text(
            label,
            TEXT,
            BLACK,
            plot_x - 9,
            y,
            HAlign::Right,
            VAlign::Center,
        );
    }
    for (d, label) in &f.x_ticks {
        let x = f.px(*d) as i64;
        pic.text(
            label,
            TEXT,
            BLACK,
            x,
            plot_y + h + 8,
            HAlign::Center,
            VAlign::Top,
        );
    }
    pic.text_up(&fig.y_label, TEXT, BLACK, PAD as i64, plot_y + h / 2);
    let below = plot_y + h + 8 + f.line as i64;
    pic.text(
        "date",
        TEXT,
        BLACK,
        plot_x + w / 2,
        below,
        HAlign::Center,
        VAlign::Top,
    );
    let (x, cy) = (PAD as i64 + 22, f.legend_y() as i64);
    pic.text(
        "displacement at each date",
        TEXT,
        BLACK,
        x,
        cy,
        HAlign::Left,
        VAlign::Center,
    );
    if let Some((_, label)) = &fig.fit {
        let y = cy + f.line as i64;
        pic.text(label, TEXT, BLACK, x, y, HAlign::Left, VAlign::Center);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fit_recovers_a_straight_line() {
        let dates: Vec<Date> = (0..10)
            .map(|k| Date::parse("20200101").unwrap().add_days(36 * k))
            .collect();
        let t0 = dates[0].decimal_year();
        let v: Vec<f64> = dates
            .iter()
            .map(|d| 3.0 - 12.0 * (d.decimal_year() - t0))
            .collect();
        let f = fit_line(&dates, &v).unwrap();
        assert!(
            (f.rate + 12.0).abs() < 1e-9 && (f.offset - 3.0).abs() < 1e-9,
            "{f:?}"
        );
        assert!(fit_line(&dates[..1], &v[..1]).is_none());
    }

    #[test]
    fn points_are_drawn_where_their_values_are() {
        let dates: Vec<Date> = (0..5)
            .map(|k| Date::parse("20200101").unwrap().add_days(60 * k))
            .collect();
        let v = [0.0, 1.0, 2.0, f64::NAN, 4.0];
        let fig = SeriesFigure {
            dates: &dates,
            values: &v,
            title: vec!["x".into()],
            y_label: "mm".into(),
            fit: None,
        };
        let (c, l) = render_series(&fig).unwrap();
        let blue = (l.plot_y..l.plot_y + l.plot_h)
            .flat_map(|y| (l.plot_x..l.plot_x + l.plot_w).map(move |x| (x, y)))
            .filter(|&(x, y)| c.get(x, y) == POINT)
            .count();
        // Four filled discs of radius 4 (about 50 pixels each); the NaN draws none.
        assert!((4 * 40..=4 * 70).contains(&blue), "{blue}");
    }
}
