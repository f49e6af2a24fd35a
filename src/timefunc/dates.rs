//! Which dates of a time series the time functions are fitted to (MintPy's `--start-date`,
//! `--end-date`, `--exclude-date`), and finding a date in a series.

use anyhow::bail;

use crate::meta::Date;

/// A short description of the dates of a series, for error messages.
pub fn describe_range(dates: &[Date]) -> String {
    match (dates.first(), dates.last()) {
        (Some(a), Some(b)) => format!("{} dates from {a} to {b}", dates.len()),
        _ => "no dates".into(),
    }
}

/// The index of `date` in `dates`; an error listing the available range when absent.
pub fn date_index(dates: &[Date], date: Date, what: &str) -> anyhow::Result<usize> {
    match dates.iter().position(|&d| d == date) {
        Some(i) => Ok(i),
        None => {
            let near = nearest(dates, date)
                .map(|d| format!("; the nearest acquisition is {d}"))
                .unwrap_or_default();
            bail!(
                "{what} {date} is not an acquisition date of the time series ({}){near}",
                describe_range(dates)
            )
        }
    }
}

fn nearest(dates: &[Date], date: Date) -> Option<Date> {
    dates
        .iter()
        .copied()
        .min_by_key(|d| d.days_until(date).unsigned_abs())
}

/// Which of `dates` are used: not before `start`, not after `end`, not in `exclude`. Errors if an
/// excluded date is not in the series or fewer than two dates remain.
pub fn select_dates(
    dates: &[Date],
    start: Option<Date>,
    end: Option<Date>,
    exclude: &[Date],
) -> anyhow::Result<Vec<bool>> {
    for &x in exclude {
        date_index(dates, x, "excluded date")?;
    }
    let keep: Vec<bool> = dates
        .iter()
        .map(|d| {
            start.is_none_or(|s| *d >= s) && end.is_none_or(|e| *d <= e) && !exclude.contains(d)
        })
        .collect();
    let used = keep.iter().filter(|&&k| k).count();
    if used < 2 {
        bail!(
            "only {used} date(s) left after --start-date/--end-date/--exclude-date; the time \
             series has {}",
            describe_range(dates)
        );
    }
    Ok(keep)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Date {
        Date::parse(s).unwrap()
    }

    #[test]
    fn selects_like_mintpy_and_explains_bad_dates() {
        let all: Vec<Date> = (0..6).map(|i| d("20200101").add_days(12 * i)).collect();
        let keep = select_dates(
            &all,
            Some(d("20200110")),
            Some(d("20200218")),
            &[d("20200125")],
        )
        .unwrap();
        assert_eq!(keep, [false, true, false, true, true, false]);
        let e = select_dates(&all, None, None, &[d("20200102")])
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("20200102") && e.contains("6 dates from 20200101 to 20200301"),
            "{e}"
        );
        assert!(e.contains("nearest acquisition is 20200101"), "{e}");
        assert!(select_dates(&all, Some(d("20200301")), None, &[]).is_err());
        assert_eq!(date_index(&all, d("20200113"), "x").unwrap(), 1);
    }
}
