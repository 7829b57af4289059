-- Least privilege: two group roles that login roles are made members of.
--   bdtx_import  imports (bdtx import, units import): reads and writes the
--                tables, uses their sequences; no DDL (migrations are run by
--                the owner of the schema).
--   bdtx_report  reports (bdtx report, db status): reads only.
-- Roles belong to the cluster, not the database: several databases of one
-- cluster share them, so they are created only when missing, and a
-- migration of another database creating them at the same moment is no error.
-- Creating them needs CREATEROLE; a migrator without it can have an
-- administrator create the two roles first.
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'bdtx_import') THEN
        BEGIN
            CREATE ROLE bdtx_import NOLOGIN;
        EXCEPTION WHEN duplicate_object OR unique_violation THEN
            NULL;
        END;
    END IF;
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'bdtx_report') THEN
        BEGIN
            CREATE ROLE bdtx_report NOLOGIN;
        EXCEPTION WHEN duplicate_object OR unique_violation THEN
            NULL;
        END;
    END IF;
END
$$;

DO $$
BEGIN
    EXECUTE format('GRANT CONNECT, TEMPORARY ON DATABASE %I TO bdtx_import', current_database());
    EXECUTE format('GRANT CONNECT ON DATABASE %I TO bdtx_report', current_database());
END
$$;

GRANT USAGE ON SCHEMA public TO bdtx_import, bdtx_report;
GRANT SELECT ON ALL TABLES IN SCHEMA public TO bdtx_report;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO bdtx_import;
GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO bdtx_import;
-- Tables of later migrations, created by the same owner, get the same grants.
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON TABLES TO bdtx_report;
ALTER DEFAULT PRIVILEGES IN SCHEMA public
    GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO bdtx_import;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO bdtx_import;
-- The schema's history is the migrator's alone.
REVOKE INSERT, UPDATE, DELETE ON schema_migration FROM bdtx_import;
