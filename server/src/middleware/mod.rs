//! Request middleware: request ids, cross-site request forgery protection,
//! security headers, problem+json for every REST API error, ETags on REST
//! reads, rate limits on REST writes, and `Idempotency-Key` on creating
//! REST requests.

pub mod csrf;
pub mod etag;
pub mod idempotency;
pub mod problem;
pub mod rate_limit;
pub mod request_id;
pub mod security_headers;

/// Routes (as the OpenAPI document names them) answered by `POST` that compute
/// rather than change anything: neither rate limited as writes nor taking an
/// `Idempotency-Key`.
pub const COMPUTATIONS: &[&str] = &[
    "/api/v1/resolve",
    "/api/v1/workspaces/{ws}/install-plan",
    "/api/v1/installations/{id}/update-plan",
];
