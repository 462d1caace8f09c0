//! `/admin/events` (admins): the event log with filters (type, subject,
//! namespace, dates), newest first, paged by cursor, and the event bus's queue
//! health. The filter is a plain GET form and the pages are links, so it all
//! works without JavaScript; the route renders in `SsrMode::Async`, so the
//! whole page (and its status: 403 for non-admins) is in the first answer.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::use_query_map;
use trellis_types::{EventBusOut, EventOut, FOLLOWER_LAG_CAP};

use crate::api::accounts::SessionContext;
use crate::api::events::{admin_events, AdminEventsData, PAGE_SIZE};
use crate::components::log_filter::LogFilterForm;
use crate::components::time::date_time;
use crate::error::UiError;
use crate::pages::account::SignInRequired;

/// The filter's query parameters, in form order.
const PARAMS: [&str; 5] = ["type", "subject", "namespace", "since", "until"];

/// `2026-12-01T09:30:00.000Z` as `2026-12-01 09:30:00 UTC`.
fn event_time(rfc3339: &str) -> String {
    match rfc3339.split_once('T') {
        Some((day, rest)) => format!("{day} {} UTC", rest.get(..8).unwrap_or(rest)),
        None => rfc3339.to_owned(),
    }
}

/// A duration in seconds, short (`42 s`, `5 min`, `3 h`, `2 d`).
fn age(secs: i64) -> String {
    match secs {
        s if s < 120 => format!("{s} s"),
        s if s < 7200 => format!("{} min", s / 60),
        s if s < 172_800 => format!("{} h", s / 3600),
        s => format!("{} d", s / 86_400),
    }
}

/// Shown to signed-in users who are not admins (with status 403).
#[component]
pub fn AdminOnly() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(opts) = use_context::<leptos_axum::ResponseOptions>() {
        opts.set_status(http::StatusCode::FORBIDDEN);
    }
    view! {
        <section class="panel narrow center" id="admin-only">
            <h1>"Admins only"</h1>
            <p>"This page is for the administrators of this instance."</p>
            <A href="/" attr:class="btn btn-primary">"Go to the start page"</A>
        </section>
    }
}

/// One event of the log.
#[component]
fn EventLogRow(e: EventOut) -> impl IntoView {
    let actor = match (&e.actor.username, e.actor.token_id) {
        (Some(u), Some(t)) => format!("{u} (token {t})"),
        (Some(u), None) => u.clone(),
        _ => e.actor.kind.clone(),
    };
    let data = format!("{:#}", e.data);
    view! {
        <tr class="log-row" data-event-id=e.id.clone()>
            <td class="nowrap">{event_time(&e.occurred_at)}</td>
            <td><code class="event-type">{e.kind.clone()}</code></td>
            <td class="log-subject">{format!("{}:{}", e.subject.kind, e.subject.id)}</td>
            <td>{e.namespace.clone().unwrap_or_else(|| "—".into())}</td>
            <td>{actor}</td>
            <td>
                <details>
                    <summary>"data"</summary>
                    <pre class="event-data">{data}</pre>
                    <p class="hint">{e.id.clone()}</p>
                </details>
            </td>
        </tr>
    }
}

/// The job queue, the followers and recent failures.
#[component]
fn QueueHealth(h: EventBusOut) -> impl IntoView {
    let q = h.queue.clone();
    let head = h
        .head
        .map(|p| format!("{}/{}", p.tx, p.seq))
        .unwrap_or_else(|| "empty".into());
    let total: i64 = h.event_counts.iter().map(|c| c.count).sum();
    view! {
        <section class="panel" id="queue-health">
            <h2>"Queue health"</h2>
            <dl class="facts" id="queue-stats">
                <dt>"Queued"</dt><dd>{q.queued}</dd>
                <dt>"Due now"</dt><dd>{q.due}</dd>
                <dt>"Oldest due"</dt>
                <dd>{if q.due > 0 { format!("waiting {}", age(q.oldest_due_age_secs)) } else { "nothing due".into() }}</dd>
                <dt>"Running"</dt><dd>{q.running}</dd>
                <dt>"Done"</dt><dd>{q.done}</dd>
                <dt>"Failed"</dt><dd>{q.failed}</dd>
                <dt>"Events in the log"</dt><dd>{total} " (head " <code>{head}</code> ")"</dd>
            </dl>
            <h3>"Followers"</h3>
            {if h.followers.is_empty() {
                view! { <p class="muted">"No follower has stored a position within the retention period."</p> }.into_any()
            } else {
                view! {
                    <div class="table-wrap">
                        <table class="table" id="follower-table">
                            <thead><tr>
                                <th>"Follower"</th><th>"Position"</th><th>"Behind"</th>
                                <th>"Oldest unread"</th><th>"Updated"</th>
                            </tr></thead>
                            <tbody>
                                {h.followers.into_iter().map(|f| {
                                    let behind = if f.lag_events >= FOLLOWER_LAG_CAP {
                                        format!("{}+ events", f.lag_events)
                                    } else {
                                        format!("{} events", f.lag_events)
                                    };
                                    view! {
                                        <tr class="follower-row">
                                            <td><code>{f.name}</code></td>
                                            <td>{format!("{}/{}", f.position.tx, f.position.seq)}</td>
                                            <td>{behind}</td>
                                            <td>{if f.lag_events > 0 { age(f.lag_seconds) } else { "caught up".into() }}</td>
                                            <td class="nowrap">{date_time(f.updated_at)}</td>
                                        </tr>
                                    }
                                }).collect_view()}
                            </tbody>
                        </table>
                    </div>
                }.into_any()
            }}
            <h3>"Recent failures"</h3>
            {if h.failed_jobs.is_empty() {
                view! { <p class="muted">"No job has failed for good."</p> }.into_any()
            } else {
                view! {
                    <div class="table-wrap">
                        <table class="table" id="failed-jobs">
                            <thead><tr>
                                <th>"Job"</th><th>"Kind"</th><th>"Attempts"</th><th>"Last error"</th><th>"Gave up"</th>
                            </tr></thead>
                            <tbody>
                                {h.failed_jobs.into_iter().map(|j| view! {
                                    <tr class="event-row failed">
                                        <td>{j.id}</td>
                                        <td><code>{j.kind}</code></td>
                                        <td>{j.attempts}</td>
                                        <td class="event-kind">{j.last_error.unwrap_or_else(|| "—".into())}</td>
                                        <td class="nowrap">{j.finished_at.map(date_time).unwrap_or_else(|| "—".into())}</td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                    </div>
                }.into_any()
            }}
        </section>
    }
}

/// The log table, with the link to older events.
#[component]
fn EventLog(d: AdminEventsData, filter: Vec<(&'static str, String)>) -> impl IntoView {
    let older = d
        .next_cursor
        .map(|c| crate::components::log_filter::older_href("/admin/events", &filter, &c));
    view! {
        <section class="panel">
            <h2>"Event log"</h2>
            {if d.events.is_empty() {
                view! { <p class="muted" id="no-events">"No event matches."</p> }.into_any()
            } else {
                view! {
                    <p class="muted">{format!("Newest first, {PAGE_SIZE} per page.")}</p>
                    <div class="table-wrap">
                        <table class="table" id="event-log">
                            <thead><tr>
                                <th>"Time"</th><th>"Type"</th><th>"Subject"</th><th>"Namespace"</th>
                                <th>"Actor"</th><th>"Data"</th>
                            </tr></thead>
                            <tbody>
                                {d.events.into_iter().map(|e| view! { <EventLogRow e/> }).collect_view()}
                            </tbody>
                        </table>
                    </div>
                }.into_any()
            }}
            {older.map(|href| view! {
                <p class="table-actions"><a href=href id="older-events" class="btn">"Older events →"</a></p>
            })}
        </section>
    }
}

/// The filter form: a plain GET form, so it works without JavaScript.
#[component]
fn EventFilter(
    filter: Vec<(&'static str, String)>,
    types: Vec<String>,
    error: Option<UiError>,
) -> impl IntoView {
    let fields = vec![
        (
            "Type",
            "type",
            "text",
            "A type, or a prefix such as plugin.*",
        ),
        (
            "Subject",
            "subject",
            "text",
            "kind:id, e.g. plugin:acme.kanban",
        ),
        ("Namespace", "namespace", "text", ""),
        ("From", "since", "date", "UTC"),
        ("To", "until", "date", "UTC, included"),
    ];
    view! {
        <LogFilterForm action="/admin/events" form_id="event-filter" fields suggest="type"
            list_id="event-types" options=types filter error/>
    }
}

/// The admin events page.
#[component]
pub fn AdminEventsPage() -> impl IntoView {
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
            admin_events(
                v("type"),
                v("subject"),
                v("since"),
                v("until"),
                v("namespace"),
                cursor,
            )
        },
    );
    view! {
        <Title text="Events — Admin — Trellis"/>
        <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match session.user.await {
                    Ok(Some(u)) if u.is_admin => {
                        let filter = filter.get_untracked();
                        match data.await {
                            Ok(d) => view! {
                                <section class="panel">
                                    <p class="crumbs">"Admin / Events"</p>
                                    <h1>"Events"</h1>
                                    <EventFilter filter=filter.clone() types=d.types.clone() error=None/>
                                </section>
                                <QueueHealth h=d.health.clone()/>
                                <EventLog d filter/>
                            }.into_any(),
                            Err(e) if matches!(e.code.as_str(), "forbidden" | "insufficient_scope") => {
                                view! { <AdminOnly/> }.into_any()
                            }
                            Err(e) => view! {
                                <section class="panel">
                                    <p class="crumbs">"Admin / Events"</p>
                                    <h1>"Events"</h1>
                                    <EventFilter filter types=Vec::new() error=Some(e)/>
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
    fn times_and_ages_read_well() {
        assert_eq!(
            event_time("2026-12-01T09:30:00.000Z"),
            "2026-12-01 09:30:00 UTC"
        );
        assert_eq!(age(5), "5 s");
        assert_eq!(age(600), "10 min");
        assert_eq!(age(7200), "2 h");
        assert_eq!(age(200_000), "2 d");
    }
}
