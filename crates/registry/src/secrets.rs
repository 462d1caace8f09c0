//! Leaked-secret scanning of the text files in a package (files with a binary, image or
//! font extension such as the wasm module, and files with NUL bytes near the start, are
//! skipped). Findings name the file and line and show only a redacted prefix, never
//! the secret itself. Placeholders (`YOUR_API_KEY`, `xxxx…`, `<token>`, `${VAR}`) and
//! low-entropy values are ignored to keep false positives low.

use std::sync::OnceLock;

use regex::Regex;

use crate::package_problem::PackageProblem;

/// Minimum Shannon entropy (bits per character) of a generic `api_key = "..."` value.
pub const GENERIC_ENTROPY_THRESHOLD: f64 = 3.5;
/// Minimum Shannon entropy of the random part of a prefixed token (`ghp_…`), to skip
/// `ghp_xxxxxxxx…` style placeholders.
pub const TOKEN_ENTROPY_THRESHOLD: f64 = 3.0;
/// Lines around an AWS access key id searched for its secret key.
const AWS_WINDOW: usize = 5;

/// File extensions that are never scanned (binaries and images).
pub const SKIPPED_EXTENSIONS: &[&str] = &[
    "wasm", "png", "jpg", "jpeg", "gif", "webp", "ico", "bmp", "svg", "woff", "woff2", "ttf", "otf",
];

struct Rule {
    name: &'static str,
    re: Regex,
    /// Length of the fixed prefix shown in the redacted form.
    show: usize,
}

fn rules() -> &'static [Rule] {
    static RULES: OnceLock<Vec<Rule>> = OnceLock::new();
    RULES.get_or_init(|| {
        let r = |name, re: &str, show| Rule {
            name,
            re: Regex::new(re).expect("valid secret regex"),
            show,
        };
        vec![
            r(
                "a private key",
                r"-----BEGIN ((RSA|EC|DSA|OPENSSH|ENCRYPTED|PGP) )?PRIVATE KEY( BLOCK)?-----",
                0,
            ),
            r(
                "a GitHub token",
                r"\b(ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{36,255}\b",
                4,
            ),
            r("a GitHub token", r"\bgithub_pat_[A-Za-z0-9_]{60,255}\b", 11),
            r("a Slack token", r"\bxox[baprs]-[A-Za-z0-9-]{10,250}", 5),
            r(
                "a Stripe live key",
                r"\b[sr]k_live_[A-Za-z0-9]{20,247}\b",
                8,
            ),
            r("a Google API key", r"\bAIza[0-9A-Za-z_-]{35}\b", 4),
            r(
                "an OpenAI-style API key",
                r"\bsk-(proj-|ant-|svcacct-)?[A-Za-z0-9_-]{32,200}",
                3,
            ),
            r("a Trellis API token", r"\btrls_[A-Za-z0-9_-]{20,200}", 5),
        ]
    })
}

fn generic_rule() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(
            r#"(?i)\b([a-z0-9_.-]*(api[_-]?key|apikey|secret|token|passwd|password|access[_-]?key|private[_-]?key|auth[_-]?key|client[_-]?secret)[a-z0-9_]*)["']?\s*(:=|=>|=|:)\s*["']?([A-Za-z0-9+/_.=-]{32,})["']?"#,
        )
        .expect("valid generic regex")
    })
}

fn aws_id() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| Regex::new(r"\b(AKIA|ASIA)[0-9A-Z]{16}\b").expect("valid aws regex"))
}

fn aws_secret() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r"(^|[^A-Za-z0-9/+])([A-Za-z0-9/+]{40})([^A-Za-z0-9/+=]|$)")
            .expect("valid aws secret regex")
    })
}

/// Shannon entropy in bits per character.
pub fn shannon_entropy(s: &str) -> f64 {
    let mut counts = std::collections::HashMap::new();
    let mut n = 0usize;
    for c in s.chars() {
        *counts.entry(c).or_insert(0usize) += 1;
        n += 1;
    }
    if n == 0 {
        return 0.0;
    }
    counts
        .values()
        .map(|&k| {
            let p = k as f64 / n as f64;
            -p * p.log2()
        })
        .sum()
}

/// Whether a value looks like a documentation placeholder rather than a real secret.
pub fn is_placeholder(value: &str) -> bool {
    let lower = value.to_ascii_lowercase();
    const WORDS: &[&str] = &[
        "your",
        "example",
        "placeholder",
        "changeme",
        "change_me",
        "replace",
        "dummy",
        "redacted",
        "sample",
        "insert",
        "xxxx",
        "****",
        "...",
        "<",
        "${",
        "{{",
        "env[",
        "process.env",
        "getenv",
    ];
    if WORDS.iter().any(|w| lower.contains(w)) {
        return true;
    }
    // A single repeated character (aaaa…, 0000…).
    let mut chars = value.chars();
    let first = chars.next();
    first.is_some() && chars.all(|c| Some(c) == first)
}

fn redact(secret: &str, show: usize) -> String {
    let prefix: String = secret.chars().take(show).collect();
    format!("`{prefix}…` ({} characters)", secret.chars().count())
}

fn finding(path: &str, line: usize, what: &str, shown: &str) -> PackageProblem {
    PackageProblem::new(
        PackageProblem::archive_field(path),
        "secret_detected",
        format!("line {line}: found what looks like {what} {shown}; remove it from the package and revoke it"),
    )
}

/// Whether a file is scanned at all (by extension and by content: binaries with NUL
/// bytes in the first 8 KiB are skipped).
pub fn is_scannable(path: &str, bytes: &[u8]) -> bool {
    let ext = crate::manifest_rules::extension(path);
    if SKIPPED_EXTENSIONS.contains(&ext.as_str()) {
        return false;
    }
    !bytes[..bytes.len().min(8192)].contains(&0)
}

/// Scans one file for leaked secrets. Returns one `secret_detected` problem per
/// finding, with the field `archive/<path>` and the line number.
pub fn scan_secrets(path: &str, bytes: &[u8]) -> Vec<PackageProblem> {
    if !is_scannable(path, bytes) {
        return Vec::new();
    }
    let text = String::from_utf8_lossy(bytes);
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::new();
    // AWS key ids are only reported together with a secret key nearby; the line holding
    // that secret is then not reported again by the generic rule.
    let mut consumed = std::collections::BTreeSet::new();
    let mut aws = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        for m in aws_id().find_iter(line) {
            let id = m.as_str();
            if is_placeholder(id) {
                continue;
            }
            let lo = i.saturating_sub(AWS_WINDOW);
            let hi = (i + AWS_WINDOW + 1).min(lines.len());
            let secret_line = (lo..hi).find(|&j| {
                aws_secret().captures_iter(lines[j]).any(|c| {
                    let s = &c[2];
                    !is_placeholder(s)
                        && shannon_entropy(s) >= 4.0
                        && s.chars().any(|c| c.is_ascii_digit())
                        && s.chars().any(|c| c.is_ascii_lowercase())
                })
            });
            if let Some(j) = secret_line {
                consumed.insert(j);
                consumed.insert(i);
                aws.push((
                    i,
                    finding(
                        path,
                        i + 1,
                        "an AWS access key with its secret key",
                        &redact(id, 4),
                    ),
                ));
            }
        }
    }
    for (i, line) in lines.iter().enumerate() {
        let n = i + 1;
        let mut hit = false;
        for rule in rules() {
            for m in rule.re.find_iter(line) {
                let s = m.as_str();
                if rule.show > 0 {
                    let body = &s[rule.show.min(s.len())..];
                    if is_placeholder(s) || shannon_entropy(body) < TOKEN_ENTROPY_THRESHOLD {
                        continue;
                    }
                    out.push(finding(path, n, rule.name, &redact(s, rule.show)));
                } else {
                    out.push(finding(
                        path,
                        n,
                        rule.name,
                        &format!("(`{}`)", s.trim_matches('-')),
                    ));
                }
                hit = true;
            }
        }
        out.extend(aws.iter().filter(|(j, _)| *j == i).map(|(_, p)| p.clone()));
        if hit || consumed.contains(&i) {
            continue;
        }
        for c in generic_rule().captures_iter(line) {
            let (key, value) = (&c[1], &c[4]);
            let has_digit = value.chars().any(|c| c.is_ascii_digit());
            let has_alpha = value.chars().any(|c| c.is_ascii_alphabetic());
            if is_placeholder(value)
                || !has_digit
                || !has_alpha
                || shannon_entropy(value) < GENERIC_ENTROPY_THRESHOLD
            {
                continue;
            }
            out.push(finding(
                path,
                n,
                &format!("a secret assigned to `{key}`"),
                &redact(value, 2),
            ));
        }
    }
    out
}

#[cfg(test)]
#[path = "secrets_tests.rs"]
mod tests;
