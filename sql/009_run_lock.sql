-- The lock of `bdtx run`: the run holds LOCK TABLE run_lock IN EXCLUSIVE
-- MODE for as long as it lasts, in a transaction of its own connection.
-- That mode needs UPDATE, DELETE or TRUNCATE on the table, which only
-- bdtx_import (and the owner) has: a reading role cannot take it, so it
-- cannot make every run give up (an advisory lock anyone may take).
CREATE TABLE run_lock (
    held boolean PRIMARY KEY DEFAULT true CHECK (held)
);
REVOKE ALL ON run_lock FROM PUBLIC, bdtx_report;
GRANT SELECT, UPDATE ON run_lock TO bdtx_import;

-- The reading role reads, and makes nothing: no temporary tables (nor
-- functions in pg_temp), no objects in the schema. Only the importing
-- role stages rows in temporary tables.
DO $$
BEGIN
    EXECUTE format('REVOKE TEMPORARY ON DATABASE %I FROM PUBLIC', current_database());
    EXECUTE format('GRANT TEMPORARY ON DATABASE %I TO bdtx_import', current_database());
END
$$;
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
