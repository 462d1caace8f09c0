-- Reviews (sqlite): one per user per plugin (1-5 stars, a title and a plain-text
-- body, the version and plugin API version the reviewer used), the
-- publisher's reply on the review's row, helpful votes and abuse reports.
-- Everything goes with its plugin.
CREATE TABLE reviews (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    plugin_id   TEXT   NOT NULL REFERENCES plugins (id) ON DELETE CASCADE,
    user_id     BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    version     TEXT   NOT NULL,
    api_version TEXT,
    stars       BIGINT NOT NULL CHECK (stars BETWEEN 1 AND 5),
    title       TEXT   NOT NULL,
    body        TEXT   NOT NULL,
    helpful     BIGINT NOT NULL DEFAULT 0,
    reply_body  TEXT,
    reply_by    BIGINT REFERENCES users (id) ON DELETE SET NULL,
    reply_at    BIGINT,
    reply_updated_at BIGINT,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL,
    UNIQUE (plugin_id, user_id)
);
CREATE INDEX reviews_plugin_version ON reviews (plugin_id, version);

-- A user found a review helpful (once per user per review).
CREATE TABLE review_votes (
    review_id  BIGINT NOT NULL REFERENCES reviews (id) ON DELETE CASCADE,
    user_id    BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (review_id, user_id)
);

-- A user reported a review for abuse (once per user per review).
CREATE TABLE review_reports (
    review_id  BIGINT NOT NULL REFERENCES reviews (id) ON DELETE CASCADE,
    user_id    BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    reason     TEXT   NOT NULL CHECK (reason IN ('spam', 'abuse', 'off_topic', 'other')),
    detail     TEXT   NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    PRIMARY KEY (review_id, user_id)
);
