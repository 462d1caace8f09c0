-- A stored package is deleted (the `artifact.delete` job) only when neither a
-- version nor an installation uses it: development builds (`trellis dev`) are
-- stored where artifacts live and have no version row. The job asks by hash.
CREATE INDEX installations_sha256 ON installations (sha256);
