//! The agent's logic, with no host calls, so `cargo test` runs it natively.
//! src/lib.rs calls it from the exports.

use serde_json::Value;

/// The word the agent greets with. Change it while `trellis dev` runs: the
/// installation is rebuilt and reloaded, and the next `invoke` answers with it.
pub const GREETING: &str = "Hello";

/// The answer to `invoke`'s `{"name": "…"}` ("world" when there is none).
pub fn greet(name: Option<&str>) -> String {
    let name = name
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .unwrap_or("world");
    format!("{GREETING}, {name}!")
}

/// One line about a `plugin.version.published` event: its subject is the
/// plugin, its data has the `version`.
pub fn release_note(plugin: &str, data: &Value) -> String {
    match data.get("version").and_then(Value::as_str) {
        Some(version) => format!("{plugin} {version} was published"),
        None => format!("{plugin} published a new version"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn greets_by_name_or_the_world() {
        assert_eq!(greet(Some("Ada")), format!("{GREETING}, Ada!"));
        assert_eq!(greet(Some("  ")), format!("{GREETING}, world!"));
        assert_eq!(greet(None), format!("{GREETING}, world!"));
    }

    #[test]
    fn notes_a_release() {
        assert_eq!(
            release_note("acme.kanban", &json!({"version": "1.2.0"})),
            "acme.kanban 1.2.0 was published"
        );
        assert_eq!(
            release_note("acme.kanban", &json!({})),
            "acme.kanban published a new version"
        );
    }
}
