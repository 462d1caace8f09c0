//! `trellis.json-transform` through `invoke`: several specs (paths, text,
//! filters, operations), the configured default spec, and bad specs failing
//! with a stable code and the offending spot.

use axum::http::StatusCode;
use serde_json::{json, Value};

use crate::official_support::{health, install_configured, invoke, official_app};
use crate::registry_support::send_json;

fn data() -> Value {
    json!({
        "type": "plugin.version.yanked",
        "data": {"plugin": "acme.kanban", "version": "1.1.0", "namespace": "acme"},
        "actor": {"username": "alice"},
        "tags": ["boards", "notes"],
        "items": [{"name": "a", "n": 1}, {"name": "b", "n": 2}],
        "text": "  A fairly long sentence  "
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_transform_reshapes_data_and_names_what_is_wrong_in_a_spec() {
    // Bad specs fail their calls on purpose: keep the breaker from tripping.
    let o = official_app(&[], &[("TRELLIS_PLUGINS__BREAKER_FAILURES", "100")]).await;
    let c = &o.lab.plugins;
    let id = install_configured(c, "~alice", "trellis.json-transform", json!({}), json!({})).await;
    let h = health(c, &id).await;
    assert_eq!(h["reported_status"], "ok", "{h}");

    let cases = [
        (
            json!({"title": "{{ data.plugin | upper }} {{ data.version }} was yanked", "by": "$.actor.username"}),
            json!({"title": "ACME.KANBAN 1.1.0 was yanked", "by": "alice"}),
        ),
        (
            json!({"labels": "$.tags", "text": "$.tags | join(\" / \")", "count": "$.tags | length",
                   "last": "$.tags[-1]", "none": "$.missing | default(\"n/a\")", "n": 7, "lit": "$$.x"}),
            json!({"labels": ["boards", "notes"], "text": "boards / notes", "count": 2,
                   "last": "notes", "none": "n/a", "n": 7, "lit": "$.x"}),
        ),
        (
            json!({"short": "$.text | trim | truncate(8)", "low": "{{ type | lower }}", "raw": "{{ data | json }}"}),
            json!({"short": "A fairl…", "low": "plugin.version.yanked",
                   "raw": "{\"namespace\":\"acme\",\"plugin\":\"acme.kanban\",\"version\":\"1.1.0\"}"}),
        ),
        (
            json!({"$each": "$.items", "to": {"label": "{{ @.name | upper }}#{{ @.n }}", "plugin": "$.data.plugin"}}),
            json!([{"label": "A#1", "plugin": "acme.kanban"}, {"label": "B#2", "plugin": "acme.kanban"}]),
        ),
        (
            json!({"p": {"$pick": ["plugin"], "from": "$.data"}, "o": {"$omit": ["namespace", "version"], "from": "$.data"},
                   "r": {"$rename": {"plugin": "id"}, "from": "$.data"}, "l": {"$literal": "{{ kept }}"}, "$$key": true}),
            json!({"p": {"plugin": "acme.kanban"}, "o": {"plugin": "acme.kanban"},
                   "r": {"id": "acme.kanban", "version": "1.1.0", "namespace": "acme"}, "l": "{{ kept }}", "$key": true}),
        ),
    ];
    for (spec, want) in cases {
        let r = invoke(c, &id, json!({"data": data(), "spec": spec})).await;
        assert_eq!(r.status, StatusCode::OK, "{spec}: {}", r.text);
        assert_eq!(r.json()["output"], want, "{spec}");
    }

    let bad = [
        (
            json!({"a": {"b": "{{ data.plugin | shout }}"}}),
            "unknown_filter at spec/a/b",
        ),
        (
            json!({"a": "{{ data.plugin"}),
            "unclosed_template at spec/a",
        ),
        (json!({"a": "$.data..plugin"}), "bad_path at spec/a"),
        (json!({"list": [1, "@.name"]}), "bad_path at spec/list/1"),
        (
            json!({"a": "$.text | truncate(0)"}),
            "bad_filter_arg at spec/a",
        ),
        (
            json!({"a": {"$map": "$.tags"}}),
            "unknown_operation at spec/a/$map",
        ),
        (json!({"a": {"$each": "$.tags"}}), "bad_operation at spec/a"),
        (json!({"a": "$.data | join"}), "type_mismatch at spec/a"),
    ];
    for (spec, want) in bad {
        let r = invoke(c, &id, json!({"data": data(), "spec": spec})).await;
        assert_eq!(
            r.status,
            StatusCode::FAILED_DEPENDENCY,
            "{spec}: {}",
            r.text
        );
        assert!(r.text.contains(want), "{want} not in {}", r.text);
    }
    let r = invoke(c, &id, json!([1, 2])).await;
    assert!(r.text.contains("bad_input"), "{}", r.text);
    let r = invoke(c, &id, json!({"data": 1})).await;
    assert!(r.text.contains("bad_input: no `spec`"), "{}", r.text);

    // The configured spec serves calls without one; a bad one shows in health.
    let path = format!("/api/v1/installations/{id}/config");
    let put = |spec: Value| send_json(c, "PUT", &path, json!({"values": {"spec": spec}}));
    let r = put(json!({"who": "$.actor.username | upper"})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let r = invoke(c, &id, json!({"data": data()})).await;
    assert_eq!(r.json()["output"], json!({"who": "ALICE"}), "{}", r.text);
    let r = put(json!({"who": "$.actor.username | uppr"})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let h = health(c, &id).await;
    assert_eq!(h["reported_status"], "failing", "{h}");
    assert!(
        h["reported_message"]
            .as_str()
            .unwrap()
            .contains("unknown_filter at spec/who"),
        "{h}"
    );
}
