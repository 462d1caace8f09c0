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
