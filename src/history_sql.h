/* The history in force at a date, as SQL shared by the modules that must
 * read it the same way: the computation (compute.c) and the learners list
 * (people.c), for rule 1 of SPEC section 3. Not installed. */
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

#endif
