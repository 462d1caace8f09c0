//! `/account`: who you are, your namespaces and the invitations to join
//! more, and changing your password.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use trellis_types::InvitationOut;

use crate::api::accounts::{ChangePassword, SessionContext};
use crate::api::namespaces::{list_invitations, AnswerInvitation};
use crate::components::form::{island_error, last_error, ErrorBanner, Field};
use crate::components::time::date;
use crate::error::UiError;

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

/// One open invitation, with its Accept and Decline buttons.
#[component]
fn InvitationRow(i: InvitationOut, answer: ServerAction<AnswerInvitation>) -> impl IntoView {
    view! {
        <tr class="invitation-row">
            <td class="invitation-namespace">{i.namespace.clone()}</td>
            <td>{i.role.as_str()}</td>
            <td>{i.invited_by}</td>
            <td class="nowrap">{date(i.expires_at)}</td>
            <td class="actions">
                <ActionForm action=answer attr:class="inline buttons">
                    <input type="hidden" name="namespace" value=i.namespace/>
                    <button type="submit" name="accept" value="true" class="btn btn-primary btn-small">"Accept"</button>
                    <button type="submit" name="accept" value="false" class="btn btn-small">"Decline"</button>
                </ActionForm>
            </td>
        </tr>
    }
}

/// Account settings.
#[component]
pub fn AccountPage() -> impl IntoView {
    let session = SessionContext::get();
    let answer = ServerAction::<AnswerInvitation>::new();
    let invitations = crate::resource::new(move || answer.version().get(), |_| list_invitations());
    // Accepting adds a namespace: read the user (and their namespaces) again.
    Effect::new(move |_| {
        if answer.version().get() > 0 {
            session.user.refetch();
        }
    });
    // A refusal that came back in the URL (a submission without JavaScript).
    let error = last_error(ServerAction::<ChangePassword>::new());
    let answer_error = last_error(answer);
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
                                <dd id="account-namespaces">
                                    {if u.namespaces.is_empty() {
                                        view! { <span class="muted">"None yet"</span> }.into_any()
                                    } else {
                                        u.namespaces.iter().map(|m| view! {
                                            <span class="tag">{m.namespace.clone()} " · " {m.role.as_str()}</span>
                                        }).collect_view().into_any()
                                    }}
                                </dd>
                            </dl>
                            <p class="links">
                                <A href="/account/tokens">"Manage API tokens →"</A>
                                <A href="/account/security">"Sessions and security log →"</A>
                            </p>
                        </section>
                        <Transition fallback=|| ()>
                            {move || Suspend::new(async move {
                                match invitations.await {
                                    Ok(list) if !list.is_empty() => view! {
                                        <section class="panel" id="invitations">
                                            <h2>"Namespace invitations"</h2>
                                            <p class="muted">"Accepting adds you to the namespace with the role shown."</p>
                                            <ErrorBanner error=answer_error/>
                                            <div class="table-wrap">
                                                <table class="table" id="invitation-table">
                                                    <thead><tr>
                                                        <th>"Namespace"</th><th>"Role"</th><th>"Invited by"</th>
                                                        <th>"Expires"</th><th></th>
                                                    </tr></thead>
                                                    <tbody>
                                                        {list.into_iter().map(|i| view! { <InvitationRow i answer/> }).collect_view()}
                                                    </tbody>
                                                </table>
                                            </div>
                                        </section>
                                    }.into_any(),
                                    // No invitation left: an answer that failed still says why.
                                    Ok(_) => view! { <ErrorBanner error=answer_error/> }.into_any(),
                                    Err(e) => view! { <div class="banner banner-error">{e.detail}</div> }.into_any(),
                                }
                            })}
                        </Transition>
                        <PasswordForm refused=error.get_untracked()/>
                    }.into_any(),
                    _ => view! { <SignInRequired/> }.into_any(),
                }
            })}
        </Transition>
    }
}

/// Changing the password, an island: the form says "Password changed." in
/// place. (Without JavaScript it posts the same form and comes back here.)
#[island]
fn PasswordForm(refused: Option<UiError>) -> impl IntoView {
    let change = ServerAction::<ChangePassword>::new();
    let error = island_error(change, refused);
    let done = move || matches!(change.value().get(), Some(Ok(())));
    view! {
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
                <div class="field check">
                    <label>
                        <input type="checkbox" name="revoke_tokens"/>
                        "Also revoke all my API tokens"
                    </label>
                    <p class="hint">"Otherwise your API tokens keep working after the change."</p>
                </div>
                <button type="submit" class="btn btn-primary">"Change password"</button>
            </ActionForm>
        </section>
    }
}
