//! `/api/v1/admin/*`: instance administration (admin role + admin scope).

use axum::extract::State;
use axum::Json;
use serde::Deserialize;
use trellis_platform::{accounts, events, AppState};
use trellis_types::{EventBusOut, ListResponse, UserOut};
use utoipa::IntoParams;

use super::cursor;
use super::extract::{ApiQuery, Caller};
use super::problem::ApiError;

/// A page of a list.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Page {
    /// Page size, 1 to 500 (default 50).
    #[serde(default)]
    #[param(minimum = 1, maximum = 500)]
    limit: Option<i64>,
    /// The `next_cursor` of the previous page, unchanged.
    #[serde(default)]
    #[param(min_length = 1, pattern = "^[A-Za-z0-9_-]+$")]
    cursor: Option<String>,
}

/// List every user, newest first (admins).
#[utoipa::path(
    get,
    path = "/api/v1/admin/users",
    operation_id = "v1.admin.user.list",
    tag = "admin",
    params(Page),
    security(("bearer" = ["admin"]), ("session" = [])),
    responses((status = 200, description = "A page of users, newest first.", body = ListResponse<UserOut>))
)]
pub async fn list_users(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(p): ApiQuery<Page>,
) -> Result<Json<ListResponse<UserOut>>, ApiError> {
    let limit = cursor::limit(p.limit, 50, 500)?;
    let offset = p
        .cursor
        .as_deref()
        .map(cursor::decode)
        .transpose()?
        .unwrap_or(0);
    let data = accounts::list_users(&state, &caller, limit, offset).await?;
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
