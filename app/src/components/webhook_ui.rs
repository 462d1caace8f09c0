//! Small pieces of the webhook console: numbers and times as it shows them,
//! an endpoint's health at a glance (a coloured dot that always has its word
//! beside it), field errors gathered under a form field (the service names
//! sub-fields: `event_types[0]`, `filter[1].op`, `headers.X-Foo`), and the
//! catalogue's types grouped by prefix for the event-type checkboxes.

use leptos::prelude::*;
use trellis_types::EndpointOut;

use crate::components::time::{date, date_time};
use crate::error::UiError;

/// A rate (0..=1) as a percentage, `—` when there is none.
pub fn pct(rate: Option<f64>) -> String {
    match rate {
        Some(r) => format!("{:.1} %", r * 100.0),
        None => "—".into(),
    }
}

/// Milliseconds, `—` when there are none.
pub fn ms(v: Option<i64>) -> String {
    v.map(|v| format!("{v} ms")).unwrap_or_else(|| "—".into())
}

/// `YYYY-MM-DD HH:MM:SS UTC` of unix seconds.
pub fn date_time_secs(ts: i64) -> String {
    let s = ts.rem_euclid(86_400);
    format!(
        "{} {:02}:{:02}:{:02} UTC",
        date(ts),
        s / 3600,
        s % 3600 / 60,
        s % 60
    )
}

/// [`date_time_secs`] of an optional time, `—` when there is none.
pub fn at(ts: Option<i64>) -> String {
    ts.map(date_time_secs).unwrap_or_else(|| "—".into())
}

/// `YYYY-MM-DD HH:MM:SS.mmm UTC` of unix milliseconds.
pub fn date_time_ms(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let rest = date_time_secs(secs);
    let (head, tail) = rest.split_at(rest.len() - 4);
    format!("{head}.{:03}{tail}", ms.rem_euclid(1000))
}

/// The `datetime-local` value (`YYYY-MM-DDTHH:MM`, UTC) of unix seconds.
pub fn datetime_local(ts: i64) -> String {
    let s = ts.rem_euclid(86_400);
    format!("{}T{:02}:{:02}", date(ts), s / 3600, s % 3600 / 60)
}

/// A bucket's label on a chart's time axis: the time of day for short
/// buckets, the date for day-long ones.
pub fn bucket_label(start: i64, bucket_secs: i64) -> String {
    if bucket_secs >= 86_400 {
        date(start)
    } else {
        date_time(start)
            .split(' ')
            .nth(1)
            .unwrap_or_default()
            .to_owned()
    }
}

/// An endpoint's health: a CSS class for its dot and the word beside it.
pub fn health(e: &EndpointOut) -> (&'static str, String) {
    if !e.enabled {
        let why = match e.disabled_reason.as_deref() {
            Some("gone") => "disabled: the receiver answered 410 Gone",
            Some("failing") => "disabled: every attempt failed for too long",
            _ => "disabled by hand",
        };
        return ("dot-off", why.into());
    }
    if let Some(t) = e.failing_since {
        return ("dot-bad", format!("failing since {}", date_time(t)));
    }
    match e.health.success_rate_24h {
        None => ("dot-idle", "no attempts in 24 h".into()),
        Some(r) if r >= 0.95 => ("dot-ok", "healthy".into()),
        Some(_) => ("dot-warn", "some attempts failed".into()),
    }
}

/// The coloured dot and its word.
#[component]
pub fn HealthDot(class: &'static str, label: String) -> impl IntoView {
    view! {
        <span class="health">
            <span class=format!("dot {class}") aria-hidden="true"></span>
            " " {label}
        </span>
    }
}

/// The details of every field error at `name` or under it (`name[…]`,
/// `name.…`), each prefixed by its sub-field when it has one.
pub fn errors_under(e: &UiError, name: &str) -> Vec<String> {
    e.fields
        .iter()
        .filter(|f| {
            f.field == name
                || f.field
                    .strip_prefix(name)
                    .is_some_and(|rest| rest.starts_with(['[', '.']))
        })
        .map(|f| {
            if f.field == name {
                f.detail.clone()
            } else {
                format!("{}: {}", f.field, f.detail)
            }
        })
        .collect()
}

/// The catalogue's types grouped by their first segment, in catalogue order.
pub fn group_types(types: &[String]) -> Vec<(String, Vec<String>)> {
    let mut groups: Vec<(String, Vec<String>)> = Vec::new();
    for t in types {
        let prefix = t.split_once('.').map(|(p, _)| p).unwrap_or(t).to_owned();
        match groups.iter_mut().find(|(p, _)| *p == prefix) {
            Some((_, list)) => list.push(t.clone()),
            None => groups.push((prefix, vec![t.clone()])),
        }
    }
    groups
}

#[cfg(test)]
mod tests {
    use super::*;
    use trellis_types::FieldError;

    #[test]
    fn numbers_and_times_read_well() {
        assert_eq!(pct(Some(0.975)), "97.5 %");
        assert_eq!(pct(None), "—");
        assert_eq!(ms(Some(12)), "12 ms");
        assert_eq!(date_time_secs(3_723), "1970-01-01 01:02:03 UTC");
        assert_eq!(date_time_ms(3_723_045), "1970-01-01 01:02:03.045 UTC");
        assert_eq!(datetime_local(86_400 + 3_720), "1970-01-02T01:02");
        assert_eq!(bucket_label(3_600, 3_600), "01:00");
        assert_eq!(bucket_label(86_400, 86_400), "1970-01-02");
    }

    #[test]
    fn field_errors_gather_under_their_field() {
        let f = |field: &str| FieldError {
            field: field.into(),
            code: "invalid".into(),
            detail: "bad".into(),
        };
        let e = UiError {
            code: "validation_failed".into(),
            detail: String::new(),
            fields: vec![
                f("filter[1].op"),
                f("filter"),
                f("filters"),
                f("headers.X-Foo"),
            ],
            request_id: None,
        };
        assert_eq!(errors_under(&e, "filter"), vec!["filter[1].op: bad", "bad"]);
        assert_eq!(errors_under(&e, "headers"), vec!["headers.X-Foo: bad"]);
    }

    #[test]
    fn types_group_by_prefix() {
        let t: Vec<String> = ["plugin.a", "namespace.b", "plugin.c"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let g = group_types(&t);
        assert_eq!(g[0].0, "plugin");
        assert_eq!(g[0].1, vec!["plugin.a", "plugin.c"]);
        assert_eq!(g[1].0, "namespace");
    }
}
