//! Data shapes shared by the browser (wasm), the server and API clients.
//!
//! Rule: this crate depends on serde (and serde_json, for free-form event data)
//! and nothing else, so it always compiles to wasm32. Anything that needs the server (database rows, HTTP types) lives elsewhere
//! and converts into these shapes.

pub mod account;
pub mod dashboard;
pub mod error;
pub mod events;
pub mod home;
pub mod moderation;
pub mod plugins;
pub mod registry;
pub mod reviews;
pub mod search;
pub mod stats;
pub mod webhooks;

pub use account::*;
pub use dashboard::*;
pub use error::*;
pub use events::*;
pub use home::*;
pub use moderation::*;
pub use plugins::*;
pub use registry::*;
pub use reviews::*;
pub use search::*;
pub use stats::*;
pub use webhooks::*;
