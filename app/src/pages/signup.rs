//! `/signup`: create an account.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::accounts::SignUp;
use crate::components::form::{island_error, last_error, ErrorBanner, Field};
use crate::error::UiError;

/// The sign-up page.
#[component]
pub fn SignUpPage() -> impl IntoView {
    // A refusal that came back in the URL (a submission without JavaScript).
    let refused = last_error(ServerAction::<SignUp>::new()).get_untracked();
    view! {
        <Title text="Sign up — Trellis"/>
        <section class="panel narrow">
            <h1>"Create your account"</h1>
            <SignUpForm refused/>
            <p class="muted">"Already have an account? " <a href="/signin">"Sign in"</a></p>
        </section>
    }
}

/// The form, an island: a refused sign-up keeps what was typed.
#[island]
fn SignUpForm(refused: Option<UiError>) -> impl IntoView {
    let action = ServerAction::<SignUp>::new();
    let error = island_error(action, refused);
    view! {
        <ErrorBanner error/>
        <ActionForm action attr:id="signup-form">
            <Field label="User name" name="username" autocomplete="username" hint="3–32 letters, digits, '-' or '_'." error/>
            <Field label="Password" name="password" kind="password" autocomplete="new-password" hint="At least 10 characters." error/>
            <Field label="Repeat password" name="password_confirm" kind="password" autocomplete="new-password" error/>
            <button type="submit" class="btn btn-primary wide" disabled=move || action.pending().get()>
                {move || if action.pending().get() { "Creating…" } else { "Create account" }}
            </button>
        </ActionForm>
    }
}
