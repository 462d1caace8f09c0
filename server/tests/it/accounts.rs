//! Sign up, sign in, sign out, change password, sessions, rate limiting.

use app::api::accounts::{ChangePassword, SignOut};
use leptos::server_fn::ServerFn;

use crate::harness::{TestApp, PASSWORD};

#[tokio::test]
async fn sign_up_signs_in_and_hashes_with_argon2id() {
    let app = TestApp::new().await;
    let c = app.user("alice").await;
    let me = c.get("/api/v1/me").await;
    assert_eq!(me.status, 200, "{}", me.text);
    assert_eq!(me.json()["username"], "alice");
    assert_eq!(me.json()["is_admin"], false);
    let row = app.db_user("alice").await.unwrap();
    assert!(row.password_hash.starts_with("$argon2id$"));
    assert!(!row.password_hash.contains(PASSWORD));
}

#[tokio::test]
async fn taken_name_weak_password_and_mismatch_each_get_their_own_answer() {
    let app = TestApp::new().await;
    app.user("alice").await;
    let c = app.client();
    let r = c.sign_up("Alice", PASSWORD, PASSWORD).await;
    assert_eq!(r.status, 409, "{}", r.text);
    assert_eq!(r.json()["code"], "username_taken");
    assert_eq!(r.json()["fields"][0]["field"], "username");

    let r = c.sign_up("bob", "short", "short").await;
    assert_eq!(r.status, 422);
    assert_eq!(r.json()["code"], "weak_password");
    assert!(r.json()["detail"]
        .as_str()
        .unwrap()
        .contains("10 characters"));

    let r = c.sign_up("bob", PASSWORD, "other one entirely").await;
    assert_eq!(r.status, 422);
    assert_eq!(r.json()["fields"][0]["field"], "password_confirm");

    let r = c.sign_up("b b", PASSWORD, PASSWORD).await;
    assert_eq!(r.status, 422);
    assert_eq!(r.json()["code"], "validation_failed");
    assert!(app.db_user("bob").await.is_none());
}

#[tokio::test]
async fn sign_in_rotates_the_session_id_and_sign_out_ends_it() {
    let app = TestApp::new().await;
    let c = app.user("alice").await;
    let first = c
        .session_cookie()
        .await
        .expect("session cookie after sign up");
    let stale = c.clone();
    let stale_jar = c.cookies.lock().await.clone();

    let r = c.sign_in("alice", PASSWORD).await;
    assert!(
        r.status.is_success() || r.status.is_redirection(),
        "{} {}",
        r.status,
        r.text
    );
    let second = c.session_cookie().await.unwrap();
    assert_ne!(first, second, "sign-in must issue a new session id");

    // The old id no longer authenticates.
    let old = app.client();
    *old.cookies.lock().await = stale_jar;
    assert_eq!(old.get("/api/v1/me").await.status, 401);
    drop(stale);

    assert_eq!(c.get("/api/v1/me").await.status, 200);
    let r = c.server_fn(SignOut::PATH, &[]).await;
    assert!(
        r.status.is_success() || r.status.is_redirection(),
        "{}",
        r.text
    );
    c.get("/api/v1/me").await.problem(401, "unauthenticated");
}

#[tokio::test]
async fn session_cookie_is_http_only_lax_and_secure_behind_https() {
    let app = TestApp::new().await;
    let c = app.client();
    let r = c.sign_up("alice", PASSWORD, PASSWORD).await;
    let cookie = r.header("set-cookie").expect("set-cookie");
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    assert!(!cookie.contains("Secure"), "{cookie}");

    let app = TestApp::with_env(&[("TRELLIS_PUBLIC_URL", "https://plugins.example.org")]).await;
    let c = app.client().with_origin("https://plugins.example.org");
    let r = c.sign_up("alice", PASSWORD, PASSWORD).await;
    let cookie = r.header("set-cookie").expect("set-cookie");
    assert!(cookie.contains("Secure"), "{cookie}");
}

#[tokio::test]
async fn wrong_password_then_rate_limited() {
    let app = TestApp::new().await;
    app.user("alice").await;
    let c = app.client();
    for _ in 0..5 {
        let r = c.sign_in("alice", "not the password").await;
        assert_eq!(r.status, 401, "{}", r.text);
        assert_eq!(r.json()["code"], "invalid_credentials");
    }
    // Even the right password is refused while limited.
    let r = c.sign_in("alice", PASSWORD).await;
    assert_eq!(r.status, 429, "{}", r.text);
    assert_eq!(r.json()["code"], "rate_limited");
    // Unknown users give the same answer as wrong passwords.
    let r = c.sign_in("nobody", PASSWORD).await;
    assert_eq!(r.status, 401);
    assert_eq!(r.json()["code"], "invalid_credentials");
}

#[tokio::test]
async fn sessions_survive_a_restart() {
    let app = TestApp::new().await;
    let c = app.user("alice").await;
    let again = app.restart().await;
    let c2 = again.client();
    *c2.cookies.lock().await = c.cookies.lock().await.clone();
    let r = c2.get("/api/v1/me").await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json()["username"], "alice");
}

#[tokio::test]
async fn change_password_checks_the_current_one_and_ends_other_sessions() {
    let app = TestApp::new().await;
    let c = app.user("alice").await;
    let other = app.client();
    let r = other.sign_in("alice", PASSWORD).await;
    assert!(r.status.is_success() || r.status.is_redirection());
    assert_eq!(other.get("/api/v1/me").await.status, 200);

    let new = "a much better passphrase";
    let r = c
        .server_fn(
            ChangePassword::PATH,
            &[
                ("current_password", "wrong wrong wrong"),
                ("new_password", new),
                ("new_password_confirm", new),
            ],
        )
        .await;
    assert_eq!(r.status, 403);
    assert_eq!(r.json()["code"], "wrong_password");

    let r = c
        .server_fn(
            ChangePassword::PATH,
            &[
                ("current_password", PASSWORD),
                ("new_password", "tiny"),
                ("new_password_confirm", "tiny"),
            ],
        )
        .await;
    assert_eq!(r.status, 422);
    assert_eq!(r.json()["fields"][0]["field"], "new_password");

    let r = c
        .server_fn(
            ChangePassword::PATH,
            &[
                ("current_password", PASSWORD),
                ("new_password", new),
                ("new_password_confirm", new),
            ],
        )
        .await;
    assert!(r.status.is_success(), "{}", r.text);
    assert_eq!(c.get("/api/v1/me").await.status, 200, "this session stays");
    assert_eq!(
        other.get("/api/v1/me").await.status,
        401,
        "other sessions end"
    );

    let fresh = app.client();
    let r = fresh.sign_in("alice", PASSWORD).await;
    assert_eq!(r.status, 401);
    let r = fresh.sign_in("alice", new).await;
    assert!(r.status.is_success() || r.status.is_redirection());
}

#[tokio::test]
async fn roles_are_visible_on_me() {
    let app = TestApp::new().await;
    let admin = app.admin("root1").await;
    assert_eq!(admin.get("/api/v1/me").await.json()["is_admin"], true);
    let publisher = app.publisher("pub1", "acme").await;
    let me = publisher.get("/api/v1/me").await.json();
    assert_eq!(me["namespaces"][0]["namespace"], "acme");
    assert_eq!(me["namespaces"][0]["role"], "owner");
}
