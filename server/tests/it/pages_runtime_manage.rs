//! The plugin runtime's pages, continued (helpers in `pages_runtime`):
//! updates and rollbacks that ask for more go through consent, pins,
//! "Update all", enabling and disabling from the workspace, uninstall
//! offering the dependencies nothing needs, and the admins' page with the
//! install success rate (403 for others, the sign-in prompt signed out).

use leptos::server_fn::ServerFn;
use serde_json::json;

use crate::harness::TestApp;
use crate::pages_reviews::{location, post_form};
use crate::pages_runtime::{installation, installations, page, part, text_of};
use crate::runtime_support::{install, installation_id, lab, package, publish, publish_all};

use app::api::runtime_actions::{
    InstallPlugin, RollbackInstallation, SetInstallationEnabled, SetInstallationPinned,
    UninstallPlugin, UpdateAllPlugins, UpdateInstallation,
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn updates_that_ask_for_more_go_through_consent_and_roll_back() {
    let app = TestApp::new().await;
    let lab = lab(&app).await;
    publish(&lab.publish, package("ticker", "plugin-1.0.0.toml")).await;
    let id = installation_id(
        &install(&lab.plugins, "~alice", "labs.ticker").await,
        "labs.ticker",
    );
    let ws = "/workspaces/~alice";
    publish(&lab.publish, package("ticker", "plugin-2.0.0.toml")).await;

    let p = page(&lab.session, ws).await;
    let note = part(&p, "update-available");
    assert!(
        note.contains("2.0.0 available") && note.contains("asks for more permissions"),
        "{note}"
    );

    // Pinned: no update button, and updates are refused.
    let r = post_form(
        &lab.session,
        SetInstallationPinned::PATH,
        ws,
        &[("id", &id), ("pinned", "true"), ("back", ws)],
    )
    .await;
    assert_eq!(location(&r), format!("{ws}?done=pinned"));
    let p = page(&lab.session, ws).await;
    assert!(
        p.contains(r#"data-testid="pinned""#) && !p.contains(r#"data-testid="update""#),
        "{p}"
    );
    let r = lab
        .session
        .server_fn(
            UpdateInstallation::PATH,
            &[("id", &id), ("version", "2.0.0")],
        )
        .await;
    assert_eq!(r.status, 409, "{}", r.text);
    post_form(
        &lab.session,
        SetInstallationPinned::PATH,
        ws,
        &[("id", &id), ("pinned", "false"), ("back", ws)],
    )
    .await;

    // Update: it asks for more, so to the consent page; nothing changed yet.
    let r = post_form(
        &lab.session,
        UpdateInstallation::PATH,
        ws,
        &[("id", &id), ("version", "2.0.0"), ("back", ws)],
    )
    .await;
    let to = location(&r);
    assert_eq!(to, format!("/installations/{id}/update?version=2.0.0"));
    let i = installation(&lab.session, "~alice", "labs.ticker")
        .await
        .unwrap();
    assert_eq!(i["version"], "1.0.0");
    let c = page(&lab.session, &to).await;
    assert!(
        c.contains("asks for permissions you have not granted yet"),
        "{c}"
    );
    let plan = part(&c, "plan");
    assert!(
        plan.contains("127.0.0.1")
            && plan.contains("kv_get")
            && plan.contains("read from the plugin"),
        "{plan}"
    );
    assert!(!plan.contains(">log<"), "only what is new: {plan}");
    assert!(c.contains(r#"data-testid="consent""#), "{c}");
    // Hydrated, the same: the redirect to the consent page.
    let r = lab
        .session
        .server_fn(
            UpdateInstallation::PATH,
            &[("id", &id), ("version", "2.0.0")],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        r.header("location").unwrap_or_default(),
        format!("/installations/{id}/update?version=2.0.0")
    );
    // With consent.
    let r = post_form(
        &lab.session,
        UpdateInstallation::PATH,
        &to,
        &[("id", &id), ("version", "2.0.0"), ("consent", "on")],
    )
    .await;
    assert_eq!(location(&r), format!("/installations/{id}?done=updated"));
    let i = installation(&lab.session, "~alice", "labs.ticker")
        .await
        .unwrap();
    assert_eq!(
        (i["version"].clone(), i["previous_version"].clone()),
        (json!("2.0.0"), json!("1.0.0"))
    );
    let p = page(&lab.session, &format!("/installations/{id}")).await;
    assert!(
        p.contains("Roll back to 1.0.0") && part(&p, "installed-version").contains("2.0.0"),
        "{p}"
    );

    // Rolling back asks for nothing new: done at once.
    let r = post_form(
        &lab.session,
        RollbackInstallation::PATH,
        ws,
        &[("id", &id), ("back", ws)],
    )
    .await;
    assert_eq!(location(&r), format!("{ws}?done=rolled_back"));
    let i = installation(&lab.session, "~alice", "labs.ticker")
        .await
        .unwrap();
    assert_eq!(
        (i["version"].clone(), i["previous_version"].clone()),
        (json!("1.0.0"), json!("2.0.0"))
    );
    // Rolling back to 2.0.0 asks for its permissions again.
    let r = post_form(
        &lab.session,
        RollbackInstallation::PATH,
        ws,
        &[("id", &id), ("back", ws)],
    )
    .await;
    assert_eq!(location(&r), format!("/installations/{id}/rollback"));
    let c = page(&lab.session, &format!("/installations/{id}/rollback")).await;
    assert!(
        c.contains("Roll back Labs Ticker to 2.0.0") && part(&c, "plan").contains("127.0.0.1"),
        "{c}"
    );
    assert_eq!(
        installation(&lab.session, "~alice", "labs.ticker")
            .await
            .unwrap()["version"],
        "1.0.0"
    );

    // "Update all": to its consent page, then with consent.
    let r = post_form(
        &lab.session,
        UpdateAllPlugins::PATH,
        ws,
        &[("workspace", "~alice")],
    )
    .await;
    assert_eq!(location(&r), format!("{ws}/updates"));
    let u = page(&lab.session, &format!("{ws}/updates")).await;
    assert!(
        u.contains("labs.ticker: 1.0.0 → 2.0.0") && u.contains(r#"data-testid="consent""#),
        "{u}"
    );
    let r = post_form(
        &lab.session,
        UpdateAllPlugins::PATH,
        &format!("{ws}/updates"),
        &[("workspace", "~alice"), ("consent", "on")],
    )
    .await;
    assert_eq!(location(&r), format!("{ws}?done=updated_all"));
    assert_eq!(
        installation(&lab.session, "~alice", "labs.ticker")
            .await
            .unwrap()["version"],
        "2.0.0"
    );
    let u = page(&lab.session, &format!("{ws}/updates")).await;
    assert!(u.contains(r#"data-testid="nothing-to-update""#), "{u}");

    // Disable and enable from the workspace.
    let r = post_form(
        &lab.session,
        SetInstallationEnabled::PATH,
        ws,
        &[("id", &id), ("enabled", "false"), ("back", ws)],
    )
    .await;
    assert_eq!(location(&r), format!("{ws}?done=disabled"));
    let p = page(&lab.session, ws).await;
    assert!(
        p.contains(r#"data-status="disabled""#) && p.contains(r#"data-testid="enable""#),
        "{p}"
    );
    // A `back` off this site is not followed.
    let r = post_form(
        &lab.session,
        SetInstallationEnabled::PATH,
        ws,
        &[
            ("id", &id),
            ("enabled", "true"),
            ("back", "//evil.example/"),
        ],
    )
    .await;
    assert_eq!(location(&r), format!("/installations/{id}?done=enabled"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn uninstall_offers_the_dependencies_nothing_needs() {
    let app = TestApp::new().await;
    let lab = lab(&app).await;
    publish_all(&lab, &["base", "uses-base"]).await;
    let done = install(&lab.plugins, "~alice", "labs.uses-base").await;
    let (uses, base) = (
        installation_id(&done, "labs.uses-base"),
        installation_id(&done, "labs.base"),
    );

    // The dependency cannot go first: the page says what needs it and offers nothing.
    let p = page(&lab.session, &format!("/installations/{base}/uninstall")).await;
    assert!(
        part(&p, "uninstall-needed").contains("needed by labs.uses-base"),
        "{p}"
    );
    assert!(!p.contains("uninstall-form"), "{p}");

    // The dependent: the unused dependency is named and offered.
    let p = page(&lab.session, &format!("/installations/{uses}/uninstall")).await;
    assert!(part(&p, "unused-deps").contains("labs.base"), "{p}");
    // Left unticked: only it goes, and the workspace marks what nothing needs.
    let r = post_form(
        &lab.session,
        UninstallPlugin::PATH,
        &format!("/installations/{uses}/uninstall"),
        &[("id", &uses)],
    )
    .await;
    assert_eq!(location(&r), "/workspaces/~alice?done=uninstalled");
    let ws = page(&lab.session, "/workspaces/~alice?done=uninstalled").await;
    assert!(
        ws.contains("Uninstalled.") && ws.contains(">unused dependency<"),
        "{ws}"
    );
    assert_eq!(installations(&lab.session, "~alice").await.len(), 1);

    // Again, ticked: both go.
    let done = install(&lab.plugins, "~alice", "labs.uses-base").await;
    let uses = installation_id(&done, "labs.uses-base");
    let r = post_form(
        &lab.session,
        UninstallPlugin::PATH,
        &format!("/installations/{uses}/uninstall"),
        &[("id", &uses), ("remove_unused", "on")],
    )
    .await;
    assert_eq!(location(&r), "/workspaces/~alice?done=uninstalled");
    assert!(installations(&lab.session, "~alice").await.is_empty());
    assert!(page(&lab.session, "/workspaces/~alice")
        .await
        .contains(r#"data-testid="ws-empty""#));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admins_see_the_install_rate_and_every_installation_others_do_not() {
    let app = TestApp::new().await;
    let lab = lab(&app).await;
    publish_all(&lab, &["base", "echo"]).await;
    install(&lab.plugins, "~alice", "labs.echo").await;
    install(&lab.plugins, "labs", "labs.base").await;
    // A failed attempt: the package's stored bytes no longer match its hash.
    use object_store::ObjectStoreExt;
    publish(&lab.publish, package("trap", "plugin.toml")).await;
    let v = lab
        .session
        .get("/api/v1/plugins/labs.trap/versions/1.0.0")
        .await
        .json();
    let path = trellis_platform::registry::artifact_path(v["sha256"].as_str().unwrap());
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
    let r = post_form(
        &lab.session,
        InstallPlugin::PATH,
        "/plugins/labs.trap/install",
        &[
            ("plugin", "labs.trap"),
            ("workspace", "~alice"),
            ("consent", "on"),
        ],
    )
    .await;
    assert!(location(&r).contains("__err"));

    let admin = app.admin("opal").await;
    let p = page(&admin, "/admin/plugins").await;
    assert!(p.contains(r#"href="/admin/plugins""#), "the admin tab: {p}");
    assert_eq!(text_of(&p, "attempts"), "3", "{p}");
    assert!(part(&p, "success-rate").contains("66.7 %"), "{p}");
    assert!(
        part(&p, "rate-verdict").contains("Below the 95.0 % target"),
        "{p}"
    );
    let failure = part(&p, "failure-row");
    assert!(
        failure.contains("labs.trap") && failure.contains("integrity"),
        "{failure}"
    );
    assert_eq!(p.matches(r#"data-testid="health-row""#).count(), 2, "{p}");
    assert!(p.contains(r#"href="/workspaces/labs""#), "{p}");
    // An admin may look at alice's workspace, not change it.
    let w = page(&admin, "/workspaces/~alice").await;
    assert!(
        w.contains("only its owners can change it") && !w.contains(r#"data-testid="disable""#),
        "{w}"
    );

    // Not an admin: 403. Signed out: the sign-in prompt.
    let r = lab.session.get("/admin/plugins").await;
    assert_eq!(r.status, 403, "{}", r.text);
    assert!(r.text.contains("Admins only"));
    let r = app.client().get("/admin/plugins").await;
    assert!(r.text.contains("Sign in to continue"), "{}", r.text);
}
