//! Moderation over REST (trellis-moderation decides who may do what):
//! reporting a plugin (`POST /plugins/{id}/reports`), a plugin's delisting
//! (public `GET`, admins `PUT` / `DELETE` on `/plugins/{id}/delisting`), hiding
//! a review (admins, `PUT` / `DELETE` on `/plugins/{id}/reviews/{review_id}/hidden`),
//! the moderation queue and dismissals (`/admin/reports`), and disabling
//! accounts (admins, `PUT` / `DELETE` on `/admin/users/{username}/disabled`).

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;
use trellis_db::moderation::Kind;
use trellis_moderation as moderation;
use trellis_platform::{AppError, AppState};
use trellis_types::{
    AdminUserOut, DelistingOut, DismissOut, ErrorCode, ListResponse, ModerationIn, PluginReportIn,
    PluginReportOut, ReportedOut, ReviewOut,
};
use utoipa::{IntoParams, ToSchema};

use super::cursor;
use super::extract::{ApiJson, ApiPath, ApiQuery, Caller};
use super::openapi::{Conflict, Unprocessable};
use super::problem::ApiError;

/// The largest body a moderation write takes (a 1000-character text is at most 4 KB).
pub const MAX_BODY: usize = 16 * 1024;

/// Report a plugin to the moderators (once; not a plugin of one's own namespaces).
#[utoipa::path(
    post,
    path = "/api/v1/plugins/{id}/reports",
    operation_id = "v1.plugin.report.create",
    tag = "moderation",
    params(("id" = String, Path, description = "The plugin id, `namespace.name`.")),
    request_body = PluginReportIn,
    security(("bearer" = ["publish"]), ("session" = [])),
    responses(
        (status = 201, description = "The report, as recorded.", body = PluginReportOut),
        (status = 409, response = Conflict),
        (status = 422, response = Unprocessable),
    )
)]
pub async fn report_plugin(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
    ApiJson(input): ApiJson<PluginReportIn>,
) -> Result<(StatusCode, Json<PluginReportOut>), ApiError> {
    Ok((
        StatusCode::CREATED,
        Json(moderation::report_plugin(&state, &caller, &id, input).await?),
    ))
}

/// Get a plugin's delisting (404 when the plugin is listed).
#[utoipa::path(
    get,
    path = "/api/v1/plugins/{id}/delisting",
    operation_id = "v1.plugin.delisting.get",
    tag = "moderation",
    params(("id" = String, Path, description = "The plugin id, `namespace.name`.")),
    responses((status = 200, description = "Why and since when the plugin is delisted.", body = DelistingOut))
)]
pub async fn get_delisting(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<DelistingOut>, ApiError> {
    moderation::delisting(&state, &id)
        .await?
        .map(Json)
        .ok_or_else(|| AppError::not_found(format!("A delisting of `{id}`")).into())
}

/// Delist a plugin with a public reason (admins): it leaves search, listings
/// and feeds; its page, versions and downloads stay.
#[utoipa::path(
    put,
    path = "/api/v1/plugins/{id}/delisting",
    operation_id = "v1.plugin.delisting.put",
    tag = "moderation",
    params(("id" = String, Path, description = "The plugin id, `namespace.name`.")),
    request_body = ModerationIn,
    security(("bearer" = ["admin"]), ("session" = [])),
    responses(
        (status = 200, description = "The delisting.", body = DelistingOut),
        (status = 422, response = Unprocessable),
    )
)]
pub async fn put_delisting(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
    ApiJson(input): ApiJson<ModerationIn>,
) -> Result<Json<DelistingOut>, ApiError> {
    Ok(Json(moderation::delist(&state, &caller, &id, input).await?))
}

/// List a delisted plugin again (admins).
#[utoipa::path(
    delete,
    path = "/api/v1/plugins/{id}/delisting",
    operation_id = "v1.plugin.delisting.delete",
    tag = "moderation",
    params(("id" = String, Path, description = "The plugin id, `namespace.name`.")),
    security(("bearer" = ["admin"]), ("session" = [])),
    responses((status = 204, description = "The plugin is listed."))
)]
pub async fn delete_delisting(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
) -> Result<StatusCode, ApiError> {
    moderation::relist(&state, &caller, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Hide a review with a reason its author reads (admins): it leaves the
/// lists and the rating.
#[utoipa::path(
    put,
    path = "/api/v1/plugins/{id}/reviews/{review_id}/hidden",
    operation_id = "v1.plugin.review.hide",
    tag = "moderation",
    params(
        ("id" = String, Path, description = "The plugin id, `namespace.name`."),
        ("review_id" = i64, Path, description = "The review id."),
    ),
    request_body = ModerationIn,
    security(("bearer" = ["admin"]), ("session" = [])),
    responses(
        (status = 200, description = "The review, with its `hidden` note.", body = ReviewOut),
        (status = 422, response = Unprocessable),
    )
)]
pub async fn put_hidden(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath((id, review_id)): ApiPath<(String, i64)>,
    ApiJson(input): ApiJson<ModerationIn>,
) -> Result<Json<ReviewOut>, ApiError> {
    caller.require_admin()?;
    same_plugin(&state, &id, review_id).await?;
    Ok(Json(
        moderation::hide_review(&state, &caller, review_id, input).await?,
    ))
}

/// Show a hidden review again (admins).
#[utoipa::path(
    delete,
    path = "/api/v1/plugins/{id}/reviews/{review_id}/hidden",
    operation_id = "v1.plugin.review.restore",
    tag = "moderation",
    params(
        ("id" = String, Path, description = "The plugin id, `namespace.name`."),
        ("review_id" = i64, Path, description = "The review id."),
    ),
    security(("bearer" = ["admin"]), ("session" = [])),
    responses((status = 204, description = "The review is visible."))
)]
pub async fn delete_hidden(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath((id, review_id)): ApiPath<(String, i64)>,
) -> Result<StatusCode, ApiError> {
    caller.require_admin()?;
    same_plugin(&state, &id, review_id).await?;
    moderation::restore_review(&state, &caller, review_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The review must be one of the plugin the path names.
async fn same_plugin(state: &AppState, plugin: &str, review_id: i64) -> Result<(), ApiError> {
    let mut c = state.db.conn().await.map_err(AppError::from)?;
    match trellis_db::moderation::review_plugin(&mut c, review_id)
        .await
        .map_err(AppError::from)?
    {
        Some(p) if p == plugin => Ok(()),
        _ => Err(AppError::not_found(format!("Review {review_id} of `{plugin}`")).into()),
    }
}

/// Open or resolved reports.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ReportState {
    Open,
    Resolved,
}

/// What was reported.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ReportKind {
    Review,
    Plugin,
}

/// The queue's filter and page.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ReportPage {
    /// `open` (default) or `resolved`.
    #[serde(default)]
    #[param(inline)]
    state: Option<ReportState>,
    /// `review` or `plugin`; absent: both.
    #[serde(default)]
    #[param(inline)]
    kind: Option<ReportKind>,
    /// Page size, 1 to 100 (default 50).
    #[serde(default)]
    #[param(minimum = 1, maximum = 100)]
    limit: Option<i64>,
    /// The `next_cursor` of the previous page, unchanged.
    #[serde(default)]
    #[param(min_length = 1, pattern = "^[A-Za-z0-9_-]+$")]
    cursor: Option<String>,
}

/// List the moderation queue (admins): reported reviews and plugins grouped
/// per target with their reports' count, reasons and latest text; open ones
/// by latest report, resolved ones by latest resolution, newest first.
#[utoipa::path(
    get,
    path = "/api/v1/admin/reports",
    operation_id = "v1.admin.report.list",
    tag = "moderation",
    params(ReportPage),
    security(("bearer" = ["admin"]), ("session" = [])),
    responses((status = 200, description = "A page of reported targets.", body = ListResponse<ReportedOut>))
)]
pub async fn list_reports(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(p): ApiQuery<ReportPage>,
) -> Result<Json<ListResponse<ReportedOut>>, ApiError> {
    let limit = cursor::limit(p.limit, 50, moderation::MAX_PAGE)?;
    let offset = p
        .cursor
        .as_deref()
        .map(cursor::decode)
        .transpose()?
        .unwrap_or(0);
    let q = moderation::QueueQuery {
        open: !matches!(p.state, Some(ReportState::Resolved)),
        kind: p.kind.map(|k| match k {
            ReportKind::Review => Kind::Review,
            ReportKind::Plugin => Kind::Plugin,
        }),
    };
    let data = moderation::queue(&state, &caller, q, offset, limit).await?;
    let next_cursor = cursor::next(data.len(), limit, || offset + limit);
    Ok(Json(ListResponse { data, next_cursor }))
}

/// Dismiss the open reports of a review (admins); the review stays as it is.
#[utoipa::path(
    post,
    path = "/api/v1/admin/reports/reviews/{review_id}/dismiss",
    operation_id = "v1.admin.report.dismiss_review",
    tag = "moderation",
    params(("review_id" = i64, Path, description = "The review id.")),
    security(("bearer" = ["admin"]), ("session" = [])),
    responses(
        (status = 200, description = "How many reports were dismissed.", body = DismissOut),
        (status = 409, response = Conflict),
    )
)]
pub async fn dismiss_review_reports(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(review_id): ApiPath<i64>,
) -> Result<Json<DismissOut>, ApiError> {
    Ok(Json(
        moderation::dismiss_review_reports(&state, &caller, review_id).await?,
    ))
}

/// Dismiss the open reports of a plugin (admins); the plugin stays as it is.
#[utoipa::path(
    post,
    path = "/api/v1/admin/reports/plugins/{id}/dismiss",
    operation_id = "v1.admin.report.dismiss_plugin",
    tag = "moderation",
    params(("id" = String, Path, description = "The plugin id, `namespace.name`.")),
    security(("bearer" = ["admin"]), ("session" = [])),
    responses(
        (status = 200, description = "How many reports were dismissed.", body = DismissOut),
        (status = 409, response = Conflict),
    )
)]
pub async fn dismiss_plugin_reports(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<DismissOut>, ApiError> {
    Ok(Json(
        moderation::dismiss_plugin_reports(&state, &caller, &id).await?,
    ))
}

/// Disable an account with a reason (admins; not one's own): its sessions end
/// at once, its tokens and sign-ins are refused (`account_disabled`).
#[utoipa::path(
    put,
    path = "/api/v1/admin/users/{username}/disabled",
    operation_id = "v1.admin.user.disable",
    tag = "admin",
    params(("username" = String, Path, description = "The user name.")),
    request_body = ModerationIn,
    security(("bearer" = ["admin"]), ("session" = [])),
    responses(
        (status = 200, description = "The user, disabled.", body = AdminUserOut),
        (status = 422, response = Unprocessable),
    )
)]
pub async fn put_disabled(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(username): ApiPath<String>,
    ApiJson(input): ApiJson<ModerationIn>,
) -> Result<Json<AdminUserOut>, ApiError> {
    Ok(Json(
        moderation::disable_user(&state, &caller, &username, input).await?,
    ))
}

/// Enable a disabled account (admins).
#[utoipa::path(
    delete,
    path = "/api/v1/admin/users/{username}/disabled",
    operation_id = "v1.admin.user.enable",
    tag = "admin",
    params(("username" = String, Path, description = "The user name.")),
    security(("bearer" = ["admin"]), ("session" = [])),
    responses((status = 204, description = "The account is enabled."))
)]
pub async fn delete_disabled(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(username): ApiPath<String>,
) -> Result<StatusCode, ApiError> {
    moderation::enable_user(&state, &caller, &username).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// An empty query parameter is a mistake, not "everything".
pub(crate) fn not_empty(name: &str, v: &Option<String>) -> Result<(), ApiError> {
    if v.as_deref().is_some_and(|s| s.trim().is_empty()) {
        return Err(AppError::new(
            ErrorCode::BadRequest,
            format!("The query parameter `{name}` is empty: leave it out to select everything."),
        )
        .into());
    }
    Ok(())
}
