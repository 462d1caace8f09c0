//! `/api/v1/admin/*`: instance administration (admin role + admin scope).

use axum::extract::State;
use axum::Json;
use serde::Deserialize;
use trellis_platform::{accounts, AppState};
use trellis_types::{ListResponse, UserOut};

use super::extract::{ApiQuery, Caller};
use super::problem::ApiError;

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
) -> Result<Json<ListResponse<UserOut>>, ApiError> {
    let data = accounts::list_users(
        &state,
        &caller,
        p.limit.unwrap_or(50),
        p.offset.unwrap_or(0),
    )
    .await?;
    Ok(Json(ListResponse { data }))
}
