//! `/admin/audit-log` rendered on the server: its GET filter form (actor,
//! action with the audited types and prefixes offered, dates), the table,
//! field errors, paging by "Older entries" with the filter kept, and who may
//! see it.

use serde_json::json;

use crate::harness::TestApp;
use crate::pages_moderation::page;

#[tokio::test]
async fn the_audit_log_page_filters_and_pages_without_javascript() {
    let app = TestApp::new().await;
    let ruth = app.admin("ruth").await;
    let bob = app.user("bob").await;
    for i in 0..3 {
        let r = bob
            .post_json(
                "/api/v1/tokens",
                json!({"name": format!("t{i}"), "scopes": ["read"]}),
            )
            .await;
        assert_eq!(r.status, 201);
    }
    assert_eq!(bob.get("/admin/audit-log").await.status, 403);

    let all = page(&ruth, "/admin/audit-log").await;
    for want in [
        "<form method=\"get\" action=\"/admin/audit-log\"",
        "<datalist id=\"audit-actions\">",
        "value=\"token.*\"",
        "id=\"audit-log\"",
        "token.created",
        "user.created",
    ] {
        assert!(all.contains(want), "{want}: {all}");
    }
    let bobs = page(&ruth, "/admin/audit-log?actor=bob&action=token.*").await;
    assert_eq!(bobs.matches("class=\"audit-row\"").count(), 3, "{bobs}");
    assert!(bobs.contains("scopes: read"));
    let none = page(&ruth, "/admin/audit-log?since=2999-01-01").await;
    assert!(none.contains("No entry matches."));
    let bad = page(&ruth, "/admin/audit-log?action=review.voted").await;
    assert!(bad.contains("is not an audited action"), "{bad}");
    let bad = page(&ruth, "/admin/audit-log?since=soon").await;
    assert!(bad.contains("A date is written YYYY-MM-DD."));

    // Paging: 50 a page, then "Older entries" keeps the filter.
    let mut tx = app.state.db.begin().await.unwrap();
    let who = trellis_platform::events::EventActor::User {
        user_id: app.db_user("bob").await.unwrap().id,
        username: "bob".into(),
        token_id: None,
    };
    for i in 0..55 {
        trellis_platform::events::emit(
            &mut tx,
            &who,
            &trellis_events::catalogue::TokenRevoked {
                token_id: 1000 + i,
                name: format!("old{i}"),
                username: "bob".into(),
            },
        )
        .await
        .unwrap();
    }
    tx.commit().await.unwrap();
    let first = page(&ruth, "/admin/audit-log?actor=bob&action=token.revoked").await;
    assert_eq!(first.matches("class=\"audit-row\"").count(), 50);
    let start = first.find("id=\"older-entries\"").expect("an older page");
    let href_at = first[..start].rfind("href=\"").unwrap() + 6;
    let href = first[href_at..]
        .split('"')
        .next()
        .unwrap()
        .replace("&amp;", "&");
    assert!(
        href.contains("actor=bob") && href.contains("cursor="),
        "{href}"
    );
    let second = page(&ruth, &href).await;
    assert_eq!(second.matches("class=\"audit-row\"").count(), 5);
    assert!(!second.contains("id=\"older-entries\""));
}
