//! Trellis's services, shared by every way in: REST handlers, Leptos server
//! functions, the CLI (and later GraphQL): configuration, state, accounts,
//! API tokens, sessions, the security log, object storage and the registry.
//!
//! Rules:
//! - Plain Rust: this crate knows nothing of HTTP requests, responses or HTML.
//!   Callers pass inputs and an [`Actor`]; results are values or an [`AppError`]
//!   that each front end renders its own way. URLs come from [`links::Links`],
//!   which the server supplies.
//! - A service decides where a database transaction starts and ends; queries
//!   (in `trellis_db`) run on the connection or transaction it passes.
//! - Rules about who may do what live here, not in handlers.
//! - A change an outsider could care about writes its event ([`events::emit`])
//!   in the same transaction as the change.

pub mod accounts;
pub mod actor;
pub mod config;
mod config_build;
pub mod config_sections;
pub mod discovery;
pub mod error;
pub mod event_counts;
pub mod events;
pub mod home;
pub mod housekeeping;
pub mod links;
pub mod passwords;
pub mod redact;
pub mod registry;
pub mod request_context;
pub mod seal;
pub mod security;
pub mod session;
pub mod state;
pub mod storage;
pub mod tokens;
pub mod write_limit;

pub use actor::{Actor, Via};
pub use config::Config;
pub use error::{AppError, AppResult};
pub use state::{AppParts, AppState, StartError};
