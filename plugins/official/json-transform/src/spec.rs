//! The spec language (README.md is the user's reference). A spec is a JSON template,
//! compiled once ([`compile`]: every syntax error is found before any data is looked
//! at) and then applied to data ([`Compiled::apply`]).
//!
//! * a string that starts with a path root (`$`, or `@` inside `$each`) is an
//!   expression: `$.data.plugin | upper` gives the picked value itself (any JSON);
//! * any other string is text, where each `{{ expression }}` is replaced by the text of
//!   its value; `$$…` / `@@…` write a literal `$…` / `@…`;
//! * arrays and objects are rendered element by element (a key `$$k` is the literal
//!   key `$k`);
//! * an object with a `$`-key is an operation: `$each`, `$pick`, `$omit`, `$rename`,
//!   `$literal`.
//!
//! Errors carry a stable code and the JSON pointer of the offending spot in the spec.

use std::fmt;

use serde_json::{Map, Value};

mod eval;

/// A problem with a spec (or, for `type_mismatch`, with the data it met).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpecError {
    /// `bad_path`, `unknown_filter`, `bad_filter_arg`, `unknown_operation`,
    /// `bad_operation`, `unclosed_template` or `type_mismatch`.
    pub code: &'static str,
    /// JSON pointer into the spec (`""`: the spec itself).
    pub at: String,
    pub detail: String,
}

impl fmt::Display for SpecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} at spec{}: {}", self.code, self.at, self.detail)
    }
}

fn err<T>(code: &'static str, at: &str, detail: impl Into<String>) -> Result<T, SpecError> {
    Err(SpecError {
        code,
        at: at.to_owned(),
        detail: detail.into(),
    })
}

/// The filters, in the order the README lists them.
pub const FILTERS: &[&str] = &[
    "upper", "lower", "trim", "truncate", "default", "join", "json", "length",
];

#[derive(Debug, Clone)]
pub enum Seg {
    Key(String),
    Index(i64),
}

#[derive(Debug, Clone)]
pub enum Filter {
    Upper,
    Lower,
    Trim,
    Truncate(usize),
    Default(Value),
    Join(String),
    Json,
    Length,
}

#[derive(Debug, Clone)]
pub struct Expr {
    item: bool,
    segs: Vec<Seg>,
    filters: Vec<Filter>,
    at: String,
}

#[derive(Debug, Clone)]
pub enum Part {
    Text(String),
    Expr(Expr),
}

/// A compiled spec.
#[derive(Debug, Clone)]
pub enum Compiled {
    Lit(Value),
    Expr(Expr),
    Text(Vec<Part>),
    Arr(Vec<Compiled>),
    Obj(Vec<(String, Compiled)>),
    Each(Box<Compiled>, Box<Compiled>, String),
    Pick(Vec<String>, Box<Compiled>, String),
    Omit(Vec<String>, Box<Compiled>, String),
    Rename(Vec<(String, String)>, Box<Compiled>, String),
}

fn escape(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

/// Compiles a spec; `Err` names the first offending spot.
pub fn compile(spec: &Value) -> Result<Compiled, SpecError> {
    compile_at(spec, "", false)
}

fn compile_at(t: &Value, at: &str, in_each: bool) -> Result<Compiled, SpecError> {
    Ok(match t {
        Value::String(s) => compile_string(s, at, in_each)?,
        Value::Array(a) => Compiled::Arr(
            a.iter()
                .enumerate()
                .map(|(i, v)| compile_at(v, &format!("{at}/{i}"), in_each))
                .collect::<Result<_, _>>()?,
        ),
        Value::Object(m) if m.keys().any(|k| is_op(k)) => compile_op(m, at, in_each)?,
        Value::Object(m) => Compiled::Obj(
            m.iter()
                .map(|(k, v)| {
                    let key = k.strip_prefix('$').filter(|_| k.starts_with("$$"));
                    let key = key.map_or_else(|| k.clone(), str::to_owned);
                    Ok((key, compile_at(v, &format!("{at}/{}", escape(k)), in_each)?))
                })
                .collect::<Result<_, _>>()?,
        ),
        other => Compiled::Lit(other.clone()),
    })
}

fn is_op(k: &str) -> bool {
    k.starts_with('$') && !k.starts_with("$$")
}

fn string_list(v: &Value, at: &str, what: &str) -> Result<Vec<String>, SpecError> {
    match v.as_array() {
        Some(a) if a.iter().all(Value::is_string) => Ok(a
            .iter()
            .filter_map(|s| s.as_str().map(str::to_owned))
            .collect()),
        _ => err(
            "bad_operation",
            at,
            format!("{what} must be an array of key names"),
        ),
    }
}

fn compile_op(m: &Map<String, Value>, at: &str, in_each: bool) -> Result<Compiled, SpecError> {
    let ops: Vec<&String> = m.keys().filter(|k| is_op(k)).collect();
    if ops.len() > 1 {
        return err(
            "bad_operation",
            at,
            format!("one operation per object, found {ops:?}"),
        );
    }
    let op = ops[0].as_str();
    let allowed: &[&str] = match op {
        "$each" => &["to"],
        "$pick" | "$omit" | "$rename" => &["from"],
        "$literal" => &[],
        _ => {
            return err(
                "unknown_operation",
                &format!("{at}/{}", escape(op)),
                format!(
                    "`{op}` is not an operation (known: $each, $pick, $omit, $rename, $literal; write `${op}` for a literal key `{op}`)"
                ),
            )
        }
    };
    for k in m.keys().filter(|k| k.as_str() != op) {
        if !allowed.contains(&k.as_str()) {
            return err(
                "bad_operation",
                &format!("{at}/{}", escape(k)),
                format!(
                    "`{op}` takes {}, not `{k}`",
                    if allowed.is_empty() {
                        "no other key".to_owned()
                    } else {
                        format!("`{}`", allowed.join("`, `"))
                    }
                ),
            );
        }
    }
    let op_at = format!("{at}/{}", escape(op));
    let from = |key: &str| -> Result<Box<Compiled>, SpecError> {
        match m.get(key) {
            Some(v) => Ok(Box::new(compile_at(v, &format!("{at}/{key}"), in_each)?)),
            None => err("bad_operation", at, format!("`{op}` needs `{key}`")),
        }
    };
    Ok(match op {
        "$literal" => Compiled::Lit(m[op].clone()),
        "$each" => {
            let src = Box::new(compile_at(&m[op], &op_at, in_each)?);
            let to = match m.get("to") {
                Some(v) => Box::new(compile_at(v, &format!("{at}/to"), true)?),
                None => {
                    return err(
                        "bad_operation",
                        at,
                        "`$each` needs `to`, the template for each item",
                    )
                }
            };
            Compiled::Each(src, to, op_at)
        }
        "$pick" => Compiled::Pick(
            string_list(&m[op], &op_at, "`$pick`")?,
            from("from")?,
            format!("{at}/from"),
        ),
        "$omit" => Compiled::Omit(
            string_list(&m[op], &op_at, "`$omit`")?,
            from("from")?,
            format!("{at}/from"),
        ),
        _ => {
            let Some(map) = m[op].as_object() else {
                return err(
                    "bad_operation",
                    &op_at,
                    "`$rename` must be an object {\"old\": \"new\"}",
                );
            };
            let mut pairs = Vec::new();
            for (k, v) in map {
                match v.as_str() {
                    Some(n) => pairs.push((k.clone(), n.to_owned())),
                    None => {
                        return err(
                            "bad_operation",
                            &format!("{op_at}/{}", escape(k)),
                            "the new name must be a string",
                        )
                    }
                }
            }
            Compiled::Rename(pairs, from("from")?, format!("{at}/from"))
        }
    })
}

/// Whether `s` starts with a path root: `$` or `@` followed by nothing, `.`, `[`,
/// a space or `|`.
fn starts_with_root(s: &str) -> bool {
    let mut c = s.chars();
    matches!(c.next(), Some('$' | '@')) && matches!(c.next(), None | Some('.' | '[' | ' ' | '|'))
}

fn compile_string(s: &str, at: &str, in_each: bool) -> Result<Compiled, SpecError> {
    if s.starts_with("$$") || s.starts_with("@@") {
        return Ok(Compiled::Lit(Value::String(s[1..].to_owned())));
    }
    if starts_with_root(s) {
        return Ok(Compiled::Expr(parse_expr(s, at, in_each)?));
    }
    if !s.contains("{{") {
        return Ok(Compiled::Lit(Value::String(s.to_owned())));
    }
    let mut parts = Vec::new();
    let mut rest = s;
    while let Some(open) = rest.find("{{") {
        if open > 0 {
            parts.push(Part::Text(rest[..open].to_owned()));
        }
        let after = &rest[open + 2..];
        let Some(close) = after.find("}}") else {
            return err(
                "unclosed_template",
                at,
                format!("`{{{{` without `}}}}` in {s:?}"),
            );
        };
        parts.push(Part::Expr(parse_expr(&after[..close], at, in_each)?));
        rest = &after[close + 2..];
    }
    if !rest.is_empty() {
        parts.push(Part::Text(rest.to_owned()));
    }
    Ok(Compiled::Text(parts))
}

/// Splits on `|` outside double-quoted strings.
fn split_pipes(s: &str) -> Vec<&str> {
    let (mut out, mut start, mut quoted, mut escaped) = (Vec::new(), 0, false, false);
    for (i, c) in s.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' if quoted => escaped = true,
            '"' => quoted = !quoted,
            '|' if !quoted => {
                out.push(&s[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&s[start..]);
    out
}

fn parse_expr(src: &str, at: &str, in_each: bool) -> Result<Expr, SpecError> {
    let pieces = split_pipes(src);
    let path = pieces[0].trim();
    let (item, body) = if let Some(b) = path.strip_prefix('@') {
        if !in_each {
            return err(
                "bad_path",
                at,
                format!("`{path}`: `@` is the current item, only inside the `to` of `$each`"),
            );
        }
        (true, b)
    } else {
        (false, path.strip_prefix('$').unwrap_or(path))
    };
    let segs = parse_path(body).map_err(|d| SpecError {
        code: "bad_path",
        at: at.to_owned(),
        detail: format!("`{path}`: {d}"),
    })?;
    let filters = pieces[1..]
        .iter()
        .map(|f| parse_filter(f.trim(), at))
        .collect::<Result<_, _>>()?;
    Ok(Expr {
        item,
        segs,
        filters,
        at: at.to_owned(),
    })
}

fn parse_path(s: &str) -> Result<Vec<Seg>, String> {
    let name_char = |c: char| c.is_alphanumeric() || c == '_' || c == '-';
    let mut segs = Vec::new();
    let mut rest = s;
    let mut first = true;
    while !rest.is_empty() {
        if let Some(r) = rest.strip_prefix('[') {
            let close = r.find(']').ok_or("`[` without `]`")?;
            let inner = r[..close].trim();
            if let Ok(i) = inner.parse::<i64>() {
                segs.push(Seg::Index(i));
            } else if let Ok(Value::String(k)) = serde_json::from_str(inner) {
                segs.push(Seg::Key(k));
            } else {
                return Err(format!(
                    "`[{inner}]`: an index is a number or a \"quoted key\""
                ));
            }
            rest = &r[close + 1..];
        } else {
            let r = match rest.strip_prefix('.') {
                Some(r) => r,
                None if first => rest,
                None => return Err(format!("unexpected `{rest}` (expected `.name` or `[…]`)")),
            };
            let end = r.find(|c: char| !name_char(c)).unwrap_or(r.len());
            if end == 0 {
                return Err("a `.` must be followed by a name".into());
            }
            segs.push(Seg::Key(r[..end].to_owned()));
            rest = &r[end..];
        }
        first = false;
    }
    Ok(segs)
}

fn parse_filter(f: &str, at: &str) -> Result<Filter, SpecError> {
    let (name, arg) = match f.find('(') {
        Some(open) => {
            let Some(inner) = f[open + 1..].strip_suffix(')') else {
                return err(
                    "bad_filter_arg",
                    at,
                    format!("`{f}`: `(` without a closing `)`"),
                );
            };
            let arg: Value = serde_json::from_str(inner.trim()).map_err(|_| SpecError {
                code: "bad_filter_arg",
                at: at.to_owned(),
                detail: format!(
                    "`{f}`: the argument must be JSON (\"text\", a number, true, false or null)"
                ),
            })?;
            (f[..open].trim(), Some(arg))
        }
        None => (f, None),
    };
    let bad_arg = |want: &str| {
        err(
            "bad_filter_arg",
            at,
            format!("`{f}`: `{name}` takes {want}"),
        )
    };
    let no_arg = |flt: Filter| {
        if arg.is_some() {
            bad_arg("no argument")
        } else {
            Ok(flt)
        }
    };
    match name {
        "upper" => no_arg(Filter::Upper),
        "lower" => no_arg(Filter::Lower),
        "trim" => no_arg(Filter::Trim),
        "json" => no_arg(Filter::Json),
        "length" => no_arg(Filter::Length),
        "truncate" => match arg.as_ref().and_then(Value::as_u64) {
            Some(n) if n >= 1 => Ok(Filter::Truncate(n as usize)),
            _ => bad_arg("a length of at least 1, e.g. truncate(80)"),
        },
        "default" => match arg {
            Some(v) => Ok(Filter::Default(v)),
            None => bad_arg("the value to use, e.g. default(\"none\")"),
        },
        "join" => match arg {
            None => Ok(Filter::Join(", ".into())),
            Some(Value::String(s)) => Ok(Filter::Join(s)),
            Some(_) => bad_arg("a separator string, e.g. join(\", \")"),
        },
        "" => err(
            "unknown_filter",
            at,
            format!("empty filter after `|` in `{f}`"),
        ),
        other => err(
            "unknown_filter",
            at,
            format!("`{other}` is not a filter (known: {})", FILTERS.join(", ")),
        ),
    }
}
