//! The date the server believes it is, for `createdDate` and
//! `lastLoginDate`: the real UTC date, or one fixed through
//! `PUT /__admin/clock` so tests get stable dates.

use std::sync::{Arc, PoisonError, RwLock};

use time::{Date, Month, OffsetDateTime};

/// Dates on the wire and in the database are `YYYY-MM-DD`, UTC.
pub fn format_date(date: Date) -> String {
    format!(
        "{:04}-{:02}-{:02}",
        date.year(),
        u8::from(date.month()),
        date.day()
    )
}

/// Parses a `YYYY-MM-DD` date: exactly four year digits (0000 to 9999, so
/// that the stored text sorts as the dates do), no sign, a real calendar
/// day.
pub fn parse_date(text: &str) -> Option<Date> {
    let shape_ok = text.len() == 10
        && text.bytes().enumerate().all(|(i, b)| match i {
            4 | 7 => b == b'-',
            _ => b.is_ascii_digit(),
        });
    if !shape_ok {
        return None;
    }
    let year = text.get(0..4)?.parse().ok()?;
    let month = Month::try_from(text.get(5..7)?.parse::<u8>().ok()?).ok()?;
    let day = text.get(8..10)?.parse().ok()?;
    Date::from_calendar_date(year, month, day).ok()
}

/// Shared by every clone: fixing the date is seen by all requests at once.
#[derive(Debug, Clone, Default)]
pub struct Clock {
    fixed: Arc<RwLock<Option<Date>>>,
}

impl Clock {
    /// Today's date in UTC (or the fixed one), as stored.
    pub fn today(&self) -> String {
        format_date(self.date())
    }

    pub fn date(&self) -> Date {
        self.fixed()
            .unwrap_or_else(|| OffsetDateTime::now_utc().date())
    }

    /// The fixed date, if one is set.
    pub fn fixed(&self) -> Option<Date> {
        // A poisoned lock still holds a valid `Option<Date>`.
        *self.fixed.read().unwrap_or_else(PoisonError::into_inner)
    }

    /// Fixes the date (`Some`) or returns to the real one (`None`).
    pub fn set(&self, date: Option<Date>) {
        *self.fixed.write().unwrap_or_else(PoisonError::into_inner) = date;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fixed_date_wins_until_released() {
        let clock = Clock::default();
        let shared = clock.clone();
        let leap = parse_date("2020-02-29").expect("valid");
        clock.set(Some(leap));
        assert_eq!(shared.today(), "2020-02-29");
        clock.set(None);
        assert_eq!(
            shared.today(),
            format_date(OffsetDateTime::now_utc().date())
        );
    }

    #[test]
    fn only_real_dates_parse() {
        assert!(parse_date("2021-02-29").is_none());
        assert!(parse_date("2020-2-1").is_none());
        assert_eq!(
            parse_date("0999-01-01").map(format_date).as_deref(),
            Some("0999-01-01")
        );
    }
}
