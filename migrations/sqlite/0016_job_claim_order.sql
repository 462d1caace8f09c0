-- A claim takes the due jobs in (run_at, id) order, a few at a time. SQLite's
-- indexes already end with the row id (`id` is the INTEGER PRIMARY KEY), so this
-- only spells out what PostgreSQL's migration of the same number needs: the id
-- in the index, so the first due jobs in order are read straight from it.
DROP INDEX jobs_due;
DROP INDEX jobs_lease;
CREATE INDEX jobs_due ON jobs (state, run_at, id);
CREATE INDEX jobs_lease ON jobs (state, lease_until, id);
