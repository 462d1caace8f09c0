//! The moderation pages rendered on the server and driven the way a browser
//! without JavaScript drives them (plain form posts that redirect back): the
//! plugin page's "Report this plugin" form and delisted notice, the note on a
//! hidden review for its author, `/admin/moderation` (hide, restore, delist,
//! relist, dismiss) and `/admin/users` (search, disable, enable), who may see
//! each, and refusals coming back with the error and nothing changed. The
//! audit log page is in `pages_audit_log.rs`.

use axum::http::StatusCode;
use leptos::server_fn::ServerFn;
use serde_json::json;
use trellis_db::sqlx::{self, Row};

use crate::harness::{eventually, Client, TestApp, PASSWORD};
use crate::pages_reviews::{location, post_form};
use crate::registry_support::{publish_ok, publisher, send_json, Pkg};

use app::api::accounts::SignIn;
use app::api::moderation::{
    DelistPlugin, DisableUser, DismissReports, EnableUser, HideReview, RelistPlugin, ReportPlugin,
    RestoreReview,
};

const PAGE: &str = "/plugins/acme.kanban";
const API: &str = "/api/v1/plugins/acme.kanban";
const QUEUE: &str = "/admin/moderation";

async fn n(app: &TestApp, sql: &str) -> i64 {
    let mut c = app.state.db.conn().await.unwrap();
    sqlx::query(sqlx::AssertSqlSafe(sql.to_owned()))
        .fetch_one(&mut *c)
        .await
        .unwrap()
        .try_get::<i64, _>("n")
        .unwrap()
}

pub(crate) async fn page(c: &Client, path: &str) -> String {
    let r = c.get(path).await;
    assert_eq!(r.status, 200, "{path}: {}", r.text);
    r.text
}

/// alice publishes acme.kanban; bob reviews it; returns (alice, bob, review id).
async fn seed(app: &TestApp) -> (Client, Client, i64) {
    let (alice, t) = publisher(app, "alice", "acme").await;
    publish_ok(&t, &Pkg::new("acme.kanban", "1.0.0")).await;
    let bob = app.user("bob").await;
    let r = bob
        .post_json(
            &format!("{API}/reviews"),
            json!({"stars": 1, "title": "Cheap watches", "text": "Visit example.com"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let id = r.json()["id"].as_i64().unwrap();
    (alice, bob, id)
}

#[tokio::test]
async fn the_plugin_page_reports_the_plugin_and_shows_its_delisting_without_javascript() {
    let app = TestApp::new().await;
    let (alice, bob, _) = seed(&app).await;
    let ruth = app.admin("ruth").await;

    let anon = page(&app.client(), PAGE).await;
    assert!(anon.contains("Report this plugin"), "{anon}");
    assert!(anon.contains("to report this plugin to the moderators"));
    assert!(!anon.contains("report-plugin-form"));
    assert!(!anon.contains("id=\"delisted\""));
    let own = page(&alice, PAGE).await;
    assert!(own.contains("You publish this plugin, so you cannot report it."));
    let mine = page(&bob, PAGE).await;
    assert!(mine.contains("report-plugin-form"), "{mine}");
    assert!(mine.contains("value=\"impersonation\""));

    // Report: back to the page, which says so and offers no second report.
    let r = post_form(
        &bob,
        ReportPlugin::PATH,
        PAGE,
        &[
            ("plugin", "acme.kanban"),
            ("reason", "malware"),
            ("text", "It uploads my notes."),
        ],
    )
    .await;
    let to = location(&r);
    assert_eq!(
        to,
        "/plugins/acme.kanban?done=plugin_reported#report-plugin"
    );
    let after = page(&bob, &to).await;
    assert!(after.contains("the plugin was reported to the moderators"));
    assert!(after.contains("You reported this plugin"));
    assert!(!after.contains("report-plugin-form"));
    assert_eq!(n(&app, "SELECT COUNT(*) AS n FROM plugin_reports").await, 1);
    // A second report and a bad reason come back with the error, nothing saved.
    let carol = app.user("carol").await;
    for (who, reason) in [(&bob, "malware"), (&carol, "boring")] {
        let r = post_form(
            who,
            ReportPlugin::PATH,
            PAGE,
            &[("plugin", "acme.kanban"), ("reason", reason)],
        )
        .await;
        let to = location(&r);
        assert!(to.starts_with(PAGE) && to.contains("__err"), "{to}");
    }
    assert_eq!(n(&app, "SELECT COUNT(*) AS n FROM plugin_reports").await, 1);
    // The hydrated path answers with the service's status and code.
    let r = alice
        .server_fn(
            ReportPlugin::PATH,
            &[("plugin", "acme.kanban"), ("reason", "spam")],
        )
        .await;
    assert_eq!(r.status, 403, "{}", r.text);
    assert!(
        r.text.contains("cannot report your own plugin"),
        "{}",
        r.text
    );

    // Listed in search and on its namespace's page until delisted.
    eventually("search finds it", || async {
        page(&carol, "/search?q=kanban")
            .await
            .contains("/plugins/acme.kanban\"")
    })
    .await;
    assert!(page(&carol, "/namespaces/acme")
        .await
        .contains("/plugins/acme.kanban\""));

    // Delisted: the page stays and says why (as text, never markup).
    let r = send_json(
        &ruth,
        "PUT",
        &format!("{API}/delisting"),
        json!({"reason": "Malware: <b>steals notes</b>."}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    // (Signed out, the page could come from the one-second page cache.)
    let d = page(&carol, PAGE).await;
    assert!(d.contains("Delisted by the moderators: "), "{d}");
    assert!(
        d.contains("Malware: &lt;b&gt;steals notes&lt;/b&gt;."),
        "{d}"
    );
    assert!(d.contains("projects that already depend on it keep working"));
    // And it is gone from search and from its namespace's list.
    eventually("search drops it", || async {
        !page(&carol, "/search?q=kanban")
            .await
            .contains("/plugins/acme.kanban\"")
    })
    .await;
    assert!(!page(&carol, "/namespaces/acme")
        .await
        .contains("/plugins/acme.kanban\""));
}

#[tokio::test]
async fn admins_hide_restore_delist_relist_and_dismiss_from_the_queue() {
    let app = TestApp::new().await;
    let (_alice, bob, rid) = seed(&app).await;
    let ruth = app.admin("ruth").await;
    let carol = app.user("carol").await;
    let r = carol
        .post_json(
            &format!("{API}/reviews/{rid}/reports"),
            json!({"reason": "spam", "text": "An advert."}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let r = carol
        .post_json(
            &format!("{API}/reports"),
            json!({"reason": "impersonation"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);

    // Who sees the queue.
    let r = carol.get(QUEUE).await;
    assert_eq!(r.status, 403);
    assert!(r.text.contains("Admins only"));
    let r = app.client().get(QUEUE).await;
    assert!(r.text.contains("Sign in to continue"));
    let q = page(&ruth, QUEUE).await;
    assert!(q.contains("id=\"nav-admin\""));
    assert!(q.contains("href=\"/admin/moderation\""));
    for want in [
        "Cheap watches",
        "An advert.",
        "1 report: spam",
        "1 report: impersonation",
        "Hide the review",
        "Delist the plugin",
        "Dismiss the reports",
        "href=\"/admin/audit-log\"",
    ] {
        assert!(q.contains(want), "{want} missing: {q}");
    }

    // A hide without a reason comes back with the error; nothing changes.
    let id = rid.to_string();
    let back = "/admin/moderation?state=open";
    let r = post_form(
        &ruth,
        HideReview::PATH,
        back,
        &[("review_id", &id), ("reason", " "), ("back", back)],
    )
    .await;
    let to = location(&r);
    assert!(to.contains("__err"), "{to}");
    assert_eq!(
        n(
            &app,
            "SELECT COUNT(*) AS n FROM reviews WHERE hidden_at IS NOT NULL"
        )
        .await,
        0
    );
    // A non-admin's post is refused too.
    let r = post_form(
        &carol,
        HideReview::PATH,
        back,
        &[("review_id", &id), ("reason", "x"), ("back", back)],
    )
    .await;
    assert!(location(&r).contains("__err"));
    assert_eq!(
        n(
            &app,
            "SELECT COUNT(*) AS n FROM reviews WHERE hidden_at IS NOT NULL"
        )
        .await,
        0
    );

    // Hide: back to the queue, which says so; the review moves to "resolved".
    let r = post_form(
        &ruth,
        HideReview::PATH,
        back,
        &[
            ("review_id", &id),
            ("reason", "Advertising."),
            ("back", back),
        ],
    )
    .await;
    let to = location(&r);
    assert_eq!(to, "/admin/moderation?state=open&done=hidden");
    let q = page(&ruth, &to).await;
    assert!(q.contains("The review is hidden."), "{q}");
    assert!(!q.contains("Cheap watches"));
    let done = page(&ruth, "/admin/moderation?state=resolved").await;
    assert!(done.contains("Cheap watches"));
    assert!(done.contains("Resolved: hidden by ruth"), "{done}");
    assert!(done.contains("Hidden: Advertising."));
    assert!(done.contains("Restore the review"));
    // Its author reads the note on the plugin page; others do not see it.
    let mine = page(&bob, PAGE).await;
    assert!(mine.contains("is hidden by a moderator"), "{mine}");
    assert!(mine.contains("Advertising."));
    let theirs = page(&carol, PAGE).await;
    assert!(!theirs.contains("Cheap watches"));
    assert!(!theirs.contains("is hidden by a moderator"));

    // Restore.
    let r = post_form(
        &ruth,
        RestoreReview::PATH,
        "/admin/moderation?state=resolved",
        &[
            ("review_id", &id),
            ("back", "/admin/moderation?state=resolved"),
        ],
    )
    .await;
    assert_eq!(
        location(&r),
        "/admin/moderation?state=resolved&done=restored"
    );
    assert!(page(&carol, PAGE).await.contains("Cheap watches"));

    // Delist, relist, dismiss the plugin's report.
    let r = post_form(
        &ruth,
        DelistPlugin::PATH,
        QUEUE,
        &[("plugin", "acme.kanban"), ("reason", ""), ("back", QUEUE)],
    )
    .await;
    assert!(location(&r).contains("__err"));
    assert_eq!(
        n(
            &app,
            "SELECT COUNT(*) AS n FROM plugins WHERE delisted_at IS NOT NULL"
        )
        .await,
        0
    );
    let r = post_form(
        &ruth,
        DelistPlugin::PATH,
        QUEUE,
        &[
            ("plugin", "acme.kanban"),
            ("reason", "Impersonation."),
            ("back", QUEUE),
        ],
    )
    .await;
    assert_eq!(location(&r), "/admin/moderation?done=delisted");
    assert!(page(&carol, PAGE)
        .await
        .contains("Delisted by the moderators"));
    let done = page(&ruth, "/admin/moderation?state=resolved&kind=plugin").await;
    assert!(done.contains("Delisted: Impersonation."), "{done}");
    assert!(done.contains("Relist the plugin"));
    let r = post_form(
        &ruth,
        RelistPlugin::PATH,
        QUEUE,
        &[("plugin", "acme.kanban"), ("back", QUEUE)],
    )
    .await;
    assert_eq!(location(&r), "/admin/moderation?done=relisted");
    assert!(!page(&carol, PAGE)
        .await
        .contains("Delisted by the moderators"));
    // Dismissing with nothing open comes back with the error.
    let r = post_form(
        &ruth,
        DismissReports::PATH,
        QUEUE,
        &[
            ("kind", "plugin"),
            ("target", "acme.kanban"),
            ("back", QUEUE),
        ],
    )
    .await;
    assert!(location(&r).contains("__err"));
    let dave = app.user("dave").await;
    let r = dave
        .post_json(&format!("{API}/reports"), json!({"reason": "spam"}))
        .await;
    assert_eq!(r.status, 201);
    let r = post_form(
        &ruth,
        DismissReports::PATH,
        QUEUE,
        &[
            ("kind", "plugin"),
            ("target", "acme.kanban"),
            ("back", QUEUE),
        ],
    )
    .await;
    assert_eq!(location(&r), "/admin/moderation?done=dismissed");
    assert!(page(&ruth, QUEUE).await.contains("no open reports"));
}

#[tokio::test]
async fn admins_disable_and_enable_users_from_the_user_list() {
    let app = TestApp::new().await;
    let ruth = app.admin("ruth").await;
    let bob = app.user("bob").await;
    app.user("carol").await;
    let carol_page = app.user("carl").await;

    assert_eq!(carol_page.get("/admin/users").await.status, 403);
    let list = page(&ruth, "/admin/users").await;
    for want in ["bob", "carol", "carl", "user-search", "You"] {
        assert!(list.contains(want), "{want}: {list}");
    }
    let found = page(&ruth, "/admin/users?q=car").await;
    assert!(found.contains("data-username=\"carol\""));
    assert!(found.contains("data-username=\"carl\""));
    assert!(!found.contains("data-username=\"bob\""));
    // Nobody disables themselves: no form on one's own row, a refusal by post.
    assert!(!list.contains("value=\"ruth\""), "{list}");
    let back = "/admin/users";
    let r = post_form(
        &ruth,
        DisableUser::PATH,
        back,
        &[("username", "ruth"), ("reason", "x"), ("back", back)],
    )
    .await;
    assert!(location(&r).contains("__err"));
    let r = post_form(
        &ruth,
        DisableUser::PATH,
        back,
        &[("username", "bob"), ("reason", ""), ("back", back)],
    )
    .await;
    assert!(location(&r).contains("__err"));
    assert_eq!(
        n(
            &app,
            "SELECT COUNT(*) AS n FROM users WHERE disabled_at IS NOT NULL"
        )
        .await,
        0
    );
    assert!(page(&bob, "/account").await.contains("user-chip"));

    let r = post_form(
        &ruth,
        DisableUser::PATH,
        back,
        &[
            ("username", "bob"),
            ("reason", "Spam reviews."),
            ("back", back),
        ],
    )
    .await;
    assert_eq!(location(&r), "/admin/users?done=disabled");
    let list = page(&ruth, "/admin/users?done=disabled").await;
    assert!(list.contains("The account is disabled"));
    assert!(list.contains("Spam reviews."));
    // bob's open session is signed out at his next request.
    let mine = bob.get("/account").await;
    assert!(mine.text.contains("Sign in to continue"), "{}", mine.text);
    assert!(!mine.text.contains("user-chip"));
    // Signing in again without JavaScript comes back with a clear sentence.
    let r = post_form(
        &bob,
        SignIn::PATH,
        "/signin",
        &[("username", "bob"), ("password", PASSWORD)],
    )
    .await;
    let to = location(&r);
    assert!(to.starts_with("/signin?") && to.contains("__err"), "{to}");
    // The error it carries is the clear refusal (the sign-in page shows only
    // the fixed sentence of its code).
    let err = to
        .split("__err=")
        .nth(1)
        .unwrap()
        .split('&')
        .next()
        .unwrap();
    use base64::Engine;
    let err = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(err.trim_end_matches('='))
        .or_else(|_| base64::engine::general_purpose::STANDARD.decode(err))
        .unwrap();
    let err: serde_json::Value = serde_json::from_slice(&err).unwrap();
    assert_eq!(err["code"], "account_disabled", "{err}");
    assert_eq!(
        n(&app, "SELECT COUNT(*) AS n FROM sessions WHERE user_id IS NOT NULL AND user_id = (SELECT id FROM users WHERE username = 'bob')").await,
        0
    );

    let r = post_form(
        &ruth,
        EnableUser::PATH,
        back,
        &[("username", "bob"), ("back", back)],
    )
    .await;
    assert_eq!(location(&r), "/admin/users?done=enabled");
    let r = bob.sign_in("bob", PASSWORD).await;
    assert!(
        r.status.is_success() || r.status.is_redirection(),
        "{}",
        r.text
    );
    assert!(page(&bob, "/account").await.contains("user-chip"));
}
