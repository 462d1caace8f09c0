use std::collections::HashSet;

use super::*;

fn entry(json: &str) -> Entry {
    serde_json::from_str(json).unwrap()
}

#[test]
fn awkward_ids_map_to_valid_names() {
    let cases = [
        ("folke/lazy.nvim", "folke-lazy-nvim"),
        ("ObsidianAnkiSync", "obsidian-anki-sync"),
        (
            "macOS-keyboard-nav-obsidian",
            "mac-os-keyboard-nav-obsidian",
        ),
        ("DEVONlink-obsidian", "devonlink-obsidian"),
        ("13th-age-statblocks", "p-13th-age-statblocks"),
        ("scrybble.ink", "scrybble-ink"),
        ("waka_time_box", "waka-time-box"),
        ("ai", "ai-plugin"),
        ("x", "x-plugin"),
        ("全功能支持", "plugin"),
        ("--a--b--", "a-b"),
        (
            "some-really-long-catalogue-identifier-that-goes-on-and-on",
            "some-really-long-catalogue-identifier-th",
        ),
        (
            "a-really-long-catalogue-identifier-that-/x",
            "a-really-long-catalogue-identifier-that",
        ),
    ];
    for (id, want) in cases {
        let got = base_name(id);
        assert_eq!(got, want, "{id}");
        trellis_registry::plugin_id::check_id_part(&got).unwrap_or_else(|e| panic!("{id}: {e}"));
    }
}

#[test]
fn collisions_get_numbered_suffixes_within_forty_characters() {
    let mut taken = HashSet::new();
    assert_eq!(allocate("foo", &mut taken), "foo");
    assert_eq!(allocate("foo", &mut taken), "foo-2");
    assert_eq!(allocate("foo", &mut taken), "foo-3");
    let long = "a".repeat(40);
    assert_eq!(allocate(&long, &mut taken), long);
    let second = allocate(&long, &mut taken);
    assert_eq!(second, format!("{}-2", "a".repeat(38)));
    trellis_registry::plugin_id::check_id_part(&second).unwrap();
}

#[test]
fn versions_are_semver_or_normalised_or_skipped() {
    assert_eq!(
        catalogue_version("1.2.3"),
        Some((Version::new(1, 2, 3), false))
    );
    assert_eq!(
        catalogue_version("v1.2.3"),
        Some((Version::new(1, 2, 3), true))
    );
    assert_eq!(
        catalogue_version("1.1"),
        Some((Version::new(1, 1, 0), true))
    );
    assert_eq!(
        catalogue_version("v2.0-beta.1").map(|(v, _)| v.to_string()),
        Some("2.0.0-beta.1".into())
    );
    for bad in ["1.0.0.1", "build/main.js", "", "v", "3.0.0b", "1..2"] {
        assert_eq!(catalogue_version(bad), None, "{bad}");
    }
    assert_eq!(catalogue_version("99999999999999999999.0.0"), None);
}

#[test]
fn categories_match_trellis_labels_or_become_catalogue_slugs() {
    assert_eq!(category("Search"), Some(("search".into(), true)));
    assert_eq!(
        category("developer tools"),
        Some(("developer-tools".into(), true))
    );
    assert_eq!(
        category("Editing Support"),
        Some(("editing-support".into(), false))
    );
    assert_eq!(category("OS-specific"), Some(("os-specific".into(), false)));
    assert_eq!(category(" !! "), None);
}

#[test]
fn entries_are_cleaned_up() {
    let m = map_entry(entry(
        r#"{"id": " a/b ", "name": "", "summary": " Hi ", "author": "me",
            "categories": ["Editing Support", "Search", "Search"], "tags": ["X", "x", " y "],
            "repository": "javascript:alert(1)", "downloads_total": 5,
            "versions": [{"version": "v1.0", "downloads": 2}, {"version": "1.0.0", "downloads": 3},
                         {"version": "2.0.0-rc.1", "downloads": null}, {"version": "nope", "downloads": 9}],
            "source": "somewhere"}"#,
    ))
    .unwrap();
    assert_eq!(m.external_id, "a/b");
    assert_eq!(m.display_name, "a/b");
    assert_eq!(m.description, "Hi");
    assert_eq!(m.categories, ["editing-support", "search"]);
    assert_eq!(
        m.new_categories,
        [("editing-support".to_owned(), "Editing Support".to_owned())]
    );
    assert_eq!(m.keywords, ["x", "y"]);
    assert_eq!(m.repository, None, "only http(s) links are kept");
    assert_eq!(m.versions.len(), 2);
    assert_eq!(m.versions[1].downloads, 5, "v1.0 and 1.0.0 are one version");
    assert_eq!(
        m.latest().as_deref(),
        Some("1.0.0"),
        "pre-releases are never latest"
    );
    assert_eq!(m.normalised, ["v1.0"]);
    assert_eq!(m.skipped, ["nope"]);

    let no_source = map_entry(entry(r#"{"id": "x"}"#)).unwrap_err();
    assert!(no_source.contains("source"), "{no_source}");
    assert!(map_entry(entry(r#"{"id": " ", "source": "s"}"#)).is_err());
}
