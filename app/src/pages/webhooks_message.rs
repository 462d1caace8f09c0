//! `/webhooks/messages/:id`: one message. Its event, status, attempts and next
//! attempt, the payload as delivered in the standard format (pretty JSON), and
//! every attempt (oldest first) with its time, status, latency, error kind and
//! error, the request headers sent, and the response's headers and (truncated)
//! body; a "Retry now" button (an `ActionForm`, so it also works without
//! JavaScript). Rendered in `SsrMode::Async`.

use std::collections::BTreeMap;

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};
use trellis_types::{AttemptOut, MessageDetailOut};

use crate::api::accounts::SessionContext;
use crate::api::webhook_actions::RetryWebhookMessage;
use crate::api::webhooks::webhook_message;
use crate::components::form::{last_error, ErrorBanner};
use crate::components::query::enc;
use crate::components::webhook_ui::{at, date_time_ms};
use crate::pages::account::SignInRequired;
use crate::pages::webhooks::{load_failed, WebhookTabs};

/// Headers as `Name: value` lines.
fn header_lines(h: &BTreeMap<String, String>) -> String {
    h.iter()
        .map(|(k, v)| format!("{k}: {v}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// One attempt's row, with its details folded below it.
#[component]
fn AttemptRow(a: AttemptOut, n: usize) -> impl IntoView {
    let outcome = if a.success { "succeeded" } else { "failed" };
    let req = header_lines(&a.request_headers);
    let res = a.response_headers.as_ref().map(header_lines);
    view! {
        <tr class=format!("attempt-row attempt-{outcome}") data-attempt-id=a.id>
            <td>{n}</td>
            <td class="nowrap">{date_time_ms(a.attempted_at_ms)}</td>
            <td><span class=format!("tag state-tag state-{}", if a.success { "delivered" } else { "failed" })>{outcome}</span></td>
            <td>{a.status_code.map(|s| s.to_string()).unwrap_or_else(|| "—".into())}</td>
            <td class="nowrap">{format!("{} ms", a.latency_ms)}</td>
            <td>{a.error_kind.clone().map(|k| view! { <code>{k}</code> })}</td>
            <td class="attempt-error">{a.error.clone().unwrap_or_default()}</td>
            <td>
                <details data-testid="attempt-details">
                    <summary>"request and response"</summary>
                    <h4>"Request headers"</h4>
                    <pre class="event-data">{req}</pre>
                    <h4>"Response headers"</h4>
                    {match res {
                        Some(r) => view! { <pre class="event-data">{r}</pre> }.into_any(),
                        None => view! { <p class="muted">"No response."</p> }.into_any(),
                    }}
                    <h4>"Response body (truncated)"</h4>
                    {match a.response_body.clone() {
                        Some(b) if !b.is_empty() => view! { <pre class="event-data">{b}</pre> }.into_any(),
                        _ => view! { <p class="muted">"Empty."</p> }.into_any(),
                    }}
                </details>
            </td>
        </tr>
    }
}

/// The page once its data is loaded.
#[component]
fn MessageView(
    d: MessageDetailOut,
    retry: ServerAction<RetryWebhookMessage>,
    retried: bool,
) -> impl IntoView {
    let error = last_error(retry);
    let m = d.message;
    let payload = format!("{:#}", m.payload);
    let endpoint = format!("/webhooks/{}", enc(&m.endpoint_id));
    view! {
        <section class="panel">
            <WebhookTabs current=""/>
            <p class="crumbs">
                <a href="/webhooks">"Webhooks"</a> " / " <a href="/webhooks/messages">"Message log"</a> " / Message"
            </p>
            <h1><code data-testid="message-id">{m.id.clone()}</code></h1>
            {retried.then(|| view! {
                <div class="banner banner-ok" role="status" data-testid="retry-queued">
                    "The message is queued to be sent again now."
                </div>
            })}
            <ErrorBanner error/>
            <dl class="facts" id="message-facts">
                <dt>"Event id"</dt><dd><code>{m.event_id.clone()}</code></dd>
                <dt>"Event type"</dt><dd><code>{m.event_type.clone()}</code></dd>
                <dt>"Endpoint"</dt><dd><a href=endpoint><code>{m.endpoint_id.clone()}</code></a></dd>
                <dt>"Status"</dt>
                <dd><span class=format!("tag state-tag state-{}", m.state) data-testid="message-state">{m.state.clone()}</span></dd>
                <dt>"Attempts"</dt><dd data-testid="message-attempts">{m.attempts}</dd>
                <dt>"Created"</dt><dd>{at(Some(m.created_at))}</dd>
                <dt>"Last attempt"</dt><dd>{at(m.last_attempt_at)}</dd>
                <dt>"Next attempt"</dt><dd>{at(m.next_attempt_at)}</dd>
                <dt>"Delivered"</dt><dd>{at(m.delivered_at)}</dd>
                {m.last_error.clone().map(|e| view! { <dt>"Last error"</dt><dd>{e}</dd> })}
            </dl>
            <ActionForm action=retry attr:class="inline">
                <input type="hidden" name="id" value=m.id.clone()/>
                <button type="submit" class="btn btn-primary" data-testid="retry-message">"Retry now"</button>
            </ActionForm>
            <p class="hint">"Sends the message once more now, with a fresh retry schedule (the endpoint must be enabled)."</p>
        </section>
        <section class="panel">
            <h2>"Payload"</h2>
            <p class="muted">"The event as delivered in the standard format; the " <code>"webhook-id"</code> " header is the event id."</p>
            <pre class="payload" data-testid="message-payload">{payload}</pre>
        </section>
        <section class="panel">
            <h2>"Attempts"</h2>
            {if d.attempts.is_empty() {
                view! { <p class="muted" id="no-attempts">"No attempt yet."</p> }.into_any()
            } else {
                view! {
                    <div class="table-wrap">
                        <table class="table" id="attempts-table" data-testid="attempts-table">
                            <thead><tr>
                                <th>"#"</th><th>"Time (UTC)"</th><th>"Outcome"</th><th>"Status"</th><th>"Latency"</th>
                                <th>"Error kind"</th><th>"Error"</th><th>"Details"</th>
                            </tr></thead>
                            <tbody>
                                {d.attempts.into_iter().enumerate().map(|(i, a)| view! { <AttemptRow a n=i + 1/> }).collect_view()}
                            </tbody>
                        </table>
                    </div>
                }.into_any()
            }}
        </section>
    }
}

/// The message page.
#[component]
pub fn WebhookMessagePage() -> impl IntoView {
    let session = SessionContext::get();
    let params = use_params_map();
    let query = use_query_map();
    let retry = ServerAction::<RetryWebhookMessage>::new();
    let id = move || params.with(|p| p.get("id").unwrap_or_default());
    let data = crate::resource::new(
        move || (id(), retry.version().get()),
        |(id, _)| webhook_message(id),
    );
    view! {
        <Title text="Message — Webhooks — Trellis"/>
        <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match session.user.await {
                    Ok(Some(_)) => {}
                    _ => return view! { <SignInRequired/> }.into_any(),
                }
                match data.await {
                    Ok(d) => {
                        let retried = query.with(|q| q.get("done").as_deref() == Some("retried") && q.get("__err").is_none());
                        view! { <MessageView d retry retried/> }.into_any()
                    }
                    Err(e) => load_failed(e, format!("Message `{}`", id())),
                }
            })}
        </Transition>
    }
}
