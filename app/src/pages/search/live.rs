//! The search page's updates in place, in the browser: the search is read from
//! the page's form (typing, a facet, the sort, the button), from a link to
//! another search or page (did you mean, a filter chip, a page number) or from
//! the address after Back or Forward; the server answers it and the page shows
//! the answer, with the address bar and the title kept to it. An answer to an
//! older search that arrives late is dropped. On the server none of it runs.

use leptos::prelude::*;
use trellis_types::{SearchQuery, SearchResults};

use crate::error::UiError;

/// What the page shows: a search and its answer.
type Shown = (SearchQuery, Result<SearchResults, UiError>);

/// The live search of one form (see the module's documentation).
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
#[derive(Clone, Copy)]
pub struct Search {
    /// The id of the page's GET form.
    form: &'static str,
    /// The id of its text field.
    input: &'static str,
    show: Callback<Shown>,
    /// How many searches were asked for: only the latest one's answer shows.
    asked: StoredValue<u64>,
}

/// What a search does to the browser's history.
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
#[derive(Clone, Copy, PartialEq)]
enum History {
    /// The address becomes the search, in place of the one shown (typing, facets).
    Replace,
    /// A new entry, as a link does (Back returns to the search before).
    Push,
    /// The address already says it (Back, Forward).
    Keep,
}

impl Search {
    /// The live search of the form `form` with the text field `input`;
    /// `show` puts an answer on the page.
    pub fn new(
        form: &'static str,
        input: &'static str,
        show: impl Fn(SearchQuery, Result<SearchResults, UiError>) + Send + Sync + 'static,
    ) -> Self {
        let s = Self {
            form,
            input,
            show: Callback::new(move |(q, r): Shown| show(q, r)),
            asked: StoredValue::new(0),
        };
        #[cfg(feature = "hydrate")]
        {
            let back = window_event_listener(leptos::ev::popstate, move |_| {
                let search = window().location().search().unwrap_or_default();
                s.run(query_of(&search), History::Keep);
            });
            on_cleanup(move || back.remove());
        }
        s
    }

    /// Searches for what the form says now.
    pub fn search_form(self) {
        #[cfg(feature = "hydrate")]
        if let Some(q) = self.form_query() {
            self.run(q, History::Replace);
        }
    }

    /// The form's submission (Enter, the buttons), answered in place.
    pub fn on_submit(self, ev: leptos::ev::SubmitEvent) {
        ev.prevent_default();
        self.search_form();
    }

    /// A click in the form: a plain click on a link to a search is answered in
    /// place; every other click (another page, a new tab) is left alone.
    pub fn on_click(self, ev: leptos::ev::MouseEvent) {
        #[cfg(feature = "hydrate")]
        {
            use leptos::wasm_bindgen::JsCast;
            if ev.default_prevented()
                || ev.button() != 0
                || ev.meta_key()
                || ev.ctrl_key()
                || ev.shift_key()
                || ev.alt_key()
            {
                return;
            }
            let link = ev
                .target()
                .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
                .and_then(|e| e.closest("a[href]").ok().flatten())
                .and_then(|e| e.dyn_into::<web_sys::HtmlAnchorElement>().ok());
            let Some(link) = link else { return };
            let here = window().location().origin().unwrap_or_default();
            if link.origin() != here || link.pathname() != "/search" || !link.target().is_empty() {
                return;
            }
            ev.prevent_default();
            let q = query_of(&link.search());
            if let Some(input) = self.input_element() {
                input.set_value(&q.q);
            }
            window().scroll_to_with_x_and_y(0.0, 0.0);
            self.run(q, History::Push);
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = ev;
    }

    #[cfg(feature = "hydrate")]
    fn input_element(self) -> Option<web_sys::HtmlInputElement> {
        use leptos::wasm_bindgen::JsCast;
        document().get_element_by_id(self.input)?.dyn_into().ok()
    }

    /// The search the form's fields say, as the form would submit it.
    #[cfg(feature = "hydrate")]
    fn form_query(self) -> Option<SearchQuery> {
        use leptos::wasm_bindgen::JsCast;
        let form = document()
            .get_element_by_id(self.form)?
            .dyn_into::<web_sys::HtmlFormElement>()
            .ok()?;
        let data = web_sys::FormData::new_with_form(&form).ok()?;
        let encoded = web_sys::UrlSearchParams::new_with_str_sequence_sequence(&data).ok()?;
        Some(query_of(&String::from(encoded.to_string())))
    }

    /// Asks the server for `q` and shows the answer, unless a newer search was
    /// asked for meanwhile.
    #[cfg(feature = "hydrate")]
    fn run(self, q: SearchQuery, history: History) {
        self.asked.update_value(|n| *n += 1);
        let mine = self.asked.get_value();
        leptos::task::spawn_local(async move {
            let answer = crate::api::discovery::search_plugins(q.clone()).await;
            if self.asked.get_value() != mine {
                return;
            }
            let href = crate::components::query::search_href(&q);
            if let Ok(h) = window().history() {
                let null = leptos::wasm_bindgen::JsValue::NULL;
                let _ = match history {
                    History::Replace => h.replace_state_with_url(&null, "", Some(&href)),
                    History::Push => h.push_state_with_url(&null, "", Some(&href)),
                    History::Keep => Ok(()),
                };
            }
            document().set_title(&super::page_title(&q.q));
            self.show.run((q, answer));
        });
    }
}

/// The search a query string (`?q=…&kind=…`, with or without its `?`) asks for.
#[cfg(feature = "hydrate")]
fn query_of(search: &str) -> SearchQuery {
    use crate::components::query::{from_pairs, parse_query_string};
    from_pairs(parse_query_string(search))
}
