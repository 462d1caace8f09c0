//! The runtime benchmark's lab: a Trellis started like the other benchmarks
//! (role `all`: API, plugin dispatcher and job runner in one process), a user
//! owning the namespaces used as workspaces, a token with the `plugins` scope,
//! packages published around built modules with manifests of the benchmark's
//! own (`rtbench.*`), installs over REST, and the modules themselves.

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use trellis_db::installations::InstallationRow;
use trellis_platform::{accounts, tokens, Actor};
use trellis_types::{Scope, TokenIn};

use crate::server::Bench;

/// The namespace the benchmark's plugins are published in (and a workspace).
pub const NS: &str = "rtbench";

/// A running Trellis with the benchmark's user, token and runtime.
pub struct Lab {
    pub b: Bench,
    /// `read`, `publish` and `plugins`.
    pub token: String,
    /// A runtime of the benchmark's own over the server's state (the server
    /// keeps its runtime to itself): the same code path as the server's
    /// (`Runtime::call`), its own module cache, pools and health board.
    pub rt: Arc<trellis_runtime::Runtime>,
}

impl Lab {
    /// Starts Trellis and creates the user, [`NS`] and `workspaces` (namespaces
    /// the user owns).
    pub async fn start(workspaces: &[String]) -> Lab {
        let b = Bench::start_with(&[("TRELLIS_SERVER__ROLE", "all".into())]).await;
        let user = accounts::create_user_cli(
            &b.state,
            "rtbencher",
            "a long runtime benchmark passphrase",
            false,
        )
        .await
        .expect("user");
        let mut tx = b.state.db.begin().await.expect("db");
        for ns in std::iter::once(NS).chain(workspaces.iter().map(String::as_str)) {
            trellis_db::namespaces::insert(&mut tx, ns, user.id)
                .await
                .expect("namespace");
        }
        tx.commit().await.expect("commit");
        let token = tokens::create_token(
            &b.state,
            &Actor::session(user, None),
            &TokenIn {
                name: "runtime".into(),
                scopes: vec![Scope::Read, Scope::Publish, Scope::Plugins],
                expires_in_days: None,
            },
        )
        .await
        .expect("token")
        .secret;
        let rt = trellis_runtime::Runtime::new(b.state.clone());
        Lab { b, token, rt }
    }

    /// Publishes `manifest` with `wasm` as its `plugin.wasm`.
    pub async fn publish(&self, manifest: &str, wasm: &[u8]) {
        let bytes = crate::server::package(manifest, &[("plugin.wasm", wasm.to_vec())]);
        let res = self
            .b
            .http
            .put(format!("{}/api/v1/plugins", self.b.base))
            .bearer_auth(&self.token)
            .header("content-type", "application/gzip")
            .body(bytes)
            .send()
            .await
            .expect("publish request");
        let status = res.status();
        let text = res.text().await.unwrap_or_default();
        assert!(status.is_success(), "publish failed: {status} {text}");
    }

    /// `POST /api/v1/workspaces/{ws}/install-plan`: its time.
    pub async fn plan(&self, ws: &str, plugin: &str) -> Duration {
        let t = Instant::now();
        let res = self
            .b
            .http
            .post(format!(
                "{}/api/v1/workspaces/{ws}/install-plan",
                self.b.base
            ))
            .bearer_auth(&self.token)
            .json(&json!({ "plugin": plugin }))
            .send()
            .await
            .expect("plan request");
        let status = res.status();
        let text = res.text().await.unwrap_or_default();
        let took = t.elapsed();
        assert!(
            status.is_success(),
            "plan {plugin} in {ws}: {status} {text}"
        );
        took
    }

    /// `POST /api/v1/workspaces/{ws}/installations` with consent: its time
    /// and the result.
    pub async fn install(&self, ws: &str, plugin: &str) -> (Duration, Value) {
        let t = Instant::now();
        let res = self
            .b
            .http
            .post(format!(
                "{}/api/v1/workspaces/{ws}/installations",
                self.b.base
            ))
            .bearer_auth(&self.token)
            .json(&json!({ "plugin": plugin, "consent": true }))
            .send()
            .await
            .expect("install request");
        let status = res.status();
        let body: Value = res.json().await.unwrap_or(Value::Null);
        let took = t.elapsed();
        assert_eq!(
            status.as_u16(),
            201,
            "install {plugin} into {ws}: {status} {body}"
        );
        (took, body)
    }

    /// Installs `plugin` into `ws` and returns its installation row.
    pub async fn install_row(&self, ws: &str, plugin: &str) -> InstallationRow {
        let (_, body) = self.install(ws, plugin).await;
        let id = body["installations"]
            .as_array()
            .and_then(|a| a.iter().find(|i| i["plugin"] == plugin))
            .and_then(|i| i["id"].as_str())
            .unwrap_or_else(|| panic!("{plugin} not in {body}"))
            .to_owned();
        self.row(&id).await
    }

    /// An installation's row as the runtime reads it.
    pub async fn row(&self, id: &str) -> InstallationRow {
        let mut c = self.b.state.db.conn().await.expect("db");
        trellis_db::installations::by_id(&mut c, id)
            .await
            .expect("installation row")
            .expect("installed")
    }
}

/// A manifest for `rtbench.<name>` 1.0.0 exporting `exports`, subscribing to
/// `subscribe`, depending on `rtbench.<dep>` (`^1`) for each of `deps`, with
/// `permissions` (a `[permissions]` table's lines, or nothing).
pub fn manifest(
    name: &str,
    exports: &[&str],
    subscribe: &[&str],
    deps: &[&str],
    permissions: &str,
) -> String {
    let list = |v: &[&str]| {
        v.iter()
            .map(|s| format!("\"{s}\""))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let kind = if subscribe.is_empty() {
        "tool"
    } else {
        "agent"
    };
    let mut m = format!(
        "schema_version = 1\n\n[plugin]\nid = \"{NS}.{name}\"\ndisplay_name = \"Runtime bench {name}\"\n\
         version = \"1.0.0\"\nkind = \"{kind}\"\ndescription = \"Runtime benchmark plugin {name}.\"\n\
         license = \"MIT\"\napi = \"^1.0\"\n\n[runtime]\nentry = \"plugin.wasm\"\nexports = [{}]\n",
        list(exports)
    );
    if !permissions.is_empty() {
        m.push_str("\n[permissions]\n");
        m.push_str(permissions);
        m.push('\n');
    }
    if !subscribe.is_empty() {
        m.push_str(&format!("\n[events]\nsubscribe = [{}]\n", list(subscribe)));
    }
    if !deps.is_empty() {
        m.push_str("\n[dependencies]\n");
        for d in deps {
            m.push_str(&format!("\"{NS}.{d}\" = \"^1\"\n"));
        }
    }
    m
}

/// A module whose `invoke` and `on_event` return at once with no output: the
/// least work an export can do, so a call measures the host around it.
pub fn noop_wasm() -> Vec<u8> {
    wat::parse_str(
        r#"(module
             (func (export "invoke") (result i32) i32.const 0)
             (func (export "on_event") (result i32) i32.const 0))"#,
    )
    .expect("no-op module")
}

/// `wasm` with a custom section carrying `tag` appended: the same code under
/// another SHA-256, so the runtime compiles it as a module of its own.
pub fn variant(wasm: &[u8], tag: &str) -> Vec<u8> {
    let name = b"trellis-bench";
    let mut payload = leb128(name.len());
    payload.extend_from_slice(name);
    payload.extend_from_slice(tag.as_bytes());
    let mut out = wasm.to_vec();
    out.push(0);
    out.extend(leb128(payload.len()));
    out.extend(payload);
    out
}

fn leb128(mut n: usize) -> Vec<u8> {
    let mut v = Vec::new();
    loop {
        let b = (n & 0x7f) as u8;
        n >>= 7;
        if n == 0 {
            v.push(b);
            return v;
        }
        v.push(b | 0x80);
    }
}

/// This process's resident memory (`VmRSS` of /proc/self/status), in KiB.
pub fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}
