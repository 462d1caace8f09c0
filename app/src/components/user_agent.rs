//! A short, readable name for a browser from its `User-Agent` header
//! ("Chrome on Linux"), for lists of signed-in sessions.

/// The browser named by a user agent, most specific first (Edge, Opera and
/// the others also say "Chrome"; Chrome also says "Safari").
fn browser(ua: &str) -> Option<&'static str> {
    const KNOWN: &[(&[&str], &str)] = &[
        (&["Edg/", "EdgA/", "EdgiOS/"], "Edge"),
        (&["OPR/", "Opera"], "Opera"),
        (&["SamsungBrowser/"], "Samsung Internet"),
        (&["Vivaldi/"], "Vivaldi"),
        (&["Firefox/", "FxiOS/"], "Firefox"),
        (&["HeadlessChrome/"], "Headless Chrome"),
        (&["Chromium/"], "Chromium"),
        (&["Chrome/", "CriOS/"], "Chrome"),
        (&["Version/"], "Safari"),
        (&["curl/"], "curl"),
    ];
    KNOWN
        .iter()
        .find(|(marks, _)| marks.iter().any(|m| ua.contains(m)))
        .map(|(_, name)| *name)
}

/// The operating system named by a user agent (Android and ChromeOS also say "Linux").
fn system(ua: &str) -> Option<&'static str> {
    const KNOWN: &[(&str, &str)] = &[
        ("Windows", "Windows"),
        ("iPhone", "iOS"),
        ("iPod", "iOS"),
        ("iPad", "iPadOS"),
        ("Android", "Android"),
        ("CrOS", "ChromeOS"),
        ("Mac OS X", "macOS"),
        ("Macintosh", "macOS"),
        ("FreeBSD", "FreeBSD"),
        ("Linux", "Linux"),
    ];
    KNOWN
        .iter()
        .find(|(mark, _)| ua.contains(mark))
        .map(|(_, name)| *name)
}

/// "Chrome on Linux", "Safari on iOS", "Firefox"…; for a client that is no
/// known browser, its first product name ("trellis-cli"); else "Unknown browser".
pub fn summary(ua: Option<&str>) -> String {
    let ua = ua.map(str::trim).unwrap_or_default();
    match (browser(ua), system(ua)) {
        (Some(b), Some(s)) => format!("{b} on {s}"),
        (Some(b), None) => b.to_owned(),
        (None, Some(s)) => format!("Unknown browser on {s}"),
        (None, None) => {
            let product = ua.split(['/', ' ']).next().unwrap_or_default();
            let plain = product
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
            if !product.is_empty() && product.len() <= 40 && plain {
                product.to_owned()
            } else {
                "Unknown browser".to_owned()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::summary;

    fn s(ua: &str) -> String {
        summary(Some(ua))
    }

    #[test]
    fn common_browsers_get_short_names() {
        assert_eq!(
            s("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36"),
            "Chrome on Linux"
        );
        assert_eq!(
            s("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36 Edg/126.0.0.0"),
            "Edge on Windows"
        );
        assert_eq!(
            s("Mozilla/5.0 (Macintosh; Intel Mac OS X 14.5; rv:127.0) Gecko/20100101 Firefox/127.0"),
            "Firefox on macOS"
        );
        assert_eq!(
            s("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15"),
            "Safari on macOS"
        );
        assert_eq!(
            s("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"),
            "Safari on iOS"
        );
        assert_eq!(
            s("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.6478.71 Mobile Safari/537.36"),
            "Chrome on Android"
        );
        assert_eq!(
            s("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36 OPR/111.0.0.0"),
            "Opera on Linux"
        );
        assert_eq!(
            s("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/138.0.0.0 Safari/537.36"),
            "Headless Chrome on Linux"
        );
        assert_eq!(
            s("Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36"),
            "Chrome on ChromeOS"
        );
    }

    #[test]
    fn other_clients_and_missing_agents() {
        assert_eq!(s("curl/8.5.0"), "curl");
        assert_eq!(s("trellis-cli/0.1.0 (linux)"), "trellis-cli");
        assert_eq!(
            s("Mozilla/5.0 (X11; Linux x86_64) Something"),
            "Unknown browser on Linux"
        );
        assert_eq!(s("<script>alert(1)</script>"), "Unknown browser");
        assert_eq!(s(""), "Unknown browser");
        assert_eq!(summary(None), "Unknown browser");
    }
}
