//! Liveness (`/healthz`: the process answers) and readiness (`/readyz`: the
//! database and the object store answer).

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde_json::{json, Value};
use trellis_platform::AppState;

/// The process is up.
pub async fn healthz() -> Json<Value> {
    Json(json!({ "status": "ok" }))
}

/// The database and the store are reachable; 503 naming which is not.
pub async fn readyz(State(state): State<AppState>) -> (StatusCode, Json<Value>) {
    let db = state.db.ping().await;
    let storage = state.storage.check_reachable().await;
    if let Err(e) = &db {
        tracing::warn!(error = %e, "readiness: database unreachable");
    }
    if let Err(e) = &storage {
        tracing::warn!(error = %e, "readiness: storage unreachable");
    }
    let word = |ok: bool| if ok { "ok" } else { "unreachable" };
    let ready = db.is_ok() && storage.is_ok();
    let body = json!({
        "status": if ready { "ready" } else { "not_ready" },
        "checks": { "database": word(db.is_ok()), "storage": word(storage.is_ok()) },
    });
    (
        if ready {
            StatusCode::OK
        } else {
            StatusCode::SERVICE_UNAVAILABLE
        },
        Json(body),
    )
}
