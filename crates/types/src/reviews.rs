//! Reviews and ratings as the API shows them: a review (1-5 stars, a title and
//! a text, the plugin version and Trellis API version the reviewer used), the
//! publisher's reply, helpful votes, abuse reports and the rating summary of a
//! plugin. Texts are plain text (never HTML: the UI escapes them). Times are
//! unix seconds.

use serde::{Deserialize, Serialize};

/// A new review.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ReviewIn {
    /// 1 to 5.
    pub stars: i64,
    /// 1 to 120 characters (trimmed, control characters removed).
    pub title: String,
    /// 1 to 5000 characters (trimmed, control characters removed).
    pub text: String,
    /// The version reviewed: one of the plugin's published versions. Default:
    /// the latest version that is not yanked.
    #[serde(default)]
    pub version: Option<String>,
    /// The Trellis plugin API version the reviewer ran it with (`1.0.0`).
    #[serde(default)]
    pub api_version: Option<String>,
}

/// Changes to one's own review (absent fields stay as they are).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ReviewPatch {
    #[serde(default)]
    pub stars: Option<i64>,
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub text: Option<String>,
    #[serde(default)]
    pub version: Option<String>,
    #[serde(default)]
    pub api_version: Option<String>,
}

/// A publisher's reply to a review.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ReplyIn {
    /// 1 to 5000 characters (trimmed, control characters removed).
    pub text: String,
}

/// A report of a review for abuse.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ReportIn {
    /// `spam`, `abuse`, `off_topic` or `other`.
    pub reason: String,
    /// Up to 1000 characters.
    #[serde(default)]
    pub text: Option<String>,
}

/// A publisher's reply as shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReplyOut {
    pub text: String,
    /// Who replied (a member of the plugin's namespace).
    pub author: String,
    pub created_at: i64,
    pub updated_at: i64,
}

/// A review.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReviewOut {
    pub id: i64,
    pub plugin: String,
    pub author: String,
    pub stars: i64,
    pub title: String,
    pub text: String,
    pub version: String,
    pub api_version: Option<String>,
    /// How many users found it helpful.
    pub helpful: i64,
    pub reply: Option<ReplyOut>,
    pub created_at: i64,
    pub updated_at: i64,
    /// Set when a moderator hid the review: only its author (and admins) still
    /// see it, with this note; it counts in no rating.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hidden: Option<crate::ReviewHiddenOut>,
}

/// A report as recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReportOut {
    pub review_id: i64,
    pub reason: String,
    pub text: String,
    pub created_at: i64,
}

/// The ratings of a plugin (or of one of its versions).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RatingOut {
    pub plugin: String,
    /// The version summarised; none for every version.
    pub version: Option<String>,
    pub count: i64,
    /// Mean stars; none without reviews.
    pub average: Option<f64>,
    /// Reviews with 1, 2, 3, 4 and 5 stars.
    pub distribution: [i64; 5],
    /// `(m * C + sum of stars) / (m + count)` with `m` = `prior_votes` reviews
    /// at `C` = `prior_mean`, the mean of every review on this instance (3.0
    /// while there are none): what search ranking uses.
    pub bayesian_average: f64,
    pub prior_votes: f64,
    pub prior_mean: f64,
}
