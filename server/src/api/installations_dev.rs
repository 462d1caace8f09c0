//! Development builds over REST: `trellis dev` uploads a package built in the
//! developer's directory into a workspace they manage
//! (`PUT /workspaces/{ws}/dev-installations/{plugin}`); trellis-runtime's
//! `dev` module checks, stores and installs it.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::Json;
use trellis_platform::registry::publish;
use trellis_runtime::Runtime;
use trellis_types::InstallationOut;

use super::extract::{ApiPath, Caller};
use super::openapi::{Conflict, GzipBody, Unprocessable};
use super::problem::ApiError;

/// Upload a development build (`trellis dev`) of a plugin into a workspace:
/// the `.tar.gz` package is the raw body. Checked as a publish and an install
/// check a package (without signature), stored, and installed as the
/// workspace's one installation of that plugin, marked `dev`, with the
/// permissions its manifest asks for (the developer installs their own
/// code). A later upload replaces it and every process reloads it.
#[utoipa::path(
    put,
    path = "/api/v1/workspaces/{ws}/dev-installations/{plugin}",
    operation_id = "v1.workspace.dev_install",
    tag = "installations",
    params(
        ("ws" = String, Path, description = "`~username` or a namespace."),
        ("plugin" = String, Path, description = "The plugin id the package declares, `namespace.name`."),
    ),
    request_body(
        description = "The package: a `.tar.gz` made by `trellis package` (at most \
                       `registry.max_compressed_bytes`).",
        content(
            (GzipBody = "application/gzip"),
            (GzipBody = "application/x-gzip"),
            (GzipBody = "application/octet-stream"),
        )
    ),
    security(("bearer" = ["plugins"]), ("session" = [])),
    responses(
        (status = 200, description = "The development installation, replaced by this build.", body = InstallationOut),
        (status = 201, description = "The development installation, created.", body = InstallationOut),
        (status = 409, response = Conflict),
        (status = 422, response = Unprocessable),
    )
)]
pub async fn dev_install(
    State(rt): State<Arc<Runtime>>,
    caller: Caller,
    ApiPath((ws, plugin)): ApiPath<(String, String)>,
    headers: HeaderMap,
    body: Body,
) -> Result<(StatusCode, Json<InstallationOut>), ApiError> {
    if !rt.state.config.plugins.dev_installs {
        // Before reading anything.
        return Err(trellis_runtime::dev::refused_here().into());
    }
    let declared = super::plugins::package_upload(&headers)?;
    let max = rt.state.config.registry.limits.max_compressed_bytes;
    let bytes = publish::receive_package(declared, body.into_data_stream(), max).await?;
    let done = trellis_runtime::dev::upload(&rt, &caller, &ws, &plugin, bytes).await?;
    let status = if done.created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(done.installation)))
}
