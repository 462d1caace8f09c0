//! Moderation and administration from the UI: the data of the admin pages
//! (`/admin/moderation`, `/admin/users`, `/admin/audit-log`) and of the plugin
//! page's moderation parts, and every action, each a server function an
//! `ActionForm` posts to: report a plugin; hide or restore a review, delist or
//! relist a plugin, dismiss reports; disable or enable a user.
//!
//! Each action ends with a redirect to the page that shows its outcome with a
//! `done=` marker (the admin pages keep their filters from the form's `back`
//! field): the forms are plain posts. A refusal answers with the service's error and changes nothing.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use trellis_types::{AdminUserOut, DelistingOut, EventOut, ReportedOut, ReviewOut};

use crate::error::UiError;

/// Entries per page of the admin lists.
pub const PAGE_SIZE: i64 = 50;

/// Reasons a plugin may be reported for, as the service names them, with labels.
pub const PLUGIN_REASONS: [(&str, &str); 5] = [
    ("spam", "Spam or advertising"),
    ("malware", "Malware or a security risk"),
    ("abuse", "Abusive or offensive content"),
    ("impersonation", "Impersonates another publisher or project"),
    ("other", "Something else"),
];

/// The page `back` names, if it is one of ours (a path on this site), else `fallback`.
pub fn back_to(back: Option<&str>, fallback: &str) -> String {
    match back {
        Some(b) if b.starts_with('/') && !b.starts_with("//") && !b.contains('\\') => b.to_owned(),
        _ => fallback.to_owned(),
    }
}

/// `path` with `done=<what>` added to its query.
pub fn with_done(path: &str, what: &str) -> String {
    let (path, fragment) = path.split_once('#').unwrap_or((path, ""));
    let kept: Vec<&str> = path
        .split_once('?')
        .map(|(_, q)| {
            q.split('&')
                .filter(|kv| !kv.starts_with("done=") && !kv.is_empty())
                .collect()
        })
        .unwrap_or_default();
    let base = path.split_once('?').map_or(path, |(p, _)| p);
    let mut q = kept.join("&");
    if !q.is_empty() {
        q.push('&');
    }
    q.push_str("done=");
    q.push_str(what);
    if fragment.is_empty() {
        format!("{base}?{q}")
    } else {
        format!("{base}?{q}#{fragment}")
    }
}

/// What the plugin page shows of moderation to its viewer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PluginModerationData {
    pub plugin: String,
    /// Set while the plugin is delisted.
    pub delisted: Option<DelistingOut>,
    pub signed_in: bool,
    /// Signed in, not its publisher, not reported yet.
    pub can_report: bool,
    pub reported: bool,
    pub publisher: bool,
    /// The viewer's own review, when a moderator hid it.
    pub hidden_review: Option<ReviewOut>,
}

/// The plugin page's moderation parts (public; more for a signed-in viewer).
#[server]
pub async fn plugin_moderation(id: String) -> Result<PluginModerationData, UiError> {
    use super::ssr::*;
    let state = state()?;
    let s = session().await?;
    let viewer = trellis_platform::session::current_user(&state, &s)
        .await?
        .map(|u| trellis_platform::Actor::session(u, None));
    let v = trellis_moderation::plugin_viewer(&state, viewer.as_ref(), &id).await?;
    Ok(PluginModerationData {
        plugin: id,
        delisted: v.delisted,
        signed_in: viewer.is_some(),
        can_report: v.can_report,
        reported: v.reported,
        publisher: v.publisher,
        hidden_review: v.hidden_review,
    })
}

/// Reports plugin `plugin` to the moderators; back to its page.
#[server]
pub async fn report_plugin(
    plugin: String,
    reason: Option<String>,
    text: Option<String>,
) -> Result<(), UiError> {
    use super::ssr::*;
    let state = state()?;
    let s = session().await?;
    let actor = require_actor(&state, &s).await?;
    let input = trellis_types::PluginReportIn {
        reason: reason.unwrap_or_default(),
        text: text.filter(|t| !t.trim().is_empty()),
    };
    trellis_moderation::report_plugin(&state, &actor, &plugin, input).await?;
    let page = format!(
        "/plugins/{}#report-plugin",
        crate::components::query::enc(&plugin)
    );
    leptos_axum::redirect(&with_done(&page, "plugin_reported"));
    Ok(())
}

/// What `/admin/moderation` shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QueueData {
    pub items: Vec<ReportedOut>,
    /// `open` or `resolved`.
    pub state: String,
    /// `review`, `plugin` or empty (both).
    pub kind: String,
    /// 1-based.
    pub page: i64,
    pub more: bool,
}

/// A page of the moderation queue (admins): `reports` is `open` (the
/// default) or `resolved`, `kind` is `review`, `plugin` or absent (both).
#[server]
pub async fn moderation_queue(
    reports: Option<String>,
    kind: Option<String>,
    page: Option<i64>,
) -> Result<QueueData, UiError> {
    use super::ssr::{require_actor, session};
    use trellis_db::moderation::Kind;
    let app = super::ssr::state()?;
    let s = session().await?;
    let actor = require_actor(&app, &s).await?;
    let open = reports.as_deref() != Some("resolved");
    let kind_of = match kind.as_deref() {
        Some("review") => Some(Kind::Review),
        Some("plugin") => Some(Kind::Plugin),
        _ => None,
    };
    let page = page.unwrap_or(1).clamp(1, 10_000);
    let q = trellis_moderation::QueueQuery {
        open,
        kind: kind_of,
    };
    let mut items =
        trellis_moderation::queue(&app, &actor, q, (page - 1) * PAGE_SIZE, PAGE_SIZE + 1).await?;
    let more = items.len() as i64 > PAGE_SIZE;
    items.truncate(PAGE_SIZE as usize);
    Ok(QueueData {
        items,
        state: if open { "open" } else { "resolved" }.into(),
        kind: kind_of.map(|k| k.as_str().to_owned()).unwrap_or_default(),
        page,
        more,
    })
}

/// Hides review `review_id` with a reason its author reads; back to `back`.
#[server]
pub async fn hide_review(
    review_id: i64,
    reason: Option<String>,
    back: Option<String>,
) -> Result<(), UiError> {
    use super::ssr::*;
    let state = state()?;
    let s = session().await?;
    let actor = require_actor(&state, &s).await?;
    let input = trellis_types::ModerationIn {
        reason: reason.unwrap_or_default(),
    };
    trellis_moderation::hide_review(&state, &actor, review_id, input).await?;
    leptos_axum::redirect(&with_done(
        &back_to(back.as_deref(), "/admin/moderation"),
        "hidden",
    ));
    Ok(())
}

/// Shows hidden review `review_id` again; back to `back`.
#[server]
pub async fn restore_review(review_id: i64, back: Option<String>) -> Result<(), UiError> {
    use super::ssr::*;
    let state = state()?;
    let s = session().await?;
    let actor = require_actor(&state, &s).await?;
    trellis_moderation::restore_review(&state, &actor, review_id).await?;
    leptos_axum::redirect(&with_done(
        &back_to(back.as_deref(), "/admin/moderation"),
        "restored",
    ));
    Ok(())
}

/// Delists `plugin` with a public reason; back to `back`.
#[server]
pub async fn delist_plugin(
    plugin: String,
    reason: Option<String>,
    back: Option<String>,
) -> Result<(), UiError> {
    use super::ssr::*;
    let state = state()?;
    let s = session().await?;
    let actor = require_actor(&state, &s).await?;
    let input = trellis_types::ModerationIn {
        reason: reason.unwrap_or_default(),
    };
    trellis_moderation::delist(&state, &actor, &plugin, input).await?;
    leptos_axum::redirect(&with_done(
        &back_to(back.as_deref(), "/admin/moderation"),
        "delisted",
    ));
    Ok(())
}

/// Lists delisted `plugin` again; back to `back`.
#[server]
pub async fn relist_plugin(plugin: String, back: Option<String>) -> Result<(), UiError> {
    use super::ssr::*;
    let state = state()?;
    let s = session().await?;
    let actor = require_actor(&state, &s).await?;
    trellis_moderation::relist(&state, &actor, &plugin).await?;
    leptos_axum::redirect(&with_done(
        &back_to(back.as_deref(), "/admin/moderation"),
        "relisted",
    ));
    Ok(())
}

/// Dismisses the open reports of a review (`kind` = `review`, `target` its
/// id) or a plugin (`kind` = `plugin`, `target` its id); back to `back`.
#[server]
pub async fn dismiss_reports(
    kind: String,
    target: String,
    back: Option<String>,
) -> Result<(), UiError> {
    use super::ssr::*;
    let state = state()?;
    let s = session().await?;
    let actor = require_actor(&state, &s).await?;
    match kind.as_str() {
        "review" => {
            let id = target
                .parse::<i64>()
                .map_err(|_| trellis_platform::AppError::not_found(format!("Review {target}")))?;
            trellis_moderation::dismiss_review_reports(&state, &actor, id).await?
        }
        _ => trellis_moderation::dismiss_plugin_reports(&state, &actor, &target).await?,
    };
    leptos_axum::redirect(&with_done(
        &back_to(back.as_deref(), "/admin/moderation"),
        "dismissed",
    ));
    Ok(())
}

/// What `/admin/users` shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UsersData {
    pub users: Vec<AdminUserOut>,
    pub q: String,
    /// 1-based.
    pub page: i64,
    pub more: bool,
    /// The signed-in admin (who cannot disable themselves).
    pub me: String,
}

/// A page of users whose name contains `q` (admins).
#[server]
pub async fn admin_users(q: Option<String>, page: Option<i64>) -> Result<UsersData, UiError> {
    use super::ssr::*;
    let state = state()?;
    let s = session().await?;
    let actor = require_actor(&state, &s).await?;
    let q = q.unwrap_or_default().trim().to_owned();
    let page = page.unwrap_or(1).clamp(1, 10_000);
    let mut users =
        trellis_moderation::list_users(&state, &actor, &q, PAGE_SIZE + 1, (page - 1) * PAGE_SIZE)
            .await?;
    let more = users.len() as i64 > PAGE_SIZE;
    users.truncate(PAGE_SIZE as usize);
    Ok(UsersData {
        users,
        q,
        page,
        more,
        me: actor.user.username.clone(),
    })
}

/// Disables `username` with a reason; back to `back`.
#[server]
pub async fn disable_user(
    username: String,
    reason: Option<String>,
    back: Option<String>,
) -> Result<(), UiError> {
    use super::ssr::*;
    let state = state()?;
    let s = session().await?;
    let actor = require_actor(&state, &s).await?;
    let input = trellis_types::ModerationIn {
        reason: reason.unwrap_or_default(),
    };
    trellis_moderation::disable_user(&state, &actor, &username, input).await?;
    leptos_axum::redirect(&with_done(
        &back_to(back.as_deref(), "/admin/users"),
        "disabled",
    ));
    Ok(())
}

/// Enables `username` again; back to `back`.
#[server]
pub async fn enable_user(username: String, back: Option<String>) -> Result<(), UiError> {
    use super::ssr::*;
    let state = state()?;
    let s = session().await?;
    let actor = require_actor(&state, &s).await?;
    trellis_moderation::enable_user(&state, &actor, &username).await?;
    leptos_axum::redirect(&with_done(
        &back_to(back.as_deref(), "/admin/users"),
        "enabled",
    ));
    Ok(())
}

/// What `/admin/audit-log` shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditData {
    /// Newest first.
    pub events: Vec<EventOut>,
    /// The `cursor` of the next (older) page, when this one was full.
    pub next_cursor: Option<String>,
    /// The audited types, then their prefixes (`token.*`), for the filter.
    pub actions: Vec<String>,
}

/// The audit log filtered as the page's query says (admins): `actor` a user
/// name, `action` a type or prefix, `since` / `until` dates (UTC days,
/// `until` included).
#[server]
pub async fn audit_log_page(
    actor: Option<String>,
    action: Option<String>,
    since: Option<String>,
    until: Option<String>,
    cursor: Option<String>,
) -> Result<AuditData, UiError> {
    use super::ssr::*;
    use trellis_platform::AppError;
    use trellis_types::ErrorCode;
    let set = |v: Option<String>| v.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty());
    let state = state()?;
    let s = session().await?;
    let me = require_actor(&state, &s).await?;
    me.require_admin()?;
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
    let since = day("since", since)?.map(|t| t * 1000);
    let until = day("until", until)?.map(|t| (t + 86_400) * 1000);
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
    let q = trellis_moderation::AuditQuery {
        actor: set(actor),
        action: set(action),
        since,
        until,
    };
    let (events, next) = trellis_moderation::audit_log(&state, &me, &q, before, PAGE_SIZE).await?;
    let mut actions: Vec<String> = trellis_moderation::AUDITED
        .iter()
        .map(|t| (*t).to_owned())
        .collect();
    let mut prefixes: Vec<String> = trellis_moderation::AUDITED
        .iter()
        .filter_map(|t| t.split_once('.').map(|(p, _)| format!("{p}.*")))
        .collect();
    prefixes.sort();
    prefixes.dedup();
    actions.extend(prefixes);
    Ok(AuditData {
        events,
        next_cursor: next.map(|p| format!("{}_{}", p.tx, p.seq)),
        actions,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn done_markers_replace_old_ones_and_back_stays_on_site() {
        assert_eq!(
            with_done("/admin/moderation?state=resolved&done=hidden", "restored"),
            "/admin/moderation?state=resolved&done=restored"
        );
        assert_eq!(
            with_done("/plugins/acme.kanban#report-plugin", "plugin_reported"),
            "/plugins/acme.kanban?done=plugin_reported#report-plugin"
        );
        assert_eq!(back_to(Some("//evil.example/x"), "/a"), "/a");
        assert_eq!(back_to(Some("https://evil.example"), "/a"), "/a");
        assert_eq!(
            back_to(Some("/admin/users?q=bo"), "/a"),
            "/admin/users?q=bo"
        );
        assert_eq!(back_to(None, "/a"), "/a");
    }
}
