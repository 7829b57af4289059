#include "bdtx/people.h"

#include <stdlib.h>
#include <string.h>

#include "bdtx/db.h"
#include "bdtx/log.h"
#include "history_sql.h"

/* Rows fetched per round trip: large enough to keep the server busy, small
 * enough that a batch costs a few megabytes at most. */
#define PEOPLE_BATCH "5000"

struct people_cursor {
    struct db *db;             /* a second connection on the report's snapshot,
                                * or the report's own (shared false) */
    bool shared;
    bool own_cursor;           /* people_open_unit: closed with the list */
    struct db_result *batch;
    int next_row;
    bool sent;                 /* a FETCH is on its way (shared only) */
    bool done;
};

/* Rule 1 of SPEC section 3, read as the computation reads it
 * (history_sql.h), keeping the pairs not passed: only the final order of
 * the list is sorted. A learner's pairs come one after another (the
 * account decides before the module). */
#define PEOPLE_SELECT_SQL                                                        \
    "DECLARE bdtx_people NO SCROLL CURSOR FOR "                                  \
    HISTORY_IN_FORCE_SQL                                                         \
    "SELECT lv.unit_code, l.account, coalesce(lv.full_name, ''), coalesce(lv.role, ''),"  \
    "  pv.module, pv.state "                                                     \
    "FROM pv JOIN lv USING (learner_id) JOIN learner l ON l.id = pv.learner_id " \
    "LEFT JOIN unit u ON u.province_code = $1 AND u.school_year = $2 AND u.code = lv.unit_code " \
    "WHERE pv.state <> 2 "
#define PEOPLE_ORDER_SQL "ORDER BY u.parent_code, lv.unit_code, 3, l.account, pv.module"

static const char people_sql[] = PEOPLE_SELECT_SQL PEOPLE_ORDER_SQL;

/* One unit's people only (a unit's pack, SPEC section 7): learners whose
 * school is unit $4 or below it in the stored registry. Every learner's
 * latest version is read (rule 1 decides the unit on it), but the pairs
 * only of the unit's learners, each through the primary key, so that a
 * province's packs do not read its whole history once each. */
static const char unit_people_sql[] =
    "DECLARE bdtx_people NO SCROLL CURSOR FOR "
    "WITH lv AS (" LEARNERS_IN_FORCE_SQL ") "
    "SELECT lv.unit_code, l.account, coalesce(lv.full_name, ''), coalesce(lv.role, ''),"
    "  pv.module, pv.state "
    "FROM lv JOIN learner l ON l.id = lv.learner_id "
    "CROSS JOIN LATERAL (SELECT DISTINCT ON (module) module, state FROM progress_version p"
    "  WHERE p.province_code = $1 AND p.school_year = $2 AND p.learner_id = lv.learner_id"
    "  AND p.as_of <= $3 ORDER BY module DESC, as_of DESC) pv "
    "LEFT JOIN unit u ON u.province_code = $1 AND u.school_year = $2 AND u.code = lv.unit_code "
    "WHERE pv.state <> 2 "
    "AND lv.unit_code IN (WITH RECURSIVE below (code) AS ("
    "  SELECT code FROM unit WHERE province_code = $1 AND school_year = $2 AND code = $4"
    "  UNION SELECT c.code FROM unit c JOIN below ON c.parent_code = below.code"
    "  WHERE c.province_code = $1 AND c.school_year = $2) SELECT code FROM below) "
    PEOPLE_ORDER_SQL;

/* The lateral join of a unit's list is estimated at many times what it
 * reads, which makes PostgreSQL compile the query (JIT) for every pack:
 * about 1.5 s of server CPU each, three times what the list itself costs
 * (docs/scaling.md). Both lists are plain scans and sorts; for the rest of
 * the transaction (a pack writer's, or the second connection's). */
static const char no_jit_sql[] = "SET LOCAL jit = off";

static const char fetch_sql[] = "FETCH " PEOPLE_BATCH " FROM bdtx_people";

/* On a second connection the next batch is asked for as soon as the
 * current one arrives, so that the server reads it while the writer formats
 * this one; on the report's own connection, when the writer needs it. */
static int people_next(void *ctx, struct person_row *row, bdtx_error *err)
{
    struct people_cursor *c = ctx;
    int i;

    while (!c->batch || c->next_row >= db_rows(c->batch)) {
        if (c->done || (c->shared && !c->sent))
            return 0;
        db_result_free(c->batch);
        c->batch = NULL;
        c->sent = false;
        if ((c->shared ? db_receive(c->db, &c->batch, err)
                       : db_query(c->db, fetch_sql, 0, NULL, &c->batch, err)) != 0)
            return -1;
        c->next_row = 0;
        if (db_rows(c->batch) == 0) {
            c->done = true;
            return 0;
        }
        if (c->shared) {
            if (db_send(c->db, fetch_sql, err) != 0)
                return -1;
            c->sent = true;
        }
    }
    i = c->next_row++;
    row->unit_code = db_value(c->batch, i, 0);
    row->account = db_value(c->batch, i, 1);
    row->full_name = db_value(c->batch, i, 2);
    row->role = db_value(c->batch, i, 3);
    row->module = db_value(c->batch, i, 4);
    row->state = atoi(db_value(c->batch, i, 5));
    return 1;
}

int people_open(struct db *db, const char *province, const char *year, bdtx_date as_of,
                struct people_cursor **out, struct people_source *src, bdtx_error *err)
{
    char date[11];
    const char *params[3] = {province, year, date};
    struct people_cursor *c = calloc(1, sizeof *c);

    *out = NULL;
    if (!c) {
        error_oom(err);
        return -1;
    }
    date_format_iso(as_of, date);
    /* The first FETCH is where the server sorts the whole list: sent now,
     * it runs beside the caller's own queries on db. */
    if (db_connect_shared(db, &c->db, err) == 0) {
        c->shared = true;
        if (db_exec(c->db, "SET work_mem = '64MB'", 0, NULL, err) != 0 ||
            db_exec(c->db, no_jit_sql, 0, NULL, err) != 0 ||
            db_exec(c->db, people_sql, 3, params, err) != 0 ||
            db_send(c->db, fetch_sql, err) != 0) {
            people_close(c);
            return -1;
        }
        c->sent = true;
    } else if (err->code == BDTX_UNAVAILABLE && db_in_transaction(db)) {
        /* No second connection (the role's or the server's connection
         * limit): the list is read on the report's own connection, in the
         * same snapshot, after the figures. Slower, and the same workbook. */
        log_warning("%s; the list of learners not passed is read after the figures",
                    err->message);
        error_clear(err);
        c->db = db;
        if (db_exec(db, people_sql, 3, params, err) != 0) {
            free(c);
            return -1;
        }
    } else {
        people_close(c);
        return -1;
    }
    *out = c;
    src->next = people_next;
    src->ctx = c;
    return 0;
}

int people_open_unit(struct db *db, const char *province, const char *year, bdtx_date as_of,
                     const char *unit, struct people_cursor **out, struct people_source *src,
                     bdtx_error *err)
{
    char date[11];
    const char *params[4] = {province, year, date, unit};
    struct people_cursor *c = calloc(1, sizeof *c);

    *out = NULL;
    if (!c) {
        error_oom(err);
        return -1;
    }
    date_format_iso(as_of, date);
    c->db = db;
    if (db_exec(db, no_jit_sql, 0, NULL, err) != 0 ||
        db_exec(db, unit_people_sql, 4, params, err) != 0) {
        free(c);
        return -1;
    }
    c->own_cursor = true;
    *out = c;
    src->next = people_next;
    src->ctx = c;
    return 0;
}

void people_close(struct people_cursor *c)
{
    bdtx_error ignored;

    if (!c)
        return;
    db_result_free(c->batch);
    /* The connection reads the next unit's list under the same name. */
    if (c->own_cursor) {
        error_clear(&ignored);
        db_exec(c->db, "CLOSE bdtx_people", 0, NULL, &ignored);
    }
    /* Closing the second connection ends its read-only transaction, and
     * with it the cursor and any FETCH still on its way; on the report's own
     * connection the cursor ends with the report's transaction. */
    if (c->shared)
        db_close(c->db);
    free(c);
}
