//! Download counting without a database write on the download path: each
//! download bumps an in-memory counter keyed by (plugin, version, UTC day), and
//! signed-in downloaders are remembered as (plugin, user) installs. A background
//! task flushes both every `registry.downloads_flush_secs` in one transaction
//! (and once more at shutdown); a failed flush puts the counts back.

use std::collections::{HashMap, HashSet};
use std::sync::Mutex;
use std::time::Duration;

use trellis_db::registry_downloads::DailyCount;
use trellis_db::Db;

use crate::{AppResult, AppState};

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

    /// Whether any download of the plugin is waiting to be flushed.
    pub fn has_pending(&self, plugin_id: &str) -> bool {
        self.lock().counts.keys().any(|(p, _, _)| p == plugin_id)
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
        if let Err(e) = db.flush_downloads(&counts, &installs).await {
            let mut p = self.lock();
            for (k, n) in taken.counts {
                *p.counts.entry(k).or_default() += n;
            }
            p.installs.extend(taken.installs);
            return Err(e.into());
        }
        Ok(())
    }
}

/// The background task that flushes the counter; [`Flusher::stop`] ends it after
/// a last flush.
#[derive(Debug)]
pub struct Flusher {
    stop: tokio::sync::watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
}

async fn flush_logged(state: &AppState) {
    if let Err(e) = state.downloads.flush(&state.db).await {
        tracing::warn!(error = %e, "flushing download counts failed; will retry");
    }
}

/// Spawns the task that flushes the counter every `registry.downloads_flush_secs`.
pub fn spawn_flusher(state: AppState) -> Flusher {
    let (stop, mut stopped) = tokio::sync::watch::channel(false);
    let task = tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(
            state.config.registry.downloads_flush_secs,
        ));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            // A flush is never interrupted half-way: the stop signal is only seen between flushes.
            tokio::select! {
                _ = tick.tick() => flush_logged(&state).await,
                _ = stopped.changed() => break,
            }
        }
        flush_logged(&state).await;
    });
    Flusher { stop, task }
}

impl Flusher {
    /// Stops the task after one last flush, and waits for it.
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        let _ = self.task.await;
    }
}
