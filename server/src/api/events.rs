//! The event bus over REST: the event catalogue and the event log.

use axum::extract::State;
use axum::Json;
use serde::Deserialize;
use trellis_db::events::Position;
use trellis_platform::events::{self, EventQuery};
use trellis_platform::{AppError, AppState};
use trellis_types::{ErrorCode, EventOut, EventTypeOut, ListResponse};
use utoipa::IntoParams;

use super::cursor;
use super::extract::{ApiPath, ApiQuery, Caller};
use super::openapi::Unprocessable;
use super::problem::ApiError;

/// List every event type with the JSON Schema of its data and an example.
#[utoipa::path(
    get,
    path = "/api/v1/event-types",
    operation_id = "v1.event_type.list",
    tag = "events",
    responses((status = 200, description = "The event catalogue.", body = ListResponse<EventTypeOut>))
)]
pub async fn list_event_types() -> Json<ListResponse<EventTypeOut>> {
    Json(ListResponse::all(events::event_types()))
}

/// What to list from the event log.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct EventPage {
    /// Event types, comma-separated; `plugin.*` selects every type under `plugin.`.
    #[serde(default, rename = "type")]
    #[param(rename = "type", pattern = "^[a-z_.*]+(,[a-z_.*]+)*$")]
    kind: Option<String>,
    /// `kind:id`, e.g. `plugin:acme.kanban` or `namespace:acme`.
    #[serde(default)]
    #[param(min_length = 3)]
    subject: Option<String>,
    /// Only events of this namespace.
    #[serde(default)]
    #[param(min_length = 1)]
    namespace: Option<String>,
    /// Only events at or after this time (unix milliseconds).
    #[serde(default)]
    #[param(minimum = 0)]
    since: Option<i64>,
    /// Only events before this time (unix milliseconds).
    #[serde(default)]
    #[param(minimum = 0)]
    until: Option<i64>,
    /// Page size, 1 to 200 (default 50).
    #[serde(default)]
    #[param(minimum = 1, maximum = 200)]
    limit: Option<i64>,
    /// The `next_cursor` of the previous page, unchanged.
    #[serde(default)]
    #[param(min_length = 1, pattern = "^[A-Za-z0-9_-]+$")]
    cursor: Option<String>,
}

/// List the event log, newest first: admins (with the `admin` scope) see every
/// event, everyone else the events of the namespaces they belong to.
#[utoipa::path(
    get,
    path = "/api/v1/events",
    operation_id = "v1.event.list",
    tag = "events",
    params(EventPage),
    security(("bearer" = ["read"]), ("session" = [])),
    responses(
        (status = 200, description = "A page of the event log, newest first.", body = ListResponse<EventOut>),
        (status = 422, response = Unprocessable),
    )
)]
pub async fn list_events(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(p): ApiQuery<EventPage>,
) -> Result<Json<ListResponse<EventOut>>, ApiError> {
    let limit = cursor::limit(p.limit, 50, 200)?;
    let before = p
        .cursor
        .as_deref()
        .map(cursor::decode_position)
        .transpose()?
        .map(|(tx, seq)| Position { tx, seq });
    for (name, v) in [
        ("namespace", &p.namespace),
        ("subject", &p.subject),
        ("type", &p.kind),
    ] {
        if v.as_deref().is_some_and(str::is_empty) {
            return Err(AppError::new(
                ErrorCode::BadRequest,
                format!(
                    "The query parameter `{name}` is empty: leave it out to select everything."
                ),
            )
            .into());
        }
    }
    for (name, v) in [("since", p.since), ("until", p.until)] {
        if v.is_some_and(|t| t < 0) {
            return Err(AppError::new(
                ErrorCode::BadRequest,
                format!(
                    "The query parameter `{name}` must be a time in unix milliseconds (0 or more)."
                ),
            )
            .into());
        }
    }
    if let (Some(a), Some(b)) = (p.since, p.until) {
        if a >= b {
            return Err(AppError::new(
                ErrorCode::BadRequest,
                "The query parameter `until` must be later than `since`.",
            )
            .into());
        }
    }
    let q = EventQuery {
        types: p
            .kind
            .as_deref()
            .map(|t| t.split(',').map(str::to_owned).collect())
            .unwrap_or_default(),
        subject: p.subject,
        namespace: p.namespace,
        since: p.since,
        until: p.until,
    };
    let (data, next) = events::list_events(&state, &caller, &q, before, limit).await?;
    let next_cursor = next.map(|p| cursor::encode_position(p.tx, p.seq));
    Ok(Json(ListResponse { data, next_cursor }))
}

/// Get one event of the log.
#[utoipa::path(
    get,
    path = "/api/v1/events/{id}",
    operation_id = "v1.event.get",
    tag = "events",
    params(("id" = String, Path, description = "The event id (`evt_…`).")),
    security(("bearer" = ["read"]), ("session" = [])),
    responses((status = 200, description = "The event.", body = EventOut))
)]
pub async fn get_event(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<EventOut>, ApiError> {
    Ok(Json(events::get_event(&state, &caller, &id).await?))
}
