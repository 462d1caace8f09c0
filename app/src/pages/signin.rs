//! `/signin`: sign in with user name and password; `?next=/path` (set by pages
//! that need a signed-in user) is where the form goes afterwards.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::use_query_map;

use crate::api::accounts::SessionContext;
use crate::components::form::{last_error, ErrorBanner, Field};

/// The sign-in form.
#[component]
pub fn SignInPage() -> impl IntoView {
    let action = SessionContext::get().sign_in;
    let error = last_error(action);
    // The page that sent a signed-out visitor here; the server checks it is ours.
    let next = use_query_map()
        .with_untracked(|q| q.get("next"))
        .unwrap_or_default();
    view! {
        <Title text="Sign in — Trellis"/>
        <section class="panel narrow">
            <h1>"Sign in"</h1>
            <ErrorBanner error/>
            <ActionForm action attr:id="signin-form">
                <input type="hidden" name="next" value=next/>
                <Field label="User name" name="username" autocomplete="username" error/>
                <Field label="Password" name="password" kind="password" autocomplete="current-password" error/>
                <button type="submit" class="btn btn-primary wide" disabled=move || action.pending().get()>
                    {move || if action.pending().get() { "Signing in…" } else { "Sign in" }}
                </button>
            </ActionForm>
            <p class="muted">"New here? " <A href="/signup">"Create an account"</A></p>
        </section>
    }
}
