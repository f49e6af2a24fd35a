//! `correct_troposphere`: subtracts a delay computed elsewhere (pyaps' `inputs/<MODEL>.h5`, or a GACOS folder).

use anyhow::bail;

use super::{RunContext, Step, StepIo, StepPlan};
use crate::template::config::RunConfig;
use crate::template::config::TropoMethod;

/// `correct_troposphere`.
pub struct CorrectTroposphere;

impl Step for CorrectTroposphere {
    fn name(&self) -> &'static str {
        "correct_troposphere"
    }

    fn plan(&self, cfg: &RunConfig, _: Option<&str>) -> StepPlan {
        match &cfg.tropo {
            TropoMethod::Off => StepPlan::Off,
            TropoMethod::Pyaps { .. } | TropoMethod::Gacos { .. } => StepPlan::Run,
            TropoMethod::Other(m) => StepPlan::Unsupported(format!(
                "mintpy.troposphericDelay.method = {m}: only delays computed elsewhere (pyaps with \
                 inputs/<MODEL>.h5, gacos) are applied"
            )),
        }
    }

    fn inputs(&self, ctx: &RunContext, io: &StepIo) -> Vec<String> {
        let mut v: Vec<String> = io.input.iter().cloned().collect();
        if let TropoMethod::Pyaps { model } = &ctx.config.tropo {
            v.push(format!("inputs/{model}"));
        }
        v
    }

    fn run(&self, ctx: &RunContext, io: &StepIo) -> anyhow::Result<()> {
        correct_troposphere(ctx, io)
    }
}

fn correct_troposphere(ctx: &RunContext, io: &StepIo) -> anyhow::Result<()> {
    let (Some(input), Some(output)) = (&io.input, &io.output) else {
        bail!("correct_troposphere: no time series to correct");
    };
    let delay = match &ctx.config.tropo {
        TropoMethod::Pyaps { model } => {
            let p = ctx.work_dir.join("inputs").join(format!("{model}.h5"));
            if !p.is_file() {
                bail!(
                    "mintpy.troposphericDelay.method = pyaps needs the delay time series {} \
                     (MintPy layout, metres, e.g. from tropo_pyaps3.py); sbas does not download \
                     weather models. Put it there or set the method to no",
                    p.display()
                );
            }
            crate::tropo::DelaySource::TimeseriesFile(p)
        }
        TropoMethod::Gacos { dir } => crate::tropo::DelaySource::GacosDir(ctx.work_dir.join(dir)),
        _ => bail!("correct_troposphere: unsupported method"),
    };
    crate::tropo::correct(
        &ctx.work_dir,
        input,
        output,
        &delay,
        ctx.format,
        ctx.config.max_memory,
        &ctx.report,
    )?;
    Ok(())
}
