//! Hiding secrets in URLs before they are printed or logged (`trellis config`,
//! start-up errors): the user-info password and secret-looking query values.

use url::Url;

/// Query parameter names (lower-cased) containing one of these hold secrets.
const SECRET_PARAM_MARKERS: [&str; 7] = [
    "pass",
    "pwd",
    "secret",
    "token",
    "key",
    "credential",
    "auth",
];

/// `url` with its user-info password and secret-looking query values replaced by
/// `***`. Other query parameters are kept byte for byte.
pub fn redact_url(url: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let base = match Url::parse(base) {
        Ok(mut u) if u.password().is_some() => {
            let _ = u.set_password(Some("***"));
            u.to_string()
        }
        _ => base.to_owned(),
    };
    let Some(query) = query else {
        return base;
    };
    let (query, fragment) = match query.split_once('#') {
        Some((q, f)) => (q, Some(f)),
        None => (query, None),
    };
    let query = query
        .split('&')
        .map(|pair| {
            let (name, _) = pair.split_once('=').unwrap_or((pair, ""));
            let decoded: String = url::form_urlencoded::parse(name.as_bytes())
                .map(|(k, _)| k.into_owned())
                .collect();
            let lower = decoded.to_ascii_lowercase();
            if SECRET_PARAM_MARKERS.iter().any(|m| lower.contains(m)) {
                format!("{name}=***")
            } else {
                pair.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join("&");
    match fragment {
        Some(f) => format!("{base}?{query}#{f}"),
        None => format!("{base}?{query}"),
    }
}
