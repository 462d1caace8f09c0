//! `/api/v1/namespaces`: create, read, members, signing keys, settings.

use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use trellis_platform::registry::namespaces::{self, MemberChange};
use trellis_platform::AppState;
use trellis_types::{
    MemberIn, NamespaceIn, NamespaceOut, NamespacePatch, SigningKeyIn, SigningKeyOut,
};

use super::extract::{ApiJson, ApiPath, Caller};
use super::openapi::{Conflict, PreconditionFailed, Unprocessable};
use super::problem::ApiError;
use crate::middleware::etag;

/// Create a namespace owned by the caller.
#[utoipa::path(
    post,
    path = "/api/v1/namespaces",
    operation_id = "v1.namespace.create",
    tag = "namespaces",
    request_body = NamespaceIn,
    security(("bearer" = ["publish"]), ("session" = [])),
    responses(
        (status = 201, description = "Created, owned by the caller.", body = NamespaceOut),
        (status = 409, response = Conflict),
        (status = 422, response = Unprocessable),
    )
)]
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

/// Get a namespace: members, signing keys and settings (public).
#[utoipa::path(
    get,
    path = "/api/v1/namespaces/{ns}",
    operation_id = "v1.namespace.get",
    tag = "namespaces",
    params(("ns" = String, Path, description = "The namespace name.")),
    responses((status = 200, description = "The namespace.", body = NamespaceOut))
)]
pub async fn get_namespace(
    State(state): State<AppState>,
    ApiPath(ns): ApiPath<String>,
) -> Result<Json<NamespaceOut>, ApiError> {
    Ok(Json(namespaces::get(&state, &ns).await?))
}

/// Change a namespace's settings (owners).
#[utoipa::path(
    patch,
    path = "/api/v1/namespaces/{ns}",
    operation_id = "v1.namespace.update",
    tag = "namespaces",
    params(("ns" = String, Path, description = "The namespace name."), ("If-Match" = Option<String>, Header, description = "The `ETag` of the namespace as last read; a stale one is refused with 412.")),
    request_body = NamespacePatch,
    security(("bearer" = ["publish"]), ("session" = [])),
    responses(
        (status = 200, description = "The updated namespace.", body = NamespaceOut),
        (status = 412, response = PreconditionFailed),
    )
)]
pub async fn patch_namespace(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(ns): ApiPath<String>,
    headers: HeaderMap,
    ApiJson(input): ApiJson<NamespacePatch>,
) -> Result<Json<NamespaceOut>, ApiError> {
    if_match(&state, &ns, &headers).await?;
    Ok(Json(namespaces::patch(&state, &caller, &ns, &input).await?))
}

/// With `If-Match`, refuses the change unless it names the namespace's current ETag.
/// Checked against the namespace as read just before the change.
async fn if_match(state: &AppState, ns: &str, headers: &HeaderMap) -> Result<(), ApiError> {
    if headers.contains_key(header::IF_MATCH) {
        etag::check_if_match(headers, &namespaces::get(state, ns).await?)?;
    }
    Ok(())
}

/// Change a member's role, or invite a user (owners).
///
/// An existing member's role changes (200); anyone else is invited (202, the
/// same answer whether or not that user exists) and joins by accepting.
#[utoipa::path(
    put,
    path = "/api/v1/namespaces/{ns}/members/{username}",
    operation_id = "v1.namespace.member.put",
    tag = "namespaces",
    params(("ns" = String, Path, description = "The namespace name."), ("username" = String, Path, description = "A user name."), ("If-Match" = Option<String>, Header, description = "The `ETag` of the namespace as last read; a stale one is refused with 412.")),
    request_body = MemberIn,
    security(("bearer" = ["publish"]), ("session" = [])),
    responses(
        (status = 200, description = "An existing member's role changed.", body = NamespaceOut),
        (status = 202, description = "Invited (the same answer whether or not the user exists).", body = NamespaceOut),
        (status = 412, response = PreconditionFailed),
        (status = 409, response = Conflict),
        (status = 422, response = Unprocessable),
    )
)]
pub async fn put_member(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath((ns, username)): ApiPath<(String, String)>,
    headers: HeaderMap,
    ApiJson(input): ApiJson<MemberIn>,
) -> Result<Response, ApiError> {
    if_match(&state, &ns, &headers).await?;
    Ok(
        match namespaces::set_member(&state, &caller, &ns, &username, input.role).await? {
            MemberChange::Updated(out) => Json(out).into_response(),
            MemberChange::Invited(out) => (StatusCode::ACCEPTED, Json(out)).into_response(),
        },
    )
}

/// Remove a member (owners; never the last owner).
#[utoipa::path(
    delete,
    path = "/api/v1/namespaces/{ns}/members/{username}",
    operation_id = "v1.namespace.member.delete",
    tag = "namespaces",
    params(("ns" = String, Path, description = "The namespace name."), ("username" = String, Path, description = "A user name.")),
    security(("bearer" = ["publish"]), ("session" = [])),
    responses(
        (status = 204, description = "Removed."),
        (status = 409, response = Conflict),
    )
)]
pub async fn delete_member(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath((ns, username)): ApiPath<(String, String)>,
) -> Result<StatusCode, ApiError> {
    namespaces::remove_member(&state, &caller, &ns, &username).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Register a minisign public key (owners).
#[utoipa::path(
    post,
    path = "/api/v1/namespaces/{ns}/keys",
    operation_id = "v1.namespace.key.create",
    tag = "namespaces",
    params(("ns" = String, Path, description = "The namespace name.")),
    request_body = SigningKeyIn,
    security(("bearer" = ["publish"]), ("session" = [])),
    responses(
        (status = 201, description = "Registered.", body = SigningKeyOut),
        (status = 409, response = Conflict),
        (status = 422, response = Unprocessable),
    )
)]
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

/// Remove a signing key (owners).
#[utoipa::path(
    delete,
    path = "/api/v1/namespaces/{ns}/keys/{key_id}",
    operation_id = "v1.namespace.key.delete",
    tag = "namespaces",
    params(("ns" = String, Path, description = "The namespace name."), ("key_id" = String, Path, description = "The key id: 16 hex digits.")),
    security(("bearer" = ["publish"]), ("session" = [])),
    responses((status = 204, description = "Removed."))
)]
pub async fn delete_key(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath((ns, key_id)): ApiPath<(String, String)>,
) -> Result<StatusCode, ApiError> {
    namespaces::delete_key(&state, &caller, &ns, &key_id).await?;
    Ok(StatusCode::NO_CONTENT)
}
