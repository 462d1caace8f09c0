//! The plugin page's reviews section rendered on the server and driven the
//! way a browser without JavaScript drives it (plain form posts that redirect
//! back): who sees which part, writing a review, the refusals coming back with
//! what was typed, edit and delete, the helpful toggle, reports, sorting and
//! the version filter; and the hydrated path (server-function calls) answering
//! with the service's own status and words.

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use leptos::server_fn::ServerFn;
use serde_json::Value;
use trellis_db::sqlx::{self, Row};

use crate::harness::{Client, Resp, TestApp, ORIGIN};
use crate::registry_support::{publish_ok, publisher, Pkg};

use app::api::reviews::{CreateReview, DeleteReview, ReportReview, SetHelpful, UpdateReview};

const PAGE: &str = "/plugins/acme.kanban";
const API: &str = "/api/v1/plugins/acme.kanban";

/// A plain form POST from the page at `from`, as a browser without JavaScript sends it.
pub async fn post_form(c: &Client, path: &str, from: &str, form: &[(&str, &str)]) -> Resp {
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

/// Where a redirect goes, without our origin.
pub fn location(r: &Resp) -> String {
    assert!(r.status.is_redirection(), "{} {}", r.status, r.text);
    let to = r.header("location").unwrap_or_default();
    to.strip_prefix(ORIGIN).unwrap_or(&to).to_owned()
}

/// alice publishes acme.kanban 1.0.0 and 1.1.0; returns her session.
pub async fn seed(app: &TestApp) -> Client {
    let (s, t) = publisher(app, "alice", "acme").await;
    publish_ok(&t, &Pkg::new("acme.kanban", "1.0.0")).await;
    publish_ok(&t, &Pkg::new("acme.kanban", "1.1.0")).await;
    s
}

/// Writes a review through the form and checks it landed.
pub async fn review_by_form(c: &Client, stars: &str, title: &str, version: &str) {
    let r = post_form(
        c,
        CreateReview::PATH,
        PAGE,
        &[
            ("plugin", "acme.kanban"),
            ("stars", stars),
            ("title", title),
            ("text", "Used it for a month."),
            ("version", version),
            ("api_version", "1.0.0"),
            ("back", ""),
        ],
    )
    .await;
    assert_eq!(location(&r), "/plugins/acme.kanban?done=reviewed#reviews");
}

/// What follows the opening tag of the element with `data-testid="id"` (its
/// content and a little more), whatever the order of its attributes.
pub fn inside<'a>(html: &'a str, id: &str) -> &'a str {
    let at = html
        .find(&format!("data-testid=\"{id}\""))
        .unwrap_or_else(|| panic!("no {id} in {html}"));
    let start = at + html[at..].find('>').unwrap() + 1;
    let end = (start + 300).min(html.len());
    &html[start..html.floor_char_boundary(end)]
}

async fn reviews(c: &Client, query: &str) -> Vec<Value> {
    c.get(&format!("{API}/reviews{query}")).await.json()["data"]
        .as_array()
        .unwrap()
        .clone()
}

async fn count(app: &TestApp, sql: &'static str) -> i64 {
    let mut c = app.state.db.conn().await.unwrap();
    sqlx::query(sql)
        .fetch_one(&mut *c)
        .await
        .unwrap()
        .try_get::<i64, _>("n")
        .unwrap()
}

#[tokio::test]
async fn each_visitor_sees_their_part_of_the_section() {
    let app = TestApp::new().await;
    let alice = seed(&app).await;
    let anon = app.client().get(PAGE).await;
    assert_eq!(anon.status, 200);
    let t = &anon.text;
    assert!(
        t.contains("Ratings and reviews") && t.contains("data-testid=\"no-reviews\""),
        "{t}"
    );
    assert!(
        t.contains("data-testid=\"review-signin\"") && !t.contains("data-testid=\"review-form\"")
    );
    // Every version is offered in the filter, and the summary starts empty.
    assert!(t.contains("<option value=\"1.0.0\"") && t.contains("<option value=\"1.1.0\""));
    assert!(t.contains("data-testid=\"rating-count\"") && t.contains("0 reviews"));
    let bob = app.user("bob").await.get(PAGE).await.text;
    assert!(bob.contains("data-testid=\"review-form\""), "{bob}");
    // The version picked by default is the latest, and both API choices are there.
    assert!(bob.contains("<option value=\"1.1.0\" selected"), "{bob}");
    let own = alice.get(PAGE).await.text;
    assert!(
        own.contains("data-testid=\"review-own-plugin\"")
            && !own.contains("data-testid=\"review-form\"")
    );
    assert!(own.contains("href=\"/dashboard/plugins/acme.kanban#reviews\""));
}

#[tokio::test]
async fn write_edit_and_delete_a_review_without_javascript() {
    let app = TestApp::new().await;
    seed(&app).await;
    let bob = app.user("bob").await;
    review_by_form(&bob, "4", "Solid board", "1.0.0").await;
    let list = reviews(&bob, "").await;
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["stars"], 4);
    assert_eq!(list[0]["version"], "1.0.0");
    assert_eq!(list[0]["api_version"], "1.0.0");
    let page = bob.get("/plugins/acme.kanban?done=reviewed").await.text;
    assert!(
        page.contains("your review is published") && page.contains("Solid board"),
        "{page}"
    );
    assert!(
        page.contains("data-testid=\"own-review\"")
            && !page.contains("data-testid=\"review-form\"")
    );
    assert!(
        inside(&page, "rating-average").starts_with("4.0<"),
        "{page}"
    );
    assert!(inside(&page, "dist-4").starts_with("1<"));
    let id = list[0]["id"].as_i64().unwrap().to_string();

    // A second review: refused (409), back to the form with what was typed.
    let r = post_form(
        &bob,
        CreateReview::PATH,
        PAGE,
        &[
            ("plugin", "acme.kanban"),
            ("stars", "2"),
            ("title", "Again"),
            ("text", "My second thoughts, kept"),
            ("version", "1.1.0"),
        ],
    )
    .await;
    let back = location(&r);
    assert!(
        back.starts_with("/plugins/acme.kanban?") && back.contains("__err"),
        "{back}"
    );
    assert!(
        back.contains("draft_text=My%20second%20thoughts%2C%20kept"),
        "{back}"
    );
    let again = bob.get(&back).await.text;
    assert!(
        again.contains("conflicts with something that exists already"),
        "{again}"
    );
    assert_eq!(reviews(&bob, "").await.len(), 1);

    // Edit: the form's fields replace the review's.
    let r = post_form(
        &bob,
        UpdateReview::PATH,
        PAGE,
        &[
            ("plugin", "acme.kanban"),
            ("review_id", &id),
            ("stars", "5"),
            ("title", "Even better"),
            ("text", "Changed my mind."),
            ("version", "1.1.0"),
            ("api_version", ""),
            ("back", "sort=newest"),
        ],
    )
    .await;
    assert_eq!(
        location(&r),
        "/plugins/acme.kanban?sort=newest&done=review_saved#reviews"
    );
    let v = &reviews(&bob, "").await[0];
    assert_eq!(
        (v["stars"].as_i64(), v["title"].as_str()),
        (Some(5), Some("Even better"))
    );
    assert_eq!(v["api_version"], Value::Null);

    // An edit with an empty title: refused, the typed text comes back in the edit form.
    let r = post_form(
        &bob,
        UpdateReview::PATH,
        PAGE,
        &[
            ("plugin", "acme.kanban"),
            ("review_id", &id),
            ("stars", "5"),
            ("title", " "),
            ("text", "Draft kept here"),
            ("version", "1.1.0"),
        ],
    )
    .await;
    let back = location(&r);
    let form = bob.get(&back).await.text;
    assert!(form.contains(">Draft kept here</textarea>"), "{form}");
    assert!(
        inside(&form, "error-title").starts_with("<p>Check this field."),
        "{form}"
    );
    assert_eq!(reviews(&bob, "").await[0]["title"], "Even better");

    // Delete: the box must be ticked.
    let r = post_form(
        &bob,
        DeleteReview::PATH,
        PAGE,
        &[("plugin", "acme.kanban"), ("review_id", &id)],
    )
    .await;
    assert!(location(&r).contains("__err"));
    assert_eq!(reviews(&bob, "").await.len(), 1);
    let r = post_form(
        &bob,
        DeleteReview::PATH,
        PAGE,
        &[
            ("plugin", "acme.kanban"),
            ("review_id", &id),
            ("confirm", "on"),
        ],
    )
    .await;
    assert_eq!(
        location(&r),
        "/plugins/acme.kanban?done=review_deleted#reviews"
    );
    assert!(reviews(&bob, "").await.is_empty());
}

#[tokio::test]
async fn refusals_are_shown_in_plain_words_and_change_nothing() {
    let app = TestApp::new().await;
    let alice = seed(&app).await;
    let carol = app.user("carol").await;
    // No stars, no title: field errors, the text typed comes back.
    let r = post_form(
        &carol,
        CreateReview::PATH,
        PAGE,
        &[
            ("plugin", "acme.kanban"),
            ("title", ""),
            ("text", "Half written"),
            ("version", "1.0.0"),
        ],
    )
    .await;
    let page = carol.get(&location(&r)).await.text;
    assert!(page.contains(">Half written</textarea>"), "{page}");
    assert!(
        inside(&page, "error-stars").starts_with("<p>Check this field."),
        "{page}"
    );
    // The form is open at the draft.
    assert!(page.contains("id=\"write-review\" open"), "{page}");
    // The publisher reviewing their own plugin: 403 in plain words.
    let r = post_form(
        &alice,
        CreateReview::PATH,
        PAGE,
        &[
            ("plugin", "acme.kanban"),
            ("stars", "5"),
            ("title", "Mine"),
            ("text", "Great"),
            ("version", "1.0.0"),
        ],
    )
    .await;
    let page = alice.get(&location(&r)).await.text;
    assert!(page.contains("You are not allowed to do this."), "{page}");
    assert_eq!(count(&app, "SELECT COUNT(*) AS n FROM reviews").await, 0);

    // With JavaScript the service's own words and status come back.
    let r = alice
        .server_fn(
            CreateReview::PATH,
            &[
                ("plugin", "acme.kanban"),
                ("stars", "5"),
                ("title", "Mine"),
                ("text", "Great"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);
    assert!(
        r.text
            .contains("publishers cannot review their own plugins"),
        "{}",
        r.text
    );
    let r = carol
        .server_fn(
            CreateReview::PATH,
            &[
                ("plugin", "acme.kanban"),
                ("stars", "9"),
                ("title", "x"),
                ("text", "y"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert!(r.text.contains("Stars are 1 to 5."), "{}", r.text);
    // Signed out: sign in first.
    let r = app
        .client()
        .server_fn(
            CreateReview::PATH,
            &[
                ("plugin", "acme.kanban"),
                ("stars", "3"),
                ("title", "a"),
                ("text", "b"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", r.text);

    // The write limit: 429 with the service's words after ten writes in an hour.
    review_by_form(&carol, "3", "Fine", "1.0.0").await;
    let id = reviews(&carol, "").await[0]["id"]
        .as_i64()
        .unwrap()
        .to_string();
    for i in 0..9 {
        let title = format!("Fine {i}");
        let r = carol
            .server_fn(
                UpdateReview::PATH,
                &[
                    ("plugin", "acme.kanban"),
                    ("review_id", &id),
                    ("stars", "3"),
                    ("title", &title),
                    ("text", "t"),
                ],
            )
            .await;
        assert!(
            r.status.is_success() || r.status.is_redirection(),
            "{} {}",
            r.status,
            r.text
        );
    }
    let r = carol
        .server_fn(
            UpdateReview::PATH,
            &[
                ("plugin", "acme.kanban"),
                ("review_id", &id),
                ("stars", "3"),
                ("title", "Too many"),
                ("text", "t"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{}", r.text);
    assert!(r.text.contains("Too many review changes"), "{}", r.text);
    assert_eq!(reviews(&carol, "").await[0]["title"], "Fine 8");
}

#[tokio::test]
async fn helpful_toggle_and_report_from_the_page() {
    let app = TestApp::new().await;
    seed(&app).await;
    let bob = app.user("bob").await;
    let carol = app.user("carol").await;
    review_by_form(&bob, "2", "Crashes on start", "1.1.0").await;
    let id = reviews(&bob, "").await[0]["id"]
        .as_i64()
        .unwrap()
        .to_string();
    // The author has neither button on their own review.
    let own = bob.get(PAGE).await.text;
    assert!(
        !own.contains("data-testid=\"helpful-toggle\"")
            && !own.contains("data-testid=\"report-form\"")
    );
    let page = carol.get(PAGE).await.text;
    assert!(
        page.contains("aria-pressed=\"false\"") && page.contains("data-testid=\"report-form\""),
        "{page}"
    );

    let vote = |on: &'static str| {
        let (c, id) = (carol.clone(), id.clone());
        async move {
            post_form(
                &c,
                SetHelpful::PATH,
                PAGE,
                &[
                    ("plugin", "acme.kanban"),
                    ("review_id", &id),
                    ("helpful", on),
                    ("back", "sort=newest&page=1"),
                ],
            )
            .await
        }
    };
    assert_eq!(
        location(&vote("true").await),
        "/plugins/acme.kanban?sort=newest&done=voted#reviews"
    );
    assert_eq!(reviews(&carol, "").await[0]["helpful"], 1);
    let page = carol.get(PAGE).await.text;
    assert!(
        page.contains("aria-pressed=\"true\"") && page.contains("1 person found this helpful"),
        "{page}"
    );
    assert_eq!(
        location(&vote("false").await),
        "/plugins/acme.kanban?sort=newest&done=unvoted#reviews"
    );
    assert_eq!(reviews(&carol, "").await[0]["helpful"], 0);

    // A report with an unknown reason is refused; a good one recorded once.
    let r = post_form(
        &carol,
        ReportReview::PATH,
        PAGE,
        &[
            ("plugin", "acme.kanban"),
            ("review_id", &id),
            ("reason", "boring"),
        ],
    )
    .await;
    assert!(location(&r).contains("__err"));
    assert_eq!(
        count(&app, "SELECT COUNT(*) AS n FROM review_reports").await,
        0
    );
    let r = post_form(
        &carol,
        ReportReview::PATH,
        PAGE,
        &[
            ("plugin", "acme.kanban"),
            ("review_id", &id),
            ("reason", "spam"),
            ("text", "An advert"),
        ],
    )
    .await;
    assert_eq!(location(&r), "/plugins/acme.kanban?done=reported#reviews");
    assert_eq!(
        count(&app, "SELECT COUNT(*) AS n FROM review_reports").await,
        1
    );
    let page = carol.get("/plugins/acme.kanban?done=reported").await.text;
    assert!(
        page.contains("data-testid=\"reported\"") && page.contains("reported to the admins"),
        "{page}"
    );
    assert!(!page.contains("data-testid=\"report-form\""));
}

#[tokio::test]
async fn sort_version_filter_and_pages_are_plain_links() {
    let app = TestApp::new().await;
    seed(&app).await;
    for (i, (stars, version)) in [("5", "1.0.0"), ("1", "1.0.0"), ("3", "1.1.0")]
        .iter()
        .enumerate()
    {
        let u = app.user(&format!("user{i}")).await;
        review_by_form(&u, stars, &format!("Review {stars} stars"), version).await;
    }
    let anon = app.client();
    let lowest = anon.get("/plugins/acme.kanban?sort=lowest").await.text;
    let (a, b, c) = (
        lowest.find("Review 1 stars").unwrap(),
        lowest.find("Review 3 stars").unwrap(),
        lowest.find("Review 5 stars").unwrap(),
    );
    assert!(a < b && b < c, "{lowest}");
    assert!(lowest.contains("<option value=\"lowest\" selected"));
    let v = anon
        .get("/plugins/acme.kanban?sort=highest&version=1.0.0")
        .await
        .text;
    assert!(
        v.contains("Review 5 stars") && !v.contains("Review 3 stars"),
        "{v}"
    );
    assert!(v.find("Review 5 stars").unwrap() < v.find("Review 1 stars").unwrap());
    // The summary follows the version: two reviews, mean 3.0.
    assert!(
        v.contains("Version 1.0.0") && v.contains("2 reviews") && v.contains(">3.0<"),
        "{v}"
    );
    assert!(inside(&v, "dist-2").starts_with("0<") && inside(&v, "dist-5").starts_with("1<"));
    // Nothing of a version without reviews.
    let none = anon.get("/plugins/acme.kanban?version=9.9.9").await.text;
    assert!(none.contains("No review of this version yet."), "{none}");
    // A second page exists only when more reviews than a page are there.
    assert!(!lowest.contains("data-testid=\"reviews-next\""));
    for i in 3..12 {
        let u = app.user(&format!("user{i}")).await;
        review_by_form(&u, "4", &format!("More {i}"), "1.1.0").await;
    }
    let first = anon.get("/plugins/acme.kanban?sort=newest").await.text;
    assert!(
        first.contains("href=\"/plugins/acme.kanban?sort=newest&amp;page=2#reviews\""),
        "{first}"
    );
    let second = anon
        .get("/plugins/acme.kanban?sort=newest&page=2")
        .await
        .text;
    assert!(
        second.contains("Review 5 stars") && !second.contains("More 11"),
        "{second}"
    );
    assert!(second.contains("data-testid=\"reviews-prev\""));
}
