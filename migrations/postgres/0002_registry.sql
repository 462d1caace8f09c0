-- Registry: namespace signing keys, plugins, versions, download counts (PostgreSQL).
CREATE TABLE namespace_keys (
    namespace_id BIGINT NOT NULL REFERENCES namespaces (id) ON DELETE CASCADE,
    key_id       TEXT   NOT NULL,
    public_key   TEXT   NOT NULL,
    added_at     BIGINT NOT NULL,
    PRIMARY KEY (namespace_id, key_id)
);

CREATE TABLE plugins (
    id                     TEXT   PRIMARY KEY,
    namespace_id           BIGINT NOT NULL REFERENCES namespaces (id),
    name                   TEXT   NOT NULL,
    display_name           TEXT   NOT NULL,
    description            TEXT   NOT NULL,
    kind                   TEXT   NOT NULL,
    categories             TEXT   NOT NULL,
    keywords               TEXT   NOT NULL,
    license                TEXT   NOT NULL,
    repository             TEXT,
    homepage               TEXT,
    latest_version         TEXT,
    deprecated_reason      TEXT,
    deprecated_replacement TEXT,
    created_at             BIGINT NOT NULL,
    updated_at             BIGINT NOT NULL
);
CREATE INDEX plugins_namespace ON plugins (namespace_id);

CREATE TABLE plugin_versions (
    plugin_id    TEXT   NOT NULL REFERENCES plugins (id) ON DELETE CASCADE,
    version      TEXT   NOT NULL,
    major        BIGINT NOT NULL,
    minor        BIGINT NOT NULL,
    patch        BIGINT NOT NULL,
    manifest     TEXT   NOT NULL,
    sha256       TEXT   NOT NULL,
    size         BIGINT NOT NULL,
    readme_html  TEXT   NOT NULL,
    changelog    TEXT,
    api_req      TEXT   NOT NULL,
    permissions  TEXT   NOT NULL,
    dependencies TEXT   NOT NULL,
    yanked       BIGINT NOT NULL DEFAULT 0,
    prerelease   BIGINT NOT NULL DEFAULT 0,
    published_at BIGINT NOT NULL,
    published_by BIGINT REFERENCES users (id) ON DELETE SET NULL,
    PRIMARY KEY (plugin_id, version)
);

-- No foreign keys: counts are flushed from memory after the fact and must never fail
-- because a plugin went away in between.
CREATE TABLE version_downloads_daily (
    plugin_id TEXT   NOT NULL,
    version   TEXT   NOT NULL,
    day       TEXT   NOT NULL,
    downloads BIGINT NOT NULL,
    PRIMARY KEY (plugin_id, version, day)
);

CREATE TABLE plugin_installs (
    plugin_id TEXT   NOT NULL,
    user_id   BIGINT NOT NULL,
    first_at  BIGINT NOT NULL,
    PRIMARY KEY (plugin_id, user_id)
);
