//! `/signin`: sign in with user name and password; `?next=/path` (set by pages
//! that need a signed-in user) is where the form goes afterwards.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::api::accounts::SignIn;
use crate::components::form::{island_error, last_error, ErrorBanner, Field};
use crate::error::UiError;

/// The sign-in page.
#[component]
pub fn SignInPage() -> impl IntoView {
    // The page that sent a signed-out visitor here; the server checks it is ours.
    let next = use_query_map()
        .with_untracked(|q| q.get("next"))
        .unwrap_or_default();
    // A refusal that came back in the URL (a submission without JavaScript).
    let refused = last_error(ServerAction::<SignIn>::new()).get_untracked();
    view! {
        <Title text="Sign in — Trellis"/>
        <section class="panel narrow">
            <h1>"Sign in"</h1>
            <SignInForm next refused/>
            <p class="muted">"New here? " <a href="/signup">"Create an account"</a></p>
        </section>
    }
}

/// The form, an island: a refused sign-in keeps the user name typed.
#[island]
fn SignInForm(next: String, refused: Option<UiError>) -> impl IntoView {
    let action = ServerAction::<SignIn>::new();
    let error = island_error(action, refused);
    view! {
        <ErrorBanner error/>
        <ActionForm action attr:id="signin-form">
            <input type="hidden" name="next" value=next/>
            <Field label="User name" name="username" autocomplete="username" error/>
            <Field label="Password" name="password" kind="password" autocomplete="current-password" error/>
            <button type="submit" class="btn btn-primary wide" disabled=move || action.pending().get()>
                {move || if action.pending().get() { "Signing in…" } else { "Sign in" }}
            </button>
        </ActionForm>
    }
}
