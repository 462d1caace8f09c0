//! Browser sessions: a tower-sessions store backed by the database (so
//! sessions survive restarts and work across nodes), and the helpers that sign
//! a user in and out of a session.

use async_trait::async_trait;
use sha2::{Digest, Sha256};
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{self, SessionStore};
use tower_sessions::Session;
use trellis_db::users::UserRow;
use trellis_db::{Db, DbError};

use crate::{AppError, AppResult, AppState};

const USER_ID: &str = "user_id";
const PW_FINGERPRINT: &str = "pw";

/// The database-backed session store.
#[derive(Debug, Clone)]
pub struct DbSessionStore {
    db: Db,
}

impl DbSessionStore {
    pub fn new(db: Db) -> Self {
        DbSessionStore { db }
    }
}

fn backend(e: impl std::fmt::Display) -> session_store::Error {
    session_store::Error::Backend(e.to_string())
}

fn encode(r: &Record) -> session_store::Result<String> {
    serde_json::to_string(&r.data).map_err(|e| session_store::Error::Encode(e.to_string()))
}

#[async_trait]
impl SessionStore for DbSessionStore {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        let data = encode(record)?;
        loop {
            match self
                .db
                .insert_session(
                    &record.id.to_string(),
                    &data,
                    record.expiry_date.unix_timestamp(),
                )
                .await
            {
                Err(DbError::Conflict) => record.id = Id::default(),
                other => return other.map_err(backend),
            }
        }
    }

    async fn save(&self, record: &Record) -> session_store::Result<()> {
        let data = encode(record)?;
        self.db
            .upsert_session(
                &record.id.to_string(),
                &data,
                record.expiry_date.unix_timestamp(),
            )
            .await
            .map_err(backend)
    }

    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        let Some((data, expires_at)) = self
            .db
            .load_session(&id.to_string())
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
        self.db
            .delete_session(&id.to_string())
            .await
            .map_err(backend)
    }
}

/// A short fingerprint of the password hash: changing the password ends every
/// other session, because their fingerprint no longer matches.
fn fingerprint(u: &UserRow) -> String {
    hex::encode(&Sha256::digest(u.password_hash.as_bytes())[..8])
}

fn session_err(e: tower_sessions::session::Error) -> AppError {
    AppError::internal(e)
}

/// Signs `user` into the session, rotating the session id first.
pub async fn log_in(session: &Session, user: &UserRow) -> AppResult<()> {
    session.cycle_id().await.map_err(session_err)?;
    session
        .insert(USER_ID, user.id)
        .await
        .map_err(session_err)?;
    session
        .insert(PW_FINGERPRINT, fingerprint(user))
        .await
        .map_err(session_err)?;
    Ok(())
}

/// Ends the session.
pub async fn log_out(session: &Session) -> AppResult<()> {
    session.flush().await.map_err(session_err)
}

/// The signed-in user, if any (and if their password has not changed since).
pub async fn current_user(state: &AppState, session: &Session) -> AppResult<Option<UserRow>> {
    let Some(id) = session.get::<i64>(USER_ID).await.map_err(session_err)? else {
        return Ok(None);
    };
    let Some(user) = state.db.user_by_id(id).await? else {
        return Ok(None);
    };
    let fp: Option<String> = session.get(PW_FINGERPRINT).await.map_err(session_err)?;
    if fp.as_deref() != Some(fingerprint(&user).as_str()) {
        return Ok(None);
    }
    Ok(Some(user))
}

/// Keeps the session valid for this user after their password changed.
pub async fn refresh_fingerprint(session: &Session, user: &UserRow) -> AppResult<()> {
    session.cycle_id().await.map_err(session_err)?;
    session
        .insert(PW_FINGERPRINT, fingerprint(user))
        .await
        .map_err(session_err)
}
