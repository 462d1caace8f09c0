//! `AppState`: what every service needs, built once at start and shared:
//! configuration, the database, the object store, the in-memory counters that
//! background workers flush, what the download path keeps in memory, the
//! server's [`Links`] and the search engine's slot. One allocation behind one
//! reference count, so a clone costs one atomic increment: the HTTP layers
//! clone it for every request they see.
//! Nothing here knows about HTTP.

use std::ops::Deref;
use std::sync::Arc;
use std::time::Duration;

use trellis_db::Db;

use crate::config::Config;
use crate::discovery::SearchSlot;
use crate::event_counts::EventCounts;
use crate::home::HomeShare;
use crate::links::Links;
use crate::registry::artifacts::ArtifactCache;
use crate::registry::downloads::DownloadCounter;
use crate::storage::Storage;
use crate::tokens::TokenUsage;

/// Shared application state: [`AppParts`] behind one `Arc` (fields read through
/// `Deref`: `state.db`, `state.config`).
#[derive(Clone, Debug)]
pub struct AppState(Arc<AppParts>);

impl Deref for AppState {
    type Target = AppParts;
    fn deref(&self) -> &AppParts {
        &self.0
    }
}

impl From<AppParts> for AppState {
    fn from(parts: AppParts) -> AppState {
        AppState(Arc::new(parts))
    }
}

impl AppState {
    /// A copy of the parts, to build a state that differs in some of them
    /// (`AppState::from(AppParts { db, ..state.parts() })`).
    pub fn parts(&self) -> AppParts {
        (*self.0).clone()
    }
}

/// What an [`AppState`] holds.
#[derive(Clone, Debug)]
pub struct AppParts {
    pub config: Arc<Config>,
    pub db: Db,
    pub storage: Storage,
    /// Download counts waiting to be flushed to the database.
    pub downloads: Arc<DownloadCounter>,
    /// Small artifacts and downloaded versions' hashes, kept for the download path.
    pub artifacts: Arc<ArtifactCache>,
    /// Token uses waiting to be recorded as "last used".
    pub token_usage: Arc<TokenUsage>,
    /// Events this process has seen written to the log, by type (for metrics).
    pub event_counts: Arc<EventCounts>,
    /// Public URLs of resources (supplied by the server, which owns the routes).
    pub links: Arc<dyn Links>,
    /// This process's search engine, once its index is open (see [`crate::discovery`]).
    pub search: Arc<SearchSlot>,
    /// The home page's lists, shared between renders (see [`crate::home`]).
    pub home: Arc<HomeShare>,
    /// 64 bytes derived from the session secret: the cookie key, and the root
    /// of the at-rest keys ([`crate::seal`]). Every node sharing a database
    /// must share the session secret.
    pub session_key: Arc<[u8; 64]>,
}

/// Why Trellis could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("cannot create data directory {path}: {reason}")]
    DataDir { path: String, reason: String },
    #[error("cannot connect to the database at {url}: {reason}")]
    Database { url: String, reason: String },
    #[error("cannot apply database migrations: {0}")]
    Migrate(String),
    #[error("object storage: {0}")]
    Storage(String),
    #[error("secret: {0}")]
    Secret(String),
    #[error("search index: {0}")]
    Search(String),
    #[error("configuration: {0}")]
    Config(String),
}

impl AppState {
    /// Opens the data directory, the database (and migrates it) and the store.
    pub async fn build(config: Config, links: Arc<dyn Links>) -> Result<AppState, StartError> {
        std::fs::create_dir_all(&config.data_dir).map_err(|e| StartError::DataDir {
            path: config.data_dir.display().to_string(),
            reason: e.to_string(),
        })?;
        let db = Db::connect(
            &config.database_url,
            config.database_max_connections,
            Duration::from_secs(config.database_connect_timeout_secs),
        )
        .await
        .map_err(|e| StartError::Database {
            url: config.database_url_redacted(),
            reason: e.to_string(),
        })?;
        db.migrate()
            .await
            .map_err(|e| StartError::Migrate(e.to_string()))?;
        let storage = Storage::open(&config.storage).map_err(|e| StartError::Storage(e.0))?;
        storage
            .check_writable()
            .await
            .map_err(|e| StartError::Storage(e.0))?;
        let session_key = Arc::new(session_key(&config)?);
        Ok(AppState::from(AppParts {
            session_key,
            config: Arc::new(config),
            db,
            storage,
            downloads: Arc::new(DownloadCounter::default()),
            artifacts: Arc::new(ArtifactCache::default()),
            token_usage: Arc::new(TokenUsage::default()),
            event_counts: Arc::new(EventCounts::default()),
            links,
            search: Arc::new(SearchSlot::default()),
            home: Arc::new(HomeShare::default()),
        }))
    }
}

/// Derives the 64-byte cookie key from the configured secret, or from one
/// generated on first start and kept in the data directory.
fn session_key(config: &Config) -> Result<[u8; 64], StartError> {
    use sha2::{Digest, Sha512};
    let secret = if config.session_secret.is_empty() {
        let path = config.data_dir.join("session_secret");
        match std::fs::read_to_string(&path) {
            Ok(s) if s.trim().len() >= 32 => s.trim().to_owned(),
            _ => {
                let s: String = {
                    use rand::Rng;
                    let mut rng = rand::rng();
                    (0..48)
                        .map(|_| rng.sample(rand::distr::Alphanumeric) as char)
                        .collect()
                };
                std::fs::write(&path, &s).map_err(|e| {
                    StartError::Secret(format!("cannot write {}: {e}", path.display()))
                })?;
                s
            }
        }
    } else {
        config.session_secret.clone()
    };
    let mut key = [0u8; 64];
    key.copy_from_slice(&Sha512::digest(secret.as_bytes()));
    Ok(key)
}
