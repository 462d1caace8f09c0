//! Request middleware: request ids, cross-site request forgery protection,
//! security headers, and problem+json for every REST API error.

pub mod csrf;
pub mod problem;
pub mod request_id;
pub mod security_headers;
