//! The event envelope ([`Event`]): the input of a plugin's `on_event` export, for every
//! event type the manifest's `[events] subscribe` matches. Platform events and events
//! other plugins emitted share this shape; `hops` counts how many plugin emissions led
//! to the event (0 for a platform event), and the host stops delivering an event to
//! plugins once it reaches its hop limit, so two plugins cannot loop forever.
//!
//! Deserialisation is lenient: unknown fields are ignored and missing optional ones
//! default, so a plugin keeps working when the host adds fields.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// One event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    /// Unique, sortable by creation time (`evt_…`).
    pub id: String,
    /// The event type (`review.created`, `labs.ok`, …).
    #[serde(rename = "type")]
    pub kind: String,
    /// RFC 3339, UTC.
    #[serde(default)]
    pub occurred_at: String,
    /// What the event is about.
    #[serde(default)]
    pub subject: Subject,
    /// The namespace the event belongs to, when it has one.
    #[serde(default)]
    pub namespace: Option<String>,
    /// Who caused the event.
    #[serde(default)]
    pub actor: Actor,
    /// The type's data (see the event catalogue, `GET /api/v1/event-types`).
    #[serde(default)]
    pub data: Value,
    /// How many plugin emissions led to this event (0 for a platform event).
    #[serde(default)]
    pub hops: u32,
}

impl Event {
    /// [`Event::data`] decoded into your own type.
    pub fn data_as<T: DeserializeOwned>(&self) -> Result<T, serde_json::Error> {
        T::deserialize(&self.data)
    }
}

/// What an event is about: a `kind` (`plugin`, `namespace`, `user`, …) and an `id`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Subject {
    /// `plugin`, `namespace`, `user`, `token`, …
    #[serde(default)]
    pub kind: String,
    /// The plugin id, namespace name, username, …
    #[serde(default)]
    pub id: String,
}

/// Who caused an event. `kind` is `user` or `system` for platform events; other fields
/// the host sends (`user_id`, `username`, `token_id`, …) are kept in `fields`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Actor {
    /// `user`, `system`, …
    #[serde(rename = "type", default)]
    pub kind: String,
    /// The acting user's name, when there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    /// Every other field of the actor.
    #[serde(flatten)]
    pub fields: Map<String, Value>,
}

#[cfg(test)]
mod tests {
    use super::Event;
    use serde_json::json;

    #[test]
    fn the_contract_envelope_parses() {
        let e: Event = serde_json::from_value(json!({
            "id": "evt_01", "type": "review.created", "occurred_at": "2026-01-01T00:00:00.000Z",
            "subject": {"kind": "plugin", "id": "acme.tools"}, "namespace": "acme",
            "actor": {"type": "user", "user_id": 7, "username": "alice"},
            "data": {"rating": 5}, "hops": 2, "future_field": true
        }))
        .unwrap();
        assert_eq!(e.kind, "review.created");
        assert_eq!(
            (e.subject.kind.as_str(), e.subject.id.as_str()),
            ("plugin", "acme.tools")
        );
        assert_eq!(e.actor.username.as_deref(), Some("alice"));
        assert_eq!(e.actor.fields["user_id"], 7);
        assert_eq!(e.hops, 2);
        assert_eq!(e.data_as::<serde_json::Value>().unwrap()["rating"], 5);
    }

    #[test]
    fn a_minimal_envelope_parses() {
        let e: Event = serde_json::from_value(json!({"id": "evt_1", "type": "a.b"})).unwrap();
        assert_eq!((e.hops, e.namespace), (0, None));
    }
}
