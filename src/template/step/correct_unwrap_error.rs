//! `correct_unwrap_error`: MintPy's unwrapping-error correction. The step writes integer cycle
//! corrections (`unwrapPhase_bridging.json`, `unwrapPhase_phaseClosure.json` or
//! `unwrapPhase_bridging_phaseClosure.json`, named after MintPy's corrected dataset) and
//! `invert_network` then reads the stack through them; the stack is never copied.

use std::path::PathBuf;

use anyhow::Context;

use super::{RunContext, Step, StepIo, StepPlan};
use crate::correct::ramp::RampType;
use crate::correct::unwrap::BridgingOptions;
use crate::correct::unwrap_run::{correct_unwrap_source, describe, UnwrapMethod, UnwrapOptions};
use crate::source::unwrap_fix::UnwrapFix;
use crate::template::config::RunConfig;
use crate::template::Template;

/// `correct_unwrap_error`.
pub struct CorrectUnwrapError;

/// The method the settings ask for, when sbas does it.
fn method(cfg: &RunConfig) -> Option<UnwrapMethod> {
    cfg.unwrap_error
        .as_deref()
        .and_then(|m| UnwrapMethod::parse(m).ok())
}

/// The corrections file `invert_network` reads, when the step runs under these settings.
pub fn unwrap_fix_file(ctx: &RunContext) -> Option<PathBuf> {
    method(&ctx.config).map(|m| UnwrapFix::path_in(&ctx.work_dir, m.dataset()))
}

/// The step's options from the template's `mintpy.unwrapError.*` keys.
fn options(ctx: &RunContext, method: UnwrapMethod) -> anyhow::Result<UnwrapOptions> {
    let t: &Template = &ctx.template;
    let key = |k: &str| format!("mintpy.unwrapError.{k}");
    let min_area = match t.get_set(&key("connCompMinArea")) {
        None => 2.5e3,
        Some(v) => v
            .parse::<f64>()
            .ok()
            .filter(|a| a.is_finite() && *a >= 0.0)
            .with_context(|| {
                format!(
                    "{} = {v}: expected a number of pixels",
                    key("connCompMinArea")
                )
            })?,
    };
    let radius = match t.get_set(&key("bridgePtsRadius")) {
        None => 50,
        Some(v) => v.parse::<usize>().with_context(|| {
            format!(
                "{} = {v}: expected a whole number of pixels",
                key("bridgePtsRadius")
            )
        })?,
    };
    let ramp = match t.get_set(&key("ramp")) {
        None => None,
        Some(v) => Some(
            v.parse::<RampType>()
                .with_context(|| format!("{} = {v}", key("ramp")))?,
        ),
    };
    let num_sample = match t.get_set(&key("numSample")) {
        None => 100,
        Some(v) => v
            .parse::<usize>()
            .ok()
            .filter(|n| *n > 0)
            .with_context(|| format!("{} = {v}: expected a whole number >= 1", key("numSample")))?,
    };
    let water = t.get_set(&key("waterMaskFile"));
    if let Some(w) = water.filter(|w| *w != "waterMask.h5") {
        ctx.report.warn(format!(
            "{} = {w}: sbas uses the stack's own water mask",
            key("waterMaskFile")
        ));
    }
    Ok(UnwrapOptions {
        method,
        bridging: BridgingOptions {
            min_area,
            radius,
            ramp,
        },
        num_sample,
        water_mask: water.is_some(),
        reference: ctx.config.reference,
        max_memory: ctx.config.max_memory,
        report: ctx.report.clone(),
    })
}

impl Step for CorrectUnwrapError {
    fn name(&self) -> &'static str {
        "correct_unwrap_error"
    }

    fn plan(&self, cfg: &RunConfig, _: Option<&str>) -> StepPlan {
        match cfg.unwrap_error.as_deref() {
            None => StepPlan::Off,
            Some(m) => match UnwrapMethod::parse(m) {
                Ok(_) => StepPlan::Run,
                Err(e) => StepPlan::Unsupported(format!("mintpy.unwrapError.method = {m}: {e}")),
            },
        }
    }

    fn inputs(&self, _: &RunContext, _: &StepIo) -> Vec<String> {
        Vec::new()
    }

    fn outputs(&self, ctx: &RunContext, _: &StepIo) -> Vec<String> {
        method(&ctx.config)
            .map(|m| format!("{}.json", m.dataset()))
            .into_iter()
            .collect()
    }

    fn settings(&self, ctx: &RunContext) -> String {
        let c = &ctx.config;
        let own = method(c)
            .and_then(|m| options(ctx, m).ok())
            .map(|o| describe(&o))
            .unwrap_or_default();
        format!(
            "{own:?} {:?} {:?} {:?} {:?}",
            c.reference, c.network, c.subset, c.multilook
        )
    }

    fn run(&self, ctx: &RunContext, _: &StepIo) -> anyhow::Result<()> {
        let m = method(&ctx.config).context("no unwrapping-error method sbas does is set")?;
        let opts = options(ctx, m)?;
        let view = super::invert_options(ctx);
        let r = crate::workflow::with_stack_view(&ctx.stack, &view, |source| {
            correct_unwrap_source(source, &ctx.work_dir, &opts)
        })?;
        ctx.say(format!(
            "{}: {} interferograms corrected, {} samples, in {:.2} s",
            m.name(),
            r.corrected_ifgs,
            r.corrected_samples,
            r.seconds
        ));
        ctx.say(format!("  {}", r.path.display()));
        Ok(())
    }
}
