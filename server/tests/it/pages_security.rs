//! The account security UI: `/account/security` (sessions and the security
//! log), signing sessions out, namespace invitations on `/account`, and the
//! revoke-tokens choice when changing the password; through server functions
//! as the hydrated page calls them and as plain form posts without JavaScript.

use app::api::accounts::{ChangePassword, SignIn};
use app::api::namespaces::AnswerInvitation;
use app::api::security::{EndOtherSessions, EndSession, ListSessions};
use axum::body::Body;
use http::{header, Request};
use leptos::server_fn::ServerFn;
use serde_json::{json, Value};

use crate::harness::{Client, Resp, TestApp, ORIGIN, PASSWORD};
use crate::registry_support::send_json;

const FIREFOX: &str = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0";

/// A second client signed in as `name`, from Firefox on Linux.
async fn second_sign_in(app: &TestApp, name: &str) -> Client {
    let c = app.client();
    let body = format!("username={name}&password={}", PASSWORD.replace(' ', "+"));
    let r = c
        .send(
            Request::post(SignIn::PATH)
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .header(header::ACCEPT, "application/json")
                .header(header::USER_AGENT, FIREFOX)
                .body(Body::from(body))
                .unwrap(),
        )
        .await;
    assert!(
        r.status.is_success() || r.status.is_redirection(),
        "{} {}",
        r.status,
        r.text
    );
    c
}

/// Submits a form the way a browser without JavaScript does: a plain POST
/// from the page at `from`, answered with a redirect back to it.
async fn post_form(c: &Client, path: &str, from: &str, form: &[(&str, &str)]) -> Resp {
    let body = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(form)
        .finish();
    c.send(
        Request::post(path)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::ACCEPT, "text/html")
            .header(header::REFERER, format!("{ORIGIN}{from}"))
            .body(Body::from(body))
            .unwrap(),
    )
    .await
}

async fn sessions(c: &Client) -> Vec<Value> {
    let r = c.server_fn(ListSessions::PATH, &[]).await;
    assert_eq!(r.status, 200, "{}", r.text);
    r.json().as_array().unwrap().clone()
}

#[tokio::test]
async fn security_page_lists_sessions_and_the_log() {
    let app = TestApp::new().await;
    let r = app.client().get("/account/security").await;
    assert_eq!(r.status, 200);
    assert!(r.text.contains("Sign in to continue"), "{}", r.text);

    let c = app.user("alice").await;
    second_sign_in(&app, "alice").await;
    let r = c.get("/account/security").await;
    assert_eq!(r.status, 200, "{}", r.text);
    for want in [
        "Active sessions",
        "id=\"session-table\"",
        "This session",
        "Firefox on Linux",
        "Unknown browser",
        "Security log",
        "id=\"security-log\"",
        "Account created",
        "Signed in",
    ] {
        assert!(r.text.contains(want), "{want} missing: {}", r.text);
    }
    assert_eq!(r.text.matches("class=\"session-row").count(), 2);
    // Only the other session has a sign-out button; with one other session,
    // signing out "all other sessions" would be the same button again.
    assert_eq!(
        r.text.matches(">Sign out</button>").count(),
        1 + 1,
        "row + nav"
    );
    assert!(!r.text.contains("Sign out all other sessions"));
    // Session ids are credentials: the page names sessions by handle only.
    let user = app.db_user("alice").await.unwrap();
    let mut conn = app.state.db.conn().await.unwrap();
    let stored = trellis_db::sessions::list_for_user(&mut conn, user.id)
        .await
        .unwrap();
    assert_eq!(stored.len(), 2);
    for s in stored {
        assert!(!r.text.contains(&s.id), "session id on the page");
    }
    assert!(c
        .get("/account")
        .await
        .text
        .contains("href=\"/account/security\""));
}

#[tokio::test]
async fn end_session_signs_another_client_out() {
    let app = TestApp::new().await;
    let c = app.user("alice").await;
    let other = second_sign_in(&app, "alice").await;
    let list = sessions(&c).await;
    assert_eq!(list.len(), 2, "{list:?}");
    let theirs = list.iter().find(|s| s["current"] == false).unwrap();
    assert_eq!(theirs["user_agent"], FIREFOX);
    let handle = theirs["id"].as_str().unwrap();

    let r = c.server_fn(EndSession::PATH, &[("id", handle)]).await;
    assert_eq!(r.status, 200, "{}", r.text);
    other
        .get("/api/v1/me")
        .await
        .problem(401, "unauthenticated");
    assert_eq!(c.get("/api/v1/me").await.status, 200, "this session stays");
    assert_eq!(sessions(&c).await.len(), 1);
    // Gone is gone, and someone else's session is not yours to end.
    let r = c.server_fn(EndSession::PATH, &[("id", handle)]).await;
    assert_eq!(r.status, 404, "{}", r.text);
    let bob = app.user("bob").await;
    let mine = sessions(&c).await[0]["id"].as_str().unwrap().to_owned();
    let r = bob.server_fn(EndSession::PATH, &[("id", &mine)]).await;
    assert_eq!(r.status, 404, "{}", r.text);
    assert_eq!(c.get("/api/v1/me").await.status, 200);

    let log = c.get("/account/security").await.text;
    assert!(log.contains("Remote sign-out"), "{log}");
}

#[tokio::test]
async fn end_session_works_without_javascript() {
    let app = TestApp::new().await;
    let c = app.user("alice").await;
    let other = second_sign_in(&app, "alice").await;
    let list = sessions(&c).await;
    let handle = list.iter().find(|s| s["current"] == false).unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = post_form(
        &c,
        EndSession::PATH,
        "/account/security",
        &[("id", &handle)],
    )
    .await;
    assert!(r.status.is_redirection(), "{} {}", r.status, r.text);
    let back = r.header("location").unwrap();
    assert!(
        back.starts_with(&format!("{ORIGIN}/account/security")),
        "{back}"
    );
    other
        .get("/api/v1/me")
        .await
        .problem(401, "unauthenticated");

    // A failure comes back in the URL and shows as fixed text on the page.
    let r = post_form(
        &c,
        EndSession::PATH,
        "/account/security",
        &[("id", &handle)],
    )
    .await;
    assert!(
        r.status.is_redirection(),
        "a failed plain form post still redirects back: {} {}",
        r.status,
        r.text
    );
    let to = r.header("location").unwrap();
    let to = to.strip_prefix(ORIGIN).unwrap_or(&to);
    assert!(
        to.starts_with("/account/security?") && to.contains("__err"),
        "{to}"
    );
    let page = c.get(to).await.text;
    assert!(page.contains("That was not found."), "{page}");
}

#[tokio::test]
async fn end_other_sessions_keeps_only_this_one() {
    let app = TestApp::new().await;
    let c = app.user("alice").await;
    let a = second_sign_in(&app, "alice").await;
    let b = second_sign_in(&app, "alice").await;
    let page = c.get("/account/security").await.text;
    assert!(page.contains("Sign out all other sessions"), "{page}");
    let r = c.server_fn(EndOtherSessions::PATH, &[]).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json(), json!(2));
    for gone in [&a, &b] {
        gone.get("/api/v1/me").await.problem(401, "unauthenticated");
    }
    let left = sessions(&c).await;
    assert_eq!(left.len(), 1);
    assert_eq!(left[0]["current"], true);
    let log = c.get("/api/v1/me/security-log").await.json();
    assert_eq!(log["data"][0]["kind"], "session_ended");
    assert_eq!(log["data"][0]["detail"], "Signed out 2 other session(s).");
}

/// `alice` owns `acme` and invites `name` as maintainer.
async fn invite(alice: &Client, name: &str) {
    let r = send_json(
        alice,
        "PUT",
        &format!("/api/v1/namespaces/acme/members/{name}"),
        json!({"role": "maintainer"}),
    )
    .await;
    assert_eq!(r.status, 202, "{}", r.text);
}

#[tokio::test]
async fn invitations_are_accepted_or_declined_on_the_account_page() {
    let app = TestApp::new().await;
    let alice = app.publisher("alice", "acme").await;
    let bob = app.user("bob").await;
    assert!(!bob
        .get("/account")
        .await
        .text
        .contains("Namespace invitations"));
    invite(&alice, "bob").await;
    let page = bob.get("/account").await.text;
    for want in [
        "Namespace invitations",
        "acme",
        "maintainer",
        "alice",
        "Accept",
        "Decline",
    ] {
        assert!(page.contains(want), "{want} missing: {page}");
    }

    let r = bob
        .server_fn(
            AnswerInvitation::PATH,
            &[("namespace", "acme"), ("accept", "true")],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let me = bob.get("/api/v1/me").await.json();
    assert_eq!(me["namespaces"][0]["namespace"], "acme");
    assert_eq!(me["namespaces"][0]["role"], "maintainer");
    // (Hydration markers `<!>` sit between the parts of a text.)
    let page = bob.get("/account").await.text.replace("<!>", "");
    assert!(!page.contains("Namespace invitations"), "{page}");
    assert!(page.contains("acme · maintainer"), "{page}");

    // Declining, here without JavaScript: a plain form post, then the page again.
    let carol = app.user("carol").await;
    invite(&alice, "carol").await;
    let r = post_form(
        &carol,
        AnswerInvitation::PATH,
        "/account",
        &[("namespace", "acme"), ("accept", "false")],
    )
    .await;
    assert!(r.status.is_redirection(), "{} {}", r.status, r.text);
    let back = r.header("location").unwrap();
    assert!(back.starts_with(&format!("{ORIGIN}/account")), "{back}");
    let me = carol.get("/api/v1/me").await.json();
    assert_eq!(me["namespaces"], json!([]));
    assert!(!carol
        .get("/account")
        .await
        .text
        .contains("Namespace invitations"));
    let r = carol
        .server_fn(
            AnswerInvitation::PATH,
            &[("namespace", "acme"), ("accept", "true")],
        )
        .await;
    assert_eq!(r.status, 404, "a declined invitation is gone: {}", r.text);
}

#[tokio::test]
async fn changing_the_password_can_revoke_every_token() {
    let app = TestApp::new().await;
    let c = app.user("alice").await;
    let page = c.get("/account").await.text;
    assert!(page.contains("name=\"revoke_tokens\""), "{page}");
    let keeps = app.token_client(&c, &["read"]).await;
    let new = "a much better passphrase";
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
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        keeps.get("/api/v1/me").await.status,
        200,
        "tokens keep working"
    );

    let r = c
        .server_fn(
            ChangePassword::PATH,
            &[
                ("current_password", new),
                ("new_password", PASSWORD),
                ("new_password_confirm", PASSWORD),
                ("revoke_tokens", "on"),
            ],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    keeps.get("/api/v1/me").await.problem(401, "token_revoked");
    let log = c.get("/account/security").await.text;
    assert!(log.contains("1 API token(s) revoked."), "{log}");
}

#[tokio::test]
async fn a_refused_sign_in_without_javascript_says_why_on_the_sign_in_page() {
    let app = TestApp::new().await;
    app.user("mara").await;
    let c = app.client();
    let r = post_form(
        &c,
        SignIn::PATH,
        "/signin?next=%2Fdashboard",
        &[
            ("username", "mara"),
            ("password", "not the password"),
            ("next", "/dashboard"),
        ],
    )
    .await;
    let to = r.header("location").expect("a redirect back to the form");
    let to = to.strip_prefix(ORIGIN).unwrap_or(&to).to_owned();
    assert!(to.starts_with("/signin?"), "{to}");
    let page = c.get(&to).await.text;
    assert!(
        page.contains("role=\"alert\"") && page.to_lowercase().contains("password"),
        "the page says why: {page}"
    );
    // What was asked for is still where the form goes.
    assert!(page.contains(r#"name="next" value="/dashboard""#), "{page}");
}
