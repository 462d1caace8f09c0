//! The landing page.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

/// `/`: what Trellis is and where to start.
#[component]
pub fn HomePage() -> impl IntoView {
    view! {
        <Title text="Trellis — the open extension platform"/>
        <section class="hero">
            <h1>"Extend everything, safely."</h1>
            <p class="lead">
                "Trellis is an open extension platform: a marketplace to find, rate and install plugins, "
                "a registry that publishes them safely, and a sandboxed WebAssembly runtime that runs agents "
                "and integrations with hard limits."
            </p>
            <div class="hero-actions">
                <A href="/signup" attr:class="btn btn-primary">"Create an account"</A>
                <A href="/signin" attr:class="btn">"Sign in"</A>
            </div>
        </section>
        <section class="features">
            <div class="card">
                <h3>"Marketplace"</h3>
                <p>"Search with typo tolerance, browse by category, read READMEs, compare versions and install with one click."</p>
            </div>
            <div class="card">
                <h3>"Registry"</h3>
                <p>"Namespaced plugins, immutable versions, checked packages and signed releases, resolved on the server."</p>
            </div>
            <div class="card">
                <h3>"Runtime"</h3>
                <p>"Plugins run as sandboxed WebAssembly with memory, time and network limits, and react to platform events."</p>
            </div>
            <div class="card">
                <h3>"APIs"</h3>
                <p>"REST with API tokens and scopes, webhooks that are signed and never lost, and SDKs for Python, TypeScript and Go."</p>
            </div>
        </section>
    }
}
