//! Tests for `secrets.rs`. Fake secrets are assembled at run time so this file does not
//! itself look like it leaks credentials.

use super::*;

/// A deterministic pseudo-random alphanumeric string.
fn rand_str(len: usize, seed: u64) -> String {
    const ABC: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let mut x = seed | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            ABC[(x % ABC.len() as u64) as usize] as char
        })
        .collect()
}

fn codes(path: &str, text: &str) -> Vec<PackageProblem> {
    scan_secrets(path, text.as_bytes())
}

fn assert_found(text: &str, what: &str) {
    let ps = codes("src/config.js", text);
    assert_eq!(ps.len(), 1, "{what}: {ps:#?}\n{text}");
    assert_eq!(ps[0].code, "secret_detected");
    assert_eq!(ps[0].field, "archive/src/config.js");
    assert!(ps[0].detail.contains(what), "{}", ps[0].detail);
}

#[test]
fn detects_known_token_formats() {
    let gh = format!("ghp_{}", rand_str(36, 1));
    assert_found(&format!("const t = \"{gh}\";"), "GitHub token");
    assert_found(
        &format!("token: github_pat_{}", rand_str(82, 2)),
        "GitHub token",
    );
    assert_found(
        &format!("SLACK=xoxb-{}-{}", rand_str(12, 3), rand_str(24, 4)),
        "Slack token",
    );
    assert_found(
        &format!("stripe.key = 'sk_live_{}'", rand_str(24, 5)),
        "Stripe live key",
    );
    assert_found(
        &format!("maps('AIza{}')", rand_str(35, 6)),
        "Google API key",
    );
    assert_found(
        &format!("OPENAI = \"sk-proj-{}\"", rand_str(48, 7)),
        "OpenAI-style API key",
    );
    assert_found(
        &format!("auth: trls_{}", rand_str(32, 8)),
        "Trellis API token",
    );
    assert_found("-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----", "private key");
    assert_found("-----BEGIN RSA PRIVATE KEY-----", "private key");
}

#[test]
fn never_echoes_the_secret_and_names_the_line() {
    let gh = format!("ghp_{}", rand_str(36, 9));
    let text = format!("line one\nline two\nlet t = \"{gh}\";\n");
    let ps = codes("main.py", &text);
    assert_eq!(ps.len(), 1);
    assert!(ps[0].detail.starts_with("line 3:"), "{}", ps[0].detail);
    assert!(
        !ps[0].detail.contains(&gh[4..]),
        "secret leaked into the detail"
    );
    assert!(
        ps[0].detail.contains("`ghp_…` (40 characters)"),
        "{}",
        ps[0].detail
    );
}

#[test]
fn aws_needs_a_nearby_secret() {
    let id = format!("AKIA{}", rand_str(16, 10).to_ascii_uppercase());
    assert!(
        codes("a.env", &format!("AWS_ACCESS_KEY_ID={id}\n")).is_empty(),
        "an id alone is not reported"
    );
    let secret = format!("{}/{}", rand_str(20, 11), rand_str(19, 12));
    let text = format!("AWS_ACCESS_KEY_ID={id}\n# comment\nAWS_SECRET_ACCESS_KEY={secret}\n");
    let ps = codes("a.env", &text);
    assert_eq!(ps.len(), 1, "{ps:#?}");
    assert!(ps[0].detail.contains("AWS access key"));
    assert!(ps[0].detail.starts_with("line 1:"));
    // The documentation example key is a placeholder.
    assert!(codes(
        "a.env",
        "AKIAIOSFODNN7EXAMPLE\nwJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
    )
    .is_empty());
}

#[test]
fn generic_assignments_use_entropy() {
    let value = rand_str(40, 13);
    assert_found(
        &format!("api_key = \"{value}\""),
        "secret assigned to `api_key`",
    );
    assert_found(&format!("CLIENT_SECRET: {value}"), "CLIENT_SECRET");
    assert_found(&format!("{{\"authToken\": \"{value}\"}}"), "authToken");
    // Low entropy, placeholders, short values and words are ignored.
    for ok in [
        "api_key = \"YOUR_API_KEY_GOES_HERE_PLEASE_REPLACE_ME\"",
        "api_key = \"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"",
        "api_key = \"0000000000000000000000000000000000000000\"",
        "api_key = \"<insert your key here, at least 32 chars>\"",
        "token = \"${TRELLIS_TOKEN_FROM_THE_ENVIRONMENT_VAR}\"",
        "password = \"short1\"",
        "secret_name = \"the_configuration_entry_for_the_database\"",
        "token = process.env.MY_VERY_LONG_ENVIRONMENT_VARIABLE_NAME",
    ] {
        assert!(codes("c.toml", ok).is_empty(), "false positive on {ok}");
    }
}

#[test]
fn ordinary_text_and_code_are_clean() {
    let prose = include_str!("../../../docs/manifest.md");
    assert!(
        codes("README.md", prose).is_empty(),
        "{:#?}",
        codes("README.md", prose)
    );
    let code = r#"
        fn main() {
            let token = std::env::var("TRELLIS_TOKEN").expect("set TRELLIS_TOKEN");
            let api_key = config.get("api_key");
            // sk-learn is a library, ghp_ prefixes mark GitHub tokens, AIza marks Google keys.
            let digest = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
            let skeleton = "sk-" + name;
            println!("-----BEGIN PUBLIC KEY-----");
        }
    "#;
    assert!(
        codes("src/main.rs", code).is_empty(),
        "{:#?}",
        codes("src/main.rs", code)
    );
    let placeholder_token = format!("ghp_{}", "x".repeat(36));
    assert!(codes(
        "README.md",
        &format!("export GITHUB_TOKEN={placeholder_token}")
    )
    .is_empty());
}

#[test]
fn binaries_and_images_are_skipped() {
    let gh = format!("ghp_{}", rand_str(36, 14));
    assert!(scan_secrets("plugin.wasm", gh.as_bytes()).is_empty());
    assert!(scan_secrets("icon.png", gh.as_bytes()).is_empty());
    let mut bin = vec![0u8, 1, 2];
    bin.extend_from_slice(gh.as_bytes());
    assert!(scan_secrets("data.bin", &bin).is_empty());
    assert_eq!(scan_secrets("notes.txt", gh.as_bytes()).len(), 1);
}

#[test]
fn entropy() {
    assert_eq!(shannon_entropy(""), 0.0);
    assert_eq!(shannon_entropy("aaaa"), 0.0);
    assert!((shannon_entropy("abcd") - 2.0).abs() < 1e-9);
    assert!(shannon_entropy(&rand_str(40, 15)) > 4.0);
}
