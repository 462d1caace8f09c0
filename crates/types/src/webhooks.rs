//! Webhooks as the API and the console show them: endpoints, their secret,
//! messages (one event for one endpoint) with their attempts, and delivery
//! analytics. Times are unix seconds, latencies milliseconds.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// A new endpoint.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct EndpointIn {
    /// Where deliveries are POSTed: an `http` or `https` URL.
    pub url: String,
    #[serde(default)]
    pub description: String,
    /// Event types to deliver: exact types of the catalogue, `prefix.*`
    /// wildcards (`plugin.*`), or `*` for every type. Default: `["*"]`.
    #[serde(default)]
    pub event_types: Option<Vec<String>>,
    /// Only this namespace's events (publishers: a namespace they administer).
    /// Absent: every event of the instance (admins only).
    #[serde(default)]
    pub namespace: Option<String>,
    /// Conditions on the event, all of which must hold:
    /// `[{"path": "data.version", "op": "prefix", "value": "1."}]`. Operators:
    /// `eq`, `ne`, `in`, `nin`, `gt`, `gte`, `lt`, `lte`, `exists`, `contains`, `prefix`.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Vec<Object>>))]
    pub filter: Option<serde_json::Value>,
    /// Headers added to every delivery.
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// Deliveries per second at most (1..=1000); absent: no limit.
    #[serde(default)]
    pub rate_limit_per_sec: Option<i64>,
    /// `standard` (the Standard Webhooks JSON envelope, default), `slack`,
    /// `discord` or `teams` (a message for that service's incoming webhooks).
    #[serde(default)]
    pub format: Option<String>,
    /// Default: true.
    #[serde(default)]
    pub enabled: Option<bool>,
    /// The signing secret (`whsec_` and base64 of 24 to 64 bytes); absent: one
    /// is generated.
    #[serde(default)]
    pub secret: Option<String>,
}

/// Changes to an endpoint: absent fields stay as they are. `filter: []` removes
/// the filter, `rate_limit_per_sec: 0` the rate limit.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct EndpointPatch {
    #[serde(default)]
    pub url: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub event_types: Option<Vec<String>>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Vec<Object>>))]
    pub filter: Option<serde_json::Value>,
    #[serde(default)]
    pub headers: Option<BTreeMap<String, String>>,
    #[serde(default)]
    pub rate_limit_per_sec: Option<i64>,
    #[serde(default)]
    pub format: Option<String>,
    /// Enabling an endpoint that was disabled (by hand, by a 410, or for
    /// failing) clears its failure record.
    #[serde(default)]
    pub enabled: Option<bool>,
}

/// Delivery health of an endpoint over the last 24 hours.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EndpointHealth {
    pub attempts_24h: i64,
    pub successes_24h: i64,
    /// Successful attempts / attempts; null without attempts.
    pub success_rate_24h: Option<f64>,
    /// Messages waiting for delivery (first try or a retry).
    pub pending: i64,
    pub last_attempt_at: Option<i64>,
    pub last_status: Option<i64>,
}

/// An endpoint (never its secret: see `GET …/secret`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EndpointOut {
    /// `ep_` and a ULID.
    pub id: String,
    pub namespace: Option<String>,
    pub url: String,
    pub description: String,
    pub event_types: Vec<String>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Vec<Object>>))]
    pub filter: Option<serde_json::Value>,
    pub headers: BTreeMap<String, String>,
    pub rate_limit_per_sec: Option<i64>,
    pub format: String,
    pub enabled: bool,
    /// `manual`, `gone` (the receiver answered 410 Gone) or `failing` (every
    /// attempt failed for `webhooks.disable_after_failing_secs`).
    pub disabled_reason: Option<String>,
    pub disabled_at: Option<i64>,
    /// Since when every attempt has failed; null after a success.
    pub failing_since: Option<i64>,
    /// True while a rotation's previous secret still signs.
    pub rotating: bool,
    pub created_at: i64,
    pub updated_at: i64,
    pub health: EndpointHealth,
}

/// An endpoint's signing secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EndpointSecretOut {
    /// `whsec_…`: verify `webhook-signature` with it.
    pub secret: String,
    /// During a rotation: when the previous secret stops signing.
    pub previous_secret_until: Option<i64>,
}

/// Rotating an endpoint's secret.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RotateSecretIn {
    /// The new secret; absent: one is generated.
    #[serde(default)]
    pub secret: Option<String>,
}

/// Replaying an endpoint's failed messages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ReplayIn {
    /// Every failed message created at or after this time (unix seconds) is sent again.
    pub since: i64,
}

/// What a replay queued.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReplayOut {
    pub queued: i64,
}

/// One event for one endpoint, and how its delivery went.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MessageOut {
    /// `msg_` and a ULID.
    pub id: String,
    pub endpoint_id: String,
    /// Also the `webhook-id` header: the receiver's idempotency key.
    pub event_id: String,
    pub event_type: String,
    /// `pending`, `delivered` or `failed`.
    pub state: String,
    pub attempts: i64,
    pub last_status: Option<i64>,
    pub last_error: Option<String>,
    pub created_at: i64,
    pub last_attempt_at: Option<i64>,
    pub next_attempt_at: Option<i64>,
    pub delivered_at: Option<i64>,
    /// The event's envelope as delivered in the `standard` format.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub payload: serde_json::Value,
}

/// One delivery attempt.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AttemptOut {
    pub id: i64,
    /// Unix milliseconds.
    pub attempted_at_ms: i64,
    pub success: bool,
    pub status_code: Option<i64>,
    pub latency_ms: i64,
    /// Why it failed: `http_status` (a status other than 2xx), `gone` (410),
    /// `redirect` (3xx, not followed), `timeout`, `connect`, `dns`,
    /// `refused_address` (the SSRF guard), `body`, `request`.
    pub error_kind: Option<String>,
    pub error: Option<String>,
    /// The request headers sent (signatures included).
    pub request_headers: BTreeMap<String, String>,
    pub response_headers: Option<BTreeMap<String, String>>,
    /// The response body, truncated to `webhooks.response_body_bytes`.
    pub response_body: Option<String>,
}

/// A message with its attempts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MessageDetailOut {
    pub message: MessageOut,
    /// Oldest first.
    pub attempts: Vec<AttemptOut>,
}

/// Latency percentiles (ms) over a window.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LatencyOut {
    pub p50: Option<i64>,
    pub p95: Option<i64>,
    pub p99: Option<i64>,
}

/// Failed attempts of one kind.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FailureCount {
    pub reason: String,
    pub count: i64,
}

/// One bucket of the delivery time series.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StatsBucket {
    /// Start of the bucket (unix seconds).
    pub start: i64,
    pub attempts: i64,
    pub successes: i64,
    pub success_rate: Option<f64>,
    pub avg_latency_ms: Option<f64>,
    pub max_latency_ms: Option<i64>,
}

/// Delivery analytics over a window, for one endpoint or all the caller sees.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WebhookStatsOut {
    /// `1h`, `24h`, `7d` or `30d`.
    pub window: String,
    pub since: i64,
    pub endpoint_id: Option<String>,
    pub attempts: i64,
    pub successes: i64,
    pub success_rate: Option<f64>,
    /// Messages created in the window, delivered, failed for good.
    pub messages: i64,
    pub delivered: i64,
    pub failed: i64,
    /// Attempts per message created in the window.
    pub attempts_per_message: Option<f64>,
    pub latency_ms: LatencyOut,
    pub failures_by_reason: Vec<FailureCount>,
    pub bucket_secs: i64,
    /// Every bucket of the window, oldest first (empty buckets included).
    pub series: Vec<StatsBucket>,
}

/// The analytics windows.
pub const STATS_WINDOWS: [(&str, i64); 4] = [
    ("1h", 3600),
    ("24h", 86_400),
    ("7d", 7 * 86_400),
    ("30d", 30 * 86_400),
];

/// Message states.
pub const MESSAGE_STATES: [&str; 3] = ["pending", "delivered", "failed"];

/// Endpoint formats.
pub const ENDPOINT_FORMATS: [&str; 4] = ["standard", "slack", "discord", "teams"];
