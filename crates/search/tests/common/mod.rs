//! A small hand-built catalogue for the integration tests.
#![allow(dead_code)]

use semver::Version;
use trellis_search::{PluginDoc, SearchIndex};
use trellis_types::{SearchQuery, SearchResults};

pub fn api_versions() -> Vec<Version> {
    vec![Version::new(1, 0, 0), Version::new(2, 0, 0)]
}

pub fn doc(id: &str, display_name: &str, summary: &str, downloads: u64) -> PluginDoc {
    let (namespace, name) = id.split_once('.').unwrap_or(("acme", id));
    PluginDoc {
        id: id.to_string(),
        namespace: namespace.to_string(),
        name: name.to_string(),
        display_name: display_name.to_string(),
        summary: summary.to_string(),
        kind: "tool".into(),
        license: "MIT".into(),
        api_req: Some("^1.0".into()),
        latest_version: Some("1.0.0".into()),
        downloads_total: downloads,
        created_at: 1_700_000_000,
        updated_at: 1_700_000_000,
        ..PluginDoc::default()
    }
}

/// `d` in these categories (slug, label).
fn categorised(mut d: PluginDoc, categories: &[(&str, &str)]) -> PluginDoc {
    d.categories = categories.iter().map(|c| c.0.to_string()).collect();
    d.category_labels = categories.iter().map(|c| c.1.to_string()).collect();
    d
}

/// `d` with `count` ratings averaging `avg`.
fn rated(mut d: PluginDoc, avg: f64, count: u64) -> PluginDoc {
    d.rating_avg = Some(avg);
    d.rating_count = count;
    d
}

const PRODUCTIVITY: (&str, &str) = ("productivity", "Productivity");
const VISUAL: (&str, &str) = ("visual", "Visual");

/// The catalogue: names, summaries and popularity chosen to exercise ranking.
pub fn catalogue() -> Vec<PluginDoc> {
    let kanban_doc = doc(
        "acme.kanban",
        "Kanban",
        "Create markdown-backed kanban boards.",
        5_000,
    );
    let mut kanban = rated(categorised(kanban_doc, &[PRODUCTIVITY]), 4.8, 40);
    kanban.keywords = vec!["kanban".into(), "boards".into()];
    kanban.created_at = 1_600_000_000;
    kanban.updated_at = 1_750_000_000;

    let calendar_doc = doc(
        "acme.calendar",
        "Calendar",
        "A calendar view of your daily notes.",
        20_000,
    );
    let mut calendar = rated(
        categorised(calendar_doc, &[PRODUCTIVITY, ("time", "Time management")]),
        4.0,
        10,
    );
    calendar.created_at = 1_650_000_000;

    let mut mind_map = categorised(
        doc(
            "bob.mind-map",
            "Mind Map",
            "Draw a mind map of your note.",
            300,
        ),
        &[VISUAL],
    );
    mind_map.kind = "integration".into();
    mind_map.license = "Apache-2.0".into();

    let mindmap_pro = categorised(
        doc(
            "carol.mindmap-pro",
            "Mindmap Pro",
            "A mindmap editor with themes.",
            200,
        ),
        &[VISUAL],
    );

    let diagrams_doc = doc(
        "dave.diagrams",
        "Diagram Studio",
        "Draw mermaid diagrams and flowcharts.",
        1_000,
    );
    let mut diagrams = rated(categorised(diagrams_doc, &[VISUAL]), 5.0, 1);
    diagrams.license = "Apache-2.0".into();
    diagrams.api_req = Some("^2.0".into());

    let board_summary = "Organise tasks on boards with kanban style columns.";
    let mut task_board = categorised(
        doc("erin.task-board", "Task Board", board_summary, 900_000),
        &[PRODUCTIVITY],
    );
    task_board.kind = "agent".into();

    let anki = doc(
        "frank.obsidian-anki-sync",
        "ObsidianAnkiSync",
        "Sync flashcards to Anki.",
        700,
    );

    let mut old_calendar = doc(
        "hal.old-calendar",
        "Old Calendar",
        "The calendar we used to have.",
        1_000_000,
    );
    old_calendar.deprecated = true;

    let mut helper = doc(
        "ivy.notes-helper",
        "Notes Helper",
        "Helps with notes.",
        5_000_000,
    );
    helper.readme_text = format!(
        "{} It can also render a kanban board inside a note when asked. {}",
        "Notes helper keeps your notes tidy and fast. ".repeat(20),
        "More text about notes. ".repeat(20)
    );
    helper.updated_at = 1_760_000_000;

    let focus_a = doc("x.focus-a", "Focus Timer", "A pomodoro timer.", 10);
    let focus_b = doc("y.focus-b", "Focus Clock", "A pomodoro timer.", 50_000);

    vec![
        kanban,
        calendar,
        mind_map,
        mindmap_pro,
        diagrams,
        task_board,
        anki,
        old_calendar,
        helper,
        focus_a,
        focus_b,
    ]
}

pub fn index() -> SearchIndex {
    let index = SearchIndex::in_memory(&api_versions()).expect("in-memory index");
    index
        .replace_all(catalogue().into_iter(), Some("1".into()))
        .expect("indexing");
    index
}

pub fn query(q: &str) -> SearchQuery {
    SearchQuery {
        q: q.to_string(),
        page: 1,
        limit: 20,
        ..SearchQuery::default()
    }
}

pub fn ids(r: &SearchResults) -> Vec<&str> {
    r.hits.iter().map(|h| h.id.as_str()).collect()
}

pub fn search(index: &SearchIndex, q: &str) -> SearchResults {
    index
        .search(&query(q))
        .unwrap_or_else(|e| panic!("{q:?}: {e}"))
}
