//! The rules for a new namespace's name: [`check_namespace_name`] runs the plugin-id
//! part syntax ([`crate::plugin_id::check_id_part`]) and refuses reserved names, so
//! nobody can publish as `admin`, `trellis`, `security` or anything made to look like
//! them.
//!
//! Names are compared by their typosquat *skeleton* ([`crate::typosquat::skeleton`]:
//! case, separators and look-alike characters folded, so `Adm1n`, `4dmin`, `adrnin` and
//! `a-d-m-i-n` all become the skeleton of `admin`). A name is reserved when, after
//! dropping trailing digits (`admin1`, `root-2`):
//!
//! * its skeleton contains the project's own name ([`PROJECT_NAMES`]: `trellis-tools`,
//!   `the-trellis`, `tre11is-team`), because a namespace under that name looks official
//!   in this registry whatever follows it; or
//! * its skeleton is a [`RESERVED_NAMES`] skeleton, possibly behind words that only
//!   make it look more official ([`IMPERSONATION_PREFIXES`] such as `the-admin`,
//!   [`IMPERSONATION_SUFFIXES`] such as `support-team` or `api-dev`).
//!
//! A reserved word inside a longer ordinary word is not a match (`badminton`,
//! `adminer-tools`, `helpdesk` and `teamcity` are allowed). Folding `i`, `l` and `1`
//! together means a few real words collide with reserved ones (`mall` looks like
//! `mail`, `apl` like `api`); that is the price of refusing `adm1n` and `paypaI`-style
//! names and is accepted.

use std::fmt;

use crate::plugin_id::check_id_part;
use crate::typosquat::skeleton;

/// Names no ordinary user may take as a namespace, nor anything confusable with them:
/// staff and system roles (with the plurals of the staff ones), the registry's own
/// vocabulary, and values that break or confuse clients.
pub const RESERVED_NAMES: &[&str] = &[
    "abuse",
    "admin",
    "administrator",
    "administrators",
    "admins",
    "api",
    "billing",
    "docs",
    "help",
    "mail",
    "marketplace",
    "mod",
    "moderator",
    "moderators",
    "null",
    "official",
    "plugins",
    "registry",
    "root",
    "security",
    "staff",
    "status",
    "support",
    "system",
    "team",
    "trellis",
    "undefined",
    "verified",
    "www",
];

/// The project's own names: refused anywhere inside a namespace name.
pub const PROJECT_NAMES: &[&str] = &["trellis"];

/// Words that, put before a reserved name, only make it look more official.
pub const IMPERSONATION_PREFIXES: &[&str] = &["the", "real", "official"];

/// Words that, put after a reserved name, only make it look more official.
pub const IMPERSONATION_SUFFIXES: &[&str] = &["official", "team", "staff", "hq", "dev", "devs"];

/// Longer names are not examined for reserved words (they fail the syntax check anyway,
/// which allows at most 40 characters); this bounds the work an input can cause.
const MAX_EXAMINED_LEN: usize = 64;

/// Why a namespace name was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NameRefusal {
    /// Stable code: [`NameRefusal::INVALID`] or [`NameRefusal::RESERVED`].
    pub code: &'static str,
    /// A sentence for humans, e.g. ``Namespace name `adm1n` is reserved: it looks like
    /// `admin`. Pick another.``
    pub detail: String,
    /// For a reserved name, the reserved word it matched (`admin`, `trellis`, ...).
    pub reserved_word: Option<&'static str>,
}

impl NameRefusal {
    /// The name breaks the syntax of a plugin-id part (3 to 40 of `a-z0-9-`, starting
    /// with a letter, no `--`, not ending in `-`).
    pub const INVALID: &'static str = "invalid_name";
    /// The name is, contains or imitates a reserved name.
    pub const RESERVED: &'static str = "reserved";
}

impl fmt::Display for NameRefusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} [{}]", self.detail, self.code)
    }
}

impl std::error::Error for NameRefusal {}

/// Checks a new namespace name as given (callers trim it first): the reserved-name rule
/// of the module docs, then the syntax of a plugin-id part. A reserved name is reported
/// as [`NameRefusal::RESERVED`] even when its spelling is also invalid (`Trellis`,
/// `trellis_team`), because fixing the spelling would not help.
pub fn check_namespace_name(name: &str) -> Result<(), NameRefusal> {
    if let Some((word, how)) = reserved_match(name) {
        let why = match how {
            Match::Project => format!(
                ": names that contain `{word}` or a look-alike are kept for the Trellis project"
            ),
            Match::Exact => String::new(),
            Match::LooksLike => format!(": it looks like `{word}`"),
        };
        return Err(NameRefusal {
            code: NameRefusal::RESERVED,
            detail: format!("Namespace name `{name}` is reserved{why}. Pick another."),
            reserved_word: Some(word),
        });
    }
    check_id_part(name).map_err(|why| NameRefusal {
        code: NameRefusal::INVALID,
        detail: format!("Namespace name {why}."),
        reserved_word: None,
    })
}

/// Whether `name` is reserved (see the module docs), and the reserved word it matched.
pub fn reserved_word(name: &str) -> Option<&'static str> {
    reserved_match(name).map(|(word, _)| word)
}

/// How a name matched a reserved word.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Match {
    /// It contains the project's name.
    Project,
    /// It is the reserved word itself (ignoring case).
    Exact,
    /// It imitates the reserved word.
    LooksLike,
}

fn reserved_match(name: &str) -> Option<(&'static str, Match)> {
    if name.chars().count() > MAX_EXAMINED_LEN {
        return None;
    }
    let lower = name.to_lowercase();
    let without_digits =
        lower.trim_end_matches(|c: char| c.is_ascii_digit() || matches!(c, '-' | '_' | '.'));
    let skeletons = [skeleton(&lower), skeleton(without_digits)];
    for word in PROJECT_NAMES {
        let w = skeleton(word);
        if skeletons.iter().any(|s| s.contains(&w)) {
            return Some((word, Match::Project));
        }
    }
    let prefixes: Vec<String> = IMPERSONATION_PREFIXES.iter().map(|p| skeleton(p)).collect();
    let suffixes: Vec<String> = IMPERSONATION_SUFFIXES.iter().map(|p| skeleton(p)).collect();
    for word in RESERVED_NAMES {
        let w = skeleton(word);
        if skeletons
            .iter()
            .any(|s| dressed_up(s, &w, &prefixes, &suffixes))
        {
            let how = if lower == *word {
                Match::Exact
            } else {
                Match::LooksLike
            };
            return Some((word, how));
        }
    }
    None
}

/// Whether `s` is `word` with nothing but impersonation prefixes before it and
/// impersonation suffixes after it.
fn dressed_up(s: &str, word: &str, prefixes: &[String], suffixes: &[String]) -> bool {
    // Every occurrence, overlapping ones included (`wwww` holds `www` twice).
    s.char_indices().any(|(at, _)| {
        s[at..].starts_with(word)
            && made_of(&s[..at], prefixes)
            && made_of(&s[at + word.len()..], suffixes)
    })
}

/// Whether `s` is a concatenation of zero or more of `words`.
fn made_of(s: &str, words: &[String]) -> bool {
    s.is_empty()
        || words
            .iter()
            .any(|w| !w.is_empty() && s.starts_with(w.as_str()) && made_of(&s[w.len()..], words))
}

#[cfg(test)]
#[path = "reserved_tests.rs"]
mod tests;
