//! The plugin page's moderation parts, loading their own data: the notice of a
//! delisted plugin ("Delisted by the moderators: <reason>", with what still
//! works), the note on the viewer's own review when a moderator hid it, and
//! "Report this plugin" (a reason and an optional text; for signed-in users
//! who do not publish it and have not reported it yet). The report form is
//! an `ActionForm` that comes back to the page with `done=plugin_reported`,
//! so it works without JavaScript.

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use crate::api::moderation::{
    plugin_moderation, PluginModerationData, ReportPlugin, PLUGIN_REASONS,
};
use crate::components::form::{last_error, ErrorBanner, LastError};
use crate::components::query::enc;
use crate::components::time::date;

/// The delisted notice.
#[component]
fn Delisted(d: trellis_types::DelistingOut) -> impl IntoView {
    view! {
        <div class="banner banner-warn" role="note" id="delisted" data-testid="delisted">
            <strong>"Delisted by the moderators: "</strong>
            <span id="delisted-reason">{d.reason}</span>
            <p class="small">
                "Since " {date(d.delisted_at)}
                ". It is left out of search, lists and feeds. Its published versions can still be \
                 downloaded and resolved, so projects that already depend on it keep working."
            </p>
        </div>
    }
}

/// The note on the viewer's own review that a moderator hid.
#[component]
fn HiddenReviewNote(r: trellis_types::ReviewOut) -> impl IntoView {
    let reason = r.hidden.map(|h| h.reason).unwrap_or_default();
    view! {
        <div class="banner banner-warn" role="note" id="own-review-hidden" data-testid="own-review-hidden">
            <strong>"Your review “" {r.title} "” is hidden by a moderator: "</strong>
            <span class="hidden-reason">{reason}</span>
            <p class="small">"Only you and the admins see it; it counts in no rating. You may still change or delete it."</p>
        </div>
    }
}

/// "Report this plugin", or why there is no form.
#[component]
fn ReportForm(
    d: PluginModerationData,
    action: ServerAction<ReportPlugin>,
    error: LastError,
) -> impl IntoView {
    let field_error = move |name: &'static str| error.get().and_then(|e| e.field(name));
    let body = if !d.signed_in {
        let next = enc(&format!("/plugins/{}#report-plugin", d.plugin));
        view! {
            <p class="muted small">
                <a href=format!("/signin?next={next}")>"Sign in"</a> " to report this plugin to the moderators."
            </p>
        }
        .into_any()
    } else if d.reported {
        view! { <p class="muted small" data-testid="plugin-reported">"You reported this plugin; the moderators will look at it."</p> }
            .into_any()
    } else if d.publisher {
        view! { <p class="muted small">"You publish this plugin, so you cannot report it."</p> }
            .into_any()
    } else {
        view! {
            <ActionForm action attr:class="report-form" attr:id="report-plugin-form" attr:data-testid="report-plugin-form">
                <input type="hidden" name="plugin" value=d.plugin.clone()/>
                <div class="field" class:has-error=move || field_error("reason").is_some()>
                    <label for="f-plugin-report-reason">"Reason"</label>
                    <select id="f-plugin-report-reason" name="reason" required>
                        {PLUGIN_REASONS.iter().map(|(v, l)| view! { <option value=*v>{*l}</option> }).collect_view()}
                    </select>
                    <p class="field-error" role="alert">{move || field_error("reason")}</p>
                </div>
                <div class="field" class:has-error=move || field_error("text").is_some()>
                    <label for="f-plugin-report-text">"What is wrong with it? (optional)"</label>
                    <textarea id="f-plugin-report-text" name="text" rows="3" maxlength="1000"></textarea>
                    <p class="field-error" role="alert">{move || field_error("text")}</p>
                </div>
                <button type="submit" class="btn btn-small btn-danger" data-testid="report-plugin-submit">"Send report"</button>
            </ActionForm>
        }
        .into_any()
    };
    view! {
        <details class="report-plugin" id="report-plugin" open=error.get_untracked().is_some()>
            <summary class="btn btn-small btn-ghost">"Report this plugin"</summary>
            <ErrorBanner error/>
            {body}
        </details>
    }
}

/// The report action and the resource of the moderation parts' data, which
/// the page creates where it starts, outside any `Suspend` (see
/// `reviews::ReviewsState` for why).
#[derive(Clone, Copy)]
pub struct ModerationState {
    action: ServerAction<ReportPlugin>,
    data: crate::resource::Res<Result<PluginModerationData, crate::error::UiError>>,
}

impl ModerationState {
    /// For the plugin whose id `plugin` reads.
    pub fn new(plugin: impl Fn() -> String + Send + Sync + 'static) -> ModerationState {
        let action = ServerAction::<ReportPlugin>::new();
        let data = crate::resource::new(
            move || (plugin(), action.version().get()),
            |(id, _)| plugin_moderation(id),
        );
        ModerationState { action, data }
    }
}

/// The plugin page's moderation parts, from `state`.
#[component]
pub fn PluginModeration(state: ModerationState) -> impl IntoView {
    let ModerationState { action, data } = state;
    let error = last_error(action);
    let query = use_query_map();
    let reported_now = move || {
        query.with(|q| {
            q.get("done").as_deref() == Some("plugin_reported") && q.get("__err").is_none()
        })
    };
    view! {
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(d) => view! {
                        {reported_now().then(|| view! {
                            <div class="banner banner-ok" role="status" data-testid="plugin-report-notice">
                                "Thank you: the plugin was reported to the moderators."
                            </div>
                        })}
                        {d.delisted.clone().map(|d| view! { <Delisted d/> })}
                        {d.hidden_review.clone().map(|r| view! { <HiddenReviewNote r/> })}
                        <ReportForm d action error/>
                    }
                    .into_any(),
                    // The page itself shows why it could not load.
                    Err(_) => ().into_any(),
                }
            })}
        </Transition>
    }
}
