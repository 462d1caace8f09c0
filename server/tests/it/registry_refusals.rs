//! Every way a publish is refused, through the HTTP API: hostile archives,
//! broken wasm, secrets, typosquats, signatures, duplicates, foreign
//! namespaces, token scope and size.

use serde_json::{json, Value};

use crate::harness::TestApp;
use crate::registry_support::{
    download, flush, publish_bytes, publish_ok, publisher, send_json, Pkg,
};

/// Asserts a `package_invalid` refusal listing a problem with `code`, and returns it.
fn refused_with(r: &crate::harness::Resp, code: &str) -> Value {
    let p = r.problem(422, "package_invalid");
    let errors = p["errors"].as_array().unwrap();
    assert!(
        errors
            .iter()
            .any(|e| e["code"] == code && e["field"].is_string() && e["detail"].is_string()),
        "{code} not in {p}"
    );
    p
}

/// A `.tar.gz` holding a minimal package plus a symbolic link.
fn with_symlink() -> Vec<u8> {
    let gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    let mut b = tar::Builder::new(gz);
    for (path, data) in Pkg::new("acme.hello", "0.1.0").files {
        let mut h = tar::Header::new_gnu();
        h.set_size(data.len() as u64);
        h.set_mode(0o644);
        b.append_data(&mut h, path, data.as_slice()).unwrap();
    }
    let mut h = tar::Header::new_gnu();
    h.set_entry_type(tar::EntryType::Symlink);
    h.set_size(0);
    h.set_mode(0o777);
    h.set_link_name("/etc/passwd").unwrap();
    b.append_data(&mut h, "passwd", std::io::empty()).unwrap();
    b.into_inner().unwrap().finish().unwrap()
}

#[tokio::test]
async fn hostile_and_broken_packages_are_refused_with_their_problems() {
    let app = TestApp::new().await;
    let (_, t) = publisher(&app, "alice", "acme").await;

    refused_with(
        &publish_bytes(&t, b"this is not a tarball".to_vec()).await,
        "invalid_archive",
    );
    let p = refused_with(&publish_bytes(&t, with_symlink()).await, "symlink");
    assert_eq!(p["errors"][0]["field"], "archive/passwd");

    let bad_wasm =
        Pkg::new("acme.hello", "0.1.0").file("plugin.wasm", b"\0asm\x01\0\0\0garbage".to_vec());
    refused_with(&publish_bytes(&t, bad_wasm.bytes()).await, "invalid_wasm");
    let no_export =
        Pkg::new("acme.hello", "0.1.0").file("plugin.wasm", b"\0asm\x01\0\0\0".to_vec());
    refused_with(
        &publish_bytes(&t, no_export.bytes()).await,
        "missing_export",
    );

    let token = ["ghp_", "Zx8Qw2Lr5Tn7Vb3Km9Pj4Hs6Dc1Fg0Ya2XeU"].concat();
    let leaky = Pkg::new("acme.hello", "0.1.0")
        .file("README.md", format!("# Hello\n\nexport GH={token}\n"));
    let p = refused_with(&publish_bytes(&t, leaky.bytes()).await, "secret_detected");
    assert!(
        !p.to_string().contains(&token),
        "the secret itself is never echoed back"
    );

    let bad_manifest = Pkg::new("acme.hello", "0.1.0").file(
        "plugin.toml",
        "schema_version = 1\n[plugin]\nid = \"ACME\"\n",
    );
    refused_with(&publish_bytes(&t, bad_manifest.bytes()).await, "invalid_id");

    // Nothing was recorded by any of these.
    app.client()
        .get("/api/v1/plugins/acme.hello")
        .await
        .problem(404, "not_found");
}

#[tokio::test]
async fn duplicates_foreign_namespaces_scope_and_size_are_refused() {
    let app = TestApp::with_env(&[("TRELLIS_REGISTRY__MAX_COMPRESSED_BYTES", "4000")]).await;
    let (alice, t) = publisher(&app, "alice", "acme").await;
    publisher(&app, "bob", "bobs").await;

    publish_ok(&t, &Pkg::new("acme.hello", "0.1.0")).await;
    publish_bytes(
        &t,
        Pkg::new("acme.hello", "0.1.0")
            .file("README.md", "# Changed\n")
            .bytes(),
    )
    .await
    .problem(409, "version_exists");

    publish_bytes(&t, Pkg::new("bobs.hello", "0.1.0").bytes())
        .await
        .problem(403, "forbidden");
    publish_bytes(&t, Pkg::new("nobody.hello", "0.1.0").bytes())
        .await
        .problem(403, "forbidden");

    let read_only = app.token_client(&alice, &["read"]).await;
    publish_bytes(&read_only, Pkg::new("acme.hello", "0.2.0").bytes())
        .await
        .problem(403, "insufficient_scope");
    publish_bytes(&app.client(), Pkg::new("acme.hello", "0.2.0").bytes())
        .await
        .problem(401, "unauthenticated");

    // Incompressible padding makes the upload larger than the 4000-byte limit.
    let noise: Vec<u8> = (0..200u32)
        .flat_map(|i| <sha2::Sha256 as sha2::Digest>::digest(i.to_le_bytes()))
        .collect();
    let big = Pkg::new("acme.hello", "0.3.0")
        .file("noise.bin", noise)
        .bytes();
    assert!(big.len() > 4000);
    publish_bytes(&t, big.clone())
        .await
        .problem(413, "payload_too_large");
    let declared = t
        .send(
            http::Request::put("/api/v1/plugins")
                .header("content-type", "application/gzip")
                .header("content-length", big.len().to_string())
                .body(axum::body::Body::from(big))
                .unwrap(),
        )
        .await;
    declared.problem(413, "payload_too_large");
    send_json(&t, "PUT", "/api/v1/plugins", json!({}))
        .await
        .problem(415, "unsupported_media_type");

    let vs = app
        .client()
        .get("/api/v1/plugins/acme.hello/versions")
        .await
        .json();
    assert_eq!(vs["data"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn a_new_id_confusable_with_a_popular_plugin_is_refused() {
    let app = TestApp::with_env(&[("TRELLIS_REGISTRY__TYPOSQUAT_MIN_DOWNLOADS", "1")]).await;
    let (_, acme) = publisher(&app, "alice", "acme").await;
    let (_, mallory) = publisher(&app, "mallory", "mallory").await;
    publish_ok(&acme, &Pkg::new("acme.web-search", "1.0.0")).await;

    // Not popular yet: a look-alike is accepted.
    publish_ok(&mallory, &Pkg::new("mallory.web-serach", "1.0.0")).await;

    assert_eq!(
        download(&app.client(), "acme.web-search", "1.0.0")
            .await
            .status,
        200
    );
    flush(&app).await;
    let p = refused_with(
        &publish_bytes(&mallory, Pkg::new("mallory.websearch", "1.0.0").bytes()).await,
        "typosquat",
    );
    assert!(p["errors"][0]["detail"]
        .as_str()
        .unwrap()
        .contains("acme.web-search"));
    // An id that exists already is not checked again, and the same plain name is fine.
    publish_ok(&mallory, &Pkg::new("mallory.web-serach", "1.0.1")).await;
    publish_ok(&mallory, &Pkg::new("mallory.web-search", "1.0.0")).await;
}

#[tokio::test]
async fn signatures_are_required_when_the_namespace_says_so() {
    let app = TestApp::new().await;
    let (_, t) = publisher(&app, "alice", "acme").await;
    let ours = minisign::KeyPair::generate_unencrypted_keypair().unwrap();
    let theirs = minisign::KeyPair::generate_unencrypted_keypair().unwrap();

    let r = send_json(
        &t,
        "POST",
        "/api/v1/namespaces/acme/keys",
        json!({"public_key": ours.pk.to_box().unwrap().to_string()}),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let r = send_json(
        &t,
        "PATCH",
        "/api/v1/namespaces/acme",
        json!({"require_signatures": true}),
    )
    .await;
    assert_eq!(r.json()["require_signatures"], true, "{}", r.text);

    refused_with(
        &publish_bytes(&t, Pkg::new("acme.hello", "0.1.0").bytes()).await,
        "signature_required",
    );
    refused_with(
        &publish_bytes(&t, Pkg::new("acme.hello", "0.1.0").signed(&theirs).bytes()).await,
        "signature_invalid",
    );
    let tampered = Pkg::new("acme.hello", "0.1.0")
        .signed(&ours)
        .file("README.md", "# Changed after signing\n");
    refused_with(
        &publish_bytes(&t, tampered.bytes()).await,
        "digest_mismatch",
    );
    publish_ok(&t, &Pkg::new("acme.hello", "0.1.0").signed(&ours)).await;

    // Without the requirement an unsigned package is fine again.
    send_json(
        &t,
        "PATCH",
        "/api/v1/namespaces/acme",
        json!({"require_signatures": false}),
    )
    .await;
    publish_ok(&t, &Pkg::new("acme.hello", "0.2.0")).await;
}
