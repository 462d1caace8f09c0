//! The event bus.
//!
//! - [`catalogue`]: every event type, with a description, a JSON Schema of its
//!   data and an example (served by `GET /api/v1/event-types`, written to
//!   docs/events.md).
//! - [`emit`]: a service writes an event **in its own transaction**, beside the
//!   change that causes it: a committed change always has its event, a rolled
//!   back one never does.
//! - [`follow`]: followers read the log in order from a position they keep,
//!   never skipping an event that committed late (see `trellis_db::events`).
//! - [`jobs`]: work done once per event and target runs from the durable job
//!   queue (`trellis_db::jobs`); this module holds the contract of a handler and
//!   the retry schedule. The loops that run followers and jobs live in
//!   `trellis-worker`.

pub mod catalogue;
pub mod emit;
pub mod follow;
pub mod id;
pub mod jobs;

pub use catalogue::{EventData, Subject};
pub use emit::{emit, to_out, Actor};
pub use follow::{Follower, FollowerError};
pub use trellis_db::events::{EventRow, Position};

/// Errors of this crate.
#[derive(Debug, thiserror::Error)]
pub enum EventError {
    #[error(transparent)]
    Db(#[from] trellis_db::DbError),
    #[error("cannot encode event data: {0}")]
    Encode(#[from] serde_json::Error),
}
