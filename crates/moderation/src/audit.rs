//! The audit log (admins): the security-relevant events of the event log
//! ([`AUDITED`]: sign-ins and their failures, accounts, tokens created,
//! revoked and used, publishing and yanking, namespaces' members and keys,
//! webhook endpoints, moderation), filtered by who acted, by type (or a
//! prefix, `token.*`) and by time, newest first. It reads the event log, so it
//! reaches back as far as the log is kept (`events.retention_days`).

use trellis_db::audit::{self as db, AuditFilter};
use trellis_db::events::Position;
use trellis_platform::{Actor, AppError, AppResult, AppState};
use trellis_types::{ErrorCode, EventOut};

/// The event types the audit log shows.
pub const AUDITED: [&str; 34] = [
    "user.created",
    "user.signed_in",
    "user.sign_in_failed",
    "user.disabled",
    "user.enabled",
    "token.created",
    "token.revoked",
    "token.used",
    "plugin.published",
    "plugin.version.published",
    "plugin.version.yanked",
    "plugin.version.unyanked",
    "plugin.deprecated",
    "plugin.undeprecated",
    "plugin.deleted",
    "plugin.delisted",
    "plugin.relisted",
    "namespace.created",
    "namespace.updated",
    "namespace.member.invited",
    "namespace.member.added",
    "namespace.member.role_changed",
    "namespace.member.removed",
    "namespace.key.added",
    "namespace.key.removed",
    "webhook.endpoint.created",
    "webhook.endpoint.updated",
    "webhook.endpoint.deleted",
    "webhook.endpoint.secret_rotated",
    "webhook.endpoint.disabled",
    "review.hidden",
    "review.restored",
    "review.deleted",
    "report.dismissed",
];

/// What to select from the audit log.
#[derive(Debug, Clone, Default)]
pub struct AuditQuery {
    /// The user name of who acted.
    pub actor: Option<String>,
    /// An audited type, or a prefix written `token.*`.
    pub action: Option<String>,
    /// Unix milliseconds, inclusive.
    pub since: Option<i64>,
    /// Unix milliseconds, exclusive.
    pub until: Option<i64>,
}

/// The audited types `action` selects (every one when `None`), or a `422`.
pub fn audited_types(action: Option<&str>) -> AppResult<Vec<String>> {
    let Some(a) = action.map(str::trim).filter(|a| !a.is_empty()) else {
        return Ok(AUDITED.iter().map(|t| (*t).to_owned()).collect());
    };
    let types: Vec<String> = match a.strip_suffix('*') {
        Some(prefix) if prefix.ends_with('.') => AUDITED
            .iter()
            .filter(|t| t.starts_with(prefix))
            .map(|t| (*t).to_owned())
            .collect(),
        Some(_) => Vec::new(),
        None => AUDITED
            .iter()
            .filter(|t| **t == a)
            .map(|t| (*t).to_owned())
            .collect(),
    };
    if types.is_empty() {
        return Err(AppError::field(
            ErrorCode::ValidationFailed,
            "action",
            "unknown",
            format!(
                "`{}` is not an audited action: name one of the audit log's event types \
                 (such as `token.created`) or a prefix of them (such as `token.*`).",
                a.chars().take(60).collect::<String>()
            ),
        ));
    }
    Ok(types)
}

/// A page of the audit log, newest first, strictly before `before`; with the
/// position to continue from when the page was full (admins).
pub async fn audit_log(
    state: &AppState,
    actor: &Actor,
    q: &AuditQuery,
    before: Option<Position>,
    limit: i64,
) -> AppResult<(Vec<EventOut>, Option<Position>)> {
    actor.require_admin()?;
    let types = audited_types(q.action.as_deref())?;
    if let (Some(a), Some(b)) = (q.since, q.until) {
        if a >= b {
            return Err(AppError::field(
                ErrorCode::ValidationFailed,
                "until",
                "before_since",
                "`until` must be later than `since`.",
            ));
        }
    }
    let mut c = state.db.conn().await?;
    let actor_user_id = match q.actor.as_deref().map(str::trim).filter(|a| !a.is_empty()) {
        Some(name) => Some(
            trellis_db::users::by_name(&mut c, &name.to_ascii_lowercase())
                .await?
                .ok_or_else(|| {
                    AppError::field(
                        ErrorCode::ValidationFailed,
                        "actor",
                        "unknown",
                        format!(
                            "No user is named `{}`.",
                            name.chars().take(40).collect::<String>()
                        ),
                    )
                })?
                .id,
        ),
        None => None,
    };
    let filter = AuditFilter {
        types,
        actor_user_id,
        since: q.since,
        until: q.until,
    };
    let limit = limit.clamp(1, 500);
    let rows = db::list(&mut c, &filter, before, limit).await?;
    let next = (rows.len() as i64 >= limit)
        .then(|| rows.last().map(|r| r.position))
        .flatten();
    let out = rows
        .iter()
        .map(trellis_events::to_out)
        .collect::<Result<Vec<_>, _>>()?;
    Ok((out, next))
}

/// An RFC 3339 time (`2026-12-01T09:30:00Z`) as unix milliseconds.
pub fn parse_time(v: &str) -> Option<i64> {
    time::OffsetDateTime::parse(v.trim(), &time::format_description::well_known::Rfc3339)
        .ok()
        .map(|t| (t.unix_timestamp_nanos() / 1_000_000) as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_audited_type_is_in_the_catalogue() {
        for t in AUDITED {
            assert!(trellis_events::catalogue::is_known_type_or_prefix(t), "{t}");
        }
    }

    #[test]
    fn actions_select_types_or_prefixes() {
        assert_eq!(audited_types(Some("token.*")).unwrap().len(), 3);
        assert_eq!(
            audited_types(Some("user.signed_in")).unwrap(),
            ["user.signed_in"]
        );
        assert_eq!(audited_types(None).unwrap().len(), AUDITED.len());
        for bad in ["review.voted", "token", "token*", "nope.*", "*"] {
            let e = audited_types(Some(bad)).unwrap_err();
            assert_eq!(e.errors[0].field, "action", "{bad}");
        }
        assert_eq!(parse_time("1970-01-01T00:00:01Z"), Some(1000));
        assert_eq!(parse_time("1970-01-01T01:00:00+01:00"), Some(0));
        assert_eq!(parse_time("2026-12-01"), None);
    }
}
