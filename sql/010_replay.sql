-- What a school year's replay (bdtx rebuild) needs of each import besides
-- what the table already holds (file name, SHA-256, source, module, target,
-- as-of): where the file is kept, and the flags it was imported with.
--   archive_file  the file under paths.archive ("2020-2021/2020-10-04_x.csv"),
--                 set by bdtx run when it moves the file there
--   source_path   the absolute path bdtx import read it from
--   strict, forced  --strict and --force
-- A replay finds the file at archive_file, else at source_path, else by its
-- SHA-256 among the files of archive/<school year>/.
ALTER TABLE import
    ADD COLUMN archive_file text,
    ADD COLUMN source_path  text,
    ADD COLUMN strict       boolean NOT NULL DEFAULT false,
    ADD COLUMN forced       boolean NOT NULL DEFAULT false;

-- The registry file each school year was last loaded from, and its SHA-256:
-- bdtx run loads a file that changed since.
CREATE TABLE unit_registry (
    province_code text NOT NULL,
    school_year   text NOT NULL,
    file_name     text NOT NULL,
    sha256        text NOT NULL,
    loaded_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (province_code, school_year)
);

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'bdtx_import') THEN
        GRANT SELECT, INSERT, UPDATE, DELETE ON unit_registry TO bdtx_import;
    END IF;
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'bdtx_report') THEN
        GRANT SELECT ON unit_registry TO bdtx_report;
    END IF;
END
$$;
