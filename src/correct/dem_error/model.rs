//! The DEM-error model of Fattahi & Amelung (2013) as MintPy 1.6.4 builds it: a geometry column
//! (perpendicular baseline) next to the temporal deformation model (polynomial in time, steps).

use crate::meta::Date;

/// Seconds in MintPy's year of 365.25 days.
const SECONDS_PER_YEAR: f64 = 365.25 * 24.0 * 3600.0;

/// Options of the temporal deformation model and of the fit (MintPy's
/// `mintpy.topographicResidual.*`).
#[derive(Debug, Clone, PartialEq)]
pub struct DemErrModel {
    /// Order of the polynomial in time (MintPy `polyOrder`, default 2).
    pub poly_order: usize,
    /// Dates of Heaviside steps (MintPy `stepDate`).
    pub step_dates: Vec<Date>,
    /// Dates left out of the fit (MintPy `excludeDate`); they are still corrected.
    pub exclude_dates: Vec<Date>,
    /// Fit the phase velocity (time differences) instead of the phase (MintPy `phaseVelocity`).
    pub phase_velocity: bool,
}

impl Default for DemErrModel {
    fn default() -> Self {
        DemErrModel {
            poly_order: 2,
            step_dates: Vec::new(),
            exclude_dates: Vec::new(),
            phase_velocity: false,
        }
    }
}

/// Factorial as f64 (small orders only).
fn factorial(n: usize) -> f64 {
    (1..=n).map(|i| i as f64).product()
}

/// The deformation design matrix `G_defo` (dates x params, row-major) of MintPy's
/// `time_func.get_design_matrix4time_func`: `t^p / p!` for p = 0..=poly_order with `t` in
/// decimal years since the first date, then one column per step date, 1 after the step.
/// `seconds` is the acquisition time of day (`CENTER_LINE_UTC`), which only matters for a step
/// on an acquisition date (the acquisition then counts as after the step).
pub fn deformation_matrix(dates: &[Date], model: &DemErrModel, seconds: f64) -> Vec<f64> {
    let n = dates.len();
    let np = model.poly_order + 1 + model.step_dates.len();
    let t0 = dates.first().map_or(0.0, |d| d.decimal_year());
    let day_frac = seconds / SECONDS_PER_YEAR;
    let mut g = vec![0.0; n * np];
    for (i, d) in dates.iter().enumerate() {
        let t = d.decimal_year() - t0;
        let row = &mut g[i * np..(i + 1) * np];
        for (p, v) in row[..=model.poly_order].iter_mut().enumerate() {
            *v = t.powi(p as i32) / factorial(p);
        }
        for (s, step) in model.step_dates.iter().enumerate() {
            let after = d.decimal_year() + day_frac > step.decimal_year();
            row[model.poly_order + 1 + s] = if after { 1.0 } else { 0.0 };
        }
    }
    g
}

/// Checks the model against the dates: the polynomial order must not exceed the number of
/// dates used, as MintPy requires; excluded and step dates must be dates of the series.
pub fn check_model(dates: &[Date], model: &DemErrModel) -> anyhow::Result<()> {
    for d in &model.exclude_dates {
        anyhow::ensure!(
            dates.contains(d),
            "excluded date {d} is not a date of the time series"
        );
    }
    let used = dates
        .iter()
        .filter(|d| !model.exclude_dates.contains(d))
        .count();
    anyhow::ensure!(
        model.poly_order <= used,
        "polynomial order {} is more than the {used} dates used: reduce it",
        model.poly_order
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Date {
        Date::parse(s).unwrap()
    }

    #[test]
    fn polynomial_columns_in_decimal_years() {
        let dates = [d("20191220"), d("20200101"), d("20200113")];
        let g = deformation_matrix(&dates, &DemErrModel::default(), 0.0);
        // MintPy's decimal years: 2019 + 353/365.25, 2020 + 0, 2020 + 12/365.25.
        let t1 = 2020.0 - (2019.0 + 353.0 / 365.25);
        assert_eq!(&g[0..3], &[1.0, 0.0, 0.0]);
        assert!((g[4] - t1).abs() < 1e-12 && (g[5] - t1 * t1 / 2.0).abs() < 1e-12);
        assert!((g[7] - (t1 + 12.0 / 365.25)).abs() < 1e-12);
    }

    #[test]
    fn steps_count_the_acquisition_day_as_after_when_the_time_of_day_is_known() {
        let dates = [d("20200101"), d("20200113"), d("20200125")];
        let model = DemErrModel {
            poly_order: 1,
            step_dates: vec![d("20200113")],
            ..DemErrModel::default()
        };
        let g = deformation_matrix(&dates, &model, 6606.5);
        assert_eq!([g[2], g[5], g[8]], [0.0, 1.0, 1.0]);
        let g = deformation_matrix(&dates, &model, 0.0);
        assert_eq!([g[2], g[5], g[8]], [0.0, 0.0, 1.0]);
    }

    #[test]
    fn model_checks() {
        let dates = [d("20200101"), d("20200113"), d("20200125")];
        let mut m = DemErrModel {
            exclude_dates: vec![d("20200113"), d("20200125")],
            ..DemErrModel::default()
        };
        assert!(check_model(&dates, &m).is_err());
        m.exclude_dates = vec![d("20200202")];
        assert!(check_model(&dates, &m).is_err());
        m.exclude_dates = vec![d("20200113")];
        assert!(check_model(&dates, &m).is_ok());
    }
}
