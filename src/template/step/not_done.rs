//! Steps of MintPy's workflow that sbas does not do yet. When the settings ask for one, the run
//! says so and goes on; the time-series chain then skips it (see `steps::chain`).

use anyhow::bail;

use super::{RunContext, Step, StepIo, StepPlan};
use crate::template::config::RunConfig;
use crate::template::steps::lod_applies;

/// A step without an action in this build.
pub enum NotDone {
    /// `correct_LOD`.
    CorrectLod,
    /// `correct_SET`.
    CorrectSet,
    /// `correct_ionosphere`.
    CorrectIonosphere,
    /// `google_earth`.
    GoogleEarth,
    /// `hdfeos5`.
    Hdfeos5,
}

impl Step for NotDone {
    fn name(&self) -> &'static str {
        match self {
            NotDone::CorrectLod => "correct_LOD",
            NotDone::CorrectSet => "correct_SET",
            NotDone::CorrectIonosphere => "correct_ionosphere",
            NotDone::GoogleEarth => "google_earth",
            NotDone::Hdfeos5 => "hdfeos5",
        }
    }

    fn plan(&self, cfg: &RunConfig, platform: Option<&str>) -> StepPlan {
        let skipped = |why: &str| StepPlan::Unsupported(why.to_string());
        match self {
            NotDone::CorrectLod if lod_applies(platform) => {
                skipped("Envisat local oscillator drift correction is not implemented")
            }
            NotDone::CorrectSet if cfg.solid_earth_tides => {
                skipped("mintpy.solidEarthTides = yes: solid Earth tides are not implemented")
            }
            NotDone::CorrectIonosphere => match &cfg.ionosphere {
                None => StepPlan::Off,
                Some(m) => StepPlan::Unsupported(format!(
                    "mintpy.ionosphericDelay.method = {m}: ionospheric correction is not implemented"
                )),
            },
            NotDone::GoogleEarth if cfg.save_kmz && cfg.geocode.is_some() => {
                skipped("KMZ output (mintpy.save.kmz) is not implemented")
            }
            NotDone::Hdfeos5 if cfg.save_hdfeos5 => {
                skipped("HDF-EOS5 output (mintpy.save.hdfEos5) is not implemented")
            }
            _ => StepPlan::Off,
        }
    }

    fn run(&self, _: &RunContext, _: &StepIo) -> anyhow::Result<()> {
        bail!(
            "step {} is not available in this build of sbas",
            self.name()
        )
    }
}
