//! Catalogue import (`trellis import FILE.jsonl --namespace NS`, and the demo
//! seed of a fresh instance): one JSON object per line (see
//! ../shared/data/README.md), each a plugin of the namespace the import names,
//! with its catalogue versions (entries without a package) and their download
//! counts.
//!
//! - A line that cannot be read or mapped is reported with its number and
//!   skipped; the rest is imported.
//! - Idempotent: a plugin is found again by `(namespace, catalogue id)`, and a
//!   digest of what the import writes tells an unchanged line (nothing written,
//!   no event) from a changed one (updated, `plugin.imported` with `created:
//!   false`). Plugins missing from a later file are left alone.
//! - Work goes in transactions of [`BATCH`] lines, each a handful of multi-row
//!   statements plus the events of its plugins.
//! - The namespace is created when missing (its name must pass the rules for new
//!   namespaces), owned by nobody unless an owner is named: nobody can then
//!   publish into it, and the catalogue stays as imported.
//!
//! The mapping from a line to a plugin is in [`super::import_map`].

use std::collections::HashSet;
use std::io::BufRead;
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};
use trellis_db::catalogue::{self, ImportedPlugin, ImportedVersion};
use trellis_db::namespaces::{self as ns_db, NamespaceRow};
use trellis_events::catalogue as ev;
use trellis_types::{ErrorCode, NamespaceRole};

use super::import_map::{self, Mapped, IMPORTED_KIND, IMPORTED_LICENSE};
use crate::events::{emit, EventActor};
use crate::{AppError, AppResult, AppState};

/// Lines per transaction.
pub const BATCH: usize = 500;
/// Problems kept for the report (every one is counted).
pub const MAX_REPORTED: usize = 50;

/// What to import into.
#[derive(Debug, Clone, Default)]
pub struct ImportOptions {
    /// The namespace the plugins go to (created when missing).
    pub namespace: String,
    /// Mark every plugin as demo content.
    pub demo: bool,
    /// A user who becomes the owner of the namespace if the import creates it.
    pub owner: Option<String>,
}

/// A problem with one line: the line was skipped, or (for versions) part of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineProblem {
    /// 1-based.
    pub line: usize,
    pub message: String,
}

/// What an import did.
#[derive(Debug, Clone, Default)]
pub struct ImportSummary {
    pub namespace: String,
    pub namespace_created: bool,
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
    /// Lines skipped (see `problems`).
    pub skipped: usize,
    /// Versions written (created and updated plugins).
    pub versions: usize,
    /// Catalogue versions that were not SemVer and could not be read as such.
    pub versions_skipped: usize,
    /// Catalogue versions read after normalising them (`v1.2` -> `1.2.0`).
    pub versions_normalised: usize,
    /// The first [`MAX_REPORTED`] skipped lines, with their reasons.
    pub problems: Vec<LineProblem>,
    /// The first [`MAX_REPORTED`] lines with versions skipped.
    pub warnings: Vec<LineProblem>,
    pub elapsed: Duration,
}

impl ImportSummary {
    fn problem(&mut self, line: usize, message: String) {
        self.skipped += 1;
        if self.problems.len() < MAX_REPORTED {
            self.problems.push(LineProblem { line, message });
        }
    }
}

/// Imports the JSONL file at `path`.
pub async fn import_file(
    state: &AppState,
    path: &std::path::Path,
    opts: &ImportOptions,
) -> AppResult<ImportSummary> {
    let file = std::fs::File::open(path).map_err(|e| {
        AppError::new(
            ErrorCode::NotFound,
            format!("Cannot open `{}`: {e}.", path.display()),
        )
    })?;
    import(state, std::io::BufReader::new(file), opts).await
}

/// Imports JSONL read from `reader`.
pub async fn import(
    state: &AppState,
    mut reader: impl BufRead,
    opts: &ImportOptions,
) -> AppResult<ImportSummary> {
    let started = Instant::now();
    let mut summary = ImportSummary {
        namespace: opts.namespace.trim().to_owned(),
        ..ImportSummary::default()
    };
    let (ns, namespace_created) = namespace(state, &summary.namespace, opts).await?;
    summary.namespace_created = namespace_created;
    let mut taken = catalogue::names_in(&mut *state.db.conn().await?, ns.id).await?;
    let mut seen: HashSet<String> = HashSet::new();
    let mut batch: Vec<(usize, Mapped)> = Vec::with_capacity(BATCH);
    let mut buf = Vec::new();
    let mut line = 0;
    loop {
        buf.clear();
        let n = reader.read_until(b'\n', &mut buf).map_err(|e| {
            AppError::new(
                ErrorCode::BadRequest,
                format!("Cannot read line {}: {e}.", line + 1),
            )
        })?;
        if n == 0 {
            break;
        }
        line += 1;
        let Some(mapped) = read_line(&buf, line, &mut seen, &mut summary) else {
            continue;
        };
        batch.push((line, mapped));
        if batch.len() == BATCH {
            write_batch(state, &ns, opts.demo, &batch, &mut taken, &mut summary).await?;
            batch.clear();
        }
    }
    write_batch(state, &ns, opts.demo, &batch, &mut taken, &mut summary).await?;
    summary.elapsed = started.elapsed();
    Ok(summary)
}

/// One line, parsed and mapped; `None` (and a counted problem) when it cannot be.
fn read_line(
    buf: &[u8],
    line: usize,
    seen: &mut HashSet<String>,
    summary: &mut ImportSummary,
) -> Option<Mapped> {
    let Ok(text) = std::str::from_utf8(buf) else {
        summary.problem(line, "it is not valid UTF-8".into());
        return None;
    };
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    let mapped = serde_json::from_str::<import_map::Entry>(text)
        .map_err(|e| format!("it is not a catalogue entry: {e}"))
        .and_then(import_map::map_entry);
    let mapped = match mapped {
        Ok(m) => m,
        Err(why) => {
            summary.problem(line, why);
            return None;
        }
    };
    if !seen.insert(mapped.external_id.clone()) {
        summary.problem(
            line,
            format!(
                "the id `{}` appeared on an earlier line",
                mapped.external_id
            ),
        );
        return None;
    }
    summary.versions_normalised += mapped.normalised.len();
    if !mapped.skipped.is_empty() {
        summary.versions_skipped += mapped.skipped.len();
        if summary.warnings.len() < MAX_REPORTED {
            summary.warnings.push(LineProblem {
                line,
                message: format!(
                    "versions that are not SemVer were skipped: {}",
                    mapped.skipped.join(", ")
                ),
            });
        }
    }
    Some(mapped)
}

/// The namespace to import into, and whether it was created (with its event)
/// because it was missing.
async fn namespace(
    state: &AppState,
    name: &str,
    opts: &ImportOptions,
) -> AppResult<(NamespaceRow, bool)> {
    let mut tx = state.db.begin().await?;
    if let Some(ns) = ns_db::by_name(&mut tx, name).await? {
        return Ok((ns, false));
    }
    trellis_registry::check_namespace_name(name)
        .map_err(|r| AppError::field(ErrorCode::ValidationFailed, "namespace", r.code, r.detail))?;
    let owner = match &opts.owner {
        Some(u) => Some(
            trellis_db::users::by_name(&mut tx, u)
                .await?
                .ok_or_else(|| AppError::not_found(format!("User `{u}`")))?,
        ),
        None => None,
    };
    let ns = catalogue::insert_namespace(&mut tx, name).await?;
    if let Some(u) = &owner {
        ns_db::set_member(&mut tx, ns.id, u.id, NamespaceRole::Owner).await?;
    }
    let data = ev::NamespaceCreated {
        namespace: ns.name.clone(),
        owner: owner.map(|u| u.username).unwrap_or_default(),
    };
    emit(&mut tx, &EventActor::System, &data).await?;
    tx.commit().await?;
    Ok((ns, true))
}

/// What the import writes for a plugin, hashed: equal digests mean unchanged.
fn digest(m: &Mapped, demo: bool) -> String {
    let versions: Vec<(String, i64)> = m
        .versions
        .iter()
        .map(|v| (v.version.to_string(), v.downloads))
        .collect();
    let all = serde_json::json!([
        1, // the mapping's revision: bump it when a line maps differently
        m.source,
        m.display_name,
        m.description,
        m.author,
        m.repository,
        m.categories,
        m.keywords,
        versions,
        demo,
        IMPORTED_KIND,
        IMPORTED_LICENSE,
    ]);
    hex::encode(Sha256::digest(all.to_string().as_bytes()))
}

/// Writes one batch of lines in one transaction.
async fn write_batch(
    state: &AppState,
    ns: &NamespaceRow,
    demo: bool,
    batch: &[(usize, Mapped)],
    taken: &mut HashSet<String>,
    summary: &mut ImportSummary,
) -> AppResult<()> {
    if batch.is_empty() {
        return Ok(());
    }
    let mut tx = state.db.begin().await?;
    let ext: Vec<&str> = batch.iter().map(|(_, m)| m.external_id.as_str()).collect();
    let known = catalogue::known(&mut tx, ns.id, &ext).await?;
    let (mut created, mut updated) = (Vec::new(), Vec::new());
    let mut versions: Vec<ImportedVersion> = Vec::new();
    let mut categories: Vec<(String, String)> = Vec::new();
    let mut taken_now = taken.clone();
    for (_, m) in batch {
        let digest = digest(m, demo);
        let (id, is_new) = match known.get(&m.external_id) {
            Some(k) if k.digest.as_deref() == Some(digest.as_str()) => {
                summary.unchanged += 1;
                continue;
            }
            Some(k) => (k.id.clone(), false),
            None => {
                let name =
                    import_map::allocate(&import_map::base_name(&m.external_id), &mut taken_now);
                (format!("{}.{name}", ns.name), true)
            }
        };
        let plugin = ImportedPlugin {
            name: id
                .split_once('.')
                .map(|(_, n)| n.to_owned())
                .unwrap_or_default(),
            id,
            namespace_id: ns.id,
            display_name: m.display_name.clone(),
            description: m.description.clone(),
            kind: IMPORTED_KIND.into(),
            categories: m.categories.clone(),
            keywords: m.keywords.clone(),
            license: IMPORTED_LICENSE.into(),
            repository: m.repository.clone(),
            latest_version: m.latest(),
            source: m.source.clone(),
            external_id: m.external_id.clone(),
            digest,
            demo,
            author: m.author.clone(),
        };
        versions.extend(m.versions.iter().map(|v| ImportedVersion {
            plugin_id: plugin.id.clone(),
            version: v.version.to_string(),
            parts: (
                v.version.major as i64,
                v.version.minor as i64,
                v.version.patch as i64,
            ),
            prerelease: !v.version.pre.is_empty(),
            downloads: v.downloads,
        }));
        categories.extend(m.new_categories.iter().cloned());
        let count = m.versions.len() as i64;
        if is_new {
            created.push((plugin, count));
        } else {
            updated.push((plugin, count));
        }
    }
    categories.sort();
    categories.dedup_by(|a, b| a.0 == b.0);
    catalogue::add_categories(&mut tx, &categories).await?;
    let new_rows: Vec<ImportedPlugin> = created.iter().map(|(p, _)| p.clone()).collect();
    catalogue::insert_plugins(&mut tx, &new_rows).await?;
    for (p, _) in &updated {
        catalogue::update_plugin(&mut tx, p).await?;
        let keep: Vec<&str> = versions
            .iter()
            .filter(|v| v.plugin_id == p.id)
            .map(|v| v.version.as_str())
            .collect();
        catalogue::prune_versions(&mut tx, &p.id, &keep).await?;
    }
    catalogue::upsert_versions(&mut tx, &versions, trellis_db::now()).await?;
    for (is_new, list) in [(true, &created), (false, &updated)] {
        for (p, count) in list {
            let data = ev::PluginImported {
                plugin: p.id.clone(),
                namespace: ns.name.clone(),
                source: p.source.clone(),
                external_id: p.external_id.clone(),
                versions: *count,
                created: is_new,
            };
            emit(&mut tx, &EventActor::System, &data).await?;
        }
    }
    tx.commit().await?;
    // Only names that were committed count as taken for the next batches.
    *taken = taken_now;
    summary.created += created.len();
    summary.updated += updated.len();
    summary.versions += versions.len();
    Ok(())
}

/// The demo catalogue shipped with Trellis (awesome-neovim, CC0; see
/// data/demo/ATTRIBUTION.md), imported by [`seed_demo`].
pub const DEMO_CATALOGUE: &str = include_str!("../../../../data/demo/catalog_neovim.jsonl");
/// The namespace the demo catalogue goes to.
pub const DEMO_NAMESPACE: &str = "neovim";

/// Seeds the demo catalogue when `demo.seed` is on and the instance is fresh (no
/// namespace and no plugin). `None` when there was nothing to do.
pub async fn seed_demo(state: &AppState) -> AppResult<Option<ImportSummary>> {
    if !state.config.demo.seed || !catalogue::is_fresh(&mut *state.db.conn().await?).await? {
        return Ok(None);
    }
    let opts = ImportOptions {
        namespace: DEMO_NAMESPACE.into(),
        demo: true,
        owner: None,
    };
    import(state, DEMO_CATALOGUE.as_bytes(), &opts)
        .await
        .map(Some)
}
