//! The configuration form: one field per property of the plugin's config
//! JSON Schema, and the form's text read back into typed values.
//!
//! Kinds: `string`, `integer`, `number`, `boolean`, `enum` (a choice), `choices`
//! (an array of strings from an `enum`: one checkbox each), `list` (an array
//! of strings: one per line), `secret`, and `json` for anything else. A list's
//! value and default are its items one per line. A `choices` field posts a
//! hidden `values[name]` (so none picked saves an empty list) and a checkbox
//! per choice as `picks[]` = `name:index` ([`merge_picks`]).

use std::collections::BTreeMap;

use serde_json::{Map, Value};
use trellis_types::{ConfigFieldOut, FieldError, PermissionsOut};

use super::secret_names;

fn text_of(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// A list's items one per line; anything else as [`text_of`].
fn list_text(v: &Value) -> String {
    match v.as_array() {
        Some(items) if items.iter().all(Value::is_string) => items
            .iter()
            .filter_map(Value::as_str)
            .collect::<Vec<_>>()
            .join("\n"),
        _ => text_of(v),
    }
}

/// The strings an array property's items must be one of (empty when its
/// items are not an `enum`), and whether its items are strings at all.
fn item_strings(p: &Value) -> Option<Vec<String>> {
    let items = p.get("items")?;
    let choices: Vec<String> = items
        .get("enum")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    let strings = items.get("type").and_then(Value::as_str) == Some("string");
    (strings || !choices.is_empty()).then_some(choices)
}

/// The form: one field per schema property (secrets as `secret` fields), then
/// each granted secret the schema does not describe.
pub fn fields(
    schema: &Value,
    granted: &PermissionsOut,
    values: &Value,
    secrets: &BTreeMap<String, String>,
) -> Vec<ConfigFieldOut> {
    let secret = secret_names(schema, granted);
    let required: Vec<&str> = schema
        .get("required")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let mut out = Vec::new();
    if let Some(props) = schema.get("properties").and_then(Value::as_object) {
        for (name, p) in props {
            let is_secret = secret.contains(name);
            let mut choices: Vec<String> = p
                .get("enum")
                .and_then(Value::as_array)
                .map(|a| a.iter().map(text_of).collect())
                .unwrap_or_default();
            let ty = p.get("type").and_then(Value::as_str).unwrap_or("json");
            let items = (ty == "array").then(|| item_strings(p)).flatten();
            let kind = if is_secret {
                "secret"
            } else if !choices.is_empty() {
                "enum"
            } else if let Some(item_choices) = items {
                if item_choices.is_empty() {
                    "list"
                } else {
                    choices = item_choices;
                    "choices"
                }
            } else {
                match ty {
                    "string" | "integer" | "number" | "boolean" => ty,
                    _ => "json",
                }
            };
            let shown = if matches!(kind, "list" | "choices") {
                list_text
            } else {
                text_of
            };
            out.push(ConfigFieldOut {
                name: name.clone(),
                title: p
                    .get("title")
                    .and_then(Value::as_str)
                    .unwrap_or(name)
                    .to_owned(),
                description: p
                    .get("description")
                    .and_then(Value::as_str)
                    .map(str::to_owned),
                kind: kind.into(),
                required: required.contains(&name.as_str()),
                choices,
                minimum: p.get("minimum").and_then(Value::as_f64),
                maximum: p.get("maximum").and_then(Value::as_f64),
                max_length: p.get("maxLength").and_then(Value::as_u64),
                value: (!is_secret).then(|| values.get(name).map(shown)).flatten(),
                default: p.get("default").map(shown),
                is_set: is_secret && secrets.contains_key(name),
            });
        }
    }
    for name in &granted.secrets {
        if !out.iter().any(|f| &f.name == name) {
            out.push(ConfigFieldOut {
                name: name.clone(),
                title: name.clone(),
                description: Some("A secret this plugin reads.".into()),
                kind: "secret".into(),
                required: false,
                choices: Vec::new(),
                minimum: None,
                maximum: None,
                max_length: None,
                value: None,
                default: None,
                is_set: secrets.contains_key(name),
            });
        }
    }
    out
}

/// Form text to typed values, by each field's kind (an empty optional field
/// is left out; an empty secret keeps the stored one; a `choices` field in
/// the form is a list, empty when nothing was picked).
pub fn coerce_form(
    fields: &[ConfigFieldOut],
    form: &BTreeMap<String, String>,
) -> Result<Map<String, Value>, Vec<FieldError>> {
    let mut out = Map::new();
    let mut errors = Vec::new();
    for f in fields {
        let raw = form.get(&f.name).map(|s| s.trim()).unwrap_or("");
        if f.kind == "choices" && form.contains_key(&f.name) || f.kind == "list" && !raw.is_empty()
        {
            let items: Vec<Value> = raw
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(|l| Value::String(l.to_owned()))
                .collect();
            out.insert(f.name.clone(), Value::Array(items));
            continue;
        }
        if f.kind == "boolean" {
            out.insert(
                f.name.clone(),
                Value::Bool(matches!(raw, "on" | "true" | "1")),
            );
            continue;
        }
        if raw.is_empty() {
            continue;
        }
        let v = match f.kind.as_str() {
            "integer" => raw
                .parse::<i64>()
                .map(Value::from)
                .map_err(|_| "Enter a whole number."),
            "number" => raw
                .parse::<f64>()
                .ok()
                .and_then(serde_json::Number::from_f64)
                .map(Value::Number)
                .ok_or("Enter a number."),
            "json" => serde_json::from_str(raw).map_err(|_| "Enter JSON."),
            _ => Ok(Value::String(raw.to_owned())),
        };
        match v {
            Ok(v) => {
                out.insert(f.name.clone(), v);
            }
            Err(m) => errors.push(FieldError {
                field: format!("values.{}", f.name),
                code: "invalid_type".into(),
                detail: m.into(),
            }),
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

/// Adds the checkboxes of `choices` fields (`picks[]` = `name:index`) to the
/// form's text, one picked choice per line; picks naming no such field or
/// choice are ignored.
pub fn merge_picks(
    fields: &[ConfigFieldOut],
    form: &mut BTreeMap<String, String>,
    picks: &[String],
) {
    for pick in picks {
        let Some((name, index)) = pick.rsplit_once(':') else {
            continue;
        };
        let Some(f) = fields
            .iter()
            .find(|f| f.name == name && f.kind == "choices")
        else {
            continue;
        };
        let Some(choice) = index.parse::<usize>().ok().and_then(|i| f.choices.get(i)) else {
            continue;
        };
        let text = form.entry(name.to_owned()).or_default();
        if !text.lines().any(|l| l.trim() == choice) {
            if !text.trim().is_empty() {
                text.push('\n');
            }
            text.push_str(choice);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use serde_json::{json, Value};
    use trellis_types::PermissionsOut;

    use super::{coerce_form, fields, merge_picks};

    fn schema() -> Value {
        json!({
            "type": "object",
            "properties": {
                "greeting": {"type": "string", "maxLength": 5, "default": "hi"},
                "repeat": {"type": "integer", "minimum": 1, "maximum": 5},
                "events": {"type": "array", "uniqueItems": true,
                    "items": {"type": "string", "enum": ["a.b", "c.d", "e.f"]},
                    "default": ["a.b", "c.d"]},
                "labels": {"type": "array", "items": {"type": "string"}, "default": ["x"]},
                "rules": {"type": "array", "items": {"type": "object"}}
            }
        })
    }

    fn none() -> PermissionsOut {
        PermissionsOut {
            network: vec![],
            host_functions: vec![],
            secrets: vec![],
        }
    }

    #[test]
    fn form_text_becomes_typed_values() {
        let form = fields(&schema(), &none(), &json!({}), &BTreeMap::new());
        let mut text = BTreeMap::new();
        text.insert("greeting".to_string(), "yo".to_string());
        text.insert("repeat".to_string(), "3".to_string());
        let v = coerce_form(&form, &text).unwrap();
        assert_eq!(Value::Object(v), json!({"greeting": "yo", "repeat": 3}));
        text.insert("repeat".to_string(), "three".to_string());
        assert_eq!(
            coerce_form(&form, &text).unwrap_err()[0].field,
            "values.repeat"
        );
    }

    #[test]
    fn string_arrays_are_checkboxes_or_lines() {
        let current = json!({"events": ["c.d"], "labels": ["one", "two"]});
        let form = fields(&schema(), &none(), &current, &BTreeMap::new());
        let f = |n: &str| form.iter().find(|f| f.name == n).unwrap().clone();
        let (events, labels, rules) = (f("events"), f("labels"), f("rules"));
        assert_eq!(events.kind, "choices");
        assert_eq!(events.choices, ["a.b", "c.d", "e.f"]);
        assert_eq!(events.value.as_deref(), Some("c.d"));
        assert_eq!(events.default.as_deref(), Some("a.b\nc.d"));
        assert_eq!(labels.kind, "list");
        assert_eq!(labels.value.as_deref(), Some("one\ntwo"));
        assert_eq!(rules.kind, "json");

        // Two boxes ticked (one twice, one naming nothing), a list typed with
        // blank lines and padding.
        let mut text = BTreeMap::new();
        text.insert("events".to_string(), String::new());
        text.insert("labels".to_string(), " bug \n\n triage\n".to_string());
        let picks = [
            "events:2", "events:0", "events:2", "events:9", "nope:0", "labels:0",
        ]
        .map(String::from);
        merge_picks(&form, &mut text, &picks);
        let v = coerce_form(&form, &text).unwrap();
        assert_eq!(
            Value::Object(v),
            json!({"events": ["e.f", "a.b"], "labels": ["bug", "triage"]})
        );

        // The group in the form with nothing ticked is an empty list; an empty
        // list field is left out (its default applies).
        let mut text = BTreeMap::new();
        text.insert("events".to_string(), String::new());
        text.insert("labels".to_string(), "  ".to_string());
        let v = coerce_form(&form, &text).unwrap();
        assert_eq!(Value::Object(v), json!({"events": []}));
    }
}
