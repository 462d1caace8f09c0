//! Looking at installations at work: calling `invoke`, health per
//! installation, per workspace and for admins, and the install success rate.

use std::collections::HashMap;
use std::sync::Arc;

use trellis_db::installations::InstallationRow;
use trellis_db::plugin_data::HealthRow;
use trellis_platform::{Actor, AppError, AppResult};
use trellis_types::{
    ErrorCode, HealthOut, InstallFailureOut, InstallStatsOut, InvokeIn, InvokeOut, Scope,
};

use crate::configure::installation_for;
use crate::host::CallOrigin;
use crate::workspace::{require_view, Workspace};
use crate::Runtime;

/// The success rate people hold installs to.
pub const TARGET_SUCCESS_RATE: f64 = 0.95;

/// Calls an installation's `invoke` export with `input.input`.
pub async fn invoke(
    rt: &Arc<Runtime>,
    actor: &Actor,
    id: &str,
    input: &InvokeIn,
) -> AppResult<InvokeOut> {
    let row = installation_for(rt, actor, id, true).await?;
    if !row.enabled {
        return Err(AppError::new(
            ErrorCode::Conflict,
            match row.disabled_reason.as_deref() {
                Some("breaker") => format!("{} was disabled by the circuit breaker after repeated failures: see its log, then enable it.", row.plugin_id),
                _ => format!("{} is disabled: enable it first.", row.plugin_id),
            },
        ));
    }
    match rt
        .call(&row, "invoke", &input.input, CallOrigin::default())
        .await
    {
        Ok(done) => Ok(InvokeOut {
            output: done.output,
            duration_ms: done.duration.as_millis() as i64,
            fuel: done.fuel as i64,
        }),
        Err(e) => Err(AppError::new(
            ErrorCode::PluginFailed,
            format!("{} failed ({}): {}", row.plugin_id, e.kind, e.message),
        )
        .with_extra(serde_json::json!({ "kind": e.kind }))),
    }
}

fn health_out(r: &InstallationRow, h: Option<&HealthRow>) -> HealthOut {
    let status = if !r.enabled {
        "disabled".to_owned()
    } else {
        h.map(|h| h.status.clone())
            .unwrap_or_else(|| "unknown".into())
    };
    HealthOut {
        installation: r.id.clone(),
        workspace: r.workspace.clone(),
        plugin: r.plugin_id.clone(),
        version: r.version.clone(),
        status,
        enabled: r.enabled,
        disabled_reason: r.disabled_reason.clone(),
        calls: h.map(|h| h.calls).unwrap_or(0),
        errors: h.map(|h| h.errors).unwrap_or(0),
        p50_ms: h.map(|h| h.p50_ms).unwrap_or(0),
        p95_ms: h.map(|h| h.p95_ms).unwrap_or(0),
        fuel: h.map(|h| h.fuel).unwrap_or(0),
        last_error: h.and_then(|h| h.last_error.clone()),
        last_error_at: h.and_then(|h| h.last_error_at),
        consecutive_failures: h.map(|h| h.consecutive_failures).unwrap_or(0),
        updated_at: h.map(|h| h.updated_at),
        reported_status: None,
        reported_message: None,
    }
}

async fn healths(rt: &Arc<Runtime>, rows: Vec<InstallationRow>) -> AppResult<Vec<HealthOut>> {
    crate::health::flush(rt).await?;
    let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
    let h: HashMap<String, HealthRow> =
        trellis_db::plugin_data::health_of(&mut *rt.state.db.conn().await?, &ids)
            .await?
            .into_iter()
            .map(|h| (h.installation_id.clone(), h))
            .collect();
    Ok(rows.iter().map(|r| health_out(r, h.get(&r.id))).collect())
}

/// One installation's health, with what its own `health` export reports
/// (asked now, when it is enabled and exports one; the call counts like any).
pub async fn health(rt: &Arc<Runtime>, actor: &Actor, id: &str) -> AppResult<HealthOut> {
    let row = installation_for(rt, actor, id, false).await?;
    let reported = if row.enabled {
        self_report(rt, &row).await
    } else {
        None
    };
    let mut out = healths(rt, vec![row]).await?.remove(0);
    if let Some((status, message)) = reported {
        out.reported_status = Some(status);
        out.reported_message = message;
    }
    Ok(out)
}

/// Calls the `health` export: `(status, message)`, `None` when it has none.
async fn self_report(rt: &Arc<Runtime>, row: &InstallationRow) -> Option<(String, Option<String>)> {
    let loaded = rt.loaded(row).await.ok()?;
    if !loaded.exports("health") {
        return None;
    }
    Some(
        match rt
            .call(row, "health", &serde_json::json!({}), CallOrigin::default())
            .await
        {
            Ok(done) => {
                let status = done
                    .output
                    .get("status")
                    .and_then(|s| s.as_str())
                    .filter(|s| ["ok", "degraded", "failing"].contains(s));
                match status {
                    Some(s) => (
                        s.to_owned(),
                        done.output
                            .get("message")
                            .and_then(|m| m.as_str())
                            .map(|m| m.chars().take(300).collect()),
                    ),
                    None => (
                        "unreachable".into(),
                        Some("`health` did not answer with a status".into()),
                    ),
                }
            }
            Err(e) => ("unreachable".into(), Some(e.to_string())),
        },
    )
}

/// The health of a workspace's installations.
pub async fn workspace_health(
    rt: &Arc<Runtime>,
    actor: &Actor,
    ws: &str,
) -> AppResult<Vec<HealthOut>> {
    let w = Workspace::parse(ws)?;
    require_view(&rt.state, actor, &w).await?;
    let rows =
        trellis_db::installations::of_workspace(&mut *rt.state.db.conn().await?, &w.name()).await?;
    healths(rt, rows).await
}

/// Every installation's health (admins), failing ones first.
pub async fn all_health(rt: &Arc<Runtime>, actor: &Actor) -> AppResult<Vec<HealthOut>> {
    actor.require(Scope::Admin)?;
    if !actor.user.is_admin {
        return Err(AppError::forbidden("Admins only."));
    }
    let rows = trellis_db::installations::all(&mut *rt.state.db.conn().await?, 1000).await?;
    let mut out = healths(rt, rows).await?;
    let rank = |s: &str| match s {
        "disabled" => 0,
        "failing" => 1,
        "degraded" => 2,
        _ => 3,
    };
    out.sort_by(|a, b| {
        rank(&a.status)
            .cmp(&rank(&b.status))
            .then(a.workspace.cmp(&b.workspace))
    });
    Ok(out)
}

/// Install attempts over the last `days` days and their success rate (admins).
pub async fn install_stats(rt: &Runtime, actor: &Actor, days: i64) -> AppResult<InstallStatsOut> {
    actor.require(Scope::Admin)?;
    if !actor.user.is_admin {
        return Err(AppError::forbidden("Admins only."));
    }
    let days = days.clamp(1, 365);
    let since = trellis_db::now_ms() - days * 86_400_000;
    let mut c = rt.state.db.conn().await?;
    let (attempts, succeeded) = trellis_db::installations::attempt_totals(&mut c, since).await?;
    let failures = trellis_db::installations::recent_failures(&mut c, since, 20).await?;
    Ok(InstallStatsOut {
        days,
        attempts,
        succeeded,
        success_rate: if attempts == 0 {
            1.0
        } else {
            succeeded as f64 / attempts as f64
        },
        target: TARGET_SUCCESS_RATE,
        recent_failures: failures
            .into_iter()
            .map(|f| InstallFailureOut {
                workspace: f.workspace,
                plugin: f.plugin_id,
                version: f.version,
                action: f.action,
                error_code: f.error_code,
                detail: f.detail,
                at: f.at,
            })
            .collect(),
    })
}
