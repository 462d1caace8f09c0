//! `/api/v1/admin/*`: instance administration (admin role + admin scope): the
//! user list and the event bus's health. Moderation (`/admin/reports`,
//! disabling users) is in `moderation.rs`, the audit log in `audit.rs`.

use axum::extract::State;
use axum::Json;
use serde::Deserialize;
use trellis_platform::{events, AppState};
use trellis_types::{AdminUserOut, EventBusOut, ListResponse};
use utoipa::IntoParams;

use super::cursor;
use super::extract::{ApiQuery, Caller};
use super::problem::ApiError;

/// A page of the user list, with a search.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct UserPage {
    /// Only users whose name contains this (case-insensitive).
    #[serde(default)]
    #[param(min_length = 1)]
    q: Option<String>,
    /// Page size, 1 to 500 (default 50).
    #[serde(default)]
    #[param(minimum = 1, maximum = 500)]
    limit: Option<i64>,
    /// The `next_cursor` of the previous page, unchanged.
    #[serde(default)]
    #[param(min_length = 1, pattern = "^[A-Za-z0-9_-]+$")]
    cursor: Option<String>,
}

/// List users, newest first, with whether each is disabled (admins).
#[utoipa::path(
    get,
    path = "/api/v1/admin/users",
    operation_id = "v1.admin.user.list",
    tag = "admin",
    params(UserPage),
    security(("bearer" = ["admin"]), ("session" = [])),
    responses((status = 200, description = "A page of users, newest first.", body = ListResponse<AdminUserOut>))
)]
pub async fn list_users(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(p): ApiQuery<UserPage>,
) -> Result<Json<ListResponse<AdminUserOut>>, ApiError> {
    let limit = cursor::limit(p.limit, 50, 500)?;
    let offset = p
        .cursor
        .as_deref()
        .map(cursor::decode)
        .transpose()?
        .unwrap_or(0);
    super::moderation::not_empty("q", &p.q)?;
    let q = p.q.unwrap_or_default();
    let data = trellis_moderation::list_users(&state, &caller, &q, limit, offset).await?;
    let next_cursor = cursor::next(data.len(), limit, || offset + limit);
    Ok(Json(ListResponse { data, next_cursor }))
}

/// Get the health of the event bus (admins): the job queue by state, the
/// newest failed jobs, the log's followers and how far behind each is, events
/// per type in the log and the log's head.
#[utoipa::path(
    get,
    path = "/api/v1/admin/event-bus",
    operation_id = "v1.admin.event_bus.get",
    tag = "admin",
    security(("bearer" = ["admin"]), ("session" = [])),
    responses((status = 200, description = "The event bus at a glance.", body = EventBusOut))
)]
pub async fn get_event_bus(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<EventBusOut>, ApiError> {
    Ok(Json(events::bus_health(&state, &caller).await?))
}
