//! Downloads: the artifact stream (immutable, cacheable, counted in memory,
//! with who downloaded for the unique installs: the signed-in user, else the
//! client's address and User-Agent, which the counter only hashes) and the
//! per-plugin download counts.

use std::net::SocketAddr;

use axum::body::Body;
use axum::extract::{ConnectInfo, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use trellis_platform::registry::downloads::Installer;
use trellis_platform::registry::plugins::{self, Artifact, ArtifactBody, Download};
use trellis_platform::AppState;
use trellis_types::DownloadsOut;

use super::extract::{ApiPath, MaybeCaller};
use super::openapi::GzipBody;
use super::problem::ApiError;

fn etag(sha256: &str) -> HeaderValue {
    HeaderValue::from_str(&format!("\"{sha256}\"")).unwrap_or(HeaderValue::from_static("\"\""))
}

const IMMUTABLE: HeaderValue = HeaderValue::from_static("public, max-age=31536000, immutable");

/// Whether an `If-None-Match` header names this content.
fn etag_matches(if_none_match: &str, sha256: &str) -> bool {
    if_none_match
        .split(',')
        .map(|t| t.trim().trim_start_matches("W/").trim_matches('"'))
        .any(|t| t == "*" || t == sha256)
}

/// Who is downloading, for the unique installs: the caller's user, else the
/// client's address (the connection's peer: Trellis trusts no forwarding
/// header) and User-Agent.
fn installer(
    caller: Option<&super::extract::Caller>,
    peer: Option<SocketAddr>,
    headers: &HeaderMap,
) -> Installer {
    match caller {
        Some(c) => Installer::User(c.user().id),
        None => Installer::Anonymous {
            addr: peer
                .map(|a| a.ip().to_canonical().to_string())
                .unwrap_or_default(),
            user_agent: headers
                .get(header::USER_AGENT)
                .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
                .unwrap_or_default(),
        },
    }
}

/// Download a version's package (immutable; counted).
#[utoipa::path(
    get,
    path = "/api/v1/plugins/{id}/versions/{version}/download",
    operation_id = "v1.plugin.version.download",
    tag = "plugins",
    params(("id" = String, Path, description = "The plugin id, `namespace.name`."), ("version" = String, Path, description = "A SemVer version, e.g. `1.2.0`.")),
    security((), ("bearer" = []), ("session" = [])),
    responses(
        (status = 200, description = "The package. Immutable: cache it forever.",
            content((GzipBody = "application/gzip")),
            headers(
                ("ETag" = String, description = "The quoted SHA-256 of the package."),
                ("Content-Disposition" = String, description = "`attachment; filename=…`."),
            )),
    )
)]
pub async fn download(
    State(state): State<AppState>,
    MaybeCaller(caller): MaybeCaller,
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
    ApiPath((id, version)): ApiPath<(String, String)>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let inm = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok());
    let who = installer(
        caller.as_ref(),
        peer.map(|Extension(ConnectInfo(a))| a),
        &headers,
    );
    let held = |sha: &str| inm.is_some_and(|h| etag_matches(h, sha));
    match plugins::download(&state, &id, &version, &who, held).await? {
        Download::Unchanged { sha256 } => Ok((
            StatusCode::NOT_MODIFIED,
            [
                (header::ETAG, etag(&sha256)),
                (header::CACHE_CONTROL, IMMUTABLE),
            ],
        )
            .into_response()),
        Download::Artifact(Artifact {
            sha256,
            size,
            filename,
            body,
        }) => {
            let disposition =
                HeaderValue::from_str(&format!("attachment; filename=\"{filename}\""))
                    .unwrap_or(HeaderValue::from_static("attachment"));
            let body = match body {
                // In one piece: written together with the headers.
                ArtifactBody::Whole(bytes) => Body::from(bytes),
                ArtifactBody::Stream(stream) => Body::from_stream(stream),
            };
            let mut res = body.into_response();
            let h = res.headers_mut();
            h.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/gzip"),
            );
            h.insert(header::CONTENT_LENGTH, HeaderValue::from(size));
            h.insert(header::ETAG, etag(&sha256));
            h.insert(header::CACHE_CONTROL, IMMUTABLE);
            h.insert(header::CONTENT_DISPOSITION, disposition);
            Ok(res)
        }
    }
}

/// Get a plugin's download statistics: per version per day, total, installs.
#[utoipa::path(
    get,
    path = "/api/v1/plugins/{id}/downloads",
    operation_id = "v1.plugin.downloads",
    tag = "plugins",
    params(("id" = String, Path, description = "The plugin id, `namespace.name`.")),
    responses((status = 200, description = "Per-version per-day counts, total and installs.", body = DownloadsOut))
)]
pub async fn plugin_downloads(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<DownloadsOut>, ApiError> {
    Ok(Json(plugins::downloads(&state, &id).await?))
}
