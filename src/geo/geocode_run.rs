//! `sbas geocode` as a library call: reads a radar-coordinate product and the run's lat/lon
//! lookup (`inputs/geometryRadar`), and writes `geo/geo_STEM` on a regular grid, destination
//! block by destination block under the memory budget.

use std::path::{Path, PathBuf};

use anyhow::{bail, ensure, Context};
use rayon::prelude::*;

use crate::geo::geocode::{
    apply_bilinear, apply_nearest, bilinear_map, default_step, grid_around, radius_m, shape_step,
    snwe_grid, valid, Bilinear, LookupExtent, Method, SourceIndex, EARTH_RADIUS,
};
use crate::geo::grid::MapGrid;
use crate::geo::kdtree::{cartesian, cartesian64, KdTree, MINTPY_EPS};
use crate::geo::product_io::describe_product;
use crate::meta::Attributes;
use crate::product::{
    geometry_stem_in, DatasetSpec, Product, ProductSpec, ProductWriter, GEOMETRY_GEO_STEM,
    GEOMETRY_STEM,
};
use crate::window::Window;

/// Options of one geocoding.
#[derive(Debug, Clone)]
pub struct GeocodeOptions {
    /// Resampling method.
    pub method: Method,
    /// Output step `(lat, lon)` in degrees (the sign is ignored: latitude steps go south);
    /// default: MintPy's step keeping the radar pixel area.
    pub lalo_step: Option<(f64, f64)>,
    /// Output box `(S, N, W, E)`, outer edges in degrees; default: the lookup's extent.
    pub bbox: Option<(f64, f64, f64, f64)>,
    /// Memory budget for the blocks in flight, bytes.
    pub max_memory: u64,
    /// Where warnings go.
    pub report: crate::report::Reporter,
}

impl Default for GeocodeOptions {
    fn default() -> Self {
        GeocodeOptions {
            method: Method::Nearest,
            lalo_step: None,
            bbox: None,
            max_memory: 2 << 30,
            report: crate::report::Reporter::silent(),
        }
    }
}

/// Rows of lookup read per strip in the first pass.
const STRIP_PIXELS: usize = 1 << 20;

/// The lookup's span per source row (to find the rows a destination block needs).
struct RowSpans {
    /// (lat_min, lat_max, lon_min, lon_max) per row; NaN row when it has no valid pixel.
    spans: Vec<[f64; 4]>,
    extent: LookupExtent,
}

fn scan_lookup(geom: &Product) -> anyhow::Result<RowSpans> {
    let (length, width) = (geom.length(), geom.width());
    let rows = (STRIP_PIXELS / width).clamp(1, length);
    let mut spans = Vec::with_capacity(length);
    let mut extent = LookupExtent::default();
    for y0 in (0..length).step_by(rows) {
        let w = Window {
            y0,
            y1: (y0 + rows).min(length),
            x0: 0,
            x1: width,
        };
        let lat = geom.read("latitude", w)?;
        let lon = geom.read("longitude", w)?;
        extent.add(&lat, &lon);
        for (la, lo) in lat.chunks(width).zip(lon.chunks(width)) {
            let mut s = [
                f64::INFINITY,
                f64::NEG_INFINITY,
                f64::INFINITY,
                f64::NEG_INFINITY,
            ];
            for (&a, &o) in la.iter().zip(lo) {
                if valid(a, o) {
                    s = [
                        s[0].min(a as f64),
                        s[1].max(a as f64),
                        s[2].min(o as f64),
                        s[3].max(o as f64),
                    ];
                }
            }
            spans.push(s);
        }
    }
    Ok(RowSpans { spans, extent })
}

/// The output product name of `stem`: `geo/geo_` + its last path component (MintPy).
pub fn geo_stem(stem: &str) -> String {
    format!("geo/geo_{}", stem.rsplit('/').next().unwrap_or(stem))
}

/// Geocodes product `stem` of run folder `dir` into `dir/geo/geo_STEM` (same format as the
/// input); returns the path written.
pub fn geocode_product(dir: &Path, stem: &str, opts: &GeocodeOptions) -> anyhow::Result<PathBuf> {
    let input = Product::open(dir, stem)?;
    ensure!(
        input.is_complete(),
        "product {stem} in {} is incomplete (its run was interrupted)",
        dir.display()
    );
    if MapGrid::is_geocoded(input.attrs()) {
        bail!("product {stem} is already geocoded (it has Y_FIRST)");
    }
    // ROI_PAC and GAMMA stacks come with a map-to-radar table instead of per-pixel lat/lon.
    let radar_lalo = Product::open(dir, GEOMETRY_STEM).is_ok_and(|g| {
        let names = g.dataset_names();
        names.iter().any(|n| n == "latitude") && names.iter().any(|n| n == "longitude")
    });
    if !radar_lalo {
        if let Some(lut) = crate::geo::geocode_lut::run_lookup(dir) {
            return crate::geo::geocode_lut::geocode_with_table(dir, stem, &input, &lut, opts);
        }
    }
    let geom = open_lookup(dir, stem, &input)?;
    let (file_type, datasets) = describe_product(dir, &input)?;

    let spans = scan_lookup(&geom)?;
    ensure!(
        spans.extent.count > 0,
        "the lat/lon lookup {} has no valid pixel",
        geom.path().display()
    );
    let ext = spans.extent;
    let (lat_step, lon_step) = output_step(opts, &input, &geom, &ext);
    let (grid, float32) = output_grid(opts, &ext, lat_step, lon_step)?;

    let attrs = output_attributes(input.attrs(), &grid, &geom)?;
    let spec = ProductSpec {
        stem: geo_stem(stem),
        file_type,
        length: grid.length,
        width: grid.width,
        dates: input.dates().to_vec(),
        bperp: input.bperp().to_vec(),
        datasets: datasets.clone(),
        attrs,
    };
    let mut writer = ProductWriter::create(dir, input.format(), spec)?;

    let block_rows = block_rows(opts, &input, &geom, &grid, &datasets);
    let radius_deg = (radius_m(&grid) / EARTH_RADIUS).to_degrees();
    let mut buffers = (Vec::new(), Vec::new());
    for row0 in (0..grid.length).step_by(block_rows) {
        let row1 = (row0 + block_rows).min(grid.length);
        // One block reads the whole lookup, as MintPy does when its budget allows: the same
        // points in the same order give the same kd-tree and so the same nearest pixels.
        let src = if block_rows >= grid.length {
            Some((0, geom.length()))
        } else {
            source_rows(&spans.spans, &grid, row0, row1, radius_deg)
        };
        let map = match src {
            None => BlockMap::Empty,
            Some((s0, s1)) => {
                let sw = Window {
                    y0: s0,
                    y1: s1,
                    x0: 0,
                    x1: geom.width(),
                };
                let lat = geom.read("latitude", sw)?;
                let lon = geom.read("longitude", sw)?;
                BlockMap::build(&lat, &lon, &grid, float32, row0..row1, opts.method, sw)
            }
        };
        let dest = Window {
            y0: row0,
            y1: row1,
            x0: 0,
            x1: grid.width,
        };
        write_block(&input, &datasets, &map, dest, &mut writer, &mut buffers)?;
    }
    writer.finish()
}

/// Whether the run in `dir` is on a stack already in map coordinates, which needs no geocoding:
/// its geometry is `inputs/geometryGeo`, or its time series carries a map grid.
pub fn run_is_geocoded(dir: &Path) -> bool {
    (geometry_stem_in(dir) == GEOMETRY_GEO_STEM
        && crate::geo::geocode_lut::run_lookup(dir).is_none())
        || Product::open(dir, "timeseries").is_ok_and(|p| MapGrid::is_geocoded(p.attrs()))
}

/// What `geocode` says on a run that is already in map coordinates.
pub fn not_needed_note(dir: &Path) -> String {
    format!(
        "{} is already in map coordinates (its stack was geocoded): geocoding is not needed, \
         nothing was done",
        dir.display()
    )
}

/// The run's lat/lon lookup, checked to hold latitude and longitude of every pixel of `input`.
fn open_lookup(dir: &Path, stem: &str, input: &Product) -> anyhow::Result<Product> {
    let geom = Product::open(dir, geometry_stem_in(dir)).with_context(|| {
        format!(
            "geocoding needs the lat/lon lookup of the run ({GEOMETRY_STEM} in {}); runs made \
             before sbas kept the geometry must be inverted again",
            dir.display()
        )
    })?;
    let names = geom.dataset_names();
    ensure!(
        names.iter().any(|n| n == "latitude") && names.iter().any(|n| n == "longitude"),
        "{} has no latitude/longitude lookup: the stack gave none, so it cannot be geocoded",
        geom.path().display()
    );
    ensure!(
        (geom.length(), geom.width()) == (input.length(), input.width()),
        "the lookup {} is {} x {} but product {stem} is {} x {}",
        geom.path().display(),
        geom.length(),
        geom.width(),
        input.length(),
        input.width()
    );
    Ok(geom)
}

/// The output step `(lat, lon)`: the one asked for, else MintPy's step keeping the radar
/// pixel area, else (without the metadata for it) the step keeping the radar matrix shape.
fn output_step(
    opts: &GeocodeOptions,
    input: &Product,
    geom: &Product,
    ext: &LookupExtent,
) -> (f64, f64) {
    if let Some(s) = opts.lalo_step {
        return s;
    }
    let mut meta = geom.attrs().clone();
    meta.extend(input.attrs());
    default_step(&meta, (ext.lat_min as f32 + ext.lat_max as f32) / 2.0).unwrap_or_else(|| {
        opts.report.warn(
            "the metadata lack the pixel sizes, heading or orbit height: the output keeps \
             the radar matrix shape instead of the pixel area (MintPy's fallback)",
        );
        shape_step(ext, geom.length(), geom.width())
    })
}

/// Output rows per block: all of them when the whole lookup and output fit the memory budget,
/// else as many as fit.
fn block_rows(
    opts: &GeocodeOptions,
    input: &Product,
    geom: &Product,
    grid: &MapGrid,
    datasets: &[DatasetSpec],
) -> usize {
    // Budget: destination values of every date plus the resampling map per destination row,
    // and the source rows one destination row needs (lookup, index, one plane).
    let planes = datasets
        .iter()
        .map(|d| if d.per_date { input.dates().len() } else { 1 })
        .max()
        .unwrap_or(1);
    let map_bytes = match opts.method {
        Method::Nearest => 4,
        Method::Bilinear => 40,
    };
    let src_rows_per_dest = (geom.length() as f64 / grid.length as f64).max(1.0);
    let per_row = grid.width as f64 * (4.0 * planes as f64 + map_bytes as f64)
        + src_rows_per_dest * geom.width() as f64 * 64.0;
    let margin_rows = (3.0 * src_rows_per_dest).ceil() * geom.width() as f64 * 64.0;
    let whole = (geom.length() * geom.width()) as f64 * 64.0 + grid.length as f64 * per_row;
    if whole <= opts.max_memory as f64 {
        grid.length
    } else {
        (((opts.max_memory as f64 - margin_rows) / per_row).floor() as usize)
            .clamp(1, grid.length.saturating_sub(1).max(1))
    }
}

/// Resamples every dataset of `input` into the output rows `dest` through `map` and writes
/// them; `buffers` (output values, one source plane) are reused from block to block.
fn write_block(
    input: &Product,
    datasets: &[DatasetSpec],
    map: &BlockMap,
    dest: Window,
    writer: &mut ProductWriter,
    (out, plane): &mut (Vec<f32>, Vec<f32>),
) -> anyhow::Result<()> {
    for d in datasets {
        let n = if d.per_date { input.dates().len() } else { 1 };
        out.clear();
        out.resize(n * dest.pixels(), f32::NAN);
        if let Some(sw) = map.source_window() {
            for k in 0..n {
                plane.clear();
                plane.extend(if d.per_date {
                    input.read_date(&d.name, k, sw)?
                } else {
                    input.read(&d.name, sw)?
                });
                let o = &mut out[k * dest.pixels()..(k + 1) * dest.pixels()];
                map.apply(plane, o);
            }
        }
        if d.is_bool {
            // MintPy fills booleans with False.
            for v in out.iter_mut() {
                if v.is_nan() {
                    *v = 0.0;
                }
            }
        }
        writer.write(&d.name, dest, out)?;
    }
    Ok(())
}

/// The output grid, and whether MintPy computes its corner and pixel centres in float32 (around
/// a step the user gave, see [`grid_around`]).
fn output_grid(
    opts: &GeocodeOptions,
    ext: &LookupExtent,
    lat_step: f64,
    lon_step: f64,
) -> anyhow::Result<(MapGrid, bool)> {
    Ok(match opts.bbox {
        Some(snwe) => (snwe_grid(snwe, lat_step, lon_step)?, false),
        None => {
            let user_step = opts.lalo_step.is_some();
            (grid_around(ext, lat_step, lon_step, user_step)?, user_step)
        }
    })
}

/// Where a destination block takes its values from.
enum BlockMap {
    /// No source pixel is near the block.
    Empty,
    Nearest(Window, Vec<u32>),
    Bilinear(Window, Vec<Option<Bilinear>>),
}

impl BlockMap {
    fn build(
        lat: &[f32],
        lon: &[f32],
        grid: &MapGrid,
        float32: bool,
        block: std::ops::Range<usize>,
        method: Method,
        sw: Window,
    ) -> BlockMap {
        let (row0, row1) = (block.start, block.end);
        // Rows of the block are independent: map them in parallel.
        let rows: Vec<usize> = block.collect();
        match method {
            Method::Nearest => {
                let mut pts = Vec::with_capacity(lat.len());
                let mut ids = Vec::with_capacity(lat.len());
                for (p, (&a, &o)) in lat.iter().zip(lon).enumerate() {
                    if valid(a, o) {
                        pts.push(cartesian(a, o));
                        ids.push(p as u32);
                    }
                }
                let tree = KdTree::new(pts, ids);
                let radius = radius_m(grid);
                let bound2 = (radius * radius) as f32;
                let centres = BlockCentres::new(grid, float32, row0, row1);
                let map = rows
                    .par_iter()
                    .flat_map_iter(|&i| {
                        let (tree, centres) = (&tree, &centres);
                        (0..grid.width).map(move |j| {
                            tree.nearest(&centres.point(i - row0, j), MINTPY_EPS, bound2)
                                .unwrap_or(u32::MAX)
                        })
                    })
                    .collect();
                BlockMap::Nearest(sw, map)
            }
            Method::Bilinear => {
                let index = SourceIndex::new(lat, lon, sw.rows(), sw.cols(), radius_m(grid));
                BlockMap::Bilinear(
                    sw,
                    rows.par_iter()
                        .flat_map_iter(|&i| bilinear_map(&index, grid, i, i + 1))
                        .collect(),
                )
            }
        }
    }

    fn source_window(&self) -> Option<Window> {
        match self {
            BlockMap::Empty => None,
            BlockMap::Nearest(w, _) | BlockMap::Bilinear(w, _) => Some(*w),
        }
    }

    fn apply(&self, src: &[f32], out: &mut [f32]) {
        match self {
            BlockMap::Empty => out.fill(f32::NAN),
            BlockMap::Nearest(_, m) => apply_nearest(m, src, out),
            BlockMap::Bilinear(_, m) => apply_bilinear(m, src, out),
        }
    }
}

/// Destination pixel centres of one block as MintPy builds them (`np.mgrid` between the first
/// and last centre of the block), in float32 or float64 like MintPy's grid corner.
struct BlockCentres {
    float32: bool,
    lat0: f64,
    dlat: f64,
    lon0: f64,
    dlon: f64,
}

impl BlockCentres {
    fn new(grid: &MapGrid, float32: bool, row0: usize, row1: usize) -> BlockCentres {
        let (rows, cols) = (row1 - row0, grid.width);
        let edge = |first: f64, step: f64, k: f64| {
            if float32 {
                (first as f32 + (step * k) as f32) as f64
            } else {
                first + step * k
            }
        };
        let lat0 = edge(grid.y_first, grid.y_step, row0 as f64 + 0.5);
        let lat1 = edge(grid.y_first, grid.y_step, row1 as f64 - 0.5);
        let lon0 = edge(grid.x_first, grid.x_step, 0.5);
        let lon1 = edge(grid.x_first, grid.x_step, cols as f64 - 0.5);
        let step = |a: f64, b: f64, n: usize| {
            let n = n.max(2) - 1;
            if float32 {
                ((b as f32 - a as f32) / n as f32) as f64
            } else {
                (b - a) / n as f64
            }
        };
        BlockCentres {
            float32,
            lat0,
            dlat: step(lat0, lat1, rows),
            lon0,
            dlon: step(lon0, lon1, cols),
        }
    }

    /// Earth-centred coordinates of the centre of block row `i`, column `j`.
    fn point(&self, i: usize, j: usize) -> [f32; 3] {
        if self.float32 {
            let la = i as f32 * self.dlat as f32 + self.lat0 as f32;
            let lo = j as f32 * self.dlon as f32 + self.lon0 as f32;
            cartesian(la, lo)
        } else {
            cartesian64(
                i as f64 * self.dlat + self.lat0,
                j as f64 * self.dlon + self.lon0,
            )
        }
    }
}

/// The source rows whose lookup comes within the radius of destination rows `row0..row1`.
fn source_rows(
    spans: &[[f64; 4]],
    grid: &MapGrid,
    row0: usize,
    row1: usize,
    radius_deg: f64,
) -> Option<(usize, usize)> {
    let lat_hi = grid.row_centre(row0) + radius_deg;
    let lat_lo = grid.row_centre(row1 - 1) - radius_deg;
    let coslat = lat_hi.abs().max(lat_lo.abs()).min(89.0).to_radians().cos();
    let lon_pad = radius_deg / coslat;
    let lon_lo = grid.col_centre(0) - lon_pad;
    let lon_hi = grid.col_centre(grid.width - 1) + lon_pad;
    let mut found: Option<(usize, usize)> = None;
    for (y, s) in spans.iter().enumerate() {
        if s[0] <= lat_hi && s[1] >= lat_lo && s[2] <= lon_hi && s[3] >= lon_lo {
            found = Some(found.map_or((y, y + 1), |(a, _)| (a, y + 1)));
        }
    }
    found
}

/// MintPy's geocoded metadata: the grid, the reference point through its lat/lon, and no
/// radar corner coordinates.
fn output_attributes(
    input: &Attributes,
    grid: &MapGrid,
    geom: &Product,
) -> anyhow::Result<Attributes> {
    let mut a = input.clone();
    grid.write_attrs(&mut a);
    for k in 1..=4 {
        a.remove(&format!("LAT_REF{k}"));
        a.remove(&format!("LON_REF{k}"));
    }
    for k in [
        "SUBSET_YMIN",
        "SUBSET_YMAX",
        "SUBSET_XMIN",
        "SUBSET_XMAX",
        "YMAX",
        "XMAX",
    ] {
        a.remove(k);
    }
    let ry = input
        .get("REF_Y")
        .and_then(|v| v.trim().parse::<usize>().ok());
    let rx = input
        .get("REF_X")
        .and_then(|v| v.trim().parse::<usize>().ok());
    a.remove("REF_Y");
    a.remove("REF_X");
    if let (Some(ry), Some(rx)) = (ry, rx) {
        if ry < geom.length() && rx < geom.width() {
            let lat = geom.read("latitude", Window::pixel(ry, rx))?[0];
            let lon = geom.read("longitude", Window::pixel(ry, rx))?[0];
            if valid(lat, lon) {
                let (lat, lon) = (lat as f64, lon as f64);
                a.set("REF_LAT", lat);
                a.set("REF_LON", lon);
                // MintPy rounds (not floors) here.
                if let Some((y, x)) = grid.pixel_rounded(lat, lon) {
                    a.set("REF_Y", y);
                    a.set("REF_X", x);
                }
            }
        }
    }
    Ok(a)
}
