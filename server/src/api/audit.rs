//! `GET /api/v1/admin/audit-log`: the security-relevant events of the event
//! log (trellis-moderation's `AUDITED` types), by who acted, action and time,
//! newest first (admins).

use axum::extract::State;
use axum::Json;
use serde::Deserialize;
use trellis_db::events::Position;
use trellis_moderation::{audit, AuditQuery};
use trellis_platform::{AppError, AppState};
use trellis_types::{ErrorCode, EventOut, ListResponse};
use utoipa::IntoParams;

use super::cursor;
use super::extract::{ApiQuery, Caller};
use super::moderation::not_empty;
use super::openapi::Unprocessable;
use super::problem::ApiError;

/// The audit log's filters and page.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct AuditPage {
    /// The user name of who acted. For `user.sign_in_failed` that is the
    /// account whose password was tried.
    #[serde(default)]
    #[param(min_length = 1)]
    actor: Option<String>,
    /// An audited event type (`token.created`) or a prefix of them (`token.*`).
    #[serde(default)]
    #[param(min_length = 1, max_length = 80)]
    action: Option<String>,
    /// Only events at or after this time (RFC 3339, e.g. `2026-12-01T00:00:00Z`).
    #[serde(default)]
    #[param(min_length = 1)]
    since: Option<String>,
    /// Only events before this time (RFC 3339).
    #[serde(default)]
    #[param(min_length = 1)]
    until: Option<String>,
    /// Page size, 1 to 200 (default 50).
    #[serde(default)]
    #[param(minimum = 1, maximum = 200)]
    limit: Option<i64>,
    /// The `next_cursor` of the previous page, unchanged.
    #[serde(default)]
    #[param(min_length = 1, pattern = "^[A-Za-z0-9_-]+$")]
    cursor: Option<String>,
}

fn time(name: &str, v: Option<&str>) -> Result<Option<i64>, ApiError> {
    v.map(|s| {
        audit::parse_time(s).ok_or_else(|| {
            AppError::new(
                ErrorCode::BadRequest,
                format!(
                    "The query parameter `{name}` is not an RFC 3339 time \
                     (such as 2026-12-01T09:30:00Z)."
                ),
            )
            .into()
        })
    })
    .transpose()
}

/// List the audit log (admins): sign-ins and their failures, account changes,
/// tokens created, revoked and used, publishing and yanking, namespace roles
/// and keys, webhook endpoint changes and moderation, newest first. It reads
/// the event log, so it reaches back as far as the log is kept.
#[utoipa::path(
    get,
    path = "/api/v1/admin/audit-log",
    operation_id = "v1.admin.audit_log.list",
    tag = "admin",
    params(AuditPage),
    security(("bearer" = ["admin"]), ("session" = [])),
    responses(
        (status = 200, description = "A page of the audit log, newest first.", body = ListResponse<EventOut>),
        (status = 422, response = Unprocessable),
    )
)]
pub async fn list_audit_log(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(p): ApiQuery<AuditPage>,
) -> Result<Json<ListResponse<EventOut>>, ApiError> {
    let limit = cursor::limit(p.limit, 50, 200)?;
    let before = p
        .cursor
        .as_deref()
        .map(cursor::decode_position)
        .transpose()?
        .map(|(tx, seq)| Position { tx, seq });
    for (name, v) in [
        ("actor", &p.actor),
        ("action", &p.action),
        ("since", &p.since),
        ("until", &p.until),
    ] {
        not_empty(name, v)?;
    }
    let q = AuditQuery {
        actor: p.actor,
        action: p.action,
        since: time("since", p.since.as_deref())?,
        until: time("until", p.until.as_deref())?,
    };
    let (data, next) = trellis_moderation::audit_log(&state, &caller, &q, before, limit).await?;
    let next_cursor = next.map(|p| cursor::encode_position(p.tx, p.seq));
    Ok(Json(ListResponse { data, next_cursor }))
}
