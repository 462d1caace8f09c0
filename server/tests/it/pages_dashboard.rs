//! The publisher dashboard rendered on the server and driven without
//! JavaScript: who may see what (signed out: to the sign-in page; not a
//! member: 403; unknown: 404), the overview's numbers, replying to reviews,
//! yank and deprecation, namespaces (create, invite, roles, removal, keys,
//! signatures), publishing from the browser (multipart upload with the CSRF
//! check) and the rating trend over REST; each effect checked through the API.

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use leptos::server_fn::ServerFn;
use serde_json::json;

use crate::harness::{Client, Resp, TestApp, ORIGIN};
use crate::pages_reviews::{inside, location, post_form, review_by_form, seed};
use crate::pages_stats::rows;
use crate::registry_support::{download, flush, send_json, Pkg};

use app::api::accounts::SignIn;
use app::api::dashboard_actions::{
    AddSigningKey, AnswerDashboardInvitation, CreateNamespace, DeprecatePlugin,
    RemoveNamespaceMember, RemoveSigningKey, SetNamespaceMember, SetRequireSignatures,
    SetVersionYanked, UndeprecatePlugin,
};
use app::api::reviews::{DeleteReviewReply, ReplyToReview};

const DASH: &str = "/dashboard/plugins/acme.kanban";

/// Posts `file` as the publish page's multipart form does.
async fn upload(c: &Client, name: &str, file: &[u8]) -> Resp {
    let boundary = "----trellisTestBoundary7MA4YWxk";
    let mut body = Vec::new();
    body.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"package\"; filename=\"{name}\"\r\n\
             Content-Type: application/gzip\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(file);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    c.send(
        Request::post("/dashboard/upload")
            .header(
                header::CONTENT_TYPE,
                format!("multipart/form-data; boundary={boundary}"),
            )
            .header(header::ACCEPT, "text/html")
            .header(header::REFERER, format!("{ORIGIN}/dashboard/publish"))
            .body(Body::from(body))
            .unwrap(),
    )
    .await
}

#[tokio::test]
async fn signed_out_visitors_go_to_sign_in_and_strangers_are_refused() {
    let app = TestApp::new().await;
    seed(&app).await;
    let anon = app.client();
    for (path, next) in [
        ("/dashboard", "%2Fdashboard"),
        (DASH, "%2Fdashboard%2Fplugins%2Facme.kanban"),
        (
            "/dashboard/namespaces/acme",
            "%2Fdashboard%2Fnamespaces%2Facme",
        ),
    ] {
        let r = anon.get(path).await;
        assert!(r.status.is_redirection(), "{path}: {} {}", r.status, r.text);
        assert_eq!(location(&r), format!("/signin?next={next}"), "{path}");
    }
    // The sign-in page carries `next` and signing in goes back there (never off the site).
    let page = anon.get("/signin?next=%2Fdashboard").await;
    assert!(
        page.text.contains(r#"name="next" value="/dashboard""#),
        "{}",
        page.text
    );
    let form = |next: &'static str| {
        [
            ("username", "alice"),
            ("password", crate::harness::PASSWORD),
            ("next", next),
        ]
    };
    let r = post_form(&app.client(), SignIn::PATH, "/signin", &form("/dashboard")).await;
    assert_eq!(location(&r), "/dashboard", "{} {}", r.status, r.text);
    let r = post_form(
        &app.client(),
        SignIn::PATH,
        "/signin",
        &form("//evil.example/"),
    )
    .await;
    assert_eq!(location(&r), "/account/tokens", "{} {}", r.status, r.text);
    let bob = app.user("bob").await;
    let r = bob.get(DASH).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);
    assert!(
        r.text.contains("not a member of the namespace"),
        "{}",
        r.text
    );
    assert_eq!(
        bob.get("/dashboard/namespaces/acme").await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        bob.get("/dashboard/plugins/acme.nope").await.status,
        StatusCode::NOT_FOUND
    );
    // Bob's own dashboard shows none of acme.
    let mine = bob.get("/dashboard").await.text;
    assert!(
        mine.contains("data-testid=\"dash-empty\"")
            && !mine.contains("data-plugin=\"acme.kanban\""),
        "{mine}"
    );
    // The header links to the dashboard for signed-in users only.
    assert!(mine.contains("id=\"nav-dashboard\""));
    assert!(!anon.get("/").await.text.contains("id=\"nav-dashboard\""));
    // Actions refuse strangers too, changing nothing.
    let r = bob
        .server_fn(
            SetVersionYanked::PATH,
            &[
                ("plugin", "acme.kanban"),
                ("version", "1.0.0"),
                ("yanked", "true"),
                ("confirm", "on"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);
    let v = anon
        .get("/api/v1/plugins/acme.kanban/versions/1.0.0")
        .await
        .json();
    assert_eq!(v["yanked"], false);
}

#[tokio::test]
async fn overview_numbers_and_replies_to_reviews() {
    let app = TestApp::new().await;
    let alice = seed(&app).await;
    let bob = app.user("bob").await;
    let carol = app.user("carol").await;
    review_by_form(&bob, "4", "Good board", "1.1.0").await;
    review_by_form(&carol, "2", "Too slow", "1.0.0").await;
    let page = alice.get("/dashboard").await.text;
    assert!(page.contains("data-plugin=\"acme.kanban\""), "{page}");
    assert!(inside(&page, "dash-role").starts_with("owner<"), "{page}");
    assert!(inside(&page, "dash-awaiting").contains(">2</a>"), "{page}");
    assert!(page.contains(">3.0<") && page.contains("(2)"), "{page}");

    // Two downloads today (a signed-in one and an anonymous one) show in the
    // 90-day charts' tables: two downloads, two unique installs.
    download(&bob, "acme.kanban", "1.1.0").await;
    download(&app.client(), "acme.kanban", "1.1.0").await;
    flush(&app).await;
    let dash = alice.get(DASH).await.text;
    let today = |table: &str| rows(&dash, table).last().cloned().unwrap_or_default();
    assert_eq!(
        today("dash-stats-downloads-table")
            .last()
            .map(String::as_str),
        Some("2"),
        "{dash}"
    );
    assert_eq!(
        today("dash-stats-installs-table")
            .last()
            .map(String::as_str),
        Some("2"),
        "{dash}"
    );
    assert!(
        dash.contains("href=\"/plugins/acme.kanban/stats\""),
        "{dash}"
    );
    assert!(dash.contains("Waiting for a reply (2)"), "{dash}");
    assert!(
        dash.contains("data-testid=\"rating-trend-svg\"")
            && dash.contains("data-testid=\"rating-trend-table\"")
    );
    let list = alice
        .get("/api/v1/plugins/acme.kanban/reviews?sort=newest")
        .await
        .json();
    let carol_id = list["data"][0]["id"].as_i64().unwrap().to_string();

    // Reports reach the publisher as reasons and counts, never as names.
    assert!(dash.contains("data-testid=\"dash-no-reports\""), "{dash}");
    let r = bob
        .post_json(
            &format!("/api/v1/plugins/acme.kanban/reviews/{carol_id}/reports"),
            json!({"reason": "spam", "text": "Copied from elsewhere."}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let r = carol
        .post_json(
            "/api/v1/plugins/acme.kanban/reports",
            json!({"reason": "malware", "text": ""}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let dash = alice.get(DASH).await.text;
    let from = dash.find("id=\"dash-reports\"").expect("a reports panel");
    let panel = &dash[from..from + dash[from..].find("</section>").unwrap()];
    assert_eq!(
        panel.matches("data-testid=\"dash-report\"").count(),
        2,
        "{panel}"
    );
    assert!(panel.contains("1 open report: malware"), "{panel}");
    assert!(
        panel.contains("Review “Too slow”") && panel.contains("Copied from elsewhere."),
        "{panel}"
    );
    assert!(!panel.contains("bob"), "reporters stay anonymous: {panel}");
    // Not for people outside the namespace.
    assert_eq!(bob.get(DASH).await.status, StatusCode::FORBIDDEN);

    // An empty reply is refused.
    let r = post_form(
        &alice,
        ReplyToReview::PATH,
        DASH,
        &[
            ("plugin", "acme.kanban"),
            ("review_id", &carol_id),
            ("text", "  "),
        ],
    )
    .await;
    assert!(location(&r).contains("__err"));
    let r = post_form(
        &alice,
        ReplyToReview::PATH,
        DASH,
        &[
            ("plugin", "acme.kanban"),
            ("review_id", &carol_id),
            ("text", "Fixed in 1.1.0, try it."),
        ],
    )
    .await;
    assert_eq!(
        location(&r),
        "/dashboard/plugins/acme.kanban?done=replied#reviews"
    );
    let review = alice
        .get(&format!("/api/v1/plugins/acme.kanban/reviews/{carol_id}"))
        .await
        .json();
    assert_eq!(review["reply"]["text"], "Fixed in 1.1.0, try it.");
    assert_eq!(review["reply"]["author"], "alice");
    let dash = alice
        .get("/dashboard/plugins/acme.kanban?done=replied")
        .await
        .text;
    assert!(
        dash.contains("Waiting for a reply (1)") && dash.contains("data-testid=\"answered-list\""),
        "{dash}"
    );
    assert!(dash.contains("Your reply was published"));
    // The public page shows the reply.
    assert!(app
        .client()
        .get("/plugins/acme.kanban")
        .await
        .text
        .contains("Fixed in 1.1.0, try it."));
    // Change, then delete the reply.
    post_form(
        &alice,
        ReplyToReview::PATH,
        DASH,
        &[
            ("plugin", "acme.kanban"),
            ("review_id", &carol_id),
            ("text", "Edited reply"),
        ],
    )
    .await;
    let review = alice
        .get(&format!("/api/v1/plugins/acme.kanban/reviews/{carol_id}"))
        .await
        .json();
    assert_eq!(review["reply"]["text"], "Edited reply");
    let r = post_form(
        &alice,
        DeleteReviewReply::PATH,
        DASH,
        &[("plugin", "acme.kanban"), ("review_id", &carol_id)],
    )
    .await;
    assert_eq!(
        location(&r),
        "/dashboard/plugins/acme.kanban?done=reply_deleted#reviews"
    );
    let review = alice
        .get(&format!("/api/v1/plugins/acme.kanban/reviews/{carol_id}"))
        .await
        .json();
    assert!(review["reply"].is_null());
    // Reviewers cannot reply.
    let r = bob
        .server_fn(
            ReplyToReview::PATH,
            &[
                ("plugin", "acme.kanban"),
                ("review_id", &carol_id),
                ("text", "Me too"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn yank_and_deprecate_from_the_plugin_page() {
    let app = TestApp::new().await;
    let alice = seed(&app).await;
    let anon = app.client();
    let version = || async {
        anon.get("/api/v1/plugins/acme.kanban/versions/1.0.0")
            .await
            .json()["yanked"]
            .clone()
    };
    // Without the confirmation box nothing is yanked.
    let r = post_form(
        &alice,
        SetVersionYanked::PATH,
        DASH,
        &[
            ("plugin", "acme.kanban"),
            ("version", "1.0.0"),
            ("yanked", "true"),
        ],
    )
    .await;
    assert!(location(&r).contains("__err"));
    assert_eq!(version().await, false);
    let r = post_form(
        &alice,
        SetVersionYanked::PATH,
        DASH,
        &[
            ("plugin", "acme.kanban"),
            ("version", "1.0.0"),
            ("yanked", "true"),
            ("confirm", "on"),
        ],
    )
    .await;
    assert_eq!(
        location(&r),
        "/dashboard/plugins/acme.kanban?done=yanked#versions"
    );
    assert_eq!(version().await, true);
    let page = alice.get(DASH).await.text;
    assert!(page.contains("data-testid=\"unyank\""), "{page}");
    let r = post_form(
        &alice,
        SetVersionYanked::PATH,
        DASH,
        &[
            ("plugin", "acme.kanban"),
            ("version", "1.0.0"),
            ("yanked", "false"),
        ],
    )
    .await;
    assert_eq!(
        location(&r),
        "/dashboard/plugins/acme.kanban?done=unyanked#versions"
    );
    assert_eq!(version().await, false);

    // Deprecation: a bad replacement is refused, a good one recorded, then withdrawn.
    let r = post_form(
        &alice,
        DeprecatePlugin::PATH,
        DASH,
        &[
            ("plugin", "acme.kanban"),
            ("reason", "Use the new one"),
            ("replacement", "not an id"),
        ],
    )
    .await;
    assert!(location(&r).contains("__err"));
    assert!(anon.get("/api/v1/plugins/acme.kanban").await.json()["deprecated"].is_null());
    let r = post_form(
        &alice,
        DeprecatePlugin::PATH,
        DASH,
        &[
            ("plugin", "acme.kanban"),
            ("reason", "Use the new one"),
            ("replacement", "acme.board"),
        ],
    )
    .await;
    assert_eq!(
        location(&r),
        "/dashboard/plugins/acme.kanban?done=deprecated#deprecation"
    );
    let p = anon.get("/api/v1/plugins/acme.kanban").await.json();
    assert_eq!(p["deprecated"]["reason"], "Use the new one");
    assert_eq!(p["deprecated"]["replacement"], "acme.board");
    assert!(alice
        .get(DASH)
        .await
        .text
        .contains("data-testid=\"dash-deprecated\""));
    let r = post_form(
        &alice,
        UndeprecatePlugin::PATH,
        DASH,
        &[("plugin", "acme.kanban")],
    )
    .await;
    assert_eq!(
        location(&r),
        "/dashboard/plugins/acme.kanban?done=undeprecated#deprecation"
    );
    assert!(anon.get("/api/v1/plugins/acme.kanban").await.json()["deprecated"].is_null());
}

#[tokio::test]
async fn namespaces_members_and_keys() {
    let app = TestApp::new().await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    // Create: a reserved name is refused, a good one opens its page.
    let r = post_form(
        &alice,
        CreateNamespace::PATH,
        "/dashboard",
        &[("name", "admin")],
    )
    .await;
    assert!(location(&r).contains("__err"));
    let r = post_form(
        &alice,
        CreateNamespace::PATH,
        "/dashboard",
        &[("name", "globex")],
    )
    .await;
    assert_eq!(
        location(&r),
        "/dashboard/namespaces/globex?done=created#members"
    );
    let ns = app.client().get("/api/v1/namespaces/globex").await.json();
    assert_eq!(ns["members"][0]["username"], "alice");
    assert_eq!(ns["members"][0]["role"], "owner");
    let page = alice
        .get("/dashboard/namespaces/globex?done=created")
        .await
        .text;
    assert!(
        page.contains("data-testid=\"invite-form\"") && page.contains("You are its owner"),
        "{page}"
    );

    // Invite bob; he accepts from his dashboard; his role changes; he is removed.
    const NS_PAGE: &str = "/dashboard/namespaces/globex";
    let r = post_form(
        &alice,
        SetNamespaceMember::PATH,
        NS_PAGE,
        &[
            ("ns", "globex"),
            ("username", "bob"),
            ("role", "maintainer"),
        ],
    )
    .await;
    assert_eq!(
        location(&r),
        "/dashboard/namespaces/globex?done=invited#members"
    );
    let his = bob.get("/dashboard").await.text;
    assert!(
        his.contains("data-testid=\"dash-invitations\"") && his.contains("globex"),
        "{his}"
    );
    let r = post_form(
        &bob,
        AnswerDashboardInvitation::PATH,
        "/dashboard",
        &[("namespace", "globex"), ("accept", "true")],
    )
    .await;
    assert_eq!(location(&r), "/dashboard?done=joined");
    let his = bob.get("/dashboard").await.text;
    assert!(
        his.contains("data-namespace=\"globex\"") && his.contains(">maintainer<"),
        "{his}"
    );
    // A maintainer sees the page read-only, and cannot change members.
    let ro = bob.get(NS_PAGE).await.text;
    assert!(
        ro.contains("Only owners change members.") && !ro.contains("data-testid=\"invite-form\""),
        "{ro}"
    );
    let r = bob
        .server_fn(
            SetNamespaceMember::PATH,
            &[("ns", "globex"), ("username", "bob"), ("role", "owner")],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = post_form(
        &alice,
        SetNamespaceMember::PATH,
        NS_PAGE,
        &[("ns", "globex"), ("username", "bob"), ("role", "owner")],
    )
    .await;
    assert_eq!(
        location(&r),
        "/dashboard/namespaces/globex?done=role_changed#members"
    );
    let ns = app.client().get("/api/v1/namespaces/globex").await.json();
    assert!(ns["members"]
        .as_array()
        .unwrap()
        .iter()
        .any(|m| m["username"] == "bob" && m["role"] == "owner"));
    let r = post_form(
        &alice,
        RemoveNamespaceMember::PATH,
        NS_PAGE,
        &[("ns", "globex"), ("username", "bob")],
    )
    .await;
    assert_eq!(
        location(&r),
        "/dashboard/namespaces/globex?done=removed#members"
    );
    assert_eq!(
        app.client().get("/api/v1/namespaces/globex").await.json()["members"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    // The last owner cannot leave.
    let r = alice
        .server_fn(
            RemoveNamespaceMember::PATH,
            &[("ns", "globex"), ("username", "alice")],
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text);

    // Keys: a bad one refused, a good one added and removed; signatures required and not.
    let r = post_form(
        &alice,
        AddSigningKey::PATH,
        NS_PAGE,
        &[("ns", "globex"), ("public_key", "not a key")],
    )
    .await;
    assert!(location(&r).contains("__err"));
    let kp = minisign::KeyPair::generate_unencrypted_keypair().unwrap();
    let b64 = kp.pk.to_base64();
    let r = post_form(
        &alice,
        AddSigningKey::PATH,
        NS_PAGE,
        &[("ns", "globex"), ("public_key", &b64)],
    )
    .await;
    assert_eq!(
        location(&r),
        "/dashboard/namespaces/globex?done=key_added#keys"
    );
    let ns = app.client().get("/api/v1/namespaces/globex").await.json();
    let key_id = ns["keys"][0]["key_id"].as_str().unwrap().to_owned();
    assert!(alice.get(NS_PAGE).await.text.contains(&key_id));
    let r = post_form(
        &alice,
        SetRequireSignatures::PATH,
        NS_PAGE,
        &[("ns", "globex"), ("require", "true")],
    )
    .await;
    assert_eq!(
        location(&r),
        "/dashboard/namespaces/globex?done=signatures_required#keys"
    );
    assert_eq!(
        app.client().get("/api/v1/namespaces/globex").await.json()["require_signatures"],
        true
    );
    post_form(
        &alice,
        SetRequireSignatures::PATH,
        NS_PAGE,
        &[("ns", "globex"), ("require", "false")],
    )
    .await;
    assert_eq!(
        app.client().get("/api/v1/namespaces/globex").await.json()["require_signatures"],
        false
    );
    let r = post_form(
        &alice,
        RemoveSigningKey::PATH,
        NS_PAGE,
        &[("ns", "globex"), ("key_id", &key_id)],
    )
    .await;
    assert_eq!(
        location(&r),
        "/dashboard/namespaces/globex?done=key_removed#keys"
    );
    assert!(
        app.client().get("/api/v1/namespaces/globex").await.json()["keys"]
            .as_array()
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn publish_from_the_browser() {
    let app = TestApp::new().await;
    let alice = app.publisher("alice", "acme").await;
    let page = alice.get("/dashboard/publish?ns=acme").await.text;
    assert!(
        page.contains("enctype=\"multipart/form-data\"")
            && page.contains("action=\"/dashboard/upload\""),
        "{page}"
    );
    // A good package: on to its dashboard page.
    let r = upload(
        &alice,
        "acme.board-1.0.0.tar.gz",
        &Pkg::new("acme.board", "1.0.0").bytes(),
    )
    .await;
    assert_eq!(
        location(&r),
        "/dashboard/plugins/acme.board?done=published&version=1.0.0#versions"
    );
    let p = app.client().get("/api/v1/plugins/acme.board").await.json();
    assert_eq!(p["latest_version"], "1.0.0");
    let dash = alice
        .get("/dashboard/plugins/acme.board?done=published")
        .await
        .text;
    assert!(dash.contains("The version was published."), "{dash}");
    // The same version again: refused, with the problem shown once on the publish page.
    let r = upload(
        &alice,
        "again.tar.gz",
        &Pkg::new("acme.board", "1.0.0").bytes(),
    )
    .await;
    assert_eq!(location(&r), "/dashboard/publish?done=refused");
    let shown = alice.get("/dashboard/publish?done=refused").await.text;
    assert!(
        shown.contains("data-testid=\"publish-problems\"") && shown.contains("again.tar.gz"),
        "{shown}"
    );
    assert!(shown.contains("1.0.0"), "{shown}");
    let later = alice.get("/dashboard/publish").await.text;
    assert!(
        !later.contains("data-testid=\"publish-problems\""),
        "{later}"
    );
    // Not a package at all: the problems are listed.
    let r = upload(&alice, "junk.tar.gz", b"this is not gzip").await;
    assert_eq!(location(&r), "/dashboard/publish?done=refused");
    let shown = alice.get("/dashboard/publish?done=refused").await.text;
    assert!(shown.contains("The package was refused"), "{shown}");
    // No file chosen.
    let r = upload(&alice, "", b"").await;
    assert_eq!(location(&r), "/dashboard/publish?done=refused");
    assert!(alice
        .get("/dashboard/publish")
        .await
        .text
        .contains("Choose a package file"));
    // Someone else's namespace: refused.
    let bob = app.user("bob").await;
    let r = upload(&bob, "x.tar.gz", &Pkg::new("acme.other", "1.0.0").bytes()).await;
    assert_eq!(location(&r), "/dashboard/publish?done=refused");
    assert!(bob
        .get("/dashboard/publish")
        .await
        .text
        .contains("not a member of the namespace"));
    assert_eq!(
        app.client().get("/api/v1/plugins/acme.other").await.status,
        StatusCode::NOT_FOUND
    );
    // Signed out: to sign in, nothing published.
    let r = upload(
        &app.client(),
        "x.tar.gz",
        &Pkg::new("acme.other", "1.0.0").bytes(),
    )
    .await;
    assert_eq!(location(&r), "/signin?next=%2Fdashboard%2Fpublish");
    // From another site: the CSRF guard refuses it.
    let evil = alice.clone().with_origin("https://evil.example");
    let r = upload(&evil, "x.tar.gz", &Pkg::new("acme.other", "1.0.0").bytes()).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);
    assert_eq!(
        app.client().get("/api/v1/plugins/acme.other").await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn the_rating_trend_over_rest() {
    let app = TestApp::new().await;
    seed(&app).await;
    let anon = app.client();
    let t = anon.get("/api/v1/plugins/acme.kanban/rating/trend").await;
    assert_eq!(t.status, 200, "{}", t.text);
    let months = t.json()["months"].as_array().unwrap().clone();
    assert_eq!(months.len(), 12);
    assert!(months
        .iter()
        .all(|m| m["count"] == 0 && m["average"].is_null()));
    let bob = app.user("bob").await;
    let carol = app.user("carol").await;
    for (c, stars) in [(&bob, 5), (&carol, 2)] {
        let r = send_json(
            c,
            "POST",
            "/api/v1/plugins/acme.kanban/reviews",
            json!({"stars": stars, "title": "t", "text": "x"}),
        )
        .await;
        assert_eq!(r.status, 201, "{}", r.text);
    }
    let t = anon
        .get("/api/v1/plugins/acme.kanban/rating/trend?months=3")
        .await
        .json();
    let months = t["months"].as_array().unwrap();
    assert_eq!(months.len(), 3);
    let now = &months[2];
    assert_eq!(now["count"], 2);
    assert_eq!(now["average"], 3.5);
    assert_eq!(now["cumulative_average"], 3.5);
    assert_eq!(t["plugin"], "acme.kanban");
    anon.get("/api/v1/plugins/acme.kanban/rating/trend?months=0")
        .await
        .problem(400, "bad_request");
    anon.get("/api/v1/plugins/acme.kanban/rating/trend?months=61")
        .await
        .problem(400, "bad_request");
    anon.get("/api/v1/plugins/acme.kanban/rating/trend?weeks=3")
        .await
        .problem(400, "bad_request");
    anon.get("/api/v1/plugins/acme.nope/rating/trend")
        .await
        .problem(404, "not_found");
}
