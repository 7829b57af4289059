-- The figures of every unit kept up to date at import (SPEC section 3,
-- rules 1, 2 and 10): for each as-of date of a learners export of a
-- province's school year, the learners in force at that date counted by
-- where they are and what they have, so that a report, the trend and a
-- unit's pack read O(units x weeks) rows instead of every pair of the
-- province. A learner's key:
--   unit_code, role  of the learner's version in force ('' for no role)
--   has              the modules of the learner's pairs in force, sorted
--                    (COLLATE "C"); '{}' for a learner with no pair
--   owed             those of them not passed
--   n                how many learners have that key
-- Module codes rather than bit masks: a change of the configured modules
-- does not invalidate them; the reader maps them to its modules. The unit
-- code is the history's own, so a registry change does not either. The
-- import writes the figures at its as-of date as those in force before it
-- plus the change of the learners it merged (src/unit_figures.c); bdtx
-- rebuild --check recomputes them from the history and compares.
CREATE TABLE unit_figures (
    province_code text NOT NULL,
    school_year   text NOT NULL,
    as_of         date NOT NULL,
    unit_code     text NOT NULL,
    role          text NOT NULL,
    has           text[] NOT NULL,
    owed          text[] NOT NULL,
    n             bigint NOT NULL CHECK (n > 0)
);
-- Read and written a whole date at a time; each key is once in a date (the
-- writers group by it), so no unique index over the arrays is kept: it
-- doubled the cost of writing a date.
CREATE INDEX unit_figures_date ON unit_figures (province_code, school_year, as_of);

-- The figures of a database that already holds a history: those of every
-- as-of date of a learners import, from the history, as the
-- FIGURES_FROM_HISTORY_SQL of src/history_sql.h computes them.
INSERT INTO unit_figures (province_code, school_year, as_of, unit_code, role, has, owed, n)
SELECT d.province_code, d.school_year, d.as_of, f.unit_code, f.role, f.has, f.owed, f.n
FROM (SELECT DISTINCT province_code, school_year, as_of FROM import
      WHERE source = 'lms-learners') d
CROSS JOIN LATERAL (
    WITH lv AS (
        SELECT DISTINCT ON (learner_id) learner_id, unit_code, role
        FROM learner_version
        WHERE province_code = d.province_code AND school_year = d.school_year
          AND as_of <= d.as_of
        ORDER BY learner_id DESC, as_of DESC
    ), pv AS (
        SELECT DISTINCT ON (learner_id, module) learner_id, module, state
        FROM progress_version
        WHERE province_code = d.province_code AND school_year = d.school_year
          AND as_of <= d.as_of
        ORDER BY learner_id DESC, module DESC, as_of DESC
    ), pl AS (
        SELECT learner_id, array_agg(module ORDER BY module COLLATE "C") AS has,
          coalesce(array_agg(module ORDER BY module COLLATE "C")
                   FILTER (WHERE state <> 2), '{}') AS owed
        FROM pv GROUP BY learner_id
    )
    SELECT lv.unit_code, coalesce(lv.role, '') AS role, coalesce(pl.has, '{}') AS has,
      coalesce(pl.owed, '{}') AS owed, count(*) AS n
    FROM lv LEFT JOIN pl USING (learner_id)
    GROUP BY 1, 2, 3, 4
) f;

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'bdtx_import') THEN
        GRANT SELECT, INSERT, UPDATE, DELETE ON unit_figures TO bdtx_import;
    END IF;
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'bdtx_report') THEN
        GRANT SELECT ON unit_figures TO bdtx_report;
    END IF;
END
$$;
