-- Statistics (postgres): unique installs per plugin per day beside raw downloads.
--
-- A download's installer is keyed by HMAC-SHA256(the day's salt, plugin id and
-- "u:<user id>" for a signed-in user or token, "a:<address>|<User-Agent>" for
-- anyone else). The address is never stored: only the key is, and only while
-- its day's salt exists. Salts are 32 random bytes (hex) made on first use per
-- UTC day, shared by every node, and deleted with that day's keys once the day
-- is over plus a day's margin (housekeeping), after which no key can be
-- recomputed from an address.
CREATE TABLE stats_salts (
    day        TEXT   NOT NULL PRIMARY KEY,
    salt       TEXT   NOT NULL,
    created_at BIGINT NOT NULL
);

-- The installer keys a plugin was downloaded by on a day (the flush inserts
-- them; a key new to the day bumps plugin_installs_daily). Deleted by day.
CREATE TABLE install_keys (
    day           TEXT NOT NULL,
    plugin_id     TEXT NOT NULL,
    installer_key TEXT NOT NULL,
    PRIMARY KEY (day, plugin_id, installer_key)
);

-- Unique installs of a plugin on a UTC day: distinct installer keys. Kept for
-- good, like version_downloads_daily (no foreign key, for the same reason).
CREATE TABLE plugin_installs_daily (
    plugin_id TEXT   NOT NULL,
    day       TEXT   NOT NULL,
    installs  BIGINT NOT NULL,
    PRIMARY KEY (plugin_id, day)
);
-- The first day anything was counted (unique installs started with this table).
CREATE INDEX plugin_installs_daily_day ON plugin_installs_daily (day);
