//! A real Trellis on a loopback port for benchmarks, with a publisher and token, and a
//! way to sign that user in as a browser does (for a session cookie).

use trellis_platform::{accounts, config, tokens, Actor, AppState};
use trellis_server::startup::{Running, Server};
use trellis_types::{Scope, TokenIn};

/// The bench user and its password.
const USER: &str = "bencher";
const PASSWORD: &str = "a long benchmark passphrase";

/// A running server plus an authenticated HTTP client.
pub struct Bench {
    pub state: AppState,
    pub base: String,
    pub token: String,
    pub http: reqwest::Client,
    server: Running,
    _dir: tempfile::TempDir,
}

impl Bench {
    pub async fn start() -> Bench {
        Bench::start_with(&[]).await
    }

    /// Like [`Bench::start`], with extra `TRELLIS_*` settings (they win over the environment).
    pub async fn start_with(extra_env: &[(&str, String)]) -> Bench {
        Bench::start_seeded(extra_env, true).await
    }

    /// Like [`Bench::start_with`]; without `seed`, on a database another
    /// instance already seeded: no publisher, namespace or token is made
    /// (`token` is empty).
    pub async fn start_seeded(extra_env: &[(&str, String)], seed: bool) -> Bench {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut env: Vec<(String, String)> = std::env::vars()
            .filter(|(k, _)| k.starts_with("TRELLIS_"))
            .collect();
        env.push(("TRELLIS_DATA_DIR".into(), dir.path().display().to_string()));
        env.push(("TRELLIS_LOG__LEVEL".into(), "warn".into()));
        // The benchmarks publish hundreds of plugins a minute as one user.
        env.push(("TRELLIS_API__WRITES_PER_MINUTE".into(), "0".into()));
        env.extend(extra_env.iter().map(|(k, v)| ((*k).to_owned(), v.clone())));
        let cfg = config::load(None, &env).expect("config");
        let server = Server::build(cfg).await.expect("start");
        let state = server.state.clone();
        if !seed {
            return Bench::listen(server, state, String::new(), dir).await;
        }
        let user = accounts::create_user_cli(&state, USER, PASSWORD, false)
            .await
            .expect("user");
        let mut tx = state.db.begin().await.expect("db");
        trellis_db::namespaces::insert(&mut tx, "bench", user.id)
            .await
            .expect("namespace");
        tx.commit().await.expect("commit");
        let token = tokens::create_token(
            &state,
            &Actor::session(user, None),
            &TokenIn {
                name: "bench".into(),
                scopes: vec![Scope::Read, Scope::Publish],
                expires_in_days: None,
            },
        )
        .await
        .expect("token")
        .secret;
        Bench::listen(server, state, token, dir).await
    }

    async fn listen(
        server: Server,
        state: AppState,
        token: String,
        dir: tempfile::TempDir,
    ) -> Bench {
        let server = server
            .spawn(([127, 0, 0, 1], 0).into())
            .await
            .expect("listen");
        let base = server.base_url();
        let http = reqwest::Client::builder()
            .pool_max_idle_per_host(64)
            .build()
            .expect("client");
        Bench {
            state,
            base,
            token,
            http,
            server,
            _dir: dir,
        }
    }

    /// The instance's data directory (its SQLite file and stored artifacts).
    pub fn data_dir(&self) -> &std::path::Path {
        self._dir.path()
    }

    pub fn describe(&self) -> String {
        format!(
            "database {:?}, storage {}",
            self.state.db.backend(),
            self.state.storage.describe()
        )
    }

    /// Publishes a package; panics with the server's answer on failure.
    pub async fn publish(&self, bytes: Vec<u8>) -> serde_json::Value {
        let res = self
            .http
            .put(format!("{}/api/v1/plugins", self.base))
            .bearer_auth(&self.token)
            .header("content-type", "application/gzip")
            .body(bytes)
            .send()
            .await
            .expect("publish request");
        let status = res.status();
        let body: serde_json::Value = res.json().await.expect("publish body");
        assert!(status.is_success(), "publish failed: {status} {body}");
        body
    }

    /// Signs the bench user in through the UI's server function, as a browser
    /// would, and returns the `trellis_session` cookie (`name=value`).
    pub async fn session_cookie(&self) -> String {
        use app::api::accounts::SignIn;
        use leptos::server_fn::ServerFn;
        let res = self
            .http
            .post(format!("{}{}", self.base, SignIn::PATH))
            .header("origin", &self.base)
            .header("accept", "application/json")
            .form(&[("username", USER), ("password", PASSWORD)])
            .send()
            .await
            .expect("sign-in request");
        let status = res.status();
        let cookie = res
            .headers()
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|v| v.starts_with("trellis_session="))
            .and_then(|v| v.split(';').next())
            .map(str::to_owned);
        let body = res.text().await.unwrap_or_default();
        cookie.unwrap_or_else(|| panic!("sign-in gave no session cookie: {status} {body}"))
    }

    pub async fn stop(self) {
        self.server.stop().await.expect("clean stop");
    }
}

/// Builds a package with the given manifest text and extra files.
pub fn package(manifest: &str, extra: &[(&str, Vec<u8>)]) -> Vec<u8> {
    let mut files = trellis_registry::testkit::minimal_files();
    files.insert("plugin.toml".into(), manifest.as_bytes().to_vec());
    for (name, bytes) in extra {
        files.insert((*name).to_owned(), bytes.clone());
    }
    trellis_registry::testkit::tar_gz_map(&files)
}

/// A manifest for `bench.<name>` at `version` with dependencies.
pub fn manifest(name: &str, version: &str, deps: &[(String, String)]) -> String {
    let mut m = format!(
        "schema_version = 1\n[plugin]\nid = \"bench.{name}\"\ndisplay_name = \"Bench {name}\"\nversion = \"{version}\"\n\
         kind = \"tool\"\ndescription = \"Benchmark plugin {name}.\"\nlicense = \"MIT\"\napi = \"^1\"\n\
         [runtime]\nentry = \"plugin.wasm\"\nexports = [\"run\"]\n"
    );
    if !deps.is_empty() {
        m.push_str("[dependencies]\n");
        for (id, req) in deps {
            m.push_str(&format!("\"{id}\" = \"{req}\"\n"));
        }
    }
    m
}
