//! Running followers of the event log: each in its own supervised loop that
//! reads the next batch after its position, applies it, and waits for more.
//! Also the followers Trellis has today:
//! - [`EventLogFile`]: appends every event, in log order and once, to a JSON
//!   Lines file (`events.log_file`), for log shippers. Its position is the last
//!   line of the file itself, read once when it starts (a torn last line is cut
//!   off then) and kept in memory after each write, so a crash between writing
//!   and recording cannot write an event twice. A file without a whole line (new,
//!   or rotated away) goes on after the follower's cursor in the database, saved
//!   after each write: rotation never replays the log, and only the first file
//!   starts from the oldest kept event. A file moved away while the follower runs
//!   is noticed at the next write, which goes to a new file at the path. The
//!   follower holds an exclusive lock on the file while it runs, so two processes
//!   configured with the same file never interleave (the second waits).

use std::path::PathBuf;
use std::time::Duration;

use async_trait::async_trait;
use tokio::io::{AsyncSeekExt, AsyncWriteExt};
use trellis_db::events::{EventRow, Position};
use trellis_db::{Backend, Db};
use trellis_events::follow::{step, Follower, FollowerError};

use crate::supervisor::{Stop, WorkerError};

/// Events read per batch.
const BATCH: i64 = 500;

/// The first pause before looking again at events held back by the horizon
/// (doubling up to the poll).
const HELD_FIRST: Duration = Duration::from_millis(10);

/// Runs `follower` until stopped: batches back to back while behind; when
/// caught up, it waits for a commit that appended events
/// (`trellis_db::log_signal`), or `poll` at most. On PostgreSQL, events already
/// committed can be held back by an older transaction still running (the log is
/// read below `event_horizon`): after a wake-up (and only then, so an idle
/// follower's poll stays one query) it checks whether any event lies after the
/// position its step reached, held back then or readable since, and if so looks
/// again after 10 ms, 20 ms, ... up to `poll`. (Asking instead whether events
/// wait past the horizon *now* missed an event whose holder ended between the
/// step and the question: the follower then slept a whole poll.)
pub async fn run(
    db: Db,
    follower: &mut dyn Follower,
    poll: Duration,
    mut stop: Stop,
) -> Result<(), WorkerError> {
    let mut appended = trellis_db::log_signal::subscribe();
    let mut held = HELD_FIRST;
    // The last wait ended with a wake-up, or was a look again at held-back events.
    let mut woken = false;
    loop {
        if stop.is_stopped() {
            return Ok(());
        }
        // Seen before reading: a commit from here on wakes the wait below.
        appended.borrow_and_update();
        let stepped = step(&db, follower, BATCH).await?;
        if stepped.applied as i64 >= BATCH {
            continue;
        }
        let wait = if woken
            && db.backend() == Backend::Postgres
            && trellis_db::events::behind(&mut *db.conn().await?, stepped.position, 1)
                .await?
                .0
                > 0
        {
            let wait = held;
            held = (held * 2).min(poll);
            wait.min(poll)
        } else {
            held = HELD_FIRST;
            poll
        };
        woken = tokio::select! {
            _ = tokio::time::sleep(wait) => wait < poll,
            _ = appended.changed() => true,
            _ = stop.stopped() => return Ok(()),
        };
    }
}

/// Appends the log to a JSON Lines file, one envelope per line with its log
/// position (`"position": [tx, seq]`).
pub struct EventLogFile {
    db: Db,
    path: PathBuf,
    name: String,
    /// The file, open and locked, once [`Follower::position`] ran.
    file: Option<tokio::fs::File>,
    /// The position of the file's last line, once read from the file.
    last: Option<Option<Position>>,
}

impl EventLogFile {
    pub fn new(db: Db, path: PathBuf, node: &str) -> Self {
        EventLogFile {
            db,
            path,
            name: format!("event-log-file@{node}"),
            file: None,
            last: None,
        }
    }

    /// Opens (creating) and locks the file; fails while another process holds it.
    async fn open(&mut self) -> Result<&mut tokio::fs::File, FollowerError> {
        if self.file.is_none() {
            if let Some(dir) = self.path.parent() {
                tokio::fs::create_dir_all(dir).await?;
            }
            let f = std::fs::OpenOptions::new()
                .create(true)
                .read(true)
                .append(true)
                .open(&self.path)?;
            f.try_lock().map_err(|_| {
                format!(
                    "{} is locked by another process; one process writes an event log file",
                    self.path.display()
                )
            })?;
            self.file = Some(tokio::fs::File::from_std(f));
        }
        Ok(self.file.as_mut().expect("opened above"))
    }

    /// Whether the open file is no longer the one at the path (rotated away).
    async fn moved(&self) -> Result<bool, FollowerError> {
        let Some(f) = &self.file else {
            return Ok(false);
        };
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            let ours = f.metadata().await?;
            Ok(match tokio::fs::metadata(&self.path).await {
                Ok(m) => m.dev() != ours.dev() || m.ino() != ours.ino(),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => true,
                Err(e) => return Err(e.into()),
            })
        }
        #[cfg(not(unix))]
        {
            let _ = f;
            Ok(false)
        }
    }
}

#[derive(serde::Serialize, serde::Deserialize)]
struct Line {
    position: (i64, i64),
    #[serde(flatten)]
    event: serde_json::Value,
}

#[async_trait]
impl Follower for EventLogFile {
    fn name(&self) -> String {
        self.name.clone()
    }

    async fn position(&mut self) -> Result<Option<Position>, FollowerError> {
        if let Some(last) = self.last {
            return Ok(last);
        }
        self.open().await?;
        let text = tokio::fs::read(&self.path).await?;
        // Everything after the last newline is a line torn by a crash: cut it.
        let complete = text.iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1);
        if complete < text.len() {
            let f = self.open().await?;
            f.set_len(complete as u64).await?;
            f.sync_all().await?;
        }
        let Some(last) = text[..complete]
            .split(|b| *b == b'\n')
            .rfind(|l| !l.is_empty())
        else {
            // New or rotated: on from where the last file ended, if anywhere.
            let at = trellis_db::events::cursor(&mut *self.db.conn().await?, &self.name).await?;
            self.last = Some(at);
            return Ok(at);
        };
        let line: Line = serde_json::from_slice(last)?;
        let at = Position {
            tx: line.position.0,
            seq: line.position.1,
        };
        self.last = Some(Some(at));
        Ok(Some(at))
    }

    async fn apply(&mut self, events: &[EventRow]) -> Result<(), FollowerError> {
        let mut out = Vec::new();
        for e in events {
            let line = Line {
                position: (e.position.tx, e.position.seq),
                event: serde_json::to_value(trellis_events::to_out(e)?)?,
            };
            serde_json::to_writer(&mut out, &line)?;
            out.push(b'\n');
        }
        if self.moved().await? {
            // Rotated away: the old file keeps what it has (flushed at each
            // write) and the events go on in a new one at the path.
            self.file = None;
        }
        let f = self.open().await?;
        f.seek(std::io::SeekFrom::End(0)).await?;
        f.write_all(&out).await?;
        f.sync_data().await?;
        if let Some(e) = events.last() {
            self.last = Some(Some(e.position));
        }
        Ok(())
    }
}
