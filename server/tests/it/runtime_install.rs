//! One-click installs through the REST API with the real test plugins: the
//! plan with dependencies and permissions, consent, everything installed and
//! enabled, a dependency invoked through its dependent, and the refusals that
//! change nothing (no consent, installing twice, a conflicting plan, a tampered
//! package, uninstalling what another plugin needs, someone else's workspace).

use axum::http::StatusCode;
use object_store::ObjectStoreExt;
use serde_json::{json, Value};
use trellis_db::sqlx::{self, Row};

use crate::harness::TestApp;
use crate::runtime_support::{
    install, installation_id, invoke, lab, package_as, publish, publish_all,
};

async fn count(app: &TestApp, sql: &'static str) -> i64 {
    let mut c = app.state.db.conn().await.unwrap();
    sqlx::query(sql)
        .fetch_one(&mut *c)
        .await
        .unwrap()
        .try_get::<i64, _>("n")
        .unwrap()
}

async fn installed(app: &TestApp) -> i64 {
    count(app, "SELECT COUNT(*) AS n FROM installations").await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plugin_installs_with_its_dependency_after_consent_and_runs() {
    let app = TestApp::new().await;
    let lab = lab(&app).await;
    publish_all(&lab, &["base", "uses-base"]).await;

    // The plan: dependency first, sizes, permissions, who asked for what.
    let r = lab
        .plugins
        .post_json(
            "/api/v1/workspaces/~alice/install-plan",
            json!({"plugin": "labs.uses-base"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let plan = r.json();
    let steps = plan["steps"].as_array().unwrap();
    let names: Vec<&str> = steps
        .iter()
        .map(|s| s["plugin"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["labs.base", "labs.uses-base"], "{plan}");
    assert!(steps
        .iter()
        .all(|s| s["action"] == "install" && s["size"].as_i64().unwrap() > 1000));
    assert_eq!(steps[1]["permissions"]["host_functions"], json!(["invoke"]));
    assert_eq!(
        steps[1]["new_permissions"]["host_functions"],
        json!(["invoke"])
    );
    assert_eq!(plan["needs_consent"], true);

    // Without consent: the plan comes back in the error, nothing installed.
    let r = lab
        .plugins
        .post_json(
            "/api/v1/workspaces/~alice/installations",
            json!({"plugin": "labs.uses-base"}),
        )
        .await;
    let p = r.problem(422, "validation_failed");
    assert_eq!(p["errors"][0]["field"], "consent", "{p}");
    assert_eq!(p["plan"]["steps"].as_array().unwrap().len(), 2, "{p}");
    assert_eq!(installed(&app).await, 0);

    let done = install(&lab.plugins, "~alice", "labs.uses-base").await;
    let uses = installation_id(&done, "labs.uses-base");
    let base = installation_id(&done, "labs.base");
    let ws = lab.plugins.get("/api/v1/workspaces/~alice").await.json();
    let list = ws["installations"].as_array().unwrap();
    assert_eq!(list.len(), 2, "{ws}");
    assert!(list.iter().all(|i| i["enabled"] == true));
    let dep = list.iter().find(|i| i["plugin"] == "labs.base").unwrap();
    assert_eq!(
        (dep["requested"].clone(), dep["version"].clone()),
        (json!(false), json!("1.0.0"))
    );
    assert_eq!(ws["can_manage"], true);

    // It runs, and calls its dependency.
    let r = invoke(&lab.plugins, &uses, json!({"q": 1})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(
        r.json()["output"],
        json!({"via": {"base": "1", "input": {"q": 1}}})
    );
    assert!(r.json()["fuel"].as_i64().unwrap() > 0);

    // Events: one plugin.installed per installation, in the install's transaction.
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) AS n FROM events WHERE type = 'plugin.installed'"
        )
        .await,
        2
    );
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) AS n FROM install_attempts WHERE outcome = 'succeeded'"
        )
        .await,
        1
    );

    // Installing twice is refused.
    let r = lab
        .plugins
        .post_json(
            "/api/v1/workspaces/~alice/installations",
            json!({"plugin": "labs.uses-base", "consent": true}),
        )
        .await;
    r.problem(409, "conflict");

    // The dependency cannot go while its dependent stays.
    let r = lab
        .plugins
        .delete(&format!("/api/v1/installations/{base}"))
        .await;
    let p = r.problem(409, "conflict");
    assert_eq!(p["required_by"], json!(["labs.uses-base"]), "{p}");
    assert_eq!(installed(&app).await, 2);

    // Removing the dependent offers the dependency; asking removes it too.
    let r = lab
        .plugins
        .delete(&format!("/api/v1/installations/{uses}"))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json()["unused_dependencies"], json!(["labs.base"]));
    assert_eq!(installed(&app).await, 1);
    install(&lab.plugins, "~alice", "labs.uses-base").await;
    let again = lab.plugins.get("/api/v1/workspaces/~alice").await.json();
    let uses = again["installations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["plugin"] == "labs.uses-base")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = lab
        .plugins
        .delete(&format!(
            "/api/v1/installations/{uses}?remove_unused_dependencies=true"
        ))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json()["removed"], json!(["labs.base", "labs.uses-base"]));
    assert_eq!(installed(&app).await, 0);
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) AS n FROM events WHERE type = 'plugin.uninstalled'"
        )
        .await,
        3
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused_installs_leave_nothing_behind() {
    let app = TestApp::new().await;
    let lab = lab(&app).await;
    publish_all(&lab, &["base", "echo"]).await;
    // uses-base 2.0.0 wants labs.base ^2, which does not exist.
    let text = std::fs::read_to_string(
        trellis_runtime::testkit::plugins_dir().join("testing/uses-base/plugin.toml"),
    )
    .unwrap()
    .replace("\"labs.base\" = \"^1\"", "\"labs.base\" = \"^2\"");
    let bytes = trellis_runtime::testkit::package_text("testing/uses-base", &text);
    publish(&lab.publish, bytes).await;

    // A plan whose dependencies conflict: the resolver's explanation.
    let r = lab
        .plugins
        .post_json(
            "/api/v1/workspaces/~alice/installations",
            json!({"plugin": "labs.uses-base", "consent": true}),
        )
        .await;
    let p = r.problem(422, "resolution_failed");
    assert!(
        p["explanation"].as_str().unwrap().contains("labs.base"),
        "{p}"
    );
    assert_eq!(installed(&app).await, 0);

    // A package whose stored bytes no longer match its hash.
    let v = lab
        .plugins
        .get("/api/v1/plugins/labs.echo/versions/1.0.0")
        .await
        .json();
    let sha = v["sha256"].as_str().unwrap().to_owned();
    let path = trellis_platform::registry::artifact_path(&sha);
    let store = app.state.storage.store();
    let mut bytes = store
        .get(&path)
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap()
        .to_vec();
    let last = bytes.len() - 1;
    bytes[last] ^= 0xff;
    store.put(&path, bytes.into()).await.unwrap();
    let r = lab
        .plugins
        .post_json(
            "/api/v1/workspaces/~alice/installations",
            json!({"plugin": "labs.echo", "consent": true}),
        )
        .await;
    let p = r.problem(422, "package_invalid");
    assert_eq!(p["errors"][0]["code"], "integrity", "{p}");
    assert!(p["detail"].as_str().unwrap().contains("SHA-256"), "{p}");
    assert_eq!(installed(&app).await, 0);
    let failed = count(
        &app,
        "SELECT COUNT(*) AS n FROM install_attempts WHERE outcome = 'failed'",
    )
    .await;
    assert_eq!(failed, 2);

    // Someone else's workspace is not there to them; a read token cannot install.
    let bob = app.user("bob").await;
    let bob_t = app.token_client(&bob, &["read", "plugins"]).await;
    bob_t
        .post_json(
            "/api/v1/workspaces/~alice/installations",
            json!({"plugin": "labs.base", "consent": true}),
        )
        .await
        .problem(404, "not_found");
    let read = app.token_client(&lab.session, &["read"]).await;
    read.post_json(
        "/api/v1/workspaces/~alice/installations",
        json!({"plugin": "labs.base", "consent": true}),
    )
    .await
    .problem(403, "insufficient_scope");
    assert_eq!(installed(&app).await, 0);

    // The namespace's workspace is its members'.
    let done = install(&lab.plugins, "labs", "labs.base").await;
    assert_eq!(done["installations"][0]["workspace"], "labs");
    bob_t
        .get("/api/v1/workspaces/labs")
        .await
        .problem(404, "not_found");
    let _: Value = done;
    let _ = package_as;
}
