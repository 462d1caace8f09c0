//! `/api/v1/namespaces`: create, read, members, signing keys, settings.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use trellis_platform::registry::namespaces;
use trellis_platform::{AppError, AppState};
use trellis_types::{
    MemberIn, NamespaceIn, NamespaceOut, NamespacePatch, Scope, SigningKeyIn, SigningKeyOut,
};

use super::extract::{ApiJson, ApiPath, Caller};

/// `POST /api/v1/namespaces`: a new namespace owned by the caller.
pub async fn create_namespace(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(input): ApiJson<NamespaceIn>,
) -> Result<(StatusCode, Json<NamespaceOut>), AppError> {
    caller.require(Scope::Publish)?;
    Ok((
        StatusCode::CREATED,
        Json(namespaces::create(&state, caller.user(), &input).await?),
    ))
}

/// `GET /api/v1/namespaces/{ns}`: members, keys and settings (public).
pub async fn get_namespace(
    State(state): State<AppState>,
    ApiPath(ns): ApiPath<String>,
) -> Result<Json<NamespaceOut>, AppError> {
    Ok(Json(namespaces::get(&state, &ns).await?))
}

/// `PATCH /api/v1/namespaces/{ns}`: settings (owners).
pub async fn patch_namespace(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(ns): ApiPath<String>,
    ApiJson(input): ApiJson<NamespacePatch>,
) -> Result<Json<NamespaceOut>, AppError> {
    caller.require(Scope::Publish)?;
    Ok(Json(
        namespaces::patch(&state, caller.user(), &ns, &input).await?,
    ))
}

/// `PUT /api/v1/namespaces/{ns}/members/{username}`: add a member or change a role (owners).
pub async fn put_member(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath((ns, username)): ApiPath<(String, String)>,
    ApiJson(input): ApiJson<MemberIn>,
) -> Result<Json<NamespaceOut>, AppError> {
    caller.require(Scope::Publish)?;
    Ok(Json(
        namespaces::set_member(&state, caller.user(), &ns, &username, input.role).await?,
    ))
}

/// `DELETE /api/v1/namespaces/{ns}/members/{username}` (owners; never the last owner).
pub async fn delete_member(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath((ns, username)): ApiPath<(String, String)>,
) -> Result<StatusCode, AppError> {
    caller.require(Scope::Publish)?;
    namespaces::remove_member(&state, caller.user(), &ns, &username).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /api/v1/namespaces/{ns}/keys`: register a minisign public key (owners).
pub async fn add_key(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(ns): ApiPath<String>,
    ApiJson(input): ApiJson<SigningKeyIn>,
) -> Result<(StatusCode, Json<SigningKeyOut>), AppError> {
    caller.require(Scope::Publish)?;
    Ok((
        StatusCode::CREATED,
        Json(namespaces::add_key(&state, caller.user(), &ns, &input).await?),
    ))
}

/// `DELETE /api/v1/namespaces/{ns}/keys/{key_id}` (owners).
pub async fn delete_key(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath((ns, key_id)): ApiPath<(String, String)>,
) -> Result<StatusCode, AppError> {
    caller.require(Scope::Publish)?;
    namespaces::delete_key(&state, caller.user(), &ns, &key_id).await?;
    Ok(StatusCode::NO_CONTENT)
}
