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

/* The kept figures' key of each learner (sql/012_unit_figures.sql): the
 * learners of the CTEs lv and pv that precede it (HISTORY_IN_FORCE_SQL, or
 * the same of some learners only) counted by unit, role, the modules of
 * their pairs in force and those not passed, sorted by code ("C": the same
 * order whatever the database's collation). A learner with no pair in force
 * counts with has '{}', so that the figures also give the number of
 * learners. (unit_code, role, has, owed, n). */
#define FIGURES_OF_LV_PV_SQL                                                     \
    ", pl AS ("                                                                  \
    "  SELECT learner_id, array_agg(module ORDER BY module COLLATE \"C\") AS has," \
    "    coalesce(array_agg(module ORDER BY module COLLATE \"C\")"                 \
    "             FILTER (WHERE state <> 2), '{}') AS owed"                      \
    "  FROM pv GROUP BY learner_id) "                                            \
    "SELECT lv.unit_code, coalesce(lv.role, '') AS role,"                        \
    "  coalesce(pl.has, '{}') AS has, coalesce(pl.owed, '{}') AS owed,"          \
    "  count(*) AS n "                                                           \
    "FROM lv LEFT JOIN pl USING (learner_id) GROUP BY 1, 2, 3, 4"

/* The figures at $3 recomputed from the whole history: the import's when a
 * year has none yet or a late import changed the past, and bdtx rebuild
 * --check's. */
#define FIGURES_FROM_HISTORY_SQL HISTORY_IN_FORCE_SQL FIGURES_OF_LV_PV_SQL

/* The figures at $3 of the learners of the temporary table figures_learners
 * (learner_id) only: the import's before and after its merge. */
#define FIGURES_OF_LEARNERS_SQL                                                  \
    "WITH lv AS ("                                                               \
    "  SELECT DISTINCT ON (learner_id) learner_id, unit_code, role"              \
    "  FROM learner_version"                                                     \
    "  WHERE province_code = $1 AND school_year = $2 AND as_of <= $3"            \
    "    AND learner_id IN (SELECT learner_id FROM figures_learners)"            \
    "  ORDER BY learner_id DESC, as_of DESC"                                     \
    "), pv AS ("                                                                 \
    "  SELECT DISTINCT ON (learner_id, module) learner_id, module, state"        \
    "  FROM progress_version"                                                    \
    "  WHERE province_code = $1 AND school_year = $2 AND as_of <= $3"            \
    "    AND learner_id IN (SELECT learner_id FROM figures_learners)"            \
    "  ORDER BY learner_id DESC, module DESC, as_of DESC) "                      \
    FIGURES_OF_LV_PV_SQL

/* The figures kept at import (unit_figures.c) in force at the date: those
 * of the latest date up to it, as the import wrote them from rule 1 of the
 * history. $1 province, $2 school year, $3 the date. */
#define FIGURES_IN_FORCE_SQL                                                     \
    "SELECT unit_code, role, has, owed, n FROM unit_figures"                     \
    "  WHERE province_code = $1 AND school_year = $2 AND as_of = ("              \
    "    SELECT max(as_of) FROM unit_figures"                                     \
    "    WHERE province_code = $1 AND school_year = $2 AND as_of <= $3)"

#endif
