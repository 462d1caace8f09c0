//! The publisher CLI: `trellis login | package | publish | yank | info | search`.
//! It talks to a Trellis registry over its REST API with a stored API token,
//! and validates packages locally with the same rules the server applies.

mod client;
mod commands;

pub use commands::{run, PublisherCommand};
