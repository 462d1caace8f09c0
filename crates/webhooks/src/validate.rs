//! Field-by-field checks of an endpoint's settings, each adding a
//! `FieldError` naming the field (`url`, `event_types[2]`, `filter[0].op`,
//! `headers.X-Team`, …) so one answer lists every problem; and how an event's
//! type is matched against an endpoint's patterns.

use std::collections::BTreeMap;

use trellis_platform::{AppError, AppResult, AppState};
use trellis_types::FieldError;

use crate::format::Format;
use crate::signing::Secret;
use crate::{filter, headers, ssrf};

pub(crate) const MAX_URL: usize = 2048;
pub(crate) const MAX_DESCRIPTION: usize = 500;
pub(crate) const MAX_EVENT_TYPES: usize = 50;

pub(crate) fn invalid(field: impl Into<String>, detail: impl Into<String>) -> FieldError {
    FieldError {
        field: field.into(),
        code: "invalid".into(),
        detail: detail.into(),
    }
}

/// Checks a URL: http(s), a host, no credentials, not too long, and (for an IP
/// literal) an address the SSRF guard lets through.
pub(crate) fn check_url(
    state: &AppState,
    raw: &str,
    errors: &mut Vec<FieldError>,
) -> Option<url::Url> {
    let raw = raw.trim();
    if raw.len() > MAX_URL {
        errors.push(invalid(
            "url",
            format!("A URL is at most {MAX_URL} characters."),
        ));
        return None;
    }
    let Ok(u) = url::Url::parse(raw) else {
        errors.push(invalid(
            "url",
            "Not a URL: give an absolute http:// or https:// URL.",
        ));
        return None;
    };
    if !matches!(u.scheme(), "http" | "https") {
        errors.push(invalid(
            "url",
            format!("Deliveries use http or https, not `{}`.", u.scheme()),
        ));
        return None;
    }
    if u.host_str().is_none_or(str::is_empty) {
        errors.push(invalid("url", "The URL has no host."));
        return None;
    }
    if !u.username().is_empty() || u.password().is_some() {
        errors.push(invalid(
            "url",
            "Put credentials in a custom header, not in the URL.",
        ));
        return None;
    }
    if u.fragment().is_some() {
        errors.push(invalid("url", "A webhook URL has no #fragment."));
        return None;
    }
    let guard = crate::deliver::guard(state);
    if let Err(refused) = ssrf::check_url(&guard, &u) {
        errors.push(FieldError {
            field: "url".into(),
            code: "refused_address".into(),
            detail: format!("Deliveries may not go to this address: {refused}."),
        });
        return None;
    }
    Some(u)
}

/// Checks event-type patterns: `*`, a catalogue type, or `prefix.*`.
pub(crate) fn check_types(types: &[String], errors: &mut Vec<FieldError>) -> Vec<String> {
    if types.is_empty() {
        errors.push(invalid(
            "event_types",
            "Give at least one event type (`*` for all).",
        ));
    }
    if types.len() > MAX_EVENT_TYPES {
        errors.push(invalid(
            "event_types",
            format!("At most {MAX_EVENT_TYPES} event types."),
        ));
    }
    let mut out: Vec<String> = Vec::new();
    for (i, t) in types.iter().enumerate() {
        let t = t.trim();
        let ok = t == "*"
            || (t.ends_with(".*") && trellis_events::catalogue::is_known_type_or_prefix(t))
            || (!t.contains('*')
                && trellis_events::catalogue::is_known_type_or_prefix(t)
                && !t.ends_with('.'));
        if !ok {
            errors.push(FieldError {
                field: format!("event_types[{i}]"),
                code: "unknown".into(),
                detail: format!("`{t}` is not an event type: see GET /api/v1/event-types (a prefix is written `plugin.*`, every type `*`)."),
            });
        } else if !out.iter().any(|o| o == t) {
            out.push(t.to_owned());
        }
    }
    out
}

/// Whether an event of type `t` matches an endpoint's patterns.
pub(crate) fn type_matches(patterns: &[String], t: &str) -> bool {
    patterns.iter().any(|p| {
        p == "*"
            || p == t
            || p.strip_suffix('*')
                .is_some_and(|prefix| prefix.ends_with('.') && t.starts_with(prefix))
    })
}

pub(crate) fn check_filter(v: &serde_json::Value, errors: &mut Vec<FieldError>) -> Option<String> {
    if v.is_null() || v.as_array().is_some_and(|a| a.is_empty()) {
        return None;
    }
    match filter::parse(v) {
        Ok(_) => Some(v.to_string()),
        Err(problems) => {
            errors.extend(problems.into_iter().map(|p| invalid(p.field, p.message)));
            None
        }
    }
}

pub(crate) fn check_headers(h: &BTreeMap<String, String>, errors: &mut Vec<FieldError>) {
    if let Err(problems) = headers::validate(h) {
        errors.extend(problems.into_iter().map(|p| invalid(p.field, p.message)));
    }
}

pub(crate) fn check_rate(r: i64, errors: &mut Vec<FieldError>) {
    if !(1..=1000).contains(&r) {
        errors.push(invalid(
            "rate_limit_per_sec",
            "A rate limit is 1 to 1000 deliveries per second.",
        ));
    }
}

pub(crate) fn check_format(f: &str, errors: &mut Vec<FieldError>) -> Format {
    Format::parse(f).unwrap_or_else(|_| {
        errors.push(invalid(
            "format",
            format!("`{f}` is not a format: use standard, slack, discord or teams."),
        ));
        Format::Standard
    })
}

pub(crate) fn check_secret(s: &str, errors: &mut Vec<FieldError>) -> Option<Secret> {
    match Secret::parse(s.trim()) {
        Ok(s) => Some(s),
        Err(e) => {
            errors.push(invalid("secret", e.to_string()));
            None
        }
    }
}

pub(crate) fn fail_if(errors: Vec<FieldError>) -> AppResult<()> {
    if errors.is_empty() {
        Ok(())
    } else {
        Err(AppError::validation(
            "The endpoint was not saved: fix the fields listed.",
            errors,
        ))
    }
}
