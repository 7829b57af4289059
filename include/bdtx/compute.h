/* The computation rules of SPEC section 3: figures per unit and module as of
 * a date, rolled up the hierarchy, grouped and ranked. Every report format
 * is written from the struct report this fills. */
#ifndef BDTX_COMPUTE_H
#define BDTX_COMPUTE_H

#include <stdbool.h>
#include <stdint.h>

#include "bdtx/config.h"
#include "bdtx/db.h"
#include "bdtx/error.h"
#include "bdtx/units.h"
#include "bdtx/value.h"

struct figures {
    int64_t gv_assigned, gv_passed;
    int64_t cbql_assigned, cbql_passed;
    int64_t assigned, passed;        /* GV + CBQL + learners of unknown role */
};

struct rank_row {
    long unit;                       /* index into report.reg.units */
    struct figures f;
    int rank;                        /* 0 when the unit has nothing assigned */
    int group;                       /* index into year->groups, -1 when none */
    bool has_delta;
    double delta_pp;                 /* percentage points against a week earlier */
};

struct ranking {
    char scope[64];                  /* "overall" or "module:M1" */
    const char *module;              /* NULL for overall */
    enum unit_kind kind;             /* UNIT_RANKED or UNIT_DIRECT */
    struct rank_row *rows;           /* in display order */
    size_t nrows;
};

struct temis_row {
    long unit;
    const char *target;              /* "gv" or "cbql" */
    int64_t total, self_assessed, head_assessed;
    bool has_head;
};

struct import_row {
    char *file;
    char *source;
    char as_of[11];
    long rows, rejected;
};

struct report {
    const struct config *cfg;
    const struct config_year *year;
    bdtx_date as_of;
    int iso_year, week;
    struct registry reg;
    struct ranking *rankings;        /* overall ranked, overall direct, then per module */
    size_t nrankings;
    struct figures total;            /* the province */
    int total_group;
    struct rank_row *schools;        /* rank is the rank within the parent */
    size_t nschools;
    struct temis_row *temis;
    size_t ntemis;
    struct import_row *imports;
    size_t nimports;
    int64_t learners, learner_modules;
};

/* Compute the report of year as of the date as_of. */
int compute_report(struct db *db, const struct config *cfg, const struct config_year *year,
                   bdtx_date as_of, struct report *rep, bdtx_error *err);
void report_release(struct report *rep);

/* Index of the group of passed/assigned (the highest min_percent reached,
 * in exact integer arithmetic), or -1 when nothing is assigned. */
int compute_group(const struct config_group *groups, size_t ngroups,
                  int64_t passed, int64_t assigned);
/* Sort rows for display (rate descending, then assigned descending, then
 * code; nothing assigned last) and give competition ranks (1, 2, 2, 4). */
void compute_rank(struct rank_row *rows, size_t n, const struct registry *reg);
/* rate as a double; only meaningful when assigned > 0. */
double compute_rate(int64_t passed, int64_t assigned);

#endif
