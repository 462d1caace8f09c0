//! The host functions plugins import from `extism:host/user` (docs/plugin-api.md):
//! `trellis_log`, `trellis_config_get`, `trellis_secret_get`, `trellis_kv_get`,
//! `trellis_kv_set`, `trellis_kv_delete`, `trellis_emit`, `trellis_http`,
//! `trellis_invoke` and `trellis_read` (in `read`). Each takes one JSON
//! string and answers one: `{"ok": value}` or `{"error": {"code", "message"}}`
//! for what a plugin may handle. Using one without the permission, emitting an
//! undeclared event type, reaching an unapproved host, reading an ungranted
//! secret or invoking a plugin that is not a dependency is a violation: the
//! function fails, which fails the whole call (recorded, and counted by the
//! circuit breaker).

use extism::{CurrentPlugin, PluginBuilder, UserData, Val, PTR};
use serde_json::{json, Value};

use super::{CallCtx, CallOrigin, MAX_INVOKE_DEPTH};

/// A host function's failure.
pub(super) enum Fail {
    /// Answered as `{"error": …}`: the plugin may handle it.
    Error(&'static str, String),
    /// Fails the call.
    Violation(String),
}

type HostFn = fn(&CallCtx, Value) -> Result<Value, Fail>;

const FUNCTIONS: [(&str, HostFn); 10] = [
    ("trellis_log", log),
    ("trellis_config_get", config_get),
    ("trellis_secret_get", secret_get),
    ("trellis_kv_get", kv_get),
    ("trellis_kv_set", kv_set),
    ("trellis_kv_delete", kv_delete),
    ("trellis_emit", emit),
    ("trellis_http", super::http::request),
    ("trellis_invoke", invoke),
    ("trellis_read", super::read::read),
];

/// Adds every host function to a plugin builder.
pub(super) fn register(mut b: PluginBuilder) -> PluginBuilder {
    for (name, f) in FUNCTIONS {
        b = b.with_function(
            name,
            [PTR],
            [PTR],
            UserData::new(()),
            move |plugin: &mut CurrentPlugin,
                  inputs: &[Val],
                  outputs: &mut [Val],
                  _: UserData<()>| { run(plugin, inputs, outputs, name, f) },
        );
    }
    b
}

fn run(
    plugin: &mut CurrentPlugin,
    inputs: &[Val],
    outputs: &mut [Val],
    name: &str,
    f: HostFn,
) -> Result<(), extism::Error> {
    let ctx = plugin.host_context::<CallCtx>()?.clone();
    if name == "trellis_log"
        && ctx
            .shared
            .log_budget_spent(ctx.rt.state.config.plugins.log_lines_per_call)
    {
        // A flood past the call's budget: counted, not even read.
        ctx.shared.log(0, "info", String::new());
        plugin.memory_set_val(&mut outputs[0], "{\"ok\":null}")?;
        return Ok(());
    }
    let text: String = plugin.memory_get_val::<&str>(&inputs[0])?.to_owned();
    let answer = match serde_json::from_str::<Value>(&text) {
        Err(e) => {
            json!({"error": {"code": "bad_input", "message": format!("the input is not JSON: {e}")}})
        }
        Ok(input) => match f(&ctx, input) {
            Ok(v) => json!({ "ok": v }),
            Err(Fail::Error(code, message)) => json!({"error": {"code": code, "message": message}}),
            Err(Fail::Violation(what)) => {
                ctx.shared.violate(what.clone());
                return Err(extism::Error::msg(what));
            }
        },
    };
    plugin.memory_set_val(&mut outputs[0], answer.to_string())?;
    Ok(())
}

/// The permission `name` (a `permissions.host_functions` entry) was granted.
pub(super) fn require(ctx: &CallCtx, name: &str) -> Result<(), Fail> {
    if ctx.loaded.granted.host_functions.iter().any(|h| h == name) {
        Ok(())
    } else {
        Err(Fail::Violation(format!(
            "{} called a host function it was not granted: `{name}`",
            ctx.loaded.plugin
        )))
    }
}

fn str_field<'a>(input: &'a Value, name: &str) -> Result<&'a str, Fail> {
    input
        .get(name)
        .and_then(Value::as_str)
        .ok_or_else(|| Fail::Error("bad_input", format!("`{name}` must be a string")))
}

/// Runs a database step on the runtime from this blocking thread.
fn db<T>(
    ctx: &CallCtx,
    f: impl std::future::Future<Output = Result<T, trellis_db::DbError>>,
) -> Result<T, Fail> {
    ctx.handle.block_on(f).map_err(|e| {
        tracing::warn!(installation = %ctx.loaded.id, error = %e, "plugin store failed");
        Fail::Error("unavailable", "the store is unavailable; try again".into())
    })
}

fn log(ctx: &CallCtx, input: Value) -> Result<Value, Fail> {
    require(ctx, "log")?;
    let level = input.get("level").and_then(Value::as_str).unwrap_or("info");
    let level = match level {
        "debug" | "info" | "warn" | "error" => level,
        _ => {
            return Err(Fail::Error(
                "bad_input",
                "`level` is debug, info, warn or error".into(),
            ))
        }
    };
    let message: String = str_field(&input, "message")?
        .chars()
        .filter(|c| !c.is_control() || *c == '\t')
        .take(4096)
        .collect();
    let max = ctx.rt.state.config.plugins.log_lines_per_call;
    ctx.shared.log(max, level, message);
    Ok(Value::Null)
}

fn config_get(ctx: &CallCtx, _: Value) -> Result<Value, Fail> {
    require(ctx, "config_get")?;
    Ok(ctx.loaded.config.clone())
}

fn secret_get(ctx: &CallCtx, input: Value) -> Result<Value, Fail> {
    require(ctx, "secret_get")?;
    let name = str_field(&input, "name")?;
    if !ctx.loaded.granted.secrets.iter().any(|s| s == name) {
        return Err(Fail::Violation(format!(
            "{} read a secret it was not granted: `{name}`",
            ctx.loaded.plugin
        )));
    }
    Ok(ctx
        .loaded
        .secrets
        .get(name)
        .map(|v| Value::String(v.clone()))
        .unwrap_or(Value::Null))
}

fn key(input: &Value) -> Result<String, Fail> {
    let k = str_field(input, "key")?;
    let n = k.chars().count();
    if n == 0 || n > 256 {
        return Err(Fail::Error(
            "bad_input",
            "a key is 1 to 256 characters".into(),
        ));
    }
    Ok(k.to_owned())
}

fn kv_get(ctx: &CallCtx, input: Value) -> Result<Value, Fail> {
    require(ctx, "kv_get")?;
    let k = key(&input)?;
    let id = ctx.loaded.id.clone();
    let db_ = ctx.rt.state.db.clone();
    let got = db(ctx, async move {
        let mut c = db_.conn().await?;
        trellis_db::plugin_data::kv_get(&mut c, &id, &k).await
    })?;
    Ok(stored_value(got.as_deref()))
}

/// What `trellis_kv_set` did with its write.
enum KvWrite {
    Stored,
    /// Past the quota: nothing stored.
    Quota,
    /// A compare-and-set found another value (`null`: not set): nothing stored.
    Changed(Value),
}

/// `{"key", "value"}` stores the value and answers `null`. With `"expect"` (a
/// value, `null` for a key that is not set) it is a compare-and-set, which
/// needs `kv_get` too since it answers what is stored: the value is stored only
/// while the stored one equals `expect`, answered `{"stored": true}`, else
/// nothing is stored and the answer is `{"stored": false, "current": …}`.
fn kv_set(ctx: &CallCtx, input: Value) -> Result<Value, Fail> {
    require(ctx, "kv_set")?;
    let k = key(&input)?;
    let expect = input.get("expect").cloned();
    if expect.is_some() {
        require(ctx, "kv_get")?;
    }
    let value = input
        .get("value")
        .cloned()
        .unwrap_or(Value::Null)
        .to_string();
    let cfg = &ctx.rt.state.config.plugins;
    let (max_bytes, max_keys) = (cfg.kv_max_bytes, cfg.kv_max_keys);
    let id = ctx.loaded.id.clone();
    let db_ = ctx.rt.state.db.clone();
    let size = (k.len() + value.len()) as i64;
    let cas = expect.is_some();
    let outcome = db(ctx, async move {
        use trellis_db::plugin_data as kv;
        let mut tx = db_.begin().await?;
        let at = trellis_db::now_ms();
        // A compare-and-set first checks what is stored.
        let current = match &expect {
            None => None,
            Some(expect) => {
                let text = kv::kv_get(&mut tx, &id, &k).await?;
                let stored = stored_value(text.as_deref());
                if stored != *expect {
                    return Ok(KvWrite::Changed(stored));
                }
                Some(text)
            }
        };
        let (keys, bytes) = kv::kv_usage(&mut tx, &id, &k).await?;
        if keys + 1 > max_keys || bytes + size > max_bytes {
            return Ok(KvWrite::Quota);
        }
        match current {
            None => kv::kv_set(&mut tx, &id, &k, &value, at).await?,
            // The write is conditional on the text read above, so a writer in
            // another process between the read and this write wins alone.
            Some(text) => {
                if !kv::kv_replace(&mut tx, &id, &k, text.as_deref(), &value, at).await? {
                    let now = kv::kv_get(&mut tx, &id, &k).await?;
                    return Ok(KvWrite::Changed(stored_value(now.as_deref())));
                }
            }
        }
        tx.commit().await?;
        Ok(KvWrite::Stored)
    })?;
    match outcome {
        KvWrite::Stored if cas => Ok(json!({"stored": true})),
        KvWrite::Stored => Ok(Value::Null),
        KvWrite::Changed(current) => Ok(json!({"stored": false, "current": current})),
        KvWrite::Quota => Err(Fail::Error(
            "quota_exceeded",
            format!("the store holds at most {max_bytes} bytes in {max_keys} keys"),
        )),
    }
}

/// A stored value as plugins read it (`null` when not set or unreadable).
fn stored_value(text: Option<&str>) -> Value {
    text.and_then(|t| serde_json::from_str(t).ok())
        .unwrap_or(Value::Null)
}

fn kv_delete(ctx: &CallCtx, input: Value) -> Result<Value, Fail> {
    require(ctx, "kv_delete")?;
    let k = key(&input)?;
    let id = ctx.loaded.id.clone();
    let db_ = ctx.rt.state.db.clone();
    db(ctx, async move {
        let mut c = db_.conn().await?;
        trellis_db::plugin_data::kv_delete(&mut c, &id, &k).await
    })?;
    Ok(Value::Null)
}

fn emit(ctx: &CallCtx, input: Value) -> Result<Value, Fail> {
    require(ctx, "emit_event")?;
    let kind = str_field(&input, "type")?.to_owned();
    if !ctx.loaded.manifest.events.publish.contains(&kind) {
        return Err(Fail::Violation(format!(
            "{} emitted an event type it does not declare: `{}`",
            ctx.loaded.plugin,
            kind.chars().take(100).collect::<String>()
        )));
    }
    // One hop more than the event being handled; the dispatcher delivers
    // nothing at `plugins.max_hops` to plugins (webhooks still get it).
    let hops = ctx.origin.hops + 1;
    let data = input.get("data").cloned().unwrap_or(Value::Null);
    let envelope = json!({
        "workspace": ctx.loaded.workspace,
        "installation": ctx.loaded.id,
        "plugin": ctx.loaded.plugin,
        "hops": hops,
        "data": data,
    })
    .to_string();
    if envelope.len() > 64 * 1024 {
        return Err(Fail::Error(
            "too_large",
            "an event's data is at most 64 KiB".into(),
        ));
    }
    let actor = json!({"type": "plugin", "username": ctx.loaded.plugin}).to_string();
    let namespace = crate::workspace::Workspace::parse(&ctx.loaded.workspace)
        .ok()
        .and_then(|w| w.namespace().map(str::to_owned));
    let at = trellis_db::now_ms();
    let id = trellis_events::id::new_event_id(at);
    let (db_, inst) = (ctx.rt.state.db.clone(), ctx.loaded.id.clone());
    let event_id = id.clone();
    db(ctx, async move {
        let mut tx = db_.begin().await?;
        trellis_db::events::insert(
            &mut tx,
            &trellis_db::events::NewEvent {
                id: &event_id,
                kind: &kind,
                occurred_at: at,
                actor: &actor,
                subject_kind: "installation",
                subject_id: &inst,
                namespace: namespace.as_deref(),
                data: &envelope,
            },
        )
        .await?;
        tx.commit().await?;
        Ok(())
    })?;
    Ok(json!({ "id": id }))
}

fn invoke(ctx: &CallCtx, input: Value) -> Result<Value, Fail> {
    require(ctx, "invoke")?;
    let dep = str_field(&input, "plugin")?.to_owned();
    let declared = ctx
        .loaded
        .manifest
        .dependencies
        .keys()
        .any(|d| d.to_string() == dep);
    if !declared {
        return Err(Fail::Violation(format!(
            "{} invoked a plugin it does not depend on: `{}`",
            ctx.loaded.plugin,
            dep.chars().take(100).collect::<String>()
        )));
    }
    if ctx.origin.depth + 1 >= MAX_INVOKE_DEPTH {
        return Err(Fail::Error(
            "depth",
            format!("plugins invoke each other at most {MAX_INVOKE_DEPTH} deep"),
        ));
    }
    let (db_, ws) = (ctx.rt.state.db.clone(), ctx.loaded.workspace.clone());
    let dep_id = dep.clone();
    let row = db(ctx, async move {
        let mut c = db_.conn().await?;
        trellis_db::installations::in_workspace(&mut c, &ws, &dep_id).await
    })?;
    let Some(row) = row.filter(|r| r.enabled) else {
        return Err(Fail::Error(
            "not_installed",
            format!("{dep} is not installed and enabled in this workspace"),
        ));
    };
    let rt = ctx.rt.clone();
    let loaded = ctx.handle.block_on(rt.loaded(&row)).map_err(|e| {
        Fail::Error(
            "failed",
            format!("{dep} could not be loaded: {}", e.message),
        )
    })?;
    let input = input.get("input").cloned().unwrap_or(Value::Null);
    let origin = CallOrigin {
        hops: ctx.origin.hops,
        depth: ctx.origin.depth + 1,
    };
    let (result, shared) = super::run_blocking(&rt, &loaded, "invoke", &input, origin, &ctx.handle);
    let (lines, dropped) = shared.take_logs();
    let (duration, fuel) = (shared.duration(), shared.fuel());
    ctx.handle.block_on(rt.after_call(
        &row,
        "invoke",
        result.as_ref().map(|_| ()),
        duration,
        fuel,
        lines,
        dropped,
    ));
    result.map_err(|e| Fail::Error("failed", format!("{dep} failed: {e}")))
}
