//! A plugin as lists show it (search results, home, category and namespace
//! pages): name and id linked to its page, summary with the query's matches
//! marked, kind, version, downloads (left out for a demo listing nobody could
//! download), last update, license, and deprecated/demo marks.

use leptos::prelude::*;
use trellis_types::{HighlightPart, SearchHit};

use crate::components::time::date;

/// Text with the query's matches in `<mark>`: always text, never HTML.
#[component]
pub fn Highlighted(parts: Vec<HighlightPart>) -> impl IntoView {
    parts
        .into_iter()
        .map(|p| {
            if p.hit {
                view! { <mark>{p.text}</mark> }.into_any()
            } else {
                p.text.into_any()
            }
        })
        .collect_view()
}

/// A count for people: `950`, `1.2k`, `3.4M`.
pub fn count(n: u64) -> String {
    match n {
        0..=999 => n.to_string(),
        1_000..=999_999 => trim_point(n as f64 / 1_000.0, "k"),
        _ => trim_point(n as f64 / 1_000_000.0, "M"),
    }
}

fn trim_point(v: f64, unit: &str) -> String {
    let s = if v >= 100.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.1}")
    };
    format!("{}{unit}", s.trim_end_matches(".0"))
}

/// An exact count with thousands separated: `1,419`.
pub fn exact(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `1 download`, `2 downloads`.
pub fn plural(n: u64, one: &str, many: &str) -> String {
    format!("{} {}", count(n), if n == 1 { one } else { many })
}

/// A license as people read it: the SPDX `NOASSERTION` (imported catalogues do
/// not say) is "not stated".
pub fn license_label(license: &str) -> &str {
    if license.eq_ignore_ascii_case("NOASSERTION") {
        "License not stated"
    } else {
        license
    }
}

/// The mark on content imported from a public catalogue for demonstration: the
/// catalogue by name on the plugin page, a short "Demo listing" in lists.
#[component]
pub fn DemoMark(#[prop(optional, into)] source: Option<String>) -> impl IntoView {
    let text = match source {
        Some(s) => format!("Demo content imported from {s}"),
        None => "Demo listing".to_owned(),
    };
    view! {
        <span class="tag tag-demo" title="Imported from a public catalogue to demonstrate Trellis, not published on this instance">
            {text}
        </span>
    }
}

/// One plugin in a list.
#[component]
pub fn PluginCard(hit: SearchHit) -> AnyView {
    let href = format!("/plugins/{}", hit.id);
    let name = match hit.highlights.display_name.clone() {
        Some(parts) => view! { <Highlighted parts/> }.into_any(),
        None => hit.display_name.clone().into_any(),
    };
    let summary = match hit.highlights.summary.clone() {
        Some(parts) => view! { <Highlighted parts/> }.into_any(),
        None => hit.summary.clone().into_any(),
    };
    let readme = hit.highlights.readme.clone().map(|parts| {
        view! { <p class="hit-excerpt">"README: …" <Highlighted parts/> "…"</p> }
    });
    view! {
        <article class="plugin-card" data-plugin-id=hit.id.clone()>
            <header class="plugin-card-head">
                <h3 class="plugin-card-title"><a href=href>{name}</a></h3>
                <span class="tag">{hit.kind.clone()}</span>
                {hit.deprecated.then(|| view! { <span class="tag tag-warn">"Deprecated"</span> })}
                {hit.demo.then(|| view! { <DemoMark/> })}
            </header>
            <p class="plugin-card-id"><code>{hit.id.clone()}</code></p>
            <p class="plugin-card-summary">{summary}</p>
            {readme}
            <p class="plugin-card-meta">
                {hit.latest_version.clone().map(|v| view! { <span>"v" {v}</span> })}
                // A demo listing nobody downloaded has no package to count downloads of.
                {(!hit.demo || hit.downloads > 0).then(|| view! {
                    <span title=format!("{} downloads", hit.downloads)>{plural(hit.downloads, "download", "downloads")}</span>
                })}
                <span>"updated " <time datetime=date(hit.updated_at)>{date(hit.updated_at)}</time></span>
                {(!hit.license.is_empty()).then(|| view! { <span>{license_label(&hit.license).to_owned()}</span> })}
            </p>
        </article>
    }
    .into_any()
}

/// A list of plugins.
#[component]
pub fn PluginList(hits: Vec<SearchHit>, #[prop(optional)] id: &'static str) -> AnyView {
    view! {
        <ul class="plugin-list" id=(!id.is_empty()).then_some(id)>
            {hits.into_iter().map(|hit| view! { <li><PluginCard hit/></li> }).collect_view()}
        </ul>
    }
    .into_any()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_read_short() {
        assert_eq!(count(0), "0");
        assert_eq!(count(999), "999");
        assert_eq!(count(1_000), "1k");
        assert_eq!(count(1_240), "1.2k");
        assert_eq!(count(123_456), "123k");
        assert_eq!(count(3_400_000), "3.4M");
        assert_eq!(exact(7), "7");
        assert_eq!(exact(1_419), "1,419");
        assert_eq!(exact(1_000_000), "1,000,000");
        assert_eq!(plural(1, "download", "downloads"), "1 download");
        assert_eq!(plural(2, "download", "downloads"), "2 downloads");
    }
}
