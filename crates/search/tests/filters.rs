//! Filters, disjunctive facets, the API-compatibility filter, sorts, paging and input
//! validation on a real in-memory index.

mod common;

use common::{ids, index, query, search};
use trellis_search::SearchError;
use trellis_types::{Facet, SearchQuery, SearchSort, SEARCH_MAX_LIMIT};

fn facet<'a>(facets: &'a [Facet], name: &str) -> &'a Facet {
    facets
        .iter()
        .find(|f| f.name == name)
        .expect("facet present")
}

fn count(facets: &[Facet], name: &str, value: &str) -> Option<u64> {
    facet(facets, name)
        .values
        .iter()
        .find(|v| v.value == value)
        .map(|v| v.count)
}

fn invalid_field(r: Result<trellis_types::SearchResults, SearchError>) -> &'static str {
    match r {
        Err(SearchError::Invalid { field, .. }) => field,
        other => panic!("expected a validation error, got {other:?}"),
    }
}

#[test]
fn filters_combine_and_facets_are_disjunctive() {
    let ix = index();
    let all = search(&ix, "");
    assert_eq!(count(&all.facets, "category", "productivity"), Some(3));
    assert_eq!(count(&all.facets, "category", "visual"), Some(3));
    let labels: Vec<&str> = facet(&all.facets, "category")
        .values
        .iter()
        .map(|v| v.label.as_str())
        .collect();
    assert!(
        labels.contains(&"Time management"),
        "labels come from category_labels: {labels:?}"
    );
    assert_eq!(
        all.facets
            .iter()
            .map(|f| f.name.as_str())
            .collect::<Vec<_>>(),
        trellis_types::SEARCH_FACETS
    );

    let q = SearchQuery {
        category: vec!["productivity".into()],
        ..query("")
    };
    let r = ix.search(&q).unwrap();
    assert_eq!(r.total, 3);
    // The category facet ignores its own filter: siblings keep their counts.
    assert_eq!(count(&r.facets, "category", "visual"), Some(3));
    let selected = facet(&r.facets, "category")
        .values
        .iter()
        .find(|v| v.value == "productivity")
        .unwrap();
    assert!(selected.selected);
    // Other facets apply it.
    assert_eq!(count(&r.facets, "kind", "integration"), None);
    assert_eq!(count(&r.facets, "kind", "agent"), Some(1));

    // Values within a facet are alternatives; facets combine.
    let q = SearchQuery {
        category: vec!["productivity".into(), "visual".into()],
        kind: vec!["tool".into()],
        ..query("")
    };
    let r = ix.search(&q).unwrap();
    assert_eq!(r.total, 4, "{:?}", ids(&r));
    assert!(r.hits.iter().all(|h| h.kind == "tool"));
    assert_eq!(
        count(&r.facets, "kind", "agent"),
        Some(1),
        "kind counts ignore the kind filter"
    );

    let q = SearchQuery {
        license: vec!["Apache-2.0".into()],
        namespace: vec!["bob".into()],
        ..query("")
    };
    assert_eq!(ids(&ix.search(&q).unwrap()), ["bob.mind-map"]);
    let q = SearchQuery {
        keyword: vec!["boards".into()],
        ..query("")
    };
    assert_eq!(ids(&ix.search(&q).unwrap()), ["acme.kanban"]);
}

#[test]
fn unknown_but_well_formed_values_match_nothing() {
    let ix = index();
    let q = SearchQuery {
        category: vec!["no-such-category".into()],
        ..query("kanban")
    };
    let r = ix.search(&q).unwrap();
    assert_eq!(r.total, 0);
    let v = facet(&r.facets, "category")
        .values
        .iter()
        .find(|v| v.value == "no-such-category")
        .unwrap();
    assert!(
        v.selected && v.count == 0,
        "a selected value is always listed"
    );
    for bad in ["", " padded", "tab\there", &"x".repeat(500)] {
        let q = SearchQuery {
            kind: vec![bad.to_string()],
            ..query("")
        };
        assert_eq!(invalid_field(ix.search(&q)), "kind", "{bad:?}");
    }
}

#[test]
fn the_api_filter_keeps_compatible_plugins() {
    let ix = index();
    let all = search(&ix, "");
    assert_eq!(count(&all.facets, "api", "1.0"), Some(10));
    assert_eq!(count(&all.facets, "api", "2.0"), Some(1));
    let r = ix
        .search(&SearchQuery {
            api: Some("2.0".into()),
            ..query("")
        })
        .unwrap();
    assert_eq!(ids(&r), ["dave.diagrams"]);
    let r = ix
        .search(&SearchQuery {
            api: Some("1.0".into()),
            ..query("diagram")
        })
        .unwrap();
    assert_eq!(r.total, 0);
    let r = ix
        .search(&SearchQuery {
            api: Some("1.0.0".into()),
            ..query("")
        })
        .unwrap();
    assert_eq!(r.total, 10, "a full version names its major.minor");
    for bad in ["3.0", "1.x", "latest", "", "1.0.0.0"] {
        let q = SearchQuery {
            api: Some(bad.into()),
            ..query("")
        };
        assert_eq!(invalid_field(ix.search(&q)), "api", "{bad:?}");
    }
}

#[test]
fn every_sort_orders_with_ties_broken_by_id() {
    let ix = index();
    for sort in SearchSort::ALL {
        let r = ix
            .search(&SearchQuery {
                sort,
                limit: 100,
                ..query("")
            })
            .unwrap();
        assert_eq!(r.hits.len(), 11, "{sort:?}");
        for w in r.hits.windows(2) {
            let (a, b) = (&w[0], &w[1]);
            let ord = match sort {
                SearchSort::Relevance => std::cmp::Ordering::Equal,
                SearchSort::Downloads => b.downloads.cmp(&a.downloads),
                SearchSort::RecentDownloads => b.recent_downloads.cmp(&a.recent_downloads),
                SearchSort::Rating => std::cmp::Ordering::Equal,
                SearchSort::Updated => b.updated_at.cmp(&a.updated_at),
                SearchSort::Newest => b.created_at.cmp(&a.created_at),
                SearchSort::Name => a
                    .display_name
                    .to_lowercase()
                    .cmp(&b.display_name.to_lowercase()),
            };
            assert_ne!(
                ord,
                std::cmp::Ordering::Greater,
                "{sort:?}: {} before {}",
                a.id,
                b.id
            );
            if ord == std::cmp::Ordering::Equal
                && !matches!(sort, SearchSort::Relevance | SearchSort::Rating)
            {
                assert!(
                    a.id < b.id,
                    "{sort:?}: ties by id ({} before {})",
                    a.id,
                    b.id
                );
            }
        }
    }
    let by = |sort| {
        ids(&ix.search(&SearchQuery { sort, ..query("") }).unwrap())
            .into_iter()
            .map(str::to_string)
            .collect::<Vec<_>>()
    };
    assert_eq!(by(SearchSort::Downloads)[0], "ivy.notes-helper");
    assert_eq!(
        by(SearchSort::Rating)[0],
        "acme.kanban",
        "40 ratings of 4.8 beat one of 5.0"
    );
    assert_eq!(by(SearchSort::Updated)[0], "ivy.notes-helper");
    assert_eq!(by(SearchSort::Newest).last().unwrap(), "acme.kanban");
    assert_eq!(by(SearchSort::Name)[0], "acme.calendar");
    // Recent downloads are all 0: every tie goes by id.
    let recent = by(SearchSort::RecentDownloads);
    let mut sorted = recent.clone();
    sorted.sort();
    assert_eq!(recent, sorted);
    // Sorting a text query keeps its matches.
    let r = ix
        .search(&SearchQuery {
            sort: SearchSort::Name,
            ..query("calendar")
        })
        .unwrap();
    assert_eq!(ids(&r), ["acme.calendar", "hal.old-calendar"]);
}

#[test]
fn paging_is_stable_and_past_the_end_is_empty() {
    let ix = index();
    let page = |p: u32| {
        ix.search(&SearchQuery {
            page: p,
            limit: 4,
            ..query("")
        })
        .unwrap()
    };
    let all: Vec<String> = (1..=3)
        .flat_map(|p| page(p).hits.into_iter().map(|h| h.id))
        .collect();
    let mut unique = all.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), 11, "pages neither repeat nor skip: {all:?}");
    let past = page(50);
    assert!(past.hits.is_empty());
    assert_eq!(past.total, 11);
    assert_eq!(past.page, 50);
}

#[test]
fn bounds_are_validation_errors() {
    let ix = index();
    let cases = [
        (
            SearchQuery {
                limit: 0,
                ..query("")
            },
            "limit",
        ),
        (
            SearchQuery {
                limit: SEARCH_MAX_LIMIT + 1,
                ..query("")
            },
            "limit",
        ),
        (
            SearchQuery {
                page: 0,
                ..query("")
            },
            "page",
        ),
        (
            SearchQuery {
                page: 101,
                limit: 100,
                ..query("")
            },
            "page",
        ),
        (query(&"a".repeat(201)), "q"),
    ];
    for (q, field) in cases {
        assert_eq!(invalid_field(ix.search(&q)), field, "{q:?}");
    }
    let deepest = SearchQuery {
        page: 100,
        limit: 100,
        ..query("")
    };
    assert!(ix.search(&deepest).is_ok(), "exactly the deepest page");
    assert!(
        ix.search(&query(&"é".repeat(200))).is_ok(),
        "200 characters, not bytes"
    );
}

#[test]
fn hostile_text_is_just_text() {
    let ix = index();
    let long = "kanban ".repeat(40);
    let hostile = [
        "\"kanban\"",
        "name:kanban",
        "kanban AND (board OR",
        "[1 TO 5]",
        "\\",
        "\\\\\"'",
        "🎉🎉 kanban 🎉",
        "ｋａｎｂａｎ",
        "*",
        "?~^2",
        "-kanban",
        "\u{0}\u{1b}[31m",
        "の カンバン",
        &long[..200],
        "",
        "   ",
    ];
    for q in hostile {
        let r = ix
            .search(&query(q))
            .unwrap_or_else(|e| panic!("{q:?}: {e}"));
        let _ = ix
            .suggest(q, 5)
            .unwrap_or_else(|e| panic!("suggest {q:?}: {e}"));
        if q.contains("kanban") {
            assert!(ids(&r).contains(&"acme.kanban"), "{q:?}: {:?}", ids(&r));
        }
    }
    assert_eq!(
        ids(&search(&ix, "ｋａｎｂａｎ"))[0],
        "acme.kanban",
        "full-width letters fold"
    );
    assert_eq!(
        search(&ix, "🎉 \"[]").total,
        0,
        "text without words matches nothing"
    );
    assert_eq!(
        search(&ix, &"x".repeat(60)).total,
        0,
        "nor does one overlong word"
    );
}
