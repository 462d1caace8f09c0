//! Tests of the layered configuration: defaults, layering order, and errors that
//! name the key and the source.

use super::*;

fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

#[test]
fn defaults_give_sqlite_and_files_under_data_dir() {
    let c = load(None, &[]).unwrap();
    assert_eq!(c.listen.to_string(), "127.0.0.1:3000");
    assert_eq!(c.database_url, "sqlite://data/trellis.db?mode=rwc");
    assert_eq!(
        c.storage,
        StorageConfig::File {
            root: PathBuf::from("data/artifacts")
        }
    );
    assert_eq!(c.log_format, LogFormat::Pretty);
    assert!(!c.secure_cookies());
}

#[test]
fn file_then_env_override_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.toml");
    std::fs::write(
        &path,
        "listen = \"0.0.0.0:8080\"\n[log]\nformat = \"json\"\n",
    )
    .unwrap();
    let c = load(
        Some(&path),
        &env(&[("TRELLIS_LISTEN", "127.0.0.1:9999"), ("HOME", "/x")]),
    )
    .unwrap();
    assert_eq!(c.listen.to_string(), "127.0.0.1:9999");
    assert_eq!(c.log_format, LogFormat::Json);
}

#[test]
fn env_sections_use_double_underscore() {
    let c = load(
        None,
        &env(&[("TRELLIS_DATABASE__URL", "postgres://u:p@localhost:5432/t")]),
    )
    .unwrap();
    assert_eq!(c.database_url, "postgres://u:p@localhost:5432/t");
    assert_eq!(
        c.database_url_redacted(),
        "postgres://u:***@localhost:5432/t"
    );
}

#[test]
fn s3_storage_is_parsed() {
    let c = load(
        None,
        &env(&[
            ("TRELLIS_STORAGE__URL", "s3://artifacts"),
            ("TRELLIS_STORAGE__S3_ENDPOINT", "http://127.0.0.1:9000"),
            ("TRELLIS_STORAGE__S3_ACCESS_KEY_ID", "a"),
            ("TRELLIS_STORAGE__S3_SECRET_ACCESS_KEY", "b"),
            ("TRELLIS_STORAGE__S3_ALLOW_HTTP", "true"),
        ]),
    )
    .unwrap();
    assert!(
        matches!(c.storage, StorageConfig::S3 { ref bucket, allow_http: true, .. } if bucket == "artifacts")
    );
}

#[test]
fn bad_values_name_the_key_and_the_source() {
    let e = load(None, &env(&[("TRELLIS_LISTEN", "nowhere")]))
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("`listen`") && e.contains("TRELLIS_LISTEN") && e.contains("nowhere"),
        "{e}"
    );

    let e = load(None, &env(&[("TRELLIS_DATABASE__MAX_CONNECTIONS", "lots")]))
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("database.max_connections") && e.contains("whole number"),
        "{e}"
    );

    let e = load(None, &env(&[("TRELLIS_DATABASE__URL", "mysql://x")]))
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("database.url") && e.contains("postgres://"),
        "{e}"
    );

    let e = load(None, &env(&[("TRELLIS_LOG__FORMAT", "xml")]))
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("log.format") && e.contains("pretty or json"),
        "{e}"
    );

    let e = load(None, &env(&[("TRELLIS_SESSION__SECRET", "short")]))
        .unwrap_err()
        .to_string();
    assert!(e.contains("session.secret") && e.contains("32"), "{e}");

    let e = load(None, &env(&[("TRELLIS_PUBLIC_URL", "ftp://x")]))
        .unwrap_err()
        .to_string();
    assert!(e.contains("public_url"), "{e}");

    let e = load(None, &env(&[("TRELLIS_STORAGE__URL", "s3://")]))
        .unwrap_err()
        .to_string();
    assert!(e.contains("storage.url"), "{e}");

    // Missing (empty) values.
    let e = load(None, &env(&[("TRELLIS_DATA_DIR", "")]))
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("`data_dir`") && e.contains("must not be empty"),
        "{e}"
    );
    let e = load(None, &env(&[("TRELLIS_LISTEN", " ")]))
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("`listen`") && e.contains("expected an address"),
        "{e}"
    );
    let e = load(
        None,
        &env(&[
            ("TRELLIS_STORAGE__URL", "s3://b"),
            ("TRELLIS_STORAGE__S3_ACCESS_KEY_ID", "k"),
        ]),
    )
    .unwrap_err()
    .to_string();
    assert!(
        e.contains("storage.s3_secret_access_key") && e.contains("set both"),
        "{e}"
    );
}

#[test]
fn unknown_keys_and_bad_files_are_refused() {
    let e = load(None, &env(&[("TRELLIS_LISTN", "x")]))
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("unknown config key `listn`") && e.contains("did you mean `listen`"),
        "{e}"
    );

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.toml");
    std::fs::write(&path, "[database]\nurll = \"x\"\n").unwrap();
    let e = load(Some(&path), &[]).unwrap_err().to_string();
    assert!(
        e.contains("database.urll") && e.contains("did you mean `database.url`"),
        "{e}"
    );

    std::fs::write(&path, "listen = \n").unwrap();
    let e = load(Some(&path), &[]).unwrap_err().to_string();
    assert!(e.contains("not valid TOML"), "{e}");

    let e = load(Some(&dir.path().join("missing.toml")), &[])
        .unwrap_err()
        .to_string();
    assert!(e.contains("cannot read config file"), "{e}");

    std::fs::write(&path, "[database]\nmax_connections = 0\n").unwrap();
    let e = load(Some(&path), &[]).unwrap_err().to_string();
    assert!(
        e.contains("database.max_connections")
            && e.contains("from 1 to 1000")
            && e.contains("config file"),
        "{e}"
    );
}

#[test]
fn database_url_query_secrets_are_redacted() {
    let c = load(
        None,
        &env(&[(
            "TRELLIS_DATABASE__URL",
            "postgres://u@db.example/t?sslmode=require&password=hunter2&sslpassword=keypass&application_name=trellis&Auth_Token=abc&client_secret=s3",
        )]),
    )
    .unwrap();
    let shown = c.database_url_redacted();
    for secret in ["hunter2", "keypass", "abc", "s3"] {
        assert!(!shown.contains(&format!("={secret}")), "{shown}");
    }
    assert!(shown.contains("sslmode=require"), "{shown}");
    assert!(shown.contains("application_name=trellis"), "{shown}");
    assert!(shown.contains("password=***"), "{shown}");
    let described = c.describe();
    assert!(!described.contains("hunter2"), "{described}");
    assert!(!described.contains("keypass"), "{described}");

    // Both the user-info password and query ones.
    let c = load(
        None,
        &env(&[(
            "TRELLIS_DATABASE__URL",
            "postgres://u:pw1@db/t?password=pw2",
        )]),
    )
    .unwrap();
    let shown = c.database_url_redacted();
    assert!(!shown.contains("pw1") && !shown.contains("pw2"), "{shown}");

    // A sqlite URL carries no secret but its query must survive untouched.
    let c = load(
        None,
        &env(&[("TRELLIS_DATABASE__URL", "sqlite:x.db?mode=ro")]),
    )
    .unwrap();
    assert!(c.database_url_redacted().ends_with("x.db?mode=ro"));
}

#[test]
fn metrics_settings_are_checked() {
    let c = load(None, &[]).unwrap();
    assert_eq!(c.metrics, MetricsConfig::default());

    let token = "0123456789abcdef-metrics";
    let c = load(
        None,
        &env(&[
            ("TRELLIS_METRICS__TOKEN", token),
            ("TRELLIS_METRICS__LISTEN", "127.0.0.1:9100"),
        ]),
    )
    .unwrap();
    assert_eq!(c.metrics.token.as_deref(), Some(token));
    assert_eq!(c.metrics.listen.unwrap().to_string(), "127.0.0.1:9100");
    let described = c.describe();
    assert!(!described.contains(token), "{described}");
    assert!(described.contains("127.0.0.1:9100"), "{described}");

    let e = load(None, &env(&[("TRELLIS_METRICS__TOKEN", "short")]))
        .unwrap_err()
        .to_string();
    assert!(e.contains("metrics.token") && e.contains("16"), "{e}");
    let e = load(None, &env(&[("TRELLIS_METRICS__LISTEN", "nowhere")]))
        .unwrap_err()
        .to_string();
    assert!(e.contains("metrics.listen"), "{e}");
    let e = load(None, &env(&[("TRELLIS_METRICS__LISTEN", "127.0.0.1:3000")]))
        .unwrap_err()
        .to_string();
    assert!(e.contains("metrics.listen") && e.contains("differ"), "{e}");
}
