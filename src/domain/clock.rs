//! The date the server believes it is, for `createdDate` and `lastLoginDate`.

use time::macros::format_description;
use time::{Date, OffsetDateTime};

/// Dates on the wire and in the database are `YYYY-MM-DD`, UTC.
pub fn format_date(date: Date) -> String {
    format!(
        "{:04}-{:02}-{:02}",
        date.year(),
        u8::from(date.month()),
        date.day()
    )
}

/// Parses a `YYYY-MM-DD` date.
pub fn parse_date(text: &str) -> Option<Date> {
    Date::parse(text, format_description!("[year]-[month]-[day]")).ok()
}

#[derive(Debug, Clone, Default)]
pub struct Clock;

impl Clock {
    /// Today's date in UTC, as stored.
    pub fn today(&self) -> String {
        format_date(OffsetDateTime::now_utc().date())
    }
}
