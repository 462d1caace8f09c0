//! Autocomplete: whole-name prefixes, word prefixes and typos.

mod common;

use common::index;
use trellis_search::SearchError;

fn suggest(ix: &trellis_search::SearchIndex, q: &str) -> Vec<String> {
    ix.suggest(q, 5)
        .unwrap()
        .suggestions
        .into_iter()
        .map(|s| s.id)
        .collect()
}

#[test]
fn suggests_by_prefix_best_first() {
    let ix = index();
    assert_eq!(suggest(&ix, "kan")[0], "acme.kanban");
    assert_eq!(
        suggest(&ix, "Mind")[..2],
        ["bob.mind-map", "carol.mindmap-pro"]
    );
    // A word of the name, not its start: after whole-name prefixes.
    let cal = suggest(&ix, "cal");
    assert_eq!(cal[0], "acme.calendar");
    assert!(cal.contains(&"hal.old-calendar".to_string()));
    // Words of the id count too, and several words narrow.
    assert_eq!(suggest(&ix, "anki s"), ["frank.obsidian-anki-sync"]);
    let s = ix.suggest("kan", 5).unwrap();
    assert_eq!(s.q, "kan");
    assert_eq!(
        s.suggestions[0].highlight[0],
        trellis_types::HighlightPart {
            text: "Kan".into(),
            hit: true
        }
    );
    assert_eq!(s.suggestions[0].kind, "tool");
}

#[test]
fn suggests_through_a_typo_from_four_letters() {
    let ix = index();
    assert_eq!(suggest(&ix, "kanv")[0], "acme.kanban");
    assert_eq!(suggest(&ix, "calendr")[0], "acme.calendar");
    assert!(
        suggest(&ix, "kav").is_empty(),
        "no typos under four letters"
    );
}

#[test]
fn suggest_bounds() {
    let ix = index();
    assert!(suggest(&ix, "").is_empty());
    assert!(suggest(&ix, "🎉").is_empty());
    assert!(matches!(
        ix.suggest("kan", 0),
        Err(SearchError::Invalid { field: "limit", .. })
    ));
    assert!(matches!(
        ix.suggest(&"k".repeat(201), 5),
        Err(SearchError::Invalid { field: "q", .. })
    ));
    assert_eq!(ix.suggest("a", 2).unwrap().suggestions.len(), 2);
}

#[test]
fn a_smaller_limit_keeps_the_head_of_the_same_order() {
    // Forty names starting "tab", downloads in a scrambled order (and ties),
    // so the first `limit` must be selected from all of them, not the first found.
    let docs = (0..40u64).map(|i| {
        common::doc(
            &format!("ns{}.tab-tool-{i}", i % 3),
            &format!("Tab Tool {i}"),
            "Tables.",
            (i * 7919) % 13 * 100,
        )
    });
    let ix = trellis_search::SearchIndex::in_memory(&common::api_versions()).unwrap();
    ix.replace_all(docs, Some("1".into())).unwrap();
    let ids = |limit: u32| -> Vec<String> {
        ix.suggest("tab", limit)
            .unwrap()
            .suggestions
            .into_iter()
            .map(|s| s.id)
            .collect()
    };
    let all = ids(100);
    assert_eq!(all.len(), 40);
    // Most popular first (1,200 downloads: i = 6, 19, 32), then the shorter name.
    assert_eq!(
        all[..3],
        ["ns0.tab-tool-6", "ns1.tab-tool-19", "ns2.tab-tool-32"]
    );
    for limit in 1..40 {
        assert_eq!(ids(limit), all[..limit as usize], "limit {limit}");
    }
}

#[test]
fn without_downloads_the_name_that_is_just_the_completed_word_comes_first() {
    use common::{api_versions, doc};
    // A Neovim-like catalogue: `nvim` is in most names, so *telescope.nvim* is the
    // telescope plugin and *telescope-tabs* (as long, and first by id) an extension.
    let ix = trellis_search::SearchIndex::in_memory(&api_versions()).unwrap();
    let mut docs = vec![
        doc(
            "a.telescope-tabs",
            "telescope-tabs",
            "Tabs in telescope.",
            0,
        ),
        doc("z.telescope-nvim", "telescope.nvim", "A fuzzy finder.", 0),
    ];
    for i in 0..60 {
        docs.push(doc(
            &format!("x.plugin-{i}"),
            &format!("plugin{i}.nvim"),
            "Something else.",
            0,
        ));
    }
    ix.replace_all(docs.into_iter(), Some("1".into())).unwrap();
    assert_eq!(
        suggest(&ix, "telescop")[..2],
        ["z.telescope-nvim", "a.telescope-tabs"]
    );
    // Downloads still come first.
    let mut docs = vec![
        doc(
            "a.telescope-tabs",
            "telescope-tabs",
            "Tabs in telescope.",
            50,
        ),
        doc("z.telescope-nvim", "telescope.nvim", "A fuzzy finder.", 0),
    ];
    docs.extend((0..60).map(|i| doc(&format!("x.p{i}"), &format!("p{i}.nvim"), "Else.", 0)));
    ix.replace_all(docs.into_iter(), Some("2".into())).unwrap();
    assert_eq!(suggest(&ix, "telescop")[0], "a.telescope-tabs");
}
