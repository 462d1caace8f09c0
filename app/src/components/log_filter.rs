//! The filter form of the admin log pages (`/admin/events`, `/admin/audit-log`):
//! a plain GET form of text and date fields, one of them with suggestions from
//! a datalist, each with its hint and the field error the last query got (an
//! error about none of its fields, such as a broken page link, above it); and
//! the link to the next (older) page with the same filter.

use leptos::prelude::*;

use crate::components::query::enc;
use crate::error::UiError;

/// `base?k=v&…&cursor=c`: the filter's non-empty values and the cursor of the
/// next page.
pub fn older_href(base: &str, filter: &[(&'static str, String)], cursor: &str) -> String {
    let mut q: Vec<String> = filter
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| format!("{k}={}", enc(v)))
        .collect();
    q.push(format!("cursor={}", enc(cursor)));
    format!("{base}?{}", q.join("&"))
}

/// One field: label, query name, input type, hint (empty: none).
pub type FilterField = (&'static str, &'static str, &'static str, &'static str);

/// The form. `filter` holds the query's current values; `suggest` names the
/// field that offers `options` (as the datalist `list_id`).
#[component]
pub fn LogFilterForm(
    action: &'static str,
    form_id: &'static str,
    fields: Vec<FilterField>,
    suggest: &'static str,
    list_id: &'static str,
    options: Vec<String>,
    filter: Vec<(&'static str, String)>,
    error: Option<UiError>,
) -> impl IntoView {
    let value = |k: &str| {
        filter
            .iter()
            .find(|(n, _)| *n == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let field_error = |k: &str| error.as_ref().and_then(|e| e.field(k));
    // An error about none of the form's fields (a broken page link's cursor,
    // or none at all) shows above the form.
    let banner = error
        .as_ref()
        .filter(|e| {
            !e.fields
                .iter()
                .any(|f| fields.iter().any(|(_, name, _, _)| f.field == *name))
        })
        .map(|e| e.detail.clone());
    let inputs = fields
        .into_iter()
        .map(|(label, name, kind, hint)| {
            let msg = field_error(name);
            let list = (name == suggest).then_some(list_id);
            let failed = msg.is_some();
            view! {
                <div class="field" class:has-error=failed>
                    <label for=format!("f-{name}")>{label}</label>
                    <input id=format!("f-{name}") type=kind name=name value=value(name) list=list/>
                    {(!hint.is_empty()).then(|| view! { <p class="hint">{hint}</p> })}
                    <p class="field-error" role="alert">{msg}</p>
                </div>
            }
        })
        .collect_view();
    view! {
        {banner.map(|b| view! { <div class="banner banner-error" role="alert">{b}</div> })}
        <form method="get" action=action class="filter-form" id=form_id>
            {inputs}
            <datalist id=list_id>
                {options.into_iter().map(|t| view! { <option value=t/> }).collect_view()}
            </datalist>
            <div class="filter-actions">
                <button type="submit" class="btn btn-primary">"Filter"</button>
                <a href=action class="btn btn-ghost">"Clear"</a>
            </div>
        </form>
    }
}
