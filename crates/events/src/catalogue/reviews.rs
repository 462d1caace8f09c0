//! Event types of reviews. Their subject is the reviewed plugin (so the search
//! indexer re-reads it and its rating), their namespace the plugin's. A
//! review's texts never appear in an event: the review is read from the API.
//! `review.reported` has no namespace, so only admins read it: a publisher
//! never learns who reported a review of their plugin.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{EventData, Subject};

event_type! {
    ReviewCreated = "review.created", subject "plugin" (plugin),
    namespace (yes),
    "A user reviewed a plugin.",
    {
        plugin: String,
        namespace: String,
        review_id: i64,
        /// 1 to 5.
        stars: i64,
        /// The version reviewed.
        version: String
    },
    example ReviewCreated {
        plugin: "acme.kanban".into(),
        namespace: "acme".into(),
        review_id: 17,
        stars: 4,
        version: "1.2.0".into(),
    }
}

event_type! {
    ReviewUpdated = "review.updated", subject "plugin" (plugin),
    namespace (yes),
    "A reviewer changed their review.",
    {
        plugin: String,
        namespace: String,
        review_id: i64,
        stars: i64,
        version: String,
        /// The fields that changed (`stars`, `title`, `text`, `version`, `api_version`).
        changed: Vec<String>
    },
    example ReviewUpdated {
        plugin: "acme.kanban".into(),
        namespace: "acme".into(),
        review_id: 17,
        stars: 5,
        version: "1.3.0".into(),
        changed: vec!["stars".into(), "version".into()],
    }
}

event_type! {
    ReviewDeleted = "review.deleted", subject "plugin" (plugin),
    namespace (yes),
    "A reviewer deleted their review, with its reply, votes and reports.",
    { plugin: String, namespace: String, review_id: i64 },
    example ReviewDeleted { plugin: "acme.kanban".into(), namespace: "acme".into(), review_id: 17 }
}

event_type! {
    ReviewReplied = "review.replied", subject "plugin" (plugin),
    namespace (yes),
    "A member of the plugin's namespace replied to a review, changed the reply, or removed it.",
    {
        plugin: String,
        namespace: String,
        review_id: i64,
        /// Whether the review has a reply now (`false`: it was removed).
        replied: bool
    },
    example ReviewReplied { plugin: "acme.kanban".into(), namespace: "acme".into(), review_id: 17, replied: true }
}

event_type! {
    ReviewVoted = "review.voted", subject "plugin" (plugin),
    namespace (yes),
    "A user marked a review helpful, or withdrew that vote.",
    {
        plugin: String,
        namespace: String,
        review_id: i64,
        /// `true`: a vote was added; `false`: withdrawn.
        voted: bool,
        /// The review's helpful votes now.
        helpful: i64
    },
    example ReviewVoted { plugin: "acme.kanban".into(), namespace: "acme".into(), review_id: 17, voted: true, helpful: 3 }
}

event_type! {
    ReviewReported = "review.reported", subject "plugin" (plugin),
    namespace (no),
    "A user reported a review for abuse. Only admins read these events.",
    {
        plugin: String,
        review_id: i64,
        /// `spam`, `abuse`, `off_topic` or `other`.
        reason: String,
        /// The review's reports now.
        reports: i64
    },
    example ReviewReported { plugin: "acme.kanban".into(), review_id: 17, reason: "spam".into(), reports: 1 }
}
