-- What the audit log records of API token use: the token-usage flush writes a
-- `token.used` event when a token is used for the first time on a UTC day, or
-- exercises a scope for the first time that day. A row per (token, scope, day)
-- remembers what was written (scope '' is "any use"), shared by every node;
-- housekeeping deletes the days before yesterday.
CREATE TABLE token_scope_uses (
    day      TEXT   NOT NULL,
    token_id BIGINT NOT NULL,
    scope    TEXT   NOT NULL,
    PRIMARY KEY (day, token_id, scope)
);
