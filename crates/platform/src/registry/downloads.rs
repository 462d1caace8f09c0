//! Download counting without a database write on the download path: each
//! download bumps an in-memory counter keyed by (plugin, version, UTC day), and
//! signed-in downloaders are remembered as (plugin, user) installs. A worker
//! (see `trellis-worker`) flushes both every `registry.downloads_flush_secs` in
//! one transaction, and once more at shutdown; a failed flush puts the counts
//! back. The flush writes a `plugin.stats.updated` event for each plugin whose
//! counts it wrote, in its transaction (the search index follows them to refresh
//! download counts). (The very first download of a plugin also marks it in the
//! database; see `plugins::download`.)

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Mutex;

use trellis_db::downloads::{self, DailyCount};
use trellis_db::Db;

use trellis_events::catalogue::PluginStatsUpdated;

use crate::events::{emit, EventActor};
use crate::AppResult;

type Key = (String, String, String);

#[derive(Debug, Default)]
struct Pending {
    counts: HashMap<Key, u64>,
    installs: HashSet<(String, i64)>,
}

/// Download counts and installs not yet in the database.
#[derive(Debug, Default)]
pub struct DownloadCounter {
    pending: Mutex<Pending>,
}

/// Today's date in UTC as `YYYY-MM-DD`.
pub fn today() -> String {
    let d = time::OffsetDateTime::now_utc().date();
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

impl DownloadCounter {
    fn lock(&self) -> std::sync::MutexGuard<'_, Pending> {
        // A panic while holding the lock leaves plain counters behind: still usable.
        self.pending.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Counts one download, and an install when the downloader is signed in.
    pub fn record(&self, plugin_id: &str, version: &str, user_id: Option<i64>) {
        let mut p = self.lock();
        *p.counts
            .entry((plugin_id.into(), version.into(), today()))
            .or_default() += 1;
        if let Some(u) = user_id {
            p.installs.insert((plugin_id.into(), u));
        }
    }

    /// Writes everything pending to the database in one transaction. On failure the
    /// counts are put back, to be retried by the next flush.
    pub async fn flush(&self, db: &Db) -> AppResult<()> {
        let taken = std::mem::take(&mut *self.lock());
        if taken.counts.is_empty() && taken.installs.is_empty() {
            return Ok(());
        }
        let counts: Vec<DailyCount> = taken
            .counts
            .iter()
            .map(|((plugin_id, version, day), n)| DailyCount {
                plugin_id: plugin_id.clone(),
                version: version.clone(),
                day: day.clone(),
                downloads: i64::try_from(*n).unwrap_or(i64::MAX),
            })
            .collect();
        let installs: Vec<(String, i64)> = taken.installs.iter().cloned().collect();
        let mut per_plugin: BTreeMap<&str, i64> = BTreeMap::new();
        for c in &counts {
            *per_plugin.entry(c.plugin_id.as_str()).or_default() += c.downloads;
        }
        let result = async {
            let mut tx = db.begin().await?;
            downloads::add(&mut tx, &counts, &installs).await?;
            for (plugin, downloads) in per_plugin {
                let data = PluginStatsUpdated {
                    plugin: plugin.to_owned(),
                    namespace: plugin
                        .split_once('.')
                        .map_or(plugin, |(ns, _)| ns)
                        .to_owned(),
                    downloads,
                };
                emit(&mut tx, &EventActor::System, &data).await?;
            }
            tx.commit().await?;
            Ok::<_, crate::AppError>(())
        }
        .await;
        if let Err(e) = result {
            let mut p = self.lock();
            for (k, n) in taken.counts {
                *p.counts.entry(k).or_default() += n;
            }
            p.installs.extend(taken.installs);
            return Err(e);
        }
        Ok(())
    }
}
