//! Endpoints as a service: create, list, read, change, delete, reveal and rotate
//! the secret. Every input is checked field by field before anything is saved
//! (a bad URL, an unknown event type, a malformed filter, oversized headers, a
//! secret in the wrong form: `422` naming each field); every change writes its
//! event in the same transaction. Secrets are sealed at rest.

use trellis_db::now_ms;
use trellis_db::webhooks::{self as db, EndpointRow};
use trellis_platform::events::{actor as event_actor, emit};
use trellis_platform::seal::Sealer;
use trellis_platform::{Actor, AppError, AppResult, AppState};
use trellis_types::{
    EndpointHealth, EndpointIn, EndpointOut, EndpointPatch, EndpointSecretOut, ErrorCode,
    FieldError, RotateSecretIn,
};

use crate::access::{self, Access};
use crate::signing::Secret;
use crate::validate::*;

/// Endpoints listed per page, at most.
pub const MAX_PAGE: i64 = 100;
/// A namespace's endpoints, at most (an instance's instance-wide ones too).
pub const MAX_ENDPOINTS_PER_OWNER: i64 = 50;

/// The sealer of endpoint secrets.
pub fn sealer(state: &AppState) -> Sealer {
    Sealer::new(&state.session_key[..], "webhook-secrets")
}

fn seal_context(endpoint_id: &str) -> String {
    format!("webhook_endpoints:{endpoint_id}")
}

/// The endpoint's current secret and, during a rotation, the previous one.
pub fn secrets(state: &AppState, e: &EndpointRow) -> AppResult<Vec<Secret>> {
    let s = sealer(state);
    let open = |sealed: &str| -> AppResult<Secret> {
        let plain = s.open(&seal_context(&e.id), sealed).ok_or_else(|| {
            AppError::internal(format!(
                "the secret of {} does not open: was the session secret changed?",
                e.id
            ))
        })?;
        let text =
            String::from_utf8(plain).map_err(|_| AppError::internal("secret is not text"))?;
        Secret::parse(&text).map_err(|err| AppError::internal(err.to_string()))
    };
    let mut out = vec![open(&e.secret)?];
    if let (Some(prev), Some(until)) = (&e.previous_secret, e.previous_secret_until) {
        if until > now_ms() {
            out.push(open(prev)?);
        }
    }
    Ok(out)
}

fn host_of(url: &str) -> String {
    url::Url::parse(url)
        .ok()
        .and_then(|u| u.host_str().map(str::to_owned))
        .unwrap_or_default()
}

/// Creates an endpoint.
pub async fn create(state: &AppState, actor: &Actor, input: EndpointIn) -> AppResult<EndpointOut> {
    let access = Access::of(state, actor).await?;
    let namespace = input
        .namespace
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty());
    if let Some(ns) = namespace {
        let found = trellis_db::namespaces::by_name(&mut *state.db.conn().await?, ns).await?;
        if found.is_none() {
            return Err(AppError::validation(
                "The endpoint was not saved: fix the fields listed.",
                vec![FieldError {
                    field: "namespace".into(),
                    code: "unknown".into(),
                    detail: format!("There is no namespace `{ns}`."),
                }],
            ));
        }
    }
    access.require_for(namespace)?;
    let mut errors = Vec::new();
    let url = check_url(state, &input.url, &mut errors);
    if input.description.chars().count() > MAX_DESCRIPTION {
        errors.push(invalid(
            "description",
            format!("At most {MAX_DESCRIPTION} characters."),
        ));
    }
    let types = check_types(
        input.event_types.as_deref().unwrap_or(&["*".to_owned()]),
        &mut errors,
    );
    let filter = input
        .filter
        .as_ref()
        .and_then(|f| check_filter(f, &mut errors));
    check_headers(&input.headers, &mut errors);
    if let Some(r) = input.rate_limit_per_sec {
        check_rate(r, &mut errors);
    }
    let format = check_format(input.format.as_deref().unwrap_or("standard"), &mut errors);
    let secret = match &input.secret {
        Some(s) => check_secret(s, &mut errors),
        None => Some(Secret::generate()),
    };
    fail_if(errors)?;
    let (Some(url), Some(secret)) = (url, secret) else {
        return Err(AppError::internal("validated endpoint lost a field"));
    };
    let now = now_ms();
    let id = trellis_events::id::new_event_id(now).replacen("evt_", "ep_", 1);
    let row = EndpointRow {
        id: id.clone(),
        namespace: namespace.map(str::to_owned),
        url: url.to_string(),
        description: input.description.trim().to_owned(),
        event_types: serde_json::to_string(&types).map_err(AppError::internal)?,
        filter,
        headers: serde_json::to_string(&input.headers).map_err(AppError::internal)?,
        rate_limit_per_sec: input.rate_limit_per_sec,
        format: format.as_str().to_owned(),
        enabled: input.enabled.unwrap_or(true),
        disabled_reason: (!input.enabled.unwrap_or(true)).then(|| "manual".to_owned()),
        disabled_at: (!input.enabled.unwrap_or(true)).then_some(now),
        secret: sealer(state).seal(&seal_context(&id), secret.to_string().as_bytes()),
        previous_secret: None,
        previous_secret_until: None,
        failing_since: None,
        created_by: Some(actor.user.id),
        created_at: now,
        updated_at: now,
    };
    let mut tx = state.db.begin().await?;
    let owned = db::list_endpoints(
        &mut tx,
        &match &row.namespace {
            Some(n) => db::Scope::Namespaces(std::slice::from_ref(n)),
            None => db::Scope::All,
        },
        None,
        MAX_ENDPOINTS_PER_OWNER + 1,
    )
    .await?
    .into_iter()
    .filter(|e| e.namespace == row.namespace)
    .count() as i64;
    if owned >= MAX_ENDPOINTS_PER_OWNER {
        return Err(AppError::new(
            ErrorCode::Conflict,
            format!(
                "There are already {MAX_ENDPOINTS_PER_OWNER} endpoints here: delete one first."
            ),
        ));
    }
    db::insert_endpoint(&mut tx, &row).await?;
    emit(
        &mut tx,
        &event_actor(actor),
        &trellis_events::catalogue::WebhookEndpointCreated {
            endpoint_id: id.clone(),
            namespace: row.namespace.clone(),
            host: host_of(&row.url),
            event_types: types,
            format: row.format.clone(),
        },
    )
    .await?;
    tx.commit().await?;
    let health = crate::stats::health(state, std::slice::from_ref(&row.id)).await?;
    to_out(
        &row,
        health.into_iter().next().map(|h| h.1).unwrap_or_default(),
    )
}

/// The endpoint as the API shows it.
pub fn to_out(e: &EndpointRow, health: EndpointHealth) -> AppResult<EndpointOut> {
    let now = now_ms();
    Ok(EndpointOut {
        id: e.id.clone(),
        namespace: e.namespace.clone(),
        url: e.url.clone(),
        description: e.description.clone(),
        event_types: trellis_db::json_column("webhook_endpoints.event_types", &e.event_types)?,
        filter: e
            .filter
            .as_deref()
            .map(|f| trellis_db::json_column("webhook_endpoints.filter", f))
            .transpose()?,
        headers: trellis_db::json_column("webhook_endpoints.headers", &e.headers)?,
        rate_limit_per_sec: e.rate_limit_per_sec,
        format: e.format.clone(),
        enabled: e.enabled,
        disabled_reason: e.disabled_reason.clone(),
        disabled_at: e.disabled_at.map(|t| t / 1000),
        failing_since: e.failing_since.map(|t| t / 1000),
        rotating: e.previous_secret_until.is_some_and(|t| t > now),
        created_at: e.created_at / 1000,
        updated_at: e.updated_at / 1000,
        health,
    })
}

/// One endpoint.
pub async fn get(state: &AppState, actor: &Actor, id: &str) -> AppResult<EndpointOut> {
    let access = Access::of(state, actor).await?;
    let row = access::endpoint(state, &access, id).await?;
    let health = crate::stats::health(state, std::slice::from_ref(&row.id)).await?;
    to_out(
        &row,
        health.into_iter().next().map(|h| h.1).unwrap_or_default(),
    )
}

/// A page of the endpoints the actor sees, newest first; with the cursor of
/// the next page when this one was full.
pub async fn list(
    state: &AppState,
    actor: &Actor,
    namespace: Option<&str>,
    cursor: Option<&str>,
    limit: i64,
) -> AppResult<(Vec<EndpointOut>, Option<String>)> {
    let access = Access::of(state, actor).await?;
    let narrowed;
    let scope = match namespace {
        Some(n) => {
            if !access.covers(Some(n)) {
                return Ok((Vec::new(), None));
            }
            narrowed = vec![n.to_owned()];
            db::Scope::Namespaces(&narrowed)
        }
        None => access.db_scope(),
    };
    let rows = db::list_endpoints(&mut *state.db.conn().await?, &scope, cursor, limit).await?;
    let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
    let health = crate::stats::health(state, &ids).await?;
    let next = (rows.len() as i64 >= limit)
        .then(|| rows.last().map(|r| r.id.clone()))
        .flatten();
    let out = rows
        .iter()
        .map(|r| {
            let h = health
                .iter()
                .find(|(id, _)| *id == r.id)
                .map(|h| h.1.clone());
            to_out(r, h.unwrap_or_default())
        })
        .collect::<AppResult<Vec<_>>>()?;
    Ok((out, next))
}

/// Changes an endpoint.
pub async fn update(
    state: &AppState,
    actor: &Actor,
    id: &str,
    patch: EndpointPatch,
) -> AppResult<EndpointOut> {
    let access = Access::of(state, actor).await?;
    access::endpoint(state, &access, id).await?;
    let mut errors = Vec::new();
    let mut changed: Vec<&str> = Vec::new();
    let mut tx = state.db.begin().await?;
    let mut row = db::endpoint(&mut tx, id)
        .await?
        .ok_or_else(|| AppError::not_found(format!("Webhook endpoint `{id}`")))?;
    if let Some(u) = &patch.url {
        if let Some(u) = check_url(state, u, &mut errors) {
            if row.url != u.as_str() {
                row.url = u.to_string();
                changed.push("url");
            }
        }
    }
    if let Some(d) = &patch.description {
        if d.chars().count() > MAX_DESCRIPTION {
            errors.push(invalid(
                "description",
                format!("At most {MAX_DESCRIPTION} characters."),
            ));
        } else if row.description != d.trim() {
            row.description = d.trim().to_owned();
            changed.push("description");
        }
    }
    if let Some(t) = &patch.event_types {
        let types =
            serde_json::to_string(&check_types(t, &mut errors)).map_err(AppError::internal)?;
        if row.event_types != types {
            row.event_types = types;
            changed.push("event_types");
        }
    }
    if let Some(f) = &patch.filter {
        let filter = check_filter(f, &mut errors);
        if row.filter != filter {
            row.filter = filter;
            changed.push("filter");
        }
    }
    if let Some(h) = &patch.headers {
        check_headers(h, &mut errors);
        let h = serde_json::to_string(h).map_err(AppError::internal)?;
        if row.headers != h {
            row.headers = h;
            changed.push("headers");
        }
    }
    if let Some(r) = patch.rate_limit_per_sec {
        let r = (r != 0).then_some(r);
        if let Some(r) = r {
            check_rate(r, &mut errors);
        }
        if row.rate_limit_per_sec != r {
            row.rate_limit_per_sec = r;
            changed.push("rate_limit_per_sec");
        }
    }
    if let Some(f) = &patch.format {
        let f = check_format(f, &mut errors).as_str().to_owned();
        if row.format != f {
            row.format = f;
            changed.push("format");
        }
    }
    fail_if(errors)?;
    let now = now_ms();
    if let Some(on) = patch.enabled {
        if on != row.enabled {
            row.enabled = on;
            row.disabled_reason = (!on).then(|| "manual".to_owned());
            row.disabled_at = (!on).then_some(now);
            // Enabled again: its failure record starts afresh.
            row.failing_since = None;
            changed.push("enabled");
        }
    }
    if !changed.is_empty() {
        row.updated_at = now;
        db::update_endpoint(&mut tx, &row).await?;
        emit(
            &mut tx,
            &event_actor(actor),
            &trellis_events::catalogue::WebhookEndpointUpdated {
                endpoint_id: row.id.clone(),
                namespace: row.namespace.clone(),
                changed: changed.iter().map(|c| (*c).to_owned()).collect(),
                enabled: row.enabled,
            },
        )
        .await?;
    }
    tx.commit().await?;
    let health = crate::stats::health(state, std::slice::from_ref(&row.id)).await?;
    to_out(
        &row,
        health.into_iter().next().map(|h| h.1).unwrap_or_default(),
    )
}

/// Deletes an endpoint with its delivery log.
pub async fn delete(state: &AppState, actor: &Actor, id: &str) -> AppResult<()> {
    let access = Access::of(state, actor).await?;
    let row = access::endpoint(state, &access, id).await?;
    let mut tx = state.db.begin().await?;
    if db::delete_endpoint(&mut tx, id).await? {
        emit(
            &mut tx,
            &event_actor(actor),
            &trellis_events::catalogue::WebhookEndpointDeleted {
                endpoint_id: row.id.clone(),
                namespace: row.namespace.clone(),
            },
        )
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// The endpoint's current secret.
pub async fn secret(state: &AppState, actor: &Actor, id: &str) -> AppResult<EndpointSecretOut> {
    let access = Access::of(state, actor).await?;
    let row = access::endpoint(state, &access, id).await?;
    let current = secrets(state, &row)?
        .into_iter()
        .next()
        .ok_or_else(|| AppError::internal("an endpoint without a secret"))?;
    Ok(EndpointSecretOut {
        secret: current.to_string(),
        previous_secret_until: row
            .previous_secret_until
            .filter(|t| *t > now_ms())
            .map(|t| t / 1000),
    })
}

/// Rotates the secret: the new one signs at once, the previous one too for
/// `webhooks.secret_rotation_overlap_secs`.
pub async fn rotate(
    state: &AppState,
    actor: &Actor,
    id: &str,
    input: RotateSecretIn,
) -> AppResult<EndpointSecretOut> {
    let access = Access::of(state, actor).await?;
    access::endpoint(state, &access, id).await?;
    let mut errors = Vec::new();
    let new = match &input.secret {
        Some(s) => check_secret(s, &mut errors),
        None => Some(Secret::generate()),
    };
    if !errors.is_empty() {
        return Err(AppError::validation("The secret was not rotated.", errors));
    }
    let new = new.ok_or_else(|| AppError::internal("validated secret lost"))?;
    let mut tx = state.db.begin().await?;
    let mut row = db::endpoint(&mut tx, id)
        .await?
        .ok_or_else(|| AppError::not_found(format!("Webhook endpoint `{id}`")))?;
    let now = now_ms();
    let until = now + state.config.webhooks.secret_rotation_overlap.as_millis() as i64;
    row.previous_secret = Some(row.secret.clone());
    row.previous_secret_until = Some(until);
    row.secret = sealer(state).seal(&seal_context(&row.id), new.to_string().as_bytes());
    row.updated_at = now;
    db::update_endpoint(&mut tx, &row).await?;
    emit(
        &mut tx,
        &event_actor(actor),
        &trellis_events::catalogue::WebhookEndpointSecretRotated {
            endpoint_id: row.id.clone(),
            namespace: row.namespace.clone(),
            previous_secret_until: until / 1000,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(EndpointSecretOut {
        secret: new.to_string(),
        previous_secret_until: Some(until / 1000),
    })
}
