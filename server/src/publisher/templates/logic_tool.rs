//! The tool's logic, with no host calls, so `cargo test` runs it natively.
//! src/lib.rs calls it from the `invoke` export.

use serde_json::{json, Value};

/// What `invoke` answers for `{"text": "…"}`: the text as a URL slug and its
/// number of words.
pub fn describe(text: &str) -> Value {
    json!({
        "slug": slug(text),
        "words": text.split_whitespace().count(),
    })
}

/// Lowercase ASCII letters and digits, single hyphens between words.
pub fn slug(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_end_matches('-').to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_and_counts() {
        assert_eq!(slug("  Hello, World! 2026 "), "hello-world-2026");
        assert_eq!(slug("---"), "");
        assert_eq!(describe("one two  three"), json!({"slug": "one-two-three", "words": 3}));
    }
}
