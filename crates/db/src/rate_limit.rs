//! Fixed-window counters in the database, so limits hold across nodes.
//!
//! [`hit`] counts one event and returns the new count in one atomic statement
//! (an upsert with `RETURNING`), so concurrent requests can never all read the
//! same old count: the sign-in limiter counts an attempt *before* checking the
//! password.

use sqlx::{AnyConnection, Row};

use crate::{now, Result};

/// The window `t` falls in: `(start, end)`.
fn window(t: i64, window_secs: i64) -> (i64, i64) {
    let w = window_secs.max(1);
    let start = t - t.rem_euclid(w);
    (start, start + w)
}

/// Counts one event under `key` in the current window; returns the count so far
/// (this one included) and when the window ends (unix seconds).
pub async fn hit(c: &mut AnyConnection, key: &str, window_secs: i64) -> Result<(i64, i64)> {
    let (start, end) = window(now(), window_secs);
    let row = sqlx::query(
        "INSERT INTO rate_limits (key, window_start, hits) VALUES ($1, $2, 1) \
         ON CONFLICT (key, window_start) DO UPDATE SET hits = rate_limits.hits + 1 \
         RETURNING hits",
    )
    .bind(key)
    .bind(start)
    .fetch_one(&mut *c)
    .await?;
    Ok((row.try_get("hits")?, end))
}

/// The count under `key` in the current window, and when the window ends.
pub async fn count(c: &mut AnyConnection, key: &str, window_secs: i64) -> Result<(i64, i64)> {
    let (start, end) = window(now(), window_secs);
    let row = sqlx::query("SELECT hits FROM rate_limits WHERE key = $1 AND window_start = $2")
        .bind(key)
        .bind(start)
        .fetch_optional(&mut *c)
        .await?;
    Ok((
        match row {
            Some(r) => r.try_get("hits")?,
            None => 0,
        },
        end,
    ))
}

/// Forgets the counts under `key` (e.g. after a successful sign-in).
pub async fn clear(c: &mut AnyConnection, key: &str) -> Result<()> {
    sqlx::query("DELETE FROM rate_limits WHERE key = $1")
        .bind(key)
        .execute(&mut *c)
        .await?;
    Ok(())
}

/// Drops windows that ended before `before` (housekeeping); returns how many.
pub async fn prune(c: &mut AnyConnection, older_than_secs: i64) -> Result<u64> {
    let done = sqlx::query("DELETE FROM rate_limits WHERE window_start < $1")
        .bind(now() - older_than_secs)
        .execute(&mut *c)
        .await?;
    Ok(done.rows_affected())
}

#[cfg(test)]
mod tests {
    #[test]
    fn windows_align() {
        assert_eq!(super::window(1000, 300), (900, 1200));
        assert_eq!(super::window(1200, 300), (1200, 1500));
    }
}
