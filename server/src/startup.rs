//! Starting and stopping: logging, building the state, the router and the
//! background workers for this process's role, the listener (TCP_NODELAY on
//! every connection), and graceful shutdown on SIGTERM or Ctrl-C.
//!
//! [`Server`] is the one way to start Trellis: the `trellis serve` command,
//! the integration-test harness and the benchmarks all build one.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use tokio::net::TcpListener;
use tracing_subscriber::EnvFilter;
use trellis_platform::config::LogFormat;
use trellis_platform::{AppState, Config, StartError};
use trellis_worker::Supervisor;

use crate::links::RestLinks;
use crate::metrics::{Metrics, MetricsAccess};
use crate::state::ServerState;

/// How long shutdown waits for background workers to finish.
const WORKER_GRACE: Duration = Duration::from_secs(30);

/// Installs the global tracing subscriber (pretty or JSON lines).
pub fn init_tracing(config: &Config) {
    // Tantivy logs every commit at info; its warnings are what an operator needs,
    // unless the configured filter says otherwise about it.
    let spec = if config.log_level.contains("tantivy") {
        config.log_level.clone()
    } else {
        format!("{},tantivy=warn", config.log_level)
    };
    let filter = EnvFilter::try_new(&spec).unwrap_or_else(|_| EnvFilter::new("info,tantivy=warn"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter);
    let _ = match config.log_format {
        LogFormat::Json => builder
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .try_init(),
        LogFormat::Pretty => builder.compact().try_init(),
    };
}

/// The services' state for `config`, with the server's links.
pub async fn app_state(config: Config) -> Result<AppState, StartError> {
    let links = Arc::new(RestLinks::new(&config.public_url));
    AppState::build(config, links).await
}

/// Opens this process's search index (`<data_dir>/search-index`), rebuilding it
/// from the database when it is missing, corrupt or too far behind, and installs
/// it as the services' search engine. When another process holds that directory
/// (two API processes sharing a data directory), this one keeps its index in
/// memory instead, built from the database.
async fn open_search(app: &AppState) -> Result<Arc<trellis_search::SearchIndex>, StartError> {
    use trellis_search::indexer;
    let dir = app.config.data_dir.join("search-index");
    let started = std::time::Instant::now();
    let (index, rebuilt) = match indexer::open(&app.db, &dir).await {
        Ok(opened) => opened,
        Err(e) => {
            tracing::warn!(dir = %dir.display(), error = %e, "cannot use the search index directory; keeping this process's index in memory");
            let index = trellis_search::SearchIndex::in_memory(&indexer::api_versions())
                .map(Arc::new)
                .map_err(|e| StartError::Search(e.to_string()))?;
            let n = indexer::rebuild(&app.db, &index)
                .await
                .map_err(|e| StartError::Search(e.to_string()))?;
            (index, Some(n))
        }
    };
    index.set_results_cache(app.config.search.results_cache_entries);
    if let Some(n) = rebuilt {
        tracing::info!(
            plugins = n,
            secs = started.elapsed().as_secs_f64(),
            "search index built from the database"
        );
    }
    app.search
        .set(Arc::new(trellis_search::Engine(index.clone())));
    Ok(index)
}

/// A built Trellis: state, router and running workers, not yet listening.
pub struct Server {
    pub state: AppState,
    /// The HTTP app: everything on API processes, only health and metrics on
    /// worker-only processes.
    pub router: Router,
    /// What the router records; also served on `metrics.listen` when set.
    pub metrics: Arc<Metrics>,
    workers: Supervisor,
}

impl Server {
    /// Opens everything `config` names and starts the workers of its role.
    pub async fn build(config: Config) -> Result<Server, StartError> {
        trellis_webhooks::check_config(&config).map_err(StartError::Config)?;
        let app = app_state(config).await?;
        let search = if app.config.role.serves_api() {
            Some(open_search(&app).await?)
        } else {
            None
        };
        Self::from_state(app, search)
    }

    /// The same, around state built already (and this process's search index when
    /// it serves the API).
    pub fn from_state(
        app: AppState,
        search: Option<Arc<trellis_search::SearchIndex>>,
    ) -> Result<Server, StartError> {
        let role = app.config.role;
        let runtime = trellis_runtime::Runtime::new(app.clone());
        let state = ServerState::with_runtime(app.clone(), runtime.clone())?;
        let metrics = Metrics::new();
        let router = if role.serves_api() {
            crate::router(state, metrics.clone())
        } else {
            crate::router::ops_router(state, metrics.clone())
        };
        let workers = trellis_worker::start(&app, role, search, runtime);
        tracing::info!(role = role.as_str(), workers = ?workers.names(), "background workers started");
        Ok(Server {
            state: app,
            router,
            metrics,
            workers,
        })
    }

    /// Stops the workers (flushers write their last batch) and closes the
    /// database, without ever having listened (tests, tools).
    pub async fn shutdown(self) {
        stop(self.state, self.workers).await;
    }

    /// Serves on `listener` until `shutdown` resolves, then drains in-flight
    /// requests, stops the workers (flushers write their last batch) and closes
    /// the database.
    pub async fn serve(
        self,
        listener: TcpListener,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let listener = crate::listener::tuned(listener);
        let Server {
            state,
            router,
            metrics,
            workers,
        } = self;
        // One shutdown signal for the main listener and the metrics listener; all
        // three run in this task (no detached tasks to outlive the server).
        let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
        let stopped = |mut rx: tokio::sync::watch::Receiver<bool>| async move {
            let _ = rx.wait_for(|s| *s).await;
        };
        let stop_tx = Arc::new(stop_tx);
        let signal = {
            let stop_tx = stop_tx.clone();
            let mut done = stop_rx.clone();
            async move {
                // Ends with the shutdown signal, or when the main listener stops by itself.
                tokio::select! {
                    _ = shutdown => { let _ = stop_tx.send(true); }
                    _ = done.wait_for(|s| *s) => {}
                }
            }
        };
        let metrics_listener = async {
            match state.config.metrics.listen {
                Some(addr) => {
                    let access = MetricsAccess::own_listener(metrics, &state);
                    crate::metrics::serve_metrics(addr, access, stopped(stop_rx.clone())).await
                }
                None => Ok(()),
            }
        };
        let main_listener = async {
            let served = axum::serve(
                listener,
                router.into_make_service_with_connect_info::<SocketAddr>(),
            )
            .with_graceful_shutdown(stopped(stop_rx.clone()))
            .await;
            let _ = stop_tx.send(true);
            served
        };
        let ((), served, metrics_served) = tokio::join!(signal, main_listener, metrics_listener);
        if let Err(e) = metrics_served {
            tracing::error!(error = %e, "metrics listener failed");
        }
        served?;
        stop(state, workers).await;
        Ok(())
    }

    /// Stops the workers and closes the database (without having served).
    pub async fn stop(self) {
        stop(self.state, self.workers).await;
    }

    /// Listens on `addr` (port 0 picks a free one) in a task of its own: for tests
    /// and benchmarks.
    pub async fn spawn(self, addr: SocketAddr) -> std::io::Result<Running> {
        let listener = TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(self.serve(listener, async {
            let _ = rx.await;
        }));
        Ok(Running {
            addr,
            stop: tx,
            task,
        })
    }
}

async fn stop(state: AppState, workers: Supervisor) {
    let aborted = workers.shutdown(WORKER_GRACE).await;
    if !aborted.is_empty() {
        tracing::error!(?aborted, "some workers did not stop in time");
    }
    state.db.close().await;
    tracing::info!("stopped cleanly");
}

/// A server listening in a task of its own.
pub struct Running {
    pub addr: SocketAddr,
    stop: tokio::sync::oneshot::Sender<()>,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl Running {
    /// `http://ADDR`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Shuts down as SIGTERM would, and waits until everything stopped.
    pub async fn stop(self) -> std::io::Result<()> {
        let _ = self.stop.send(());
        self.task.await.map_err(std::io::Error::other)?
    }
}

/// Resolves on SIGTERM or Ctrl-C.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
    tracing::info!("shutdown requested; finishing in-flight requests");
}

/// The demo seed of `trellis serve`: on a fresh instance with `demo.seed` on,
/// imports the demo catalogue before serving (see
/// `trellis_platform::registry::import::seed_demo`). A failure is logged, never
/// fatal: the instance serves without its demo.
pub async fn seed_demo(state: &AppState) {
    match trellis_platform::registry::import::seed_demo(state).await {
        Ok(Some(s)) => tracing::info!(
            namespace = %s.namespace,
            plugins = s.created,
            secs = s.elapsed.as_secs_f64(),
            "fresh instance: seeded the demo catalogue (turn off with demo.seed = false)"
        ),
        Ok(None) => {}
        Err(e) => tracing::warn!(error = ?e, "could not seed the demo catalogue"),
    }
}

/// Publishes the official plugins of `demo.plugins_dir` (see
/// `trellis_platform::registry::official`). A failure is logged, never fatal.
pub async fn seed_official(state: &AppState) {
    let Some(dir) = state.config.demo.plugins_dir.clone() else {
        return;
    };
    match trellis_platform::registry::official::seed(state, &dir).await {
        Ok(s) if s.published.is_empty() => {
            tracing::info!(
                unchanged = s.unchanged,
                "the official plugins are published already"
            )
        }
        Ok(s) => tracing::info!(
            published = ?s.published,
            unchanged = s.unchanged,
            "published the official plugins into the namespace `trellis`"
        ),
        Err(e) => {
            tracing::warn!(error = ?e, dir = %dir.display(), "could not publish the official plugins")
        }
    }
}

/// `trellis serve`: serves until SIGTERM or Ctrl-C.
pub async fn serve(config: Config) -> Result<(), String> {
    let public_url = config.public_url.clone();
    let listen = config.listen;
    let server = Server::build(config).await.map_err(|e| e.to_string())?;
    let role = server.state.config.role;
    if role.serves_api() {
        seed_demo(&server.state).await;
        seed_official(&server.state).await;
    }
    let listener = TcpListener::bind(listen)
        .await
        .map_err(|e| format!("cannot listen on {listen}: {e}"))?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    tracing::info!(%addr, role = role.as_str(), "Trellis is listening");
    if role.serves_api() {
        println!("Trellis is running: open {public_url}");
    } else {
        println!("Trellis worker is running (health and metrics on http://{addr})");
    }
    server
        .serve(listener, shutdown_signal())
        .await
        .map_err(|e| format!("server stopped: {e}"))
}
