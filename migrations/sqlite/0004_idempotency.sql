-- Idempotency keys of creating REST requests (sqlite; see docs/api-design.md, "Idempotency").
-- A key is claimed (state 'in_progress') by an atomic insert before the handler runs,
-- then completed ('done') with the answer to replay. The answer's body is encrypted
-- (base64 of nonce || ciphertext): it may hold a new API token's secret.
CREATE TABLE idempotency_keys (
    scope       BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    key         TEXT   NOT NULL,
    fingerprint TEXT   NOT NULL,
    state       TEXT   NOT NULL CHECK (state IN ('in_progress', 'done')),
    status      BIGINT,
    headers     TEXT,
    body        TEXT,
    created_at  BIGINT NOT NULL,
    PRIMARY KEY (scope, key)
);
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);
