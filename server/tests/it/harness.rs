//! The test harness: a fresh Trellis per test, driven in-process through its
//! real router, as anonymous, user, publisher or admin.
//!
//! Backends come from the environment so the same suite runs on both:
//! - `TRELLIS_TEST_POSTGRES_URL` set: each test gets its own PostgreSQL database
//!   (a copy of one this process migrated), else its own SQLite file;
//! - `TRELLIS_TEST_S3_ENDPOINT` set: each test gets its own bucket on that
//!   S3-compatible server, else a directory.

#![allow(dead_code)]

use std::sync::Arc;

use axum::body::Body;
use axum::Router;
use http::{header, HeaderMap, Method, Request, StatusCode};
use http_body_util::BodyExt;
use leptos::server_fn::ServerFn;
use serde_json::Value;
use tokio::sync::Mutex;
use tower::ServiceExt;
use trellis_db::users::UserRow;
use trellis_platform::{config, AppState};
use trellis_server::startup::Server;

pub const ORIGIN: &str = "http://127.0.0.1:3000";
pub const PASSWORD: &str = "correct horse battery staple";

/// A running in-process Trellis with its own database, store and data dir.
pub struct TestApp {
    _server: Arc<Server>,
    pub state: AppState,
    pub router: Router,
    pub env: Vec<(String, String)>,
    _dir: Arc<tempfile::TempDir>,
}

/// An instance's settings and data directory, kept across a stop.
pub struct Saved {
    pub env: Vec<(String, String)>,
    pub dir: Arc<tempfile::TempDir>,
}

fn unique(prefix: &str) -> String {
    format!("{prefix}{}", uuid::Uuid::new_v4().simple())
        .chars()
        .take(40)
        .collect()
}

/// Which backends this run uses (for test names in failures).
pub fn backends() -> String {
    format!(
        "db={} storage={}",
        if std::env::var("TRELLIS_TEST_POSTGRES_URL").is_ok() {
            "postgres"
        } else {
            "sqlite"
        },
        if std::env::var("TRELLIS_TEST_S3_ENDPOINT").is_ok() {
            "s3"
        } else {
            "file"
        }
    )
}

/// A database this test process migrated once, which every test's database
/// copies (`CREATE DATABASE ... TEMPLATE`): the copy is far cheaper than
/// running every migration again per test. Named like the test databases, so
/// `drop_test_databases` (scripts/lib.sh) drops it with them.
async fn migrated_template(admin_url: &str) -> &'static str {
    static TEMPLATE: tokio::sync::OnceCell<String> = tokio::sync::OnceCell::const_new();
    TEMPLATE
        .get_or_init(|| async {
            let name = unique("trellis_test_template_");
            create_database(admin_url, &name, None).await;
            let db = trellis_db::Db::connect(
                &database_url(admin_url, &name),
                1,
                std::time::Duration::from_secs(10),
            )
            .await
            .expect("connect to the template database");
            db.migrate().await.expect("migrate the template database");
            // A template cannot be copied while anyone is connected to it.
            db.close().await;
            name
        })
        .await
}

/// Creates database `name` on the server of `admin_url`, empty or as a copy of
/// `template`.
async fn create_database(admin_url: &str, name: &str, template: Option<&str>) {
    let what = match template {
        Some(t) => format!("{name} TEMPLATE {t}"),
        None => name.to_owned(),
    };
    let admin = trellis_db::Db::connect(admin_url, 1, std::time::Duration::from_secs(10))
        .await
        .expect("TRELLIS_TEST_POSTGRES_URL is set but PostgreSQL is not reachable");
    trellis_db::sqlx::query(trellis_db::sqlx::AssertSqlSafe(format!(
        "CREATE DATABASE {what}"
    )))
    .execute(admin.pool())
    .await
    .unwrap_or_else(|e| panic!("CREATE DATABASE {what}: {e}"));
    admin.close().await;
}

fn database_url(admin_url: &str, name: &str) -> String {
    let mut url = url::Url::parse(admin_url).unwrap();
    url.set_path(&format!("/{name}"));
    url.to_string()
}

/// The environment (TRELLIS_* variables) for a fresh instance.
pub async fn fresh_env(dir: &std::path::Path) -> Vec<(String, String)> {
    env_for(dir, true).await
}

/// Like [`fresh_env`], with a database no migration has touched yet (on
/// SQLite every fresh database is one).
pub async fn unmigrated_env(dir: &std::path::Path) -> Vec<(String, String)> {
    env_for(dir, false).await
}

async fn env_for(dir: &std::path::Path, migrated: bool) -> Vec<(String, String)> {
    let mut env = vec![
        ("TRELLIS_DATA_DIR".to_string(), dir.display().to_string()),
        ("TRELLIS_LOG__LEVEL".into(), "warn".into()),
        // Every in-process client shares one (unknown) address: tests that
        // check the sign-up limit set their own.
        ("TRELLIS_AUTH__MAX_SIGNUPS_PER_HOUR".into(), "100000".into()),
        // Tests make many writes in a minute: the rate-limit tests set their own.
        ("TRELLIS_API__WRITES_PER_MINUTE".into(), "1000000".into()),
        // A fresh `trellis serve` seeds the demo catalogue: tests start empty.
        ("TRELLIS_DEMO__SEED".into(), "false".into()),
    ];
    if let Ok(admin_url) = std::env::var("TRELLIS_TEST_POSTGRES_URL") {
        let name = unique("trellis_test_");
        let template = match migrated {
            true => Some(migrated_template(&admin_url).await),
            false => None,
        };
        create_database(&admin_url, &name, template).await;
        env.push((
            "TRELLIS_DATABASE__URL".into(),
            database_url(&admin_url, &name),
        ));
    }
    if let Ok(endpoint) = std::env::var("TRELLIS_TEST_S3_ENDPOINT") {
        let bucket = unique("trellis-test-").replace('_', "-");
        let res = reqwest::Client::new()
            .put(format!("{endpoint}/{bucket}"))
            .send()
            .await
            .expect("TRELLIS_TEST_S3_ENDPOINT is set but the S3 server is not reachable");
        assert!(res.status().is_success(), "create bucket: {}", res.status());
        env.extend([
            ("TRELLIS_STORAGE__URL".into(), format!("s3://{bucket}")),
            ("TRELLIS_STORAGE__S3_ENDPOINT".into(), endpoint.clone()),
            ("TRELLIS_STORAGE__S3_ACCESS_KEY_ID".into(), "test".into()),
            (
                "TRELLIS_STORAGE__S3_SECRET_ACCESS_KEY".into(),
                "test".into(),
            ),
            ("TRELLIS_STORAGE__S3_ALLOW_HTTP".into(), "true".into()),
        ]);
    }
    env
}

impl TestApp {
    /// A fresh instance.
    pub async fn new() -> TestApp {
        Self::with_env(&[]).await
    }

    /// A fresh instance that serves the API but runs no shared workers (`server.role
    /// = api`): for a test that runs a housekeeping pass itself and counts what it
    /// removed, which the housekeeping worker's own first pass would race (it runs
    /// at start, and on a loaded machine that can be after the test wrote its rows).
    pub async fn without_housekeeping() -> TestApp {
        Self::with_env(&[("TRELLIS_SERVER__ROLE", "api")]).await
    }

    /// A fresh instance with extra TRELLIS_* settings.
    pub async fn with_env(extra: &[(&str, &str)]) -> TestApp {
        let dir = Arc::new(tempfile::tempdir().unwrap());
        let mut env = fresh_env(dir.path()).await;
        env.extend(extra.iter().map(|(a, b)| (a.to_string(), b.to_string())));
        Self::start(env, dir).await
    }

    async fn start(env: Vec<(String, String)>, dir: Arc<tempfile::TempDir>) -> TestApp {
        let cfg = config::load(None, &env).expect("test config");
        let server = Server::build(cfg)
            .await
            .unwrap_or_else(|e| panic!("start ({}): {e}", backends()));
        let (state, router) = (server.state.clone(), server.router.clone());
        TestApp {
            // The workers keep running in the background, as in production, until
            // the test's runtime ends.
            _server: Arc::new(server),
            state,
            router,
            env,
            _dir: dir,
        }
    }

    /// The same database, store and data directory behind a brand-new process
    /// state and router: what a restart (or a second node) looks like.
    pub async fn restart(&self) -> TestApp {
        Self::start(self.env.clone(), self._dir.clone()).await
    }

    /// What it takes to start this instance again after [`TestApp::stop`] (its
    /// settings, and its data directory kept alive).
    pub fn saved(&self) -> Saved {
        Saved {
            env: self.env.clone(),
            dir: self._dir.clone(),
        }
    }

    /// Starts an instance again from what [`TestApp::saved`] kept: a restart
    /// after a clean stop, the data directory (and its search index) reused.
    pub async fn again(saved: &Saved) -> TestApp {
        Self::start(saved.env.clone(), saved.dir.clone()).await
    }

    /// Stops this instance's workers and closes its database pool, as a clean
    /// shutdown does (the data stays for [`TestApp::restart`]ed copies).
    pub async fn stop(self) {
        if let Ok(server) = Arc::try_unwrap(self._server) {
            server.shutdown().await;
        }
    }

    /// An anonymous browser-like client.
    pub fn client(&self) -> Client {
        Client {
            router: self.router.clone(),
            cookies: Arc::new(Mutex::new(Vec::new())),
            bearer: None,
            origin: Some(ORIGIN.into()),
        }
    }

    /// A client signed in as a new user.
    pub async fn user(&self, name: &str) -> Client {
        let c = self.client();
        let r = c.sign_up(name, PASSWORD, PASSWORD).await;
        assert!(
            r.status.is_success() || r.status.is_redirection(),
            "sign up {name}: {} {}",
            r.status,
            r.text
        );
        c
    }

    /// A client signed in as a new admin.
    pub async fn admin(&self, name: &str) -> Client {
        let c = self.user(name).await;
        trellis_platform::accounts::set_admin(&self.state, name, true)
            .await
            .unwrap();
        c
    }

    /// A client signed in as a new user who owns namespace `ns`.
    pub async fn publisher(&self, name: &str, ns: &str) -> Client {
        let c = self.user(name).await;
        let u = self.db_user(name).await.unwrap();
        let mut tx = self.state.db.begin().await.unwrap();
        trellis_db::namespaces::insert(&mut tx, ns, u.id)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        c
    }

    /// The stored user named `name`, if any.
    pub async fn db_user(&self, name: &str) -> Option<UserRow> {
        let mut c = self.state.db.conn().await.unwrap();
        trellis_db::users::by_name(&mut c, name).await.unwrap()
    }

    /// The stored tokens of user `user_id`, newest first.
    pub async fn db_tokens(&self, user_id: i64) -> Vec<trellis_db::tokens::TokenRow> {
        let mut c = self.state.db.conn().await.unwrap();
        trellis_db::tokens::list_for_user(&mut c, user_id)
            .await
            .unwrap()
    }

    /// A client using an API token with `scopes`, minted for the session client `c`.
    pub async fn token_client(&self, c: &Client, scopes: &[&str]) -> Client {
        let r = c
            .post_json(
                "/api/v1/tokens",
                serde_json::json!({ "name": "test", "scopes": scopes }),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        let secret = r.json()["secret"].as_str().unwrap().to_owned();
        self.bearer(&secret)
    }

    /// A cookie-less API client with a bearer token.
    pub fn bearer(&self, secret: &str) -> Client {
        Client {
            router: self.router.clone(),
            cookies: Arc::new(Mutex::new(Vec::new())),
            bearer: Some(secret.into()),
            origin: None,
        }
    }
}

/// An HTTP client with a cookie jar, driving the in-process router. A request
/// runs in the task that awaits it, not in a task of its own as the server runs
/// it: requests meant to run at the same moment each need their own task
/// (`tokio::spawn`), since a plugin call holds its thread until it ends and
/// requests joined in one task (`join_all`) would wait on one another.
#[derive(Clone)]
pub struct Client {
    pub router: Router,
    pub cookies: Arc<Mutex<Vec<(String, String)>>>,
    pub bearer: Option<String>,
    pub origin: Option<String>,
}

/// A response, fully read.
#[derive(Debug)]
pub struct Resp {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub text: String,
    pub bytes: Vec<u8>,
}

impl Resp {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.bytes)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text))
    }
    /// Asserts a problem+json with this status and code, and returns it.
    pub fn problem(&self, status: u16, code: &str) -> Value {
        assert_eq!(self.status.as_u16(), status, "body: {}", self.text);
        assert_eq!(
            self.headers[header::CONTENT_TYPE],
            "application/problem+json",
            "body: {}",
            self.text
        );
        let v = self.json();
        assert_eq!(v["code"], code, "body: {}", self.text);
        assert_eq!(v["status"], status);
        assert!(v["detail"].as_str().is_some_and(|d| !d.is_empty()));
        assert_eq!(
            v["request_id"].as_str(),
            self.headers
                .get("x-request-id")
                .and_then(|h| h.to_str().ok())
        );
        v
    }
    pub fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    }
}

impl Client {
    pub fn without_origin(mut self) -> Self {
        self.origin = None;
        self
    }

    pub fn with_origin(mut self, o: &str) -> Self {
        self.origin = Some(o.into());
        self
    }

    /// The value of the session cookie, if any.
    pub async fn session_cookie(&self) -> Option<String> {
        self.cookies
            .lock()
            .await
            .iter()
            .find(|(n, _)| n == "trellis_session")
            .map(|(_, v)| v.clone())
    }

    pub async fn send(&self, mut req: Request<Body>) -> Resp {
        {
            let jar = self.cookies.lock().await;
            if !jar.is_empty() {
                let cookie = jar
                    .iter()
                    .map(|(n, v)| format!("{n}={v}"))
                    .collect::<Vec<_>>()
                    .join("; ");
                req.headers_mut()
                    .insert(header::COOKIE, cookie.parse().unwrap());
            }
        }
        if let Some(b) = &self.bearer {
            req.headers_mut().insert(
                header::AUTHORIZATION,
                format!("Bearer {b}").parse().unwrap(),
            );
        }
        if let Some(o) = &self.origin {
            if req.method() != Method::GET && !req.headers().contains_key(header::ORIGIN) {
                req.headers_mut().insert(header::ORIGIN, o.parse().unwrap());
            }
        }
        req.headers_mut()
            .insert(header::HOST, "127.0.0.1:3000".parse().unwrap());
        let res = self.router.clone().oneshot(req).await.unwrap();
        let status = res.status();
        let headers = res.headers().clone();
        {
            let mut jar = self.cookies.lock().await;
            for sc in headers.get_all(header::SET_COOKIE) {
                let s = sc.to_str().unwrap();
                let (pair, attrs) = s.split_once(';').unwrap_or((s, ""));
                let (n, v) = pair.split_once('=').unwrap();
                jar.retain(|(k, _)| k != n);
                let expired = attrs.to_ascii_lowercase().contains("max-age=0") || v.is_empty();
                if !expired {
                    jar.push((n.to_owned(), v.to_owned()));
                }
            }
        }
        let bytes = res.into_body().collect().await.unwrap().to_bytes().to_vec();
        Resp {
            status,
            headers,
            text: String::from_utf8_lossy(&bytes).into_owned(),
            bytes,
        }
    }

    pub async fn get(&self, path: &str) -> Resp {
        self.send(Request::get(path).body(Body::empty()).unwrap())
            .await
    }

    pub async fn delete(&self, path: &str) -> Resp {
        self.send(Request::delete(path).body(Body::empty()).unwrap())
            .await
    }

    pub async fn post_json(&self, path: &str, body: Value) -> Resp {
        self.send(
            Request::post(path)
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(body.to_string()))
                .unwrap(),
        )
        .await
    }

    /// Signs up through the UI's server function.
    pub async fn sign_up(&self, username: &str, password: &str, confirm: &str) -> Resp {
        use app::api::accounts::SignUp;
        self.server_fn(
            SignUp::PATH,
            &[
                ("username", username),
                ("password", password),
                ("password_confirm", confirm),
            ],
        )
        .await
    }

    /// Signs in through the UI's server function.
    pub async fn sign_in(&self, username: &str, password: &str) -> Resp {
        use app::api::accounts::SignIn;
        self.server_fn(
            SignIn::PATH,
            &[("username", username), ("password", password)],
        )
        .await
    }

    /// Calls a server function the way the hydrated browser does.
    pub async fn server_fn(&self, path: &str, form: &[(&str, &str)]) -> Resp {
        let body = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(form)
            .finish();
        self.send(
            Request::post(path)
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .header(header::ACCEPT, "application/json")
                .body(Body::from(body))
                .unwrap(),
        )
        .await
    }
}

/// Waits until `check` holds, polling every 50 ms, for at most 20 s (work done by
/// background workers: the job runner, followers). Panics with `what` if it
/// never holds. A bound on waiting, never an assertion about speed.
pub async fn eventually<F, Fut>(what: &str, check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    eventually_within(what, 20, check).await
}

/// [`eventually`] with a bound of `secs` seconds (real processes, big batches).
pub async fn eventually_within<F, Fut>(what: &str, secs: u64, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(secs);
    loop {
        if check().await {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "still not true after {secs} s: {what}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

/// Waits until followers can read every committed event of `db`. On PostgreSQL
/// they stop below the oldest transaction in flight anywhere on the server
/// (other tests' databases included), so the readable end trails commits briefly.
///
/// A test running beside this one can hold a transaction open for seconds on
/// a loaded machine, so the bound is generous; if it is reached, the failure
/// names the transactions that held the horizon back.
pub async fn log_readable(db: &trellis_db::Db) {
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(90);
    loop {
        let mut c = db.conn().await.unwrap();
        if trellis_db::events::above_horizon(&mut c).await.unwrap() == 0 {
            return;
        }
        if tokio::time::Instant::now() >= deadline {
            let open = trellis_db::sqlx::query(
                "SELECT datname || ' ' || state || ' for ' || (now() - xact_start)::text || ': ' \
                 || left(query, 200) AS t FROM pg_stat_activity \
                 WHERE xact_start < now() - interval '5 seconds'",
            )
            .fetch_all(&mut *c)
            .await
            .map(|rows| {
                use trellis_db::sqlx::Row;
                rows.iter()
                    .map(|r| r.get::<String, _>("t"))
                    .collect::<Vec<_>>()
            });
            panic!("committed events still not readable by followers after 90 s; open transactions: {open:?}");
        }
        drop(c);
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}
