//! Security headers on every response.
//!
//! - `Content-Security-Policy`: on HTML pages, scripts run only from our own
//!   origin or when they carry this response's nonce (Leptos puts it on the
//!   hydration script and on the scripts that stream resources, see
//!   [`provide_page_nonce`]), plus `'wasm-unsafe-eval'` so the hydration wasm
//!   can be compiled; no plugins, no `<base>` elsewhere, no framing. Every
//!   other response gets a policy that allows nothing.
//! - `X-Content-Type-Options: nosniff` and `Referrer-Policy:
//!   strict-origin-when-cross-origin` everywhere.
//! - `Cache-Control: no-store` on HTML pages and on `/api/` answers (REST and
//!   server functions) that did not choose their own caching: they can show
//!   per-user data and one-time secrets such as a new API token. Static files
//!   (`/pkg/…`, public assets) and artifact downloads keep theirs.

use axum::extract::Request;
use axum::http::header::{
    CACHE_CONTROL, CONTENT_SECURITY_POLICY, CONTENT_TYPE, REFERRER_POLICY, X_CONTENT_TYPE_OPTIONS,
    X_FRAME_OPTIONS,
};
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::Response;

/// The CSP nonce of one request, kept in its extensions for the page renderer.
#[derive(Clone, Debug)]
pub struct CspNonce(pub String);

/// The policy of everything that is not an HTML page (JSON, files, metrics).
const LOCKED_POLICY: &str = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'";

/// The policy of an HTML page whose scripts carry `nonce`.
pub fn page_policy(nonce: &str) -> String {
    format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; \
         style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; \
         object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
    )
}

/// A fresh nonce: 122 random bits from a v4 UUID, as 32 hex digits (a valid
/// CSP base64-value).
fn new_nonce() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

/// Middleware: give the request a nonce, then set the security headers on its response.
pub async fn apply(mut req: Request, next: Next) -> Response {
    let nonce = new_nonce();
    req.extensions_mut().insert(CspNonce(nonce.clone()));
    let is_api = req.uri().path().starts_with("/api/");
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    let is_html = h
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim_start().to_ascii_lowercase().starts_with("text/html"));
    let policy = if is_html {
        page_policy(&nonce)
    } else {
        LOCKED_POLICY.to_owned()
    };
    if let Ok(v) = HeaderValue::from_str(&policy) {
        h.insert(CONTENT_SECURITY_POLICY, v);
    }
    h.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(
        REFERRER_POLICY,
        HeaderValue::from_static("strict-origin-when-cross-origin"),
    );
    if is_html {
        h.insert(X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    }
    if (is_html || is_api) && !h.contains_key(CACHE_CONTROL) {
        h.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    res
}

/// Leptos context hook (pages, server functions, the not-found page): make the
/// page's scripts carry the nonce that [`apply`] will name in the CSP header.
/// Leptos provides a random nonce of its own first; this replaces it.
pub fn provide_page_nonce() {
    use leptos::prelude::{provide_context, use_context};
    let nonce = use_context::<http::request::Parts>()
        .and_then(|parts| parts.extensions.get::<CspNonce>().cloned());
    if let Some(CspNonce(n)) = nonce {
        provide_context(leptos::nonce::Nonce::from_value(n));
    }
}
