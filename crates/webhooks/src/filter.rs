//! Payload filters: the conditions an event must meet for an endpoint to
//! receive it, stored with the endpoint as a JSON array, all of which must hold:
//!
//! ```json
//! [{"path": "data.version", "op": "eq", "value": "1.0.0"},
//!  {"path": "namespace", "op": "in", "value": ["acme", "tools"]}]
//! ```
//!
//! Paths are read in the event as the API shows it (`type`, `subject.kind`,
//! `actor.username`, `namespace`, `data.…`; numeric segments index arrays).

use std::cmp::Ordering;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::headers::Invalid;

/// At most this many conditions in a filter.
pub const MAX_CONDITIONS: usize = 20;
/// Characters in a path.
pub const MAX_PATH_CHARS: usize = 200;
/// Values in the array of `in` / `nin`.
pub const MAX_IN_VALUES: usize = 100;
/// Characters in any string a condition compares with.
pub const MAX_VALUE_CHARS: usize = 1000;
/// What a path may start with.
pub const ROOTS: &[&str] = &["type", "subject", "actor", "namespace", "data"];

/// One condition on an event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Condition {
    pub path: String,
    pub op: Op,
    pub value: Value,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Op {
    Eq,
    Ne,
    In,
    Nin,
    Gt,
    Gte,
    Lt,
    Lte,
    Exists,
    Contains,
    Prefix,
}

impl Op {
    pub const ALL: [Op; 11] = [
        Op::Eq,
        Op::Ne,
        Op::In,
        Op::Nin,
        Op::Gt,
        Op::Gte,
        Op::Lt,
        Op::Lte,
        Op::Exists,
        Op::Contains,
        Op::Prefix,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Op::Eq => "eq",
            Op::Ne => "ne",
            Op::In => "in",
            Op::Nin => "nin",
            Op::Gt => "gt",
            Op::Gte => "gte",
            Op::Lt => "lt",
            Op::Lte => "lte",
            Op::Exists => "exists",
            Op::Contains => "contains",
            Op::Prefix => "prefix",
        }
    }

    pub fn parse(s: &str) -> Option<Op> {
        Op::ALL.into_iter().find(|op| op.as_str() == s)
    }
}

fn op_names() -> String {
    Op::ALL.map(Op::as_str).join(", ")
}

const SHAPE: &str = r#"a filter is an array of conditions such as {"path": "data.version", "op": "eq", "value": "1.0.0"}"#;
const CONDITION_SHAPE: &str = "a condition is an object with `path`, `op` and `value`";

/// Reads and checks a filter as an API user sends it. Every problem is
/// reported, under `filter` (the shape) or `filter[i].path|op|value`.
pub fn parse(v: &Value) -> Result<Vec<Condition>, Vec<Invalid>> {
    let Some(items) = v.as_array() else {
        return Err(vec![Invalid::new("filter", SHAPE)]);
    };
    if items.len() > MAX_CONDITIONS {
        return Err(vec![Invalid::new(
            "filter",
            format!(
                "a filter has at most {MAX_CONDITIONS} conditions (this one has {})",
                items.len()
            ),
        )]);
    }
    let mut conditions = Vec::with_capacity(items.len());
    let mut problems = Vec::new();
    for (i, item) in items.iter().enumerate() {
        match condition(i, item) {
            Ok(c) => conditions.push(c),
            Err(mut p) => problems.append(&mut p),
        }
    }
    if problems.is_empty() {
        Ok(conditions)
    } else {
        Err(problems)
    }
}

fn condition(i: usize, item: &Value) -> Result<Condition, Vec<Invalid>> {
    let field = |name: &str| format!("filter[{i}].{name}");
    let Some(obj) = item.as_object() else {
        return Err(vec![Invalid::new(format!("filter[{i}]"), CONDITION_SHAPE)]);
    };
    let mut problems = Vec::new();
    for key in obj.keys() {
        if !matches!(key.as_str(), "path" | "op" | "value") {
            problems.push(Invalid::new(
                field(key),
                format!("unknown field `{key}`: {CONDITION_SHAPE}"),
            ));
        }
    }
    let path = required(obj, "path", &field, &mut problems).and_then(|p| match path_problem(p) {
        None => p.as_str().map(str::to_owned),
        Some(message) => {
            problems.push(Invalid::new(field("path"), message));
            None
        }
    });
    let op = required(obj, "op", &field, &mut problems).and_then(|op| {
        let parsed = op.as_str().and_then(Op::parse);
        if parsed.is_none() {
            let message = match op.as_str() {
                Some(name) => format!("unknown operator `{name}`: use one of {}", op_names()),
                None => format!("an operator is a string: one of {}", op_names()),
            };
            problems.push(Invalid::new(field("op"), message));
        }
        parsed
    });
    let value = required(obj, "value", &field, &mut problems);
    if let (Some(op), Some(value)) = (op, value) {
        if let Some(message) = value_problem(op, value) {
            problems.push(Invalid::new(field("value"), message));
        }
    }
    match (path, op, value) {
        (Some(path), Some(op), Some(value)) if problems.is_empty() => Ok(Condition {
            path,
            op,
            value: value.clone(),
        }),
        _ => Err(problems),
    }
}

fn required<'a>(
    obj: &'a Map<String, Value>,
    name: &str,
    field: &impl Fn(&str) -> String,
    problems: &mut Vec<Invalid>,
) -> Option<&'a Value> {
    let found = obj.get(name);
    if found.is_none() {
        problems.push(Invalid::new(
            field(name),
            format!("missing: {CONDITION_SHAPE}"),
        ));
    }
    found
}

fn path_problem(path: &Value) -> Option<String> {
    let Some(path) = path.as_str() else {
        return Some("a path is a string such as `data.version`".to_owned());
    };
    if path.is_empty() {
        return Some("a path cannot be empty: use one such as `data.version`".to_owned());
    }
    if path.chars().count() > MAX_PATH_CHARS {
        return Some(format!("a path is at most {MAX_PATH_CHARS} characters"));
    }
    let segment_ok = |s: &str| {
        !s.is_empty()
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
    };
    if !path.split('.').all(segment_ok) {
        return Some(format!(
            "`{path}` is not a path: use names of letters, digits, `_` and `-` (or array positions) separated by dots, such as `data.versions.0`"
        ));
    }
    let root = path.split('.').next().unwrap_or_default();
    if !ROOTS.contains(&root) {
        return Some(format!(
            "a path starts with one of {} (such as `data.version`), not `{root}`",
            ROOTS.join(", ")
        ));
    }
    None
}

fn is_scalar(v: &Value) -> bool {
    matches!(
        v,
        Value::String(_) | Value::Number(_) | Value::Bool(_) | Value::Null
    )
}

fn too_long(v: &Value) -> bool {
    v.as_str()
        .is_some_and(|s| s.chars().count() > MAX_VALUE_CHARS)
}

fn value_problem(op: Op, value: &Value) -> Option<String> {
    let name = op.as_str();
    let problem = match op {
        Op::Eq | Op::Ne | Op::Contains if !is_scalar(value) => Some(format!(
            "`{name}` compares with a string, number, boolean or null"
        )),
        Op::In | Op::Nin => match value.as_array() {
            None => Some(format!(
                "`{name}` takes an array of strings, numbers, booleans or nulls"
            )),
            Some(values) if values.len() > MAX_IN_VALUES => Some(format!(
                "`{name}` takes at most {MAX_IN_VALUES} values (this one has {})",
                values.len()
            )),
            Some(values) if !values.iter().all(is_scalar) => Some(format!(
                "`{name}` takes an array of strings, numbers, booleans or nulls (no arrays or objects)"
            )),
            Some(values) if values.iter().any(too_long) => Some(format!(
                "a value is at most {MAX_VALUE_CHARS} characters"
            )),
            Some(_) => None,
        },
        Op::Gt | Op::Gte | Op::Lt | Op::Lte if !(value.is_number() || value.is_string()) => {
            Some(format!("`{name}` compares with a number or a string"))
        }
        Op::Exists if !value.is_boolean() => Some(
            "`exists` takes true (the path has a value) or false (it has none)".to_owned(),
        ),
        Op::Prefix if !value.is_string() => Some("`prefix` takes a string".to_owned()),
        _ => None,
    };
    problem.or_else(|| {
        too_long(value).then(|| format!("a value is at most {MAX_VALUE_CHARS} characters"))
    })
}

/// The value at a dotted path, if there is one.
fn lookup<'a>(envelope: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('.').try_fold(envelope, |v, segment| match v {
        Value::Object(map) => map.get(segment),
        Value::Array(items) => segment.parse::<usize>().ok().and_then(|i| items.get(i)),
        _ => None,
    })
}

/// Whether the event meets every condition (an empty filter lets everything
/// through). A path with no value (missing, or null) meets only
/// `exists: false`, `ne` and `nin`; `eq null` / `in [null]` also match null.
pub fn matches(conditions: &[Condition], envelope: &Value) -> bool {
    conditions
        .iter()
        .all(|c| holds(c, lookup(envelope, &c.path)))
}

fn holds(c: &Condition, found: Option<&Value>) -> bool {
    let present = found.filter(|v| !v.is_null());
    match c.op {
        Op::Exists => c.value.as_bool() == Some(present.is_some()),
        Op::Eq => found.is_some_and(|v| equal(v, &c.value)),
        Op::Ne => !found.is_some_and(|v| equal(v, &c.value)),
        Op::In => found.is_some_and(|v| in_list(v, &c.value)),
        Op::Nin => !found.is_some_and(|v| in_list(v, &c.value)),
        Op::Gt => compare(present, &c.value).is_some_and(Ordering::is_gt),
        Op::Gte => compare(present, &c.value).is_some_and(Ordering::is_ge),
        Op::Lt => compare(present, &c.value).is_some_and(Ordering::is_lt),
        Op::Lte => compare(present, &c.value).is_some_and(Ordering::is_le),
        Op::Contains => match (present, &c.value) {
            (Some(Value::Array(items)), wanted) => items.iter().any(|v| equal(v, wanted)),
            (Some(Value::String(s)), Value::String(wanted)) => s.contains(wanted.as_str()),
            _ => false,
        },
        Op::Prefix => match (present, &c.value) {
            (Some(Value::String(s)), Value::String(p)) => s.starts_with(p.as_str()),
            _ => false,
        },
    }
}

fn in_list(v: &Value, list: &Value) -> bool {
    list.as_array()
        .is_some_and(|items| items.iter().any(|item| equal(v, item)))
}

/// JSON equality with numbers compared by value (`1` equals `1.0`).
fn equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(_), Value::Number(_)) => compare(Some(a), b) == Some(Ordering::Equal),
        _ => a == b,
    }
}

/// Numbers numerically, strings lexicographically, anything else not at all.
fn compare(found: Option<&Value>, wanted: &Value) -> Option<Ordering> {
    match (found?, wanted) {
        (Value::String(a), Value::String(b)) => Some(a.as_str().cmp(b.as_str())),
        (Value::Number(a), Value::Number(b)) => {
            if let (Some(a), Some(b)) = (a.as_i64(), b.as_i64()) {
                Some(a.cmp(&b))
            } else if let (Some(a), Some(b)) = (a.as_u64(), b.as_u64()) {
                Some(a.cmp(&b))
            } else {
                a.as_f64()?.partial_cmp(&b.as_f64()?)
            }
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn event() -> Value {
        json!({
            "id": "evt_01JDZ8Q4X9R7M2N5K3H6G1F0E",
            "type": "plugin.version.published",
            "occurred_at": "2026-12-01T09:30:00.000Z",
            "actor": {"type": "user", "user_id": 7, "username": "alice", "token_id": 42},
            "subject": {"kind": "plugin", "id": "acme.kanban"},
            "namespace": "acme",
            "data": {
                "namespace": "acme", "plugin": "acme.kanban", "version": "1.2.0",
                "size": 48213, "signed": true, "ratio": 0.5, "replacement": null,
                "scopes": ["publish", "read"]
            }
        })
    }

    fn cond(path: &str, op: Op, value: Value) -> Condition {
        Condition {
            path: path.to_owned(),
            op,
            value,
        }
    }

    fn check(path: &str, op: Op, value: Value) -> bool {
        matches(&[cond(path, op, value)], &event())
    }

    #[test]
    fn parses_and_round_trips_through_serde() {
        let v = json!([
            {"path": "data.version", "op": "eq", "value": "1.0.0"},
            {"path": "namespace", "op": "in", "value": ["acme", "tools"]}
        ]);
        let parsed = parse(&v);
        assert_eq!(
            parsed,
            Ok(vec![
                cond("data.version", Op::Eq, json!("1.0.0")),
                cond("namespace", Op::In, json!(["acme", "tools"])),
            ])
        );
        assert_eq!(
            serde_json::to_value(parsed.unwrap_or_default()).ok(),
            Some(v)
        );
        assert_eq!(parse(&json!([])), Ok(vec![]));
        for op in Op::ALL {
            assert_eq!(serde_json::to_value(op).ok(), Some(json!(op.as_str())));
            assert_eq!(Op::parse(op.as_str()), Some(op));
        }
    }

    /// `[path, op, value, holds]` on [`event`].
    const TRUTH: &str = r#"[
        ["type", "eq", "plugin.version.published", true], ["data.size", "eq", 48213.0, true],
        ["data.signed", "eq", true, true], ["data.replacement", "eq", null, true],
        ["actor.username", "eq", "alice", true], ["data.scopes.1", "eq", "read", true],
        ["data.size", "eq", "48213", false], ["data.scopes", "eq", "publish", false],
        ["namespace", "ne", "tools", true], ["namespace", "ne", "acme", false],
        ["namespace", "in", ["tools", "acme"], true], ["namespace", "in", ["tools"], false],
        ["data.size", "in", [1, 48213.0], true], ["namespace", "nin", ["tools"], true],
        ["namespace", "nin", ["acme"], false], ["data.size", "gt", 48212, true],
        ["data.size", "gt", 48213, false], ["data.size", "gte", 48213, true],
        ["data.size", "lt", 48213.5, true], ["data.size", "lte", 48213, true],
        ["data.size", "lt", -1, false], ["data.ratio", "lt", 1, true],
        ["data.ratio", "gt", -1, true], ["data.version", "gte", "1.2.0", true],
        ["data.version", "lt", "1.3", true], ["actor.username", "gt", "aaron", true],
        ["data.size", "gt", "1", false], ["data.size", "lt", "99999999", false],
        ["data.version", "gt", 0, false], ["data.signed", "gte", 0, false],
        ["data.replacement", "lte", "z", false], ["data.version", "exists", true, true],
        ["data.version", "exists", false, false], ["data.replacement", "exists", false, true],
        ["data.scopes", "contains", "publish", true], ["data.scopes", "contains", "admin", false],
        ["data.plugin", "contains", "kan", true], ["data.plugin", "contains", 1, false],
        ["data.size", "contains", "48", false], ["type", "prefix", "plugin.", true],
        ["type", "prefix", "namespace.", false], ["data.size", "prefix", "4", false]
    ]"#;

    #[test]
    fn each_operator() {
        let rows: Vec<(String, Op, Value, bool)> =
            serde_json::from_str(TRUTH).unwrap_or_else(|e| panic!("{e}"));
        for (path, op, value, holds) in rows {
            let shown = format!("{path} {} {value}", op.as_str());
            assert_eq!(check(&path, op, value), holds, "{shown}");
        }
    }

    #[test]
    fn missing_paths() {
        let paths = [
            "data.nope",
            "data.version.major",
            "data.scopes.9",
            "data.scopes.x",
            "subject.id.0",
        ];
        for path in paths {
            assert!(check(path, Op::Exists, json!(false)), "{path}");
            assert!(check(path, Op::Ne, json!("x")), "{path}");
            assert!(check(path, Op::Nin, json!(["x"])), "{path}");
            let never = [
                (Op::Exists, json!(true)),
                (Op::Eq, json!(null)),
                (Op::In, json!([null])),
                (Op::Gte, json!("")),
                (Op::Lte, json!(0)),
                (Op::Contains, json!("")),
                (Op::Prefix, json!("")),
            ];
            for (op, value) in never {
                assert!(!check(path, op, value), "{path} {}", op.as_str());
            }
        }
    }

    #[test]
    fn every_condition_must_hold() {
        let both = [
            cond("namespace", Op::Eq, json!("acme")),
            cond("data.version", Op::Prefix, json!("1.")),
        ];
        assert!(matches(&both, &event()));
        let one_fails = [
            both[0].clone(),
            cond("data.version", Op::Prefix, json!("2.")),
        ];
        assert!(!matches(&one_fails, &event()));
        assert!(matches(&[], &event()));
    }

    /// `[condition, field, part of the message]` for a one-condition filter.
    const ERRORS: &str = r#"[
        ["type", "filter[0]", "a condition is an object with `path`, `op` and `value`"],
        [{"path": "type", "op": "eq"}, "filter[0].value", "missing: a condition is an object"],
        [{"path": "type", "op": "eq", "value": 1, "x": 1}, "filter[0].x", "unknown field `x`: a condition"],
        [{"path": "", "op": "exists", "value": true}, "filter[0].path", "cannot be empty"],
        [{"path": 3, "op": "exists", "value": true}, "filter[0].path", "a path is a string"],
        [{"path": "data..version", "op": "exists", "value": true}, "filter[0].path", "is not a path"],
        [{"path": "data.ver sion", "op": "exists", "value": true}, "filter[0].path", "is not a path"],
        [{"path": "data.$where", "op": "exists", "value": true}, "filter[0].path", "is not a path"],
        [{"path": ".data", "op": "exists", "value": true}, "filter[0].path", "is not a path"],
        [{"path": "id", "op": "exists", "value": true}, "filter[0].path",
            "a path starts with one of type, subject, actor, namespace, data (such as `data.version`), not `id`"],
        [{"path": "type", "op": "like", "value": "x"}, "filter[0].op",
            "unknown operator `like`: use one of eq, ne, in, nin, gt, gte, lt, lte, exists, contains, prefix"],
        [{"path": "type", "op": 1, "value": "x"}, "filter[0].op", "an operator is a string: one of eq, ne"],
        [{"path": "data.x", "op": "eq", "value": {"a": 1}}, "filter[0].value", "string, number, boolean or null"],
        [{"path": "data.x", "op": "in", "value": "acme"}, "filter[0].value", "takes an array"],
        [{"path": "data.x", "op": "nin", "value": [["a"]]}, "filter[0].value", "no arrays or objects"],
        [{"path": "data.x", "op": "gt", "value": true}, "filter[0].value", "number or a string"],
        [{"path": "data.x", "op": "lte", "value": null}, "filter[0].value", "number or a string"],
        [{"path": "data.x", "op": "exists", "value": "yes"}, "filter[0].value", "`exists` takes true"],
        [{"path": "data.x", "op": "contains", "value": [1]}, "filter[0].value", "string, number"],
        [{"path": "data.x", "op": "prefix", "value": 1}, "filter[0].value", "`prefix` takes a string"]
    ]"#;

    fn errors(v: Value) -> Vec<(String, String)> {
        match parse(&v) {
            Ok(c) => panic!("accepted: {c:?}"),
            Err(p) => p.into_iter().map(|i| (i.field, i.message)).collect(),
        }
    }

    #[test]
    fn validation_errors() {
        let rows: Vec<(Value, String, String)> =
            serde_json::from_str(ERRORS).unwrap_or_else(|e| panic!("{e}"));
        for (condition, field, message) in rows {
            let got = errors(json!([condition]));
            assert_eq!(got.len(), 1, "{condition}: {got:?}");
            assert_eq!(got[0].0, field, "{condition}");
            assert!(got[0].1.contains(&message), "{condition}: {}", got[0].1);
        }
        // Each condition is numbered; every problem of each is reported.
        let ok = json!({"path": "type", "op": "eq", "value": "x"});
        let got = errors(json!([ok, ok, {"path": "nope", "op": "like"}]));
        let fields: Vec<&str> = got.iter().map(|(f, _)| f.as_str()).collect();
        assert_eq!(
            fields,
            ["filter[2].path", "filter[2].op", "filter[2].value"]
        );
    }

    #[test]
    fn limits() {
        assert_eq!(
            errors(json!({"path": "type"})),
            [("filter".to_owned(), SHAPE.to_owned())]
        );
        let one = json!({"path": "type", "op": "exists", "value": true});
        let message = "a filter has at most 20 conditions (this one has 21)".to_owned();
        assert_eq!(
            errors(json!(vec![one; 21])),
            [("filter".to_owned(), message)]
        );
        let with = |path: String, op: &str, value: Value| {
            parse(&json!([{"path": path, "op": op, "value": value}]))
        };
        let long_path = |n: usize| format!("data.{}", "a".repeat(n));
        assert!(with(long_path(195), "exists", json!(true)).is_ok());
        assert!(with(long_path(196), "exists", json!(true)).is_err());
        assert!(with("data.versions.0".to_owned(), "eq", json!("1")).is_ok());
        let hundred: Vec<u32> = (0..100).collect();
        assert!(with("data.x".to_owned(), "in", json!(hundred)).is_ok());
        let hundred_one: Vec<u32> = (0..101).collect();
        assert!(with("data.x".to_owned(), "in", json!(hundred_one)).is_err());
        assert!(with("data.x".to_owned(), "eq", json!("x".repeat(1000))).is_ok());
        assert!(with("data.x".to_owned(), "eq", json!("x".repeat(1001))).is_err());
        assert!(with("data.x".to_owned(), "nin", json!(["x".repeat(1001)])).is_err());
    }
}
