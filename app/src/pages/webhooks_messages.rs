//! `/webhooks/messages`: the message log (one event for one endpoint, and how
//! its delivery went), newest first, searchable by event id, event type
//! (exact or `plugin.*`), status and endpoint with a plain GET form, paged by
//! an "Older messages" link carrying the cursor. Each row links to the
//! message. Rendered in `SsrMode::Async`, so it works without JavaScript.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use trellis_types::MESSAGE_STATES;

use crate::api::accounts::SessionContext;
use crate::api::webhooks::{webhook_messages, MessageLogData, MESSAGE_PAGE};
use crate::components::query::enc;
use crate::error::UiError;
use crate::pages::account::SignInRequired;
use crate::pages::webhooks::{load_failed, WebhookTabs};
use crate::pages::webhooks_endpoint::MessageTable;

/// The filter's query parameters, in form order.
const PARAMS: [&str; 4] = ["event_id", "event_type", "status", "endpoint"];

type Filter = Vec<(&'static str, String)>;

fn value(filter: &Filter, k: &str) -> String {
    filter
        .iter()
        .find(|(n, _)| *n == k)
        .map(|(_, v)| v.clone())
        .unwrap_or_default()
}

/// The filter form: a GET form, so it works without JavaScript.
#[component]
fn MessageFilter(
    filter: Filter,
    endpoints: Vec<(String, String)>,
    types: Vec<String>,
    error: Option<UiError>,
) -> impl IntoView {
    let err = |k: &str| error.as_ref().and_then(|e| e.field(k));
    let banner = error
        .as_ref()
        .filter(|e| e.fields.is_empty())
        .map(|e| e.detail.clone());
    let status = value(&filter, "status");
    let endpoint = value(&filter, "endpoint");
    // An endpoint asked for by id that the list does not hold still shows as chosen.
    let mut endpoints = endpoints;
    if !endpoint.is_empty() && !endpoints.iter().any(|(id, _)| *id == endpoint) {
        endpoints.push((endpoint.clone(), endpoint.clone()));
    }
    view! {
        {banner.map(|b| view! { <div class="banner banner-error" role="alert">{b}</div> })}
        <form method="get" action="/webhooks/messages" class="filter-form" id="message-filter"
            data-testid="message-filter">
            <div class="field" class:has-error=err("event_id").is_some()>
                <label for="m-event-id">"Event id"</label>
                <input id="m-event-id" type="text" name="event_id" value=value(&filter, "event_id")
                    placeholder="evt_…" data-testid="filter-event-id"/>
                <p class="field-error" role="alert">{err("event_id")}</p>
            </div>
            <div class="field" class:has-error=err("event_type").is_some()>
                <label for="m-event-type">"Event type"</label>
                <input id="m-event-type" type="text" name="event_type" list="message-types"
                    value=value(&filter, "event_type") data-testid="filter-event-type"/>
                <p class="hint">"A type, or a prefix such as plugin.*"</p>
                <p class="field-error" role="alert">{err("event_type")}</p>
                <datalist id="message-types">
                    {types.into_iter().map(|t| view! { <option value=t/> }).collect_view()}
                </datalist>
            </div>
            <div class="field" class:has-error=err("state").is_some()>
                <label for="m-status">"Status"</label>
                <select id="m-status" name="status" data-testid="filter-status">
                    <option value="" selected=status.is_empty()>"any"</option>
                    {MESSAGE_STATES.iter().map(|s| view! {
                        <option value=*s selected=status == *s>{*s}</option>
                    }).collect_view()}
                </select>
                <p class="field-error" role="alert">{err("state")}</p>
            </div>
            <div class="field">
                <label for="m-endpoint">"Endpoint"</label>
                <select id="m-endpoint" name="endpoint" data-testid="filter-endpoint">
                    <option value="" selected=endpoint.is_empty()>"any"</option>
                    {endpoints.into_iter().map(|(id, url)| {
                        let chosen = id == endpoint;
                        view! { <option value=id selected=chosen>{url}</option> }
                    }).collect_view()}
                </select>
            </div>
            <div class="filter-actions">
                <button type="submit" class="btn btn-primary" data-testid="filter-submit">"Search"</button>
                <a href="/webhooks/messages" class="btn btn-ghost">"Clear"</a>
            </div>
        </form>
    }
}

/// The log's table and its paging link.
#[component]
fn Log(d: MessageLogData, filter: Filter) -> impl IntoView {
    let older = d.next_cursor.map(|c| {
        let mut q: Vec<String> = filter
            .iter()
            .filter(|(_, v)| !v.is_empty())
            .map(|(k, v)| format!("{k}={}", enc(v)))
            .collect();
        q.push(format!("cursor={}", enc(&c)));
        format!("/webhooks/messages?{}", q.join("&"))
    });
    view! {
        <section class="panel">
            {if d.messages.is_empty() {
                view! { <p class="muted" id="no-messages">"No message matches."</p> }.into_any()
            } else {
                view! {
                    <p class="muted">{format!("Newest first, {MESSAGE_PAGE} per page.")}</p>
                    <MessageTable messages=d.messages show_endpoint=true/>
                }.into_any()
            }}
            {older.map(|href| view! {
                <p class="table-actions">
                    <a href=href class="btn" id="older-messages" data-testid="older-messages">"Older messages →"</a>
                </p>
            })}
        </section>
    }
}

/// The message log page.
#[component]
pub fn WebhookMessagesPage() -> impl IntoView {
    let session = SessionContext::get();
    let query = use_query_map();
    let filter = Memo::new(move |_| {
        query.with(|q| {
            PARAMS
                .iter()
                .map(|k| (*k, q.get(k).unwrap_or_default()))
                .collect::<Vec<_>>()
        })
    });
    let data = crate::resource::new(
        move || (filter.get(), query.with(|q| q.get("cursor"))),
        |(f, cursor)| {
            let v = |k: &str| Some(value(&f, k));
            webhook_messages(
                v("endpoint"),
                v("event_id"),
                v("event_type"),
                v("status"),
                cursor,
            )
        },
    );
    view! {
        <Title text="Message log — Webhooks — Trellis"/>
        <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match session.user.await {
                    Ok(Some(_)) => {}
                    _ => return view! { <SignInRequired/> }.into_any(),
                }
                let filter = filter.get_untracked();
                let head = |form: AnyView| view! {
                    <section class="panel">
                        <WebhookTabs current="/webhooks/messages"/>
                        <h1>"Message log"</h1>
                        <p class="muted">"Each message is one event for one endpoint, with its delivery attempts."</p>
                        {form}
                    </section>
                };
                match data.await {
                    Ok(d) => {
                        let form = view! {
                            <MessageFilter filter=filter.clone() endpoints=d.endpoints.clone()
                                types=d.types.clone() error=None/>
                        }.into_any();
                        view! { {head(form)} <Log d filter/> }.into_any()
                    }
                    Err(e) if matches!(e.code.as_str(), "bad_request" | "validation_failed") => {
                        let form = view! {
                            <MessageFilter filter endpoints=Vec::new() types=Vec::new() error=Some(e)/>
                        }.into_any();
                        head(form).into_any()
                    }
                    Err(e) => load_failed(e, "This endpoint".into()),
                }
            })}
        </Transition>
    }
}
