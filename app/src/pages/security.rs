//! `/account/security`: the browsers signed in to the account (sign out one,
//! or every one but this) and the account's security log.

use leptos::prelude::*;
use leptos_meta::Title;
use trellis_types::{SecurityEventOut, SessionOut};

use crate::api::accounts::SessionContext;
use crate::api::security::{list_sessions, security_log, EndOtherSessions, EndSession};
use crate::components::form::{last_error, ErrorBanner};
use crate::components::time::date_time;
use crate::components::user_agent;
use crate::error::UiError;
use crate::pages::account::SignInRequired;

/// A readable label for a security-log event kind.
pub fn event_label(kind: &str) -> String {
    match kind {
        "signed_up" => "Account created",
        "signed_in" => "Signed in",
        "sign_in_failed" => "Failed sign-in",
        "password_changed" => "Password changed",
        "password_change_failed" => "Failed password change",
        "token_created" => "API token created",
        "token_revoked" => "API token revoked",
        "token_used" => "API token used",
        "session_ended" => "Remote sign-out",
        other => {
            // A kind added later: still readable ("foo_bar" -> "Foo bar").
            let mut s = other.replace('_', " ");
            if let Some(first) = s.get(..1) {
                s.replace_range(..1, &first.to_ascii_uppercase());
            }
            return s;
        }
    }
    .to_owned()
}

/// One row of the sessions table: this session is marked, any other has a
/// sign-out button.
#[component]
fn SessionRow(s: SessionOut, end: ServerAction<EndSession>) -> impl IntoView {
    let browser = user_agent::summary(s.user_agent.as_deref());
    let id = s.id;
    view! {
        <tr class="session-row" class:current=s.current>
            <td class="session-browser" title=s.user_agent>{browser}</td>
            <td>{s.ip.unwrap_or_else(|| "—".into())}</td>
            <td class="nowrap">{s.signed_in_at.map(date_time).unwrap_or_else(|| "—".into())}</td>
            <td class="nowrap">{date_time(s.last_seen_at)}</td>
            <td class="actions">
                {if s.current {
                    view! { <span class="tag">"This session"</span> }.into_any()
                } else {
                    view! {
                        <ActionForm action=end attr:class="inline">
                            <input type="hidden" name="id" value=id/>
                            <button type="submit" class="btn btn-danger btn-small">"Sign out"</button>
                        </ActionForm>
                    }.into_any()
                }}
            </td>
        </tr>
    }
}

/// One row of the security log.
#[component]
fn EventRow(e: SecurityEventOut) -> impl IntoView {
    let failed = e.kind.ends_with("_failed");
    view! {
        <tr class="event-row" class:failed=failed>
            <td class="nowrap">{date_time(e.at)}</td>
            <td class="event-kind">{event_label(&e.kind)}</td>
            <td>{e.ip.unwrap_or_else(|| "—".into())}</td>
            <td class="muted">{e.detail}</td>
        </tr>
    }
}

/// The security page: the sessions and the log, read on the server and handed
/// to [`SecurityPanels`].
#[component]
pub fn SecurityPage() -> impl IntoView {
    let session = SessionContext::get();
    view! {
        <Title text="Security — Trellis"/>
        <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match session.user.await {
                    Ok(Some(_)) => {
                        let sessions = list_sessions().await;
                        let log = security_log().await;
                        view! { <SecurityPanels sessions log/> }.into_any()
                    }
                    _ => view! { <SignInRequired/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// The sessions with their sign-out buttons and the security log, an island:
/// signing a browser out updates both in place. (Without JavaScript the
/// buttons post the same forms and the page comes back updated.)
#[island]
fn SecurityPanels(
    sessions: Result<Vec<SessionOut>, UiError>,
    log: Result<Vec<SecurityEventOut>, UiError>,
) -> impl IntoView {
    let end = ServerAction::<EndSession>::new();
    let end_others = ServerAction::<EndOtherSessions>::new();
    let sessions = RwSignal::new(sessions);
    let log = RwSignal::new(log);
    // After a sign-out, both are read again.
    Effect::new(move |_| {
        let changed = (end.version().get(), end_others.version().get());
        if changed != (0, 0) {
            leptos::task::spawn_local(async move {
                sessions.set(list_sessions().await);
                log.set(security_log().await);
            });
        }
    });
    let end_error = last_error(end);
    let others_error = last_error(end_others);
    let error = Signal::derive(move || end_error.get().or_else(|| others_error.get()));
    let ended = move || end_others.value().get().and_then(|r| r.ok());

    view! {
        <section class="panel">
            <p class="crumbs"><a href="/account">"Account"</a>" / Security"</p>
            <h1>"Active sessions"</h1>
            <p class="muted">
                "The browsers signed in to your account. Signing one out ends it at once; "
                "your API tokens are not affected."
            </p>
            {move || ended().map(|n| view! {
                <div class="banner banner-ok" role="status">
                    {match n {
                        0 => "No other session was signed in.".to_owned(),
                        1 => "Signed out 1 other session.".to_owned(),
                        n => format!("Signed out {n} other sessions."),
                    }}
                </div>
            })}
            <ErrorBanner error/>
            {move || match sessions.get() {
                Ok(mut list) => {
                    // This session first, then the others, most recently active first.
                    list.sort_by_key(|s| !s.current);
                    let others = list.iter().filter(|s| !s.current).count();
                    view! {
                        <div class="table-wrap">
                            <table class="table" id="session-table">
                                <thead><tr>
                                    <th>"Browser"</th><th>"Address"</th><th>"Signed in"</th>
                                    <th>"Last active"</th><th></th>
                                </tr></thead>
                                <tbody>
                                    {list.into_iter().map(|s| view! { <SessionRow s end/> }).collect_view()}
                                </tbody>
                            </table>
                        </div>
                        {(others > 1).then(|| view! {
                            <ActionForm action=end_others attr:id="end-others-form" attr:class="table-actions">
                                <button type="submit" class="btn btn-danger">"Sign out all other sessions"</button>
                            </ActionForm>
                        })}
                    }.into_any()
                }
                Err(e) => view! { <div class="banner banner-error">{e.detail}</div> }.into_any(),
            }}
        </section>
        <section class="panel">
            <h2>"Security log"</h2>
            <p class="muted">"The newest 50 events on your account."</p>
            {move || match log.get() {
                Ok(list) if list.is_empty() => view! {
                    <p class="muted">"Nothing recorded yet."</p>
                }.into_any(),
                Ok(list) => view! {
                    <div class="table-wrap">
                        <table class="table" id="security-log">
                            <thead><tr>
                                <th>"Time"</th><th>"Event"</th><th>"Address"</th><th>"Detail"</th>
                            </tr></thead>
                            <tbody>
                                {list.into_iter().map(|e| view! { <EventRow e/> }).collect_view()}
                            </tbody>
                        </table>
                    </div>
                }.into_any(),
                Err(e) => view! { <div class="banner banner-error">{e.detail}</div> }.into_any(),
            }}
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::event_label;

    #[test]
    fn every_kind_reads_as_words() {
        assert_eq!(event_label("signed_in"), "Signed in");
        assert_eq!(event_label("sign_in_failed"), "Failed sign-in");
        assert_eq!(event_label("token_used"), "API token used");
        assert_eq!(event_label("webhook_added"), "Webhook added");
        assert_eq!(event_label(""), "");
    }
}
