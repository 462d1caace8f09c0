//! `Idempotency-Key` on creating requests (docs/api-design.md, "Idempotency"),
//! as Stripe and Svix do it. Applies to every `POST` under `/api/v1` except
//! `POST /resolve` (a computation): [`applies`].
//!
//! - The key is 1-64 characters of `[A-Za-z0-9_-]`; anything else (or the
//!   header twice) is `400 bad_request` naming the header.
//! - Keys are scoped to the calling user. A request without valid credentials
//!   is not recorded and goes on to its `401`. The caller resolved here stays
//!   in the request for the `Caller` extractor (authenticated once).
//! - The request's fingerprint is the SHA-256 of its method, path, query and
//!   body. The key is claimed with an atomic insert before the handler runs
//!   (`trellis_db::idempotency::claim`): a second request with the key while the
//!   first runs gets `409 conflict`; with another fingerprint, `409 conflict`
//!   too; once the first answered, the same request gets that answer again
//!   (status, `Content-Type`, `Location`, `ETag`, body) with
//!   `Idempotent-Replayed: true`.
//! - `2xx`-`4xx` answers are kept; a `5xx` releases the key so that a retry runs.
//!   A request cut off before it finished (dropped connection, crash) holds its
//!   key for [`STALE_SECS`] at most. Keys are kept 24 hours
//!   (`housekeeping::IDEMPOTENCY_KEY_TTL_SECS`): an older one counts as new, and
//!   housekeeping deletes it.
//! - Kept bodies are sealed (`trellis_platform::seal`, AES-256-GCM under a key derived
//!   from the session secret): a new token's secret is never stored in clear.

use axum::body::{to_bytes, Body, Bytes};
use axum::extract::{MatchedPath, Request, State};
use axum::http::header::{CONTENT_TYPE, ETAG, LOCATION};
use axum::http::{HeaderName, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};
use trellis_db::idempotency::{self, Claim, IdempotencyRow};
use trellis_platform::housekeeping::IDEMPOTENCY_KEY_TTL_SECS;
use trellis_platform::{AppError, AppState};
use trellis_types::ErrorCode;

use crate::api::extract::Caller;
use crate::api::problem::ApiError;
use crate::state::ServerState;

/// The request header.
pub const HEADER: &str = "idempotency-key";
/// The header on a replayed answer.
pub const REPLAYED: &str = "idempotent-replayed";
/// The longest key accepted.
pub const MAX_LEN: usize = 64;
/// Seconds after which a claim whose request never finished is given up.
pub const STALE_SECS: i64 = 60;
/// The largest request body fingerprinted (the default body limit of these routes).
const MAX_REQUEST: usize = 2 * 1024 * 1024;
/// The largest answer kept.
const MAX_ANSWER: usize = 1024 * 1024;
/// The answer headers kept and replayed.
const KEPT: [HeaderName; 3] = [CONTENT_TYPE, LOCATION, ETAG];

/// Whether `method` on the route `path` (`/api/v1/…` as the OpenAPI document
/// names it) takes an `Idempotency-Key`.
pub fn applies(method: &str, path: &str) -> bool {
    method.eq_ignore_ascii_case("POST") && !super::COMPUTATIONS.contains(&path)
}

/// Whether `key` is an acceptable key.
pub fn is_well_formed(key: &[u8]) -> bool {
    (1..=MAX_LEN).contains(&key.len())
        && key
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-'))
}

fn problem(code: ErrorCode, detail: &str) -> Response {
    ApiError(AppError::new(code, detail)).into_response()
}

/// The fingerprint of a request: SHA-256 over method, path, query and body.
fn fingerprint(method: &Method, uri: &axum::http::Uri, body: &[u8]) -> String {
    let mut h = Sha256::new();
    for part in [
        method.as_str().as_bytes(),
        uri.path().as_bytes(),
        uri.query().unwrap_or("").as_bytes(),
    ] {
        h.update((part.len() as u64).to_be_bytes());
        h.update(part);
    }
    h.update(body);
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// Middleware (on `/api/v1`): claim, replay or refuse by `Idempotency-Key`.
pub async fn guard(State(server): State<ServerState>, req: Request, next: Next) -> Response {
    let takes_key = req
        .extensions()
        .get::<MatchedPath>()
        .is_some_and(|p| applies(req.method().as_str(), p.as_str()));
    if !takes_key {
        return next.run(req).await;
    }
    let mut values = req.headers().get_all(HEADER).iter();
    let key = match (values.next(), values.next()) {
        (None, _) => return next.run(req).await,
        (Some(v), None) if is_well_formed(v.as_bytes()) => {
            String::from_utf8_lossy(v.as_bytes()).into_owned()
        }
        _ => {
            return problem(
                ErrorCode::BadRequest,
                "The `Idempotency-Key` header must be sent once, as 1 to 64 characters of \
                 A-Z, a-z, 0-9, `_` and `-`.",
            )
        }
    };
    let state = &server.app;
    let (mut parts, body) = req.into_parts();
    let caller = Caller::resolve(&mut parts, state).await;
    let Ok(caller) = caller else {
        // Not recorded: the handler answers 401 (or the problem found).
        return next.run(Request::from_parts(parts, body)).await;
    };
    let Ok(body) = to_bytes(body, MAX_REQUEST).await else {
        return problem(
            ErrorCode::PayloadTooLarge,
            "The request body is larger than this endpoint accepts.",
        );
    };
    let print = fingerprint(&parts.method, &parts.uri, &body);
    let scope = caller.user.id;
    let req = Request::from_parts(parts, Body::from(body));

    let now = trellis_db::now();
    let claimed = async {
        let mut c = state.db.conn().await?;
        let claim = idempotency::claim(
            &mut c,
            scope,
            &key,
            &print,
            now - IDEMPOTENCY_KEY_TTL_SECS,
            now - STALE_SECS,
        )
        .await?;
        Ok::<_, AppError>(claim)
    }
    .await;
    match claimed {
        Err(e) => ApiError(e).into_response(),
        Ok(Claim::Taken(row)) => answer_taken(&server, scope, &key, &print, row),
        Ok(Claim::Claimed) => run_claimed(&server, scope, &key, next.run(req).await).await,
    }
}

/// The answer when the key is held: a conflict, or the kept answer again.
fn answer_taken(
    server: &ServerState,
    scope: i64,
    key: &str,
    print: &str,
    row: IdempotencyRow,
) -> Response {
    if row.fingerprint != print {
        return problem(
            ErrorCode::Conflict,
            "This Idempotency-Key was already used with a different request (method, path, \
             query or body). Use a new key for a new request.",
        );
    }
    if !row.done {
        return problem(
            ErrorCode::Conflict,
            "A request with this Idempotency-Key is still in progress. Retry later.",
        );
    }
    match replay(server, scope, key, &row) {
        Some(res) => res,
        None => ApiError(AppError::internal(format!(
            "idempotency key of user {scope}: the kept answer does not open"
        )))
        .into_response(),
    }
}

/// The kept answer of `row`, marked as replayed.
fn replay(server: &ServerState, scope: i64, key: &str, row: &IdempotencyRow) -> Option<Response> {
    let status = StatusCode::from_u16(u16::try_from(row.status?).ok()?).ok()?;
    let body = server
        .sealer
        .open(&context(scope, key), row.body.as_deref()?)?;
    let headers: Vec<(String, String)> = serde_json::from_str(row.headers.as_deref()?).ok()?;
    let mut res = (status, Bytes::from(body)).into_response();
    let h = res.headers_mut();
    h.remove(CONTENT_TYPE);
    for (name, value) in headers {
        let name = HeaderName::from_bytes(name.as_bytes()).ok()?;
        if KEPT.contains(&name) {
            h.append(name, HeaderValue::from_str(&value).ok()?);
        }
    }
    h.insert(REPLAYED, HeaderValue::from_static("true"));
    Some(res)
}

/// What a sealed body is bound to: its row.
fn context(scope: i64, key: &str) -> String {
    format!("idempotency:{scope}:{key}")
}

/// Keeps the answer of the request that holds the key (or releases the key on a 5xx).
async fn run_claimed(server: &ServerState, scope: i64, key: &str, res: Response) -> Response {
    let state = &server.app;
    if res.status().is_server_error() {
        release(state, scope, key).await;
        return res;
    }
    let (parts, body) = res.into_parts();
    let Ok(bytes) = to_bytes(body, MAX_ANSWER).await else {
        release(state, scope, key).await;
        return ApiError(AppError::internal(
            "an idempotent answer was over the size kept, or broke off",
        ))
        .into_response();
    };
    let headers: Vec<(String, String)> = KEPT
        .iter()
        .flat_map(|n| parts.headers.get_all(n).iter().map(move |v| (n, v)))
        .filter_map(|(n, v)| Some((n.as_str().to_owned(), v.to_str().ok()?.to_owned())))
        .collect();
    let headers = serde_json::to_string(&headers).expect("pairs of strings serialise");
    let sealed = server.sealer.seal(&context(scope, key), &bytes);
    let kept = async {
        let mut c = state.db.conn().await?;
        idempotency::complete(
            &mut c,
            scope,
            key,
            i64::from(parts.status.as_u16()),
            &headers,
            &sealed,
        )
        .await?;
        Ok::<_, AppError>(())
    }
    .await;
    if let Err(e) = kept {
        // The change is made; only the replay is lost. A retry runs the request again.
        tracing::error!(error = ?e, "could not keep an idempotent answer");
        release(state, scope, key).await;
    }
    Response::from_parts(parts, Body::from(bytes))
}

async fn release(state: &AppState, scope: i64, key: &str) {
    let released = async {
        idempotency::release(&mut *state.db.conn().await?, scope, key).await?;
        Ok::<_, AppError>(())
    }
    .await;
    if let Err(e) = released {
        tracing::warn!(error = ?e, "could not release an idempotency key; it frees itself");
    }
}

#[cfg(test)]
mod tests {
    use super::{applies, is_well_formed};

    #[test]
    fn keys_and_routes() {
        assert!(is_well_formed(b"a"));
        assert!(is_well_formed(b"Abc_123-x"));
        assert!(is_well_formed(&[b'k'; 64]));
        assert!(!is_well_formed(&[b'k'; 65]));
        assert!(!is_well_formed(b""));
        assert!(!is_well_formed(b"a.b"));
        assert!(!is_well_formed(b"a b"));
        assert!(!is_well_formed("é".as_bytes()));
        assert!(applies("POST", "/api/v1/tokens"));
        assert!(!applies("POST", "/api/v1/resolve"));
        assert!(!applies("PUT", "/api/v1/plugins"));
    }
}
