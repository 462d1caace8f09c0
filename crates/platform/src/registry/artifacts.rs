//! What the download path keeps in memory, so that a repeated download of a
//! small package costs neither a database query nor a file read (each is a hop
//! to another thread: the database pool, tokio's blocking pool).
//!
//! - Small artifacts (at most [`MAX_BODY`] bytes, [`MAX_BODIES`] in all), keyed
//!   by their SHA-256: content-addressed, so an entry can never be stale. Oldest
//!   out first.
//! - Which artifact a version is, `(plugin, version) -> sha256`, remembered
//!   only from a database read that saw the plugin's `first_download_at`
//!   already set (see `plugins::download`). From then on the mapping cannot
//!   change on any node: the only way a plugin or a version leaves the database
//!   is `delete_if_never_downloaded`, conditional on that column being unset,
//!   and nothing unsets it; versions are immutable (yanking only flips a flag,
//!   and a yanked version stays downloadable by its exact version). Until a
//!   read has seen the mark, every download of the plugin asks the database,
//!   which keeps "a downloaded plugin cannot be deleted" true across nodes.
//!   Misses (unknown versions) are never remembered. The map is emptied when
//!   it reaches [`MAX_VERSIONS`].

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;

use bytes::Bytes;

/// Artifacts up to this size are kept whole in memory after their first download.
pub const MAX_BODY: u64 = 64 * 1024;
/// At most this many bytes of artifacts are kept.
pub const MAX_BODIES: usize = 32 * 1024 * 1024;
/// At most this many versions are remembered (the map is emptied when full).
pub const MAX_VERSIONS: usize = 100_000;

#[derive(Debug, Default)]
struct Inner {
    /// plugin -> version -> sha256
    versions: HashMap<String, HashMap<String, String>>,
    version_count: usize,
    bodies: HashMap<String, Bytes>,
    order: VecDeque<String>,
    body_bytes: usize,
}

/// The download path's memory; shared (`Arc`), usable from any task.
#[derive(Debug, Default)]
pub struct ArtifactCache {
    inner: Mutex<Inner>,
}

impl ArtifactCache {
    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // Entries are inserted whole: a panic elsewhere leaves nothing half-written.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The artifact hash of a version whose plugin was seen marked as downloaded.
    pub fn version(&self, plugin_id: &str, version: &str) -> Option<String> {
        self.lock().versions.get(plugin_id)?.get(version).cloned()
    }

    /// Remembers which artifact a version is. Call it only with what a database
    /// read returned together with the plugin's `first_download_at` set.
    pub fn remember_version(&self, plugin_id: &str, version: &str, sha256: &str) {
        let mut inner = self.lock();
        if inner.version_count >= MAX_VERSIONS {
            inner.versions.clear();
            inner.version_count = 0;
        }
        let fresh = inner
            .versions
            .entry(plugin_id.to_owned())
            .or_default()
            .insert(version.to_owned(), sha256.to_owned())
            .is_none();
        inner.version_count += usize::from(fresh);
    }

    /// A small artifact's bytes, if kept.
    pub fn body(&self, sha256: &str) -> Option<Bytes> {
        self.lock().bodies.get(sha256).cloned()
    }

    /// Keeps a small artifact's bytes (larger ones are ignored), dropping the
    /// oldest to stay within [`MAX_BODIES`].
    pub fn keep_body(&self, sha256: &str, bytes: Bytes) {
        if bytes.len() as u64 > MAX_BODY {
            return;
        }
        let mut inner = self.lock();
        if inner.bodies.contains_key(sha256) {
            return;
        }
        while inner.body_bytes + bytes.len() > MAX_BODIES {
            let Some(old) = inner.order.pop_front() else {
                break;
            };
            if let Some(b) = inner.bodies.remove(&old) {
                inner.body_bytes -= b.len();
            }
        }
        inner.body_bytes += bytes.len();
        inner.order.push_back(sha256.to_owned());
        inner.bodies.insert(sha256.to_owned(), bytes);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_are_remembered() {
        let c = ArtifactCache::default();
        assert_eq!(c.version("a.b", "1.0.0"), None);
        c.remember_version("a.b", "1.0.0", "abc");
        c.remember_version("a.c", "1.0.0", "def");
        assert_eq!(c.version("a.b", "1.0.0").as_deref(), Some("abc"));
        assert_eq!(c.version("a.b", "1.0.1"), None);
        assert_eq!(c.version("a.c", "1.0.0").as_deref(), Some("def"));
    }

    #[test]
    fn versions_are_bounded() {
        let c = ArtifactCache::default();
        for i in 0..=MAX_VERSIONS {
            c.remember_version("a.b", &format!("{i}.0.0"), "x");
        }
        assert!(c.lock().version_count <= MAX_VERSIONS);
        assert!(c.version("a.b", &format!("{MAX_VERSIONS}.0.0")).is_some());
    }

    #[test]
    fn bodies_are_bounded() {
        let c = ArtifactCache::default();
        c.keep_body("big", Bytes::from(vec![0u8; MAX_BODY as usize + 1]));
        assert!(c.body("big").is_none());
        let n = MAX_BODIES / MAX_BODY as usize;
        for i in 0..=n {
            c.keep_body(&format!("s{i}"), Bytes::from(vec![0u8; MAX_BODY as usize]));
        }
        assert!(c.body("s0").is_none(), "the oldest went first");
        assert!(c.body(&format!("s{n}")).is_some());
        assert!(c.lock().body_bytes <= MAX_BODIES);
    }
}
