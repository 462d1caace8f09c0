//! `POST /api/v1/resolve`: an install plan for a set of plugins.

use axum::extract::State;
use axum::Json;
use trellis_platform::registry::resolve;
use trellis_platform::AppState;
use trellis_types::{PlanOut, ResolveIn};

use super::extract::ApiJson;
use super::problem::ApiError;

/// `POST /api/v1/resolve`: 200 with the plan, or 422 `resolution_failed` with
/// `explanation`, `derivation` and `unknown`.
pub async fn resolve_plan(
    State(state): State<AppState>,
    ApiJson(input): ApiJson<ResolveIn>,
) -> Result<Json<PlanOut>, ApiError> {
    Ok(Json(resolve::resolve(&state, &input).await?))
}
