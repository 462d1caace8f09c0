//! Request middleware: request ids and cross-site request forgery protection.

pub mod csrf;
pub mod request_id;
