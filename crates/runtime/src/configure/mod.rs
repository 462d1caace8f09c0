//! An installation's configuration: the form generated from the plugin's config
//! JSON Schema (`config_schema` in its manifest), validated on the server with
//! that schema, and its secrets.
//!
//! Secrets are the names in `permissions.secrets` the installer granted, and the
//! schema's properties marked `"writeOnly": true`. They are sealed
//! (AES-256-GCM, `trellis_platform::seal`, bound to the installation) apart
//! from the rest, never shown again, given to the plugin only through
//! `trellis_secret_get`; leaving one out of an update keeps it, `null` clears it.
//! The form's fields and the reading of its text are in [`form`].

use std::collections::BTreeMap;
use std::sync::Arc;

use serde_json::{Map, Value};
use trellis_db::installations::InstallationRow;
use trellis_platform::seal::Sealer;
use trellis_platform::{Actor, AppError, AppResult, AppState};
use trellis_types::{ConfigIn, ConfigOut, FieldError, PermissionsOut};

use crate::Runtime;

mod form;
pub use form::{coerce_form, fields, merge_picks};

const PURPOSE: &str = "plugin-secrets";

fn sealer(state: &AppState) -> Sealer {
    Sealer::new(&state.session_key[..], PURPOSE)
}

/// The secrets of an installation, opened.
pub(crate) fn open_secrets(
    state: &AppState,
    installation: &str,
    sealed: Option<&str>,
) -> Result<BTreeMap<String, String>, String> {
    let Some(sealed) = sealed else {
        return Ok(BTreeMap::new());
    };
    let plain = sealer(state).open(installation, sealed).ok_or(
        "the stored secrets do not open with this server's key (was session.secret changed?)",
    )?;
    serde_json::from_slice(&plain).map_err(|e| format!("stored secrets: {e}"))
}

fn seal_secrets(
    state: &AppState,
    installation: &str,
    s: &BTreeMap<String, String>,
) -> Option<String> {
    if s.is_empty() {
        return None;
    }
    let plain = serde_json::to_vec(s).unwrap_or_default();
    Some(sealer(state).seal(installation, &plain))
}

/// The config schema of a package (an empty object schema when it has none).
pub(crate) fn schema_of(pkg: &trellis_registry::Package) -> Value {
    pkg.manifest
        .config_schema
        .as_ref()
        .and_then(|p| pkg.files.get(p))
        .and_then(|b| serde_json::from_slice(b).ok())
        .unwrap_or_else(|| serde_json::json!({"type": "object", "properties": {}}))
}

/// Names of the secret fields: granted secret names, then `writeOnly` properties.
pub(crate) fn secret_names(schema: &Value, granted: &PermissionsOut) -> Vec<String> {
    let mut out: Vec<String> = granted.secrets.clone();
    if let Some(props) = schema.get("properties").and_then(Value::as_object) {
        for (k, p) in props {
            if p.get("writeOnly").and_then(Value::as_bool) == Some(true) && !out.contains(k) {
                out.push(k.clone());
            }
        }
    }
    out
}

/// Checks `values` against the schema; errors name `values.<field>` and never
/// repeat a value (it may be a secret).
pub(crate) fn validate(schema: &Value, values: &Value) -> Result<(), Vec<FieldError>> {
    let validator = match jsonschema::validator_for(schema) {
        Ok(v) => v,
        Err(e) => {
            return Err(vec![FieldError {
                field: "values".into(),
                code: "schema_invalid".into(),
                detail: format!(
                    "The plugin's config schema is not a valid JSON Schema: {}",
                    e.masked()
                ),
            }])
        }
    };
    let errors: Vec<FieldError> = validator
        .iter_errors(values)
        .take(20)
        .map(|e| {
            let path = e.instance_path.to_string();
            let field = path.trim_start_matches('/').split('/').next().unwrap_or("");
            FieldError {
                field: if field.is_empty() {
                    "values".into()
                } else {
                    format!("values.{field}")
                },
                code: "schema".into(),
                detail: e.masked().to_string(),
            }
        })
        .collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

/// Splits new values into configuration and secrets (merged with the stored
/// secrets), validates the whole against the schema.
pub(crate) fn apply(
    schema: &Value,
    granted: &PermissionsOut,
    stored_secrets: &BTreeMap<String, String>,
    values: &Map<String, Value>,
) -> Result<(Value, BTreeMap<String, String>), Vec<FieldError>> {
    let secret = secret_names(schema, granted);
    let mut config = Map::new();
    let mut secrets = stored_secrets.clone();
    let mut errors = Vec::new();
    for (k, v) in values {
        if secret.contains(k) {
            match v {
                Value::Null => {
                    secrets.remove(k);
                }
                Value::String(s) if !s.is_empty() => {
                    secrets.insert(k.clone(), s.clone());
                }
                Value::String(_) => {}
                _ => errors.push(FieldError {
                    field: format!("values.{k}"),
                    code: "invalid_type".into(),
                    detail: "A secret is a string.".into(),
                }),
            }
        } else {
            config.insert(k.clone(), v.clone());
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    // The schema sees secrets too (they may be required), by their names only.
    let mut whole = config.clone();
    for (k, v) in &secrets {
        if schema.get("properties").and_then(|p| p.get(k)).is_some() {
            whole.insert(k.clone(), Value::String(v.clone()));
        }
    }
    validate(schema, &Value::Object(whole))?;
    Ok((Value::Object(config), secrets))
}

/// Defaults from the schema, for a new installation (valid or not: an
/// installation that needs configuration is configured after install).
pub(crate) fn defaults(schema: &Value) -> Value {
    let mut out = Map::new();
    if let Some(props) = schema.get("properties").and_then(Value::as_object) {
        for (k, p) in props {
            if p.get("writeOnly").and_then(Value::as_bool) == Some(true) {
                continue;
            }
            if let Some(d) = p.get("default") {
                out.insert(k.clone(), d.clone());
            }
        }
    }
    Value::Object(out)
}

pub(crate) async fn installation_for(
    rt: &Runtime,
    actor: &Actor,
    id: &str,
    manage: bool,
) -> AppResult<InstallationRow> {
    let row = trellis_db::installations::by_id(&mut *rt.state.db.conn().await?, id)
        .await?
        .ok_or_else(|| AppError::not_found(format!("Installation `{id}`")))?;
    let ws = crate::workspace::Workspace::parse(&row.workspace)?;
    if manage {
        crate::workspace::require_manage(&rt.state, actor, &ws).await?;
    } else {
        crate::workspace::require_view(&rt.state, actor, &ws).await?;
    }
    Ok(row)
}

/// The configuration form and values of an installation.
pub async fn get(rt: &Arc<Runtime>, actor: &Actor, id: &str) -> AppResult<ConfigOut> {
    let row = installation_for(rt, actor, id, false).await?;
    let pkg = crate::host::read_package(rt, &row.sha256)
        .await
        .map_err(|e| AppError::internal(e.to_string()))?;
    let schema = schema_of(&pkg);
    let granted: PermissionsOut = trellis_db::json_column("installations.granted", &row.granted)?;
    let values: Value = trellis_db::json_column("installations.config", &row.config)?;
    let secrets =
        open_secrets(&rt.state, &row.id, row.secrets.as_deref()).map_err(AppError::internal)?;
    Ok(ConfigOut {
        installation: row.id.clone(),
        fields: fields(&schema, &granted, &values, &secrets),
        values,
    })
}

/// Replaces the configuration (validated against the schema) and reloads the
/// installation on its next call. Writes `plugin.configured`.
pub async fn set(
    rt: &Arc<Runtime>,
    actor: &Actor,
    id: &str,
    input: &ConfigIn,
) -> AppResult<ConfigOut> {
    let row = installation_for(rt, actor, id, true).await?;
    let pkg = crate::host::read_package(rt, &row.sha256)
        .await
        .map_err(|e| AppError::internal(e.to_string()))?;
    let schema = schema_of(&pkg);
    let granted: PermissionsOut = trellis_db::json_column("installations.granted", &row.granted)?;
    let stored =
        open_secrets(&rt.state, &row.id, row.secrets.as_deref()).map_err(AppError::internal)?;
    let (config, secrets) = apply(&schema, &granted, &stored, &input.values).map_err(|errors| {
        AppError::validation(
            "The configuration does not fit the plugin's schema; nothing was saved.",
            errors,
        )
    })?;
    let sealed = seal_secrets(&rt.state, &row.id, &secrets);
    let mut tx = rt.state.db.begin().await?;
    let now = crate::manage::next_stamp(row.updated_at);
    trellis_db::installations::set_config(
        &mut tx,
        &row.id,
        &config.to_string(),
        sealed.as_deref(),
        now,
    )
    .await?;
    trellis_platform::events::emit(
        &mut tx,
        &trellis_platform::events::actor(actor),
        &trellis_events::catalogue::PluginConfigured {
            installation: row.id.clone(),
            workspace: row.workspace.clone(),
            plugin: row.plugin_id.clone(),
            namespace: crate::workspace::Workspace::parse(&row.workspace)?
                .namespace()
                .map(str::to_owned),
            fields: input.values.keys().cloned().collect(),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(ConfigOut {
        installation: row.id.clone(),
        fields: fields(&schema, &granted, &config, &secrets),
        values: config,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn schema() -> Value {
        json!({
            "type": "object",
            "required": ["greeting"],
            "properties": {
                "greeting": {"type": "string", "maxLength": 5, "default": "hi"},
                "repeat": {"type": "integer", "minimum": 1, "maximum": 5},
                "token": {"type": "string", "writeOnly": true}
            }
        })
    }

    #[test]
    fn secrets_are_split_out_and_kept() {
        let granted = PermissionsOut {
            network: vec![],
            host_functions: vec![],
            secrets: vec!["API_KEY".into()],
        };
        let mut stored = BTreeMap::new();
        stored.insert("API_KEY".to_string(), "old".to_string());
        let values: Map<String, Value> =
            serde_json::from_value(json!({"greeting": "hey", "token": "s3cret"})).unwrap();
        let (config, secrets) = apply(&schema(), &granted, &stored, &values).unwrap();
        assert_eq!(config, json!({"greeting": "hey"}));
        assert_eq!(secrets.get("token").map(String::as_str), Some("s3cret"));
        assert_eq!(secrets.get("API_KEY").map(String::as_str), Some("old"));
        let form = fields(&schema(), &granted, &config, &secrets);
        let token = form.iter().find(|f| f.name == "token").unwrap();
        assert_eq!(
            (token.kind.as_str(), token.is_set, token.value.clone()),
            ("secret", true, None)
        );
        assert!(form
            .iter()
            .any(|f| f.name == "API_KEY" && f.kind == "secret"));
    }

    #[test]
    fn values_that_break_the_schema_name_their_field_without_their_value() {
        let granted = PermissionsOut {
            network: vec![],
            host_functions: vec![],
            secrets: vec![],
        };
        let values: Map<String, Value> =
            serde_json::from_value(json!({"greeting": "far too long", "repeat": 9})).unwrap();
        let errors = apply(&schema(), &granted, &BTreeMap::new(), &values).unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert!(
            fields.contains(&"values.greeting") && fields.contains(&"values.repeat"),
            "{fields:?}"
        );
        assert!(
            errors.iter().all(|e| !e.detail.contains("far too long")),
            "{errors:?}"
        );
        let missing = apply(&schema(), &granted, &BTreeMap::new(), &Map::new()).unwrap_err();
        assert_eq!(missing[0].field, "values");
    }
}
