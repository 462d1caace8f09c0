//! `ServerState`: the router's state. It holds the services' [`AppState`] plus
//! what only the web front end needs (Leptos's options, the cookie key, the
//! at-rest sealer).
//! Handlers extract `State<AppState>`; Leptos extracts its options.

use std::sync::Arc;

use axum::extract::FromRef;
use leptos::config::LeptosOptions;
use trellis_platform::{AppState, Config, StartError};

use crate::seal::Sealer;

/// The state behind every route.
#[derive(Clone, Debug)]
pub struct ServerState {
    pub app: AppState,
    pub leptos: LeptosOptions,
    /// The secret that signs session cookies (64 bytes derived from the configured secret).
    pub session_key: Arc<[u8; 64]>,
    /// Encrypts the answers kept for `Idempotency-Key` replays (key derived from the session secret).
    pub sealer: Arc<Sealer>,
}

impl FromRef<ServerState> for AppState {
    fn from_ref(s: &ServerState) -> Self {
        s.app.clone()
    }
}

impl FromRef<ServerState> for LeptosOptions {
    fn from_ref(s: &ServerState) -> Self {
        s.leptos.clone()
    }
}

impl ServerState {
    /// The web front end's state around `app`.
    pub fn new(app: AppState) -> Result<ServerState, StartError> {
        let session_key = Arc::new(session_key(&app.config)?);
        let sealer = Arc::new(Sealer::new(&session_key[..], "idempotency"));
        let leptos = LeptosOptions::builder()
            .output_name("trellis")
            .site_root(app.config.site_root.display().to_string())
            .site_pkg_dir("pkg")
            .site_addr(app.config.listen)
            .build();
        Ok(ServerState {
            app,
            leptos,
            session_key,
            sealer,
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
