//! `/api/v1/admin/*`: instance administration (admin role + admin scope).

use axum::extract::State;
use axum::Json;
use serde::Deserialize;
use trellis_platform::{accounts, AppError, AppState};
use trellis_types::{ListResponse, UserOut};

use super::extract::{ApiQuery, Caller};

#[derive(Deserialize)]
pub struct Page {
    #[serde(default)]
    offset: Option<i64>,
    #[serde(default)]
    limit: Option<i64>,
}

/// `GET /api/v1/admin/users`: every user, newest first.
pub async fn list_users(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(p): ApiQuery<Page>,
) -> Result<Json<ListResponse<UserOut>>, AppError> {
    caller.require_admin()?;
    let rows = state
        .db
        .list_users(
            p.limit.unwrap_or(50).clamp(1, 500),
            p.offset.unwrap_or(0).max(0),
        )
        .await?;
    let mut data = Vec::with_capacity(rows.len());
    for r in &rows {
        data.push(accounts::user_out(&state, r).await?);
    }
    Ok(Json(ListResponse { data }))
}
