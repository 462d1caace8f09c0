//! Ranking behaviour on a real in-memory index: typos, prefixes, splits and joins,
//! exact names, popularity, explanations, "did you mean" and highlights.

mod common;

use common::{ids, index, query, search};

#[test]
fn typos_within_the_budget_are_found() {
    let ix = index();
    let r = search(&ix, "calender");
    assert_eq!(ids(&r)[0], "acme.calendar", "{:?}", ids(&r));
    let r = search(&ix, "kanbn");
    assert_eq!(ids(&r)[0], "acme.kanban", "{:?}", ids(&r));
    // A transposition is one edit.
    assert!(ids(&search(&ix, "knaban")).contains(&"acme.kanban"));
    // No typos under four letters.
    assert_eq!(
        search(&ix, "aki").total,
        0,
        "three letters allow no typo (anki is one edit away)"
    );
}

#[test]
fn the_last_word_matches_by_prefix() {
    let ix = index();
    assert_eq!(ids(&search(&ix, "kanb"))[0], "acme.kanban");
    assert_eq!(ids(&search(&ix, "pomo"))[0], "y.focus-b");
}

#[test]
fn words_are_split_and_joined() {
    let ix = index();
    let r = search(&ix, "mindmap");
    assert!(
        ids(&r).contains(&"bob.mind-map"),
        "mindmap finds Mind Map: {:?}",
        ids(&r)
    );
    let r = search(&ix, "mind map");
    assert!(
        ids(&r).contains(&"carol.mindmap-pro"),
        "mind map finds Mindmap Pro: {:?}",
        ids(&r)
    );
    assert_eq!(ids(&r)[0], "bob.mind-map");
}

#[test]
fn camel_case_names_are_split() {
    let ix = index();
    assert_eq!(
        ids(&search(&ix, "anki sync"))[0],
        "frank.obsidian-anki-sync"
    );
}

#[test]
fn plurals_match_singulars() {
    let ix = index();
    assert_eq!(ids(&search(&ix, "diagram"))[0], "dave.diagrams");
    assert!(ids(&search(&ix, "flashcard")).contains(&"frank.obsidian-anki-sync"));
}

#[test]
fn an_exact_name_comes_first_over_a_more_popular_partial_match() {
    let ix = index();
    let r = search(&ix, "kanban");
    assert_eq!(ids(&r)[0], "acme.kanban", "{:?}", ids(&r));
    assert!(ids(&r).contains(&"erin.task-board"));
}

#[test]
fn popularity_reorders_close_matches_but_not_a_clearly_better_one() {
    let ix = index();
    // Same text, more downloads first.
    let r = search(&ix, "pomodoro timer");
    assert_eq!(ids(&r)[..2], ["y.focus-b", "x.focus-a"]);
    // A plugin with 1000x the downloads that only mentions the words in its README
    // stays below the ones about them.
    let r = search(&ix, "kanban board");
    let pos = |id: &str| ids(&r).iter().position(|x| *x == id).unwrap_or(usize::MAX);
    assert!(
        pos("acme.kanban") < pos("ivy.notes-helper"),
        "{:?}",
        ids(&r)
    );
    assert!(
        pos("erin.task-board") < pos("ivy.notes-helper"),
        "{:?}",
        ids(&r)
    );
}

#[test]
fn deprecated_plugins_are_demoted() {
    let ix = index();
    let r = search(&ix, "calendar");
    assert_eq!(ids(&r)[0], "acme.calendar");
    assert!(ids(&r).contains(&"hal.old-calendar"));
}

#[test]
fn an_empty_query_matches_everything_by_popularity() {
    let ix = index();
    let r = search(&ix, "  ");
    assert_eq!(r.total, 11);
    assert_eq!(ids(&r)[0], "ivy.notes-helper");
    assert!(r.did_you_mean.is_none());
}

/// The names of the first hit's score components.
fn component_names(ix: &trellis_search::SearchIndex, q: &str) -> Vec<String> {
    let q = trellis_types::SearchQuery {
        explain: true,
        ..query(q)
    };
    let r = ix.search(&q).unwrap();
    let explain = r.hits[0].explain.as_ref().expect("explain asked for");
    explain.components.iter().map(|c| c.name.clone()).collect()
}

#[test]
fn explanations_add_up_to_the_score() {
    let ix = index();
    for q in [
        "kanban",
        "kanbn board",
        "mind map",
        "mindmap",
        "calendar",
        "kanb",
        "",
        "anki sync",
    ] {
        let r = ix
            .search(&trellis_types::SearchQuery {
                explain: true,
                ..query(q)
            })
            .unwrap();
        let mut last = f64::INFINITY;
        for h in &r.hits {
            let e = h.explain.as_ref().expect("explain asked for");
            let sum: f64 = e.components.iter().map(|c| c.value).sum();
            assert!(
                (sum - e.score).abs() < 1e-6 * e.score.abs().max(1.0),
                "{q:?} {}: {e:?}",
                h.id
            );
            assert!(e.score <= last + 1e-9, "{q:?}: hits in score order");
            last = e.score;
        }
    }
    let names = component_names(&ix, "kanban");
    assert!(
        names.contains(&"exact_match".to_string())
            && names.contains(&"text:name".to_string())
            && names.contains(&"popularity".to_string()),
        "{names:?}"
    );
    let names = component_names(&ix, "kanbn");
    assert!(names.contains(&"typos".to_string()), "{names:?}");
    assert!(
        search(&ix, "kanban").hits[0].explain.is_none(),
        "no explanation unless asked"
    );
}

#[test]
fn did_you_mean_corrects_unknown_words_only() {
    let ix = index();
    assert_eq!(
        search(&ix, "calender").did_you_mean.as_deref(),
        Some("calendar")
    );
    assert_eq!(
        search(&ix, "kanbn boards").did_you_mean.as_deref(),
        Some("kanban boards")
    );
    assert_eq!(search(&ix, "kanban").did_you_mean, None);
    assert_eq!(
        search(&ix, "kanb").did_you_mean,
        None,
        "an unfinished last word is not a typo"
    );
    assert_eq!(search(&ix, "zzzzzz").did_you_mean, None, "nothing close");
}

#[test]
fn highlights_mark_matched_words() {
    let ix = index();
    let r = search(&ix, "kanb");
    let name = r.hits[0]
        .highlights
        .display_name
        .as_ref()
        .expect("name highlighted");
    assert_eq!(
        name,
        &[trellis_types::HighlightPart {
            text: "Kanban".into(),
            hit: true
        }]
    );
    let summary = r.hits[0]
        .highlights
        .summary
        .as_ref()
        .expect("summary highlighted");
    assert_eq!(
        summary.iter().map(|p| p.text.as_str()).collect::<String>(),
        r.hits[0].summary
    );
    let r = search(&ix, "kanban board");
    let helper = r
        .hits
        .iter()
        .find(|h| h.id == "ivy.notes-helper")
        .expect("readme match");
    let excerpt = helper.highlights.readme.as_ref().expect("readme excerpt");
    let text: String = excerpt.iter().map(|p| p.text.as_str()).collect();
    assert!(
        text.chars().count() <= 170 && text.contains("kanban board"),
        "{text:?}"
    );
    assert!(
        helper.highlights.display_name.is_none(),
        "nothing matched in the name"
    );
    let r = search(&ix, "calender");
    assert!(
        r.hits[0].highlights.display_name.as_ref().unwrap()[0].hit,
        "typo matches are highlighted"
    );
}

#[test]
fn related_words_of_the_best_results_find_more_below_the_direct_matches() {
    use trellis_search::SearchIndex;
    // Three plugins about the query share words (focus, sessions, countdown, ticker)
    // with a fourth that never says the query word, among many unrelated ones.
    let mut docs = vec![
        common::doc(
            "a.pomodoro-timer",
            "Pomodoro Timer",
            "Pomodoro focus sessions with a countdown ticker.",
            900,
        ),
        common::doc(
            "a.pomodoro-clock",
            "Pomodoro Clock",
            "A pomodoro clock: focus sessions, breaks and a countdown ticker.",
            500,
        ),
        common::doc(
            "a.tomato",
            "Tomato",
            "Pomodoro technique: work in focus sessions with a countdown ticker in the status bar.",
            300,
        ),
        common::doc(
            "a.deep-work",
            "Deep Work",
            "Focus sessions with a countdown ticker and breaks.",
            100_000,
        ),
    ];
    for i in 0..300 {
        docs.push(common::doc(
            &format!("f.filler-{i}"),
            &format!("Filler {i}"),
            &format!("Organise item{i} and topic{} in notes.", i % 17),
            10,
        ));
    }
    let ix = SearchIndex::in_memory(&common::api_versions()).unwrap();
    ix.replace_all(docs.into_iter(), Some("1".into())).unwrap();
    let r = ix
        .search(&trellis_types::SearchQuery {
            explain: true,
            ..query("pomodoro")
        })
        .unwrap();
    let found = ids(&r);
    let pos = |id: &str| found.iter().position(|x| *x == id);
    let related = pos("a.deep-work").unwrap_or_else(|| panic!("{found:?}"));
    for direct in ["a.pomodoro-timer", "a.pomodoro-clock", "a.tomato"] {
        assert!(pos(direct).unwrap() < related, "{found:?}");
    }
    assert_eq!(r.total, 4, "{found:?}");
    for h in &r.hits {
        let e = h.explain.as_ref().unwrap();
        let sum: f64 = e.components.iter().map(|c| c.value).sum();
        assert!((sum - e.score).abs() < 1e-6 * e.score.max(1.0), "{e:?}");
    }
    let e = r.hits[related].explain.as_ref().unwrap();
    assert!(e.components.iter().any(|c| c.name == "related"), "{e:?}");
    // No feedback, no related results.
    ix.set_weights(trellis_search::RankingWeights {
        feedback: 0.0,
        ..Default::default()
    });
    assert_eq!(ids(&search(&ix, "pomodoro")).len(), 3);
}

#[test]
fn a_name_the_typed_prefix_completes_comes_before_longer_names() {
    use common::{api_versions, doc};
    use trellis_search::{RankingWeights, SearchIndex};
    // The extensions of a plugin mention it more and are more popular; the plugin
    // itself is still what someone typing `telesc` is after.
    let ix = SearchIndex::in_memory(&api_versions()).unwrap();
    let docs = [
        doc("z.telescope", "Telescope", "A fuzzy finder over lists.", 10),
        doc(
            "a.telescope-zoxide",
            "Telescope Zoxide",
            "Telescope integration for zoxide: telescope picks directories.",
            10_000,
        ),
        doc(
            "b.telescope-tabs",
            "Telescope Tabs",
            "Navigate tabs with telescope.",
            5_000,
        ),
        doc("c.unrelated", "Outliner", "Folding lists.", 20_000),
    ];
    ix.replace_all(docs.into_iter(), Some("1".into())).unwrap();
    for q in ["telesc", "telescop"] {
        assert_eq!(ids(&search(&ix, q))[0], "z.telescope", "{q}");
    }
    let names = component_names(&ix, "telesc");
    assert!(names.contains(&"name_completion".to_string()), "{names:?}");
    // A word typed in full is not being completed: `telescope` puts the exact name
    // first by the exact tier, and the longer names do not get the completion tier.
    let r = ix
        .search(&trellis_types::SearchQuery {
            explain: true,
            ..query("telescope")
        })
        .unwrap();
    assert_eq!(r.hits[0].id, "z.telescope");
    for h in &r.hits[1..] {
        let e = h.explain.as_ref().unwrap();
        assert!(
            !e.components.iter().any(|c| c.name == "name_completion"),
            "{}: {e:?}",
            h.id
        );
    }
    // Without the tier the more popular extension leads: the tier is what decides.
    ix.set_weights(RankingWeights {
        name_completion: 0.0,
        ..RankingWeights::default()
    });
    assert_ne!(ids(&search(&ix, "telesc"))[0], "z.telescope");
}

#[test]
fn a_last_word_still_being_typed_gets_no_did_you_mean() {
    use common::{api_versions, doc};
    use trellis_search::SearchIndex;
    let ix = SearchIndex::in_memory(&api_versions()).unwrap();
    let mut docs = vec![
        doc("a.kanban", "Kanban", "Markdown kanban boards.", 5_000),
        doc("b.kana", "Kana Drills", "Practise kana.", 10),
    ];
    // `kana` is one edit from `kanb` and `kanban` is not: with enough documents using
    // it, `kana` is what a correction of `kanb` would suggest.
    for i in 0..60 {
        docs.push(doc(
            &format!("c.kana-{i}"),
            &format!("Kana Set {i}"),
            "More kana.",
            1,
        ));
    }
    ix.replace_all(docs.into_iter(), Some("1".into())).unwrap();
    let r = search(&ix, "kanb");
    assert_eq!(r.did_you_mean, None, "kanb is unfinished: {:?}", ids(&r));
    assert_eq!(ids(&r)[0], "a.kanban");
    // A word that completes to nothing is still corrected.
    assert_eq!(
        search(&ix, "kanx").did_you_mean.as_deref(),
        Some("kana"),
        "kanx completes to nothing"
    );
}

#[test]
fn a_phrase_with_a_stopword_inside_counts_as_adjacent_words() {
    use common::{api_versions, doc};
    // Both summaries hold "table" and "contents"; one says "table of contents". The
    // query drops "of", and the phrase still counts as the two words side by side.
    let docs = vec![
        doc(
            "a.outline",
            "Outline",
            "A floating table of contents for long notes.",
            100,
        ),
        doc(
            "a.sheets",
            "Sheets",
            "Edit any table; the contents of each cell stay plain text.",
            100,
        ),
    ];
    let ix = trellis_search::SearchIndex::in_memory(&api_versions()).unwrap();
    ix.replace_all(docs.into_iter(), Some("1".into())).unwrap();
    let r = ix
        .search(&trellis_types::SearchQuery {
            explain: true,
            ..query("table of contents")
        })
        .unwrap();
    assert_eq!(ids(&r), ["a.outline", "a.sheets"]);
    let e = r.hits[0].explain.as_ref().unwrap();
    assert!(
        e.components.iter().any(|c| c.name == "text:joined_words"),
        "{e:?}"
    );
}
