//! `/webhooks/:id`: one endpoint. Its settings and health, what just happened
//! (the actions come back with `done=…` in the query), the delivery actions,
//! the signing secret (only when asked for), the analytics dashboard with its
//! window picker (`?window=1h|24h|7d|30d`), the recent messages, the Edit form
//! (pre-filled, saved with `update`) and deletion. Rendered in
//! `SsrMode::Async`; every control is a link or a form.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};
use trellis_types::{EndpointOut, MessageOut};

use crate::api::accounts::SessionContext;
use crate::api::webhook_actions::UpdateWebhook;
use crate::api::webhooks::{webhook_endpoint, webhook_secret, EndpointData};
use crate::components::form::{last_error, ErrorBanner};
use crate::components::query::enc;
use crate::components::webhook_charts::WebhookDashboard;
use crate::components::webhook_form::{EndpointFields, FormValues};
use crate::components::webhook_ui::{at, date_time_secs, health, HealthDot};
use crate::pages::account::SignInRequired;
use crate::pages::webhooks::{load_failed, WebhookTabs};
use crate::pages::webhooks_endpoint_actions::{
    DeletePanel, DeliveryActions, EndpointActions, SecretPanel,
};

/// What the query says just happened, as fixed sentences (the query can be
/// written by anyone: only a message id of the expected shape and a number
/// are taken from it).
fn notice(
    done: Option<String>,
    message: Option<String>,
    queued: Option<String>,
) -> Option<AnyView> {
    let text = match done.as_deref()? {
        "created" => "The endpoint was created.",
        "saved" => "Your changes were saved.",
        "enabled" => "The endpoint is enabled: matching events are delivered again.",
        "disabled" => "The endpoint is disabled: nothing is delivered until you enable it.",
        "test" => {
            let id = message.filter(|m| {
                m.starts_with("msg_")
                    && m.len() < 64
                    && m.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
            });
            return Some(
                view! {
                    <div class="banner banner-ok" role="status" data-testid="test-sent">
                        "A test event was queued"
                        {id.map(|id| view! {
                            " as message " <a href=format!("/webhooks/messages/{id}")><code>{id.clone()}</code></a>
                        })}
                        "."
                    </div>
                }
                .into_any(),
            );
        }
        "replayed" => {
            let n: i64 = queued.and_then(|q| q.parse().ok()).unwrap_or(0);
            return Some(
                view! {
                    <div class="banner banner-ok" role="status" data-testid="replay-queued">
                        {format!("{n} failed message{} queued again.", if n == 1 { " was" } else { "s were" })}
                    </div>
                }
                .into_any(),
            );
        }
        _ => return None,
    };
    Some(view! { <div class="banner banner-ok" role="status" data-testid="endpoint-notice">{text}</div> }.into_any())
}

/// The endpoint's settings.
#[component]
fn Settings(e: EndpointOut) -> impl IntoView {
    let headers = if e.headers.is_empty() {
        "none".to_owned()
    } else {
        e.headers.keys().cloned().collect::<Vec<_>>().join(", ")
    };
    view! {
        <dl class="facts" id="endpoint-settings">
            <dt>"Id"</dt><dd><code>{e.id.clone()}</code></dd>
            <dt>"Namespace"</dt><dd>{e.namespace.clone().unwrap_or_else(|| "instance-wide (every event)".into())}</dd>
            <dt>"Event types"</dt>
            <dd>{e.event_types.iter().map(|t| view! { <code class="tag">{t.clone()}</code> }).collect_view()}</dd>
            <dt>"Payload filter"</dt>
            <dd>{match &e.filter {
                Some(f) if !f.is_null() => view! { <pre class="event-data">{format!("{f:#}")}</pre> }.into_any(),
                _ => view! { "none" }.into_any(),
            }}</dd>
            <dt>"Custom headers"</dt><dd>{headers}</dd>
            <dt>"Rate limit"</dt>
            <dd>{e.rate_limit_per_sec.map(|r| format!("{r} per second")).unwrap_or_else(|| "none".into())}</dd>
            <dt>"Format"</dt><dd>{e.format.clone()}</dd>
            <dt>"Created"</dt><dd>{date_time_secs(e.created_at)}</dd>
            <dt>"Updated"</dt><dd>{date_time_secs(e.updated_at)}</dd>
            {e.disabled_at.map(|t| view! { <dt>"Disabled"</dt><dd>{date_time_secs(t)}</dd> })}
            <dt>"Pending messages"</dt><dd>{e.health.pending}</dd>
        </dl>
    }
}

/// The endpoint's latest messages.
#[component]
pub fn MessageTable(
    messages: Vec<MessageOut>,
    #[prop(optional)] show_endpoint: bool,
) -> impl IntoView {
    view! {
        <div class="table-wrap">
            <table class="table" data-testid="message-table">
                <thead><tr>
                    <th>"Created"</th><th>"Event type"</th><th>"Event id"</th>
                    {show_endpoint.then(|| view! { <th>"Endpoint"</th> })}
                    <th>"Status"</th><th>"Attempts"</th><th>"Last answer"</th><th>"Next attempt"</th>
                </tr></thead>
                <tbody>
                    {messages.into_iter().map(|m| {
                        let href = format!("/webhooks/messages/{}", enc(&m.id));
                        let ep = format!("/webhooks/{}", enc(&m.endpoint_id));
                        view! {
                            <tr class=format!("message-row state-{}", m.state) data-message-id=m.id.clone()>
                                <td class="nowrap"><a href=href>{at(Some(m.created_at))}</a></td>
                                <td><code class="event-type">{m.event_type.clone()}</code></td>
                                <td><code>{m.event_id.clone()}</code></td>
                                {show_endpoint.then(|| view! { <td><a href=ep><code>{m.endpoint_id.clone()}</code></a></td> })}
                                <td><span class=format!("tag state-tag state-{}", m.state)>{m.state.clone()}</span></td>
                                <td>{m.attempts}</td>
                                <LastAnswer status=m.last_status error=m.last_error.clone()/>
                                <td class="nowrap">{at(m.next_attempt_at)}</td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}

/// A message's last answer: its status, or the start of its error (whole in
/// the cell's title).
#[component]
fn LastAnswer(status: Option<i64>, error: Option<String>) -> impl IntoView {
    let full = status
        .map(|s| s.to_string())
        .or(error)
        .unwrap_or_else(|| "—".into());
    let short = if full.chars().count() > 48 {
        format!("{}…", full.chars().take(48).collect::<String>())
    } else {
        full.clone()
    };
    view! { <td class="last-answer" title=full>{short}</td> }
}

/// The page once its data is loaded.
#[component]
fn EndpointView(
    d: EndpointData,
    a: EndpointActions,
    update: ServerAction<UpdateWebhook>,
    secret: Option<Result<trellis_types::EndpointSecretOut, crate::error::UiError>>,
    rotated: bool,
    banner: Option<AnyView>,
) -> impl IntoView {
    let e = d.endpoint.clone();
    let (dot, label) = health(&e);
    let id = e.id.clone();
    let base = format!("/webhooks/{}", enc(&id));
    let log = format!("/webhooks/messages?endpoint={}", enc(&id));
    let update_error = last_error(update);
    let values = FormValues::of(&e);
    let id_edit = id.clone();
    view! {
        <section class="panel">
            <WebhookTabs current=""/>
            <p class="crumbs"><a href="/webhooks">"Webhooks"</a> " / Endpoint"</p>
            <h1 class="break" data-testid="endpoint-title">{e.url.clone()}</h1>
            <p><HealthDot class=dot label/></p>
            {(!e.description.is_empty()).then(|| view! { <p class="muted">{e.description.clone()}</p> })}
            {banner}
            <Settings e=e.clone()/>
        </section>
        <DeliveryActions e=e.clone() a replay_from=d.stats.since/>
        <SecretPanel id=id.clone() a shown=secret rotated/>
        <section class="panel" id="endpoint-analytics">
            <h2>"Analytics"</h2>
            <WebhookDashboard s=d.stats base/>
        </section>
        <section class="panel" id="endpoint-messages">
            <h2>"Recent messages"</h2>
            {if d.recent.is_empty() {
                view! { <p class="muted" id="no-messages">"No message yet."</p> }.into_any()
            } else {
                view! { <MessageTable messages=d.recent/> }.into_any()
            }}
            <p><a href=log data-testid="endpoint-message-log">"Every message of this endpoint →"</a></p>
        </section>
        <section class="panel" id="endpoint-edit">
            <h2>"Edit"</h2>
            <ErrorBanner error=update_error/>
            <ActionForm action=update attr:id="endpoint-edit-form" attr:class="endpoint-form"
                attr:data-testid="endpoint-edit-form">
                <input type="hidden" name="id" value=id_edit/>
                <EndpointFields values types=d.types error=update_error/>
                <button type="submit" class="btn btn-primary" data-testid="endpoint-save">"Save changes"</button>
            </ActionForm>
        </section>
        <DeletePanel id a/>
    }
}

/// The endpoint page.
#[component]
pub fn WebhookEndpointPage() -> impl IntoView {
    let session = SessionContext::get();
    let params = use_params_map();
    let query = use_query_map();
    let a = EndpointActions::new();
    let update = ServerAction::<UpdateWebhook>::new();
    let id = move || params.with(|p| p.get("id").unwrap_or_default());
    let q = move |k: &str| query.with(|q| q.get(k));
    let data = crate::resource::new(
        move || (id(), q("window"), a.versions() + update.version().get()),
        |(id, window, _)| webhook_endpoint(id, window),
    );
    let secret_mode = move || q("secret").filter(|s| s == "show" || s == "rotated");
    let secret = crate::resource::new(
        move || (id(), secret_mode(), a.rotate.version().get()),
        |(id, mode, _)| async move {
            match mode {
                Some(_) => Some(webhook_secret(id).await),
                None => None,
            }
        },
    );
    view! {
        <Title text="Endpoint — Webhooks — Trellis"/>
        <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match session.user.await {
                    Ok(Some(_)) => {}
                    _ => return view! { <SignInRequired/> }.into_any(),
                }
                let d = match data.await {
                    Ok(d) => d,
                    Err(e) => return load_failed(e, format!("Webhook endpoint `{}`", id())),
                };
                let shown = secret.await;
                let rotated = secret_mode().as_deref() == Some("rotated");
                // After a failed submission the query holds `__err`: no success notice then.
                let banner = if q("__err").is_some() {
                    None
                } else {
                    notice(q("done"), q("message"), q("queued"))
                };
                view! { <EndpointView d a update secret=shown rotated banner/> }.into_any()
            })}
        </Transition>
    }
}
