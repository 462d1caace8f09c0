//! `POST /api/v1/resolve`: an install plan for a set of plugins.

use axum::extract::State;
use axum::Json;
use trellis_platform::registry::resolve;
use trellis_platform::AppState;
use trellis_types::{PlanOut, ResolveIn};

use super::extract::ApiJson;
use super::openapi::Unprocessable;
use super::problem::ApiError;

/// Compute an install plan for a set of plugins.
///
/// 200 with the plan, or 422 `resolution_failed` with `explanation`,
/// `derivation` and `unknown`.
#[utoipa::path(
    post,
    path = "/api/v1/resolve",
    operation_id = "v1.resolve",
    tag = "catalogue",
    request_body = ResolveIn,
    responses(
        (status = 200, description = "The install plan, dependencies first.", body = PlanOut),
        (status = 422, response = Unprocessable),
    )
)]
pub async fn resolve_plan(
    State(state): State<AppState>,
    ApiJson(input): ApiJson<ResolveIn>,
) -> Result<Json<PlanOut>, ApiError> {
    Ok(Json(resolve::resolve(&state, &input).await?))
}
