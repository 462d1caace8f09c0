//! Events to plugins. The `plugin-dispatcher` follower reads the event log
//! after commit and, in one transaction with its shared cursor (as the webhook
//! dispatcher does), writes a `plugin.event` job for every enabled installation
//! that subscribes to the event's type and may see it; the [`PluginEventJob`]
//! handler calls the installation's `on_event`. A failed call is retried on the
//! job schedule (at least once delivery), until the breaker disables the
//! installation.
//!
//! What a workspace's plugins see: events of its namespace (a namespace's
//! workspace), events its user caused (a user's workspace), and events about
//! the workspace itself: what its plugins emit and the runtime's events about
//! its installations (their data names the workspace). A plugin never
//! receives the events it emitted itself, and an event `plugins.max_hops`
//! hops from the event that started its chain reaches no plugin (two plugins
//! reacting to each other cannot loop forever).

use std::collections::HashMap;
use std::sync::Arc;

use async_trait::async_trait;
use serde_json::{json, Value};
use trellis_db::events::{EventRow, Position};
use trellis_db::installations::InstallationRow;
use trellis_db::jobs::ClaimedJob;
use trellis_events::jobs::{Done, JobFailure, JobHandler};
use trellis_events::{Follower, FollowerError};

use crate::host::CallOrigin;
use crate::workspace::Workspace;
use crate::Runtime;

/// The shared cursor's name.
pub const NAME: &str = "plugin-dispatcher";
/// The job kind.
pub const JOB: &str = "plugin.event";
/// Attempts of one delivery to one installation.
pub const MAX_ATTEMPTS: i64 = 5;

/// An installation's rules, parsed once per batch.
struct Target {
    row: InstallationRow,
    workspace: Workspace,
    subscribe: Vec<String>,
}

/// Whether an event type matches a subscription (`review.created`, `review.*`).
pub fn type_matches(patterns: &[String], t: &str) -> bool {
    patterns.iter().any(|p| match p.strip_suffix('*') {
        Some(prefix) => t.starts_with(prefix),
        None => p == t,
    })
}

/// The hops of an event: those a plugin-emitted event carries, 0 otherwise.
pub fn hops(data: &Value) -> u32 {
    data.get("hops")
        .and_then(Value::as_u64)
        .filter(|_| data.get("installation").is_some())
        .unwrap_or(0) as u32
}

impl Target {
    fn sees(&self, e: &EventRow, data: &Value, actor: &Value) -> bool {
        if data.get("installation").and_then(Value::as_str) == Some(self.row.id.as_str())
            && e.subject_kind == "installation"
            && e.subject_id == self.row.id
            && data.get("hops").is_some()
        {
            // Its own emitted event.
            return false;
        }
        if data.get("workspace").and_then(Value::as_str) == Some(self.row.workspace.as_str()) {
            return true;
        }
        match &self.workspace {
            Workspace::Namespace(n) => e.namespace.as_deref() == Some(n.as_str()),
            Workspace::User(u) => {
                actor.get("type").and_then(Value::as_str) == Some("user")
                    && actor.get("username").and_then(Value::as_str) == Some(u.as_str())
            }
        }
    }
}

/// The dispatcher follower.
pub struct Dispatcher {
    rt: Arc<Runtime>,
    read_at: Option<Position>,
    /// Subscriptions by (plugin, version): versions never change.
    subscriptions: HashMap<(String, String), Vec<String>>,
}

impl Dispatcher {
    pub fn new(rt: Arc<Runtime>) -> Dispatcher {
        Dispatcher {
            rt,
            read_at: None,
            subscriptions: HashMap::new(),
        }
    }
}

#[async_trait]
impl Follower for Dispatcher {
    fn name(&self) -> String {
        NAME.into()
    }

    fn stores_cursor(&self) -> bool {
        true
    }

    async fn position(&mut self) -> Result<Option<Position>, FollowerError> {
        let mut c = self.rt.state.db.conn().await?;
        self.read_at = trellis_db::events::cursor(&mut c, NAME).await?;
        if self.read_at.is_none() {
            // A new instance starts at the log's head: plugins installed later
            // never receive what happened before them anyway.
            if let Some(head) = trellis_db::events::head(&mut c).await? {
                // Another process may have placed it first: read it again.
                trellis_db::events::advance_cursor(&mut c, NAME, None, head).await?;
                self.read_at = trellis_db::events::cursor(&mut c, NAME).await?;
            }
        }
        Ok(self.read_at)
    }

    async fn apply(&mut self, events: &[EventRow]) -> Result<(), FollowerError> {
        let from = self.read_at;
        let Some(last) = events.last() else {
            return Ok(());
        };
        let max_hops = self.rt.state.config.plugins.max_hops;
        let mut tx = self.rt.state.db.begin().await?;
        if !trellis_db::events::advance_cursor(&mut tx, NAME, from, last.position).await? {
            tx.rollback().await?;
            return Ok(());
        }
        let mut targets = Vec::new();
        for row in trellis_db::installations::enabled(&mut tx).await? {
            let Ok(workspace) = Workspace::parse(&row.workspace) else {
                continue;
            };
            let key = (row.plugin_id.clone(), row.version.clone());
            let dev = crate::out::dev_meta(&row).map_err(|e| FollowerError::from(e.detail))?;
            let subscribe = match (dev, self.subscriptions.get(&key)) {
                // A development build changes under the same version.
                (Some(m), _) => m.subscribes,
                (None, Some(s)) => s.clone(),
                (None, None) => {
                    let s = subscriptions(&mut tx, &row).await?;
                    self.subscriptions.insert(key, s.clone());
                    s
                }
            };
            if !subscribe.is_empty() {
                targets.push(Target {
                    row,
                    workspace,
                    subscribe,
                });
            }
        }
        let mut queued = 0;
        if !targets.is_empty() {
            for e in events {
                let data: Value = serde_json::from_str(&e.data).unwrap_or(Value::Null);
                if hops(&data) >= max_hops {
                    continue;
                }
                let actor: Value = serde_json::from_str(&e.actor).unwrap_or(Value::Null);
                for t in &targets {
                    if !type_matches(&t.subscribe, &e.kind) || !t.sees(e, &data, &actor) {
                        continue;
                    }
                    let dedupe = format!("{}:{}", t.row.id, e.id);
                    let payload = json!({"installation": t.row.id, "event": e.id});
                    if trellis_events::jobs::enqueue(
                        &mut tx,
                        JOB,
                        &dedupe,
                        Some(&e.id),
                        &payload,
                        MAX_ATTEMPTS,
                    )
                    .await?
                    {
                        queued += 1;
                    }
                }
            }
        }
        tx.commit().await?;
        if queued > 0 {
            trellis_events::jobs::wake();
        }
        Ok(())
    }
}

/// The event types an installation subscribes to (its version's manifest).
async fn subscriptions(
    c: &mut trellis_db::AnyConnection,
    row: &InstallationRow,
) -> Result<Vec<String>, FollowerError> {
    let Some(v) = trellis_db::plugins::version(c, &row.plugin_id, &row.version).await? else {
        return Ok(Vec::new());
    };
    let m: Value = trellis_db::json_column("plugin_versions.manifest", &v.manifest)?;
    Ok(m.pointer("/events/subscribe")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|s| s.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default())
}

/// Runs `plugin.event` jobs: one `on_event` call per job.
pub struct PluginEventJob(pub Arc<Runtime>);

#[async_trait]
impl JobHandler for PluginEventJob {
    fn kind(&self) -> &'static str {
        JOB
    }

    async fn run(&self, job: &ClaimedJob) -> Result<Done, JobFailure> {
        let p: Value = serde_json::from_str(&job.payload)
            .map_err(|e| JobFailure::Permanent(format!("payload: {e}")))?;
        let (Some(inst), Some(event)) = (
            p.get("installation").and_then(Value::as_str),
            p.get("event").and_then(Value::as_str),
        ) else {
            return Err(JobFailure::Permanent(
                "payload without installation or event".into(),
            ));
        };
        let db = &self.0.state.db;
        let mut c = db.conn().await.map_err(JobFailure::retry)?;
        let row = trellis_db::installations::by_id(&mut c, inst)
            .await
            .map_err(JobFailure::retry)?;
        // Uninstalled or disabled since: nothing to deliver.
        let Some(row) = row.filter(|r| r.enabled) else {
            return Ok(Done::Complete);
        };
        let Some(e) = trellis_db::events::by_id(&mut c, event)
            .await
            .map_err(JobFailure::retry)?
        else {
            return Ok(Done::Complete);
        };
        drop(c);
        let out = trellis_events::to_out(&e).map_err(|x| JobFailure::Permanent(x.to_string()))?;
        let mut envelope =
            serde_json::to_value(&out).map_err(|x| JobFailure::Permanent(x.to_string()))?;
        let h = hops(&envelope["data"]);
        envelope["hops"] = json!(h);
        let origin = CallOrigin { hops: h, depth: 0 };
        match self.0.call(&row, "on_event", &envelope, origin).await {
            Ok(_) => Ok(Done::Complete),
            Err(err) if err.kind == "missing_export" => Err(JobFailure::Permanent(err.to_string())),
            Err(err) => Err(JobFailure::retry(err)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subscriptions_match_types_and_families() {
        let p = vec!["review.*".to_string(), "plugin.installed".to_string()];
        assert!(type_matches(&p, "review.created"));
        assert!(type_matches(&p, "plugin.installed"));
        assert!(!type_matches(&p, "plugin.installed.extra"));
        assert!(!type_matches(&p, "reviews.created"));
    }

    #[test]
    fn hops_come_only_from_plugin_emitted_events() {
        assert_eq!(hops(&json!({"installation": "ins_1", "hops": 3})), 3);
        assert_eq!(hops(&json!({"hops": 3})), 0);
        assert_eq!(hops(&json!(null)), 0);
    }
}
