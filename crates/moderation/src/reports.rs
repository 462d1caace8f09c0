//! Reports: a user reports a plugin (once, never one of their own
//! namespace's); admins read the moderation queue (reported reviews and
//! plugins, grouped per target, open or resolved) and dismiss reports. Also
//! what a plugin's page shows of moderation to its viewer.

use std::collections::HashMap;

use trellis_db::moderation::{self as db, Kind, ReportRow};
use trellis_db::DbError;
use trellis_events::catalogue as ev;
use trellis_platform::events::{actor as event_actor, emit};
use trellis_platform::{Actor, AppError, AppResult, AppState};
use trellis_types::{
    DelistingOut, DismissOut, ErrorCode, PluginReportIn, PluginReportOut, ReasonCountOut,
    ReportedOut, ReportedReviewOut, ResolutionOut, ReviewHiddenOut, ReviewOut, Scope,
};

use crate::{count_report, invalid, plugin, MAX_PAGE, MAX_REPORT_TEXT, PLUGIN_REPORT_REASONS};

/// Reports a plugin to the moderators.
pub async fn report_plugin(
    state: &AppState,
    actor: &Actor,
    plugin_id: &str,
    input: PluginReportIn,
) -> AppResult<PluginReportOut> {
    actor.require(Scope::Publish)?;
    let mut c = state.db.conn().await?;
    let p = plugin(&mut c, plugin_id).await?;
    let own = trellis_db::namespaces::member_role(&mut c, p.namespace_id, actor.user.id)
        .await?
        .is_some();
    drop(c);
    if own {
        return Err(AppError::forbidden(format!(
            "You publish {} (a member of `{}`): you cannot report your own plugin.",
            p.id, p.namespace
        )));
    }
    let mut errors = Vec::new();
    let reason = input.reason.trim();
    if !PLUGIN_REPORT_REASONS.contains(&reason) {
        errors.push(invalid(
            "reason",
            "unknown",
            format!("The reason is one of {}.", PLUGIN_REPORT_REASONS.join(", ")),
        ));
    }
    let raw = input.text.as_deref().unwrap_or("");
    let text = trellis_reviews::text::clean_text(raw);
    if text.chars().count().max(raw.chars().count()) > MAX_REPORT_TEXT {
        errors.push(invalid(
            "text",
            "too_long",
            format!("At most {MAX_REPORT_TEXT} characters."),
        ));
    }
    if !errors.is_empty() {
        return Err(AppError::validation(
            "The report was not sent: fix the fields listed.",
            errors,
        ));
    }
    let now = trellis_db::now();
    let mut tx = state.db.begin().await?;
    count_report(&mut tx, actor).await?;
    db::report_plugin(&mut tx, &p.id, actor.user.id, reason, &text, now)
        .await
        .map_err(|e| match e {
            DbError::Conflict => {
                AppError::new(ErrorCode::Conflict, "You reported this plugin already.")
            }
            other => other.into(),
        })?;
    let reports = db::open_plugin_reports(&mut tx, &p.id).await?;
    emit(
        &mut tx,
        &event_actor(actor),
        &ev::PluginReported {
            plugin: p.id.clone(),
            reason: reason.to_owned(),
            reports,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(PluginReportOut {
        plugin: p.id,
        reason: reason.to_owned(),
        text,
        created_at: now,
    })
}

/// Which reports the queue lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QueueQuery {
    /// Open reports (else resolved ones).
    pub open: bool,
    /// Of one kind of target, or both.
    pub kind: Option<Kind>,
}

/// A page of the moderation queue (admins): reported reviews and plugins
/// grouped per target with their reports' count, reasons and latest text;
/// open ones by their latest report, resolved ones by their latest
/// resolution, newest first.
pub async fn queue(
    state: &AppState,
    actor: &Actor,
    q: QueueQuery,
    offset: i64,
    limit: i64,
) -> AppResult<Vec<ReportedOut>> {
    actor.require_admin()?;
    grouped(state, q, None, offset, limit).await
}

/// The open reports against one plugin and its reviews, grouped as the queue
/// groups them, for the members of its namespace (the publisher dashboard)
/// and admins. Who reported is not part of what it returns.
pub async fn reports_against(
    state: &AppState,
    actor: &Actor,
    plugin_id: &str,
) -> AppResult<Vec<ReportedOut>> {
    {
        let mut c = state.db.conn().await?;
        let p = plugin(&mut c, plugin_id).await?;
        if !actor.user.is_admin {
            let ns = trellis_platform::registry::namespace(&mut c, &p.namespace).await?;
            trellis_platform::registry::require_member(&mut c, &ns, &actor.user).await?;
        }
    }
    let q = QueueQuery {
        open: true,
        kind: None,
    };
    grouped(state, q, Some(plugin_id), 0, MAX_PAGE).await
}

/// The queue's page: targets, then their reviews, plugins and reports, each
/// read once for the whole page.
async fn grouped(
    state: &AppState,
    q: QueueQuery,
    plugin_id: Option<&str>,
    offset: i64,
    limit: i64,
) -> AppResult<Vec<ReportedOut>> {
    let mut c = state.db.conn().await?;
    let rows = db::queue(
        &mut c,
        q.open,
        q.kind,
        plugin_id,
        limit.clamp(1, MAX_PAGE),
        offset.max(0),
    )
    .await?;
    let targets = |k: Kind| -> Vec<String> {
        rows.iter()
            .filter(|r| r.kind == k)
            .map(|r| r.target.clone())
            .collect()
    };
    let (review_targets, plugin_targets) = (targets(Kind::Review), targets(Kind::Plugin));
    let review_ids: Vec<i64> = review_targets
        .iter()
        .filter_map(|t| t.parse().ok())
        .collect();
    let reviews: HashMap<i64, _> = trellis_db::reviews::by_ids(&mut c, &review_ids)
        .await?
        .into_iter()
        .map(|r| (r.id, r))
        .collect();
    let mut plugin_ids = plugin_targets.clone();
    plugin_ids.extend(reviews.values().map(|r| r.plugin_id.clone()));
    plugin_ids.sort();
    plugin_ids.dedup();
    let plugins: HashMap<String, _> = db::plugin_briefs(&mut c, &plugin_ids)
        .await?
        .into_iter()
        .map(|p| (p.id.clone(), p))
        .collect();
    let mut reports: HashMap<(Kind, String), Vec<ReportRow>> = HashMap::new();
    for (kind, list) in [
        (Kind::Review, &review_targets),
        (Kind::Plugin, &plugin_targets),
    ] {
        for r in db::reports_of(&mut c, kind, list, q.open).await? {
            reports.entry((kind, r.target.clone())).or_default().push(r);
        }
    }
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let list = reports
            .remove(&(row.kind, row.target.clone()))
            .unwrap_or_default();
        let review = match row.kind {
            Kind::Review => row
                .target
                .parse::<i64>()
                .ok()
                .and_then(|id| reviews.get(&id)),
            Kind::Plugin => None,
        };
        let plugin_id = match review {
            Some(r) => r.plugin_id.clone(),
            None => row.target.clone(),
        };
        let Some(p) = plugins.get(&plugin_id) else {
            // Gone between the two reads: its reports went with it.
            continue;
        };
        out.push(ReportedOut {
            kind: row.kind.as_str().to_owned(),
            plugin: p.id.clone(),
            plugin_name: p.display_name.clone(),
            review: review.map(|r| ReportedReviewOut {
                id: r.id,
                author: r.author.clone(),
                stars: r.stars,
                title: r.title.clone(),
                text: r.body.clone(),
                version: r.version.clone(),
                hidden: r.hidden_at.map(|at| ReviewHiddenOut {
                    reason: r.hidden_reason.clone().unwrap_or_default(),
                    hidden_at: at,
                }),
            }),
            delisted: delisting_out(p),
            reports: row.reports,
            reasons: reasons(&list),
            latest_text: list
                .iter()
                .find(|r| !r.detail.is_empty())
                .map(|r| r.detail.clone()),
            first_reported_at: row.first_at,
            last_reported_at: row.last_at,
            resolution: list
                .iter()
                .filter(|r| r.resolved_at.is_some())
                .max_by_key(|r| r.resolved_at)
                .map(|r| ResolutionOut {
                    action: r.resolution.clone().unwrap_or_default(),
                    by: r.resolved_by.clone(),
                    at: r.resolved_at.unwrap_or_default(),
                }),
        });
    }
    Ok(out)
}

/// Counts per reason, most frequent first (then by name).
fn reasons(list: &[ReportRow]) -> Vec<ReasonCountOut> {
    let mut counts: HashMap<&str, i64> = HashMap::new();
    for r in list {
        *counts.entry(r.reason.as_str()).or_default() += 1;
    }
    let mut out: Vec<ReasonCountOut> = counts
        .into_iter()
        .map(|(reason, count)| ReasonCountOut {
            reason: reason.to_owned(),
            count,
        })
        .collect();
    out.sort_by(|a, b| b.count.cmp(&a.count).then(a.reason.cmp(&b.reason)));
    out
}

pub(crate) fn delisting_out(p: &db::PluginBrief) -> Option<DelistingOut> {
    p.delisted_at.map(|at| DelistingOut {
        plugin: p.id.clone(),
        reason: p.delisted_reason.clone().unwrap_or_default(),
        delisted_at: at,
    })
}

fn nothing_open(what: String) -> AppError {
    AppError::new(
        ErrorCode::Conflict,
        format!("{what} has no open reports to dismiss."),
    )
}

/// Dismisses the open reports of a review (admins); nothing else changes.
pub async fn dismiss_review_reports(
    state: &AppState,
    actor: &Actor,
    review_id: i64,
) -> AppResult<DismissOut> {
    actor.require_admin()?;
    let mut tx = state.db.begin().await?;
    let plugin_id = db::review_plugin(&mut tx, review_id)
        .await?
        .ok_or_else(|| AppError::not_found(format!("Review {review_id}")))?;
    let n = db::resolve(
        &mut tx,
        Kind::Review,
        &review_id.to_string(),
        actor.user.id,
        "dismissed",
        trellis_db::now(),
    )
    .await? as i64;
    if n == 0 {
        return Err(nothing_open(format!("Review {review_id}")));
    }
    emit(
        &mut tx,
        &event_actor(actor),
        &ev::ReportsDismissed {
            plugin: plugin_id,
            review_id: Some(review_id),
            reports: n,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(DismissOut { dismissed: n })
}

/// Dismisses the open reports of a plugin (admins); nothing else changes.
pub async fn dismiss_plugin_reports(
    state: &AppState,
    actor: &Actor,
    plugin_id: &str,
) -> AppResult<DismissOut> {
    actor.require_admin()?;
    let mut tx = state.db.begin().await?;
    let p = plugin(&mut tx, plugin_id).await?;
    let n = db::resolve(
        &mut tx,
        Kind::Plugin,
        &p.id,
        actor.user.id,
        "dismissed",
        trellis_db::now(),
    )
    .await? as i64;
    if n == 0 {
        return Err(nothing_open(format!("The plugin {}", p.id)));
    }
    emit(
        &mut tx,
        &event_actor(actor),
        &ev::ReportsDismissed {
            plugin: p.id.clone(),
            review_id: None,
            reports: n,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(DismissOut { dismissed: n })
}

/// What a plugin's page shows of moderation to its viewer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PluginViewer {
    /// Set while the plugin is delisted (public).
    pub delisted: Option<DelistingOut>,
    /// The viewer may report it: signed in, not a member of its namespace,
    /// and not reported it yet.
    pub can_report: bool,
    /// The viewer reported it already.
    pub reported: bool,
    /// The viewer is a member of the plugin's namespace.
    pub publisher: bool,
    /// The viewer's own review of it, when a moderator hid it.
    pub hidden_review: Option<ReviewOut>,
}

/// The plugin page's moderation parts for `viewer` (signed out: `None`).
pub async fn plugin_viewer(
    state: &AppState,
    viewer: Option<&Actor>,
    plugin_id: &str,
) -> AppResult<PluginViewer> {
    let mut c = state.db.conn().await?;
    let p = plugin(&mut c, plugin_id).await?;
    let brief = db::plugin_briefs(&mut c, std::slice::from_ref(&p.id))
        .await?
        .pop();
    let delisted = brief.as_ref().and_then(delisting_out);
    let Some(a) = viewer else {
        return Ok(PluginViewer {
            delisted,
            can_report: false,
            reported: false,
            publisher: false,
            hidden_review: None,
        });
    };
    let publisher = trellis_db::namespaces::member_role(&mut c, p.namespace_id, a.user.id)
        .await?
        .is_some();
    let reported = db::reported_plugin(&mut c, &p.id, a.user.id).await?;
    let hidden_review = trellis_db::reviews::by_user(&mut c, &p.id, a.user.id)
        .await?
        .filter(|r| r.hidden_at.is_some())
        .map(trellis_reviews::to_out);
    Ok(PluginViewer {
        delisted,
        can_report: !publisher && !reported,
        reported,
        publisher,
        hidden_review,
    })
}
