//! The browser entry point: hydrates the server-rendered page and nothing else.

// The typed view trees of the larger pages (the API reference) nest deeper than
// the default limit when hydration code is generated for them.
#![recursion_limit = "256"]

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(app::App);
    // A marker for browser tests and debugging: the page is now interactive.
    if let Some(body) = leptos::prelude::document().body() {
        let _ = body.set_attribute("data-hydrated", "");
    }
}
