//! `ServerState`: the router's state. It holds the services' [`AppState`] plus
//! what only the web front end needs (Leptos's options, the cookie key, the
//! at-rest sealer).
//! Handlers extract `State<AppState>`; Leptos extracts its options. Like
//! `AppState`, one allocation behind one `Arc`: axum clones a route's state with
//! its service at every layer a request passes, so a clone must cost no more
//! than a reference count.

use std::ops::Deref;
use std::sync::Arc;

use axum::extract::FromRef;
use leptos::config::LeptosOptions;
use trellis_platform::{AppState, StartError};

use trellis_platform::seal::Sealer;

/// The state behind every route: [`ServerParts`] behind one `Arc`.
#[derive(Clone, Debug)]
pub struct ServerState(Arc<ServerParts>);

impl Deref for ServerState {
    type Target = ServerParts;
    fn deref(&self) -> &ServerParts {
        &self.0
    }
}

/// What a [`ServerState`] holds.
#[derive(Debug)]
pub struct ServerParts {
    pub app: AppState,
    pub leptos: LeptosOptions,
    /// The secret that signs session cookies (64 bytes derived from the configured secret).
    pub session_key: Arc<[u8; 64]>,
    /// Encrypts the answers kept for `Idempotency-Key` replays (key derived from the session secret).
    pub sealer: Arc<Sealer>,
    /// This process's plugin runtime (shared with its workers).
    pub runtime: Arc<trellis_runtime::Runtime>,
}

impl FromRef<ServerState> for Arc<trellis_runtime::Runtime> {
    fn from_ref(s: &ServerState) -> Self {
        s.runtime.clone()
    }
}

impl FromRef<ServerState> for AppState {
    fn from_ref(s: &ServerState) -> Self {
        s.app.clone()
    }
}

impl FromRef<ServerState> for LeptosOptions {
    fn from_ref(s: &ServerState) -> Self {
        s.leptos.clone()
    }
}

impl ServerState {
    /// The web front end's state around `app`.
    pub fn new(app: AppState) -> Result<ServerState, StartError> {
        let runtime = trellis_runtime::Runtime::new(app.clone());
        Self::with_runtime(app, runtime)
    }

    /// The same, with the runtime the process's workers use.
    pub fn with_runtime(
        app: AppState,
        runtime: Arc<trellis_runtime::Runtime>,
    ) -> Result<ServerState, StartError> {
        let session_key = app.session_key.clone();
        let sealer = Arc::new(Sealer::new(&session_key[..], "idempotency"));
        let leptos = LeptosOptions::builder()
            .output_name("trellis")
            .site_root(app.config.site_root.display().to_string())
            .site_pkg_dir("pkg")
            .site_addr(app.config.listen)
            .build();
        Ok(ServerState(Arc::new(ServerParts {
            app,
            leptos,
            session_key,
            sealer,
            runtime,
        })))
    }
}
