//! `/signin`: sign in with user name and password.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

use crate::api::accounts::SessionContext;
use crate::components::form::{last_error, ErrorBanner, Field};

/// The sign-in form.
#[component]
pub fn SignInPage() -> impl IntoView {
    let action = SessionContext::get().sign_in;
    let error = last_error(action);
    view! {
        <Title text="Sign in — Trellis"/>
        <section class="panel narrow">
            <h1>"Sign in"</h1>
            <ErrorBanner error/>
            <ActionForm action attr:id="signin-form">
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
