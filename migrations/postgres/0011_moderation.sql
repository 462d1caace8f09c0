-- Moderation and the audit log (postgres).
--
-- Reports of plugins (once per user per plugin), and the resolution of every
-- report (review and plugin): who resolved it, when, and how (`hidden`,
-- `delisted` or `dismissed`). A report is open while `resolved_at` is NULL.
CREATE TABLE plugin_reports (
    plugin_id   TEXT   NOT NULL REFERENCES plugins (id) ON DELETE CASCADE,
    user_id     BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    reason      TEXT   NOT NULL CHECK (reason IN ('spam', 'malware', 'abuse', 'impersonation', 'other')),
    detail      TEXT   NOT NULL DEFAULT '',
    created_at  BIGINT NOT NULL,
    resolved_at BIGINT,
    resolved_by BIGINT REFERENCES users (id) ON DELETE SET NULL,
    resolution  TEXT,
    PRIMARY KEY (plugin_id, user_id)
);
CREATE INDEX plugin_reports_state ON plugin_reports (resolved_at, created_at);

ALTER TABLE review_reports ADD COLUMN resolved_at BIGINT;
ALTER TABLE review_reports ADD COLUMN resolved_by BIGINT REFERENCES users (id) ON DELETE SET NULL;
ALTER TABLE review_reports ADD COLUMN resolution TEXT;
CREATE INDEX review_reports_state ON review_reports (resolved_at, created_at);

-- A review hidden by a moderator: out of every public list and of the rating
-- sums, still shown to its author with the reason.
ALTER TABLE reviews ADD COLUMN hidden_at BIGINT;
ALTER TABLE reviews ADD COLUMN hidden_reason TEXT;
ALTER TABLE reviews ADD COLUMN hidden_by BIGINT REFERENCES users (id) ON DELETE SET NULL;

-- A plugin delisted by a moderator: out of search, listings, feeds and the
-- category and namespace pages; its page shows the (public) reason, and its
-- published versions still resolve and download.
ALTER TABLE plugins ADD COLUMN delisted_at BIGINT;
ALTER TABLE plugins ADD COLUMN delisted_reason TEXT;
ALTER TABLE plugins ADD COLUMN delisted_by BIGINT REFERENCES users (id) ON DELETE SET NULL;

-- A user disabled by an admin: their sessions are deleted, their tokens and
-- sign-ins refused until an admin enables them again.
ALTER TABLE users ADD COLUMN disabled_at BIGINT;
ALTER TABLE users ADD COLUMN disabled_reason TEXT;
ALTER TABLE users ADD COLUMN disabled_by BIGINT REFERENCES users (id) ON DELETE SET NULL;

-- The audit log filters the event log by who acted: the acting user's id,
-- copied out of the `actor` JSON when an event is written (NULL for the
-- system), with existing events filled in here.
ALTER TABLE events ADD COLUMN actor_user_id BIGINT;
UPDATE events SET actor_user_id = (actor::jsonb ->> 'user_id')::bigint;
CREATE INDEX events_actor ON events (actor_user_id, tx, seq);
