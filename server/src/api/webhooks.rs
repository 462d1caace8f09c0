//! `/api/v1/webhooks`: endpoints (create, list, read, change, delete, secret
//! reveal and rotation), the actions (send a test event, retry a message,
//! replay failures), the message log with each message's attempts, and
//! delivery analytics. Every operation needs the `webhooks` scope; admins see
//! every endpoint, publishers those of their namespaces (the services decide).

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;
use trellis_platform::{AppError, AppState};
use trellis_types::{
    EndpointIn, EndpointOut, EndpointPatch, EndpointSecretOut, ErrorCode, ListResponse,
    MessageDetailOut, MessageOut, ReplayIn, ReplayOut, RotateSecretIn, WebhookStatsOut,
};
use trellis_webhooks::{endpoints, messages, stats};
use utoipa::IntoParams;

use super::cursor;
use super::extract::{ApiJson, ApiPath, ApiQuery, Caller};
use super::openapi::{Conflict, Unprocessable};
use super::problem::ApiError;

/// The largest body an endpoint's create or change takes.
pub const MAX_BODY: usize = 64 * 1024;

fn empty_is_bad(name: &str, v: &Option<String>) -> Result<(), ApiError> {
    if v.as_deref().is_some_and(str::is_empty) {
        return Err(AppError::new(
            ErrorCode::BadRequest,
            format!("The query parameter `{name}` is empty: leave it out to select everything."),
        )
        .into());
    }
    Ok(())
}

/// Paging of the endpoint list.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct EndpointPage {
    /// Only endpoints of this namespace.
    #[serde(default)]
    #[param(min_length = 1)]
    namespace: Option<String>,
    /// Page size, 1 to 100 (default 50).
    #[serde(default)]
    #[param(minimum = 1, maximum = 100)]
    limit: Option<i64>,
    /// The `next_cursor` of the previous page, unchanged.
    #[serde(default)]
    #[param(min_length = 1, pattern = "^[A-Za-z0-9_]+$")]
    cursor: Option<String>,
}

fn check_cursor(c: &Option<String>) -> Result<(), ApiError> {
    if let Some(c) = c {
        if c.is_empty()
            || c.len() > 64
            || !c.chars().all(|ch| ch.is_ascii_alphanumeric() || ch == '_')
        {
            return Err(AppError::field(
                ErrorCode::BadRequest,
                "cursor",
                "invalid",
                "`cursor` is not a cursor this API gave out: pass `next_cursor` back unchanged.",
            )
            .into());
        }
    }
    Ok(())
}

/// List the webhook endpoints the caller manages, newest first.
#[utoipa::path(
    get,
    path = "/api/v1/webhooks/endpoints",
    operation_id = "v1.webhook.endpoint.list",
    tag = "webhooks",
    params(EndpointPage),
    security(("bearer" = ["webhooks"]), ("session" = [])),
    responses((status = 200, description = "A page of endpoints, each with its health over the last 24 hours.", body = ListResponse<EndpointOut>))
)]
pub async fn list_endpoints(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(p): ApiQuery<EndpointPage>,
) -> Result<Json<ListResponse<EndpointOut>>, ApiError> {
    let limit = cursor::limit(p.limit, 50, endpoints::MAX_PAGE)?;
    empty_is_bad("namespace", &p.namespace)?;
    check_cursor(&p.cursor)?;
    let (data, next_cursor) = endpoints::list(
        &state,
        &caller,
        p.namespace.as_deref(),
        p.cursor.as_deref(),
        limit,
    )
    .await?;
    Ok(Json(ListResponse { data, next_cursor }))
}

/// Create a webhook endpoint (admins: instance-wide or any namespace;
/// publishers: for a namespace they belong to).
#[utoipa::path(
    post,
    path = "/api/v1/webhooks/endpoints",
    operation_id = "v1.webhook.endpoint.create",
    tag = "webhooks",
    request_body = EndpointIn,
    security(("bearer" = ["webhooks"]), ("session" = [])),
    responses(
        (status = 201, description = "Created. Its secret: `GET …/secret`.", body = EndpointOut),
        (status = 409, response = Conflict),
        (status = 422, response = Unprocessable),
    )
)]
pub async fn create_endpoint(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(input): ApiJson<EndpointIn>,
) -> Result<(StatusCode, Json<EndpointOut>), ApiError> {
    Ok((
        StatusCode::CREATED,
        Json(endpoints::create(&state, &caller, input).await?),
    ))
}

/// Get a webhook endpoint.
#[utoipa::path(
    get,
    path = "/api/v1/webhooks/endpoints/{id}",
    operation_id = "v1.webhook.endpoint.get",
    tag = "webhooks",
    params(("id" = String, Path, description = "The endpoint id (`ep_…`).")),
    security(("bearer" = ["webhooks"]), ("session" = [])),
    responses((status = 200, description = "The endpoint.", body = EndpointOut))
)]
pub async fn get_endpoint(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<EndpointOut>, ApiError> {
    Ok(Json(endpoints::get(&state, &caller, &id).await?))
}

/// Change a webhook endpoint (absent fields stay as they are).
#[utoipa::path(
    patch,
    path = "/api/v1/webhooks/endpoints/{id}",
    operation_id = "v1.webhook.endpoint.update",
    tag = "webhooks",
    params(("id" = String, Path, description = "The endpoint id (`ep_…`).")),
    request_body = EndpointPatch,
    security(("bearer" = ["webhooks"]), ("session" = [])),
    responses(
        (status = 200, description = "The endpoint as changed.", body = EndpointOut),
        (status = 422, response = Unprocessable),
    )
)]
pub async fn update_endpoint(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
    ApiJson(patch): ApiJson<EndpointPatch>,
) -> Result<Json<EndpointOut>, ApiError> {
    Ok(Json(endpoints::update(&state, &caller, &id, patch).await?))
}

/// Delete a webhook endpoint with its delivery log.
#[utoipa::path(
    delete,
    path = "/api/v1/webhooks/endpoints/{id}",
    operation_id = "v1.webhook.endpoint.delete",
    tag = "webhooks",
    params(("id" = String, Path, description = "The endpoint id (`ep_…`).")),
    security(("bearer" = ["webhooks"]), ("session" = [])),
    responses((status = 204, description = "Deleted."))
)]
pub async fn delete_endpoint(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
) -> Result<StatusCode, ApiError> {
    endpoints::delete(&state, &caller, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Reveal a webhook endpoint's signing secret.
#[utoipa::path(
    get,
    path = "/api/v1/webhooks/endpoints/{id}/secret",
    operation_id = "v1.webhook.endpoint.secret.get",
    tag = "webhooks",
    params(("id" = String, Path, description = "The endpoint id (`ep_…`).")),
    security(("bearer" = ["webhooks"]), ("session" = [])),
    responses((status = 200, description = "The current secret.", body = EndpointSecretOut))
)]
pub async fn get_secret(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<EndpointSecretOut>, ApiError> {
    Ok(Json(endpoints::secret(&state, &caller, &id).await?))
}

/// Rotate a webhook endpoint's signing secret; the previous one keeps signing
/// for `webhooks.secret_rotation_overlap_secs`.
#[utoipa::path(
    post,
    path = "/api/v1/webhooks/endpoints/{id}/secret/rotate",
    operation_id = "v1.webhook.endpoint.secret.rotate",
    tag = "webhooks",
    params(("id" = String, Path, description = "The endpoint id (`ep_…`).")),
    request_body = RotateSecretIn,
    security(("bearer" = ["webhooks"]), ("session" = [])),
    responses(
        (status = 200, description = "The new secret, and until when the previous one signs too.", body = EndpointSecretOut),
        (status = 422, response = Unprocessable),
    )
)]
pub async fn rotate_secret(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
    ApiJson(input): ApiJson<RotateSecretIn>,
) -> Result<Json<EndpointSecretOut>, ApiError> {
    Ok(Json(endpoints::rotate(&state, &caller, &id, input).await?))
}

/// Send a webhook endpoint a `webhook.test` event (to it alone).
#[utoipa::path(
    post,
    path = "/api/v1/webhooks/endpoints/{id}/test",
    operation_id = "v1.webhook.endpoint.test",
    tag = "webhooks",
    params(("id" = String, Path, description = "The endpoint id (`ep_…`).")),
    security(("bearer" = ["webhooks"]), ("session" = [])),
    responses(
        (status = 201, description = "The test message, queued for delivery now.", body = MessageOut),
        (status = 409, response = Conflict),
    )
)]
pub async fn send_test(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
) -> Result<(StatusCode, Json<MessageOut>), ApiError> {
    Ok((
        StatusCode::CREATED,
        Json(messages::send_test(&state, &caller, &id).await?),
    ))
}

/// Send again every message of a webhook endpoint that failed since a time.
#[utoipa::path(
    post,
    path = "/api/v1/webhooks/endpoints/{id}/replay",
    operation_id = "v1.webhook.endpoint.replay",
    tag = "webhooks",
    params(("id" = String, Path, description = "The endpoint id (`ep_…`).")),
    request_body = ReplayIn,
    security(("bearer" = ["webhooks"]), ("session" = [])),
    responses(
        (status = 200, description = "How many failed messages were queued again.", body = ReplayOut),
        (status = 409, response = Conflict),
        (status = 422, response = Unprocessable),
    )
)]
pub async fn replay(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
    ApiJson(input): ApiJson<ReplayIn>,
) -> Result<Json<ReplayOut>, ApiError> {
    Ok(Json(
        messages::replay(&state, &caller, &id, input.since).await?,
    ))
}

/// The analytics window.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct StatsWindow {
    /// `1h`, `24h` (default), `7d` or `30d`.
    #[serde(default)]
    #[param(pattern = "^(1h|24h|7d|30d)$")]
    window: Option<String>,
}

/// Delivery analytics of one webhook endpoint.
#[utoipa::path(
    get,
    path = "/api/v1/webhooks/endpoints/{id}/stats",
    operation_id = "v1.webhook.endpoint.stats",
    tag = "webhooks",
    params(("id" = String, Path, description = "The endpoint id (`ep_…`)."), StatsWindow),
    security(("bearer" = ["webhooks"]), ("session" = [])),
    responses((status = 200, description = "Success rate, latency percentiles, failures by reason and a time series.", body = WebhookStatsOut))
)]
pub async fn endpoint_stats(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
    ApiQuery(w): ApiQuery<StatsWindow>,
) -> Result<Json<WebhookStatsOut>, ApiError> {
    let window = w.window.unwrap_or_else(|| "24h".into());
    Ok(Json(
        stats::stats(&state, &caller, Some(&id), &window).await?,
    ))
}

/// Delivery analytics over every endpoint the caller manages.
#[utoipa::path(
    get,
    path = "/api/v1/webhooks/stats",
    operation_id = "v1.webhook.stats",
    tag = "webhooks",
    params(StatsWindow),
    security(("bearer" = ["webhooks"]), ("session" = [])),
    responses((status = 200, description = "Success rate, latency percentiles, failures by reason and a time series.", body = WebhookStatsOut))
)]
pub async fn all_stats(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(w): ApiQuery<StatsWindow>,
) -> Result<Json<WebhookStatsOut>, ApiError> {
    let window = w.window.unwrap_or_else(|| "24h".into());
    Ok(Json(stats::stats(&state, &caller, None, &window).await?))
}

/// What to list from the message log.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct MessagePage {
    /// Only this endpoint's messages.
    #[serde(default)]
    #[param(min_length = 1)]
    endpoint_id: Option<String>,
    /// Only messages of this event (`evt_…`).
    #[serde(default)]
    #[param(min_length = 1)]
    event_id: Option<String>,
    /// An event type, or `plugin.*` for every type under `plugin.`.
    #[serde(default, rename = "type")]
    #[param(rename = "type", pattern = "^[a-z_.*]+$")]
    kind: Option<String>,
    /// `pending`, `delivered` or `failed`.
    #[serde(default)]
    #[param(pattern = "^(pending|delivered|failed)$")]
    state: Option<String>,
    /// Only messages created at or after this time (unix seconds).
    #[serde(default)]
    #[param(minimum = 0)]
    since: Option<i64>,
    /// Page size, 1 to 100 (default 50).
    #[serde(default)]
    #[param(minimum = 1, maximum = 100)]
    limit: Option<i64>,
    /// The `next_cursor` of the previous page, unchanged.
    #[serde(default)]
    #[param(min_length = 1, pattern = "^[A-Za-z0-9_]+$")]
    cursor: Option<String>,
}

/// List webhook messages (one event for one endpoint), newest first.
#[utoipa::path(
    get,
    path = "/api/v1/webhooks/messages",
    operation_id = "v1.webhook.message.list",
    tag = "webhooks",
    params(MessagePage),
    security(("bearer" = ["webhooks"]), ("session" = [])),
    responses((status = 200, description = "A page of messages, newest first.", body = ListResponse<MessageOut>))
)]
pub async fn list_messages(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(p): ApiQuery<MessagePage>,
) -> Result<Json<ListResponse<MessageOut>>, ApiError> {
    let limit = cursor::limit(p.limit, 50, messages::MAX_PAGE)?;
    for (name, v) in [
        ("endpoint_id", &p.endpoint_id),
        ("event_id", &p.event_id),
        ("type", &p.kind),
        ("state", &p.state),
    ] {
        empty_is_bad(name, v)?;
    }
    check_cursor(&p.cursor)?;
    if p.since.is_some_and(|s| s < 0) {
        return Err(AppError::new(
            ErrorCode::BadRequest,
            "The query parameter `since` must be a time in unix seconds (0 or more).",
        )
        .into());
    }
    let q = messages::MessageQuery {
        endpoint_id: p.endpoint_id,
        event_id: p.event_id,
        event_type: p.kind,
        state: p.state,
        since: p.since,
    };
    let (data, next_cursor) =
        messages::list(&state, &caller, &q, p.cursor.as_deref(), limit).await?;
    Ok(Json(ListResponse { data, next_cursor }))
}

/// Get a webhook message with every delivery attempt.
#[utoipa::path(
    get,
    path = "/api/v1/webhooks/messages/{id}",
    operation_id = "v1.webhook.message.get",
    tag = "webhooks",
    params(("id" = String, Path, description = "The message id (`msg_…`).")),
    security(("bearer" = ["webhooks"]), ("session" = [])),
    responses((status = 200, description = "The message and its attempts, oldest first.", body = MessageDetailOut))
)]
pub async fn get_message(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<MessageDetailOut>, ApiError> {
    Ok(Json(messages::get(&state, &caller, &id).await?))
}

/// Send a webhook message again now, with a fresh retry schedule.
#[utoipa::path(
    post,
    path = "/api/v1/webhooks/messages/{id}/retry",
    operation_id = "v1.webhook.message.retry",
    tag = "webhooks",
    params(("id" = String, Path, description = "The message id (`msg_…`).")),
    security(("bearer" = ["webhooks"]), ("session" = [])),
    responses(
        (status = 200, description = "The message, queued again.", body = MessageOut),
        (status = 409, response = Conflict),
    )
)]
pub async fn retry_message(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<MessageOut>, ApiError> {
    Ok(Json(messages::retry(&state, &caller, &id).await?))
}
