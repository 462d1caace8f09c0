//! Server functions: the UI's calls into Trellis. Their bodies run only on the
//! server (`ssr`), where they call `trellis_platform`; in the browser they are
//! HTTP calls.

pub mod accounts;
pub mod dashboard;
pub mod dashboard_actions;
pub mod discovery;
pub mod events;
pub mod moderation;
pub mod namespaces;
pub mod plugin_pages;
pub mod reference;
pub mod reviews;
pub mod runtime;
pub mod runtime_actions;
pub mod runtime_installations;
pub mod security;
#[cfg(feature = "ssr")]
pub mod ssr;
pub mod stats;
pub mod tokens;
pub mod webhook_actions;
#[cfg(feature = "ssr")]
pub mod webhook_form;
pub mod webhooks;
