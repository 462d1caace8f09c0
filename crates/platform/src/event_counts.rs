//! [`EventCounts`]: how many events of each type this process has seen written
//! to the log since it started, for the `trellis_events_total` metric.
//!
//! A node-local follower (`trellis_worker::event_counter`) starts at the log's
//! head when the process starts and records every event after it here; the
//! metrics renderer reads the totals. Types are bounded by the catalogue:
//! anything else is counted as `other`, so the label set never grows.

use std::collections::BTreeMap;
use std::sync::Mutex;

use trellis_db::events::Position;

/// The label for a type outside the catalogue.
pub const OTHER: &str = "other";

/// Events seen per type, and where the counting follower stands.
#[derive(Debug)]
pub struct EventCounts {
    inner: Mutex<Inner>,
}

#[derive(Debug)]
struct Inner {
    /// `None` until the follower has taken its starting point (the head).
    started: Option<Option<Position>>,
    /// Every catalogue type and `other`, from 0.
    counts: BTreeMap<String, u64>,
}

impl Default for EventCounts {
    fn default() -> Self {
        let mut counts: BTreeMap<String, u64> = trellis_events::catalogue::catalogue()
            .into_iter()
            .map(|t| (t.kind, 0))
            .collect();
        counts.insert(OTHER.to_owned(), 0);
        EventCounts {
            inner: Mutex::new(Inner {
                started: None,
                counts,
            }),
        }
    }
}

impl EventCounts {
    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Where counting goes on from: `None` before the follower first started,
    /// else `Some(position)` (`Some(None)`: from the log's start).
    pub fn position(&self) -> Option<Option<Position>> {
        self.lock().started
    }

    /// Sets the starting point (the log's head when the process started).
    pub fn start_at(&self, head: Option<Position>) {
        let mut inner = self.lock();
        if inner.started.is_none() {
            inner.started = Some(head);
        }
    }

    /// Counts events of these types, read up to `at`.
    pub fn record<'a>(&self, types: impl IntoIterator<Item = &'a str>, at: Position) {
        let mut inner = self.lock();
        for t in types {
            let key = if inner.counts.contains_key(t) {
                t
            } else {
                OTHER
            };
            *inner.counts.entry(key.to_owned()).or_default() += 1;
        }
        inner.started = Some(Some(at));
    }

    /// The counts per type label (every catalogue type and `other`).
    pub fn snapshot(&self) -> Vec<(String, u64)> {
        self.lock()
            .counts
            .iter()
            .map(|(k, v)| (k.clone(), *v))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_types_count_as_other() {
        let c = EventCounts::default();
        assert_eq!(c.position(), None);
        c.start_at(None);
        assert_eq!(c.position(), Some(None));
        let at = Position { tx: 0, seq: 3 };
        c.record(["plugin.published", "made.up", "plugin.published"], at);
        c.start_at(None);
        assert_eq!(c.position(), Some(Some(at)));
        let snap: BTreeMap<_, _> = c.snapshot().into_iter().collect();
        assert_eq!(snap["plugin.published"], 2);
        assert_eq!(snap[OTHER], 1);
        assert_eq!(snap["user.created"], 0);
        assert!(!snap.contains_key("made.up"));
    }
}
