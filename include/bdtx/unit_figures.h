/* The figures of every unit kept at import (sql/014_unit_figures_per_unit.sql):
 * at each as-of date of a learners export, the learners in force counted
 * by unit and role, with their people figures and per module their pairs
 * held and passed. A report, the
 * trend and the packs read them instead of every pair of the province
 * (compute_read.c); bdtx rebuild --check compares them with the history. */
#ifndef BDTX_UNIT_FIGURES_H
#define BDTX_UNIT_FIGURES_H

#include <stdint.h>

#include "bdtx/db.h"
#include "bdtx/error.h"
#include "bdtx/value.h"

/* How the import writes the figures at its as-of date. */
enum unit_figures_way {
    UNIT_FIGURES_DELTA,     /* those in force before, plus the change of its learners */
    UNIT_FIGURES_FIRST,     /* the year's first: nothing in force before, from the
                             * staging tables */
    UNIT_FIGURES_HISTORY,   /* from the history: no figures before, or a module new
                             * to them */
    UNIT_FIGURES_LATER,     /* figures of a later date exist: every date from this one
                             * on recomputed from the history */
};

/* Inside a learners import's transaction, after staging (stage_last and
 * stage_pair hold every learner whose versions the merge may write) and
 * before the merge: decides *way and, for a delta, keeps those learners'
 * figures in force at as_of as they are before the merge. */
int unit_figures_before(struct db *db, const char *province, const char *year,
                        bdtx_date as_of, enum unit_figures_way *way, bdtx_error *err);
/* After the merge: writes the figures at as_of (and, for UNIT_FIGURES_LATER,
 * those of every later date). */
int unit_figures_after(struct db *db, const char *province, const char *year,
                       bdtx_date as_of, enum unit_figures_way way, bdtx_error *err);

/* One difference found by unit_figures_check: at date, of the learners of
 * unit_code with role, the number `what` names ("learners", "pairs of M1",
 * ...): kept says the figures, history the history. */
struct unit_figures_diff {
    char date[11];
    char *unit_code, *role, *what;
    int64_t kept, history;
};

#define UNIT_FIGURES_MAX_DIFFS 20

struct unit_figures_check {
    long dates;                     /* dates compared */
    long differences;               /* keys whose counts differ, over all dates */
    struct unit_figures_diff diffs[UNIT_FIGURES_MAX_DIFFS];
    size_t ndiffs;                  /* the first of them, at most UNIT_FIGURES_MAX_DIFFS */
};

/* Recomputes from the history, at every as-of date of a learners import of
 * the year and every date figures are kept at, the figures in force there
 * (over the module list kept) and compares them with those kept, writing nothing; the differences into
 * *res (released with unit_figures_check_release). 0, or -1 on a database
 * error. */
int unit_figures_check(struct db *db, const char *province, const char *year,
                       struct unit_figures_check *res, bdtx_error *err);
void unit_figures_check_release(struct unit_figures_check *res);

#endif
