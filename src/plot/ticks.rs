//! Axis ticks: "nice" numbers for value axes and calendar ticks for date axes.

use crate::meta::Date;

/// Round tick positions covering `lo..=hi`, about `target` of them, and their labels.
pub fn nice_ticks(lo: f64, hi: f64, target: usize) -> Vec<(f64, String)> {
    if !(lo.is_finite() && hi.is_finite()) || hi <= lo || target == 0 {
        return if lo.is_finite() {
            vec![(lo, format_tick(lo, 0.0))]
        } else {
            Vec::new()
        };
    }
    let raw = (hi - lo) / target as f64;
    let mag = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 2.5, 5.0, 10.0]
        .iter()
        .map(|m| m * mag)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * mag);
    let first = (lo / step).ceil() as i64;
    let last = (hi / step).floor() as i64;
    (first..=last)
        .map(|k| {
            let v = k as f64 * step;
            (v, format_tick(v, step))
        })
        .collect()
}

/// A tick label with as many decimals as the step needs.
pub fn format_tick(v: f64, step: f64) -> String {
    let decimals = if step <= 0.0 || step >= 1.0 {
        if step.fract().abs() > 1e-9 {
            1
        } else {
            0
        }
    } else {
        let d = (-step.log10()).ceil() as usize;
        // 0.25 needs 2 decimals, 0.2 needs 1.
        if ((step * 10f64.powi(d as i32)).fract()).abs() > 1e-6 {
            d + 1
        } else {
            d
        }
    };
    let s = format!("{v:.decimals$}");
    // "-0" reads oddly.
    if s.trim_start_matches('-')
        .chars()
        .all(|c| c == '0' || c == '.')
    {
        s.trim_start_matches('-').to_string()
    } else {
        s
    }
}

/// A tick label as typeset: a leading hyphen becomes the minus sign (U+2212), as matplotlib
/// writes negative numbers.
pub fn typeset(label: &str) -> String {
    match label.strip_prefix('-') {
        Some(rest) => format!("\u{2212}{rest}"),
        None => label.to_string(),
    }
}

/// Calendar ticks between two dates: years, or every 1, 2, 3 or 6 months for short spans; at
/// most about `target`. Each tick is (date, label): "2020" or "2020-03".
pub fn date_ticks(first: Date, last: Date, target: usize) -> Vec<(Date, String)> {
    let (y0, m0, _) = first.ymd();
    let (y1, m1, _) = last.ymd();
    let months = (y1 - y0) * 12 + m1 as i32 - m0 as i32;
    let target = target.max(2) as i32;
    let step = [1, 2, 3, 6, 12, 24, 60, 120]
        .into_iter()
        .find(|s| months / s < target)
        .unwrap_or(240);
    let mut ticks = Vec::new();
    // Month index since year 0, starting at the first multiple of `step` on or after `first`.
    let mut k = y0 * 12 + (m0 as i32 - 1);
    k = (k + step - 1).div_euclid(step) * step;
    loop {
        let (y, m) = (k.div_euclid(12), k.rem_euclid(12) as u32 + 1);
        let Some(d) = Date::from_ymd(y, m, 1) else {
            break;
        };
        if d > last {
            break;
        }
        if d >= first {
            let label = if step % 12 == 0 {
                format!("{y}")
            } else {
                format!("{y}-{m:02}")
            };
            ticks.push((d, label));
        }
        k += step;
    }
    ticks
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nice_ticks_are_round_and_inside() {
        let t = nice_ticks(-13.7, 42.1, 6);
        let v: Vec<f64> = t.iter().map(|x| x.0).collect();
        assert_eq!(v, vec![-10.0, 0.0, 10.0, 20.0, 30.0, 40.0]);
        assert_eq!(t[1].1, "0");
        let t = nice_ticks(0.0, 1.0, 5);
        assert_eq!(
            t.iter().map(|x| x.1.as_str()).collect::<Vec<_>>(),
            ["0.0", "0.2", "0.4", "0.6", "0.8", "1.0"]
        );
        let t = nice_ticks(0.0, 1.0, 4);
        assert_eq!(t[1].1, "0.25");
    }

    #[test]
    fn date_ticks_pick_years_for_long_spans_and_months_for_short() {
        let d = |s: &str| Date::parse(s).unwrap();
        let t = date_ticks(d("20150315"), d("20210101"), 8);
        assert_eq!(
            t.iter().map(|x| x.1.as_str()).collect::<Vec<_>>(),
            ["2016", "2017", "2018", "2019", "2020", "2021"]
        );
        let t = date_ticks(d("20200110"), d("20200901"), 8);
        assert_eq!(t[0].1, "2020-03");
        assert!(t.len() <= 8 && t.len() >= 3, "{t:?}");
        assert!(t
            .iter()
            .all(|(x, _)| *x >= d("20200110") && *x <= d("20200901")));
    }
}
