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

use super::extract::{ApiJson, ApiPath, ApiQuery, Caller};
use super::problem::ApiError;

/// `PUT /api/v1/plugins`: publish the `.tar.gz` in the body.
pub async fn publish_plugin(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    body: Body,
) -> Result<(StatusCode, Json<PublishedOut>), ApiError> {
    let ctype = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("application/gzip");
    if !matches!(
        ctype,
        "application/gzip" | "application/x-gzip" | "application/octet-stream"
    ) {
        return Err(AppError::new(
            ErrorCode::BadRequest,
            "Send the package as the raw body with `Content-Type: application/gzip`.",
        )
        .into());
    }
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok());
    let out = publish::publish(&state, &caller, declared, body.into_data_stream()).await?;
    Ok((StatusCode::CREATED, Json(out)))
}

#[derive(Deserialize)]
pub struct Search {
    #[serde(default)]
    q: Option<String>,
    #[serde(default)]
    limit: Option<i64>,
    #[serde(default)]
    offset: Option<i64>,
}

/// `GET /api/v1/plugins?q=&limit=&offset=`: plugins whose id, name or description match.
pub async fn list_plugins(
    State(state): State<AppState>,
    ApiQuery(s): ApiQuery<Search>,
) -> Result<Json<ListResponse<PluginOut>>, ApiError> {
    let data = plugins::search(
        &state,
        s.q.as_deref().unwrap_or(""),
        s.limit.unwrap_or(20),
        s.offset.unwrap_or(0),
    )
    .await?;
    Ok(Json(ListResponse { data }))
}

/// `GET /api/v1/plugins/{id}`.
pub async fn get_plugin(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<PluginOut>, ApiError> {
    Ok(Json(plugins::get_plugin(&state, &id).await?))
}

/// `DELETE /api/v1/plugins/{id}`: only while it was never downloaded.
pub async fn delete_plugin(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
) -> Result<StatusCode, ApiError> {
    plugins::delete_plugin(&state, &caller, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /api/v1/plugins/{id}/versions`.
pub async fn list_versions(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<ListResponse<VersionOut>>, ApiError> {
    Ok(Json(ListResponse {
        data: plugins::list_versions(&state, &id).await?,
    }))
}

/// `GET /api/v1/plugins/{id}/versions/{version}`.
pub async fn get_version(
    State(state): State<AppState>,
    ApiPath((id, version)): ApiPath<(String, String)>,
) -> Result<Json<VersionOut>, ApiError> {
    Ok(Json(plugins::get_version(&state, &id, &version).await?))
}

/// `PUT /api/v1/plugins/{id}/versions/{version}/yank`.
pub async fn yank(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath((id, version)): ApiPath<(String, String)>,
) -> Result<Json<VersionOut>, ApiError> {
    Ok(Json(
        plugins::set_yanked(&state, &caller, &id, &version, true).await?,
    ))
}

/// `DELETE /api/v1/plugins/{id}/versions/{version}/yank`: un-yank.
pub async fn unyank(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath((id, version)): ApiPath<(String, String)>,
) -> Result<Json<VersionOut>, ApiError> {
    Ok(Json(
        plugins::set_yanked(&state, &caller, &id, &version, false).await?,
    ))
}

/// `PUT /api/v1/plugins/{id}/deprecation`.
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

/// `DELETE /api/v1/plugins/{id}/deprecation`: undeprecate.
pub async fn undeprecate(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<PluginOut>, ApiError> {
    Ok(Json(
        plugins::set_deprecation(&state, &caller, &id, None).await?,
    ))
}

/// `GET /api/v1/categories`.
pub async fn list_categories() -> Json<ListResponse<CategoryOut>> {
    Json(ListResponse {
        data: plugins::categories(),
    })
}

/// `GET /api/v1/manifest-schema`: the JSON Schema of `plugin.toml`.
pub async fn manifest_schema() -> Json<serde_json::Value> {
    Json(trellis_registry::manifest_json_schema())
}
