//! `velocity`: `timeseries2velocity.py` on the final series.

use anyhow::bail;

use super::resolve_dates;
use super::{RunContext, Step, StepIo, StepPlan};
use crate::template::config::RunConfig;
use crate::timefunc::{estimate, TimeFuncOptions, Uncertainty};

/// `velocity`.
pub struct Velocity;

impl Step for Velocity {
    fn name(&self) -> &'static str {
        "velocity"
    }

    fn plan(&self, _: &RunConfig, _: Option<&str>) -> StepPlan {
        StepPlan::Run
    }

    fn outputs(&self, _: &RunContext, _: &StepIo) -> Vec<String> {
        vec!["velocity".into()]
    }

    fn run(&self, ctx: &RunContext, io: &StepIo) -> anyhow::Result<()> {
        velocity_step(ctx, io)
    }
}

/// `velocity`: `timeseries2velocity.py` on the final series.
fn velocity_step(ctx: &RunContext, io: &StepIo) -> anyhow::Result<()> {
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
        split: ctx.split.clone(),
    };
    let path = estimate(&ctx.work_dir, &opts)?;
    ctx.say(format!("  {}", path.display()));
    Ok(())
}
