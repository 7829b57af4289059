-- The kept figures per unit and role instead of per learner's key (SPEC
-- section 3, rules 1, 2 and 10). Migration 012 kept, at each as-of date of a
-- learners export, the learners in force counted by unit, role, modules had
-- and modules owed: with few learners a unit that is nearly one row a
-- learner (107,381 rows for 130,000 learners of a nation at scale 0.1). Now
-- a date holds one row per unit and role of the learners in force:
--   n          the learners (with or without a pair in force)
--   learners   those with a pair in force of a module of the date's list
--   completed  those of them whose every such pair is passed (rule 10)
--   other      their pairs of modules not in the list (0 as the import
--              writes them: the list holds every module of the year's pairs)
--   held[i]    their pairs in force of the list's module i, passed[i] passed
-- and one header row (unit_code '' and role '', n 0) whose `modules` is the
-- date's list, sorted by code (COLLATE "C"). The people figures depend on
-- the list: a report whose configured modules do not cover every module the
-- figures count pairs of recomputes from the history (compute_read.c). The
-- unit code is the history's own, so a registry change does not invalidate
-- them. The import writes a date as the figures in force before it with
-- the rows of the units and roles its learners were or are in recomputed
-- (src/unit_figures.c); bdtx rebuild --check recomputes them from the
-- history and compares.
DROP TABLE unit_figures;
CREATE TABLE unit_figures (
    province_code text NOT NULL,
    school_year   text NOT NULL,
    as_of         date NOT NULL,
    unit_code     text NOT NULL,
    role          text NOT NULL,
    n             integer NOT NULL,
    learners      integer NOT NULL,
    completed     integer NOT NULL,
    other         integer NOT NULL,
    held          integer[] NOT NULL,
    passed        integer[] NOT NULL,
    modules       text[],
    CHECK (CASE WHEN modules IS NULL THEN n > 0 ELSE unit_code = '' AND role = '' AND n = 0 END)
);
-- Read and written a whole date at a time; each (unit, role) is once in a
-- date (the writers group by it), so no unique index is kept.
CREATE INDEX unit_figures_date ON unit_figures (province_code, school_year, as_of);
-- The header of a date (its module list) found without reading its rows.
CREATE INDEX unit_figures_header ON unit_figures (province_code, school_year, as_of)
    WHERE modules IS NOT NULL;

-- The figures of a database that already holds a history: those of every
-- as-of date of a learners import, from the history, as the import writes
-- them when it recomputes (FIGURES_HISTORY_MODULES_SQL and
-- FIGURES_FROM_HISTORY_SQL of src/history_sql.h).
CREATE TEMP TABLE figures_dates ON COMMIT DROP AS
SELECT d.province_code, d.school_year, d.as_of,
  (SELECT coalesce(array_agg(module ORDER BY module COLLATE "C"), '{}')
   FROM (SELECT DISTINCT module FROM progress_version p
         WHERE p.province_code = d.province_code AND p.school_year = d.school_year
           AND p.as_of <= d.as_of) m) AS modules
FROM (SELECT DISTINCT province_code, school_year, as_of FROM import
      WHERE source = 'lms-learners') d;

INSERT INTO unit_figures (province_code, school_year, as_of, unit_code, role, n, learners,
                          completed, other, held, passed, modules)
SELECT province_code, school_year, as_of, '', '', 0, 0, 0, 0, '{}', '{}', modules
FROM figures_dates;

INSERT INTO unit_figures (province_code, school_year, as_of, unit_code, role, n, learners,
                          completed, other, held, passed)
SELECT d.province_code, d.school_year, d.as_of, f.unit_code, f.role, f.n, f.learners,
  f.completed, f.other, f.held, f.passed
FROM figures_dates d
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
    ), lp AS (
        SELECT lv.unit_code, coalesce(lv.role, '') AS role, lv.learner_id,
          pv.module, pv.state, l.i
        FROM lv LEFT JOIN pv USING (learner_id)
        LEFT JOIN unnest(d.modules) WITH ORDINALITY l (module, i) ON l.module = pv.module
    ), pl AS (
        SELECT unit_code, role, learner_id, count(i) AS held,
          count(i) FILTER (WHERE state <> 2) AS owed, count(module) - count(i) AS other
        FROM lp GROUP BY 1, 2, 3
    ), pp AS (
        SELECT unit_code, role, count(*) AS n,
          count(*) FILTER (WHERE held > 0) AS learners,
          count(*) FILTER (WHERE held > 0 AND owed = 0) AS completed,
          sum(other) AS other
        FROM pl GROUP BY 1, 2
    ), pm AS (
        SELECT unit_code, role, i, count(*) AS held, count(*) FILTER (WHERE state = 2) AS passed
        FROM lp WHERE i IS NOT NULL GROUP BY 1, 2, 3
    )
    SELECT pp.unit_code, pp.role, pp.n::integer AS n, pp.learners::integer AS learners,
      pp.completed::integer AS completed, pp.other::integer AS other,
      coalesce(array_agg(coalesce(pm.held, 0)::integer ORDER BY g.i)
               FILTER (WHERE g.i IS NOT NULL), '{}') AS held,
      coalesce(array_agg(coalesce(pm.passed, 0)::integer ORDER BY g.i)
               FILTER (WHERE g.i IS NOT NULL), '{}') AS passed
    FROM pp LEFT JOIN generate_series(1, cardinality(d.modules)) g (i) ON true
    LEFT JOIN pm ON pm.unit_code = pp.unit_code AND pm.role = pp.role AND pm.i = g.i
    GROUP BY pp.unit_code, pp.role, pp.n, pp.learners, pp.completed, pp.other
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
