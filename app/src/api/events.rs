//! The admin events page's data: a filtered page of the event log and the
//! event bus's health, for admins only.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use trellis_types::{EventBusOut, EventOut};

use crate::error::UiError;

/// Events shown per page.
pub const PAGE_SIZE: i64 = 50;

/// What `/admin/events` shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AdminEventsData {
    /// Newest first.
    pub events: Vec<EventOut>,
    /// The `cursor` of the next (older) page, when this one was full.
    pub next_cursor: Option<String>,
    pub health: EventBusOut,
    /// The catalogue's types, then their prefixes (`plugin.*`), for the filter.
    pub types: Vec<String>,
}

/// The event log filtered as the page's query says (every field optional;
/// empty means unset) and the event bus's health. Admins only.
#[server]
pub async fn admin_events(
    kind: Option<String>,
    subject: Option<String>,
    since: Option<String>,
    until: Option<String>,
    namespace: Option<String>,
    cursor: Option<String>,
) -> Result<AdminEventsData, UiError> {
    use super::ssr::*;
    use trellis_platform::events::{self, EventQuery};
    use trellis_platform::AppError;
    use trellis_types::ErrorCode;

    let set = |v: Option<String>| v.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty());
    let state = state()?;
    let s = session().await?;
    let actor = require_actor(&state, &s).await?;
    // Admins only: the health check refuses everyone else first.
    let health = events::bus_health(&state, &actor).await?;
    let day = |field: &'static str, v: Option<String>| -> Result<Option<i64>, AppError> {
        set(v)
            .map(|d| {
                crate::components::time::parse_date(&d).ok_or_else(|| {
                    AppError::field(
                        ErrorCode::ValidationFailed,
                        field,
                        "invalid",
                        "A date is written YYYY-MM-DD.",
                    )
                })
            })
            .transpose()
    };
    // Whole days in UTC: `until` includes its day.
    let since = day("since", since)?.map(|t| t * 1000);
    let until = day("until", until)?.map(|t| (t + 86_400) * 1000);
    if let (Some(a), Some(b)) = (since, until) {
        if a >= b {
            return Err(AppError::field(
                ErrorCode::ValidationFailed,
                "until",
                "before_since",
                "The end date is before the start date.",
            )
            .into());
        }
    }
    let before = set(cursor)
        .map(|c| {
            c.split_once('_')
                .and_then(|(tx, seq)| Some((tx.parse().ok()?, seq.parse().ok()?)))
                .map(|(tx, seq)| trellis_db::events::Position { tx, seq })
                .ok_or_else(|| {
                    AppError::field(
                        ErrorCode::ValidationFailed,
                        "cursor",
                        "invalid",
                        "This page link is broken: start again from the first page.",
                    )
                })
        })
        .transpose()?;
    let q = EventQuery {
        types: set(kind)
            .map(|t| t.split(',').map(|t| t.trim().to_owned()).collect())
            .unwrap_or_default(),
        subject: set(subject),
        namespace: set(namespace),
        since,
        until,
    };
    let (events, next) = events::list_events(&state, &actor, &q, before, PAGE_SIZE).await?;
    let mut types: Vec<String> = events::event_types().into_iter().map(|t| t.kind).collect();
    let mut prefixes: Vec<String> = types
        .iter()
        .filter_map(|t| t.split_once('.').map(|(p, _)| format!("{p}.*")))
        .collect();
    prefixes.dedup();
    types.extend(prefixes);
    Ok(AdminEventsData {
        events,
        next_cursor: next.map(|p| format!("{}_{}", p.tx, p.seq)),
        health,
        types,
    })
}
