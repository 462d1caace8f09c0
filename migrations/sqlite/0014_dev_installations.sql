-- Development builds (`trellis dev`): an installation uploaded straight from a
-- developer's directory instead of installed from the registry. `dev` marks it
-- (update checks leave it alone, the installation page shows a badge) and
-- `dev_manifest` keeps the manifest of the uploaded package as JSON (the
-- registry has no version row to read its events and dependencies from).
ALTER TABLE installations ADD COLUMN dev BIGINT NOT NULL DEFAULT 0;
ALTER TABLE installations ADD COLUMN dev_manifest TEXT;
