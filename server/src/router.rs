//! The one route list: every URL Trellis answers, and the layers around them.

use std::sync::Arc;

use app::{shell, App};
use axum::routing::get;
use axum::Router;
use leptos_axum::{generate_route_list, LeptosRoutes};
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_sessions::cookie::{time::Duration as CookieDuration, Key, SameSite};
use tower_sessions::{Expiry, SessionManagerLayer};
use trellis_platform::session::DbSessionStore;
use trellis_platform::AppState;

use crate::metrics::{Metrics, MetricsAccess};
use crate::middleware::security_headers::provide_page_nonce as csp_nonce;
use crate::{api, health, metrics, middleware};

/// Builds the whole application router for `state`.
pub fn router(state: AppState) -> Router {
    router_with_metrics(state, Metrics::new())
}

/// The application router, recording into `metrics` (share it with
/// `metrics::serve_metrics` when `metrics.listen` is set).
pub fn router_with_metrics(state: AppState, metrics: Arc<Metrics>) -> Router {
    let leptos_routes = generate_route_list(App);

    let sessions = SessionManagerLayer::new(DbSessionStore::new(state.db.clone()))
        .with_name("trellis_session")
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_secure(state.config.secure_cookies())
        .with_expiry(Expiry::OnInactivity(CookieDuration::hours(
            state.config.session_ttl_hours as i64,
        )))
        .with_signed(Key::from(&state.session_key[..]));

    let pages = Router::<AppState>::new()
        .leptos_routes_with_context(&state, leptos_routes, csp_nonce, {
            let options = state.leptos_options.clone();
            move || shell(options.clone())
        })
        .fallback(leptos_axum::file_and_error_handler_with_context::<
            AppState,
            _,
        >(csp_nonce, shell));

    let ops = Router::<AppState>::new()
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route(
            "/metrics",
            get(metrics::render)
                .with_state(MetricsAccess::main_listener(metrics.clone(), &state.config)),
        );

    Router::<AppState>::new()
        .nest(
            "/api/v1",
            api::routes().layer(axum::middleware::from_fn(
                middleware::problem::ensure_problem,
            )),
        )
        .merge(ops)
        .merge(pages)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            middleware::csrf::guard,
        ))
        .layer(sessions)
        .layer(axum::middleware::from_fn_with_state(
            metrics,
            metrics::track,
        ))
        .layer(axum::middleware::from_fn(
            middleware::security_headers::apply,
        ))
        .layer(axum::middleware::from_fn(middleware::request_id::scope))
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
        .layer(axum::middleware::from_fn(
            middleware::request_id::drop_malformed,
        ))
        .with_state(state)
}
