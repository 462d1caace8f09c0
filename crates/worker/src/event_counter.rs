//! The event counter: a node-local follower that counts the events written to
//! the log by type, for the `trellis_events_total` metric.
//!
//! It starts at the log's head when the process starts (a Prometheus counter
//! resets on restart) and keeps its place in memory, in the shared
//! [`EventCounts`], so a restart of the worker by the supervisor goes on where
//! it was. Like every follower its position is also stored in `event_cursors`
//! (by `step`), under `event-counter@<node>`.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use trellis_db::events::{EventRow, Position};
use trellis_db::Db;
use trellis_events::follow::{Follower, FollowerError};
use trellis_platform::event_counts::EventCounts;

use crate::Supervisor;

/// Counts events into [`EventCounts`].
pub struct EventCounter {
    db: Db,
    counts: Arc<EventCounts>,
    name: String,
}

impl EventCounter {
    pub fn new(db: Db, counts: Arc<EventCounts>, node: &str) -> Self {
        EventCounter {
            db,
            counts,
            name: format!("event-counter@{node}"),
        }
    }
}

#[async_trait]
impl Follower for EventCounter {
    fn name(&self) -> String {
        self.name.clone()
    }

    async fn position(&mut self) -> Result<Option<Position>, FollowerError> {
        if let Some(at) = self.counts.position() {
            return Ok(at);
        }
        let head = trellis_db::events::head(&mut *self.db.conn().await?).await?;
        self.counts.start_at(head);
        Ok(head)
    }

    async fn apply(&mut self, events: &[EventRow]) -> Result<(), FollowerError> {
        if let Some(last) = events.last() {
            self.counts
                .record(events.iter().map(|e| e.kind.as_str()), last.position);
        }
        Ok(())
    }
}

/// Runs the event counter of this process (every process: its counts are what
/// this process's `/metrics` shows).
pub fn register(s: &mut Supervisor, db: Db, counts: Arc<EventCounts>, poll: Duration) {
    let node = crate::workers::node_name();
    s.spawn("event-counter", move |stop| {
        let (db, counts, node) = (db.clone(), counts.clone(), node.clone());
        async move {
            let mut f = EventCounter::new(db.clone(), counts, &node);
            crate::follow::run(db, &mut f, poll, stop).await
        }
    });
}
