//! Request middleware: request ids, cross-site request forgery protection,
//! security headers, problem+json for every REST API error, and ETags on
//! REST reads.

pub mod csrf;
pub mod etag;
pub mod problem;
pub mod request_id;
pub mod security_headers;
