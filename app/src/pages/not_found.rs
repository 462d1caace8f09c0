//! The 404 page (unknown paths, and plugins, namespaces or categories that do
//! not exist), and the panel shown when a page's data could not be loaded.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

use crate::components::search_box::SearchBox;
use crate::error::UiError;

/// Shown for any unknown path (with status 404). `what` names what was asked for
/// ("Plugin `acme.nope`"), when a page knows.
#[component]
pub fn NotFound(#[prop(optional, into)] what: Option<String>) -> AnyView {
    #[cfg(feature = "ssr")]
    if let Some(opts) = use_context::<leptos_axum::ResponseOptions>() {
        opts.set_status(http::StatusCode::NOT_FOUND);
    }
    let text = match what {
        Some(w) => format!("{w} does not exist on this instance. It may have been renamed or removed, or the link may be mistyped."),
        None => "There is nothing at this address. It may have moved, or the link may be mistyped.".to_owned(),
    };
    view! {
        <Title text="Not found — Trellis"/>
        <section class="panel narrow-wide center" id="not-found">
            <h1>"Page not found"</h1>
            <p>{text}</p>
            <form method="get" action="/search" class="search-form" role="search">
                <SearchBox value="" id="notfound-search" label="Search for a plugin instead"/>
                <button type="submit" class="btn btn-primary">"Search"</button>
            </form>
            <p class="links center-links">
                <A href="/">"Go to the start page"</A>
                <A href="/search">"Browse every plugin"</A>
            </p>
        </section>
    }
    .into_any()
}

/// Shown in place of a page whose data could not be loaded (anything but 404).
#[component]
pub fn LoadFailed(error: UiError) -> AnyView {
    #[cfg(feature = "ssr")]
    if let Some(opts) = use_context::<leptos_axum::ResponseOptions>() {
        let status = match error.code.as_str() {
            "unavailable" => http::StatusCode::SERVICE_UNAVAILABLE,
            "validation_failed" | "bad_request" => http::StatusCode::BAD_REQUEST,
            _ => http::StatusCode::INTERNAL_SERVER_ERROR,
        };
        opts.set_status(status);
    }
    let detail = match error.code.as_str() {
        "unavailable" => "This is not available right now: Trellis is starting up or busy. Try again in a moment.".to_owned(),
        _ => error.detail.clone(),
    };
    let rid = error
        .request_id
        .filter(|_| error.code == "internal")
        .map(|r| format!(" (request id {r})"));
    view! {
        <section class="panel narrow-wide center" id="load-failed">
            <h1>"This page could not be shown"</h1>
            <p>{detail}{rid}</p>
            <A href="/" attr:class="btn">"Go to the start page"</A>
        </section>
    }
    .into_any()
}
