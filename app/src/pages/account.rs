//! `/account`: who you are, your namespaces, and changing your password.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

use crate::api::accounts::{ChangePassword, SessionContext};
use crate::components::form::{last_error, ErrorBanner, Field};

/// Shown in place of a page that needs a signed-in user.
#[component]
pub fn SignInRequired() -> impl IntoView {
    view! {
        <section class="panel narrow center">
            <h1>"Sign in to continue"</h1>
            <p>"This page belongs to your account."</p>
            <A href="/signin" attr:class="btn btn-primary">"Sign in"</A>
        </section>
    }
}

/// Account settings.
#[component]
pub fn AccountPage() -> impl IntoView {
    let session = SessionContext::get();
    let change = ServerAction::<ChangePassword>::new();
    let error = last_error(change);
    let done = move || matches!(change.value().get(), Some(Ok(())));
    view! {
        <Title text="Account — Trellis"/>
        <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match session.user.await {
                    Ok(Some(u)) => view! {
                        <section class="panel">
                            <h1>"Account"</h1>
                            <dl class="facts">
                                <dt>"User name"</dt><dd id="account-username">{u.username.clone()}</dd>
                                <dt>"Role"</dt><dd>{if u.is_admin { "Administrator" } else { "User" }}</dd>
                                <dt>"Namespaces"</dt>
                                <dd>
                                    {if u.namespaces.is_empty() {
                                        view! { <span class="muted">"None yet"</span> }.into_any()
                                    } else {
                                        u.namespaces.iter().map(|m| view! {
                                            <span class="tag">{m.namespace.clone()} " · " {m.role.as_str()}</span>
                                        }).collect_view().into_any()
                                    }}
                                </dd>
                            </dl>
                            <p><A href="/account/tokens">"Manage API tokens →"</A></p>
                        </section>
                        <section class="panel">
                            <h2>"Change password"</h2>
                            <p class="muted">"Changing it signs you out everywhere else."</p>
                            <Show when=done>
                                <div class="banner banner-ok" role="status">"Password changed."</div>
                            </Show>
                            <ErrorBanner error/>
                            <ActionForm action=change attr:id="password-form">
                                <Field label="Current password" name="current_password" kind="password" autocomplete="current-password" error/>
                                <Field label="New password" name="new_password" kind="password" autocomplete="new-password" hint="At least 10 characters." error/>
                                <Field label="Repeat new password" name="new_password_confirm" kind="password" autocomplete="new-password" error/>
                                <button type="submit" class="btn btn-primary">"Change password"</button>
                            </ActionForm>
                        </section>
                    }.into_any(),
                    _ => view! { <SignInRequired/> }.into_any(),
                }
            })}
        </Transition>
    }
}
