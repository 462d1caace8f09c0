//! `/admin/users` (admins): every user, newest first, with a search by name
//! (a plain GET form), their role, namespaces and whether the account is
//! disabled (and why); per user a "Disable" form with a reason field, or an
//! "Enable" button. An admin's own row has no form (nobody disables
//! themselves). Every action is an `ActionForm` that comes back here with
//! `done=`, so it all works without JavaScript.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use trellis_types::AdminUserOut;

use crate::api::accounts::SessionContext;
use crate::api::moderation::{admin_users, DisableUser, EnableUser, UsersData};
use crate::components::form::last_error;
use crate::components::query::enc;
use crate::components::time::date;
use crate::pages::account::SignInRequired;
use crate::pages::admin_events::AdminOnly;
use crate::pages::admin_moderation::{done_notice, ActionError, AdminTabs};

/// One user with their action.
#[component]
fn UserRow(
    u: AdminUserOut,
    me: String,
    back: String,
    disable: ServerAction<DisableUser>,
    enable: ServerAction<EnableUser>,
) -> impl IntoView {
    let namespaces = if u.namespaces.is_empty() {
        "—".to_owned()
    } else {
        u.namespaces
            .iter()
            .map(|m| m.namespace.clone())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let status = match &u.disabled {
        Some(d) => view! {
            <span class="tag tag-warn">"Disabled"</span>
            <span class="small">" since " {date(d.disabled_at)} ": " {d.reason.clone()}</span>
        }
        .into_any(),
        None => view! { <span class="tag tag-muted">"Active"</span> }.into_any(),
    };
    let name = u.username.clone();
    let action = if u.username == me {
        view! { <span class="muted small">"You"</span> }.into_any()
    } else if u.disabled.is_some() {
        view! {
            <ActionForm action=enable attr:class="inline">
                <input type="hidden" name="username" value=name.clone()/>
                <input type="hidden" name="back" value=back.clone()/>
                <button type="submit" class="btn btn-small" data-testid="enable-user">"Enable"</button>
            </ActionForm>
        }
        .into_any()
    } else {
        view! {
            <ActionForm action=disable attr:class="moderate-form">
                <input type="hidden" name="username" value=name.clone()/>
                <input type="hidden" name="back" value=back.clone()/>
                <label class="sr-only" for=format!("reason-{name}")>"Reason"</label>
                <input type="text" name="reason" id=format!("reason-{name}") required maxlength="500"
                    placeholder="Reason (admins only)" data-testid="disable-reason"/>
                <button type="submit" class="btn btn-small btn-danger" data-testid="disable-user">"Disable"</button>
            </ActionForm>
        }
        .into_any()
    };
    view! {
        <tr class="user-row" data-username=u.username.clone()>
            <th scope="row">{u.username.clone()} {u.is_admin.then(|| view! { " " <span class="tag">"admin"</span> })}</th>
            <td class="nowrap">{date(u.created_at)}</td>
            <td>{namespaces}</td>
            <td>{status}</td>
            <td>{action}</td>
        </tr>
    }
}

/// The list for loaded data.
#[component]
fn Users(
    d: UsersData,
    disable: ServerAction<DisableUser>,
    enable: ServerAction<EnableUser>,
) -> impl IntoView {
    let href = |page: i64| {
        let mut q = Vec::new();
        if !d.q.is_empty() {
            q.push(format!("q={}", enc(&d.q)));
        }
        if page > 1 {
            q.push(format!("page={page}"));
        }
        if q.is_empty() {
            "/admin/users".to_owned()
        } else {
            format!("/admin/users?{}", q.join("&"))
        }
    };
    let back = href(d.page);
    let more = d.more.then(|| href(d.page + 1));
    let me = d.me.clone();
    view! {
        <form method="get" action="/admin/users" class="filter-form" id="user-search" role="search">
            <div class="field">
                <label for="f-q">"Name contains"</label>
                <input id="f-q" type="search" name="q" value=d.q.clone()/>
            </div>
            <div class="filter-actions">
                <button type="submit" class="btn btn-primary">"Search"</button>
                <a href="/admin/users" class="btn btn-ghost">"Clear"</a>
            </div>
        </form>
        {if d.users.is_empty() {
            view! { <p class="muted" id="no-users">"No user matches."</p> }.into_any()
        } else {
            view! {
                <div class="table-wrap">
                    <table class="table" id="user-table">
                        <thead><tr>
                            <th scope="col">"User"</th><th scope="col">"Joined"</th><th scope="col">"Namespaces"</th>
                            <th scope="col">"Status"</th><th scope="col">"Action"</th>
                        </tr></thead>
                        <tbody>
                            {d.users.into_iter().map(|u| view! {
                                <UserRow u me=me.clone() back=back.clone() disable enable/>
                            }).collect_view()}
                        </tbody>
                    </table>
                </div>
            }.into_any()
        }}
        {more.map(|href| view! { <p class="table-actions"><a href=href class="btn" id="next-page">"More →"</a></p> })}
    }
}

/// The users page.
#[component]
pub fn AdminUsersPage() -> impl IntoView {
    let session = SessionContext::get();
    let query = use_query_map();
    let disable = ServerAction::<DisableUser>::new();
    let enable = ServerAction::<EnableUser>::new();
    let errors = vec![last_error(disable), last_error(enable)];
    let data = crate::resource::new(
        move || {
            (
                query.with(|q| (q.get("q"), q.get("page"))),
                disable.version().get() + enable.version().get(),
            )
        },
        |((q, page), _)| admin_users(q, page.and_then(|p| p.parse().ok())),
    );
    view! {
        <Title text="Users — Admin — Trellis"/>
        <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || {
                let errors = errors.clone();
                Suspend::new(async move {
                match session.user.await {
                    Ok(Some(u)) if u.is_admin => match data.await {
                        Ok(d) => view! {
                            <section class="panel">
                                <p class="crumbs">"Admin / Users"</p>
                                <h1>"Users"</h1>
                                <AdminTabs current="/admin/users"/>
                                <p class="muted">
                                    "Disabling an account signs it out everywhere at once and refuses its API \
                                     tokens and sign-ins until it is enabled again; its tokens then work again."
                                </p>
                                {move || done_notice(query.with(|q| q.get("done")).filter(|_| query.with(|q| q.get("__err").is_none())))}
                                <ActionError errors/>
                                <Users d disable enable/>
                            </section>
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
