//! The top navigation bar: brand, "Browse" (every plugin, in search), a
//! compact search box (a GET form to `/search`, so it works without JavaScript;
//! left out on `/` and `/search`, whose own search box leads the page, and on
//! narrow screens, where "Browse" leads to search), links ("Dashboard" and "Webhooks" for signed-in users, "Admin" for
//! admins: the admin area, opening on `/admin/moderation`, whose tabs lead to
//! users, the audit log and events), and the session (sign in/up or the signed-in user with a sign-out
//! button).

use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_location;

use crate::api::accounts::SessionContext;
use crate::components::search_box::SearchBox;

/// The compact search form, on pages that have no search box of their own.
#[component]
fn NavSearch() -> impl IntoView {
    let path = use_location().pathname;
    move || {
        let own_box = matches!(path.get().as_str(), "/" | "/search");
        (!own_box).then(|| {
            view! {
                <form method="get" action="/search" class="nav-search" role="search" aria-label="Plugins">
                    // One text field: Enter submits it, no button needed.
                    <SearchBox value="" id="nav-search"/>
                </form>
            }
        })
    }
}

/// The navigation bar.
#[component]
pub fn Nav(session: SessionContext) -> impl IntoView {
    let sign_out = session.sign_out;
    view! {
        <header class="topbar">
            <nav class="container nav">
                <div class="nav-left">
                    <A href="/" attr:class="brand">
                        <span class="brand-mark" aria-hidden="true">"◆"</span>
                        " Trellis"
                    </A>
                    <A href="/search" attr:id="nav-browse">"Browse"</A>
                </div>
                <NavSearch/>
                <div class="nav-right">
                    <Transition fallback=|| ()>
                        {move || Suspend::new(async move {
                            match session.user.await {
                                Ok(Some(u)) => view! {
                                    {u.is_admin.then(|| view! { <A href="/admin/moderation" attr:id="nav-admin">"Admin"</A> })}
                                    <A href=format!("/workspaces/~{}", u.username) attr:id="nav-plugins">"Plugins"</A>
                                    <A href="/dashboard" attr:id="nav-dashboard">"Dashboard"</A>
                                    <A href="/webhooks" attr:id="nav-webhooks">"Webhooks"</A>
                                    <A href="/account/tokens">"API tokens"</A>
                                    <A href="/account" attr:class="user-chip">{u.username.clone()}</A>
                                    <ActionForm action=sign_out attr:class="inline">
                                        <button type="submit" class="btn btn-ghost">"Sign out"</button>
                                    </ActionForm>
                                }.into_any(),
                                _ => view! {
                                    <A href="/signin">"Sign in"</A>
                                    <A href="/signup" attr:class="btn btn-primary">"Sign up"</A>
                                }.into_any(),
                            }
                        })}
                    </Transition>
                </div>
            </nav>
        </header>
    }
}
