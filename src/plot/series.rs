//! A time-series figure: values against dates, with calendar ticks and an optional fitted
//! line. Pure: values in, pixels out.

use super::canvas::{text_width, Canvas, Rgb, BLACK, GLYPH};
use super::ticks::{date_ticks, nice_ticks};
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
const TITLE_SCALE: usize = 2;

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

/// Renders the figure.
pub fn render_series(fig: &SeriesFigure) -> (Canvas, SeriesLayout) {
    let f = SeriesFrame::of(fig);
    let mut c = Canvas::new(f.width, f.height);
    for (k, t) in fig.title.iter().enumerate() {
        c.text(
            PAD as i64,
            (PAD + k * (GLYPH * TITLE_SCALE + 6)) as i64,
            t,
            TITLE_SCALE,
            BLACK,
        );
    }
    draw_axes(&mut c, fig, &f);
    if let Some((fit, _)) = &fig.fit {
        let t0 = f.t_first.decimal_year();
        let at = |d: Date| fit.offset + fit.rate * (d.decimal_year() - t0);
        c.line(
            f.px(f.t_first),
            f.py(at(f.t_first)),
            f.px(f.t_last),
            f.py(at(f.t_last)),
            2,
            FIT,
        );
    }
    for (d, v) in fig.dates.iter().zip(fig.values) {
        if v.is_finite() {
            c.fill_rect(f.px(*d) - 3, f.py(*v) - 3, 7, 7, POINT);
        }
    }
    draw_legend(&mut c, fig, &f);
    let layout = SeriesLayout {
        plot_x: f.plot_x,
        plot_y: f.plot_y,
        plot_w: PLOT_W,
        plot_h: PLOT_H,
    };
    (c, layout)
}

/// The places of a series figure's parts, its value and date ranges, and their ticks.
struct SeriesFrame {
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
            .map(|t| text_width(&t.1, 1))
            .max()
            .unwrap_or(0);
        let title_h = fig.title.len() * (GLYPH * TITLE_SCALE + 6);
        let plot_x = PAD + GLYPH + 8 + y_label_w + 6;
        let plot_y = PAD + title_h + 10;
        let legend_lines = 1 + usize::from(fig.fit.is_some());
        let width = (plot_x + PLOT_W + PAD + 20).max(
            fig.title
                .iter()
                .map(|t| 2 * PAD + text_width(t, TITLE_SCALE))
                .max()
                .unwrap_or(0),
        );
        let height = plot_y + PLOT_H + 2 * (GLYPH + 8) + legend_lines * (GLYPH + 8) + PAD;
        SeriesFrame {
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

    /// Canvas column of date `d`.
    fn px(&self, d: Date) -> i64 {
        let span_days = self.d0.days_until(self.d1).max(1) as f64;
        self.plot_x as i64
            + (self.d0.days_until(d) as f64 / span_days * PLOT_W as f64).round() as i64
    }

    /// Canvas row of value `v`.
    fn py(&self, v: f64) -> i64 {
        self.plot_y as i64 + ((self.hi - v) / (self.hi - self.lo) * PLOT_H as f64).round() as i64
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

/// Grid lines, ticks and labels of both axes, the zero line and the frame.
fn draw_axes(c: &mut Canvas, fig: &SeriesFigure, f: &SeriesFrame) {
    let (plot_x, plot_y) = (f.plot_x, f.plot_y);
    for (v, label) in &f.y_ticks {
        let y = f.py(*v);
        c.fill_rect(plot_x as i64, y, PLOT_W as i64, 1, GRID);
        c.fill_rect(plot_x as i64 - 5, y, 4, 1, BLACK);
        c.text(
            plot_x as i64 - 7 - text_width(label, 1) as i64,
            y - 4,
            label,
            1,
            BLACK,
        );
    }
    for (d, label) in &f.x_ticks {
        let x = f.px(*d);
        c.fill_rect(x, plot_y as i64, 1, PLOT_H as i64, GRID);
        c.fill_rect(x, (plot_y + PLOT_H + 1) as i64, 1, 4, BLACK);
        c.text(
            x - (text_width(label, 1) / 2) as i64,
            (plot_y + PLOT_H + 7) as i64,
            label,
            1,
            BLACK,
        );
    }
    if f.lo < 0.0 && f.hi > 0.0 {
        c.fill_rect(plot_x as i64, f.py(0.0), PLOT_W as i64, 1, [150, 150, 150]);
    }
    c.stroke_rect(
        plot_x as i64 - 1,
        plot_y as i64 - 1,
        PLOT_W as i64 + 2,
        PLOT_H as i64 + 2,
        BLACK,
    );
    c.text_up(
        PAD as i64,
        (plot_y + PLOT_H / 2 + text_width(&fig.y_label, 1) / 2) as i64,
        &fig.y_label,
        1,
        BLACK,
    );
    let xl = "date";
    c.text(
        (plot_x + PLOT_W / 2 - text_width(xl, 1) / 2) as i64,
        (plot_y + PLOT_H + 7 + GLYPH + 6) as i64,
        xl,
        1,
        BLACK,
    );
}

/// The legend below the plot: the points, and the fitted line when there is one.
fn draw_legend(c: &mut Canvas, fig: &SeriesFigure, f: &SeriesFrame) {
    let mut ly = (f.plot_y + PLOT_H + 2 * (GLYPH + 8)) as i64;
    c.fill_rect(PAD as i64 + 3, ly, 7, 7, POINT);
    c.text(PAD as i64 + 20, ly, "displacement at each date", 1, BLACK);
    if let Some((_, label)) = &fig.fit {
        ly += (GLYPH + 8) as i64;
        c.fill_rect(PAD as i64, ly + 3, 14, 2, FIT);
        c.text(PAD as i64 + 20, ly, label, 1, BLACK);
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
        let (c, l) = render_series(&fig);
        let blue = (l.plot_y..l.plot_y + l.plot_h)
            .flat_map(|y| (l.plot_x..l.plot_x + l.plot_w).map(move |x| (x, y)))
            .filter(|&(x, y)| c.get(x, y) == POINT)
            .count();
        assert_eq!(blue, 4 * 49);
    }
}
