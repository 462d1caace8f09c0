//! Keeping this process's index current from the database: documents built from
//! the registry's search rows (`trellis_platform::registry::search_docs`), a full [`rebuild`], and [`IndexFollower`], the
//! follower of the event log that re-reads every plugin an event is about and
//! replaces (or deletes) its document.
//!
//! The index stores its log position with every commit, so after a restart it
//! resumes where it stopped; [`open`] rebuilds it from the database when it is
//! missing, corrupt, of another schema version, or so far behind that the log no
//! longer holds what it missed. A rebuild reads the log's head *before* reading
//! the plugins, so whatever changes while it reads is applied again afterwards.

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::Arc;

use async_trait::async_trait;
use trellis_db::events::{EventRow, Position};
use trellis_db::search_docs::SearchDocRow;
use trellis_db::Db;
use trellis_events::follow::{Follower, FollowerError};
use trellis_platform::registry::{search_docs, search_docs_page};

use crate::{Opened, PluginDoc, SearchIndex};

/// Plugins read per query when rebuilding.
const PAGE: i64 = 1000;

/// The plugin-API versions the `api` facet knows (the manifest's `api` requirement
/// of a plugin's latest version is matched against each).
pub fn api_versions() -> Vec<semver::Version> {
    trellis_registry::PLUGIN_API_VERSIONS
        .iter()
        .filter_map(|v| semver::Version::parse(v).ok())
        .collect()
}

/// Opens the index in `dir`, rebuilding it from the database when it is new,
/// was recreated, or is behind what the log still holds. Returns it and how many
/// plugins a rebuild indexed (`None`: it was current enough to catch up by
/// following).
pub async fn open(db: &Db, dir: &Path) -> Result<(Arc<SearchIndex>, Option<u64>), FollowerError> {
    let dir_owned = dir.to_owned();
    let (index, opened) =
        tokio::task::spawn_blocking(move || SearchIndex::open(&dir_owned, &api_versions()))
            .await??;
    let index = Arc::new(index);
    let reason = match opened {
        Opened::Created => Some("no index yet".to_owned()),
        Opened::Recreated { reason } => Some(reason),
        Opened::Existing => behind(db, &index).await?,
    };
    match reason {
        Some(reason) => {
            tracing::info!(dir = %dir.display(), %reason, "rebuilding the search index from the database");
            let n = rebuild(db, &index).await?;
            Ok((index, Some(n)))
        }
        None => Ok((index, None)),
    }
}

/// Why an existing index cannot catch up by following (`None`: it can).
async fn behind(db: &Db, index: &SearchIndex) -> Result<Option<String>, FollowerError> {
    let mut c = db.conn().await?;
    let Some(p) = index.position().as_deref().and_then(decode_position) else {
        // Committed without a position: it never saw an event, and the log may
        // already hold events (or their plugins) it never indexed.
        return Ok(Some("the index has no log position".into()));
    };
    if let Some(oldest) = trellis_db::events::oldest(&mut c).await? {
        if p < oldest && !trellis_db::events::exists_at(&mut c, p).await? {
            return Ok(Some("the log no longer holds what the index missed".into()));
        }
    }
    Ok(None)
}

/// Replaces the whole index with the plugins in the database; returns how many.
pub async fn rebuild(db: &Db, index: &Arc<SearchIndex>) -> Result<u64, FollowerError> {
    let mut c = db.conn().await?;
    let head = trellis_db::events::head(&mut c).await?;
    let mut docs = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let rows = search_docs_page(&mut c, after.as_deref(), PAGE).await?;
        let Some(last) = rows.last() else { break };
        after = Some(last.id.clone());
        let full = rows.len() as i64 == PAGE;
        docs.extend(rows.into_iter().map(doc_from_row));
        if !full {
            break;
        }
    }
    drop(c);
    let n = docs.len() as u64;
    let index = index.clone();
    tokio::task::spawn_blocking(move || {
        index.replace_all(docs.into_iter(), head.map(encode_position))
    })
    .await??;
    Ok(n)
}

/// Builds a new index in `dir` from the database (for benchmarks and tools: the
/// serving index is untouched); returns how many plugins it holds.
pub async fn rebuild_fresh(db: &Db, dir: &Path) -> Result<u64, FollowerError> {
    let dir = dir.to_owned();
    let (index, _) =
        tokio::task::spawn_blocking(move || SearchIndex::open(&dir, &api_versions())).await??;
    rebuild(db, &Arc::new(index)).await
}

/// The follower that keeps an index current.
pub struct IndexFollower {
    db: Db,
    index: Arc<SearchIndex>,
    name: String,
}

impl IndexFollower {
    /// `node` names this process among those sharing the database.
    pub fn new(db: Db, index: Arc<SearchIndex>, node: &str) -> IndexFollower {
        IndexFollower {
            db,
            index,
            name: format!("search-index@{node}"),
        }
    }
}

#[async_trait]
impl Follower for IndexFollower {
    fn name(&self) -> String {
        self.name.clone()
    }

    async fn position(&mut self) -> Result<Option<Position>, FollowerError> {
        Ok(self.index.position().as_deref().and_then(decode_position))
    }

    async fn apply(&mut self, events: &[EventRow]) -> Result<(), FollowerError> {
        let Some(last) = events.last() else {
            return Ok(());
        };
        let ids: BTreeSet<String> = events
            .iter()
            .filter(|e| e.subject_kind == "plugin")
            .map(|e| e.subject_id.clone())
            .collect();
        let ids: Vec<String> = ids.into_iter().collect();
        let rows = if ids.is_empty() {
            Vec::new()
        } else {
            search_docs(&mut *self.db.conn().await?, &ids).await?
        };
        let found: std::collections::HashSet<&str> = rows.iter().map(|r| r.id.as_str()).collect();
        let deletes: Vec<String> = ids
            .iter()
            .filter(|id| !found.contains(id.as_str()))
            .cloned()
            .collect();
        let docs: Vec<PluginDoc> = rows.into_iter().map(doc_from_row).collect();
        let index = self.index.clone();
        let position = Some(encode_position(last.position));
        tokio::task::spawn_blocking(move || index.apply(docs, &deletes, position)).await??;
        Ok(())
    }

    /// Events this index needed were pruned: rebuild from the database and go on
    /// from the log's head as the rebuild saw it.
    async fn gap(
        &mut self,
        _position: Option<Position>,
        _oldest: Position,
    ) -> Result<Option<Position>, FollowerError> {
        tracing::warn!(
            follower = self.name,
            "events the search index needed were pruned; rebuilding it"
        );
        rebuild(&self.db, &self.index).await?;
        Ok(self.index.position().as_deref().and_then(decode_position))
    }
}

/// A database row as the index's document.
pub fn doc_from_row(r: SearchDocRow) -> PluginDoc {
    PluginDoc {
        readme_text: html_to_text(&r.readme_html),
        id: r.id,
        namespace: r.namespace,
        name: r.name,
        display_name: r.display_name,
        summary: r.description,
        keywords: r.keywords,
        categories: r.categories,
        category_labels: r.category_labels,
        kind: r.kind,
        license: r.license,
        api_req: r.api_req,
        latest_version: r.latest_version,
        downloads_total: r.downloads_total.max(0) as u64,
        downloads_recent: r.downloads_recent.max(0) as u64,
        rating_avg: (r.rating_count > 0).then(|| r.rating_sum as f64 / r.rating_count as f64),
        rating_count: r.rating_count.max(0) as u64,
        created_at: r.created_at,
        updated_at: r.updated_at,
        deprecated: r.deprecated,
        demo: r.demo,
    }
}

/// The text of sanitised README HTML: tags dropped (block ends become spaces),
/// the entities the sanitiser writes decoded, white space collapsed.
pub fn html_to_text(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut in_tag = false;
    for ch in html.chars() {
        match ch {
            '<' => {
                in_tag = true;
                out.push(' ');
            }
            '>' if in_tag => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    let decoded = out
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&#x27;", "'")
        .replace("&nbsp;", " ")
        .replace("&amp;", "&");
    decoded.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A log position as the index stores it (`tx:seq`).
pub fn encode_position(p: Position) -> String {
    format!("{}:{}", p.tx, p.seq)
}

/// Reads [`encode_position`]'s form.
pub fn decode_position(s: &str) -> Option<Position> {
    let (tx, seq) = s.split_once(':')?;
    Some(Position {
        tx: tx.parse().ok()?,
        seq: seq.parse().ok()?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn readme_html_becomes_text() {
        assert_eq!(
            html_to_text("<h1>Kanban</h1><p>Boards &amp; cards, <code>&lt;b&gt;</code></p>"),
            "Kanban Boards & cards, <b>"
        );
    }

    #[test]
    fn positions_round_trip() {
        let p = Position { tx: 812, seq: 4 };
        assert_eq!(decode_position(&encode_position(p)), Some(p));
        assert_eq!(decode_position("x"), None);
    }
}
