//! The REST API under `/api/v1`. Errors are `application/problem+json`.

pub mod accounts;
pub mod admin;
pub mod extract;

use axum::routing::{delete, get};
use axum::Router;
use trellis_platform::{AppError, AppState};

/// The `/api/v1` routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/me", get(accounts::get_me))
        .route("/tokens", get(accounts::list_tokens).post(accounts::create_token))
        .route("/tokens/{id}", delete(accounts::revoke_token))
        .route("/admin/users", get(admin::list_users))
        .fallback(not_found)
}

async fn not_found() -> AppError {
    AppError::not_found("This API endpoint")
}
