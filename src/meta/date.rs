//! Calendar dates as used by InSAR stacks (`YYYYMMDD`), without a time-zone library.

use std::fmt;
use std::str::FromStr;

/// A calendar date (proleptic Gregorian), stored as days since 1970-01-01.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    days: i32,
}

/// Why a date string could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unparsable date '{text}': {why}")]
pub struct DateError {
    /// The text that was given.
    pub text: String,
    /// What is wrong with it.
    pub why: &'static str,
}

impl Date {
    /// Builds a date from year, month (1-12) and day (1-31), checking that it exists.
    pub fn from_ymd(year: i32, month: u32, day: u32) -> Option<Date> {
        if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
            return None;
        }
        Some(Date {
            days: days_from_civil(year, month, day),
        })
    }

    /// Days since 1970-01-01.
    pub fn days_since_epoch(self) -> i32 {
        self.days
    }

    /// The date `days` days after 1970-01-01.
    pub fn from_days_since_epoch(days: i32) -> Date {
        Date { days }
    }

    /// Year, month, day.
    pub fn ymd(self) -> (i32, u32, u32) {
        civil_from_days(self.days)
    }

    /// Signed number of days from `self` to `other`.
    pub fn days_until(self, other: Date) -> i32 {
        other.days - self.days
    }

    /// The date `n` days later (or earlier for negative `n`).
    pub fn add_days(self, n: i32) -> Date {
        Date {
            days: self.days + n,
        }
    }

    /// Parses `YYYYMMDD`, also accepting `YYYYMMDDTHHMM...` (time ignored) and `YYMMDD`
    /// (years < 50 are 20xx, as MintPy's `ptime.yyyymmdd` does for 6-digit dates).
    pub fn parse(text: &str) -> Result<Date, DateError> {
        let err = |why| DateError {
            text: text.to_string(),
            why,
        };
        let t = text.trim();
        let core = match t.find('T') {
            Some(8) => &t[..8],
            _ => t,
        };
        if !core.bytes().all(|b| b.is_ascii_digit()) {
            return Err(err("expected digits YYYYMMDD"));
        }
        let (y, m, d) = match core.len() {
            8 => (
                core[0..4].parse::<i32>().map_err(|_| err("bad year"))?,
                core[4..6].parse::<u32>().map_err(|_| err("bad month"))?,
                core[6..8].parse::<u32>().map_err(|_| err("bad day"))?,
            ),
            6 => {
                let yy = core[0..2].parse::<i32>().map_err(|_| err("bad year"))?;
                (
                    if yy < 50 { 2000 + yy } else { 1900 + yy },
                    core[2..4].parse::<u32>().map_err(|_| err("bad month"))?,
                    core[4..6].parse::<u32>().map_err(|_| err("bad day"))?,
                )
            }
            _ => return Err(err("expected 8 digits YYYYMMDD")),
        };
        Date::from_ymd(y, m, d).ok_or_else(|| err("no such calendar date"))
    }

    /// `YYMMDD`, as in MintPy's `DATE12` attribute.
    pub fn yymmdd(self) -> String {
        let (y, m, d) = self.ymd();
        format!("{:02}{:02}{:02}", y.rem_euclid(100), m, d)
    }

    /// Decimal year (`year + (day_of_year - 1) / 365.25`), as MintPy's time functions use.
    pub fn decimal_year(self) -> f64 {
        let (y, _, _) = self.ymd();
        let jan1 = days_from_civil(y, 1, 1);
        y as f64 + (self.days - jan1) as f64 / 365.25
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (y, m, d) = self.ymd();
        write!(f, "{y:04}{m:02}{d:02}")
    }
}

impl FromStr for Date {
    type Err = DateError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Date::parse(s)
    }
}

fn is_leap(y: i32) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn days_in_month(y: i32, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(y) => 29,
        2 => 28,
        _ => 0,
    }
}

// Howard Hinnant's civil-date algorithms: exact for the proleptic Gregorian calendar.
fn days_from_civil(y: i32, m: u32, d: u32) -> i32 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (m as i32 + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d as i32 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146097 + doe - 719468
}

fn civil_from_days(z: i32) -> (i32, u32, u32) {
    let z = z + 719468;
    let era = if z >= 0 { z } else { z - 146096 } / 146097;
    let doe = z - era * 146097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_orders() {
        let d = Date::parse("20200229").unwrap();
        assert_eq!(d.to_string(), "20200229");
        assert_eq!(
            Date::parse("20200301").unwrap().days_since_epoch() - d.days_since_epoch(),
            1
        );
        assert_eq!(Date::parse("19700101").unwrap().days_since_epoch(), 0);
        assert_eq!(Date::parse("150312").unwrap().to_string(), "20150312");
        assert_eq!(
            Date::parse("20150312T0712").unwrap().to_string(),
            "20150312"
        );
        assert_eq!(d.yymmdd(), "200229");
        assert!(Date::parse("20190229").is_err());
        assert!(Date::parse("2019-02-2").is_err());
        assert!(Date::parse("20191301").is_err());
        assert!(Date::parse("").is_err());
    }
}
