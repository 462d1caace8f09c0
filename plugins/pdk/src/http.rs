//! Outbound HTTP (`trellis_http`, permission `http_request`): [`request`] and the
//! [`get`] shorthand. Only hosts in the manifest's `[permissions] network` that the
//! installer approved can be reached; any other host is a violation (the call traps).
//! The host applies its own deadline and caps the response size; failures come back
//! as [`HostError`]s with the codes [`TIMEOUT`], [`TOO_LARGE`], [`CONNECT`] and
//! [`REQUEST`].

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::calls::{from_json, to_json};
use crate::error::HostError;
use crate::ffi::{call, Host};

/// The request did not complete before the host's deadline.
pub const TIMEOUT: &str = "timeout";
/// The response was larger than the host's cap (1 MiB).
pub const TOO_LARGE: &str = "too_large";
/// The host could not connect.
pub const CONNECT: &str = "connect";
/// The request failed otherwise (bad URL or method, protocol error, …).
pub const REQUEST: &str = "request";

/// An HTTP request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Request {
    /// `GET`, `POST`, …
    pub method: String,
    /// An absolute `http://` or `https://` URL.
    pub url: String,
    /// Request headers.
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// The body, as a string (`None` for no body).
    #[serde(default)]
    pub body: Option<String>,
}

impl Request {
    /// A request with this method and URL, no headers and no body.
    pub fn new(method: &str, url: &str) -> Self {
        Request {
            method: method.to_owned(),
            url: url.to_owned(),
            headers: BTreeMap::new(),
            body: None,
        }
    }

    /// Adds a header.
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.insert(name.to_owned(), value.to_owned());
        self
    }

    /// Sets the body.
    pub fn body(mut self, body: impl Into<String>) -> Self {
        self.body = Some(body.into());
        self
    }
}

/// An HTTP response (any status: a 404 or 500 is a response, not an error).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Response {
    /// The status code.
    pub status: u16,
    /// Response headers.
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// The body, decoded as UTF-8 (invalid sequences replaced).
    #[serde(default)]
    pub body: String,
}

/// Sends a request and returns the response.
pub fn request(req: &Request) -> Result<Response, HostError> {
    from_json(call(Host::Http, &to_json(req)?)?)
}

/// `GET url`.
pub fn get(url: &str) -> Result<Response, HostError> {
    request(&Request::new("GET", url))
}
