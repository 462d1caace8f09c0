//! Puts the request id (from `x-request-id`) in a tracing span and in the
//! task-local that error responses read.

use axum::extract::Request;
use axum::middleware::Next;
use axum::response::Response;
use tracing::Instrument;

/// Middleware: scope the rest of the request under its id.
pub async fn scope(req: Request, next: Next) -> Response {
    let id = req
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("-")
        .to_owned();
    let span = tracing::info_span!("request", request_id = %id, method = %req.method(), path = %req.uri().path());
    let fut = async move {
        let res = next.run(req).await;
        tracing::info!(status = res.status().as_u16(), "served");
        res
    };
    trellis_platform::request_context::scope(id, fut.instrument(span)).await
}
