//! Guards the account findings of the security probe, each test named by its
//! finding: the sign-in limiter counts attempts atomically (no concurrency
//! bypass) and cannot be turned into a lockout of the real user, password
//! changes are throttled like sign-ins and may revoke every token, sign-ups are
//! limited per address, a token never outlives or outranks the token that
//! minted it and dies with it, read-only tokens cannot revoke; and, past the
//! probe, the session list (with sign-out of each) and the security log.
//!
//! In-process clients have no peer address; where a test needs two, it sets
//! `ConnectInfo` on the request (the addresses are labels: only the in-process
//! router is ever contacted).

use std::net::SocketAddr;

use app::api::accounts::{ChangePassword, SignIn, SignUp};
use axum::body::Body;
use axum::extract::ConnectInfo;
use futures::future::join_all;
use http::{header, Request};
use leptos::server_fn::ServerFn;
use serde_json::{json, Value};

use crate::harness::{Client, Resp, TestApp, PASSWORD};

/// A day-long limiter window, so no window boundary falls inside a test.
const LONG_WINDOW: (&str, &str) = ("TRELLIS_AUTH__FAILED_SIGNIN_WINDOW_SECS", "86400");
const WRONG: &str = "not the password at all";
const NEW: &str = "a much better passphrase";

/// Calls a server function as `Client::server_fn` does, from client address `ip`.
async fn server_fn_from(c: &Client, ip: &str, path: &str, form: &[(&str, &str)]) -> Resp {
    let body = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(form)
        .finish();
    let mut req = Request::post(path)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::ACCEPT, "application/json")
        .body(Body::from(body))
        .unwrap();
    let addr = SocketAddr::new(ip.parse().unwrap(), 40_000);
    req.extensions_mut().insert(ConnectInfo(addr));
    c.send(req).await
}

async fn sign_in_from(c: &Client, ip: &str, user: &str, password: &str) -> Resp {
    server_fn_from(
        c,
        ip,
        SignIn::PATH,
        &[("username", user), ("password", password)],
    )
    .await
}

fn signed_in(r: &Resp) {
    assert!(
        r.status.is_success() || r.status.is_redirection(),
        "{} {}",
        r.status,
        r.text
    );
}

/// A server function's error answer: this status and code.
fn refused(r: &Resp, status: u16, code: &str) {
    assert_eq!(r.status.as_u16(), status, "{}", r.text);
    assert_eq!(r.json()["code"], code, "{}", r.text);
}

/// A 429 `rate_limited` answer that says when to come back.
fn limited(r: &Resp) {
    refused(r, 429, "rate_limited");
    let secs: u64 = r
        .header("retry-after")
        .unwrap_or_else(|| panic!("429 without Retry-After: {}", r.text))
        .parse()
        .expect("Retry-After in seconds");
    assert!(secs >= 1);
}

async fn change_password(c: &Client, current: &str, new: &str, revoke: bool) -> Resp {
    let mut form = vec![
        ("current_password", current),
        ("new_password", new),
        ("new_password_confirm", new),
    ];
    if revoke {
        form.push(("revoke_tokens", "on"));
    }
    c.server_fn(ChangePassword::PATH, &form).await
}

/// Creates a token through `c` (a session or a token); returns the answer's JSON.
async fn mint(c: &Client, body: Value) -> Value {
    let r = c.post_json("/api/v1/tokens", body).await;
    assert_eq!(r.status, 201, "{}", r.text);
    r.json()
}

/// The kinds in the caller's security log.
async fn log_kinds(c: &Client) -> Vec<String> {
    let r = c.get("/api/v1/me/security-log?limit=200").await;
    assert_eq!(r.status, 200, "{}", r.text);
    r.json()["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn finding_01_concurrent_wrong_passwords_cannot_pass_the_limit() {
    let app = TestApp::with_env(&[LONG_WINDOW]).await;
    let alice = app.user("alice").await;
    let attempts = (0..20).map(|_| {
        let c = app.client();
        async move { c.sign_in("alice", WRONG).await }
    });
    let answers = join_all(attempts).await;
    let mut wrong = 0;
    for r in &answers {
        if r.status == 401 {
            refused(r, 401, "invalid_credentials");
            wrong += 1;
        } else {
            limited(r);
        }
    }
    assert!(wrong <= 5, "{wrong} attempts were checked; the limit is 5");
    // Only the admitted attempts checked the password.
    let failed = log_kinds(&alice).await;
    let failed = failed.iter().filter(|k| *k == "sign_in_failed").count();
    assert_eq!(failed, wrong);
    limited(&app.client().sign_in("alice", PASSWORD).await);
}

#[tokio::test]
async fn finding_02a_failures_from_one_address_do_not_lock_the_user_out_elsewhere() {
    let app = TestApp::with_env(&[LONG_WINDOW]).await;
    app.user("alice").await;
    let attacker = app.client();
    for _ in 0..5 {
        refused(
            &sign_in_from(&attacker, "10.0.0.1", "alice", WRONG).await,
            401,
            "invalid_credentials",
        );
    }
    limited(&sign_in_from(&attacker, "10.0.0.1", "alice", WRONG).await);
    // More failures for alice from elsewhere, past four times the limit in all:
    // each address stays under its own limit, and none is refused.
    for i in 0..16 {
        let ip = format!("10.0.1.{}", i / 4);
        refused(
            &sign_in_from(&attacker, &ip, "alice", WRONG).await,
            401,
            "invalid_credentials",
        );
    }
    // The real alice, from her own address, still gets in.
    let real = app.client();
    signed_in(&sign_in_from(&real, "10.0.0.2", "alice", PASSWORD).await);
    let me = real.get("/api/v1/me").await;
    assert_eq!(me.status, 200, "{}", me.text);
    assert_eq!(me.json()["username"], "alice");
    // The attacker's address stays limited for alice, even with her password.
    limited(&sign_in_from(&attacker, "10.0.0.1", "alice", PASSWORD).await);
}

#[tokio::test]
async fn finding_02b_failures_for_unknown_names_do_not_lock_out_an_address() {
    let app = TestApp::with_env(&[LONG_WINDOW]).await;
    app.user("alice").await;
    let attacker = app.client();
    for i in 0..21 {
        refused(
            &sign_in_from(&attacker, "10.0.0.1", &format!("ghost{i}"), WRONG).await,
            401,
            "invalid_credentials",
        );
    }
    let real = app.client();
    signed_in(&sign_in_from(&real, "10.0.0.1", "alice", PASSWORD).await);
    assert_eq!(real.get("/api/v1/me").await.json()["username"], "alice");
}

#[tokio::test]
async fn finding_03_a_minted_token_never_outlives_or_outranks_its_parent() {
    let app = TestApp::new().await;
    let c = app.user("alice").await;
    let parent = mint(
        &c,
        json!({"name": "parent", "scopes": ["read", "publish"], "expires_in_days": 1}),
    )
    .await;
    let parent_exp = parent["token"]["expires_at"].as_i64().unwrap();
    let parent_id = parent["token"]["id"].as_i64().unwrap();
    let p = app.bearer(parent["secret"].as_str().unwrap());

    // No expiry asked for, or a later one: the child expires with its parent.
    for body in [
        json!({"name": "child", "scopes": ["read"]}),
        json!({"name": "child", "scopes": ["read"], "expires_in_days": 30}),
    ] {
        let child = mint(&p, body).await;
        let exp = child["token"]["expires_at"].as_i64();
        assert!(
            exp.is_some_and(|e| e <= parent_exp),
            "child expires at {exp:?}, parent at {parent_exp}"
        );
    }
    // Nor does it get a scope the parent lacks.
    p.post_json(
        "/api/v1/tokens",
        json!({"name": "wider", "scopes": ["read", "webhooks"]}),
    )
    .await
    .problem(403, "insufficient_scope");

    // Revoking the parent revokes what it minted, and what that minted.
    let child = mint(&p, json!({"name": "child", "scopes": ["read"]})).await;
    let ch = app.bearer(child["secret"].as_str().unwrap());
    let grandchild = mint(&ch, json!({"name": "grandchild", "scopes": ["read"]})).await;
    let gc = app.bearer(grandchild["secret"].as_str().unwrap());
    let sibling = app.token_client(&c, &["read"]).await;
    assert_eq!(gc.get("/api/v1/me").await.status, 200);
    let r = c.delete(&format!("/api/v1/tokens/{parent_id}")).await;
    assert_eq!(r.status, 204, "{}", r.text);
    for t in [&p, &ch, &gc] {
        t.get("/api/v1/me").await.problem(401, "token_revoked");
    }
    assert_eq!(sibling.get("/api/v1/me").await.status, 200);
}

#[tokio::test]
async fn finding_05_a_read_only_token_cannot_revoke_other_tokens() {
    let app = TestApp::new().await;
    let c = app.user("alice").await;
    let other = mint(&c, json!({"name": "other", "scopes": ["read"]})).await;
    let other_id = other["token"]["id"].as_i64().unwrap();
    let o = app.bearer(other["secret"].as_str().unwrap());

    let read = app.token_client(&c, &["read"]).await;
    read.delete(&format!("/api/v1/tokens/{other_id}"))
        .await
        .problem(403, "insufficient_scope");
    assert_eq!(o.get("/api/v1/me").await.status, 200, "still works");

    let publish = app.token_client(&c, &["read", "publish"]).await;
    let r = publish.delete(&format!("/api/v1/tokens/{other_id}")).await;
    assert_eq!(r.status, 204, "{}", r.text);
    o.get("/api/v1/me").await.problem(401, "token_revoked");
}

#[tokio::test]
async fn finding_11_changing_the_password_is_throttled_like_signing_in() {
    let app = TestApp::with_env(&[LONG_WINDOW]).await;
    let c = app.user("alice").await;
    for _ in 0..5 {
        refused(
            &change_password(&c, WRONG, NEW, false).await,
            403,
            "wrong_password",
        );
    }
    limited(&change_password(&c, WRONG, NEW, false).await);
    // Limited means limited: the right password too, and sign-in from here.
    limited(&change_password(&c, PASSWORD, NEW, false).await);
    limited(&app.client().sign_in("alice", PASSWORD).await);
    assert_eq!(c.get("/api/v1/me").await.status, 200, "still signed in");
}

#[tokio::test]
async fn finding_13_sign_ups_are_limited_per_address() {
    let app = TestApp::with_env(&[("TRELLIS_AUTH__MAX_SIGNUPS_PER_HOUR", "3")]).await;
    for name in ["user1", "user2", "user3"] {
        signed_in(&app.client().sign_up(name, PASSWORD, PASSWORD).await);
    }
    limited(&app.client().sign_up("user4", PASSWORD, PASSWORD).await);
    assert!(app.db_user("user4").await.is_none());
    // Another address is not affected.
    let form = [
        ("username", "user5"),
        ("password", PASSWORD),
        ("password_confirm", PASSWORD),
    ];
    signed_in(&server_fn_from(&app.client(), "10.0.0.9", SignUp::PATH, &form).await);
    assert!(app.db_user("user5").await.is_some());
}

#[tokio::test]
async fn finding_17_a_password_change_can_revoke_every_token() {
    let app = TestApp::new().await;
    let c = app.user("alice").await;
    let token = app.token_client(&c, &["read"]).await;

    // Without the box ticked, tokens keep working.
    let r = change_password(&c, PASSWORD, NEW, false).await;
    assert!(r.status.is_success(), "{}", r.text);
    assert_eq!(token.get("/api/v1/me").await.status, 200);

    // With it, every token of the user is revoked; the session stays.
    let r = change_password(&c, NEW, PASSWORD, true).await;
    assert!(r.status.is_success(), "{}", r.text);
    token.get("/api/v1/me").await.problem(401, "token_revoked");
    assert_eq!(c.get("/api/v1/me").await.status, 200);
}

/// The caller's listed sessions.
async fn sessions(c: &Client) -> Vec<Value> {
    let r = c.get("/api/v1/me/sessions").await;
    assert_eq!(r.status, 200, "{}", r.text);
    r.json()["data"].as_array().unwrap().clone()
}

#[tokio::test]
async fn sessions_are_listed_by_handle_and_can_be_signed_out() {
    let app = TestApp::new().await;
    let laptop = app.user("alice").await;
    let phone = app.client();
    signed_in(&phone.sign_in("alice", PASSWORD).await);

    let r = laptop.get("/api/v1/me/sessions").await;
    assert_eq!(r.status, 200, "{}", r.text);
    let list = r.json()["data"].as_array().unwrap().clone();
    assert_eq!(list.len(), 2, "{}", r.text);
    assert_eq!(list.iter().filter(|s| s["current"] == true).count(), 1);
    // Handles, never the session ids the cookies carry.
    for cookie in [&laptop, &phone] {
        let id = cookie.session_cookie().await.unwrap();
        assert!(!r.text.contains(&id), "a listed session carries its cookie");
    }
    let phone_handle = sessions(&phone)
        .await
        .into_iter()
        .find(|s| s["current"] == true)
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(list.iter().any(|s| s["id"] == phone_handle.as_str()));

    // A token without the admin scope cannot sign sessions out.
    app.token_client(&laptop, &["read", "publish"])
        .await
        .delete(&format!("/api/v1/me/sessions/{phone_handle}"))
        .await
        .problem(403, "insufficient_scope");

    // Bob sees only his own session and cannot end alice's.
    let bob = app.user("bob").await;
    let bobs = sessions(&bob).await;
    assert_eq!(bobs.len(), 1);
    assert_eq!(bobs[0]["current"], true);
    assert!(list.iter().all(|s| s["id"] != bobs[0]["id"]));
    bob.delete(&format!("/api/v1/me/sessions/{phone_handle}"))
        .await
        .problem(404, "not_found");
    assert_eq!(phone.get("/api/v1/me").await.status, 200);

    // Alice signs her phone out from the laptop.
    let r = laptop
        .delete(&format!("/api/v1/me/sessions/{phone_handle}"))
        .await;
    assert_eq!(r.status, 204, "{}", r.text);
    phone
        .get("/api/v1/me")
        .await
        .problem(401, "unauthenticated");
    assert_eq!(laptop.get("/api/v1/me").await.status, 200);
    assert_eq!(sessions(&laptop).await.len(), 1);
}

#[tokio::test]
async fn the_security_log_shows_sign_ins_tokens_and_password_changes() {
    // The usage flusher's first run is at start; the test flushes by itself after.
    let app = TestApp::with_env(&[("TRELLIS_REGISTRY__DOWNLOADS_FLUSH_SECS", "86400")]).await;
    let c = app.user("alice").await;
    let bob = app.user("bob").await;
    refused(
        &app.client().sign_in("alice", WRONG).await,
        401,
        "invalid_credentials",
    );
    signed_in(&c.sign_in("alice", PASSWORD).await);
    let token = app.token_client(&c, &["read"]).await;
    assert_eq!(token.get("/api/v1/me").await.status, 200);
    let doomed = mint(&c, json!({"name": "doomed", "scopes": ["read"]})).await;
    let id = doomed["token"]["id"].as_i64().unwrap();
    assert_eq!(c.delete(&format!("/api/v1/tokens/{id}")).await.status, 204);
    let r = change_password(&c, PASSWORD, NEW, false).await;
    assert!(r.status.is_success(), "{}", r.text);

    // Token uses are written by a background worker: flush them now.
    app.state.token_usage.flush(&app.state.db).await.unwrap();
    let kinds = log_kinds(&c).await;
    for kind in [
        "signed_up",
        "sign_in_failed",
        "signed_in",
        "token_created",
        "token_revoked",
        "password_changed",
        "token_used",
    ] {
        assert!(kinds.iter().any(|k| k == kind), "no {kind} in {kinds:?}");
    }
    // Each user reads only their own log.
    assert_eq!(log_kinds(&bob).await, ["signed_up"]);
}
