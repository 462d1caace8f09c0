//! How a catalogue line becomes a Trellis plugin (pure, no database): the line's
//! shape ([`Entry`]), plugin names from catalogue ids ([`base_name`],
//! [`allocate`]), catalogue versions ([`catalogue_version`]), categories
//! ([`category`]) and the cleaned-up metadata ([`Mapped`]).
//!
//! Decisions, documented in docs/registry.md's words:
//! - kind: every catalogue entry is an `integration` (a catalogue lists plugins of
//!   another host, which Trellis lists as connectors to it);
//! - license: `NOASSERTION` (catalogues do not say);
//! - names: lowercase, camelCase split (`ObsidianAnkiSync` -> `obsidian-anki-sync`),
//!   anything else than a-z0-9 becomes `-` (`folke/lazy.nvim` -> `folke-lazy-nvim`),
//!   runs collapsed and ends trimmed; `p-` in front of a leading digit; at most 40
//!   characters; shorter than 3 gets `-plugin`; nothing left gives `plugin`. A name
//!   taken in the namespace gets `-2`, `-3`…; a re-import finds its plugin by the
//!   catalogue id, so the mapping never moves;
//! - versions: SemVer, or close enough to read unambiguously (`v1.2.3` -> `1.2.3`,
//!   `1.2` -> `1.2.0`: counted as normalised); anything else is skipped and counted;
//! - repository: kept only when it is an http(s) URL (it is shown as a link).

use std::collections::{BTreeMap, HashSet};

use semver::Version;
use serde::Deserialize;

/// The kind every imported plugin gets.
pub const IMPORTED_KIND: &str = "integration";
/// The license every imported plugin gets (catalogues do not say).
pub const IMPORTED_LICENSE: &str = "NOASSERTION";
/// Keywords kept per plugin.
pub const MAX_KEYWORDS: usize = 10;

/// One catalogue line (see data/demo/ATTRIBUTION.md and ../shared/data/README.md).
#[derive(Debug, Clone, Deserialize)]
pub struct Entry {
    pub id: String,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub summary: Option<String>,
    #[serde(default)]
    pub author: Option<String>,
    #[serde(default)]
    pub categories: Vec<String>,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default)]
    pub repository: Option<String>,
    #[serde(default)]
    pub versions: Vec<EntryVersion>,
    #[serde(default)]
    pub source: Option<String>,
}

/// One version of a catalogue line.
#[derive(Debug, Clone, Deserialize)]
pub struct EntryVersion {
    pub version: String,
    #[serde(default)]
    pub downloads: Option<i64>,
}

/// A catalogue version as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MappedVersion {
    pub version: Version,
    pub downloads: i64,
}

/// A catalogue line, cleaned up: everything an import writes except the plugin id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mapped {
    pub external_id: String,
    pub source: String,
    pub display_name: String,
    pub description: String,
    pub author: Option<String>,
    pub repository: Option<String>,
    /// Category slugs.
    pub categories: Vec<String>,
    /// Catalogue categories (not Trellis's own) as `(slug, label)`.
    pub new_categories: Vec<(String, String)>,
    pub keywords: Vec<String>,
    /// Highest first.
    pub versions: Vec<MappedVersion>,
    /// Versions read only after normalising them (`v1.2`), and those skipped.
    pub normalised: Vec<String>,
    pub skipped: Vec<String>,
}

impl Mapped {
    /// The highest version that is not a pre-release.
    pub fn latest(&self) -> Option<String> {
        self.versions
            .iter()
            .filter(|v| v.version.pre.is_empty())
            .map(|v| &v.version)
            .max()
            .map(Version::to_string)
    }
}

/// Cuts `s` to at most `max` characters.
fn clip(s: &str, max: usize) -> String {
    s.chars().take(max).collect()
}

fn text(s: Option<&str>, max: usize) -> Option<String> {
    s.map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| clip(s, max))
}

/// Cleans a catalogue line up, or says why it cannot be imported.
pub fn map_entry(e: Entry) -> Result<Mapped, String> {
    let external_id = e.id.trim().to_owned();
    if external_id.is_empty() {
        return Err("its `id` is empty".into());
    }
    if external_id.chars().count() > 200 {
        return Err("its `id` is longer than 200 characters".into());
    }
    let source = text(e.source.as_deref(), 200).ok_or("it has no `source`")?;
    let mut categories = Vec::new();
    let mut new_categories = Vec::new();
    for label in &e.categories {
        if let Some((slug, trellis)) = category(label) {
            if !categories.contains(&slug) {
                if !trellis {
                    new_categories.push((slug.clone(), clip(label.trim(), 100)));
                }
                categories.push(slug);
            }
        }
    }
    let mut keywords: Vec<String> = Vec::new();
    for t in &e.tags {
        let k = clip(&t.trim().to_lowercase(), 40);
        if !k.is_empty() && !keywords.contains(&k) && keywords.len() < MAX_KEYWORDS {
            keywords.push(k);
        }
    }
    let mut by_version: BTreeMap<Version, i64> = BTreeMap::new();
    let (mut normalised, mut skipped) = (Vec::new(), Vec::new());
    for v in &e.versions {
        match catalogue_version(&v.version) {
            Some((parsed, was_normalised)) => {
                if was_normalised {
                    normalised.push(v.version.clone());
                }
                *by_version.entry(parsed).or_default() += v.downloads.unwrap_or(0).max(0);
            }
            None => skipped.push(v.version.clone()),
        }
    }
    let repository = text(e.repository.as_deref(), 500)
        .filter(|r| r.starts_with("https://") || r.starts_with("http://"))
        .filter(|r| url::Url::parse(r).is_ok());
    Ok(Mapped {
        display_name: text(e.name.as_deref(), 100).unwrap_or_else(|| clip(&external_id, 100)),
        description: text(e.summary.as_deref(), 2000).unwrap_or_default(),
        author: text(e.author.as_deref(), 100),
        repository,
        categories,
        new_categories,
        keywords,
        versions: by_version
            .into_iter()
            .rev()
            .map(|(version, downloads)| MappedVersion { version, downloads })
            .collect(),
        normalised,
        skipped,
        external_id,
        source,
    })
}

/// Lowercase, runs of anything but a-z0-9 as one `-`, trimmed of `-`.
pub fn slugify(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        if ch.is_ascii_alphanumeric() {
            out.push(ch.to_ascii_lowercase());
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_matches('-').to_owned()
}

/// A catalogue category's slug, and whether it is one of Trellis's own (by label or
/// slug: `Search` -> `search`); `None` when nothing is left of it.
pub fn category(label: &str) -> Option<(String, bool)> {
    let slug = slugify(label);
    if slug.is_empty() {
        return None;
    }
    let label = label.trim().to_lowercase();
    let trellis = trellis_registry::CATEGORIES
        .iter()
        .find(|(s, l)| *s == slug || l.to_lowercase() == label);
    Some(match trellis {
        Some((s, _)) => ((*s).to_owned(), true),
        None => (clip(&slug, 60).trim_end_matches('-').to_owned(), false),
    })
}

/// The plugin name a catalogue id maps to before collisions (see the module docs).
pub fn base_name(id: &str) -> String {
    let mut spaced = String::with_capacity(id.len() + 8);
    let mut prev: Option<char> = None;
    for ch in id.chars() {
        if ch.is_ascii_uppercase() && prev.is_some_and(|p| p.is_ascii_lowercase()) {
            spaced.push('-');
        }
        spaced.push(ch);
        prev = Some(ch);
    }
    let mut name = slugify(&spaced);
    if name.starts_with(|c: char| c.is_ascii_digit()) {
        name.insert_str(0, "p-");
    }
    if name.is_empty() {
        name = "plugin".into();
    }
    name = fit(&name, 40);
    if name.len() < 3 {
        name.push_str("-plugin");
    }
    name
}

/// `name` cut to `max` bytes (it is ASCII) without a trailing `-`.
fn fit(name: &str, max: usize) -> String {
    name[..name.len().min(max)].trim_end_matches('-').to_owned()
}

/// A free name for `base` in a namespace whose names are `taken` (which it joins):
/// `base`, else `base-2`, `base-3`… (cut to stay within 40 characters).
pub fn allocate(base: &str, taken: &mut HashSet<String>) -> String {
    let mut name = base.to_owned();
    let mut n = 2;
    while taken.contains(&name) {
        let suffix = format!("-{n}");
        name = format!("{}{suffix}", fit(base, 40 - suffix.len()));
        n += 1;
    }
    taken.insert(name.clone());
    name
}

/// A catalogue version: SemVer as is, or normalised (a leading `v` dropped, missing
/// minor and patch as 0: `(version, true)`); `None` when it cannot be read so, or its
/// numbers do not fit the database.
pub fn catalogue_version(s: &str) -> Option<(Version, bool)> {
    let s = s.trim();
    let fits = |v: &Version| {
        [v.major, v.minor, v.patch]
            .iter()
            .all(|n| i64::try_from(*n).is_ok())
    };
    if let Ok(v) = Version::parse(s) {
        return fits(&v).then_some((v, false));
    }
    let t = s.strip_prefix(['v', 'V']).unwrap_or(s);
    let split = t.find(['-', '+']).unwrap_or(t.len());
    let (core, rest) = t.split_at(split);
    let parts: Vec<&str> = core.split('.').collect();
    if parts.len() > 3
        || parts
            .iter()
            .any(|p| p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()))
    {
        return None;
    }
    let mut nums = parts.clone();
    nums.resize(3, "0");
    let v = Version::parse(&format!("{}{rest}", nums.join("."))).ok()?;
    fits(&v).then_some((v, true))
}

#[cfg(test)]
#[path = "import_map_tests.rs"]
mod tests;
