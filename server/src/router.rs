//! The one route list: every URL Trellis answers, and the layers around them.

use std::sync::Arc;
use std::time::Duration;

use app::{shell, App};
use axum::extract::{Request, State};
use axum::http::Uri;
use axum::routing::get;
use axum::Router;
use leptos_axum::{generate_route_list, LeptosRoutes};
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_sessions::cookie::{time::Duration as CookieDuration, Key, SameSite};
use tower_sessions::{Expiry, SessionManagerLayer};
use trellis_platform::session::DbSessionStore;
use trellis_platform::AppState;

use crate::metrics::Metrics;
use crate::microcache::Microcache;
use crate::{api, health, metrics, microcache, middleware, static_files};

/// Builds the whole application router for `state`.
pub fn router(state: AppState) -> Router {
    let metrics = Arc::new(Metrics::default());
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

    let mut pages =
        Router::<AppState>::new().leptos_routes_with_context(&state, leptos_routes, || {}, {
            let options = state.leptos_options.clone();
            move || shell(options.clone())
        });
    if state.config.page_cache_ms > 0 {
        // Anonymous page views are rendered at most once per `page_cache_ms` (microcache).
        pages = pages.route_layer(axum::middleware::from_fn_with_state(
            Microcache::new(Duration::from_millis(state.config.page_cache_ms)),
            microcache::pages,
        ));
    }
    let pages = pages.fallback({
        // Files under the site root, else the 404 page; small files from memory.
        let files = leptos_axum::file_and_error_handler::<AppState, _>(shell);
        let cache = Microcache::default();
        move |uri: Uri, state: State<AppState>, req: Request| {
            let (files, cache) = (files.clone(), cache.clone());
            async move { static_files::serve(&cache, uri, state, req, files).await }
        }
    });

    let ops = Router::<AppState>::new()
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/metrics", get(metrics::render).with_state(metrics.clone()));

    Router::<AppState>::new()
        .nest("/api/v1", api::routes())
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
        .layer(axum::middleware::from_fn(middleware::request_id::scope))
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
        .with_state(state)
}
