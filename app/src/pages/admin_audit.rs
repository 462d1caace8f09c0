//! `/admin/audit-log` (admins): the security-relevant events of the event log
//! (sign-ins and their failures, accounts, tokens created, revoked and used,
//! publishing and yanking, namespace roles and keys, webhook endpoints,
//! moderation), filtered by who acted, the action (a type or a prefix such as
//! `token.*`) and dates in UTC, newest first, paged by an "Older entries"
//! link. The filter is a plain GET form and the route renders with
//! `SsrMode::Async`, so the page works without JavaScript.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use trellis_types::EventOut;

use crate::api::accounts::SessionContext;
use crate::api::moderation::{audit_log_page, AuditData, PAGE_SIZE};
use crate::components::log_filter::LogFilterForm;
use crate::error::UiError;
use crate::pages::account::SignInRequired;
use crate::pages::admin_events::AdminOnly;
use crate::pages::admin_moderation::AdminTabs;

/// The filter's query parameters, in form order.
const PARAMS: [&str; 4] = ["actor", "action", "since", "until"];

/// `2026-12-01T09:30:00.000Z` as `2026-12-01 09:30:00 UTC`.
fn entry_time(rfc3339: &str) -> String {
    match rfc3339.split_once('T') {
        Some((day, rest)) => format!("{day} {} UTC", rest.get(..8).unwrap_or(rest)),
        None => rfc3339.to_owned(),
    }
}

/// A short, readable summary of an entry's data (`reason`, `address`, …).
fn summary(e: &EventOut) -> String {
    let Some(obj) = e.data.as_object() else {
        return String::new();
    };
    let mut parts = Vec::new();
    for key in [
        "reason",
        "address",
        "version",
        "scopes_used",
        "scopes",
        "name",
        "role",
        "uses",
        "url",
    ] {
        if let Some(v) = obj.get(key).filter(|v| !v.is_null()) {
            let text = match (v.as_str(), v.as_array()) {
                (Some(s), _) => s.to_owned(),
                (None, Some(a)) => a
                    .iter()
                    .filter_map(|x| x.as_str())
                    .collect::<Vec<_>>()
                    .join(" "),
                _ => v.to_string(),
            };
            if !text.is_empty() {
                parts.push(format!("{key}: {text}"));
            }
        }
    }
    parts.join(" · ")
}

/// One entry.
#[component]
fn AuditRow(e: EventOut) -> impl IntoView {
    let actor = match (&e.actor.username, e.actor.token_id) {
        (Some(u), Some(t)) => format!("{u} (token {t})"),
        (Some(u), None) => u.clone(),
        _ => e.actor.kind.clone(),
    };
    let data = format!("{:#}", e.data);
    let summary = summary(&e);
    view! {
        <tr class="audit-row" data-event-id=e.id.clone()>
            <td class="nowrap">{entry_time(&e.occurred_at)}</td>
            <td class="audit-actor">{actor}</td>
            <td><code class="event-type">{e.kind.clone()}</code></td>
            <td class="log-subject">{format!("{}:{}", e.subject.kind, e.subject.id)}</td>
            <td>
                <span class="small">{summary}</span>
                <details>
                    <summary>"data"</summary>
                    <pre class="event-data">{data}</pre>
                </details>
            </td>
        </tr>
    }
}

/// The filter form: a plain GET form.
#[component]
fn AuditFilter(
    filter: Vec<(&'static str, String)>,
    actions: Vec<String>,
    error: Option<UiError>,
) -> impl IntoView {
    let fields = vec![
        ("Actor", "actor", "text", "A user name"),
        (
            "Action",
            "action",
            "text",
            "A type, or a prefix such as token.*",
        ),
        ("From", "since", "date", "UTC"),
        ("To", "until", "date", "UTC, included"),
    ];
    view! {
        <LogFilterForm action="/admin/audit-log" form_id="audit-filter" fields suggest="action"
            list_id="audit-actions" options=actions filter error/>
    }
}

/// The log table, with the link to older entries.
#[component]
fn AuditTable(d: AuditData, filter: Vec<(&'static str, String)>) -> impl IntoView {
    let older = d
        .next_cursor
        .map(|c| crate::components::log_filter::older_href("/admin/audit-log", &filter, &c));
    view! {
        <section class="panel">
            <h2>"Entries"</h2>
            {if d.events.is_empty() {
                view! { <p class="muted" id="no-entries">"No entry matches."</p> }.into_any()
            } else {
                view! {
                    <p class="muted">{format!("Newest first, {PAGE_SIZE} per page. The log reaches back as far as the event log is kept.")}</p>
                    <div class="table-wrap">
                        <table class="table" id="audit-log">
                            <thead><tr>
                                <th scope="col">"Time"</th><th scope="col">"Actor"</th><th scope="col">"Action"</th>
                                <th scope="col">"Subject"</th><th scope="col">"Details"</th>
                            </tr></thead>
                            <tbody>
                                {d.events.into_iter().map(|e| view! { <AuditRow e/> }).collect_view()}
                            </tbody>
                        </table>
                    </div>
                }.into_any()
            }}
            {older.map(|href| view! {
                <p class="table-actions"><a href=href id="older-entries" class="btn">"Older entries →"</a></p>
            })}
        </section>
    }
}

/// The audit log page.
#[component]
pub fn AdminAuditPage() -> impl IntoView {
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
            let v = |k: &str| f.iter().find(|(n, _)| *n == k).map(|(_, v)| v.clone());
            audit_log_page(v("actor"), v("action"), v("since"), v("until"), cursor)
        },
    );
    view! {
        <Title text="Audit log — Admin — Trellis"/>
        <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match session.user.await {
                    Ok(Some(u)) if u.is_admin => {
                        let filter = filter.get_untracked();
                        match data.await {
                            Ok(d) => view! {
                                <section class="panel">
                                    <p class="crumbs">"Admin / Audit log"</p>
                                    <h1>"Audit log"</h1>
                                    <AdminTabs current="/admin/audit-log"/>
                                    <AuditFilter filter=filter.clone() actions=d.actions.clone() error=None/>
                                </section>
                                <AuditTable d filter/>
                            }.into_any(),
                            Err(e) if matches!(e.code.as_str(), "forbidden" | "insufficient_scope") => {
                                view! { <AdminOnly/> }.into_any()
                            }
                            Err(e) => view! {
                                <section class="panel">
                                    <p class="crumbs">"Admin / Audit log"</p>
                                    <h1>"Audit log"</h1>
                                    <AdminTabs current="/admin/audit-log"/>
                                    <AuditFilter filter actions=Vec::new() error=Some(e)/>
                                </section>
                            }.into_any(),
                        }
                    }
                    Ok(Some(_)) => view! { <AdminOnly/> }.into_any(),
                    _ => view! { <SignInRequired/> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_read_well() {
        assert_eq!(
            entry_time("2026-12-01T09:30:00.000Z"),
            "2026-12-01 09:30:00 UTC"
        );
    }
}
