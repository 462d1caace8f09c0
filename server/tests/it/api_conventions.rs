//! The REST conventions of docs/api-design.md, end to end: strict input (unknown
//! fields, wrong types, garbage package bodies) answered with a 4xx problem that
//! names the field and changes nothing; cursor pagination; ETag with
//! If-None-Match on reads.

use axum::body::Body;
use http::{header, Request};
use serde_json::json;

use crate::harness::TestApp;
use crate::registry_support::{publish_ok, publisher, send_json, Pkg};

#[tokio::test]
async fn unknown_fields_and_wrong_types_are_named_and_change_nothing() {
    let app = TestApp::new().await;
    let c = app.user("ursula").await;
    let t = app.token_client(&c, &["read", "publish"]).await;
    let before = t.get("/api/v1/tokens").await.json()["data"].clone();

    let r = t
        .post_json(
            "/api/v1/tokens",
            json!({"name": "x", "scopes": ["read"], "colour": "red"}),
        )
        .await;
    let p = r.problem(400, "bad_request");
    assert!(p["detail"].as_str().unwrap().contains("colour"), "{p}");

    let r = t
        .post_json("/api/v1/tokens", json!({"name": 7, "scopes": ["read"]}))
        .await;
    let p = r.problem(400, "bad_request");
    assert!(p["detail"].as_str().unwrap().contains("name"), "{p}");

    let r = send_json(
        &t,
        "POST",
        "/api/v1/namespaces",
        json!({"name": "ursula", "x": 1}),
    )
    .await;
    r.problem(400, "bad_request");
    assert_eq!(t.get("/api/v1/namespaces/ursula").await.status, 404);
    // A JSON array is not an object, even where every field is optional.
    let p = send_json(&t, "PATCH", "/api/v1/namespaces/ursula", json!([]))
        .await
        .problem(400, "bad_request");
    assert!(p["detail"].as_str().unwrap().contains("object"), "{p}");
    assert_eq!(t.get("/api/v1/tokens").await.json()["data"], before);

    // Bad path and query parameters name the parameter.
    let p = t
        .delete("/api/v1/tokens/abc")
        .await
        .problem(400, "bad_request");
    assert!(p["detail"].as_str().unwrap().contains("`id`"), "{p}");
    let p = t
        .get("/api/v1/plugins?limit=0")
        .await
        .problem(400, "bad_request");
    assert!(p["detail"].as_str().unwrap().contains("`limit`"), "{p}");
    let p = t
        .get("/api/v1/plugins?cursor=garbage")
        .await
        .problem(400, "bad_request");
    assert!(p["detail"].as_str().unwrap().contains("`cursor`"), "{p}");
}

#[tokio::test]
async fn garbage_package_bodies_get_clear_4xx_answers() {
    let app = TestApp::new().await;
    let (_, t) = publisher(&app, "pat", "acme").await;
    let mut truncated = Pkg::new("acme.hello", "0.1.0").bytes();
    truncated.truncate(truncated.len() / 2);
    let gzip_of_text = {
        use std::io::Write;
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        gz.write_all(b"not a tar archive at all").unwrap();
        gz.finish().unwrap()
    };
    let bodies: Vec<(&str, Vec<u8>)> = vec![
        ("application/gzip", Vec::new()),
        ("application/gzip", b"\x00\x01\x02 random bytes".to_vec()),
        ("application/gzip", vec![0x1f, 0x8b]),
        ("application/gzip", truncated),
        ("application/gzip", gzip_of_text),
        ("application/octet-stream", b"{}".to_vec()),
        ("text/plain", b"hello".to_vec()),
        ("application/json", b"{\"a\": 1}".to_vec()),
        ("multipart/form-data; boundary=x", b"--x--".to_vec()),
    ];
    for (ctype, body) in bodies {
        let r = t
            .send(
                Request::put("/api/v1/plugins")
                    .header(header::CONTENT_TYPE, ctype)
                    .body(Body::from(body))
                    .unwrap(),
            )
            .await;
        let status = r.status.as_u16();
        assert!((400..500).contains(&status), "{ctype}: {status} {}", r.text);
        assert_eq!(
            r.header("content-type").as_deref(),
            Some("application/problem+json"),
            "{ctype}"
        );
        assert!(!r.json()["detail"].as_str().unwrap_or("").is_empty());
    }
    let listed = app.client().get("/api/v1/plugins").await.json();
    assert_eq!(listed["data"], json!([]), "nothing was published");
}

#[tokio::test]
async fn lists_page_by_cursor() {
    let app = TestApp::new().await;
    let (_, t) = publisher(&app, "pat", "acme").await;
    for name in ["alpha", "bravo", "charlie"] {
        publish_ok(&t, &Pkg::new(&format!("acme.{name}"), "0.1.0")).await;
    }
    let c = app.client();
    let mut seen = Vec::new();
    let mut url = "/api/v1/plugins?limit=2".to_owned();
    for _ in 0..5 {
        let page = c.get(&url).await.json();
        for p in page["data"].as_array().unwrap() {
            seen.push(p["id"].as_str().unwrap().to_owned());
        }
        match page["next_cursor"].as_str() {
            Some(next) => url = format!("/api/v1/plugins?limit=2&cursor={next}"),
            None => break,
        }
    }
    seen.sort();
    assert_eq!(seen, ["acme.alpha", "acme.bravo", "acme.charlie"]);
    let whole = c.get("/api/v1/categories").await.json();
    assert_eq!(whole["next_cursor"], json!(null));
}

#[tokio::test]
async fn reads_carry_an_etag_and_answer_304_when_it_matches() {
    let app = TestApp::new().await;
    let c = app.client();
    let r = c.get("/api/v1/categories").await;
    let tag = r.header("etag").expect("an ETag");
    let again = c
        .send(
            Request::get("/api/v1/categories")
                .header(header::IF_NONE_MATCH, &tag)
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(again.status, 304);
    assert!(again.bytes.is_empty());
    assert_eq!(again.header("etag").as_deref(), Some(tag.as_str()));
    let other = c
        .send(
            Request::get("/api/v1/categories")
                .header(header::IF_NONE_MATCH, "\"something-else\"")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(other.status, 200);
}

#[tokio::test]
async fn if_match_refuses_a_lost_update() {
    let app = TestApp::new().await;
    let (_, t) = publisher(&app, "pat", "acme").await;
    let read = t.get("/api/v1/namespaces/acme").await;
    let tag = read.header("etag").expect("an ETag");
    let patch = |tag: String, value: bool| {
        let t = t.clone();
        async move {
            t.send(
                Request::patch("/api/v1/namespaces/acme")
                    .header(header::CONTENT_TYPE, "application/json")
                    .header(header::IF_MATCH, tag)
                    .body(Body::from(
                        json!({ "require_signatures": value }).to_string(),
                    ))
                    .unwrap(),
            )
            .await
        }
    };
    let r = patch(tag.clone(), true).await;
    assert_eq!(r.status, 200, "{}", r.text);
    // The same, now stale, ETag again: refused, nothing changed.
    patch(tag, false).await.problem(412, "precondition_failed");
    let now = t.get("/api/v1/namespaces/acme").await.json();
    assert_eq!(now["require_signatures"], true);
}
