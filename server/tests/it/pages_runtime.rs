//! The plugin runtime's pages rendered on the server and driven without
//! JavaScript (plain form posts) and as the hydrated browser calls them
//! (`Client::server_fn`), with the real test plugins of `plugins/testing`:
//! the install panel and plan with consent, a plan the resolver cannot make,
//! listings without a package, settings with secrets that are never
//! rendered and field errors, the log with its filter and older lines,
//! invoke, the breaker's notice, workspace health and who may see what.
//! Updates, uninstall and the admins' page: `pages_runtime_manage`.

use leptos::server_fn::ServerFn;
use serde_json::Value;
use trellis_platform::registry::import::{self, ImportOptions};

use crate::harness::{eventually, Client, TestApp};
use crate::pages_reviews::{location, post_form};
use crate::runtime_support::{install, installation_id, lab, publish, publish_all};

use app::api::runtime_actions::{
    InstallPlugin, InvokePlugin, SavePluginConfig, SetInstallationEnabled,
};

/// A workspace's installations through the REST API.
pub async fn installations(c: &Client, ws: &str) -> Vec<Value> {
    let r = c.get(&format!("/api/v1/workspaces/{ws}")).await;
    assert_eq!(r.status, 200, "{}", r.text);
    r.json()["installations"].as_array().unwrap().clone()
}

/// The installation of `plugin` in `ws`.
pub async fn installation(c: &Client, ws: &str, plugin: &str) -> Option<Value> {
    installations(c, ws)
        .await
        .into_iter()
        .find(|i| i["plugin"] == plugin)
}

/// A page that must render (200).
pub async fn page(c: &Client, path: &str) -> String {
    let r = c.get(path).await;
    assert_eq!(r.status, 200, "{path}: {}", r.text);
    r.text
}

/// The element `data-testid="<id>"` (from its opening `<`) and what follows, 2000 bytes.
pub fn part<'a>(html: &'a str, id: &str) -> &'a str {
    let at = html
        .find(&format!("data-testid=\"{id}\""))
        .unwrap_or_else(|| panic!("no {id} in {html}"));
    let start = html[..at].rfind('<').unwrap();
    let end = (at + 2000).min(html.len());
    &html[start..html.floor_char_boundary(end)]
}

/// The text of the leaf element `data-testid="<id>"` (hydration markers left out).
pub fn text_of(html: &str, id: &str) -> String {
    let from = part(html, id);
    let start = from.find('>').unwrap() + 1;
    let end = from[start..]
        .find("</")
        .map(|e| start + e)
        .unwrap_or(from.len());
    from[start..end]
        .replace("<!>", "")
        .replace("<!---->", "")
        .trim()
        .to_owned()
}

/// The `href` of the link `data-testid="<id>"` (its `href` comes first).
pub fn href_of(html: &str, id: &str) -> String {
    let at = html
        .find(&format!("data-testid=\"{id}\""))
        .unwrap_or_else(|| panic!("no {id} in {html}"));
    let start = html[..at].rfind("href=\"").unwrap() + 6;
    html[start..start + html[start..].find('"').unwrap()].replace("&amp;", "&")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_install_page_shows_the_plan_and_installs_only_with_consent() {
    let app = TestApp::new().await;
    let lab = lab(&app).await;
    publish_all(&lab, &["base", "uses-base"]).await;

    // The plugin page: signed out, an invitation to sign in; signed in, the
    // workspace choice leading to the plan.
    let anon = page(&app.client(), "/plugins/labs.uses-base").await;
    assert!(
        anon.contains(r#"href="/signin?next=%2Fplugins%2Flabs.uses-base""#)
            && anon.contains("Sign in to install"),
        "{anon}"
    );
    let p = page(&lab.session, "/plugins/labs.uses-base").await;
    let form = part(&p, "install-form");
    assert!(
        form.contains(r#"action="/plugins/labs.uses-base/install""#)
            && form.contains(r#"value="~alice""#)
            && form.contains(r#"value="labs""#),
        "{form}"
    );
    // The header leads to the user's plugins.
    assert!(p.contains(r#"href="/workspaces/~alice""#), "{p}");

    // The plan: both plugins, what they may do and why each is there.
    let plan = page(
        &lab.session,
        "/plugins/labs.uses-base/install?workspace=~alice",
    )
    .await;
    assert!(
        plan.contains(r#"data-plugin="labs.base" data-action="install""#)
            && plan.contains(r#"data-plugin="labs.uses-base" data-action="install""#),
        "{plan}"
    );
    assert!(
        plan.contains("call the invoke export of a plugin listed in dependencies"),
        "{plan}"
    );
    assert!(
        plan.contains("needed by labs.uses-base") && plan.contains("you asked for it"),
        "{plan}"
    );
    assert!(part(&plan, "plan-total").contains("KB"), "{plan}");
    assert!(
        plan.contains("I allow these plugins these permissions"),
        "{plan}"
    );

    // Without consent: refused, nothing installed (no JavaScript, then as the browser calls it).
    let from = "/plugins/labs.uses-base/install?workspace=%7Ealice";
    let r = post_form(
        &lab.session,
        InstallPlugin::PATH,
        from,
        &[("plugin", "labs.uses-base"), ("workspace", "~alice")],
    )
    .await;
    let back = location(&r);
    assert!(
        back.contains("__err") && back.starts_with("/plugins/labs.uses-base/install"),
        "{back}"
    );
    let r = lab
        .session
        .server_fn(
            InstallPlugin::PATH,
            &[("plugin", "labs.uses-base"), ("workspace", "~alice")],
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.text);
    assert_eq!(r.json()["fields"][0]["field"], "consent", "{}", r.text);
    assert!(installations(&lab.session, "~alice").await.is_empty());

    // With consent: everything installed, on to the installation's page.
    let r = post_form(
        &lab.session,
        InstallPlugin::PATH,
        from,
        &[
            ("plugin", "labs.uses-base"),
            ("workspace", "~alice"),
            ("consent", "on"),
        ],
    )
    .await;
    let to = location(&r);
    let id = installation(&lab.session, "~alice", "labs.uses-base")
        .await
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(to, format!("/installations/{id}?done=installed"));
    let inst = page(&lab.session, &to).await;
    assert!(inst.contains("Installed and enabled"), "{inst}");
    assert_eq!(installations(&lab.session, "~alice").await.len(), 2);

    // Installed already: the plan page says so and links to it; so does the plugin page.
    let again = page(
        &lab.session,
        "/plugins/labs.uses-base/install?workspace=~alice",
    )
    .await;
    assert!(
        part(&again, "already-installed").contains(&format!("/installations/{id}")),
        "{again}"
    );
    let p = page(&lab.session, "/plugins/labs.uses-base").await;
    assert!(
        part(&p, "installed-in").contains(&format!("/installations/{id}")),
        "{p}"
    );

    // The workspace lists both, the dependency marked as such.
    let ws = page(&lab.session, "/workspaces/~alice").await;
    let base_row = &ws[ws.find(r#"data-plugin="labs.base""#).unwrap()..];
    assert!(base_row[..1500].contains(">dependency<"), "{ws}");
    assert!(ws.contains(">asked for<"), "{ws}");

    // Someone else's workspace is not there to them.
    let bob = app.user("bob").await;
    assert_eq!(bob.get("/workspaces/~alice").await.status, 404);
    assert_eq!(
        bob.get("/plugins/labs.uses-base/install?workspace=~alice")
            .await
            .status,
        404
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plans_that_cannot_be_made_explain_why_and_listings_offer_no_install() {
    let app = TestApp::new().await;
    let lab = lab(&app).await;
    publish_all(&lab, &["base"]).await;
    // uses-base wanting labs.base ^2, which does not exist.
    let dir = trellis_runtime::testkit::plugins_dir().join("testing/uses-base");
    let text = std::fs::read_to_string(dir.join("plugin.toml"))
        .unwrap()
        .replace("\"labs.base\" = \"^1\"", "\"labs.base\" = \"^2\"");
    let bytes = trellis_runtime::testkit::package_text("testing/uses-base", &text);
    publish(&lab.publish, bytes).await;

    let plan = page(&lab.session, "/plugins/labs.uses-base/install").await;
    let refused = part(&plan, "plan-refused");
    assert!(
        refused.contains(r#"data-code="resolution_failed""#),
        "{refused}"
    );
    assert!(
        part(&plan, "plan-explanation").contains("labs.base"),
        "{plan}"
    );
    assert!(!plan.contains("install-consent-form"), "{plan}");

    // A listing imported without a package has nothing to install.
    let line = r#"{"id": "someone/dial.nvim", "name": "dial.nvim", "summary": "Increments dates.", "author": "someone", "categories": [], "tags": [], "repository": "https://github.com/someone/dial.nvim", "versions": [], "source": "example/awesome-list"}"#;
    let opts = ImportOptions {
        namespace: "catalogue".into(),
        demo: true,
        owner: None,
    };
    import::import(&app.state, line.as_bytes(), &opts)
        .await
        .unwrap();
    let listing = page(&lab.session, "/plugins/catalogue.someone-dial-nvim").await;
    assert!(listing.contains(r#"id="listing-note""#), "{listing}");
    assert!(
        !listing.contains(r#"id="install""#) && !listing.contains("install-form"),
        "{listing}"
    );
    // A plugin with a package has the panel.
    assert!(page(&lab.session, "/plugins/labs.base")
        .await
        .contains(r#"id="install""#));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn settings_keep_secrets_unseen_and_show_field_errors() {
    let app = TestApp::new().await;
    let lab = lab(&app).await;
    publish_all(&lab, &["echo"]).await;
    let id = installation_id(
        &install(&lab.plugins, "~alice", "labs.echo").await,
        "labs.echo",
    );
    let here = format!("/installations/{id}");

    let p = page(&lab.session, &here).await;
    let greeting = part(&p, "cfg-input-greeting");
    assert!(
        greeting.contains(r#"value="hello""#) && greeting.contains(r#"maxlength="40""#),
        "{greeting}"
    );
    assert!(
        part(&p, "cfg-input-repeat").contains(r#"type="number""#),
        "{p}"
    );
    assert!(
        part(&p, "cfg-secret-ECHO_TOKEN").contains(r#"type="password""#),
        "{p}"
    );
    assert_eq!(text_of(&p, "secret-state-ECHO_TOKEN"), "not set", "{p}");

    // Saved without JavaScript: back with the notice; the secret is "set" and never shown.
    const SECRET: &str = "tok-5f1e-never-shown";
    let r = post_form(
        &lab.session,
        SavePluginConfig::PATH,
        &here,
        &[
            ("id", &id),
            ("values[greeting]", "hey"),
            ("values[repeat]", "2"),
            ("values[ECHO_TOKEN]", SECRET),
        ],
    )
    .await;
    let to = location(&r);
    assert_eq!(to, format!("{here}?done=configured#config"));
    let p = page(&lab.session, &to).await;
    assert!(p.contains("Configuration saved"), "{p}");
    assert_eq!(text_of(&p, "secret-state-ECHO_TOKEN"), "set", "{p}");
    assert!(
        part(&p, "cfg-input-greeting").contains(r#"value="hey""#),
        "{p}"
    );
    assert!(!p.contains(SECRET), "the secret is never rendered");
    let rest = lab
        .session
        .get(&format!("/api/v1/installations/{id}/config"))
        .await
        .text;
    assert!(!rest.contains(SECRET), "{rest}");
    // The plugin reads it: invoke says it is set.
    let out = lab
        .session
        .server_fn(InvokePlugin::PATH, &[("id", &id), ("input", r#"{"q": 1}"#)])
        .await;
    assert_eq!(out.status, 200, "{}", out.text);
    let out = out.json();
    assert_eq!(out["ok"], true, "{out}");
    let shown: Value = serde_json::from_str(out["text"].as_str().unwrap()).unwrap();
    assert_eq!(shown["has_token"], true, "{shown}");
    assert_eq!(shown["config"]["greeting"], "hey", "{shown}");

    // A value the schema refuses: the field's error under it, what was typed
    // kept (never the secret), nothing saved.
    let r = post_form(
        &lab.session,
        SavePluginConfig::PATH,
        &here,
        &[
            ("id", &id),
            ("values[greeting]", "draft-greeting"),
            ("values[repeat]", "9"),
            ("values[ECHO_TOKEN]", "another-secret-typed"),
        ],
    )
    .await;
    let back = location(&r);
    assert!(
        back.contains("__err") && back.contains("draft_greeting=draft-greeting"),
        "{back}"
    );
    assert!(!back.contains("another-secret-typed"), "{back}");
    let p = page(&lab.session, &back).await;
    let repeat = &p[p.find(r#"data-testid="cfg-field-repeat""#).unwrap() - 80..];
    assert!(
        repeat[..1500].contains("has-error") && repeat[..1500].contains("Check this field."),
        "{p}"
    );
    assert!(
        part(&p, "cfg-input-greeting").contains(r#"value="draft-greeting""#),
        "{p}"
    );
    assert!(!p.contains("another-secret-typed"), "{p}");
    // As the browser calls it: the schema's own words, per field.
    let r = lab
        .session
        .server_fn(
            SavePluginConfig::PATH,
            &[
                ("id", &id),
                ("values[repeat]", "9"),
                ("values[greeting]", "x"),
            ],
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.text);
    let e = r.json();
    assert!(
        e["fields"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["field"] == "values.repeat"),
        "{e}"
    );
    let r = lab
        .session
        .server_fn(
            SavePluginConfig::PATH,
            &[("id", &id), ("values[repeat]", "three")],
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.text);
    assert_eq!(
        r.json()["fields"][0]["detail"],
        "Enter a whole number.",
        "{}",
        r.text
    );
    let cfg = lab
        .session
        .get(&format!("/api/v1/installations/{id}/config"))
        .await
        .json();
    assert_eq!(cfg["values"]["greeting"], "hey", "nothing saved: {cfg}");
    assert_eq!(cfg["values"]["repeat"], 2, "{cfg}");

    // Forgetting the secret.
    let r = post_form(
        &lab.session,
        SavePluginConfig::PATH,
        &here,
        &[
            ("id", &id),
            ("values[greeting]", "hey"),
            ("clear[]", "ECHO_TOKEN"),
        ],
    )
    .await;
    let p = page(&lab.session, &location(&r)).await;
    assert_eq!(text_of(&p, "secret-state-ECHO_TOKEN"), "not set", "{p}");

    // Someone who may only look (an admin) sees "set"/"not set", no form.
    let admin = app.admin("opal").await;
    let p = page(&admin, &here).await;
    assert!(
        p.contains(r#"data-testid="config-values""#) && !p.contains("config-form"),
        "{p}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_log_filters_pages_and_invoke_answers_without_javascript() {
    let app = TestApp::with_env(&[("TRELLIS_PLUGINS__BREAKER_FAILURES", "2")]).await;
    let lab = lab(&app).await;
    publish_all(&lab, &["echo", "chatty", "trap"]).await;
    let echo = installation_id(
        &install(&lab.plugins, "~alice", "labs.echo").await,
        "labs.echo",
    );
    let here = format!("/installations/{echo}");

    // Echo hears about its own installation (an event of its workspace) and logs it.
    eventually("echo logs the plugin.installed event", || async {
        lab.session
            .get(&here)
            .await
            .text
            .contains("received plugin.installed")
    })
    .await;
    let warn = page(&lab.session, &format!("{here}?level=warn")).await;
    assert!(
        warn.contains(r#"data-testid="log-empty""#) && !warn.contains("received plugin.installed"),
        "{warn}"
    );
    assert!(warn.contains(r#"<option value="warn" selected"#), "{warn}");

    // Invoke without JavaScript: back to the page with the result sealed in the URL.
    let r = post_form(
        &lab.session,
        InvokePlugin::PATH,
        &here,
        &[("id", &echo), ("input", r#"{"ping": "pong-7"}"#)],
    )
    .await;
    let to = location(&r);
    assert!(to.starts_with(&format!("{here}?invoked=")), "{to}");
    let p = page(&lab.session, &to).await;
    let result = part(&p, "invoke-result");
    assert!(
        result.contains(r#"data-ok="true""#) && result.contains("pong-7"),
        "{result}"
    );
    // A result that was not sealed here shows nothing; another user cannot open it.
    let forged = page(&lab.session, &format!("{here}?invoked=AAAAbm90LXNlYWxlZA")).await;
    assert!(
        !forged.contains(r#"data-testid="invoke-result""#),
        "{forged}"
    );
    // JSON that does not parse: said so, nothing called.
    let r = post_form(
        &lab.session,
        InvokePlugin::PATH,
        &here,
        &[("id", &echo), ("input", "{nope")],
    )
    .await;
    let p = page(&lab.session, &location(&r)).await;
    let result = part(&p, "invoke-result");
    assert!(
        result.contains(r#"data-ok="false""#) && result.contains("not JSON"),
        "{result}"
    );

    // A flood of lines: newest first, in pages, "Older lines" going back.
    let chatty = installation_id(
        &install(&lab.plugins, "~alice", "labs.chatty").await,
        "labs.chatty",
    );
    let r = lab
        .session
        .server_fn(InvokePlugin::PATH, &[("id", &chatty), ("input", "{}")])
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let first = page(&lab.session, &format!("/installations/{chatty}")).await;
    assert_eq!(
        first.matches(r#"data-testid="log-line""#).count(),
        50,
        "{first}"
    );
    let href = href_of(&first, "log-older");
    assert!(href.contains("before="), "{href}");
    let second = page(&lab.session, &href).await;
    let lines = |html: &str| -> Vec<String> {
        html.split(r#"class="log-message">"#)
            .skip(1)
            .map(|s| s.split('<').next().unwrap().to_owned())
            .collect()
    };
    let (a, b) = (lines(&first), lines(&second));
    assert!(
        !b.is_empty() && a.iter().all(|l| !b.contains(l)),
        "{a:?} {b:?}"
    );

    // The breaker: two failed calls in a row disable it; the panel says why and offers Enable.
    let trap = installation_id(
        &install(&lab.plugins, "~alice", "labs.trap").await,
        "labs.trap",
    );
    let tpage = format!("/installations/{trap}");
    for _ in 0..2 {
        let r = lab
            .session
            .server_fn(InvokePlugin::PATH, &[("id", &trap), ("input", "{}")])
            .await;
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(r.json()["ok"], false, "{}", r.text);
    }
    let p = page(&lab.session, &tpage).await;
    assert!(p.contains(r#"data-testid="breaker-notice""#), "{p}");
    assert!(part(&p, "last-error").contains("UTC"), "{p}");
    let r = post_form(
        &lab.session,
        SetInstallationEnabled::PATH,
        &tpage,
        &[("id", &trap), ("enabled", "true")],
    )
    .await;
    assert_eq!(location(&r), format!("{tpage}?done=enabled"));
    let p = page(&lab.session, &tpage).await;
    assert!(!p.contains("breaker-notice"), "{p}");

    // Workspace health: every installation in one table.
    let h = page(&lab.session, "/workspaces/~alice/health").await;
    assert_eq!(h.matches(r#"data-testid="health-row""#).count(), 3, "{h}");
    assert!(h.contains(r#"data-plugin="labs.trap""#), "{h}");
}

#[tokio::test]
async fn signed_out_visitors_are_sent_to_sign_in() {
    let app = TestApp::new().await;
    let anon = app.client();
    for (path, next) in [
        ("/workspaces/~alice", "%2Fworkspaces%2F~alice"),
        (
            "/workspaces/~alice/health",
            "%2Fworkspaces%2F~alice%2Fhealth",
        ),
        ("/installations/ins_x", "%2Finstallations%2Fins_x"),
        (
            "/installations/ins_x/update",
            "%2Finstallations%2Fins_x%2Fupdate",
        ),
        (
            "/plugins/labs.echo/install",
            "%2Fplugins%2Flabs.echo%2Finstall",
        ),
    ] {
        let r = anon.get(path).await;
        assert_eq!(location(&r), format!("/signin?next={next}"), "{path}");
    }
    // Acting signed out: refused, nothing done.
    let r = anon
        .server_fn(
            InstallPlugin::PATH,
            &[
                ("plugin", "labs.echo"),
                ("workspace", "~alice"),
                ("consent", "on"),
            ],
        )
        .await;
    assert_eq!(r.status, 401, "{}", r.text);
    // Signed in, no such installation: 404.
    let alice = app.user("alice").await;
    assert_eq!(alice.get("/installations/ins_nope").await.status, 404);
    // Signed-in users find their plugins in the header.
    assert!(page(&alice, "/").await.contains(r#"id="nav-plugins""#));
}
