//! The rating trend of a plugin: for each month (UTC) of a window ending this
//! month, how many reviews were written and their mean stars, and the mean of
//! every review written up to the end of that month. Public, like every
//! rating; the dashboard draws it and `GET /api/v1/plugins/{id}/rating/trend`
//! serves it.

use trellis_types::{RatingTrendOut, TrendMonthOut};

use super::*;
use crate::rules::*;

/// Months a trend covers unless asked otherwise.
pub const DEFAULT_MONTHS: i64 = 12;
/// The longest window, in months.
pub const MAX_MONTHS: i64 = 60;

/// `(year, month)` of a unix time, UTC (Howard Hinnant's civil-from-days).
pub fn year_month(unix: i64) -> (i64, i64) {
    let z = unix.div_euclid(86_400) + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m)
}

/// Buckets `(created_at, stars)` into the `months` months ending with the
/// month of `now`, oldest first; reviews before the window count only in the
/// cumulative average, later ones (clock skew) in the last month.
pub fn bucket(rows: &[(i64, i64)], now: i64, months: i64) -> Vec<TrendMonthOut> {
    let months = months.clamp(1, MAX_MONTHS);
    let (ny, nm) = year_month(now);
    let index = |y: i64, m: i64| y * 12 + (m - 1);
    let last = index(ny, nm);
    let first = last - (months - 1);
    let mut count = vec![0i64; months as usize];
    let mut sum = vec![0i64; months as usize];
    let (mut before_n, mut before_sum) = (0i64, 0i64);
    for &(at, stars) in rows {
        let (y, m) = year_month(at);
        let i = index(y, m).min(last);
        if i < first {
            before_n += 1;
            before_sum += stars;
        } else {
            count[(i - first) as usize] += 1;
            sum[(i - first) as usize] += stars;
        }
    }
    let (mut run_n, mut run_sum) = (before_n, before_sum);
    (0..months as usize)
        .map(|k| {
            let i = first + k as i64;
            run_n += count[k];
            run_sum += sum[k];
            TrendMonthOut {
                month: format!("{:04}-{:02}", i.div_euclid(12), i.rem_euclid(12) + 1),
                count: count[k],
                average: (count[k] > 0).then(|| sum[k] as f64 / count[k] as f64),
                cumulative_average: (run_n > 0).then(|| run_sum as f64 / run_n as f64),
            }
        })
        .collect()
}

/// The rating trend of a plugin over the `months` months ending this month
/// (1 to [`MAX_MONTHS`]; others are clamped).
pub async fn trend(state: &AppState, plugin_id: &str, months: i64) -> AppResult<RatingTrendOut> {
    let mut c = state.db.conn().await?;
    let p = plugin(&mut c, plugin_id).await?;
    let rows = db::trend(&mut c, &p.id, 0).await?;
    Ok(RatingTrendOut {
        months: bucket(&rows, now(), months),
        plugin: p.id,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_are_utc_calendar_months() {
        assert_eq!(year_month(0), (1970, 1));
        // 2024-02-29 23:59:59 UTC, then the next second.
        assert_eq!(year_month(1_709_251_199), (2024, 2));
        assert_eq!(year_month(1_709_251_200), (2024, 3));
        assert_eq!(year_month(-1), (1969, 12));
    }

    #[test]
    fn every_month_is_listed_with_its_own_and_running_mean() {
        // now: 2026-03-15; reviews in 2025-12 (before a 3-month window), 2026-01, 2026-03.
        let now = 1_773_576_000;
        let dec = 1_765_000_000; // 2025-12-06
        let jan = 1_768_046_400; // 2026-01-10
        let rows = [(dec, 1), (jan, 5), (jan, 4), (now - 3600, 2)];
        let t = bucket(&rows, now, 3);
        let months: Vec<&str> = t.iter().map(|m| m.month.as_str()).collect();
        assert_eq!(months, ["2026-01", "2026-02", "2026-03"]);
        assert_eq!(t[0].count, 2);
        assert_eq!(t[0].average, Some(4.5));
        assert_eq!(t[0].cumulative_average, Some(10.0 / 3.0));
        assert_eq!(t[1].count, 0);
        assert_eq!(t[1].average, None);
        assert_eq!(t[1].cumulative_average, Some(10.0 / 3.0));
        assert_eq!(t[2].average, Some(2.0));
        assert_eq!(t[2].cumulative_average, Some(3.0));
        // Nothing at all: every month empty.
        assert!(bucket(&[], now, 12)
            .iter()
            .all(|m| m.count == 0 && m.cumulative_average.is_none()));
        assert_eq!(bucket(&[], now, 0).len(), 1);
        assert_eq!(bucket(&[], now, 1000).len(), MAX_MONTHS as usize);
    }
}
