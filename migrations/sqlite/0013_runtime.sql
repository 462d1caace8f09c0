-- The plugin runtime (sqlite): installations in workspaces, install attempts,
-- each installation's key-value store, its log lines and its health.
--
-- A workspace is a name, never a row: `~<username>` is a user's, `<namespace>`
-- a namespace's. An installation is one plugin at one version in one
-- workspace, with what its installer consented to (`granted`, the
-- permissions JSON of the version consented to), its configuration (secrets
-- sealed apart) and whether it was asked for (`requested`) or came as a
-- dependency.
CREATE TABLE installations (
    id               TEXT   NOT NULL PRIMARY KEY,
    workspace        TEXT   NOT NULL,
    plugin_id        TEXT   NOT NULL,
    version          TEXT   NOT NULL,
    previous_version TEXT,
    sha256           TEXT   NOT NULL,
    requested        BIGINT NOT NULL,
    pinned           BIGINT NOT NULL DEFAULT 0,
    enabled          BIGINT NOT NULL DEFAULT 1,
    disabled_reason  TEXT,
    granted          TEXT   NOT NULL,
    config           TEXT   NOT NULL DEFAULT '{}',
    secrets          TEXT,
    installed_by     BIGINT REFERENCES users (id) ON DELETE SET NULL,
    installed_at     BIGINT NOT NULL,
    updated_at       BIGINT NOT NULL,
    UNIQUE (workspace, plugin_id)
);
CREATE INDEX installations_plugin ON installations (plugin_id);

-- Every install, update or rollback attempt with its outcome (`succeeded`,
-- `failed`), for the admins' success rate.
CREATE TABLE install_attempts (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    workspace   TEXT   NOT NULL,
    plugin_id   TEXT   NOT NULL,
    version     TEXT,
    action      TEXT   NOT NULL,
    outcome     TEXT   NOT NULL,
    error_code  TEXT,
    detail      TEXT,
    user_id     BIGINT REFERENCES users (id) ON DELETE SET NULL,
    at          BIGINT NOT NULL
);
CREATE INDEX install_attempts_at ON install_attempts (at);

-- A plugin's own key-value store, per installation (JSON values).
CREATE TABLE plugin_kv (
    installation_id TEXT   NOT NULL REFERENCES installations (id) ON DELETE CASCADE,
    key             TEXT   NOT NULL,
    value           TEXT   NOT NULL,
    updated_at      BIGINT NOT NULL,
    PRIMARY KEY (installation_id, key)
);

-- The log lines a plugin wrote (and the host wrote about it), bounded per
-- installation by the runtime.
CREATE TABLE plugin_logs (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    installation_id TEXT   NOT NULL REFERENCES installations (id) ON DELETE CASCADE,
    at              BIGINT NOT NULL,
    level           TEXT   NOT NULL,
    message         TEXT   NOT NULL
);
CREATE INDEX plugin_logs_installation ON plugin_logs (installation_id, id);

-- Each installation's health as last flushed by a process running it: calls,
-- errors, latency percentiles and fuel over the recent window, the last error
-- and the status (`healthy`, `degraded`, `failing`).
CREATE TABLE plugin_health (
    installation_id TEXT   NOT NULL PRIMARY KEY REFERENCES installations (id) ON DELETE CASCADE,
    status          TEXT   NOT NULL,
    calls           BIGINT NOT NULL,
    errors          BIGINT NOT NULL,
    p50_ms          BIGINT NOT NULL,
    p95_ms          BIGINT NOT NULL,
    fuel            BIGINT NOT NULL,
    last_error      TEXT,
    last_error_at   BIGINT,
    consecutive_failures BIGINT NOT NULL DEFAULT 0,
    updated_at      BIGINT NOT NULL
);
