//! Events as the API shows them: the envelope of an event in the log, and an
//! entry of the event catalogue.

use serde::{Deserialize, Serialize};

/// Who caused an event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct EventActor {
    /// `user` (a person, through a session or a token) or `system` (the
    /// instance itself: the command line, housekeeping).
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    /// The API token used, when the user acted through one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_id: Option<i64>,
}

/// What an event is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct EventSubject {
    /// `plugin`, `namespace`, `user` or `token`.
    pub kind: String,
    /// The plugin id, namespace name, username or token id.
    pub id: String,
}

/// One event of the log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct EventOut {
    /// Unique and sortable by creation time (`evt_` and a ULID).
    pub id: String,
    /// A type of the catalogue (`GET /api/v1/event-types`).
    #[serde(rename = "type")]
    pub kind: String,
    /// RFC 3339, UTC, millisecond precision.
    pub occurred_at: String,
    pub actor: EventActor,
    pub subject: EventSubject,
    /// The namespace the event belongs to, for plugin and namespace events.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// The type's data, as its schema in the catalogue describes.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub data: serde_json::Value,
}

/// An event type of the catalogue.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct EventTypeOut {
    /// `plugin.version.published`, …
    #[serde(rename = "type")]
    pub kind: String,
    pub description: String,
    /// What the subject of events of this type is (`plugin`, `namespace`, …).
    pub subject: String,
    /// JSON Schema of the event's `data`.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub schema: serde_json::Value,
    /// An example of the event's `data`.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub example: serde_json::Value,
}

/// Events counted after a follower's position, at most: a follower further
/// behind shows this many.
pub const FOLLOWER_LAG_CAP: i64 = 100_000;

/// A place in the event log: the event at `(tx, seq)`. Positions compare in log
/// order, `tx` first (always 0 on SQLite).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct LogPositionOut {
    pub tx: i64,
    pub seq: i64,
}

/// The job queue at a glance.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct JobQueueOut {
    /// Waiting to run (due now or later).
    pub queued: i64,
    /// Queued and due now.
    pub due: i64,
    pub running: i64,
    /// Finished, kept until retention prunes them.
    pub done: i64,
    /// Given up after their last attempt, kept until retention prunes them.
    pub failed: i64,
    /// When the oldest job that is due and not yet run became due (unix seconds).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub oldest_due_at: Option<i64>,
    /// How long it has been waiting, in seconds (0 when nothing is due).
    pub oldest_due_age_secs: i64,
}

/// A job that failed for good.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct FailedJobOut {
    pub id: i64,
    /// What the job does (`artifact.delete`, …).
    pub kind: String,
    /// Attempts made.
    pub attempts: i64,
    /// The error of the last attempt.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_error: Option<String>,
    /// When it was given up (unix seconds).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finished_at: Option<i64>,
}

/// A follower of the log, from its stored cursor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct FollowerOut {
    /// The follower's name (node-local followers end in `@<node>`).
    pub name: String,
    /// The last event it applied.
    pub position: LogPositionOut,
    /// Events after its position (counted up to 100000).
    pub lag_events: i64,
    /// Age of the oldest event it has not read, in seconds (0 when caught up).
    pub lag_seconds: i64,
    /// When it last stored its position (unix seconds).
    pub updated_at: i64,
}

/// How many events of one type the log holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct EventTypeCountOut {
    #[serde(rename = "type")]
    pub kind: String,
    pub count: i64,
}

/// The health of the event bus, for administrators.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct EventBusOut {
    pub queue: JobQueueOut,
    /// The newest jobs that failed for good (at most 20), newest first.
    pub failed_jobs: Vec<FailedJobOut>,
    /// Followers whose position was stored within the retention period (at most
    /// 50), most recently updated first.
    pub followers: Vec<FollowerOut>,
    /// Events per type in the log (pruned events are not counted).
    pub event_counts: Vec<EventTypeCountOut>,
    /// The last event followers can read now; absent when the log is empty.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub head: Option<LogPositionOut>,
}
