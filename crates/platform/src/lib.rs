//! Trellis's server-side services, shared by the HTTP server (REST) and the
//! Leptos server functions (UI): configuration, state, accounts, API tokens,
//! sessions and object storage.
//!
//! Rule: handlers stay thin and call functions here; this crate never knows
//! about HTTP requests or HTML, only about `AppState` and inputs.

pub mod accounts;
pub mod config;
pub mod error;
pub mod registry;
pub mod session;
pub mod state;
pub mod storage;
pub mod tokens;

pub use config::Config;
pub use error::{AppError, AppResult};
pub use state::{AppState, StartError};
pub mod request_context;
