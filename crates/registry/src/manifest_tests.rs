//! Unit tests for `manifest.rs` (kept in a separate file to keep the parser short).

use super::*;

pub(crate) const EXAMPLE: &str = include_str!("../tests/fixtures/plugin.toml");
pub(crate) const MINIMAL: &str = include_str!("../tests/fixtures/minimal.toml");

fn problems(text: &str) -> Vec<PackageProblem> {
    parse_manifest(text).expect_err("manifest should be rejected")
}

fn one(text: &str, field: &str, code: &str) -> PackageProblem {
    let ps = problems(text);
    ps.iter()
        .find(|p| p.field == field && p.code == code)
        .cloned()
        .unwrap_or_else(|| panic!("expected {field}/{code}, got {ps:#?}"))
}

fn with(old: &str, new: &str) -> String {
    assert!(MINIMAL.contains(old), "fixture lacks {old}");
    MINIMAL.replacen(old, new, 1)
}

#[test]
fn example_parses() {
    let m = parse_manifest(EXAMPLE).unwrap();
    assert_eq!(m.plugin.id.to_string(), "acme.web-search");
    assert_eq!(m.plugin.kind, PluginKind::Tool);
    assert_eq!(m.plugin.version, semver::Version::new(1, 4, 0));
    assert_eq!(m.runtime.exports, ["run", "describe"]);
    assert_eq!(m.runtime.memory_mb, 128);
    assert_eq!(m.permissions.secrets, ["SEARCH_API_KEY"]);
    assert_eq!(m.config_schema.as_deref(), Some("config.schema.json"));
    let dep: PluginId = "acme.http-utils".parse().unwrap();
    assert_eq!(m.dependencies[&dep].to_string(), "^1.2");
    // The typed manifest round-trips through JSON (the server stores it that way).
    let json = serde_json::to_value(&m).unwrap();
    let back: Manifest = serde_json::from_value(json).unwrap();
    assert_eq!(back, m);
}

#[test]
fn minimal_gets_defaults() {
    let m = parse_manifest(MINIMAL).unwrap();
    assert_eq!(m.runtime.memory_mb, DEFAULT_MEMORY_MB);
    assert_eq!(m.runtime.timeout_ms, DEFAULT_TIMEOUT_MS);
    assert!(m.permissions.network.is_empty());
    assert!(m.dependencies.is_empty());
    assert!(m.plugin.version.pre.as_str() == "beta.1");
}

#[test]
fn bad_version_names_line() {
    let p = one(
        &with("0.1.0-beta.1", "1.0"),
        "plugin.version",
        "invalid_semver",
    );
    assert_eq!(
        p.detail,
        "line 6: version `1.0` is not SemVer (expected MAJOR.MINOR.PATCH, e.g. 1.0.0)"
    );
    one(
        &with("0.1.0-beta.1", "1.0.0+build.5"),
        "plugin.version",
        "invalid_semver",
    );
}

#[test]
fn reports_all_problems_at_once() {
    let text = with("0.1.0-beta.1", "one")
        .replace("kind = \"agent\"", "kind = \"robot\"")
        .replace("\"MIT\"", "\"Nope\"");
    let ps = problems(&text);
    let codes: Vec<&str> = ps.iter().map(|p| p.code.as_str()).collect();
    assert!(codes.contains(&"invalid_semver"), "{ps:?}");
    assert!(codes.contains(&"invalid_value"), "{ps:?}");
    assert!(codes.contains(&"invalid_license"), "{ps:?}");
}

#[test]
fn unknown_fields_are_errors_with_line_and_hint() {
    let p = one(
        &with("api = \"^1\"", "api = \"^1\"\nlicence = \"MIT\""),
        "plugin.licence",
        "unknown_field",
    );
    assert!(
        p.detail
            .starts_with("line 11: unknown field `licence` in [plugin]"),
        "{}",
        p.detail
    );
    assert!(p.detail.contains("did you mean `license`"), "{}", p.detail);
    one(
        &format!("{MINIMAL}\n[extra]\nx = 1\n"),
        "extra",
        "unknown_field",
    );
    one(
        &format!("{MINIMAL}memory = 5\n"),
        "runtime.memory",
        "unknown_field",
    );
}

#[test]
fn missing_fields() {
    let p = one(
        &with("description = \"Says hello.\"\n", ""),
        "plugin.description",
        "missing_field",
    );
    assert!(
        p.detail
            .contains("missing required field `description` in [plugin]"),
        "{}",
        p.detail
    );
    one(
        &with("schema_version = 1\n", ""),
        "schema_version",
        "missing_field",
    );
    one(
        &with("exports = [\"run\"]\n", ""),
        "runtime.exports",
        "missing_field",
    );
    let no_runtime = MINIMAL.split("[runtime]").next().unwrap();
    one(no_runtime, "runtime", "missing_field");
}

#[test]
fn syntax_errors_have_lines() {
    let p = one(
        &with("kind = \"agent\"", "kind = agent"),
        "manifest",
        "toml_syntax",
    );
    assert!(p.detail.starts_with("line 7:"), "{}", p.detail);
}

#[test]
fn field_rules() {
    one(
        &with("schema_version = 1", "schema_version = 2"),
        "schema_version",
        "unsupported_schema_version",
    );
    one(
        &with("schema_version = 1", "schema_version = \"1\""),
        "schema_version",
        "invalid_type",
    );
    one(&with("acme.hello", "Acme.Hello"), "plugin.id", "invalid_id");
    one(&with("acme.hello", "hello"), "plugin.id", "invalid_id");
    one(
        &with("\"Says hello.\"", &format!("\"{}\"", "x".repeat(301))),
        "plugin.description",
        "invalid_length",
    );
    one(
        &with("\"Says hello.\"", "\"\""),
        "plugin.description",
        "invalid_length",
    );
    one(
        &with(
            "display_name = \"Hello\"",
            &format!("display_name = \"{}\"", "x".repeat(65)),
        ),
        "plugin.display_name",
        "invalid_length",
    );
    one(
        &with("api = \"^1\"", "api = \"one\""),
        "plugin.api",
        "invalid_version_req",
    );
    one(
        &with(
            "api = \"^1\"",
            "api = \"^1\"\nrepository = \"git@github.com:acme/x\"",
        ),
        "plugin.repository",
        "invalid_url",
    );
    one(
        &with(
            "api = \"^1\"",
            "api = \"^1\"\nhomepage = \"javascript:alert(1)\"",
        ),
        "plugin.homepage",
        "invalid_url",
    );
    one(
        &with("api = \"^1\"", "api = \"^1\"\nicon = \"icon.gif\""),
        "plugin.icon",
        "invalid_path",
    );
    one(
        &with("api = \"^1\"", "api = \"^1\"\nicon = \"../icon.png\""),
        "plugin.icon",
        "invalid_path",
    );
    one(
        &with("api = \"^1\"", "api = \"^1\"\ncategories = [\"games\"]"),
        "plugin.categories[0]",
        "invalid_category",
    );
    one(
        &with(
            "api = \"^1\"",
            "api = \"^1\"\ncategories = [\"data\", \"data\"]",
        ),
        "plugin.categories[1]",
        "duplicate",
    );
    let six =
        "categories = [\"data\", \"search\", \"storage\", \"testing\", \"security\", \"other\"]";
    one(
        &with("api = \"^1\"", &format!("api = \"^1\"\n{six}")),
        "plugin.categories",
        "too_many",
    );
    let eleven: Vec<String> = (0..11).map(|i| format!("\"k{i}\"")).collect();
    one(
        &with(
            "api = \"^1\"",
            &format!("api = \"^1\"\nkeywords = [{}]", eleven.join(",")),
        ),
        "plugin.keywords",
        "too_many",
    );
    one(
        &with("api = \"^1\"", "api = \"^1\"\nkeywords = [\"Upper\"]"),
        "plugin.keywords[0]",
        "invalid_keyword",
    );
    one(
        &with("api = \"^1\"", "api = \"^1\"\nkeywords = [1]"),
        "plugin.keywords[0]",
        "invalid_type",
    );
}

#[test]
fn runtime_rules() {
    one(
        &with("entry = \"plugin.wasm\"", "entry = \"plugin.js\""),
        "runtime.entry",
        "invalid_path",
    );
    one(
        &with("entry = \"plugin.wasm\"", "entry = \"/plugin.wasm\""),
        "runtime.entry",
        "invalid_path",
    );
    one(
        &with("exports = [\"run\"]", "exports = []"),
        "runtime.exports",
        "empty_list",
    );
    one(
        &with("exports = [\"run\"]", "exports = [\"run-it\"]"),
        "runtime.exports[0]",
        "invalid_export",
    );
    one(
        &format!("{MINIMAL}memory_mb = 0\n"),
        "runtime.memory_mb",
        "out_of_range",
    );
    one(
        &format!("{MINIMAL}memory_mb = 513\n"),
        "runtime.memory_mb",
        "out_of_range",
    );
    one(
        &format!("{MINIMAL}timeout_ms = 60001\n"),
        "runtime.timeout_ms",
        "out_of_range",
    );
    assert_eq!(
        parse_manifest(&format!("{MINIMAL}memory_mb = 512\ntimeout_ms = 60_000\n"))
            .unwrap()
            .runtime
            .timeout_ms,
        60000
    );
}

#[test]
fn permission_and_event_rules() {
    let base = format!("{MINIMAL}\n[permissions]\n");
    one(
        &format!("{base}network = [\"https://api.example.com\"]\n"),
        "permissions.network[0]",
        "invalid_host",
    );
    one(
        &format!("{base}network = [\"*.com\"]\n"),
        "permissions.network[0]",
        "invalid_host",
    );
    one(
        &format!("{base}host_functions = [\"exec\"]\n"),
        "permissions.host_functions[0]",
        "unknown_host_function",
    );
    one(
        &format!("{base}secrets = [\"api-key\"]\n"),
        "permissions.secrets[0]",
        "invalid_secret_name",
    );
    let ev = format!("{MINIMAL}\n[events]\n");
    one(
        &format!("{ev}publish = [\"Published\"]\n"),
        "events.publish[0]",
        "invalid_event",
    );
    one(
        &format!("{ev}publish = [\"plugin.*\"]\n"),
        "events.publish[0]",
        "invalid_event",
    );
    assert!(parse_manifest(&format!("{ev}subscribe = [\"plugin.*\"]\n")).is_ok());
}

#[test]
fn dependency_rules() {
    let base = format!("{MINIMAL}\n[dependencies]\n");
    assert!(parse_manifest(&format!("{base}\"acme.tools\" = \">=1.2, <3\"\n")).is_ok());
    one(
        &format!("{base}\"acme.tools\" = \"latest\"\n"),
        "dependencies.acme.tools",
        "invalid_version_req",
    );
    one(
        &format!("{base}\"Acme.tools\" = \"^1\"\n"),
        "dependencies.Acme.tools",
        "invalid_id",
    );
    let p = one(
        &format!("{base}acme.tools = \"^1\"\n"),
        "dependencies.acme",
        "invalid_id",
    );
    assert!(p.detail.contains("quote dotted ids"), "{}", p.detail);
    one(
        &format!("{base}\"acme.hello\" = \"^1\"\n"),
        "dependencies.acme.hello",
        "self_dependency",
    );
}

#[test]
fn config_schema_path() {
    one(
        &format!("config_schema = \"schema.yaml\"\n{MINIMAL}"),
        "config_schema",
        "invalid_path",
    );
    assert!(parse_manifest(&format!("config_schema = \"conf/schema.json\"\n{MINIMAL}")).is_ok());
}

#[test]
fn control_characters_and_dependency_count() {
    one(
        &with(
            "display_name = \"Hello\"",
            "display_name = \"Hel\\u0007lo\"",
        ),
        "plugin.display_name",
        "invalid_value",
    );
    let deps: String = (0..65)
        .map(|i| format!("\"dep.plugin{i:03}\" = \"^1\"\n"))
        .collect();
    one(
        &format!("{MINIMAL}\n[dependencies]\n{deps}"),
        "dependencies",
        "too_many",
    );
}
