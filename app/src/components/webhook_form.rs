//! The fields of the endpoint form, shared by "New endpoint" and an
//! endpoint's Edit form: URL, description, event types (checkboxes named
//! `event_types[]`: `*`, a `prefix.*` per group of the catalogue, then each
//! type), payload filter (JSON), custom headers (`Name: value` a line), rate
//! limit and format. Plain inputs, so the form works without JavaScript; each
//! shows the service's errors for its field and the sub-fields under it.

use leptos::prelude::*;
use trellis_types::{EndpointOut, ENDPOINT_FORMATS};

use crate::components::form::LastError;
use crate::components::webhook_ui::{errors_under, group_types};

/// What the fields hold when the form is shown.
#[derive(Debug, Clone, PartialEq)]
pub struct FormValues {
    pub url: String,
    pub description: String,
    pub event_types: Vec<String>,
    /// Pretty JSON, or empty.
    pub filter: String,
    /// `Name: value` lines.
    pub headers: String,
    pub rate_limit: String,
    pub format: String,
}

impl Default for FormValues {
    fn default() -> Self {
        FormValues {
            url: String::new(),
            description: String::new(),
            event_types: vec!["*".into()],
            filter: String::new(),
            headers: String::new(),
            rate_limit: String::new(),
            format: "standard".into(),
        }
    }
}

impl FormValues {
    /// The values of an existing endpoint.
    pub fn of(e: &EndpointOut) -> FormValues {
        FormValues {
            url: e.url.clone(),
            description: e.description.clone(),
            event_types: e.event_types.clone(),
            filter: e
                .filter
                .as_ref()
                .filter(|f| !f.is_null())
                .map(|f| format!("{f:#}"))
                .unwrap_or_default(),
            headers: e
                .headers
                .iter()
                .map(|(k, v)| format!("{k}: {v}"))
                .collect::<Vec<_>>()
                .join("\n"),
            rate_limit: e
                .rate_limit_per_sec
                .map(|r| r.to_string())
                .unwrap_or_default(),
            format: e.format.clone(),
        }
    }
}

/// The errors of the last submission at field `name` and under it.
#[component]
pub fn FieldErrors(name: &'static str, error: LastError) -> impl IntoView {
    let msgs = move || {
        error
            .get()
            .map(|e| errors_under(&e, name))
            .unwrap_or_default()
    };
    view! {
        <div class="field-error" role="alert" data-testid=format!("error-{name}")>
            {move || msgs().into_iter().map(|m| view! { <p>{m}</p> }).collect_view()}
        </div>
    }
}

/// One event-type checkbox.
fn type_box(value: String, label: String, checked: bool, strong: bool) -> impl IntoView {
    let testid = if value == "*" {
        "event-type-all".to_owned()
    } else {
        format!("event-type-{value}")
    };
    view! {
        <label class="type-box" class:type-group=strong>
            <input type="checkbox" name="event_types[]" value=value checked=checked data-testid=testid/>
            " " <code>{label}</code>
        </label>
    }
}

/// The endpoint form's fields (without the submit button).
#[component]
pub fn EndpointFields(values: FormValues, types: Vec<String>, error: LastError) -> impl IntoView {
    let has = |name: &'static str| {
        move || {
            error
                .get()
                .is_some_and(|e| !errors_under(&e, name).is_empty())
        }
    };
    let on = |t: &str| values.event_types.iter().any(|x| x == t);
    let grouped = group_types(&types);
    let wildcards: Vec<String> = grouped.iter().map(|(p, _)| format!("{p}.*")).collect();
    // Patterns the catalogue no longer lists stay ticked, so saving keeps them.
    let extra = values
        .event_types
        .iter()
        .filter(|t| *t != "*" && !types.contains(t) && !wildcards.contains(t))
        .map(|t| type_box(t.clone(), t.clone(), true, false))
        .collect_view();
    let groups = grouped
        .into_iter()
        .map(|(prefix, list)| {
            let wildcard = format!("{prefix}.*");
            let all = type_box(wildcard.clone(), wildcard.clone(), on(&wildcard), true);
            let each = list
                .into_iter()
                .map(|t| type_box(t.clone(), t.clone(), on(&t), false))
                .collect_view();
            view! {
                <div class="type-group-list">
                    {all}
                    {each}
                </div>
            }
        })
        .collect_view();
    let formats = ENDPOINT_FORMATS
        .iter()
        .map(|f| view! { <option value=*f selected=values.format == *f>{*f}</option> })
        .collect_view();
    view! {
        <div class="field" class:has-error=has("url")>
            <label for="f-url">"URL"</label>
            <input id="f-url" type="url" name="url" required value=values.url.clone()
                placeholder="https://example.com/webhooks/trellis" data-testid="endpoint-url"/>
            <p class="hint">"Deliveries are POSTed here (http or https)."</p>
            <FieldErrors name="url" error/>
        </div>
        <div class="field" class:has-error=has("description")>
            <label for="f-description">"Description"</label>
            <input id="f-description" type="text" name="description" value=values.description.clone()
                data-testid="endpoint-description"/>
            <FieldErrors name="description" error/>
        </div>
        <fieldset class="event-types" data-testid="endpoint-event-types">
            <legend>"Event types"</legend>
            <p class="hint">
                "Tick " <code>"*"</code> " for every type, a " <code>"prefix.*"</code>
                " for a whole group, or single types. "
                <a href="/webhooks/event-types">"What each type carries"</a>
            </p>
            {type_box("*".into(), "* (every type)".into(), on("*"), true)}
            {groups}
            {extra}
            <FieldErrors name="event_types" error/>
        </fieldset>
        <div class="field" class:has-error=has("filter")>
            <label for="f-filter">"Payload filter (optional)"</label>
            <textarea id="f-filter" name="filter" rows="4" spellcheck="false" class="code-input"
                data-testid="endpoint-filter">{values.filter.clone()}</textarea>
            <p class="hint">
                "A JSON list of conditions, all of which must hold, e.g. "
                <code>r#"[{"path": "data.version", "op": "prefix", "value": "1."}]"#</code>
                ". Operators: eq, ne, in, nin, gt, gte, lt, lte, exists, contains, prefix. Empty: every event of the chosen types."
            </p>
            <FieldErrors name="filter" error/>
        </div>
        <div class="field" class:has-error=has("headers")>
            <label for="f-headers">"Custom headers (optional)"</label>
            <textarea id="f-headers" name="headers" rows="3" spellcheck="false" class="code-input"
                placeholder="X-Team: payments" data-testid="endpoint-headers">{values.headers.clone()}</textarea>
            <p class="hint">"One " <code>"Name: value"</code> " a line, added to every delivery."</p>
            <FieldErrors name="headers" error/>
        </div>
        <div class="field" class:has-error=has("rate_limit_per_sec")>
            <label for="f-rate">"Rate limit (deliveries per second, optional)"</label>
            <input id="f-rate" type="number" name="rate_limit_per_sec" min="1" max="1000"
                value=values.rate_limit.clone() data-testid="endpoint-rate-limit"/>
            <p class="hint">"1 to 1000. Empty: no limit."</p>
            <FieldErrors name="rate_limit_per_sec" error/>
        </div>
        <div class="field" class:has-error=has("format")>
            <label for="f-format">"Format"</label>
            <select id="f-format" name="format" data-testid="endpoint-format">{formats}</select>
            <p class="hint">
                "standard: the Standard Webhooks JSON envelope. slack, discord, teams: a message for that service's incoming webhooks."
            </p>
            <FieldErrors name="format" error/>
        </div>
    }
}
