//! Messages (one event for one endpoint) as a service: how one is queued (in the
//! caller's transaction: a message row and its `webhook.deliver` job), the
//! message log with its filters, one message with its attempts, and the
//! actions: send a test event, retry one message, replay everything that failed
//! for an endpoint since a time.

use std::collections::BTreeMap;

use trellis_db::jobs::NewJob;
use trellis_db::webhook_messages::{self as msgs, MessageFilter, MessageRow};
use trellis_db::webhooks::{self as db, EndpointRow};
use trellis_db::{now_ms, AnyConnection};
use trellis_platform::{Actor, AppError, AppResult, AppState};
use trellis_types::{
    AttemptOut, ErrorCode, MessageDetailOut, MessageOut, ReplayOut, MESSAGE_STATES,
};

use crate::access::{self, Access};

/// The job kind that delivers a message.
pub const DELIVER: &str = "webhook.deliver";
/// Messages listed per page, at most.
pub const MAX_PAGE: i64 = 100;
/// Messages one replay queues, at most.
pub const MAX_REPLAY: i64 = 10_000;

/// Queues `payload` (an event's envelope) for `endpoint` in the caller's
/// transaction: the message and its delivery job commit together. False when
/// the endpoint already had a message for this event.
pub async fn queue(
    c: &mut AnyConnection,
    state: &AppState,
    endpoint: &EndpointRow,
    event_id: &str,
    event_type: &str,
    payload: &str,
) -> AppResult<bool> {
    let one = Queued {
        endpoint,
        event_id,
        event_type,
        payload,
    };
    Ok(queue_many(c, state, &[one]).await? == 1)
}

/// An event's envelope for an endpoint, for [`queue_many`].
pub struct Queued<'a> {
    pub endpoint: &'a EndpointRow,
    pub event_id: &'a str,
    pub event_type: &'a str,
    pub payload: &'a str,
}

/// [`queue`] for many messages: their rows and their jobs written by a few
/// statements for them all. Returns how many were new.
pub async fn queue_many(
    c: &mut AnyConnection,
    state: &AppState,
    all: &[Queued<'_>],
) -> AppResult<usize> {
    if all.is_empty() {
        return Ok(0);
    }
    let now = now_ms();
    let schedule = &state.config.webhooks.retry_schedule;
    let first = schedule.first().copied().unwrap_or_default();
    let run_at = now + first.as_millis() as i64;
    let rows: Vec<MessageRow> = all
        .iter()
        .map(|q| MessageRow {
            id: trellis_events::id::new_event_id(now).replacen("evt_", "msg_", 1),
            endpoint_id: q.endpoint.id.clone(),
            event_id: q.event_id.to_owned(),
            event_type: q.event_type.to_owned(),
            payload: q.payload.to_owned(),
            state: "pending".into(),
            attempts: 0,
            last_status: None,
            last_error: None,
            created_at: now,
            last_attempt_at: None,
            next_attempt_at: Some(run_at),
            delivered_at: None,
        })
        .collect();
    let fresh = msgs::insert_messages(c, &rows).await?;
    let payloads: Vec<String> = fresh
        .iter()
        .map(|id| serde_json::json!({ "message_id": id }).to_string())
        .collect();
    let jobs: Vec<NewJob> = fresh
        .iter()
        .zip(&payloads)
        .map(|(id, payload)| NewJob {
            kind: DELIVER,
            dedupe: id,
            event_id: None,
            payload,
            run_at,
            max_attempts: schedule.len().max(1) as i64,
        })
        .collect();
    trellis_db::jobs::enqueue_many(c, &jobs).await?;
    Ok(fresh.len())
}

/// Queues an existing message again with a fresh schedule (a retry or a replay).
async fn requeue(c: &mut AnyConnection, state: &AppState, m: &MessageRow) -> AppResult<()> {
    let now = now_ms();
    if trellis_db::jobs::is_running(c, DELIVER, &m.id).await? {
        return Err(AppError::new(
            ErrorCode::Conflict,
            format!("Message `{}` is being delivered right now.", m.id),
        ));
    }
    if !trellis_db::jobs::requeue(c, DELIVER, &m.id, now).await? {
        // Its job was pruned with the finished ones: make a new one.
        trellis_db::jobs::enqueue(
            c,
            &NewJob {
                kind: DELIVER,
                dedupe: &m.id,
                event_id: None,
                payload: &serde_json::json!({ "message_id": m.id }).to_string(),
                run_at: now,
                max_attempts: state.config.webhooks.retry_schedule.len().max(1) as i64,
            },
        )
        .await?;
    }
    msgs::set_message_state(c, &m.id, "pending", None, Some(now)).await?;
    Ok(())
}

/// The message as the API shows it.
pub fn to_out(m: &MessageRow) -> AppResult<MessageOut> {
    Ok(MessageOut {
        id: m.id.clone(),
        endpoint_id: m.endpoint_id.clone(),
        event_id: m.event_id.clone(),
        event_type: m.event_type.clone(),
        state: m.state.clone(),
        attempts: m.attempts,
        last_status: m.last_status,
        last_error: m.last_error.clone(),
        created_at: m.created_at / 1000,
        last_attempt_at: m.last_attempt_at.map(|t| t / 1000),
        next_attempt_at: m.next_attempt_at.map(|t| t / 1000),
        delivered_at: m.delivered_at.map(|t| t / 1000),
        payload: trellis_db::json_column("webhook_messages.payload", &m.payload)?,
    })
}

/// What the message log is filtered by.
#[derive(Debug, Clone, Default)]
pub struct MessageQuery {
    pub endpoint_id: Option<String>,
    pub event_id: Option<String>,
    /// An exact type or `prefix.*`.
    pub event_type: Option<String>,
    pub state: Option<String>,
    /// Unix seconds.
    pub since: Option<i64>,
}

fn bad(field: &str, detail: String) -> AppError {
    AppError::field(ErrorCode::BadRequest, field, "invalid", detail)
}

/// A page of the message log, newest first.
pub async fn list(
    state: &AppState,
    actor: &Actor,
    q: &MessageQuery,
    cursor: Option<&str>,
    limit: i64,
) -> AppResult<(Vec<MessageOut>, Option<String>)> {
    let access = Access::of(state, actor).await?;
    if let Some(s) = &q.state {
        if !MESSAGE_STATES.contains(&s.as_str()) {
            return Err(bad(
                "state",
                format!("`{s}` is not a state: use pending, delivered or failed."),
            ));
        }
    }
    if let Some(t) = &q.event_type {
        if t != "*" && !trellis_events::catalogue::is_known_type_or_prefix(t) {
            return Err(bad(
                "event_type",
                format!("`{t}` is not an event type (a prefix is written `plugin.*`)."),
            ));
        }
    }
    let endpoints: Option<Vec<String>> = match (&q.endpoint_id, &access) {
        // An endpoint the caller cannot see (or that does not exist) has no
        // messages for them: an empty page, as any filter that matches nothing.
        (Some(id), _) => match access::endpoint(state, &access, id).await {
            Ok(e) => Some(vec![e.id]),
            Err(e) if e.code == ErrorCode::NotFound => Some(Vec::new()),
            Err(e) => return Err(e),
        },
        (None, Access::All) => None,
        (None, _) => Some(
            db::list_endpoints(
                &mut *state.db.conn().await?,
                &access.db_scope(),
                None,
                10_000,
            )
            .await?
            .into_iter()
            .map(|e| e.id)
            .collect(),
        ),
    };
    let event_type = q.event_type.as_deref().filter(|t| *t != "*");
    let filter = MessageFilter {
        endpoints: endpoints.as_deref(),
        event_id: q.event_id.as_deref(),
        event_type,
        state: q.state.as_deref(),
        since: q.since.map(|s| s.saturating_mul(1000)),
        before: cursor,
    };
    let rows = msgs::list_messages(&mut *state.db.conn().await?, &filter, limit).await?;
    let next = (rows.len() as i64 >= limit)
        .then(|| rows.last().map(|r| r.id.clone()))
        .flatten();
    Ok((rows.iter().map(to_out).collect::<AppResult<_>>()?, next))
}

/// The message `id` and its endpoint, if the actor may see them.
async fn visible(
    state: &AppState,
    access: &Access,
    id: &str,
) -> AppResult<(MessageRow, EndpointRow)> {
    let m = msgs::message(&mut *state.db.conn().await?, id)
        .await?
        .ok_or_else(|| AppError::not_found(format!("Message `{id}`")))?;
    let e = access::endpoint(state, access, &m.endpoint_id)
        .await
        .map_err(|_| AppError::not_found(format!("Message `{id}`")))?;
    Ok((m, e))
}

fn header_map(column: &str, text: &str) -> AppResult<BTreeMap<String, String>> {
    Ok(trellis_db::json_column(column, text)?)
}

/// One message with its attempts.
pub async fn get(state: &AppState, actor: &Actor, id: &str) -> AppResult<MessageDetailOut> {
    let access = Access::of(state, actor).await?;
    let (m, _) = visible(state, &access, id).await?;
    let attempts = trellis_db::webhook_attempts::of_message(&mut *state.db.conn().await?, id)
        .await?
        .into_iter()
        .map(|a| {
            Ok(AttemptOut {
                id: a.id,
                attempted_at_ms: a.attempted_at,
                success: a.success,
                status_code: a.status_code,
                latency_ms: a.latency_ms,
                error_kind: a.error_kind,
                error: a.error,
                request_headers: header_map(
                    "webhook_attempts.request_headers",
                    &a.request_headers,
                )?,
                response_headers: a
                    .response_headers
                    .as_deref()
                    .map(|h| header_map("webhook_attempts.response_headers", h))
                    .transpose()?,
                response_body: a.response_body,
            })
        })
        .collect::<AppResult<Vec<_>>>()?;
    Ok(MessageDetailOut {
        message: to_out(&m)?,
        attempts,
    })
}

/// Sends one message again now, with a fresh retry schedule.
pub async fn retry(state: &AppState, actor: &Actor, id: &str) -> AppResult<MessageOut> {
    let access = Access::of(state, actor).await?;
    let (m, e) = visible(state, &access, id).await?;
    require_enabled(&e)?;
    let mut tx = state.db.begin().await?;
    requeue(&mut tx, state, &m).await?;
    tx.commit().await?;
    trellis_events::jobs::wake();
    let m = msgs::message(&mut *state.db.conn().await?, id)
        .await?
        .ok_or_else(|| AppError::not_found(format!("Message `{id}`")))?;
    to_out(&m)
}

fn require_enabled(e: &EndpointRow) -> AppResult<()> {
    if e.enabled {
        Ok(())
    } else {
        Err(AppError::new(
            ErrorCode::Conflict,
            format!("Endpoint `{}` is disabled: enable it first.", e.id),
        ))
    }
}

/// Sends again every message of the endpoint that failed since `since` (unix seconds).
pub async fn replay(
    state: &AppState,
    actor: &Actor,
    endpoint_id: &str,
    since: i64,
) -> AppResult<ReplayOut> {
    let access = Access::of(state, actor).await?;
    let e = access::endpoint(state, &access, endpoint_id).await?;
    require_enabled(&e)?;
    if since < 0 || since > now_ms() / 1000 + 60 {
        return Err(AppError::field(
            ErrorCode::ValidationFailed,
            "since",
            "invalid",
            "`since` is a time in the past, in unix seconds.",
        ));
    }
    let ids = msgs::failed_since(
        &mut *state.db.conn().await?,
        &e.id,
        since * 1000,
        MAX_REPLAY,
    )
    .await?;
    let mut queued = 0;
    for chunk in ids.chunks(500) {
        let mut tx = state.db.begin().await?;
        for id in chunk {
            if let Some(m) = msgs::message(&mut tx, id).await? {
                if m.state == "failed"
                    && !trellis_db::jobs::is_running(&mut tx, DELIVER, id).await?
                {
                    requeue(&mut tx, state, &m).await?;
                    queued += 1;
                }
            }
        }
        tx.commit().await?;
    }
    trellis_events::jobs::wake();
    Ok(ReplayOut { queued })
}

/// Sends the endpoint a `webhook.test` event (to it alone: the event is not
/// written to the log).
pub async fn send_test(
    state: &AppState,
    actor: &Actor,
    endpoint_id: &str,
) -> AppResult<MessageOut> {
    let access = Access::of(state, actor).await?;
    let e = access::endpoint(state, &access, endpoint_id).await?;
    require_enabled(&e)?;
    let data = trellis_events::catalogue::WebhookTest {
        endpoint_id: e.id.clone(),
        namespace: e.namespace.clone(),
        message: "Test event from Trellis".into(),
    };
    let now = now_ms();
    let event_id = trellis_events::id::new_event_id(now);
    let envelope = trellis_types::EventOut {
        id: event_id.clone(),
        kind: "webhook.test".into(),
        occurred_at: trellis_events::emit::timestamp(now),
        actor: trellis_types::EventActor {
            kind: "user".into(),
            user_id: Some(actor.user.id),
            username: Some(actor.user.username.clone()),
            token_id: actor.token_id(),
        },
        subject: trellis_types::EventSubject {
            kind: "webhook_endpoint".into(),
            id: e.id.clone(),
        },
        namespace: e.namespace.clone(),
        data: serde_json::to_value(&data).map_err(AppError::internal)?,
    };
    let envelope = serde_json::to_string(&envelope).map_err(AppError::internal)?;
    let mut tx = state.db.begin().await?;
    queue(&mut tx, state, &e, &event_id, "webhook.test", &envelope).await?;
    tx.commit().await?;
    trellis_events::jobs::wake();
    let (rows, _) = list(
        state,
        actor,
        &MessageQuery {
            endpoint_id: Some(e.id.clone()),
            event_id: Some(event_id),
            ..MessageQuery::default()
        },
        None,
        1,
    )
    .await?;
    rows.into_iter()
        .next()
        .ok_or_else(|| AppError::internal("the test message just queued is missing"))
}

/// Deletes attempts, and finished messages, older than
/// `webhooks.attempt_retention_days`; returns how many messages went.
pub async fn prune(state: &AppState) -> AppResult<u64> {
    let before = now_ms() - state.config.webhooks.attempt_retention_days as i64 * 86_400_000;
    let mut c = state.db.conn().await?;
    trellis_db::webhook_attempts::prune(&mut c, before).await?;
    Ok(msgs::prune_messages(&mut c, before).await?)
}
