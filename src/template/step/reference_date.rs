//! `reference_date`: re-references the final time series in place. Its outputs are its input, so it always runs; a series already at the date is left alone.

use anyhow::bail;

use super::{RunContext, Step, StepIo, StepPlan};
use crate::correct::reference_date::{self, RefDateChoice};
use crate::correct::residual_rms::{self, read_date_file};
use crate::product::inversion::OutputFormat;
use crate::product::Product;
use crate::template::config::DatesOrFile;
use crate::template::config::RunConfig;

/// `reference_date`.
pub struct ReferenceDate;

impl Step for ReferenceDate {
    fn name(&self) -> &'static str {
        "reference_date"
    }

    fn plan(&self, _: &RunConfig, _: Option<&str>) -> StepPlan {
        StepPlan::Run
    }

    fn outputs(&self, _: &RunContext, _: &StepIo) -> Vec<String> {
        Vec::new()
    }

    fn run(&self, ctx: &RunContext, _io: &StepIo) -> anyhow::Result<()> {
        reference_date_step(ctx)
    }
}

/// The series `reference_date` re-references: the final one of the chain (the one velocity and
/// geocode read), when it is a product of its own (the inversion's series inside a Zarr run's
/// `sbas.zarr` is left alone). MintPy re-references every series of the chain in place; sbas
/// leaves the earlier ones as their steps wrote them, because each is another step's input:
/// re-referencing it would make a re-run of that step (after a kill, or `--dostep`) read other
/// values than the first run did and give other bits.
pub fn rereferenced_stems(ctx: &RunContext) -> Vec<String> {
    let chain = super::chain(&ctx.config, ctx.platform.as_deref());
    let last = super::final_timeseries(&ctx.config, ctx.platform.as_deref());
    let own_product = chain.iter().any(|(_, _, out)| *out == last)
        || (last == "timeseries" && ctx.format == OutputFormat::Hdf5);
    if own_product && Product::exists(&ctx.work_dir, &last) {
        vec![last]
    } else {
        Vec::new()
    }
}

/// `reference_date`: re-references the final time series in place ([`rereferenced_stems`]).
fn reference_date_step(ctx: &RunContext) -> anyhow::Result<()> {
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
