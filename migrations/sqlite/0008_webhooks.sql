-- Webhooks (sqlite): endpoints, the messages dispatched to them from the event
-- log, and every delivery attempt.

-- Where events are delivered. `namespace` NULL: an instance-wide endpoint
-- (admins), which gets every event; otherwise only that namespace's events.
-- Secrets are sealed (AES-256-GCM under a key derived from the session secret);
-- during a rotation the previous one signs too until `previous_secret_until`.
CREATE TABLE webhook_endpoints (
    id                    TEXT   NOT NULL PRIMARY KEY,
    namespace             TEXT,
    url                   TEXT   NOT NULL,
    description           TEXT   NOT NULL DEFAULT '',
    event_types           TEXT   NOT NULL,
    filter                TEXT,
    headers               TEXT   NOT NULL DEFAULT '{}',
    rate_limit_per_sec    BIGINT,
    format                TEXT   NOT NULL DEFAULT 'standard',
    enabled               BIGINT NOT NULL DEFAULT 1,
    disabled_reason       TEXT,
    disabled_at           BIGINT,
    secret                TEXT   NOT NULL,
    previous_secret       TEXT,
    previous_secret_until BIGINT,
    failing_since         BIGINT,
    created_by            BIGINT,
    created_at            BIGINT NOT NULL,
    updated_at            BIGINT NOT NULL
);
CREATE INDEX webhook_endpoints_namespace ON webhook_endpoints (namespace, created_at);

-- One event (or test event) for one endpoint. `payload` is the event's
-- envelope as delivered, kept so a retry or replay after the log was pruned
-- sends the same thing.
CREATE TABLE webhook_messages (
    id              TEXT   NOT NULL PRIMARY KEY,
    endpoint_id     TEXT   NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
    event_id        TEXT   NOT NULL,
    event_type      TEXT   NOT NULL,
    payload         TEXT   NOT NULL,
    state           TEXT   NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'delivered', 'failed')),
    attempts        BIGINT NOT NULL DEFAULT 0,
    last_status     BIGINT,
    last_error      TEXT,
    created_at      BIGINT NOT NULL,
    last_attempt_at BIGINT,
    next_attempt_at BIGINT,
    delivered_at    BIGINT,
    UNIQUE (endpoint_id, event_id)
);
CREATE INDEX webhook_messages_endpoint ON webhook_messages (endpoint_id, created_at);
CREATE INDEX webhook_messages_state ON webhook_messages (endpoint_id, state, created_at);
CREATE INDEX webhook_messages_event ON webhook_messages (event_id);
CREATE INDEX webhook_messages_created ON webhook_messages (created_at);

-- Every delivery attempt, kept for `webhooks.attempt_retention_days`.
CREATE TABLE webhook_attempts (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    message_id       TEXT   NOT NULL REFERENCES webhook_messages (id) ON DELETE CASCADE,
    endpoint_id      TEXT   NOT NULL,
    attempted_at     BIGINT NOT NULL,
    success          BIGINT NOT NULL,
    status_code      BIGINT,
    latency_ms       BIGINT NOT NULL,
    error_kind       TEXT,
    error            TEXT,
    request_headers  TEXT   NOT NULL,
    response_headers TEXT,
    response_body    TEXT
);
CREATE INDEX webhook_attempts_message ON webhook_attempts (message_id, id);
CREATE INDEX webhook_attempts_endpoint ON webhook_attempts (endpoint_id, attempted_at);
CREATE INDEX webhook_attempts_time ON webhook_attempts (attempted_at);
