//! `geocode`: `geocode.py` on the velocity, the final series, the inversion's quality layers and the geometry, into `geo/geo_*`.

use anyhow::{bail, Context};

use super::{RunContext, Step, StepIo, StepPlan};
use crate::geo::{geocode_product, not_needed_note, run_is_geocoded, GeocodeOptions, Method};
use crate::product::Product;
use crate::template::config::RunConfig;

/// `geocode`.
pub struct Geocode;

impl Step for Geocode {
    fn name(&self) -> &'static str {
        "geocode"
    }

    fn plan(&self, cfg: &RunConfig, _: Option<&str>) -> StepPlan {
        if cfg.geocode.is_some() {
            StepPlan::Run
        } else {
            StepPlan::Off
        }
    }

    fn inputs(&self, _: &RunContext, io: &StepIo) -> Vec<String> {
        let mut v: Vec<String> = io.input.iter().cloned().collect();
        v.push("velocity".into());
        v
    }

    // Every product it writes, so that a run killed between two of them geocodes the rest.
    fn outputs(&self, ctx: &RunContext, io: &StepIo) -> Vec<String> {
        geocoded_stems(ctx, io)
            .iter()
            .map(|s| crate::geo::geo_stem(s))
            .collect()
    }

    fn run(&self, ctx: &RunContext, io: &StepIo) -> anyhow::Result<()> {
        geocode_step(ctx, io)
    }
}

/// The products `geocode` resamples: the velocity, the final series, the inversion's quality
/// layers and the geometry, those that exist.
pub fn geocoded_stems(ctx: &RunContext, io: &StepIo) -> Vec<String> {
    if run_is_geocoded(&ctx.work_dir) {
        return Vec::new();
    }
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
fn geocode_step(ctx: &RunContext, io: &StepIo) -> anyhow::Result<()> {
    if run_is_geocoded(&ctx.work_dir) {
        ctx.report.note(not_needed_note(&ctx.work_dir));
        return Ok(());
    }
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
