//! The `dem_error` driver: streams a time-series product strip by strip through the batched
//! solve and writes `<input>_demErr`, `demErr` and `timeseriesResidual`, as MintPy 1.6.4's
//! `dem_error.py` names and lays them out.

use std::path::{Path, PathBuf};

use anyhow::Context;

use super::model::{check_model, deformation_matrix, DemErrModel};
use super::solve::{valid_pixels, DemErrSolver, DemErrStrip, Geometry};
use crate::correct::io::{self, TIMESERIES_DATASET};
use crate::meta::Attributes;
use crate::product::pass::{buffers_cost, maps_like, series_like, StripPass};
use crate::product::pass_split::PassSplit;
use crate::product::{DatasetSpec, Product, ProductSpec};

/// Stem of the geometry product the inversion writes (re-exported).
pub use crate::product::GEOMETRY_STEM;
/// Stem of the DEM-error map.
pub const DEM_ERROR_STEM: &str = "demErr";
/// Stem of the residual series.
pub const RESIDUAL_STEM: &str = "timeseriesResidual";
/// MintPy's Earth radius (`utils0.EARTH_RADIUS`), metres, for the incidence-angle formula.
const MINTPY_EARTH_RADIUS: f64 = 6371.0088e3;
/// Metadata key prefix of the options.
const KEY_PREFIX: &str = "mintpy.topographicResidual.";

/// Options of `dem_error::run`.
#[derive(Debug, Clone, PartialEq)]
pub struct DemErrOptions {
    /// The temporal model and the fit options.
    pub model: DemErrModel,
    /// Use per-pixel slant range and incidence from `inputs/geometryRadar` when it has them
    /// (MintPy `pixelwiseGeometry`, default yes); otherwise the scene-centre values.
    pub pixelwise_geometry: bool,
    /// Whether this process computes every strip, a part's, or assembles the parts' strips.
    pub split: PassSplit,
}

impl Default for DemErrOptions {
    fn default() -> Self {
        DemErrOptions {
            model: DemErrModel::default(),
            pixelwise_geometry: true,
            split: PassSplit::Whole,
        }
    }
}

/// What `dem_error::run` wrote.
#[derive(Debug, Clone, PartialEq)]
pub struct DemErrOutputs {
    /// Stem of the corrected series (`<input>_demErr`).
    pub corrected_stem: String,
    /// Path of the corrected series.
    pub corrected: PathBuf,
    /// Path of the DEM-error map (`demErr`).
    pub dem_error: PathBuf,
    /// Path of the residual series (`timeseriesResidual`).
    pub residual: PathBuf,
    /// Pixels estimated.
    pub pixels_estimated: usize,
    /// Whether per-pixel geometry was used.
    pub pixelwise_geometry: bool,
}

/// The geometry of the fit: per-pixel datasets of the geometry product, or one value.
enum GeometrySource {
    Scalar(f64),
    PerPixel(Box<Product>),
}

/// Scene-centre `r sin(inc)` from the metadata, as MintPy's `ut.range_distance` and
/// `ut.incidence_angle` with `dimension=0`.
fn scalar_range_sin_inc(attrs: &Attributes, width: usize, what: &str) -> anyhow::Result<f64> {
    let get = |k: &str| {
        attrs
            .get_f64(k)
            .with_context(|| format!("{what}: metadata needed for the scene-centre geometry"))
    };
    let near = get("STARTING_RANGE")?;
    let step = get("RANGE_PIXEL_SIZE")?;
    let centre_range = near + step * (width.max(1) - 1) as f64 / 2.0;
    let inc_deg = match attrs.get_f64_opt("CENTER_INCIDENCE_ANGLE") {
        Some(v) => v,
        None => {
            let h = get("HEIGHT")?;
            let r = attrs
                .get_f64_opt("EARTH_RADIUS")
                .unwrap_or(MINTPY_EARTH_RADIUS);
            let far = near + step * width as f64;
            let inc = |rg: f64| {
                (std::f64::consts::PI
                    - ((r * r + rg * rg - (r + h) * (r + h)) / (2.0 * r * rg)).acos())
                .to_degrees()
            };
            (inc(near) + inc(far)) / 2.0
        }
    };
    let v = centre_range * inc_deg.to_radians().sin();
    anyhow::ensure!(
        v.is_finite() && v != 0.0,
        "{what}: the scene-centre slant range and incidence give r sin(inc) = {v}"
    );
    Ok(v)
}

fn open_geometry(
    dir: &Path,
    ts: &Product,
    pixelwise: bool,
    what: &str,
) -> anyhow::Result<GeometrySource> {
    if pixelwise && Product::exists(dir, GEOMETRY_STEM) {
        let g = Product::open(dir, GEOMETRY_STEM)
            .with_context(|| format!("cannot open {GEOMETRY_STEM} in {}", dir.display()))?;
        let names = g.dataset_names();
        let has = |n: &str| names.iter().any(|d| d == n);
        if has("incidenceAngle") && has("slantRangeDistance") {
            anyhow::ensure!(
                g.length() == ts.length() && g.width() == ts.width(),
                "{GEOMETRY_STEM} is {} x {} but {what} is {} x {}",
                g.length(),
                g.width(),
                ts.length(),
                ts.width()
            );
            return Ok(GeometrySource::PerPixel(Box::new(g)));
        }
    }
    Ok(GeometrySource::Scalar(scalar_range_sin_inc(
        ts.attrs(),
        ts.width(),
        what,
    )?))
}

/// The metadata of the outputs: the series' plus MintPy's options of the step.
fn output_attrs(ts: &Attributes, model: &DemErrModel) -> Attributes {
    let mut attrs = ts.clone();
    attrs.set(format!("{KEY_PREFIX}polyOrder"), model.poly_order);
    attrs.set(
        format!("{KEY_PREFIX}phaseVelocity"),
        if model.phase_velocity {
            "True"
        } else {
            "False"
        },
    );
    attrs.set(
        format!("{KEY_PREFIX}stepDate"),
        io::py_date_list(&model.step_dates),
    );
    attrs.set(
        format!("{KEY_PREFIX}excludeDate"),
        io::py_date_list(&model.exclude_dates),
    );
    attrs
}

/// The products written: the corrected series `corrected_stem`, the residual series and the
/// DEM-error map.
fn output_specs(ts: &Product, corrected_stem: &str, model: &DemErrModel) -> [ProductSpec; 3] {
    let attrs = output_attrs(ts.attrs(), model);
    let mut dem_attrs = attrs.clone();
    dem_attrs.set("UNIT", "m");
    let dem = vec![DatasetSpec::map("dem", "m", "DEM error")];
    [
        series_like(
            ts,
            corrected_stem,
            "m",
            "displacement corrected for DEM error",
            attrs.clone(),
        ),
        series_like(
            ts,
            RESIDUAL_STEM,
            "m",
            "residual displacement of the DEM-error model fit",
            attrs,
        ),
        maps_like(ts, DEM_ERROR_STEM, "dem", dem, dem_attrs),
    ]
}

/// The solver of the series `ts` and its number of deformation parameters.
fn build_solver(
    ts: &Product,
    model: &DemErrModel,
    what: &str,
) -> anyhow::Result<(DemErrSolver, usize)> {
    let dates = ts.dates();
    let ref_idx = io::reference_date_index(ts.attrs(), dates, what)?;
    let pbase: Vec<f64> = ts
        .bperp()
        .iter()
        .map(|&b| b as f64 - ts.bperp()[ref_idx] as f64)
        .collect();
    let seconds = ts.attrs().get_f64_opt("CENTER_LINE_UTC").unwrap_or(0.0);
    let g_defo = deformation_matrix(dates, model, seconds);
    let n_defo = model.poly_order + 1 + model.step_dates.len();
    let used: Vec<bool> = dates
        .iter()
        .map(|d| !model.exclude_dates.contains(d))
        .collect();
    let t_years: Vec<f64> = dates
        .iter()
        .map(|d| dates[0].days_until(*d) as f64 / 365.25)
        .collect();
    let solver = DemErrSolver::new(
        &pbase,
        &g_defo,
        n_defo,
        &used,
        &t_years,
        model.phase_velocity,
    )?;
    Ok((solver, n_defo))
}

/// Estimates and removes the DEM error of the time series `input_stem` in `dir` (MintPy
/// `dem_error.py`), writing `<input_stem>_demErr`, `demErr` and `timeseriesResidual` in the
/// format of the input, strip by strip within `max_memory` bytes.
pub fn run(
    dir: &Path,
    input_stem: &str,
    options: &DemErrOptions,
    max_memory: u64,
) -> anyhow::Result<DemErrOutputs> {
    let ts = io::open_timeseries(dir, input_stem)?;
    let what = format!("time series '{input_stem}'");
    let dates = ts.dates().to_vec();
    let n = dates.len();
    let (length, width) = (ts.length(), ts.width());
    let model = &options.model;
    check_model(&dates, model).with_context(|| format!("DEM error of {what}"))?;
    anyhow::ensure!(
        ts.bperp().len() == n,
        "{what}: {} perpendicular baselines for {n} dates",
        ts.bperp().len()
    );

    let (solver, n_defo) = build_solver(&ts, model, &what)?;
    let geometry = open_geometry(dir, &ts, options.pixelwise_geometry, &what)?;
    let tcoh = io::open_map_if_present(dir, "temporalCoherence", length, width)?;

    let corrected_stem = format!("{input_stem}_demErr");
    let [cor_spec, res_spec, dem_spec] = output_specs(&ts, &corrected_stem, model);

    // Per pixel: the series in, two series out (f32), parameters (f64), masks and geometry.
    let per_pixel = 12 * n + 8 * (n_defo + 1) + 8 + 16;
    let mut pass = StripPass::new(
        "dem-error",
        length,
        width,
        buffers_cost(per_pixel),
        max_memory,
    )?
    .with_split(options.split.clone());
    let series = pass.read(&ts, TIMESERIES_DATASET);
    let coherence = tcoh.as_ref().map(|c| pass.read(c, "temporalCoherence"));
    let (scalar_geometry, per_pixel_geometry) = match &geometry {
        GeometrySource::Scalar(v) => (*v, None),
        GeometrySource::PerPixel(g) => (
            f64::NAN,
            Some((
                pass.read(g, "slantRangeDistance"),
                pass.read(g, "incidenceAngle"),
            )),
        ),
    };
    let format = ts.format();
    let w_cor = pass.create(dir, format, cor_spec)?[0];
    let w_res = pass.create(dir, format, res_spec)?[0];
    let w_dem = pass.create(dir, format, dem_spec)?[0];
    let mut out = DemErrStrip::default();
    let mut valid = Vec::new();
    let mut estimated = 0usize;
    pass.run(|strip| {
        let p = strip.pixels();
        let data = strip.inputs.get(series);
        let geom = match (scalar_geometry, per_pixel_geometry) {
            (_, Some((range, incidence))) => Geometry::PerPixel {
                range: strip.inputs.get(range),
                incidence: strip.inputs.get(incidence),
            },
            (v, None) => Geometry::Scalar(v),
        };
        let coh = coherence.map(|c| strip.inputs.get(c));
        valid_pixels(data, n, p, coh, geom, &mut valid);
        estimated += valid.iter().filter(|v| **v).count();
        solver.solve(data, p, geom, &valid, &mut out);
        // The solver keeps its buffers between strips: swapping hands them over without a copy.
        std::mem::swap(strip.outputs.get(w_cor), &mut out.corrected);
        std::mem::swap(strip.outputs.get(w_res), &mut out.residual);
        std::mem::swap(strip.outputs.get(w_dem), &mut out.dem_error);
        Ok(())
    })?;
    let [corrected, residual, dem_error]: [PathBuf; 3] = pass
        .finish()?
        .try_into()
        .map_err(|_| anyhow::anyhow!("dem-error: expected three products"))?;
    Ok(DemErrOutputs {
        corrected_stem,
        corrected,
        dem_error,
        residual,
        pixels_estimated: estimated,
        pixelwise_geometry: matches!(geometry, GeometrySource::PerPixel(_)),
    })
}
