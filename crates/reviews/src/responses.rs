//! What others do with a review: the publisher's reply (one per review,
//! changed or removed), helpful votes (once per user, never on one's own) and
//! abuse reports (once per user, never on one's own).

use super::*;
use crate::rules::*;

/// Replies to a review as a member of the plugin's namespace (or changes the
/// reply); `true` when the reply is new.
pub async fn reply(
    state: &AppState,
    actor: &Actor,
    plugin_id: &str,
    id: i64,
    input: ReplyIn,
) -> AppResult<(bool, ReviewOut)> {
    actor.require(Scope::Publish)?;
    let mut c = state.db.conn().await?;
    let p = plugin(&mut c, plugin_id).await?;
    if !is_member(&mut c, &p, actor.user.id).await? {
        return Err(trellis_platform::registry::not_member(&p.namespace));
    }
    visible_review(&mut c, &p.id, id).await?;
    drop(c);
    let mut errors = Vec::new();
    let body = check_body("text", &input.text, MAX_TEXT, &mut errors);
    fail_if("The reply was not saved: fix the fields listed.", errors)?;
    let mut tx = state.db.begin().await?;
    let before = review(&mut tx, &p.id, id).await?;
    count_write(&mut tx, actor).await?;
    db::set_reply(&mut tx, id, Some((&body, actor.user.id)), now()).await?;
    emit(
        &mut tx,
        &event_actor(actor),
        &ev::ReviewReplied {
            plugin: p.id.clone(),
            namespace: p.namespace.clone(),
            review_id: id,
            replied: true,
        },
    )
    .await?;
    let row = review(&mut tx, &p.id, id).await?;
    tx.commit().await?;
    Ok((before.reply_body.is_none(), to_out(row)))
}

/// Removes the reply to a review (a member of the plugin's namespace).
pub async fn delete_reply(
    state: &AppState,
    actor: &Actor,
    plugin_id: &str,
    id: i64,
) -> AppResult<()> {
    actor.require(Scope::Publish)?;
    let mut tx = state.db.begin().await?;
    let p = plugin(&mut tx, plugin_id).await?;
    if !is_member(&mut tx, &p, actor.user.id).await? {
        return Err(trellis_platform::registry::not_member(&p.namespace));
    }
    let r = review(&mut tx, &p.id, id).await?;
    if r.reply_body.is_none() {
        return Ok(());
    }
    db::set_reply(&mut tx, id, None, now()).await?;
    emit(
        &mut tx,
        &event_actor(actor),
        &ev::ReviewReplied {
            plugin: p.id.clone(),
            namespace: p.namespace.clone(),
            review_id: id,
            replied: false,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Marks a review helpful (once per user, never one's own); returns it.
pub async fn vote(
    state: &AppState,
    actor: &Actor,
    plugin_id: &str,
    id: i64,
) -> AppResult<ReviewOut> {
    actor.require(Scope::Publish)?;
    let mut tx = state.db.begin().await?;
    let p = plugin(&mut tx, plugin_id).await?;
    let r = visible_review(&mut tx, &p.id, id).await?;
    if r.user_id == actor.user.id {
        return Err(AppError::forbidden("You cannot vote for your own review."));
    }
    let helpful = db::vote(&mut tx, id, actor.user.id, now())
        .await
        .map_err(|e| match e {
            DbError::Conflict => AppError::new(
                ErrorCode::Conflict,
                "You marked this review helpful already.",
            ),
            other => other.into(),
        })?;
    emit(
        &mut tx,
        &event_actor(actor),
        &ev::ReviewVoted {
            plugin: p.id.clone(),
            namespace: p.namespace.clone(),
            review_id: id,
            voted: true,
            helpful,
        },
    )
    .await?;
    let row = review(&mut tx, &p.id, id).await?;
    tx.commit().await?;
    Ok(to_out(row))
}

/// Withdraws one's helpful vote (nothing happens when there is none).
pub async fn unvote(state: &AppState, actor: &Actor, plugin_id: &str, id: i64) -> AppResult<()> {
    actor.require(Scope::Publish)?;
    let mut tx = state.db.begin().await?;
    let p = plugin(&mut tx, plugin_id).await?;
    review(&mut tx, &p.id, id).await?;
    let Some(helpful) = db::unvote(&mut tx, id, actor.user.id).await? else {
        return Ok(());
    };
    emit(
        &mut tx,
        &event_actor(actor),
        &ev::ReviewVoted {
            plugin: p.id.clone(),
            namespace: p.namespace.clone(),
            review_id: id,
            voted: false,
            helpful,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Reports a review for abuse (once per user, never one's own).
pub async fn report(
    state: &AppState,
    actor: &Actor,
    plugin_id: &str,
    id: i64,
    input: ReportIn,
) -> AppResult<ReportOut> {
    actor.require(Scope::Publish)?;
    let mut c = state.db.conn().await?;
    let p = plugin(&mut c, plugin_id).await?;
    let r = visible_review(&mut c, &p.id, id).await?;
    drop(c);
    if r.user_id == actor.user.id {
        return Err(AppError::forbidden("You cannot report your own review."));
    }
    let mut errors = Vec::new();
    let reason = input.reason.trim();
    if !REASONS.contains(&reason) {
        errors.push(invalid(
            "reason",
            "unknown",
            "The reason is one of spam, abuse, off_topic, other.",
        ));
    }
    let detail = text::clean_text(input.text.as_deref().unwrap_or(""));
    if detail.chars().count() > MAX_REPORT_TEXT {
        errors.push(invalid(
            "text",
            "too_long",
            format!("At most {MAX_REPORT_TEXT} characters."),
        ));
    }
    fail_if("The report was not saved: fix the fields listed.", errors)?;
    let now = now();
    let mut tx = state.db.begin().await?;
    count_write(&mut tx, actor).await?;
    db::report(&mut tx, id, actor.user.id, reason, &detail, now)
        .await
        .map_err(|e| match e {
            DbError::Conflict => {
                AppError::new(ErrorCode::Conflict, "You reported this review already.")
            }
            other => other.into(),
        })?;
    let reports = db::report_count(&mut tx, id).await?;
    emit(
        &mut tx,
        &event_actor(actor),
        &ev::ReviewReported {
            plugin: p.id.clone(),
            review_id: id,
            reason: reason.to_owned(),
            reports,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(ReportOut {
        review_id: id,
        reason: reason.to_owned(),
        text: detail,
        created_at: now,
    })
}
