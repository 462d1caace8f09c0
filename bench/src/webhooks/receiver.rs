//! The benchmark's loopback receiver: axum on 127.0.0.1 in the benchmark's
//! runtime (its serving task is aborted when the receiver is dropped). It
//! answers 200 and records, per `webhook-id` (the event id), its first
//! arrival, its first 200 and its attempts; it can fail a share of requests
//! with 500, decided by a hash of the `webhook-id` and that id's attempt number.

use super::*;

/// What the receiver knows of one event id.
pub(super) struct Rec {
    pub(super) first: Instant,
    pub(super) attempts: u32,
    pub(super) ok: Option<Instant>,
}

#[derive(Default)]
pub(super) struct Log {
    pub(super) by_id: HashMap<String, Rec>,
    pub(super) requests: u64,
    pub(super) failed: u64,
    pub(super) body_bytes: usize,
}

pub(super) struct Shared {
    pub(super) log: Mutex<Log>,
    pub(super) fail_per_mille: AtomicU32,
    /// Distinct ids seen at all / answered 200 (read without the lock).
    pub(super) seen: AtomicUsize,
    pub(super) ok: AtomicUsize,
}

/// A recording receiver on a loopback port; stopped on drop.
pub(super) struct Receiver {
    pub(super) url: String,
    pub(super) shared: Arc<Shared>,
    pub(super) task: tokio::task::JoinHandle<()>,
}

/// Whether attempt `n` of `id` fails when `per_mille` of attempts fail.
pub(super) fn fails(id: &str, n: u32, per_mille: u32) -> bool {
    if per_mille == 0 {
        return false;
    }
    let mut h = DefaultHasher::new();
    id.hash(&mut h);
    n.hash(&mut h);
    (h.finish() % 1000) < u64::from(per_mille)
}

pub(super) async fn hook(
    State(s): State<Arc<Shared>>,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    let now = Instant::now();
    let Some(id) = headers.get("webhook-id").and_then(|v| v.to_str().ok()) else {
        return StatusCode::BAD_REQUEST;
    };
    let per_mille = s.fail_per_mille.load(Ordering::Relaxed);
    let mut log = s.log.lock().expect("receiver log");
    log.requests += 1;
    log.body_bytes = log.body_bytes.max(body.len());
    let rec = match log.by_id.get_mut(id) {
        Some(r) => r,
        None => {
            s.seen.fetch_add(1, Ordering::Relaxed);
            log.by_id.entry(id.to_owned()).or_insert(Rec {
                first: now,
                attempts: 0,
                ok: None,
            })
        }
    };
    rec.attempts += 1;
    if fails(id, rec.attempts, per_mille) {
        log.failed += 1;
        return StatusCode::INTERNAL_SERVER_ERROR;
    }
    if rec.ok.is_none() {
        rec.ok = Some(now);
        s.ok.fetch_add(1, Ordering::Relaxed);
    }
    StatusCode::OK
}

impl Receiver {
    pub(super) async fn start() -> Receiver {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let url = format!("http://{}/hook", listener.local_addr().expect("addr"));
        let shared = Arc::new(Shared {
            log: Mutex::new(Log::default()),
            fail_per_mille: AtomicU32::new(0),
            seen: AtomicUsize::new(0),
            ok: AtomicUsize::new(0),
        });
        let app = Router::new()
            .route("/hook", post(hook))
            .with_state(shared.clone());
        let task = tokio::spawn(async move {
            let _ = axum::serve(trellis_server::listener::tuned(listener), app).await;
        });
        Receiver { url, shared, task }
    }

    pub(super) fn clear(&self) {
        *self.shared.log.lock().expect("receiver log") = Log::default();
        self.shared.seen.store(0, Ordering::SeqCst);
        self.shared.ok.store(0, Ordering::SeqCst);
    }

    pub(super) fn set_fail(&self, per_mille: u32) {
        self.shared
            .fail_per_mille
            .store(per_mille, Ordering::SeqCst);
    }

    /// Waits until `n` distinct ids were answered 200 (`ok`) or seen at all,
    /// or `bound` passed; true when reached.
    pub(super) async fn wait(&self, n: usize, ok: bool, bound: Duration) -> bool {
        let end = Instant::now() + bound;
        loop {
            let c = if ok {
                &self.shared.ok
            } else {
                &self.shared.seen
            };
            if c.load(Ordering::SeqCst) >= n {
                return true;
            }
            if Instant::now() > end {
                return false;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }

    /// (requests, failed requests, largest body).
    pub(super) fn counts(&self) -> (u64, u64, usize) {
        let l = self.shared.log.lock().expect("receiver log");
        (l.requests, l.failed, l.body_bytes)
    }

    /// The most attempts one id took.
    pub(super) fn max_attempts(&self) -> u32 {
        let l = self.shared.log.lock().expect("receiver log");
        l.by_id.values().map(|r| r.attempts).max().unwrap_or(0)
    }

    /// For each id: its first 200's time, if any.
    pub(super) fn ok_times(&self, ids: &[(String, Instant)]) -> Vec<Option<Instant>> {
        let l = self.shared.log.lock().expect("receiver log");
        ids.iter()
            .map(|(id, _)| l.by_id.get(id).and_then(|r| r.ok))
            .collect()
    }

    /// Of these ids: how many arrived at all, and their first arrival's time.
    pub(super) fn first_times(&self, ids: &[(String, Instant)]) -> Vec<Option<Instant>> {
        let l = self.shared.log.lock().expect("receiver log");
        ids.iter()
            .map(|(id, _)| l.by_id.get(id).map(|r| r.first))
            .collect()
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.task.abort();
    }
}
