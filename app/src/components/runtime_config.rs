//! An installation's configuration form, generated from the plugin's config
//! JSON Schema (`trellis_runtime::configure`): text, whole numbers, numbers,
//! yes/no, a choice, several choices (checkboxes), a list (one item per
//! line), JSON, and secrets. A secret is a password field that
//! shows only whether one is stored, never its value (left empty it keeps
//! the stored one; "Forget it" clears it). The server reads and checks the
//! form; a refused one shows each field's error under it and keeps what was
//! typed (with JavaScript the form stays as it is; without, the page comes
//! back with `draft_<field>`, secrets excepted). Read-only for viewers who
//! may not change the workspace. The panel is an island.

use leptos::prelude::*;
use trellis_types::{ConfigFieldOut, ConfigOut};

use crate::api::runtime_actions::SavePluginConfig;
use crate::components::form::{island_error, LastError};
use crate::components::runtime_ui::FieldMsg;
use crate::error::UiError;

fn num(v: Option<f64>) -> Option<String> {
    v.map(|n| {
        if n.fract() == 0.0 {
            format!("{}", n as i64)
        } else {
            n.to_string()
        }
    })
}

/// One field's input.
#[component]
fn ConfigInput(f: ConfigFieldOut, draft: Option<String>, error: LastError) -> impl IntoView {
    let id = format!("cfg-{}", f.name);
    let name = format!("values[{}]", f.name);
    let drafted = draft.is_some();
    let value = draft.or(f.value.clone()).unwrap_or_default();
    let err_name = format!("values.{}", f.name);
    let has_error = {
        let err_name = err_name.clone();
        move || error.get().and_then(|e| e.field(&err_name)).is_some()
    };
    let label = view! {
        <label for=id.clone()>
            {f.title.clone()}
            {f.required.then(|| view! { <span class="muted small">" (required)"</span> })}
        </label>
    };
    let input = match f.kind.as_str() {
        "boolean" => {
            let on = matches!(value.as_str(), "true" | "on" | "1");
            return view! {
                <div class="field check" class:has-error=has_error data-testid=format!("cfg-field-{}", f.name)>
                    <label>
                        <input type="checkbox" id=id name=name value="true" checked=on/>
                        " " {f.title.clone()}
                    </label>
                    {f.description.clone().map(|d| view! { <p class="hint">{d}</p> })}
                    <FieldMsg name=err_name error/>
                </div>
            }
            .into_any();
        }
        "secret" => {
            let state = if f.is_set { "set" } else { "not set" };
            view! {
                <div class="secret-row">
                    <input type="password" id=id.clone() name=name autocomplete="new-password"
                        placeholder=if f.is_set { "Stored; type to replace it" } else { "Not set" }
                        data-testid=format!("cfg-secret-{}", f.name)/>
                    <span class=if f.is_set { "tag" } else { "tag tag-muted" } data-testid=format!("secret-state-{}", f.name)>{state}</span>
                </div>
                {f.is_set.then(|| view! {
                    <label class="small forget">
                        <input type="checkbox" name="clear[]" value=f.name.clone()/>
                        " Forget the stored value"
                    </label>
                })}
            }
            .into_any()
        }
        "choices" => {
            // Unset (and not sent back refused), the defaults are what
            // applies: show them ticked.
            let shown = if !drafted && f.value.is_none() {
                f.default.clone().unwrap_or_default()
            } else {
                value
            };
            let picked: Vec<&str> = shown.lines().map(str::trim).collect();
            let boxes = f
                .choices
                .iter()
                .enumerate()
                .map(|(i, c)| {
                    view! {
                        <label class="choice">
                            <input type="checkbox" name="picks[]" value=format!("{}:{i}", f.name)
                                checked=picked.contains(&c.as_str())/>
                            <code>{c.clone()}</code>
                        </label>
                    }
                })
                .collect_view();
            return view! {
                <fieldset class="field choices" class:has-error=has_error data-testid=format!("cfg-field-{}", f.name)>
                    <legend>
                        {f.title.clone()}
                        {f.required.then(|| view! { <span class="muted small">" (required)"</span> })}
                    </legend>
                    <input type="hidden" name=name value=""/>
                    <div class="choice-list">{boxes}</div>
                    {f.description.clone().map(|d| view! { <p class="hint">{d}</p> })}
                    <FieldMsg name=err_name error/>
                </fieldset>
            }
            .into_any();
        }
        "list" => view! {
            <textarea id=id name=name rows="4" spellcheck="false"
                placeholder=f.default.clone().filter(|d| !d.is_empty()).map(|d| format!("One per line. Default:\n{d}"))
                    .unwrap_or_else(|| "One per line".into())>{value}</textarea>
        }
        .into_any(),
        "enum" => view! {
            <select id=id name=name>
                {(!f.required).then(|| view! { <option value="" selected=value.is_empty()>"—"</option> })}
                {f.choices.iter().map(|c| view! {
                    <option value=c.clone() selected=*c == value>{c.clone()}</option>
                }).collect_view()}
            </select>
        }
        .into_any(),
        "json" => view! {
            <textarea id=id name=name rows="4" class="mono" spellcheck="false">{value}</textarea>
        }
        .into_any(),
        kind => {
            let ty = if matches!(kind, "integer" | "number") { "number" } else { "text" };
            let step = match kind {
                "integer" => Some("1"),
                "number" => Some("any"),
                _ => None,
            };
            view! {
                <input type=ty id=id name=name value=value step=step min=num(f.minimum) max=num(f.maximum)
                    maxlength=f.max_length.map(|m| m.to_string()) required=f.required
                    placeholder=f.default.clone().map(|d| format!("Default: {d}"))
                    data-testid=format!("cfg-input-{}", f.name)/>
            }
            .into_any()
        }
    };
    view! {
        <div class="field" class:has-error=has_error data-testid=format!("cfg-field-{}", f.name)>
            {label}
            {input}
            {f.description.clone().map(|d| view! { <p class="hint">{d}</p> })}
            <FieldMsg name=err_name error/>
        </div>
    }
    .into_any()
}

/// A read-only view of the configuration.
#[component]
fn ConfigValues(fields: Vec<ConfigFieldOut>) -> impl IntoView {
    view! {
        <dl class="facts" data-testid="config-values">
            {fields.into_iter().map(|f| {
                let shown = if f.kind == "secret" {
                    if f.is_set { "set".to_owned() } else { "not set".to_owned() }
                } else if matches!(f.kind.as_str(), "list" | "choices") {
                    f.value.as_ref().map_or_else(|| "—".into(), |v| v.replace('\n', ", "))
                } else {
                    f.value.clone().unwrap_or_else(|| "—".into())
                };
                view! { <dt>{f.title.clone()}</dt><dd>{shown}</dd> }
            }).collect_view()}
        </dl>
    }
}

/// The configuration panel, an island: a refused form keeps what was typed,
/// secrets included, and shows the errors in place. `refused` is a refusal
/// that came back in the URL (a submission without JavaScript, see
/// [`island_error`]).
#[island]
pub fn ConfigPanel(
    id: String,
    config: ConfigOut,
    can_manage: bool,
    drafts: Vec<(String, String)>,
    refused: Option<UiError>,
) -> impl IntoView {
    let action = ServerAction::<SavePluginConfig>::new();
    let error = island_error(action, refused);
    // Settings first, secrets after them.
    let mut fields = config.fields;
    fields.sort_by_key(|f| f.kind == "secret");
    let has_fields = !fields.is_empty();
    let body = if fields.is_empty() {
        view! { <p class="muted" data-testid="no-config">"This plugin has no settings."</p> }
            .into_any()
    } else if !can_manage {
        view! { <ConfigValues fields/> }.into_any()
    } else {
        view! {
            <ActionForm action attr:class="config-form" attr:data-testid="config-form">
                <input type="hidden" name="id" value=id/>
                {fields.into_iter().map(|f| {
                    let draft = if f.kind == "secret" {
                        None
                    } else {
                        drafts.iter().find(|(k, _)| *k == f.name).map(|(_, v)| v.clone())
                    };
                    view! { <ConfigInput f draft error/> }
                }).collect_view()}
                <button type="submit" class="btn btn-primary" data-testid="config-save">"Save settings"</button>
            </ActionForm>
        }
        .into_any()
    };
    view! {
        <section class="panel" id="config" aria-labelledby="config-title">
            <h2 id="config-title">"Settings"</h2>
            {move || error.get().map(|e| {
                let whole = e.field("values");
                view! {
                    <div class="banner banner-error" role="alert" data-testid="config-error">
                        {e.detail.clone()}
                        {whole.filter(|w| *w != e.detail).map(|w| view! { <p>{w}</p> })}
                    </div>
                }
            })}
            {has_fields.then(|| view! {
                <p class="hint">"Checked on the server against the plugin's schema. Secrets are stored encrypted and never shown again."</p>
            })}
            {body}
        </section>
    }
}
