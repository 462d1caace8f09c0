//! The publisher CLI: `trellis login | package | publish | yank | info | search`,
//! and for plugin developers `trellis new | build | dev`.
//! It talks to a Trellis registry over its REST API with a stored API token,
//! and validates packages locally with the same rules the server applies.

mod client;
mod commands;
mod dev;
pub mod new;

pub use commands::{run, PublisherCommand};
