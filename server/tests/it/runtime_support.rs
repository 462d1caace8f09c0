//! Shared steps of the plugin runtime tests: publishing the real test plugins
//! of `plugins/testing` (built once per test process by
//! `trellis_runtime::testkit`), a client with the `plugins` scope, installs.

use axum::http::StatusCode;
use serde_json::{json, Value};

use crate::harness::{Client, TestApp};
use crate::registry_support::{publish_bytes, publisher};

/// A test plugin's package, with its manifest's version replaced when given.
pub fn package(dir: &str, manifest: &str) -> Vec<u8> {
    trellis_runtime::testkit::package(&format!("testing/{dir}"), manifest)
}

/// A package of `dir` published as `version` (the manifest's version line
/// rewritten), for several versions of one module.
pub fn package_as(dir: &str, version: &str) -> Vec<u8> {
    let root = trellis_runtime::testkit::plugins_dir()
        .join("testing")
        .join(dir);
    let text = std::fs::read_to_string(root.join("plugin.toml")).unwrap();
    let mut out = String::new();
    for line in text.lines() {
        if line.starts_with("version = ") {
            out.push_str(&format!("version = \"{version}\"\n"));
        } else {
            out.push_str(line);
            out.push('\n');
        }
    }
    trellis_runtime::testkit::package_text(&format!("testing/{dir}"), &out)
}

/// Publishes a package, expecting success.
pub async fn publish(t: &Client, bytes: Vec<u8>) -> Value {
    let r = publish_bytes(t, bytes).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    r.json()
}

/// `alice` owning namespace `labs` (session, publish token, plugins token).
pub struct Lab {
    pub session: Client,
    pub publish: Client,
    pub plugins: Client,
}

pub async fn lab(app: &TestApp) -> Lab {
    let (session, publish) = publisher(app, "alice", "labs").await;
    let plugins = app.token_client(&session, &["read", "plugins"]).await;
    Lab {
        session,
        publish,
        plugins,
    }
}

/// Publishes the named test plugins (directory names under plugins/testing).
pub async fn publish_all(lab: &Lab, dirs: &[&str]) {
    for d in dirs {
        publish(&lab.publish, package(d, "plugin.toml")).await;
    }
}

/// Installs `plugin` into `ws` with consent; returns the result.
pub async fn install(c: &Client, ws: &str, plugin: &str) -> Value {
    let r = c
        .post_json(
            &format!("/api/v1/workspaces/{ws}/installations"),
            json!({"plugin": plugin, "consent": true}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    r.json()
}

/// The id of `plugin`'s installation in an install result.
pub fn installation_id(result: &Value, plugin: &str) -> String {
    result["installations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["plugin"] == plugin)
        .unwrap_or_else(|| panic!("{plugin} not in {result}"))["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// Calls `invoke` of an installation.
pub async fn invoke(c: &Client, id: &str, input: Value) -> crate::harness::Resp {
    c.post_json(
        &format!("/api/v1/installations/{id}/invoke"),
        json!({ "input": input }),
    )
    .await
}

/// An installation's log lines, newest first.
pub async fn log_lines(c: &Client, id: &str) -> Vec<String> {
    let r = c
        .get(&format!("/api/v1/installations/{id}/logs?limit=500"))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    r.json()["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            format!(
                "{} {}",
                l["level"].as_str().unwrap(),
                l["message"].as_str().unwrap()
            )
        })
        .collect()
}
