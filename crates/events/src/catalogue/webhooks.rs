//! Event types of webhooks: endpoints created, changed, deleted, their secret
//! rotated, disabled by Trellis, and the test event an endpoint is sent on
//! request. An endpoint's URL never appears in an event (chat services' webhook
//! URLs are secrets); its host does.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{EventData, Subject};

event_type! {
    WebhookEndpointCreated = "webhook.endpoint.created", subject "webhook_endpoint" (endpoint_id),
    namespace (optional),
    "A webhook endpoint was created.",
    {
        /// `ep_` and a ULID.
        endpoint_id: String,
        /// The namespace whose events it gets; none for an instance-wide endpoint.
        namespace: Option<String>,
        /// The host of its URL.
        host: String,
        event_types: Vec<String>,
        /// `standard`, `slack`, `discord` or `teams`.
        format: String
    },
    example WebhookEndpointCreated {
        endpoint_id: "ep_01JDZ8Q4X9R7M2N5K3H6G1F0E".into(),
        namespace: Some("acme".into()),
        host: "hooks.example.com".into(),
        event_types: vec!["plugin.*".into()],
        format: "standard".into(),
    }
}

event_type! {
    WebhookEndpointUpdated = "webhook.endpoint.updated", subject "webhook_endpoint" (endpoint_id),
    namespace (optional),
    "A webhook endpoint's settings were changed (enabling or disabling it by hand included).",
    {
        endpoint_id: String,
        namespace: Option<String>,
        /// The fields that changed (`url`, `event_types`, `enabled`, …).
        changed: Vec<String>,
        enabled: bool
    },
    example WebhookEndpointUpdated {
        endpoint_id: "ep_01JDZ8Q4X9R7M2N5K3H6G1F0E".into(),
        namespace: Some("acme".into()),
        changed: vec!["event_types".into(), "filter".into()],
        enabled: true,
    }
}

event_type! {
    WebhookEndpointDeleted = "webhook.endpoint.deleted", subject "webhook_endpoint" (endpoint_id),
    namespace (optional),
    "A webhook endpoint was deleted, with its delivery log.",
    {
        endpoint_id: String,
        namespace: Option<String>
    },
    example WebhookEndpointDeleted {
        endpoint_id: "ep_01JDZ8Q4X9R7M2N5K3H6G1F0E".into(),
        namespace: Some("acme".into()),
    }
}

event_type! {
    WebhookEndpointSecretRotated = "webhook.endpoint.secret_rotated", subject "webhook_endpoint" (endpoint_id),
    namespace (optional),
    "A webhook endpoint's signing secret was rotated; the previous one signs too until `previous_secret_until`.",
    {
        endpoint_id: String,
        namespace: Option<String>,
        /// Unix seconds.
        previous_secret_until: i64
    },
    example WebhookEndpointSecretRotated {
        endpoint_id: "ep_01JDZ8Q4X9R7M2N5K3H6G1F0E".into(),
        namespace: Some("acme".into()),
        previous_secret_until: 1_798_761_600,
    }
}

event_type! {
    WebhookEndpointDisabled = "webhook.endpoint.disabled", subject "webhook_endpoint" (endpoint_id),
    namespace (optional),
    "Trellis disabled a webhook endpoint: its receiver answered 410 Gone (`gone`), or every attempt failed for `webhooks.disable_after_failing_secs` (`failing`). Messages are no longer sent to it until it is enabled again.",
    {
        endpoint_id: String,
        namespace: Option<String>,
        /// `gone` or `failing`.
        reason: String,
        /// Unix seconds: since when every attempt failed.
        failing_since: Option<i64>,
        /// The last attempt's error.
        last_error: String
    },
    example WebhookEndpointDisabled {
        endpoint_id: "ep_01JDZ8Q4X9R7M2N5K3H6G1F0E".into(),
        namespace: Some("acme".into()),
        reason: "failing".into(),
        failing_since: Some(1_798_329_600),
        last_error: "HTTP 503".into(),
    }
}

event_type! {
    WebhookTest = "webhook.test", subject "webhook_endpoint" (endpoint_id),
    namespace (optional),
    "A test event, sent to one endpoint when someone asks for it (never written to the log, so no other endpoint gets it).",
    {
        endpoint_id: String,
        namespace: Option<String>,
        message: String
    },
    example WebhookTest {
        endpoint_id: "ep_01JDZ8Q4X9R7M2N5K3H6G1F0E".into(),
        namespace: None,
        message: "Test event from Trellis".into(),
    }
}
