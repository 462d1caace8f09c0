//! The OpenAPI document: what `/api/v1/openapi.json` serves must be exactly
//! the checked-in docs/openapi.json (a snapshot: when the code changes the
//! API, regenerate the file and review the diff), and it must follow the
//! conventions of docs/api-design.md for every operation.

use std::path::PathBuf;

use serde_json::Value;

use crate::harness::TestApp;

fn checked_in() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../docs/openapi.json")
}

#[tokio::test]
async fn served_document_matches_the_checked_in_file() {
    let app = TestApp::new().await;
    let res = app.client().get("/api/v1/openapi.json").await;
    assert_eq!(res.status, 200, "{}", res.text);
    assert_eq!(
        res.header("content-type").as_deref(),
        Some("application/json")
    );
    let path = checked_in();
    if std::env::var_os("TRELLIS_UPDATE_OPENAPI").is_some() {
        std::fs::write(&path, &res.text).expect("write docs/openapi.json");
        return;
    }
    let file = std::fs::read_to_string(&path).unwrap_or_default();
    if file != res.text {
        let first = file
            .lines()
            .zip(res.text.lines())
            .position(|(a, b)| a != b)
            .map_or_else(|| "the length".to_owned(), |n| format!("line {}", n + 1));
        panic!(
            "docs/openapi.json is not what the server serves (first difference at {first}).\n\
             If the API change is intended, regenerate the file and review the diff:\n\n    \
             TRELLIS_UPDATE_OPENAPI=1 cargo test -p trellis-server --test it openapi\n"
        );
    }
}

fn operations(doc: &Value) -> Vec<(String, String, &Value)> {
    let mut out = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            out.push((method.to_uppercase(), path.clone(), op));
        }
    }
    out
}

#[tokio::test]
async fn every_operation_follows_the_conventions() {
    let app = TestApp::new().await;
    let doc = app.client().get("/api/v1/openapi.json").await.json();
    assert_eq!(doc["openapi"], "3.1.0");
    let ops = operations(&doc);
    assert!(ops.len() >= 34, "{} operations", ops.len());
    let mut ids = std::collections::BTreeSet::new();
    for (method, path, op) in &ops {
        let id = op["operationId"].as_str().unwrap_or_default();
        assert!(
            id.strip_prefix("v1.").is_some_and(|rest| rest
                .chars()
                .all(|c| c.is_ascii_lowercase() || c == '.' || c == '_')),
            "{method} {path}: operation id `{id}` is not v1.<resource>.<verb>"
        );
        assert!(ids.insert(id.to_owned()), "{id} is used twice");
        assert!(
            op["tags"].as_array().is_some_and(|t| !t.is_empty()),
            "{id}: no tag"
        );
        assert!(
            op["summary"].as_str().is_some_and(|s| !s.is_empty()),
            "{id}: no summary"
        );
        let responses = op["responses"].as_object().unwrap();
        for status in ["500", "503"] {
            assert!(responses.contains_key(status), "{id}: no {status}");
        }
        for (status, r) in responses {
            if status.starts_with('4') || status.starts_with('5') {
                let name = r["$ref"].as_str().unwrap_or_default();
                assert!(
                    name.starts_with("#/components/responses/"),
                    "{id}: {status} is not a problem response"
                );
            }
        }
        if op.get("security").is_some() {
            assert!(responses.contains_key("401"), "{id}: secured but no 401");
        }
        // Writes are rate limited and creating requests take an Idempotency-Key
        // (docs/api-design.md); computations (`POST /resolve`, install and update
        // plans: `middleware::COMPUTATIONS`) are neither.
        let write = matches!(method.as_str(), "POST" | "PUT" | "PATCH" | "DELETE")
            && !trellis_server::middleware::COMPUTATIONS.contains(&path.as_str());
        let takes_key = op["parameters"].as_array().is_some_and(|ps| {
            ps.iter()
                .any(|p| p["$ref"] == "#/components/parameters/IdempotencyKey")
        });
        assert_eq!(
            takes_key,
            write && method == "POST",
            "{id}: Idempotency-Key"
        );
        assert_eq!(responses.contains_key("429"), write, "{id}: 429");
        if takes_key {
            assert!(
                responses.contains_key("409"),
                "{id}: takes a key but no 409"
            );
        }
        for (status, r) in responses.iter().filter(|(s, _)| s.starts_with('2')) {
            assert_eq!(
                r["headers"].get("RateLimit-Remaining").is_some(),
                write,
                "{id} {status}: RateLimit headers"
            );
        }
    }
    let limited = &doc["components"]["responses"]["RateLimited"]["headers"];
    for h in [
        "Retry-After",
        "RateLimit-Limit",
        "RateLimit-Remaining",
        "RateLimit-Reset",
    ] {
        assert!(limited.get(h).is_some(), "429 does not document {h}");
    }
    for (_, r) in doc["components"]["responses"].as_object().unwrap() {
        assert_eq!(
            r["content"]["application/problem+json"]["schema"]["$ref"],
            "#/components/schemas/Problem"
        );
    }
    let schemes = doc["components"]["securitySchemes"].as_object().unwrap();
    assert!(schemes.contains_key("bearer") && schemes.contains_key("session"));
}

#[tokio::test]
async fn the_reference_page_renders_every_operation_without_outside_assets() {
    let app = TestApp::new().await;
    let doc = app.client().get("/api/v1/openapi.json").await.json();
    let page = app.client().get("/docs/api").await;
    assert_eq!(page.status, 200, "{}", page.text);
    for (method, path, op) in operations(&doc) {
        let id = op["operationId"].as_str().unwrap();
        assert!(page.text.contains(id), "{id} is not on the page");
        assert!(
            page.text.contains(&path),
            "{method} {path} is not on the page"
        );
    }
    assert!(page.text.contains("insufficient_scope"));
    assert!(
        page.text.contains("Idempotency-Key"),
        "shared parameters are shown"
    );
    assert!(page.text.contains("href=\"/docs/api\""), "no footer link");
    for attr in ["src=\"http", "href=\"http", "src=\"//", "href=\"//"] {
        assert!(
            !page.text.contains(attr),
            "the page loads an outside asset ({attr})"
        );
    }
}
