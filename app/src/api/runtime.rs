//! What the plugin runtime's pages show, read through `trellis_runtime`
//! (which decides who may see what): the plugin page's install panel, the
//! install plan, a workspace with its updates, an installation (configuration
//! form, health, log), the consent pages of updates and rollbacks, the
//! uninstall confirmation, workspace health and the admins' view (the
//! reads of one installation's pages are in `runtime_installations`, the
//! actions in `runtime_actions`).
//!
//! Server functions reach the runtime through [`rt::runtime`] (the server
//! provides an `Arc<trellis_runtime::Runtime>` beside `AppState`).

use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use trellis_types::{
    ConfigOut, HealthOut, InstallPlanOut, InstallStatsOut, InstallationOut, LogPageOut, UpdateOut,
    WorkspaceOut,
};

use crate::error::UiError;

/// A host function and what it grants (`trellis_registry::HOST_FUNCTIONS`).
pub type Meaning = (String, String);

/// The plugin page's install panel.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InstallChoices {
    pub signed_in: bool,
    /// Where the viewer may install: `~them`, then their namespaces.
    pub workspaces: Vec<String>,
    /// `(workspace, installation id)` where it is installed already (asked for).
    pub installed: Vec<(String, String)>,
}

/// What the install page shows for a workspace.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum PlanView {
    /// The plan, to consent to.
    Ready(InstallPlanOut),
    /// Installed there already.
    Installed {
        installation: String,
        version: String,
    },
    /// The plan cannot be made or carried out (the resolver's explanation,
    /// when it found conflicting requirements).
    Refused {
        code: String,
        detail: String,
        explanation: Option<String>,
    },
}

/// `/plugins/{id}/install?workspace=…`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InstallPageData {
    pub plugin: String,
    pub workspace: String,
    pub workspaces: Vec<String>,
    pub view: PlanView,
    pub meanings: Vec<Meaning>,
}

/// `/workspaces/{ws}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WorkspaceData {
    pub ws: WorkspaceOut,
    pub updates: Vec<UpdateOut>,
    /// The viewer's own workspaces, for the switcher.
    pub workspaces: Vec<String>,
    /// Dependencies installed for plugins that are gone: nothing needs them.
    pub unused: Vec<String>,
}

/// What a call of `invoke` from the installation page gave.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InvokeResult {
    /// The JSON sent, as typed.
    pub input: String,
    pub ok: bool,
    /// The output (pretty JSON) or why the call failed.
    pub text: String,
    pub duration_ms: i64,
    pub fuel: i64,
}

/// `/installations/{id}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InstallationData {
    pub inst: InstallationOut,
    pub can_manage: bool,
    pub config: ConfigOut,
    pub health: HealthOut,
    pub log: LogPageOut,
    /// The log filter: the lowest level shown.
    pub level: String,
    pub before: Option<i64>,
    pub update: Option<UpdateOut>,
    pub meanings: Vec<Meaning>,
    /// The last call's result, brought back after a form post without JavaScript.
    pub invoked: Option<InvokeResult>,
}

/// `/installations/{id}/update` and `/installations/{id}/rollback`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConsentData {
    pub inst: InstallationOut,
    /// `update` or `rollback`.
    pub kind: String,
    /// The version asked for (update to a given version), if any.
    pub version: Option<String>,
    pub plan: InstallPlanOut,
    pub meanings: Vec<Meaning>,
}

/// `/workspaces/{ws}/updates`: what "Update all" would do.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UpdateAllData {
    pub workspace: String,
    /// Each update "Update all" carries out, with its plan.
    pub plans: Vec<(UpdateOut, InstallPlanOut)>,
    /// Updates it leaves alone (pinned).
    pub pinned: Vec<UpdateOut>,
    pub meanings: Vec<Meaning>,
}

/// `/installations/{id}/uninstall`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UninstallData {
    pub inst: InstallationOut,
    /// Installed plugins that need it (then it cannot go).
    pub needed_by: Vec<String>,
    /// Dependencies nothing would need once it is gone.
    pub unused: Vec<String>,
}

/// `/workspaces/{ws}/health`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WorkspaceHealthData {
    pub workspace: String,
    pub rows: Vec<HealthOut>,
    pub workspaces: Vec<String>,
}

/// `/admin/plugins`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AdminPluginsData {
    pub stats: InstallStatsOut,
    pub health: Vec<HealthOut>,
}

/// Server-side helpers: the runtime and the actor.
#[cfg(feature = "ssr")]
pub mod rt {
    use std::sync::Arc;

    use leptos::prelude::*;
    use trellis_platform::{Actor, AppError};
    use trellis_runtime::Runtime;

    use crate::error::UiError;

    /// The runtime the server provides.
    pub fn runtime() -> Result<Arc<Runtime>, UiError> {
        use_context::<Arc<Runtime>>()
            .ok_or_else(|| AppError::internal("Runtime missing from context").into())
    }

    /// The runtime and the signed-in actor (`unauthenticated` otherwise).
    pub async fn acting() -> Result<(Arc<Runtime>, Actor), UiError> {
        let rt = runtime()?;
        let s = crate::api::ssr::session().await?;
        let actor = crate::api::ssr::require_actor(&rt.state, &s).await?;
        Ok((rt, actor))
    }

    /// The runtime and the actor, if someone is signed in.
    pub async fn maybe_acting() -> Result<(Arc<Runtime>, Option<Actor>), UiError> {
        let rt = runtime()?;
        let s = crate::api::ssr::session().await?;
        let user = trellis_platform::session::current_user(&rt.state, &s).await?;
        let actor = match user {
            Some(u) => Some(Actor::session(
                u,
                Some(crate::api::ssr::client_addr().await),
            )),
            None => None,
        };
        Ok((rt, actor))
    }

    /// Every host function with what it grants.
    pub fn meanings() -> Vec<super::Meaning> {
        trellis_registry::HOST_FUNCTIONS
            .iter()
            .map(|(n, m)| (n.to_string(), m.to_string()))
            .collect()
    }

    /// The viewer's workspaces, with `current` first among them when it is
    /// someone else's (an admin looking).
    pub async fn switcher(
        rt: &Runtime,
        actor: &Actor,
        current: &str,
    ) -> Result<Vec<String>, UiError> {
        let mut out = trellis_runtime::manage::workspaces_of(rt, actor).await?;
        if !current.is_empty() && !out.iter().any(|w| w == current) {
            out.insert(0, current.to_owned());
        }
        Ok(out)
    }

    /// Purpose of the sealed results of `invoke` carried in a URL.
    pub const INVOKE_SEAL: &str = "runtime-ui-invoke";

    /// What a sealed result is bound to: the viewer and the installation.
    pub fn invoke_context(actor: &Actor, installation: &str) -> String {
        format!("{}:{installation}", actor.user.id)
    }
}

/// The install panel of a plugin page: the viewer's workspaces and where
/// the plugin is installed already (signed out: nothing but that).
#[server]
pub async fn install_options(plugin: String) -> Result<InstallChoices, UiError> {
    let (rt, actor) = rt::maybe_acting().await?;
    let Some(actor) = actor else {
        return Ok(InstallChoices {
            signed_in: false,
            workspaces: Vec::new(),
            installed: Vec::new(),
        });
    };
    let workspaces = trellis_runtime::manage::workspaces_of(&rt, &actor).await?;
    let mut installed = Vec::new();
    for ws in &workspaces {
        let w = trellis_runtime::manage::workspace(&rt, &actor, ws).await?;
        if let Some(i) = w
            .installations
            .iter()
            .find(|i| i.plugin == plugin && i.requested)
        {
            installed.push((ws.clone(), i.id.clone()));
        }
    }
    Ok(InstallChoices {
        signed_in: true,
        workspaces,
        installed,
    })
}

/// The install plan of `plugin` in `workspace` (the viewer's own by default).
#[server]
pub async fn install_page(
    plugin: String,
    workspace: Option<String>,
) -> Result<InstallPageData, UiError> {
    use trellis_types::ErrorCode;
    let (rt, actor) = rt::acting().await?;
    let ws = workspace
        .filter(|w| !w.trim().is_empty())
        .unwrap_or_else(|| format!("~{}", actor.user.username));
    let current = trellis_runtime::manage::workspace(&rt, &actor, &ws).await?;
    let workspaces = rt::switcher(&rt, &actor, &current.workspace).await?;
    let view = match current
        .installations
        .iter()
        .find(|i| i.plugin == plugin && i.requested)
    {
        Some(i) => PlanView::Installed {
            installation: i.id.clone(),
            version: i.version.clone(),
        },
        None => {
            let input = trellis_types::InstallIn {
                plugin: plugin.clone(),
                req: None,
                consent: false,
            };
            match trellis_runtime::install::plan(&rt, &actor, &ws, &input).await {
                Ok(plan) => PlanView::Ready(plan),
                Err(e)
                    if matches!(
                        e.code,
                        ErrorCode::ResolutionFailed
                            | ErrorCode::Conflict
                            | ErrorCode::PackageInvalid
                    ) =>
                {
                    PlanView::Refused {
                        code: e.code.as_str().to_owned(),
                        detail: e.detail.clone(),
                        explanation: e
                            .extra
                            .as_ref()
                            .and_then(|x| x.get("explanation"))
                            .and_then(|x| x.as_str())
                            .map(str::to_owned),
                    }
                }
                Err(e) => return Err(e.into()),
            }
        }
    };
    Ok(InstallPageData {
        plugin,
        workspace: current.workspace,
        workspaces,
        view,
        meanings: rt::meanings(),
    })
}

/// A workspace with its installations and available updates.
#[server]
pub async fn workspace_page(workspace: String) -> Result<WorkspaceData, UiError> {
    let (rt, actor) = rt::acting().await?;
    // Health first: reading it writes what this process measured, so each
    // installation's status agrees with the health pages.
    let w = trellis_runtime::workspace::Workspace::parse(&workspace)?;
    trellis_runtime::status::workspace_health(&rt, &actor, &w.name()).await?;
    let ws = trellis_runtime::manage::workspace(&rt, &actor, &workspace).await?;
    let updates = trellis_runtime::updates::available(&rt, &actor, &ws.workspace).await?;
    let workspaces = rt::switcher(&rt, &actor, &ws.workspace).await?;
    let unused = trellis_types::unused_after(&ws.installations, &[]);
    Ok(WorkspaceData {
        ws,
        updates,
        workspaces,
        unused,
    })
}

/// The health of every installation of a workspace.
#[server]
pub async fn workspace_health_page(workspace: String) -> Result<WorkspaceHealthData, UiError> {
    let (rt, actor) = rt::acting().await?;
    let w = trellis_runtime::workspace::Workspace::parse(&workspace)?;
    let rows = trellis_runtime::status::workspace_health(&rt, &actor, &w.name()).await?;
    let workspaces = rt::switcher(&rt, &actor, &w.name()).await?;
    Ok(WorkspaceHealthData {
        workspace: w.name(),
        rows,
        workspaces,
    })
}
