//! Page links under a result list: previous, a window of page numbers around
//! the current one (with the first and last), next. Each is a plain link that
//! keeps the query, sort and filters.

use leptos::prelude::*;
use trellis_types::{SearchQuery, SEARCH_MAX_DEPTH};

use crate::components::query::{href, with_page};

/// The last page reachable for `total` results at `limit` a page.
pub fn last_page(total: u64, limit: u32) -> u32 {
    let limit = u64::from(limit.max(1));
    let reachable = total.min(u64::from(SEARCH_MAX_DEPTH));
    reachable.div_ceil(limit).max(1) as u32
}

/// The page numbers to show, `None` standing for a gap.
pub fn window(current: u32, last: u32) -> Vec<Option<u32>> {
    let mut out = Vec::new();
    let lo = current.saturating_sub(2).max(1);
    let hi = (current + 2).min(last);
    if lo > 1 {
        out.push(Some(1));
        if lo > 2 {
            out.push(None);
        }
    }
    out.extend((lo..=hi).map(Some));
    if hi < last {
        if hi + 1 < last {
            out.push(None);
        }
        out.push(Some(last));
    }
    out
}

/// The page links for `query` (whose `page` is the current page) on the page at `path`.
#[component]
pub fn Pagination(query: SearchQuery, total: u64, #[prop(into)] path: String) -> impl IntoView {
    let last = last_page(total, query.limit);
    let current = query.page;
    if last <= 1 {
        return None;
    }
    let link = |p: u32| href(&path, &with_page(&query, p));
    Some(view! {
        <nav class="pagination" aria-label="Result pages">
            {(current > 1).then(|| view! { <a class="btn" rel="prev" href=link(current - 1)>"← Previous"</a> })}
            <ul>
                {window(current, last).into_iter().map(|p| match p {
                    Some(p) if p == current => view! {
                        <li><a class="page current" href=link(p) aria-current="page">{p}</a></li>
                    }.into_any(),
                    Some(p) => view! {
                        <li><a class="page" href=link(p) aria-label=format!("Page {p}")>{p}</a></li>
                    }.into_any(),
                    None => view! { <li class="gap" aria-hidden="true">"…"</li> }.into_any(),
                }).collect_view()}
            </ul>
            {(current < last).then(|| view! { <a class="btn" rel="next" href=link(current + 1)>"Next →"</a> })}
        </nav>
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_cover_the_reachable_results() {
        assert_eq!(last_page(0, 20), 1);
        assert_eq!(last_page(20, 20), 1);
        assert_eq!(last_page(21, 20), 2);
        assert_eq!(last_page(1_000_000, 20), 500);
    }

    #[test]
    fn the_window_keeps_the_ends() {
        assert_eq!(window(1, 3), vec![Some(1), Some(2), Some(3)]);
        assert_eq!(
            window(6, 20),
            vec![
                Some(1),
                None,
                Some(4),
                Some(5),
                Some(6),
                Some(7),
                Some(8),
                None,
                Some(20)
            ]
        );
        assert_eq!(
            window(2, 5),
            vec![Some(1), Some(2), Some(3), Some(4), Some(5)]
        );
    }
}
