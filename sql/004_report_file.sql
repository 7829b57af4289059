-- The weekly reports that `bdtx run` has written: which week, from which
-- imports (the newest import id in force), and the figures the download
-- page shows. A week is written again when an import with an as-of on or
-- before its Sunday is newer than import_id, or when its file is gone.
CREATE TABLE report_file (
    province_code text NOT NULL,
    school_year   text NOT NULL,
    week          text NOT NULL,          -- ISO week, "2020-W44"
    as_of         date NOT NULL,          -- the Sunday of the week
    import_id     bigint NOT NULL,        -- newest import the report used
    workbook      text,                   -- file names relative to paths.reports
    json          text,
    assigned      bigint NOT NULL,
    passed        bigint NOT NULL,
    total_group   text,                   -- the province's group, NULL when nothing assigned
    group_counts  text NOT NULL,          -- "A=3 B=5 C=3": ranked and direct units per group
    written_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (province_code, school_year, week)
);

-- The importing role writes it, the reporting role reads it; both exist
-- only where the least-privilege roles were created.
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'bdtx_import') THEN
        GRANT SELECT, INSERT, UPDATE, DELETE ON report_file TO bdtx_import;
    END IF;
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'bdtx_report') THEN
        GRANT SELECT ON report_file TO bdtx_report;
    END IF;
END
$$;
