//! [`HostError`]: a recoverable failure reported by a host function
//! (`{"error":{"code":"…","message":"…"}}`), or a reply this kit could not read.

use std::fmt;

use serde::{Deserialize, Serialize};

/// A failure a host function reported, which the plugin may handle. `code` is stable
/// (`quota_exceeded`, `timeout`, `too_large`, `connect`, `request`, …); `message` is
/// for people. Two codes come from this kit rather than the host: [`HostError::BAD_REPLY`]
/// (the host's answer was not `{"ok":…}` or `{"error":…}`, or had an unexpected shape)
/// and [`HostError::ENCODE`] (a value could not be serialised to JSON).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HostError {
    /// Stable machine-readable code.
    pub code: String,
    /// Human-readable explanation.
    #[serde(default)]
    pub message: String,
}

impl HostError {
    /// The host's reply could not be understood.
    pub const BAD_REPLY: &'static str = "bad_reply";
    /// A value given to a wrapper could not be serialised to JSON.
    pub const ENCODE: &'static str = "encode";

    /// A new error with this code and message.
    pub fn new(code: impl Into<String>, message: impl Into<String>) -> Self {
        HostError {
            code: code.into(),
            message: message.into(),
        }
    }

    /// A [`HostError::BAD_REPLY`] error.
    pub fn bad_reply(message: impl Into<String>) -> Self {
        HostError::new(Self::BAD_REPLY, message)
    }

    /// Whether the error has this code.
    pub fn is(&self, code: &str) -> bool {
        self.code == code
    }
}

impl fmt::Display for HostError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.message.is_empty() {
            write!(f, "{}", self.code)
        } else {
            write!(f, "{}: {}", self.code, self.message)
        }
    }
}

impl std::error::Error for HostError {}
