//! Tests for the manifest JSON Schema, using a tiny validator for the keywords the
//! schema uses (so the test fails if the schema starts using an unsupported keyword).

use super::*;
use crate::manifest::parse_manifest;

const KNOWN: &[&str] = &[
    "$schema",
    "$id",
    "title",
    "description",
    "default",
    "format",
    "type",
    "const",
    "enum",
    "properties",
    "required",
    "additionalProperties",
    "items",
    "minItems",
    "maxItems",
    "uniqueItems",
    "pattern",
    "minLength",
    "maxLength",
    "minimum",
    "maximum",
    "maxProperties",
    "propertyNames",
    "allOf",
];

fn validate(schema: &Value, v: &Value, path: &str, errs: &mut Vec<String>) {
    let s = schema.as_object().expect("schema is an object");
    for k in s.keys() {
        assert!(
            KNOWN.contains(&k.as_str()),
            "validator does not support keyword {k}"
        );
    }
    let mut fail = |m: String| errs.push(format!("{path}: {m}"));
    if let Some(t) = s.get("type").and_then(Value::as_str) {
        let ok = match t {
            "object" => v.is_object(),
            "array" => v.is_array(),
            "string" => v.is_string(),
            "integer" => v.is_i64() || v.is_u64(),
            other => panic!("type {other}"),
        };
        if !ok {
            return fail(format!("not {t}"));
        }
    }
    if let Some(c) = s.get("const") {
        if c != v {
            fail(format!("{v} != const {c}"));
        }
    }
    if let Some(e) = s.get("enum").and_then(Value::as_array) {
        if !e.contains(v) {
            fail(format!("{v} not in enum"));
        }
    }
    if let Some(str_v) = v.as_str() {
        let n = str_v.chars().count() as u64;
        if s.get("minLength")
            .and_then(Value::as_u64)
            .is_some_and(|m| n < m)
        {
            fail("too short".into());
        }
        if s.get("maxLength")
            .and_then(Value::as_u64)
            .is_some_and(|m| n > m)
        {
            fail("too long".into());
        }
        if let Some(p) = s.get("pattern").and_then(Value::as_str) {
            if !regex::Regex::new(p).unwrap().is_match(str_v) {
                fail(format!("{str_v:?} does not match {p}"));
            }
        }
    }
    if let Some(n) = v.as_i64() {
        if s.get("minimum")
            .and_then(Value::as_i64)
            .is_some_and(|m| n < m)
        {
            fail("below minimum".into());
        }
        if s.get("maximum")
            .and_then(Value::as_i64)
            .is_some_and(|m| n > m)
        {
            fail("above maximum".into());
        }
    }
    if let Some(arr) = v.as_array() {
        if s.get("minItems")
            .and_then(Value::as_u64)
            .is_some_and(|m| (arr.len() as u64) < m)
        {
            fail("too few items".into());
        }
        if s.get("maxItems")
            .and_then(Value::as_u64)
            .is_some_and(|m| arr.len() as u64 > m)
        {
            fail("too many items".into());
        }
        if s.get("uniqueItems") == Some(&Value::Bool(true)) {
            for (i, a) in arr.iter().enumerate() {
                if arr[..i].contains(a) {
                    fail("duplicate items".into());
                }
            }
        }
        if let Some(items) = s.get("items") {
            for (i, a) in arr.iter().enumerate() {
                validate(items, a, &format!("{path}[{i}]"), errs);
            }
        }
    }
    if let Some(obj) = v.as_object() {
        let props = s.get("properties").and_then(Value::as_object);
        for r in s
            .get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if !obj.contains_key(r.as_str().unwrap()) {
                errs.push(format!("{path}: missing {r}"));
            }
        }
        if s.get("maxProperties")
            .and_then(Value::as_u64)
            .is_some_and(|m| obj.len() as u64 > m)
        {
            errs.push(format!("{path}: too many properties"));
        }
        for (k, val) in obj {
            if let Some(pn) = s.get("propertyNames") {
                validate(
                    pn,
                    &Value::String(k.clone()),
                    &format!("{path}.{k} (name)"),
                    errs,
                );
            }
            match (props.and_then(|p| p.get(k)), s.get("additionalProperties")) {
                (Some(sub), _) => validate(sub, val, &format!("{path}.{k}"), errs),
                (None, Some(Value::Bool(false))) => {
                    errs.push(format!("{path}: unknown property {k}"))
                }
                (None, Some(sub)) if sub.is_object() => {
                    validate(sub, val, &format!("{path}.{k}"), errs)
                }
                _ => {}
            }
        }
    }
    for sub in s
        .get("allOf")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        validate(sub, v, path, errs);
    }
}

fn check(toml_text: &str) -> Vec<String> {
    let v: Value = toml::from_str(toml_text).unwrap();
    let mut errs = Vec::new();
    validate(&manifest_json_schema(), &v, "$", &mut errs);
    errs
}

const EXAMPLE: &str = include_str!("../tests/fixtures/plugin.toml");
const MINIMAL: &str = include_str!("../tests/fixtures/minimal.toml");

#[test]
fn schema_is_draft_2020_12() {
    let s = manifest_json_schema();
    assert_eq!(s["$schema"], "https://json-schema.org/draft/2020-12/schema");
    assert_eq!(
        s["properties"]["plugin"]["properties"]["categories"]["items"]["enum"]
            .as_array()
            .unwrap()
            .len(),
        CATEGORIES.len()
    );
}

#[test]
fn example_manifests_validate() {
    for m in [EXAMPLE, MINIMAL] {
        assert!(parse_manifest(m).is_ok());
        assert_eq!(check(m), Vec::<String>::new());
    }
}

#[test]
fn schema_rejects_what_the_parser_rejects() {
    let cases = [
        ("version = \"0.1.0-beta.1\"", "version = \"1.0\""),
        ("kind = \"agent\"", "kind = \"robot\""),
        ("id = \"acme.hello\"", "id = \"Acme.hello\""),
        ("exports = [\"run\"]", "exports = []"),
        ("entry = \"plugin.wasm\"", "entry = \"../plugin.wasm\""),
        ("entry = \"plugin.wasm\"", "entry = \"plugin.js\""),
        ("api = \"^1\"", "api = \"^1\"\nbogus = 1"),
        ("schema_version = 1", "schema_version = 2"),
    ];
    for (old, new) in cases {
        let text = MINIMAL.replacen(old, new, 1);
        assert!(parse_manifest(&text).is_err(), "parser accepts {new}");
        assert!(!check(&text).is_empty(), "schema accepts {new}");
    }
    let extra = [
        "\n[runtime.x]\n",
        "memory_mb = 1000\n",
        "\n[permissions]\nnetwork = [\"https://x.com\"]\n",
        "\n[permissions]\nhost_functions = [\"exec\"]\n",
        "\n[events]\npublish = [\"x\"]\n",
        "\n[dependencies]\n\"NOPE\" = \"^1\"\n",
    ];
    for e in extra {
        let text = format!("{MINIMAL}{e}");
        assert!(parse_manifest(&text).is_err(), "parser accepts {e}");
        assert!(!check(&text).is_empty(), "schema accepts {e}");
    }
}
