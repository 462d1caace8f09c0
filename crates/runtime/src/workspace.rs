//! Workspaces: where plugins are installed. Every user has one (`~alice`) and
//! every namespace has one (`acme`). A workspace is a name, not a row.
//!
//! Who may do what: a user manages their own workspace; owners and maintainers
//! of a namespace manage its workspace; admins may look at every workspace
//! (health, logs) but manage only their own and their namespaces'. Managing
//! needs the `plugins` scope, looking needs `read`.

use trellis_platform::{Actor, AppError, AppResult, AppState};
use trellis_types::Scope;

/// A parsed workspace name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Workspace {
    User(String),
    Namespace(String),
}

impl Workspace {
    /// `~name` is a user's, anything else a namespace's.
    pub fn parse(s: &str) -> Result<Workspace, AppError> {
        // A name no workspace can have names none: not found, like one that
        // does not exist or that one may not see.
        let bad = || {
            AppError::not_found(format!(
                "Workspace `{}`",
                s.chars().take(64).collect::<String>()
            ))
        };
        let (user, name) = match s.strip_prefix('~') {
            Some(n) => (true, n),
            None => (false, s),
        };
        let ok = !name.is_empty()
            && name.len() <= 64
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.');
        if !ok {
            return Err(bad());
        }
        Ok(if user {
            Workspace::User(name.to_owned())
        } else {
            Workspace::Namespace(name.to_owned())
        })
    }

    /// The user's own workspace.
    pub fn of_user(username: &str) -> Workspace {
        Workspace::User(username.to_owned())
    }

    pub fn name(&self) -> String {
        match self {
            Workspace::User(u) => format!("~{u}"),
            Workspace::Namespace(n) => n.clone(),
        }
    }

    pub fn kind(&self) -> &'static str {
        match self {
            Workspace::User(_) => "user",
            Workspace::Namespace(_) => "namespace",
        }
    }

    /// The namespace, for a namespace's workspace.
    pub fn namespace(&self) -> Option<&str> {
        match self {
            Workspace::Namespace(n) => Some(n),
            Workspace::User(_) => None,
        }
    }
}

/// What an actor may do in a workspace.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    Manage,
    View,
}

/// The actor's access to `ws`, or `not_found` (a workspace one may not see is
/// not told apart from one that does not exist).
pub async fn access(state: &AppState, actor: &Actor, ws: &Workspace) -> AppResult<Access> {
    let manage = match ws {
        Workspace::User(u) => *u == actor.user.username,
        Workspace::Namespace(n) => {
            let mut c = state.db.conn().await?;
            match trellis_db::namespaces::by_name(&mut c, n).await? {
                Some(ns) => trellis_db::namespaces::member_role(&mut c, ns.id, actor.user.id)
                    .await?
                    .is_some(),
                None => false,
            }
        }
    };
    if manage {
        return Ok(Access::Manage);
    }
    if actor.user.is_admin {
        return Ok(Access::View);
    }
    Err(AppError::not_found(format!("Workspace `{}`", ws.name())))
}

/// The actor may manage `ws` (with the `plugins` scope).
pub async fn require_manage(state: &AppState, actor: &Actor, ws: &Workspace) -> AppResult<()> {
    actor.require(Scope::Plugins)?;
    match access(state, actor, ws).await? {
        Access::Manage => Ok(()),
        Access::View => Err(AppError::forbidden(format!(
            "Only {} may change the plugins of workspace `{}`.",
            match ws {
                Workspace::User(u) => u.clone(),
                Workspace::Namespace(n) => format!("members of {n}"),
            },
            ws.name()
        ))),
    }
}

/// The actor may look at `ws` (with the `read` scope).
pub async fn require_view(state: &AppState, actor: &Actor, ws: &Workspace) -> AppResult<Access> {
    actor.require(Scope::Read)?;
    access(state, actor, ws).await
}

#[cfg(test)]
mod tests {
    use super::Workspace;

    #[test]
    fn names_parse_both_ways() {
        assert_eq!(
            Workspace::parse("~alice").unwrap(),
            Workspace::User("alice".into())
        );
        assert_eq!(
            Workspace::parse("acme").unwrap(),
            Workspace::Namespace("acme".into())
        );
        assert_eq!(Workspace::parse("~alice").unwrap().name(), "~alice");
        for bad in ["", "~", "a b", "~a/b", "x\u{0}"] {
            assert!(Workspace::parse(bad).is_err(), "{bad:?}");
        }
    }
}
