/* The learners not yet passed as of a report's date (the Chưa hoàn thành
 * sheet), streamed from the database in batches so that a national list
 * never sits in memory whole. */
#ifndef BDTX_PEOPLE_H
#define BDTX_PEOPLE_H

#include <stdbool.h>

#include "bdtx/error.h"
#include "bdtx/value.h"

struct db;

/* One (learner, module) not passed. Valid until the next call. */
struct person_row {
    const char *unit_code;     /* the learner's school */
    const char *account;
    const char *full_name;     /* "" when the export had none */
    const char *role;          /* "gv", "cbql" or "" */
    const char *module;        /* module code */
    int state;                 /* 0 not started, 1 started */
};

/* Where a writer takes the rows from: next returns 1 with row filled, 0 at
 * the end, -1 with err filled. */
struct people_source {
    int (*next)(void *ctx, struct person_row *row, bdtx_error *err);
    void *ctx;
};

struct people_cursor;

/* Open the list of school year `year` of `province` as of `as_of`, ordered
 * by parent unit, school, name, account and module, so that each learner's
 * pairs come together; *src is set to read it. db must be in a
 * db_begin_snapshot transaction: the list is read on a second connection
 * that sees the same instant (db_connect_shared), and its sort starts at
 * once, while the caller goes on with its own queries on db. When no second
 * connection can be opened (a connection limit), it is read on db itself,
 * in the same transaction, when the writer asks for it, with a warning. */
int people_open(struct db *db, const char *province, const char *year, bdtx_date as_of,
                struct people_cursor **out, struct people_source *src, bdtx_error *err);
/* The same list for one unit: the learners whose school is unit or below
 * it, and nobody else (a unit's pack). Read on db itself, which must be in
 * a transaction (a worker's db_connect_shared connection); people_close
 * closes the cursor, so that db can read the next unit's. */
int people_open_unit(struct db *db, const char *province, const char *year, bdtx_date as_of,
                     const char *unit, struct people_cursor **out, struct people_source *src,
                     bdtx_error *err);
void people_close(struct people_cursor *c);

/* The province's list split by pack while its own workbook reads it, so
 * that the packs do not each ask the database again (SPEC section 7: each
 * part holds exactly what people_open_unit would list for its unit, in the
 * same order, since both are ordered the same way). part_of[i] is the part
 * of registry unit i's learners, or -1 (it and reg must outlive the
 * spool). *tee is to be read instead of *from: it hands on every row and
 * keeps it in a temporary file of its part. With no part or more than
 * fit in open files at once, *out is NULL and *tee is *from. */
struct people_spool;
struct registry;
int people_spool_open(const struct registry *reg, const long *part_of, size_t nparts,
                      const struct people_source *from, struct people_spool **out,
                      struct people_source *tee, bdtx_error *err);
/* Whether every row was read through the tee and kept: otherwise each pack
 * reads its list with people_open_unit. */
bool people_spool_usable(const struct people_spool *s);
/* Read part's list back (from one thread at a time per part), then release
 * it with people_spool_done. */
int people_spool_read(struct people_spool *s, size_t part, struct people_source *src,
                      bdtx_error *err);
void people_spool_done(struct people_spool *s, size_t part);
void people_spool_close(struct people_spool *s);

#endif
