//! What the download path keeps in memory (small artifacts, downloaded
//! versions' hashes) changes nothing a client or another node can see: bytes,
//! lengths and ETags are those of the artifact, every download is counted,
//! and "a downloaded plugin cannot be deleted" holds across nodes.

use http::{header, Request};
use sha2::{Digest, Sha256};

use crate::harness::{Client, Resp, TestApp};
use crate::registry_support::{download, flush, publish_ok, publisher, send_empty, Pkg};

/// `n` bytes that do not compress (a SHA-256 chain).
fn noise(n: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(n + 32);
    let mut block = Sha256::digest(b"trellis").to_vec();
    while out.len() < n {
        block = Sha256::digest(&block).to_vec();
        out.extend_from_slice(&block);
    }
    out.truncate(n);
    out
}

fn sha256_hex(b: &[u8]) -> String {
    hex::encode(Sha256::digest(b))
}

fn check_artifact(r: &Resp, want: &[u8]) {
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(
        r.bytes == want,
        "served {} bytes, not the artifact",
        r.bytes.len()
    );
    assert_eq!(
        r.header("content-length").as_deref(),
        Some(want.len().to_string().as_str())
    );
    assert_eq!(r.header("etag"), Some(format!("\"{}\"", sha256_hex(want))));
}

async fn download_if_none_match(c: &Client, id: &str, version: &str, etag: &str) -> Resp {
    c.send(
        Request::get(format!("/api/v1/plugins/{id}/versions/{version}/download"))
            .header(header::IF_NONE_MATCH, etag)
            .body(axum::body::Body::empty())
            .unwrap(),
    )
    .await
}

async fn total(app: &TestApp, id: &str) -> i64 {
    let r = app
        .client()
        .get(&format!("/api/v1/plugins/{id}/downloads"))
        .await;
    r.json()["total"].as_i64().unwrap()
}

#[tokio::test]
async fn repeated_downloads_are_byte_identical_and_all_counted() {
    let app = TestApp::new().await;
    let (_, t) = publisher(&app, "alice", "acme").await;
    let small = Pkg::new("acme.small", "1.0.0");
    // Larger than what is kept in memory, and several read-ahead chunks long.
    let big = Pkg::new("acme.big", "1.0.0").file("assets/blob.bin", noise(700 * 1024));
    publish_ok(&t, &small).await;
    publish_ok(&t, &big).await;
    let (small, big) = (small.bytes(), big.bytes());
    assert!(big.len() > 600 * 1024, "the big package must not compress");

    let c = app.client();
    for _ in 0..3 {
        check_artifact(&download(&c, "acme.small", "1.0.0").await, &small);
        check_artifact(&download(&c, "acme.big", "1.0.0").await, &big);
    }
    // Held content: 304, neither sent nor counted, from memory or not.
    for (id, bytes) in [("acme.small", &small), ("acme.big", &big)] {
        let etag = format!("\"{}\"", sha256_hex(bytes));
        let r = download_if_none_match(&c, id, "1.0.0", &etag).await;
        assert_eq!(r.status, 304, "{}", r.text);
        assert!(r.bytes.is_empty());
    }
    flush(&app).await;
    assert_eq!(total(&app, "acme.small").await, 3);
    assert_eq!(total(&app, "acme.big").await, 3);

    // A yanked version stays downloadable by its exact version, same bytes.
    let r = send_empty(&t, "PUT", "/api/v1/plugins/acme.small/versions/1.0.0/yank").await;
    assert_eq!(r.status, 200, "{}", r.text);
    check_artifact(&download(&c, "acme.small", "1.0.0").await, &small);
    // An unknown version of a plugin whose other versions are remembered.
    download(&c, "acme.small", "9.9.9")
        .await
        .problem(404, "not_found");
    flush(&app).await;
    assert_eq!(total(&app, "acme.small").await, 4);

    // And the plugin, downloaded, cannot be deleted.
    t.delete("/api/v1/plugins/acme.small")
        .await
        .problem(409, "conflict");
}

#[tokio::test]
async fn a_plugin_not_yet_marked_is_read_from_the_database_on_every_node() {
    // Two nodes on one database, both having answered for the plugin without
    // a download: a 304 reads the version but neither sends nor marks it.
    let a = TestApp::new().await;
    let b = a.restart().await;
    let (_, t) = publisher(&a, "alice", "acme").await;
    let first = Pkg::new("acme.hello", "1.0.0");
    publish_ok(&t, &first).await;
    let etag = format!("\"{}\"", sha256_hex(&first.bytes()));
    for node in [&a, &b] {
        let r = download_if_none_match(&node.client(), "acme.hello", "1.0.0", &etag).await;
        assert_eq!(r.status, 304, "{}", r.text);
    }
    // Never downloaded: node B may delete it.
    let r = b
        .bearer(t.bearer.as_deref().unwrap())
        .delete("/api/v1/plugins/acme.hello")
        .await;
    assert_eq!(r.status, 204, "{}", r.text);
    // Node A remembered nothing from its read: the version is gone there too.
    download(&a.client(), "acme.hello", "1.0.0")
        .await
        .problem(404, "not_found");

    // Published again with other content: node A serves the new artifact.
    let second = Pkg::new("acme.hello", "1.0.0").file("README.md", "# Hello again\n");
    publish_ok(&t, &second).await;
    check_artifact(
        &download(&a.client(), "acme.hello", "1.0.0").await,
        &second.bytes(),
    );
    // That download marked it: no node may delete it now, and both serve it.
    b.bearer(t.bearer.as_deref().unwrap())
        .delete("/api/v1/plugins/acme.hello")
        .await
        .problem(409, "conflict");
    for node in [&a, &b] {
        for _ in 0..2 {
            check_artifact(
                &download(&node.client(), "acme.hello", "1.0.0").await,
                &second.bytes(),
            );
        }
    }
    flush(&a).await;
    flush(&b).await;
    assert_eq!(total(&a, "acme.hello").await, 5);
}
