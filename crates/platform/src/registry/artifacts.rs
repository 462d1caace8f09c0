//! What the download path keeps in memory so that a repeated download of a small
//! package costs neither a database query nor a file read (each is a hop to another
//! thread: the SQLite worker, tokio's blocking pool).
//!
//! - Small artifacts (at most [`MAX_BODY`] bytes, [`MAX_BODIES`] in all), keyed by
//!   their SHA-256: content-addressed, so an entry can never be stale. Oldest out first.
//! - Which artifact a version is: `(plugin, version) -> sha256`, for [`VERSION_TTL`].
//!   Versions are immutable, and a version is only remembered once it has been
//!   downloaded, after which its plugin can no longer be deleted (see
//!   `plugins::delete_plugin`): the mapping cannot change under this instance. The
//!   expiry only bounds what another instance could do in the window before this
//!   one's download counts are flushed. Misses (unknown versions) are never cached.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use bytes::Bytes;

/// Artifacts up to this size are kept whole in memory after their first download.
pub const MAX_BODY: u64 = 64 * 1024;
/// At most this many bytes of artifacts are kept.
pub const MAX_BODIES: usize = 32 * 1024 * 1024;
/// How long a version's artifact hash is trusted before the database is asked again.
pub const VERSION_TTL: Duration = Duration::from_secs(60);
/// At most this many versions are remembered (the map is emptied when full).
const MAX_VERSIONS: usize = 100_000;

#[derive(Debug, Default)]
struct Inner {
    /// plugin -> version -> (sha256, when learnt)
    versions: HashMap<String, HashMap<String, (String, Instant)>>,
    version_count: usize,
    bodies: HashMap<String, Bytes>,
    order: VecDeque<String>,
    body_bytes: usize,
}

/// The download path's memory; cheap to share (`Arc`), safe to use from any task.
#[derive(Debug, Default)]
pub struct ArtifactCache {
    inner: Mutex<Inner>,
}

impl ArtifactCache {
    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // Nothing here is left half-updated by a panic that matters: keep going.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The artifact hash of a downloaded version, if remembered and fresh.
    pub fn version(&self, plugin_id: &str, version: &str) -> Option<String> {
        let inner = self.lock();
        inner
            .versions
            .get(plugin_id)?
            .get(version)
            .filter(|(_, at)| at.elapsed() < VERSION_TTL)
            .map(|(sha, _)| sha.clone())
    }

    /// Remembers which artifact a version is.
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
            .insert(version.to_owned(), (sha256.to_owned(), Instant::now()))
            .is_none();
        inner.version_count += usize::from(fresh);
    }

    /// Forgets every version of a plugin (it was deleted).
    pub fn forget_plugin(&self, plugin_id: &str) {
        let mut inner = self.lock();
        if let Some(gone) = inner.versions.remove(plugin_id) {
            inner.version_count -= gone.len();
        }
    }

    /// A small artifact's bytes, if kept.
    pub fn body(&self, sha256: &str) -> Option<Bytes> {
        self.lock().bodies.get(sha256).cloned()
    }

    /// Keeps a small artifact's bytes (larger ones are ignored), dropping the oldest
    /// to stay within [`MAX_BODIES`].
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
    fn versions_are_remembered_and_forgotten() {
        let c = ArtifactCache::default();
        assert_eq!(c.version("a.b", "1.0.0"), None);
        c.remember_version("a.b", "1.0.0", "abc");
        c.remember_version("a.c", "1.0.0", "def");
        assert_eq!(c.version("a.b", "1.0.0").as_deref(), Some("abc"));
        assert_eq!(c.version("a.b", "1.0.1"), None);
        c.forget_plugin("a.b");
        assert_eq!(c.version("a.b", "1.0.0"), None);
        assert_eq!(c.version("a.c", "1.0.0").as_deref(), Some("def"));
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
