//! Event types of moderation, administration and the audit log: reports of
//! plugins, hidden and restored reviews, delisted and relisted plugins,
//! dismissed reports, disabled and enabled users, sign-ins and their failures,
//! and the daily use of each API token.
//!
//! Events without a namespace are read by admins only: reports (a publisher
//! never learns who reported their plugin), dismissals, account changes,
//! sign-ins and token use. A hidden review or a delisting belongs to the
//! plugin's namespace, so its publishers read it with the moderator's reason.
//! Review and plugin events have the plugin as subject, so the search index
//! re-reads it (a hidden review leaves its rating; a delisted plugin leaves the
//! index, a relisted one comes back).

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{EventData, Subject};

event_type! {
    PluginReported = "plugin.reported", subject "plugin" (plugin),
    namespace (no),
    "A user reported a plugin to the moderators. Only admins read these events.",
    {
        plugin: String,
        /// `spam`, `malware`, `abuse`, `impersonation` or `other`.
        reason: String,
        /// The plugin's open reports now.
        reports: i64
    },
    example PluginReported { plugin: "acme.kanban".into(), reason: "malware".into(), reports: 1 }
}

event_type! {
    ReviewHidden = "review.hidden", subject "plugin" (plugin),
    namespace (yes),
    "A moderator hid a review (or changed why): it leaves every public list and the plugin's rating; its author still sees it with the reason.",
    {
        plugin: String,
        namespace: String,
        review_id: i64,
        reason: String,
        /// Open reports of the review this resolved.
        resolved_reports: i64
    },
    example ReviewHidden {
        plugin: "acme.kanban".into(),
        namespace: "acme".into(),
        review_id: 17,
        reason: "Advertising.".into(),
        resolved_reports: 2,
    }
}

event_type! {
    ReviewRestored = "review.restored", subject "plugin" (plugin),
    namespace (yes),
    "A moderator showed a hidden review again: it is back in the lists and the plugin's rating.",
    { plugin: String, namespace: String, review_id: i64 },
    example ReviewRestored { plugin: "acme.kanban".into(), namespace: "acme".into(), review_id: 17 }
}

event_type! {
    PluginDelisted = "plugin.delisted", subject "plugin" (plugin),
    namespace (yes),
    "A moderator delisted a plugin (or changed the public reason): it leaves search, listings, feeds and the category and namespace pages. Its page shows the reason; its published versions still resolve and download.",
    {
        plugin: String,
        namespace: String,
        /// The public reason.
        reason: String,
        /// Open reports of the plugin this resolved.
        resolved_reports: i64
    },
    example PluginDelisted {
        plugin: "acme.kanban".into(),
        namespace: "acme".into(),
        reason: "Impersonates another publisher.".into(),
        resolved_reports: 3,
    }
}

event_type! {
    PluginRelisted = "plugin.relisted", subject "plugin" (plugin),
    namespace (yes),
    "A moderator listed a delisted plugin again.",
    { plugin: String, namespace: String },
    example PluginRelisted { plugin: "acme.kanban".into(), namespace: "acme".into() }
}

event_type! {
    ReportsDismissed = "report.dismissed", subject "plugin" (plugin),
    namespace (no),
    "A moderator dismissed the open reports of a review or a plugin (nothing else changed). Only admins read these events.",
    {
        /// The plugin reported, or the one the review is about.
        plugin: String,
        /// The review, when reviews were reported.
        review_id: Option<i64>,
        /// Reports dismissed.
        reports: i64
    },
    example ReportsDismissed { plugin: "acme.kanban".into(), review_id: Some(17), reports: 2 }
}

event_type! {
    UserDisabled = "user.disabled", subject "user" (username),
    namespace (no),
    "An admin disabled an account (or changed why): its sessions ended, its API tokens and sign-ins are refused until it is enabled.",
    {
        user_id: i64,
        username: String,
        /// The admin's reason (admins only).
        reason: String,
        /// Sessions that were signed out.
        sessions_ended: i64
    },
    example UserDisabled {
        user_id: 7,
        username: "mallory".into(),
        reason: "Spam reviews.".into(),
        sessions_ended: 1,
    }
}

event_type! {
    UserEnabled = "user.enabled", subject "user" (username),
    namespace (no),
    "An admin enabled a disabled account: it may sign in again and its API tokens that are still valid work again.",
    { user_id: i64, username: String },
    example UserEnabled { user_id: 7, username: "mallory".into() }
}

event_type! {
    UserSignedIn = "user.signed_in", subject "user" (username),
    namespace (no),
    "Someone signed in with a password.",
    {
        user_id: i64,
        username: String,
        /// The client's address.
        address: Option<String>
    },
    example UserSignedIn { user_id: 7, username: "alice".into(), address: Some("203.0.113.9".into()) }
}

event_type! {
    UserSignInFailed = "user.sign_in_failed", subject "user" (account),
    namespace (no),
    "A sign-in was refused. The actor is the account whose password was tried (nobody signed in), or the system when the name is no account's; the name tried is then not kept (people type passwords into the wrong field).",
    {
        /// The account's user name, or `(unknown)`.
        account: String,
        /// The account's id, when the name is an account's.
        user_id: Option<i64>,
        /// `wrong_password`, `unknown_user` or `account_disabled`.
        reason: String,
        /// The client's address.
        address: Option<String>
    },
    example UserSignInFailed {
        account: "alice".into(),
        user_id: Some(7),
        reason: "wrong_password".into(),
        address: Some("203.0.113.9".into()),
    }
}

event_type! {
    TokenUsed = "token.used", subject "token" (token_id),
    namespace (no),
    "An API token was used: written by the token-usage flush for a token's first use of a UTC day, and again the first time that day it exercises a scope (a request that needed `read`, `publish`, `webhooks` or `admin`), naming those scopes.",
    {
        token_id: i64,
        name: String,
        /// The token's owner.
        username: String,
        /// The scopes the token acts with.
        scopes: Vec<String>,
        /// The scopes its uses needed that were first exercised today in this flush (empty: a use that needed none, such as reading public data).
        scopes_used: Vec<String>,
        /// Uses counted in the flush that wrote this event.
        uses: i64
    },
    example TokenUsed {
        token_id: 42,
        name: "ci".into(),
        username: "alice".into(),
        scopes: vec!["read".into(), "publish".into()],
        scopes_used: vec!["publish".into()],
        uses: 3,
    }
}
