/* A unit's pack (SPEC section 6, "Unit packs"): for every ranked-level and
 * direct unit, beside the province's workbook,
 * reports/<school year>/don-vi/<unit code>/<week>.xlsx with the unit's own
 * figures, its rank and group beside the province total, its schools, its
 * trend and its own learners not yet passed (SPEC section 7: that unit's
 * people and nobody else's). Packs are independent, so they are written by
 * a pool of workers, each with its own workbook; their learners come from
 * the province's list as its workbook read it (people_spool), or else
 * each worker reads them on its own connection in the report's one
 * snapshot. */
#ifndef BDTX_PACK_H
#define BDTX_PACK_H

#include <stdbool.h>
#include <stddef.h>

#include "bdtx/error.h"
#include "bdtx/report.h"

struct db;
struct people_spool;

/* The folder a unit's files go to: "don-vi" under the school year's. */
#define PACK_FOLDER "don-vi"

/* Whether a unit code can name its folder: ASCII letters, digits, '-' and
 * '_', 1 to 64 of them. A registry code is input text, and never becomes a
 * path otherwise. */
bool pack_code_safe(const char *code);

/* paths.reports/<school year>/don-vi/<code>/<week><ext> (ext ".xlsx",
 * ".txt"), or the folder itself when ext is NULL. malloc'd; NULL with err
 * filled when memory runs out. */
char *pack_path(const struct report *rep, const char *code, const char *ext, bdtx_error *err);

/* The units that get a pack: those of the overall ranked-level and direct
 * tables, in display order, less any whose code cannot name a folder (with
 * a warning). *out malloc'd (NULL when *n is 0). */
int pack_units(const struct report *rep, long **out, size_t *n, bdtx_error *err);


/* rep seen from one unit: its own rows of every ranking (its rank, group,
 * mark and what it needs kept), the province totals, its schools, its
 * TEMIS rows, its progress against each module's deadline, its trend
 * beside the province's, and none of the province's lists of rejected or
 * duplicate rows. The view borrows the rest from rep (which
 * must outlive it); release it with pack_view_release, never
 * report_release. */
int pack_view(const struct report *rep, long unit, struct report *view, bdtx_error *err);
void pack_view_release(struct report *view);

/* Write unit's notice (notice.h) to path, renamed into place. */
int pack_save_notice(const struct report *rep, long unit, const char *path, bdtx_error *err);

/* Write unit's pack to out (NULL: its place, pack_path), through a
 * temporary file renamed into place; with report.include_people its
 * learners are read on db, in a transaction that sees what rep saw. */
int pack_write_one(struct db *db, const struct report *rep, long unit, const char *out,
                   bdtx_error *err);

/* Which pack each registry unit's learners belong to: *out[i] is the
 * place in units[0..n) of the pack whose unit is i or above it, or -1
 * (malloc'd, rep->reg.count long; NULL when a unit is below two of them).
 * The parts of a people_spool (people.h). */
int pack_parts(const struct report *rep, const long *units, size_t n, long **out,
               bdtx_error *err);
/* Write the packs of units[0..n) of rep, each with its notice beside it
 * (<week>.txt), each renamed into place when complete. With report.include_people, db is the connection of the
 * report's snapshot (report_read_begin, still open): each worker reads its
 * units' learners on a connection of its own in that snapshot
 * (db_connect_shared), or, when no further connection can be opened, one
 * worker reads them on db. At most `workers` at once (0: one per online
 * processor, at most 8), the packs with the most learners first. When
 * spool (parts by pack_parts) is usable, every pack's learners are read
 * from it and no connection is opened.
 * Returns 0, or -1 with err filled by the first failure (the packs not yet
 * begun are not written). */
int pack_write(struct db *db, const struct report *rep, const long *units, size_t n,
               struct people_spool *spool, int workers, bdtx_error *err);

#endif
