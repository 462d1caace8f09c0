//! Converting `semver::VersionReq` into PubGrub version sets, and rendering those sets
//! back in familiar SemVer notation (`^1.2.0`, `~0.3.1`, `>=1.0.0, <3.0.0`).
//!
//! Upper bounds use the lowest pre-release of the bound (`<2.0.0-0`), so `^1` excludes
//! `2.0.0-beta`, as SemVer requires. Pre-releases *inside* a range (like `1.3.0-beta` for
//! `^1.2`) are kept out by the resolver's version choice instead: they are only chosen
//! when pinned exactly.

use std::fmt;
use std::ops::Bound;

use pubgrub::{Ranges, VersionSet};
use semver::{Comparator, Op, Prerelease, Version, VersionReq};

fn rel(major: u64, minor: u64, patch: u64) -> Version {
    Version::new(major, minor, patch)
}

/// The lowest version with this MAJOR.MINOR.PATCH (`X.Y.Z-0`).
fn floor(major: u64, minor: u64, patch: u64) -> Version {
    let mut v = Version::new(major, minor, patch);
    v.pre = Prerelease::new("0").expect("valid pre-release");
    v
}

fn comparator_ranges(c: &Comparator) -> Ranges<Version> {
    let maj = c.major;
    let full = |mi: u64, pa: u64| Version {
        major: maj,
        minor: mi,
        patch: pa,
        pre: c.pre.clone(),
        build: Default::default(),
    };
    match (c.op, c.minor, c.patch) {
        (Op::Exact, Some(mi), Some(pa)) => Ranges::singleton(full(mi, pa)),
        (Op::Exact | Op::Wildcard | Op::Tilde, Some(mi), None) => {
            Ranges::between(rel(maj, mi, 0), floor(maj, mi + 1, 0))
        }
        (Op::Exact | Op::Wildcard | Op::Tilde | Op::Caret, None, _) => {
            Ranges::between(rel(maj, 0, 0), floor(maj + 1, 0, 0))
        }
        (Op::Greater, Some(mi), Some(pa)) => Ranges::strictly_higher_than(full(mi, pa)),
        (Op::Greater, Some(mi), None) => Ranges::higher_than(rel(maj, mi + 1, 0)),
        (Op::Greater, None, _) => Ranges::higher_than(rel(maj + 1, 0, 0)),
        (Op::GreaterEq, Some(mi), Some(pa)) => Ranges::higher_than(full(mi, pa)),
        (Op::GreaterEq, Some(mi), None) => Ranges::higher_than(rel(maj, mi, 0)),
        (Op::GreaterEq, None, _) => Ranges::higher_than(rel(maj, 0, 0)),
        (Op::Less, Some(mi), Some(pa)) if c.pre.is_empty() => {
            Ranges::strictly_lower_than(floor(maj, mi, pa))
        }
        (Op::Less, Some(mi), Some(pa)) => Ranges::strictly_lower_than(full(mi, pa)),
        (Op::Less, Some(mi), None) => Ranges::strictly_lower_than(floor(maj, mi, 0)),
        (Op::Less, None, _) => Ranges::strictly_lower_than(floor(maj, 0, 0)),
        (Op::LessEq, Some(mi), Some(pa)) => Ranges::lower_than(full(mi, pa)),
        (Op::LessEq, Some(mi), None) => Ranges::strictly_lower_than(floor(maj, mi + 1, 0)),
        (Op::LessEq, None, _) => Ranges::strictly_lower_than(floor(maj + 1, 0, 0)),
        (Op::Tilde, Some(mi), Some(pa)) => Ranges::between(full(mi, pa), floor(maj, mi + 1, 0)),
        (Op::Caret, Some(mi), Some(pa)) => {
            let upper = if maj > 0 {
                floor(maj + 1, 0, 0)
            } else if mi > 0 {
                floor(0, mi + 1, 0)
            } else {
                floor(0, 0, pa + 1)
            };
            Ranges::between(full(mi, pa), upper)
        }
        (Op::Caret, Some(mi), None) => {
            let upper = if maj > 0 {
                floor(maj + 1, 0, 0)
            } else {
                floor(0, mi + 1, 0)
            };
            Ranges::between(rel(maj, mi, 0), upper)
        }
        // `Op` is non-exhaustive; `X.Y.Z` wildcards cannot occur. Be conservative.
        (Op::Wildcard, Some(mi), Some(pa)) => Ranges::singleton(full(mi, pa)),
        _ => Ranges::empty(),
    }
}

/// Converts a SemVer requirement to a range (the intersection of its comparators).
pub fn req_to_ranges(req: &VersionReq) -> Ranges<Version> {
    req.comparators.iter().fold(Ranges::full(), |acc, c| {
        acc.intersection(&comparator_ranges(c))
    })
}

/// PubGrub version set over `semver::Version` with SemVer-style display.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VS(pub Ranges<Version>);

impl VS {
    /// The set of versions a requirement allows.
    pub fn from_req(req: &VersionReq) -> Self {
        VS(req_to_ranges(req))
    }
}

impl VersionSet for VS {
    type V = Version;

    fn empty() -> Self {
        VS(Ranges::empty())
    }

    fn singleton(v: Version) -> Self {
        VS(Ranges::singleton(v))
    }

    fn complement(&self) -> Self {
        VS(self.0.complement())
    }

    fn intersection(&self, other: &Self) -> Self {
        VS(self.0.intersection(&other.0))
    }

    fn contains(&self, v: &Version) -> bool {
        self.0.contains(v)
    }

    fn full() -> Self {
        VS(Ranges::full())
    }

    fn union(&self, other: &Self) -> Self {
        VS(self.0.union(&other.0))
    }

    fn is_disjoint(&self, other: &Self) -> bool {
        self.0.is_disjoint(&other.0)
    }

    fn subset_of(&self, other: &Self) -> bool {
        self.0.subset_of(&other.0)
    }
}

/// `X.Y.Z` of a `X.Y.Z-0` floor, for display.
fn unfloor(v: &Version) -> Option<Version> {
    (v.pre.as_str() == "0").then(|| rel(v.major, v.minor, v.patch))
}

/// Shows a bound, writing the `X.Y.Z-0` floors as `X.Y.Z`.
fn show_upper(v: &Version) -> String {
    unfloor(v).unwrap_or_else(|| v.clone()).to_string()
}

fn segment(lo: &Bound<Version>, hi: &Bound<Version>) -> String {
    use Bound::*;
    match (lo, hi) {
        (Unbounded, Unbounded) => "*".into(),
        (Included(a), Included(b)) if a == b => a.to_string(),
        (Included(a), Excluded(b)) => {
            if let Some(b) = unfloor(b) {
                let caret = if a.major > 0 {
                    rel(a.major + 1, 0, 0)
                } else if a.minor > 0 {
                    rel(0, a.minor + 1, 0)
                } else {
                    rel(0, 0, a.patch + 1)
                };
                if b == caret {
                    return format!("^{a}");
                }
                if b == rel(a.major, a.minor + 1, 0) {
                    return format!("~{a}");
                }
            }
            format!(">={}, <{}", show_upper(a), show_upper(b))
        }
        (Included(a), Included(b)) => format!(">={a}, <={b}"),
        (Included(a), Unbounded) => format!(">={}", show_upper(a)),
        (Excluded(a), Unbounded) => format!(">{a}"),
        (Excluded(a), Excluded(b)) => format!(">{a}, <{}", show_upper(b)),
        (Excluded(a), Included(b)) => format!(">{a}, <={b}"),
        (Unbounded, Excluded(b)) => format!("<{}", show_upper(b)),
        (Unbounded, Included(b)) => format!("<={b}"),
    }
}

impl fmt::Display for VS {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: Vec<String> = self.0.iter().map(|(lo, hi)| segment(lo, hi)).collect();
        if parts.is_empty() {
            f.write_str("∅")
        } else {
            f.write_str(&parts.join(" or "))
        }
    }
}
