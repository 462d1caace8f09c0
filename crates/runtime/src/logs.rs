//! Each installation's log: the lines a plugin writes with `trellis_log` and
//! the lines the host writes about it (failed calls, dropped lines, the
//! breaker). Kept per installation up to `plugins.log_lines_kept` (older lines
//! are deleted as new ones come), read newest first with level filters.

use trellis_platform::{Actor, AppResult, AppState};
use trellis_types::{LogLineOut, LogPageOut};

use crate::Runtime;

/// Levels, lowest first.
pub const LEVELS: [&str; 4] = ["debug", "info", "warn", "error"];

/// Appends lines and trims the log to its bound.
pub(crate) async fn append(
    state: &AppState,
    installation: &str,
    lines: &[(i64, String, String)],
) -> AppResult<()> {
    if lines.is_empty() {
        return Ok(());
    }
    let mut tx = state.db.begin().await?;
    // The installation may be gone (uninstalled during the call).
    if trellis_db::installations::by_id(&mut tx, installation)
        .await?
        .is_none()
    {
        return Ok(());
    }
    trellis_db::plugin_data::append_logs(&mut tx, installation, lines).await?;
    trellis_db::plugin_data::trim_logs(&mut tx, installation, state.config.plugins.log_lines_kept)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// The levels at or above `min` (`debug` shows everything).
pub fn at_least(min: &str) -> Vec<&'static str> {
    let from = LEVELS.iter().position(|l| *l == min).unwrap_or(0);
    LEVELS[from..].to_vec()
}

/// A page of an installation's log, newest first: lines at `min_level` or
/// above, older than line `before` when given.
pub async fn page(
    rt: &Runtime,
    actor: &Actor,
    installation: &str,
    min_level: Option<&str>,
    before: Option<i64>,
    limit: i64,
) -> AppResult<LogPageOut> {
    let row = crate::configure::installation_for(rt, actor, installation, false).await?;
    let levels = at_least(min_level.unwrap_or("debug"));
    let limit = limit.clamp(1, 500);
    let mut rows = trellis_db::plugin_data::logs(
        &mut *rt.state.db.conn().await?,
        &row.id,
        &levels,
        before,
        limit + 1,
    )
    .await?;
    let more = rows.len() as i64 > limit;
    rows.truncate(limit as usize);
    Ok(LogPageOut {
        next_before: more.then(|| rows.last().map(|r| r.id)).flatten(),
        lines: rows
            .into_iter()
            .map(|r| LogLineOut {
                id: r.id,
                at: r.at,
                level: r.level,
                message: r.message,
            })
            .collect(),
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn level_filters_keep_what_is_at_least_as_severe() {
        assert_eq!(super::at_least("warn"), vec!["warn", "error"]);
        assert_eq!(super::at_least("debug").len(), 4);
        assert_eq!(super::at_least("nonsense").len(), 4);
    }
}
