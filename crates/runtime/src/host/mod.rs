//! The sandbox: loading installations into Extism and calling them.
//!
//! A module is compiled once per SHA-256 of its bytes and the limits it runs
//! under (memory pages, timeout, fuel), and shared by every installation of it.
//! A loaded installation ([`Loaded`]) holds its parsed manifest, what its
//! installer granted, its configuration and a small pool of instances. Calls
//! take an instance from the pool (or make one, running the plugin's `init`),
//! run on a blocking thread under a process-wide limit of concurrent calls, and
//! give the instance back only when the call succeeded (a trapped or
//! interrupted instance is dropped).
//!
//! Hot reload: when an installation's row changed (`updated_at`: update,
//! rollback, configuration), the next call loads it again and replaces the
//! entry; calls in flight hold the old [`Loaded`] and finish on it.
//!
//! Host functions are in [`functions`]; the plugin's outbound HTTP in [`http`].

mod functions;
mod http;

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use extism::{CompiledPlugin, Manifest as ExtismManifest, Plugin, PluginBuilder, Wasm};
use object_store::ObjectStoreExt;
use sha2::{Digest, Sha256};
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
                self.after_call(row, &e.kind, Err(&e), Duration::ZERO, 0, Vec::new(), 0)
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
        let (rt, l, export_s, input) = (
            self.clone(),
            loaded.clone(),
            export.to_owned(),
            input.clone(),
        );
        let handle = tokio::runtime::Handle::current();
        let done = tokio::task::spawn_blocking(move || {
            let _permit = permit;
            run_blocking(&rt, &l, &export_s, &input, origin, &handle)
        })
        .await
        .map_err(|e| CallError::new("trap", format!("the call panicked: {e}")))?;
        let (result, shared) = done;
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
        if let Err(e) = result {
            lines.push((now, "error".into(), format!("{export} failed: {e}")));
        }
        if let Err(e) = crate::logs::append(&self.state, &row.id, &lines).await {
            tracing::warn!(installation = %row.id, error = %e, "could not write plugin log lines");
        }
        crate::health::record(self, row, result, duration, fuel).await;
    }
}

/// What a call shares with its host functions: log lines, the first
/// violation, timing.
#[derive(Default)]
pub(crate) struct CallShared {
    logs: Mutex<(Vec<(i64, String, String)>, usize)>,
    violation: Mutex<Option<String>>,
    timing: Mutex<(Duration, u64)>,
}

impl CallShared {
    fn take_logs(&self) -> (Vec<(i64, String, String)>, usize) {
        self.logs
            .lock()
            .map(|mut l| (std::mem::take(&mut l.0), l.1))
            .unwrap_or_default()
    }
    fn duration(&self) -> Duration {
        self.timing.lock().map(|t| t.0).unwrap_or_default()
    }
    fn fuel(&self) -> u64 {
        self.timing.lock().map(|t| t.1).unwrap_or_default()
    }
    pub(crate) fn log(&self, max: usize, level: &str, message: String) {
        if let Ok(mut l) = self.logs.lock() {
            if l.0.len() < max {
                l.0.push((trellis_db::now_ms(), level.to_owned(), message));
            } else {
                l.1 += 1;
            }
        }
    }
    pub(crate) fn violate(&self, what: String) {
        if let Ok(mut v) = self.violation.lock() {
            v.get_or_insert(what);
        }
    }
}

/// The context every host function of one call gets.
#[derive(Clone)]
pub(crate) struct CallCtx {
    pub rt: Arc<Runtime>,
    pub loaded: Arc<Loaded>,
    pub origin: CallOrigin,
    pub handle: tokio::runtime::Handle,
    pub shared: Arc<CallShared>,
    pub deadline: Instant,
}

/// Runs one call on this (blocking) thread: an instance from the pool or a
/// new one (with `init`), the call, the output read as JSON.
pub(crate) fn run_blocking(
    rt: &Arc<Runtime>,
    loaded: &Arc<Loaded>,
    export: &str,
    input: &serde_json::Value,
    origin: CallOrigin,
    handle: &tokio::runtime::Handle,
) -> (Result<serde_json::Value, CallError>, Arc<CallShared>) {
    let shared = Arc::new(CallShared::default());
    let timeout = Duration::from_millis(u64::from(loaded.manifest.runtime.timeout_ms));
    let ctx = CallCtx {
        rt: rt.clone(),
        loaded: loaded.clone(),
        origin,
        handle: handle.clone(),
        shared: shared.clone(),
        deadline: Instant::now() + timeout,
    };
    let started = Instant::now();
    let result = call_instance(loaded, export, input, &ctx);
    if let Ok(mut t) = shared.timing.lock() {
        t.0 = started.elapsed();
    }
    let result = result.map_err(|e| {
        // A violation is what made the call fail, whatever Extism says.
        match shared.violation.lock().ok().and_then(|v| v.clone()) {
            Some(v) => CallError::new("violation", v),
            None => e,
        }
    });
    (result, shared)
}

fn call_instance(
    loaded: &Arc<Loaded>,
    export: &str,
    input: &serde_json::Value,
    ctx: &CallCtx,
) -> Result<serde_json::Value, CallError> {
    if !loaded.exports(export) {
        return Err(CallError::new(
            "missing_export",
            format!("{} does not export `{export}`", loaded.plugin),
        ));
    }
    let pooled = loaded.pool.lock().ok().and_then(|mut p| p.pop());
    let mut plugin = match pooled {
        Some(p) => p,
        None => new_instance(loaded, ctx)?,
    };
    let bytes = serde_json::to_vec(input).map_err(|e| CallError::new("trap", e.to_string()))?;
    let result =
        match plugin.call_with_host_context::<&[u8], &[u8], CallCtx>(export, &bytes, ctx.clone()) {
            Ok(bytes) => parse_output(export, bytes),
            Err(e) => Err(classify(&e)),
        };
    let fuel = plugin.fuel_consumed().unwrap_or(0);
    if let Ok(mut t) = ctx.shared.timing.lock() {
        t.1 = fuel;
    }
    if result.is_ok() {
        if let Ok(mut p) = loaded.pool.lock() {
            if p.len() < ctx.rt.state.config.plugins.pool_size {
                p.push(plugin);
            }
        }
    }
    result
}

fn new_instance(loaded: &Arc<Loaded>, ctx: &CallCtx) -> Result<Plugin, CallError> {
    let mut plugin = Plugin::new_from_compiled(&loaded.compiled)
        .map_err(|e| CallError::new("load", format!("the module does not instantiate: {e}")))?;
    if loaded.exports("init") {
        let input = serde_json::json!({
            "api": crate::API_VERSION,
            "plugin": loaded.plugin,
            "version": loaded.version,
            "workspace": loaded.workspace,
            "installation": loaded.id,
            "config": loaded.config,
        });
        let bytes = serde_json::to_vec(&input).unwrap_or_default();
        plugin
            .call_with_host_context::<&[u8], &[u8], CallCtx>("init", &bytes, ctx.clone())
            .map_err(|e| {
                let c = classify(&e);
                CallError::new(c.kind, format!("init failed: {}", c.message))
            })?;
    }
    Ok(plugin)
}

fn parse_output(export: &str, bytes: &[u8]) -> Result<serde_json::Value, CallError> {
    if bytes.is_empty() {
        return Ok(serde_json::Value::Null);
    }
    serde_json::from_slice(bytes).map_err(|_| {
        CallError::new(
            "bad_output",
            format!(
                "`{export}` returned {} bytes that are not JSON",
                bytes.len()
            ),
        )
    })
}

/// Sorts an Extism error into a stable kind.
fn classify(e: &extism::Error) -> CallError {
    let text = format!("{e:#}");
    let lower = text.to_ascii_lowercase();
    let kind = if lower.contains("timeout") || lower.contains("interrupt") {
        "timeout"
    } else if lower.contains("fuel") {
        "out_of_fuel"
    } else if lower.contains("memory")
        || lower.contains("alloc")
        || lower.contains("oom")
        || lower.contains("limit")
    {
        "out_of_memory"
    } else {
        "trap"
    };
    let mut message: String = text
        .lines()
        .next()
        .unwrap_or("")
        .chars()
        .take(300)
        .collect();
    if message.is_empty() {
        message = kind.into();
    }
    CallError::new(kind, message)
}

#[cfg(test)]
mod tests {
    #[test]
    fn outputs_must_be_json() {
        assert_eq!(super::parse_output("invoke", b"{\"a\":1}").unwrap()["a"], 1);
        assert_eq!(
            super::parse_output("invoke", b"").unwrap(),
            serde_json::Value::Null
        );
        let e = super::parse_output("invoke", &[0xff, 0xfe]).unwrap_err();
        assert_eq!(e.kind, "bad_output");
    }
}
