//! `sbas subset` as a library call: cuts every product of a run folder to a window and writes
//! the cuts, strip by strip, into another folder (MintPy's `subset.py` on each file).

use std::path::{Path, PathBuf};

use anyhow::{bail, ensure, Context};

use crate::geo::grid::MapGrid;
use crate::geo::product_io::describe_product;
use crate::geo::subset::{
    clip_box, geo_box_to_window, subset_attributes, LookupBox, SubsetRequest,
};
use crate::product::inversion::{store_path, LAYER_NAMES};
use crate::product::{geometry_stem_in, Product, ProductSpec, ProductWriter};
use crate::window::Window;

/// The products of a run folder (and its `inputs/` and `geo/` subfolders), by stem; the
/// inversion's own Zarr store counts as its five products.
pub fn run_products(dir: &Path) -> Vec<String> {
    let mut stems = Vec::new();
    if store_path(dir).join("zarr.json").exists() {
        stems.push("timeseries".to_string());
        stems.extend(LAYER_NAMES.iter().map(|s| s.to_string()));
    }
    for sub in ["", "inputs", "geo"] {
        let Ok(entries) = std::fs::read_dir(dir.join(sub)) else {
            continue;
        };
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().to_string();
            let Some(stem) = [".h5", ".zarr"].iter().find_map(|x| name.strip_suffix(x)) else {
                continue;
            };
            let full = if sub.is_empty() {
                stem.to_string()
            } else {
                format!("{sub}/{stem}")
            };
            if stem != "sbas" && !stems.contains(&full) {
                stems.push(full);
            }
        }
    }
    stems.sort();
    stems
}

/// The window of `product` a request means: y/x as given (clipped); lat/lon through the
/// product's own grid when geocoded, else through the radar lookup `geom`.
fn window_of(
    p: &Product,
    req: &SubsetRequest,
    geom: Option<&Product>,
    lut: Option<&Product>,
    radar_lalo: &mut Option<Window>,
) -> anyhow::Result<Window> {
    let (length, width) = (p.length(), p.width());
    match *req {
        SubsetRequest::Yx { y0, y1, x0, x1 } => clip_box(y0, y1, x0, x1, length, width),
        SubsetRequest::Lalo {
            south,
            north,
            west,
            east,
        } => {
            if MapGrid::is_geocoded(p.attrs()) {
                return geo_box_to_window(p.attrs(), south, north, west, east, length, width);
            }
            if let Some(w) = radar_lalo {
                return Ok(*w);
            }
            let has_lalo = geom.is_some_and(|g| {
                let names = g.dataset_names();
                names.iter().any(|n| n == "latitude") && names.iter().any(|n| n == "longitude")
            });
            if let (false, Some(lut)) = (has_lalo, lut) {
                // subset.py through a ROI_PAC/GAMMA table: no buffer.
                let w = table_box(lut, p, (south, north, west, east))?;
                *radar_lalo = Some(w);
                return Ok(w);
            }
            let geom = geom.context(
                "--subset-lalo on radar-coordinate products needs the run's lat/lon lookup \
                 (inputs/geometryRadar); give --subset-yx instead",
            )?;
            ensure!(
                (geom.length(), geom.width()) == (length, width),
                "the lookup is {} x {} but product {} is {length} x {width}",
                geom.length(),
                geom.width(),
                p.stem()
            );
            let mut search = LookupBox::new(south, north, west, east);
            let rows = ((1usize << 20) / width).clamp(1, length);
            for y0 in (0..length).step_by(rows) {
                let w = Window {
                    y0,
                    y1: (y0 + rows).min(length),
                    x0: 0,
                    x1: width,
                };
                search.add(&w, &geom.read("latitude", w)?, &geom.read("longitude", w)?);
            }
            let w = search.finish(length, width)?;
            *radar_lalo = Some(w);
            Ok(w)
        }
    }
}

/// The radar window of the box through the run's map-to-radar table product `lut`, for
/// product `p` (its `SUBSET_YMIN`/`SUBSET_XMIN` removed).
fn table_box(lut: &Product, p: &Product, bbox: (f64, f64, f64, f64)) -> anyhow::Result<Window> {
    let grid = MapGrid::from_attrs(lut.attrs(), lut.length(), lut.width())
        .map_err(|e| anyhow::anyhow!("lookup table {}: {e}", lut.path().display()))?;
    let offset = crate::geo::map_lookup::subset_offset(p.attrs());
    let read = |row: usize, col: usize| -> anyhow::Result<(f32, f32)> {
        let w = Window::pixel(row, col);
        Ok((
            lut.read("rangeCoord", w)?[0],
            lut.read("azimuthCoord", w)?[0],
        ))
    };
    crate::geo::map_lookup::table_radar_box(
        &grid,
        lut.path(),
        bbox,
        offset,
        0,
        (p.length(), p.width()),
        &read,
    )
}

/// Cuts product `p` of `dir` to `window` into `out` (same stem and format), `rows` rows at a time.
fn cut_product(
    dir: &Path,
    p: &Product,
    window: Window,
    out: &Path,
    max_memory: u64,
) -> anyhow::Result<PathBuf> {
    let (file_type, datasets) = describe_product(dir, p)?;
    let planes = datasets
        .iter()
        .map(|d| if d.per_date { p.dates().len() } else { 1 })
        .max()
        .unwrap_or(1);
    let rows = ((max_memory / (8 * planes as u64 * window.cols() as u64).max(1)) as usize)
        .clamp(1, window.rows());
    let spec = ProductSpec {
        stem: p.stem().to_string(),
        file_type,
        length: window.rows(),
        width: window.cols(),
        dates: p.dates().to_vec(),
        bperp: p.bperp().to_vec(),
        datasets: datasets.clone(),
        attrs: subset_attributes(p.attrs(), &window),
    };
    let mut writer = ProductWriter::create(out, p.format(), spec)?;
    for y0 in (window.y0..window.y1).step_by(rows) {
        let src = Window {
            y0,
            y1: (y0 + rows).min(window.y1),
            ..window
        };
        let dst = Window {
            y0: src.y0 - window.y0,
            y1: src.y1 - window.y0,
            x0: 0,
            x1: window.cols(),
        };
        for d in &datasets {
            writer.write(&d.name, dst, &p.read(&d.name, src)?)?;
        }
    }
    writer.finish()
}

/// Cuts every product of run folder `dir` to the subset `req` into folder `out`; returns the
/// paths written. With `--subset-yx`, geocoded products (other pixel grids) are left out.
pub fn subset_run(
    dir: &Path,
    req: &SubsetRequest,
    out: &Path,
    max_memory: u64,
    report: &crate::report::Reporter,
) -> anyhow::Result<Vec<PathBuf>> {
    let same = |a: &Path, b: &Path| {
        std::fs::canonicalize(a)
            .ok()
            .is_some_and(|a| std::fs::canonicalize(b).ok() == Some(a))
    };
    std::fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
    if same(dir, out) {
        bail!(
            "the output folder {} is the run folder itself",
            out.display()
        );
    }
    let stems = run_products(dir);
    if stems.is_empty() {
        bail!("{} holds no product", dir.display());
    }
    let geom = Product::open(dir, geometry_stem_in(dir)).ok();
    let lut = crate::geo::geocode_lut::run_lookup(dir);
    let mut radar_lalo = None;
    let map_run = crate::geo::run_is_geocoded(dir);
    let mut written = Vec::new();
    for stem in &stems {
        let p = Product::open(dir, stem)?;
        if !p.is_complete() {
            report.warn(format!("{stem} is incomplete (interrupted run): left out"));
            continue;
        }
        // On a stack in map coordinates every product is on the stack's grid, so rows and
        // columns mean the same pixels in all of them.
        if matches!(req, SubsetRequest::Yx { .. }) && MapGrid::is_geocoded(p.attrs()) && !map_run {
            report.note(format!(
                "{stem} is geocoded: --subset-yx is in radar pixels, so it is left out"
            ));
            continue;
        }
        let w = window_of(&p, req, geom.as_ref(), lut.as_ref(), &mut radar_lalo)
            .with_context(|| format!("subset of {stem}"))?;
        written.push(
            cut_product(dir, &p, w, out, max_memory).with_context(|| format!("cutting {stem}"))?,
        );
    }
    Ok(written)
}
