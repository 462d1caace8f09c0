//! The Trellis web UI (Leptos): the HTML shell, the route table, pages,
//! components and the server functions they call.
//!
//! Built twice: with `ssr` for the server (server functions run their bodies,
//! which call `trellis_platform`) and with `hydrate` for the browser (server
//! functions become HTTP calls). Nothing server-only may be used outside
//! `#[cfg(feature = "ssr")]` code.

// The search page's view types (facets inside a form inside an aside) are deep enough
// to overflow the default query depth when the hydrate build computes their layout.
#![recursion_limit = "256"]

pub mod api;
pub mod components;
pub mod error;
pub mod pages;
pub mod resource;

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags, Stylesheet, Title};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::{path, SsrMode};

use crate::components::nav::Nav;
use crate::pages::{
    account::AccountPage, admin_events::AdminEventsPage, api_reference::ApiReferencePage,
    category::CategoryPage, home::HomePage, namespace::NamespacePage, not_found::NotFound,
    plugin::PluginPage, search::SearchPage, security::SecurityPage, signin::SignInPage,
    signup::SignUpPage, tokens::TokensPage, webhooks::WebhooksPage,
    webhooks_analytics::WebhookAnalyticsPage, webhooks_endpoint::WebhookEndpointPage,
    webhooks_event_types::WebhookEventTypesPage, webhooks_message::WebhookMessagePage,
    webhooks_messages::WebhookMessagesPage, webhooks_new::WebhookNewPage,
};

/// The HTML document around the app, rendered on the server.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <link rel="icon" href="/favicon.svg" type="image/svg+xml"/>
                <HydrationScripts options islands=true/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

/// The app: session-aware navigation and the route table.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    let session = api::accounts::SessionContext::provide();
    view! {
        <Stylesheet id="leptos" href="/pkg/trellis.css"/>
        <Title text="Trellis"/>
        <Router>
            <Nav session/>
            <main class="container">
                <Routes fallback=|| view! { <NotFound/> }>
                    <Route path=path!("") view=HomePage ssr=SsrMode::Async/>
                    <Route path=path!("search") view=SearchPage ssr=SsrMode::Async/>
                    <Route path=path!("plugins/:id") view=PluginPage ssr=SsrMode::Async/>
                    <Route path=path!("plugins/:id/stats") view=crate::pages::plugin_stats::PluginStatsPage ssr=SsrMode::Async/>
                    // The plugin runtime: install plans, workspaces, installations.
                    <Route path=path!("plugins/:id/install") view=pages::runtime_install::InstallPlanPage ssr=SsrMode::Async/>
                    <Route path=path!("workspaces/:ws") view=pages::runtime_workspace::WorkspacePage ssr=SsrMode::Async/>
                    <Route path=path!("workspaces/:ws/health") view=pages::runtime_health::WorkspaceHealthPage ssr=SsrMode::Async/>
                    <Route path=path!("workspaces/:ws/updates") view=pages::runtime_consent::UpdateAllPage ssr=SsrMode::Async/>
                    <Route path=path!("installations/:id") view=pages::runtime_installation::InstallationPage ssr=SsrMode::Async/>
                    <Route path=path!("installations/:id/update") view=pages::runtime_consent::UpdateConsentPage ssr=SsrMode::Async/>
                    <Route path=path!("installations/:id/rollback") view=pages::runtime_consent::RollbackConsentPage ssr=SsrMode::Async/>
                    <Route path=path!("installations/:id/uninstall") view=pages::runtime_uninstall::UninstallPage ssr=SsrMode::Async/>
                    <Route path=path!("namespaces/:ns") view=NamespacePage ssr=SsrMode::Async/>
                    <Route path=path!("categories/:slug") view=CategoryPage ssr=SsrMode::Async/>
                    <Route path=path!("signup") view=SignUpPage ssr=SsrMode::Async/>
                    <Route path=path!("signin") view=SignInPage ssr=SsrMode::Async/>
                    <Route path=path!("account") view=AccountPage ssr=SsrMode::Async/>
                    <Route path=path!("account/tokens") view=TokensPage ssr=SsrMode::Async/>
                    <Route path=path!("account/security") view=SecurityPage ssr=SsrMode::Async/>
                    <Route path=path!("docs/api") view=ApiReferencePage ssr=SsrMode::Async/>
                    <Route path=path!("admin/events") view=AdminEventsPage ssr=SsrMode::Async/>
                    <Route path=path!("admin/moderation") view=pages::admin_moderation::AdminModerationPage ssr=SsrMode::Async/>
                    <Route path=path!("admin/users") view=pages::admin_users::AdminUsersPage ssr=SsrMode::Async/>
                    <Route path=path!("admin/audit-log") view=pages::admin_audit::AdminAuditPage ssr=SsrMode::Async/>
                    <Route path=path!("admin/plugins") view=pages::admin_plugins::AdminPluginsPage ssr=SsrMode::Async/>
                    // The publisher dashboard.
                    <Route path=path!("dashboard") view=pages::dashboard::DashboardPage ssr=SsrMode::Async/>
                    <Route path=path!("dashboard/publish") view=pages::dashboard_publish::DashboardPublishPage ssr=SsrMode::Async/>
                    <Route path=path!("dashboard/plugins/:id") view=pages::dashboard_plugin::DashboardPluginPage ssr=SsrMode::Async/>
                    <Route path=path!("dashboard/namespaces/:ns") view=pages::dashboard_namespace::DashboardNamespacePage ssr=SsrMode::Async/>
                    // The webhook console: fixed paths before `webhooks/:id`.
                    <Route path=path!("webhooks") view=WebhooksPage ssr=SsrMode::Async/>
                    <Route path=path!("webhooks/new") view=WebhookNewPage ssr=SsrMode::Async/>
                    <Route path=path!("webhooks/analytics") view=WebhookAnalyticsPage ssr=SsrMode::Async/>
                    <Route path=path!("webhooks/event-types") view=WebhookEventTypesPage ssr=SsrMode::Async/>
                    <Route path=path!("webhooks/messages") view=WebhookMessagesPage ssr=SsrMode::Async/>
                    <Route path=path!("webhooks/messages/:id") view=WebhookMessagePage ssr=SsrMode::Async/>
                    <Route path=path!("webhooks/:id") view=WebhookEndpointPage ssr=SsrMode::Async/>
                </Routes>
            </main>
            <footer class="footer container">
                "Trellis — the open extension platform. "
                <a href="/docs/api">"API reference"</a>
                " · "
                <a href="/healthz">"status"</a>
            </footer>
        </Router>
    }
}
