//! An installation's log and its "Invoke" form. The log shows the lines the
//! plugin wrote and the lines the host wrote about it, newest first, times in
//! UTC, with a level filter (a plain GET form: `?level=warn`) and an "Older
//! lines" link (`?before=<line id>`). "Invoke" sends JSON to the plugin's
//! `invoke` export and shows what came back or why it failed (with
//! JavaScript from the action's answer; without, from the sealed result the
//! page comes back with).

use leptos::prelude::*;
use trellis_types::LogPageOut;

use crate::api::runtime::InvokeResult;
use crate::api::runtime_actions::InvokePlugin;
use crate::components::form::last_error;
use crate::components::query::enc;
use crate::components::runtime_ui::{inst_href, utc_ms, FieldMsg};

const LEVELS: [(&str, &str); 4] = [
    ("debug", "Everything"),
    ("info", "Info and above"),
    ("warn", "Warnings and errors"),
    ("error", "Errors only"),
];

/// The log panel.
#[component]
pub fn LogPanel(id: String, log: LogPageOut, level: String, before: Option<i64>) -> impl IntoView {
    let base = inst_href(&id);
    let lq = if level == "debug" {
        String::new()
    } else {
        format!("level={}", enc(&level))
    };
    let older = log.next_before.map(|b| {
        let q = if lq.is_empty() {
            format!("before={b}")
        } else {
            format!("{lq}&before={b}")
        };
        format!("{base}?{q}#log")
    });
    let newest = before.map(|_| {
        if lq.is_empty() {
            format!("{base}#log")
        } else {
            format!("{base}?{lq}#log")
        }
    });
    view! {
        <section class="panel" id="log" aria-labelledby="log-title">
            <div class="runtime-head">
                <h2 id="log-title">"Log"</h2>
                <form method="get" action=base.clone() class="inline-form log-filter" data-testid="log-filter">
                    <label for="f-log-level" class="small">"Show"</label>
                    <select id="f-log-level" name="level">
                        {LEVELS.iter().map(|(v, l)| view! {
                            <option value=*v selected=*v == level>{*l}</option>
                        }).collect_view()}
                    </select>
                    <button type="submit" class="btn btn-small">"Filter"</button>
                </form>
            </div>
            {if log.lines.is_empty() {
                view! { <p class="muted" data-testid="log-empty">"No log line yet at this level."</p> }.into_any()
            } else {
                view! {
                    <ol class="log-lines" data-testid="log-lines">
                        {log.lines.into_iter().map(|l| view! {
                            <li class=format!("log-line log-{}", l.level) data-testid="log-line" data-level=l.level.clone()>
                                <time class="log-time">{utc_ms(l.at)}</time>
                                <span class="log-level">{l.level.clone()}</span>
                                <span class="log-message">{l.message}</span>
                            </li>
                        }).collect_view()}
                    </ol>
                }.into_any()
            }}
            <p class="table-actions">
                {newest.map(|h| view! { <a href=h class="btn btn-small">"← Newest"</a> " " })}
                {older.map(|h| view! { <a href=h class="btn btn-small" data-testid="log-older">"Older lines →"</a> })}
            </p>
            <p class="hint">"Newest first, times in UTC. Only the most recent lines are kept."</p>
        </section>
    }
}

/// What a call gave.
#[component]
fn InvokeOutcome(r: InvokeResult) -> impl IntoView {
    if r.ok {
        view! {
            <div class="invoke-result ok" data-testid="invoke-result" data-ok="true">
                <p class="small muted">{format!("Returned in {} ms, {} fuel:", r.duration_ms, r.fuel)}</p>
                <pre class="json">{r.text}</pre>
            </div>
        }
        .into_any()
    } else {
        view! {
            <div class="banner banner-error invoke-result" role="alert" data-testid="invoke-result" data-ok="false">
                <p><strong>"The call failed: "</strong>{r.text}</p>
            </div>
        }
        .into_any()
    }
}

/// The "Invoke" form.
#[component]
pub fn InvokePanel(
    id: String,
    action: ServerAction<InvokePlugin>,
    carried: Option<InvokeResult>,
    enabled: bool,
) -> impl IntoView {
    let error = last_error(action);
    // The answer of a call made here, else the one the page came back with.
    let result = move || {
        action
            .value()
            .get()
            .and_then(|r| r.ok())
            .or_else(|| carried.clone())
    };
    let typed = result().map(|r| r.input).unwrap_or_else(|| "{}".into());
    view! {
        <section class="panel" id="invoke" aria-labelledby="invoke-title">
            <h2 id="invoke-title">"Invoke"</h2>
            <p class="hint">"Calls the plugin's " <code>"invoke"</code> " export with this JSON, as an agent or tool would be called. It counts in its health and may write to its log."</p>
            {move || error.get().filter(|e| e.field("input").is_none()).map(|e| view! {
                <div class="banner banner-error" role="alert">{e.detail}</div>
            })}
            <ActionForm action attr:class="invoke-form" attr:data-testid="invoke-form">
                <input type="hidden" name="id" value=id/>
                <div class="field">
                    <label for="f-invoke-input">"Input (JSON)"</label>
                    <textarea id="f-invoke-input" name="input" rows="4" class="mono" spellcheck="false"
                        data-testid="invoke-input">{typed}</textarea>
                    <FieldMsg name="input".to_owned() error/>
                </div>
                <button type="submit" class="btn" data-testid="invoke-submit" disabled=!enabled>"Invoke"</button>
                {(!enabled).then(|| view! { <span class="small muted">" Enable it to call it."</span> })}
            </ActionForm>
            {move || result().map(|r| view! { <InvokeOutcome r/> })}
        </section>
    }
}
