-- The event bus (sqlite): the event log, follower cursors and the job queue.

-- Every state change an outsider could care about, written in the same
-- transaction as the change. Log order is (tx, seq): on SQLite writers are
-- serialised (BEGIN IMMEDIATE), so tx is always 0 and seq is commit order.
CREATE TABLE events (
    seq          INTEGER PRIMARY KEY AUTOINCREMENT,
    tx           BIGINT NOT NULL DEFAULT 0,
    id           TEXT   NOT NULL UNIQUE,
    type         TEXT   NOT NULL,
    occurred_at  BIGINT NOT NULL,
    actor        TEXT   NOT NULL,
    subject_kind TEXT   NOT NULL,
    subject_id   TEXT   NOT NULL,
    namespace    TEXT,
    data         TEXT   NOT NULL
);
CREATE INDEX events_log ON events (tx, seq);
CREATE INDEX events_type ON events (type, tx, seq);
CREATE INDEX events_subject ON events (subject_kind, subject_id, tx, seq);
CREATE INDEX events_namespace ON events (namespace, tx, seq);
CREATE INDEX events_occurred ON events (occurred_at);

-- The highest `tx` a follower may read up to (exclusive). SQLite: everything
-- committed is final, so no bound.
CREATE VIEW event_horizon AS SELECT 9223372036854775807 AS tx;

-- Where each durable follower stands: it has applied every event up to and
-- including (tx, seq).
CREATE TABLE event_cursors (
    follower   TEXT   NOT NULL PRIMARY KEY,
    tx         BIGINT NOT NULL,
    seq        BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

-- Work done once per event and target. A claimed job holds a lease; one whose
-- lease ran out (its process died) is claimed again.
CREATE TABLE jobs (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    kind         TEXT   NOT NULL,
    dedupe       TEXT   NOT NULL,
    event_id     TEXT,
    payload      TEXT   NOT NULL,
    state        TEXT   NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'running', 'done', 'failed')),
    run_at       BIGINT NOT NULL,
    attempts     BIGINT NOT NULL DEFAULT 0,
    max_attempts BIGINT NOT NULL,
    claimed_by   TEXT,
    lease_until  BIGINT,
    last_error   TEXT,
    created_at   BIGINT NOT NULL,
    finished_at  BIGINT,
    UNIQUE (kind, dedupe)
);
CREATE INDEX jobs_due ON jobs (state, run_at);
CREATE INDEX jobs_lease ON jobs (state, lease_until);
CREATE INDEX jobs_event ON jobs (event_id);
CREATE INDEX jobs_finished ON jobs (finished_at);
