//! Server-rendered pages: they render, know who is signed in, and unknown
//! paths get a friendly 404 page.

use crate::harness::TestApp;

#[tokio::test]
async fn pages_render_with_hydration_scripts() {
    let app = TestApp::new().await;
    let c = app.client();
    for path in ["/", "/signin", "/signup"] {
        let r = c.get(path).await;
        assert_eq!(r.status, 200, "{path}: {}", r.text);
        assert!(r.header("content-type").unwrap().starts_with("text/html"));
        assert!(r.text.contains("Trellis"), "{path}");
        assert!(
            r.text.contains("/pkg/trellis.js"),
            "{path} must load the hydration script"
        );
    }
    assert!(c.get("/signup").await.text.contains("Create your account"));
}

#[tokio::test]
async fn account_pages_need_a_session() {
    let app = TestApp::new().await;
    let r = app.client().get("/account/tokens").await;
    assert_eq!(r.status, 200);
    assert!(r.text.contains("Sign in to continue"), "{}", r.text);

    let c = app.user("alice").await;
    let r = c.get("/account").await;
    assert!(r.text.contains("alice"), "{}", r.text);
    assert!(r.text.contains("Change password"));
    let r = c.get("/account/tokens").await;
    assert!(r.text.contains("No tokens yet"), "{}", r.text);
}

#[tokio::test]
async fn unknown_pages_get_a_friendly_404() {
    let app = TestApp::new().await;
    let r = app.client().get("/no/such/page").await;
    assert_eq!(r.status, 404);
    assert!(r.text.contains("Page not found"), "{}", r.text);
}

#[tokio::test]
async fn a_page_kept_for_anonymous_visitors_is_never_shown_to_a_signed_in_one() {
    let app = TestApp::new().await;
    let anonymous = app.client().get("/account").await;
    assert!(anonymous.text.contains("Sign in to continue"));
    assert_eq!(app.client().get("/account").await.text, anonymous.text);

    let c = app.user("alice").await;
    let r = c.get("/account").await;
    assert!(r.text.contains("alice"), "{}", r.text);
    assert!(!r.text.contains("Sign in to continue"), "{}", r.text);
}

#[tokio::test]
async fn site_files_are_served_and_a_change_shows_within_a_second() {
    let site = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(site.path().join("pkg")).unwrap();
    let css = site.path().join("pkg/bench.css");
    std::fs::write(&css, "a{color:red}").unwrap();
    let root = site.path().display().to_string();
    let app = TestApp::with_env(&[("TRELLIS_SITE_ROOT", &root)]).await;
    let c = app.client();

    let r = c.get("/pkg/bench.css").await;
    assert_eq!(r.status, 200);
    assert_eq!(r.text, "a{color:red}");
    assert!(r.header("content-type").unwrap().starts_with("text/css"));
    assert_eq!(c.get("/pkg/bench.css").await.text, "a{color:red}");

    std::fs::write(&css, "a{color:blue}").unwrap();
    // A conditional request is never answered from memory: it reads the file again.
    let r = c
        .send(
            axum::http::Request::get("/pkg/bench.css")
                .header("if-none-match", "\"no-such-tag\"")
                .body(axum::body::Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(r.text, "a{color:blue}");
    // A plain one may get the kept copy for up to a second.
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    assert_eq!(c.get("/pkg/bench.css").await.text, "a{color:blue}");
    assert_eq!(c.get("/pkg/missing.css").await.status, 404);
}
