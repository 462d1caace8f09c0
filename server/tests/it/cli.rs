//! The `trellis` binary: migrate, admin create-user and create-token, clear start-up failures,
//! and graceful shutdown on SIGTERM.

use std::io::Write;
use std::process::{Command, Output, Stdio};

use crate::harness::{fresh_env, unmigrated_env, PASSWORD};

/// The `trellis` binary with exactly `env` (plus PATH).
pub fn trellis(env: &[(String, String)]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_trellis"));
    c.env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default());
    c.envs(env.iter().cloned());
    c
}

/// Runs `trellis ARGS` to completion, feeding `stdin` if given.
pub fn run(env: &[(String, String)], args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = trellis(env)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    if let Some(s) = stdin {
        child.stdin.take().unwrap().write_all(s.as_bytes()).unwrap();
    }
    drop(child.stdin.take());
    child.wait_with_output().unwrap()
}

#[tokio::test]
async fn migrate_then_create_admin() {
    let dir = tempfile::tempdir().unwrap();
    let env = unmigrated_env(dir.path()).await;
    let out = trellis(&env).arg("migrate").output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("up to date"));

    let out = run(
        &env,
        &[
            "admin",
            "create-user",
            "Root1",
            "--admin",
            "--password-stdin",
        ],
        Some(&format!("{PASSWORD}\n")),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("created admin `root1`"));

    let out = run(
        &env,
        &["admin", "create-user", "root1", "--password-stdin"],
        Some(PASSWORD),
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("is taken"));

    let cfg = trellis_platform::config::load(None, &env).unwrap();
    let state = trellis_server::startup::app_state(cfg).await.unwrap();
    let mut c = state.db.conn().await.unwrap();
    let root = trellis_db::users::by_name(&mut c, "root1").await.unwrap();
    assert!(root.unwrap().is_admin);
}

#[tokio::test]
async fn create_token_prints_a_working_secret() {
    let dir = tempfile::tempdir().unwrap();
    let env = fresh_env(dir.path()).await;
    let out = run(
        &env,
        &["admin", "create-user", "ada", "--admin", "--password-stdin"],
        Some(PASSWORD),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = run(
        &env,
        &[
            "admin",
            "create-token",
            "ada",
            "--scopes",
            "read,publish,webhooks,admin",
        ],
        None,
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let secret = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    assert!(secret.starts_with("trls_"), "{secret}");

    let cfg = trellis_platform::config::load(None, &env).unwrap();
    let state = trellis_server::startup::app_state(cfg).await.unwrap();
    let actor = trellis_platform::tokens::authenticate(&state, &secret, None)
        .await
        .unwrap();
    assert_eq!(actor.user.username, "ada");
    assert_eq!(actor.scopes().len(), 4);

    for (args, why) in [
        (
            vec!["admin", "create-token", "ada", "--scopes", "root"],
            "not one of",
        ),
        (vec!["admin", "create-token", "nobody"], "nobody"),
    ] {
        let out = run(&env, &args, None);
        assert_eq!(out.status.code(), Some(2));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(why), "{err}");
    }
}

#[test]
fn bad_config_names_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let env = vec![
        (
            "TRELLIS_DATA_DIR".to_string(),
            dir.path().display().to_string(),
        ),
        ("TRELLIS_LISTEN".to_string(), "not-an-address".to_string()),
    ];
    let out = trellis(&env).arg("migrate").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("`listen`") && err.contains("TRELLIS_LISTEN"),
        "{err}"
    );
}

#[test]
fn unreachable_database_and_store_are_reported_at_start() {
    let dir = tempfile::tempdir().unwrap();
    let base = vec![
        (
            "TRELLIS_DATA_DIR".to_string(),
            dir.path().display().to_string(),
        ),
        (
            "TRELLIS_DATABASE__CONNECT_TIMEOUT_SECS".to_string(),
            "2".to_string(),
        ),
    ];
    let mut env = base.clone();
    env.push((
        "TRELLIS_DATABASE__URL".into(),
        "postgres://trellis:secret@127.0.0.1:9/trellis".into(),
    ));
    let out = trellis(&env).arg("migrate").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(
            "cannot connect to the database at postgres://trellis:***@127.0.0.1:9/trellis"
        ),
        "{err}"
    );
    assert!(!err.contains("secret"), "{err}");

    let mut env = base;
    env.extend([
        (
            "TRELLIS_STORAGE__URL".to_string(),
            "s3://artifacts".to_string(),
        ),
        (
            "TRELLIS_STORAGE__S3_ENDPOINT".to_string(),
            "http://127.0.0.1:9".to_string(),
        ),
        (
            "TRELLIS_STORAGE__S3_ALLOW_HTTP".to_string(),
            "true".to_string(),
        ),
        (
            "TRELLIS_STORAGE__S3_ACCESS_KEY_ID".to_string(),
            "a".to_string(),
        ),
        (
            "TRELLIS_STORAGE__S3_SECRET_ACCESS_KEY".to_string(),
            "b".to_string(),
        ),
    ]);
    let out = trellis(&env).arg("migrate").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("object storage: cannot write to s3 bucket artifacts"),
        "{err}"
    );
}

#[tokio::test]
async fn serves_and_stops_gracefully_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut env = fresh_env(dir.path()).await;
    env.push(("TRELLIS_LISTEN".into(), format!("127.0.0.1:{port}")));
    env.push(("TRELLIS_LOG__LEVEL".into(), "info".into()));
    let child = trellis(&env)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let url = format!("http://127.0.0.1:{port}/healthz");
    let mut up = false;
    for _ in 0..100 {
        if reqwest::get(&url)
            .await
            .map(|r| r.status().is_success())
            .unwrap_or(false)
        {
            up = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(up, "server did not come up");
    let st = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(st.success());
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "exit: {:?} {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    let log =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    assert!(log.contains("Trellis is running: open"), "{log}");
    assert!(log.contains("stopped cleanly"), "{log}");
}
