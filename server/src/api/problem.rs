//! `ApiError`: how a service's `AppError` reaches a REST client, as
//! `application/problem+json` with the code's status (and `Retry-After` for
//! rate limits). Handlers return `Result<_, ApiError>`; `?` converts.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use trellis_platform::AppError;

/// An `AppError` on its way out of a REST handler or extractor.
#[derive(Debug)]
pub struct ApiError(pub AppError);

impl From<AppError> for ApiError {
    fn from(e: AppError) -> Self {
        ApiError(e)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let e = self.0;
        let problem = e.to_problem();
        let status =
            StatusCode::from_u16(problem.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let body = match (&e.extra, serde_json::to_value(&problem)) {
            (Some(extra), Ok(serde_json::Value::Object(mut doc))) => {
                for (k, v) in extra {
                    doc.entry(k.clone()).or_insert_with(|| v.clone());
                }
                serde_json::to_vec(&doc).unwrap_or_default()
            }
            _ => serde_json::to_vec(&problem).unwrap_or_default(),
        };
        let mut res = (status, body).into_response();
        let h = res.headers_mut();
        h.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        if let Some(secs) = e.retry_after {
            h.insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        res
    }
}
