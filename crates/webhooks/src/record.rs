//! Recording attempts: what an attempt decides (delivered, tried again on the
//! schedule, failed; its endpoint disabled) and the write that makes it so. An
//! attempt, its message's state, its endpoint's failure record and its job's
//! outcome commit together.
//!
//! The deliveries of one process record their attempts together
//! ([`crate::coalesce`]): the attempts finished while one transaction commits
//! go in the next, with their rows written by a few statements for the whole
//! batch. Should that transaction fail, each attempt is written again in a
//! transaction of its own, so one bad row (a message deleted with its endpoint
//! meanwhile) costs no other delivery its record.

use std::collections::HashMap;
use std::time::Duration;

use trellis_db::jobs::ClaimedJob;
use trellis_db::now_ms;
use trellis_db::webhook_attempts::AttemptRow;
use trellis_db::webhook_messages::{self as msgs, MessageAttempt};
use trellis_db::webhooks::{self as db, EndpointRow};
use trellis_events::jobs::backoff;
use trellis_platform::{AppError, AppResult, AppState};

use crate::deliver::Outcome;

/// One finished attempt, waiting to be recorded.
pub(crate) struct Attempted {
    pub job: ClaimedJob,
    pub endpoint: EndpointRow,
    pub message_id: String,
    /// The request headers sent, as a JSON object.
    pub request_headers: String,
    /// When it started (unix ms).
    pub at: i64,
    pub latency: Duration,
    pub outcome: Outcome,
}

/// What an attempt decides.
struct Plan {
    /// `delivered`, `pending` (tried again at `next_at`) or `failed`.
    state: &'static str,
    next_at: Option<i64>,
    /// Why its endpoint is disabled by it: `gone`, `failing`.
    disable: Option<&'static str>,
}

fn plan(state: &AppState, a: &Attempted, now: i64) -> Plan {
    let cfg = &state.config.webhooks;
    let o = &a.outcome;
    let last = a.job.attempts >= a.job.max_attempts;
    let next_delay = o.retry_after.unwrap_or_else(|| {
        backoff(
            &cfg.retry_schedule[1.min(cfg.retry_schedule.len() - 1)..],
            a.job.attempts,
        )
    });
    let mut disable = None;
    if !o.success {
        let failing_since = a.endpoint.failing_since.unwrap_or(a.at);
        if o.kind == Some("gone") {
            disable = Some("gone");
        } else if let Some(after) = cfg.disable_after_failing {
            if now - failing_since >= after.as_millis() as i64 {
                disable = Some("failing");
            }
        }
    }
    let state = match (o.success, last || disable.is_some()) {
        (true, _) => "delivered",
        (false, true) => "failed",
        (false, false) => "pending",
    };
    Plan {
        state,
        next_at: (state == "pending").then(|| now + next_delay.as_millis() as i64),
        disable,
    }
}

/// Records a batch of attempts; one answer per attempt, in order.
pub(crate) async fn write(state: &AppState, batch: Vec<Attempted>) -> Vec<Result<(), String>> {
    let now = now_ms();
    let plans: Vec<Plan> = batch.iter().map(|a| plan(state, a, now)).collect();
    let items: Vec<(&Attempted, &Plan)> = batch.iter().zip(&plans).collect();
    if write_all(state, &items, now).await.is_ok() {
        return vec![Ok(()); items.len()];
    }
    // One at a time, so that one bad row fails only its own attempt.
    let mut answers = Vec::with_capacity(items.len());
    for item in &items {
        answers.push(
            write_all(state, std::slice::from_ref(item), now)
                .await
                .map_err(|e| format!("cannot record the attempt: {e:?}")),
        );
    }
    answers
}

async fn write_all(state: &AppState, items: &[(&Attempted, &Plan)], now: i64) -> AppResult<()> {
    let mut tx = state.db.begin().await?;
    let attempts: Vec<AttemptRow> = items
        .iter()
        .map(|(a, _)| AttemptRow {
            id: 0,
            message_id: a.message_id.clone(),
            endpoint_id: a.endpoint.id.clone(),
            attempted_at: a.at,
            success: a.outcome.success,
            status_code: a.outcome.status.map(i64::from),
            latency_ms: a.latency.as_millis() as i64,
            error_kind: a.outcome.kind.map(str::to_owned),
            error: a.outcome.error.clone(),
            request_headers: a.request_headers.clone(),
            response_headers: a
                .outcome
                .response_headers
                .as_ref()
                .and_then(|h| serde_json::to_string(h).ok()),
            response_body: a.outcome.response_body.clone(),
        })
        .collect();
    trellis_db::webhook_attempts::insert_many(&mut tx, &attempts).await?;
    let messages: Vec<MessageAttempt> = items
        .iter()
        .map(|(a, p)| MessageAttempt {
            id: &a.message_id,
            state: p.state,
            status: a.outcome.status.map(i64::from),
            error: a.outcome.error.as_deref(),
            at: a.at,
            next_attempt_at: p.next_at,
        })
        .collect();
    msgs::messages_attempted(&mut tx, &messages).await?;
    endpoints(&mut tx, items, now).await?;
    // The jobs' outcomes commit with the attempts (one write instead of two).
    let mut lost = 0;
    let mut delivered: HashMap<&str, Vec<i64>> = HashMap::new();
    for (a, p) in items {
        let error = a.outcome.error.as_deref().unwrap_or_default();
        let (j, by) = (a.job.id, a.job.claimed_by.as_str());
        match (p.state, p.next_at) {
            ("delivered", _) => delivered.entry(by).or_default().push(j),
            ("pending", Some(at)) => {
                lost += u64::from(!trellis_db::jobs::retry(&mut tx, j, by, at, error).await?)
            }
            _ => lost += u64::from(!trellis_db::jobs::fail(&mut tx, j, by, error).await?),
        }
    }
    for (by, ids) in &delivered {
        lost += ids.len() as u64 - trellis_db::jobs::complete_many(&mut tx, ids, by).await?;
    }
    if lost > 0 {
        tracing::warn!(
            deliveries = lost,
            "deliveries' leases ran out before they finished; they were claimed again"
        );
    }
    tx.commit().await?;
    Ok(())
}

/// The attempts' effect on their endpoints, in the order they happened. Without
/// a reason to disable, `failing_since` is all an attempt changes on its
/// endpoint, and an endpoint's run of attempts comes down to at most two
/// conditional writes, right whatever other processes' attempts did: cleared
/// by its last success, set by the first failure after it. An attempt that
/// disables its endpoint reads the endpoint as it is now and writes it back
/// disabled, saying so with an event.
async fn endpoints(
    tx: &mut trellis_db::Tx,
    items: &[(&Attempted, &Plan)],
    now: i64,
) -> AppResult<()> {
    // Per endpoint, since its last write: whether a success came, and the
    // time of the first failure after the last success.
    let mut runs: Vec<(&str, bool, Option<i64>)> = Vec::new();
    for (a, p) in items {
        let id = a.endpoint.id.as_str();
        if p.disable.is_some() {
            if let Some(i) = runs.iter().position(|r| r.0 == id) {
                let run = runs.remove(i);
                mark(tx, run).await?;
            }
            disable(tx, a, p, now).await?;
            continue;
        }
        let run = match runs.iter_mut().find(|r| r.0 == id) {
            Some(r) => r,
            None => {
                runs.push((id, false, None));
                runs.last_mut().expect("just pushed")
            }
        };
        if a.outcome.success {
            *run = (id, true, None);
        } else if run.2.is_none() {
            run.2 = Some(a.at);
        }
    }
    for run in runs {
        mark(tx, run).await?;
    }
    Ok(())
}

async fn mark(
    tx: &mut trellis_db::Tx,
    (id, cleared, failed): (&str, bool, Option<i64>),
) -> AppResult<()> {
    if cleared {
        db::mark_failing_since(tx, id, true, 0).await?;
    }
    if let Some(at) = failed {
        db::mark_failing_since(tx, id, false, at).await?;
    }
    Ok(())
}

async fn disable(tx: &mut trellis_db::Tx, a: &Attempted, p: &Plan, now: i64) -> AppResult<()> {
    let Some(mut current) = db::endpoint(tx, &a.endpoint.id).await? else {
        return Ok(());
    };
    let before = current.clone();
    current.failing_since = if a.outcome.success {
        None
    } else {
        Some(current.failing_since.unwrap_or(a.at))
    };
    if let (Some(reason), true) = (p.disable, current.enabled) {
        current.enabled = false;
        current.disabled_reason = Some(reason.into());
        current.disabled_at = Some(now);
        current.updated_at = now;
        trellis_events::emit(
            tx,
            &trellis_events::Actor::System,
            &trellis_events::catalogue::WebhookEndpointDisabled {
                endpoint_id: current.id.clone(),
                namespace: current.namespace.clone(),
                reason: reason.into(),
                failing_since: current.failing_since.map(|t| t / 1000),
                last_error: a.outcome.error.clone().unwrap_or_default(),
            },
        )
        .await
        .map_err(|err| AppError::internal(err.to_string()))?;
    }
    if current != before {
        db::update_endpoint(tx, &current).await?;
    }
    Ok(())
}
