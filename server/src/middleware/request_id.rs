//! Request ids. A client may send its own `x-request-id` so that its logs and
//! ours line up, but only a well-formed one: 1 to 64 characters of
//! `[A-Za-z0-9._-]` ([`drop_malformed`] removes anything else, and the id
//! layer then makes a UUID). That keeps ids from forging log lines or error
//! bodies. [`scope`] puts the id in a tracing span and in the task-local that
//! error responses read.

use axum::extract::Request;
use axum::middleware::Next;
use axum::response::Response;
use tracing::Instrument;

/// The longest client-chosen request id accepted.
pub const MAX_LEN: usize = 64;

/// Whether `id` is acceptable as a request id.
pub fn is_well_formed(id: &[u8]) -> bool {
    (1..=MAX_LEN).contains(&id.len())
        && id
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

/// Middleware (outside the layer that sets ids): drop every `x-request-id`
/// header unless there is exactly one and it is well formed.
pub async fn drop_malformed(mut req: Request, next: Next) -> Response {
    let h = req.headers_mut();
    let mut values = h.get_all("x-request-id").iter();
    let keep = match (values.next(), values.next()) {
        (None, _) => true,
        (Some(v), None) => is_well_formed(v.as_bytes()),
        (Some(_), Some(_)) => false,
    };
    if !keep {
        h.remove("x-request-id");
    }
    next.run(req).await
}

/// Middleware: scope the rest of the request under its id.
pub async fn scope(req: Request, next: Next) -> Response {
    let id = req
        .headers()
        .get("x-request-id")
        .map(|v| v.as_bytes())
        .filter(|v| is_well_formed(v))
        .and_then(|v| std::str::from_utf8(v).ok())
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
