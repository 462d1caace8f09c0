//! `/webhooks/new`: the form that creates an endpoint. Publishers choose one
//! of their namespaces; admins may type any namespace or leave it empty for an
//! instance-wide endpoint. Field errors from the service show next to their
//! field and nothing is saved; on success the endpoint's page opens. An
//! `ActionForm`, so it also works as a plain POST without JavaScript.

use leptos::prelude::*;
use leptos_meta::Title;
use trellis_types::UserOut;

use crate::api::accounts::SessionContext;
use crate::api::webhook_actions::CreateWebhook;
use crate::api::webhooks::webhook_type_names;
use crate::components::form::{last_error, ErrorBanner, LastError};
use crate::components::webhook_form::{EndpointFields, FieldErrors, FormValues};
use crate::pages::account::SignInRequired;
use crate::pages::webhooks::{load_failed, WebhookTabs};

/// The namespace field: a text field with suggestions for admins, a choice of
/// the user's namespaces for everyone else.
#[component]
fn NamespaceField(u: UserOut, error: LastError) -> impl IntoView {
    let names: Vec<String> = u.namespaces.iter().map(|m| m.namespace.clone()).collect();
    let field = if u.is_admin {
        view! {
            <input id="f-namespace" type="text" name="namespace" list="my-namespaces"
                data-testid="endpoint-namespace"/>
            <datalist id="my-namespaces">
                {names.into_iter().map(|n| view! { <option value=n/> }).collect_view()}
            </datalist>
            <p class="hint">"Only this namespace's events. Empty: every event of the instance."</p>
        }
        .into_any()
    } else {
        view! {
            <select id="f-namespace" name="namespace" required data-testid="endpoint-namespace">
                {names.into_iter().map(|n| view! { <option value=n.clone()>{n.clone()}</option> }).collect_view()}
            </select>
            <p class="hint">"The endpoint gets the events of this namespace."</p>
        }
        .into_any()
    };
    view! {
        <div class="field">
            <label for="f-namespace">"Namespace"</label>
            {field}
            <FieldErrors name="namespace" error/>
        </div>
    }
}

/// The create page.
#[component]
pub fn WebhookNewPage() -> impl IntoView {
    let session = SessionContext::get();
    let create = ServerAction::<CreateWebhook>::new();
    let types = crate::resource::new(|| (), |_| webhook_type_names());
    let error = last_error(create);
    view! {
        <Title text="New endpoint — Webhooks — Trellis"/>
        <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                let user = match session.user.await {
                    Ok(Some(u)) => u,
                    _ => return view! { <SignInRequired/> }.into_any(),
                };
                let types = match types.await {
                    Ok(t) => t,
                    Err(e) => return load_failed(e, "This page".into()),
                };
                if !user.is_admin && user.namespaces.is_empty() {
                    return view! {
                        <section class="panel narrow" id="no-namespace">
                            <WebhookTabs current=""/>
                            <h1>"New endpoint"</h1>
                            <p>
                                "An endpoint belongs to a namespace and gets its events. You are not a member of any namespace yet: create one or accept an invitation on "
                                <a href="/account">"your account page"</a> "."
                            </p>
                        </section>
                    }.into_any();
                }
                view! {
                    <section class="panel narrow-wide">
                        <WebhookTabs current=""/>
                        <p class="crumbs"><a href="/webhooks">"Webhooks"</a> " / New endpoint"</p>
                        <h1>"New endpoint"</h1>
                        <ErrorBanner error/>
                        <ActionForm action=create attr:id="endpoint-form" attr:class="endpoint-form"
                            attr:data-testid="endpoint-form">
                            <NamespaceField u=user error/>
                            <EndpointFields values=FormValues::default() types error/>
                            <div class="field check">
                                <label>
                                    <input type="checkbox" name="enabled" checked data-testid="endpoint-enabled"/>
                                    " Enabled: deliver events from now on"
                                </label>
                            </div>
                            <p class="hint">
                                "A signing secret is generated for the endpoint; its page shows it when you ask."
                            </p>
                            <button type="submit" class="btn btn-primary" data-testid="endpoint-submit">
                                "Create endpoint"
                            </button>
                        </ActionForm>
                    </section>
                }.into_any()
            })}
        </Transition>
    }
}
