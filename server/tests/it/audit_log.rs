//! The audit log (`GET /api/v1/admin/audit-log`): what it is made of (sign-ins
//! and their failures, token creation and daily use, publishing, account and
//! moderation changes, all read from the event log), its filters by actor,
//! action and time, its paging, who may read it, and that no password ever
//! reaches the log.

use serde_json::{json, Value};
use trellis_db::sqlx::{self, Row};

use crate::harness::{Client, TestApp, PASSWORD};
use crate::registry_support::{publish_ok, publisher, send_json, Pkg};

const LOG: &str = "/api/v1/admin/audit-log";

fn types(v: &Value) -> Vec<String> {
    v["data"]
        .as_array()
        .unwrap_or_else(|| panic!("{v}"))
        .iter()
        .map(|e| e["type"].as_str().unwrap().to_owned())
        .collect()
}

async fn log(admin: &Client, query: &str) -> Value {
    let r = admin.get(&format!("{LOG}{query}")).await;
    assert_eq!(r.status, 200, "{}", r.text);
    r.json()
}

#[tokio::test]
async fn the_audit_log_records_security_actions_and_filters_by_actor_action_and_time() {
    let app = TestApp::new().await;
    let ruth = app.admin("ruth").await;
    let (alice, t) = publisher(&app, "alice", "acme").await;
    publish_ok(&t, &Pkg::new("acme.kanban", "1.0.0")).await;
    let bob = app.user("bob").await;
    let r = alice
        .post_json("/api/v1/namespaces", json!({"name": "acme-labs"}))
        .await;
    assert_eq!(r.status, 201, "{}", r.text);

    // Sign-ins and their failures.
    let again = app.client();
    let r = again.sign_in("alice", PASSWORD).await;
    assert!(
        r.status.is_success() || r.status.is_redirection(),
        "{}",
        r.text
    );
    let wrong = "hunter2-but-longer-and-secret";
    again.sign_in("alice", wrong).await;
    let typed_password = "my-password-typed-as-a-name";
    again.sign_in(typed_password, wrong).await;

    // Token use: one `token.used` per token and day, whatever the flushes.
    for _ in 0..3 {
        assert_eq!(t.get("/api/v1/me").await.status, 200);
    }
    app.state.token_usage.flush(&app.state.db).await.unwrap();
    assert_eq!(t.get("/api/v1/me").await.status, 200);
    app.state.token_usage.flush(&app.state.db).await.unwrap();

    // A moderation action by the admin.
    let r = send_json(
        &ruth,
        "PUT",
        "/api/v1/admin/users/bob/disabled",
        json!({"reason": "Testing."}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);

    // Everything audited, newest first; nothing else (no review or stats events).
    let all = log(&ruth, "?limit=200").await;
    let ts = types(&all);
    assert_eq!(ts[0], "user.disabled", "{ts:?}");
    for want in [
        "user.created",
        "user.signed_in",
        "user.sign_in_failed",
        "token.created",
        "token.used",
        "plugin.published",
        "plugin.version.published",
        "namespace.created",
    ] {
        assert!(ts.iter().any(|t| t == want), "{want} missing from {ts:?}");
    }
    assert!(ts
        .iter()
        .all(|t| trellis_moderation::AUDITED.contains(&t.as_str())));
    let mut ids: Vec<&str> = all["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_str().unwrap())
        .collect();
    let listed = ids.clone();
    ids.sort();
    ids.reverse();
    assert_eq!(listed, ids, "newest first");

    // By actor: alice's own actions, and the failed sign-in on her account.
    let mine = log(&ruth, "?actor=alice&limit=200").await;
    assert!(mine["data"]
        .as_array()
        .unwrap()
        .iter()
        .all(|e| e["actor"]["username"] == "alice"));
    let ts = types(&mine);
    for want in [
        "user.created",
        "user.signed_in",
        "user.sign_in_failed",
        "token.created",
        "token.used",
        "plugin.published",
    ] {
        assert!(ts.iter().any(|t| t == want), "{want} missing from {ts:?}");
    }
    assert!(!ts.iter().any(|t| t == "user.disabled"));
    let ruths = log(&ruth, "?actor=ruth&action=user.disabled").await;
    assert_eq!(types(&ruths), ["user.disabled"]);
    assert_eq!(ruths["data"][0]["subject"]["id"], "bob");

    // By action: a type, or a prefix.
    let tokens = log(&ruth, "?action=token.*&actor=alice").await;
    let mut ts = types(&tokens);
    ts.sort();
    assert_eq!(ts, ["token.created", "token.used"], "one token.used a day");
    let used = &tokens["data"][0];
    assert_eq!(used["type"], "token.used");
    assert_eq!(used["data"]["scopes"], json!(["read", "publish"]));
    // Three reads and the publish before the first flush.
    assert!(used["data"]["uses"].as_i64().unwrap() >= 3, "{used}");
    assert_eq!(used["actor"]["token_id"], used["data"]["token_id"]);
    let failed = log(&ruth, "?action=user.sign_in_failed").await;
    assert_eq!(failed["data"].as_array().unwrap().len(), 2);
    // Newest first: the unknown name, kept as nobody's.
    let unknown = &failed["data"][0];
    assert_eq!(unknown["subject"]["id"], "(unknown)");
    assert_eq!(unknown["actor"]["type"], "system");
    assert_eq!(unknown["data"]["reason"], "unknown_user");
    let known = &failed["data"][1];
    assert_eq!(known["subject"]["id"], "alice");
    assert_eq!(known["data"]["reason"], "wrong_password");
    assert!(known["data"]["address"].is_string());

    // No password (nor a name that might be one) is anywhere in the log.
    let mut c = app.state.db.conn().await.unwrap();
    let dump: Vec<String> = sqlx::query("SELECT actor, subject_id, data FROM events")
        .fetch_all(&mut *c)
        .await
        .unwrap()
        .iter()
        .map(|r| {
            format!(
                "{} {} {}",
                r.try_get::<String, _>("actor").unwrap(),
                r.try_get::<String, _>("subject_id").unwrap(),
                r.try_get::<String, _>("data").unwrap()
            )
        })
        .collect();
    drop(c);
    for secret in [PASSWORD, wrong, typed_password] {
        assert!(!dump.iter().any(|d| d.contains(secret)), "{secret} leaked");
    }

    // By time: RFC 3339, `since` inclusive, `until` exclusive.
    let future = log(&ruth, "?since=2999-01-01T00:00:00Z").await;
    assert_eq!(future["data"], json!([]));
    let past = log(&ruth, "?until=2000-01-01T00:00:00Z").await;
    assert_eq!(past["data"], json!([]));
    let newest = all["data"][0]["occurred_at"].as_str().unwrap().to_owned();
    let since_newest = log(&ruth, &format!("?since={newest}")).await;
    assert_eq!(types(&since_newest)[0], "user.disabled");
    let before_newest = log(&ruth, &format!("?until={newest}&action=user.disabled")).await;
    assert_eq!(before_newest["data"], json!([]));
    let offset = log(&ruth, "?since=2000-01-01T01:00:00%2B01:00&limit=1").await;
    assert_eq!(types(&offset), ["user.disabled"]);

    // Cursor pages cover the same events as one page.
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let q = match &cursor {
            Some(c) => format!("?limit=3&cursor={c}"),
            None => "?limit=3".to_owned(),
        };
        let page = log(&ruth, &q).await;
        seen.extend(types(&page));
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
    }
    assert_eq!(seen, types(&all));

    // Who may read it, and bad filters: clear refusals.
    alice.get(LOG).await.problem(403, "forbidden");
    let ruth_read = app.token_client(&ruth, &["read"]).await;
    ruth_read.get(LOG).await.problem(403, "insufficient_scope");
    app.client().get(LOG).await.problem(401, "unauthenticated");
    bob.get(LOG).await.problem(401, "unauthenticated");
    let v = ruth
        .get(&format!("{LOG}?action=review.voted"))
        .await
        .problem(422, "validation_failed");
    assert_eq!(v["errors"][0]["field"], "action");
    let v = ruth
        .get(&format!("{LOG}?actor=nobody"))
        .await
        .problem(422, "validation_failed");
    assert_eq!(v["errors"][0]["field"], "actor");
    ruth.get(&format!("{LOG}?since=yesterday"))
        .await
        .problem(400, "bad_request");
    ruth.get(&format!("{LOG}?actor="))
        .await
        .problem(400, "bad_request");
    let v = ruth
        .get(&format!(
            "{LOG}?since=2026-01-02T00:00:00Z&until=2026-01-01T00:00:00Z"
        ))
        .await
        .problem(422, "validation_failed");
    assert_eq!(v["errors"][0]["field"], "until");
    ruth.get(&format!("{LOG}?cursor=nope"))
        .await
        .problem(400, "bad_request");
}

#[tokio::test]
async fn token_use_is_recorded_on_its_first_use_a_day_and_for_each_scope_it_exercises() {
    let app = TestApp::without_housekeeping().await;
    let ruth = app.admin("ruth").await;
    let alice = app.publisher("alice", "acme").await;
    let t = app.token_client(&alice, &["read", "publish"]).await;
    let flush = || async { app.state.token_usage.flush(&app.state.db).await.unwrap() };
    let used = || async {
        let mut list = log(&ruth, "?action=token.used&actor=alice").await["data"]
            .as_array()
            .unwrap()
            .clone();
        list.reverse();
        list.iter()
            .map(|e| e["data"]["scopes_used"].clone())
            .collect::<Vec<Value>>()
    };

    // Reading needs `read`: the first use of the day, with its scope.
    assert_eq!(t.get("/api/v1/me").await.status, 200);
    flush().await;
    assert_eq!(used().await, [json!(["read"])]);
    // More reads add nothing today, whatever the flushes.
    for _ in 0..2 {
        assert_eq!(t.get("/api/v1/tokens").await.status, 200);
        flush().await;
    }
    assert_eq!(used().await, [json!(["read"])]);
    // Publishing needs `publish`: recorded once, the first time.
    publish_ok(&t, &Pkg::new("acme.kanban", "1.0.0")).await;
    flush().await;
    publish_ok(&t, &Pkg::new("acme.kanban", "1.1.0")).await;
    flush().await;
    assert_eq!(used().await, [json!(["read"]), json!(["publish"])]);

    // Housekeeping forgets the recorded uses of days before yesterday, not today's.
    trellis_db::sqlx::query(
        "INSERT INTO token_scope_uses (day, token_id, scope) VALUES ('2000-01-01', 1, 'read')",
    )
    .execute(&mut *app.state.db.conn().await.unwrap())
    .await
    .unwrap();
    let swept = trellis_platform::housekeeping::sweep(&app.state)
        .await
        .unwrap();
    assert_eq!(swept.token_uses, 1);
}
