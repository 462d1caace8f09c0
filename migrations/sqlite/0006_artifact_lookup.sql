-- Which versions use an artifact (by content hash): read by the artifact.delete job
-- for every artifact of a deleted plugin, and by publish's dedup of stored files.
CREATE INDEX plugin_versions_sha256 ON plugin_versions (sha256);
