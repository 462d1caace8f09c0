//! The field-by-field TOML walker behind [`crate::manifest::parse_manifest`]: typed
//! getters that record a [`PackageProblem`] (with the line number) instead of stopping at the
//! first error.

use std::ops::Range;

use toml::de::{DeTable, DeValue};
use toml::Spanned;

use crate::package_problem::PackageProblem;

pub(crate) type Val<'i> = Spanned<DeValue<'i>>;

/// Walks the TOML tree and accumulates problems with line numbers.
pub(crate) struct Walker<'t> {
    pub(crate) text: &'t str,
    pub(crate) problems: Vec<PackageProblem>,
}

impl Walker<'_> {
    pub(crate) fn line(&self, span: &Range<usize>) -> usize {
        let end = span.start.min(self.text.len());
        self.text.as_bytes()[..end]
            .iter()
            .filter(|b| **b == b'\n')
            .count()
            + 1
    }

    pub(crate) fn err(
        &mut self,
        field: &str,
        code: &str,
        span: &Range<usize>,
        msg: impl AsRef<str>,
    ) {
        let line = self.line(span);
        self.problems.push(PackageProblem::new(
            field,
            code,
            format!("line {line}: {}", msg.as_ref()),
        ));
    }

    /// Reports keys not in `allowed`; `prefix` is the table's dotted path ("" for root).
    pub(crate) fn deny_unknown(&mut self, table: &DeTable<'_>, prefix: &str, allowed: &[&str]) {
        for (k, _) in table.iter() {
            let key: &str = k.get_ref();
            if allowed.contains(&key) {
                continue;
            }
            let field = join(prefix, key);
            let hint = allowed
                .iter()
                .map(|a| (strsim::levenshtein(a, key), a))
                .filter(|(d, _)| *d <= 2)
                .min()
                .map(|(_, a)| format!(" (did you mean `{a}`?)"))
                .unwrap_or_default();
            let place = if prefix.is_empty() {
                "at the top level".to_string()
            } else {
                format!("in [{prefix}]")
            };
            self.err(
                &field,
                "unknown_field",
                &k.span(),
                format!("unknown field `{key}` {place}{hint}"),
            );
        }
    }

    pub(crate) fn missing(&mut self, field: &str, table_span: &Range<usize>) {
        let (table, key) = field.rsplit_once('.').unwrap_or(("", field));
        let place = if table.is_empty() {
            "at the top level".to_string()
        } else {
            format!("in [{table}]")
        };
        self.err(
            field,
            "missing_field",
            table_span,
            format!("missing required field `{key}` {place}"),
        );
    }

    pub(crate) fn type_err(&mut self, field: &str, v: &Val<'_>, expected: &str) {
        let found = v.get_ref().type_str();
        self.err(
            field,
            "invalid_type",
            &v.span(),
            format!("`{field}` must be {expected}, found {found}"),
        );
    }

    pub(crate) fn string(&mut self, field: &str, v: &Val<'_>) -> Option<String> {
        match v.get_ref().as_str() {
            Some(s) => Some(s.to_string()),
            None => {
                self.type_err(field, v, "a string");
                None
            }
        }
    }

    pub(crate) fn integer(&mut self, field: &str, v: &Val<'_>) -> Option<i64> {
        match v.get_ref().as_integer() {
            Some(i) => {
                let digits = i.as_str().replace('_', "");
                let digits = digits
                    .trim_start_matches("0x")
                    .trim_start_matches("0o")
                    .trim_start_matches("0b");
                i64::from_str_radix(digits, i.radix()).ok()
            }
            None => {
                self.type_err(field, v, "an integer");
                None
            }
        }
    }

    /// A list of strings; each item comes with its span.
    pub(crate) fn string_list(
        &mut self,
        field: &str,
        v: &Val<'_>,
    ) -> Option<Vec<(String, Range<usize>)>> {
        let Some(arr) = v.get_ref().as_array() else {
            self.type_err(field, v, "an array of strings");
            return None;
        };
        let mut out = Vec::new();
        for (i, item) in arr.iter().enumerate() {
            match item.get_ref().as_str() {
                Some(s) => out.push((s.to_string(), item.span())),
                None => self.type_err(&format!("{field}[{i}]"), item, "a string"),
            }
        }
        Some(out)
    }

    /// Applies `check` to every item of a string list, reports duplicates and a maximum count.
    pub(crate) fn checked_list(
        &mut self,
        field: &str,
        v: Option<&Val<'_>>,
        max: usize,
        code: &str,
        check: impl Fn(&str) -> Result<(), String>,
    ) -> Vec<String> {
        let Some(v) = v else { return Vec::new() };
        let Some(items) = self.string_list(field, v) else {
            return Vec::new();
        };
        if items.len() > max {
            self.err(
                field,
                "too_many",
                &v.span(),
                format!(
                    "`{field}` has {} entries (at most {max} allowed)",
                    items.len()
                ),
            );
        }
        let mut out: Vec<String> = Vec::new();
        for (i, (s, span)) in items.into_iter().enumerate() {
            let f = format!("{field}[{i}]");
            if let Err(e) = check(&s) {
                self.err(&f, code, &span, e);
            } else if out.contains(&s) {
                self.err(
                    &f,
                    "duplicate",
                    &span,
                    format!("`{s}` is listed twice in `{field}`"),
                );
            } else {
                out.push(s);
            }
        }
        out
    }

    pub(crate) fn table<'a, 'i>(&mut self, field: &str, v: &'a Val<'i>) -> Option<&'a DeTable<'i>> {
        let t = v.get_ref().as_table();
        if t.is_none() {
            self.type_err(field, v, "a table");
        }
        t
    }
}

pub(crate) fn join(prefix: &str, key: &str) -> String {
    if prefix.is_empty() {
        key.to_string()
    } else {
        format!("{prefix}.{key}")
    }
}

pub(crate) fn get<'a, 'i>(t: &'a DeTable<'i>, key: &str) -> Option<&'a Val<'i>> {
    t.iter()
        .find(|(k, _)| {
            let s: &str = k.get_ref();
            s == key
        })
        .map(|(_, v)| v)
}
