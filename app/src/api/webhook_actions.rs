//! The webhook console's actions, each a server function that an `ActionForm`
//! posts to: create and edit an endpoint, enable or disable it, delete it
//! (with a confirmation box), rotate its secret, send it a test event, replay
//! its failed messages, retry one message.
//!
//! Each ends with a redirect to the page that shows its outcome (with a small
//! `done=` marker in the query): the forms are plain posts. A failure answers with the error
//! (field errors carry the service's names: `url`, `event_types[0]`,
//! `filter[1].op`, `headers.X-Foo`, `rate_limit_per_sec`) and saves nothing.

// The endpoint form's server functions take one argument per form field (the
// browser build's generated callers too, which an item attribute does not reach).
#![allow(clippy::too_many_arguments)]

use leptos::prelude::*;

use crate::error::UiError;

/// An endpoint's page, with a query (`done=…`) saying what just happened.
pub fn endpoint_href(id: &str, query: &str) -> String {
    let id = crate::components::query::enc(id);
    if query.is_empty() {
        format!("/webhooks/{id}")
    } else {
        format!("/webhooks/{id}?{query}")
    }
}

/// Creates an endpoint and goes to its page. Event types are checkboxes
/// named `event_types[]`; `enabled` is a checkbox (present = on).
#[server]
pub async fn create_webhook(
    url: String,
    description: Option<String>,
    namespace: Option<String>,
    event_types: Option<Vec<String>>,
    filter: Option<String>,
    headers: Option<String>,
    rate_limit_per_sec: Option<String>,
    format: Option<String>,
    enabled: Option<String>,
) -> Result<(), UiError> {
    use super::ssr::*;
    use super::webhook_form::*;
    let state = state()?;
    let s = session().await?;
    let actor = require_actor(&state, &s).await?;
    let (filter, headers, rate) = parse_text_fields(
        filter.as_deref(),
        headers.as_deref(),
        rate_limit_per_sec.as_deref(),
    )?;
    let input = trellis_types::EndpointIn {
        url,
        description: description.unwrap_or_default(),
        // No box ticked is "no type", which the service refuses with a field error.
        event_types: Some(event_types.unwrap_or_default()),
        namespace: set(namespace),
        filter,
        headers,
        rate_limit_per_sec: rate,
        format: set(format),
        enabled: Some(enabled.is_some()),
        secret: None,
    };
    let e = trellis_webhooks::endpoints::create(&state, &actor, input).await?;
    leptos_axum::redirect(&endpoint_href(&e.id, "done=created"));
    Ok(())
}

/// Saves the edit form of endpoint `id` (every field is sent: an empty filter
/// or rate limit removes it).
#[server]
pub async fn update_webhook(
    id: String,
    url: String,
    description: Option<String>,
    event_types: Option<Vec<String>>,
    filter: Option<String>,
    headers: Option<String>,
    rate_limit_per_sec: Option<String>,
    format: Option<String>,
) -> Result<(), UiError> {
    use super::ssr::*;
    use super::webhook_form::*;
    let state = state()?;
    let s = session().await?;
    let actor = require_actor(&state, &s).await?;
    let (filter, headers, rate) = parse_text_fields(
        filter.as_deref(),
        headers.as_deref(),
        rate_limit_per_sec.as_deref(),
    )?;
    let patch = trellis_types::EndpointPatch {
        url: Some(url),
        description: Some(description.unwrap_or_default()),
        event_types: Some(event_types.unwrap_or_default()),
        filter: Some(filter.unwrap_or_else(|| serde_json::json!([]))),
        headers: Some(headers),
        rate_limit_per_sec: Some(rate.unwrap_or(0)),
        format: set(format),
        enabled: None,
    };
    trellis_webhooks::endpoints::update(&state, &actor, &id, patch).await?;
    leptos_axum::redirect(&endpoint_href(&id, "done=saved"));
    Ok(())
}

/// Enables (`enabled = true`) or disables endpoint `id`.
#[server]
pub async fn set_webhook_enabled(id: String, enabled: bool) -> Result<(), UiError> {
    use super::ssr::*;
    let state = state()?;
    let s = session().await?;
    let actor = require_actor(&state, &s).await?;
    let patch = trellis_types::EndpointPatch {
        enabled: Some(enabled),
        ..Default::default()
    };
    trellis_webhooks::endpoints::update(&state, &actor, &id, patch).await?;
    let done = if enabled {
        "done=enabled"
    } else {
        "done=disabled"
    };
    leptos_axum::redirect(&endpoint_href(&id, done));
    Ok(())
}

/// Deletes endpoint `id` and its delivery log, once `confirm` is ticked.
#[server]
pub async fn delete_webhook(id: String, confirm: Option<String>) -> Result<(), UiError> {
    use super::ssr::*;
    let state = state()?;
    let s = session().await?;
    let actor = require_actor(&state, &s).await?;
    if confirm.is_none() {
        return Err(trellis_platform::AppError::field(
            trellis_types::ErrorCode::ValidationFailed,
            "confirm",
            "required",
            "Tick the box to confirm the deletion.",
        )
        .into());
    }
    trellis_webhooks::endpoints::delete(&state, &actor, &id).await?;
    leptos_axum::redirect("/webhooks?done=deleted");
    Ok(())
}

/// Rotates the secret of endpoint `id`; its page then shows the new secret
/// and until when the previous one still signs.
#[server]
pub async fn rotate_webhook_secret(id: String) -> Result<(), UiError> {
    use super::ssr::*;
    let state = state()?;
    let s = session().await?;
    let actor = require_actor(&state, &s).await?;
    trellis_webhooks::endpoints::rotate(&state, &actor, &id, Default::default()).await?;
    leptos_axum::redirect(&endpoint_href(&id, "secret=rotated"));
    Ok(())
}

/// Queues a `webhook.test` event for endpoint `id` alone.
#[server]
pub async fn send_webhook_test(id: String) -> Result<(), UiError> {
    use super::ssr::*;
    let state = state()?;
    let s = session().await?;
    let actor = require_actor(&state, &s).await?;
    let m = trellis_webhooks::messages::send_test(&state, &actor, &id).await?;
    let q = format!("done=test&message={}", crate::components::query::enc(&m.id));
    leptos_axum::redirect(&endpoint_href(&id, &q));
    Ok(())
}

/// Sends again every message of endpoint `id` that failed since `since`
/// (a `datetime-local` value, read as UTC).
#[server]
pub async fn replay_webhook(id: String, since: String) -> Result<(), UiError> {
    use super::ssr::*;
    let state = state()?;
    let s = session().await?;
    let actor = require_actor(&state, &s).await?;
    let since = super::webhook_form::parse_utc_datetime(&since).ok_or_else(|| {
        trellis_platform::AppError::field(
            trellis_types::ErrorCode::ValidationFailed,
            "since",
            "invalid",
            "Give a date and time (UTC), e.g. 2026-01-31T09:30.",
        )
    })?;
    let out = trellis_webhooks::messages::replay(&state, &actor, &id, since).await?;
    leptos_axum::redirect(&endpoint_href(
        &id,
        &format!("done=replayed&queued={}", out.queued),
    ));
    Ok(())
}

/// Sends message `id` again now, with a fresh retry schedule.
#[server]
pub async fn retry_webhook_message(id: String) -> Result<(), UiError> {
    use super::ssr::*;
    let state = state()?;
    let s = session().await?;
    let actor = require_actor(&state, &s).await?;
    trellis_webhooks::messages::retry(&state, &actor, &id).await?;
    leptos_axum::redirect(&format!(
        "/webhooks/messages/{}?done=retried",
        crate::components::query::enc(&id)
    ));
    Ok(())
}
