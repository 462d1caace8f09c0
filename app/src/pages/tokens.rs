//! `/account/tokens`: create API tokens (the secret is shown once), list and revoke them.

use leptos::prelude::*;
use leptos_meta::Title;
use trellis_types::TokenOut;

use crate::api::accounts::SessionContext;
use crate::api::tokens::{list_tokens, CreateToken, RevokeToken};
use crate::components::form::{last_error, ErrorBanner, Field};
use crate::components::time::when;
use crate::error::UiError;
use crate::pages::account::SignInRequired;

/// One row of the token table.
#[component]
fn TokenRow(t: TokenOut, revoke: ServerAction<RevokeToken>) -> impl IntoView {
    let scopes = t
        .scopes
        .iter()
        .map(|s| s.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    let status = if t.revoked_at.is_some() {
        "revoked"
    } else {
        "active"
    };
    view! {
        <tr class=format!("token-row {status}")>
            <td class="token-name">{t.name.clone()}</td>
            <td><code>{t.prefix.clone()} "…"</code></td>
            <td>{scopes}</td>
            <td>{when(Some(t.created_at))}</td>
            <td>{if t.expires_at.is_some() { when(t.expires_at) } else { "never".into() }}</td>
            <td>{when(t.last_used_at)}</td>
            <td>
                {if t.revoked_at.is_some() {
                    view! { <span class="tag tag-muted">"revoked"</span> }.into_any()
                } else {
                    view! {
                        <ActionForm action=revoke attr:class="inline">
                            <input type="hidden" name="id" value=t.id/>
                            <button type="submit" class="btn btn-danger btn-small">"Revoke"</button>
                        </ActionForm>
                    }.into_any()
                }}
            </td>
        </tr>
    }
}

/// The tokens page: the signed-in user's tokens, read on the server and
/// handed to [`TokenManager`].
#[component]
pub fn TokensPage() -> impl IntoView {
    let session = SessionContext::get();
    view! {
        <Title text="API tokens — Trellis"/>
        <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match session.user.await {
                    Ok(Some(u)) => {
                        let tokens = list_tokens().await;
                        view! { <TokenManager is_admin=u.is_admin tokens/> }.into_any()
                    }
                    _ => view! { <SignInRequired/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// The form that creates a token and the list of tokens, an island: a token's
/// secret is the answer to its creation and is shown once, so creating one
/// must happen in place. (Without JavaScript the form still creates the
/// token, but the page it returns to cannot show the secret; the CLI and the
/// REST API are the ways to make one then.)
#[island]
fn TokenManager(is_admin: bool, tokens: Result<Vec<TokenOut>, UiError>) -> impl IntoView {
    let create = ServerAction::<CreateToken>::new();
    let revoke = ServerAction::<RevokeToken>::new();
    let tokens = RwSignal::new(tokens);
    // After a creation or a revocation, the list is read again.
    Effect::new(move |_| {
        let changed = (create.version().get(), revoke.version().get());
        if changed != (0, 0) {
            leptos::task::spawn_local(async move { tokens.set(list_tokens().await) });
        }
    });
    let error = last_error(create);
    let created = move || create.value().get().and_then(|r| r.ok());
    // After a token is made, clear the form for the next one (the secret stays shown).
    let form_ref = NodeRef::<leptos::html::Form>::new();
    Effect::new(move |_| {
        if let (Some(Ok(_)), Some(form)) = (create.value().get(), form_ref.get()) {
            form.reset();
        }
    });
    view! {
        <section class="panel">
            <h1>"API tokens"</h1>
            <p class="muted">
                "Tokens let scripts, the CLI and other API clients act as you. Send one as "
                <code>"Authorization: Bearer trls_…"</code> "."
            </p>
            {move || created().map(|c| view! {
                <div class="banner banner-ok secret" role="status">
                    <p><strong>"Token “" {c.token.name.clone()} "” created."</strong>
                    " Copy it now: it will not be shown again."</p>
                    <code id="new-token-secret" class="secret-value">{c.secret.clone()}</code>
                </div>
            })}
            <ErrorBanner error/>
            <ActionForm action=create node_ref=form_ref attr:id="token-form" attr:class="token-form">
                <Field label="Name" name="name" hint="What will use it, e.g. “CI publish”." error/>
                <fieldset class="scopes">
                    <legend>"Scopes"</legend>
                    <label><input type="checkbox" name="scope_read" checked/>" read"</label>
                    <label><input type="checkbox" name="scope_publish"/>" publish"</label>
                    <label><input type="checkbox" name="scope_webhooks"/>" webhooks"</label>
                    <label><input type="checkbox" name="scope_plugins"/>" plugins"</label>
                    {is_admin.then(|| view! {
                        <label><input type="checkbox" name="scope_admin"/>" admin"</label>
                    })}
                    <p class="field-error" role="alert">{move || error.get().and_then(|e| e.field("scopes"))}</p>
                </fieldset>
                <div class="field">
                    <label for="f-expiry">"Expires"</label>
                    <select id="f-expiry" name="expires_in_days">
                        <option value="30">"in 30 days"</option>
                        <option value="90" selected>"in 90 days"</option>
                        <option value="365">"in a year"</option>
                        <option value="never">"never"</option>
                    </select>
                </div>
                <button type="submit" class="btn btn-primary">"Create token"</button>
            </ActionForm>
        </section>
        <section class="panel">
            <h2>"Your tokens"</h2>
            {move || match tokens.get() {
                Ok(list) if list.is_empty() => view! {
                    <p class="muted" id="no-tokens">"No tokens yet."</p>
                }.into_any(),
                Ok(list) => view! {
                    <table class="table" id="token-table">
                        <thead><tr>
                            <th>"Name"</th><th>"Token"</th><th>"Scopes"</th><th>"Created"</th>
                            <th>"Expires"</th><th>"Last used"</th><th></th>
                        </tr></thead>
                        <tbody>
                            {list.into_iter().map(|t| view! { <TokenRow t revoke/> }).collect_view()}
                        </tbody>
                    </table>
                }.into_any(),
                Err(e) => view! { <div class="banner banner-error">{e.detail}</div> }.into_any(),
            }}
        </section>
    }
}
