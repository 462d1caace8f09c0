//! Followers: consumers that must see every event, in log order, exactly once
//! in effect, resuming after a restart from a position they keep themselves
//! (in the database, in the same transaction as what they do with the events;
//! or beside their own output, such as a search index or a file).
//!
//! [`step`] is one round: read the next batch after the follower's position and
//! hand it over. The worker crate runs it in a loop. When the log was pruned
//! past a follower's position (it was away longer than the retention), the
//! follower is told with [`Follower::gap`] and decides (a search index rebuilds
//! from the database).

use async_trait::async_trait;
use trellis_db::events::{EventRow, Position};
use trellis_db::Db;

/// Why a follower could not go on.
pub type FollowerError = Box<dyn std::error::Error + Send + Sync>;

/// A consumer of the log.
#[async_trait]
pub trait Follower: Send {
    /// A stable name, for logs, metrics and stored cursors.
    fn name(&self) -> String;
    /// Where to resume: the last event applied (`None`: from the log's start).
    async fn position(&mut self) -> Result<Option<Position>, FollowerError>;
    /// Applies a batch (non-empty, in log order) and records its last position
    /// together with the effect, so a crash never applies an event twice.
    async fn apply(&mut self, events: &[EventRow]) -> Result<(), FollowerError>;
    /// True for a follower that keeps its position in `event_cursors` under
    /// its name itself, in the transaction that applies a batch (one cursor
    /// shared by several processes, of which only one applies each batch):
    /// [`step`] then leaves that row alone, since a batch another process
    /// applied first must not move it.
    fn stores_cursor(&self) -> bool {
        false
    }
    /// The log no longer holds the events after `position`: the oldest kept is
    /// `oldest`. Returns where to go on from (by default: the oldest kept event,
    /// so whatever was pruned is skipped and said so in the log).
    async fn gap(
        &mut self,
        position: Option<Position>,
        oldest: Position,
    ) -> Result<Option<Position>, FollowerError> {
        tracing::warn!(
            follower = self.name(),
            ?position,
            ?oldest,
            "events were pruned before this follower read them; going on from the oldest kept"
        );
        Ok(Some(Position {
            tx: oldest.tx,
            seq: oldest.seq - 1,
        }))
    }
}

/// What one [`step`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Stepped {
    /// Events applied.
    pub applied: usize,
    /// The follower's position afterwards.
    pub position: Option<Position>,
    /// When the last applied event happened (unix ms).
    pub last_occurred_at: Option<i64>,
}

/// Reads up to `batch` events after the follower's position and applies them.
pub async fn step(
    db: &Db,
    follower: &mut dyn Follower,
    batch: i64,
) -> Result<Stepped, FollowerError> {
    let mut position = follower.position().await?;
    let mut c = db.conn().await?;
    if let Some(p) = position {
        // The event at a follower's position is kept while its cursor is fresh
        // (see `trellis_db::events::prune`); if it is gone and older events than
        // the oldest kept were pruned, the follower missed some.
        if let Some(oldest) = trellis_db::events::oldest(&mut c).await? {
            if p < oldest && !trellis_db::events::exists_at(&mut c, p).await? {
                position = follower.gap(position, oldest).await?;
            }
        }
    }
    let events = trellis_db::events::read_after(&mut c, position, batch).await?;
    drop(c);
    if events.is_empty() {
        return Ok(Stepped {
            applied: 0,
            position,
            last_occurred_at: None,
        });
    }
    follower.apply(&events).await?;
    if let Some(e) = events.last().filter(|_| !follower.stores_cursor()) {
        // Every follower's place is also kept in `event_cursors`, whatever it
        // stores itself: retention never prunes what a follower still needs, and
        // the admin page shows its lag.
        trellis_db::events::save_cursor(&mut *db.conn().await?, &follower.name(), e.position)
            .await?;
    }
    let last = events.last().map(|e| (e.position, e.occurred_at));
    Ok(Stepped {
        applied: events.len(),
        position: last.map(|l| l.0),
        last_occurred_at: last.map(|l| l.1),
    })
}
