//! `/admin/moderation` (admins): the moderation queue. Each reported review or
//! plugin with its reports (how many, their reasons, the latest text, when),
//! what state it is in (hidden, delisted) and the actions: hide or restore a
//! review, delist or relist a plugin (a reason field for hiding and
//! delisting), dismiss the reports. Open and resolved reports, reviews or
//! plugins or both, are plain links; every action is an `ActionForm` that
//! comes back here with `done=`, so it all works without JavaScript. Also the
//! admin area's tabs ([`AdminTabs`]), shared by the admin pages.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use trellis_types::ReportedOut;

use crate::api::accounts::SessionContext;
use crate::api::moderation::{
    moderation_queue, DelistPlugin, DismissReports, HideReview, QueueData, RelistPlugin,
    RestoreReview,
};
use crate::components::form::LastError;
use crate::components::plugin_card::plural;
use crate::components::query::enc;
use crate::components::time::date;
use crate::pages::account::SignInRequired;
use crate::pages::admin_events::AdminOnly;

/// The admin area's tabs; `current` is the path of the page showing them.
#[component]
pub fn AdminTabs(current: &'static str) -> impl IntoView {
    let tabs = [
        ("/admin/moderation", "Moderation"),
        ("/admin/users", "Users"),
        ("/admin/audit-log", "Audit log"),
        ("/admin/events", "Events"),
        ("/admin/plugins", "Plugins"),
    ];
    view! {
        <nav class="admin-tabs" aria-label="Admin">
            {tabs.into_iter().map(|(href, label)| {
                let here = href == current;
                view! {
                    <a href=href class="admin-tab" class:current=here
                        aria-current=if here { Some("page") } else { None }>{label}</a>
                }
            }).collect_view()}
        </nav>
    }
}

/// The error of the last of these actions, whatever it was about (a reason
/// field's error included: the forms here are many and small).
#[component]
pub fn ActionError(errors: Vec<LastError>) -> impl IntoView {
    move || {
        errors
            .iter()
            .find_map(|e| e.get())
            .map(|e| view! { <div class="banner banner-error" role="alert" data-testid="admin-error">{e.detail}</div> })
    }
}

/// What `done=` says just happened on an admin page, as a fixed sentence.
pub fn done_notice(done: Option<String>) -> Option<AnyView> {
    let text = match done.as_deref()? {
        "hidden" => "The review is hidden. Its author sees why.",
        "restored" => "The review is visible again.",
        "delisted" => "The plugin is delisted. Its page shows why.",
        "relisted" => "The plugin is listed again.",
        "dismissed" => "The reports were dismissed.",
        "disabled" => "The account is disabled: its sessions ended and its tokens are refused.",
        "enabled" => "The account is enabled again.",
        _ => return None,
    };
    Some(view! { <div class="banner banner-ok" role="status" data-testid="admin-notice">{text}</div> }.into_any())
}

/// The actions this page's forms post to.
#[derive(Clone, Copy)]
struct Actions {
    hide: ServerAction<HideReview>,
    restore: ServerAction<RestoreReview>,
    delist: ServerAction<DelistPlugin>,
    relist: ServerAction<RelistPlugin>,
    dismiss: ServerAction<DismissReports>,
}

impl Actions {
    fn new() -> Actions {
        Actions {
            hide: ServerAction::new(),
            restore: ServerAction::new(),
            delist: ServerAction::new(),
            relist: ServerAction::new(),
            dismiss: ServerAction::new(),
        }
    }

    fn errors(&self) -> Vec<LastError> {
        use crate::components::form::last_error;
        vec![
            last_error(self.hide),
            last_error(self.restore),
            last_error(self.delist),
            last_error(self.relist),
            last_error(self.dismiss),
        ]
    }

    fn versions(&self) -> usize {
        self.hide.version().get()
            + self.restore.version().get()
            + self.delist.version().get()
            + self.relist.version().get()
            + self.dismiss.version().get()
    }
}

/// `spam ×2, off topic`: a report group's reasons (words, not codes) with
/// their counts.
pub fn reasons_text(r: &ReportedOut) -> String {
    r.reasons
        .iter()
        .map(|c| {
            let reason = c.reason.replace('_', " ");
            if c.count > 1 {
                format!("{reason} ×{}", c.count)
            } else {
                reason
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// One reported review or plugin with its actions.
#[component]
fn Reported(r: ReportedOut, a: Actions, back: String, open: bool) -> impl IntoView {
    let plugin_href = format!("/plugins/{}", enc(&r.plugin));
    let reports = format!(
        "{}: {}",
        plural(r.reports.max(0) as u64, "report", "reports"),
        reasons_text(&r)
    );
    let when = if r.first_reported_at == r.last_reported_at {
        format!("reported {}", date(r.last_reported_at))
    } else {
        format!(
            "reported {} to {}",
            date(r.first_reported_at),
            date(r.last_reported_at)
        )
    };
    let resolution = r.resolution.clone().map(|res| {
        let by = res.by.unwrap_or_else(|| "a former admin".into());
        view! {
            <p class="resolution" data-testid="resolution">
                {format!("Resolved: {} by {by} on {}.", res.action, date(res.at))}
            </p>
        }
    });
    let latest = r
        .latest_text
        .clone()
        .map(|t| view! { <blockquote class="report-text">{t}</blockquote> });
    let dismiss = open.then(|| {
        let (kind, target) = match &r.review {
            Some(rv) => ("review", rv.id.to_string()),
            None => ("plugin", r.plugin.clone()),
        };
        let back = back.clone();
        view! {
            <ActionForm action=a.dismiss attr:class="inline">
                <input type="hidden" name="kind" value=kind/>
                <input type="hidden" name="target" value=target/>
                <input type="hidden" name="back" value=back/>
                <button type="submit" class="btn btn-small" data-testid="dismiss">"Dismiss the reports"</button>
            </ActionForm>
        }
    });
    let body = match r.review.clone() {
        Some(rv) => {
            let id = rv.id.to_string();
            let state = match rv.hidden.clone() {
                Some(h) => view! {
                    <p class="tag tag-warn" data-testid="state">{format!("Hidden: {}", h.reason)}</p>
                    <ActionForm action=a.restore attr:class="inline">
                        <input type="hidden" name="review_id" value=id.clone()/>
                        <input type="hidden" name="back" value=back.clone()/>
                        <button type="submit" class="btn btn-small" data-testid="restore">"Restore the review"</button>
                    </ActionForm>
                }
                .into_any(),
                None => view! {
                    <ActionForm action=a.hide attr:class="moderate-form">
                        <input type="hidden" name="review_id" value=id.clone()/>
                        <input type="hidden" name="back" value=back.clone()/>
                        <label>"Reason (its author reads it)"
                            <input type="text" name="reason" required maxlength="500" data-testid="hide-reason"/>
                        </label>
                        <button type="submit" class="btn btn-small btn-danger" data-testid="hide">"Hide the review"</button>
                    </ActionForm>
                }
                .into_any(),
            };
            view! {
                <h3>
                    "Review #" {rv.id} " of " <a href=plugin_href.clone()>{r.plugin_name.clone()}</a>
                    <span class="muted">" by " {rv.author.clone()} " · " {rv.stars} "★ · version " {rv.version.clone()}</span>
                </h3>
                <p class="review-title"><strong>{rv.title.clone()}</strong></p>
                <p class="review-text">{rv.text.clone()}</p>
                <div class="moderate-actions">{state}{dismiss}</div>
            }
            .into_any()
        }
        None => {
            let plugin = r.plugin.clone();
            let state = match r.delisted.clone() {
                Some(d) => view! {
                    <p class="tag tag-warn" data-testid="state">{format!("Delisted: {}", d.reason)}</p>
                    <ActionForm action=a.relist attr:class="inline">
                        <input type="hidden" name="plugin" value=plugin.clone()/>
                        <input type="hidden" name="back" value=back.clone()/>
                        <button type="submit" class="btn btn-small" data-testid="relist">"Relist the plugin"</button>
                    </ActionForm>
                }
                .into_any(),
                None => view! {
                    <ActionForm action=a.delist attr:class="moderate-form">
                        <input type="hidden" name="plugin" value=plugin.clone()/>
                        <input type="hidden" name="back" value=back.clone()/>
                        <label>"Public reason (its page shows it)"
                            <input type="text" name="reason" required maxlength="500" data-testid="delist-reason"/>
                        </label>
                        <button type="submit" class="btn btn-small btn-danger" data-testid="delist">"Delist the plugin"</button>
                    </ActionForm>
                }
                .into_any(),
            };
            view! {
                <h3>
                    "Plugin " <a href=plugin_href.clone()>{r.plugin_name.clone()}</a>
                    <span class="muted">" (" {r.plugin.clone()} ")"</span>
                </h3>
                <div class="moderate-actions">{state}{dismiss}</div>
            }
            .into_any()
        }
    };
    view! {
        <li class="panel reported" data-kind=r.kind.clone() data-plugin=r.plugin.clone()>
            <p class="report-summary"><strong>{reports}</strong> <span class="muted">" · " {when}</span></p>
            {latest}
            {resolution}
            {body}
        </li>
    }
}

/// The queue for loaded data.
#[component]
fn Queue(d: QueueData, a: Actions) -> impl IntoView {
    let link = |state: &str, kind: &str, page: i64| {
        let mut q = vec![format!("state={state}")];
        if !kind.is_empty() {
            q.push(format!("kind={kind}"));
        }
        if page > 1 {
            q.push(format!("page={page}"));
        }
        format!("/admin/moderation?{}", q.join("&"))
    };
    let back = link(&d.state, &d.kind, d.page);
    let open = d.state == "open";
    let filter = |label: &'static str, href: String, current: bool| {
        view! { <a href=href class="filter-chip" class:current=current aria-current=current.then_some("page")>{label}</a> }
    };
    let filters = view! {
        <p class="filter-links">
            {filter("Open", link("open", &d.kind, 1), open)}
            {filter("Resolved", link("resolved", &d.kind, 1), !open)}
            " · "
            {filter("Reviews and plugins", link(&d.state, "", 1), d.kind.is_empty())}
            {filter("Reviews", link(&d.state, "review", 1), d.kind == "review")}
            {filter("Plugins", link(&d.state, "plugin", 1), d.kind == "plugin")}
        </p>
    };
    let older = d
        .more
        .then(|| link(&d.state, &d.kind, d.page + 1))
        .map(|href| view! { <p class="table-actions"><a href=href class="btn" id="next-page">"More →"</a></p> });
    let empty = if open {
        "Nothing is waiting: no open reports."
    } else {
        "No resolved reports yet."
    };
    view! {
        {filters}
        {if d.items.is_empty() {
            view! { <p class="muted" id="queue-empty">{empty}</p> }.into_any()
        } else {
            view! {
                <ul class="report-queue" id="report-queue">
                    {d.items.into_iter().map(|r| view! { <Reported r a back=back.clone() open/> }).collect_view()}
                </ul>
            }.into_any()
        }}
        {older}
    }
}

/// The moderation page.
#[component]
pub fn AdminModerationPage() -> impl IntoView {
    let session = SessionContext::get();
    let query = use_query_map();
    let a = Actions::new();
    let errors = a.errors();
    let data = crate::resource::new(
        move || {
            (
                query.with(|q| (q.get("state"), q.get("kind"), q.get("page"))),
                a.versions(),
            )
        },
        |((state, kind, page), _)| moderation_queue(state, kind, page.and_then(|p| p.parse().ok())),
    );
    view! {
        <Title text="Moderation — Admin — Trellis"/>
        <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || {
                let errors = errors.clone();
                Suspend::new(async move {
                match session.user.await {
                    Ok(Some(u)) if u.is_admin => match data.await {
                        Ok(d) => view! {
                            <section class="panel">
                                <p class="crumbs">"Admin / Moderation"</p>
                                <h1>"Moderation"</h1>
                                <AdminTabs current="/admin/moderation"/>
                                <p class="muted">
                                    "Reported reviews and plugins, grouped. Hiding a review or delisting a \
                                     plugin resolves its open reports; dismissing resolves them and changes nothing else."
                                </p>
                                {move || done_notice(query.with(|q| q.get("done")).filter(|_| query.with(|q| q.get("__err").is_none())))}
                                <ActionError errors/>
                            </section>
                            <Queue d a/>
                        }
                        .into_any(),
                        Err(e) if matches!(e.code.as_str(), "forbidden" | "insufficient_scope") => {
                            view! { <AdminOnly/> }.into_any()
                        }
                        Err(e) => view! { <div class="banner banner-error" role="alert">{e.detail}</div> }.into_any(),
                    },
                    Ok(Some(_)) => view! { <AdminOnly/> }.into_any(),
                    _ => view! { <SignInRequired/> }.into_any(),
                }
            })}}
        </Transition>
    }
}
