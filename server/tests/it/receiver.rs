//! A recording HTTP receiver for tests of outgoing calls (webhook deliveries,
//! plugin HTTP requests): it listens on a free loopback port, keeps every
//! request it gets, and answers from a script (status, headers, delay, or a
//! broken connection), then 200 once the script runs out. Like svix-server's
//! `TestReceiver`.

#![allow(dead_code)]

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use http_body_util::BodyExt;

/// One request the receiver got.
#[derive(Debug, Clone)]
pub struct Received {
    pub method: Method,
    /// Path and query.
    pub uri: String,
    pub headers: HeaderMap,
    pub body: Bytes,
    pub at: Instant,
}

impl Received {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).expect("request body is JSON")
    }
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// How to answer one request.
#[derive(Debug, Clone)]
pub enum Reply {
    /// This status with an empty body.
    Status(u16),
    /// This status with these headers (e.g. 429 with `Retry-After`).
    WithHeaders(u16, Vec<(&'static str, String)>),
    /// Wait, then answer as the inner reply says (a slow or timing-out receiver).
    After(Duration, Box<Reply>),
    /// Start a 200 and break the connection before the body ends.
    Broken,
    /// A 200 whose body trickles: a chunk, then the rest after this long.
    SlowBody(Duration),
    /// Wait until the gate opens (its value turns true), then answer as the
    /// inner reply says: requests held together are answered together.
    Until(tokio::sync::watch::Receiver<bool>, Box<Reply>),
}

#[derive(Default)]
struct Inner {
    got: Vec<Received>,
    script: VecDeque<Reply>,
}

/// The receiver; stops when dropped or with [`Receiver::stop`].
pub struct Receiver {
    pub addr: std::net::SocketAddr,
    inner: Arc<Mutex<Inner>>,
    task: tokio::task::JoinHandle<()>,
}

fn answer(reply: Reply) -> futures::future::BoxFuture<'static, Response> {
    Box::pin(async move {
        match reply {
            Reply::Status(s) => StatusCode::from_u16(s).unwrap().into_response(),
            Reply::WithHeaders(s, headers) => {
                let mut res = StatusCode::from_u16(s).unwrap().into_response();
                for (k, v) in headers {
                    res.headers_mut().insert(k, v.parse().unwrap());
                }
                res
            }
            Reply::After(d, inner) => {
                tokio::time::sleep(d).await;
                answer(*inner).await
            }
            Reply::Until(mut gate, inner) => {
                let _ = gate.wait_for(|open| *open).await;
                answer(*inner).await
            }
            Reply::SlowBody(d) => {
                let chunks = futures::stream::unfold(0u8, move |i| async move {
                    match i {
                        0 => Some((
                            Ok::<Bytes, std::io::Error>(Bytes::from_static(b"{\"ok\":")),
                            1,
                        )),
                        1 => {
                            tokio::time::sleep(d).await;
                            Some((Ok(Bytes::from_static(b"true}")), 2))
                        }
                        _ => None,
                    }
                });
                Body::from_stream(chunks).into_response()
            }
            Reply::Broken => {
                let chunks: Vec<Result<Bytes, std::io::Error>> = vec![
                    Ok(Bytes::from_static(b"partial")),
                    Err(std::io::Error::other("connection broken on purpose")),
                ];
                Body::from_stream(futures::stream::iter(chunks)).into_response()
            }
        }
    })
}

async fn record(State(inner): State<Arc<Mutex<Inner>>>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let body = body
        .collect()
        .await
        .map(|b| b.to_bytes())
        .unwrap_or_default();
    let reply = {
        let mut i = inner.lock().unwrap();
        i.got.push(Received {
            method: parts.method,
            uri: parts.uri.to_string(),
            headers: parts.headers,
            body,
            at: Instant::now(),
        });
        i.script.pop_front().unwrap_or(Reply::Status(200))
    };
    answer(reply).await
}

impl Receiver {
    /// Starts listening on 127.0.0.1 (a free port).
    pub async fn start() -> Receiver {
        Self::start_on("127.0.0.1:0".parse().unwrap()).await
    }

    /// Starts listening on `addr` (the port of a receiver stopped earlier: a
    /// receiver that was down and came back).
    pub async fn start_on(addr: std::net::SocketAddr) -> Receiver {
        let inner = Arc::new(Mutex::new(Inner::default()));
        let app = axum::Router::new()
            .fallback(record)
            .with_state(inner.clone());
        let listener = tokio::net::TcpListener::bind(addr).await.unwrap();
        let addr = listener.local_addr().unwrap();
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Receiver { addr, inner, task }
    }

    /// `http://127.0.0.1:PORT{path}`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// Answers the next requests in this order (after any still scripted).
    pub fn script(&self, replies: impl IntoIterator<Item = Reply>) {
        self.inner.lock().unwrap().script.extend(replies);
    }

    /// Everything received so far, oldest first.
    pub fn received(&self) -> Vec<Received> {
        self.inner.lock().unwrap().got.clone()
    }

    /// Waits until `n` requests arrived (or `within` passed) and returns them.
    pub async fn wait_for(&self, n: usize, within: Duration) -> Vec<Received> {
        let end = Instant::now() + within;
        loop {
            let got = self.received();
            if got.len() >= n || Instant::now() >= end {
                return got;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    pub fn stop(self) {
        self.task.abort();
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.task.abort();
    }
}

#[tokio::test]
async fn the_receiver_records_and_follows_its_script() {
    let r = Receiver::start().await;
    r.script([
        Reply::Status(500),
        Reply::WithHeaders(429, vec![("retry-after", "7".into())]),
        Reply::Broken,
    ]);
    let http = reqwest::Client::new();
    let send = |n: u32| {
        http.post(r.url(&format!("/hook?n={n}")))
            .header("webhook-id", format!("msg_{n}"))
            .body(format!("{{\"n\":{n}}}"))
            .send()
    };
    assert_eq!(send(1).await.unwrap().status(), 500);
    let limited = send(2).await.unwrap();
    assert_eq!(limited.status(), 429);
    assert_eq!(limited.headers()["retry-after"], "7");
    // A broken body fails on the client side.
    let broken = send(3).await;
    assert!(broken.is_err() || broken.unwrap().bytes().await.is_err());
    assert_eq!(send(4).await.unwrap().status(), 200, "script used up: 200");
    let got = r.wait_for(4, Duration::from_secs(5)).await;
    assert_eq!(got.len(), 4);
    assert_eq!(got[0].uri, "/hook?n=1");
    assert_eq!(got[1].header("webhook-id"), Some("msg_2"));
    assert_eq!(got[3].json()["n"], 4);
}
