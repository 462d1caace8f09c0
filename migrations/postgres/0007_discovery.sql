-- Discovery (postgres): plugins imported from outside catalogues (their origin, the
-- catalogue's id, a demo flag, the author), versions that are catalogue entries
-- without a package (with the download counts the catalogue reported), the labels
-- of categories catalogues bring, and the indexes the search index reads by.

-- source: the catalogue a plugin was imported from (e.g. rockerBOO/awesome-neovim),
-- NULL for plugins published here. external_id: its id in that catalogue, unique per
-- namespace (a re-import finds the plugin by it). import_digest: a hash of what the
-- last import wrote, so an unchanged catalogue line changes nothing.
ALTER TABLE plugins ADD COLUMN source TEXT;
ALTER TABLE plugins ADD COLUMN external_id TEXT;
ALTER TABLE plugins ADD COLUMN import_digest TEXT;
ALTER TABLE plugins ADD COLUMN demo BIGINT NOT NULL DEFAULT 0;
ALTER TABLE plugins ADD COLUMN author TEXT;
CREATE UNIQUE INDEX plugins_external_id ON plugins (namespace_id, external_id);

-- imported = 1: a catalogue entry with no package (sha256 '', size 0, manifest '{}',
-- api_req ''): listed, never downloadable nor resolvable. imported_downloads: the
-- downloads the catalogue counted for it before it came here.
ALTER TABLE plugin_versions ADD COLUMN imported BIGINT NOT NULL DEFAULT 0;
ALTER TABLE plugin_versions ADD COLUMN imported_downloads BIGINT NOT NULL DEFAULT 0;

-- Categories that come from imported catalogues (slugified labels: "Editing Support"
-- -> editing-support); Trellis's own categories are trellis_registry::CATEGORIES.
CREATE TABLE catalogue_categories (
    slug  TEXT NOT NULL PRIMARY KEY,
    label TEXT NOT NULL
);

-- Recent downloads (the last 30 days) are summed by day.
CREATE INDEX version_downloads_daily_day ON version_downloads_daily (day, plugin_id);
