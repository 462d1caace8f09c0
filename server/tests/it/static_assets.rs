//! Files under the site root: precompressed copies (`cargo leptos build --release
//! --precompress`, as scripts/run.sh builds) go to the browsers that accept them,
//! every file answer says `Vary: Accept-Encoding` and `Cache-Control: no-cache`
//! (a browser revalidates, and gets a `304` when nothing changed), and the static-file microcache
//! never gives one encoding's answer to a request for another.

use axum::body::Body;
use axum::http::{header, Request};

use crate::harness::{Client, Resp, TestApp};

async fn get(c: &Client, path: &str, accept: Option<&str>) -> Resp {
    let mut req = Request::get(path);
    if let Some(a) = accept {
        req = req.header(header::ACCEPT_ENCODING, a);
    }
    c.send(req.body(Body::empty()).unwrap()).await
}

#[tokio::test]
async fn precompressed_copies_are_served_by_accept_encoding() {
    let site = tempfile::tempdir().unwrap();
    let pkg = site.path().join("pkg");
    std::fs::create_dir_all(&pkg).unwrap();
    // Distinct bodies, so each answer shows which file it came from.
    std::fs::write(pkg.join("trellis.wasm"), b"\0asm raw module").unwrap();
    std::fs::write(pkg.join("trellis.wasm.br"), b"brotli copy").unwrap();
    std::fs::write(pkg.join("trellis.wasm.gz"), b"gzip copy").unwrap();
    std::fs::write(pkg.join("trellis.css"), b"body { margin: 0 }").unwrap();
    let root = site.path().display().to_string();
    let app = TestApp::with_env(&[("TRELLIS_SITE_ROOT", &root)]).await;
    let c = app.client();

    // Twice each, alternating: the second round comes from the microcache.
    for round in 0..2 {
        let br = get(&c, "/pkg/trellis.wasm", Some("gzip, deflate, br")).await;
        assert_eq!(br.status, 200, "round {round}");
        assert_eq!(br.bytes, b"brotli copy", "round {round}");
        assert_eq!(br.header("content-encoding").as_deref(), Some("br"));
        assert_eq!(
            br.header("content-type").as_deref(),
            Some("application/wasm")
        );
        assert_eq!(br.header("vary").as_deref(), Some("accept-encoding"));
        // Same name in every release: revalidated before reuse.
        assert_eq!(br.header("cache-control").as_deref(), Some("no-cache"));
        assert!(br.header("last-modified").is_some());

        let gz = get(&c, "/pkg/trellis.wasm", Some("gzip")).await;
        assert_eq!(gz.bytes, b"gzip copy", "round {round}");
        assert_eq!(gz.header("content-encoding").as_deref(), Some("gzip"));
        assert_eq!(gz.header("vary").as_deref(), Some("accept-encoding"));

        let plain = get(&c, "/pkg/trellis.wasm", None).await;
        assert_eq!(plain.bytes, b"\0asm raw module", "round {round}");
        assert_eq!(plain.header("content-encoding"), None);
        assert_eq!(plain.header("vary").as_deref(), Some("accept-encoding"));
    }

    // A file without copies is itself whatever the browser accepts.
    let css = get(&c, "/pkg/trellis.css", Some("br")).await;
    assert_eq!(css.status, 200);
    assert_eq!(css.text, "body { margin: 0 }");
    assert_eq!(css.header("content-encoding"), None);

    // Revalidation: unchanged, a 304 without a body.
    let since = get(&c, "/pkg/trellis.wasm", None)
        .await
        .header("last-modified")
        .unwrap();
    let r = c
        .send(
            Request::get("/pkg/trellis.wasm")
                .header(header::IF_MODIFIED_SINCE, since)
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(r.status, 304);
    assert!(r.bytes.is_empty());
    assert_eq!(r.header("cache-control").as_deref(), Some("no-cache"));
    assert_eq!(r.header("vary").as_deref(), Some("accept-encoding"));
    // Changed since (another date): the whole file.
    let r = c
        .send(
            Request::get("/pkg/trellis.wasm")
                .header(header::IF_MODIFIED_SINCE, "Thu, 01 Jan 1970 00:00:00 GMT")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.bytes, b"\0asm raw module");

    // The 404 page is not a file and does not vary.
    let missing = get(&c, "/pkg/nothing.wasm", Some("br")).await;
    assert_eq!(missing.status, 404);
    assert_eq!(missing.header("vary"), None);
}
