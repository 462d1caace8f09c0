//! After a publish: yank and un-yank (latest version follows, exact downloads
//! keep working), deprecation, and deleting a plugin only while it was never
//! downloaded (artifacts go with it).

use object_store::path::Path;
use object_store::ObjectStoreExt;
use serde_json::json;

use crate::harness::{eventually, TestApp};
use crate::registry_support::{
    download, flush, publish_bytes, publish_ok, publisher, send_empty, send_json, Pkg,
};

#[tokio::test]
async fn yanking_moves_latest_but_keeps_exact_downloads() {
    let app = TestApp::new().await;
    let (alice, t) = publisher(&app, "alice", "acme").await;
    let outsider = app.user("bob").await;
    publish_ok(&t, &Pkg::new("acme.hello", "1.0.0")).await;
    publish_ok(&t, &Pkg::new("acme.hello", "1.1.0")).await;
    let latest = |app: &TestApp| {
        let c = app.client();
        async move { c.get("/api/v1/plugins/acme.hello").await.json()["latest_version"].clone() }
    };
    assert_eq!(latest(&app).await, "1.1.0");

    send_empty(
        &outsider,
        "PUT",
        "/api/v1/plugins/acme.hello/versions/1.1.0/yank",
    )
    .await
    .problem(403, "forbidden");
    let read_only = app.token_client(&alice, &["read"]).await;
    send_empty(
        &read_only,
        "PUT",
        "/api/v1/plugins/acme.hello/versions/1.1.0/yank",
    )
    .await
    .problem(403, "insufficient_scope");
    send_empty(&t, "PUT", "/api/v1/plugins/acme.hello/versions/9.0.0/yank")
        .await
        .problem(404, "not_found");

    let r = send_empty(&t, "PUT", "/api/v1/plugins/acme.hello/versions/1.1.0/yank").await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json()["yanked"], true);
    assert_eq!(latest(&app).await, "1.0.0");
    assert_eq!(
        download(&app.client(), "acme.hello", "1.1.0").await.status,
        200,
        "yanked versions stay downloadable"
    );

    send_empty(&t, "PUT", "/api/v1/plugins/acme.hello/versions/1.0.0/yank").await;
    assert!(latest(&app).await.is_null());
    let r = send_empty(
        &alice,
        "DELETE",
        "/api/v1/plugins/acme.hello/versions/1.1.0/yank",
    )
    .await;
    assert_eq!(r.json()["yanked"], false);
    assert_eq!(latest(&app).await, "1.1.0");
}

#[tokio::test]
async fn members_deprecate_and_undeprecate() {
    let app = TestApp::new().await;
    let (_, t) = publisher(&app, "alice", "acme").await;
    let outsider = app.user("bob").await;
    publish_ok(&t, &Pkg::new("acme.hello", "1.0.0")).await;

    send_json(
        &outsider,
        "PUT",
        "/api/v1/plugins/acme.hello/deprecation",
        json!({"reason": "x"}),
    )
    .await
    .problem(403, "forbidden");
    send_json(
        &t,
        "PUT",
        "/api/v1/plugins/acme.hello/deprecation",
        json!({"reason": " "}),
    )
    .await
    .problem(422, "validation_failed");
    send_json(
        &t,
        "PUT",
        "/api/v1/plugins/acme.hello/deprecation",
        json!({"reason": "old", "replacement": "not an id"}),
    )
    .await
    .problem(422, "validation_failed");
    send_json(
        &t,
        "PUT",
        "/api/v1/plugins/acme.nope/deprecation",
        json!({"reason": "old"}),
    )
    .await
    .problem(404, "not_found");

    let r = send_json(
        &t,
        "PUT",
        "/api/v1/plugins/acme.hello/deprecation",
        json!({"reason": "Use the new one.", "replacement": "acme.hello2"}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let got = app.client().get("/api/v1/plugins/acme.hello").await.json();
    assert_eq!(
        got["deprecated"],
        json!({"reason": "Use the new one.", "replacement": "acme.hello2"})
    );

    assert_eq!(
        send_empty(&t, "DELETE", "/api/v1/plugins/acme.hello/deprecation")
            .await
            .status,
        200
    );
    assert!(app.client().get("/api/v1/plugins/acme.hello").await.json()["deprecated"].is_null());
}

#[tokio::test]
async fn a_plugin_is_deletable_only_until_downloaded() {
    let app = TestApp::new().await;
    let (_, t) = publisher(&app, "alice", "acme").await;
    let outsider = app.user("bob").await;
    let out = publish_ok(&t, &Pkg::new("acme.fresh", "1.0.0")).await;
    publish_ok(&t, &Pkg::new("acme.used", "1.0.0")).await;
    let sha = out["sha256"].as_str().unwrap().to_owned();
    let key = Path::from(format!("artifacts/sha256/{}/{sha}.tar.gz", &sha[..2]));
    assert!(app.state.storage.store().head(&key).await.is_ok());

    send_empty(&outsider, "DELETE", "/api/v1/plugins/acme.fresh")
        .await
        .problem(403, "forbidden");
    // Maintainers may yank and deprecate, but only owners delete.
    let carol = app.user("carol").await;
    let r = send_json(
        &t,
        "PUT",
        "/api/v1/namespaces/acme/members/carol",
        json!({"role": "maintainer"}),
    )
    .await;
    assert_eq!(r.status, 202, "{}", r.text);
    let r = carol
        .post_json("/api/v1/me/invitations/acme", json!({}))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let p = send_empty(&carol, "DELETE", "/api/v1/plugins/acme.fresh")
        .await
        .problem(403, "forbidden");
    assert!(p["detail"].as_str().unwrap().contains("owners"), "{p}");
    assert_eq!(
        send_empty(&t, "DELETE", "/api/v1/plugins/acme.fresh")
            .await
            .status,
        204
    );
    app.client()
        .get("/api/v1/plugins/acme.fresh")
        .await
        .problem(404, "not_found");
    // The artifact goes by a job of the queue, enqueued with the deletion.
    eventually("the deleted plugin's artifact is removed", || async {
        matches!(
            app.state.storage.store().head(&key).await,
            Err(object_store::Error::NotFound { .. })
        )
    })
    .await;
    send_empty(&t, "DELETE", "/api/v1/plugins/acme.fresh")
        .await
        .problem(404, "not_found");
    // The id is free again.
    publish_ok(&t, &Pkg::new("acme.fresh", "1.0.0")).await;

    // Downloaded (even before the counts are flushed): deprecate instead.
    assert_eq!(
        download(&app.client(), "acme.used", "1.0.0").await.status,
        200
    );
    let p = send_empty(&t, "DELETE", "/api/v1/plugins/acme.used")
        .await
        .problem(409, "conflict");
    assert!(p["detail"].as_str().unwrap().contains("Deprecate"), "{p}");
    flush(&app).await;
    send_empty(&t, "DELETE", "/api/v1/plugins/acme.used")
        .await
        .problem(409, "conflict");
    assert_eq!(
        app.client().get("/api/v1/plugins/acme.used").await.status,
        200
    );
}

/// A plugin deleted and published again byte for byte while the deletion of its
/// first package is still pending keeps its package, whichever of the publish
/// and the deletion job gets the artifact's lock first.
#[tokio::test]
async fn a_package_published_again_survives_the_pending_deletion_of_its_twin() {
    use std::time::Duration;
    use trellis_events::jobs::{Done, JobHandler};
    use trellis_platform::registry::artifact_deletion::{DeleteArtifact, KIND};
    use trellis_platform::registry::artifact_path;

    // An API process only: the deletion waits in the queue for this test to run
    // it. No write limit: counting a write would wait for the lock held below
    // (on SQLite) before the publish even looks at the stored package.
    let app = TestApp::with_env(&[
        ("TRELLIS_SERVER__ROLE", "api"),
        ("TRELLIS_API__WRITES_PER_MINUTE", "0"),
    ])
    .await;
    let (_alice, t) = publisher(&app, "alice", "acme").await;
    let pkg = Pkg::new("acme.twin", "1.0.0");
    let sha = publish_ok(&t, &pkg).await["sha256"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        send_empty(&t, "DELETE", "/api/v1/plugins/acme.twin")
            .await
            .status,
        204
    );
    let mut job = {
        let mut c = app.state.db.conn().await.unwrap();
        let lease = trellis_db::now_ms() + 60_000;
        trellis_db::jobs::claim(&mut c, "test", &[KIND], lease, 1)
            .await
            .unwrap()
    };
    let job = job.pop().expect("the deletion is queued");

    // The lock held here stands for the moment both reach it together.
    let mut held = app.state.db.begin().await.unwrap();
    trellis_db::plugins::lock_artifact(&mut held, &sha)
        .await
        .unwrap();
    let publishing = tokio::spawn({
        let (t, bytes) = (t.clone(), pkg.bytes());
        async move { publish_bytes(&t, bytes).await }
    });
    // The publish finds the package still stored and waits for the lock...
    tokio::time::sleep(Duration::from_millis(300)).await;
    // ...and so does the deletion, which finds it unused until the publish commits.
    let deleting = tokio::spawn({
        let handler = DeleteArtifact(app.state.clone());
        async move { handler.run(&job).await }
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    held.rollback().await.unwrap();
    let r = publishing.await.unwrap();
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.json()["sha256"], sha.as_str(), "the same bytes");
    assert!(matches!(deleting.await.unwrap(), Ok(Done::Recorded)));
    assert!(
        app.state
            .storage
            .store()
            .head(&artifact_path(&sha))
            .await
            .is_ok(),
        "the package published again is stored"
    );
    assert_eq!(
        download(&app.client(), "acme.twin", "1.0.0").await.status,
        200
    );
}
