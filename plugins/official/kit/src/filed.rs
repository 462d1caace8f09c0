//! The ids of the last events an integration filed something for (a ticket, an
//! issue), kept in kv under `filed_events`, so a redelivered event is not filed twice.

use trellis_pdk::{kv, HostError};

/// kv key of the ids.
const FILED: &str = "filed_events";
/// How many ids are kept.
const KEEP: usize = 100;

/// Whether something was filed for the event `id` already.
pub fn already(id: &str) -> Result<bool, HostError> {
    let filed: Vec<String> = kv::get_as(FILED)?.unwrap_or_default();
    Ok(filed.iter().any(|f| f == id))
}

/// Records that something was filed for the event `id` (atomically: an event filed
/// at the same moment keeps its entry too).
pub fn record(id: &str) -> Result<(), HostError> {
    kv::update(FILED, |filed: Option<Vec<String>>| {
        let mut filed = filed.unwrap_or_default();
        filed.push(id.to_owned());
        let excess = filed.len().saturating_sub(KEEP);
        filed.drain(..excess);
        Some(filed)
    })
    .map(drop)
}
