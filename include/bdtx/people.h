/* The learners not yet passed as of a report's date (the Chưa hoàn thành
 * sheet), streamed from the database in batches so that a national list
 * never sits in memory whole. */
#ifndef BDTX_PEOPLE_H
#define BDTX_PEOPLE_H

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

#endif
