/* The import guard: a learners export that would undo much of what is
 * known (passed pairs falling back to not passed, a unit losing most of its
 * learners) is more likely the wrong file than the truth. */
#ifndef BDTX_GUARD_H
#define BDTX_GUARD_H

#include "bdtx/config.h"
#include "bdtx/db.h"
#include "bdtx/error.h"
#include "bdtx/value.h"

/* Compare the file staged for the merge (stage_pair and stage_last, with
 * what was in force for those learners, stage_prev_pv, inside the import's
 * transaction, before the versions are written; import_id is the import's
 * own row) with the history of year as of as_of, against
 * cfg->limits (max_unpassed_percent, max_unit_drop_percent,
 * min_unit_learners). 0 when the file may go in; -1 with err filled
 * (BDTX_DATAERR, the figures, the hint --force) when it is refused, or on a
 * database error. */
int guard_learners(struct db *db, const struct config *cfg, const char *year, bdtx_date as_of,
                   const char *import_id, const char *path, bdtx_error *err);

#endif
