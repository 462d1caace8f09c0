//! Custom headers an endpoint adds to every delivery: which names and values
//! are accepted, and the field-level problems of a set that is not.
//!
//! [`Invalid`] is also the problem type of [`crate::filter`]: both are shown to
//! API users as field errors (`headers.X-Team`, `filter[2].op`).

use std::collections::BTreeMap;
use std::fmt;

/// One problem with one field of an endpoint's settings, worded for the API
/// user (`field` is where it is, `message` what to do about it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invalid {
    pub field: String,
    pub message: String,
}

impl Invalid {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Invalid {
        Invalid {
            field: field.into(),
            message: message.into(),
        }
    }
}

impl fmt::Display for Invalid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

/// At most this many custom headers per endpoint.
pub const MAX_HEADERS: usize = 20;
/// Names and values together, in bytes.
pub const MAX_TOTAL_BYTES: usize = 8 * 1024;
pub const MAX_NAME_CHARS: usize = 100;
pub const MAX_VALUE_CHARS: usize = 1024;

/// Headers Trellis (or its HTTP client) sets on every delivery.
const SET_BY_TRELLIS: &[&str] = &["host", "content-length", "content-type", "user-agent"];
/// Headers that describe the connection or the message framing, not the request.
const HOP_BY_HOP: &[&str] = &[
    "transfer-encoding",
    "connection",
    "upgrade",
    "te",
    "trailer",
    "keep-alive",
];

/// Why a header name may not be set, if it may not (case-insensitive).
fn refused_name(name: &str) -> Option<String> {
    let lower = name.to_ascii_lowercase();
    if SET_BY_TRELLIS.contains(&lower.as_str()) || lower.starts_with("webhook-") {
        Some(format!(
            "`{name}` is set by Trellis and cannot be overridden"
        ))
    } else if HOP_BY_HOP.contains(&lower.as_str()) || lower.starts_with("proxy-") {
        Some(format!(
            "`{name}` controls the HTTP connection and cannot be set on a webhook"
        ))
    } else {
        None
    }
}

/// Checks the custom headers of an endpoint; every problem is reported, each
/// under `headers.<Name>` (or `headers` for the set as a whole).
pub fn validate(headers: &BTreeMap<String, String>) -> Result<(), Vec<Invalid>> {
    let mut problems = Vec::new();
    if headers.len() > MAX_HEADERS {
        problems.push(Invalid::new(
            "headers",
            format!(
                "at most {MAX_HEADERS} custom headers are allowed (there are {})",
                headers.len()
            ),
        ));
    }
    let total: usize = headers.iter().map(|(n, v)| n.len() + v.len()).sum();
    if total > MAX_TOTAL_BYTES {
        problems.push(Invalid::new(
            "headers",
            format!(
                "header names and values together may be at most {MAX_TOTAL_BYTES} bytes (there are {total})"
            ),
        ));
    }
    let mut seen: BTreeMap<String, &str> = BTreeMap::new();
    for (name, value) in headers {
        let field = format!("headers.{name}");
        if let Some(problem) = name_problem(name) {
            problems.push(Invalid::new(&field, problem));
        } else if let Some(first) = seen.insert(name.to_ascii_lowercase(), name) {
            problems.push(Invalid::new(
                &field,
                format!(
                    "`{name}` is the same header as `{first}` (header names ignore case): keep one"
                ),
            ));
        }
        if let Some(problem) = value_problem(name, value) {
            problems.push(Invalid::new(&field, problem));
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems)
    }
}

fn name_problem(name: &str) -> Option<String> {
    if name.is_empty() {
        return Some("a header name cannot be empty".to_owned());
    }
    if name.chars().count() > MAX_NAME_CHARS {
        return Some(format!(
            "a header name is at most {MAX_NAME_CHARS} characters"
        ));
    }
    if http::HeaderName::from_bytes(name.as_bytes()).is_err() {
        return Some(format!(
            "`{name}` is not a valid header name: use letters, digits and ! # $ % & ' * + - . ^ _ ` | ~"
        ));
    }
    refused_name(name)
}

fn value_problem(name: &str, value: &str) -> Option<String> {
    if value.chars().count() > MAX_VALUE_CHARS {
        return Some(format!(
            "the value of `{name}` is longer than {MAX_VALUE_CHARS} characters"
        ));
    }
    if value.contains(['\r', '\n']) {
        return Some(format!("the value of `{name}` cannot contain line breaks"));
    }
    // `HeaderValue` also takes bytes above 0x7f; receivers disagree on what
    // they mean, so only printable ASCII, spaces and tabs are accepted.
    let printable = value
        .bytes()
        .all(|b| b == b'\t' || (b' '..=b'~').contains(&b));
    if !printable || http::HeaderValue::from_str(value).is_err() {
        return Some(format!(
            "the value of `{name}` may contain only printable ASCII characters, spaces and tabs"
        ));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
            .collect()
    }

    fn problems(pairs: &[(&str, &str)]) -> Vec<Invalid> {
        validate(&map(pairs)).err().unwrap_or_default()
    }

    #[test]
    fn ordinary_headers_pass() {
        assert_eq!(validate(&map(&[])), Ok(()));
        assert_eq!(
            validate(&map(&[
                ("X-Team", "platform"),
                ("Authorization", "Bearer abc.def"),
                ("x-empty", ""),
                ("X-Tab", "a\tb c"),
            ])),
            Ok(())
        );
    }

    #[test]
    fn reserved_names_are_refused_whatever_their_case() {
        for name in [
            "Host",
            "content-length",
            "Content-Type",
            "Transfer-Encoding",
            "CONNECTION",
            "Upgrade",
            "TE",
            "Trailer",
            "Keep-Alive",
            "Proxy-Authorization",
            "proxy-connection",
            "User-Agent",
            "webhook-signature",
            "Webhook-Id",
            "webhook-anything",
        ] {
            let got = problems(&[(name, "x")]);
            assert_eq!(got.len(), 1, "{name}: {got:?}");
            assert_eq!(got[0].field, format!("headers.{name}"));
            assert!(got[0].message.starts_with(&format!("`{name}` ")), "{got:?}");
        }
        assert_eq!(
            problems(&[("webhook-signature", "v1,x")]),
            vec![Invalid::new(
                "headers.webhook-signature",
                "`webhook-signature` is set by Trellis and cannot be overridden"
            )]
        );
        // Near misses are fine.
        assert_eq!(
            validate(&map(&[("X-Webhook-Source", "a"), ("Hosts", "b")])),
            Ok(())
        );
    }

    #[test]
    fn bad_names() {
        let got = problems(&[("", "a"), ("X Team", "a"), ("X:Team", "a"), ("Ä", "a")]);
        assert_eq!(got.len(), 4, "{got:?}");
        assert_eq!(
            got[0],
            Invalid::new("headers.", "a header name cannot be empty")
        );
        assert!(got[1].message.contains("not a valid header name"));
        let long = "x".repeat(MAX_NAME_CHARS + 1);
        let got = problems(&[(&long, "a")]);
        assert_eq!(got[0].message, "a header name is at most 100 characters");
        assert_eq!(
            validate(&map(&[(&"x".repeat(MAX_NAME_CHARS), "a")])),
            Ok(())
        );
    }

    #[test]
    fn bad_values() {
        let got = problems(&[("X-A", "a\r\nX-Injected: 1")]);
        assert_eq!(
            got,
            vec![Invalid::new(
                "headers.X-A",
                "the value of `X-A` cannot contain line breaks"
            )]
        );
        let got = problems(&[("X-A", "caf\u{e9}"), ("X-B", "nul\0")]);
        assert_eq!(got.len(), 2);
        assert!(got[0].message.contains("printable ASCII"));
        let got = problems(&[("X-A", &"v".repeat(MAX_VALUE_CHARS + 1))]);
        assert_eq!(
            got[0].message,
            "the value of `X-A` is longer than 1024 characters"
        );
        assert_eq!(
            validate(&map(&[("X-A", &"v".repeat(MAX_VALUE_CHARS))])),
            Ok(())
        );
    }

    #[test]
    fn names_differing_only_by_case_are_one_header() {
        let got = problems(&[("X-Team", "a"), ("x-team", "b")]);
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].field, "headers.x-team");
        assert!(got[0].message.contains("`X-Team`"), "{got:?}");
    }

    #[test]
    fn limits_on_the_whole_set() {
        let many: Vec<(String, String)> = (0..=MAX_HEADERS)
            .map(|i| (format!("X-H{i}"), "v".to_owned()))
            .collect();
        let got = validate(&many.into_iter().collect())
            .err()
            .unwrap_or_default();
        assert_eq!(
            got,
            vec![Invalid::new(
                "headers",
                "at most 20 custom headers are allowed (there are 21)"
            )]
        );
        let big: BTreeMap<String, String> = (0..9)
            .map(|i| (format!("X-H{i}"), "v".repeat(1000)))
            .collect();
        let got = validate(&big).err().unwrap_or_default();
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].field, "headers");
        assert!(got[0].message.contains("8192 bytes"), "{got:?}");
    }
}
