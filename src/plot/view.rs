//! A map of one layer of a run folder (`sbas view`): choose the window, read it sub-sampled,
//! convert units, apply a mask and the reference date, and lay out the figure.

use std::path::{Path, PathBuf};

use anyhow::{bail, ensure, Context};

use super::colormap::Colormap;
use super::layer::{display_step, display_unit, Layer};
use super::locate::{lalo_window, map_grid};
use super::map::{auto_vlim, render_map, Axis, MapFigure, MapLayout, RefMarker, TickLabels};
use super::picture::Picture;
use crate::meta::{Attributes, Date};
use crate::product::Product;
use crate::window::Window;

/// Which pixels to show.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Subset {
    /// The whole image.
    #[default]
    All,
    /// Rows `y0..y1`, columns `x0..x1`.
    Yx(Window),
    /// Latitude south..north, longitude west..east, degrees.
    Lalo {
        /// Southern edge.
        south: f64,
        /// Northern edge.
        north: f64,
        /// Western edge.
        west: f64,
        /// Eastern edge.
        east: f64,
    },
}

/// Which mask to apply.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum MaskChoice {
    /// None.
    #[default]
    No,
    /// A product of the run folder (`maskTempCoh`) or a product file elsewhere (a path).
    Product(String),
}

/// What `sbas view` was asked for.
#[derive(Debug, Clone, Default)]
pub struct ViewOptions {
    /// Layer name (see [`Layer::open`]).
    pub layer: String,
    /// Date of a per-date layer (default: the last).
    pub date: Option<String>,
    /// Show the change since this date instead of since the file's `REF_DATE`.
    pub ref_date: Option<String>,
    /// Mask.
    pub mask: MaskChoice,
    /// Colour limits in display units.
    pub vlim: Option<(f64, f64)>,
    /// Window.
    pub subset: Subset,
    /// Colour map (default: RdBu_r for displacement-like layers, viridis or gray otherwise).
    pub colormap: Option<Colormap>,
    /// Display unit (`mm`, `cm`, `m`).
    pub unit: Option<String>,
    /// Show the geocoded product `geo/geo_LAYER`.
    pub geo: bool,
    /// Date of a per-date layer by its index among the dates, from 0 (MintPy's `-n`).
    pub date_index: Option<usize>,
    /// Hide the reference point marker (MintPy's `--noreference`).
    pub no_reference: bool,
    /// Turn a radar-coordinate map as MintPy's `view.py` does, so that north is roughly up and
    /// west left: up-down on an ascending orbit, left-right on a descending one.
    pub flip: bool,
    /// A DEM (a product of the run folder, e.g. `inputs/geometryRadar`, or a product file)
    /// whose shaded relief shows where the data are masked or missing.
    pub dem: Option<String>,
    /// Latitude/longitude tick labels with N, S, E, W (MintPy's `--lalo-label`).
    pub lalo_label: bool,
    /// How the reader sees the map as stored, said in the note of a flipped map: `None` for
    /// `sbas view`'s `--noflip`; the browser page has its own control.
    pub noflip_hint: Option<String>,
}

/// A map ready to draw: the values read and everything the figure says about them. The
/// figure ([`render_view`]) and the browser map (`sbas serve`) are both drawn from it.
#[derive(Debug, Clone)]
pub struct PreparedView {
    /// Values in display units, `rows x cols` row-major; NaN = no data.
    pub values: Vec<f32>,
    /// Rows of `values`.
    pub rows: usize,
    /// Columns of `values`.
    pub cols: usize,
    /// `true` where the mask removes the pixel.
    pub masked: Option<Vec<bool>>,
    /// Shaded relief of the DEM in 0..1, when one was asked for.
    pub shade: Option<Vec<f32>>,
    /// Legend text for masked pixels.
    pub mask_label: String,
    /// Colour limits, display units.
    pub vlim: (f64, f64),
    /// Colour map.
    pub colormap: Colormap,
    /// Display unit (empty for unitless layers).
    pub unit: String,
    /// Title lines.
    pub title: Vec<String>,
    /// Vertical axis.
    pub y_axis: Axis,
    /// Horizontal axis.
    pub x_axis: Axis,
    /// Reference point, when it lies inside the view.
    pub reference: Option<RefMarker>,
    /// Legend lines.
    pub notes: Vec<String>,
    /// The window of the product shown, full-resolution pixels.
    pub window: Window,
    /// Sub-sampling step: displayed pixel (r, c) is product pixel (y0 + r*step, x0 + c*step)
    /// before any flip.
    pub step: usize,
    /// Shown flipped left-right and up-down (see [`ViewOptions::flip`]).
    pub flipped: (bool, bool),
}

impl PreparedView {
    /// The figure of this view.
    pub fn figure(&self) -> MapFigure<'_> {
        MapFigure {
            values: &self.values,
            rows: self.rows,
            cols: self.cols,
            masked: self.masked.as_deref(),
            shade: self.shade.as_deref(),
            mask_label: self.mask_label.clone(),
            vlim: self.vlim,
            colormap: self.colormap,
            unit: self.unit.clone(),
            title: self.title.clone(),
            y_axis: self.y_axis.clone(),
            x_axis: self.x_axis.clone(),
            reference: self.reference.clone(),
            notes: self.notes.clone(),
        }
    }

    /// The product pixel (row, column, full resolution; fractional positions kept) shown at
    /// row `row`, column `col` of this view: the flip undone, then the window and step applied.
    pub fn product_pixel(&self, row: f64, col: f64) -> (f64, f64) {
        let (r, c) = unflip(row, col, self.rows, self.cols, self.flipped);
        (
            self.window.y0 as f64 + r * self.step as f64,
            self.window.x0 as f64 + c * self.step as f64,
        )
    }
}

/// Row and column of a `rows x cols` grid as stored, of the position (`row`, `col`) of the grid
/// shown flipped `(left-right, up-down)`. Flipping is its own inverse, so this also maps a stored
/// position to where it is shown.
pub fn unflip(row: f64, col: f64, rows: usize, cols: usize, flipped: (bool, bool)) -> (f64, f64) {
    let (lr, ud) = flipped;
    (
        if ud { rows as f64 - 1.0 - row } else { row },
        if lr { cols as f64 - 1.0 - col } else { col },
    )
}

/// Renders the map `opts` asks for from run folder `dir`; returns the picture and where its
/// parts are.
pub fn render_view(dir: &Path, opts: &ViewOptions) -> anyhow::Result<(Picture, MapLayout)> {
    render_map(&prepare_view(dir, opts)?.figure())
}

/// Reads what the map `opts` asks for from run folder `dir` (only the window shown,
/// sub-sampled) and works out its colours, title, reference point and notes.
pub fn prepare_view(dir: &Path, opts: &ViewOptions) -> anyhow::Result<PreparedView> {
    let layer = Layer::open(dir, &opts.layer, opts.geo)?;
    let p = &layer.product;
    let file_type = layer.file_type();
    let window = resolve_subset(dir, p, &opts.subset)?;
    let step = display_step(&window);
    let (date_index, ref_index) = shown_dates(&layer, opts)?;

    let (mut values, rows, cols) = read_values(&layer, date_index, ref_index, window, step)?;
    let unit = layer.unit();
    let shown = display_unit(&unit, &file_type, opts.unit.as_deref())?;
    if shown.factor != 1.0 {
        let f = shown.factor as f32;
        values.iter_mut().for_each(|v| *v *= f);
    }
    let (mut masked, mask_label) = match &opts.mask {
        MaskChoice::No => (None, String::new()),
        MaskChoice::Product(name) => {
            let (m, stem) = read_aux(dir, name, opts.geo, p, window, step, AuxKind::Mask)?;
            let m: Vec<bool> = m.iter().map(|v| *v == 0.0 || v.is_nan()).collect();
            (Some(m), format!("masked ({stem} = 0)"))
        }
    };

    // MintPy types the triplet count as a mask, but it counts (0..number of triplets).
    let kind = if opts.layer.ends_with("numTriNonzeroIntAmbiguity") {
        Kind::Other
    } else {
        Kind::of(&layer.dataset, &unit, &file_type)
    };
    let (colormap, vlim) = colour_scale(opts, kind, &values, masked.as_deref())?;
    let title = title_lines(&layer, &file_type, date_index, ref_index);
    let (mut y_axis, mut x_axis) = axes(p, window, step, opts.lalo_label)?;
    let mut shade = match &opts.dem {
        Some(name) => {
            let (dem, _) = read_aux(dir, name, opts.geo, p, window, step, AuxKind::Dem)?;
            let (dy, dx) = pixel_metres(p, step);
            Some(hillshade(&dem, rows, cols, dy, dx))
        }
        None => None,
    };

    let (mut reference, mut notes) = reference_marker(kind, p.attrs(), window, step);
    if opts.no_reference {
        reference = None;
    }
    notes.extend(view_notes(kind, window, p, step));
    let flipped = if opts.flip {
        flip_rule(p)
    } else {
        (false, false)
    };
    if flipped != (false, false) {
        let (lr, ud) = flipped;
        flip_grid(&mut values, rows, cols, lr, ud);
        if let Some(m) = masked.as_mut() {
            flip_grid(m, rows, cols, lr, ud);
        }
        if let Some(s) = shade.as_mut() {
            flip_grid(s, rows, cols, lr, ud);
        }
        if ud {
            y_axis = y_axis.reversed(rows);
        }
        if lr {
            x_axis = x_axis.reversed(cols);
        }
        if let Some(r) = reference.as_mut() {
            (r.row, r.col) = unflip(r.row, r.col, rows, cols, flipped);
        }
        let orbit = p
            .attrs()
            .get("ORBIT_DIRECTION")
            .unwrap_or("?")
            .to_lowercase();
        let how = if ud { "up-down" } else { "left-right" };
        let hint = opts.noflip_hint.as_deref().unwrap_or("--noflip: as stored");
        notes.push(format!(
            "radar coordinates flipped {how} ({orbit} orbit) so north is roughly up ({hint})"
        ));
    }
    let unit_text = if shown.unit == "1" {
        String::new()
    } else {
        format!(" {}", shown.unit)
    };
    notes.push(format!(
        "colour map {}, limits {} .. {}{unit_text}",
        colormap.name(),
        short(vlim.0),
        short(vlim.1)
    ));

    Ok(PreparedView {
        values,
        rows,
        cols,
        masked,
        shade,
        mask_label,
        vlim,
        colormap,
        unit: unit_text.trim().to_string(),
        title,
        y_axis,
        x_axis,
        reference,
        notes,
        window,
        step,
        flipped,
    })
}

/// MintPy's orientation rule for a radar-coordinate product: flip up-down on an ascending
/// orbit, left-right on a descending one, so north is roughly up and west left; nothing for a
/// geocoded product or one without `ORBIT_DIRECTION`. Returns (left-right, up-down).
pub fn flip_rule(p: &Product) -> (bool, bool) {
    if map_grid(p).is_some() {
        return (false, false);
    }
    match p.attrs().get("ORBIT_DIRECTION") {
        Some(o) if o.trim().to_lowercase().starts_with('a') => (false, true),
        Some(o) if !o.trim().is_empty() => (true, false),
        _ => (false, false),
    }
}

/// Reverses the columns (`lr`) and/or rows (`ud`) of a `rows x cols` row-major grid.
fn flip_grid<T>(v: &mut [T], rows: usize, cols: usize, lr: bool, ud: bool) {
    if lr {
        v.chunks_mut(cols.max(1)).for_each(|row| row.reverse());
    }
    if ud {
        for r in 0..rows / 2 {
            let (top, bottom) = v.split_at_mut((rows - 1 - r) * cols);
            top[r * cols..(r + 1) * cols].swap_with_slice(&mut bottom[..cols]);
        }
    }
}

/// Ground size of a displayed pixel (rows, columns), metres: from the grid of a geocoded
/// product, else from `AZIMUTH_PIXEL_SIZE` and `RANGE_PIXEL_SIZE` (30 m when absent); only
/// the slopes of the shaded relief depend on it.
fn pixel_metres(p: &Product, step: usize) -> (f64, f64) {
    const DEGREE: f64 = 111_320.0;
    let (dy, dx) = match map_grid(p) {
        Some(g) if g.degrees => {
            let lat = (g.y_first + g.y_step * g.length as f64 / 2.0).to_radians();
            (
                g.y_step.abs() * DEGREE,
                g.x_step.abs() * DEGREE * lat.cos().abs().max(0.01),
            )
        }
        Some(g) => (g.y_step.abs(), g.x_step.abs()),
        None => {
            let a = p.attrs();
            (
                a.get_f64_opt("AZIMUTH_PIXEL_SIZE").unwrap_or(30.0),
                a.get_f64_opt("RANGE_PIXEL_SIZE").unwrap_or(30.0),
            )
        }
    };
    (dy * step as f64, dx * step as f64)
}

/// Shaded relief of `dem` (`rows x cols`, metres) lit from the north-west (azimuth 315°, 45°
/// above the horizon: MintPy's defaults), 0 (dark) .. 1 (lit); flat ground is cos 45°. NaN
/// heights and the edges borrow their neighbours' slope.
pub fn hillshade(dem: &[f32], rows: usize, cols: usize, dy: f64, dx: f64) -> Vec<f32> {
    let (az, alt) = (315f64.to_radians(), 45f64.to_radians());
    let h = |r: usize, c: usize| -> Option<f64> {
        let v = dem[r * cols + c];
        v.is_finite().then_some(v as f64)
    };
    let diff = |a: Option<f64>, b: Option<f64>, centre: Option<f64>, d: f64| match (a, b) {
        (Some(a), Some(b)) => (b - a) / (2.0 * d),
        (Some(a), None) => centre.map_or(0.0, |c| (c - a) / d),
        (None, Some(b)) => centre.map_or(0.0, |c| (b - c) / d),
        (None, None) => 0.0,
    };
    let mut out = vec![(alt.sin()) as f32; rows * cols];
    for r in 0..rows {
        for c in 0..cols {
            let centre = h(r, c);
            let west = (c > 0).then(|| h(r, c - 1)).flatten();
            let east = (c + 1 < cols).then(|| h(r, c + 1)).flatten();
            let north = (r > 0).then(|| h(r - 1, c)).flatten();
            let south = (r + 1 < rows).then(|| h(r + 1, c)).flatten();
            // Slope towards east (x) and north (rows grow southwards).
            let gx = diff(west, east, centre, dx.max(1e-9));
            let gy = diff(south, north, centre, dy.max(1e-9));
            let slope = gx.hypot(gy).atan();
            let aspect = (-gx).atan2(-gy); // direction the ground faces, from north clockwise
            let lit = alt.sin() * slope.cos() + alt.cos() * slope.sin() * (az - aspect).cos();
            out[r * cols + c] = lit.clamp(0.0, 1.0) as f32;
        }
    }
    out
}

/// The indices of the shown date and of the reference date among the layer's dates (`None`
/// for a single map, and for the reference when the file's own `REF_DATE` applies).
fn shown_dates(
    layer: &Layer,
    opts: &ViewOptions,
) -> anyhow::Result<(Option<usize>, Option<usize>)> {
    let p = &layer.product;
    if !layer.per_date {
        ensure!(
            opts.date.is_none() && opts.ref_date.is_none() && opts.date_index.is_none(),
            "{} is a single map: --date, -n and --ref-date apply to time series only",
            layer.title_name()
        );
        return Ok((None, None));
    }
    let k = match (&opts.date, opts.date_index) {
        (Some(_), Some(_)) => bail!("give the date either with --date or with -n, not both"),
        (Some(d), None) => find_date(p.dates(), d, "--date")?,
        (None, Some(n)) => {
            let count = p.dates().len();
            ensure!(
                n < count,
                "-n {n}: the series has {count} dates, numbered 0 to {}",
                count.saturating_sub(1)
            );
            n
        }
        (None, None) => p
            .dates()
            .len()
            .checked_sub(1)
            .context("the time series has no dates")?,
    };
    let r = opts
        .ref_date
        .as_deref()
        .map(|d| find_date(p.dates(), d, "--ref-date"))
        .transpose()?;
    Ok((Some(k), r))
}

/// The values of the window, sub-sampled by `step`, minus those of the reference date when
/// one was asked for; returns them with their rows and columns.
fn read_values(
    layer: &Layer,
    date_index: Option<usize>,
    ref_index: Option<usize>,
    window: Window,
    step: usize,
) -> anyhow::Result<(Vec<f32>, usize, usize)> {
    let (mut values, rows, cols) = layer.read_subsampled(date_index, window, step)?;
    if let Some(r) = ref_index {
        let (base, _, _) = layer.read_subsampled(Some(r), window, step)?;
        for (v, b) in values.iter_mut().zip(&base) {
            *v -= b;
        }
    }
    Ok((values, rows, cols))
}

/// The colour map and colour limits: those asked for, else the defaults of the layer's kind.
fn colour_scale(
    opts: &ViewOptions,
    kind: Kind,
    values: &[f32],
    masked: Option<&[bool]>,
) -> anyhow::Result<(Colormap, (f64, f64))> {
    let colormap = opts.colormap.unwrap_or(match kind {
        Kind::Relative | Kind::Signed => Colormap::RdBuR,
        Kind::Mask => Colormap::Gray,
        Kind::Coherence | Kind::Other => Colormap::Viridis,
    });
    let vlim = match opts.vlim {
        Some((a, b)) => {
            ensure!(
                a.is_finite() && b.is_finite() && b > a,
                "--vlim {a} {b}: the first limit must be below the second"
            );
            (a, b)
        }
        None => match kind {
            Kind::Coherence | Kind::Mask => (0.0, 1.0),
            _ => auto_vlim(values, masked, colormap_is_diverging(colormap)).unwrap_or((-1.0, 1.0)),
        },
    };
    Ok((colormap, vlim))
}

/// The title: the layer's name, then the dates it covers.
fn title_lines(
    layer: &Layer,
    file_type: &str,
    date_index: Option<usize>,
    ref_index: Option<usize>,
) -> Vec<String> {
    let attrs = layer.product.attrs();
    let mut title = vec![layer.title_name()];
    if let Some(k) = date_index {
        let dates = layer.product.dates();
        let since = match ref_index {
            Some(r) => dates[r],
            None => attrs
                .get("REF_DATE")
                .and_then(|d| Date::parse(d).ok())
                .unwrap_or(dates[0]),
        };
        title.push(format!(
            "displacement on {} relative to {}",
            iso(dates[k]),
            iso(since)
        ));
    } else if let (Some(a), Some(b), false) = (
        attrs.get("START_DATE"),
        attrs.get("END_DATE"),
        file_type == "geometry",
    ) {
        if let (Ok(a), Ok(b)) = (Date::parse(a), Date::parse(b)) {
            title.push(format!("from {} to {}", iso(a), iso(b)));
        }
    }
    title
}

/// The vertical and horizontal axes: latitude/longitude on a geocoded product, else rows and
/// columns.
fn axes(
    p: &Product,
    window: Window,
    step: usize,
    lalo_label: bool,
) -> anyhow::Result<(Axis, Axis)> {
    Ok(match map_grid(p).map(|g| g.sub_grid(&window)) {
        Some(g) => {
            let degrees = lalo_label && g.degrees;
            ensure!(
                degrees || !lalo_label,
                "--lalo-label: {} is on a projected grid, not latitude/longitude",
                p.path().display()
            );
            let (lat, lon, y_label, x_label) = if g.degrees {
                (
                    TickLabels::Latitude,
                    TickLabels::Longitude,
                    "latitude",
                    "longitude",
                )
            } else {
                (
                    TickLabels::Plain,
                    TickLabels::Plain,
                    "northing (m)",
                    "easting (m)",
                )
            };
            let plain = |t| if degrees { t } else { TickLabels::Plain };
            // The stack's own coordinate system named on the axes (HyP3 UTM, SNAP/LiCSAR 4326).
            let crs = g.epsg.map(|e| format!("EPSG:{e}"));
            let unit = |s: &str| match (g.degrees && !degrees, &crs) {
                (true, Some(c)) => format!("{s} (°, {c})"),
                (true, None) => format!("{s} (°)"),
                (false, Some(c)) => match s.strip_suffix(" (m)") {
                    Some(base) => format!("{base} (m, {c})"),
                    None => format!("{s} ({c})"),
                },
                (false, None) => s.to_string(),
            };
            (
                Axis {
                    first: g.y_first,
                    step: g.y_step * step as f64,
                    label: unit(y_label),
                    ticks: plain(lat),
                },
                Axis {
                    first: g.x_first,
                    step: g.x_step * step as f64,
                    label: unit(x_label),
                    ticks: plain(lon),
                },
            )
        }
        None => {
            ensure!(
                !lalo_label,
                "--lalo-label: {} is in radar coordinates; show its geocoded product with --geo",
                p.path().display()
            );
            (
                Axis {
                    first: window.y0 as f64 - 0.5,
                    step: step as f64,
                    label: "row".into(),
                    ticks: TickLabels::Plain,
                },
                Axis {
                    first: window.x0 as f64 - 0.5,
                    step: step as f64,
                    label: "column".into(),
                    ticks: TickLabels::Plain,
                },
            )
        }
    })
}

/// The reference point of a layer relative to it: a marker when it lies in the window, else a
/// note saying so (in the returned notes).
fn reference_marker(
    kind: Kind,
    attrs: &Attributes,
    window: Window,
    step: usize,
) -> (Option<RefMarker>, Vec<String>) {
    let mut notes = Vec::new();
    let mut reference = None;
    if kind == Kind::Relative {
        if let Some((ry, rx)) = ref_yx(attrs) {
            let place = ref_place(attrs, ry, rx);
            if window.contains(ry, rx) {
                reference = Some(RefMarker {
                    row: (ry - window.y0) as f64 / step as f64,
                    col: (rx - window.x0) as f64 / step as f64,
                    label: format!("reference point ({place}): all values relative to it"),
                });
            } else {
                notes.push(format!(
                    "reference point ({place}) is outside this view; all values are relative to it"
                ));
            }
        }
    }
    (reference, notes)
}

/// Legend notes on what part of `p` is shown and how.
fn view_notes(kind: Kind, window: Window, p: &Product, step: usize) -> Vec<String> {
    let mut notes = Vec::new();
    if window != Window::full(p.length(), p.width()) {
        notes.push(format!(
            "rows {}:{}, columns {}:{} of {} x {}",
            window.y0,
            window.y1,
            window.x0,
            window.x1,
            p.length(),
            p.width()
        ));
    }
    if kind == Kind::Mask {
        notes.push("black: 0 (masked out), white: 1 (kept)".to_string());
    }
    if step > 1 {
        notes.push(format!(
            "1 row and column in {step} shown (sub-sampled for display)"
        ));
    }
    notes
}

/// Default file name of a view: `pic/LAYER[_nINDEX][_DATE[_REFDATE]].png` in the run folder.
pub fn default_view_path(dir: &Path, opts: &ViewOptions) -> PathBuf {
    let mut name = opts.layer.replace([':', '/'], "_");
    if opts.geo && !name.starts_with("geo_") {
        name = format!("geo_{name}");
    }
    if let Some(n) = opts.date_index {
        name.push_str(&format!("_n{n}"));
    }
    for d in [&opts.date, &opts.ref_date].into_iter().flatten() {
        name.push('_');
        name.push_str(&d.replace('-', ""));
    }
    dir.join("pic").join(format!("{name}.png"))
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    /// Displacement-like values relative to the reference point (diverging colours, marker).
    Relative,
    /// Signed values not tied to the reference point (DEM error): diverging colours.
    Signed,
    /// Values in 0..1.
    Coherence,
    /// True/false.
    Mask,
    Other,
}

impl Kind {
    fn of(dataset: &str, unit: &str, file_type: &str) -> Kind {
        let base = unit.split('/').next().unwrap_or(unit);
        if file_type == "mask" || dataset.starts_with("mask") || dataset.ends_with("Mask") {
            Kind::Mask
        } else if dataset.to_lowercase().contains("coh") {
            Kind::Coherence
        } else if dataset.ends_with("Std") {
            // Uncertainties are positive and not relative to the reference point.
            Kind::Other
        } else if matches!(dataset, "timeseries" | "velocity")
            || (matches!(base, "m" | "cm" | "mm" | "radian")
                && matches!(file_type, "timeseries" | "velocity" | ""))
        {
            Kind::Relative
        } else if file_type == "dem" && dataset == "dem" {
            Kind::Signed
        } else {
            Kind::Other
        }
    }
}

fn colormap_is_diverging(c: Colormap) -> bool {
    matches!(c, Colormap::RdBuR | Colormap::RdBu)
}

fn ref_yx(a: &Attributes) -> Option<(usize, usize)> {
    let y = a.get_f64_opt("REF_Y")?;
    let x = a.get_f64_opt("REF_X")?;
    (y >= 0.0 && x >= 0.0).then_some((y as usize, x as usize))
}

fn ref_place(a: &Attributes, y: usize, x: usize) -> String {
    match (a.get_f64_opt("REF_LAT"), a.get_f64_opt("REF_LON")) {
        (Some(la), Some(lo)) => format!("y={y}, x={x} / lat {la:.4}, lon {lo:.4}"),
        _ => format!("y={y}, x={x}"),
    }
}

fn iso(d: Date) -> String {
    let (y, m, dd) = d.ymd();
    format!("{y:04}-{m:02}-{dd:02}")
}

fn short(v: f64) -> String {
    let s = format!("{v:.3}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" {
        "0".into()
    } else {
        s.to_string()
    }
}

/// Index of `text` (YYYYMMDD or YYYY-MM-DD) among `dates`, or an error naming the nearest.
pub fn find_date(dates: &[Date], text: &str, what: &str) -> anyhow::Result<usize> {
    let d = Date::parse(&text.replace('-', "")).with_context(|| format!("{what} {text}"))?;
    if let Some(k) = dates.iter().position(|x| *x == d) {
        return Ok(k);
    }
    let nearest = dates.iter().min_by_key(|x| x.days_until(d).abs());
    match nearest {
        Some(n) => bail!("{what} {text}: no acquisition on that date (nearest: {}; the series has {} dates from {} to {})", n, dates.len(), dates[0], dates[dates.len() - 1]),
        None => bail!("{what} {text}: the series has no dates"),
    }
}

/// The window a subset request means in this product's pixels.
fn resolve_subset(dir: &Path, p: &Product, subset: &Subset) -> anyhow::Result<Window> {
    let full = Window::full(p.length(), p.width());
    let w = match subset {
        Subset::All => full,
        Subset::Yx(w) => {
            ensure!(
                w.y0 < w.y1 && w.x0 < w.x1,
                "subset rows {}:{}, columns {}:{} is empty",
                w.y0,
                w.y1,
                w.x0,
                w.x1
            );
            ensure!(
                w.y0 < full.y1 && w.x0 < full.x1,
                "subset rows {}:{}, columns {}:{} is outside the {} x {} image",
                w.y0,
                w.y1,
                w.x0,
                w.x1,
                full.y1,
                full.x1
            );
            Window {
                y0: w.y0,
                y1: w.y1.min(full.y1),
                x0: w.x0,
                x1: w.x1.min(full.x1),
            }
        }
        Subset::Lalo {
            south,
            north,
            west,
            east,
        } => {
            ensure!(south < north && west < east, "--sub-lat {south} {north} --sub-lon {west} {east}: give south < north and west < east");
            lalo_window(dir, p, (*south, *north, *west, *east))?
        }
    };
    Ok(w)
}

/// What an auxiliary map read with [`read_aux`] is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum AuxKind {
    Mask,
    Dem,
}

impl AuxKind {
    fn name(self) -> &'static str {
        match self {
            AuxKind::Mask => "mask",
            AuxKind::Dem => "DEM",
        }
    }
}

/// Reads a mask or DEM over the shown window, sub-sampled as the layer is; returns the values
/// and the product's name. `name` is a product of the run folder or a product file; a DEM is
/// the `height` (or `dem`) dataset of a geometry product.
#[allow(clippy::too_many_arguments)]
fn read_aux(
    dir: &Path,
    name: &str,
    geo: bool,
    layer: &Product,
    window: Window,
    step: usize,
    kind: AuxKind,
) -> anyhow::Result<(Vec<f32>, String)> {
    let what = kind.name();
    let path = Path::new(name);
    let product = if path.extension().is_some_and(|e| e == "h5" || e == "zarr")
        || path.is_absolute()
    {
        let parent = path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let stem = path
            .file_stem()
            .and_then(|s| s.to_str())
            .with_context(|| format!("{what} {name}: not a file name"))?;
        Product::open(parent, stem).with_context(|| format!("opening the {what} {name}"))?
    } else if geo && !name.starts_with("geo/") && Product::exists(dir, &format!("geo/geo_{name}")) {
        Product::open(dir, &format!("geo/geo_{name}"))?
    } else {
        Product::open(dir, name).with_context(|| format!("opening the {what} {name}"))?
    };
    ensure!(
        product.length() == layer.length() && product.width() == layer.width(),
        "{what} {} is {} x {} but {} is {} x {}",
        product.path().display(),
        product.length(),
        product.width(),
        layer.path().display(),
        layer.length(),
        layer.width()
    );
    let names = product.dataset_names();
    let preferred = match kind {
        AuxKind::Dem => names.iter().find(|n| *n == "height" || *n == "dem"),
        AuxKind::Mask => None,
    };
    let ds = preferred
        .or(names.first())
        .with_context(|| format!("{what} {} holds no dataset", product.path().display()))?;
    let mask_layer = Layer {
        per_date: product.is_per_date(ds)?,
        dataset: ds.clone(),
        product,
    };
    ensure!(
        !mask_layer.per_date,
        "{what} {name} holds one map per date, not a {what}"
    );
    let (m, _, _) = mask_layer.read_subsampled(None, window, step)?;
    let stem = mask_layer.product.stem().to_string();
    Ok((m, stem))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unflip_mirrors_the_flipped_axis_only_and_is_its_own_inverse() {
        assert_eq!(unflip(2.0, 3.0, 10, 20, (false, false)), (2.0, 3.0));
        assert_eq!(unflip(2.0, 3.0, 10, 20, (false, true)), (7.0, 3.0));
        assert_eq!(unflip(2.0, 3.0, 10, 20, (true, false)), (2.0, 16.0));
        let (r, c) = unflip(2.0, 3.0, 10, 20, (true, true));
        assert_eq!(unflip(r, c, 10, 20, (true, true)), (2.0, 3.0));
        // The grid flipped by flip_grid holds at the shown position what unflip names.
        let (rows, cols) = (3, 4);
        let stored: Vec<usize> = (0..rows * cols).collect();
        for flipped in [(true, false), (false, true), (true, true)] {
            let mut shown = stored.clone();
            flip_grid(&mut shown, rows, cols, flipped.0, flipped.1);
            for (i, v) in shown.iter().enumerate() {
                let (r, c) = unflip((i / cols) as f64, (i % cols) as f64, rows, cols, flipped);
                assert_eq!(*v, r as usize * cols + c as usize, "{flipped:?} at {i}");
            }
        }
    }
}
