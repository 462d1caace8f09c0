//! `/signup`: create an account.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

use crate::api::accounts::SessionContext;
use crate::components::form::{last_error, ErrorBanner, Field};

/// The sign-up form.
#[component]
pub fn SignUpPage() -> impl IntoView {
    let action = SessionContext::get().sign_up;
    let error = last_error(action);
    view! {
        <Title text="Sign up — Trellis"/>
        <section class="panel narrow">
            <h1>"Create your account"</h1>
            <ErrorBanner error/>
            <ActionForm action attr:id="signup-form">
                <Field label="User name" name="username" autocomplete="username" hint="3–32 letters, digits, '-' or '_'." error/>
                <Field label="Password" name="password" kind="password" autocomplete="new-password" hint="At least 10 characters." error/>
                <Field label="Repeat password" name="password_confirm" kind="password" autocomplete="new-password" error/>
                <button type="submit" class="btn btn-primary wide" disabled=move || action.pending().get()>
                    {move || if action.pending().get() { "Creating…" } else { "Create account" }}
                </button>
            </ActionForm>
            <p class="muted">"Already have an account? " <A href="/signin">"Sign in"</A></p>
        </section>
    }
}
