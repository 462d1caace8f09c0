//! Who may see and manage which endpoints: admins (acting with the `webhooks`
//! scope) every endpoint, instance-wide ones included; publishers the endpoints
//! of the namespaces they are members of. Every service of this crate starts
//! here, so REST, the console and later GraphQL cannot disagree.

use trellis_db::webhooks::{EndpointRow, Scope as DbScope};
use trellis_platform::{Actor, AppError, AppResult, AppState};
use trellis_types::Scope;

/// What an actor's webhook powers cover.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Access {
    /// Every endpoint (an admin).
    All,
    /// Endpoints of these namespaces (a publisher's memberships).
    Namespaces(Vec<String>),
}

impl Access {
    /// The actor's access; fails unless it holds the `webhooks` scope.
    pub async fn of(state: &AppState, actor: &Actor) -> AppResult<Access> {
        actor.require(Scope::Webhooks)?;
        if actor.user.is_admin {
            return Ok(Access::All);
        }
        let mut c = state.db.conn().await?;
        let mine = trellis_db::namespaces::memberships(&mut c, &[actor.user.id])
            .await?
            .into_iter()
            .map(|(_, name, _)| name)
            .collect();
        Ok(Access::Namespaces(mine))
    }

    /// The listing scope in the database's terms.
    pub fn db_scope(&self) -> DbScope<'_> {
        match self {
            Access::All => DbScope::All,
            Access::Namespaces(ns) => DbScope::Namespaces(ns),
        }
    }

    /// Whether endpoints of `namespace` (`None`: instance-wide) are covered.
    pub fn covers(&self, namespace: Option<&str>) -> bool {
        match (self, namespace) {
            (Access::All, _) => true,
            (Access::Namespaces(ns), Some(n)) => ns.iter().any(|m| m == n),
            (Access::Namespaces(_), None) => false,
        }
    }

    /// Fails unless an endpoint for `namespace` may be created here.
    pub fn require_for(&self, namespace: Option<&str>) -> AppResult<()> {
        if self.covers(namespace) {
            return Ok(());
        }
        Err(match namespace {
            None => AppError::forbidden(
                "Only admins may create instance-wide endpoints: give the namespace whose events it should get.",
            ),
            Some(n) => trellis_platform::registry::not_member(n),
        })
    }
}

/// The endpoint `id` if the actor may see it; `not_found` otherwise (so
/// another namespace's endpoints are not revealed).
pub async fn endpoint(state: &AppState, access: &Access, id: &str) -> AppResult<EndpointRow> {
    let row = trellis_db::webhooks::endpoint(&mut *state.db.conn().await?, id).await?;
    match row {
        Some(e) if access.covers(e.namespace.as_deref()) => Ok(e),
        _ => Err(AppError::not_found(format!("Webhook endpoint `{id}`"))),
    }
}
