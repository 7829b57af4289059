/* Shared by the computation (compute.c) and its reading half
 * (compute_read.c): the counts of one date as the database holds them, in
 * plain C, and the computation that turns them into a struct report. Only
 * the reading half speaks to the database, so the computation can be given
 * grids built by hand. Not installed: callers use include/bdtx/compute.h. */
#ifndef BDTX_COMPUTE_INTERNAL_H
#define BDTX_COMPUTE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bdtx/compute.h"
#include "bdtx/error.h"
#include "bdtx/value.h"

/* One lms-units aggregate in force (rule 3): what an export gave for a
 * whole unit, module and target rather than learner by learner. */
struct compute_aggregate {
    long unit;                       /* index into the registry */
    size_t module;                   /* index into year->modules */
    bool cbql;                       /* the target: cbql, else gv */
    int64_t assigned, passed;
};

/* The counts of one date, nothing rolled up yet: the (learner, module)
 * pairs at the unit where their learners are, per unit and module (cells,
 * nunits * nmodules, unit by unit, split by role), and the aggregates in
 * force, ordered by unit code, module and target. */
struct compute_grid {
    struct figures *cells;
    size_t nunits, nmodules;         /* the registry's count, year->nmodules */
    /* Each unit's own learners over all modules (rule 10; only the people
     * figures used), nunits of them. */
    struct figures *people;
    struct compute_aggregate *aggregates;
    size_t naggregates;
    /* Pairs of learners whose unit left the registry, or of a module no
     * longer configured: they have nowhere to count. */
    int64_t unregistered;
};

static inline struct figures *compute_grid_at(const struct compute_grid *g, long unit,
                                              size_t module)
{
    return &g->cells[(size_t)unit * g->nmodules + module];
}

/* Counts pairs into c, and into its role's figures ("gv", "cbql"; other
 * roles count in the whole only). */
void compute_count_pairs(struct figures *c, const char *role, int64_t assigned, int64_t passed);
/* Counts rule 10's learners and completed of them into c, and into its
 * role's figures as compute_count_pairs. */
void compute_count_people(struct figures *c, const char *role, int64_t learners,
                          int64_t completed);

/* Everything of rep that is computed (SPEC section 3): the rankings, the
 * province's totals and those of each module, the schools, the learners'
 * pairs and the warnings, from the grids of the report's date (now) and of
 * a week before (prev). rep already holds cfg, year, as_of and reg, and the
 * warnings read the lists of imports, rejections and duplicates it holds.
 * The cells of now and prev are taken over, also on failure (their
 * pointers left NULL): rolled up in place, they stay in rep->grid_now and
 * rep->grid_prev for the trend, and report_release frees them. On failure
 * rep keeps what was built, for report_release. */
int compute_build(struct report *rep, struct compute_grid *now, struct compute_grid *prev,
                  bdtx_error *err);

/* Rule 12's weeks: of the weeks ending at the report's date, a week
 * before, ..., those with data (an lms-learners or lms-units import with
 * its as-of in the week, from rep->imports), the last four at most within
 * the school year; *nweeks of them, and *base the end of the week before
 * the oldest (the report's date when none). False when no module of the
 * year has a due date: there is no progress to compute. */
bool compute_pace_window(const struct report *rep, bdtx_date *base, int *nweeks);
/* rep->progress from rep's figures (after compute_build, before the trend
 * frees its grids) and base, the grid of the date compute_pace_window
 * gave, rolled up here in place; marks the ranking rows at risk. */
int compute_progress(struct report *rep, struct compute_grid *base, int nweeks,
                     bdtx_error *err);

/* rep->trend laid out: one week for each Sunday from that of first (the
 * year's first import, not before the year starts) to the report's date,
 * and its units (the overall rankings' ranked units, then direct units). */
int compute_trend_layout(struct report *rep, bdtx_date first, bdtx_error *err);
/* A trend of one or two weeks is the report's own date and the week before
 * it: their grids are those compute_build kept. Fills the trend from them
 * and returns true, or returns false when the trend needs other weeks. */
bool compute_trend_kept(struct report *rep);
/* Week w of the trend from g, rolled up in rolled (nunits * nmodules cells,
 * its previous content ignored). */
int compute_trend_week(struct report *rep, size_t w, const struct compute_grid *g,
                       struct figures *rolled, bdtx_error *err);

#endif
