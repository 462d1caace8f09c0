//! Starting and stopping: logging, the listener, housekeeping, and graceful
//! shutdown on SIGTERM or Ctrl-C.

use std::net::SocketAddr;
use std::time::Duration;

use tracing_subscriber::EnvFilter;
use trellis_platform::config::LogFormat;
use trellis_platform::{AppState, Config};

/// Installs the global tracing subscriber (pretty or JSON lines).
pub fn init_tracing(config: &Config) {
    let filter = EnvFilter::try_new(&config.log_level).unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter);
    let _ = match config.log_format {
        LogFormat::Json => builder
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .try_init(),
        LogFormat::Pretty => builder.compact().try_init(),
    };
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
    tracing::info!("shutdown requested; finishing in-flight requests");
}

/// Deletes expired sessions and old sign-in failures every ten minutes.
fn spawn_housekeeping(state: AppState) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(600));
        loop {
            tick.tick().await;
            if let Err(e) = state.db.delete_expired_sessions().await {
                tracing::warn!(error = %e, "session cleanup failed");
            }
            if let Err(e) = state
                .db
                .prune_login_failures(state.config.failed_signin_window_secs as i64)
                .await
            {
                tracing::warn!(error = %e, "sign-in failure cleanup failed");
            }
        }
    });
}

/// Serves until a shutdown signal, then drains and closes the database.
pub async fn serve(state: AppState) -> std::io::Result<()> {
    let listener = tokio::net::TcpListener::bind(state.config.listen).await?;
    let addr = listener.local_addr()?;
    let listener = crate::listener::tuned(listener);
    spawn_housekeeping(state.clone());
    let flusher = trellis_platform::registry::downloads::spawn_flusher(state.clone());
    let app = crate::router(state.clone());
    tracing::info!(%addr, "Trellis is listening");
    println!("Trellis is running: open {}", state.config.public_url);
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown_signal())
    .await?;
    // Download counts live in memory until flushed: write the last ones before closing.
    flusher.stop().await;
    state.db.close().await;
    tracing::info!("stopped cleanly");
    Ok(())
}
