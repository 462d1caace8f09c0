//! Writing and reopening: incremental changes, positions persisted with commits,
//! corrupt directories recreated, concurrent readers.

mod common;

use common::{api_versions, catalogue, doc, ids, search};
use trellis_search::{Opened, SearchIndex};

#[test]
fn changes_and_positions_survive_a_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let (ix, opened) = SearchIndex::open(dir.path(), &api_versions()).unwrap();
    assert_eq!(opened, Opened::Created);
    assert_eq!(ix.position(), None);
    assert_eq!(ix.doc_count(), 0);
    ix.replace_all(catalogue().into_iter(), Some("evt_10".into()))
        .unwrap();
    assert_eq!(ix.doc_count(), 11);
    assert_eq!(ix.position().as_deref(), Some("evt_10"));

    let mut renamed = doc("acme.kanban", "Kanban Deluxe", "Boards, now deluxe.", 5_000);
    renamed.keywords = vec!["deluxe".into()];
    let added = doc("zed.zettel", "Zettelkasten", "Atomic notes with ids.", 10);
    ix.apply(
        vec![renamed, added],
        &["bob.mind-map".to_string()],
        Some("evt_12".into()),
    )
    .unwrap();
    // Searchable as soon as apply returns.
    assert_eq!(ids(&search(&ix, "zettelkasten")), ["zed.zettel"]);
    assert_eq!(ix.doc_count(), 11);
    drop(ix);

    let (ix, opened) = SearchIndex::open(dir.path(), &api_versions()).unwrap();
    assert_eq!(opened, Opened::Existing);
    assert_eq!(ix.position().as_deref(), Some("evt_12"));
    assert_eq!(ix.doc_count(), 11);
    assert_eq!(ids(&search(&ix, "deluxe")), ["acme.kanban"]);
    assert!(!ids(&search(&ix, "mind map")).contains(&"bob.mind-map"));
    assert_eq!(
        search(&ix, "kanban")
            .hits
            .iter()
            .filter(|h| h.id == "acme.kanban")
            .count(),
        1,
        "an upsert replaces"
    );

    // A full rebuild replaces everything.
    ix.replace_all(
        vec![doc("only.one", "Only One", "The last plugin.", 1)].into_iter(),
        None,
    )
    .unwrap();
    assert_eq!(ix.doc_count(), 1);
    assert_eq!(ix.position(), None);
    assert_eq!(search(&ix, "kanban").total, 0);
}

#[test]
fn a_corrupt_index_is_recreated() {
    let dir = tempfile::tempdir().unwrap();
    {
        let (ix, _) = SearchIndex::open(dir.path(), &api_versions()).unwrap();
        ix.replace_all(catalogue().into_iter(), Some("evt_1".into()))
            .unwrap();
    }
    std::fs::write(dir.path().join("meta.json"), b"{ not json").unwrap();
    let (ix, opened) = SearchIndex::open(dir.path(), &api_versions()).unwrap();
    assert!(matches!(opened, Opened::Recreated { .. }), "{opened:?}");
    assert_eq!(ix.doc_count(), 0);
    assert_eq!(ix.position(), None);
    ix.replace_all(catalogue().into_iter(), None).unwrap();
    assert_eq!(ix.doc_count(), 11);
    drop(ix);

    // A directory of something else entirely.
    let other = tempfile::tempdir().unwrap();
    std::fs::write(other.path().join("notes.txt"), b"hello").unwrap();
    let (_, opened) = SearchIndex::open(other.path(), &api_versions()).unwrap();
    assert!(matches!(opened, Opened::Recreated { .. }), "{opened:?}");
}

#[test]
fn an_index_in_use_is_not_wiped() {
    let dir = tempfile::tempdir().unwrap();
    let (ix, _) = SearchIndex::open(dir.path(), &api_versions()).unwrap();
    ix.replace_all(catalogue().into_iter(), None).unwrap();
    // A second writer on the same directory fails instead of recreating it.
    assert!(SearchIndex::open(dir.path(), &api_versions()).is_err());
    assert_eq!(ix.doc_count(), 11);
}

#[test]
fn searches_run_while_writes_commit() {
    let ix = SearchIndex::in_memory(&api_versions()).unwrap();
    ix.replace_all(catalogue().into_iter(), None).unwrap();
    std::thread::scope(|s| {
        s.spawn(|| {
            for i in 0..20 {
                let d = doc(
                    &format!("w.plugin-{i}"),
                    &format!("Writer Plugin {i}"),
                    "Added while searching.",
                    i,
                );
                ix.apply(vec![d], &[], Some(i.to_string())).unwrap();
            }
        });
        for _ in 0..4 {
            s.spawn(|| {
                for _ in 0..20 {
                    let r = search(&ix, "kanban");
                    assert_eq!(r.hits[0].id, "acme.kanban");
                }
            });
        }
    });
    assert_eq!(ix.doc_count(), 31);
    assert_eq!(ix.position().as_deref(), Some("19"));
}

#[test]
fn kept_answers_never_outlive_a_commit() {
    let index = common::index();
    let first = search(&index, "kanban");
    // The same search again is answered from the results cache, identically.
    assert_eq!(search(&index, "kanban"), first);
    // A commit that changes the answer: the next search sees it.
    let mut doc = common::doc(
        "acme.kanban-pro",
        "Kanban Pro",
        "Kanban boards, pro.",
        99_999_999,
    );
    doc.keywords = vec!["kanban".into()];
    index.apply(vec![doc], &[], Some("9:1".into())).unwrap();
    let after = search(&index, "kanban");
    assert_eq!(after.total, first.total + 1);
    assert!(
        ids(&after).contains(&"acme.kanban-pro"),
        "{:?}",
        ids(&after)
    );
    // Deleting it again: gone from the next answer too.
    index
        .apply(Vec::new(), &["acme.kanban-pro".into()], Some("9:2".into()))
        .unwrap();
    assert_eq!(search(&index, "kanban"), first);
    // With the cache off, answers are the same.
    index.set_results_cache(0);
    assert_eq!(search(&index, "kanban"), first);
}
