-- A claim takes the due jobs in (run_at, id) order, a few at a time. With the
-- id only in the primary key, PostgreSQL fetched every due job and sorted them
-- all for each claim, so a burst of jobs due at the same moment (a dispatcher's
-- batch, a bulk enqueue) cost a sort of the whole backlog per claim. With the
-- id in the index the first rows in order are read straight from it.
DROP INDEX jobs_due;
DROP INDEX jobs_lease;
CREATE INDEX jobs_due ON jobs (state, run_at, id);
CREATE INDEX jobs_lease ON jobs (state, lease_until, id);
