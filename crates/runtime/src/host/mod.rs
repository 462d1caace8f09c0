//! The sandbox: loading installations into Extism and calling them.
//!
//! A module is compiled once per SHA-256 of its bytes and the limits it runs
//! under (memory pages, timeout, fuel), and shared by every installation of it.
//! A loaded installation ([`Loaded`]) holds its parsed manifest, what its
//! installer granted, its configuration and a small pool of instances. Calls
//! take an instance from the pool (or make one, running the plugin's `init`),
//! run off the async workers under a process-wide limit of concurrent calls
//! (on a multi-thread runtime the calling thread hands its worker role to a
//! fresh thread with `block_in_place` and runs the call; elsewhere the call
//! goes to a blocking thread), and
//! give the instance back only when the call succeeded (a trapped or
//! interrupted instance is dropped).
//!
//! Hot reload: when an installation's row changed (`updated_at`: update,
//! rollback, configuration), the next call loads it again and replaces the
//! entry; calls in flight hold the old [`Loaded`] and finish on it.
//!
//! Host functions are in [`functions`]; the plugin's outbound HTTP in [`http`];
//! its read-only view of the public registry in [`read`].

mod call;
mod functions;
mod http;
mod read;

pub(crate) use call::{run_blocking, CallCtx};

use std::collections::{BTreeMap, HashMap};
use std::panic::AssertUnwindSafe;
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use extism::{CompiledPlugin, Manifest as ExtismManifest, Plugin, PluginBuilder, Wasm};
use object_store::ObjectStoreExt;
use sha2::{Digest, Sha256};
use tokio::runtime::RuntimeFlavor;
use trellis_db::installations::InstallationRow;
use trellis_platform::config::PluginsConfig;
use trellis_registry::Manifest;
use trellis_types::PermissionsOut;

use crate::Runtime;

/// Why a call failed. `kind` is stable (health and logs show it): `timeout`,
/// `out_of_fuel`, `out_of_memory`, `trap`, `violation`, `bad_output`,
/// `missing_export`, `load`, `disabled`, `depth`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{kind}: {message}")]
pub struct CallError {
    pub kind: &'static str,
    pub message: String,
}

impl CallError {
    pub(crate) fn new(kind: &'static str, message: impl Into<String>) -> CallError {
        CallError {
            kind,
            message: message.into(),
        }
    }
}

/// Where a call comes from: the hops of the event it handles (0 for a
/// platform event or a direct call) and how deep in a chain of `invoke`s.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CallOrigin {
    pub hops: u32,
    pub depth: u32,
}

/// How deep plugins may invoke their dependencies.
pub const MAX_INVOKE_DEPTH: u32 = 4;

/// A finished call.
#[derive(Debug, Clone, PartialEq)]
pub struct CallDone {
    pub output: serde_json::Value,
    pub duration: Duration,
    pub fuel: u64,
}

/// An installation as loaded in this process.
pub(crate) struct Loaded {
    pub id: String,
    pub workspace: String,
    pub plugin: String,
    pub version: String,
    /// The row's `updated_at` when loaded: a newer row means reload.
    pub generation: i64,
    pub manifest: Manifest,
    pub granted: PermissionsOut,
    pub config: serde_json::Value,
    pub secrets: BTreeMap<String, String>,
    compiled: Arc<CompiledPlugin>,
    pool: Mutex<Vec<Plugin>>,
}

impl Loaded {
    pub(crate) fn exports(&self, name: &str) -> bool {
        self.manifest.runtime.exports.iter().any(|e| e == name)
    }
}

#[derive(Clone, Hash, PartialEq, Eq)]
struct ModuleKey {
    sha256: String,
    pages: u32,
    timeout_ms: u32,
    fuel: u64,
}

pub(crate) struct Host {
    cfg: PluginsConfig,
    modules: Arc<Mutex<HashMap<ModuleKey, Arc<CompiledPlugin>>>>,
    loaded: RwLock<HashMap<String, Arc<Loaded>>>,
    loading: tokio::sync::Mutex<()>,
    permits: Arc<tokio::sync::Semaphore>,
    pub(crate) http: http::PluginHttp,
}

impl Host {
    pub(crate) fn new(cfg: &PluginsConfig) -> Host {
        Host {
            cfg: cfg.clone(),
            modules: Arc::new(Mutex::new(HashMap::new())),
            loaded: RwLock::new(HashMap::new()),
            loading: tokio::sync::Mutex::new(()),
            permits: Arc::new(tokio::sync::Semaphore::new(cfg.max_concurrent_calls)),
            http: http::PluginHttp::new(cfg),
        }
    }

    pub(crate) fn counts(&self) -> (usize, usize) {
        (
            self.loaded.read().map(|l| l.len()).unwrap_or(0),
            self.modules.lock().map(|m| m.len()).unwrap_or(0),
        )
    }

    /// Forgets a loaded installation (uninstalled or disabled); calls in
    /// flight finish on what they hold.
    pub(crate) fn unload(&self, id: &str) {
        if let Ok(mut l) = self.loaded.write() {
            l.remove(id);
        }
    }

    fn current(&self, row: &InstallationRow) -> Option<Arc<Loaded>> {
        let l = self.loaded.read().ok()?;
        l.get(&row.id)
            .filter(|x| x.generation == row.updated_at && x.version == row.version)
            .cloned()
    }
}

/// The compiled module for `wasm` under these limits, compiled once.
fn compiled(
    modules: &Mutex<HashMap<ModuleKey, Arc<CompiledPlugin>>>,
    fuel: u64,
    wasm: &[u8],
    pages: u32,
    timeout_ms: u32,
) -> Result<Arc<CompiledPlugin>, CallError> {
    let key = ModuleKey {
        sha256: hex::encode(Sha256::digest(wasm)),
        pages,
        timeout_ms,
        fuel,
    };
    if let Some(c) = modules.lock().ok().and_then(|m| m.get(&key).cloned()) {
        return Ok(c);
    }
    let manifest = ExtismManifest::new([Wasm::data(wasm.to_vec())])
        .with_memory_max(pages)
        .with_timeout(Duration::from_millis(u64::from(timeout_ms)));
    let builder = functions::register(
        PluginBuilder::new(manifest)
            .with_wasi(false)
            .with_cache_disabled()
            .with_fuel_limit(fuel),
    );
    let compiled = CompiledPlugin::new(builder)
        .map_err(|e| CallError::new("load", format!("the module does not compile: {e}")))?;
    let compiled = Arc::new(compiled);
    if let Ok(mut m) = modules.lock() {
        m.insert(key, compiled.clone());
    }
    Ok(compiled)
}

/// The package of an installation, read from storage and checked against the
/// hash recorded at install.
pub(crate) async fn read_package(
    rt: &Runtime,
    sha256: &str,
) -> Result<trellis_registry::Package, CallError> {
    let path = trellis_platform::registry::artifact_path(sha256);
    let got = rt
        .state
        .storage
        .store()
        .get(&path)
        .await
        .map_err(|e| CallError::new("load", format!("the package is not in storage: {e}")))?;
    let bytes = got
        .bytes()
        .await
        .map_err(|e| CallError::new("load", format!("the package could not be read: {e}")))?;
    let actual = hex::encode(Sha256::digest(&bytes));
    if actual != sha256 {
        return Err(CallError::new(
            "load",
            format!("the stored package's SHA-256 is {actual}, not the installed {sha256}"),
        ));
    }
    let limits = rt.state.config.registry.limits.clone();
    tokio::task::spawn_blocking(move || trellis_registry::read_package(bytes.as_ref(), &limits))
        .await
        .map_err(|e| CallError::new("load", e.to_string()))?
        .map_err(|p| CallError::new("load", format!("the package does not read: {p:?}")))
}

impl Runtime {
    /// Compiles a package's module under its limits (kept in the cache), so an
    /// install knows it can run before it commits.
    pub(crate) async fn compile(&self, pkg: &trellis_registry::Package) -> Result<(), CallError> {
        let pages = pkg.manifest.runtime.memory_mb.saturating_mul(16);
        let timeout_ms = pkg.manifest.runtime.timeout_ms;
        let wasm = pkg.wasm.clone();
        let (modules, fuel) = (self.host.modules.clone(), self.host.cfg.fuel_per_call);
        tokio::task::spawn_blocking(move || compiled(&modules, fuel, &wasm, pages, timeout_ms))
            .await
            .map_err(|e| CallError::new("load", e.to_string()))??;
        Ok(())
    }

    /// The loaded form of an installation, loading (or reloading) it when this
    /// process has none or an older one.
    pub(crate) async fn loaded(&self, row: &InstallationRow) -> Result<Arc<Loaded>, CallError> {
        if let Some(l) = self.host.current(row) {
            return Ok(l);
        }
        let _turn = self.host.loading.lock().await;
        if let Some(l) = self.host.current(row) {
            return Ok(l);
        }
        let pkg = read_package(self, &row.sha256).await?;
        let granted: PermissionsOut = serde_json::from_str(&row.granted)
            .map_err(|e| CallError::new("load", format!("granted permissions: {e}")))?;
        let config: serde_json::Value = serde_json::from_str(&row.config)
            .map_err(|e| CallError::new("load", format!("configuration: {e}")))?;
        let secrets = crate::configure::open_secrets(&self.state, &row.id, row.secrets.as_deref())
            .map_err(|e| CallError::new("load", e))?;
        let pages = pkg.manifest.runtime.memory_mb.saturating_mul(16);
        let timeout_ms = pkg.manifest.runtime.timeout_ms;
        let wasm = pkg.wasm;
        let (modules, fuel) = (self.host.modules.clone(), self.host.cfg.fuel_per_call);
        let compiled =
            tokio::task::spawn_blocking(move || compiled(&modules, fuel, &wasm, pages, timeout_ms))
                .await
                .map_err(|e| CallError::new("load", e.to_string()))??;
        let loaded = Arc::new(Loaded {
            id: row.id.clone(),
            workspace: row.workspace.clone(),
            plugin: row.plugin_id.clone(),
            version: row.version.clone(),
            generation: row.updated_at,
            manifest: pkg.manifest,
            granted,
            config,
            secrets,
            compiled,
            pool: Mutex::new(Vec::new()),
        });
        if let Ok(mut l) = self.host.loaded.write() {
            l.insert(row.id.clone(), loaded.clone());
        }
        Ok(loaded)
    }

    /// Calls `export` of an installation with `input`, under every limit, and
    /// records the outcome in its health (and its log lines). The caller
    /// checked that the installation is enabled.
    pub async fn call(
        self: &Arc<Self>,
        row: &InstallationRow,
        export: &str,
        input: &serde_json::Value,
        origin: CallOrigin,
    ) -> Result<CallDone, CallError> {
        let loaded = match self.loaded(row).await {
            Ok(l) => l,
            Err(e) => {
                self.after_call(row, e.kind, Err(&e), Duration::ZERO, 0, Vec::new(), 0)
                    .await;
                return Err(e);
            }
        };
        let permit = self
            .host
            .permits
            .clone()
            .acquire_owned()
            .await
            .map_err(|_| CallError::new("load", "the runtime is stopping"))?;
        let handle = tokio::runtime::Handle::current();
        let (result, shared) = if handle.runtime_flavor() == RuntimeFlavor::MultiThread {
            // This thread hands its worker role to another and runs the call
            // itself: no async worker waits, and no hop to another thread
            // (the hop was most of the host's fixed cost per call).
            let _permit = permit;
            let run = || run_blocking(self, &loaded, export, input, origin, &handle);
            tokio::task::block_in_place(|| std::panic::catch_unwind(AssertUnwindSafe(run)))
                .map_err(|_| CallError::new("trap", "the call panicked"))?
        } else {
            // A current-thread runtime has no worker to hand over: the call
            // goes to a blocking thread.
            let (rt, l, export_s, input) = (
                self.clone(),
                loaded.clone(),
                export.to_owned(),
                input.clone(),
            );
            tokio::task::spawn_blocking(move || {
                let _permit = permit;
                run_blocking(&rt, &l, &export_s, &input, origin, &handle)
            })
            .await
            .map_err(|e| CallError::new("trap", format!("the call panicked: {e}")))?
        };
        let (lines, dropped) = shared.take_logs();
        let (duration, fuel) = (shared.duration(), shared.fuel());
        self.after_call(
            row,
            export,
            result.as_ref().map(|_| ()),
            duration,
            fuel,
            lines,
            dropped,
        )
        .await;
        result.map(|output| CallDone {
            output,
            duration,
            fuel,
        })
    }

    /// Health, breaker and log lines after a call.
    #[allow(clippy::too_many_arguments)]
    async fn after_call(
        self: &Arc<Self>,
        row: &InstallationRow,
        export: &str,
        result: Result<(), &CallError>,
        duration: Duration,
        fuel: u64,
        mut lines: Vec<(i64, String, String)>,
        dropped: usize,
    ) {
        let now = trellis_db::now_ms();
        if dropped > 0 {
            lines.push((
                now,
                "warn".into(),
                format!(
                    "{dropped} more log lines of this call were dropped (at most {} a call)",
                    self.state.config.plugins.log_lines_per_call
                ),
            ));
        }
        crate::metrics::call(result.err().map_or("ok", |e| e.kind), duration, fuel);
        if let Err(e) = result {
            lines.push((now, "error".into(), format!("{export} failed: {e}")));
        }
        if let Err(e) = crate::logs::append(&self.state, &row.id, &lines).await {
            tracing::warn!(installation = %row.id, error = %e, "could not write plugin log lines");
        }
        crate::health::record(self, row, result, duration, fuel).await;
    }
}
