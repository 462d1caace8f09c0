//! Reading the webhook console's forms on the server: the text fields of the
//! endpoint form (custom headers one `Name: value` a line, the payload filter
//! as JSON, the rate limit) and the replay form's `datetime-local` time (UTC).
//! Problems come back as field errors named like the service's own, so the
//! form shows them next to the field they are about.

use std::collections::BTreeMap;

use trellis_platform::AppError;
use trellis_types::FieldError;

/// A field error with the code `invalid`.
pub fn invalid(field: &str, detail: impl Into<String>) -> FieldError {
    FieldError {
        field: field.into(),
        code: "invalid".into(),
        detail: detail.into(),
    }
}

/// The form's errors as the validation error the service would give.
pub fn fail_if(errors: Vec<FieldError>) -> Result<(), AppError> {
    if errors.is_empty() {
        Ok(())
    } else {
        Err(AppError::validation(
            "The endpoint was not saved: fix the fields listed.",
            errors,
        ))
    }
}

/// A text field's value, trimmed; `None` when empty.
pub fn set(v: Option<String>) -> Option<String> {
    v.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty())
}

/// The endpoint form's text fields, read together: the filter, the custom
/// headers and the rate limit, or every problem among them as field errors.
pub type TextFields = (
    Option<serde_json::Value>,
    BTreeMap<String, String>,
    Option<i64>,
);

/// Reads the filter, headers and rate limit fields of the endpoint form.
pub fn parse_text_fields(
    filter: Option<&str>,
    headers: Option<&str>,
    rate: Option<&str>,
) -> Result<TextFields, AppError> {
    let mut errors = Vec::new();
    let filter = parse_filter(filter.unwrap_or(""))
        .map_err(|e| errors.push(e))
        .ok()
        .flatten();
    let headers = parse_headers(headers.unwrap_or(""))
        .map_err(|e| errors.push(e))
        .unwrap_or_default();
    let rate = parse_rate(rate.unwrap_or(""))
        .map_err(|e| errors.push(e))
        .ok()
        .flatten();
    fail_if(errors)?;
    Ok((filter, headers, rate))
}

/// Custom headers, one `Name: value` a line (blank lines skipped).
pub fn parse_headers(text: &str) -> Result<BTreeMap<String, String>, FieldError> {
    let mut out = BTreeMap::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let Some((name, value)) = line.split_once(':') else {
            return Err(invalid(
                "headers",
                format!("Line {} is not `Name: value`.", i + 1),
            ));
        };
        let name = name.trim();
        if name.is_empty() {
            return Err(invalid(
                "headers",
                format!("Line {} has no header name.", i + 1),
            ));
        }
        out.insert(name.to_owned(), value.trim().to_owned());
    }
    Ok(out)
}

/// The payload filter: a JSON array of conditions; empty means none.
pub fn parse_filter(text: &str) -> Result<Option<serde_json::Value>, FieldError> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    serde_json::from_str::<serde_json::Value>(text)
        .map(Some)
        .map_err(|e| invalid("filter", format!("Not JSON: {e}.")))
}

/// The rate limit per second; empty means none.
pub fn parse_rate(text: &str) -> Result<Option<i64>, FieldError> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    text.parse::<i64>().map(Some).map_err(|_| {
        invalid(
            "rate_limit_per_sec",
            "A rate limit is a whole number of deliveries per second.",
        )
    })
}

/// The unix seconds of a `datetime-local` value read as UTC:
/// `YYYY-MM-DDTHH:MM`, optionally with `:SS` (and fractions, ignored).
pub fn parse_utc_datetime(s: &str) -> Option<i64> {
    let (day, time) = s.trim().split_once(['T', ' '])?;
    let midnight = crate::components::time::parse_date(day)?;
    let time = time.split('.').next()?;
    let mut parts = time.split(':');
    let h: i64 = parts.next()?.parse().ok()?;
    let m: i64 = parts.next()?.parse().ok()?;
    let sec: i64 = match parts.next() {
        Some(x) => x.parse().ok()?,
        None => 0,
    };
    if parts.next().is_some() || !(0..24).contains(&h) || !(0..60).contains(&m) {
        return None;
    }
    if !(0..60).contains(&sec) {
        return None;
    }
    Some(midnight + h * 3600 + m * 60 + sec)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_read_one_a_line() {
        let h = parse_headers("X-Team: payments\n\n  Authorization: Bearer a:b  \n").unwrap();
        assert_eq!(h.get("X-Team").map(String::as_str), Some("payments"));
        assert_eq!(
            h.get("Authorization").map(String::as_str),
            Some("Bearer a:b")
        );
        assert_eq!(parse_headers("no colon").unwrap_err().field, "headers");
        assert!(parse_headers(": value").is_err());
        assert!(parse_headers("").unwrap().is_empty());
    }

    #[test]
    fn filters_rates_and_times_parse() {
        assert_eq!(parse_filter("  ").unwrap(), None);
        assert!(
            parse_filter(r#"[{"path": "data.version", "op": "prefix", "value": "1."}]"#)
                .unwrap()
                .is_some()
        );
        assert_eq!(parse_filter("[{").unwrap_err().field, "filter");
        assert_eq!(parse_rate("").unwrap(), None);
        assert_eq!(parse_rate(" 5 ").unwrap(), Some(5));
        assert!(parse_rate("five").is_err());
        assert_eq!(parse_utc_datetime("1970-01-02T01:02"), Some(86_400 + 3720));
        assert_eq!(parse_utc_datetime("1970-01-01T00:00:30"), Some(30));
        assert_eq!(parse_utc_datetime("1970-01-01T24:00"), None);
        assert_eq!(parse_utc_datetime("yesterday"), None);
        assert_eq!(set(Some("  ".into())), None);
    }
}
