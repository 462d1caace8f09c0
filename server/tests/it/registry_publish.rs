//! Publishing and downloading: the round trip (bytes, SHA-256, headers,
//! content-addressed storage) and the read endpoints that follow a publish.

use object_store::path::Path;
use object_store::ObjectStoreExt;
use sha2::{Digest, Sha256};

use crate::harness::{backends, TestApp};
use crate::registry_support::{download, publish_ok, publisher, Pkg};

#[tokio::test]
async fn publish_then_download_round_trips_bytes_and_headers() {
    let app = TestApp::new().await;
    let (_, token) = publisher(&app, "alice", "acme").await;
    let pkg = Pkg::new("acme.hello", "0.1.0").file("CHANGELOG.md", "## 0.1.0\nFirst.\n");
    let bytes = pkg.bytes();
    let sha = hex::encode(Sha256::digest(&bytes));

    let out = publish_ok(&token, &pkg).await;
    assert_eq!(out["id"], "acme.hello");
    assert_eq!(out["version"], "0.1.0");
    assert_eq!(out["sha256"], sha);
    assert_eq!(out["size"], bytes.len() as i64);
    assert_eq!(
        out["download_url"],
        "http://127.0.0.1:3000/api/v1/plugins/acme.hello/versions/0.1.0/download"
    );

    // Stored under its content address on whichever store this run uses.
    let key = Path::from(format!("artifacts/sha256/{}/{sha}.tar.gz", &sha[..2]));
    let stored = app
        .state
        .storage
        .store()
        .get(&key)
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(stored.as_ref(), &bytes[..], "{}", backends());

    let r = download(&app.client(), "acme.hello", "0.1.0").await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.bytes, bytes, "{}", backends());
    assert_eq!(hex::encode(Sha256::digest(&r.bytes)), sha);
    assert_eq!(r.header("content-type").unwrap(), "application/gzip");
    assert_eq!(r.header("content-length").unwrap(), bytes.len().to_string());
    assert_eq!(r.header("etag").unwrap(), format!("\"{sha}\""));
    assert_eq!(
        r.header("cache-control").unwrap(),
        "public, max-age=31536000, immutable"
    );
    assert_eq!(
        r.header("content-disposition").unwrap(),
        "attachment; filename=\"acme.hello-0.1.0.tar.gz\""
    );

    // A client that has it already gets 304 and no body.
    let r = app
        .client()
        .send(
            http::Request::get("/api/v1/plugins/acme.hello/versions/0.1.0/download")
                .header("if-none-match", format!("\"{sha}\""))
                .body(axum::body::Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(r.status, 304);
    assert!(r.bytes.is_empty());
    assert_eq!(r.header("etag").unwrap(), format!("\"{sha}\""));

    download(&app.client(), "acme.hello", "9.9.9")
        .await
        .problem(404, "not_found");
    download(&app.client(), "acme.nothing", "0.1.0")
        .await
        .problem(404, "not_found");
}

#[tokio::test]
async fn plugin_and_version_endpoints_describe_what_was_published() {
    let app = TestApp::new().await;
    let (session, _) = publisher(&app, "alice", "acme").await;
    // A session may publish too.
    publish_ok(&session, &Pkg::new("acme.hello", "0.1.0")).await;
    publish_ok(
        &session,
        &Pkg::new("acme.hello", "1.0.0").file("README.md", "# Hello one\n\n<script>x</script>Hi\n"),
    )
    .await;
    publish_ok(&session, &Pkg::new("acme.hello", "2.0.0-beta.1")).await;

    let p = app.client().get("/api/v1/plugins/acme.hello").await;
    assert_eq!(p.status, 200, "{}", p.text);
    let p = p.json();
    assert_eq!(
        p["latest_version"], "1.0.0",
        "pre-releases are never latest"
    );
    assert_eq!(p["namespace"], "acme");
    assert_eq!(p["kind"], "agent");
    assert_eq!(p["downloads"], 0);
    assert_eq!(p["installs"], 0);
    assert!(p["deprecated"].is_null());
    let readme = p["readme_html"].as_str().unwrap();
    assert!(
        readme.contains("Hello one") && !readme.contains("<script"),
        "{readme}"
    );

    let vs = app
        .client()
        .get("/api/v1/plugins/acme.hello/versions")
        .await
        .json();
    let listed: Vec<_> = vs["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["version"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(listed, ["2.0.0-beta.1", "1.0.0", "0.1.0"]);
    let beta = &vs["data"][0];
    assert_eq!(beta["prerelease"], true);
    assert_eq!(beta["yanked"], false);
    assert_eq!(beta["published_by"], "alice");
    assert_eq!(beta["sha256"].as_str().unwrap().len(), 64);
    assert!(beta["size"].as_i64().unwrap() > 0 && beta["published_at"].as_i64().unwrap() > 0);
    assert_eq!(beta["permissions"]["network"][0], "api.example.com");

    let v = app
        .client()
        .get("/api/v1/plugins/acme.hello/versions/0.1.0")
        .await
        .json();
    assert_eq!(v["api"], "^1");
    assert!(v["readme_html"]
        .as_str()
        .unwrap()
        .contains("<h1>Hello</h1>"));
    app.client()
        .get("/api/v1/plugins/acme.hello/versions/3.0.0")
        .await
        .problem(404, "not_found");
    app.client()
        .get("/api/v1/plugins/acme.nope")
        .await
        .problem(404, "not_found");

    // Search and the fixed lists.
    publish_ok(&session, &Pkg::new("acme.weather", "0.1.0")).await;
    let all = app.client().get("/api/v1/plugins").await.json();
    assert_eq!(all["data"].as_array().unwrap().len(), 2);
    let found = app
        .client()
        .get("/api/v1/plugins?q=WEATH&limit=5")
        .await
        .json();
    assert_eq!(found["data"].as_array().unwrap().len(), 1);
    assert_eq!(found["data"][0]["id"], "acme.weather");
    assert!(found["data"][0].get("readme_html").is_none());
    let none = app.client().get("/api/v1/plugins?q=%25").await.json();
    assert_eq!(
        none["data"].as_array().unwrap().len(),
        0,
        "LIKE wildcards are escaped"
    );
    let cats = app.client().get("/api/v1/categories").await.json();
    assert!(cats["data"]
        .as_array()
        .unwrap()
        .iter()
        .any(|c| c["slug"] == "automation"));
    let schema = app.client().get("/api/v1/manifest-schema").await;
    assert_eq!(schema.status, 200);
    assert!(
        schema.json()["properties"]["plugin"].is_object(),
        "{}",
        schema.text
    );
}
