/* The history in force at a date, as SQL shared by every module that reads
 * it: the learners list (people.c), the import guard (guard.c), the merge
 * (import_learners.c) and the figures kept per unit (unit_figures.c), which
 * the computation (compute_read.c) reads; for rule 1 of SPEC section 3.
 * Not installed. */
#ifndef BDTX_HISTORY_SQL_H
#define BDTX_HISTORY_SQL_H

/* Over province $1, school year $2, as-of date $3. Every key descending:
 * the primary keys, read backwards, give the latest version of each first,
 * and both come out in learner order for a merge join, so nothing is sorted
 * however long the year's history grows. */

/* Each learner's latest unit, role and name (learner_id, unit_code, role,
 * full_name). */
#define LEARNERS_IN_FORCE_SQL                                                    \
    "SELECT DISTINCT ON (learner_id) learner_id, unit_code, role, full_name"     \
    "  FROM learner_version"                                                     \
    "  WHERE province_code = $1 AND school_year = $2 AND as_of <= $3"            \
    "  ORDER BY learner_id DESC, as_of DESC"

/* Each (learner, module)'s latest state (learner_id, module, state). */
#define PAIRS_IN_FORCE_SQL                                                       \
    "SELECT DISTINCT ON (learner_id, module) learner_id, module, state"          \
    "  FROM progress_version"                                                    \
    "  WHERE province_code = $1 AND school_year = $2 AND as_of <= $3"            \
    "  ORDER BY learner_id DESC, module DESC, as_of DESC"

/* The same for the learners of a table (a temporary table with a
 * learner_id column): an import compares only the learners it staged, and
 * their history is found along the primary key rather than read whole. */
#define LEARNERS_IN_FORCE_AMONG_SQL(table)                                       \
    "SELECT DISTINCT ON (learner_id) learner_id, unit_code, role, full_name"     \
    "  FROM learner_version"                                                     \
    "  WHERE province_code = $1 AND school_year = $2 AND as_of <= $3"            \
    "    AND learner_id IN (SELECT learner_id FROM " table ")"                   \
    "  ORDER BY learner_id DESC, as_of DESC"

#define PAIRS_IN_FORCE_AMONG_SQL(table)                                          \
    "SELECT DISTINCT ON (learner_id, module) learner_id, module, state"          \
    "  FROM progress_version"                                                    \
    "  WHERE province_code = $1 AND school_year = $2 AND as_of <= $3"            \
    "    AND learner_id IN (SELECT learner_id FROM " table ")"                   \
    "  ORDER BY learner_id DESC, module DESC, as_of DESC"

/* The pairs in force of one learner, row t of a table, as a LATERAL
 * subquery (module, state): an index probe along the primary key for each
 * learner, where PAIRS_IN_FORCE_AMONG_SQL is planned as a hash join with
 * the whole year's history once the learners are many. A week's import
 * whose staged learners are a small part of the year's reads only theirs. */
#define PAIRS_IN_FORCE_OF_SQL(t)                                                 \
    "SELECT DISTINCT ON (module) module, state FROM progress_version"            \
    "  WHERE province_code = $1 AND school_year = $2"                            \
    "    AND learner_id = " t ".learner_id AND as_of <= $3"                      \
    "  ORDER BY module DESC, as_of DESC"

/* Both as two CTEs, lv and pv, followed by the caller's SELECT. */
#define HISTORY_IN_FORCE_SQL                                                     \
    "WITH lv AS (" LEARNERS_IN_FORCE_SQL "), pv AS (" PAIRS_IN_FORCE_SQL ") "

/* The kept figures (sql/014_unit_figures_per_unit.sql) of the learners of
 * the CTEs lv and pv that precede it (HISTORY_IN_FORCE_SQL, or the same of
 * some learners only), one row per unit and role of their versions in
 * force, over the module list $4 (text[], sorted by code, "C"):
 *   n          the learners (with or without a pair in force)
 *   learners   those with a pair in force of a module of $4 (rule 10)
 *   completed  those of them whose every such pair is passed (rule 10)
 *   other      their pairs in force of modules not in $4
 *   held[i]    their pairs in force of the module $4[i]; passed[i] passed
 * Pairs and people per module are the same numbers (a learner has at most
 * one pair of a module). (unit_code, role, n, learners, completed, other,
 * held, passed). */
#define FIGURES_OF_LV_PV_SQL(list)                                                    \
    ", lp AS ("                                                                  \
    "  SELECT lv.unit_code, coalesce(lv.role, '') AS role, lv.learner_id,"       \
    "    pv.module, pv.state, l.i"                                               \
    "  FROM lv LEFT JOIN pv USING (learner_id)"                                  \
    "  LEFT JOIN unnest(" list "::text[]) WITH ORDINALITY l (module, i)"               \
    "    ON l.module = pv.module"                                                \
    "), pl AS ("                                                                 \
    "  SELECT unit_code, role, learner_id, count(i) AS held,"                    \
    "    count(i) FILTER (WHERE state <> 2) AS owed,"                            \
    "    count(module) - count(i) AS other"                                      \
    "  FROM lp GROUP BY 1, 2, 3"                                                 \
    "), pp AS ("                                                                 \
    "  SELECT unit_code, role, count(*) AS n,"                                   \
    "    count(*) FILTER (WHERE held > 0) AS learners,"                          \
    "    count(*) FILTER (WHERE held > 0 AND owed = 0) AS completed,"            \
    "    sum(other) AS other"                                                    \
    "  FROM pl GROUP BY 1, 2"                                                    \
    "), pm AS ("                                                                 \
    "  SELECT unit_code, role, i, count(*) AS held,"                             \
    "    count(*) FILTER (WHERE state = 2) AS passed"                            \
    "  FROM lp WHERE i IS NOT NULL GROUP BY 1, 2, 3"                             \
    ") "                                                                         \
    "SELECT pp.unit_code, pp.role, pp.n::integer AS n,"                          \
    "  pp.learners::integer AS learners, pp.completed::integer AS completed,"    \
    "  pp.other::integer AS other,"                                              \
    "  coalesce(array_agg(coalesce(pm.held, 0)::integer ORDER BY g.i)"           \
    "           FILTER (WHERE g.i IS NOT NULL), '{}') AS held,"                  \
    "  coalesce(array_agg(coalesce(pm.passed, 0)::integer ORDER BY g.i)"         \
    "           FILTER (WHERE g.i IS NOT NULL), '{}') AS passed "                \
    "FROM pp LEFT JOIN generate_series(1, cardinality(" list "::text[])) g (i) ON true " \
    "LEFT JOIN pm ON pm.unit_code = pp.unit_code AND pm.role = pp.role AND pm.i = g.i " \
    "GROUP BY pp.unit_code, pp.role, pp.n, pp.learners, pp.completed, pp.other"

/* The figures at $3 over the modules $4 recomputed from the whole history:
 * the import's when a year has none yet or a late import changed the past,
 * a report's when the modules configured are not those the figures were
 * kept for, and bdtx rebuild --check's. */
#define FIGURES_FROM_HISTORY_SQL HISTORY_IN_FORCE_SQL FIGURES_OF_LV_PV_SQL("$4")

/* The modules of the year's pairs up to $3, sorted by code ("C"), as text[]:
 * those the figures are kept for when recomputed from the history. */
#define FIGURES_HISTORY_MODULES_SQL                                              \
    "SELECT coalesce(array_agg(module ORDER BY module COLLATE \"C\"), '{}')"      \
    "  FROM (SELECT DISTINCT module FROM progress_version"                       \
    "        WHERE province_code = $1 AND school_year = $2 AND as_of <= $3) m"

/* The date of the figures kept in force at $3: the latest up to it, found
 * among the dates' headers (one row a date, an index of their own). */
#define FIGURES_DATE_SQL                                                         \
    "(SELECT max(as_of) FROM unit_figures"                                       \
    "  WHERE province_code = $1 AND school_year = $2 AND modules IS NOT NULL"    \
    "    AND as_of <= $3)"

/* The figures kept at import (unit_figures.c) in force at $3: the rows of
 * the latest date up to it, as the import wrote them from rule 1 of the
 * history; their arrays follow FIGURES_MODULES_IN_FORCE_SQL's list. $1
 * province, $2 school year. (unit_code, role, n, learners, completed,
 * other, held, passed) */
#define FIGURES_IN_FORCE_SQL                                                     \
    "SELECT unit_code, role, n, learners, completed, other, held, passed"        \
    "  FROM unit_figures"                                                        \
    "  WHERE province_code = $1 AND school_year = $2 AND modules IS NULL"        \
    "    AND as_of = " FIGURES_DATE_SQL

/* The module list of the figures kept in force at $3 (no row: none kept). */
#define FIGURES_MODULES_IN_FORCE_SQL                                             \
    "SELECT modules FROM unit_figures"                                           \
    "  WHERE province_code = $1 AND school_year = $2 AND modules IS NOT NULL"    \
    "    AND as_of = " FIGURES_DATE_SQL

#endif
