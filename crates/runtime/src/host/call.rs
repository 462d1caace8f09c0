//! One call into a plugin, on the (blocking) thread that runs it: an
//! instance from the installation's pool or a new one (with `init`), the call
//! with its context for the host functions ([`CallCtx`], [`CallShared`]), the
//! output read as JSON, and a failure sorted into a stable kind and said in
//! words.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use extism::Plugin;

use super::{CallError, CallOrigin, Loaded};
use crate::Runtime;

/// A log line: `(unix ms, level, message)`.
pub(crate) type LogLine = (i64, String, String);

/// What a call shares with its host functions: log lines, the first
/// violation, timing.
#[derive(Default)]
pub(crate) struct CallShared {
    logs: Mutex<(Vec<LogLine>, usize)>,
    violation: Mutex<Option<String>>,
    timing: Mutex<(Duration, u64)>,
}

impl CallShared {
    pub(crate) fn take_logs(&self) -> (Vec<(i64, String, String)>, usize) {
        self.logs
            .lock()
            .map(|mut l| (std::mem::take(&mut l.0), l.1))
            .unwrap_or_default()
    }
    pub(crate) fn duration(&self) -> Duration {
        self.timing.lock().map(|t| t.0).unwrap_or_default()
    }
    pub(crate) fn fuel(&self) -> u64 {
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
    /// Whether this call wrote all the log lines it may.
    pub(crate) fn log_budget_spent(&self, max: usize) -> bool {
        self.logs.lock().map(|l| l.0.len() >= max).unwrap_or(true)
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
            Err(e) => Err(explain(classify(&e), loaded, ctx)),
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
            "site_url": ctx.rt.state.config.public_url.as_str().trim_end_matches('/'),
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

/// Says which limit stopped a call, in words.
fn explain(e: CallError, loaded: &Loaded, ctx: &CallCtx) -> CallError {
    let message = match e.kind {
        "timeout" => format!(
            "the call ran over its {} ms time limit and was stopped",
            loaded.manifest.runtime.timeout_ms
        ),
        "out_of_fuel" => format!(
            "the call used up its fuel ({} units) and was stopped",
            ctx.rt.state.config.plugins.fuel_per_call
        ),
        "out_of_memory" => format!(
            "the call needed more than its {} MiB of memory ({})",
            loaded.manifest.runtime.memory_mb, e.message
        ),
        _ => return e,
    };
    CallError::new(e.kind, message)
}

/// Sorts an Extism error into a stable kind. Extism reports a timeout as
/// the bare message `timeout`, the memory limiter as `oom`, fuel as `plugin
/// ran out of fuel`, and an error the plugin returned as that message alone;
/// only a wasmtime trap (a chain with its backtrace) is read for words, so a
/// plugin's own message ("the service did not answer in time") never decides
/// the kind.
fn classify(e: &extism::Error) -> CallError {
    let text = format!("{e:#}");
    let root_cause = e.root_cause().to_string();
    let root_l = root_cause.trim().to_ascii_lowercase();
    let trapped = e.chain().count() > 1;
    let lower = text.to_ascii_lowercase();
    let kind = if root_l == "timeout" || (trapped && lower.contains("interrupt")) {
        "timeout"
    } else if root_l == "plugin ran out of fuel" || (trapped && lower.contains("all fuel consumed"))
    {
        "out_of_fuel"
    } else if root_l == "oom"
        || (trapped
            && (lower.contains("memory") || lower.contains("alloc") || lower.contains("limit")))
    {
        "out_of_memory"
    } else {
        "trap"
    };
    // The first line names the call, the root cause says what happened
    // (`wasm trap: wasm `unreachable` instruction executed`); backtraces go.
    let first = text
        .lines()
        .next()
        .unwrap_or("")
        .trim_end_matches(':')
        .trim();
    let root = e.root_cause().to_string();
    let root = root.lines().next().unwrap_or("").trim();
    let joined = if root.is_empty() || first.contains(root) {
        first.to_owned()
    } else if first.is_empty() || first.starts_with("error while executing") {
        root.to_owned()
    } else {
        format!("{first}: {root}")
    };
    let mut message: String = joined.chars().take(300).collect();
    if message.is_empty() {
        message = kind.into();
    }
    CallError::new(kind, message)
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_plugins_own_message_never_decides_the_kind() {
        let kind = |e: extism::Error| super::classify(&e).kind;
        assert_eq!(kind(extism::Error::msg("timeout")), "timeout");
        assert_eq!(kind(extism::Error::msg("oom")), "out_of_memory");
        assert_eq!(
            kind(extism::Error::msg("plugin ran out of fuel")),
            "out_of_fuel"
        );
        for own in [
            "Slack did not answer in time (timeout)",
            "rate limited: no room left in the memory of the queue",
            "interrupted by the user; fuel prices",
        ] {
            let e = super::classify(&extism::Error::msg(own));
            assert_eq!((e.kind, e.message.as_str()), ("trap", own));
        }
    }

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
