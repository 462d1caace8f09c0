//! Form helpers: a labelled input that shows its field error, and an error banner.

use leptos::prelude::*;

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

/// The error of an action's last result.
pub fn last_error<S, T>(value: S) -> LastError
where
    S: Get<Value = Option<Result<T, UiError>>> + Send + Sync + 'static,
    T: 'static,
{
    Signal::derive(move || value.get().and_then(|r| r.err()))
}
