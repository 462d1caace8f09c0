//! `trellis-pdk`: the plugin development kit for the Trellis plugin API v1.0.
//!
//! A Trellis plugin is a WebAssembly module (`wasm32-unknown-unknown`) built with
//! [`extism_pdk`]. It exports up to four functions, each JSON in and JSON out:
//! `init`, `on_event`, `invoke` and `health` (see docs/plugin-api.md), and talks to the
//! host only through the host functions this crate wraps:
//!
//! | wrapper | host function | permission (`[permissions] host_functions`) |
//! |---|---|---|
//! | [`log::debug`], [`log::info`], [`log::warn`], [`log::error`] | `trellis_log` | `log` |
//! | [`config()`] | `trellis_config_get` | `config_get` |
//! | [`secret()`] | `trellis_secret_get` | `secret_get` |
//! | [`kv::get`], [`kv::set`], [`kv::delete`] | `trellis_kv_get` / `_set` / `_delete` | `kv_get` / `kv_set` / `kv_delete` |
//! | [`kv::compare_and_set`], [`kv::update`] | `trellis_kv_set` with `expect` | `kv_get` and `kv_set` |
//! | [`emit()`] | `trellis_emit` | `emit_event` |
//! | [`http::request`] | `trellis_http` | `http_request` |
//! | [`invoke()`] | `trellis_invoke` | `invoke` |
//! | [`registry::plugin`], [`registry::version`], [`registry::review`] | `trellis_read` | `read_registry` |
//!
//! Every wrapper returns `Result<T, HostError>`: an `Err` is a recoverable failure the
//! host reported (`{"error":{"code":…,"message":…}}`, e.g. `quota_exceeded` or
//! `timeout`), which the plugin may handle. A *violation* (a host function the manifest
//! did not ask for, an undeclared event type, host, secret or dependency) never comes
//! back as an `Err`: the host traps the whole call.
//!
//! Also here: [`API_VERSION`], the event envelope [`Event`] (the input of `on_event`),
//! [`InitInput`] (the input of `init`) and [`HealthStatus`] (the output of `health`).
//!
//! ```ignore
//! use extism_pdk::{plugin_fn, FnResult};
//! use serde_json::{json, Value};
//!
//! #[plugin_fn]
//! pub fn invoke(input: Value) -> FnResult<Value> {
//!     trellis_pdk::log::info("invoked")?;
//!     Ok(json!({ "echo": input }))
//! }
//! ```

#![deny(unsafe_code)]

pub mod calls;
pub mod error;
pub mod event;
mod ffi;
pub mod health;
pub mod http;
pub mod init;
pub mod kv;
pub mod log;
pub mod registry;

pub use calls::{config, config_as, emit, invoke, secret};
pub use error::HostError;
pub use event::{Actor, Event, Subject};
pub use health::{Health, HealthStatus};
pub use init::InitInput;

/// Re-exported so a plugin can name the exact extism-pdk this crate was built with.
pub use extism_pdk;

/// The version of the Trellis plugin API this kit implements. A manifest's
/// `plugin.api` requirement (e.g. `"^1.0"`) must match the host's API version for the
/// release to install.
pub const API_VERSION: &str = "1.0.0";
