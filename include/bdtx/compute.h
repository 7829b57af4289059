/* The computation rules of SPEC section 3: figures per unit and module as of
 * a date, rolled up the hierarchy, grouped and ranked, into the struct
 * report (report.h) every report format is written from. compute_read.c
 * reads the database, compute.c computes. */
#ifndef BDTX_COMPUTE_H
#define BDTX_COMPUTE_H

#include <stdbool.h>
#include <stdint.h>

#include "bdtx/config.h"
#include "bdtx/error.h"
#include "bdtx/report.h"
#include "bdtx/units.h"
#include "bdtx/value.h"

struct db;

/* Compute the report of year as of the date as_of. */
int compute_report(struct db *db, const struct config *cfg, const struct config_year *year,
                   bdtx_date as_of, struct report *rep, bdtx_error *err);
/* Fill rep->trend (the workbook's Xu hướng): one more pass over the year's
 * history (each version's stretch of weeks counted at its ends), then one
 * roll-up per week, so only the writers that show it ask for it;
 * compute_report leaves the trend empty. Opens and ends its own read-only
 * transaction on db. */
int compute_trend(struct db *db, struct report *rep, bdtx_error *err);

/* Index of the group of passed/assigned (the highest min_percent reached,
 * in exact integer arithmetic), or -1 when nothing is assigned. */
int compute_group(const struct config_group *groups, size_t ngroups,
                  int64_t passed, int64_t assigned);
/* Rule 11: the least k >= 0 such that passed + k out of assigned reaches
 * group (exact integer arithmetic as compute_group); -1 when nothing is
 * assigned. */
int64_t compute_needed(const struct config_group *group, int64_t passed, int64_t assigned);
/* Sort rows for display (rate descending, then assigned descending, then
 * code; nothing assigned last) and give competition ranks (1, 2, 2, 4). */
void compute_rank(struct rank_row *rows, size_t n, const struct registry *reg);
/* The same by the ranked measure: with people, completed / learners
 * (rank_by: learners), else passed / assigned. */
void compute_rank_by(struct rank_row *rows, size_t n, const struct registry *reg, bool people);
/* The ranked measure of f: (completed, learners) with people, else
 * (passed, assigned). */
void compute_measure(const struct figures *f, bool people, int64_t *num, int64_t *den);
/* rate as a double; only meaningful when assigned > 0. */
double compute_rate(int64_t passed, int64_t assigned);

#endif
