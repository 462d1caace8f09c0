//! The plugin runtime over REST (trellis-runtime decides who may do what):
//! workspaces (`/workspaces/{ws}`: `~username` or a namespace) with their
//! install plans, installs, available updates, update-all and health;
//! installations (`/installations/{id}`) with enable / disable / pin,
//! uninstall, configuration, update, rollback, invoke, health and log; and
//! the admins' views (`/admin/plugin-health`, `/admin/install-stats`).

use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;
use trellis_runtime::Runtime;
use trellis_types::{
    ConfigIn, ConfigOut, ConsentIn, HealthOut, InstallIn, InstallPlanOut, InstallResultOut,
    InstallStatsOut, InstallationOut, InstallationPatchIn, InvokeIn, InvokeOut, ListResponse,
    LogPageOut, UninstallIn, UninstalledOut, UpdateIn, UpdateOut, WorkspaceOut,
};
use utoipa::IntoParams;

use super::extract::{ApiJson, ApiPath, ApiQuery, Caller};
use super::openapi::{Conflict, PluginFailed, Unprocessable};
use super::problem::ApiError;

fn bad_param(name: &str, detail: &str) -> ApiError {
    trellis_platform::AppError::field(
        trellis_types::ErrorCode::BadRequest,
        name,
        "invalid",
        detail,
    )
    .into()
}

/// The largest body a runtime request takes (configuration, invoke input).
pub const MAX_BODY: usize = 256 * 1024;

/// Get a workspace and what is installed in it.
#[utoipa::path(
    get,
    path = "/api/v1/workspaces/{ws}",
    operation_id = "v1.workspace.get",
    tag = "installations",
    params(("ws" = String, Path, description = "`~username` (a user's workspace) or a namespace.")),
    security(("bearer" = ["read"]), ("session" = [])),
    responses((status = 200, description = "The workspace.", body = WorkspaceOut))
)]
pub async fn get_workspace(
    State(rt): State<Arc<Runtime>>,
    caller: Caller,
    ApiPath(ws): ApiPath<String>,
) -> Result<Json<WorkspaceOut>, ApiError> {
    Ok(Json(
        trellis_runtime::manage::workspace(&rt, &caller, &ws).await?,
    ))
}

/// Plan an install: each plugin and version the resolver picks, its size, the
/// permissions and hosts it asks for. Changes nothing.
#[utoipa::path(
    post,
    path = "/api/v1/workspaces/{ws}/install-plan",
    operation_id = "v1.workspace.install_plan",
    tag = "installations",
    params(("ws" = String, Path, description = "`~username` or a namespace.")),
    request_body = InstallIn,
    security(("bearer" = ["plugins"]), ("session" = [])),
    responses(
        (status = 200, description = "The plan, dependencies first.", body = InstallPlanOut),
        (status = 409, response = Conflict),
        (status = 422, response = Unprocessable),
    )
)]
pub async fn install_plan(
    State(rt): State<Arc<Runtime>>,
    caller: Caller,
    ApiPath(ws): ApiPath<String>,
    ApiJson(input): ApiJson<InstallIn>,
) -> Result<Json<InstallPlanOut>, ApiError> {
    Ok(Json(
        trellis_runtime::install::plan(&rt, &caller, &ws, &input).await?,
    ))
}

/// Install a plugin and what it needs, with consent to the plan's
/// permissions: verified, everything or nothing, enabled.
#[utoipa::path(
    post,
    path = "/api/v1/workspaces/{ws}/installations",
    operation_id = "v1.workspace.install",
    tag = "installations",
    params(("ws" = String, Path, description = "`~username` or a namespace.")),
    request_body = InstallIn,
    security(("bearer" = ["plugins"]), ("session" = [])),
    responses(
        (status = 201, description = "The plan carried out and the installations made.", body = InstallResultOut),
        (status = 409, response = Conflict),
        (status = 422, response = Unprocessable),
    )
)]
pub async fn install(
    State(rt): State<Arc<Runtime>>,
    caller: Caller,
    ApiPath(ws): ApiPath<String>,
    ApiJson(input): ApiJson<InstallIn>,
) -> Result<(StatusCode, Json<InstallResultOut>), ApiError> {
    let done = trellis_runtime::install::install(&rt, &caller, &ws, &input).await?;
    Ok((StatusCode::CREATED, Json(done)))
}

/// List the updates available in a workspace.
#[utoipa::path(
    get,
    path = "/api/v1/workspaces/{ws}/updates",
    operation_id = "v1.workspace.updates.list",
    tag = "installations",
    params(("ws" = String, Path, description = "`~username` or a namespace.")),
    security(("bearer" = ["read"]), ("session" = [])),
    responses((status = 200, description = "Installations with a newer version.", body = ListResponse<UpdateOut>))
)]
pub async fn list_updates(
    State(rt): State<Arc<Runtime>>,
    caller: Caller,
    ApiPath(ws): ApiPath<String>,
) -> Result<Json<ListResponse<UpdateOut>>, ApiError> {
    Ok(Json(ListResponse::all(
        trellis_runtime::updates::available(&rt, &caller, &ws).await?,
    )))
}

/// Update every installation that has an update and is not pinned (consent
/// needed when any asks for more permissions).
#[utoipa::path(
    post,
    path = "/api/v1/workspaces/{ws}/updates",
    operation_id = "v1.workspace.updates.apply",
    tag = "installations",
    params(("ws" = String, Path, description = "`~username` or a namespace.")),
    request_body = ConsentIn,
    security(("bearer" = ["plugins"]), ("session" = [])),
    responses(
        (status = 200, description = "Each update carried out.", body = ListResponse<InstallResultOut>),
        (status = 409, response = Conflict),
        (status = 422, response = Unprocessable),
    )
)]
pub async fn update_all(
    State(rt): State<Arc<Runtime>>,
    caller: Caller,
    ApiPath(ws): ApiPath<String>,
    ApiJson(input): ApiJson<ConsentIn>,
) -> Result<Json<ListResponse<InstallResultOut>>, ApiError> {
    Ok(Json(ListResponse::all(
        trellis_runtime::updates::update_all(&rt, &caller, &ws, &input).await?,
    )))
}

/// The health of a workspace's installations.
#[utoipa::path(
    get,
    path = "/api/v1/workspaces/{ws}/health",
    operation_id = "v1.workspace.health",
    tag = "installations",
    params(("ws" = String, Path, description = "`~username` or a namespace.")),
    security(("bearer" = ["read"]), ("session" = [])),
    responses((status = 200, description = "Each installation's health.", body = ListResponse<HealthOut>))
)]
pub async fn workspace_health(
    State(rt): State<Arc<Runtime>>,
    caller: Caller,
    ApiPath(ws): ApiPath<String>,
) -> Result<Json<ListResponse<HealthOut>>, ApiError> {
    Ok(Json(ListResponse::all(
        trellis_runtime::status::workspace_health(&rt, &caller, &ws).await?,
    )))
}

/// Get an installation.
#[utoipa::path(
    get,
    path = "/api/v1/installations/{id}",
    operation_id = "v1.installation.get",
    tag = "installations",
    params(("id" = String, Path, description = "The installation id, `ins_…`.")),
    security(("bearer" = ["read"]), ("session" = [])),
    responses((status = 200, description = "The installation.", body = InstallationOut))
)]
pub async fn get_installation(
    State(rt): State<Arc<Runtime>>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<InstallationOut>, ApiError> {
    Ok(Json(trellis_runtime::manage::get(&rt, &caller, &id).await?))
}

/// Enable, disable or pin an installation.
#[utoipa::path(
    patch,
    path = "/api/v1/installations/{id}",
    operation_id = "v1.installation.update",
    tag = "installations",
    params(("id" = String, Path, description = "The installation id.")),
    request_body = InstallationPatchIn,
    security(("bearer" = ["plugins"]), ("session" = [])),
    responses(
        (status = 200, description = "The installation.", body = InstallationOut),
        (status = 422, response = Unprocessable),
    )
)]
pub async fn patch_installation(
    State(rt): State<Arc<Runtime>>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
    ApiJson(input): ApiJson<InstallationPatchIn>,
) -> Result<Json<InstallationOut>, ApiError> {
    Ok(Json(
        trellis_runtime::manage::patch(&rt, &caller, &id, &input).await?,
    ))
}

/// Uninstall options.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UninstallQuery {
    /// Also remove the dependencies nothing installed needs any more.
    #[serde(default)]
    pub remove_unused_dependencies: bool,
}

/// Uninstall a plugin (refused while another installed plugin needs it).
#[utoipa::path(
    delete,
    path = "/api/v1/installations/{id}",
    operation_id = "v1.installation.delete",
    tag = "installations",
    params(("id" = String, Path, description = "The installation id."), UninstallQuery),
    security(("bearer" = ["plugins"]), ("session" = [])),
    responses(
        (status = 200, description = "What was removed, and dependencies left that nothing needs.", body = UninstalledOut),
        (status = 409, response = Conflict),
    )
)]
pub async fn uninstall(
    State(rt): State<Arc<Runtime>>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
    ApiQuery(q): ApiQuery<UninstallQuery>,
) -> Result<Json<UninstalledOut>, ApiError> {
    let input = UninstallIn {
        remove_unused_dependencies: q.remove_unused_dependencies,
    };
    Ok(Json(
        trellis_runtime::manage::uninstall(&rt, &caller, &id, &input).await?,
    ))
}

/// Get an installation's configuration form and values (secrets never shown).
#[utoipa::path(
    get,
    path = "/api/v1/installations/{id}/config",
    operation_id = "v1.installation.config.get",
    tag = "installations",
    params(("id" = String, Path, description = "The installation id.")),
    security(("bearer" = ["read"]), ("session" = [])),
    responses((status = 200, description = "The form and the values.", body = ConfigOut))
)]
pub async fn get_config(
    State(rt): State<Arc<Runtime>>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<ConfigOut>, ApiError> {
    Ok(Json(
        trellis_runtime::configure::get(&rt, &caller, &id).await?,
    ))
}

/// Replace an installation's configuration, validated against the plugin's
/// JSON Schema (a secret left out keeps its value, `null` clears it).
#[utoipa::path(
    put,
    path = "/api/v1/installations/{id}/config",
    operation_id = "v1.installation.config.put",
    tag = "installations",
    params(("id" = String, Path, description = "The installation id.")),
    request_body = ConfigIn,
    security(("bearer" = ["plugins"]), ("session" = [])),
    responses(
        (status = 200, description = "The form and the values.", body = ConfigOut),
        (status = 422, response = Unprocessable),
    )
)]
pub async fn put_config(
    State(rt): State<Arc<Runtime>>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
    ApiJson(input): ApiJson<ConfigIn>,
) -> Result<Json<ConfigOut>, ApiError> {
    Ok(Json(
        trellis_runtime::configure::set(&rt, &caller, &id, &input).await?,
    ))
}

/// Plan an update (to `version`, else the newest). Changes nothing.
#[utoipa::path(
    post,
    path = "/api/v1/installations/{id}/update-plan",
    operation_id = "v1.installation.update_plan",
    tag = "installations",
    params(("id" = String, Path, description = "The installation id.")),
    request_body = UpdateIn,
    security(("bearer" = ["plugins"]), ("session" = [])),
    responses(
        (status = 200, description = "The plan.", body = InstallPlanOut),
        (status = 422, response = Unprocessable),
    )
)]
pub async fn update_plan(
    State(rt): State<Arc<Runtime>>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
    ApiJson(input): ApiJson<UpdateIn>,
) -> Result<Json<InstallPlanOut>, ApiError> {
    Ok(Json(
        trellis_runtime::updates::plan(&rt, &caller, &id, input.version.as_deref()).await?,
    ))
}

/// Update an installation (consent needed when it asks for more
/// permissions); the running module is swapped without a restart.
#[utoipa::path(
    post,
    path = "/api/v1/installations/{id}/update",
    operation_id = "v1.installation.upgrade",
    tag = "installations",
    params(("id" = String, Path, description = "The installation id.")),
    request_body = UpdateIn,
    security(("bearer" = ["plugins"]), ("session" = [])),
    responses(
        (status = 200, description = "The plan carried out.", body = InstallResultOut),
        (status = 409, response = Conflict),
        (status = 422, response = Unprocessable),
    )
)]
pub async fn update(
    State(rt): State<Arc<Runtime>>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
    ApiJson(input): ApiJson<UpdateIn>,
) -> Result<Json<InstallResultOut>, ApiError> {
    Ok(Json(
        trellis_runtime::updates::update(&rt, &caller, &id, &input).await?,
    ))
}

/// Roll an installation back to the version before its last update.
#[utoipa::path(
    post,
    path = "/api/v1/installations/{id}/rollback",
    operation_id = "v1.installation.rollback",
    tag = "installations",
    params(("id" = String, Path, description = "The installation id.")),
    request_body = ConsentIn,
    security(("bearer" = ["plugins"]), ("session" = [])),
    responses(
        (status = 200, description = "The plan carried out.", body = InstallResultOut),
        (status = 409, response = Conflict),
        (status = 422, response = Unprocessable),
    )
)]
pub async fn rollback(
    State(rt): State<Arc<Runtime>>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
    ApiJson(input): ApiJson<ConsentIn>,
) -> Result<Json<InstallResultOut>, ApiError> {
    Ok(Json(
        trellis_runtime::updates::rollback(&rt, &caller, &id, &input).await?,
    ))
}

/// Call an installation's `invoke` export with any JSON.
#[utoipa::path(
    post,
    path = "/api/v1/installations/{id}/invoke",
    operation_id = "v1.installation.invoke",
    tag = "installations",
    params(("id" = String, Path, description = "The installation id.")),
    request_body = InvokeIn,
    security(("bearer" = ["plugins"]), ("session" = [])),
    responses(
        (status = 200, description = "What the plugin returned.", body = InvokeOut),
        (status = 409, response = Conflict),
        (status = 424, response = PluginFailed),
    )
)]
pub async fn invoke(
    State(rt): State<Arc<Runtime>>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
    ApiJson(input): ApiJson<InvokeIn>,
) -> Result<Json<InvokeOut>, ApiError> {
    Ok(Json(
        trellis_runtime::status::invoke(&rt, &caller, &id, &input).await?,
    ))
}

/// Get an installation's health.
#[utoipa::path(
    get,
    path = "/api/v1/installations/{id}/health",
    operation_id = "v1.installation.health",
    tag = "installations",
    params(("id" = String, Path, description = "The installation id.")),
    security(("bearer" = ["read"]), ("session" = [])),
    responses((status = 200, description = "Calls, errors, latency, fuel, status.", body = HealthOut))
)]
pub async fn installation_health(
    State(rt): State<Arc<Runtime>>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<HealthOut>, ApiError> {
    Ok(Json(
        trellis_runtime::status::health(&rt, &caller, &id).await?,
    ))
}

/// Which log lines.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LogQuery {
    /// The lowest level shown: `debug` (everything), `info`, `warn`, `error`.
    #[serde(default)]
    #[param(pattern = "^(debug|info|warn|error)$")]
    pub level: Option<String>,
    /// Lines older than this line id (`next_before` of the previous page).
    #[serde(default)]
    #[param(minimum = 1)]
    pub before: Option<i64>,
    /// Lines per page, 1 to 500 (100 by default).
    #[serde(default)]
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
}

/// Read an installation's log, newest first.
#[utoipa::path(
    get,
    path = "/api/v1/installations/{id}/logs",
    operation_id = "v1.installation.logs",
    tag = "installations",
    params(("id" = String, Path, description = "The installation id."), LogQuery),
    security(("bearer" = ["read"]), ("session" = [])),
    responses((status = 200, description = "A page of log lines.", body = LogPageOut))
)]
pub async fn logs(
    State(rt): State<Arc<Runtime>>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
    ApiQuery(q): ApiQuery<LogQuery>,
) -> Result<Json<LogPageOut>, ApiError> {
    let level = q
        .level
        .as_deref()
        .filter(|l| trellis_runtime::logs::LEVELS.contains(l));
    if q.level.is_some() && level.is_none() {
        return Err(bad_param("level", "`level` is debug, info, warn or error."));
    }
    if q.before.is_some_and(|b| b < 1) {
        return Err(bad_param("before", "`before` is a line id (1 or more)."));
    }
    if q.limit.is_some_and(|l| !(1..=500).contains(&l)) {
        return Err(bad_param("limit", "`limit` is 1 to 500."));
    }
    Ok(Json(
        trellis_runtime::logs::page(&rt, &caller, &id, level, q.before, q.limit.unwrap_or(100))
            .await?,
    ))
}

/// Every installation's health (admins), failing ones first.
#[utoipa::path(
    get,
    path = "/api/v1/admin/plugin-health",
    operation_id = "v1.admin.plugin_health",
    tag = "installations",
    security(("bearer" = ["admin"]), ("session" = [])),
    responses((status = 200, description = "Each installation's health.", body = ListResponse<HealthOut>))
)]
pub async fn admin_health(
    State(rt): State<Arc<Runtime>>,
    caller: Caller,
) -> Result<Json<ListResponse<HealthOut>>, ApiError> {
    Ok(Json(ListResponse::all(
        trellis_runtime::status::all_health(&rt, &caller).await?,
    )))
}

/// Over how many days.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StatsQuery {
    /// 1 to 365 (30 by default).
    #[serde(default)]
    #[param(minimum = 1, maximum = 365)]
    pub days: Option<i64>,
}

/// Install attempts and their success rate (admins).
#[utoipa::path(
    get,
    path = "/api/v1/admin/install-stats",
    operation_id = "v1.admin.install_stats",
    tag = "installations",
    params(StatsQuery),
    security(("bearer" = ["admin"]), ("session" = [])),
    responses((status = 200, description = "Attempts, successes, the rate and recent failures.", body = InstallStatsOut))
)]
pub async fn install_stats(
    State(rt): State<Arc<Runtime>>,
    caller: Caller,
    ApiQuery(q): ApiQuery<StatsQuery>,
) -> Result<Json<InstallStatsOut>, ApiError> {
    if q.days.is_some_and(|d| !(1..=365).contains(&d)) {
        return Err(bad_param("days", "`days` is 1 to 365."));
    }
    Ok(Json(
        trellis_runtime::status::install_stats(&rt, &caller, q.days.unwrap_or(30)).await?,
    ))
}
