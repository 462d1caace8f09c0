//! `AppState`: everything a request handler or server function needs, built
//! once at start and shared (cheap to clone).

use std::sync::Arc;
use std::time::Duration;

use axum::extract::FromRef;
use leptos::config::LeptosOptions;
use trellis_db::Db;

use crate::config::Config;
use crate::registry::artifacts::ArtifactCache;
use crate::registry::downloads::DownloadCounter;
use crate::storage::Storage;

/// Shared application state.
#[derive(Clone, Debug)]
pub struct AppState {
    pub config: Arc<Config>,
    pub db: Db,
    pub storage: Storage,
    pub leptos_options: LeptosOptions,
    /// The secret that signs session cookies (64 bytes derived from the configured secret).
    pub session_key: Arc<[u8; 64]>,
    /// Download counts waiting to be flushed to the database.
    pub downloads: Arc<DownloadCounter>,
    /// Small artifacts and version hashes the download path keeps in memory.
    pub artifacts: Arc<ArtifactCache>,
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(s: &AppState) -> Self {
        s.leptos_options.clone()
    }
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
    #[error("session secret: {0}")]
    Secret(String),
}

impl AppState {
    /// Opens the data directory, the database (and migrates it) and the store.
    pub async fn build(config: Config) -> Result<AppState, StartError> {
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
        let leptos_options = LeptosOptions::builder()
            .output_name("trellis")
            .site_root(config.site_root.display().to_string())
            .site_pkg_dir("pkg")
            .site_addr(config.listen)
            .build();
        Ok(AppState {
            config: Arc::new(config),
            db,
            storage,
            leptos_options,
            session_key,
            downloads: Arc::new(DownloadCounter::default()),
            artifacts: Arc::new(ArtifactCache::default()),
        })
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
