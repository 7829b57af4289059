#include "bdtx/people.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bdtx/db.h"
#include "bdtx/log.h"
#include "bdtx/units.h"
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

/* The national list split by pack as the workbook reads it: a temporary
 * file per part, opened on its first row. */
struct spool_part {
    FILE *fp;
    char *field[5];            /* read back: unit, account, name, role, module */
    size_t cap[5];
};

struct people_spool {
    const struct registry *reg;
    const long *part_of;       /* [reg->count]: a unit's part, or -1 */
    size_t nparts;
    struct spool_part *parts;
    struct people_source from;
    const char *last_code;     /* the unit of the previous row, and its part */
    char *last_copy;
    size_t last_cap;
    long last_part;
    bool complete;             /* the writer read the list to its end */
    bool failed;               /* a part could not be written: not used */
};

/* Parts are files at once: a registry with more ranked units than this
 * writes its packs' lists from the database, one query each. */
#define SPOOL_MAX_PARTS 256

static long spool_part_of(struct people_spool *s, const char *code)
{
    size_t n;
    long u;

    if (s->last_copy && strcmp(s->last_copy, code) == 0)
        return s->last_part;
    n = strlen(code) + 1;
    if (n > s->last_cap) {
        char *p = realloc(s->last_copy, n);

        if (!p)
            return -2;
        s->last_copy = p;
        s->last_cap = n;
    }
    memcpy(s->last_copy, code, n);
    u = registry_find(s->reg, code);
    s->last_part = u >= 0 ? s->part_of[u] : -1;
    return s->last_part;
}

/* One row to its part: the five texts each ended by a NUL (PostgreSQL text
 * holds none), then the state as one character. */
/* A temporary file failed (errno): the packs read their lists from the
 * database instead, and the operator is told why once. */
static void spool_fail(struct people_spool *s)
{
    log_warning("cannot keep a pack's list of learners in a temporary file (%s): each pack "
                "reads its own from the database",
                strerror(errno));
    s->failed = true;
}

static void spool_put(struct people_spool *s, const struct person_row *row)
{
    struct spool_part *p;
    long k;

    if (s->failed)
        return;
    k = spool_part_of(s, row->unit_code);
    if (k == -2 || k >= (long)s->nparts) {
        s->failed = true;
        return;
    }
    if (k < 0)
        return;
    p = &s->parts[k];
    if (!p->fp && !(p->fp = tmpfile())) {
        spool_fail(s);
        return;
    }
    if (fputs(row->unit_code, p->fp) < 0 || putc('\0', p->fp) < 0 ||
        fputs(row->account, p->fp) < 0 || putc('\0', p->fp) < 0 ||
        fputs(row->full_name, p->fp) < 0 || putc('\0', p->fp) < 0 ||
        fputs(row->role, p->fp) < 0 || putc('\0', p->fp) < 0 ||
        fputs(row->module, p->fp) < 0 || putc('\0', p->fp) < 0 ||
        putc('0' + (row->state == 1), p->fp) < 0)
        spool_fail(s);
}

static int spool_tee_next(void *ctx, struct person_row *row, bdtx_error *err)
{
    struct people_spool *s = ctx;
    int rc = s->from.next(s->from.ctx, row, err);

    if (rc == 1)
        spool_put(s, row);
    else if (rc == 0)
        s->complete = true;
    return rc;
}

int people_spool_open(const struct registry *reg, const long *part_of, size_t nparts,
                      const struct people_source *from, struct people_spool **out,
                      struct people_source *tee, bdtx_error *err)
{
    struct people_spool *s;

    *out = NULL;
    *tee = *from;
    if (nparts == 0 || nparts > SPOOL_MAX_PARTS)
        return 0;
    s = calloc(1, sizeof *s);
    if (s)
        s->parts = calloc(nparts, sizeof *s->parts);
    if (!s || !s->parts) {
        free(s);
        error_oom(err);
        return -1;
    }
    s->reg = reg;
    s->part_of = part_of;
    s->nparts = nparts;
    s->from = *from;
    *out = s;
    tee->next = spool_tee_next;
    tee->ctx = s;
    return 0;
}

bool people_spool_usable(const struct people_spool *s)
{
    return s && s->complete && !s->failed;
}

static int spool_next(void *ctx, struct person_row *row, bdtx_error *err)
{
    struct spool_part *p = ctx;
    int i, c;

    if (!p->fp)
        return 0;
    for (i = 0; i < 5; i++) {
        if (getdelim(&p->field[i], &p->cap[i], '\0', p->fp) < 0) {
            if (i == 0 && !ferror(p->fp))
                return 0;
            error_set(err, BDTX_IOERR, "cannot read a pack's list of learners back: %s",
                      ferror(p->fp) ? strerror(errno) : "the temporary file ends early");
            return -1;
        }
    }
    if ((c = getc(p->fp)) == EOF) {
        error_set(err, BDTX_IOERR, "cannot read a pack's list of learners back: %s",
                  ferror(p->fp) ? strerror(errno) : "the temporary file ends early");
        return -1;
    }
    row->unit_code = p->field[0];
    row->account = p->field[1];
    row->full_name = p->field[2];
    row->role = p->field[3];
    row->module = p->field[4];
    row->state = c == '1';
    return 1;
}

int people_spool_read(struct people_spool *s, size_t part, struct people_source *src,
                      bdtx_error *err)
{
    struct spool_part *p = &s->parts[part];

    if (p->fp && (fflush(p->fp) != 0 || fseek(p->fp, 0, SEEK_SET) != 0)) {
        error_set(err, BDTX_IOERR, "cannot read a pack's list of learners back: %s",
                  strerror(errno));
        return -1;
    }
    src->next = spool_next;
    src->ctx = p;
    return 0;
}

void people_spool_done(struct people_spool *s, size_t part)
{
    struct spool_part *p = &s->parts[part];
    int i;

    if (p->fp)
        fclose(p->fp);
    p->fp = NULL;
    for (i = 0; i < 5; i++) {
        free(p->field[i]);
        p->field[i] = NULL;
        p->cap[i] = 0;
    }
}

void people_spool_close(struct people_spool *s)
{
    size_t k;

    if (!s)
        return;
    for (k = 0; k < s->nparts; k++)
        people_spool_done(s, k);
    free(s->parts);
    free(s->last_copy);
    free(s);
}
