//! Query strings as the pages write and read them: percent-encoding, and the
//! search page's URL (`/search?q=&category=…&sort=&page=`) built from and parsed
//! into a [`SearchQuery`] (through the contract's `from_pairs` / `to_pairs`), so every result page, facet and sort is a plain link.

use leptos_router::params::ParamsMap;
use trellis_types::{SearchQuery, SEARCH_DEFAULT_LIMIT};

/// Percent-encodes a query value (everything but unreserved characters).
pub fn enc(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// The repeatable filters of a search, by URL parameter name.
pub fn filters(q: &SearchQuery) -> [(&'static str, &Vec<String>); 5] {
    [
        ("category", &q.category),
        ("kind", &q.kind),
        ("keyword", &q.keyword),
        ("namespace", &q.namespace),
        ("license", &q.license),
    ]
}

/// The filter list named `facet` (one of the repeatable ones), to change it.
pub fn filter_mut<'a>(q: &'a mut SearchQuery, facet: &str) -> Option<&'a mut Vec<String>> {
    match facet {
        "category" => Some(&mut q.category),
        "kind" => Some(&mut q.kind),
        "keyword" => Some(&mut q.keyword),
        "namespace" => Some(&mut q.namespace),
        "license" => Some(&mut q.license),
        _ => None,
    }
}

/// The search for everything: no text, no filter, first page, default page size.
pub fn blank() -> SearchQuery {
    SearchQuery {
        page: 1,
        limit: SEARCH_DEFAULT_LIMIT,
        ..SearchQuery::default()
    }
}

/// Reads a search from the URL's query with [`SearchQuery::from_pairs`]; a
/// parameter it refuses (a sort that does not exist, page 0) is left out, as a
/// person may have edited the link.
pub fn from_params(p: &ParamsMap) -> SearchQuery {
    from_pairs(
        p.clone()
            .into_iter()
            .map(|(k, v)| (k.into_owned(), v))
            .collect(),
    )
}

/// [`from_params`] for name-value pairs (a form's fields, a link's query).
pub fn from_pairs(mut pairs: Vec<(String, String)>) -> SearchQuery {
    loop {
        match SearchQuery::from_pairs(pairs.iter().map(|(k, v)| (k, v)), false) {
            Ok(q) => return q,
            Err(e) => {
                let before = pairs.len();
                pairs.retain(|(k, _)| *k != e.param);
                if pairs.len() == before {
                    return blank();
                }
            }
        }
    }
}

/// The name-value pairs of a query string (`a=1&b=x+y`, with or without a
/// leading `?`), decoded as a form submission encodes them (`+` is a space,
/// `%XX` a byte; bytes that are not UTF-8 become U+FFFD).
pub fn parse_query_string(s: &str) -> Vec<(String, String)> {
    fn decode(s: &str) -> String {
        let b = s.as_bytes();
        let mut out = Vec::with_capacity(b.len());
        let mut i = 0;
        while i < b.len() {
            match b[i] {
                b'+' => out.push(b' '),
                b'%' if i + 2 < b.len() => {
                    match std::str::from_utf8(&b[i + 1..i + 3])
                        .ok()
                        .and_then(|h| u8::from_str_radix(h, 16).ok())
                    {
                        Some(v) => {
                            out.push(v);
                            i += 2;
                        }
                        None => out.push(b'%'),
                    }
                }
                c => out.push(c),
            }
            i += 1;
        }
        String::from_utf8_lossy(&out).into_owned()
    }
    s.trim_start_matches('?')
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| match p.split_once('=') {
            Some((k, v)) => (decode(k), decode(v)),
            None => (decode(p), String::new()),
        })
        .collect()
}

/// The query string of a search (without `?`), from [`SearchQuery::to_pairs`].
pub fn to_query_string(q: &SearchQuery) -> String {
    q.to_pairs(q.page)
        .into_iter()
        .map(|(k, v)| format!("{k}={}", enc(&v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// `path?query` for a search, or `path` alone when the query is all defaults.
pub fn href(path: &str, q: &SearchQuery) -> String {
    match to_query_string(q) {
        s if s.is_empty() => path.to_owned(),
        s => format!("{path}?{s}"),
    }
}

/// `/search?…` for a search.
pub fn search_href(q: &SearchQuery) -> String {
    href("/search", q)
}

/// The same search on another page.
pub fn with_page(q: &SearchQuery, page: u32) -> SearchQuery {
    SearchQuery { page, ..q.clone() }
}

/// The same search without one filter value (`None`: without any filter), from page 1.
pub fn without_filter(q: &SearchQuery, facet: &str, value: Option<&str>) -> SearchQuery {
    let mut out = with_page(q, 1);
    match (facet, value) {
        ("api", _) => out.api = None,
        (f, Some(v)) => {
            if let Some(list) = filter_mut(&mut out, f) {
                list.retain(|x| x != v);
            }
        }
        (f, None) => {
            if let Some(list) = filter_mut(&mut out, f) {
                list.clear();
            }
        }
    }
    out
}

/// The same filters and sort with only the text cleared or replaced.
pub fn with_text(q: &SearchQuery, text: &str) -> SearchQuery {
    SearchQuery {
        q: text.to_owned(),
        page: 1,
        ..q.clone()
    }
}

/// Whether a search narrows by anything beyond its text.
pub fn has_filters(q: &SearchQuery) -> bool {
    q.api.is_some() || filters(q).iter().any(|(_, v)| !v.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use trellis_types::SearchSort;

    #[test]
    fn a_query_string_reads_back_as_the_search_it_was_written_from() {
        let q = SearchQuery {
            q: "mind map & “notes” 100%".into(),
            category: vec!["ai tools".into()],
            kind: vec!["agent".into()],
            sort: SearchSort::Downloads,
            page: 3,
            ..blank()
        };
        assert_eq!(from_pairs(parse_query_string(&to_query_string(&q))), q);
        assert_eq!(
            parse_query_string("?q=a+b%2Bc&x&bad=%zz%4"),
            vec![
                ("q".to_owned(), "a b+c".to_owned()),
                ("x".to_owned(), String::new()),
                ("bad".to_owned(), "%zz%4".to_owned()),
            ]
        );
        // A parameter the contract refuses is dropped, not the whole search.
        let pairs = parse_query_string("q=kanban&sort=nonsense");
        assert_eq!(from_pairs(pairs).q, "kanban");
    }

    #[test]
    fn query_values_are_encoded() {
        assert_eq!(enc("plugin.*"), "plugin.%2A");
        assert_eq!(enc("plugin:acme.kanban"), "plugin%3Aacme.kanban");
        assert_eq!(enc("a b&c"), "a%20b%26c");
    }

    #[test]
    fn searches_round_trip_through_their_links() {
        let q = SearchQuery {
            q: "kan ban".into(),
            category: vec!["productivity".into(), "data".into()],
            kind: vec!["agent".into()],
            api: Some("1.0".into()),
            sort: SearchSort::Updated,
            page: 3,
            limit: SEARCH_DEFAULT_LIMIT,
            ..Default::default()
        };
        let s = to_query_string(&q);
        assert_eq!(
            s,
            "q=kan%20ban&category=productivity&category=data&kind=agent&api=1.0&sort=updated&page=3"
        );
        let map = ParamsMap::from_iter(
            s.split('&')
                .map(|kv| kv.split_once('=').unwrap())
                .map(|(k, v)| (k.to_owned(), v.replace("%20", " "))),
        );
        assert_eq!(from_params(&map), q);
    }

    #[test]
    fn defaults_leave_the_link_short() {
        let q = from_params(&ParamsMap::new());
        assert_eq!(search_href(&q), "/search");
        assert_eq!(q.page, 1);
        let bad = ParamsMap::from_iter([
            ("page".to_owned(), "0".to_owned()),
            ("sort".to_owned(), "sideways".to_owned()),
        ]);
        assert_eq!(from_params(&bad).page, 1);
        assert_eq!(from_params(&bad).sort, SearchSort::Relevance);
    }

    #[test]
    fn filters_come_off_one_at_a_time() {
        let q = SearchQuery {
            kind: vec!["agent".into(), "tool".into()],
            page: 4,
            ..Default::default()
        };
        let one = without_filter(&q, "kind", Some("tool"));
        assert_eq!(one.kind, vec!["agent".to_owned()]);
        assert_eq!(one.page, 1);
        assert!(!has_filters(&without_filter(&q, "kind", None)));
    }
}
