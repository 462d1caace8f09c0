//! The one route list: every URL Trellis answers, and the layers around them
//! (grouped into a few `ServiceBuilder` stacks rather than one `layer` call
//! each: see [`edge`]).

use std::sync::Arc;
use std::time::Duration;

use app::api::reference::OpenApiDocument;
use app::{shell, App};
use axum::extract::{Request, State};
use axum::http::Uri;
use axum::routing::get;
use axum::Router;
use leptos::context::provide_context;
use leptos_axum::{generate_route_list, LeptosRoutes};
use tower::ServiceBuilder;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_sessions::cookie::{time::Duration as CookieDuration, Key, SameSite};
use tower_sessions::{Expiry, SessionManagerLayer};
use trellis_platform::session::DbSessionStore;

use crate::metrics::{Metrics, MetricsAccess};
use crate::microcache::Microcache;
use crate::middleware::security_headers::provide_page_nonce as csp_nonce;
use crate::page_cache::PageCache;
use crate::state::ServerState;
use crate::{api, health, metrics, middleware, page_cache, static_files};

/// The app's routes, generated once per process. Generating them renders the
/// app with resource loading suppressed through a process-wide flag
/// (leptos-rs/leptos#4773): a resource first polled by a request while another
/// router is being built (a second server in one process, as the test suite
/// and the benchmarks do) would wait forever. Every router after the first
/// reuses the list.
fn route_list() -> Vec<leptos_axum::AxumRouteListing> {
    static ROUTES: std::sync::OnceLock<Vec<leptos_axum::AxumRouteListing>> =
        std::sync::OnceLock::new();
    ROUTES.get_or_init(|| generate_route_list(App)).clone()
}

/// Builds the whole application router: pages, server functions, the REST
/// API and the operational endpoints, recording into `metrics` (shared with
/// `metrics::serve_metrics` when `metrics.listen` is set).
pub fn router(state: ServerState, metrics: Arc<Metrics>) -> Router {
    let leptos_routes = route_list();
    let app_state = state.app.clone();

    let sessions = SessionManagerLayer::new(DbSessionStore::new(app_state.db.clone()))
        .with_name(page_cache::SESSION_COOKIE)
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_secure(app_state.config.secure_cookies())
        .with_expiry(Expiry::OnInactivity(CookieDuration::hours(
            app_state.config.session_ttl_hours as i64,
        )))
        .with_signed(Key::from(&state.session_key[..]))
        // Expiry is on inactivity: every response pushes it on (the store skips
        // writes that would move it by less than a few minutes).
        .with_always_save(true);

    // What every page and server function gets in its context: the services'
    // state and this response's CSP nonce.
    let context = {
        let app_state = app_state.clone();
        let runtime = state.runtime.clone();
        move || {
            provide_context(app_state.clone());
            provide_context(runtime.clone());
            provide_context(OpenApiDocument(api::openapi::rendered()));
            csp_nonce();
        }
    };
    let pages = Router::<ServerState>::new()
        .leptos_routes_with_context(&state, leptos_routes, context.clone(), {
            let options = state.leptos.clone();
            move || shell(options.clone())
        })
        .fallback({
            // Files under the site root, else the 404 page; small files from memory.
            let files =
                leptos_axum::file_and_error_handler_with_context::<ServerState, _>(context, shell);
            let cache = Microcache::default();
            move |uri: Uri, state: State<ServerState>, req: Request| {
                let (files, cache) = (files.clone(), cache.clone());
                async move { static_files::serve(&cache, uri, state, req, files).await }
            }
        });

    // Outermost first: problem+json for whatever is left bare, ETags, write
    // limits, idempotency (claims a key after the rate limit let the request
    // through, so a refused request changes nothing).
    let rest = api::routes().layer(
        ServiceBuilder::new()
            .layer(axum::middleware::from_fn(
                middleware::problem::ensure_problem,
            ))
            .layer(axum::middleware::from_fn(middleware::etag::conditional_get))
            .layer(axum::middleware::from_fn_with_state(
                app_state.clone(),
                middleware::rate_limit::limit_writes,
            ))
            .layer(axum::middleware::from_fn_with_state(
                state.clone(),
                middleware::idempotency::guard,
            )),
    );
    // The session, then the CSRF guard (which reads whether the request has cookies).
    let signed = ServiceBuilder::new()
        .layer(sessions)
        .layer(axum::middleware::from_fn_with_state(
            app_state.clone(),
            middleware::csrf::guard,
        ));
    let app = Router::<ServerState>::new()
        .nest("/api/v1", rest)
        .merge(pages)
        .merge(crate::dashboard_upload::routes())
        .layer(signed);
    // Outside the session layer: a kept page is replayed without touching the
    // session (see `page_cache`; with `page_cache_ms = 0` it keeps nothing and
    // only takes the pages' internal personal mark off).
    let app = app.layer(axum::middleware::from_fn_with_state(
        PageCache::new(Duration::from_millis(app_state.config.page_cache_ms)),
        page_cache::pages,
    ));
    // The operational endpoints read no session and change nothing: outside both
    // layers, they cost only the shared outer layers.
    let app = app.merge(ops_routes(&app_state, metrics.clone()));
    // The Atom feeds are public reads with their own caching: outside both layers too.
    let app = app.merge(crate::feeds::routes());
    edge(app, metrics).with_state(state)
}

fn ops_routes(app: &trellis_platform::AppState, metrics: Arc<Metrics>) -> Router<ServerState> {
    Router::<ServerState>::new()
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route(
            "/metrics",
            get(metrics::render).with_state(MetricsAccess::main_listener(metrics, app)),
        )
}

/// The outer layers every router shares, innermost first: metrics under bounded
/// labels, security headers, and the request id (malformed ones dropped first).
/// One `ServiceBuilder` stack, like each group of layers in [`router`]: every
/// `Router::layer` call boxes the route again, and axum clones a route's boxed
/// service (and through it every box beneath) at each box and each `from_fn`
/// layer of every request, so a stack of separate `layer` calls cost a number of
/// allocations growing with the square of its depth.
fn edge(router: Router<ServerState>, metrics: Arc<Metrics>) -> Router<ServerState> {
    // Outermost first.
    router.layer(
        ServiceBuilder::new()
            .layer(axum::middleware::from_fn(
                middleware::request_id::drop_malformed,
            ))
            .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
            .layer(PropagateRequestIdLayer::x_request_id())
            .layer(axum::middleware::from_fn(middleware::request_id::scope))
            .layer(axum::middleware::from_fn(
                middleware::security_headers::apply,
            ))
            .layer(axum::middleware::from_fn_with_state(
                metrics,
                metrics::track,
            )),
    )
}

/// The router of a worker-only process: the operational endpoints alone.
pub fn ops_router(state: ServerState, metrics: Arc<Metrics>) -> Router {
    edge(ops_routes(&state.app, metrics.clone()), metrics).with_state(state)
}
