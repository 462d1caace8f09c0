//! The OpenAPI 3.1 document of `/api/v1`, generated from the code: each
//! handler's `#[utoipa::path]` (operation id, parameters, bodies, success and
//! specific error responses, security with scopes) and the DTOs' `ToSchema`
//! derives (trellis-types' `openapi` feature). [`document`] then applies the
//! conventions of docs/api-design.md to every operation, so no handler can
//! forget them: the problem+json error responses every endpoint can give, the
//! 304 of conditional reads, the `Idempotency-Key` parameter and its `409` on
//! creating requests, the `RateLimit-*` headers and `429` on limited writes, and
//! the security schemes.
//!
//! Served at `GET /api/v1/openapi.json`; checked in as docs/openapi.json, which
//! server/tests/it/openapi.rs keeps equal to what is served.

use std::sync::OnceLock;

use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Map, Value};
use utoipa::OpenApi;

use super::{
    accounts, admin, audit, downloads, events, installations, installations_dev, moderation,
    namespaces, plugins, resolve, reviews, search, stats, webhooks,
};
use crate::middleware::{idempotency, rate_limit};

/// The document as the derive builds it, before [`document`]'s conventions.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Trellis API",
        version = "1",
        description = "The REST API of a Trellis instance. Conventions (naming, pagination, errors, \
                       caching, scopes) are in docs/api-design.md. Every error is \
                       `application/problem+json` with a stable `code`.",
        license(name = "Apache-2.0", identifier = "Apache-2.0")
    ),
    paths(
        search::search,
        search::suggest,
        plugins::list_plugins,
        plugins::publish_plugin,
        plugins::get_plugin,
        plugins::delete_plugin,
        plugins::list_versions,
        plugins::get_version,
        plugins::yank,
        plugins::unyank,
        plugins::deprecate,
        plugins::undeprecate,
        plugins::list_categories,
        plugins::manifest_schema,
        downloads::download,
        downloads::plugin_downloads,
        stats::plugin_stats,
        reviews::list_reviews,
        reviews::create_review,
        reviews::get_review,
        reviews::update_review,
        reviews::delete_review,
        reviews::put_reply,
        reviews::delete_reply,
        reviews::put_helpful,
        reviews::delete_helpful,
        reviews::create_report,
        reviews::get_rating,
        reviews::get_rating_trend,
        resolve::resolve_plan,
        namespaces::create_namespace,
        namespaces::get_namespace,
        namespaces::patch_namespace,
        namespaces::put_member,
        namespaces::delete_member,
        namespaces::add_key,
        namespaces::delete_key,
        accounts::get_me,
        accounts::list_sessions,
        accounts::end_session,
        accounts::security_log,
        accounts::list_invitations,
        accounts::accept_invitation,
        accounts::decline_invitation,
        accounts::list_tokens,
        accounts::create_token,
        accounts::revoke_token,
        admin::list_users,
        admin::get_event_bus,
        audit::list_audit_log,
        installations::get_workspace,
        installations::install_plan,
        installations::install,
        installations_dev::dev_install,
        installations::list_updates,
        installations::update_all,
        installations::workspace_health,
        installations::get_installation,
        installations::patch_installation,
        installations::uninstall,
        installations::get_config,
        installations::put_config,
        installations::update_plan,
        installations::update,
        installations::rollback,
        installations::invoke,
        installations::installation_health,
        installations::logs,
        installations::admin_health,
        installations::install_stats,
        moderation::report_plugin,
        moderation::get_delisting,
        moderation::put_delisting,
        moderation::delete_delisting,
        moderation::put_hidden,
        moderation::delete_hidden,
        moderation::list_reports,
        moderation::dismiss_review_reports,
        moderation::dismiss_plugin_reports,
        moderation::put_disabled,
        moderation::delete_disabled,
        events::list_event_types,
        events::list_events,
        events::get_event,
        webhooks::list_endpoints,
        webhooks::create_endpoint,
        webhooks::get_endpoint,
        webhooks::update_endpoint,
        webhooks::delete_endpoint,
        webhooks::get_secret,
        webhooks::rotate_secret,
        webhooks::send_test,
        webhooks::replay,
        webhooks::endpoint_stats,
        webhooks::all_stats,
        webhooks::list_messages,
        webhooks::get_message,
        webhooks::retry_message,
        openapi_json,
    ),
    components(schemas(trellis_types::Problem, trellis_types::ErrorCode, trellis_types::FieldError)),
    tags(
        (name = "plugins", description = "Publish, find and read plugins and their versions."),
        (name = "catalogue", description = "Fixed lists: categories, the manifest schema, install plans."),
        (name = "reviews", description = "Reviews of plugins, publisher replies, helpful votes, abuse reports and rating summaries."),
        (name = "namespaces", description = "Namespaces, their members and signing keys."),
        (name = "account", description = "The calling user, their sessions, security log and invitations."),
        (name = "tokens", description = "API tokens."),
        (name = "admin", description = "Instance administration."),
        (name = "installations", description = "The plugin runtime: workspaces, install plans and installs, updates and rollbacks, configuration, invoke, health and logs (docs/runtime.md, docs/plugin-api.md)."),
        (name = "moderation", description = "Reports of plugins and reviews, the moderation queue, hidden reviews and delisted plugins (docs/registry.md, \"Moderation\")."),
        (name = "events", description = "The event catalogue and the event log (docs/events.md)."),
        (name = "webhooks", description = "Webhook endpoints, their messages and delivery attempts, and delivery analytics (`webhooks` scope)."),
        (name = "meta", description = "This document."),
    )
)]
pub struct ApiDoc;

/// Get this API's OpenAPI 3.1 document.
#[utoipa::path(
    get,
    path = "/api/v1/openapi.json",
    operation_id = "v1.openapi.get",
    tag = "meta",
    responses((status = 200, description = "The OpenAPI 3.1 document.", body = Object))
)]
pub async fn openapi_json() -> Response {
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        rendered(),
    )
        .into_response()
}

/// The document, pretty-printed with sorted keys and a final newline: exactly
/// the bytes of docs/openapi.json.
pub fn rendered() -> &'static str {
    static DOC: OnceLock<String> = OnceLock::new();
    DOC.get_or_init(|| {
        let mut s =
            serde_json::to_string_pretty(&sorted(document())).expect("the document serialises");
        s.push('\n');
        s
    })
}

/// The value with every object's keys in sorted order, whether or not some
/// dependency turns on serde_json's `preserve_order`: the rendering is stable.
fn sorted(v: Value) -> Value {
    match v {
        Value::Object(map) => {
            let mut entries: Vec<(String, Value)> = map.into_iter().collect();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            Value::Object(entries.into_iter().map(|(k, v)| (k, sorted(v))).collect())
        }
        Value::Array(items) => Value::Array(items.into_iter().map(sorted).collect()),
        other => other,
    }
}

/// The reusable problem responses: (component name, status, description).
const PROBLEMS: &[(&str, u16, &str)] = &[
    ("BadRequest", 400, "`bad_request`: a path or query parameter, or the body, could not be read; `detail` names it."),
    ("Unauthenticated", 401, "`unauthenticated`, `invalid_token`, `token_revoked`, `token_expired` or `account_disabled`: no usable credentials."),
    ("Forbidden", 403, "`insufficient_scope` (the token lacks the operation's scope) or `forbidden` (the user may not do this)."),
    ("NotFound", 404, "`not_found`: no such resource."),
    ("Conflict", 409, "`conflict` or `version_exists`: the change collides with what exists, or (with \
      `Idempotency-Key`) a request with this key is still in progress or the key was used with another \
      request."),
    ("PreconditionFailed", 412, "`precondition_failed`: `If-Match` names an ETag that is no longer current; read the resource again."),
    ("PayloadTooLarge", 413, "`payload_too_large`: the body is over this operation's limit."),
    ("UnsupportedMediaType", 415, "`unsupported_media_type`: the body's `Content-Type` is not one this operation takes."),
    ("Unprocessable", 422, "`validation_failed` (with `errors` naming the fields), `package_invalid` or `resolution_failed`."),
    ("RateLimited", 429, "`rate_limited`: too many writes this minute; wait `Retry-After` seconds."),
    ("Internal", 500, "`internal`: our fault; quote `request_id` to an administrator."),
    ("PluginFailed", 424, "`plugin_failed`: the plugin's call failed (`kind`: `timeout`, `out_of_fuel`, `out_of_memory`, `trap`, `violation`, `bad_output`, `missing_export`, `load`); its log says more."),
    ("Unavailable", 503, "`unavailable`: the database or object storage is unreachable; retry later."),
];

/// Declares the marker types handlers name in `responses((status = …, response = X))`;
/// each stands for `#/components/responses/X`, which [`document`] fills in.
macro_rules! problem_responses {
    ($($name:ident),*) => {$(
        #[doc = concat!("The `", stringify!($name), "` problem response (see `PROBLEMS`).")]
        pub struct $name;
        impl<'r> utoipa::ToResponse<'r> for $name {
            fn response() -> (&'r str, utoipa::openapi::RefOr<utoipa::openapi::response::Response>) {
                (
                    stringify!($name),
                    utoipa::openapi::RefOr::Ref(utoipa::openapi::Ref::from_response_name(
                        stringify!($name),
                    )),
                )
            }
        }
    )*};
}
problem_responses!(Conflict, PreconditionFailed, Unprocessable, PluginFailed);

/// A raw binary body (a `.tar.gz` package).
pub struct GzipBody;

impl utoipa::PartialSchema for GzipBody {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, SchemaFormat, Type};
        ObjectBuilder::new()
            .schema_type(Type::String)
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::Binary)))
            .into()
    }
}

impl utoipa::ToSchema for GzipBody {
    fn name() -> std::borrow::Cow<'static, str> {
        "GzipBody".into()
    }
}

fn problem_ref(status: u16) -> Value {
    let name = PROBLEMS
        .iter()
        .find(|(_, s, _)| *s == status)
        .map(|(n, _, _)| *n)
        .expect("a known problem status");
    json!({ "$ref": format!("#/components/responses/{name}") })
}

/// The finished document: the derive's output plus the conventions.
pub fn document() -> Value {
    let mut doc = serde_json::to_value(ApiDoc::openapi()).expect("the document serialises");
    let components = doc["components"]
        .as_object_mut()
        .expect("the document has components");
    let responses: Map<String, Value> = PROBLEMS
        .iter()
        .map(|(name, _, description)| {
            (
                (*name).to_owned(),
                json!({
                    "description": description,
                    "content": { "application/problem+json": {
                        "schema": { "$ref": "#/components/schemas/Problem" }
                    } }
                }),
            )
        })
        .collect();
    components.insert("responses".into(), Value::Object(responses));
    components["responses"]["RateLimited"]["headers"] = json!({
        "Retry-After": { "$ref": "#/components/headers/Retry-After" },
        "RateLimit-Limit": { "$ref": "#/components/headers/RateLimit-Limit" },
        "RateLimit-Remaining": { "$ref": "#/components/headers/RateLimit-Remaining" },
        "RateLimit-Reset": { "$ref": "#/components/headers/RateLimit-Reset" },
    });
    components.insert("headers".into(), shared_headers());
    components.insert(
        "parameters".into(),
        json!({ "IdempotencyKey": idempotency_key() }),
    );
    components.insert("securitySchemes".into(), security_schemes());

    let paths = doc["paths"]
        .as_object_mut()
        .expect("the document has paths");
    for (path, item) in paths.iter_mut() {
        let item = item.as_object_mut().expect("a path item");
        for (method, op) in item.iter_mut() {
            apply_conventions(path, method, op);
        }
    }
    doc
}

/// The headers operations share: rate limits and idempotent replays.
fn shared_headers() -> Value {
    let seconds = |description: &str| json!({ "description": description, "schema": { "type": "integer", "minimum": 0 } });
    json!({
        "RateLimit-Limit": seconds("Writes allowed per minute to the caller (`api.writes_per_minute`)."),
        "RateLimit-Remaining": seconds("Writes the caller has left in the current window."),
        "RateLimit-Reset": seconds("Seconds until the current window ends and the count starts again."),
        "Retry-After": seconds("Seconds to wait before trying again."),
        "Idempotent-Replayed": {
            "description": "`true` when this is the kept answer of an earlier request with the same \
                            `Idempotency-Key`, replayed.",
            "schema": { "type": "string", "enum": ["true"] }
        },
    })
}

/// The `Idempotency-Key` request header.
fn idempotency_key() -> Value {
    json!({
        "name": "Idempotency-Key",
        "in": "header",
        "required": false,
        "description": "Makes a retry safe: a repeat with the same key, method, path, query and body \
                        within 24 hours gets the first answer again (with `Idempotent-Replayed: true`) \
                        instead of running twice; the same key with another request, or while the \
                        first still runs, is `409 conflict`. Keys are per user; 5xx answers are not kept.",
        "schema": { "type": "string", "minLength": 1, "maxLength": idempotency::MAX_LEN,
                    "pattern": "^[A-Za-z0-9_-]{1,64}$" }
    })
}

/// Adds `Idempotency-Key` (and its answers) to an operation that takes it, and the
/// rate-limit headers (and `429`) to a limited one.
fn apply_request_conventions(path: &str, method: &str, op: &mut Value) {
    if idempotency::applies(method, path) {
        let params = op
            .as_object_mut()
            .expect("an operation")
            .entry("parameters")
            .or_insert_with(|| json!([]));
        params
            .as_array_mut()
            .expect("parameters is a list")
            .push(json!({ "$ref": "#/components/parameters/IdempotencyKey" }));
    }
    let limited = rate_limit::is_limited(method, path);
    let takes_key = idempotency::applies(method, path);
    let responses = op["responses"]
        .as_object_mut()
        .expect("an operation has responses");
    for (status, response) in responses.iter_mut() {
        let success = status.starts_with('2');
        let Some(response) = response.as_object_mut().filter(|_| success) else {
            continue;
        };
        let headers = response.entry("headers").or_insert_with(|| json!({}));
        let headers = headers.as_object_mut().expect("headers is a map");
        if limited {
            for name in ["RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset"] {
                headers.insert(
                    name.into(),
                    json!({ "$ref": format!("#/components/headers/{name}") }),
                );
            }
        }
        if takes_key {
            headers.insert(
                "Idempotent-Replayed".into(),
                json!({ "$ref": "#/components/headers/Idempotent-Replayed" }),
            );
        }
        if headers.is_empty() {
            response.remove("headers");
        }
    }
    if limited {
        responses.entry("429").or_insert(problem_ref(429));
    }
    if takes_key {
        responses.entry("409").or_insert(problem_ref(409));
    }
}

fn security_schemes() -> Value {
    json!({
        "bearer": {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "trls_…",
            "description": "An API token (`Authorization: Bearer trls_…`), made on /account/tokens or with \
                            `POST /api/v1/tokens`. Each operation lists the scope it needs:\n\
                            - `read`: read anything the owner may read;\n\
                            - `publish`: publish, yank, deprecate and delete plugins, manage namespaces, \
                              members, keys and invitations;\n\
                            - `webhooks`: manage webhook endpoints;\n\
                            - `admin`: administer the instance (admins only)."
        },
        "session": {
            "type": "apiKey",
            "in": "cookie",
            "name": "trellis_session",
            "description": "The browser session of a signed-in user, which acts with every scope. Unsafe \
                            requests must also come from Trellis's own pages (CSRF protection)."
        }
    })
}

/// Adds to one operation the responses the conventions promise (after
/// [`apply_request_conventions`]): 400 when it
/// reads parameters or a body, 401/403 when it needs credentials, 404 when it
/// names a resource in its path, 413/415 when it reads a body, 304 on reads
/// (ETag / If-None-Match), and 500/503 everywhere.
fn apply_conventions(path: &str, method: &str, op: &mut Value) {
    apply_request_conventions(path, method, op);
    let has_params = op["parameters"].as_array().is_some_and(|p| !p.is_empty());
    let has_path_params = op["parameters"]
        .as_array()
        .is_some_and(|p| p.iter().any(|p| p["in"] == "path"));
    let has_body = op.get("requestBody").is_some();
    let security = op["security"].as_array().cloned().unwrap_or_default();
    let needs_auth = !security.is_empty() && !security.iter().any(|s| s == &json!({}));
    let reads_auth = !security.is_empty();
    let is_read = method == "get";

    let responses = op["responses"]
        .as_object_mut()
        .expect("an operation has responses");
    if is_read {
        if let Some(ok) = responses.get_mut("200").and_then(Value::as_object_mut) {
            let headers = ok.entry("headers").or_insert_with(|| json!({}));
            headers.as_object_mut().expect("headers is a map").entry("ETag").or_insert_with(
            || json!({ "schema": { "type": "string" },
                "description": "The entity tag of this representation: send it back in `If-None-Match`." }),
        );
        }
    }
    let mut add = |status: u16, value: Value| {
        responses.entry(status.to_string()).or_insert(value);
    };
    if has_params || has_body {
        add(400, problem_ref(400));
    }
    if reads_auth {
        add(401, problem_ref(401));
    }
    if needs_auth {
        add(403, problem_ref(403));
    }
    if has_path_params {
        add(404, problem_ref(404));
    }
    if has_body {
        add(413, problem_ref(413));
        add(415, problem_ref(415));
    }
    if is_read {
        add(
            304,
            json!({
                "description": "Not modified: the `If-None-Match` header named the current `ETag`.",
                "headers": { "ETag": { "schema": { "type": "string" },
                    "description": "The entity tag of the current representation." } }
            }),
        );
    }
    add(500, problem_ref(500));
    add(503, problem_ref(503));
}
