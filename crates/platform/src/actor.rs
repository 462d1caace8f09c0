//! `Actor`: who is doing something, and through what. Every service that acts
//! on someone's behalf takes one, so the rules that depend on *how* a person
//! acts (a read-only token may not revoke tokens; a token may only mint
//! narrower, shorter-lived tokens) live in the services, not in handlers.

use std::sync::Arc;

use trellis_db::users::UserRow;
use trellis_types::{ErrorCode, Scope};

use crate::tokens::TokenUsage;
use crate::{AppError, AppResult};

/// How the actor authenticated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Via {
    /// A browser session: acts with every scope its user has.
    Session,
    /// An API token with these scopes.
    Token {
        id: i64,
        scopes: Vec<Scope>,
        expires_at: Option<i64>,
    },
}

/// A signed-in user acting through a session or a token.
#[derive(Debug, Clone)]
pub struct Actor {
    pub user: UserRow,
    pub via: Via,
    /// The client's address, when known (for the security log and rate limits).
    pub ip: Option<String>,
    /// Where a token's uses are counted: [`Actor::require`] notes each scope a
    /// token exercises, for the audit log's `token.used` events.
    pub(crate) usage: Option<Arc<TokenUsage>>,
}

impl Actor {
    /// A user acting through their browser session.
    pub fn session(user: UserRow, ip: Option<String>) -> Actor {
        Actor {
            user,
            via: Via::Session,
            ip,
            usage: None,
        }
    }

    pub fn user(&self) -> &UserRow {
        &self.user
    }

    /// The token in use, if the actor came with one.
    pub fn token_id(&self) -> Option<i64> {
        match &self.via {
            Via::Token { id, .. } => Some(*id),
            Via::Session => None,
        }
    }

    /// Scopes this actor holds (a session holds all).
    pub fn scopes(&self) -> Vec<Scope> {
        match &self.via {
            Via::Token { scopes, .. } => scopes.clone(),
            Via::Session => Scope::ALL.to_vec(),
        }
    }

    /// Whether the actor may act with `scope`.
    pub fn has(&self, scope: Scope) -> bool {
        match &self.via {
            Via::Token { scopes, .. } => scopes.contains(&scope),
            Via::Session => true,
        }
    }

    /// Fails with `insufficient_scope` unless the actor may act with `scope`.
    /// A token's use of the scope is noted for the audit log.
    pub fn require(&self, scope: Scope) -> AppResult<()> {
        if self.has(scope) {
            if let (Some(usage), Some(id)) = (&self.usage, self.token_id()) {
                usage.record_scope(id, self.user.id, scope);
            }
            Ok(())
        } else {
            Err(AppError::new(
                ErrorCode::InsufficientScope,
                format!("This needs a token with the `{}` scope.", scope.as_str()),
            ))
        }
    }

    /// Fails unless the actor is an admin acting with the admin scope.
    pub fn require_admin(&self) -> AppResult<()> {
        self.require(Scope::Admin)?;
        if self.user.is_admin {
            Ok(())
        } else {
            Err(AppError::forbidden("Only admins may do this."))
        }
    }
}
