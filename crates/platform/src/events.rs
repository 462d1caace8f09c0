//! The event bus as the services use it: writing an event in a service's
//! transaction ([`emit`]), reading the catalogue and the log on behalf of
//! an actor (admins read every event; others the events of their namespaces),
//! and the bus's health for admins ([`bus_health`]; its parts
//! [`queue_stats`] and [`follower_lags`] also feed `/metrics`).

use trellis_db::events::{Filter, Position};
use trellis_db::AnyConnection;
use trellis_events::EventData;
use trellis_types::{
    ErrorCode, EventBusOut, EventOut, EventTypeCountOut, EventTypeOut, FailedJobOut, FollowerOut,
    JobQueueOut, LogPositionOut, Scope,
};

use crate::{Actor, AppError, AppResult, AppState};

pub use trellis_events::Actor as EventActor;

impl From<trellis_events::EventError> for AppError {
    fn from(e: trellis_events::EventError) -> Self {
        match e {
            trellis_events::EventError::Db(d) => d.into(),
            other => AppError::internal(other),
        }
    }
}

/// The event actor for someone acting through a session or a token.
pub fn actor(a: &Actor) -> EventActor {
    EventActor::User {
        user_id: a.user.id,
        username: a.user.username.clone(),
        token_id: a.token_id(),
    }
}

/// Writes an event on `tx`, the transaction of the change it reports.
pub async fn emit<T: EventData>(
    tx: &mut AnyConnection,
    actor: &EventActor,
    data: &T,
) -> AppResult<String> {
    Ok(trellis_events::emit(tx, actor, data).await?)
}

/// The event catalogue.
pub fn event_types() -> Vec<EventTypeOut> {
    trellis_events::catalogue::catalogue()
}

/// What to select from the log.
#[derive(Debug, Clone, Default)]
pub struct EventQuery {
    /// Types, or prefixes written `plugin.*`.
    pub types: Vec<String>,
    /// `kind:id`, e.g. `plugin:acme.kanban`.
    pub subject: Option<String>,
    pub namespace: Option<String>,
    /// Unix milliseconds, inclusive.
    pub since: Option<i64>,
    /// Unix milliseconds, exclusive.
    pub until: Option<i64>,
}

const SUBJECT_KINDS: [&str; 5] = ["plugin", "namespace", "user", "token", "webhook_endpoint"];

/// A page of the log, newest first, strictly before `before`; with the position
/// to continue from when the page was full.
pub async fn list_events(
    state: &AppState,
    actor: &Actor,
    q: &EventQuery,
    before: Option<Position>,
    limit: i64,
) -> AppResult<(Vec<EventOut>, Option<Position>)> {
    actor.require(Scope::Read)?;
    let mut filter = Filter {
        since: q.since,
        until: q.until,
        ..Filter::default()
    };
    for t in &q.types {
        if !trellis_events::catalogue::is_known_type_or_prefix(t) {
            return Err(AppError::field(
                ErrorCode::ValidationFailed,
                "type",
                "unknown",
                format!("`{t}` is not an event type: see GET /api/v1/event-types (a prefix is written `plugin.*`)."),
            ));
        }
        filter
            .types
            .push(t.strip_suffix('*').unwrap_or(t).to_owned());
    }
    if let Some(s) = &q.subject {
        let (kind, id) = s
            .split_once(':')
            .filter(|(k, id)| SUBJECT_KINDS.contains(k) && !id.is_empty())
            .ok_or_else(|| {
                AppError::field(
                    ErrorCode::ValidationFailed,
                    "subject",
                    "invalid",
                    "`subject` is `kind:id` with kind one of plugin, namespace, user, token, webhook_endpoint (e.g. `plugin:acme.kanban`).",
                )
            })?;
        filter.subject_kind = Some(kind.to_owned());
        filter.subject_id = Some(id.to_owned());
    }
    let mut c = state.db.conn().await?;
    let sees_all = actor.user.is_admin && actor.has(Scope::Admin);
    filter.namespaces = match (&q.namespace, sees_all) {
        (Some(ns), true) => Some(vec![ns.clone()]),
        (None, true) => None,
        (wanted, false) => {
            let mine: Vec<String> = trellis_db::namespaces::memberships(&mut c, &[actor.user.id])
                .await?
                .into_iter()
                .map(|(_, name, _)| name)
                .filter(|n| wanted.as_ref().is_none_or(|w| w == n))
                .collect();
            Some(mine)
        }
    };
    let rows = trellis_db::events::list(&mut c, &filter, before, limit).await?;
    let next = (rows.len() as i64 >= limit)
        .then(|| rows.last().map(|r| r.position))
        .flatten();
    let out = rows
        .iter()
        .map(trellis_events::to_out)
        .collect::<Result<Vec<_>, _>>()?;
    Ok((out, next))
}

/// One event, if the actor may read it.
pub async fn get_event(state: &AppState, actor: &Actor, id: &str) -> AppResult<EventOut> {
    actor.require(Scope::Read)?;
    let not_found = || AppError::not_found(format!("The event `{id}`"));
    if !trellis_events::id::is_event_id(id) {
        return Err(not_found());
    }
    let mut c = state.db.conn().await?;
    let row = trellis_db::events::by_id(&mut c, id)
        .await?
        .ok_or_else(not_found)?;
    if !(actor.user.is_admin && actor.has(Scope::Admin)) {
        let mine = trellis_db::namespaces::memberships(&mut c, &[actor.user.id]).await?;
        let visible = row
            .namespace
            .as_ref()
            .is_some_and(|ns| mine.iter().any(|(_, name, _)| name == ns));
        if !visible {
            return Err(not_found());
        }
    }
    Ok(trellis_events::to_out(&row)?)
}

/// Events counted after a follower's position, at most (a follower further
/// behind shows this many).
pub const LAG_CAP: i64 = trellis_types::FOLLOWER_LAG_CAP;
/// Followers listed, at most.
pub const MAX_FOLLOWERS: i64 = 50;
/// Failed jobs listed, at most.
pub const MAX_FAILED_JOBS: i64 = 20;

fn position_out(p: Position) -> LogPositionOut {
    LogPositionOut {
        tx: p.tx,
        seq: p.seq,
    }
}

/// The job queue by state, with the age of the oldest job due.
pub async fn queue_stats(c: &mut AnyConnection) -> AppResult<JobQueueOut> {
    let s = trellis_db::jobs::stats(c).await?;
    let now = trellis_db::now_ms();
    Ok(JobQueueOut {
        queued: s.queued,
        due: s.due,
        running: s.running,
        done: s.done,
        failed: s.failed,
        oldest_due_at: s.oldest_due_at.map(|ms| ms / 1000),
        oldest_due_age_secs: s.oldest_due_at.map_or(0, |ms| (now - ms).max(0) / 1000),
    })
}

/// Followers whose cursor was stored within the event retention period (at
/// most [`MAX_FOLLOWERS`], most recently updated first), with how far each is
/// behind: events after its position (counted up to [`LAG_CAP`]) and the age of
/// the oldest of them.
pub async fn follower_lags(state: &AppState, c: &mut AnyConnection) -> AppResult<Vec<FollowerOut>> {
    let retention = i64::from(state.config.events.retention_days) * 86_400;
    let since = trellis_db::now() - retention;
    let cursors = trellis_db::events::cursors_updated_since(c, since, MAX_FOLLOWERS).await?;
    let now = trellis_db::now_ms();
    let mut out = Vec::with_capacity(cursors.len());
    for k in cursors {
        let (lag_events, first) = trellis_db::events::behind(c, Some(k.position), LAG_CAP).await?;
        out.push(FollowerOut {
            name: k.follower,
            position: position_out(k.position),
            lag_events,
            lag_seconds: match first {
                Some(ms) if lag_events > 0 => (now - ms).max(0) / 1000,
                _ => 0,
            },
            updated_at: k.updated_at,
        });
    }
    Ok(out)
}

/// The event bus at a glance (admins with the admin scope): the job queue, the
/// newest failed jobs, the followers and their lag, events per type and the
/// log's head.
pub async fn bus_health(state: &AppState, actor: &Actor) -> AppResult<EventBusOut> {
    actor.require_admin()?;
    let mut c = state.db.conn().await?;
    let queue = queue_stats(&mut c).await?;
    let failed_jobs = trellis_db::jobs::recent(&mut c, Some("failed"), MAX_FAILED_JOBS)
        .await?
        .into_iter()
        .map(|j| FailedJobOut {
            id: j.id,
            kind: j.kind,
            attempts: j.attempts,
            last_error: j.last_error,
            finished_at: j.finished_at.map(|ms| ms / 1000),
        })
        .collect();
    let followers = follower_lags(state, &mut c).await?;
    let event_counts = trellis_db::events::count_by_type(&mut c)
        .await?
        .into_iter()
        .map(|(kind, count)| EventTypeCountOut { kind, count })
        .collect();
    let head = trellis_db::events::head(&mut c).await?.map(position_out);
    Ok(EventBusOut {
        queue,
        failed_jobs,
        followers,
        event_counts,
        head,
    })
}
