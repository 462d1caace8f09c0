//! The search input with autocomplete (the ARIA combobox pattern).
//!
//! Server-rendered it is a plain labelled `<input name="q">` inside the caller's
//! GET form, so searching works without JavaScript. In the browser, typing asks
//! the server for suggestions (debounced) and shows them in a listbox: Up and
//! Down move through them (`aria-activedescendant`), Enter opens the chosen
//! plugin, Escape closes the list; Enter with nothing chosen submits the form.
//!
//! [`SearchBox`] is an island (the navigation bar's, the home page's and the
//! not-found page's box: the only interactive part of their form);
//! [`Combobox`] is the same input for islands of their own (the search page,
//! which also hears every change of the text to update its results).

use leptos::prelude::*;
use trellis_types::Suggestion;

use crate::api::discovery::suggest_plugins;
use crate::components::plugin_card::Highlighted;

/// Milliseconds of quiet typing before suggestions are asked for.
const DEBOUNCE_MS: u64 = 180;

/// The next option to make active after pressing Down (`down`) or Up, wrapping.
pub fn step(active: Option<usize>, len: usize, down: bool) -> Option<usize> {
    if len == 0 {
        return None;
    }
    Some(match (active, down) {
        (None, true) => 0,
        (None, false) => len - 1,
        (Some(i), true) => (i + 1) % len,
        (Some(i), false) => (i + len - 1) % len,
    })
}

/// The combobox as an island of its own, for a form with nothing else
/// interactive. `id` names the input (its listbox is `{id}-list`); `label` is
/// its label, read by screen readers only.
#[island]
pub fn SearchBox(
    #[prop(into)] value: String,
    #[prop(into)] id: String,
    #[prop(optional, into)] label: Option<String>,
) -> impl IntoView {
    let label = label.unwrap_or_else(|| "Search plugins".to_owned());
    view! { <Combobox value id label/> }
}

/// Opens a page, as a click on a link would.
fn open_page(href: &str) {
    #[cfg(feature = "hydrate")]
    let _ = window().location().assign(href);
    #[cfg(not(feature = "hydrate"))]
    let _ = href;
}

/// The combobox. `id` names the input (its listbox is `{id}-list`); `on_typed`
/// hears each (debounced) change of the text, e.g. to update results as one types.
#[component]
pub fn Combobox(
    #[prop(into)] value: String,
    #[prop(into)] id: String,
    #[prop(into)] label: String,
    #[prop(optional)] on_typed: Option<Callback<String>>,
) -> impl IntoView {
    let list_id = format!("{id}-list");
    let items = RwSignal::new(Vec::<Suggestion>::new());
    let open = RwSignal::new(false);
    let active = RwSignal::new(None::<usize>);
    let timer = StoredValue::new(None::<TimeoutHandle>);
    // Answers to older keystrokes arriving late are dropped.
    let asked = StoredValue::new(0u64);
    let option_prefix = StoredValue::new(format!("{id}-opt-"));
    let option_id = move |i: usize| format!("{}{i}", option_prefix.get_value());
    let close = move || {
        open.set(false);
        active.set(None);
    };
    let on_input = move |ev: leptos::ev::Event| {
        let text = event_target_value(&ev);
        if let Some(h) = timer.get_value() {
            h.clear();
        }
        let handle = set_timeout_with_handle(
            move || {
                if let Some(cb) = on_typed {
                    cb.run(text.clone());
                }
                asked.update_value(|n| *n += 1);
                let mine = asked.get_value();
                if text.trim().is_empty() {
                    items.set(Vec::new());
                    close();
                    return;
                }
                leptos::task::spawn_local(async move {
                    let found = suggest_plugins(text)
                        .await
                        .map(|s| s.suggestions)
                        .unwrap_or_default();
                    if asked.get_value() == mine {
                        open.set(!found.is_empty());
                        active.set(None);
                        items.set(found);
                    }
                });
            },
            std::time::Duration::from_millis(DEBOUNCE_MS),
        )
        .ok();
        timer.set_value(handle);
    };
    let on_keydown = move |ev: leptos::ev::KeyboardEvent| {
        let len = items.with(Vec::len);
        match ev.key().as_str() {
            "ArrowDown" | "ArrowUp" if len > 0 => {
                ev.prevent_default();
                open.set(true);
                active.update(|a| *a = step(*a, len, ev.key() == "ArrowDown"));
            }
            "Enter" if open.get() => {
                let chosen = active
                    .get()
                    .and_then(|i| items.with(|v| v.get(i).map(|s| s.id.clone())));
                if let Some(plugin) = chosen {
                    ev.prevent_default();
                    close();
                    open_page(&format!("/plugins/{plugin}"));
                } else {
                    close();
                }
            }
            "Escape" if open.get() => {
                ev.prevent_default();
                close();
            }
            _ => {}
        }
    };
    // Leaving the field closes the list, a moment later so a click on an option lands first.
    let on_blur = move |_| {
        set_timeout(close, std::time::Duration::from_millis(150));
    };

    let options = move || {
        items
            .get()
            .into_iter()
            .enumerate()
            .map(|(i, s)| {
                let selected = move || active.get() == Some(i);
                view! {
                    <li role="option" id=option_id(i) class="suggestion"
                        class:active=selected aria-selected=move || selected().to_string()>
                        <a href=format!("/plugins/{}", s.id) tabindex="-1">
                            <span class="suggestion-name"><Highlighted parts=s.highlight/></span>
                            <span class="suggestion-id">{s.id.clone()}</span>
                            <span class="tag tag-muted">{s.kind}</span>
                        </a>
                    </li>
                }
            })
            .collect_view()
    };

    view! {
        <div class="combobox">
            <label for=id.clone() class="visually-hidden">{label}</label>
            <input
                id=id
                type="search"
                name="q"
                value=value
                class="search-input"
                placeholder="Search plugins"
                autocomplete="off"
                spellcheck="false"
                maxlength="200"
                role="combobox"
                aria-autocomplete="list"
                aria-controls=list_id.clone()
                aria-expanded=move || open.get().to_string()
                aria-activedescendant=move || active.get().map(option_id)
                on:input=on_input
                on:keydown=on_keydown
                on:blur=on_blur
            />
            <ul role="listbox" id=list_id aria-label="Suggestions" class="suggestions"
                hidden=move || !open.get()>
                {options}
            </ul>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::step;

    #[test]
    fn arrows_wrap_around_the_list() {
        assert_eq!(step(None, 0, true), None);
        assert_eq!(step(None, 3, true), Some(0));
        assert_eq!(step(None, 3, false), Some(2));
        assert_eq!(step(Some(2), 3, true), Some(0));
        assert_eq!(step(Some(0), 3, false), Some(2));
        assert_eq!(step(Some(1), 3, true), Some(2));
    }
}
