//! Configuration through the REST API: the form from the plugin's JSON Schema,
//! values validated on the server (nothing saved when they break the schema),
//! secrets sealed and never shown again, the plugin seeing the new values at
//! its next call; and signatures checked again at install where the namespace
//! requires them. Arrays of strings in the settings form: checkboxes and lines.

use axum::http::StatusCode;
use serde_json::{json, Value};
use trellis_db::sqlx::{self, Row};

use crate::harness::{Client, TestApp};
use crate::registry_support::{publish_ok, send_empty, send_json, Pkg};
use crate::runtime_support::{install, installation_id, invoke, lab, publish_all};

const SECRET: &str = "s3cret-token-never-shown";

async fn put_config(c: &Client, id: &str, values: Value) -> crate::harness::Resp {
    send_json(
        c,
        "PUT",
        &format!("/api/v1/installations/{id}/config"),
        json!({ "values": values }),
    )
    .await
}

fn field<'a>(config: &'a Value, name: &str) -> &'a Value {
    config["fields"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"] == name)
        .unwrap_or_else(|| panic!("no field {name} in {config}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn configuration_is_validated_and_secrets_are_sealed() {
    let app = TestApp::new().await;
    let lab = lab(&app).await;
    publish_all(&lab, &["echo"]).await;
    let id = installation_id(
        &install(&lab.plugins, "~alice", "labs.echo").await,
        "labs.echo",
    );
    let c = &lab.plugins;

    // The form, with the schema's defaults as the first values.
    let r = c.get(&format!("/api/v1/installations/{id}/config")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let form = r.json();
    assert_eq!(form["values"], json!({"greeting": "hello", "repeat": 1}));
    assert_eq!(field(&form, "greeting")["kind"], "string");
    assert_eq!(field(&form, "greeting")["max_length"], 40);
    assert_eq!(field(&form, "repeat")["kind"], "integer");
    assert_eq!(field(&form, "ECHO_TOKEN")["kind"], "secret");
    assert_eq!(field(&form, "ECHO_TOKEN")["is_set"], false);

    // Values that break the schema: each field named, nothing saved.
    let r = put_config(c, &id, json!({"greeting": "g".repeat(41), "repeat": 9})).await;
    let p = r.problem(422, "validation_failed");
    let fields: Vec<&str> = p["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert!(
        fields.contains(&"values.greeting") && fields.contains(&"values.repeat"),
        "{p}"
    );
    let r = put_config(c, &id, json!({"greeting": "hi", "colour": "red"})).await;
    r.problem(422, "validation_failed");
    assert_eq!(
        c.get(&format!("/api/v1/installations/{id}/config"))
            .await
            .json()["values"],
        form["values"]
    );

    // Valid values and a secret: the secret is never shown again, nor stored in clear.
    let r = put_config(
        c,
        &id,
        json!({"greeting": "hi", "repeat": 2, "ECHO_TOKEN": SECRET}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(!r.text.contains(SECRET));
    assert_eq!(field(&r.json(), "ECHO_TOKEN")["is_set"], true);
    assert!(field(&r.json(), "ECHO_TOKEN")["value"].is_null());
    let again = c.get(&format!("/api/v1/installations/{id}/config")).await;
    assert!(!again.text.contains(SECRET));
    let stored: String = {
        let mut db = app.state.db.conn().await.unwrap();
        sqlx::query("SELECT COALESCE(secrets, '') || config AS s FROM installations")
            .fetch_one(&mut *db)
            .await
            .unwrap()
            .get("s")
    };
    assert!(!stored.contains(SECRET) && !stored.is_empty(), "{stored}");

    // The plugin sees them at its next call (reloaded), the secret only as set.
    let out = invoke(c, &id, json!({"x": 1})).await.json()["output"].clone();
    assert_eq!(
        out["config"],
        json!({"greeting": "hi", "repeat": 2}),
        "{out}"
    );
    assert_eq!(out["has_token"], true, "{out}");

    // Left out, a secret stays; null clears it.
    put_config(c, &id, json!({"greeting": "yo"})).await;
    let out = invoke(c, &id, json!({})).await.json()["output"].clone();
    assert_eq!(
        (out["config"].clone(), out["has_token"].clone()),
        (json!({"greeting": "yo"}), json!(true))
    );
    put_config(c, &id, json!({"greeting": "yo", "ECHO_TOKEN": null})).await;
    let out = invoke(c, &id, json!({})).await.json()["output"].clone();
    assert_eq!(out["has_token"], false, "{out}");

    // The events name the fields changed, never a value.
    let mut db = app.state.db.conn().await.unwrap();
    let rows = sqlx::query("SELECT data FROM events WHERE type = 'plugin.configured'")
        .fetch_all(&mut *db)
        .await
        .unwrap();
    assert_eq!(rows.len(), 3);
    assert!(rows
        .iter()
        .all(|r| !r.get::<String, _>("data").contains(SECRET)));

    // Another user cannot read or change it; a read token cannot change it.
    let bob = app.user("bob").await;
    bob.get(&format!("/api/v1/installations/{id}/config"))
        .await
        .problem(404, "not_found");
    let read = app.token_client(&lab.session, &["read"]).await;
    put_config(&read, &id, json!({"greeting": "no"}))
        .await
        .problem(403, "insufficient_scope");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signatures_are_checked_again_at_install_where_the_namespace_requires_them() {
    let app = TestApp::new().await;
    let lab = lab(&app).await;
    let kp = minisign::KeyPair::generate_unencrypted_keypair().unwrap();
    let r = send_json(
        &lab.publish,
        "POST",
        "/api/v1/namespaces/labs/keys",
        json!({"public_key": kp.pk.to_base64()}),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let key_id = r.json()["key_id"].as_str().unwrap().to_owned();
    let r = send_json(
        &lab.publish,
        "PATCH",
        "/api/v1/namespaces/labs",
        json!({"require_signatures": true}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    publish_ok(&lab.publish, &Pkg::new("labs.signed", "1.0.0").signed(&kp)).await;

    // The key that signed it is withdrawn: the package no longer installs.
    let r = send_empty(
        &lab.publish,
        "DELETE",
        &format!("/api/v1/namespaces/labs/keys/{key_id}"),
    )
    .await;
    assert!(r.status.is_success(), "{}", r.text);
    let r = lab
        .plugins
        .post_json(
            "/api/v1/workspaces/~alice/installations",
            json!({"plugin": "labs.signed", "consent": true}),
        )
        .await;
    let p = r.problem(422, "package_invalid");
    assert_eq!(p["errors"][0]["code"], "signature", "{p}");
    let n: i64 = {
        let mut db = app.state.db.conn().await.unwrap();
        sqlx::query("SELECT COUNT(*) AS n FROM installations")
            .fetch_one(&mut *db)
            .await
            .unwrap()
            .get("n")
    };
    assert_eq!(n, 0);

    // Trusted again, it installs.
    let r = send_json(
        &lab.publish,
        "POST",
        "/api/v1/namespaces/labs/keys",
        json!({"public_key": kp.pk.to_base64()}),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    install(&lab.plugins, "~alice", "labs.signed").await;
}

/// Posts installation `id`'s settings form without JavaScript from its
/// page; where the answer redirects.
async fn save_form(c: &Client, id: &str, form: &[(&str, &str)]) -> String {
    use app::api::runtime_actions::SavePluginConfig;
    use leptos::server_fn::ServerFn;
    let mut all = vec![("id", id)];
    all.extend_from_slice(form);
    let here = format!("/installations/{id}");
    let r = crate::pages_reviews::post_form(c, SavePluginConfig::PATH, &here, &all).await;
    crate::pages_reviews::location(&r)
}

/// Installation `id`'s configuration over REST.
async fn config_of(c: &Client, id: &str) -> Value {
    let r = c.get(&format!("/api/v1/installations/{id}/config")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    r.json()
}

/// Arrays of strings in a schema: the Slack notifier's `events` (items from an
/// enum) are checkboxes, the GitHub plugin's `labels` a list, one per line;
/// both saved from the settings form without JavaScript.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn string_arrays_are_checkboxes_and_lines_in_the_settings_form() {
    use crate::official_support::{install_configured, official_app};
    use crate::pages_runtime::{page, part};

    let o = official_app(&[], &[]).await;
    let (c, s) = (&o.lab.plugins, &o.lab.session);
    let slack =
        install_configured(c, "~alice", "trellis.slack-notifier", json!({}), json!({})).await;
    let here = format!("/installations/{slack}");
    let saved = format!("{here}?done=configured#config");
    let config = config_of(c, &slack).await;
    let events = field(&config, "events");
    assert_eq!(events["kind"], "choices", "{events}");
    assert_eq!(events["choices"][1], "plugin.version.published", "{events}");

    // Unset: the defaults (every event) show ticked.
    let p = page(s, &here).await;
    let group = part(&p, "cfg-field-events");
    assert!(group.starts_with("<fieldset"), "{group}");
    assert_eq!(group.matches(r#"name="picks[]""#).count(), 5, "{group}");
    assert_eq!(group.matches("checked").count(), 5, "{group}");

    // Two ticked, saved: the configuration is those two, in the order ticked.
    let form = [
        ("values[events]", ""),
        ("picks[]", "events:3"),
        ("picks[]", "events:1"),
    ];
    assert_eq!(save_form(s, &slack, &form).await, saved);
    let config = config_of(c, &slack).await;
    let two = json!(["plugin.deprecated", "plugin.version.published"]);
    assert_eq!(config["values"]["events"], two, "{config}");
    let group = part(&page(s, &here).await, "cfg-field-events").to_owned();
    assert_eq!(group.matches("checked").count(), 2, "{group}");

    // None ticked: an empty list (no event posts), not the default.
    assert_eq!(save_form(s, &slack, &[("values[events]", "")]).await, saved);
    let config = config_of(c, &slack).await;
    assert_eq!(config["values"]["events"], json!([]), "{config}");

    // A list: one label per line, blank lines dropped; a label the schema
    // refuses names the field and saves nothing.
    let gh = install_configured(c, "~alice", "trellis.github-issues", json!({}), json!({})).await;
    let here = format!("/installations/{gh}");
    let input = part(&page(s, &here).await, "cfg-field-labels").to_owned();
    assert!(input.contains("<textarea"), "{input}");
    let repo = [("values[owner]", "acme"), ("values[repo]", "plugins")];
    let form = [
        &repo[..],
        &[("values[labels]", "bug\r\n\r\n  from trellis \r\n")],
    ]
    .concat();
    assert_eq!(
        save_form(s, &gh, &form).await,
        format!("{here}?done=configured#config")
    );
    let config = config_of(c, &gh).await;
    let labels = json!(["bug", "from trellis"]);
    assert_eq!(config["values"]["labels"], labels, "{config}");
    assert_eq!(
        field(&config, "labels")["value"],
        "bug\nfrom trellis",
        "{config}"
    );
    let long = format!("ok\n{}", "x".repeat(51));
    // (Its events all unticked: they come back unticked, not as the defaults.)
    let form = [
        &repo[..],
        &[("values[labels]", long.as_str()), ("values[events]", "")],
    ]
    .concat();
    let back = save_form(s, &gh, &form).await;
    assert!(back.contains("draft_labels="), "{back}");
    let p = page(s, &back).await;
    assert!(part(&p, "cfg-field-labels").contains("has-error"), "{p}");
    let events = part(&p, "cfg-field-events");
    let events = &events[..events.find("</fieldset>").unwrap()];
    assert!(
        events.contains("picks[]") && !events.contains("checked"),
        "{events}"
    );
    let config = config_of(c, &gh).await;
    assert_eq!(config["values"]["labels"], labels, "{config}");
}
