//! What the registry's Atom feeds list (the server renders them, `server/src/feeds.rs`):
//! new plugins, new versions across the registry, and one plugin's versions.
//! Everything here is public: no actor, no scope.
//!
//! The feeds carry what was published on this instance. Catalogue entries
//! imported without a package (the demo seed of a fresh instance, `trellis
//! import`) are left out of all three: nobody published them here and their
//! dates are the import's. So a demo plugin is not a "new plugin", none of its
//! catalogue versions is an "update", and its own feed is valid but empty
//! (the discovery pages list such plugins, marked as demo content; a feed
//! reader would have nothing to mark them with). Yanked versions are left out
//! of the updates feed (it says so in its subtitle) and kept, marked yanked,
//! in a plugin's own feed.

use trellis_db::feeds::{self as feeds_db, FeedPluginRow, FeedVersionRow};
use trellis_db::plugins::{self, PluginRow, VersionRow};

use super::plugins::plugin_row;
use crate::{AppResult, AppState};

/// Entries per feed.
pub const FEED_ENTRIES: usize = 50;

/// The plugins first published most recently, newest first.
pub async fn new_plugins(state: &AppState) -> AppResult<Vec<FeedPluginRow>> {
    let mut c = state.db.conn().await?;
    Ok(feeds_db::newest_plugins(&mut c, FEED_ENTRIES as i64).await?)
}

/// The versions (packaged, not yanked) published most recently, newest first.
pub async fn updates(state: &AppState) -> AppResult<Vec<FeedVersionRow>> {
    let mut c = state.db.conn().await?;
    Ok(feeds_db::newest_versions(&mut c, FEED_ENTRIES as i64).await?)
}

/// A plugin and its newest [`FEED_ENTRIES`] packaged versions, newest
/// published first (a tie in time: highest version first); `not_found` for an
/// unknown plugin.
pub async fn plugin_versions(
    state: &AppState,
    id: &str,
) -> AppResult<(PluginRow, Vec<VersionRow>)> {
    let mut c = state.db.conn().await?;
    let plugin = plugin_row(&mut c, id).await?;
    let mut versions: Vec<VersionRow> = plugins::versions(&mut c, id)
        .await?
        .into_iter()
        .filter(|v| !v.imported)
        .collect();
    // `versions` is highest first; the stable sort keeps that order within a second.
    versions.sort_by_key(|v| std::cmp::Reverse(v.published_at));
    versions.truncate(FEED_ENTRIES);
    Ok((plugin, versions))
}
