//! `/api/v1/plugins/{id}/reviews` and `/api/v1/plugins/{id}/rating`: reviews
//! (list, create, read, change and delete one's own), the publisher's reply,
//! helpful votes, abuse reports, the rating summary and its monthly trend. Reads are public;
//! writes need a session or a token with the `publish` scope (trellis-reviews
//! decides who may do what).

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;
use trellis_db::reviews::Sort;
use trellis_platform::AppState;
use trellis_reviews as reviews;
use trellis_types::{
    ListResponse, RatingOut, RatingTrendOut, ReplyIn, ReportIn, ReportOut, ReviewIn, ReviewOut,
    ReviewPatch,
};
use utoipa::{IntoParams, ToSchema};

use super::cursor;
use super::extract::{ApiJson, ApiPath, ApiQuery, Caller};
use super::openapi::{Conflict, Unprocessable};
use super::problem::ApiError;

/// The largest body a review write takes (a 5000-character text is at most 20 KB).
pub const MAX_BODY: usize = 64 * 1024;

/// The order of a review list.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ReviewSort {
    /// Most helpful votes first (the default).
    Helpful,
    /// Newest first.
    Newest,
    /// Most stars first.
    Highest,
    /// Fewest stars first.
    Lowest,
}

impl From<ReviewSort> for Sort {
    fn from(s: ReviewSort) -> Sort {
        match s {
            ReviewSort::Helpful => Sort::Helpful,
            ReviewSort::Newest => Sort::Newest,
            ReviewSort::Highest => Sort::Highest,
            ReviewSort::Lowest => Sort::Lowest,
        }
    }
}

/// Paging, order and filter of a plugin's reviews.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ReviewPage {
    /// `helpful` (default), `newest`, `highest` or `lowest`; ties newest first.
    #[serde(default)]
    #[param(inline)]
    sort: Option<ReviewSort>,
    /// Only reviews of this version.
    #[serde(default)]
    #[param(min_length = 1)]
    version: Option<String>,
    /// Page size, 1 to 100 (default 20).
    #[serde(default)]
    #[param(minimum = 1, maximum = 100)]
    limit: Option<i64>,
    /// The `next_cursor` of the previous page, unchanged.
    #[serde(default)]
    #[param(min_length = 1, pattern = "^[A-Za-z0-9_-]+$")]
    cursor: Option<String>,
}

/// The version a rating summary covers.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct RatingQuery {
    /// Only reviews of this version; absent: every version.
    #[serde(default)]
    #[param(min_length = 1)]
    version: Option<String>,
}

/// List a plugin's reviews.
#[utoipa::path(
    get,
    path = "/api/v1/plugins/{id}/reviews",
    operation_id = "v1.plugin.review.list",
    tag = "reviews",
    params(("id" = String, Path, description = "The plugin id, `namespace.name`."), ReviewPage),
    responses((status = 200, description = "A page of reviews.", body = ListResponse<ReviewOut>))
)]
pub async fn list_reviews(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<String>,
    ApiQuery(p): ApiQuery<ReviewPage>,
) -> Result<Json<ListResponse<ReviewOut>>, ApiError> {
    let limit = cursor::limit(p.limit, 20, reviews::MAX_PAGE)?;
    let offset = p
        .cursor
        .as_deref()
        .map(cursor::decode)
        .transpose()?
        .unwrap_or(0);
    no_empty_version(&p.version)?;
    let sort = p.sort.unwrap_or(ReviewSort::Helpful).into();
    let data = reviews::list(&state, &id, p.version.as_deref(), sort, offset, limit).await?;
    let next_cursor = cursor::next(data.len(), limit, || offset + limit);
    Ok(Json(ListResponse { data, next_cursor }))
}

/// Review a plugin (once; not a plugin of one's own namespaces).
#[utoipa::path(
    post,
    path = "/api/v1/plugins/{id}/reviews",
    operation_id = "v1.plugin.review.create",
    tag = "reviews",
    params(("id" = String, Path, description = "The plugin id, `namespace.name`.")),
    request_body = ReviewIn,
    security(("bearer" = ["publish"]), ("session" = [])),
    responses(
        (status = 201, description = "The review.", body = ReviewOut),
        (status = 409, response = Conflict),
        (status = 422, response = Unprocessable),
    )
)]
pub async fn create_review(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
    ApiJson(input): ApiJson<ReviewIn>,
) -> Result<(StatusCode, Json<ReviewOut>), ApiError> {
    Ok((
        StatusCode::CREATED,
        Json(reviews::create(&state, &caller, &id, input).await?),
    ))
}

/// Get a review (one a moderator hid: its author and admins only).
#[utoipa::path(
    get,
    path = "/api/v1/plugins/{id}/reviews/{review_id}",
    operation_id = "v1.plugin.review.get",
    tag = "reviews",
    params(
        ("id" = String, Path, description = "The plugin id, `namespace.name`."),
        ("review_id" = i64, Path, description = "The review id."),
    ),
    security((), ("bearer" = []), ("session" = [])),
    responses((status = 200, description = "The review.", body = ReviewOut))
)]
pub async fn get_review(
    State(state): State<AppState>,
    super::extract::MaybeCaller(caller): super::extract::MaybeCaller,
    ApiPath((id, review_id)): ApiPath<(String, i64)>,
) -> Result<Json<ReviewOut>, ApiError> {
    let viewer = caller.as_deref();
    Ok(Json(reviews::get_as(&state, viewer, &id, review_id).await?))
}

/// Change one's own review (absent fields stay as they are).
#[utoipa::path(
    patch,
    path = "/api/v1/plugins/{id}/reviews/{review_id}",
    operation_id = "v1.plugin.review.update",
    tag = "reviews",
    params(
        ("id" = String, Path, description = "The plugin id, `namespace.name`."),
        ("review_id" = i64, Path, description = "The review id."),
    ),
    request_body = ReviewPatch,
    security(("bearer" = ["publish"]), ("session" = [])),
    responses(
        (status = 200, description = "The review as changed.", body = ReviewOut),
        (status = 422, response = Unprocessable),
    )
)]
pub async fn update_review(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath((id, review_id)): ApiPath<(String, i64)>,
    ApiJson(patch): ApiJson<ReviewPatch>,
) -> Result<Json<ReviewOut>, ApiError> {
    Ok(Json(
        reviews::update(&state, &caller, &id, review_id, patch).await?,
    ))
}

/// Delete one's own review (admins: any review).
#[utoipa::path(
    delete,
    path = "/api/v1/plugins/{id}/reviews/{review_id}",
    operation_id = "v1.plugin.review.delete",
    tag = "reviews",
    params(
        ("id" = String, Path, description = "The plugin id, `namespace.name`."),
        ("review_id" = i64, Path, description = "The review id."),
    ),
    security(("bearer" = ["publish"]), ("session" = [])),
    responses((status = 204, description = "Deleted, with its reply, votes and reports."))
)]
pub async fn delete_review(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath((id, review_id)): ApiPath<(String, i64)>,
) -> Result<StatusCode, ApiError> {
    reviews::delete(&state, &caller, &id, review_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Reply to a review, or change the reply (members of the plugin's namespace).
#[utoipa::path(
    put,
    path = "/api/v1/plugins/{id}/reviews/{review_id}/reply",
    operation_id = "v1.plugin.review.reply.put",
    tag = "reviews",
    params(
        ("id" = String, Path, description = "The plugin id, `namespace.name`."),
        ("review_id" = i64, Path, description = "The review id."),
    ),
    request_body = ReplyIn,
    security(("bearer" = ["publish"]), ("session" = [])),
    responses(
        (status = 201, description = "Replied: the review with its reply.", body = ReviewOut),
        (status = 200, description = "The reply replaced: the review with it.", body = ReviewOut),
        (status = 422, response = Unprocessable),
    )
)]
pub async fn put_reply(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath((id, review_id)): ApiPath<(String, i64)>,
    ApiJson(input): ApiJson<ReplyIn>,
) -> Result<(StatusCode, Json<ReviewOut>), ApiError> {
    let (created, out) = reviews::reply(&state, &caller, &id, review_id, input).await?;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(out)))
}

/// Remove the reply to a review (members of the plugin's namespace).
#[utoipa::path(
    delete,
    path = "/api/v1/plugins/{id}/reviews/{review_id}/reply",
    operation_id = "v1.plugin.review.reply.delete",
    tag = "reviews",
    params(
        ("id" = String, Path, description = "The plugin id, `namespace.name`."),
        ("review_id" = i64, Path, description = "The review id."),
    ),
    security(("bearer" = ["publish"]), ("session" = [])),
    responses((status = 204, description = "The review has no reply."))
)]
pub async fn delete_reply(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath((id, review_id)): ApiPath<(String, i64)>,
) -> Result<StatusCode, ApiError> {
    reviews::delete_reply(&state, &caller, &id, review_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Mark a review helpful (once; not one's own).
#[utoipa::path(
    put,
    path = "/api/v1/plugins/{id}/reviews/{review_id}/helpful",
    operation_id = "v1.plugin.review.helpful.put",
    tag = "reviews",
    params(
        ("id" = String, Path, description = "The plugin id, `namespace.name`."),
        ("review_id" = i64, Path, description = "The review id."),
    ),
    security(("bearer" = ["publish"]), ("session" = [])),
    responses(
        (status = 201, description = "Voted: the review with its new count.", body = ReviewOut),
        (status = 409, response = Conflict),
    )
)]
pub async fn put_helpful(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath((id, review_id)): ApiPath<(String, i64)>,
) -> Result<(StatusCode, Json<ReviewOut>), ApiError> {
    Ok((
        StatusCode::CREATED,
        Json(reviews::vote(&state, &caller, &id, review_id).await?),
    ))
}

/// Withdraw one's helpful vote.
#[utoipa::path(
    delete,
    path = "/api/v1/plugins/{id}/reviews/{review_id}/helpful",
    operation_id = "v1.plugin.review.helpful.delete",
    tag = "reviews",
    params(
        ("id" = String, Path, description = "The plugin id, `namespace.name`."),
        ("review_id" = i64, Path, description = "The review id."),
    ),
    security(("bearer" = ["publish"]), ("session" = [])),
    responses((status = 204, description = "No vote of the caller's remains."))
)]
pub async fn delete_helpful(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath((id, review_id)): ApiPath<(String, i64)>,
) -> Result<StatusCode, ApiError> {
    reviews::unvote(&state, &caller, &id, review_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Report a review for abuse (once; not one's own).
#[utoipa::path(
    post,
    path = "/api/v1/plugins/{id}/reviews/{review_id}/reports",
    operation_id = "v1.plugin.review.report.create",
    tag = "reviews",
    params(
        ("id" = String, Path, description = "The plugin id, `namespace.name`."),
        ("review_id" = i64, Path, description = "The review id."),
    ),
    request_body = ReportIn,
    security(("bearer" = ["publish"]), ("session" = [])),
    responses(
        (status = 201, description = "The report, for the admins.", body = ReportOut),
        (status = 409, response = Conflict),
        (status = 422, response = Unprocessable),
    )
)]
pub async fn create_report(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath((id, review_id)): ApiPath<(String, i64)>,
    ApiJson(input): ApiJson<ReportIn>,
) -> Result<(StatusCode, Json<ReportOut>), ApiError> {
    Ok((
        StatusCode::CREATED,
        Json(reviews::report(&state, &caller, &id, review_id, input).await?),
    ))
}

/// Get a plugin's rating summary (of one version with `?version=`).
#[utoipa::path(
    get,
    path = "/api/v1/plugins/{id}/rating",
    operation_id = "v1.plugin.rating.get",
    tag = "reviews",
    params(("id" = String, Path, description = "The plugin id, `namespace.name`."), RatingQuery),
    responses((status = 200, description = "Count, average, distribution and Bayesian average.", body = RatingOut))
)]
pub async fn get_rating(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<String>,
    ApiQuery(q): ApiQuery<RatingQuery>,
) -> Result<Json<RatingOut>, ApiError> {
    no_empty_version(&q.version)?;
    Ok(Json(
        reviews::rating(&state, &id, q.version.as_deref()).await?,
    ))
}

/// The window of a rating trend.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct TrendQuery {
    /// Months covered, ending with the current month (UTC): 1 to 60, default 12.
    #[serde(default)]
    #[param(minimum = 1, maximum = 60)]
    months: Option<i64>,
}

/// Get a plugin's average rating per month.
#[utoipa::path(
    get,
    path = "/api/v1/plugins/{id}/rating/trend",
    operation_id = "v1.plugin.rating.trend",
    tag = "reviews",
    params(("id" = String, Path, description = "The plugin id, `namespace.name`."), TrendQuery),
    responses((status = 200, description = "Every month of the window, oldest first: reviews \
        written, their mean stars, and the mean of every review up to that month's end.", body = RatingTrendOut))
)]
pub async fn get_rating_trend(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<String>,
    ApiQuery(q): ApiQuery<TrendQuery>,
) -> Result<Json<RatingTrendOut>, ApiError> {
    let months = q.months.unwrap_or(reviews::trend::DEFAULT_MONTHS);
    if !(1..=reviews::trend::MAX_MONTHS).contains(&months) {
        return Err(trellis_platform::AppError::new(
            trellis_types::ErrorCode::BadRequest,
            format!(
                "The query parameter `months` is 1 to {}.",
                reviews::trend::MAX_MONTHS
            ),
        )
        .into());
    }
    Ok(Json(reviews::trend(&state, &id, months).await?))
}

/// `?version=` with nothing after it is a mistake, not "every version".
fn no_empty_version(v: &Option<String>) -> Result<(), ApiError> {
    if v.as_deref().is_some_and(str::is_empty) {
        return Err(trellis_platform::AppError::new(
            trellis_types::ErrorCode::BadRequest,
            "The query parameter `version` is empty: leave it out to cover every version.",
        )
        .into());
    }
    Ok(())
}
