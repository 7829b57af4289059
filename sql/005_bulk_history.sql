-- The history tables are written only by the import's set-based merge, which
-- takes each learner id from learner and the import id from its own import
-- row, in the same transaction. Their foreign keys were checked row by row
-- (one trigger query per inserted version): half the time of a national
-- import of 3.9 million rows. They go; learner and import keep their keys.
-- (A table distributed by province, as docs/scaling.md describes, could not
-- reference learner (id) anyway: a foreign key between distributed tables
-- must include the distribution column.)
ALTER TABLE learner_version
    DROP CONSTRAINT IF EXISTS learner_version_learner_id_fkey,
    DROP CONSTRAINT IF EXISTS learner_version_import_id_fkey;
ALTER TABLE progress_version
    DROP CONSTRAINT IF EXISTS progress_version_learner_id_fkey,
    DROP CONSTRAINT IF EXISTS progress_version_import_id_fkey;
