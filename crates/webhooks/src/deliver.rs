//! Delivery: the `webhook.deliver` job handler. One run is one attempt:
//! load the message and its endpoint, honour the endpoint's rate limit (held
//! back, not counted as an attempt), build the body for the endpoint's format,
//! sign it (Standard Webhooks: `webhook-id` is the event id, the receiver's
//! idempotency key; during a rotation both secrets sign), POST it through the
//! SSRF-guarded client (no redirects, connect and total timeouts), record the
//! attempt, and decide what follows:
//! - 2xx: delivered; the endpoint's failure record is cleared;
//! - 410 Gone: the endpoint is disabled (`gone`) and says so with a
//!   `webhook.endpoint.disabled` event;
//! - anything else: retried on `webhooks.retry_schedule` (jittered; a
//!   `Retry-After` replaces the next delay), failed after the last attempt; an
//!   endpoint failing for `webhooks.disable_after_failing_secs` is disabled
//!   (`failing`).
//!
//! The attempt, the message's state, the endpoint's record and the job's outcome
//! commit together (`crate::record`, which also says what decides each case);
//! deliveries running at once read their messages in one query and record
//! their attempts in one transaction (`crate::coalesce`).

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use trellis_db::jobs::ClaimedJob;
use trellis_db::now_ms;
use trellis_db::webhook_messages::{self as msgs, MessageRow};
use trellis_db::webhooks::EndpointRow;
use trellis_events::jobs::{Done, JobFailure, JobHandler};
use trellis_platform::AppState;

use crate::coalesce::Coalescer;
use crate::format::{self, Format};
use crate::messages::DELIVER;
use crate::record::Attempted;
use crate::ssrf::{self, Cidr, Guard};
use crate::{metrics, signing};

/// The SSRF guard of this instance (`webhooks.allow_networks`; entries that do
/// not parse were refused at start by [`check_config`]).
pub fn guard(state: &AppState) -> Guard {
    Guard::new(
        state
            .config
            .webhooks
            .allow_networks
            .iter()
            .filter_map(|n| n.parse::<Cidr>().ok())
            .collect(),
    )
}

/// Checks the `[webhooks]` settings only this crate understands.
pub fn check_config(config: &trellis_platform::Config) -> Result<(), String> {
    for n in &config.webhooks.allow_networks {
        n.parse::<Cidr>()
            .map_err(|e| format!("webhooks.allow_networks: {e}"))?;
    }
    Ok(())
}

/// A message and its endpoint (`None`: deleted), or why they could not be read.
type Loaded = Result<Option<(MessageRow, Option<EndpointRow>)>, String>;

/// The `webhook.deliver` handler.
pub struct Deliverer {
    state: AppState,
    client: reqwest::Client,
    guard: Arc<Guard>,
    /// The messages of deliveries starting together are read in one query.
    reads: Coalescer<String, Loaded>,
    /// Their attempts are recorded in one transaction (`crate::record`).
    writes: Coalescer<Attempted, Result<(), String>>,
}

impl Deliverer {
    /// The handler, with its SSRF-guarded HTTP client (fails only when the
    /// TLS backend cannot start).
    pub fn new(state: AppState) -> Result<Deliverer, String> {
        let guard = Arc::new(guard(&state));
        let cfg = &state.config.webhooks;
        let client = ssrf::client(guard.clone(), cfg.connect_timeout, cfg.timeout)
            .map_err(|e| format!("cannot build the webhook HTTP client: {e}"))?;
        // SQLite has one writer: batches of attempts one at a time; PostgreSQL's
        // commits overlap (and flush together).
        let write_lanes = match state.db.backend() {
            trellis_db::Backend::Sqlite => 1,
            trellis_db::Backend::Postgres => 4,
        };
        Ok(Deliverer {
            state,
            client,
            guard,
            reads: Coalescer::new(2),
            writes: Coalescer::new(write_lanes),
        })
    }
}

/// How an attempt went.
pub(crate) struct Outcome {
    pub success: bool,
    pub status: Option<u16>,
    pub kind: Option<&'static str>,
    pub error: Option<String>,
    pub retry_after: Option<Duration>,
    pub response_headers: Option<BTreeMap<String, String>>,
    pub response_body: Option<String>,
}

impl Outcome {
    fn failed(kind: &'static str, error: String) -> Outcome {
        Outcome {
            success: false,
            status: None,
            kind: Some(kind),
            error: Some(error),
            retry_after: None,
            response_headers: None,
            response_body: None,
        }
    }
}

/// The error and its causes, as one line, without the client's generic
/// wrappers ("error sending request for url (…)", "client error (Connect)"),
/// which say nothing the error kind does not.
fn chain(e: &dyn std::error::Error) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut cur: Option<&dyn std::error::Error> = Some(e);
    while let Some(s) = cur {
        let t = s.to_string();
        if !parts.iter().any(|p| p.contains(&t)) {
            parts.push(t);
        }
        cur = s.source();
    }
    let generic =
        |p: &String| p.starts_with("error sending request") || p.starts_with("client error (");
    let useful: Vec<&String> = parts.iter().filter(|p| !generic(p)).collect();
    if useful.is_empty() {
        parts.join(": ")
    } else {
        useful
            .iter()
            .map(|p| p.as_str())
            .collect::<Vec<_>>()
            .join(": ")
    }
}

fn classify(e: &reqwest::Error) -> Outcome {
    let text = chain(e);
    let kind = if text.contains("refused:") {
        "refused_address"
    } else if e.is_timeout() {
        "timeout"
    } else if e.is_connect() && (text.contains("dns error") || text.contains("failed to lookup")) {
        "dns"
    } else if e.is_connect() {
        "connect"
    } else if e.is_body() || e.is_decode() {
        "body"
    } else {
        "request"
    };
    // Keep the part a receiver's owner can act on; never the whole URL.
    let error = text.replace(&e.url().map(|u| u.to_string()).unwrap_or_default(), "<url>");
    Outcome::failed(kind, error.chars().take(500).collect())
}

/// `Retry-After` as seconds or an HTTP date, capped at a day.
fn retry_after(h: &reqwest::header::HeaderMap) -> Option<Duration> {
    let v = h.get(reqwest::header::RETRY_AFTER)?.to_str().ok()?.trim();
    let secs = match v.parse::<u64>() {
        Ok(s) => s,
        Err(_) => {
            let when =
                time::OffsetDateTime::parse(v, &time::format_description::well_known::Rfc2822)
                    .ok()?;
            (when - time::OffsetDateTime::now_utc())
                .whole_seconds()
                .max(0) as u64
        }
    };
    Some(Duration::from_secs(secs.min(86_400)))
}

async fn send(
    client: &reqwest::Client,
    url: &str,
    headers: &BTreeMap<String, String>,
    body: Vec<u8>,
    keep: usize,
) -> Outcome {
    let mut req = client.post(url);
    for (k, v) in headers {
        req = req.header(k, v);
    }
    let mut resp = match req.body(body).send().await {
        Ok(r) => r,
        Err(e) => return classify(&e),
    };
    let status = resp.status();
    let response_headers = resp
        .headers()
        .iter()
        .take(50)
        .map(|(k, v)| {
            (
                k.as_str().to_owned(),
                String::from_utf8_lossy(v.as_bytes())
                    .chars()
                    .take(500)
                    .collect(),
            )
        })
        .collect();
    let after = retry_after(resp.headers());
    // Read at most `keep` bytes of the answer; the status decides the outcome,
    // so a body that breaks or trickles past the deadline is only noted.
    let mut got: Vec<u8> = Vec::new();
    let mut body_error = None;
    while got.len() < keep {
        match resp.chunk().await {
            Ok(Some(c)) => got.extend_from_slice(&c),
            Ok(None) => break,
            Err(e) => {
                body_error = Some(chain(&e));
                break;
            }
        }
    }
    got.truncate(keep);
    let code = status.as_u16();
    let (success, kind, error) = if status.is_success() {
        (true, None, None)
    } else if status.is_redirection() {
        (
            false,
            Some("redirect"),
            Some(format!("HTTP {code}: redirects are not followed")),
        )
    } else if code == 410 {
        (false, Some("gone"), Some("HTTP 410 Gone".to_owned()))
    } else {
        (false, Some("http_status"), Some(format!("HTTP {code}")))
    };
    Outcome {
        success,
        status: Some(code),
        kind,
        error: error.or(body_error.map(|e| format!("reading the answer: {e}"))),
        retry_after: after,
        response_headers: Some(response_headers),
        response_body: Some(String::from_utf8_lossy(&got).into_owned()),
    }
}

impl Deliverer {
    /// The request's headers, signatures included.
    fn headers(
        &self,
        e: &EndpointRow,
        m: &MessageRow,
        body: &[u8],
    ) -> Result<BTreeMap<String, String>, JobFailure> {
        let secrets = crate::endpoints::secrets(&self.state, e).map_err(|err| {
            JobFailure::retry(format!("cannot open the endpoint's secret: {err:?}"))
        })?;
        let ts = now_ms() / 1000;
        let refs: Vec<&signing::Secret> = secrets.iter().collect();
        let mut h: BTreeMap<String, String> =
            trellis_db::json_column("webhook_endpoints.headers", &e.headers)
                .map_err(|err| JobFailure::retry(err.to_string()))?;
        h.insert("content-type".into(), "application/json".into());
        h.insert("webhook-id".into(), m.event_id.clone());
        h.insert("webhook-timestamp".into(), ts.to_string());
        h.insert(
            "webhook-signature".into(),
            signing::signature_header(&refs, &m.event_id, ts, body),
        );
        Ok(h)
    }

    fn body(&self, e: &EndpointRow, m: &MessageRow) -> Result<Vec<u8>, JobFailure> {
        let fmt = Format::parse(&e.format).unwrap_or(Format::Standard);
        if fmt == Format::Standard {
            return Ok(m.payload.as_bytes().to_vec());
        }
        let envelope: serde_json::Value = serde_json::from_str(&m.payload)
            .map_err(|err| JobFailure::Permanent(format!("stored payload is not JSON: {err}")))?;
        let link = match envelope.pointer("/subject/kind").and_then(|k| k.as_str()) {
            Some("plugin") => envelope
                .pointer("/subject/id")
                .and_then(|i| i.as_str())
                .map(|id| {
                    format!(
                        "{}/plugins/{id}",
                        self.state.config.public_url.as_str().trim_end_matches('/')
                    )
                }),
            Some("namespace") => envelope
                .pointer("/subject/id")
                .and_then(|i| i.as_str())
                .map(|id| {
                    format!(
                        "{}/namespaces/{id}",
                        self.state.config.public_url.as_str().trim_end_matches('/')
                    )
                }),
            _ => None,
        };
        let summary = format::summary(&envelope, link);
        Ok(format::body(fmt, &envelope, &summary))
    }
}

#[async_trait]
impl JobHandler for Deliverer {
    fn kind(&self) -> &'static str {
        DELIVER
    }

    async fn run(&self, job: &ClaimedJob) -> Result<Done, JobFailure> {
        let payload: serde_json::Value = serde_json::from_str(&job.payload)
            .map_err(|e| JobFailure::Permanent(format!("job payload is not JSON: {e}")))?;
        let Some(message_id) = payload.get("message_id").and_then(|v| v.as_str()) else {
            return Err(JobFailure::Permanent(
                "job payload has no message_id".into(),
            ));
        };
        let loaded = self
            .reads
            .run(message_id.to_owned(), |ids| self.load(ids))
            .await
            .unwrap_or_else(|| Err("reading the message was abandoned".into()));
        let Some((m, e)) = loaded.map_err(JobFailure::retry)? else {
            return Ok(Done::Complete); // deleted with its endpoint
        };
        if m.state == "delivered" {
            return Ok(Done::Complete);
        }
        let Some(e) = e else {
            return Ok(Done::Complete);
        };
        if !e.enabled {
            let mut c = self.state.db.conn().await.map_err(JobFailure::retry)?;
            msgs::set_message_state(&mut c, &m.id, "failed", Some("endpoint disabled"), None)
                .await
                .map_err(JobFailure::retry)?;
            return Ok(Done::Complete);
        }
        if let Some(limit) = e.rate_limit_per_sec {
            let mut c = self.state.db.conn().await.map_err(JobFailure::retry)?;
            let (n, end) = trellis_db::rate_limit::hit(&mut c, &format!("webhook:{}", e.id), 1)
                .await
                .map_err(JobFailure::retry)?;
            if n > limit {
                metrics::held_back();
                let wait = (end * 1000 - now_ms()).max(0) as u64 + rand::random_range(0..250);
                return Err(JobFailure::Postpone {
                    after: Duration::from_millis(wait),
                });
            }
        }
        let body = self.body(&e, &m)?;
        let headers = self.headers(&e, &m, &body)?;
        let started = Instant::now();
        let at = now_ms();
        let outcome = match url::Url::parse(&e.url) {
            Err(err) => Outcome::failed(
                "request",
                format!("the endpoint's URL does not parse: {err}"),
            ),
            Ok(u) => match ssrf::check_url(&self.guard, &u) {
                Err(refused) => Outcome::failed("refused_address", format!("refused: {refused}")),
                Ok(()) => {
                    send(
                        &self.client,
                        &e.url,
                        &headers,
                        body,
                        self.state.config.webhooks.response_body_bytes,
                    )
                    .await
                }
            },
        };
        let latency = started.elapsed();
        metrics::attempt(outcome.kind.unwrap_or("success"), latency);
        let attempted = Attempted {
            job: job.clone(),
            endpoint: e,
            message_id: m.id,
            request_headers: serde_json::to_string(&headers).unwrap_or_else(|_| "{}".into()),
            at,
            latency,
            outcome,
        };
        self.writes
            .run(attempted, |batch| crate::record::write(&self.state, batch))
            .await
            .unwrap_or_else(|| Err("recording the attempt was abandoned".into()))
            .map_err(JobFailure::retry)?;
        Ok(Done::Recorded)
    }
}

impl Deliverer {
    /// Reads the messages of a batch of deliveries, with their endpoints.
    async fn load(&self, ids: Vec<String>) -> Vec<Loaded> {
        let read = async {
            let mut c = self.state.db.conn().await?;
            let refs: Vec<&str> = ids.iter().map(String::as_str).collect();
            msgs::messages_and_endpoints(&mut c, &refs).await
        };
        match read.await {
            Ok(rows) => {
                let mut by_id: std::collections::HashMap<
                    String,
                    (MessageRow, Option<EndpointRow>),
                > = rows.into_iter().map(|r| (r.0.id.clone(), r)).collect();
                ids.iter().map(|id| Ok(by_id.remove(id))).collect()
            }
            Err(e) => {
                let e = format!("cannot read the message: {e}");
                ids.iter().map(|_| Err(e.clone())).collect()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn after(v: &str) -> Option<Duration> {
        let mut h = reqwest::header::HeaderMap::new();
        h.insert(reqwest::header::RETRY_AFTER, v.parse().unwrap());
        retry_after(&h)
    }

    #[test]
    fn retry_after_is_read_as_seconds_or_an_http_date_and_capped_at_a_day() {
        assert_eq!(after("7"), Some(Duration::from_secs(7)));
        assert_eq!(after("999999"), Some(Duration::from_secs(86_400)));
        assert_eq!(after("soon"), None);
        let later = time::OffsetDateTime::now_utc() + time::Duration::seconds(120);
        let date = later
            .format(&time::format_description::well_known::Rfc2822)
            .unwrap()
            .replace("+0000", "GMT");
        let d = after(&date).unwrap();
        assert!(
            d > Duration::from_secs(100) && d <= Duration::from_secs(120),
            "{date}: {d:?}"
        );
        assert_eq!(after("Wed, 21 Oct 2015 07:28:00 GMT"), Some(Duration::ZERO));
    }
}
