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
