//! Wakes event-log followers when a transaction that appended to the log
//! commits, instead of at their next poll (`events.poll_ms`).
//!
//! [`crate::events::insert`] counts what this process appends; a [`crate::Tx`]
//! notes the count when it begins and, when it commits and the count moved,
//! tells every [`subscribe`]r. On PostgreSQL such a transaction also sends
//! `NOTIFY trellis_events` just before it commits (delivered with the commit),
//! which [`listen`] turns into the same signal on every node. The count is
//! per process, not per transaction: on PostgreSQL, where a process's
//! transactions overlap, one that appended nothing can see it move and notify
//! too, and several `Db`s in one process (tests) wake each other's followers.
//! Such a wake-up is for nothing and costs a read (and a `NOTIFY`); a commit
//! that appended events never fails to wake. Polling stays as the
//! fallback (a change made outside a `Tx`, a lost connection).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::LazyLock;

use tokio::sync::watch;

/// The PostgreSQL channel commits that appended events notify.
pub const CHANNEL: &str = "trellis_events";

/// The statement a committing transaction sends on PostgreSQL.
pub(crate) const NOTIFY: &str = "NOTIFY trellis_events";

/// Events appended by this process (by statements, committed or not).
static APPENDED: AtomicU64 = AtomicU64::new(0);

/// Bumped after each commit that appended events (here or, through
/// [`listen`], on another node).
static COMMITTED: LazyLock<watch::Sender<u64>> = LazyLock::new(|| watch::Sender::new(0));

/// Counts an append ([`crate::events::insert`] calls it).
pub(crate) fn note_append() {
    APPENDED.fetch_add(1, Ordering::Relaxed);
}

/// What a transaction notes when it begins.
pub(crate) fn appended() -> u64 {
    APPENDED.load(Ordering::Relaxed)
}

/// Tells the followers that the log has grown.
pub fn notify() {
    COMMITTED.send_modify(|n| *n = n.wrapping_add(1));
}

/// A follower's receiver: mark it seen (`borrow_and_update`) before reading the
/// log, then wait on `changed()` beside the poll.
pub fn subscribe() -> watch::Receiver<u64> {
    COMMITTED.subscribe()
}

/// Listens on PostgreSQL for other nodes' commits ([`CHANNEL`]) and passes
/// each on to this process's followers, until `stopped` resolves. One
/// connection of its own, outside the pool. Notifications sent while the
/// connection was down are lost (sqlx reconnects on the next wait): the
/// followers' poll covers them, and a start wakes everyone once.
pub async fn listen(
    url: &str,
    stopped: impl std::future::Future<Output = ()>,
) -> crate::Result<()> {
    let mut listener = sqlx::postgres::PgListener::connect(url).await?;
    listener.listen(CHANNEL).await?;
    notify();
    tokio::pin!(stopped);
    loop {
        tokio::select! {
            n = listener.recv() => {
                n?;
                notify();
            }
            _ = &mut stopped => return Ok(()),
        }
    }
}
