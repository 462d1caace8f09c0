//! The webhook console's reads: the endpoint list with the last day's
//! analytics, one endpoint with its analytics and recent messages, its secret
//! (only when asked for), the message log, one message with its attempts, and
//! the event-type catalogue. Each calls a `trellis_webhooks` service, which
//! decides who sees what (admins every endpoint, publishers those of their
//! namespaces; the `webhooks` scope, which a browser session holds).
//!
//! The actions (create, edit, delete, rotate, test, replay, retry) are in
//! [`super::webhook_actions`].

use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use trellis_types::{
    EndpointOut, EndpointSecretOut, EventTypeOut, MessageDetailOut, MessageOut, WebhookStatsOut,
};

use crate::error::UiError;

/// Endpoints shown per page of the list.
pub const ENDPOINT_PAGE: i64 = 50;
/// Messages shown per page of the log.
pub const MESSAGE_PAGE: i64 = 50;
/// Recent messages shown on an endpoint's page.
pub const RECENT_MESSAGES: i64 = 10;

/// What `/webhooks` shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OverviewData {
    /// Newest first.
    pub endpoints: Vec<EndpointOut>,
    pub next_cursor: Option<String>,
    /// Every endpoint the user sees, over the last 24 hours.
    pub stats: WebhookStatsOut,
}

/// What `/webhooks/:id` shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EndpointData {
    pub endpoint: EndpointOut,
    pub stats: WebhookStatsOut,
    /// Newest first.
    pub recent: Vec<MessageOut>,
    /// The catalogue's types, for the edit form.
    pub types: Vec<String>,
}

/// What `/webhooks/messages` shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MessageLogData {
    /// Newest first.
    pub messages: Vec<MessageOut>,
    pub next_cursor: Option<String>,
    /// The endpoints the user sees (id, URL), for the filter.
    pub endpoints: Vec<(String, String)>,
    /// The catalogue's types, then their prefixes (`plugin.*`), for the filter.
    pub types: Vec<String>,
}

/// The analytics window asked for, `24h` when none or an unknown one.
pub fn window_or_default(w: Option<&str>) -> String {
    match w {
        Some(w) if trellis_types::STATS_WINDOWS.iter().any(|(n, _)| *n == w) => w.to_owned(),
        _ => "24h".to_owned(),
    }
}

/// The event-type catalogue's type names.
#[cfg(feature = "ssr")]
fn type_names() -> Vec<String> {
    trellis_platform::events::event_types()
        .into_iter()
        .map(|t| t.kind)
        .collect()
}

/// The endpoints the user sees and their last day's analytics.
#[server]
pub async fn webhooks_overview(cursor: Option<String>) -> Result<OverviewData, UiError> {
    use super::ssr::*;
    use super::webhook_form::set;
    let state = state()?;
    let s = session().await?;
    let actor = require_actor(&state, &s).await?;
    let cursor = set(cursor);
    let (endpoints, next_cursor) =
        trellis_webhooks::endpoints::list(&state, &actor, None, cursor.as_deref(), ENDPOINT_PAGE)
            .await?;
    let stats = trellis_webhooks::stats::stats(&state, &actor, None, "24h").await?;
    Ok(OverviewData {
        endpoints,
        next_cursor,
        stats,
    })
}

/// Analytics over every endpoint the user sees, over `window` (1h, 24h, 7d, 30d).
#[server]
pub async fn webhook_stats(window: Option<String>) -> Result<WebhookStatsOut, UiError> {
    use super::ssr::*;
    let state = state()?;
    let s = session().await?;
    let actor = require_actor(&state, &s).await?;
    let window = window_or_default(window.as_deref());
    Ok(trellis_webhooks::stats::stats(&state, &actor, None, &window).await?)
}

/// The catalogue's type names (for the create form).
#[server]
pub async fn webhook_type_names() -> Result<Vec<String>, UiError> {
    Ok(type_names())
}

/// One endpoint, its analytics over `window` and its recent messages.
#[server]
pub async fn webhook_endpoint(id: String, window: Option<String>) -> Result<EndpointData, UiError> {
    use super::ssr::*;
    use trellis_webhooks::messages::MessageQuery;
    let state = state()?;
    let s = session().await?;
    let actor = require_actor(&state, &s).await?;
    let endpoint = trellis_webhooks::endpoints::get(&state, &actor, &id).await?;
    let window = window_or_default(window.as_deref());
    let stats = trellis_webhooks::stats::stats(&state, &actor, Some(&id), &window).await?;
    let q = MessageQuery {
        endpoint_id: Some(id),
        ..MessageQuery::default()
    };
    let (recent, _) =
        trellis_webhooks::messages::list(&state, &actor, &q, None, RECENT_MESSAGES).await?;
    Ok(EndpointData {
        endpoint,
        stats,
        recent,
        types: type_names(),
    })
}

/// The endpoint's signing secret (shown only when the user asks for it).
#[server]
pub async fn webhook_secret(id: String) -> Result<EndpointSecretOut, UiError> {
    use super::ssr::*;
    let state = state()?;
    let s = session().await?;
    let actor = require_actor(&state, &s).await?;
    Ok(trellis_webhooks::endpoints::secret(&state, &actor, &id).await?)
}

/// The message log, filtered (every field optional; empty means unset).
#[server]
pub async fn webhook_messages(
    endpoint: Option<String>,
    event_id: Option<String>,
    event_type: Option<String>,
    status: Option<String>,
    cursor: Option<String>,
) -> Result<MessageLogData, UiError> {
    use super::ssr::*;
    use super::webhook_form::set;
    use trellis_webhooks::messages::MessageQuery;
    let state = state()?;
    let s = session().await?;
    let actor = require_actor(&state, &s).await?;
    let q = MessageQuery {
        endpoint_id: set(endpoint),
        event_id: set(event_id),
        event_type: set(event_type),
        state: set(status),
        since: None,
    };
    let cursor = set(cursor);
    let (messages, next_cursor) =
        trellis_webhooks::messages::list(&state, &actor, &q, cursor.as_deref(), MESSAGE_PAGE)
            .await?;
    let (eps, _) = trellis_webhooks::endpoints::list(
        &state,
        &actor,
        None,
        None,
        trellis_webhooks::endpoints::MAX_PAGE,
    )
    .await?;
    let mut types = type_names();
    let mut prefixes: Vec<String> = types
        .iter()
        .filter_map(|t| t.split_once('.').map(|(p, _)| format!("{p}.*")))
        .collect();
    prefixes.sort();
    prefixes.dedup();
    types.extend(prefixes);
    Ok(MessageLogData {
        messages,
        next_cursor,
        endpoints: eps.into_iter().map(|e| (e.id, e.url)).collect(),
        types,
    })
}

/// One message with its attempts.
#[server]
pub async fn webhook_message(id: String) -> Result<MessageDetailOut, UiError> {
    use super::ssr::*;
    let state = state()?;
    let s = session().await?;
    let actor = require_actor(&state, &s).await?;
    Ok(trellis_webhooks::messages::get(&state, &actor, &id).await?)
}

/// The event-type catalogue (public, like `GET /api/v1/event-types`).
#[server]
pub async fn event_type_catalogue() -> Result<Vec<EventTypeOut>, UiError> {
    Ok(trellis_platform::events::event_types())
}
