//! External tropospheric delays: subtract a per-date delay computed elsewhere from a time series,
//! as MintPy's smallbaselineApp does with an existing `inputs/ERA5.h5` (`diff.py`): the delay is
//! re-referenced to the series' reference pixel and date, subtracted on the dates both share,
//! and zero (no-data) values of the series stay zero. GACOS zenith delays (`YYYYMMDD.ztd` +
//! `.rsc` in a folder) are first turned into a line-of-sight delay series as MintPy's
//! `tropo_gacos.py` does (nearest grid value at each pixel's latitude/longitude, divided by
//! cos(incidence), negated) and kept as `inputs/GACOS`.

use std::path::{Path, PathBuf};

use crate::report::Reporter;
use anyhow::{bail, ensure, Context};

use crate::geo::grid::MapGrid;
use crate::meta::{Attributes, Date};
use crate::product::inversion::OutputFormat;
use crate::product::pass::{
    buffers_cost, open_timeseries, series_like, StripPass, TIMESERIES_DATASET,
};
use crate::product::{geometry_stem_in, DatasetSpec, Product, ProductSpec, GEOMETRY_STEM};
use crate::source::raster::{read_rsc, DataType, Interleave, RasterLayout};
use crate::window::Window;

/// Where the delays come from.
#[derive(Debug, Clone, PartialEq)]
pub enum DelaySource {
    /// A MintPy-layout time series of delays in metres (`ERA5.h5`, `GACOS.h5`, or a Zarr
    /// product), e.g. from `tropo_pyaps3.py`.
    TimeseriesFile(PathBuf),
    /// A folder of GACOS zenith delays `YYYYMMDD.ztd` (+ `.ztd.rsc`), metres.
    GacosDir(PathBuf),
    /// An ARIA-tools per-date correction stack VRT (`stack/troposphereTotal/<MODEL>Stack.vrt`,
    /// `stack/setStack.vrt`), first loaded as MintPy's `prep_aria` into
    /// `inputs/<layer>_ARIA.h5`.
    AriaStack(PathBuf),
}

/// How to reference the delay to the series: MintPy's `diff.check_reference`. A reference is
/// applied only where the two files' attributes differ, and then the series' one is used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Referencing {
    /// Pixel (row, column) to subtract from every delay plane.
    pub pixel: Option<(usize, usize)>,
    /// Index (in the shared dates) of the date whose delay plane is subtracted from all.
    pub date_index: Option<usize>,
}

fn ref_yx(a: &Attributes) -> Option<(i64, i64)> {
    let y = a.get("REF_Y")?.trim().parse::<f64>().ok()?;
    let x = a.get("REF_X")?.trim().parse::<f64>().ok()?;
    Some((y as i64, x as i64))
}

/// Decides the referencing of `delay` (attributes) against `series`, given the dates the delay
/// is used for (`shared`, the series' dates the delay has).
pub fn referencing(
    series: &Attributes,
    delay: &Attributes,
    shared: &[Date],
) -> anyhow::Result<Referencing> {
    let date_index = if series.get("REF_DATE") == delay.get("REF_DATE") {
        None
    } else {
        match series.get("REF_DATE") {
            None => None,
            Some(text) => {
                let d = Date::parse(text).with_context(|| format!("REF_DATE {text}"))?;
                let i = shared.iter().position(|s| *s == d).with_context(|| {
                    format!(
                        "the delay has no value at the series' reference date {d}, so it cannot \
                         be referenced to it"
                    )
                })?;
                Some(i)
            }
        }
    };
    let pixel = match (ref_yx(series), ref_yx(delay)) {
        (a, b) if a == b => None,
        (Some((y, x)), _) if y >= 0 && x >= 0 => Some((y as usize, x as usize)),
        (Some((y, x)), _) => bail!("the series' reference pixel {y},{x} is negative"),
        (None, _) => None,
    };
    Ok(Referencing { pixel, date_index })
}

/// Subtracts a delay strip from a series strip, in place. `series` is `N x px`; `delay` is
/// `S x px` for the shared dates, `shared_index[k]` the series date of delay plane `k`;
/// `ref_values[k]` the delay at the reference pixel (0 without spatial referencing). The delay is
/// referenced first in space, then in time (plane `date_index`), as MintPy's `diff.py`.
/// Zero series values stay zero.
pub fn subtract_delay(
    series: &mut [f32],
    delay: &mut [f32],
    px: usize,
    shared_index: &[usize],
    ref_values: &[f32],
    date_index: Option<usize>,
) {
    let s = shared_index.len();
    debug_assert_eq!(delay.len(), s * px);
    for (plane, &r) in delay.chunks_exact_mut(px).zip(ref_values) {
        for v in plane {
            *v -= r;
        }
    }
    if let Some(k) = date_index {
        let base: Vec<f32> = delay[k * px..(k + 1) * px].to_vec();
        for plane in delay.chunks_exact_mut(px) {
            for (v, b) in plane.iter_mut().zip(&base) {
                *v -= b;
            }
        }
    }
    for (plane, &i) in delay.chunks_exact(px).zip(shared_index) {
        let out = &mut series[i * px..(i + 1) * px];
        for (o, d) in out.iter_mut().zip(plane) {
            if *o != 0.0 {
                *o -= d;
            }
        }
    }
}

/// Writes `output` = `input` minus the delay, both products of `run_dir`; returns the written
/// path. For a GACOS folder, the line-of-sight delay series is first written as `inputs/GACOS`
/// (unless an up-to-date one exists).
pub fn correct(
    run_dir: &Path,
    input: &str,
    output: &str,
    delay: &DelaySource,
    format: OutputFormat,
    max_memory: u64,
    report: &Reporter,
) -> anyhow::Result<PathBuf> {
    let series = open_timeseries(run_dir, input)?;
    let delay_product = match delay {
        DelaySource::TimeseriesFile(path) => open_path(path)?,
        DelaySource::GacosDir(dir) => {
            gacos_delay(run_dir, dir, &series, format, max_memory, report)?;
            Product::open(run_dir, "inputs/GACOS")?
        }
        DelaySource::AriaStack(vrt) => {
            let path = aria_delay(run_dir, vrt, &series, max_memory)?;
            open_path(&path)?
        }
    };
    subtract_product(
        run_dir,
        &series,
        &delay_product,
        output,
        format,
        max_memory,
        report,
    )
}

/// Loads the ARIA correction stack `vrt` into `run_dir/inputs/<layer>_ARIA.h5` over the grid
/// of `series`: the whole stack, or the part a subset run covers (found from `X_FIRST`/`Y_FIRST`).
fn aria_delay(
    run_dir: &Path,
    vrt: &Path,
    series: &Product,
    max_memory: u64,
) -> anyhow::Result<PathBuf> {
    use crate::source::aria::corrections::{unwrap_stack_of, CorrectionStack};
    let stack = CorrectionStack::open(vrt, &unwrap_stack_of(vrt)?)?;
    let (length, width) = stack.shape();
    let (sa, ca) = (series.attrs(), &stack.attrs);
    let other_grid = |why: String| {
        anyhow::anyhow!(
            "ARIA correction stack {} ({length} x {width} pixels) is on another grid than the \
             time series {} ({} x {}): {why}",
            vrt.display(),
            series.path().display(),
            series.length(),
            series.width()
        )
    };
    let mut offset = [0usize; 2];
    for (i, (first, step)) in [("Y_FIRST", "Y_STEP"), ("X_FIRST", "X_STEP")]
        .into_iter()
        .enumerate()
    {
        let (Some(s0), Some(c0), Some(ds), Some(dc)) = (
            sa.get_f64_opt(first),
            ca.get_f64_opt(first),
            sa.get_f64_opt(step),
            ca.get_f64_opt(step),
        ) else {
            continue;
        };
        if (ds - dc).abs() > 1e-6 * dc.abs() {
            return Err(other_grid(format!("{step} = {dc} and {ds}")));
        }
        let k = (s0 - c0) / dc;
        if k < -0.01 || (k - k.round()).abs() > 0.01 {
            return Err(other_grid(format!("{first} = {c0} and {s0}")));
        }
        offset[i] = k.round() as usize;
    }
    let window = Window {
        y0: offset[0],
        y1: offset[0] + series.length(),
        x0: offset[1],
        x1: offset[1] + series.width(),
    };
    if window.y1 > length || window.x1 > width {
        return Err(other_grid(format!(
            "the series' rows {}:{}, columns {}:{} are not inside the stack",
            window.y0, window.y1, window.x0, window.x1
        )));
    }
    let mut over = Attributes::new();
    if window != Window::full(length, width) {
        for k in [
            "LENGTH",
            "WIDTH",
            "X_FIRST",
            "Y_FIRST",
            "SUBSET_YMIN",
            "SUBSET_YMAX",
            "SUBSET_XMIN",
            "SUBSET_XMAX",
        ] {
            if let Some(v) = sa.get(k) {
                over.set(k, v);
            }
        }
    }
    stack.write_window(run_dir, &window, &over, max_memory)
}

/// Opens a product given by path (`DIR/STEM.h5` or `DIR/STEM.zarr`).
fn open_path(path: &Path) -> anyhow::Result<Product> {
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .with_context(|| format!("delay file {} has no usable name", path.display()))?;
    let stem = name
        .strip_suffix(".h5")
        .or_else(|| name.strip_suffix(".zarr"))
        .with_context(|| {
            format!(
                "delay file {}: expected a MintPy time-series .h5 file or a .zarr product",
                path.display()
            )
        })?;
    let dir = path.parent().unwrap_or(Path::new("."));
    let p = Product::open(dir, stem)
        .with_context(|| format!("opening the delay file {}", path.display()))?;
    ensure!(
        p.dataset_names().iter().any(|d| d == "timeseries") && !p.dates().is_empty(),
        "delay file {} is not a time series (no timeseries dataset with dates)",
        path.display()
    );
    Ok(p)
}

/// `output` = `series` - `delay` (MintPy `diff.py --force`), strip by strip.
pub fn subtract_product(
    run_dir: &Path,
    series: &Product,
    delay: &Product,
    output: &str,
    format: OutputFormat,
    max_memory: u64,
    report: &Reporter,
) -> anyhow::Result<PathBuf> {
    let (length, width) = (series.length(), series.width());
    ensure!(
        delay.length() == length && delay.width() == width,
        "the delay {} is {} x {} pixels but the time series {} is {} x {}",
        delay.path().display(),
        delay.length(),
        delay.width(),
        series.path().display(),
        length,
        width
    );
    let dates = series.dates().to_vec();
    let mut shared_index = Vec::new(); // series date index per used delay plane
    let mut delay_index = Vec::new(); // delay date index per used delay plane
    for (i, d) in dates.iter().enumerate() {
        if let Some(j) = delay.dates().iter().position(|x| x == d) {
            shared_index.push(i);
            delay_index.push(j);
        }
    }
    if shared_index.is_empty() {
        bail!(
            "the delay {} has none of the {} dates of {}",
            delay.path().display(),
            dates.len(),
            series.path().display()
        );
    }
    if shared_index.len() < dates.len() {
        let missing: Vec<String> = dates
            .iter()
            .enumerate()
            .filter(|(i, _)| !shared_index.contains(i))
            .map(|(_, d)| d.to_string())
            .collect();
        report.warn(format!(
            "the delay {} lacks {} date(s), left uncorrected: {}",
            delay.path().display(),
            missing.len(),
            missing.join(", ")
        ));
    }
    let shared_dates: Vec<Date> = shared_index.iter().map(|&i| dates[i]).collect();
    let r = referencing(series.attrs(), delay.attrs(), &shared_dates)?;
    let ref_values: Vec<f32> = match r.pixel {
        Some((y, x)) => {
            ensure!(
                y < length && x < width,
                "reference pixel {y},{x} is outside the {length} x {width} image"
            );
            let all = delay.read("timeseries", Window::pixel(y, x))?;
            delay_index.iter().map(|&j| all[j]).collect()
        }
        None => vec![0.0; shared_index.len()],
    };

    let long_name = "line-of-sight displacement, tropospheric delay removed";
    let spec = series_like(series, output, "m", long_name, series.attrs().clone());
    let planes = dates.len() + 2 * delay.dates().len();
    let cost = buffers_cost(4 * planes);
    let mut pass = StripPass::new("correct-tropo", length, width, cost, max_memory)?;
    let series_in = pass.read(series, TIMESERIES_DATASET);
    let delay_in = pass.read(delay, TIMESERIES_DATASET);
    let out = pass.create(run_dir, format, spec)?[0];
    let mut delay_strip = Vec::new();
    pass.run(|strip| {
        let px = strip.pixels();
        let all = strip.inputs.get(delay_in);
        delay_strip.clear();
        for &j in &delay_index {
            delay_strip.extend_from_slice(&all[j * px..(j + 1) * px]);
        }
        let ts = strip.outputs.set(out, strip.inputs.take(series_in));
        subtract_delay(
            ts,
            &mut delay_strip,
            px,
            &shared_index,
            &ref_values,
            r.date_index,
        );
        Ok(())
    })?;
    Ok(pass.finish()?.remove(0))
}

/// A GACOS zenith-delay grid (`.ztd` float32 with its `.rsc`).
struct ZtdGrid {
    data: Vec<f32>,
    cols: usize,
    /// Pixel-centre latitudes of the rows.
    lat: Axis,
    /// Pixel-centre longitudes of the columns.
    lon: Axis,
}

/// Pixel-centre coordinates of one grid axis, ascending, as MintPy's `get_lat_lon` gives them
/// (NumPy `linspace`, then stored as float32), and whether the file stores them descending.
struct Axis {
    ascending: Vec<f64>,
    flipped: bool,
}

impl Axis {
    /// `n` centres from `first` to `last` (NumPy `linspace(first, last, n)`).
    fn linspace(first: f64, last: f64, n: usize) -> Axis {
        let step = (last - first) / (n - 1) as f64;
        let mut v: Vec<f64> = (0..n).map(|k| k as f64 * step + first).collect();
        v[n - 1] = last;
        for x in &mut v {
            *x = *x as f32 as f64;
        }
        let flipped = first > last;
        if flipped {
            v.reverse();
        }
        Axis {
            ascending: v,
            flipped,
        }
    }

    /// Index (in file order) of the centre nearest to `p`, as SciPy's
    /// `RegularGridInterpolator(method='nearest')`: ties go to the lower coordinate; `None`
    /// outside the first and last centres.
    fn nearest(&self, p: f64) -> Option<usize> {
        let g = &self.ascending;
        let n = g.len();
        if p.is_nan() || p < g[0] || p > g[n - 1] {
            return None;
        }
        let i = g.partition_point(|&v| v < p).saturating_sub(1).min(n - 2);
        let frac = (p - g[i]) / (g[i + 1] - g[i]);
        let k = if frac <= 0.5 { i } else { i + 1 };
        Some(if self.flipped { n - 1 - k } else { k })
    }
}

fn read_ztd(path: &Path) -> anyhow::Result<ZtdGrid> {
    let rsc_path = PathBuf::from(format!("{}.rsc", path.display()));
    let rsc = read_rsc(&rsc_path).with_context(|| format!("reading {}", rsc_path.display()))?;
    let get = |k: &str| {
        rsc.get_f64(k)
            .with_context(|| format!("{} lacks {k}", rsc_path.display()))
    };
    let cols = get("WIDTH")? as usize;
    let rows = get("FILE_LENGTH").or_else(|_| get("LENGTH"))? as usize;
    let grid = MapGrid::from_attrs(&rsc, rows, cols).map_err(|e| {
        let key = e.key().to_string();
        anyhow::Error::new(e).context(format!("{} lacks {key}", rsc_path.display()))
    })?;
    let (y_step, x_step) = (grid.y_step, grid.x_step);
    ensure!(
        rows >= 2 && cols >= 2 && y_step != 0.0 && x_step != 0.0,
        "{}: grid of {rows} x {cols} with steps {y_step}, {x_step} is not usable",
        rsc_path.display()
    );
    // A single-band little-endian float32 flat raster, which the shared reader checks and reads.
    let layout = RasterLayout {
        width: cols,
        length: rows,
        dtype: DataType::F32,
        big_endian: false,
        bands: RasterLayout::regular(cols, rows, 1, DataType::F32, Interleave::Bsq),
        data_file: path.to_path_buf(),
        sidecar: rsc_path.clone(),
        handle: Default::default(),
    };
    layout.check_file_size()?;
    let mut data = vec![0f32; rows * cols];
    layout.read_window_f32(0, &Window::full(rows, cols), &mut data, |v| v)?;
    // Centres as MintPy's get_lat_lon: first + step * (index + 0.5).
    let lat0 = grid.row_centre(0);
    let lon0 = grid.col_centre(0);
    Ok(ZtdGrid {
        data,
        cols,
        lat: Axis::linspace(lat0, lat0 + y_step * (rows - 1) as f64, rows),
        lon: Axis::linspace(lon0, lon0 + x_step * (cols - 1) as f64, cols),
    })
}

/// Line-of-sight delay of one pixel from the zenith grid, MintPy's sign: `-ztd / cos(inc)`.
fn los_delay(grid: &ZtdGrid, lat: f32, lon: f32, inc_deg: f32) -> f32 {
    let v = match (grid.lat.nearest(lat as f64), grid.lon.nearest(lon as f64)) {
        (Some(r), Some(c)) => grid.data[r * grid.cols + c] as f64,
        _ => 0.0,
    };
    let cos_inc = (inc_deg * (std::f32::consts::PI / 180.0)).cos();
    (-(v / cos_inc as f64)) as f32
}

/// Writes `inputs/GACOS` (the line-of-sight delay of every date of `series` that has a `.ztd`),
/// unless a complete one newer than every `.ztd` with those dates exists.
fn gacos_delay(
    run_dir: &Path,
    gacos_dir: &Path,
    series: &Product,
    format: OutputFormat,
    max_memory: u64,
    report: &Reporter,
) -> anyhow::Result<()> {
    let mut dates = Vec::new();
    let mut files = Vec::new();
    for d in series.dates() {
        let f = gacos_dir.join(format!("{d}.ztd"));
        if f.is_file() {
            dates.push(*d);
            files.push(f);
        } else {
            report.warn(format!("no GACOS file {} for {d}", f.display()));
        }
    }
    if files.is_empty() {
        bail!(
            "{} holds no GACOS YYYYMMDD.ztd file for the dates of {}",
            gacos_dir.display(),
            series.path().display()
        );
    }
    let stem = "inputs/GACOS";
    if let Ok(p) = Product::open(run_dir, stem) {
        let newest_input = files
            .iter()
            .filter_map(|f| std::fs::metadata(f).and_then(|m| m.modified()).ok())
            .max();
        let built = std::fs::metadata(p.path()).and_then(|m| m.modified()).ok();
        if p.is_complete()
            && p.dates() == dates.as_slice()
            && p.length() == series.length()
            && p.width() == series.width()
            && built.is_some()
            && built >= newest_input
        {
            return Ok(());
        }
    }
    let geom = Product::open(run_dir, geometry_stem_in(run_dir)).with_context(|| {
        format!(
            "GACOS delays need the run's geometry ({GEOMETRY_STEM}: latitude, longitude, \
             incidenceAngle) in {}",
            run_dir.display()
        )
    })?;
    for ds in ["latitude", "longitude", "incidenceAngle"] {
        ensure!(
            geom.dataset_names().iter().any(|d| d == ds),
            "GACOS delays need {ds} in {}",
            geom.path().display()
        );
    }
    let (length, width) = (series.length(), series.width());
    let grids = files
        .iter()
        .map(|f| read_ztd(f))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let mut attrs = series.attrs().clone();
    for k in ["REF_DATE", "REF_X", "REF_Y", "REF_LAT", "REF_LON"] {
        attrs.remove(k);
    }
    attrs.set("UNIT", "m");
    let bperp: Vec<f32> = dates
        .iter()
        .map(|d| {
            let i = series.dates().iter().position(|x| x == d).unwrap_or(0);
            series.bperp().get(i).copied().unwrap_or(0.0)
        })
        .collect();
    let spec = ProductSpec {
        stem: stem.to_string(),
        file_type: "timeseries".to_string(),
        length,
        width,
        dates: dates.clone(),
        bperp,
        datasets: vec![DatasetSpec::series(
            "timeseries",
            "m",
            "GACOS line-of-sight tropospheric delay",
        )],
        attrs,
    };
    let cost = buffers_cost(4 * (dates.len() + 3));
    let mut pass = StripPass::new("GACOS delay", length, width, cost, max_memory)?;
    let [lat, lon, inc] = ["latitude", "longitude", "incidenceAngle"].map(|d| pass.read(&geom, d));
    let out = pass.create(run_dir, format, spec)?[0];
    pass.run(|strip| {
        let px = strip.pixels();
        let [lat, lon, inc] = [lat, lon, inc].map(|i| strip.inputs.get(i));
        let delays = strip.outputs.get(out);
        delays.clear();
        for g in &grids {
            delays.extend((0..px).map(|k| los_delay(g, lat[k], lon[k], inc[k])));
        }
        Ok(())
    })?;
    pass.finish()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attrs(pairs: &[(&str, &str)]) -> Attributes {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn d(s: &str) -> Date {
        Date::parse(s).unwrap()
    }

    #[test]
    fn references_only_what_differs() {
        let ts = attrs(&[("REF_Y", "3"), ("REF_X", "4"), ("REF_DATE", "20200113")]);
        let shared = [d("20200101"), d("20200113")];
        // An absolute delay (no reference attributes): both references apply.
        let r = referencing(&ts, &attrs(&[]), &shared).unwrap();
        assert_eq!(r.pixel, Some((3, 4)));
        assert_eq!(r.date_index, Some(1));
        // Same references: nothing to do.
        let r = referencing(&ts, &ts, &shared).unwrap();
        assert_eq!(
            r,
            Referencing {
                pixel: None,
                date_index: None
            }
        );
        // Reference date missing from the delay.
        assert!(referencing(&ts, &attrs(&[]), &shared[..1]).is_err());
    }

    #[test]
    fn subtracts_referenced_delay_and_keeps_zeros() {
        // 3 dates x 2 pixels; the delay lacks the middle date.
        let mut ts = vec![0.0, 0.0, 1.0, 0.0, 2.0, 3.0];
        let mut delay = vec![0.5, 0.7, 1.5, 1.0];
        let ref_values = [0.5, 1.5]; // pixel 0 is the reference
        subtract_delay(&mut ts, &mut delay, 2, &[0, 2], &ref_values, Some(0));
        // Referenced delay: plane 0 -> [0, 0.2] - [0, 0.2] = 0; plane 2 -> [0, -0.5] - [0, 0.2].
        assert_eq!(ts[..4], [0.0, 0.0, 1.0, 0.0]);
        assert!((ts[4] - 2.0).abs() < 1e-6);
        assert!((ts[5] - 3.7).abs() < 1e-6);
    }

    #[test]
    fn nearest_grid_index_matches_scipy_rules() {
        // Centres 10, 11, 12, 13 (ascending).
        let a = Axis::linspace(10.0, 13.0, 4);
        assert_eq!(a.nearest(10.0), Some(0));
        assert_eq!(a.nearest(10.5), Some(0), "tie goes low");
        assert_eq!(a.nearest(10.51), Some(1));
        assert_eq!(a.nearest(13.0), Some(3));
        assert_eq!(a.nearest(13.01), None);
        assert_eq!(a.nearest(9.99), None);
        // Descending latitudes (north first): index counts from the north.
        let d = Axis::linspace(13.0, 10.0, 4);
        assert_eq!(d.nearest(12.9), Some(0));
        assert_eq!(d.nearest(10.2), Some(3));
    }

    #[test]
    fn los_delay_projects_and_negates() {
        let g = ZtdGrid {
            data: vec![2.0, 2.0, 2.0, 2.0],
            cols: 2,
            lat: Axis::linspace(1.0, 0.0, 2),
            lon: Axis::linspace(0.0, 1.0, 2),
        };
        let v = los_delay(&g, 0.5, 0.5, 60.0);
        assert!((v + 4.0).abs() < 1e-5, "{v}");
        assert_eq!(los_delay(&g, 5.0, 0.5, 60.0), 0.0);
    }
}

#[cfg(test)]
mod gacos_tests {
    use super::*;

    /// Writes a `rows x cols` `.ztd` (value = index) and its `.rsc`; returns the `.ztd` path.
    fn ztd(dir: &Path, rows: usize, cols: usize, bytes: usize) -> PathBuf {
        let p = dir.join("20200101.ztd");
        let data: Vec<u8> = (0..rows * cols)
            .flat_map(|i| (i as f32).to_le_bytes())
            .take(bytes)
            .collect();
        std::fs::write(&p, data).unwrap();
        std::fs::write(
            dir.join("20200101.ztd.rsc"),
            format!("WIDTH {cols}\nFILE_LENGTH {rows}\nY_FIRST 10\nY_STEP -0.5\nX_FIRST 20\nX_STEP 0.5\n"),
        )
        .unwrap();
        p
    }

    #[test]
    fn reads_the_grid_and_refuses_a_truncated_file() {
        let dir = tempfile::tempdir().unwrap();
        let g = read_ztd(&ztd(dir.path(), 3, 4, 48)).unwrap();
        assert_eq!(g.cols, 4);
        assert_eq!(g.data, (0..12).map(|i| i as f32).collect::<Vec<_>>());
        // Row 0 is the northern edge: latitude 10 - 0.25 is found there.
        assert_eq!(g.lat.nearest(9.75), Some(0));
        let Err(e) = read_ztd(&ztd(dir.path(), 3, 4, 44)) else {
            panic!("a truncated .ztd was read");
        };
        let e = format!("{e:#}");
        assert!(e.contains("20200101.ztd") && e.contains("truncated"), "{e}");
    }
}
