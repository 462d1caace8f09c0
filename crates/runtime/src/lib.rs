//! The plugin runtime (docs/plugin-api.md, docs/runtime.md): installed plugins run
//! as sandboxed WebAssembly on Extism, in workspaces.
//!
//! - [`workspace`]: what a workspace is (`~alice` a user's, `acme` a namespace's)
//!   and who may see or manage it.
//! - [`host`]: the sandbox. Compiled modules cached by SHA-256 and limits, a small
//!   pool of instances per loaded installation, every call bounded by memory, fuel
//!   and a wall-clock timeout and run off the async workers, the host functions
//!   (log, key-value store, emit, HTTP, config, secrets, invoke a dependency), and
//!   hot reload: a new version replaces the loaded one while calls in flight finish
//!   on the old.
//! - [`install`]: install plans from the resolver and installs (verified package,
//!   consent, everything or nothing), each package checked first by
//!   [`verify`]; [`manage`]: listing, uninstall, enable,
//!   disable, pin; [`updates`]: available updates, update one or all (consent
//!   again when permissions widen), rollback; [`dev`]: development builds
//!   uploaded by `trellis dev`, installed without publishing.
//! - [`status`]: `invoke`, health views and the admins' install success rate.
//! - [`configure`]: the configuration form generated from the plugin's JSON Schema,
//!   validated on the server, secrets sealed.
//! - [`dispatch`]: events to plugins (a follower writing `plugin.event` jobs after
//!   commit, and the job handler calling `on_event`), with a hop limit.
//! - [`health`]: per-installation calls, errors, latency, fuel, the circuit breaker.
//! - [`logs`]: each installation's bounded log; [`metrics`]: this process's call
//!   counters for `/metrics`.

pub mod configure;
pub mod dev;
pub mod dispatch;
pub mod health;
pub mod host;
pub mod install;
pub mod logs;
pub mod manage;
pub mod metrics;
mod out;
pub mod status;
pub mod testkit;
pub mod updates;
mod verify;
pub mod workspace;

use std::sync::Arc;

use trellis_platform::AppState;

pub use host::{CallError, CallOrigin};

/// The plugin API this host implements. A release installs only when its
/// manifest's `plugin.api` requirement matches it.
pub const API_VERSION: &str = trellis_platform::registry::HOST_API_VERSION;

/// The runtime of one process: the services' state and the sandbox.
pub struct Runtime {
    pub state: AppState,
    pub(crate) host: host::Host,
    pub(crate) health: health::Board,
}

impl Runtime {
    /// A runtime over `state`; nothing is loaded until first called.
    pub fn new(state: AppState) -> Arc<Runtime> {
        let cfg = state.config.plugins.clone();
        Arc::new(Runtime {
            host: host::Host::new(&cfg),
            health: health::Board::default(),
            state,
        })
    }

    /// Installations loaded in this process, and compiled modules cached.
    pub fn loaded_counts(&self) -> (usize, usize) {
        self.host.counts()
    }
}

impl std::fmt::Debug for Runtime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (loaded, modules) = self.loaded_counts();
        f.debug_struct("Runtime")
            .field("loaded", &loaded)
            .field("modules", &modules)
            .finish()
    }
}
