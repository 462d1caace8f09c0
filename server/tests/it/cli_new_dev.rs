//! `trellis new`, `trellis build` and `trellis dev` as real processes against
//! a real server on a loopback port: each kind's project builds for wasm32,
//! passes its own `cargo test` natively and publishes unchanged; `trellis dev`
//! installs a development build, reloads it when its source changes, and
//! prints its log lines; the package a build replaces, and the last one when
//! it is uninstalled, leave storage. Also the dev-installations endpoint's
//! refusals.

use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use serde_json::json;

use crate::harness::{eventually, Client, TestApp};

/// One cargo target directory for every project these tests build, so the
/// dependencies are compiled once.
fn target_dir() -> PathBuf {
    std::env::temp_dir().join("trellis-it-plugin-projects")
}

/// What the `trellis` and `cargo` children need: the toolchain, a shared
/// target directory, offline when the cache has everything, credentials.
struct Env {
    vars: Vec<(String, String)>,
    offline: bool,
}

impl Env {
    fn new(creds: &Path) -> Env {
        let mut vars: Vec<(String, String)> =
            ["HOME", "CARGO_HOME", "RUSTUP_HOME", "RUSTUP_TOOLCHAIN"]
                .iter()
                .filter_map(|k| std::env::var(k).ok().map(|v| (k.to_string(), v)))
                .collect();
        vars.push((
            "CARGO_TARGET_DIR".into(),
            target_dir().display().to_string(),
        ));
        vars.push(("TRELLIS_CREDENTIALS".into(), creds.display().to_string()));
        Env {
            vars,
            offline: false,
        }
    }

    /// As plugins/build.sh: offline once the cache holds what the project's
    /// Cargo.lock pins.
    fn go_offline_if_cached(&mut self, project: &Path) {
        let probe = ["metadata", "--offline", "--format-version", "1"];
        if !self.offline && cargo(&self.vars, project, &probe).status.success() {
            self.offline = true;
            self.vars.push(("CARGO_NET_OFFLINE".into(), "true".into()));
        }
    }

    fn trellis(&self, args: &[&str], stdin: Option<&str>) -> Output {
        crate::cli::run(&self.vars, args, stdin)
    }
}

fn cargo(vars: &[(String, String)], dir: &Path, args: &[&str]) -> Output {
    Command::new("cargo")
        .current_dir(dir)
        .args(args)
        .env_remove("RUSTFLAGS")
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .env_remove("CARGO_BUILD_TARGET")
        .envs(vars.iter().cloned())
        .output()
        .unwrap()
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// Serves the app's router on a loopback port; returns its base URL.
async fn serve(app: &TestApp) -> (String, tokio::task::JoinHandle<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let router = app.router.clone();
    let server = tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    (base, server)
}

async fn token(c: &Client, scopes: &[&str]) -> String {
    let r = c
        .post_json("/api/v1/tokens", json!({"name": "cli", "scopes": scopes}))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    r.json()["secret"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn new_projects_build_test_and_publish_unchanged() {
    let app = TestApp::new().await;
    let alice = app.publisher("alice", "labs").await;
    let secret = token(&alice, &["read", "publish"]).await;
    let (base, server) = serve(&app).await;
    let root = tempfile::tempdir().unwrap();
    let root_path = root.path().to_owned();
    tokio::task::spawn_blocking(move || {
        let mut env = Env::new(&root_path.join("credentials.toml"));
        let bad = env.trellis(&["new", "Labs.MyAgent", "--kind", "agent"], None);
        assert_eq!(bad.status.code(), Some(2), "{}", text(&bad));
        assert!(text(&bad).contains("not a plugin id"), "{}", text(&bad));
        let login = env.trellis(
            &["login", "--registry", &base, "--token-stdin"],
            Some(&secret),
        );
        assert!(login.status.success(), "{}", text(&login));
        for kind in ["agent", "integration", "tool"] {
            let dir = root_path.join(kind);
            let d = dir.to_str().unwrap();
            let id = format!("labs.my-{kind}");
            let new = env.trellis(&["new", &id, "--kind", kind, "--dir", d], None);
            assert!(new.status.success(), "{kind}: {}", text(&new));
            let again = env.trellis(&["new", &id, "--kind", kind, "--dir", d], None);
            assert!(text(&again).contains("not empty"), "{}", text(&again));
            env.go_offline_if_cached(&dir);
            let offline: &[&str] = if env.offline { &["--offline"] } else { &[] };
            let build = cargo(
                &env.vars,
                &dir,
                &[
                    &["build", "--release", "--target", "wasm32-unknown-unknown"],
                    offline,
                ]
                .concat(),
            );
            assert!(build.status.success(), "{kind} build: {}", text(&build));
            let test = cargo(&env.vars, &dir, &[&["test"], offline].concat());
            assert!(test.status.success(), "{kind} test: {}", text(&test));
            assert!(text(&test).contains("test result: ok"), "{}", text(&test));
            let built = env.trellis(&["build", d], None);
            assert!(built.status.success(), "{kind}: {}", text(&built));
            assert!(dir.join("plugin.wasm").is_file());
            let publish = env.trellis(&["publish", d], None);
            assert!(publish.status.success(), "{kind}: {}", text(&publish));
            assert!(
                text(&publish).contains(&format!("published {id} 0.1.0")),
                "{}",
                text(&publish)
            );
        }
    })
    .await
    .unwrap();
    for kind in ["agent", "integration", "tool"] {
        let r = app
            .client()
            .get(&format!("/api/v1/plugins/labs.my-{kind}"))
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        assert_eq!(r.json()["latest_version"], "0.1.0", "{}", r.text);
    }
    server.abort();
}

/// `trellis dev` running in the background, its output collected line by line.
struct DevProcess {
    child: Child,
    lines: Arc<Mutex<Vec<String>>>,
}

impl DevProcess {
    fn start(env: &Env, dir: &Path) -> DevProcess {
        let mut child = crate::cli::trellis(&env.vars)
            .args(["dev", dir.to_str().unwrap()])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let lines = Arc::new(Mutex::new(Vec::new()));
        for (out, tag) in [
            (
                Box::new(child.stdout.take().unwrap()) as Box<dyn std::io::Read + Send>,
                "",
            ),
            (Box::new(child.stderr.take().unwrap()), "stderr: "),
        ] {
            let lines = lines.clone();
            std::thread::spawn(move || {
                for l in std::io::BufReader::new(out).lines().map_while(Result::ok) {
                    lines.lock().unwrap().push(format!("{tag}{l}"));
                }
            });
        }
        DevProcess { child, lines }
    }

    fn output(&self) -> String {
        self.lines.lock().unwrap().join("\n")
    }

    /// Waits until `n` stdout lines contain `what`.
    async fn wait_for(&self, what: &str, n: usize, within: Duration) {
        let start = Instant::now();
        loop {
            let count = self
                .lines
                .lock()
                .unwrap()
                .iter()
                .filter(|l| !l.starts_with("stderr: ") && l.contains(what))
                .count();
            if count >= n {
                return;
            }
            assert!(
                start.elapsed() < within,
                "no {n} line(s) with `{what}` within {within:?}:\n{}",
                self.output()
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
}

impl Drop for DevProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn invoke(c: &Client, id: &str) -> serde_json::Value {
    let r = c
        .post_json(
            &format!("/api/v1/installations/{id}/invoke"),
            json!({"input": {"name": "Ada"}}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    r.json()["output"].clone()
}

/// Where installation `id`'s package is stored.
async fn package_key(app: &TestApp, id: &str) -> object_store::path::Path {
    use trellis_db::sqlx::{self, Row};
    let row = sqlx::query("SELECT sha256 FROM installations WHERE id = $1")
        .bind(id)
        .fetch_one(&mut *app.state.db.conn().await.unwrap())
        .await
        .unwrap();
    trellis_platform::registry::artifact_path(&row.get::<String, _>("sha256"))
}

async fn stored(app: &TestApp, key: &object_store::path::Path) -> bool {
    use object_store::ObjectStoreExt;
    match app.state.storage.store().head(key).await {
        Ok(_) => true,
        Err(object_store::Error::NotFound { .. }) => false,
        Err(e) => panic!("storage: {e}"),
    }
}

async fn put_package(c: &Client, path: &str, ctype: &str, body: Vec<u8>) -> crate::harness::Resp {
    c.send(
        Request::put(path)
            .header(header::CONTENT_TYPE, ctype)
            .body(Body::from(body))
            .unwrap(),
    )
    .await
}

#[tokio::test]
async fn dev_installs_reloads_on_change_and_prints_logs() {
    let app = TestApp::new().await;
    let alice = app.publisher("alice", "labs").await;
    let secret = token(&alice, &["read", "plugins"]).await;
    let api = app.bearer(&secret);
    let (base, server) = serve(&app).await;
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("dev-agent");
    let env = {
        let (r, d, b, s) = (
            root.path().to_owned(),
            dir.clone(),
            base.clone(),
            secret.clone(),
        );
        tokio::task::spawn_blocking(move || {
            let mut env = Env::new(&r.join("credentials.toml"));
            let login = env.trellis(&["login", "--registry", &b, "--token-stdin"], Some(&s));
            assert!(login.status.success(), "{}", text(&login));
            let new = env.trellis(
                &[
                    "new",
                    "labs.dev-agent",
                    "--kind",
                    "agent",
                    "--dir",
                    d.to_str().unwrap(),
                ],
                None,
            );
            assert!(new.status.success(), "{}", text(&new));
            env.go_offline_if_cached(&d);
            env
        })
        .await
        .unwrap()
    };
    let dev = DevProcess::start(&env, &dir);
    dev.wait_for(
        "installed labs.dev-agent 0.1.0 in ~alice",
        1,
        Duration::from_secs(900),
    )
    .await;

    let ws = api.get("/api/v1/workspaces/~alice").await;
    let inst = ws.json()["installations"][0].clone();
    assert_eq!(inst["plugin"], "labs.dev-agent", "{}", ws.text);
    assert_eq!(inst["dev"], true, "{}", ws.text);
    assert_eq!(inst["subscribes"], json!(["plugin.version.published"]));
    let id = inst["id"].as_str().unwrap().to_owned();
    assert_eq!(invoke(&api, &id).await["message"], "Hello, Ada!");
    dev.wait_for("invoked: Hello, Ada!", 1, Duration::from_secs(20))
        .await;
    // Update checks leave a development build alone; it is not updated.
    let u = api.get("/api/v1/workspaces/~alice/updates").await;
    assert_eq!(u.json()["data"], json!([]), "{}", u.text);
    let r = api
        .post_json(&format!("/api/v1/installations/{id}/update"), json!({}))
        .await;
    r.problem(409, "conflict");

    let first = package_key(&app, &id).await;
    assert!(stored(&app, &first).await);

    let logic = dir.join("src/logic.rs");
    let source = std::fs::read_to_string(&logic).unwrap();
    std::fs::write(
        &logic,
        source.replace(
            "pub const GREETING: &str = \"Hello\";",
            "pub const GREETING: &str = \"Howdy\";",
        ),
    )
    .unwrap();
    dev.wait_for("rebuilt in", 1, Duration::from_secs(600))
        .await;
    assert_eq!(invoke(&api, &id).await["message"], "Howdy, Ada!");
    dev.wait_for("invoked: Howdy, Ada!", 1, Duration::from_secs(20))
        .await;
    let again = api.get(&format!("/api/v1/installations/{id}")).await;
    assert_eq!(again.json()["dev"], true);
    assert!(again.json()["updated_at"].as_i64() > inst["updated_at"].as_i64());
    // The replaced build's package leaves storage (a job of the queue,
    // written with the replacement); the new one stays.
    let second = package_key(&app, &id).await;
    assert_ne!(first, second);
    eventually("the replaced build's package is deleted", || async {
        !stored(&app, &first).await
    })
    .await;
    assert!(stored(&app, &second).await);

    // The endpoint's refusals, with the module `trellis dev` built.
    let path = "/api/v1/workspaces/~alice/dev-installations/labs.dev-agent";
    put_package(&api, path, "application/gzip", b"not a package".to_vec())
        .await
        .problem(422, "package_invalid");
    put_package(&api, path, "text/plain", b"x".to_vec())
        .await
        .problem(415, "unsupported_media_type");
    let copy = root.path().join("needs-more");
    std::fs::create_dir_all(&copy).unwrap();
    for f in ["plugin.wasm", "README.md", "config.schema.json"] {
        std::fs::copy(dir.join(f), copy.join(f)).unwrap();
    }
    let manifest = std::fs::read_to_string(dir.join("plugin.toml")).unwrap();
    std::fs::write(
        copy.join("plugin.toml"),
        format!("{manifest}\n[dependencies]\n\"labs.missing\" = \"^1\"\n"),
    )
    .unwrap();
    let bytes = trellis_registry::pack_dir(&copy).unwrap();
    let r = put_package(&api, path, "application/gzip", bytes.clone()).await;
    let p = r.problem(409, "conflict");
    assert_eq!(
        p["missing_dependencies"],
        json!(["labs.missing ^1"]),
        "{}",
        r.text
    );
    put_package(
        &api,
        "/api/v1/workspaces/~alice/dev-installations/labs.other",
        "application/gzip",
        bytes,
    )
    .await
    .problem(422, "validation_failed");
    drop(dev);
    // Uninstalled, the last build's package goes too.
    let r = api.delete(&format!("/api/v1/installations/{id}")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    eventually("the uninstalled build's package is deleted", || async {
        !stored(&app, &second).await
    })
    .await;
    server.abort();
}

#[tokio::test]
async fn dev_installs_can_be_turned_off() {
    let app = TestApp::with_env(&[("TRELLIS_PLUGINS__DEV_INSTALLS", "false")]).await;
    let alice = app.publisher("alice", "labs").await;
    let api = app.bearer(&token(&alice, &["read", "plugins"]).await);
    let r = put_package(
        &api,
        "/api/v1/workspaces/~alice/dev-installations/labs.any",
        "application/gzip",
        b"x".to_vec(),
    )
    .await;
    let p = r.problem(403, "forbidden");
    assert_eq!(
        p["errors"][0]["code"], "dev_installs_disabled",
        "{}",
        r.text
    );
    // Someone else's workspace is not found, whatever the switch.
    let on = TestApp::new().await;
    on.publisher("alice", "labs").await;
    let bob = on.user("bob").await;
    let bob = on.bearer(&token(&bob, &["read", "plugins"]).await);
    put_package(
        &bob,
        "/api/v1/workspaces/~alice/dev-installations/labs.any",
        "application/gzip",
        b"x".to_vec(),
    )
    .await
    .problem(404, "not_found");
}
