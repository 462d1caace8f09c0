//! Browser sessions: a tower-sessions store backed by the database (so
//! sessions survive restarts and work across nodes), signing a user in and
//! out of a session, and the list of a user's sessions with sign-out of each
//! (or of all but the current one).
//!
//! A session id is a bearer credential, so it never leaves the server: a listed
//! session is named by a handle (a hash of its id).

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use sha2::{Digest, Sha256};
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{self, SessionStore};
use tower_sessions::Session;
use trellis_db::sessions::{self, SessionRecord};
use trellis_db::users::{self, UserRow};
use trellis_db::{security_log, Db, DbError};
use trellis_types::{SessionOut, UserOut};

use crate::{Actor, AppError, AppResult, AppState};

const USER_ID: &str = "user_id";
const PW_FINGERPRINT: &str = "pw";
const IP: &str = "ip";
const USER_AGENT: &str = "ua";
const SIGNED_IN_AT: &str = "at";

/// The database-backed session store.
///
/// Sessions expire after `session.ttl_hours` of inactivity, so every request
/// saves its session (the layer runs with `always_save`) to push the expiry
/// on. To spare the database a write per request, a save whose data did not
/// change and whose expiry moved less than [`TOUCH_EVERY`] since this node last
/// wrote it is skipped. A save only updates: a session ended elsewhere while a
/// request of it was in flight stays ended.
#[derive(Debug, Clone)]
pub struct DbSessionStore {
    db: Db,
    /// Session id -> (hash of its data, expiry last written by this node).
    written: Arc<Mutex<HashMap<String, (u64, i64)>>>,
}

/// How far an unchanged session's expiry must move before it is written again.
pub const TOUCH_EVERY: i64 = 300;

/// Past this many remembered sessions the memory of writes starts afresh.
const REMEMBERED: usize = 100_000;

impl DbSessionStore {
    pub fn new(db: Db) -> Self {
        DbSessionStore {
            db,
            written: Arc::default(),
        }
    }

    fn remember(&self, e: &Encoded) {
        let mut w = self.written.lock().unwrap_or_else(|p| p.into_inner());
        if w.len() >= REMEMBERED {
            w.clear();
        }
        w.insert(e.id.clone(), (e.data_hash(), e.expires_at));
    }

    fn fresh_enough(&self, e: &Encoded) -> bool {
        let w = self.written.lock().unwrap_or_else(|p| p.into_inner());
        matches!(w.get(&e.id), Some((hash, at)) if *hash == e.data_hash() && e.expires_at - at < TOUCH_EVERY)
    }

    fn forget(&self, id: &str) {
        self.written
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(id);
    }
}

fn backend(e: impl std::fmt::Display) -> session_store::Error {
    session_store::Error::Backend(e.to_string())
}

/// The record's data as stored, plus the columns that let a user list it.
struct Encoded {
    id: String,
    data: String,
    expires_at: i64,
    user_id: Option<i64>,
    ip: Option<String>,
    user_agent: Option<String>,
    signed_in_at: Option<i64>,
}

impl Encoded {
    fn new(r: &Record) -> session_store::Result<Encoded> {
        // The record's data is a `HashMap`, whose order differs from one load to
        // the next: written in key order, unchanged data encodes to the same text,
        // so an unchanged session is recognised as such (see `fresh_enough`).
        let data = serde_json::to_string(&r.data.iter().collect::<BTreeMap<_, _>>())
            .map_err(|e| session_store::Error::Encode(e.to_string()))?;
        let s = |k: &str| r.data.get(k).and_then(|v| v.as_str()).map(str::to_owned);
        Ok(Encoded {
            id: r.id.to_string(),
            data,
            expires_at: r.expiry_date.unix_timestamp(),
            user_id: r.data.get(USER_ID).and_then(|v| v.as_i64()),
            ip: s(IP),
            user_agent: s(USER_AGENT),
            signed_in_at: r.data.get(SIGNED_IN_AT).and_then(|v| v.as_i64()),
        })
    }

    fn data_hash(&self) -> u64 {
        use std::hash::{Hash, Hasher};
        let mut h = std::collections::hash_map::DefaultHasher::new();
        self.data.hash(&mut h);
        h.finish()
    }

    fn record(&self) -> SessionRecord<'_> {
        SessionRecord {
            id: &self.id,
            data: &self.data,
            expires_at: self.expires_at,
            user_id: self.user_id,
            ip: self.ip.as_deref(),
            user_agent: self.user_agent.as_deref(),
            signed_in_at: self.signed_in_at,
        }
    }
}

#[async_trait]
impl SessionStore for DbSessionStore {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        let mut c = self.db.conn().await.map_err(backend)?;
        loop {
            let e = Encoded::new(record)?;
            match sessions::insert(&mut c, &e.record()).await {
                Err(DbError::Conflict) => record.id = Id::default(),
                Ok(()) => {
                    self.remember(&e);
                    return Ok(());
                }
                Err(other) => return Err(backend(other)),
            }
        }
    }

    async fn save(&self, record: &Record) -> session_store::Result<()> {
        let e = Encoded::new(record)?;
        if self.fresh_enough(&e) {
            return Ok(());
        }
        let mut c = self.db.conn().await.map_err(backend)?;
        if sessions::update(&mut c, &e.record())
            .await
            .map_err(backend)?
        {
            self.remember(&e);
        } else {
            self.forget(&e.id);
        }
        Ok(())
    }

    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        let mut c = self.db.conn().await.map_err(backend)?;
        let Some((data, expires_at)) = sessions::load(&mut c, &id.to_string())
            .await
            .map_err(backend)?
        else {
            return Ok(None);
        };
        let data =
            serde_json::from_str(&data).map_err(|e| session_store::Error::Decode(e.to_string()))?;
        let expiry_date = time::OffsetDateTime::from_unix_timestamp(expires_at)
            .map_err(|e| session_store::Error::Decode(e.to_string()))?;
        Ok(Some(Record {
            id: *id,
            data,
            expiry_date,
        }))
    }

    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        self.forget(&id.to_string());
        let mut c = self.db.conn().await.map_err(backend)?;
        sessions::delete(&mut c, &id.to_string())
            .await
            .map_err(backend)
    }
}

/// A short fingerprint of the password hash: changing the password ends every
/// other session, because their fingerprint no longer matches.
fn fingerprint(u: &UserRow) -> String {
    hex::encode(&Sha256::digest(u.password_hash.as_bytes())[..8])
}

/// The public handle of a session id.
fn handle(id: &str) -> String {
    hex::encode(&Sha256::digest(id.as_bytes())[..12])
}

fn session_err(e: tower_sessions::session::Error) -> AppError {
    AppError::internal(e)
}

/// Where a sign-in came from, recorded with the session.
#[derive(Debug, Clone, Default)]
pub struct ClientInfo {
    pub ip: Option<String>,
    pub user_agent: Option<String>,
}

/// Signs `user` into the session, rotating the session id first.
pub async fn log_in(session: &Session, user: &UserRow, client: &ClientInfo) -> AppResult<()> {
    session.cycle_id().await.map_err(session_err)?;
    session
        .insert(USER_ID, user.id)
        .await
        .map_err(session_err)?;
    session
        .insert(PW_FINGERPRINT, fingerprint(user))
        .await
        .map_err(session_err)?;
    session
        .insert(SIGNED_IN_AT, trellis_db::now())
        .await
        .map_err(session_err)?;
    if let Some(ip) = &client.ip {
        session.insert(IP, ip).await.map_err(session_err)?;
    }
    if let Some(ua) = &client.user_agent {
        let ua: String = ua.chars().take(300).collect();
        session.insert(USER_AGENT, ua).await.map_err(session_err)?;
    }
    Ok(())
}

/// Ends the session.
pub async fn log_out(session: &Session) -> AppResult<()> {
    session.flush().await.map_err(session_err)
}

/// The signed-in user, if any (and if their password has not changed since,
/// and an admin has not disabled them: disabling deletes their sessions too,
/// and this refuses one that a request still in flight might carry). Every
/// request that acts through a session passes here.
pub async fn current_user(state: &AppState, session: &Session) -> AppResult<Option<UserRow>> {
    let Some(id) = session.get::<i64>(USER_ID).await.map_err(session_err)? else {
        return Ok(None);
    };
    let Some(user) = users::by_id(&mut *state.db.conn().await?, id).await? else {
        return Ok(None);
    };
    Ok(still_signed_in(session, &user).await?.then_some(user))
}

/// [`current_user`]'s public view, with the memberships read in the same
/// query: what every page asks to show who is signed in.
pub async fn current_user_out(state: &AppState, session: &Session) -> AppResult<Option<UserOut>> {
    let Some(id) = session.get::<i64>(USER_ID).await.map_err(session_err)? else {
        return Ok(None);
    };
    let Some((user, memberships)) =
        users::with_memberships(&mut *state.db.conn().await?, id).await?
    else {
        return Ok(None);
    };
    Ok(still_signed_in(session, &user)
        .await?
        .then(|| crate::accounts::user_view(&user, memberships)))
}

/// Whether the session still stands for `user`: signed in with the password
/// they have now, and not disabled since.
async fn still_signed_in(session: &Session, user: &UserRow) -> AppResult<bool> {
    let fp: Option<String> = session.get(PW_FINGERPRINT).await.map_err(session_err)?;
    Ok(fp.as_deref() == Some(fingerprint(user).as_str()) && user.disabled_at.is_none())
}

/// Keeps the session valid for this user after their password changed.
pub async fn refresh_fingerprint(session: &Session, user: &UserRow) -> AppResult<()> {
    session.cycle_id().await.map_err(session_err)?;
    session
        .insert(PW_FINGERPRINT, fingerprint(user))
        .await
        .map_err(session_err)
}

/// The actor's signed-in sessions, marking `current` (this request's session id).
pub async fn list_sessions(
    state: &AppState,
    actor: &Actor,
    current: Option<&str>,
) -> AppResult<Vec<SessionOut>> {
    actor.require(trellis_types::Scope::Read)?;
    let ttl = state.config.session_ttl_hours as i64 * 3600;
    Ok(
        sessions::list_for_user(&mut *state.db.conn().await?, actor.user.id)
            .await?
            .into_iter()
            .map(|s| SessionOut {
                current: current == Some(s.id.as_str()),
                id: handle(&s.id),
                ip: s.ip,
                user_agent: s.user_agent,
                signed_in_at: s.signed_in_at,
                last_seen_at: s.expires_at - ttl,
            })
            .collect(),
    )
}

/// Ends one of the actor's sessions, named by its handle.
pub async fn end_session(state: &AppState, actor: &Actor, handle_: &str) -> AppResult<()> {
    if !matches!(actor.via, crate::Via::Session) {
        actor.require(trellis_types::Scope::Admin)?;
    }
    let mut tx = state.db.begin().await?;
    let found = sessions::list_for_user(&mut tx, actor.user.id)
        .await?
        .into_iter()
        .find(|s| handle(&s.id) == handle_);
    let Some(s) = found else {
        return Err(AppError::not_found(format!("Session {handle_}")));
    };
    sessions::delete_for_user(&mut tx, actor.user.id, &s.id).await?;
    let from = s.ip.as_deref().unwrap_or("an unknown address");
    security_log::record(
        &mut tx,
        actor.user.id,
        "session_ended",
        actor.ip.as_deref(),
        &format!("Signed out the session from {from}."),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Ends every session of the actor except `current` (this request's session
/// id); returns how many ended.
pub async fn end_other_sessions(state: &AppState, actor: &Actor, current: &str) -> AppResult<u64> {
    if !matches!(actor.via, crate::Via::Session) {
        actor.require(trellis_types::Scope::Admin)?;
    }
    let mut tx = state.db.begin().await?;
    let ended = sessions::delete_others(&mut tx, actor.user.id, Some(current)).await?;
    if ended > 0 {
        security_log::record(
            &mut tx,
            actor.user.id,
            "session_ended",
            actor.ip.as_deref(),
            &format!("Signed out {ended} other session(s)."),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(ended)
}
