//! Calendar dates as days since 1970-01-01 (proleptic Gregorian).
//!
//! Scenario dates only need parsing, day differences and printing, so a day count is the
//! whole representation. Conversions follow H. Hinnant, "chrono-Compatible Low-Level Date
//! Algorithms" (`days_from_civil` / `civil_from_days`).

use std::fmt;

/// A calendar date.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date(i64);

impl Date {
    /// The date `year-month-day`, or `None` if no such day exists (e.g. 2023-02-29).
    pub fn from_ymd(year: i32, month: u32, day: u32) -> Option<Self> {
        if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
            return None;
        }
        let y = i64::from(year) - i64::from(month <= 2);
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let mp = (i64::from(month) + 9) % 12;
        let doy = (153 * mp + 2) / 5 + i64::from(day) - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        Some(Date(era * 146_097 + doe - 719_468))
    }

    /// (year, month, day).
    pub fn ymd(self) -> (i32, u32, u32) {
        let z = self.0 + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
        let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
        let year = (yoe + era * 400 + i64::from(month <= 2)) as i32;
        (year, month, day)
    }

    /// The date `days` later (earlier if negative).
    pub fn add_days(self, days: i64) -> Self {
        Date(self.0 + days)
    }

    /// Whole days from `earlier` to `self`.
    pub fn days_since(self, earlier: Date) -> i64 {
        self.0 - earlier.0
    }
}

fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Text that is not a date of the form `YYYY-MM-DD`.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a date (YYYY-MM-DD)")]
pub struct DateError(pub String);

impl std::str::FromStr for Date {
    type Err = DateError;

    /// Parses `YYYY-MM-DD`.
    fn from_str(s: &str) -> Result<Self, DateError> {
        let bad = || DateError(s.to_string());
        let mut parts = s.trim().splitn(3, '-');
        let (Some(y), Some(m), Some(d)) = (parts.next(), parts.next(), parts.next()) else { return Err(bad()) };
        if y.len() != 4 || m.len() != 2 || d.len() != 2 {
            return Err(bad());
        }
        let (y, m, d) = (y.parse().map_err(|_| bad())?, m.parse().map_err(|_| bad())?, d.parse().map_err(|_| bad())?);
        Date::from_ymd(y, m, d).ok_or_else(bad)
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (y, m, d) = self.ymd();
        write!(f, "{y:04}-{m:02}-{d:02}")
    }
}

impl serde::Serialize for Date {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_known_differences() {
        let start = Date::from_ymd(2023, 9, 3).unwrap();
        assert_eq!(start.to_string(), "2023-09-03");
        assert_eq!(Date::from_ymd(2024, 9, 3).unwrap().days_since(start), 366); // 2024 is a leap year
        assert_eq!(Date::from_ymd(1970, 1, 1).unwrap(), Date(0));
        assert_eq!(start.add_days(120).to_string(), "2024-01-01");
        for d in -800_000..800_000 {
            let date = Date(d);
            let (y, m, dd) = date.ymd();
            assert_eq!(Date::from_ymd(y, m, dd), Some(date));
        }
    }

    #[test]
    fn parses_iso_dates_only() {
        assert_eq!("2023-09-03".parse::<Date>(), Ok(Date::from_ymd(2023, 9, 3).unwrap()));
        for bad in ["2023-9-3", "2023-02-30", "03/09/2023", "", "2023-09-03x"] {
            assert!(bad.parse::<Date>().is_err(), "{bad}");
        }
    }

    #[test]
    fn impossible_days_are_rejected() {
        assert!(Date::from_ymd(2023, 2, 29).is_none());
        assert!(Date::from_ymd(2024, 2, 29).is_some());
        assert!(Date::from_ymd(1900, 2, 29).is_none());
        assert!(Date::from_ymd(2023, 13, 1).is_none());
        assert!(Date::from_ymd(2023, 4, 31).is_none());
    }
}
