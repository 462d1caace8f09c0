//! Download counting without a database write on the download path: each
//! download bumps an in-memory counter keyed by (plugin, version, UTC day),
//! signed-in downloaders are remembered as (plugin, user) installs, and every
//! downloader's installer key of the day is kept for the unique installs.
//! A worker (see `trellis-worker`) flushes all three every
//! `registry.downloads_flush_secs` in one transaction, and once more at
//! shutdown; a failed flush puts them back. The flush writes a
//! `plugin.stats.updated` event for each plugin whose counts it wrote, in its
//! transaction (the search index follows them to refresh download counts).
//! (The very first download of a plugin also marks it in the database; see
//! `plugins::download`.)
//!
//! An installer key is HMAC-SHA256 (truncated to 128 bits, hex) keyed by the
//! day's salt over the plugin id and the installer: `u:<user id>` for a
//! signed-in user (session or token), `a:<address>|<User-Agent>` for anyone
//! else. The address is used for that computation only and never kept. The
//! salt (32 random bytes per UTC day in `stats_salts`, shared by every node)
//! is read or made by the first download of the day on each node and then
//! kept in memory; housekeeping deletes it with the day's keys once the day is
//! over plus a day (see `registry::stats::prune`).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Arc, Mutex};

use ring::hmac;
use trellis_db::downloads::{self, DailyCount};
use trellis_db::stats::{self as stats_db, InstallKey};
use trellis_db::Db;

use trellis_events::catalogue::PluginStatsUpdated;

use crate::events::{emit, EventActor};
use crate::AppResult;

type Key = (String, String, String);

#[derive(Debug, Default)]
struct Pending {
    counts: HashMap<Key, u64>,
    installs: HashSet<(String, i64)>,
    keys: HashSet<InstallKey>,
}

/// Who downloaded: what a unique install is counted by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Installer {
    /// A signed-in user, through a browser session or an API token.
    User(i64),
    /// Anyone else, told apart by the client's address and User-Agent (used
    /// only to compute the day's key, never stored).
    Anonymous { addr: String, user_agent: String },
}

impl Installer {
    /// The signed-in user, if any.
    pub fn user_id(&self) -> Option<i64> {
        match self {
            Installer::User(id) => Some(*id),
            Installer::Anonymous { .. } => None,
        }
    }

    /// What the day's key is computed over, for a download of `plugin_id`.
    fn message(&self, plugin_id: &str) -> String {
        match self {
            Installer::User(id) => format!("{plugin_id}\nu:{id}"),
            Installer::Anonymous { addr, user_agent } => {
                format!("{plugin_id}\na:{addr}|{user_agent}")
            }
        }
    }
}

/// A day's salt as an HMAC key.
struct DaySalt {
    day: String,
    key: hmac::Key,
}

impl std::fmt::Debug for DaySalt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DaySalt").field("day", &self.day).finish()
    }
}

/// The installer key of `installer` for a download of `plugin_id` under a
/// day's salt: 128 bits of HMAC-SHA256, hex.
fn installer_key(salt: &hmac::Key, plugin_id: &str, installer: &Installer) -> String {
    let tag = hmac::sign(salt, installer.message(plugin_id).as_bytes());
    hex::encode(&tag.as_ref()[..16])
}

/// Download counts, installs and installer keys not yet in the database, and
/// today's salt.
#[derive(Debug, Default)]
pub struct DownloadCounter {
    pending: Mutex<Pending>,
    salt: Mutex<Option<Arc<DaySalt>>>,
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

    /// The salt of `day`: from memory, else read from the database, else made
    /// and stored there (another node may store one first: the stored one wins).
    async fn day_salt(&self, db: &Db, day: &str) -> AppResult<Arc<DaySalt>> {
        {
            let cached = self.salt.lock().unwrap_or_else(|e| e.into_inner());
            if let Some(s) = cached.as_ref().filter(|s| s.day == day) {
                return Ok(s.clone());
            }
        }
        let mut c = db.conn().await?;
        let hex_salt = match stats_db::salt(&mut c, day).await? {
            Some(s) => s,
            None => {
                let fresh: [u8; 32] = rand::random();
                stats_db::insert_salt(&mut c, day, &hex::encode(fresh)).await?;
                stats_db::salt(&mut c, day).await?.ok_or_else(|| {
                    crate::AppError::internal(format!("the salt of {day} vanished once stored"))
                })?
            }
        };
        let bytes = hex::decode(&hex_salt)
            .map_err(|e| crate::AppError::internal(format!("stats_salts.salt of {day}: {e}")))?;
        let salt = Arc::new(DaySalt {
            day: day.to_owned(),
            key: hmac::Key::new(hmac::HMAC_SHA256, &bytes),
        });
        *self.salt.lock().unwrap_or_else(|e| e.into_inner()) = Some(salt.clone());
        Ok(salt)
    }

    /// Counts one download of `plugin_id` `version` by `installer`: the
    /// download, an install when the installer is signed in, and the
    /// installer's key of the day. The key needs the day's salt, which only the
    /// first download of a day on this node reads (or makes); if that fails,
    /// the download is still counted, without its unique install (and logged).
    pub async fn count(&self, db: &Db, plugin_id: &str, version: &str, installer: &Installer) {
        let day = today();
        let key = match self.day_salt(db, &day).await {
            Ok(salt) => Some(installer_key(&salt.key, plugin_id, installer)),
            Err(e) => {
                tracing::warn!(error = %e, "no salt for today's installer keys: a download counted without its unique install");
                None
            }
        };
        self.record(plugin_id, version, &day, installer.user_id(), key);
    }

    /// Counts one download on `day`, an install when the downloader is signed
    /// in, and the installer's key of that day when there is one.
    pub fn record(
        &self,
        plugin_id: &str,
        version: &str,
        day: &str,
        user_id: Option<i64>,
        key: Option<String>,
    ) {
        let mut p = self.lock();
        *p.counts
            .entry((plugin_id.into(), version.into(), day.into()))
            .or_default() += 1;
        if let Some(u) = user_id {
            p.installs.insert((plugin_id.into(), u));
        }
        if let Some(key) = key {
            p.keys.insert(InstallKey {
                plugin_id: plugin_id.into(),
                day: day.into(),
                key,
            });
        }
    }

    /// Writes everything pending to the database in one transaction. On failure the
    /// counts are put back, to be retried by the next flush.
    pub async fn flush(&self, db: &Db) -> AppResult<()> {
        let taken = std::mem::take(&mut *self.lock());
        if taken.counts.is_empty() && taken.installs.is_empty() && taken.keys.is_empty() {
            return Ok(());
        }
        // In key order, so that two nodes flushing at once lock rows in the same order.
        let mut counts: Vec<DailyCount> = taken
            .counts
            .iter()
            .map(|((plugin_id, version, day), n)| DailyCount {
                plugin_id: plugin_id.clone(),
                version: version.clone(),
                day: day.clone(),
                downloads: i64::try_from(*n).unwrap_or(i64::MAX),
            })
            .collect();
        counts.sort_by(|a, b| {
            (&a.plugin_id, &a.version, &a.day).cmp(&(&b.plugin_id, &b.version, &b.day))
        });
        let installs: Vec<(String, i64)> = taken.installs.iter().cloned().collect();
        let mut keys: Vec<InstallKey> = taken.keys.iter().cloned().collect();
        keys.sort();
        let mut per_plugin: BTreeMap<&str, i64> = BTreeMap::new();
        for c in &counts {
            *per_plugin.entry(c.plugin_id.as_str()).or_default() += c.downloads;
        }
        let result = async {
            let mut tx = db.begin().await?;
            downloads::add(&mut tx, &counts, &installs).await?;
            stats_db::add_install_keys(&mut tx, &keys).await?;
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
            p.keys.extend(taken.keys);
            return Err(e);
        }
        Ok(())
    }
}
