//! Accounts, roles and API tokens as the UI and the API show them.

use serde::{Deserialize, Serialize};

/// A signed-in user as shown to themselves.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UserOut {
    pub id: i64,
    pub username: String,
    pub is_admin: bool,
    /// Unix seconds.
    pub created_at: i64,
    /// Namespaces the user belongs to, with their role there.
    #[serde(default)]
    pub namespaces: Vec<MembershipOut>,
}

/// A namespace membership.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MembershipOut {
    pub namespace: String,
    pub role: NamespaceRole,
}

/// Role inside a namespace.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum NamespaceRole {
    Owner,
    Maintainer,
}

impl NamespaceRole {
    pub fn as_str(self) -> &'static str {
        match self {
            NamespaceRole::Owner => "owner",
            NamespaceRole::Maintainer => "maintainer",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "owner" => Some(NamespaceRole::Owner),
            "maintainer" => Some(NamespaceRole::Maintainer),
            _ => None,
        }
    }
}

/// What an API token may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    /// Read anything the owner may read.
    Read,
    /// Publish, yank and manage plugins in the owner's namespaces.
    Publish,
    /// Manage webhook endpoints.
    Webhooks,
    /// Install, configure, call and remove plugins in the owner's workspaces.
    Plugins,
    /// Administer the instance (only effective for admins).
    Admin,
}

impl Scope {
    pub const ALL: [Scope; 5] = [
        Scope::Read,
        Scope::Publish,
        Scope::Webhooks,
        Scope::Plugins,
        Scope::Admin,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Read => "read",
            Scope::Publish => "publish",
            Scope::Webhooks => "webhooks",
            Scope::Plugins => "plugins",
            Scope::Admin => "admin",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Scope::ALL.into_iter().find(|x| x.as_str() == s)
    }
}

/// An API token as listed (never the secret).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TokenOut {
    pub id: i64,
    pub name: String,
    /// The first characters of the secret, to recognise it (e.g. `trls_ab12`).
    pub prefix: String,
    pub scopes: Vec<Scope>,
    pub created_at: i64,
    pub expires_at: Option<i64>,
    pub last_used_at: Option<i64>,
    pub revoked_at: Option<i64>,
}

/// Request to create a token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct TokenIn {
    /// 1 to 64 characters.
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 64))]
    pub name: String,
    /// At least one; only scopes the caller holds (`admin` only for admins).
    #[cfg_attr(feature = "openapi", schema(min_items = 1))]
    pub scopes: Vec<Scope>,
    /// Days until expiry, 1 to 366; none means never.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 366))]
    pub expires_in_days: Option<u32>,
}

/// A freshly created token: the only time the secret is shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TokenCreated {
    pub token: TokenOut,
    pub secret: String,
}

/// A signed-in browser session as listed to its user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SessionOut {
    /// A handle naming the session (not its secret id).
    pub id: String,
    /// Whether this is the session making the request.
    pub current: bool,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub signed_in_at: Option<i64>,
    /// When it was last used (unix seconds).
    pub last_seen_at: i64,
}

/// One entry of a user's security log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SecurityEventOut {
    pub id: i64,
    /// `signed_in`, `sign_in_failed`, `password_changed`, `token_created`, `token_used`, …
    pub kind: String,
    pub ip: Option<String>,
    pub detail: String,
    pub at: i64,
}

/// A pending invitation to join a namespace, as the invitee sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InvitationOut {
    pub namespace: String,
    pub role: NamespaceRole,
    pub invited_by: String,
    pub created_at: i64,
    pub expires_at: i64,
}

/// A page of results.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ListResponse<T> {
    pub data: Vec<T>,
    /// Pass as `cursor` to get the next page; null on the last page (and on
    /// lists that are never paged).
    #[serde(default)]
    pub next_cursor: Option<String>,
}

impl<T> ListResponse<T> {
    /// A whole list: no further page.
    pub fn all(data: Vec<T>) -> Self {
        ListResponse {
            data,
            next_cursor: None,
        }
    }
}
