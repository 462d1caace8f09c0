//! Reading a changelog: the section of one version (Keep a Changelog headings
//! `## [1.2.0] - 2026-01-01` or `## 1.2.0`, falling back to the first released section)
//! and its summary (bullets grouped under Added, Changed, Deprecated, Removed, Fixed,
//! Security; the first `max_items` of each). Pure functions, tested natively.

use serde::{Deserialize, Serialize};

/// The groups of Keep a Changelog, in the order a summary lists them.
const GROUPS: &[&str] = &[
    "Added",
    "Changed",
    "Deprecated",
    "Removed",
    "Fixed",
    "Security",
];

/// One group of a summary.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Section {
    /// `Added`, `Changed`, …, or `Changes` for bullets outside any group.
    pub name: String,
    /// The first bullets (Markdown, without the leading `- `).
    pub items: Vec<String>,
    /// How many more bullets the group has.
    pub more: usize,
}

/// The version a `## ` heading names, if any: `[1.2.0]`, `1.2.0`, `v1.2.0`, with
/// anything after (` - 2026-01-01`).
fn heading_version(heading: &str) -> String {
    let first = heading.split_whitespace().next().unwrap_or("");
    let first = first.trim_start_matches('[');
    let first = first.split(']').next().unwrap_or("");
    first.trim_start_matches(['v', 'V']).to_owned()
}

/// The `## ` sections of a changelog: `(heading, body)`.
fn sections(changelog: &str) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    let mut in_code = false;
    for line in changelog.lines() {
        if line.trim_start().starts_with("```") {
            in_code = !in_code;
        }
        if !in_code {
            if let Some(h) = line.strip_prefix("## ") {
                out.push((h.trim().to_owned(), String::new()));
                continue;
            }
        }
        if let Some((_, body)) = out.last_mut() {
            body.push_str(line);
            body.push('\n');
        }
    }
    out
}

/// The section of `version`, or the first one that is not `Unreleased`, or the first.
/// `(heading, body, exact)`: `exact` says whether the heading named the version.
pub fn section_for(changelog: &str, version: &str) -> Option<(String, String, bool)> {
    let all = sections(changelog);
    let want = version.trim_start_matches(['v', 'V']);
    if let Some((h, b)) = all.iter().find(|(h, _)| heading_version(h) == want) {
        return Some((h.clone(), b.clone(), true));
    }
    all.iter()
        .find(|(h, _)| !h.to_ascii_lowercase().contains("unreleased"))
        .or(all.first())
        .map(|(h, b)| (h.clone(), b.clone(), false))
}

/// The bullets of a section body grouped by their `### ` headings.
pub fn group(body: &str, max_items: usize) -> Vec<Section> {
    let mut groups: Vec<(String, Vec<String>)> = Vec::new();
    let mut current = "Changes".to_owned();
    for line in body.lines() {
        let t = line.trim_end();
        if let Some(h) = t.strip_prefix("### ") {
            let h = h.trim();
            current = GROUPS
                .iter()
                .find(|g| g.eq_ignore_ascii_case(h))
                .map(|g| (*g).to_owned())
                .unwrap_or_else(|| h.to_owned());
            continue;
        }
        // Top-level bullets only; a continuation line joins the bullet before.
        let item = t.strip_prefix("- ").or_else(|| t.strip_prefix("* "));
        match item {
            Some(text) => {
                let at = match groups.iter().position(|(n, _)| *n == current) {
                    Some(i) => i,
                    None => {
                        groups.push((current.clone(), Vec::new()));
                        groups.len() - 1
                    }
                };
                groups[at].1.push(text.trim().to_owned());
            }
            None if line.starts_with("  ") && !t.trim().is_empty() => {
                if let Some(last) = groups
                    .iter_mut()
                    .find(|(n, _)| *n == current)
                    .and_then(|g| g.1.last_mut())
                {
                    let cont = t.trim();
                    if !cont.starts_with("- ") && !cont.starts_with("* ") {
                        last.push(' ');
                        last.push_str(cont);
                    }
                }
            }
            None => {}
        }
    }
    groups.sort_by_key(|(n, _)| GROUPS.iter().position(|g| g == n).unwrap_or(GROUPS.len()));
    groups
        .into_iter()
        .map(|(name, items)| {
            let more = items.len().saturating_sub(max_items);
            Section {
                name,
                items: items.into_iter().take(max_items).collect(),
                more,
            }
        })
        .collect()
}

/// The Markdown summary of a version's sections.
pub fn markdown(plugin: &str, version: &str, sections: &[Section]) -> String {
    let mut out = format!("**{plugin} {version}**\n");
    if sections.is_empty() {
        out.push_str("\nNo changes listed.\n");
    }
    for s in sections {
        out.push_str(&format!("\n**{}**\n", s.name));
        for i in &s.items {
            out.push_str(&format!("- {i}\n"));
        }
        if s.more > 0 {
            out.push_str(&format!("- …and {} more\n", s.more));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const LOG: &str = "# Changelog\n\n## [Unreleased]\n### Added\n- wip\n\n\
        ## [1.2.0] - 2026-11-02\n### Fixed\n- Sync no longer drops cards\n- Crash on empty boards\n\
        ### Added\n- Swimlanes\n  across boards\n- Due dates\n- Labels\n\n\
        ## 1.1.0\n- First public release\n";

    #[test]
    fn finds_the_version_section() {
        let (h, body, exact) = section_for(LOG, "1.2.0").unwrap();
        assert!(exact);
        assert_eq!(h, "[1.2.0] - 2026-11-02");
        let g = group(&body, 2);
        assert_eq!(g[0].name, "Added");
        assert_eq!(g[0].items, vec!["Swimlanes across boards", "Due dates"]);
        assert_eq!(g[0].more, 1);
        assert_eq!(g[1].name, "Fixed");
        let (_, body, exact) = section_for(LOG, "v1.1.0").unwrap();
        assert!(exact);
        assert_eq!(group(&body, 5)[0].name, "Changes");
    }

    #[test]
    fn falls_back_to_the_first_released_section() {
        let (h, _, exact) = section_for(LOG, "9.9.9").unwrap();
        assert!(!exact);
        assert!(h.starts_with("[1.2.0]"));
        assert!(section_for("no headings", "1.0.0").is_none());
    }

    #[test]
    fn markdown_lists_groups() {
        let (_, body, _) = section_for(LOG, "1.2.0").unwrap();
        let md = markdown("acme.kanban", "1.2.0", &group(&body, 2));
        assert!(md.starts_with("**acme.kanban 1.2.0**\n\n**Added**\n- Swimlanes"));
        assert!(md.contains("- …and 1 more\n"));
    }
}
