//! A hand-written JSON Schema (draft 2020-12) of `plugin.toml`, served by the server at
//! `/api/v1/manifest-schema` so editors can offer completion and validation. It mirrors
//! the rules in [`crate::manifest`]; rules a JSON Schema cannot express (SPDX grammar,
//! SemVer requirement grammar, path normalisation, no `--` in ids) are approximated by
//! patterns and described in the `description`s.

use serde_json::{json, Value};

use crate::plugin_id::{CATEGORIES, HOST_FUNCTIONS};

fn string_list(items: Value, max: u64, description: &str) -> Value {
    json!({ "type": "array", "items": items, "maxItems": max, "uniqueItems": true, "description": description })
}

/// Returns the JSON Schema of the manifest (draft 2020-12).
pub fn manifest_json_schema() -> Value {
    let id_part = "[a-z][a-z0-9-]{1,38}[a-z0-9]";
    let id_pattern = format!("^{id_part}\\.{id_part}$");
    // One path component that is not `.` or `..` and has no `/`, `\` or `:`.
    let comp = "(?:[^/\\\\:.][^/\\\\:]*|\\.[^/\\\\:.][^/\\\\:]*|\\.\\.[^/\\\\:]+)";
    let rel_path = format!("^{comp}(?:/{comp})*$");
    let semver =
        "^(0|[1-9]\\d*)\\.(0|[1-9]\\d*)\\.(0|[1-9]\\d*)(-[0-9A-Za-z-]+(\\.[0-9A-Za-z-]+)*)?$";
    let categories: Vec<&str> = CATEGORIES.iter().map(|c| c.0).collect();
    let host_functions: Vec<&str> = HOST_FUNCTIONS.iter().map(|h| h.0).collect();
    let host = "^(\\*\\.)?[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*(:[0-9]{1,5})?$";
    let event = "^[a-z][a-z0-9_]*(\\.[a-z][a-z0-9_]*)+$";
    let event_sub = "^[a-z][a-z0-9_]*(\\.[a-z][a-z0-9_]*)*\\.([a-z][a-z0-9_]*|\\*)$";
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://trellis.dev/schemas/plugin-manifest-1.json",
        "title": "Trellis plugin manifest (plugin.toml)",
        "type": "object",
        "additionalProperties": false,
        "required": ["schema_version", "plugin", "runtime"],
        "properties": {
            "schema_version": { "const": 1, "description": "Manifest format version; must be 1." },
            "config_schema": {
                "type": "string", "pattern": rel_path, "description": "Relative path to a .json file holding a JSON Schema object for the plugin configuration.",
                "allOf": [{ "pattern": "\\.[jJ][sS][oO][nN]$" }]
            },
            "plugin": {
                "type": "object",
                "additionalProperties": false,
                "required": ["id", "display_name", "version", "kind", "description", "license", "api"],
                "properties": {
                    "id": { "type": "string", "pattern": id_pattern, "description": "namespace.name, lowercase letters, digits and single hyphens." },
                    "display_name": { "type": "string", "minLength": 1, "maxLength": 64 },
                    "version": { "type": "string", "pattern": semver, "description": "SemVer MAJOR.MINOR.PATCH[-pre]; build metadata is not accepted." },
                    "kind": { "enum": ["agent", "integration", "tool"] },
                    "description": { "type": "string", "minLength": 1, "maxLength": 300 },
                    "license": { "type": "string", "minLength": 1, "description": "SPDX license expression, e.g. `MIT OR Apache-2.0`." },
                    "repository": { "type": "string", "format": "uri", "pattern": "^https?://" },
                    "homepage": { "type": "string", "format": "uri", "pattern": "^https?://" },
                    "icon": { "type": "string", "pattern": rel_path, "allOf": [{ "pattern": "\\.([pP][nN][gG]|[sS][vV][gG])$" }], "description": "Relative path to a PNG or SVG file in the package." },
                    "categories": string_list(json!({ "enum": categories }), 5, "Up to 5 category slugs."),
                    "keywords": string_list(json!({ "type": "string", "pattern": "^[a-z0-9][a-z0-9_+.-]{0,31}$" }), 10, "Up to 10 lowercase keywords."),
                    "api": { "type": "string", "minLength": 1, "description": "SemVer requirement on the Trellis plugin API, e.g. `^1.0`." }
                }
            },
            "runtime": {
                "type": "object",
                "additionalProperties": false,
                "required": ["entry", "exports"],
                "properties": {
                    "entry": { "type": "string", "pattern": rel_path, "allOf": [{ "pattern": "\\.[wW][aA][sS][mM]$" }], "description": "Relative path of the WebAssembly module." },
                    "exports": {
                        "type": "array", "minItems": 1, "maxItems": 64, "uniqueItems": true,
                        "items": { "type": "string", "pattern": "^[A-Za-z_][A-Za-z0-9_]{0,63}$" },
                        "description": "Functions the module must export."
                    },
                    "memory_mb": { "type": "integer", "minimum": 1, "maximum": 512, "default": 64 },
                    "timeout_ms": { "type": "integer", "minimum": 1, "maximum": 60000, "default": 5000 }
                }
            },
            "permissions": {
                "type": "object",
                "additionalProperties": false,
                "properties": {
                    "network": string_list(json!({ "type": "string", "pattern": host }), 32, "Hosts the plugin may reach: host, host:port or *.domain.tld (no scheme)."),
                    "host_functions": string_list(json!({ "enum": host_functions }), 32, "Host functions the plugin may call."),
                    "secrets": string_list(json!({ "type": "string", "pattern": "^[A-Z][A-Z0-9_]{0,63}$" }), 32, "Secret names the plugin may read.")
                }
            },
            "events": {
                "type": "object",
                "additionalProperties": false,
                "properties": {
                    "subscribe": string_list(json!({ "type": "string", "pattern": event_sub }), 64, "Event types to receive; a trailing `.*` matches a family."),
                    "publish": string_list(json!({ "type": "string", "pattern": event }), 64, "Event types the plugin emits.")
                }
            },
            "dependencies": {
                "type": "object",
                "maxProperties": 64,
                "propertyNames": { "pattern": id_pattern },
                "additionalProperties": { "type": "string", "minLength": 1, "description": "SemVer requirement, e.g. `^1.2`." },
                "description": "Plugin id → SemVer requirement. Quote the ids: \"acme.tools\" = \"^1.2\"."
            }
        }
    })
}

#[cfg(test)]
#[path = "manifest_schema_tests.rs"]
mod tests;
