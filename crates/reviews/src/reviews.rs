//! Reviews themselves: write one (once per user and plugin), change or delete
//! your own (admins may delete any), read one, list a plugin's by sort and
//! version.

use super::*;
use crate::rules::*;

/// Reviews a plugin.
pub async fn create(
    state: &AppState,
    actor: &Actor,
    plugin_id: &str,
    input: ReviewIn,
) -> AppResult<ReviewOut> {
    actor.require(Scope::Publish)?;
    let mut c = state.db.conn().await?;
    let p = plugin(&mut c, plugin_id).await?;
    if is_member(&mut c, &p, actor.user.id).await? {
        return Err(AppError::forbidden(format!(
            "You publish {} (a member of `{}`): publishers cannot review their own plugins.",
            p.id, p.namespace
        )));
    }
    let versions = trellis_db::plugins::versions(&mut c, &p.id).await?;
    drop(c);
    let mut errors = Vec::new();
    check_stars(input.stars, &mut errors);
    let title = check_title(&input.title, &mut errors);
    let body = check_body("text", &input.text, MAX_TEXT, &mut errors);
    let version = pick_version(&p, &versions, input.version.as_deref(), &mut errors);
    let api_version = check_api_version(input.api_version.as_deref(), &mut errors);
    fail_if(NOT_SAVED, errors)?;
    let version = version.ok_or_else(|| AppError::internal("validated review lost its version"))?;
    let now = now();
    let mut tx = state.db.begin().await?;
    count_write(&mut tx, actor).await?;
    let id = db::insert(
        &mut tx,
        &NewReview {
            plugin_id: &p.id,
            user_id: actor.user.id,
            version: &version,
            api_version: api_version.as_deref(),
            stars: input.stars,
            title: &title,
            body: &body,
        },
        now,
    )
    .await
    .map_err(|e| {
        conflict(
            e.into(),
            "You have reviewed this plugin already: change or delete that review.",
        )
    })?;
    emit(
        &mut tx,
        &event_actor(actor),
        &ev::ReviewCreated {
            plugin: p.id.clone(),
            namespace: p.namespace.clone(),
            review_id: id,
            stars: input.stars,
            version,
        },
    )
    .await?;
    let row = review(&mut tx, &p.id, id).await?;
    tx.commit().await?;
    Ok(to_out(row))
}

/// Changes one's own review.
pub async fn update(
    state: &AppState,
    actor: &Actor,
    plugin_id: &str,
    id: i64,
    patch: ReviewPatch,
) -> AppResult<ReviewOut> {
    actor.require(Scope::Publish)?;
    let mut c = state.db.conn().await?;
    let p = plugin(&mut c, plugin_id).await?;
    let r = review(&mut c, &p.id, id).await?;
    if r.user_id != actor.user.id {
        return Err(AppError::forbidden("You may change only your own review."));
    }
    let versions = trellis_db::plugins::versions(&mut c, &p.id).await?;
    drop(c);
    let mut errors = Vec::new();
    let mut changed = Vec::new();
    let stars = patch.stars.unwrap_or(r.stars);
    check_stars(stars, &mut errors);
    let title = match &patch.title {
        Some(t) => check_title(t, &mut errors),
        None => r.title.clone(),
    };
    let body = match &patch.text {
        Some(t) => check_body("text", t, MAX_TEXT, &mut errors),
        None => r.body.clone(),
    };
    let version = match &patch.version {
        Some(v) => pick_version(&p, &versions, Some(v), &mut errors),
        None => Some(r.version.clone()),
    };
    let api_version = match &patch.api_version {
        Some(v) => check_api_version(Some(v), &mut errors),
        None => r.api_version.clone(),
    };
    fail_if(NOT_SAVED, errors)?;
    let version = version.ok_or_else(|| AppError::internal("validated review lost its version"))?;
    for (name, differs) in [
        ("stars", stars != r.stars),
        ("title", title != r.title),
        ("text", body != r.body),
        ("version", version != r.version),
        ("api_version", api_version != r.api_version),
    ] {
        if differs {
            changed.push(name.to_owned());
        }
    }
    if changed.is_empty() {
        return Ok(to_out(r));
    }
    let mut tx = state.db.begin().await?;
    count_write(&mut tx, actor).await?;
    db::update(
        &mut tx,
        id,
        &NewReview {
            plugin_id: &p.id,
            user_id: r.user_id,
            version: &version,
            api_version: api_version.as_deref(),
            stars,
            title: &title,
            body: &body,
        },
        now(),
    )
    .await?;
    emit(
        &mut tx,
        &event_actor(actor),
        &ev::ReviewUpdated {
            plugin: p.id.clone(),
            namespace: p.namespace.clone(),
            review_id: id,
            stars,
            version,
            changed,
        },
    )
    .await?;
    let row = review(&mut tx, &p.id, id).await?;
    tx.commit().await?;
    Ok(to_out(row))
}

/// Deletes one's own review (admins: any review), with its reply, votes and reports.
pub async fn delete(state: &AppState, actor: &Actor, plugin_id: &str, id: i64) -> AppResult<()> {
    actor.require(Scope::Publish)?;
    let mut tx = state.db.begin().await?;
    let p = plugin(&mut tx, plugin_id).await?;
    let r = review(&mut tx, &p.id, id).await?;
    let moderator = actor.user.is_admin && actor.has(Scope::Admin);
    if r.user_id != actor.user.id && !moderator {
        return Err(AppError::forbidden("You may delete only your own review."));
    }
    db::delete(&mut tx, id).await?;
    emit(
        &mut tx,
        &event_actor(actor),
        &ev::ReviewDeleted {
            plugin: p.id.clone(),
            namespace: p.namespace.clone(),
            review_id: id,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// One review, as anyone sees it: a review a moderator hid is `not_found`.
pub async fn get(state: &AppState, plugin_id: &str, id: i64) -> AppResult<ReviewOut> {
    get_as(state, None, plugin_id, id).await
}

/// One review, as `viewer` sees it: a review a moderator hid is shown to its
/// author and to admins only (with the moderator's note), `not_found` to others.
pub async fn get_as(
    state: &AppState,
    viewer: Option<&Actor>,
    plugin_id: &str,
    id: i64,
) -> AppResult<ReviewOut> {
    let mut c = state.db.conn().await?;
    let p = plugin(&mut c, plugin_id).await?;
    let r = review(&mut c, &p.id, id).await?;
    let sees_hidden =
        viewer.is_some_and(|a| a.user.id == r.user_id || (a.user.is_admin && a.has(Scope::Admin)));
    if r.hidden_at.is_some() && !sees_hidden {
        return Err(AppError::not_found(format!("Review {id} of `{}`", p.id)));
    }
    Ok(to_out(r))
}

/// A page of a plugin's reviews in `sort` order (of one version when given),
/// from `offset`; reviews a moderator hid are left out.
pub async fn list(
    state: &AppState,
    plugin_id: &str,
    version: Option<&str>,
    sort: Sort,
    offset: i64,
    limit: i64,
) -> AppResult<Vec<ReviewOut>> {
    let mut c = state.db.conn().await?;
    let p = plugin(&mut c, plugin_id).await?;
    let rows = db::list(
        &mut c,
        &p.id,
        version,
        sort,
        offset,
        limit.clamp(1, MAX_PAGE),
    )
    .await?;
    Ok(rows.into_iter().map(to_out).collect())
}
