//! Deleting stored artifacts, as durable jobs: a deleted plugin's packages are
//! removed from the object store by an `artifact.delete` job enqueued in the
//! deletion's own transaction, so a process that dies right after the commit
//! never leaves them behind. The packages of development builds (`trellis
//! dev`) that were replaced or uninstalled go the same way. Artifacts are
//! stored by content hash and versions and installations may share one, so the
//! job deletes only what none of them uses. It checks and deletes holding the
//! artifact's lock ([`trellis_db::plugins::lock_artifact`]), which a publish or
//! a development upload of the same bytes takes before its use commits; the
//! upload stores the bytes again after its commit if this job deleted them.

use async_trait::async_trait;
use object_store::ObjectStoreExt;
use trellis_db::jobs::ClaimedJob;
use trellis_db::AnyConnection;
use trellis_events::jobs::{Done, JobFailure, JobHandler};

use super::artifact_path;
use crate::{AppResult, AppState};

/// The job kind.
pub const KIND: &str = "artifact.delete";

/// Enqueues the deletion of the artifact `sha256` (on the transaction that
/// removed its last version), for the event that caused it.
pub async fn enqueue_delete(
    tx: &mut AnyConnection,
    sha256: &str,
    event_id: Option<&str>,
) -> AppResult<bool> {
    let dedupe = format!("{sha256}:{}", event_id.unwrap_or("-"));
    Ok(trellis_events::jobs::enqueue(
        tx,
        KIND,
        &dedupe,
        event_id,
        &serde_json::json!({ "sha256": sha256 }),
        10,
    )
    .await?)
}

/// Runs `artifact.delete` jobs.
pub struct DeleteArtifact(pub AppState);

#[async_trait]
impl JobHandler for DeleteArtifact {
    fn kind(&self) -> &'static str {
        KIND
    }

    async fn run(&self, job: &ClaimedJob) -> Result<Done, JobFailure> {
        let payload: serde_json::Value = serde_json::from_str(&job.payload)
            .map_err(|e| JobFailure::Permanent(format!("payload is not JSON: {e}")))?;
        let sha = payload["sha256"]
            .as_str()
            .filter(|s| s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit()))
            .ok_or_else(|| JobFailure::Permanent("payload has no valid sha256".into()))?;
        let mut tx = self.0.db.begin().await.map_err(JobFailure::retry)?;
        trellis_db::plugins::lock_artifact(&mut tx, sha)
            .await
            .map_err(JobFailure::retry)?;
        // Published again (or shared by another version) since: kept.
        let used = trellis_db::plugins::artifact_in_use(&mut tx, sha)
            .await
            .map_err(JobFailure::retry)?;
        if !used {
            // Deleted under the lock: a new use of these bytes commits after this.
            match self.0.storage.store().delete(&artifact_path(sha)).await {
                Ok(()) | Err(object_store::Error::NotFound { .. }) => {}
                Err(e) => return Err(JobFailure::retry(e)),
            }
        }
        // The outcome commits with the check, in the one write this job makes.
        trellis_db::jobs::complete(&mut tx, job.id, &job.claimed_by)
            .await
            .map_err(JobFailure::retry)?;
        tx.commit().await.map_err(JobFailure::retry)?;
        Ok(Done::Recorded)
    }
}
