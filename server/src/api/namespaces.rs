//! `/api/v1/namespaces`: create, read, members, signing keys, settings.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use trellis_platform::registry::namespaces::{self, MemberChange};
use trellis_platform::AppState;
use trellis_types::{
    MemberIn, NamespaceIn, NamespaceOut, NamespacePatch, SigningKeyIn, SigningKeyOut,
};

use super::extract::{ApiJson, ApiPath, Caller};
use super::problem::ApiError;

/// `POST /api/v1/namespaces`: a new namespace owned by the caller.
pub async fn create_namespace(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(input): ApiJson<NamespaceIn>,
) -> Result<(StatusCode, Json<NamespaceOut>), ApiError> {
    Ok((
        StatusCode::CREATED,
        Json(namespaces::create(&state, &caller, &input).await?),
    ))
}

/// `GET /api/v1/namespaces/{ns}`: members, keys and settings (public).
pub async fn get_namespace(
    State(state): State<AppState>,
    ApiPath(ns): ApiPath<String>,
) -> Result<Json<NamespaceOut>, ApiError> {
    Ok(Json(namespaces::get(&state, &ns).await?))
}

/// `PATCH /api/v1/namespaces/{ns}`: settings (owners).
pub async fn patch_namespace(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(ns): ApiPath<String>,
    ApiJson(input): ApiJson<NamespacePatch>,
) -> Result<Json<NamespaceOut>, ApiError> {
    Ok(Json(namespaces::patch(&state, &caller, &ns, &input).await?))
}

/// `PUT /api/v1/namespaces/{ns}/members/{username}` (owners): changes an existing
/// member's role (200), or invites anyone else (202, the same answer whether or
/// not that user exists); an invitee joins by accepting.
pub async fn put_member(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath((ns, username)): ApiPath<(String, String)>,
    ApiJson(input): ApiJson<MemberIn>,
) -> Result<Response, ApiError> {
    Ok(
        match namespaces::set_member(&state, &caller, &ns, &username, input.role).await? {
            MemberChange::Updated(out) => Json(out).into_response(),
            MemberChange::Invited(out) => (StatusCode::ACCEPTED, Json(out)).into_response(),
        },
    )
}

/// `DELETE /api/v1/namespaces/{ns}/members/{username}` (owners; never the last owner).
pub async fn delete_member(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath((ns, username)): ApiPath<(String, String)>,
) -> Result<StatusCode, ApiError> {
    namespaces::remove_member(&state, &caller, &ns, &username).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /api/v1/namespaces/{ns}/keys`: register a minisign public key (owners).
pub async fn add_key(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(ns): ApiPath<String>,
    ApiJson(input): ApiJson<SigningKeyIn>,
) -> Result<(StatusCode, Json<SigningKeyOut>), ApiError> {
    Ok((
        StatusCode::CREATED,
        Json(namespaces::add_key(&state, &caller, &ns, &input).await?),
    ))
}

/// `DELETE /api/v1/namespaces/{ns}/keys/{key_id}` (owners).
pub async fn delete_key(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath((ns, key_id)): ApiPath<(String, String)>,
) -> Result<StatusCode, ApiError> {
    namespaces::delete_key(&state, &caller, &ns, &key_id).await?;
    Ok(StatusCode::NO_CONTENT)
}
