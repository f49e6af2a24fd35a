//! The time-function model and its design matrix, as MintPy 1.6.4's `utils/time_func.py` builds
//! them: polynomial, periodic, step, polyline, exponential and logarithmic terms of decimal-year
//! time.

use anyhow::{bail, Context};

use crate::meta::Date;

/// Days per year of MintPy's decimal-year convention.
pub const DAYS_PER_YEAR: f64 = 365.25;
const SECONDS_PER_YEAR: f64 = DAYS_PER_YEAR * 86400.0;

/// Decimal year of an acquisition: `year + (day_of_year - 1) / 365.25 + seconds / (365.25 * 86400)`
/// (MintPy's `ptime.yyyymmdd2years` with `seconds = CENTER_LINE_UTC`).
pub fn decimal_year(date: Date, seconds_of_day: f64) -> f64 {
    date.decimal_year() + seconds_of_day / SECONDS_PER_YEAR
}

/// Parses a user date `YYYYMMDD` or `YYYY-MM-DD`.
pub fn parse_user_date(text: &str) -> anyhow::Result<Date> {
    let t = text.trim();
    let compact: String = if t.len() == 10 && t.as_bytes()[4] == b'-' && t.as_bytes()[7] == b'-' {
        t.replace('-', "")
    } else {
        t.to_string()
    };
    if compact.len() != 8 {
        bail!("'{text}' is not a date: use YYYYMMDD or YYYY-MM-DD");
    }
    Date::parse(&compact)
        .with_context(|| format!("'{text}' is not a date: use YYYYMMDD or YYYY-MM-DD"))
}

/// The onset time of a step, polyline, exponential or logarithmic term: `YYYYMMDD` (midnight) or
/// `YYYYMMDDTHHMM`, kept as written because MintPy names the output datasets after it.
#[derive(Debug, Clone, PartialEq)]
pub struct Onset {
    /// The text as given (`20200301`, `20200301T1733`); used in dataset names.
    pub label: String,
    /// The calendar date.
    pub date: Date,
    /// Decimal year of the onset (time of day included when given).
    pub years: f64,
}

impl Onset {
    /// Parses `YYYYMMDD`, `YYYY-MM-DD` or `YYYYMMDDTHHMM`.
    pub fn parse(text: &str) -> anyhow::Result<Onset> {
        let t = text.trim();
        let (day, time) = match t.split_once('T') {
            Some((d, hm)) => (d, Some(hm)),
            None => (t, None),
        };
        let date = parse_user_date(day)
            .with_context(|| format!("onset time '{text}': use YYYYMMDD or YYYYMMDDTHHMM"))?;
        let mut years = date.decimal_year();
        let mut label = date.to_string();
        if let Some(hm) = time {
            let ok = hm.len() == 4 && hm.bytes().all(|b| b.is_ascii_digit());
            let (h, m) = if ok {
                (
                    hm[..2].parse::<u32>().unwrap_or(99),
                    hm[2..].parse::<u32>().unwrap_or(99),
                )
            } else {
                (99, 99)
            };
            if h > 23 || m > 59 {
                bail!("onset time '{text}': the time of day must be HHMM (e.g. 20200301T1733)");
            }
            years += (h as f64 * 60.0 + m as f64) * 60.0 / SECONDS_PER_YEAR;
            label = format!("{label}T{hm}");
        }
        Ok(Onset { label, date, years })
    }
}

/// A transient term (exponential or logarithmic): one onset and its characteristic times.
#[derive(Debug, Clone, PartialEq)]
pub struct Transient {
    /// Onset time.
    pub onset: Onset,
    /// Characteristic times in whole days (MintPy drops the fraction of a day).
    pub taus_days: Vec<u32>,
}

/// Which functions of time the displacement is fitted with. Column order of the design matrix
/// (and of the parameters) is MintPy's: polynomial, periodic (cos, sin per period), steps,
/// polylines, exponentials, logarithms.
#[derive(Debug, Clone, PartialEq)]
pub struct TimeModel {
    /// Polynomial degree: 0 offset, 1 linear (velocity), 2 quadratic (acceleration), ...
    pub polynomial: usize,
    /// Periods in years (1.0 annual, 0.5 semi-annual).
    pub periodic: Vec<f64>,
    /// Heaviside steps at these times.
    pub steps: Vec<Onset>,
    /// Extra line segments starting at these times.
    pub polylines: Vec<Onset>,
    /// Exponential relaxations `1 - exp(-(t - T)/tau)` after onsets T.
    pub exps: Vec<Transient>,
    /// Logarithmic relaxations `log(1 + (t - T)/tau)` after onsets T.
    pub logs: Vec<Transient>,
}

impl Default for TimeModel {
    /// MintPy's default: a line (intercept and velocity).
    fn default() -> Self {
        TimeModel {
            polynomial: 1,
            periodic: Vec::new(),
            steps: Vec::new(),
            polylines: Vec::new(),
            exps: Vec::new(),
            logs: Vec::new(),
        }
    }
}

/// One column of the design matrix: what the parameter of that column means.
#[derive(Debug, Clone, PartialEq)]
pub enum Term {
    /// `t^k / k!` of the time since the reference date.
    Poly(usize),
    /// `cos(2 pi t / T)` of period T years.
    Cos(f64),
    /// `sin(2 pi t / T)` of period T years.
    Sin(f64),
    /// `H(t > T)`.
    Step(Onset),
    /// `max(t - T, 0)`.
    Polyline(Onset),
    /// `H(t > T) (1 - exp(-(t - T)/tau))`, tau in days.
    Exp(Onset, u32),
    /// `H(t > T) log(1 + (t - T)/tau)`, tau in days.
    Log(Onset, u32),
}

impl TimeModel {
    /// The columns of the design matrix, in order.
    pub fn terms(&self) -> Vec<Term> {
        let mut t: Vec<Term> = (0..=self.polynomial).map(Term::Poly).collect();
        for &p in &self.periodic {
            t.push(Term::Cos(p));
            t.push(Term::Sin(p));
        }
        t.extend(self.steps.iter().cloned().map(Term::Step));
        t.extend(self.polylines.iter().cloned().map(Term::Polyline));
        for e in &self.exps {
            t.extend(
                e.taus_days
                    .iter()
                    .map(|&tau| Term::Exp(e.onset.clone(), tau)),
            );
        }
        for l in &self.logs {
            t.extend(
                l.taus_days
                    .iter()
                    .map(|&tau| Term::Log(l.onset.clone(), tau)),
            );
        }
        t
    }

    /// Number of parameters (columns of the design matrix).
    pub fn num_params(&self) -> usize {
        self.polynomial
            + 1
            + 2 * self.periodic.len()
            + self.steps.len()
            + self.polylines.len()
            + self.exps.iter().map(|e| e.taus_days.len()).sum::<usize>()
            + self.logs.iter().map(|l| l.taus_days.len()).sum::<usize>()
    }

    /// Checks the model against the dates it is fitted to, as MintPy's `inps2model` does:
    /// positive periods and characteristic times, steps and polylines strictly inside the date
    /// range, transient onsets before the last date, at least two parameters.
    pub fn validate(&self, first: Date, last: Date) -> anyhow::Result<()> {
        if self.num_params() <= 1 {
            bail!("no time function to estimate: give a polynomial degree of 1 or more, or another term");
        }
        if let Some(p) = self.periodic.iter().find(|p| !(p.is_finite() && **p > 0.0)) {
            bail!("period {p} years: periods must be positive");
        }
        let (ymin, ymax) = (first.decimal_year(), last.decimal_year());
        for (what, onsets) in [("step", &self.steps), ("polyline", &self.polylines)] {
            for o in onsets.iter() {
                if !(ymin < o.years && o.years < ymax) {
                    bail!(
                        "{what} date {} is outside the dates used ({first} .. {last}, both excluded)",
                        o.label
                    );
                }
            }
        }
        if !self.polylines.is_empty() && self.polynomial == 0 {
            bail!("polyline terms need a polynomial degree of 1 or more");
        }
        for (what, list) in [("exp", &self.exps), ("log", &self.logs)] {
            for tr in list.iter() {
                if tr.onset.years >= ymax {
                    bail!(
                        "{what} onset {} is not before the last date used ({last})",
                        tr.onset.label
                    );
                }
                if tr.taus_days.is_empty() {
                    bail!(
                        "{what} onset {} has no characteristic time (e.g. {} 60)",
                        tr.onset.label,
                        tr.onset.label
                    );
                }
                if tr.taus_days.contains(&0) {
                    bail!(
                        "{what} onset {}: characteristic times must be at least 1 day",
                        tr.onset.label
                    );
                }
            }
        }
        Ok(())
    }

    /// The design matrix (row-major, `times.len() x num_params`) for acquisitions at `times`
    /// (decimal years, [`decimal_year`]). Polynomial and periodic terms use the time since
    /// `times[ref_index]`; steps, polylines and transients use absolute time, as MintPy does.
    pub fn design_matrix(&self, times: &[f64], ref_index: usize) -> Vec<f64> {
        let terms = self.terms();
        let p = terms.len();
        let t0 = times.get(ref_index).copied().unwrap_or(0.0);
        let mut g = vec![0.0; times.len() * p];
        for (i, &t) in times.iter().enumerate() {
            let dt = t - t0;
            for (j, term) in terms.iter().enumerate() {
                g[i * p + j] = term.value(t, dt);
            }
        }
        g
    }
}

impl Term {
    /// The column value at absolute time `t` and time `dt` since the reference date (years).
    fn value(&self, t: f64, dt: f64) -> f64 {
        let two_pi = 2.0 * std::f64::consts::PI;
        match self {
            Term::Poly(k) => dt.powi(*k as i32) / factorial(*k),
            Term::Cos(period) => (two_pi / period * dt).cos(),
            Term::Sin(period) => (two_pi / period * dt).sin(),
            Term::Step(o) => f64::from(u8::from(t > o.years)),
            Term::Polyline(o) => (t - o.years).max(0.0),
            Term::Exp(o, tau) if t > o.years => {
                1.0 - (-(t - o.years) / (*tau as f64 / DAYS_PER_YEAR)).exp()
            }
            Term::Log(o, tau) if t > o.years => {
                let v = (1.0 + (t - o.years) / (*tau as f64 / DAYS_PER_YEAR)).ln();
                if v.is_finite() {
                    v
                } else {
                    0.0
                }
            }
            Term::Exp(..) | Term::Log(..) => 0.0,
        }
    }
}

fn factorial(k: usize) -> f64 {
    (1..=k).map(|i| i as f64).product()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Date {
        Date::parse(s).unwrap()
    }

    #[test]
    fn decimal_year_follows_mintpy() {
        // ptime.yyyymmdd2years('20200301', seconds=6606.5) = 2020 + 60/365.25 + 6606.5/(365.25*86400)
        let y = decimal_year(d("20200301"), 6606.5);
        assert!((y - (2020.0 + 60.0 / 365.25 + 6606.5 / (365.25 * 86400.0))).abs() < 1e-12);
    }

    #[test]
    fn user_dates_and_onsets_parse() {
        assert_eq!(parse_user_date("2020-03-01").unwrap(), d("20200301"));
        assert_eq!(parse_user_date("20200301").unwrap(), d("20200301"));
        assert!(parse_user_date("2020-3-1").is_err());
        assert!(parse_user_date("200301").is_err());
        let o = Onset::parse("20200301T1733").unwrap();
        assert_eq!(o.label, "20200301T1733");
        let expect =
            2020.0 + 60.0 / 365.25 + 17.0 / (365.25 * 24.0) + 33.0 / (365.25 * 24.0 * 60.0);
        assert!((o.years - expect).abs() < 1e-12);
        assert_eq!(Onset::parse("2020-03-01").unwrap().label, "20200301");
        assert!(Onset::parse("20200301T2561").is_err());
    }

    #[test]
    fn columns_match_hand_computed_values() {
        let model = TimeModel {
            polynomial: 2,
            periodic: vec![1.0],
            steps: vec![Onset::parse("20200601").unwrap()],
            polylines: vec![Onset::parse("20200601").unwrap()],
            exps: vec![Transient {
                onset: Onset::parse("20200601").unwrap(),
                taus_days: vec![30],
            }],
            logs: vec![Transient {
                onset: Onset::parse("20200601").unwrap(),
                taus_days: vec![60],
            }],
        };
        assert_eq!(model.num_params(), 3 + 2 + 1 + 1 + 1 + 1);
        let dates = [d("20200101"), d("20200701"), d("20210101")];
        let t: Vec<f64> = dates.iter().map(|&x| decimal_year(x, 0.0)).collect();
        let g = model.design_matrix(&t, 0);
        let p = model.num_params();
        // 20200701 is day 183 of 2020: t = 2020 + 182/365.25; onset 20200601 is day 153.
        let dt = 182.0 / 365.25;
        let after = (182.0 - 152.0) / 365.25;
        let row1 = &g[p..2 * p];
        let two_pi = 2.0 * std::f64::consts::PI;
        let want = [
            1.0,
            dt,
            dt * dt / 2.0,
            (two_pi * dt).cos(),
            (two_pi * dt).sin(),
            1.0,
            after,
            1.0 - (-after / (30.0 / 365.25)).exp(),
            (1.0 + after / (60.0 / 365.25)).ln(),
        ];
        for (k, (a, b)) in row1.iter().zip(want).enumerate() {
            assert!((a - b).abs() < 1e-12, "column {k}: {a} vs {b}");
        }
        // first row: the origin and before every onset
        assert_eq!(&g[..p], &[1.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0]);
        // 2021-01-01 is exactly one decimal year later, although 2020 has 366 days
        let dt2 = 1.0;
        assert!((g[2 * p + 1] - dt2).abs() < 1e-12);
    }

    #[test]
    fn reference_index_moves_the_polynomial_origin_only() {
        let model = TimeModel {
            steps: vec![Onset::parse("20200115").unwrap()],
            ..TimeModel::default()
        };
        let t: Vec<f64> = ["20200101", "20200201", "20200301"]
            .iter()
            .map(|s| decimal_year(d(s), 0.0))
            .collect();
        let g = model.design_matrix(&t, 1);
        assert!((g[1] - (t[0] - t[1])).abs() < 1e-12);
        assert_eq!(g[4], 0.0);
        assert_eq!([g[2], g[5], g[8]], [0.0, 1.0, 1.0]);
    }

    #[test]
    fn validation_rejects_what_mintpy_rejects() {
        let (a, b) = (d("20200101"), d("20201231"));
        let mut m = TimeModel::default();
        assert!(m.validate(a, b).is_ok());
        m.polynomial = 0;
        assert!(m.validate(a, b).is_err());
        m.polynomial = 1;
        m.steps = vec![Onset::parse("20200101").unwrap()];
        let e = m.validate(a, b).unwrap_err().to_string();
        assert!(e.contains("step date 20200101"), "{e}");
        m.steps.clear();
        m.periodic = vec![-1.0];
        assert!(m.validate(a, b).is_err());
        m.periodic.clear();
        m.exps = vec![Transient {
            onset: Onset::parse("20210101").unwrap(),
            taus_days: vec![10],
        }];
        assert!(m.validate(a, b).is_err());
    }
}
