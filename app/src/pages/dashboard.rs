//! `/dashboard`: the publisher dashboard's start. The namespaces the user
//! belongs to (with their role) and every plugin in them (latest version,
//! downloads, rating, reviews waiting for a reply), open invitations to
//! accept or decline, and a form to create a namespace. Also the pieces the
//! other dashboard pages share: the tabs, what a failed load shows (signed
//! out: a redirect to the sign-in page; not a member: 403; unknown: 404) and
//! the `done=` notices.

use crate::components::to_sign_in::ToSignIn;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use trellis_types::{DashboardNamespaceOut, InvitationOut};

use crate::api::dashboard::{dashboard_overview, OverviewData};
use crate::api::dashboard_actions::{AnswerDashboardInvitation, CreateNamespace};
use crate::components::form::{last_error, ErrorBanner};
use crate::components::plugin_card::count;
use crate::components::query::enc;
use crate::components::reviews::{one_decimal, Stars};
use crate::components::time::date;
use crate::components::webhook_form::FieldErrors;
use crate::error::UiError;
use crate::pages::not_found::{LoadFailed, NotFound};

/// The dashboard's tabs.
#[component]
pub fn DashTabs(current: &'static str) -> impl IntoView {
    let links = [
        ("/dashboard", "Overview"),
        ("/dashboard/publish", "Publish a version"),
        ("/account/tokens", "API tokens"),
    ];
    view! {
        <nav class="webhook-tabs dash-tabs" aria-label="Dashboard">
            {links.into_iter().map(|(href, label)| view! {
                <a href=href aria-current=(href == current).then_some("page")>{label}</a>
            }).collect_view()}
        </nav>
    }
}

/// A failed load, shown as the page: the sign-in page for signed-out
/// visitors (a redirect back here afterwards), 403 for non-members, 404.
pub fn dash_failed(e: UiError, what: String) -> AnyView {
    match e.code.as_str() {
        "not_found" => view! { <NotFound what/> }.into_any(),
        "unauthenticated" => {
            view! { <ToSignIn why="The dashboard belongs to your account."/> }.into_any()
        }
        "forbidden" | "insufficient_scope" => {
            #[cfg(feature = "ssr")]
            if let Some(opts) = use_context::<leptos_axum::ResponseOptions>() {
                opts.set_status(http::StatusCode::FORBIDDEN);
            }
            view! {
                <Title text="Not allowed — Trellis"/>
                <section class="panel narrow center" id="dashboard-forbidden">
                    <h1>"Not allowed"</h1>
                    <p>{e.detail}</p>
                    <p><a href="/dashboard">"Back to your dashboard"</a></p>
                </section>
            }
            .into_any()
        }
        _ => view! { <LoadFailed error=e/> }.into_any(),
    }
}

/// The success banner for the query's `done=` marker, its sentence from
/// `text` (fixed sentences only), unless the query also carries an error.
pub fn done_banner(text: fn(&str) -> Option<&'static str>) -> impl IntoView {
    let q = use_query_map();
    move || {
        q.with(|q| {
            if q.get("__err").is_some() {
                return None;
            }
            let t = text(q.get("done")?.as_str())?;
            Some(view! { <div class="banner banner-ok" role="status" data-testid="dash-notice">{t}</div> })
        })
    }
}

/// A rating as shown in tables: `4.3 ★ (12)`, or a dash.
pub fn rating_cell(average: Option<f64>, n: i64) -> AnyView {
    match average {
        Some(a) => view! {
            <span class="nowrap"><Stars value=a class="small"/> " " {one_decimal(a)} <span class="muted">{format!(" ({n})")}</span></span>
        }
        .into_any(),
        None => view! { <span class="muted">"no review yet"</span> }.into_any(),
    }
}

/// One namespace with its plugins.
#[component]
fn NamespacePanel(n: DashboardNamespaceOut) -> impl IntoView {
    let href = format!("/dashboard/namespaces/{}", enc(&n.name));
    let publish = format!("/dashboard/publish?ns={}", enc(&n.name));
    let empty = n.plugins.is_empty();
    view! {
        <section class="panel dash-ns" data-namespace=n.name.clone() data-testid="dash-namespace">
            <div class="dash-ns-head">
                <h2><a href=href.clone()>{n.name.clone()}</a></h2>
                <span class="tag tag-muted" data-testid="dash-role">{n.role.as_str()}</span>
                <span class="spacer"></span>
                <a href=href class="btn btn-small">"Members and keys"</a>
                <a href=publish class="btn btn-small">"Publish a version"</a>
            </div>
            {if empty {
                view! {
                    <p class="muted">"No plugin yet. Publish one from the browser ("
                        <a href="/dashboard/publish">"Publish a version"</a>
                        ") or with " <code>"trellis publish"</code> "."</p>
                }.into_any()
            } else {
                view! {
                    <div class="table-wrap">
                        <table class="table dash-plugins">
                            <thead><tr>
                                <th scope="col">"Plugin"</th><th scope="col">"Latest version"</th>
                                <th scope="col">"Downloads"</th><th scope="col">"Rating"</th>
                                <th scope="col">"Awaiting reply"</th>
                            </tr></thead>
                            <tbody>
                                {n.plugins.into_iter().map(|p| {
                                    let waiting = p.awaiting_reply;
                                    view! {
                                        <tr data-plugin=p.id.clone() data-testid="dash-plugin-row">
                                            <th scope="row">
                                                <a href=format!("/dashboard/plugins/{}", enc(&p.id))>{p.display_name.clone()}</a>
                                                <br/><code class="muted small">{p.id.clone()}</code>
                                                {p.deprecated.then(|| view! { " " <span class="tag tag-warn">"deprecated"</span> })}
                                            </th>
                                            <td>{p.latest_version.clone().unwrap_or_else(|| "—".into())}</td>
                                            <td data-testid="dash-downloads">{count(p.downloads.max(0) as u64)}</td>
                                            <td>{rating_cell(p.average, p.reviews)}</td>
                                            <td data-testid="dash-awaiting">
                                                {if waiting > 0 {
                                                    view! { <a class="tag tag-warn" href=format!("/dashboard/plugins/{}#reviews", enc(&p.id))>{waiting}</a> }.into_any()
                                                } else {
                                                    view! { <span class="muted">"0"</span> }.into_any()
                                                }}
                                            </td>
                                        </tr>
                                    }
                                }).collect_view()}
                            </tbody>
                        </table>
                    </div>
                }.into_any()
            }}
        </section>
    }
}

/// Open invitations with Accept and Decline.
#[component]
fn Invitations(
    list: Vec<InvitationOut>,
    answer: ServerAction<AnswerDashboardInvitation>,
) -> impl IntoView {
    let error = last_error(answer);
    (!list.is_empty()).then(|| view! {
        <section class="panel" id="invitations" data-testid="dash-invitations">
            <h2>"Invitations"</h2>
            <ErrorBanner error/>
            <div class="table-wrap">
                <table class="table">
                    <thead><tr><th>"Namespace"</th><th>"Role"</th><th>"Invited by"</th><th>"Open until"</th><th></th></tr></thead>
                    <tbody>
                        {list.into_iter().map(|i| view! {
                            <tr class="invitation-row">
                                <td>{i.namespace.clone()}</td>
                                <td>{i.role.as_str()}</td>
                                <td>{i.invited_by.clone()}</td>
                                <td class="nowrap">{date(i.expires_at)}</td>
                                <td class="actions">
                                    <ActionForm action=answer attr:class="inline buttons">
                                        <input type="hidden" name="namespace" value=i.namespace.clone()/>
                                        <button type="submit" name="accept" value="true" class="btn btn-primary btn-small">"Accept"</button>
                                        <button type="submit" name="accept" value="false" class="btn btn-small">"Decline"</button>
                                    </ActionForm>
                                </td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
        </section>
    })
}

/// The form to create a namespace.
#[component]
fn CreateNamespaceForm(create: ServerAction<CreateNamespace>) -> impl IntoView {
    let error = last_error(create);
    view! {
        <section class="panel" id="create-namespace">
            <h2>"Create a namespace"</h2>
            <p class="muted">"A namespace holds plugins: their ids start with it (" <code>"acme.kanban"</code>
                "). You become its owner and can invite others."</p>
            <ErrorBanner error/>
            <ActionForm action=create attr:class="inline-form" attr:data-testid="create-namespace-form">
                <div class="field">
                    <label for="f-ns-name">"Name"</label>
                    <input id="f-ns-name" name="name" required minlength="3" maxlength="40"
                        pattern="[a-z][a-z0-9\\-]{1,38}[a-z0-9]" placeholder="acme" data-testid="namespace-name"/>
                    <p class="hint">"3 to 40 lower-case letters, digits and dashes, starting with a letter."</p>
                    <FieldErrors name="name" error/>
                </div>
                <button type="submit" class="btn btn-primary">"Create namespace"</button>
            </ActionForm>
        </section>
    }
}

fn overview_notice(done: &str) -> Option<&'static str> {
    Some(match done {
        "joined" => "You joined the namespace.",
        "declined" => "The invitation was declined.",
        "plugin_deleted" => "The plugin was deleted.",
        "left" => "You left the namespace.",
        _ => return None,
    })
}

/// The overview once loaded.
#[component]
fn OverviewView(
    d: OverviewData,
    answer: ServerAction<AnswerDashboardInvitation>,
    create: ServerAction<CreateNamespace>,
) -> impl IntoView {
    let none = d.overview.namespaces.is_empty();
    view! {
        <section class="panel dash-head">
            <DashTabs current="/dashboard"/>
            <h1>"Dashboard"</h1>
            <p class="muted">"Signed in as " <strong>{d.username.clone()}</strong>
                ". Everything you can do with the " <code>"trellis"</code> " CLI or the API as a publisher, you can do here."</p>
            {done_banner(overview_notice)}
        </section>
        <Invitations list=d.invitations answer/>
        {none.then(|| view! {
            <section class="panel" data-testid="dash-empty">
                <h2>"No namespace yet"</h2>
                <p>"You are not a member of any namespace. Create one below to publish plugins, or ask an owner of an existing one to invite you."</p>
            </section>
        })}
        {d.overview.namespaces.into_iter().map(|n| view! { <NamespacePanel n/> }).collect_view()}
        <CreateNamespaceForm create/>
    }
}

/// The dashboard's start page.
#[component]
pub fn DashboardPage() -> impl IntoView {
    let answer = ServerAction::<AnswerDashboardInvitation>::new();
    let create = ServerAction::<CreateNamespace>::new();
    // Keyed on the actions; the forms are plain posts, so a page load follows each.
    let data = crate::resource::new(
        move || answer.version().get() + create.version().get(),
        |_| dashboard_overview(),
    );
    view! {
        <Title text="Dashboard — Trellis"/>
        <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(d) => view! { <OverviewView d answer create/> }.into_any(),
                    Err(e) => dash_failed(e, "This page".into()),
                }
            })}
        </Transition>
    }
}
