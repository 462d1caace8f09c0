//! The REST API under `/api/v1`. Errors are `application/problem+json`.

pub mod accounts;
pub mod admin;
pub mod audit;
pub mod cursor;
pub mod downloads;
pub mod events;
pub mod extract;
pub mod installations;
pub mod installations_dev;
pub mod moderation;
pub mod namespaces;
pub mod openapi;
pub mod plugins;
pub mod problem;
pub mod resolve;
pub mod reviews;
pub mod search;
pub mod stats;
pub mod webhooks;

use axum::extract::DefaultBodyLimit;
use axum::routing::{delete, get, post, put};
use axum::Router;
use trellis_platform::AppError;

use crate::state::ServerState;
use problem::ApiError;

/// The `/api/v1` routes.
pub fn routes() -> Router<ServerState> {
    Router::new()
        .route("/openapi.json", get(openapi::openapi_json))
        .route("/me", get(accounts::get_me))
        .route("/me/sessions", get(accounts::list_sessions))
        .route("/me/sessions/{id}", delete(accounts::end_session))
        .route("/me/security-log", get(accounts::security_log))
        .route("/me/invitations", get(accounts::list_invitations))
        .route(
            "/me/invitations/{ns}",
            post(accounts::accept_invitation).delete(accounts::decline_invitation),
        )
        .route(
            "/tokens",
            get(accounts::list_tokens).post(accounts::create_token),
        )
        .route("/tokens/{id}", delete(accounts::revoke_token))
        .route("/admin/users", get(admin::list_users))
        .route("/admin/plugin-health", get(installations::admin_health))
        .route("/admin/install-stats", get(installations::install_stats))
        .merge(runtime_routes())
        .route("/admin/event-bus", get(admin::get_event_bus))
        .route("/admin/audit-log", get(audit::list_audit_log))
        .route("/admin/reports", get(moderation::list_reports))
        .route(
            "/admin/reports/reviews/{review_id}/dismiss",
            post(moderation::dismiss_review_reports),
        )
        .route(
            "/admin/reports/plugins/{id}/dismiss",
            post(moderation::dismiss_plugin_reports),
        )
        .route(
            "/admin/users/{username}/disabled",
            put(moderation::put_disabled)
                .delete(moderation::delete_disabled)
                .layer(DefaultBodyLimit::max(moderation::MAX_BODY)),
        )
        .route(
            "/plugins/{id}/reports",
            post(moderation::report_plugin).layer(DefaultBodyLimit::max(moderation::MAX_BODY)),
        )
        .route(
            "/plugins/{id}/delisting",
            get(moderation::get_delisting)
                .put(moderation::put_delisting)
                .delete(moderation::delete_delisting)
                .layer(DefaultBodyLimit::max(moderation::MAX_BODY)),
        )
        .route(
            "/plugins/{id}/reviews/{review_id}/hidden",
            put(moderation::put_hidden)
                .delete(moderation::delete_hidden)
                .layer(DefaultBodyLimit::max(moderation::MAX_BODY)),
        )
        .route("/namespaces", post(namespaces::create_namespace))
        .route(
            "/namespaces/{ns}",
            get(namespaces::get_namespace).patch(namespaces::patch_namespace),
        )
        .route(
            "/namespaces/{ns}/members/{username}",
            put(namespaces::put_member).delete(namespaces::delete_member),
        )
        .route("/namespaces/{ns}/keys", post(namespaces::add_key))
        .route(
            "/namespaces/{ns}/keys/{key_id}",
            delete(namespaces::delete_key),
        )
        // The publish handler streams and counts the body itself against
        // `registry.max_compressed_bytes`, so the default 2 MB cap is lifted here only.
        .route(
            "/plugins",
            get(plugins::list_plugins)
                .put(plugins::publish_plugin)
                .layer(DefaultBodyLimit::disable()),
        )
        // Development builds, like publishing, count the body against
        // `registry.max_compressed_bytes` themselves.
        .route(
            "/workspaces/{ws}/dev-installations/{plugin}",
            put(installations_dev::dev_install).layer(DefaultBodyLimit::disable()),
        )
        .route(
            "/plugins/{id}",
            get(plugins::get_plugin).delete(plugins::delete_plugin),
        )
        .route("/plugins/{id}/versions", get(plugins::list_versions))
        .route(
            "/plugins/{id}/versions/{version}",
            get(plugins::get_version),
        )
        .route(
            "/plugins/{id}/versions/{version}/yank",
            put(plugins::yank).delete(plugins::unyank),
        )
        .route(
            "/plugins/{id}/versions/{version}/download",
            get(downloads::download),
        )
        .route(
            "/plugins/{id}/deprecation",
            put(plugins::deprecate).delete(plugins::undeprecate),
        )
        .route("/plugins/{id}/downloads", get(downloads::plugin_downloads))
        .route("/plugins/{id}/stats", get(stats::plugin_stats))
        .route(
            "/plugins/{id}/reviews",
            get(reviews::list_reviews)
                .post(reviews::create_review)
                .layer(DefaultBodyLimit::max(reviews::MAX_BODY)),
        )
        .route(
            "/plugins/{id}/reviews/{review_id}",
            get(reviews::get_review)
                .patch(reviews::update_review)
                .delete(reviews::delete_review)
                .layer(DefaultBodyLimit::max(reviews::MAX_BODY)),
        )
        .route(
            "/plugins/{id}/reviews/{review_id}/reply",
            put(reviews::put_reply)
                .delete(reviews::delete_reply)
                .layer(DefaultBodyLimit::max(reviews::MAX_BODY)),
        )
        .route(
            "/plugins/{id}/reviews/{review_id}/helpful",
            put(reviews::put_helpful).delete(reviews::delete_helpful),
        )
        .route(
            "/plugins/{id}/reviews/{review_id}/reports",
            post(reviews::create_report).layer(DefaultBodyLimit::max(reviews::MAX_BODY)),
        )
        .route("/plugins/{id}/rating", get(reviews::get_rating))
        .route("/plugins/{id}/rating/trend", get(reviews::get_rating_trend))
        .route("/event-types", get(events::list_event_types))
        .route("/events", get(events::list_events))
        .route("/events/{id}", get(events::get_event))
        // An endpoint's settings are small: 64 KiB is ample (a bigger body is a 413).
        .route(
            "/webhooks/endpoints",
            get(webhooks::list_endpoints)
                .post(webhooks::create_endpoint)
                .layer(DefaultBodyLimit::max(webhooks::MAX_BODY)),
        )
        .route(
            "/webhooks/endpoints/{id}",
            get(webhooks::get_endpoint)
                .patch(webhooks::update_endpoint)
                .delete(webhooks::delete_endpoint)
                .layer(DefaultBodyLimit::max(webhooks::MAX_BODY)),
        )
        .route("/webhooks/endpoints/{id}/secret", get(webhooks::get_secret))
        .route(
            "/webhooks/endpoints/{id}/secret/rotate",
            post(webhooks::rotate_secret),
        )
        .route("/webhooks/endpoints/{id}/test", post(webhooks::send_test))
        .route("/webhooks/endpoints/{id}/replay", post(webhooks::replay))
        .route(
            "/webhooks/endpoints/{id}/stats",
            get(webhooks::endpoint_stats),
        )
        .route("/webhooks/stats", get(webhooks::all_stats))
        .route("/webhooks/messages", get(webhooks::list_messages))
        .route("/webhooks/messages/{id}", get(webhooks::get_message))
        .route(
            "/webhooks/messages/{id}/retry",
            post(webhooks::retry_message),
        )
        .route("/categories", get(plugins::list_categories))
        .route("/search", get(search::search))
        .route("/search/suggest", get(search::suggest))
        .route("/manifest-schema", get(plugins::manifest_schema))
        // A resolve request names at most `resolve::MAX_REQUESTED` plugins: 64 KiB is ample.
        .route(
            "/resolve",
            post(resolve::resolve_plan).layer(DefaultBodyLimit::max(64 * 1024)),
        )
        .fallback(not_found)
}

async fn not_found() -> ApiError {
    AppError::not_found("This API endpoint").into()
}

/// The plugin runtime's routes (workspaces and installations).
fn runtime_routes() -> Router<ServerState> {
    use installations as i;
    Router::new()
        .route("/workspaces/{ws}", get(i::get_workspace))
        .route("/workspaces/{ws}/install-plan", post(i::install_plan))
        .route("/workspaces/{ws}/installations", post(i::install))
        .route(
            "/workspaces/{ws}/updates",
            get(i::list_updates).post(i::update_all),
        )
        .route("/workspaces/{ws}/health", get(i::workspace_health))
        .route(
            "/installations/{id}",
            get(i::get_installation)
                .patch(i::patch_installation)
                .delete(i::uninstall),
        )
        .route(
            "/installations/{id}/config",
            get(i::get_config).put(i::put_config),
        )
        .route("/installations/{id}/update-plan", post(i::update_plan))
        .route("/installations/{id}/update", post(i::update))
        .route("/installations/{id}/rollback", post(i::rollback))
        .route("/installations/{id}/invoke", post(i::invoke))
        .route("/installations/{id}/health", get(i::installation_health))
        .route("/installations/{id}/logs", get(i::logs))
        .layer(DefaultBodyLimit::max(i::MAX_BODY))
}
