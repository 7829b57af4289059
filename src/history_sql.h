/* The history in force at a date, and the pairs of a staged file, as SQL
 * shared by the modules that must read them the same way: the computation
 * (compute.c) and the learners list (people.c) for rule 1 of SPEC section 3;
 * the merge (import.c) and the import guard (guard.c) for a file's pairs.
 * Not installed. */
#ifndef BDTX_HISTORY_SQL_H
#define BDTX_HISTORY_SQL_H

/* Two CTEs over province $1, school year $2, as-of date $3: lv, each
 * learner's latest unit, role and name; pv, each (learner, module)'s latest
 * state. Every key descending: the primary keys, read backwards, give the
 * latest version of each first, and both come out in learner order for a
 * merge join, so nothing is sorted however long the year's history grows.
 * Followed by the caller's SELECT. */
#define HISTORY_IN_FORCE_SQL                                                     \
    "WITH lv AS ("                                                               \
    "  SELECT DISTINCT ON (learner_id) learner_id, unit_code, role, full_name"   \
    "  FROM learner_version"                                                     \
    "  WHERE province_code = $1 AND school_year = $2 AND as_of <= $3"            \
    "  ORDER BY learner_id DESC, as_of DESC"                                     \
    "), pv AS ("                                                                 \
    "  SELECT DISTINCT ON (learner_id, module) learner_id, module, state"        \
    "  FROM progress_version"                                                    \
    "  WHERE province_code = $1 AND school_year = $2 AND as_of <= $3"            \
    "  ORDER BY learner_id DESC, module DESC, as_of DESC"                        \
    ") "

/* Two CTEs over the staged file (stage_learner) of province $1: pairs, each
 * (account, module) once with its most advanced state (the same pair twice
 * in one file counts once); cur, the same keyed by learner id. Followed by
 * ", prev AS (...)" or the caller's statement. */
#define STAGED_PAIRS_SQL                                                         \
    "WITH pairs AS ("                                                            \
    "  SELECT account, module, max(state) AS state FROM stage_learner"           \
    "  GROUP BY account, module"                                                 \
    "), cur AS ("                                                                \
    "  SELECT l.id AS learner_id, p.module, p.state"                             \
    "  FROM pairs p JOIN learner l ON l.province_code = $1 AND l.account = p.account" \
    ")"

#endif
