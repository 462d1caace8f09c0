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
