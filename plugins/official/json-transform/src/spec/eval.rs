//! Applying a compiled spec to data: paths, filters and operations.

use serde_json::{Map, Value};

use super::{err, Compiled, Expr, Filter, Part, Seg, SpecError};

/// The text form of a value inside `{{ }}` or for `join`.
pub fn text(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

impl Expr {
    fn eval(&self, root: &Value, item: Option<&Value>) -> Result<Value, SpecError> {
        let mut v = if self.item {
            item.unwrap_or(&Value::Null)
        } else {
            root
        };
        for s in &self.segs {
            let next = match (s, v) {
                (Seg::Key(k), Value::Object(m)) => m.get(k),
                (Seg::Index(i), Value::Array(a)) => {
                    let i = if *i < 0 { a.len() as i64 + i } else { *i };
                    usize::try_from(i).ok().and_then(|i| a.get(i))
                }
                _ => None,
            };
            v = next.unwrap_or(&Value::Null);
        }
        let mut v = v.clone();
        for f in &self.filters {
            v = self.filter(f, v)?;
        }
        Ok(v)
    }

    fn filter(&self, f: &Filter, v: Value) -> Result<Value, SpecError> {
        let scalar = |name: &str, v: Value, op: &dyn Fn(&str) -> String| match v {
            Value::Null => Ok(Value::Null),
            Value::Array(_) | Value::Object(_) => err(
                "type_mismatch",
                &self.at,
                format!("`{name}` works on text, got {}", kind(&v)),
            ),
            other => Ok(Value::String(op(&text(&other)))),
        };
        match f {
            Filter::Upper => scalar("upper", v, &|s| s.to_uppercase()),
            Filter::Lower => scalar("lower", v, &|s| s.to_lowercase()),
            Filter::Trim => scalar("trim", v, &|s| s.trim().to_owned()),
            Filter::Truncate(n) => scalar("truncate", v, &|s| truncate(s, *n)),
            Filter::Default(d) => Ok(match v {
                Value::Null => d.clone(),
                Value::String(s) if s.is_empty() => d.clone(),
                other => other,
            }),
            Filter::Join(sep) => match v {
                Value::Null => Ok(Value::Null),
                Value::Array(a) => Ok(Value::String(
                    a.iter().map(text).collect::<Vec<_>>().join(sep),
                )),
                other => err(
                    "type_mismatch",
                    &self.at,
                    format!("`join` works on an array, got {}", kind(&other)),
                ),
            },
            Filter::Json => Ok(Value::String(v.to_string())),
            Filter::Length => Ok(Value::from(match &v {
                Value::Null => 0,
                Value::String(s) => s.chars().count(),
                Value::Array(a) => a.len(),
                Value::Object(m) => m.len(),
                other => text(other).chars().count(),
            })),
        }
    }
}

/// At most `n` characters; a cut text ends with `…` (counted in `n`).
pub fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        return s.to_owned();
    }
    let mut out: String = s.chars().take(n.saturating_sub(1)).collect();
    out.push('…');
    out
}

fn object_from(
    c: &Compiled,
    op: &str,
    at: &str,
    root: &Value,
    item: Option<&Value>,
) -> Result<Option<Map<String, Value>>, SpecError> {
    match c.eval(root, item)? {
        Value::Null => Ok(None),
        Value::Object(m) => Ok(Some(m)),
        other => err(
            "type_mismatch",
            at,
            format!("`{op}` works on an object, `from` gave {}", kind(&other)),
        ),
    }
}

impl Compiled {
    /// Applies the spec to `root` (the `data` of the call).
    pub fn apply(&self, root: &Value) -> Result<Value, SpecError> {
        self.eval(root, None)
    }

    fn eval(&self, root: &Value, item: Option<&Value>) -> Result<Value, SpecError> {
        Ok(match self {
            Compiled::Lit(v) => v.clone(),
            Compiled::Expr(e) => e.eval(root, item)?,
            Compiled::Text(parts) => {
                let mut s = String::new();
                for p in parts {
                    match p {
                        Part::Text(t) => s.push_str(t),
                        Part::Expr(e) => s.push_str(&text(&e.eval(root, item)?)),
                    }
                }
                Value::String(s)
            }
            Compiled::Arr(a) => Value::Array(
                a.iter()
                    .map(|c| c.eval(root, item))
                    .collect::<Result<_, _>>()?,
            ),
            Compiled::Obj(m) => Value::Object(
                m.iter()
                    .map(|(k, c)| Ok((k.clone(), c.eval(root, item)?)))
                    .collect::<Result<_, SpecError>>()?,
            ),
            Compiled::Each(src, to, at) => match src.eval(root, item)? {
                Value::Null => Value::Array(vec![]),
                Value::Array(a) => Value::Array(
                    a.iter()
                        .map(|x| to.eval(root, Some(x)))
                        .collect::<Result<_, _>>()?,
                ),
                other => {
                    return err(
                        "type_mismatch",
                        at,
                        format!("`$each` works on an array, got {}", kind(&other)),
                    )
                }
            },
            Compiled::Pick(keys, from, at) => match object_from(from, "$pick", at, root, item)? {
                None => Value::Null,
                Some(m) => Value::Object(
                    keys.iter()
                        .filter_map(|k| m.get(k).map(|v| (k.clone(), v.clone())))
                        .collect(),
                ),
            },
            Compiled::Omit(keys, from, at) => match object_from(from, "$omit", at, root, item)? {
                None => Value::Null,
                Some(mut m) => {
                    m.retain(|k, _| !keys.contains(k));
                    Value::Object(m)
                }
            },
            Compiled::Rename(pairs, from, at) => {
                match object_from(from, "$rename", at, root, item)? {
                    None => Value::Null,
                    Some(m) => Value::Object(
                        m.into_iter()
                            .map(|(k, v)| {
                                let new =
                                    pairs.iter().find(|(o, _)| *o == k).map(|(_, n)| n.clone());
                                (new.unwrap_or(k), v)
                            })
                            .collect(),
                    ),
                }
            }
        })
    }
}
