//! The event catalogue: every event type Trellis emits, each a Rust type for its
//! data with a description, the kind of its subject and an example. The JSON
//! Schema of each type's data is generated from the type itself, so the served
//! catalogue (`GET /api/v1/event-types`) and docs/events.md ([`markdown`]) can
//! never disagree with what is emitted.
//!
//! To add a type: declare its data struct below with `event_type!`, list it in
//! [`catalogue`], emit it from the service in the transaction of the change, and
//! regenerate docs/events.md (`TRELLIS_UPDATE_EVENTS=1 cargo test -p trellis-events`).

use serde::{Deserialize, Serialize};
use trellis_types::EventTypeOut;
use utoipa::ToSchema;

/// What an event is about: a kind (`plugin`, `namespace`, `user`, `token`)
/// and an id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subject {
    pub kind: &'static str,
    pub id: String,
}

/// The data of one event type.
pub trait EventData: Serialize + for<'de> Deserialize<'de> + ToSchema {
    /// The type's name, `noun.verb` (`plugin.version.published`).
    const TYPE: &'static str;
    /// One or two sentences for integrators.
    const DESCRIPTION: &'static str;
    /// The kind of subject events of this type have.
    const SUBJECT: &'static str;
    /// The subject of this event.
    fn subject(&self) -> Subject;
    /// The namespace the event belongs to, if any (who may read it depends on it).
    fn namespace(&self) -> Option<&str>;
    /// An example, shown in the catalogue.
    fn example() -> Self;
}

macro_rules! namespace_of {
    ($self:ident, yes) => {
        Some($self.namespace.as_str())
    };
    ($self:ident, no) => {
        None
    };
    ($self:ident, optional) => {
        $self.namespace.as_deref()
    };
}

macro_rules! event_type {
    (
        $(#[$doc:meta])*
        $name:ident = $ty:literal, subject $subject:literal ($sfield:ident), namespace ($ns:ident),
        $desc:literal,
        { $($(#[$fdoc:meta])* $field:ident : $fty:ty),* $(,)? },
        example $example:expr
    ) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
        #[serde(deny_unknown_fields)]
        pub struct $name { $($(#[$fdoc])* pub $field: $fty),* }

        impl EventData for $name {
            const TYPE: &'static str = $ty;
            const DESCRIPTION: &'static str = $desc;
            const SUBJECT: &'static str = $subject;
            fn subject(&self) -> Subject {
                Subject { kind: $subject, id: self.$sfield.to_string() }
            }
            fn namespace(&self) -> Option<&str> {
                namespace_of!(self, $ns)
            }
            fn example() -> Self {
                $example
            }
        }
    };
}

mod moderation;
mod reviews;
mod runtime;
mod webhooks;
pub use moderation::*;
pub use reviews::*;
pub use runtime::*;
pub use webhooks::*;

event_type! {
    PluginPublished = "plugin.published", subject "plugin" (plugin),
    namespace (yes),
    "A new plugin was published (its first version). A `plugin.version.published` event for that version follows in the same transaction.",
    {
        /// The plugin id, `namespace.name`.
        plugin: String,
        namespace: String,
        display_name: String,
        description: String,
        /// `agent`, `integration`, `tool`, …
        kind: String,
        version: String
    },
    example PluginPublished {
        plugin: "acme.kanban".into(),
        namespace: "acme".into(),
        display_name: "Kanban".into(),
        description: "Boards for your notes.".into(),
        kind: "integration".into(),
        version: "1.0.0".into(),
    }
}

event_type! {
    PluginVersionPublished = "plugin.version.published", subject "plugin" (plugin),
    namespace (yes),
    "A version of a plugin was published (every version, the first included).",
    {
        plugin: String,
        namespace: String,
        version: String,
        /// SHA-256 of the package, hex.
        sha256: String,
        /// Size of the package in bytes.
        size: i64,
        /// Whether the package carried a signature by a key of the namespace.
        signed: bool
    },
    example PluginVersionPublished {
        plugin: "acme.kanban".into(),
        namespace: "acme".into(),
        version: "1.2.0".into(),
        sha256: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08".into(),
        size: 48213,
        signed: true,
    }
}

event_type! {
    PluginVersionYanked = "plugin.version.yanked", subject "plugin" (plugin),
    namespace (yes),
    "A version was yanked: resolution no longer picks it, exact downloads still work.",
    { plugin: String, namespace: String, version: String },
    example PluginVersionYanked { plugin: "acme.kanban".into(), namespace: "acme".into(), version: "1.1.0".into() }
}

event_type! {
    PluginVersionUnyanked = "plugin.version.unyanked", subject "plugin" (plugin),
    namespace (yes),
    "A yanked version was restored.",
    { plugin: String, namespace: String, version: String },
    example PluginVersionUnyanked { plugin: "acme.kanban".into(), namespace: "acme".into(), version: "1.1.0".into() }
}

event_type! {
    PluginDeprecated = "plugin.deprecated", subject "plugin" (plugin),
    namespace (yes),
    "A plugin was marked deprecated (or its deprecation notice changed).",
    {
        plugin: String,
        namespace: String,
        reason: String,
        /// The plugin to use instead, if the publisher named one.
        replacement: Option<String>
    },
    example PluginDeprecated {
        plugin: "acme.kanban".into(),
        namespace: "acme".into(),
        reason: "Superseded by acme.boards.".into(),
        replacement: Some("acme.boards".into()),
    }
}

event_type! {
    PluginUndeprecated = "plugin.undeprecated", subject "plugin" (plugin),
    namespace (yes),
    "A plugin's deprecation was withdrawn.",
    { plugin: String, namespace: String },
    example PluginUndeprecated { plugin: "acme.kanban".into(), namespace: "acme".into() }
}

event_type! {
    PluginDeleted = "plugin.deleted", subject "plugin" (plugin),
    namespace (yes),
    "A plugin that had never been downloaded was deleted, with all its versions.",
    {
        plugin: String,
        namespace: String,
        /// The versions it had.
        versions: Vec<String>
    },
    example PluginDeleted { plugin: "acme.kanban".into(), namespace: "acme".into(), versions: vec!["0.1.0".into()] }
}

event_type! {
    PluginImported = "plugin.imported", subject "plugin" (plugin),
    namespace (yes),
    "A plugin was imported from an outside catalogue (`trellis import`), or its catalogue entry changed. Re-importing an unchanged entry writes no event.",
    {
        plugin: String,
        namespace: String,
        /// The catalogue it comes from, e.g. `rockerBOO/awesome-neovim`.
        source: String,
        /// Its id in that catalogue.
        external_id: String,
        /// How many catalogue versions it now has (they have no package).
        versions: i64,
        /// Whether this import created it (`false`: updated).
        created: bool
    },
    example PluginImported {
        plugin: "neovim.folke-lazy-nvim".into(),
        namespace: "neovim".into(),
        source: "rockerBOO/awesome-neovim".into(),
        external_id: "folke/lazy.nvim".into(),
        versions: 0,
        created: true,
    }
}

event_type! {
    PluginStatsUpdated = "plugin.stats.updated", subject "plugin" (plugin),
    namespace (yes),
    "Download counts of a plugin were written (by a node's periodic flush of the counts it keeps in memory).",
    {
        plugin: String,
        namespace: String,
        /// Downloads added by this flush.
        downloads: i64
    },
    example PluginStatsUpdated { plugin: "acme.kanban".into(), namespace: "acme".into(), downloads: 12 }
}

event_type! {
    NamespaceCreated = "namespace.created", subject "namespace" (namespace),
    namespace (yes),
    "A namespace was created; its creator is its first owner.",
    {
        namespace: String,
        /// The first owner's user name; empty for a namespace a catalogue import
        /// created without an owner.
        owner: String
    },
    example NamespaceCreated { namespace: "acme".into(), owner: "alice".into() }
}

event_type! {
    NamespaceUpdated = "namespace.updated", subject "namespace" (namespace),
    namespace (yes),
    "A namespace's settings changed.",
    {
        namespace: String,
        /// Whether every package published to it must be signed by one of its keys.
        require_signatures: bool
    },
    example NamespaceUpdated { namespace: "acme".into(), require_signatures: true }
}

event_type! {
    NamespaceMemberAdded = "namespace.member.added", subject "namespace" (namespace),
    namespace (yes),
    "Someone became a member of a namespace (by accepting an invitation, or as its creator's co-owner).",
    {
        namespace: String,
        username: String,
        /// `owner` or `maintainer`.
        role: String
    },
    example NamespaceMemberAdded { namespace: "acme".into(), username: "bob".into(), role: "maintainer".into() }
}

event_type! {
    NamespaceMemberRoleChanged = "namespace.member.role_changed", subject "namespace" (namespace),
    namespace (yes),
    "A member's role in a namespace changed.",
    { namespace: String, username: String, role: String, previous_role: String },
    example NamespaceMemberRoleChanged {
        namespace: "acme".into(),
        username: "bob".into(),
        role: "owner".into(),
        previous_role: "maintainer".into(),
    }
}

event_type! {
    NamespaceMemberInvited = "namespace.member.invited", subject "namespace" (namespace),
    namespace (yes),
    "An owner invited someone to a namespace; they become a member when they accept.",
    { namespace: String, username: String, role: String },
    example NamespaceMemberInvited { namespace: "acme".into(), username: "bob".into(), role: "maintainer".into() }
}

event_type! {
    NamespaceMemberRemoved = "namespace.member.removed", subject "namespace" (namespace),
    namespace (yes),
    "A member left or was removed from a namespace.",
    { namespace: String, username: String },
    example NamespaceMemberRemoved { namespace: "acme".into(), username: "bob".into() }
}

event_type! {
    NamespaceKeyAdded = "namespace.key.added", subject "namespace" (namespace),
    namespace (yes),
    "A signing key (minisign) was added to a namespace.",
    {
        namespace: String,
        /// The key id, 16 hex digits.
        key_id: String
    },
    example NamespaceKeyAdded { namespace: "acme".into(), key_id: "B2D5C3E2F1A09876".into() }
}

event_type! {
    NamespaceKeyRemoved = "namespace.key.removed", subject "namespace" (namespace),
    namespace (yes),
    "A signing key was removed from a namespace.",
    { namespace: String, key_id: String },
    example NamespaceKeyRemoved { namespace: "acme".into(), key_id: "B2D5C3E2F1A09876".into() }
}

event_type! {
    TokenCreated = "token.created", subject "token" (token_id),
    namespace (no),
    "An API token was created (its secret is never part of an event).",
    {
        token_id: i64,
        name: String,
        /// The token's owner.
        username: String,
        scopes: Vec<String>,
        /// Unix seconds; none when the token does not expire.
        expires_at: Option<i64>
    },
    example TokenCreated {
        token_id: 42,
        name: "ci".into(),
        username: "alice".into(),
        scopes: vec!["publish".into()],
        expires_at: Some(1_798_761_600),
    }
}

event_type! {
    TokenRevoked = "token.revoked", subject "token" (token_id),
    namespace (no),
    "An API token was revoked (by its owner, or with the token that minted it, or on a password change).",
    { token_id: i64, name: String, username: String },
    example TokenRevoked { token_id: 42, name: "ci".into(), username: "alice".into() }
}

event_type! {
    UserCreated = "user.created", subject "user" (username),
    namespace (no),
    "An account was created (by signing up, or by an admin on the command line).",
    { user_id: i64, username: String },
    example UserCreated { user_id: 7, username: "alice".into() }
}

fn entry<T: EventData>() -> EventTypeOut {
    EventTypeOut {
        kind: T::TYPE.to_owned(),
        description: T::DESCRIPTION.to_owned(),
        subject: T::SUBJECT.to_owned(),
        schema: serde_json::to_value(T::schema()).unwrap_or_default(),
        example: serde_json::to_value(T::example()).unwrap_or_default(),
    }
}

/// Every event type, in catalogue order.
pub fn catalogue() -> Vec<EventTypeOut> {
    vec![
        entry::<PluginPublished>(),
        entry::<PluginVersionPublished>(),
        entry::<PluginVersionYanked>(),
        entry::<PluginVersionUnyanked>(),
        entry::<PluginDeprecated>(),
        entry::<PluginUndeprecated>(),
        entry::<PluginDeleted>(),
        entry::<PluginImported>(),
        entry::<PluginStatsUpdated>(),
        entry::<NamespaceCreated>(),
        entry::<NamespaceUpdated>(),
        entry::<NamespaceMemberInvited>(),
        entry::<NamespaceMemberAdded>(),
        entry::<NamespaceMemberRoleChanged>(),
        entry::<NamespaceMemberRemoved>(),
        entry::<NamespaceKeyAdded>(),
        entry::<NamespaceKeyRemoved>(),
        entry::<TokenCreated>(),
        entry::<TokenRevoked>(),
        entry::<UserCreated>(),
        entry::<ReviewCreated>(),
        entry::<ReviewUpdated>(),
        entry::<ReviewDeleted>(),
        entry::<ReviewReplied>(),
        entry::<ReviewVoted>(),
        entry::<ReviewReported>(),
        entry::<ReviewHidden>(),
        entry::<ReviewRestored>(),
        entry::<PluginReported>(),
        entry::<PluginDelisted>(),
        entry::<PluginRelisted>(),
        entry::<ReportsDismissed>(),
        entry::<UserSignedIn>(),
        entry::<UserSignInFailed>(),
        entry::<UserDisabled>(),
        entry::<UserEnabled>(),
        entry::<TokenUsed>(),
        entry::<WebhookEndpointCreated>(),
        entry::<WebhookEndpointUpdated>(),
        entry::<WebhookEndpointDeleted>(),
        entry::<WebhookEndpointSecretRotated>(),
        entry::<WebhookEndpointDisabled>(),
        entry::<WebhookTest>(),
        entry::<PluginInstalled>(),
        entry::<PluginUpdated>(),
        entry::<PluginUninstalled>(),
        entry::<PluginEnabled>(),
        entry::<PluginDisabled>(),
        entry::<PluginConfigured>(),
        entry::<PluginHealthChanged>(),
    ]
}

/// Whether `t` names a catalogue type, or a prefix of some (`plugin.`, `plugin.*`).
pub fn is_known_type_or_prefix(t: &str) -> bool {
    let prefix = t.strip_suffix('*').unwrap_or(t);
    catalogue().iter().any(|e| {
        if prefix.ends_with('.') {
            e.kind.starts_with(prefix)
        } else {
            e.kind == prefix
        }
    })
}

/// docs/events.md, generated from [`catalogue`].
pub fn markdown() -> String {
    let mut out = String::from(
        "# Events\n\n\
         <!-- Generated from crates/events/src/catalogue.rs by \
         `TRELLIS_UPDATE_EVENTS=1 cargo test -p trellis-events`; do not edit. -->\n\n\
         Every change an outsider could care about writes an event in the same database \
         transaction as the change. Each event has this envelope:\n\n\
         ```json\n{\n  \"id\": \"evt_01JDZ8Q4X9R7M2N5K3H6G1F0E\",\n  \"type\": \"plugin.version.published\",\n  \
         \"occurred_at\": \"2026-12-01T09:30:00.000Z\",\n  \"actor\": { \"type\": \"user\", \"user_id\": 7, \"username\": \"alice\", \"token_id\": 42 },\n  \
         \"subject\": { \"kind\": \"plugin\", \"id\": \"acme.kanban\" },\n  \"namespace\": \"acme\",\n  \"data\": { }\n}\n```\n\n\
         `id` sorts by creation time; `actor.type` is `user` or `system`; `namespace` is present on \
         plugin and namespace events. The catalogue is served at `GET /api/v1/event-types`, the log at \
         `GET /api/v1/events` (admins: every event; others: the events of their namespaces).\n\n\
         | type | subject | description |\n|---|---|---|\n",
    );
    let all = catalogue();
    for e in &all {
        out += &format!(
            "| [`{}`](#{}) | {} | {} |\n",
            e.kind,
            e.kind.replace('.', ""),
            e.subject,
            e.description
        );
    }
    for e in &all {
        out += &format!(
            "\n## {}\n\n{}\n\nSubject: `{}`.\n\nExample `data`:\n\n```json\n{}\n```\n\nSchema of `data`:\n\n```json\n{}\n```\n",
            e.kind,
            e.description,
            e.subject,
            serde_json::to_string_pretty(&e.example).unwrap_or_default(),
            serde_json::to_string_pretty(&e.schema).unwrap_or_default(),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_type_is_unique_with_a_schema_and_an_example_of_its_shape() {
        let all = catalogue();
        let mut names: Vec<&str> = all.iter().map(|e| e.kind.as_str()).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), all.len(), "duplicate event type");
        for e in &all {
            assert_eq!(e.schema["type"], "object", "{}", e.kind);
            let required = e.schema["required"].as_array().cloned().unwrap_or_default();
            for r in required {
                assert!(
                    e.example.get(r.as_str().unwrap()).is_some(),
                    "{}: example lacks {r}",
                    e.kind
                );
            }
            for key in e.example.as_object().unwrap().keys() {
                assert!(
                    e.schema["properties"].get(key).is_some(),
                    "{}: {key} not in schema",
                    e.kind
                );
            }
        }
        assert!(is_known_type_or_prefix("plugin.*"));
        assert!(is_known_type_or_prefix("plugin.version."));
        assert!(is_known_type_or_prefix("token.created"));
        assert!(!is_known_type_or_prefix("plugin.exploded"));
        assert!(!is_known_type_or_prefix("plug"));
    }

    /// docs/events.md is generated from the catalogue; this fails when they differ
    /// (regenerate with `TRELLIS_UPDATE_EVENTS=1 cargo test -p trellis-events`).
    #[test]
    fn docs_events_md_matches_the_catalogue() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/events.md");
        let want = markdown();
        if std::env::var_os("TRELLIS_UPDATE_EVENTS").is_some() {
            std::fs::write(path, &want).unwrap();
        }
        let have = std::fs::read_to_string(path).unwrap_or_default();
        assert!(
            have == want,
            "docs/events.md is not what the catalogue generates: run \
             TRELLIS_UPDATE_EVENTS=1 cargo test -p trellis-events"
        );
    }
}
