//! `UiError`: the error server functions return. It carries the same stable
//! codes as the REST API, a human detail, and field errors for forms.

use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};
use trellis_types::FieldError;

mod url;

/// An error shown to a person in the UI.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UiError {
    pub code: String,
    pub detail: String,
    #[serde(default)]
    pub fields: Vec<FieldError>,
    #[serde(default)]
    pub request_id: Option<String>,
}

impl UiError {
    /// The problem for one form field, if any.
    pub fn field(&self, name: &str) -> Option<String> {
        self.fields
            .iter()
            .find(|f| f.field == name)
            .map(|f| f.detail.clone())
    }
}

impl std::fmt::Display for UiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.detail)
    }
}

impl FromServerFnError for UiError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        // Never pass framework error text through: it can hold internals.
        let (code, detail) = match value {
            ServerFnErrorErr::Request(_) | ServerFnErrorErr::Response(_) => (
                "unavailable",
                "Trellis could not be reached. Check your connection and try again.",
            ),
            ServerFnErrorErr::Args(_)
            | ServerFnErrorErr::MissingArg(_)
            | ServerFnErrorErr::Deserialization(_) => (
                "bad_request",
                "The form could not be read. Reload the page and try again.",
            ),
            _ => (
                "internal",
                "Something went wrong on our side. Try again shortly.",
            ),
        };
        UiError {
            code: code.into(),
            detail: detail.into(),
            fields: Vec::new(),
            request_id: answer_status(code),
        }
    }
}

/// On the server, inside a server-function call: answers with the status of
/// `code` (a body that cannot be read is the client's fault: 400, not the
/// framework's 500) and returns the request id for the error body.
#[cfg(feature = "ssr")]
fn answer_status(code: &str) -> Option<String> {
    use leptos::prelude::use_context;
    let is_call = use_context::<http::request::Parts>()
        .is_some_and(|parts| parts.uri.path().starts_with("/api/"));
    if is_call && code == "bad_request" {
        if let Some(opts) = use_context::<leptos_axum::ResponseOptions>() {
            opts.set_status(http::StatusCode::BAD_REQUEST);
        }
    }
    trellis_platform::request_context::current()
}

#[cfg(not(feature = "ssr"))]
fn answer_status(_code: &str) -> Option<String> {
    None
}

#[cfg(feature = "ssr")]
impl From<trellis_platform::AppError> for UiError {
    fn from(e: trellis_platform::AppError) -> Self {
        use leptos::prelude::use_context;
        let p = e.to_problem();
        // Only a server-function call answers with the error's status; a page
        // rendered on the server that happens to call one keeps its own status,
        // and a plain form post (no JavaScript: it accepts HTML) keeps the
        // redirect back to its page with the error in `__err` (a 4xx status
        // there would make the browser show the body instead of following it).
        let is_call = use_context::<http::request::Parts>().is_some_and(|parts| {
            let form_post = parts
                .headers
                .get(http::header::ACCEPT)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v.contains("text/html"));
            parts.uri.path().starts_with("/api/") && !form_post
        });
        if let Some(opts) = use_context::<leptos_axum::ResponseOptions>().filter(|_| is_call) {
            if let Ok(s) = http::StatusCode::from_u16(p.status) {
                opts.set_status(s);
            }
            // A rate limit says when to come back, as the REST API's does.
            if let Some(secs) = e.retry_after {
                opts.insert_header(http::header::RETRY_AFTER, http::HeaderValue::from(secs));
            }
        }
        UiError {
            code: p.code,
            detail: p.detail,
            fields: p.errors,
            request_id: p.request_id,
        }
    }
}
