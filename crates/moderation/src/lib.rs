//! Moderation and administration (docs/registry.md, "Moderation").
//!
//! Modules: [`reports`] (users report plugins; the moderation queue of
//! reported reviews and plugins; dismissing reports), [`actions`] (hide and
//! restore a review, delist and relist a plugin, a plugin's delisting),
//! [`users`] (the admins' user list, disable and enable an account),
//! [`audit`] (the audit log, read from the event log).
//!
//! Rules, decided here so REST, server functions and later clients cannot
//! disagree:
//! - **Who.** Reporting a plugin needs a browser session or a token with the
//!   `publish` scope (a report is a write; a `read` token changes nothing), and
//!   not a plugin of one of the reporter's namespaces (`403`); once per user
//!   per plugin (`409`). Everything else is for admins acting with the `admin`
//!   scope (`403` otherwise); an admin cannot disable their own account.
//! - **Reasons.** Hiding, delisting and disabling need a reason of 1 to
//!   [`MAX_REASON`] characters (plain text, cleaned like review text). A
//!   delisting's reason is public (the plugin's page shows it); a hidden
//!   review's is shown to its author; a disabled account's to admins only. A
//!   second hide / delist / disable with another reason replaces the reason
//!   (and writes its event again); with the same reason it changes nothing.
//!   Restore, relist and enable of something that is not hidden, delisted or
//!   disabled change nothing.
//! - **Resolution.** Hiding a review resolves its open reports as `hidden`,
//!   delisting a plugin its open ones as `delisted`; dismissing resolves them
//!   as `dismissed` and changes nothing else. Each records who and when.
//! - **Effects.** A hidden review leaves every list, rating summary and trend
//!   (and so search ranking). A delisted plugin leaves search, `GET
//!   /plugins`, the feeds, the category counts and the category, namespace
//!   and home pages; its page stays, saying why; its published versions still
//!   resolve and download, so projects that depend on it keep working. A
//!   disabled user's sessions are deleted at once, and every way a session or
//!   a token becomes an actor (`trellis_platform::session::current_user`,
//!   `tokens::authenticate`) and the password sign-in refuse the account
//!   (`401 account_disabled` for tokens and sign-ins) until it is enabled.
//! - **Events**, each in its change's transaction: `plugin.reported`,
//!   `review.hidden`, `review.restored`, `plugin.delisted`, `plugin.relisted`,
//!   `report.dismissed`, `user.disabled`, `user.enabled`. Review and plugin
//!   events have the plugin as subject, so the search index re-reads it.
//! - **Bad input changes nothing:** an empty or oversized reason or report
//!   text, an unknown report reason (`422`), a refused actor (`403`), a second
//!   report (`409`), dismissing a target without open reports (`409`).

pub mod actions;
pub mod audit;
pub mod reports;
pub mod users;

pub use actions::{delist, delisting, hide_review, relist, restore_review};
pub use audit::{audit_log, AuditQuery, AUDITED};
pub use reports::{
    dismiss_plugin_reports, dismiss_review_reports, plugin_viewer, queue, report_plugin,
    reports_against, PluginViewer, QueueQuery,
};
pub use users::{disable_user, enable_user, list_users};

use trellis_db::rate_limit;
use trellis_platform::{Actor, AppError, AppResult};
use trellis_types::{ErrorCode, FieldError};

/// Longest moderator's reason, in characters.
pub const MAX_REASON: usize = 500;
/// Longest report text, in characters.
pub const MAX_REPORT_TEXT: usize = 1000;
/// Reasons a plugin may be reported for.
pub const PLUGIN_REPORT_REASONS: [&str; 5] = ["spam", "malware", "abuse", "impersonation", "other"];
/// Reports of plugins a user may file per hour.
pub const REPORTS_PER_HOUR: i64 = 10;
/// Entries of a queue or list page, at most.
pub const MAX_PAGE: i64 = 100;

pub(crate) fn invalid(field: &str, code: &str, detail: impl Into<String>) -> FieldError {
    FieldError {
        field: field.into(),
        code: code.into(),
        detail: detail.into(),
    }
}

/// A moderator's reason, cleaned, or a `422` naming the field `reason`.
pub(crate) fn reason(raw: &str, what: &str) -> AppResult<String> {
    let r = trellis_reviews::text::clean_text(raw);
    // The length as sent counts too: what cleaning removes does not make a
    // reason over the documented limit acceptable.
    let n = r.chars().count().max(raw.chars().count());
    let problem = if r.is_empty() {
        Some(invalid("reason", "too_short", "Give a reason."))
    } else if n > MAX_REASON {
        Some(invalid(
            "reason",
            "too_long",
            format!("A reason is at most {MAX_REASON} characters."),
        ))
    } else {
        None
    };
    match problem {
        Some(e) => Err(AppError::validation(
            format!("The {what} was not done: {}", e.detail),
            vec![e],
        )),
        None => Ok(r),
    }
}

/// Counts one report by the actor on `c` (the report's transaction).
pub(crate) async fn count_report(
    c: &mut trellis_db::AnyConnection,
    actor: &Actor,
) -> AppResult<()> {
    let (hits, end) = rate_limit::hit(c, &format!("reports:user:{}", actor.user.id), 3600).await?;
    if hits <= REPORTS_PER_HOUR {
        return Ok(());
    }
    let retry = (end - trellis_db::now()).max(1) as u64;
    Err(AppError::new(
        ErrorCode::RateLimited,
        format!(
            "Too many reports: at most {REPORTS_PER_HOUR} an hour. Try again in {} minute{}.",
            retry.div_ceil(60),
            if retry.div_ceil(60) == 1 { "" } else { "s" }
        ),
    )
    .with_retry_after(retry))
}

/// The plugin, or `not_found`.
pub(crate) async fn plugin(
    c: &mut trellis_db::AnyConnection,
    id: &str,
) -> AppResult<trellis_db::plugins::PluginRow> {
    trellis_db::plugins::by_id(c, id)
        .await?
        .ok_or_else(|| AppError::not_found(format!("Plugin `{id}`")))
}

#[cfg(test)]
mod tests {
    #[test]
    fn reasons_are_cleaned_and_bounded() {
        assert_eq!(super::reason("  Spam.\u{7}  ", "x").unwrap(), "Spam.");
        let e = super::reason(" \n ", "hiding").unwrap_err();
        assert_eq!(e.errors[0].field, "reason");
        assert_eq!(e.errors[0].code, "too_short");
        let long = "x".repeat(super::MAX_REASON + 1);
        assert_eq!(
            super::reason(&long, "x").unwrap_err().errors[0].code,
            "too_long"
        );
        // Over the limit as sent, even if cleaning would bring it under.
        let sent = format!("\u{97}{}", "x".repeat(super::MAX_REASON));
        assert_eq!(
            super::reason(&sent, "x").unwrap_err().errors[0].code,
            "too_long"
        );
        // Leading white space counts as sent too (the schema's maxLength
        // counts every character of the JSON string).
        let padded = format!("\u{a0}{}", "x".repeat(super::MAX_REASON));
        assert_eq!(
            super::reason(&padded, "x").unwrap_err().errors[0].code,
            "too_long"
        );
        assert!(super::reason(&"x".repeat(super::MAX_REASON), "x").is_ok());
    }
}
