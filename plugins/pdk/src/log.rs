//! The plugin log (`trellis_log`, permission `log`): [`debug`], [`info`], [`warn`],
//! [`error`]. The host keeps a bounded number of lines per installation. A message is
//! capped at 4096 characters; lines beyond the per-call budget are dropped (and counted)
//! by the host, not reported as errors.

use serde_json::json;

use crate::error::HostError;
use crate::ffi::{call, Host};

/// A log level, as the host spells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    /// `debug`
    Debug,
    /// `info`
    Info,
    /// `warn`
    Warn,
    /// `error`
    Error,
}

impl Level {
    /// The wire name: `debug`, `info`, `warn` or `error`.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Debug => "debug",
            Level::Info => "info",
            Level::Warn => "warn",
            Level::Error => "error",
        }
    }
}

/// Writes one line at `level`.
pub fn write(level: Level, message: &str) -> Result<(), HostError> {
    call(
        Host::Log,
        &json!({ "level": level.as_str(), "message": message }),
    )
    .map(drop)
}

/// Writes one `debug` line.
pub fn debug(message: impl AsRef<str>) -> Result<(), HostError> {
    write(Level::Debug, message.as_ref())
}

/// Writes one `info` line.
pub fn info(message: impl AsRef<str>) -> Result<(), HostError> {
    write(Level::Info, message.as_ref())
}

/// Writes one `warn` line.
pub fn warn(message: impl AsRef<str>) -> Result<(), HostError> {
    write(Level::Warn, message.as_ref())
}

/// Writes one `error` line.
pub fn error(message: impl AsRef<str>) -> Result<(), HostError> {
    write(Level::Error, message.as_ref())
}
