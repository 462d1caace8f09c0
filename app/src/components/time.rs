//! Dates and times as the UI shows them: UTC, computed the same way on the
//! server and in the browser so hydrated pages match what was rendered.

/// The civil date `YYYY-MM-DD` (UTC) of a unix timestamp in seconds.
pub fn date(ts: i64) -> String {
    let days = ts.div_euclid(86_400);
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

/// [`date`] of an optional timestamp, `—` when there is none.
pub fn when(ts: Option<i64>) -> String {
    ts.map(date).unwrap_or_else(|| "—".into())
}

/// `YYYY-MM-DD HH:MM UTC` of a unix timestamp in seconds.
pub fn date_time(ts: i64) -> String {
    let secs = ts.rem_euclid(86_400);
    format!(
        "{} {:02}:{:02} UTC",
        date(ts),
        secs / 3600,
        secs % 3600 / 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_civil_utc_dates() {
        assert_eq!(date(0), "1970-01-01");
        assert_eq!(date(951_782_400), "2000-02-29");
        assert_eq!(date(1_709_251_199), "2024-02-29");
        assert_eq!(date(-1), "1969-12-31");
        assert_eq!(when(None), "—");
        assert_eq!(when(Some(86_400)), "1970-01-02");
    }

    #[test]
    fn times_show_hours_and_minutes_in_utc() {
        assert_eq!(date_time(0), "1970-01-01 00:00 UTC");
        assert_eq!(date_time(1_709_251_199), "2024-02-29 23:59 UTC");
        assert_eq!(date_time(-60), "1969-12-31 23:59 UTC");
    }
}
