//! Dates and times as the UI shows them: UTC, computed the same way on the
//! server and in the browser, so an island shows what the server rendered.

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

/// The unix timestamp (seconds) of midnight UTC starting the civil date
/// `YYYY-MM-DD`, or `None` when it is not such a date.
pub fn parse_date(s: &str) -> Option<i64> {
    let mut parts = s.splitn(3, '-');
    let (y, m, d) = (parts.next()?, parts.next()?, parts.next()?);
    if y.len() != 4 || m.len() != 2 || d.len() != 2 {
        return None;
    }
    let (y, m, d): (i64, i64, i64) = (y.parse().ok()?, m.parse().ok()?, d.parse().ok()?);
    if !(1..=12).contains(&m) || d < 1 {
        return None;
    }
    // Days since 1970-01-01 (Howard Hinnant's algorithm, the inverse of `date`).
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = if m > 2 { m - 3 } else { m + 9 };
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let ts = (era * 146_097 + doe - 719_468) * 86_400;
    // Reject days past the month's end (2024-02-30 would roll over).
    (date(ts) == s).then_some(ts)
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
    fn dates_parse_back() {
        for ts in [0, 951_782_400, 1_709_164_800, -86_400] {
            assert_eq!(parse_date(&date(ts)), Some(ts));
        }
        assert_eq!(parse_date("2024-02-30"), None);
        assert_eq!(parse_date("2024-13-01"), None);
        assert_eq!(parse_date("2024-1-01"), None);
        assert_eq!(parse_date("yesterday"), None);
        assert_eq!(parse_date(""), None);
    }

    #[test]
    fn times_show_hours_and_minutes_in_utc() {
        assert_eq!(date_time(0), "1970-01-01 00:00 UTC");
        assert_eq!(date_time(1_709_251_199), "2024-02-29 23:59 UTC");
        assert_eq!(date_time(-60), "1969-12-31 23:59 UTC");
    }
}
