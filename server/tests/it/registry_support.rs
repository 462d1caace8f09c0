//! Helpers for the registry tests: building packages (valid, signed, hostile),
//! publishing them over HTTP, and JSON requests with verbs the harness lacks.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::io::Cursor;

use axum::body::Body;
use http::{header, Request};
use serde_json::Value;
use trellis_registry::testkit::{minimal_files, tar_gz_map, HELLO_WASM};

use crate::harness::{Client, Resp, TestApp};

/// A package under construction: the files of a minimal valid one, retargeted.
pub struct Pkg {
    pub files: BTreeMap<String, Vec<u8>>,
}

/// Manifest text for `id` at `version` with extra `[plugin]` lines and dependencies.
pub fn manifest(id: &str, version: &str, api: &str, deps: &[(&str, &str)]) -> String {
    let mut m = format!(
        "schema_version = 1\n\n[plugin]\nid = \"{id}\"\ndisplay_name = \"{id}\"\nversion = \"{version}\"\n\
         kind = \"agent\"\ndescription = \"The {id} plugin.\"\nlicense = \"MIT\"\napi = \"{api}\"\n\n\
         [runtime]\nentry = \"plugin.wasm\"\nexports = [\"run\"]\n\n[permissions]\nnetwork = [\"api.example.com\"]\n"
    );
    if !deps.is_empty() {
        m.push_str("\n[dependencies]\n");
        for (d, r) in deps {
            m.push_str(&format!("\"{d}\" = \"{r}\"\n"));
        }
    }
    m
}

impl Pkg {
    /// A valid package of `id` at `version` (api `^1`).
    pub fn new(id: &str, version: &str) -> Pkg {
        Pkg::with(id, version, "^1", &[])
    }

    /// A valid package with an api range and dependencies.
    pub fn with(id: &str, version: &str, api: &str, deps: &[(&str, &str)]) -> Pkg {
        let mut files = minimal_files();
        files.insert(
            "plugin.toml".into(),
            manifest(id, version, api, deps).into_bytes(),
        );
        Pkg { files }
    }

    /// Replaces (or adds) one file.
    pub fn file(mut self, path: &str, data: impl Into<Vec<u8>>) -> Pkg {
        self.files.insert(path.into(), data.into());
        self
    }

    /// Adds DIGESTS and a minisign signature by `kp`.
    pub fn signed(mut self, kp: &minisign::KeyPair) -> Pkg {
        let digests = trellis_registry::digests_file(&self.files);
        let sig = minisign::sign(
            Some(&kp.pk),
            &kp.sk,
            Cursor::new(digests.as_bytes()),
            None,
            None,
        )
        .unwrap()
        .to_string();
        self.files.insert("DIGESTS".into(), digests.into_bytes());
        self.files
            .insert("SIGNATURE.minisig".into(), sig.into_bytes());
        self
    }

    /// The `.tar.gz`.
    pub fn bytes(&self) -> Vec<u8> {
        tar_gz_map(&self.files)
    }
}

/// The test wasm module (exports `run`).
pub const WASM: &[u8] = HELLO_WASM;

/// PUTs a `.tar.gz` to `/api/v1/plugins`.
pub async fn publish_bytes(c: &Client, bytes: Vec<u8>) -> Resp {
    c.send(
        Request::put("/api/v1/plugins")
            .header(header::CONTENT_TYPE, "application/gzip")
            .body(Body::from(bytes))
            .unwrap(),
    )
    .await
}

/// Publishes a package and asserts it was accepted.
pub async fn publish_ok(c: &Client, pkg: &Pkg) -> Value {
    let r = publish_bytes(c, pkg.bytes()).await;
    assert_eq!(r.status, 201, "{}", r.text);
    r.json()
}

/// A JSON request with any method.
pub async fn send_json(c: &Client, method: &str, path: &str, body: Value) -> Resp {
    c.send(
        Request::builder()
            .method(method)
            .uri(path)
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body.to_string()))
            .unwrap(),
    )
    .await
}

/// An empty-bodied request with any method.
pub async fn send_empty(c: &Client, method: &str, path: &str) -> Resp {
    c.send(
        Request::builder()
            .method(method)
            .uri(path)
            .body(Body::empty())
            .unwrap(),
    )
    .await
}

/// A publisher session owning `ns` and a publish-scoped token client for them.
pub async fn publisher(app: &TestApp, user: &str, ns: &str) -> (Client, Client) {
    let c = app.publisher(user, ns).await;
    let t = app.token_client(&c, &["read", "publish"]).await;
    (c, t)
}

/// Downloads a version, returning the response.
pub async fn download(c: &Client, id: &str, version: &str) -> Resp {
    c.get(&format!("/api/v1/plugins/{id}/versions/{version}/download"))
        .await
}

/// Writes pending download counts to the database.
pub async fn flush(app: &TestApp) {
    app.state.downloads.flush(&app.state.db).await.unwrap();
}
