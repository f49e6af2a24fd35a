//! smallbaselineApp's steps: their names and order, `--dostep/--start/--end` selection, the
//! time-series file chain (`timeseries_ERA5_ramp_demErr`) and what each step reads and writes.

use anyhow::bail;

use super::config::{RunConfig, TropoMethod};

/// MintPy's step names, in the order they run.
pub const STEP_NAMES: [&str; 18] = [
    "load_data",
    "modify_network",
    "reference_point",
    "quick_overview",
    "correct_unwrap_error",
    "invert_network",
    "correct_LOD",
    "correct_SET",
    "correct_ionosphere",
    "correct_troposphere",
    "deramp",
    "correct_topography",
    "residual_RMS",
    "reference_date",
    "velocity",
    "geocode",
    "google_earth",
    "hdfeos5",
];

fn index(name: &str) -> anyhow::Result<usize> {
    STEP_NAMES.iter().position(|s| *s == name).ok_or_else(|| {
        anyhow::anyhow!(
            "unknown step '{name}'; the steps are: {}",
            STEP_NAMES.join(", ")
        )
    })
}

/// The steps to run: `dostep` alone, or `start..=end` (whole list by default), as
/// smallbaselineApp's `--dostep/--start/--end`.
pub fn select(
    dostep: Option<&str>,
    start: Option<&str>,
    end: Option<&str>,
) -> anyhow::Result<Vec<&'static str>> {
    if let Some(d) = dostep {
        if start.is_some() || end.is_some() {
            bail!("--dostep cannot be combined with --start or --end");
        }
        let i = index(d)?;
        return Ok(vec![STEP_NAMES[i]]);
    }
    let s = start.map(index).transpose()?.unwrap_or(0);
    let e = end.map(index).transpose()?.unwrap_or(STEP_NAMES.len() - 1);
    if s > e {
        bail!(
            "--start {} comes after --end {}",
            STEP_NAMES[s],
            STEP_NAMES[e]
        );
    }
    Ok(STEP_NAMES[s..=e].to_vec())
}

/// Whether the LOD correction applies: MintPy runs it for Envisat only.
pub fn lod_applies(platform: Option<&str>) -> bool {
    platform.is_some_and(|p| p.to_ascii_lowercase().starts_with("env"))
}

/// The suffix each correction step adds to the time-series name, in MintPy's order, for the
/// steps `cfg` turns on (as `get_timeseries_filename`). `platform` is the stack's `PLATFORM`.
pub fn chain_suffixes(cfg: &RunConfig, platform: Option<&str>) -> Vec<(&'static str, String)> {
    let mut v: Vec<(&'static str, String)> = Vec::new();
    if lod_applies(platform) {
        v.push(("correct_LOD", "LOD".into()));
    }
    if cfg.solid_earth_tides {
        v.push(("correct_SET", "SET".into()));
    }
    if cfg.ionosphere.is_some() {
        v.push(("correct_ionosphere", "ion".into()));
    }
    match &cfg.tropo {
        TropoMethod::Off => {}
        TropoMethod::Pyaps { model } => v.push(("correct_troposphere", model.clone())),
        TropoMethod::Gacos { .. } => v.push(("correct_troposphere", "GACOS".into())),
        TropoMethod::Other(m) => v.push((
            "correct_troposphere",
            match m.as_str() {
                "height_correlation" => "tropHgt".into(),
                "opera" => "OPERA".into(),
                other => other.to_string(),
            },
        )),
    }
    if cfg.deramp.is_some() {
        v.push(("deramp", "ramp".into()));
    }
    if cfg.topography.is_some() {
        v.push(("correct_topography", "demErr".into()));
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::template::step::{chain, final_timeseries, plan, StepPlan};
    use crate::template::{parse_template, Template};

    fn cfg(text: &str) -> RunConfig {
        RunConfig::from_template(&Template::from_entries(parse_template(text))).unwrap()
    }

    #[test]
    fn selects_steps() {
        assert_eq!(select(None, None, None).unwrap().len(), 18);
        assert_eq!(
            select(Some("velocity"), None, None).unwrap(),
            vec!["velocity"]
        );
        assert_eq!(
            select(None, Some("deramp"), Some("residual_RMS")).unwrap(),
            vec!["deramp", "correct_topography", "residual_RMS"]
        );
        assert_eq!(
            select(None, Some("geocode"), None).unwrap(),
            vec!["geocode", "google_earth", "hdfeos5"]
        );
        assert!(select(None, Some("velocity"), Some("deramp")).is_err());
        assert!(select(Some("velocty"), None, None).is_err());
        assert!(select(Some("velocity"), Some("deramp"), None).is_err());
    }

    #[test]
    fn names_the_chain_as_mintpy() {
        let c = cfg("");
        assert_eq!(final_timeseries(&c, Some("Sen")), "timeseries_ERA5_demErr");
        let c = cfg("mintpy.troposphericDelay.method = no\nmintpy.deramp = linear\n");
        assert_eq!(
            chain(&c, None),
            vec![
                ("deramp", "timeseries".into(), "timeseries_ramp".into()),
                (
                    "correct_topography",
                    "timeseries_ramp".into(),
                    "timeseries_ramp_demErr".into()
                ),
            ]
        );
        let c = cfg(
            "mintpy.troposphericDelay.method = gacos\nmintpy.topographicResidual = no\n\
                     mintpy.ionosphericDelay.method = split_spectrum\n",
        );
        let names: Vec<String> = chain_suffixes(&c, Some("Envisat"))
            .into_iter()
            .map(|(_, s)| s)
            .collect();
        assert_eq!(names, ["LOD", "ion", "GACOS"], "MintPy's names");
        // LOD and ionosphere are skipped by sbas: the chain goes on from what ran.
        assert_eq!(final_timeseries(&c, Some("Envisat")), "timeseries_GACOS");
        let c = cfg("mintpy.troposphericDelay.method = no\nmintpy.topographicResidual = no\n");
        assert_eq!(final_timeseries(&c, None), "timeseries");
        // MintPy's Fernandina template asks for solid Earth tides, which sbas skips: deramp
        // must read the inversion's series, not a timeseries_SET nobody wrote.
        let c = cfg(
            "mintpy.solidEarthTides = yes\nmintpy.troposphericDelay.method = no\n\
             mintpy.deramp = linear\nmintpy.topographicResidual = no\n",
        );
        assert_eq!(
            chain(&c, None),
            vec![("deramp", "timeseries".into(), "timeseries_ramp".into())]
        );
    }

    #[test]
    fn plans_steps_from_settings() {
        let c = cfg("mintpy.troposphericDelay.method = height_correlation\n");
        assert!(matches!(
            plan("correct_troposphere", &c, None),
            StepPlan::Unsupported(_)
        ));
        assert_eq!(plan("correct_unwrap_error", &c, None), StepPlan::Off);
        assert_eq!(plan("deramp", &c, None), StepPlan::Off);
        assert_eq!(plan("correct_topography", &c, None), StepPlan::Run);
        assert!(matches!(
            plan("google_earth", &c, None),
            StepPlan::Unsupported(_)
        ));
        let c = cfg("mintpy.unwrapError.method = bridging\nmintpy.save.kmz = no\n");
        assert_eq!(plan("correct_unwrap_error", &c, None), StepPlan::Run);
        let c = cfg("mintpy.unwrapError.method = phase_closure\nmintpy.save.kmz = no\n");
        assert_eq!(plan("correct_unwrap_error", &c, None), StepPlan::Run);
        let c = cfg("mintpy.unwrapError.method = bridging+phase_closure\nmintpy.save.kmz = no\n");
        assert_eq!(plan("correct_unwrap_error", &c, None), StepPlan::Run);
        let c = cfg("mintpy.unwrapError.method = closure\nmintpy.save.kmz = no\n");
        assert!(matches!(
            plan("correct_unwrap_error", &c, None),
            StepPlan::Unsupported(_)
        ));
        assert_eq!(plan("google_earth", &c, None), StepPlan::Off);
    }
}
