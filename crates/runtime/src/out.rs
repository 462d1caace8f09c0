//! Installations as the API shows them: with their plugin's display name, the
//! events their version subscribes to and publishes, their dependencies and
//! their health status. A list costs a fixed number of queries.

use std::collections::HashMap;

use serde_json::Value;
use trellis_db::installations::InstallationRow;
use trellis_db::AnyConnection;
use trellis_platform::AppResult;
use trellis_types::{InstallationOut, PermissionsOut};

/// What a version's manifest says that an installation shows.
#[derive(Debug, Clone, Default)]
pub(crate) struct VersionMeta {
    pub subscribes: Vec<String>,
    pub publishes: Vec<String>,
    pub dependencies: Vec<String>,
}

fn strings(v: &Value, pointer: &str) -> Vec<String> {
    v.pointer(pointer)
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|s| s.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

pub(crate) fn meta_of(manifest: &Value) -> VersionMeta {
    VersionMeta {
        subscribes: strings(manifest, "/events/subscribe"),
        publishes: strings(manifest, "/events/publish"),
        dependencies: manifest
            .get("dependencies")
            .and_then(Value::as_object)
            .map(|o| o.keys().cloned().collect())
            .unwrap_or_default(),
    }
}

/// Manifests' metadata of every version of these plugins, by (plugin, version).
pub(crate) async fn metas(
    c: &mut AnyConnection,
    plugins: &[String],
) -> AppResult<HashMap<(String, String), VersionMeta>> {
    let mut out = HashMap::new();
    for v in trellis_db::plugins::versions_of(c, plugins).await? {
        let m: Value = trellis_db::json_column("plugin_versions.manifest", &v.manifest)?;
        out.insert((v.plugin_id, v.version), meta_of(&m));
    }
    Ok(out)
}

/// A development build's metadata, from the manifest kept on its row (the
/// registry has no version of it).
pub(crate) fn dev_meta(r: &InstallationRow) -> AppResult<Option<VersionMeta>> {
    match (&r.dev_manifest, r.dev) {
        (Some(m), true) => {
            let m: Value = trellis_db::json_column("installations.dev_manifest", m)?;
            Ok(Some(meta_of(&m)))
        }
        _ => Ok(None),
    }
}

/// Installations as shown, in the order given.
pub(crate) async fn outs(
    c: &mut AnyConnection,
    rows: Vec<InstallationRow>,
) -> AppResult<Vec<InstallationOut>> {
    let mut ids: Vec<String> = rows.iter().map(|r| r.plugin_id.clone()).collect();
    ids.sort();
    ids.dedup();
    let names: HashMap<String, String> = trellis_db::plugins::display_names(c, &ids)
        .await?
        .into_iter()
        .collect();
    let metas = metas(c, &ids).await?;
    let inst_ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
    let health: HashMap<String, String> = trellis_db::plugin_data::health_of(c, &inst_ids)
        .await?
        .into_iter()
        .map(|h| (h.installation_id, h.status))
        .collect();
    rows.into_iter()
        .map(|r| {
            let meta = match dev_meta(&r)? {
                Some(m) => m,
                None => metas
                    .get(&(r.plugin_id.clone(), r.version.clone()))
                    .cloned()
                    .unwrap_or_default(),
            };
            let status = if !r.enabled {
                "disabled".to_owned()
            } else {
                health
                    .get(&r.id)
                    .cloned()
                    .unwrap_or_else(|| "unknown".into())
            };
            installation_out(r, &names, meta, status)
        })
        .collect()
}

/// One installation as shown.
pub(crate) fn installation_out(
    r: InstallationRow,
    names: &HashMap<String, String>,
    meta: VersionMeta,
    status: String,
) -> AppResult<InstallationOut> {
    let granted: PermissionsOut = trellis_db::json_column("installations.granted", &r.granted)?;
    Ok(InstallationOut {
        display_name: names
            .get(&r.plugin_id)
            .cloned()
            .unwrap_or_else(|| r.plugin_id.clone()),
        id: r.id,
        workspace: r.workspace,
        plugin: r.plugin_id,
        version: r.version,
        previous_version: r.previous_version,
        requested: r.requested,
        pinned: r.pinned,
        enabled: r.enabled,
        disabled_reason: r.disabled_reason,
        granted,
        subscribes: meta.subscribes,
        publishes: meta.publishes,
        dependencies: meta.dependencies,
        status,
        installed_at: r.installed_at,
        updated_at: r.updated_at,
        dev: r.dev,
    })
}
