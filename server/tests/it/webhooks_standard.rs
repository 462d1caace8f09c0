//! Trellis's webhook signatures checked by someone else's code: every request
//! a receiver gets (real events and a test event, before and during a secret
//! rotation) verifies with the reference `standardwebhooks` package from PyPI
//! (`Webhook(secret).verify(body, headers)`), with the old secret before the
//! rotation and with both the old and the new one during the overlap.
//!
//! The Python comes from `WEBHOOK_TEST_PYTHON`, else `<repo>/.tools/py`, which
//! `scripts/test.sh` installs (`ensure_test_python` in scripts/lib.sh). Without
//! it the test fails: it is never skipped.

use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use axum::http::StatusCode;
use serde_json::{json, Value};

use crate::harness::{Client, TestApp};
use crate::receiver::{Received, Receiver};
use crate::webhooks::{endpoint, FAST};

/// The Python that has `standardwebhooks`, or a failure saying how to get it.
fn python() -> PathBuf {
    let how = "run scripts/test.sh (its ensure_test_python, in scripts/lib.sh, installs \
               standardwebhooks into .tools/py), or set WEBHOOK_TEST_PYTHON to a Python \
               that has the `standardwebhooks` package";
    if let Some(p) = std::env::var_os("WEBHOOK_TEST_PYTHON") {
        let p = PathBuf::from(p);
        assert!(
            p.exists(),
            "WEBHOOK_TEST_PYTHON={} does not exist: {how}",
            p.display()
        );
        return p;
    }
    let p = PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../.tools/py/bin/python"
    ));
    assert!(
        p.exists(),
        "no Python with standardwebhooks ({} is missing): {how}",
        p.display()
    );
    p
}

/// Verifies each case with `standardwebhooks` and prints, per case, whether
/// it verified (and why not).
const VERIFY: &str = r#"
import json, sys
from standardwebhooks.webhooks import Webhook
out = []
for case in json.load(open(sys.argv[1])):
    try:
        Webhook(case["secret"]).verify(bytes.fromhex(case["body"]), case["headers"])
        out.append({"ok": True})
    except Exception as e:
        out.append({"ok": False, "error": type(e).__name__ + ": " + str(e)})
print(json.dumps(out))
"#;

/// One check: this request with this secret should (or should not) verify.
struct Case<'a> {
    what: String,
    got: &'a Received,
    secret: &'a str,
    expect: bool,
}

/// Runs every case through one Python process; fails on any mismatch.
fn check_with_python(cases: &[Case<'_>]) {
    let input: Vec<Value> = cases
        .iter()
        .map(|c| {
            let headers: serde_json::Map<String, Value> =
                ["webhook-id", "webhook-timestamp", "webhook-signature"]
                    .iter()
                    .map(|h| {
                        let v = c
                            .got
                            .header(h)
                            .unwrap_or_else(|| panic!("{}: no {h} header", c.what));
                        (h.to_string(), json!(v))
                    })
                    .collect();
            json!({"secret": c.secret, "body": hex::encode(&c.got.body), "headers": headers})
        })
        .collect();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("cases.json");
    std::fs::write(&file, serde_json::to_vec(&input).unwrap()).unwrap();
    let py = python();
    let out = Command::new(&py)
        .arg("-c")
        .arg(VERIFY)
        .arg(&file)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", py.display()));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "{} failed (is standardwebhooks installed? run scripts/test.sh): {stderr}",
        py.display()
    );
    let results: Vec<Value> = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("Python printed no results ({e}): {stderr}"));
    assert_eq!(results.len(), cases.len());
    let wrong: Vec<String> = cases
        .iter()
        .zip(&results)
        .filter(|(c, r)| r["ok"] != c.expect)
        .map(|(c, r)| {
            format!(
                "{}: expected {} with {}, got {r} (webhook-signature: {})",
                c.what,
                if c.expect {
                    "to verify"
                } else {
                    "not to verify"
                },
                if c.secret.len() > 12 {
                    &c.secret[..12]
                } else {
                    c.secret
                },
                c.got.header("webhook-signature").unwrap_or_default()
            )
        })
        .collect();
    assert!(
        wrong.is_empty(),
        "standardwebhooks disagrees:\n{}",
        wrong.join("\n")
    );
}

async fn namespace(c: &Client, name: &str) {
    let r = c
        .post_json("/api/v1/namespaces", json!({ "name": name }))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
}

async fn test_event(c: &Client, id: &str) {
    let r = c
        .post_json(&format!("/api/v1/webhooks/endpoints/{id}/test"), json!({}))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
}

/// The requests received so far, each with its event type.
fn kinds(rx: &Receiver) -> Vec<(String, Received)> {
    rx.received()
        .into_iter()
        .map(|g| (g.json()["type"].as_str().unwrap_or_default().to_owned(), g))
        .collect()
}

#[tokio::test]
async fn signatures_verify_with_the_standardwebhooks_package_also_during_a_rotation() {
    // Fail at once, before any setup, when the Python is missing.
    python();
    let app = TestApp::with_env(FAST).await;
    let admin = app.admin("opal").await;
    let rx = Receiver::start().await;
    let e = endpoint(
        &admin,
        json!({"url": rx.url("/std"), "event_types": ["namespace.created"]}),
    )
    .await;
    let id = e["id"].as_str().unwrap().to_owned();
    let s = admin
        .get(&format!("/api/v1/webhooks/endpoints/{id}/secret"))
        .await
        .json();
    let old = s["secret"].as_str().unwrap().to_owned();

    // Before the rotation: two events and a test event, signed with one secret.
    for ns in ["std-before-1", "std-before-2"] {
        namespace(&admin, ns).await;
    }
    test_event(&admin, &id).await;
    let before = rx.wait_for(3, Duration::from_secs(30)).await;
    assert_eq!(before.len(), 3, "every request before the rotation arrived");
    for g in &before {
        let sig = g.header("webhook-signature").unwrap();
        assert_eq!(sig.split(' ').count(), 1, "one secret signs: {sig}");
    }

    let r = admin
        .post_json(
            &format!("/api/v1/webhooks/endpoints/{id}/secret/rotate"),
            json!({}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let new = r.json()["secret"].as_str().unwrap().to_owned();
    assert_ne!(new, old);

    // During the overlap: more events and another test event, signed with both.
    for ns in ["std-during-1", "std-during-2"] {
        namespace(&admin, ns).await;
    }
    test_event(&admin, &id).await;
    let all = rx.wait_for(6, Duration::from_secs(30)).await;
    assert_eq!(all.len(), 6, "every request during the rotation arrived");
    tokio::time::sleep(Duration::from_millis(300)).await;
    let got = kinds(&rx);
    assert_eq!(
        got.len(),
        6,
        "nothing sent twice: {:?}",
        got.iter().map(|g| &g.0).collect::<Vec<_>>()
    );
    let count = |t: &str| got.iter().filter(|g| g.0 == t).count();
    assert_eq!((count("namespace.created"), count("webhook.test")), (4, 2));

    let mut cases = Vec::new();
    for (i, (kind, g)) in got.iter().enumerate() {
        let during = i >= 3;
        let what = |secret: &str| {
            format!(
                "request {i} ({kind}, {} the rotation) with the {secret} secret",
                if during { "during" } else { "before" }
            )
        };
        if during {
            let sig = g.header("webhook-signature").unwrap();
            assert_eq!(
                sig.split(' ').count(),
                2,
                "both secrets sign during the overlap: {sig}"
            );
        }
        // The old secret verifies all along; the new one only once it exists.
        cases.push(Case {
            what: what("old"),
            got: g,
            secret: &old,
            expect: true,
        });
        cases.push(Case {
            what: what("new"),
            got: g,
            secret: &new,
            expect: during,
        });
    }
    // A body changed by one byte verifies with neither.
    let mut tampered = got[5].1.clone();
    let mut body = tampered.body.to_vec();
    *body.last_mut().unwrap() ^= 1;
    tampered.body = body.into();
    cases.push(Case {
        what: "a tampered body with the old secret".into(),
        got: &tampered,
        secret: &old,
        expect: false,
    });
    cases.push(Case {
        what: "a tampered body with the new secret".into(),
        got: &tampered,
        secret: &new,
        expect: false,
    });
    check_with_python(&cases);
}
