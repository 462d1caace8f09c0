//! A plugin's statistics over a range ([`plugin_stats`]): totals, downloads
//! and unique installs per bucket (zero-filled), per-version totals and the
//! series of the top versions; and the retention of installer keys
//! ([`prune`], run by housekeeping). Public reads, like the download counts.
//!
//! Buckets: `90d` is 90 days ending today (UTC) by day; `1y` is the 53 weeks
//! (Monday to Sunday) ending with the current one; `all` starts at the
//! plugin's creation or its first counted day, whichever is earlier, by day
//! up to 120 days, by week up to two years, by month beyond. A bucket's
//! unique installs are the sum of its days' (an installer is counted once a
//! day per plugin; see `downloads`).

use std::cmp::Reverse;
use std::collections::HashMap;

use time::{Date, Duration, Month, OffsetDateTime};
use trellis_db::{downloads as dl_db, stats as stats_db, AnyConnection};
use trellis_types::{
    PluginStatsOut, StatsBucketSize, StatsPointOut, StatsRange, VersionSeriesOut, VersionTotalOut,
};

use super::plugins::plugin_row;
use crate::{AppResult, AppState};

/// How many versions get a series of their own; the rest are summed.
pub const TOP_VERSIONS: usize = 5;

/// Days after its own that a day's salt and installer keys are kept (downloads
/// of a day may still be flushed a little after midnight), before
/// housekeeping deletes them.
pub const KEYS_KEPT_DAYS: i64 = 1;

/// `YYYY-MM-DD`.
pub fn day_str(d: Date) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

/// The date of a `YYYY-MM-DD` text.
pub fn parse_day(s: &str) -> Option<Date> {
    let mut it = s.splitn(3, '-');
    let y = it.next()?.parse().ok()?;
    let m = Month::try_from(it.next()?.parse::<u8>().ok()?).ok()?;
    let d = it.next()?.parse().ok()?;
    Date::from_calendar_date(y, m, d).ok()
}

/// Today in UTC.
pub fn today() -> Date {
    OffsetDateTime::now_utc().date()
}

/// The first day of the bucket of `size` holding `d`.
pub fn bucket_start(size: StatsBucketSize, d: Date) -> Date {
    match size {
        StatsBucketSize::Day => d,
        StatsBucketSize::Week => {
            d - Duration::days(i64::from(d.weekday().number_days_from_monday()))
        }
        StatsBucketSize::Month => d.replace_day(1).unwrap_or(d),
    }
}

/// The first day of the bucket after the one starting on `start`.
fn next_start(size: StatsBucketSize, start: Date) -> Date {
    match size {
        StatsBucketSize::Day => start + Duration::days(1),
        StatsBucketSize::Week => start + Duration::days(7),
        StatsBucketSize::Month => {
            let (y, m) = match start.month() {
                Month::December => (start.year() + 1, Month::January),
                m => (start.year(), m.next()),
            };
            Date::from_calendar_date(y, m, 1).unwrap_or(start)
        }
    }
}

/// Which bucket (from 0) of a series starting on `from` holds `d`.
fn bucket_index(size: StatsBucketSize, from: Date, d: Date) -> i64 {
    match size {
        StatsBucketSize::Day => (d - from).whole_days(),
        StatsBucketSize::Week => (d - from).whole_days().div_euclid(7),
        StatsBucketSize::Month => {
            let months = |x: Date| i64::from(x.year()) * 12 + i64::from(u8::from(x.month()));
            months(d) - months(from)
        }
    }
}

/// The bucket size and first day of `range` ending `to`; `first` is the
/// earliest day the plugin has (its creation or first count), for `all`.
pub fn plan(range: StatsRange, to: Date, first: Date) -> (StatsBucketSize, Date) {
    match range {
        StatsRange::Days90 => (StatsBucketSize::Day, to - Duration::days(89)),
        StatsRange::Year => {
            let size = StatsBucketSize::Week;
            (size, bucket_start(size, to) - Duration::weeks(52))
        }
        StatsRange::All => {
            let first = first.min(to);
            let span = (to - first).whole_days() + 1;
            let size = if span <= 120 {
                StatsBucketSize::Day
            } else if span <= 731 {
                StatsBucketSize::Week
            } else {
                StatsBucketSize::Month
            };
            (size, bucket_start(size, first))
        }
    }
}

/// The `(start, end)` of each bucket from `from` to `to`, the last one ending
/// on `to`.
pub fn buckets(size: StatsBucketSize, from: Date, to: Date) -> Vec<(Date, Date)> {
    let mut out = Vec::new();
    let mut start = from;
    while start <= to {
        let next = next_start(size, start);
        out.push((start, (next - Duration::days(1)).min(to)));
        start = next;
    }
    out
}

/// Highest SemVer first; text that is not SemVer after, by text.
fn version_order(a: &str, b: &str) -> std::cmp::Ordering {
    match (semver::Version::parse(a), semver::Version::parse(b)) {
        (Ok(x), Ok(y)) => y.cmp(&x),
        (Ok(_), Err(_)) => std::cmp::Ordering::Less,
        (Err(_), Ok(_)) => std::cmp::Ordering::Greater,
        (Err(_), Err(_)) => b.cmp(a),
    }
}

/// A plugin's statistics over `range`, ending today (UTC); `not_found` when
/// there is no such plugin.
pub async fn plugin_stats(
    state: &AppState,
    id: &str,
    range: StatsRange,
) -> AppResult<PluginStatsOut> {
    let mut c = state.db.conn().await?;
    stats_on(&mut c, id, range, today()).await
}

/// [`plugin_stats`] as of the day `to`.
pub async fn stats_on(
    c: &mut AnyConnection,
    id: &str,
    range: StatsRange,
    to: Date,
) -> AppResult<PluginStatsOut> {
    let p = plugin_row(c, id).await?;
    let created = OffsetDateTime::from_unix_timestamp(p.created_at)
        .map(|t| t.date())
        .unwrap_or(to);
    let first_count = stats_db::first_download_day(c, id)
        .await?
        .as_deref()
        .and_then(parse_day);
    let first = first_count.map_or(created, |f| f.min(created));
    let (size, from) = plan(range, to, first);
    let spans = buckets(size, from, to);
    let n = spans.len();
    let (from_s, to_s) = (day_str(from), day_str(to));
    let slot = |day: &str| -> Option<usize> {
        let d = parse_day(day)?;
        let i = bucket_index(size, from, d);
        (0..n as i64).contains(&i).then_some(i as usize)
    };

    let rows = stats_db::version_days(c, id, &from_s, &to_s).await?;
    let mut downloads = vec![0i64; n];
    let mut per_version: HashMap<String, Vec<i64>> = HashMap::new();
    for (version, day, count) in rows {
        let Some(i) = slot(&day) else { continue };
        downloads[i] += count;
        per_version.entry(version).or_insert_with(|| vec![0; n])[i] += count;
    }
    let mut installs = vec![0i64; n];
    for (day, count) in stats_db::daily_installs(c, id, &from_s, &to_s).await? {
        if let Some(i) = slot(&day) {
            installs[i] += count;
        }
    }

    let all_time = dl_db::by_version(c, id).await?;
    let mut versions: Vec<VersionTotalOut> = all_time
        .keys()
        .chain(per_version.keys())
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .map(|v| VersionTotalOut {
            version: v.clone(),
            downloads: all_time.get(v).copied().unwrap_or(0),
            range_downloads: per_version.get(v).map_or(0, |s| s.iter().sum()),
        })
        .collect();
    versions.sort_by(|a, b| {
        (Reverse(a.range_downloads), Reverse(a.downloads))
            .cmp(&(Reverse(b.range_downloads), Reverse(b.downloads)))
            .then_with(|| version_order(&a.version, &b.version))
    });
    let top_versions: Vec<VersionSeriesOut> = versions
        .iter()
        .filter(|v| v.range_downloads > 0)
        .take(TOP_VERSIONS)
        .map(|v| VersionSeriesOut {
            version: v.version.clone(),
            downloads: per_version
                .get(&v.version)
                .cloned()
                .unwrap_or_else(|| vec![0; n]),
        })
        .collect();
    let other_versions: Vec<i64> = (0..n)
        .map(|i| downloads[i] - top_versions.iter().map(|t| t.downloads[i]).sum::<i64>())
        .collect();

    let series: Vec<StatsPointOut> = spans
        .iter()
        .enumerate()
        .map(|(i, (start, end))| StatsPointOut {
            start: day_str(*start),
            end: day_str(*end),
            downloads: downloads[i],
            unique_installs: installs[i],
        })
        .collect();
    Ok(PluginStatsOut {
        plugin_id: p.id,
        range,
        bucket: size,
        from: from_s,
        to: to_s,
        downloads: all_time.values().sum(),
        imported_downloads: dl_db::imported(c, id).await?,
        unique_installs: stats_db::installs_total(c, id).await?,
        range_downloads: downloads.iter().sum(),
        range_unique_installs: installs.iter().sum(),
        unique_installs_since: stats_db::installs_counted_since(c).await?,
        series,
        versions,
        top_versions,
        other_versions,
    })
}

/// Deletes the salts and installer keys of days more than [`KEYS_KEPT_DAYS`]
/// before `today`: `(salts, keys)` removed. After that, nothing links a past
/// day's installs to any address or user.
pub async fn prune(c: &mut AnyConnection, today: Date) -> AppResult<(u64, u64)> {
    let before = day_str(today - Duration::days(KEYS_KEPT_DAYS));
    Ok(stats_db::prune_before(c, &before).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Date {
        parse_day(s).unwrap()
    }

    #[test]
    fn days_read_and_print() {
        assert_eq!(day_str(d("2026-03-05")), "2026-03-05");
        for bad in ["", "2026-13-01", "2026-02-30", "x-1-1", "2026-1"] {
            assert_eq!(parse_day(bad), None, "{bad}");
        }
    }

    #[test]
    fn ninety_days_by_day() {
        let (size, from) = plan(StatsRange::Days90, d("2026-01-10"), d("2020-01-01"));
        assert_eq!(
            (size, day_str(from)),
            (StatsBucketSize::Day, "2025-10-13".into())
        );
        let b = buckets(size, from, d("2026-01-10"));
        assert_eq!(b.len(), 90);
        assert_eq!(b[89], (d("2026-01-10"), d("2026-01-10")));
    }

    #[test]
    fn a_year_by_whole_weeks_from_monday() {
        // 2026-01-10 is a Saturday; its week starts on Monday 2026-01-05.
        let (size, from) = plan(StatsRange::Year, d("2026-01-10"), d("2026-01-01"));
        assert_eq!(size, StatsBucketSize::Week);
        assert_eq!(day_str(from), "2025-01-06");
        assert_eq!(from.weekday(), time::Weekday::Monday);
        let b = buckets(size, from, d("2026-01-10"));
        assert_eq!(b.len(), 53);
        assert_eq!(b[0], (d("2025-01-06"), d("2025-01-12")));
        assert_eq!(
            b[52],
            (d("2026-01-05"), d("2026-01-10")),
            "the current week ends today"
        );
        assert_eq!(bucket_index(size, from, d("2026-01-04")), 51);
        assert_eq!(bucket_index(size, from, d("2026-01-05")), 52);
    }

    #[test]
    fn all_time_picks_a_readable_bucket() {
        let to = d("2026-01-10");
        assert_eq!(
            plan(StatsRange::All, to, d("2026-01-08")),
            (StatsBucketSize::Day, d("2026-01-08"))
        );
        assert_eq!(
            plan(StatsRange::All, to, d("2025-03-01")),
            (StatsBucketSize::Week, d("2025-02-24"))
        );
        let (size, from) = plan(StatsRange::All, to, d("2021-05-17"));
        assert_eq!((size, from), (StatsBucketSize::Month, d("2021-05-01")));
        let b = buckets(size, from, to);
        assert_eq!(b.len(), 57);
        assert_eq!(b[7], (d("2021-12-01"), d("2021-12-31")));
        assert_eq!(b[8].0, d("2022-01-01"));
        assert_eq!(b[56], (d("2026-01-01"), to));
        assert_eq!(bucket_index(size, from, d("2022-01-31")), 8);
        // A first day in the future (a clock skew) still gives today.
        assert_eq!(
            plan(StatsRange::All, to, d("2027-01-01")),
            (StatsBucketSize::Day, to)
        );
    }

    #[test]
    fn versions_order_by_semver_then_text() {
        let mut v = vec!["0.9.0", "nonsense", "0.10.0", "1.0.0-beta.1", "1.0.0"];
        v.sort_by(|a, b| version_order(a, b));
        assert_eq!(v, ["1.0.0", "1.0.0-beta.1", "0.10.0", "0.9.0", "nonsense"]);
    }
}
