//! A bare axum server as the baseline for Trellis pages: no middleware, no database,
//! no rendering; a fixed body handed to hyper. It runs in the benchmark's own tokio
//! runtime, on its own loopback listener with `TCP_NODELAY` (the same
//! [`trellis_server::listener::tuned`] Trellis uses). Dropping [`Bare`] stops it.

use axum::body::Bytes;
use axum::http::header;
use axum::routing::get;
use axum::Router;

/// A running bare server; stopped on drop.
pub struct Bare {
    pub base: String,
    task: tokio::task::JoinHandle<()>,
}

impl Bare {
    /// Serves `page` as `text/html` at `/page` and `{"status":"ok"}` at `/healthz`.
    pub async fn start(page: Bytes) -> Bare {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("addr"));
        let app = Router::new()
            .route(
                "/page",
                get(move || {
                    let page = page.clone();
                    async move { ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], page) }
                }),
            )
            .route(
                "/healthz",
                get(|| async {
                    (
                        [(header::CONTENT_TYPE, "application/json")],
                        r#"{"status":"ok"}"#,
                    )
                }),
            );
        let task = tokio::spawn(async move {
            let _ = axum::serve(trellis_server::listener::tuned(listener), app).await;
        });
        Bare { base, task }
    }
}

impl Drop for Bare {
    fn drop(&mut self) {
        self.task.abort();
    }
}
