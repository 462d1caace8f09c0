//! Dependency resolution with PubGrub. The host's plugin-API version is modelled as a
//! pseudo-package `trellis-api` with exactly one version, on which every plugin version
//! depends with its `api` range. Yanked and pre-release versions are only chosen when a
//! requirement pins exactly that version (`=1.2.3`). On failure, [`Conflict`] carries
//! PubGrub's human explanation and a structured derivation tree.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet};
use std::convert::Infallible;
use std::fmt;

use pubgrub::{
    DefaultStringReporter, Dependencies, DependencyProvider, DerivationTree, External,
    PackageResolutionStatistics, PubGrubError, Reporter, Term, VersionSet as _,
};
use semver::{Version, VersionReq};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

pub use crate::resolve_ranges::{req_to_ranges, VS};

/// Name of the pseudo-package standing for the host's plugin API.
pub const API_PACKAGE: &str = "trellis-api";
/// How the root of a resolution (the user's request) is named in explanations and in
/// [`PlannedPlugin::requested_by`].
pub const ROOT_LABEL: &str = "your request";

/// One published version of a plugin, as the index knows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IndexVersion {
    /// The version.
    pub version: Version,
    /// Yanked versions are only chosen when pinned exactly.
    pub yanked: bool,
    /// The plugin-API range this version works with.
    pub api: VersionReq,
    /// `(plugin id, requirement)` dependencies.
    pub deps: Vec<(String, VersionReq)>,
    /// SHA-256 of the package.
    pub sha256: String,
    /// Package size in bytes.
    pub size: u64,
    /// The manifest's `[permissions]`, passed through to the plan.
    pub permissions: Value,
}

/// The in-memory index: plugin id → its versions (any order).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Index {
    /// Plugin id → versions.
    pub plugins: BTreeMap<String, Vec<IndexVersion>>,
}

/// One thing the user asked to install.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Request {
    /// Plugin id.
    pub plugin: String,
    /// SemVer requirement (`^1.2`, `=1.2.3`, ...); `None` means the newest allowed version.
    pub req: Option<String>,
}

/// One plugin to install.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlannedPlugin {
    /// Plugin id.
    pub id: String,
    /// Chosen version.
    pub version: Version,
    /// SHA-256 of the package to download.
    pub sha256: String,
    /// Package size in bytes.
    pub size: u64,
    /// Permissions of that version.
    pub permissions: Value,
    /// Ids of the planned plugins that depend on it, and [`ROOT_LABEL`] when requested directly.
    pub requested_by: Vec<String>,
}

/// A successful resolution, ordered so that dependencies come before their dependents.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    /// Plugins to install, dependencies first.
    pub plugins: Vec<PlannedPlugin>,
}

/// Why no plan exists.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Conflict {
    /// Human explanation ("Because a 1.0.0 depends on b ^2.0.0 and ...").
    pub text: String,
    /// Structured derivation: nested `{"kind": "external" | "derived", ...}` nodes.
    pub tree: Value,
    /// Requested plugins that are not in the index.
    pub unknown: Vec<String>,
}

/// A package in the PubGrub problem.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Pkg {
    /// The user's request.
    Root,
    /// The host plugin API.
    Api,
    /// A plugin by id.
    Plugin(String),
}

impl fmt::Display for Pkg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Pkg::Root => f.write_str(ROOT_LABEL),
            Pkg::Api => f.write_str(API_PACKAGE),
            Pkg::Plugin(id) => f.write_str(id),
        }
    }
}

const ROOT_VERSION: Version = Version::new(0, 0, 0);

struct Provider<'a> {
    index: &'a Index,
    root_deps: Vec<(Pkg, VS)>,
    host_api: Version,
}

impl Provider<'_> {
    fn versions(&self, id: &str) -> &[IndexVersion] {
        self.index.plugins.get(id).map(Vec::as_slice).unwrap_or(&[])
    }

    /// Whether `iv` may be chosen from `range`: normal versions always, yanked and
    /// pre-release ones only when the range pins exactly that version.
    fn allowed(iv: &IndexVersion, range: &VS) -> bool {
        range.contains(&iv.version)
            && ((!iv.yanked && iv.version.pre.is_empty())
                || range.0.as_singleton() == Some(&iv.version))
    }
}

impl DependencyProvider for Provider<'_> {
    type P = Pkg;
    type V = Version;
    type VS = VS;
    type M = String;
    type Err = Infallible;
    type Priority = (u32, Reverse<usize>);

    fn prioritize(
        &self,
        package: &Pkg,
        range: &VS,
        stats: &PackageResolutionStatistics,
    ) -> Self::Priority {
        match package {
            Pkg::Root | Pkg::Api => (u32::MAX, Reverse(0)),
            Pkg::Plugin(id) => {
                let n = self
                    .versions(id)
                    .iter()
                    .filter(|iv| Self::allowed(iv, range))
                    .count();
                (stats.conflict_count(), Reverse(n))
            }
        }
    }

    fn choose_version(&self, package: &Pkg, range: &VS) -> Result<Option<Version>, Infallible> {
        Ok(match package {
            Pkg::Root => range.contains(&ROOT_VERSION).then_some(ROOT_VERSION),
            Pkg::Api => range
                .contains(&self.host_api)
                .then(|| self.host_api.clone()),
            Pkg::Plugin(id) => self
                .versions(id)
                .iter()
                .filter(|iv| Self::allowed(iv, range))
                .map(|iv| &iv.version)
                .max()
                .cloned(),
        })
    }

    fn get_dependencies(
        &self,
        package: &Pkg,
        version: &Version,
    ) -> Result<Dependencies<Pkg, VS, String>, Infallible> {
        let mut deps: BTreeMap<Pkg, VS> = BTreeMap::new();
        let mut add = |p: Pkg, vs: VS| {
            let merged = match deps.get(&p) {
                Some(prev) => prev.intersection(&vs),
                None => vs,
            };
            deps.insert(p, merged);
        };
        match package {
            Pkg::Root => self
                .root_deps
                .iter()
                .for_each(|(p, vs)| add(p.clone(), vs.clone())),
            Pkg::Api => {}
            Pkg::Plugin(id) => {
                let Some(iv) = self.versions(id).iter().find(|iv| &iv.version == version) else {
                    return Ok(Dependencies::Unavailable(
                        "because it is not in the index".into(),
                    ));
                };
                add(Pkg::Api, VS::from_req(&iv.api));
                for (dep, req) in iv.deps.iter().filter(|(dep, _)| dep != id) {
                    add(Pkg::Plugin(dep.clone()), VS::from_req(req));
                }
            }
        }
        Ok(Dependencies::Available(deps.into_iter().collect()))
    }
}

/// Resolves `wants` against `index` for a host whose plugin API is `host_api`.
pub fn resolve(index: &Index, wants: &[Request], host_api: &Version) -> Result<Plan, Conflict> {
    let unknown: Vec<String> = wants
        .iter()
        .filter(|w| !index.plugins.contains_key(&w.plugin))
        .map(|w| w.plugin.clone())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    if !unknown.is_empty() {
        let list = unknown
            .iter()
            .map(|u| format!("`{u}`"))
            .collect::<Vec<_>>()
            .join(", ");
        return Err(Conflict {
            text: format!(
                "Version solving failed: {list} {} not in the registry.",
                if unknown.len() == 1 { "is" } else { "are" }
            ),
            tree: json!({ "kind": "external", "reason": "unknown_plugins", "packages": unknown }),
            unknown,
        });
    }
    let mut root_deps = Vec::new();
    for w in wants {
        let vs = match w.req.as_deref().map(str::trim) {
            None | Some("") | Some("*") => VS::full(),
            Some(s) => match VersionReq::parse(s) {
                Ok(req) => VS::from_req(&req),
                Err(e) => {
                    return Err(Conflict {
                        text: format!(
                            "`{s}` is not a valid version requirement for {}: {e}",
                            w.plugin
                        ),
                        tree: json!({ "kind": "external", "reason": "invalid_requirement", "package": w.plugin, "requirement": s }),
                        unknown: Vec::new(),
                    })
                }
            },
        };
        root_deps.push((Pkg::Plugin(w.plugin.clone()), vs));
    }
    let provider = Provider {
        index,
        root_deps,
        host_api: host_api.clone(),
    };
    match pubgrub::resolve(&provider, Pkg::Root, ROOT_VERSION) {
        Ok(solution) => Ok(plan(index, wants, solution.into_iter().collect())),
        Err(PubGrubError::NoSolution(tree)) => {
            // Merging "no versions" steps into their neighbours shortens the explanation,
            // unless it would collapse it to a single statement that no longer says why.
            let mut collapsed = tree.clone();
            collapsed.collapse_no_versions();
            let tree = if matches!(collapsed, DerivationTree::Derived(_)) {
                collapsed
            } else {
                tree
            };
            let mut text = fix_root(DefaultStringReporter::report(&tree));
            if tree.packages().contains(&Pkg::Api) {
                text.push_str(&format!(
                    "\n(This Trellis host provides {API_PACKAGE} {host_api}.)"
                ));
            }
            let mut notes = BTreeSet::new();
            hidden_versions(index, &tree, &mut notes);
            for n in notes {
                text.push_str(&format!("\n({n})"));
            }
            Err(Conflict {
                text,
                tree: tree_json(&tree),
                unknown: Vec::new(),
            })
        }
        Err(e) => Err(Conflict {
            text: format!("dependency resolution failed: {e}"),
            tree: Value::Null,
            unknown: Vec::new(),
        }),
    }
}

fn plan(index: &Index, wants: &[Request], solution: BTreeMap<Pkg, Version>) -> Plan {
    let chosen: BTreeMap<&str, &IndexVersion> = solution
        .iter()
        .filter_map(|(p, v)| match p {
            Pkg::Plugin(id) => index
                .plugins
                .get(id)?
                .iter()
                .find(|iv| &iv.version == v)
                .map(|iv| (id.as_str(), iv)),
            _ => None,
        })
        .collect();
    // Edges: dependency → dependents, restricted to planned plugins.
    let mut requested_by: BTreeMap<&str, BTreeSet<String>> =
        chosen.keys().map(|k| (*k, BTreeSet::new())).collect();
    let mut pending_deps: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for (id, iv) in &chosen {
        let deps = pending_deps.entry(id).or_default();
        for (dep, _) in &iv.deps {
            if let Some((dep_id, _)) = chosen.get_key_value(dep.as_str()) {
                if dep_id != id {
                    deps.insert(dep_id);
                    requested_by
                        .get_mut(dep_id)
                        .expect("planned")
                        .insert((*id).to_string());
                }
            }
        }
    }
    for w in wants {
        if let Some(set) = requested_by.get_mut(w.plugin.as_str()) {
            set.insert(ROOT_LABEL.to_string());
        }
    }
    // Kahn's algorithm, smallest id first for determinism; cycles are appended by id.
    let mut order: Vec<&str> = Vec::new();
    let mut done: BTreeSet<&str> = BTreeSet::new();
    while done.len() < chosen.len() {
        let next = pending_deps
            .iter()
            .find(|(id, deps)| !done.contains(*id) && deps.iter().all(|d| done.contains(d)))
            .map(|(id, _)| *id)
            .or_else(|| chosen.keys().find(|id| !done.contains(*id)).copied())
            .expect("something is left");
        done.insert(next);
        order.push(next);
    }
    let plugins = order
        .into_iter()
        .map(|id| {
            let iv = chosen[id];
            PlannedPlugin {
                id: id.to_string(),
                version: iv.version.clone(),
                sha256: iv.sha256.clone(),
                size: iv.size,
                permissions: iv.permissions.clone(),
                requested_by: requested_by
                    .remove(id)
                    .unwrap_or_default()
                    .into_iter()
                    .collect(),
            }
        })
        .collect();
    Plan { plugins }
}

fn fix_root(s: String) -> String {
    s.replace(&format!("{ROOT_LABEL} {ROOT_VERSION}"), ROOT_LABEL)
        .replace(
            &format!("{ROOT_LABEL} is forbidden"),
            "version solving failed",
        )
}

/// Notes about yanked / pre-release versions that a "no version" step skipped.
fn hidden_versions(
    index: &Index,
    tree: &DerivationTree<Pkg, VS, String>,
    notes: &mut BTreeSet<String>,
) {
    match tree {
        DerivationTree::External(External::NoVersions(Pkg::Plugin(id), vs)) => {
            for iv in index
                .plugins
                .get(id)
                .into_iter()
                .flatten()
                .filter(|iv| vs.contains(&iv.version))
            {
                let what = if iv.yanked {
                    "yanked"
                } else if !iv.version.pre.is_empty() {
                    "a pre-release"
                } else {
                    continue;
                };
                notes.insert(format!(
                    "{id} {} is {what}; it is only used when pinned exactly with ={}",
                    iv.version, iv.version
                ));
            }
        }
        DerivationTree::External(_) => {}
        DerivationTree::Derived(d) => {
            hidden_versions(index, &d.cause1, notes);
            hidden_versions(index, &d.cause2, notes);
        }
    }
}

/// A version set as JSON; the root's single pseudo-version is omitted.
fn range_json(p: &Pkg, vs: &VS) -> Value {
    if *p == Pkg::Root {
        Value::Null
    } else {
        Value::String(vs.to_string())
    }
}

/// Converts PubGrub's derivation tree to JSON.
fn tree_json(tree: &DerivationTree<Pkg, VS, String>) -> Value {
    match tree {
        DerivationTree::External(e) => {
            let text = fix_root(e.to_string());
            match e {
                External::NotRoot(p, v) => {
                    json!({ "kind": "external", "reason": "not_root", "package": p.to_string(), "version": v.to_string(), "text": text })
                }
                External::NoVersions(p, vs) => {
                    json!({ "kind": "external", "reason": "no_versions", "package": p.to_string(), "range": range_json(p, vs), "text": text })
                }
                External::FromDependencyOf(p, vs, d, dvs) => json!({
                    "kind": "external", "reason": "dependency", "package": p.to_string(), "range": range_json(p, vs),
                    "dependency": d.to_string(), "dependency_range": dvs.to_string(), "text": text
                }),
                External::Custom(p, vs, m) => {
                    json!({ "kind": "external", "reason": "unavailable", "package": p.to_string(), "range": range_json(p, vs), "message": m, "text": text })
                }
            }
        }
        DerivationTree::Derived(d) => {
            let mut terms: Vec<(&Pkg, &Term<VS>)> = d.terms.iter().collect();
            terms.sort_by(|a, b| a.0.cmp(b.0));
            let terms: Vec<Value> = terms
                .into_iter()
                .map(|(p, t)| match t {
                    Term::Positive(vs) => json!({ "package": p.to_string(), "range": range_json(p, vs), "positive": true }),
                    Term::Negative(vs) => json!({ "package": p.to_string(), "range": range_json(p, vs), "positive": false }),
                })
                .collect();
            json!({ "kind": "derived", "terms": terms, "shared_id": d.shared_id, "causes": [tree_json(&d.cause1), tree_json(&d.cause2)] })
        }
    }
}

#[cfg(test)]
#[path = "resolve_tests.rs"]
mod tests;
