//! The top navigation bar: brand, links (with "Admin" for admins), and the
//! session (sign in/up or the signed-in user with a sign-out button).

use leptos::prelude::*;
use leptos_router::components::A;

use crate::api::accounts::SessionContext;

/// The navigation bar.
#[component]
pub fn Nav(session: SessionContext) -> impl IntoView {
    let sign_out = session.sign_out;
    view! {
        <header class="topbar">
            <nav class="container nav">
                <A href="/" attr:class="brand">
                    <span class="brand-mark">"◆"</span>
                    " Trellis"
                </A>
                <div class="nav-right">
                    <Transition fallback=|| ()>
                        {move || Suspend::new(async move {
                            match session.user.await {
                                Ok(Some(u)) => view! {
                                    {u.is_admin.then(|| view! { <A href="/admin/events" attr:id="nav-admin">"Admin"</A> })}
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
