-- The reshape and the security hardening (sqlite).

-- Set by the first download any node serves: a plugin ever downloaded can no
-- longer be deleted, on every node.
ALTER TABLE plugins ADD COLUMN first_download_at BIGINT;
UPDATE plugins SET first_download_at = created_at
 WHERE id IN (SELECT plugin_id FROM version_downloads_daily)
    OR id IN (SELECT plugin_id FROM plugin_installs);

-- A token minted by a token records its parent (revoking a parent revokes it).
ALTER TABLE api_tokens ADD COLUMN parent_id BIGINT REFERENCES api_tokens (id) ON DELETE CASCADE;
CREATE INDEX api_tokens_parent ON api_tokens (parent_id);

-- Signed-in sessions name their user, address and browser, so they can be listed.
ALTER TABLE sessions ADD COLUMN user_id BIGINT REFERENCES users (id) ON DELETE CASCADE;
ALTER TABLE sessions ADD COLUMN ip TEXT;
ALTER TABLE sessions ADD COLUMN user_agent TEXT;
ALTER TABLE sessions ADD COLUMN signed_in_at BIGINT;
CREATE INDEX sessions_user ON sessions (user_id);

-- Fixed-window counters (sign-in attempts, sign-ups), counted atomically.
DROP TABLE login_failures;
CREATE TABLE rate_limits (
    key          TEXT   NOT NULL,
    window_start BIGINT NOT NULL,
    hits         BIGINT NOT NULL,
    PRIMARY KEY (key, window_start)
);

-- Invitations to join a namespace, accepted by the invitee.
CREATE TABLE namespace_invitations (
    namespace_id BIGINT NOT NULL REFERENCES namespaces (id) ON DELETE CASCADE,
    user_id      BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role         TEXT   NOT NULL CHECK (role IN ('owner', 'maintainer')),
    invited_by   BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at   BIGINT NOT NULL,
    expires_at   BIGINT NOT NULL,
    PRIMARY KEY (namespace_id, user_id)
);
CREATE INDEX namespace_invitations_user ON namespace_invitations (user_id);

-- Each user's security log.
CREATE TABLE security_events (
    id      INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind    TEXT   NOT NULL,
    ip      TEXT,
    detail  TEXT   NOT NULL,
    at      BIGINT NOT NULL
);
CREATE INDEX security_events_user ON security_events (user_id, id);
CREATE INDEX security_events_at ON security_events (at);
