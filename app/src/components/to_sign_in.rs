//! The answer to a signed-out visitor on a page that needs an account: a
//! redirect to the sign-in page with the way back in `next` (a real `302`
//! when rendered on the server; the page below is its body), and a short
//! panel saying why for anyone who stops there.

use leptos::prelude::*;
use leptos_router::components::Redirect;
use leptos_router::hooks::use_location;

use crate::components::query::enc;

/// Sends a signed-out visitor to `/signin?next=<this page>`; `why` says what
/// the page is for.
#[component]
pub fn ToSignIn(why: &'static str) -> impl IntoView {
    let loc = use_location();
    let path = loc.pathname.get_untracked();
    let search = loc.search.get_untracked();
    let search = search.trim_start_matches('?');
    let here = if search.is_empty() {
        path
    } else {
        format!("{path}?{search}")
    };
    let to = format!("/signin?next={}", enc(&here));
    #[cfg(feature = "ssr")]
    if let Some(opts) = use_context::<leptos_axum::ResponseOptions>() {
        opts.set_status(http::StatusCode::FOUND);
        if let Ok(v) = http::HeaderValue::from_str(&to) {
            opts.insert_header(http::header::LOCATION, v);
        }
    }
    view! {
        <Redirect path=to.clone()/>
        <section class="panel narrow center">
            <h1>"Sign in to continue"</h1>
            <p>{why}</p>
            <a href=to class="btn btn-primary">"Sign in"</a>
        </section>
    }
}
