//! Small value-level rules used by the manifest parser: relative package paths, network
//! hosts, event names, secret names, keywords, export names and URLs. Each returns a
//! human explanation on failure so the parser can prefix it with the line number.

/// A relative path to a file inside the package: `/`-separated, no leading `/`, no
/// `.`/`..`/empty components, no backslashes, drive letters or control characters.
pub fn check_relative_path(p: &str) -> Result<(), String> {
    if p.is_empty() {
        return Err("path is empty".into());
    }
    if p.starts_with('/') {
        return Err(format!(
            "`{p}` must be relative to the package root (no leading `/`)"
        ));
    }
    if p.contains('\\') || p.contains(':') {
        return Err(format!(
            "`{p}` must use `/` separators and no drive letters or `:`"
        ));
    }
    if p.chars().any(char::is_control) {
        return Err("path contains control characters".into());
    }
    for comp in p.split('/') {
        match comp {
            "" => return Err(format!("`{p}` contains an empty path component")),
            "." | ".." => return Err(format!("`{p}` must not contain `.` or `..` components")),
            _ => {}
        }
    }
    Ok(())
}

/// Lower-case extension of a path (`icon.PNG` → `png`).
pub fn extension(p: &str) -> String {
    p.rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default()
}

fn check_label(label: &str, host: &str) -> Result<(), String> {
    if label.is_empty() || label.len() > 63 {
        return Err(format!("`{host}` has an empty or over-long DNS label"));
    }
    if !label
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    {
        return Err(format!(
            "`{host}` may only contain lowercase letters, digits, `-` and `.`"
        ));
    }
    if label.starts_with('-') || label.ends_with('-') {
        return Err(format!(
            "`{host}`: DNS labels must not start or end with `-`"
        ));
    }
    Ok(())
}

/// A network permission: `host`, `host:port`, `*.host.tld` or `*.host.tld:port`.
/// No schemes, paths, user info or wildcards other than a single leading `*.`.
pub fn check_network_host(entry: &str) -> Result<(), String> {
    if entry.contains("://") {
        return Err(format!(
            "`{entry}` must be a host name without a scheme (e.g. `api.example.com`)"
        ));
    }
    if entry.contains('/') || entry.contains('@') || entry.contains('?') {
        return Err(format!(
            "`{entry}` must be a host name or host:port, not a URL"
        ));
    }
    let (host, port) = match entry.rsplit_once(':') {
        Some((h, p)) => (h, Some(p)),
        None => (entry, None),
    };
    if let Some(port) = port {
        match port.parse::<u16>() {
            Ok(n) if n > 0 => {}
            _ => return Err(format!("`{entry}` has an invalid port (expected 1-65535)")),
        }
    }
    let (wildcard, rest) = match host.strip_prefix("*.") {
        Some(rest) => (true, rest),
        None => (false, host),
    };
    if rest.contains('*') {
        return Err(format!(
            "`{entry}`: wildcards are only allowed as a leading `*.`"
        ));
    }
    if rest.is_empty() || rest.len() > 253 {
        return Err(format!("`{entry}` is not a valid host name"));
    }
    let labels: Vec<&str> = rest.split('.').collect();
    for l in &labels {
        check_label(l, entry)?;
    }
    if wildcard && labels.len() < 2 {
        return Err(format!("`{entry}` is too broad: a wildcard must cover a registered domain such as `*.example.com`"));
    }
    Ok(())
}

fn is_event_segment(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b[0].is_ascii_lowercase()
        && b.iter()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'_')
}

/// An event type name: at least two dot-separated lowercase segments
/// (`plugin.published`). When `allow_wildcard`, the last segment may be `*`
/// (`plugin.*`), which is only meaningful for subscriptions.
pub fn check_event_name(name: &str, allow_wildcard: bool) -> Result<(), String> {
    let segs: Vec<&str> = name.split('.').collect();
    if name.len() > 128 || segs.len() < 2 {
        return Err(format!(
            "`{name}` must be a dotted lowercase event name such as `plugin.published`"
        ));
    }
    let last = segs.len() - 1;
    for (i, s) in segs.iter().enumerate() {
        if i == last && *s == "*" {
            if allow_wildcard {
                continue;
            }
            return Err(format!(
                "`{name}`: wildcards are only allowed in events.subscribe"
            ));
        }
        if !is_event_segment(s) {
            return Err(format!(
                "`{name}` must be a dotted lowercase event name such as `plugin.published`"
            ));
        }
    }
    Ok(())
}

/// A secret name: `[A-Z][A-Z0-9_]*`, at most 64 characters.
pub fn check_secret_name(name: &str) -> Result<(), String> {
    let b = name.as_bytes();
    let ok = !b.is_empty()
        && b.len() <= 64
        && b[0].is_ascii_uppercase()
        && b.iter()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || *c == b'_');
    if ok {
        Ok(())
    } else {
        Err(format!("`{name}` must be an upper-case secret name such as `API_TOKEN` ([A-Z][A-Z0-9_]*, at most 64 characters)"))
    }
}

/// A keyword: 1..=32 characters of lowercase letters, digits, `-`, `_`, `+`, `.`,
/// starting with a letter or digit.
pub fn check_keyword(k: &str) -> Result<(), String> {
    let b = k.as_bytes();
    let ok = (1..=32).contains(&b.len())
        && (b[0].is_ascii_lowercase() || b[0].is_ascii_digit())
        && b.iter()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || b"-_+.".contains(c));
    if ok {
        Ok(())
    } else {
        Err(format!(
            "keyword `{k}` must be 1 to 32 lowercase letters, digits or `-_+.`"
        ))
    }
}

/// An exported WebAssembly function name: `[A-Za-z_][A-Za-z0-9_]*`, at most 64 characters.
pub fn check_export_name(n: &str) -> Result<(), String> {
    let b = n.as_bytes();
    let ok = !b.is_empty()
        && b.len() <= 64
        && (b[0].is_ascii_alphabetic() || b[0] == b'_')
        && b.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'_');
    if ok {
        Ok(())
    } else {
        Err(format!(
            "`{n}` is not a valid export name (letters, digits and `_`, not starting with a digit)"
        ))
    }
}

/// An absolute `http://` or `https://` URL with a host.
pub fn check_http_url(u: &str) -> Result<(), String> {
    match url::Url::parse(u) {
        Ok(url)
            if matches!(url.scheme(), "http" | "https")
                && url.host_str().is_some_and(|h| !h.is_empty()) =>
        {
            if url.username() != "" || url.password().is_some() {
                return Err(format!("`{u}` must not contain credentials"));
            }
            Ok(())
        }
        Ok(_) => Err(format!("`{u}` must be an http:// or https:// URL")),
        Err(e) => Err(format!("`{u}` is not a valid URL ({e})")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths() {
        for ok in ["plugin.wasm", "dist/plugin.wasm", "a-b_c/d.e"] {
            assert!(check_relative_path(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "/abs.wasm",
            "../x.wasm",
            "a/../b",
            "./a",
            "a//b",
            "a\\b",
            "C:x",
            "a/\u{7}",
        ] {
            assert!(check_relative_path(bad).is_err(), "{bad:?}");
        }
        assert_eq!(extension("icons/Logo.PNG"), "png");
        assert_eq!(extension("noext"), "");
    }

    #[test]
    fn hosts() {
        for ok in [
            "api.example.com",
            "example.com:8443",
            "*.example.com",
            "localhost",
            "10.0.0.1:80",
        ] {
            assert!(check_network_host(ok).is_ok(), "{ok}");
        }
        for bad in [
            "https://api.example.com",
            "api.example.com/path",
            "*.com",
            "api.*.com",
            "*",
            "ex ample.com",
            "Example.com",
            "example.com:0",
            "example.com:99999",
            "user@example.com",
            "-bad.com",
            "",
        ] {
            assert!(check_network_host(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn events() {
        assert!(check_event_name("plugin.published", false).is_ok());
        assert!(check_event_name("ticket.status_changed.v2", false).is_ok());
        assert!(check_event_name("plugin.*", true).is_ok());
        assert!(check_event_name("plugin.*", false).is_err());
        for bad in [
            "plugin",
            "Plugin.published",
            "plugin..x",
            "plugin.",
            "1plugin.x",
            "*.x",
        ] {
            assert!(check_event_name(bad, true).is_err(), "{bad}");
        }
    }

    #[test]
    fn secrets_keywords_exports_urls() {
        assert!(check_secret_name("API_TOKEN").is_ok());
        for bad in ["api_token", "_X", "1X", "A-B", ""] {
            assert!(check_secret_name(bad).is_err(), "{bad}");
        }
        assert!(check_keyword("llm").is_ok());
        assert!(check_keyword("c++").is_ok());
        for bad in ["", "LLM", "two words", &"k".repeat(33), "-x"] {
            assert!(check_keyword(bad).is_err(), "{bad}");
        }
        assert!(check_export_name("handle_event").is_ok());
        assert!(check_export_name("1run").is_err());
        assert!(check_export_name("run-it").is_err());
        assert!(check_http_url("https://github.com/acme/tools").is_ok());
        for bad in [
            "ftp://x.org",
            "javascript:alert(1)",
            "github.com/acme",
            "https://user:pw@x.org",
        ] {
            assert!(check_http_url(bad).is_err(), "{bad}");
        }
    }
}
