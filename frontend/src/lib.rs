//! The browser entry point. Pages are rendered on the server and stay plain
//! HTML; the interactive parts are Leptos islands (`#[island]` in the `app`
//! crate), which the islands script hydrates, each from its own props, after
//! `hydrate()` has set up the reactive runtime.

// The typed view trees of the larger islands nest deeper than the default
// limit when hydration code is generated for them.
#![recursion_limit = "256"]

// The islands are exported by the app crate; linking it brings them in.
use app as _;

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_islands();
    // A marker for browser tests and debugging: the islands are interactive.
    // The islands script hydrates them right after this returns, so the mark
    // waits for the next task.
    leptos::prelude::set_timeout(
        || {
            if let Some(body) = leptos::prelude::document().body() {
                let _ = body.set_attribute("data-hydrated", "");
            }
        },
        std::time::Duration::ZERO,
    );
}
