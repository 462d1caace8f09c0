//! What moderators do to content: hide a review and show it again, delist a
//! plugin and list it again; and a plugin's delisting as anyone may read it.

use trellis_db::moderation::{self as db, Kind};
use trellis_events::catalogue as ev;
use trellis_platform::events::{actor as event_actor, emit};
use trellis_platform::{Actor, AppError, AppResult, AppState};
use trellis_types::{DelistingOut, ModerationIn, ReviewOut};

use crate::reports::delisting_out;
use crate::{plugin, reason};

async fn review_row(
    c: &mut trellis_db::AnyConnection,
    review_id: i64,
) -> AppResult<trellis_db::reviews::ReviewRow> {
    let not_found = || AppError::not_found(format!("Review {review_id}"));
    let plugin_id = db::review_plugin(c, review_id)
        .await?
        .ok_or_else(not_found)?;
    trellis_db::reviews::get(c, &plugin_id, review_id)
        .await?
        .ok_or_else(not_found)
}

/// Hides a review (admins) with a reason its author will read, resolving its
/// open reports as `hidden`. Hiding it again with another reason replaces the
/// reason; with the same one it changes nothing.
pub async fn hide_review(
    state: &AppState,
    actor: &Actor,
    review_id: i64,
    input: ModerationIn,
) -> AppResult<ReviewOut> {
    actor.require_admin()?;
    let why = reason(&input.reason, "review was not hidden")?;
    let mut tx = state.db.begin().await?;
    let r = review_row(&mut tx, review_id).await?;
    if r.hidden_at.is_some() && r.hidden_reason.as_deref() == Some(why.as_str()) {
        return Ok(trellis_reviews::to_out(r));
    }
    let p = plugin(&mut tx, &r.plugin_id).await?;
    let now = trellis_db::now();
    db::set_review_hidden(&mut tx, r.id, Some((&why, actor.user.id)), now).await?;
    let resolved = db::resolve(
        &mut tx,
        Kind::Review,
        &r.id.to_string(),
        actor.user.id,
        "hidden",
        now,
    )
    .await? as i64;
    emit(
        &mut tx,
        &event_actor(actor),
        &ev::ReviewHidden {
            plugin: p.id.clone(),
            namespace: p.namespace.clone(),
            review_id: r.id,
            reason: why,
            resolved_reports: resolved,
        },
    )
    .await?;
    let row = review_row(&mut tx, review_id).await?;
    tx.commit().await?;
    Ok(trellis_reviews::to_out(row))
}

/// Shows a hidden review again (admins); a review that is not hidden stays as
/// it is.
pub async fn restore_review(
    state: &AppState,
    actor: &Actor,
    review_id: i64,
) -> AppResult<ReviewOut> {
    actor.require_admin()?;
    let mut tx = state.db.begin().await?;
    let r = review_row(&mut tx, review_id).await?;
    if r.hidden_at.is_none() {
        return Ok(trellis_reviews::to_out(r));
    }
    let p = plugin(&mut tx, &r.plugin_id).await?;
    db::set_review_hidden(&mut tx, r.id, None, trellis_db::now()).await?;
    emit(
        &mut tx,
        &event_actor(actor),
        &ev::ReviewRestored {
            plugin: p.id.clone(),
            namespace: p.namespace.clone(),
            review_id: r.id,
        },
    )
    .await?;
    let row = review_row(&mut tx, review_id).await?;
    tx.commit().await?;
    Ok(trellis_reviews::to_out(row))
}

/// A plugin's delisting, if it is delisted (public); `not_found` for an
/// unknown plugin.
pub async fn delisting(state: &AppState, plugin_id: &str) -> AppResult<Option<DelistingOut>> {
    let mut c = state.db.conn().await?;
    let p = plugin(&mut c, plugin_id).await?;
    Ok(db::plugin_briefs(&mut c, std::slice::from_ref(&p.id))
        .await?
        .first()
        .and_then(delisting_out))
}

/// Delists a plugin (admins) with a public reason, resolving its open reports
/// as `delisted`. Delisting it again with another reason replaces the reason;
/// with the same one it changes nothing.
pub async fn delist(
    state: &AppState,
    actor: &Actor,
    plugin_id: &str,
    input: ModerationIn,
) -> AppResult<DelistingOut> {
    actor.require_admin()?;
    let why = reason(&input.reason, "plugin was not delisted")?;
    let mut tx = state.db.begin().await?;
    let p = plugin(&mut tx, plugin_id).await?;
    let before = db::plugin_briefs(&mut tx, std::slice::from_ref(&p.id))
        .await?
        .pop();
    if let Some(d) = before.as_ref().and_then(delisting_out) {
        if d.reason == why {
            return Ok(d);
        }
    }
    let now = trellis_db::now();
    db::set_delisted(&mut tx, &p.id, Some((&why, actor.user.id)), now).await?;
    let resolved =
        db::resolve(&mut tx, Kind::Plugin, &p.id, actor.user.id, "delisted", now).await? as i64;
    emit(
        &mut tx,
        &event_actor(actor),
        &ev::PluginDelisted {
            plugin: p.id.clone(),
            namespace: p.namespace.clone(),
            reason: why.clone(),
            resolved_reports: resolved,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(DelistingOut {
        plugin: p.id,
        reason: why,
        delisted_at: now,
    })
}

/// Lists a delisted plugin again (admins); one that is listed stays as it is.
pub async fn relist(state: &AppState, actor: &Actor, plugin_id: &str) -> AppResult<()> {
    actor.require_admin()?;
    let mut tx = state.db.begin().await?;
    let p = plugin(&mut tx, plugin_id).await?;
    let delisted = db::plugin_briefs(&mut tx, std::slice::from_ref(&p.id))
        .await?
        .pop()
        .is_some_and(|b| b.delisted_at.is_some());
    if !delisted {
        return Ok(());
    }
    db::set_delisted(&mut tx, &p.id, None, trellis_db::now()).await?;
    emit(
        &mut tx,
        &event_actor(actor),
        &ev::PluginRelisted {
            plugin: p.id.clone(),
            namespace: p.namespace.clone(),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
