//! Downloads: the artifact stream (immutable, cacheable, counted in memory)
//! and the per-plugin statistics.

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use trellis_platform::registry::plugins::{self, ArtifactBody, Download};
use trellis_platform::{AppError, AppState};
use trellis_types::DownloadsOut;

use super::extract::MaybeCaller;

fn etag(sha256: &str) -> HeaderValue {
    HeaderValue::from_str(&format!("\"{sha256}\"")).unwrap_or(HeaderValue::from_static("\"\""))
}

const IMMUTABLE: HeaderValue = HeaderValue::from_static("public, max-age=31536000, immutable");

/// `GET /api/v1/plugins/{id}/versions/{version}/download`.
pub async fn download(
    State(state): State<AppState>,
    MaybeCaller(caller): MaybeCaller,
    Path((id, version)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let inm = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok());
    let user_id = caller.as_ref().map(|c| c.user().id);
    match plugins::download(&state, &id, &version, inm, user_id).await? {
        Download::NotModified { sha256 } => Ok((
            StatusCode::NOT_MODIFIED,
            [
                (header::ETAG, etag(&sha256)),
                (header::CACHE_CONTROL, IMMUTABLE),
            ],
        )
            .into_response()),
        Download::Artifact {
            sha256,
            size,
            filename,
            body,
        } => {
            let disposition =
                HeaderValue::from_str(&format!("attachment; filename=\"{filename}\""))
                    .unwrap_or(HeaderValue::from_static("attachment"));
            let body = match body {
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

/// `GET /api/v1/plugins/{id}/downloads`: per-version per-day counts, total, installs.
pub async fn plugin_downloads(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<DownloadsOut>, AppError> {
    Ok(Json(plugins::downloads(&state, &id).await?))
}
