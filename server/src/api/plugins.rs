//! `/api/v1/plugins`: publish, list, read, yank, deprecate, delete; plus the
//! catalogue's fixed lists (categories, the manifest JSON Schema).

use axum::body::Body;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::Json;
use serde::Deserialize;
use trellis_platform::registry::{plugins, publish};
use trellis_platform::{AppError, AppState};
use trellis_types::{
    CategoryOut, DeprecationIn, ErrorCode, ListResponse, PluginOut, PublishedOut, VersionOut,
};
use utoipa::IntoParams;

use super::cursor;
use super::extract::{ApiJson, ApiPath, ApiQuery, Caller};
use super::openapi::{Conflict, GzipBody, Unprocessable};
use super::problem::ApiError;

/// Publish a plugin version: the `.tar.gz` package is the raw body.
#[utoipa::path(
    put,
    path = "/api/v1/plugins",
    operation_id = "v1.plugin.publish",
    tag = "plugins",
    request_body(
        description = "The package: a `.tar.gz` made by `trellis package` (at most \
                       `registry.max_compressed_bytes`).",
        content(
            (GzipBody = "application/gzip"),
            (GzipBody = "application/x-gzip"),
            (GzipBody = "application/octet-stream"),
        )
    ),
    security(("bearer" = ["publish"]), ("session" = [])),
    responses(
        (status = 201, description = "Published.", body = PublishedOut),
        (status = 409, response = Conflict),
        (status = 422, response = Unprocessable),
    )
)]
pub async fn publish_plugin(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    body: Body,
) -> Result<(StatusCode, Json<PublishedOut>), ApiError> {
    let declared = package_upload(&headers)?;
    let out = publish::publish(&state, &caller, declared, body.into_data_stream()).await?;
    Ok((StatusCode::CREATED, Json(out)))
}

/// A package upload's headers: a gzip media type (or none), and the length it
/// announces, if any.
pub(super) fn package_upload(headers: &HeaderMap) -> Result<Option<u64>, ApiError> {
    let ctype = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("application/gzip");
    if !matches!(
        ctype,
        "application/gzip" | "application/x-gzip" | "application/octet-stream"
    ) {
        return Err(AppError::new(
            ErrorCode::UnsupportedMediaType,
            "Send the package as the raw body with `Content-Type: application/gzip`.",
        )
        .into());
    }
    Ok(headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok()))
}

/// The plugin search's query parameters.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Search {
    /// Words to match in the id, display name or description; none lists every plugin.
    #[serde(default)]
    q: Option<String>,
    /// Page size, 1 to 100 (default 20).
    #[serde(default)]
    #[param(minimum = 1, maximum = 100)]
    limit: Option<i64>,
    /// The `next_cursor` of the previous page, unchanged.
    #[serde(default)]
    #[param(min_length = 1, pattern = "^[A-Za-z0-9_-]+$")]
    cursor: Option<String>,
}

/// Search plugins by id, name or description.
#[utoipa::path(
    get,
    path = "/api/v1/plugins",
    operation_id = "v1.plugin.list",
    tag = "plugins",
    params(Search),
    responses((status = 200, description = "A page of plugins, best match first.", body = ListResponse<PluginOut>))
)]
pub async fn list_plugins(
    State(state): State<AppState>,
    ApiQuery(s): ApiQuery<Search>,
) -> Result<Json<ListResponse<PluginOut>>, ApiError> {
    let limit = cursor::limit(s.limit, 20, 100)?;
    let offset = s
        .cursor
        .as_deref()
        .map(cursor::decode)
        .transpose()?
        .unwrap_or(0);
    let data = plugins::search(&state, s.q.as_deref().unwrap_or(""), limit, offset).await?;
    let next_cursor = cursor::next(data.len(), limit, || offset + limit);
    Ok(Json(ListResponse { data, next_cursor }))
}

/// Get a plugin, with the README of its latest version.
#[utoipa::path(
    get,
    path = "/api/v1/plugins/{id}",
    operation_id = "v1.plugin.get",
    tag = "plugins",
    params(("id" = String, Path, description = "The plugin id, `namespace.name`.")),
    responses((status = 200, description = "The plugin, with its README.", body = PluginOut))
)]
pub async fn get_plugin(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<PluginOut>, ApiError> {
    Ok(Json(plugins::get_plugin(&state, &id).await?))
}

/// Delete a plugin, only while it was never downloaded.
#[utoipa::path(
    delete,
    path = "/api/v1/plugins/{id}",
    operation_id = "v1.plugin.delete",
    tag = "plugins",
    params(("id" = String, Path, description = "The plugin id, `namespace.name`.")),
    security(("bearer" = ["publish"]), ("session" = [])),
    responses(
        (status = 204, description = "Deleted."),
        (status = 409, response = Conflict),
    )
)]
pub async fn delete_plugin(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
) -> Result<StatusCode, ApiError> {
    plugins::delete_plugin(&state, &caller, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// List a plugin's versions, highest first.
#[utoipa::path(
    get,
    path = "/api/v1/plugins/{id}/versions",
    operation_id = "v1.plugin.version.list",
    tag = "plugins",
    params(("id" = String, Path, description = "The plugin id, `namespace.name`.")),
    responses((status = 200, description = "Every version, highest first.", body = ListResponse<VersionOut>))
)]
pub async fn list_versions(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<ListResponse<VersionOut>>, ApiError> {
    Ok(Json(ListResponse::all(
        plugins::list_versions(&state, &id).await?,
    )))
}

/// Get one version, with its README and changelog.
#[utoipa::path(
    get,
    path = "/api/v1/plugins/{id}/versions/{version}",
    operation_id = "v1.plugin.version.get",
    tag = "plugins",
    params(("id" = String, Path, description = "The plugin id, `namespace.name`."), ("version" = String, Path, description = "A SemVer version, e.g. `1.2.0`.")),
    responses((status = 200, description = "The version, with README and changelog.", body = VersionOut))
)]
pub async fn get_version(
    State(state): State<AppState>,
    ApiPath((id, version)): ApiPath<(String, String)>,
) -> Result<Json<VersionOut>, ApiError> {
    Ok(Json(plugins::get_version(&state, &id, &version).await?))
}

/// Yank a version: new installs no longer pick it.
#[utoipa::path(
    put,
    path = "/api/v1/plugins/{id}/versions/{version}/yank",
    operation_id = "v1.plugin.version.yank",
    tag = "plugins",
    params(("id" = String, Path, description = "The plugin id, `namespace.name`."), ("version" = String, Path, description = "A SemVer version, e.g. `1.2.0`.")),
    security(("bearer" = ["publish"]), ("session" = [])),
    responses((status = 200, description = "Yanked: new installs no longer pick it.", body = VersionOut))
)]
pub async fn yank(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath((id, version)): ApiPath<(String, String)>,
) -> Result<Json<VersionOut>, ApiError> {
    Ok(Json(
        plugins::set_yanked(&state, &caller, &id, &version, true).await?,
    ))
}

/// Un-yank a version.
#[utoipa::path(
    delete,
    path = "/api/v1/plugins/{id}/versions/{version}/yank",
    operation_id = "v1.plugin.version.unyank",
    tag = "plugins",
    params(("id" = String, Path, description = "The plugin id, `namespace.name`."), ("version" = String, Path, description = "A SemVer version, e.g. `1.2.0`.")),
    security(("bearer" = ["publish"]), ("session" = [])),
    responses((status = 200, description = "No longer yanked.", body = VersionOut))
)]
pub async fn unyank(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath((id, version)): ApiPath<(String, String)>,
) -> Result<Json<VersionOut>, ApiError> {
    Ok(Json(
        plugins::set_yanked(&state, &caller, &id, &version, false).await?,
    ))
}

/// Deprecate a plugin, with a reason and an optional replacement.
#[utoipa::path(
    put,
    path = "/api/v1/plugins/{id}/deprecation",
    operation_id = "v1.plugin.deprecate",
    tag = "plugins",
    params(("id" = String, Path, description = "The plugin id, `namespace.name`.")),
    request_body = DeprecationIn,
    security(("bearer" = ["publish"]), ("session" = [])),
    responses(
        (status = 200, description = "Deprecated.", body = PluginOut),
        (status = 422, response = Unprocessable),
    )
)]
pub async fn deprecate(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
    ApiJson(input): ApiJson<DeprecationIn>,
) -> Result<Json<PluginOut>, ApiError> {
    Ok(Json(
        plugins::set_deprecation(&state, &caller, &id, Some(&input)).await?,
    ))
}

/// Withdraw the deprecation of a plugin.
#[utoipa::path(
    delete,
    path = "/api/v1/plugins/{id}/deprecation",
    operation_id = "v1.plugin.undeprecate",
    tag = "plugins",
    params(("id" = String, Path, description = "The plugin id, `namespace.name`.")),
    security(("bearer" = ["publish"]), ("session" = [])),
    responses((status = 200, description = "No longer deprecated.", body = PluginOut))
)]
pub async fn undeprecate(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<PluginOut>, ApiError> {
    Ok(Json(
        plugins::set_deprecation(&state, &caller, &id, None).await?,
    ))
}

/// List the plugin categories.
#[utoipa::path(
    get,
    path = "/api/v1/categories",
    operation_id = "v1.category.list",
    tag = "catalogue",
    responses((status = 200, description = "Trellis's categories, then the categories of \
        imported catalogues that plugins use, each with its number of plugins.", body = ListResponse<CategoryOut>))
)]
pub async fn list_categories(
    State(state): State<AppState>,
) -> Result<Json<ListResponse<CategoryOut>>, ApiError> {
    Ok(Json(ListResponse::all(
        trellis_platform::registry::categories(&state).await?,
    )))
}

/// Get the JSON Schema of `plugin.toml`.
#[utoipa::path(
    get,
    path = "/api/v1/manifest-schema",
    operation_id = "v1.manifest_schema.get",
    tag = "catalogue",
    responses((status = 200, description = "The JSON Schema of `plugin.toml`.", body = Object))
)]
pub async fn manifest_schema() -> Json<serde_json::Value> {
    Json(trellis_registry::manifest_json_schema())
}
