//! The action panels of an endpoint's page: enable/disable, "Send test
//! event", "Replay failed messages since", the signing secret ("Reveal
//! secret" is a plain link that adds `?secret=show`; "Rotate secret" a POST
//! that comes back with `?secret=rotated`: the secret is never in the page
//! otherwise), and deletion behind a required confirmation box. Every one is
//! an `ActionForm` (or a link), so each works without JavaScript.

use leptos::prelude::*;
use trellis_types::{EndpointOut, EndpointSecretOut};

use crate::api::webhook_actions::{
    DeleteWebhook, ReplayWebhook, RotateWebhookSecret, SendWebhookTest, SetWebhookEnabled,
};
use crate::components::form::{last_error, ErrorBanner};
use crate::components::query::enc;
use crate::components::webhook_form::FieldErrors;
use crate::components::webhook_ui::{date_time_secs, datetime_local};
use crate::error::UiError;

/// The actions this page's forms post to.
#[derive(Clone, Copy)]
pub struct EndpointActions {
    pub enable: ServerAction<SetWebhookEnabled>,
    pub test: ServerAction<SendWebhookTest>,
    pub replay: ServerAction<ReplayWebhook>,
    pub rotate: ServerAction<RotateWebhookSecret>,
    pub delete: ServerAction<DeleteWebhook>,
}

impl Default for EndpointActions {
    fn default() -> Self {
        EndpointActions::new()
    }
}

impl EndpointActions {
    /// Creates them (each picks up its error from the URL after a failed
    /// submission without JavaScript).
    pub fn new() -> EndpointActions {
        EndpointActions {
            enable: ServerAction::new(),
            test: ServerAction::new(),
            replay: ServerAction::new(),
            rotate: ServerAction::new(),
            delete: ServerAction::new(),
        }
    }

    /// A number that changes whenever one of them has run.
    pub fn versions(&self) -> usize {
        self.enable.version().get()
            + self.test.version().get()
            + self.replay.version().get()
            + self.rotate.version().get()
            + self.delete.version().get()
    }
}

/// Enable/disable, test event, replay.
#[component]
pub fn DeliveryActions(e: EndpointOut, a: EndpointActions, replay_from: i64) -> impl IntoView {
    let enable_error = last_error(a.enable);
    let test_error = last_error(a.test);
    let replay_error = last_error(a.replay);
    let (id, id_test, id_replay) = (e.id.clone(), e.id.clone(), e.id.clone());
    view! {
        <section class="panel" id="endpoint-actions">
            <h2>"Deliveries"</h2>
            <ErrorBanner error=enable_error/>
            <ErrorBanner error=test_error/>
            <ErrorBanner error=replay_error/>
            <div class="action-row">
                <ActionForm action=a.enable attr:class="inline">
                    <input type="hidden" name="id" value=id/>
                    {if e.enabled {
                        view! {
                            <input type="hidden" name="enabled" value="false"/>
                            <button type="submit" class="btn" data-testid="disable-endpoint">"Disable"</button>
                        }.into_any()
                    } else {
                        view! {
                            <input type="hidden" name="enabled" value="true"/>
                            <button type="submit" class="btn btn-primary" data-testid="enable-endpoint">"Enable"</button>
                        }.into_any()
                    }}
                </ActionForm>
                <ActionForm action=a.test attr:class="inline">
                    <input type="hidden" name="id" value=id_test/>
                    <button type="submit" class="btn" data-testid="send-test" disabled=!e.enabled>
                        "Send test event"
                    </button>
                </ActionForm>
            </div>
            <p class="hint">
                "A test event (" <code>"webhook.test"</code>
                ") goes to this endpoint alone and appears in its message log."
                {(!e.enabled).then_some(" Enable the endpoint to send one.")}
            </p>
            <h3>"Replay failed messages"</h3>
            <ActionForm action=a.replay attr:class="replay-form" attr:data-testid="replay-form">
                <input type="hidden" name="id" value=id_replay/>
                <div class="field">
                    <label for="f-since">"Failed since (UTC)"</label>
                    <input id="f-since" type="datetime-local" name="since" required
                        value=datetime_local(replay_from) data-testid="replay-since"/>
                    <p class="hint">"Every message of this endpoint that failed for good and was created at or after this time is sent again."</p>
                    <FieldErrors name="since" error=replay_error/>
                </div>
                <button type="submit" class="btn" data-testid="replay-submit" disabled=!e.enabled>"Replay"</button>
            </ActionForm>
        </section>
    }
}

/// The signing secret: a link to reveal it and a button to rotate it; the
/// secret itself only when `shown` holds it.
#[component]
pub fn SecretPanel(
    id: String,
    a: EndpointActions,
    shown: Option<Result<EndpointSecretOut, UiError>>,
    rotated: bool,
) -> impl IntoView {
    let rotate_error = last_error(a.rotate);
    let href = format!("/webhooks/{}", enc(&id));
    let secret = shown.map(|r| match r {
        Ok(s) => {
            let until = s.previous_secret_until.map(date_time_secs);
            let lead = if rotated {
                "The secret was rotated. This is the new one:"
            } else {
                "The signing secret:"
            };
            view! {
                <div class="banner banner-ok secret" role="status" data-testid="secret-box">
                    <p><strong>{lead}</strong></p>
                    <code class="secret-value" id="endpoint-secret" data-testid="endpoint-secret">{s.secret}</code>
                    {until.map(|u| view! {
                        <p data-testid="previous-secret-until">
                            "Deliveries are signed with the previous secret too until " {u} "."
                        </p>
                    })}
                    <p><a href=href.clone() data-testid="hide-secret">"Hide it"</a></p>
                </div>
            }
            .into_any()
        }
        Err(e) => view! { <div class="banner banner-error" role="alert">{e.detail}</div> }.into_any(),
    });
    let revealed = secret.is_some();
    view! {
        <section class="panel" id="endpoint-secret-panel">
            <h2>"Signing secret"</h2>
            <p class="muted">
                "Each delivery carries " <code>"webhook-id"</code> ", " <code>"webhook-timestamp"</code>
                " and " <code>"webhook-signature"</code>
                " headers (Standard Webhooks); the receiver checks the signature with this secret."
            </p>
            <ErrorBanner error=rotate_error/>
            {secret}
            <div class="action-row">
                {(!revealed).then(|| view! {
                    <a href=format!("{href}?secret=show") class="btn" data-testid="reveal-secret">"Reveal secret"</a>
                })}
                <ActionForm action=a.rotate attr:class="inline">
                    <input type="hidden" name="id" value=id.clone()/>
                    <button type="submit" class="btn" data-testid="rotate-secret">"Rotate secret"</button>
                </ActionForm>
            </div>
            <p class="hint">"Rotating makes a new secret at once; the previous one keeps signing for a while, so receivers can switch."</p>
        </section>
    }
}

/// Deletion, behind a required confirmation box (checked on the server too).
#[component]
pub fn DeletePanel(id: String, a: EndpointActions) -> impl IntoView {
    let error = last_error(a.delete);
    view! {
        <section class="panel danger-zone" id="endpoint-delete">
            <h2>"Delete this endpoint"</h2>
            <ErrorBanner error/>
            <ActionForm action=a.delete attr:data-testid="delete-form">
                <input type="hidden" name="id" value=id/>
                <div class="field check">
                    <label>
                        <input type="checkbox" name="confirm" required data-testid="delete-confirm"/>
                        " Yes, delete it with its message log. Nothing more will be delivered to it."
                    </label>
                    <FieldErrors name="confirm" error/>
                </div>
                <button type="submit" class="btn btn-danger" data-testid="delete-endpoint">"Delete endpoint"</button>
            </ActionForm>
        </section>
    }
}
