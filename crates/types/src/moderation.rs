//! Moderation and administration as the API shows them: reports of plugins,
//! the moderation queue (reported reviews and plugins grouped per target), a
//! moderator's reason, a hidden review's note, a plugin's delisting, and users
//! as admins see them (with whether they are disabled). Times are unix seconds.

use serde::{Deserialize, Serialize};

use crate::MembershipOut;

/// A report of a plugin (once per user per plugin).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PluginReportIn {
    /// `spam`, `malware`, `abuse`, `impersonation` or `other`.
    #[cfg_attr(
        feature = "openapi",
        schema(pattern = "^(spam|malware|abuse|impersonation|other)$")
    )]
    pub reason: String,
    /// Up to 1000 characters: what is wrong, for the moderators.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_length = 1000))]
    pub text: Option<String>,
}

/// A report of a plugin as recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PluginReportOut {
    pub plugin: String,
    pub reason: String,
    pub text: String,
    pub created_at: i64,
}

/// A moderator's reason for an action (hide, delist, disable).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ModerationIn {
    /// 1 to 500 characters. A delisting's reason is public (the plugin's page
    /// shows it); a hidden review's is shown to its author; a disabled user's
    /// only to admins.
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 500))]
    pub reason: String,
}

/// Why a moderator hid a review (shown to its author only: others no longer
/// see the review at all).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReviewHiddenOut {
    pub reason: String,
    pub hidden_at: i64,
}

/// A plugin's delisting: out of search, listings and feeds; its page, its
/// published versions and their downloads stay.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DelistingOut {
    pub plugin: String,
    /// The moderators' public reason.
    pub reason: String,
    pub delisted_at: i64,
}

/// How many reports gave one reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReasonCountOut {
    pub reason: String,
    pub count: i64,
}

/// How a target's reports were resolved (the latest resolution).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ResolutionOut {
    /// `hidden`, `delisted` or `dismissed`.
    pub action: String,
    /// The admin who resolved them (none once that account is gone).
    pub by: Option<String>,
    pub at: i64,
}

/// A reported review, as the queue shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReportedReviewOut {
    pub id: i64,
    pub author: String,
    pub stars: i64,
    pub title: String,
    pub text: String,
    pub version: String,
    /// Set while a moderator keeps it hidden.
    pub hidden: Option<ReviewHiddenOut>,
}

/// A reported review or plugin with its reports (open ones, or resolved ones),
/// grouped.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReportedOut {
    /// `review` or `plugin`.
    pub kind: String,
    /// The plugin reported, or the one the review is about.
    pub plugin: String,
    pub plugin_name: String,
    /// The review (`kind` = `review`).
    pub review: Option<ReportedReviewOut>,
    /// Set while the plugin is delisted.
    pub delisted: Option<DelistingOut>,
    /// Reports in this list's state.
    pub reports: i64,
    /// Their reasons, most frequent first.
    pub reasons: Vec<ReasonCountOut>,
    /// The newest report's text that is not empty.
    pub latest_text: Option<String>,
    pub first_reported_at: i64,
    pub last_reported_at: i64,
    /// How they were resolved (resolved reports only).
    pub resolution: Option<ResolutionOut>,
}

/// How many open reports a dismissal resolved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DismissOut {
    pub dismissed: i64,
}

/// Why and since when an account is disabled (admins only).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UserDisabledOut {
    pub reason: String,
    pub disabled_at: i64,
}

/// A user as admins see them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AdminUserOut {
    pub id: i64,
    pub username: String,
    pub is_admin: bool,
    pub created_at: i64,
    /// Namespaces the user belongs to, with their role there.
    pub namespaces: Vec<MembershipOut>,
    /// Set while the account is disabled.
    pub disabled: Option<UserDisabledOut>,
}
