/* The history in force at a date, as SQL shared by every module that reads
 * it: the computation (compute.c), the learners list (people.c), the import
 * guard (guard.c) and the merge (import_learners.c), for rule 1 of SPEC
 * section 3. Not installed. */
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

/* Both as two CTEs, lv and pv, followed by the caller's SELECT. */
#define HISTORY_IN_FORCE_SQL                                                     \
    "WITH lv AS (" LEARNERS_IN_FORCE_SQL "), pv AS (" PAIRS_IN_FORCE_SQL ") "

#endif
