//! Typosquatting checks for new plugins: a new id or display name must not be
//! confusable with a popular existing plugin (one with at least a threshold of
//! downloads) without being the same plugin.
//!
//! Names are reduced to a *skeleton*: accents and zero-width characters dropped, NFKC,
//! lower-cased, separators (`-`, `_`, `.`, dashes, whitespace) removed, Cyrillic and
//! Greek homoglyphs mapped to Latin, digits and symbols that look like letters mapped to
//! those letters (`0`→`o`, `1`/`|`/`!`→`l`, `3`→`e`, `4`/`@`→`a`, `5`/`$`→`s`, `7`→`t`,
//! `8`→`b`, `9`→`g`), `i` folded into `l`, then `rn`→`m`, `vv`→`w` and `cl`→`d`. Two
//! names are confusable when their skeletons are equal, or when they are at
//! Damerau-Levenshtein distance 1 (`strsim`) and the shorter skeleton has at least
//! [`MIN_LEN_FOR_DISTANCE`] characters. The reserved namespace names
//! ([`crate::reserved`]) use the same skeleton.

use unicode_normalization::UnicodeNormalization;

use crate::package_problem::PackageProblem;
use crate::plugin_id::PluginId;

/// Skeletons shorter than this only match when equal (distance 1 is too noisy).
pub const MIN_LEN_FOR_DISTANCE: usize = 5;

/// A plugin already in the registry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExistingPlugin<'a> {
    /// Its id (`namespace.name`).
    pub id: &'a str,
    /// Its display name.
    pub display_name: &'a str,
    /// Total downloads, used to decide whether it is popular enough to protect.
    pub downloads: u64,
}

/// Maps a look-alike character to the Latin letter it imitates (after NFKC and
/// lower-casing). Covers the common Cyrillic and Greek homoglyphs and digit/symbol
/// substitutions.
fn homoglyph(c: char) -> char {
    match c {
        // Cyrillic
        'а' => 'a',
        'в' => 'b',
        'е' | 'ё' | 'є' => 'e',
        'һ' => 'h',
        'і' | 'ї' | 'ӏ' => 'l',
        'ј' => 'j',
        'к' => 'k',
        'м' => 'm',
        'н' => 'h',
        'о' => 'o',
        'р' => 'p',
        'с' => 'c',
        'т' => 't',
        'у' => 'y',
        'х' => 'x',
        'ѕ' => 's',
        'ԁ' => 'd',
        'ԛ' => 'q',
        'ԝ' => 'w',
        'ь' => 'b',
        'г' => 'r',
        'п' => 'n',
        // Greek
        'α' => 'a',
        'β' => 'b',
        'γ' => 'y',
        'ε' => 'e',
        'η' => 'n',
        'ι' => 'l',
        'κ' => 'k',
        'ν' => 'v',
        'ο' => 'o',
        'ρ' => 'p',
        'τ' => 't',
        'υ' => 'u',
        'χ' => 'x',
        'ω' => 'w',
        'μ' => 'u',
        'ς' | 'σ' => 'o',
        // Latin look-alikes
        'ı' => 'l',
        'ɡ' => 'g',
        'ȷ' => 'j',
        'ł' => 'l',
        'ø' => 'o',
        'đ' => 'd',
        'ħ' => 'h',
        // Digits and symbols
        '0' => 'o',
        '1' | '|' | '!' => 'l',
        '3' => 'e',
        '4' | '@' => 'a',
        '5' | '$' => 's',
        '7' => 't',
        '8' => 'b',
        '9' => 'g',
        // `i` and `l` are confused with each other and with `1`/`I` (capital I lower-cases to i).
        'i' => 'l',
        other => other,
    }
}

fn is_separator(c: char) -> bool {
    matches!(c, '-' | '_' | '.' | '·' | '‐' | '‑' | '–' | '—') || c.is_whitespace()
}

/// The skeleton of a name used for comparisons (see the module docs).
pub fn skeleton(name: &str) -> String {
    let mapped: String = name
        .nfkd()
        // Drop combining marks so `tоols` with an accent still folds.
        .filter(|c| !('\u{300}'..='\u{36f}').contains(c))
        .collect::<String>()
        .nfkc()
        .flat_map(char::to_lowercase)
        .filter(|c| !is_separator(*c))
        .filter(|c| !matches!(*c, '\u{200b}'..='\u{200f}' | '\u{2060}' | '\u{feff}'))
        .map(homoglyph)
        .collect();
    mapped
        .replace("rn", "m")
        .replace("vv", "w")
        .replace("cl", "d")
}

/// Whether two names are confusable (equal skeletons, or distance 1 for skeletons of
/// at least [`MIN_LEN_FOR_DISTANCE`] characters). Identical strings are confusable too;
/// callers decide whether identity is allowed.
pub fn confusable(a: &str, b: &str) -> bool {
    let (sa, sb) = (skeleton(a), skeleton(b));
    if sa.is_empty() || sb.is_empty() {
        return false;
    }
    if sa == sb {
        return true;
    }
    sa.chars().count().min(sb.chars().count()) >= MIN_LEN_FOR_DISTANCE
        && strsim::damerau_levenshtein(&sa, &sb) == 1
}

/// Returns the first popular name (downloads ≥ `min_downloads`) in `existing` that
/// `candidate` is confusable with but not identical to.
pub fn confusable_with(
    candidate: &str,
    existing: &[(&str, u64)],
    min_downloads: u64,
) -> Option<String> {
    existing
        .iter()
        .filter(|(name, downloads)| *downloads >= min_downloads && *name != candidate)
        .find(|(name, _)| confusable(candidate, name))
        .map(|(name, _)| name.to_string())
}

/// Checks a new plugin (its id and display name) against the popular plugins.
///
/// A plugin is refused (code `typosquat`) when, compared with a popular plugin in
/// *another* namespace (a namespace cannot squat itself):
/// * its whole id is confusable with that plugin's id, or
/// * its name part is confusable with that plugin's name part but spelled differently
///   (the same plain name in another namespace, such as `bob.http-client` next to
///   `acme.http-client`, is allowed), or
/// * its display name is confusable with (or equal to) that plugin's display name.
///
/// Re-publishing an existing id is never a typosquat.
pub fn check_typosquat(
    candidate: &PluginId,
    display_name: &str,
    existing: &[ExistingPlugin<'_>],
    min_downloads: u64,
) -> Option<PackageProblem> {
    let cand_id = candidate.to_string();
    for e in existing.iter().filter(|e| e.downloads >= min_downloads) {
        if e.id == cand_id {
            return None;
        }
    }
    for e in existing.iter().filter(|e| e.downloads >= min_downloads) {
        let Ok(other) = e.id.parse::<PluginId>() else {
            continue;
        };
        if other.namespace == candidate.namespace {
            continue;
        }
        let id_clash = confusable(&cand_id, e.id);
        let name_clash = other.name != candidate.name && confusable(&candidate.name, &other.name);
        if id_clash || name_clash {
            return Some(PackageProblem::new(
                "plugin.id",
                "typosquat",
                format!("`{cand_id}` is too similar to the popular plugin `{}` ({} downloads); choose a more distinct name", e.id, e.downloads),
            ));
        }
        if confusable(display_name, e.display_name) {
            return Some(PackageProblem::new(
                "plugin.display_name",
                "typosquat",
                format!("display name `{display_name}` is too similar to `{}` of the popular plugin `{}`; choose a more distinct name", e.display_name, e.id),
            ));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    const POPULAR: &[(&str, u64)] = &[
        ("acme.web-search", 50_000),
        ("core.github", 90_000),
        ("tiny.ab", 10_000),
        ("x.rare", 3),
    ];

    fn existing() -> Vec<ExistingPlugin<'static>> {
        vec![
            ExistingPlugin {
                id: "acme.web-search",
                display_name: "Web Search",
                downloads: 50_000,
            },
            ExistingPlugin {
                id: "core.github",
                display_name: "GitHub",
                downloads: 90_000,
            },
            ExistingPlugin {
                id: "core.notion-sync",
                display_name: "Notion Sync",
                downloads: 20,
            },
        ]
    }

    fn check(id: &str, display: &str) -> Option<PackageProblem> {
        check_typosquat(&id.parse().unwrap(), display, &existing(), 1000)
    }

    #[test]
    fn skeletons() {
        assert_eq!(skeleton("Web-Search"), "websearch");
        assert_eq!(skeleton("w3b_s3arch"), "websearch");
        assert_eq!(skeleton("gіthub"), "glthub"); // Cyrillic і
        assert_eq!(skeleton("GITHUB"), skeleton("github"));
        assert_eq!(skeleton("rnodern"), "modem");
        assert_eq!(skeleton("ｗｅｂ"), "web"); // full-width via NFKC
        assert_eq!(skeleton("wéb"), "web");
        assert_eq!(skeleton("paypaI"), skeleton("paypal"));
    }

    #[test]
    fn confusable_rules() {
        assert!(confusable("websearch", "web-search"));
        assert!(confusable("web-serach", "web-search"), "transposition");
        assert!(confusable("web-searchh", "web-search"), "insertion");
        assert!(confusable("g1thub", "github"));
        assert!(
            confusable("githvb", "github"),
            "distance 1 on a 6-letter skeleton"
        );
        assert!(
            !confusable("abd", "abc"),
            "short names need equal skeletons"
        );
        assert!(confusable("a-b", "ab"));
        assert!(!confusable("weather", "web-search"));
    }

    #[test]
    fn confusable_with_threshold_and_identity() {
        assert_eq!(
            confusable_with("acme.web-serach", POPULAR, 1000).as_deref(),
            Some("acme.web-search")
        );
        assert_eq!(
            confusable_with("acme.web-search", POPULAR, 1000),
            None,
            "identical is not a squat"
        );
        assert_eq!(
            confusable_with("x.rara", POPULAR, 1000),
            None,
            "not popular"
        );
        assert_eq!(
            confusable_with("x.rara", POPULAR, 1).as_deref(),
            Some("x.rare")
        );
    }

    #[test]
    fn plugin_checks() {
        let p = check("evil.web-serach", "Searcher").unwrap();
        assert_eq!(
            (p.field.as_str(), p.code.as_str()),
            ("plugin.id", "typosquat")
        );
        assert!(p.detail.contains("acme.web-search"));
        assert!(
            check("acrne.web-search", "Searcher").is_some(),
            "rn→m in the namespace"
        );
        assert!(check("evil.g1thub", "Code host").is_some());
        assert!(
            check("evil.github", "Code host").is_none(),
            "same plain name in another namespace is allowed"
        );
        let p = check("evil.octo", "GitHub").unwrap();
        assert_eq!(p.field, "plugin.display_name");
        assert!(
            check("evil.octo", "Gіthub").is_some(),
            "Cyrillic і in display name"
        );
        assert!(
            check("acme.web-serach", "Web Serach").is_none(),
            "a namespace cannot squat itself"
        );
        assert!(check("core.github", "GitHub").is_none(), "re-publishing");
        assert!(
            check("evil.notion-synk", "Notion Synk").is_none(),
            "below threshold"
        );
        assert!(check("evil.weather", "Weather").is_none());
    }
}
