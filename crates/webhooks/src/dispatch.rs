//! The dispatcher: a follower of the event log that turns each event into a
//! message (and its delivery job) for every enabled endpoint that wants it,
//! in one transaction with the dispatcher's position, so an event is
//! dispatched exactly once whatever crashes when.
//!
//! An endpoint wants an event when the event happened after the endpoint was
//! created, its type matches the endpoint's patterns, it is in the endpoint's
//! namespace (instance-wide endpoints take every event), and the payload
//! filter holds. `webhook.*` events about an endpoint are not sent to that same
//! endpoint (so disabling one does not try to tell it so).
//!
//! Several worker processes may run the dispatcher on one database: they share
//! one cursor (`webhook-dispatcher`), and a batch is applied only by the
//! process that moves the cursor from where it read it
//! (`trellis_db::events::advance_cursor`, the first statement of the
//! transaction); another process that read the same batch finds the cursor
//! moved and rolls back. The unique (endpoint, event) key of messages would
//! stop a double dispatch anyway.

use async_trait::async_trait;
use trellis_db::events::{EventRow, Position};
use trellis_db::webhooks::EndpointRow;
use trellis_events::{Follower, FollowerError};
use trellis_platform::AppState;

use crate::filter;
use crate::validate::type_matches;

/// The shared cursor's name.
pub const NAME: &str = "webhook-dispatcher";

/// The dispatcher follower.
pub struct Dispatcher {
    state: AppState,
    /// The shared cursor as last read: a batch is applied only if the cursor
    /// still stands there.
    read_at: Option<Position>,
}

impl Dispatcher {
    pub fn new(state: AppState) -> Dispatcher {
        Dispatcher {
            state,
            read_at: None,
        }
    }
}

/// An endpoint's matching rules, parsed once per batch.
struct Target {
    row: EndpointRow,
    types: Vec<String>,
    filter: Vec<filter::Condition>,
}

impl Target {
    fn parse(row: EndpointRow) -> Result<Target, FollowerError> {
        let types: Vec<String> =
            trellis_db::json_column("webhook_endpoints.event_types", &row.event_types)?;
        let filter = match &row.filter {
            None => Vec::new(),
            Some(f) => {
                let v: serde_json::Value = trellis_db::json_column("webhook_endpoints.filter", f)?;
                filter::parse(&v).map_err(|e| {
                    format!(
                        "the stored filter of {} no longer parses: {}",
                        row.id,
                        e.first().map(|p| p.message.as_str()).unwrap_or("?")
                    )
                })?
            }
        };
        Ok(Target { row, types, filter })
    }

    fn wants(&self, e: &EventRow, envelope: &serde_json::Value) -> bool {
        e.occurred_at >= self.row.created_at
            && type_matches(&self.types, &e.kind)
            && (self.row.namespace.is_none() || self.row.namespace == e.namespace)
            && !(e.subject_kind == "webhook_endpoint" && e.subject_id == self.row.id)
            && filter::matches(&self.filter, envelope)
    }
}

#[async_trait]
impl Follower for Dispatcher {
    fn name(&self) -> String {
        NAME.into()
    }

    /// The shared cursor moves only in the transaction that dispatched the batch.
    fn stores_cursor(&self) -> bool {
        true
    }

    async fn position(&mut self) -> Result<Option<Position>, FollowerError> {
        self.read_at = trellis_db::events::cursor(&mut *self.state.db.conn().await?, NAME).await?;
        Ok(self.read_at)
    }

    async fn apply(&mut self, events: &[EventRow]) -> Result<(), FollowerError> {
        let from = self.read_at;
        let Some(last) = events.last() else {
            return Ok(());
        };
        let mut tx = self.state.db.begin().await?;
        if !trellis_db::events::advance_cursor(&mut tx, NAME, from, last.position).await? {
            // Another process dispatched this batch first.
            tx.rollback().await?;
            return Ok(());
        }
        let targets = trellis_db::webhooks::enabled_endpoints(&mut tx)
            .await?
            .into_iter()
            .map(Target::parse)
            .collect::<Result<Vec<_>, _>>()?;
        // Each event with its envelope and the endpoints that want it, then one
        // write for every message of the batch.
        let mut wanted: Vec<(&EventRow, String, Vec<&Target>)> = Vec::new();
        for e in events.iter().take_while(|_| !targets.is_empty()) {
            let out = trellis_events::to_out(e)?;
            let envelope = serde_json::to_value(&out)?;
            let these: Vec<&Target> = targets.iter().filter(|t| t.wants(e, &envelope)).collect();
            if !these.is_empty() {
                wanted.push((e, serde_json::to_string(&out)?, these));
            }
        }
        let all: Vec<crate::messages::Queued> = wanted
            .iter()
            .flat_map(|(e, payload, these)| {
                these.iter().map(move |t| crate::messages::Queued {
                    endpoint: &t.row,
                    event_id: &e.id,
                    event_type: &e.kind,
                    payload,
                })
            })
            .collect();
        let queued = crate::messages::queue_many(&mut tx, &self.state, &all)
            .await
            .map_err(|err| format!("cannot queue messages: {err:?}"))?;
        tx.commit().await?;
        if queued > 0 {
            // This process's job runner (worker processes run both) need not
            // wait for its next poll.
            trellis_events::jobs::wake();
        }
        Ok(())
    }
}
