//! The correction, velocity and geocoding steps of `sbas run`: template settings turned into the
//! options of the library functions that do the work (`sbas::correct`, `sbas::timefunc`,
//! `sbas::geo`).

use std::path::Path;

use anyhow::{bail, Context};

use super::app::{RunContext, StepIo};
use super::config::DatesOrFile;
use super::steps;
use crate::correct::dem_error::{self, DemErrModel, DemErrOptions};
use crate::correct::deramp;
use crate::correct::ramp::RampType;
use crate::correct::reference_date::{self, RefDateChoice};
use crate::correct::residual_rms::{self, read_date_file, RmsOptions};
use crate::geo::{geocode_product, GeocodeOptions, Method};
use crate::meta::Date;
use crate::product::Product;
use crate::sink::OutputFormat;
use crate::timefunc::{estimate, TimeFuncOptions, Uncertainty};

/// Dates of a template date list or date file (relative to the work folder; a missing file means
/// no dates, as MintPy's `exclude_date.txt` before residual_RMS has run).
pub fn resolve_dates(work_dir: &Path, d: &DatesOrFile) -> anyhow::Result<Vec<Date>> {
    match d {
        DatesOrFile::None => Ok(Vec::new()),
        DatesOrFile::Dates(v) => Ok(v.clone()),
        DatesOrFile::File(name) => {
            let p = work_dir.join(name);
            if p.is_file() {
                read_date_file(&p)
            } else {
                Ok(Vec::new())
            }
        }
    }
}

/// A mask setting as the correction functions take it: a product stem or `no`.
fn mask_stem(setting: Option<&str>) -> String {
    match setting {
        None => "no".to_string(),
        Some(s) => s
            .strip_suffix(".h5")
            .or_else(|| s.strip_suffix(".zarr"))
            .unwrap_or(s)
            .to_string(),
    }
}

fn io_names(io: &StepIo) -> anyhow::Result<(&str, &str)> {
    match (&io.input, &io.output) {
        (Some(i), Some(o)) => Ok((i, o)),
        _ => bail!("step {} has no time series to read and write", io.step),
    }
}

/// `deramp`: `remove_ramp.py` on the chain's series.
pub fn deramp_step(ctx: &RunContext, io: &StepIo) -> anyhow::Result<()> {
    let (input, output) = io_names(io)?;
    let ramp: RampType = ctx
        .config
        .deramp
        .as_deref()
        .context("mintpy.deramp is off")?
        .parse()
        .context("mintpy.deramp")?;
    let out = deramp::run(
        &ctx.work_dir,
        input,
        ramp,
        &mask_stem(ctx.config.deramp_mask.as_deref()),
        ctx.config.max_memory,
    )?;
    expect_stem(&out.path, output)?;
    Ok(())
}

/// Checks that a function wrote the product the chain expects.
fn expect_stem(path: &Path, stem: &str) -> anyhow::Result<()> {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    let expected = stem.rsplit('/').next().unwrap_or(stem);
    if name != format!("{expected}.h5") && name != format!("{expected}.zarr") {
        bail!("wrote {} where the chain expects {stem}", path.display());
    }
    Ok(())
}

/// `correct_topography`: `dem_error.py`.
pub fn dem_error_step(ctx: &RunContext, io: &StepIo) -> anyhow::Result<()> {
    let (input, output) = io_names(io)?;
    let topo = ctx
        .config
        .topography
        .as_ref()
        .context("mintpy.topographicResidual is off")?;
    let exclude_dates = resolve_dates(&ctx.work_dir, &topo.exclude_dates)?;
    let options = DemErrOptions {
        model: DemErrModel {
            poly_order: topo.poly_order,
            step_dates: topo.step_dates.clone(),
            exclude_dates,
            phase_velocity: topo.phase_velocity,
        },
        pixelwise_geometry: topo.pixelwise_geometry,
    };
    let out = dem_error::run(&ctx.work_dir, input, &options, ctx.config.max_memory)?;
    expect_stem(&out.corrected, output)?;
    ctx.say(format!(
        "  {} pixels estimated; {}, {}",
        out.pixels_estimated,
        out.dem_error.display(),
        out.residual.display()
    ));
    Ok(())
}

/// `residual_RMS`: `timeseries_rms.py` on `timeseriesResidual`.
pub fn residual_rms_step(ctx: &RunContext, _: &StepIo) -> anyhow::Result<()> {
    let r = &ctx.config.residual_rms;
    let deramp = match r.deramp.as_deref() {
        None => None,
        Some(t) => Some(t.parse::<RampType>().context("mintpy.residualRMS.deramp")?),
    };
    let options = RmsOptions {
        input_stem: RmsOptions::default().input_stem,
        mask: mask_stem(r.mask_file.as_deref()),
        deramp,
        cutoff: r.cutoff,
    };
    let out = residual_rms::run(&ctx.work_dir, &options, ctx.config.max_memory)?;
    ctx.say(format!(
        "  minimum RMS at {}; {} date(s) above {:.4} m excluded",
        out.min_rms_date,
        out.excluded.len(),
        out.threshold
    ));
    Ok(())
}

/// The series `reference_date` re-references: the final one of the chain (the one velocity and
/// geocode read), when it is a product of its own (the inversion's series inside a Zarr run's
/// `sbas.zarr` is left alone). MintPy re-references every series of the chain in place; sbas
/// leaves the earlier ones as their steps wrote them, because each is another step's input:
/// re-referencing it would make a re-run of that step (after a kill, or `--dostep`) read other
/// values than the first run did and give other bits.
pub fn rereferenced_stems(ctx: &RunContext) -> Vec<String> {
    let chain = steps::chain(&ctx.config, ctx.platform.as_deref());
    let last = steps::final_timeseries(&ctx.config, ctx.platform.as_deref());
    let own_product = chain.iter().any(|(_, _, out)| *out == last)
        || (last == "timeseries" && ctx.format == OutputFormat::Hdf5);
    if own_product && Product::exists(&ctx.work_dir, &last) {
        vec![last]
    } else {
        Vec::new()
    }
}

/// `reference_date`: re-references the final time series in place ([`rereferenced_stems`]).
pub fn reference_date_step(ctx: &RunContext, _: &StepIo) -> anyhow::Result<()> {
    let choice = match &ctx.config.reference_date {
        DatesOrFile::None => RefDateChoice::No,
        DatesOrFile::Dates(d) if !d.is_empty() => RefDateChoice::Date(d[0]),
        DatesOrFile::Dates(_) => RefDateChoice::No,
        DatesOrFile::File(name) => {
            let p = ctx.work_dir.join(name);
            match read_date_file(&p) {
                Ok(d) if !d.is_empty() => RefDateChoice::Date(d[0]),
                _ if name == residual_rms::REFERENCE_DATE_FILE => RefDateChoice::Auto,
                _ => bail!(
                    "mintpy.reference.date = {name}: neither a date nor a readable file of dates \
                     in {}",
                    ctx.work_dir.display()
                ),
            }
        }
    };
    let stems = rereferenced_stems(ctx);
    if choice == RefDateChoice::Auto
        && !ctx
            .work_dir
            .join(residual_rms::REFERENCE_DATE_FILE)
            .is_file()
    {
        ctx.say("  no reference_date.txt (residual_RMS did not run): reference date unchanged");
        return Ok(());
    }
    match reference_date::run(&ctx.work_dir, &stems, choice, ctx.config.max_memory)? {
        Some(d) => ctx.say(format!("  {} referenced to {d}", stems.join(", "))),
        None => ctx.say("  reference date unchanged"),
    }
    Ok(())
}

/// `velocity`: `timeseries2velocity.py` on the final series.
pub fn velocity_step(ctx: &RunContext, io: &StepIo) -> anyhow::Result<()> {
    let input = io.input.clone().unwrap_or_else(|| "timeseries".into());
    let tf = &ctx.config.time_func;
    let terms = |t: &Option<String>| -> Vec<Vec<String>> {
        t.as_deref()
            .map(|s| {
                s.split([',', ';'])
                    .map(|term| term.split_whitespace().map(str::to_string).collect())
                    .filter(|v: &Vec<String>| !v.is_empty())
                    .collect()
            })
            .unwrap_or_default()
    };
    let uncertainty = match tf.uncertainty.as_str() {
        "residue" => Uncertainty::Residue,
        "bootstrap" => Uncertainty::Bootstrap {
            count: tf.bootstrap_count,
            seed: 0,
        },
        other => bail!(
            "mintpy.timeFunc.uncertaintyQuantification = {other}: needs a time-series covariance \
             product; run `sbas velocity --uncertainty covariance --ts-cov STEM` instead"
        ),
    };
    let opts = TimeFuncOptions {
        ts_stem: input,
        out_stem: "velocity".into(),
        start_date: tf.start_date.map(|d| d.to_string()),
        end_date: tf.end_date.map(|d| d.to_string()),
        exclude_dates: resolve_dates(&ctx.work_dir, &tf.exclude_dates)?
            .iter()
            .map(|d| d.to_string())
            .collect(),
        polynomial: tf.polynomial,
        periodic: tf.periodic.clone(),
        steps: tf.step_dates.iter().map(|d| d.to_string()).collect(),
        polylines: Vec::new(),
        exps: terms(&tf.exp),
        logs: terms(&tf.log),
        uncertainty,
        max_memory: ctx.config.max_memory,
    };
    let path = estimate(&ctx.work_dir, &opts)?;
    ctx.say(format!("  {}", path.display()));
    Ok(())
}

/// The products `geocode` resamples: the velocity, the final series, the inversion's quality
/// layers and the geometry, those that exist.
pub fn geocoded_stems(ctx: &RunContext, io: &StepIo) -> Vec<String> {
    let mut stems: Vec<String> = vec!["velocity".into()];
    if let Some(ts) = &io.input {
        stems.push(ts.clone());
    }
    for s in ["temporalCoherence", "avgSpatialCoh", "maskTempCoh"] {
        stems.push(s.into());
    }
    stems.push(crate::product::GEOMETRY_STEM.into());
    stems.retain(|s| Product::exists(&ctx.work_dir, s));
    stems
}

/// `geocode`: `geocode.py` on the velocity, the final series, the inversion's quality layers and
/// the geometry, into `geo/geo_*`.
pub fn geocode_step(ctx: &RunContext, io: &StepIo) -> anyhow::Result<()> {
    let g = ctx
        .config
        .geocode
        .as_ref()
        .context("mintpy.geocode is off")?;
    let method = match g.interp_method.as_str() {
        "nearest" => Method::Nearest,
        "linear" | "bilinear" => Method::Bilinear,
        other => bail!("mintpy.geocode.interpMethod = {other}: expected nearest or linear"),
    };
    if !g.fill_value.is_nan() {
        bail!(
            "mintpy.geocode.fillValue = {}: sbas fills pixels outside the data with NaN only",
            g.fill_value
        );
    }
    let opts = GeocodeOptions {
        method,
        lalo_step: g.lalo_step.map(|[a, b]| (a, b)),
        bbox: g.snwe.map(|[s, n, w, e]| (s, n, w, e)),
        max_memory: ctx.config.max_memory,
        report: ctx.report.clone(),
    };
    let stems = geocoded_stems(ctx, io);
    for stem in &stems {
        let path = geocode_product(&ctx.work_dir, stem, &opts)
            .with_context(|| format!("geocoding {stem}"))?;
        ctx.say(format!("  {}", path.display()));
    }
    Ok(())
}
