//! The datasets of MintPy's `velocity.h5` for a time-function model: names, units and how each
//! is computed from the fitted parameters (MintPy's `model2hdf5_dataset`).

use super::model::{Term, TimeModel};
use crate::meta::pyfmt::py_f64;

/// How an output dataset derives from the fit.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Source {
    /// Parameter k.
    Param(usize),
    /// Standard deviation of parameter k.
    ParamStd(usize),
    /// `sqrt(c_cos^2 + c_sin^2)` of the cosine parameter k and the sine parameter k + 1.
    Amplitude(usize),
    /// `atan2(c_cos, c_sin)` (radians) of the cosine parameter k and the sine parameter k + 1.
    Phase(usize),
    /// Velocity after polyline onset: the linear rate plus polyline parameters `first..=last`.
    PolylineRate { first: usize, last: usize },
    /// Its standard deviation, the terms taken as independent (as MintPy does).
    PolylineRateStd { first: usize, last: usize },
    /// Root of the sum of squared residuals (m).
    Residue,
}

/// One dataset of the velocity product.
#[derive(Debug, Clone, PartialEq)]
pub struct OutputDataset {
    /// MintPy's dataset name (`velocity`, `annualAmplitude`, `step20200301Std`, ...).
    pub name: String,
    /// MintPy's `UNIT` of the dataset.
    pub unit: String,
    /// What it holds.
    pub source: Source,
}

fn periodic_stem(period: f64) -> String {
    if period == 1.0 {
        "annual".into()
    } else if period == 0.5 {
        "semiAnnual".into()
    } else {
        format!("period{}Y", py_f64(period))
    }
}

/// The datasets MintPy 1.6.4 writes for `model`, in its order; `residue` last when
/// `with_residue` (MintPy's `residue` uncertainty method).
pub fn output_datasets(model: &TimeModel, with_residue: bool) -> Vec<OutputDataset> {
    let mut out = Vec::new();
    let mut push = |name: String, unit: &str, source| {
        out.push(OutputDataset {
            name,
            unit: unit.to_string(),
            source,
        })
    };
    let terms = model.terms();
    let first_polyline = terms.iter().position(|t| matches!(t, Term::Polyline(_)));
    for (k, term) in terms.iter().enumerate() {
        match term {
            Term::Poly(i) => {
                let (name, unit) = match i {
                    0 => ("intercept".to_string(), "m".to_string()),
                    1 => ("velocity".into(), "m/year".into()),
                    2 => ("acceleration".into(), "m/year^2".into()),
                    _ => (format!("poly{i}"), format!("m/year^{i}")),
                };
                push(name.clone(), &unit, Source::Param(k));
                push(format!("{name}Std"), &unit, Source::ParamStd(k));
            }
            Term::Cos(period) => {
                let stem = periodic_stem(*period);
                push(format!("{stem}Amplitude"), "m", Source::Amplitude(k));
                push(format!("{stem}Phase"), "radian", Source::Phase(k));
            }
            Term::Sin(_) => {}
            Term::Step(o) => {
                push(format!("step{}", o.label), "m", Source::Param(k));
                push(format!("step{}Std", o.label), "m", Source::ParamStd(k));
            }
            Term::Polyline(o) => {
                let first = first_polyline.unwrap_or(k);
                push(
                    format!("velocityPost{}", o.label),
                    "m/yr",
                    Source::PolylineRate { first, last: k },
                );
                push(
                    format!("velocityPost{}Std", o.label),
                    "m/yr",
                    Source::PolylineRateStd { first, last: k },
                );
            }
            Term::Exp(o, tau) => {
                push(format!("exp{}Tau{tau}D", o.label), "m", Source::Param(k));
                push(
                    format!("exp{}Tau{tau}DStd", o.label),
                    "m",
                    Source::ParamStd(k),
                );
            }
            Term::Log(o, tau) => {
                push(format!("log{}Tau{tau}D", o.label), "m", Source::Param(k));
                push(
                    format!("log{}Tau{tau}DStd", o.label),
                    "m",
                    Source::ParamStd(k),
                );
            }
        }
    }
    if with_residue {
        push("residue".into(), "m", Source::Residue);
    }
    out
}

/// Fills `out` (`npix`) with dataset `source` from parameters and standard deviations
/// (`p x npix`) and squared residual sums (`npix`).
pub fn fill(source: Source, params: &[f64], std: &[f64], e2: &[f64], npix: usize, out: &mut [f32]) {
    let row = |m: &[f64], k: usize, i: usize| m[k * npix + i];
    for (i, o) in out[..npix].iter_mut().enumerate() {
        let v = match source {
            Source::Param(k) => row(params, k, i),
            Source::ParamStd(k) => row(std, k, i),
            Source::Amplitude(k) => row(params, k, i).hypot(row(params, k + 1, i)),
            Source::Phase(k) => row(params, k, i).atan2(row(params, k + 1, i)),
            Source::PolylineRate { first, last } => {
                row(params, 1, i) + (first..=last).map(|k| row(params, k, i)).sum::<f64>()
            }
            Source::PolylineRateStd { first, last } => (row(std, 1, i).powi(2)
                + (first..=last).map(|k| row(std, k, i).powi(2)).sum::<f64>())
            .sqrt(),
            Source::Residue => e2[i].sqrt(),
        };
        *o = v as f32;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::timefunc::model::{Onset, Transient};

    #[test]
    fn names_and_units_follow_mintpy() {
        let m = TimeModel {
            polynomial: 3,
            periodic: vec![1.0, 0.5, 2.0],
            steps: vec![Onset::parse("20200301").unwrap()],
            polylines: vec![
                Onset::parse("20200401").unwrap(),
                Onset::parse("20200501").unwrap(),
            ],
            exps: vec![Transient {
                onset: Onset::parse("20200215").unwrap(),
                taus_days: vec![30, 60],
            }],
            logs: vec![Transient {
                onset: Onset::parse("20200215T1733").unwrap(),
                taus_days: vec![30],
            }],
        };
        let ds = output_datasets(&m, true);
        let names: Vec<&str> = ds.iter().map(|d| d.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "intercept",
                "interceptStd",
                "velocity",
                "velocityStd",
                "acceleration",
                "accelerationStd",
                "poly3",
                "poly3Std",
                "annualAmplitude",
                "annualPhase",
                "semiAnnualAmplitude",
                "semiAnnualPhase",
                "period2.0YAmplitude",
                "period2.0YPhase",
                "step20200301",
                "step20200301Std",
                "velocityPost20200401",
                "velocityPost20200401Std",
                "velocityPost20200501",
                "velocityPost20200501Std",
                "exp20200215Tau30D",
                "exp20200215Tau30DStd",
                "exp20200215Tau60D",
                "exp20200215Tau60DStd",
                "log20200215T1733Tau30D",
                "log20200215T1733Tau30DStd",
                "residue"
            ]
        );
        let unit = |n: &str| ds.iter().find(|d| d.name == n).unwrap().unit.clone();
        assert_eq!(unit("velocity"), "m/year");
        assert_eq!(unit("poly3Std"), "m/year^3");
        assert_eq!(unit("annualPhase"), "radian");
        assert_eq!(unit("velocityPost20200501"), "m/yr");
        assert_eq!(unit("residue"), "m");
        assert_eq!(
            ds.iter()
                .find(|d| d.name == "velocityPost20200501")
                .unwrap()
                .source,
            Source::PolylineRate {
                first: 11,
                last: 12
            }
        );
        assert!(output_datasets(&TimeModel::default(), false)
            .iter()
            .all(|d| d.name != "residue"));
    }

    #[test]
    fn amplitude_phase_and_polyline_rates() {
        // params rows: intercept, velocity, cos, sin, polyline
        let params = [0.0, 0.02, 0.003, -0.004, 0.01];
        let std = [0.0, 0.003, 0.0, 0.0, 0.004];
        let mut out = [0f32];
        fill(Source::Amplitude(2), &params, &std, &[0.0], 1, &mut out);
        assert!((out[0] - 0.005).abs() < 1e-9);
        fill(Source::Phase(2), &params, &std, &[0.0], 1, &mut out);
        assert!((out[0] as f64 - 0.003f64.atan2(-0.004)).abs() < 1e-6);
        fill(
            Source::PolylineRate { first: 4, last: 4 },
            &params,
            &std,
            &[0.0],
            1,
            &mut out,
        );
        assert!((out[0] - 0.03).abs() < 1e-9);
        fill(
            Source::PolylineRateStd { first: 4, last: 4 },
            &params,
            &std,
            &[0.0],
            1,
            &mut out,
        );
        assert!((out[0] - 0.005).abs() < 1e-9);
        fill(Source::Residue, &params, &std, &[4e-6], 1, &mut out);
        assert!((out[0] - 0.002).abs() < 1e-9);
    }
}
