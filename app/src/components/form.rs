//! Form helpers: a labelled input that shows its field error, and an error banner.

use leptos::prelude::*;
use leptos::server_fn::ServerFn;

use crate::error::UiError;

/// The error of the last submission of a form, if it failed.
pub type LastError = Signal<Option<UiError>>;

/// A labelled input whose error (from the last submission) shows beneath it.
#[component]
pub fn Field(
    label: &'static str,
    name: &'static str,
    #[prop(default = "text")] kind: &'static str,
    #[prop(optional)] autocomplete: &'static str,
    #[prop(optional)] hint: &'static str,
    #[prop(default = true)] required: bool,
    error: LastError,
) -> impl IntoView {
    let msg = move || error.get().and_then(|e| e.field(name));
    let id = format!("f-{name}");
    view! {
        <div class="field" class:has-error=move || msg().is_some()>
            <label for=id.clone()>{label}</label>
            <input id=id type=kind name=name autocomplete=autocomplete required=required/>
            {(!hint.is_empty()).then(|| view! { <p class="hint">{hint}</p> })}
            <p class="field-error" role="alert">{msg}</p>
        </div>
    }
}

/// A banner with the error of the last submission (when it is not about one field).
#[component]
pub fn ErrorBanner(error: LastError) -> impl IntoView {
    move || {
        error.get().filter(|e| e.fields.is_empty()).map(|e| {
            // The request id only helps when something broke on our side.
            let ours = matches!(e.code.as_str(), "internal" | "unavailable");
            let rid = e
                .request_id
                .clone()
                .filter(|_| ours)
                .map(|r| format!(" (request id {r})"))
                .unwrap_or_default();
            view! { <div class="banner banner-error" role="alert">{e.detail.clone()}{rid}</div> }
        })
    }
}

/// The error of a server action's last result, ready to show.
///
/// Before the action has run here (version 0), a value can only have come from
/// the URL: without JavaScript a failed submission redirects back with the
/// error in `__err`, and anyone can write such a link. Such an error shows only
/// fixed text for its code ([`UiError::into_fixed_text`]), never the URL's text.
pub fn last_error<S>(action: ServerAction<S>) -> LastError
where
    S: ServerFn<Error = UiError> + Clone + Send + Sync + 'static,
    S::Output: Clone + Send + Sync + 'static,
{
    Signal::derive(move || {
        let err = action.value().get().and_then(|r| r.err())?;
        Some(if action.version().get() == 0 {
            err.into_fixed_text()
        } else {
            err
        })
    })
}

/// [`last_error`] for a form inside an island. The island's own action cannot
/// read a refusal that came back in the URL (the browser has no router to
/// hand it over), so the page reads it on the server ([`last_error`] of the
/// page's action of the same server function) and passes it in as `refused`:
/// it shows until the island's action has run.
pub fn island_error<S>(action: ServerAction<S>, refused: Option<UiError>) -> LastError
where
    S: ServerFn<Error = UiError> + Clone + Send + Sync + 'static,
    S::Output: Clone + Send + Sync + 'static,
{
    Signal::derive(move || {
        if action.version().get() == 0 {
            refused.clone()
        } else {
            action.value().get().and_then(|r| r.err())
        }
    })
}
