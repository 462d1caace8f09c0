//! The Trellis server: the axum router (pages, REST API, health, metrics), its
//! middleware, HTTP concerns (problem+json rendering, caching headers, URLs),
//! startup and shutdown. `main.rs` is only the command line.
//!
//! Rule: handlers here are thin: they extract input, call `trellis_platform`,
//! and shape the output. No SQL and no business rules in this crate.

// The webhook console's views are deep types; the server compiles them with the app.
#![recursion_limit = "256"]

pub mod api;
pub mod bus_metrics;
pub mod dashboard_upload;
pub mod feeds;
pub mod health;
pub mod import;
pub mod links;
pub mod listener;
pub mod metrics;
pub mod microcache;
pub mod middleware;
pub mod page_cache;
pub mod page_parts;
pub mod publisher;
pub mod router;
pub mod startup;
pub mod state;
pub mod static_files;

pub use router::router;
