//! The API reference page's data: a simplified, typed view of the OpenAPI
//! document the server serves at `/api/v1/openapi.json` (operations grouped by
//! tag, with parameters, bodies, responses and the scope each needs; and the
//! schemas). The server puts the rendered document into the context as an
//! [`OpenApiDocument`]; nothing is fetched from the network.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::UiError;

/// The OpenAPI document as JSON text, provided by the server's router.
#[derive(Debug, Clone, Copy)]
pub struct OpenApiDocument(pub &'static str);

/// The reference: title, introduction, operations by tag, and the schemas.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ApiReference {
    pub title: String,
    pub version: String,
    pub description: String,
    pub groups: Vec<ApiGroup>,
    pub schemas: Vec<SchemaView>,
}

/// The operations of one tag.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ApiGroup {
    pub tag: String,
    pub description: String,
    pub operations: Vec<OperationView>,
}

/// One operation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OperationView {
    pub id: String,
    pub method: String,
    pub path: String,
    pub summary: String,
    pub description: String,
    /// Who may call it: `public`, `optional`, or the token scopes (any of them).
    pub access: String,
    pub params: Vec<ParamView>,
    /// The body's content types and schema, e.g. `application/json: TokenIn`.
    pub body: Option<String>,
    pub responses: Vec<ResponseView>,
}

/// One path or query parameter.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ParamView {
    pub name: String,
    pub location: String,
    pub required: bool,
    pub kind: String,
    pub description: String,
}

/// One documented response.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResponseView {
    pub status: String,
    pub description: String,
    /// `content type: schema`, when it has a body.
    pub body: Option<String>,
}

/// One named schema (a DTO).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SchemaView {
    pub name: String,
    pub description: String,
    pub fields: Vec<ParamView>,
}

/// The API reference, from the document the server serves.
#[server]
pub async fn load_api_reference() -> Result<ApiReference, UiError> {
    let doc = use_context::<OpenApiDocument>().ok_or_else(|| {
        UiError::from(trellis_platform::AppError::internal(
            "OpenApiDocument missing from context",
        ))
    })?;
    let value: serde_json::Value = serde_json::from_str(doc.0)
        .map_err(|e| UiError::from(trellis_platform::AppError::internal(e.to_string())))?;
    Ok(ssr::reference(&value))
}

#[cfg(feature = "ssr")]
mod ssr {
    use serde_json::Value;

    use super::*;

    fn text(v: &Value) -> String {
        v.as_str().unwrap_or_default().to_owned()
    }

    /// A schema as a short type expression: `PluginOut`, `array of string`, `string | null`.
    pub fn kind(s: &Value) -> String {
        if let Some(r) = s["$ref"].as_str() {
            return r.rsplit('/').next().unwrap_or(r).to_owned();
        }
        for key in ["oneOf", "anyOf", "allOf"] {
            if let Some(list) = s[key].as_array() {
                return list.iter().map(kind).collect::<Vec<_>>().join(" | ");
            }
        }
        if let Some(values) = s["enum"].as_array() {
            return values
                .iter()
                .map(|v| {
                    v.as_str()
                        .map_or_else(|| v.to_string(), |s| format!("\"{s}\""))
                })
                .collect::<Vec<_>>()
                .join(" | ");
        }
        let base = match &s["type"] {
            Value::Array(types) => types.iter().map(text).collect::<Vec<_>>().join(" | "),
            Value::String(t) => t.clone(),
            _ => "any".to_owned(),
        };
        if base.starts_with("array") {
            return base.replacen("array", &format!("array of {}", kind(&s["items"])), 1);
        }
        if base.starts_with("object") && s["additionalProperties"].is_object() {
            return format!("map of {}", kind(&s["additionalProperties"]));
        }
        match s["format"].as_str() {
            Some(f) if base.starts_with("string") && f == "binary" => "binary".to_owned(),
            _ => base,
        }
    }

    fn content(c: &Value) -> Option<String> {
        let map = c.as_object()?;
        let parts: Vec<String> = map
            .iter()
            .map(|(ctype, m)| format!("{ctype}: {}", kind(&m["schema"])))
            .collect();
        (!parts.is_empty()).then(|| parts.join(", "))
    }

    fn resolve<'a>(doc: &'a Value, r: &'a Value) -> &'a Value {
        match r["$ref"].as_str().and_then(|p| p.strip_prefix("#/")) {
            Some(path) => path.split('/').fold(doc, |v, k| &v[k]),
            None => r,
        }
    }

    fn access(op: &Value) -> String {
        let Some(reqs) = op["security"].as_array() else {
            return "public".to_owned();
        };
        if reqs
            .iter()
            .any(|r| r.as_object().is_some_and(|m| m.is_empty()))
        {
            return "optional".to_owned();
        }
        let mut scopes: Vec<String> = reqs
            .iter()
            .flat_map(|r| r["bearer"].as_array().cloned().unwrap_or_default())
            .map(|s| text(&s))
            .collect();
        scopes.dedup();
        if scopes.is_empty() {
            "any token".to_owned()
        } else {
            scopes.join(" or ")
        }
    }

    fn operation(doc: &Value, method: &str, path: &str, op: &Value) -> OperationView {
        let params = op["parameters"]
            .as_array()
            .map(|ps| {
                ps.iter()
                    .map(|p| resolve(doc, p))
                    .map(|p| ParamView {
                        name: text(&p["name"]),
                        location: text(&p["in"]),
                        required: p["required"].as_bool().unwrap_or(false),
                        kind: kind(&p["schema"]),
                        description: text(&p["description"]),
                    })
                    .collect()
            })
            .unwrap_or_default();
        let mut responses: Vec<ResponseView> = op["responses"]
            .as_object()
            .map(|rs| {
                rs.iter()
                    .map(|(status, r)| {
                        let r = resolve(doc, r);
                        ResponseView {
                            status: status.clone(),
                            description: text(&r["description"]),
                            body: content(&r["content"]),
                        }
                    })
                    .collect()
            })
            .unwrap_or_default();
        responses.sort_by(|a, b| a.status.cmp(&b.status));
        OperationView {
            id: text(&op["operationId"]),
            method: method.to_uppercase(),
            path: path.to_owned(),
            summary: text(&op["summary"]),
            description: text(&op["description"]),
            access: access(op),
            params,
            body: content(&op["requestBody"]["content"]),
            responses,
        }
    }

    fn schema(name: &str, s: &Value) -> SchemaView {
        let required: Vec<&str> = s["required"]
            .as_array()
            .map(|r| r.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        let fields = s["properties"]
            .as_object()
            .map(|props| {
                props
                    .iter()
                    .map(|(field, p)| ParamView {
                        name: field.clone(),
                        location: "body".to_owned(),
                        required: required.contains(&field.as_str()),
                        kind: kind(p),
                        description: text(&p["description"]),
                    })
                    .collect()
            })
            .unwrap_or_default();
        SchemaView {
            name: name.to_owned(),
            description: text(&s["description"]),
            fields,
        }
    }

    /// The typed view of a whole document.
    pub fn reference(doc: &Value) -> ApiReference {
        let mut groups: Vec<ApiGroup> = doc["tags"]
            .as_array()
            .map(|tags| {
                tags.iter()
                    .map(|t| ApiGroup {
                        tag: text(&t["name"]),
                        description: text(&t["description"]),
                        operations: Vec::new(),
                    })
                    .collect()
            })
            .unwrap_or_default();
        const ORDER: [&str; 6] = ["get", "post", "put", "patch", "delete", "head"];
        if let Some(paths) = doc["paths"].as_object() {
            for (path, item) in paths {
                for method in ORDER {
                    let op = &item[method];
                    if !op.is_object() {
                        continue;
                    }
                    let tag = op["tags"][0].as_str().unwrap_or("other").to_owned();
                    let view = operation(doc, method, path, op);
                    match groups.iter_mut().find(|g| g.tag == tag) {
                        Some(g) => g.operations.push(view),
                        None => groups.push(ApiGroup {
                            tag,
                            description: String::new(),
                            operations: vec![view],
                        }),
                    }
                }
            }
        }
        groups.retain(|g| !g.operations.is_empty());
        let schemas = doc["components"]["schemas"]
            .as_object()
            .map(|m| m.iter().map(|(n, s)| schema(n, s)).collect())
            .unwrap_or_default();
        ApiReference {
            title: text(&doc["info"]["title"]),
            version: text(&doc["info"]["version"]),
            description: text(&doc["info"]["description"]),
            groups,
            schemas,
        }
    }
}
