#include "bdtx/db.h"

#include <libpq-fe.h>
#include <stdlib.h>
#include <string.h>

#define COPY_CHUNK (1 << 20)

struct db {
    PGconn *conn;
    char *copybuf;
    size_t copylen;
    bool copying;              /* between db_copy_begin and the end of its COPY */
    char *outrow;              /* the row db_copy_out_next gave last (libpq's) */
};

struct db_result {
    PGresult *res;
};

/* Trailing newline of libpq messages removed, so they print on one line. */
static void set_from_conn(struct db *db, bdtx_error *err, const char *what)
{
    char msg[512];
    size_t n;

    snprintf(msg, sizeof msg, "%s", PQerrorMessage(db->conn));
    n = strlen(msg);
    while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
        msg[--n] = '\0';
    error_set(err, PQstatus(db->conn) == CONNECTION_OK ? BDTX_SOFTWARE : BDTX_UNAVAILABLE,
              "%s: %s", what, msg);
}

static void set_from_result(struct db *db, PGresult *res, bdtx_error *err, const char *what)
{
    const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    const char *primary = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
    const char *detail = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_DETAIL) : NULL;
    const char *hint = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_HINT) : NULL;

    if (!primary || PQstatus(db->conn) != CONNECTION_OK) {
        set_from_conn(db, err, what);
        return;
    }
    /* Class 08 (connection exception) and 57P (operator intervention, e.g. a
     * shutdown) mean the server went away: that is an outage, not our bug. */
    error_set(err, state && (strncmp(state, "08", 2) == 0 || strncmp(state, "57P", 3) == 0)
                       ? BDTX_UNAVAILABLE : BDTX_SOFTWARE,
              "%s: %s", what, primary);
    if (state)
        snprintf(err->sqlstate, sizeof err->sqlstate, "%s", state);
    if (detail)
        error_detail(err, "%s", detail);
    if (hint)
        error_hint(err, "%s", hint);
}

static void notice_quiet(void *arg, const char *message)
{
    (void)arg;
    (void)message;
}

/* Replace every occurrence of secret in s (of capacity cap) by "****",
 * only inside the double-quoted stretches of s: libpq quotes the parts of a
 * conninfo it complains about, and only there can a password show. Text of
 * bdtx's own ("cannot connect") holding the same letters stays as it is. */
static void mask_one(char *s, size_t cap, const char *secret, size_t n)
{
    char *p = s;
    bool quoted = false;

    if (n == 0)
        return;
    while (*p) {
        size_t at, tail;

        if (*p == '"') {
            quoted = !quoted;
            p++;
            continue;
        }
        if (!quoted || strncmp(p, secret, n) != 0) {
            p++;
            continue;
        }
        at = (size_t)(p - s);
        tail = strlen(p + n);
        if (at + 4 + 1 > cap) {
            *p = '\0';     /* no room even for the mask: cut the message */
            return;
        }
        if (at + 4 + tail + 1 > cap)
            tail = cap - at - 4 - 1;
        memmove(p + 4, p + n, tail);
        p[4 + tail] = '\0';
        memcpy(p, "****", 4);
        p += 4;
    }
}

/* The value after each "password=" (as in key=value conninfo and URI query
 * strings), and the password of a URI's user:password@, masked in s; also
 * the values themselves wherever libpq quoted them. Hand-written because
 * PQconninfoParse fails on exactly the malformed strings whose messages
 * quote them. */
static void mask_secrets(char *s, size_t cap, const char *conninfo)
{
    const char *p, *env = getenv("PGPASSWORD");
    char secret[256];

    for (p = conninfo; p && (p = strstr(p, "password")) != NULL; p++) {
        const char *v = p + 8, *e;
        size_t n;

        while (*v == ' ')
            v++;
        if (*v != '=')
            continue;
        v++;
        while (*v == ' ')
            v++;
        if (*v == '\'') {
            v++;
            for (e = v; *e && *e != '\''; e++)
                if (*e == '\\' && e[1])
                    e++;
        } else {
            for (e = v; *e && *e != ' ' && *e != '&'; e++)
                ;
        }
        n = (size_t)(e - v) < sizeof secret ? (size_t)(e - v) : sizeof secret - 1;
        memcpy(secret, v, n);
        secret[n] = '\0';
        mask_one(s, cap, secret, n);
    }
    p = conninfo ? strstr(conninfo, "://") : NULL;
    if (p) {
        const char *at, *colon;

        p += 3;
        at = strchr(p, '@');
        colon = at ? memchr(p, ':', (size_t)(at - p)) : NULL;
        if (colon) {
            size_t n = (size_t)(at - colon - 1);

            n = n < sizeof secret ? n : sizeof secret - 1;
            memcpy(secret, colon + 1, n);
            secret[n] = '\0';
            mask_one(s, cap, secret, n);
        }
    }
    if (env)
        mask_one(s, cap, env, strlen(env));
}

/* Whether db->conn is up; if not, err says so, as an outage. */
static bool connected(struct db *db, bdtx_error *err, const char *what)
{
    if (db->conn && PQstatus(db->conn) == CONNECTION_OK)
        return true;
    if (db->conn)
        set_from_conn(db, err, what);
    else
        error_set(err, BDTX_UNAVAILABLE, "%s", what);
    err->code = BDTX_UNAVAILABLE;
    return false;
}

/* Fixed session settings, so text results never depend on the server's. */
static int session_setup(struct db *db, bdtx_error *err)
{
    PGresult *res;

    /* NOTICEs such as "relation already exists, skipping" are not for officers. */
    PQsetNoticeProcessor(db->conn, notice_quiet, NULL);
    res = PQexec(db->conn, "SET client_encoding = 'UTF8'; SET DateStyle = 'ISO, YMD'; "
                           "SET extra_float_digits = 3; SET TimeZone = 'UTC'");
    if (PQresultStatus(res) != PGRES_COMMAND_OK) {
        set_from_result(db, res, err, "cannot set up the session");
        PQclear(res);
        return -1;
    }
    PQclear(res);
    return 0;
}

int db_connect(const char *conninfo, struct db **out, bdtx_error *err)
{
    struct db *db = calloc(1, sizeof *db);

    *out = NULL;
    if (!db) {
        error_oom(err);
        return -1;
    }
    /* A conninfo libpq cannot parse is a mistake of the configuration, not
     * an outage: no server could accept it. */
    if (conninfo && conninfo[0]) {
        char *why = NULL;
        PQconninfoOption *parsed = PQconninfoParse(conninfo, &why);

        if (!parsed) {
            error_set(err, BDTX_CONFIG, "database.conninfo cannot be read");
            if (why) {
                error_detail(err, "%s", why);
                mask_secrets(err->detail, sizeof err->detail, conninfo);
                /* libpq's line ends with a newline of its own. */
                err->detail[strcspn(err->detail, "\n")] = '\0';
            }
            error_hint(err, "write it as key=value pairs or as a postgresql:// URI "
                            "(see the libpq documentation); passwords belong in ~/.pgpass "
                            "or PGPASSWORD");
            PQfreemem(why);
            free(db);
            return -1;
        }
        PQconninfoFree(parsed);
    }
    db->conn = PQconnectdb(conninfo ? conninfo : "");
    if (!connected(db, err, "cannot connect to the database")) {
        /* libpq quotes parts of a malformed conninfo in its messages. */
        mask_secrets(err->message, sizeof err->message, conninfo);
        mask_secrets(err->detail, sizeof err->detail, conninfo);
        error_hint(err, "check database.conninfo in the configuration or the PG* variables; "
                        "passwords belong in ~/.pgpass or PGPASSWORD");
        db_close(db);
        return -1;
    }
    if (session_setup(db, err) != 0) {
        db_close(db);
        return -1;
    }
    *out = db;
    return 0;
}

int db_connect_shared(struct db *db, struct db **out, bdtx_error *err)
{
    PQconninfoOption *opts = NULL, *o;
    const char **keys = NULL, **vals = NULL;
    struct db_result *r = NULL;
    struct db *peer = NULL;
    char *literal = NULL, *sql = NULL;
    size_t n = 0;
    int rc = -1;

    *out = NULL;
    if (PQtransactionStatus(db->conn) != PQTRANS_INTRANS) {
        error_set(err, BDTX_SOFTWARE, "a shared snapshot needs a transaction (db_begin_snapshot)");
        return -1;
    }
    if (db_query(db, "SELECT pg_export_snapshot()", 0, NULL, &r, err) != 0)
        return -1;
    /* The parameters this connection was made with, password included,
     * so that the second one reaches the same server as the same role. */
    opts = PQconninfo(db->conn);
    for (o = opts; o && o->keyword; o++)
        n++;
    keys = calloc(n + 1, sizeof *keys);
    vals = calloc(n + 1, sizeof *vals);
    peer = calloc(1, sizeof *peer);
    if (!opts || !keys || !vals || !peer) {
        error_oom(err);
        goto done;
    }
    n = 0;
    for (o = opts; o->keyword; o++) {
        if (o->val && *o->val) {
            keys[n] = o->keyword;
            vals[n++] = o->val;
        }
    }
    peer->conn = PQconnectdbParams(keys, vals, 0);
    if (!connected(peer, err, "cannot open a second connection to the database"))
        goto done;
    if (session_setup(peer, err) != 0 ||
        db_exec(peer, "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY", 0, NULL, err) != 0)
        goto done;
    /* SET TRANSACTION SNAPSHOT takes no parameters: the identifier, which
     * the server itself just gave, goes in as an escaped literal. */
    literal = PQescapeLiteral(peer->conn, db_value(r, 0, 0), strlen(db_value(r, 0, 0)));
    sql = literal ? malloc(strlen(literal) + 32) : NULL;
    if (!sql) {
        error_oom(err);
        goto done;
    }
    sprintf(sql, "SET TRANSACTION SNAPSHOT %s", literal);
    if (db_exec(peer, sql, 0, NULL, err) != 0)
        goto done;
    *out = peer;
    peer = NULL;
    rc = 0;
done:
    free(sql);
    PQfreemem(literal);
    free(keys);
    free(vals);
    PQconninfoFree(opts);
    db_result_free(r);
    db_close(peer);
    return rc;
}

void db_close(struct db *db)
{
    if (!db)
        return;
    if (db->outrow)
        PQfreemem(db->outrow);
    if (db->conn)
        PQfinish(db->conn);
    free(db->copybuf);
    free(db);
}

int db_exec_count(struct db *db, const char *sql, int nparams, const char *const *params,
                  long long *rows, bdtx_error *err)
{
    PGresult *res = nparams > 0
        ? PQexecParams(db->conn, sql, nparams, NULL, params, NULL, NULL, 0)
        : PQexec(db->conn, sql);
    int rc = 0;

    if (PQresultStatus(res) != PGRES_COMMAND_OK && PQresultStatus(res) != PGRES_TUPLES_OK) {
        set_from_result(db, res, err, "database error");
        rc = -1;
    } else if (rows) {
        /* "" for a statement that counts no rows. */
        *rows = strtoll(PQcmdTuples(res), NULL, 10);
    }
    PQclear(res);
    return rc;
}

int db_exec(struct db *db, const char *sql, int nparams, const char *const *params,
            bdtx_error *err)
{
    return db_exec_count(db, sql, nparams, params, NULL, err);
}

int db_nested_loops(struct db *db, bool allowed, bdtx_error *err)
{
    return db_exec(db, allowed ? "SET LOCAL enable_nestloop = on"
                               : "SET LOCAL enable_nestloop = off", 0, NULL, err);
}

int db_query(struct db *db, const char *sql, int nparams, const char *const *params,
             struct db_result **out, bdtx_error *err)
{
    PGresult *res = PQexecParams(db->conn, sql, nparams, NULL, params, NULL, NULL, 0);

    *out = NULL;
    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
        set_from_result(db, res, err, "database error");
        PQclear(res);
        return -1;
    }
    *out = malloc(sizeof **out);
    if (!*out) {
        PQclear(res);
        error_oom(err);
        return -1;
    }
    (*out)->res = res;
    return 0;
}

int db_rows(const struct db_result *r)
{
    return PQntuples(r->res);
}

const char *db_value(const struct db_result *r, int row, int col)
{
    return PQgetvalue(r->res, row, col);
}

bool db_null(const struct db_result *r, int row, int col)
{
    return PQgetisnull(r->res, row, col) != 0;
}

void db_result_free(struct db_result *r)
{
    if (!r)
        return;
    PQclear(r->res);
    free(r);
}

int db_begin(struct db *db, bdtx_error *err)
{
    return db_exec(db, "BEGIN", 0, NULL, err);
}

int db_begin_snapshot(struct db *db, bdtx_error *err)
{
    return db_exec(db, "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY", 0, NULL, err);
}

bool db_in_transaction(const struct db *db)
{
    return PQtransactionStatus(db->conn) != PQTRANS_IDLE;
}

int db_send(struct db *db, const char *sql, bdtx_error *err)
{
    if (PQsendQueryParams(db->conn, sql, 0, NULL, NULL, NULL, NULL, 0) != 1) {
        set_from_conn(db, err, "database error");
        return -1;
    }
    return 0;
}

int db_receive(struct db *db, struct db_result **out, bdtx_error *err)
{
    PGresult *res, *extra;
    int rc = 0;

    *out = NULL;
    res = PQgetResult(db->conn);
    /* One statement was sent: read up to the end of its results. */
    while ((extra = PQgetResult(db->conn)) != NULL)
        PQclear(extra);
    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
        set_from_result(db, res, err, "database error");
        PQclear(res);
        return -1;
    }
    *out = malloc(sizeof **out);
    if (!*out) {
        error_oom(err);
        rc = -1;
        PQclear(res);
    } else {
        (*out)->res = res;
    }
    return rc;
}

int db_commit(struct db *db, bdtx_error *err)
{
    return db_exec(db, "COMMIT", 0, NULL, err);
}

void db_rollback(struct db *db)
{
    PGresult *res;

    db_copy_abort(db, "rolled back");
    if (PQtransactionStatus(db->conn) == PQTRANS_IDLE)
        return;
    res = PQexec(db->conn, "ROLLBACK");
    PQclear(res);
}

/* Sends a COPY statement; 0 when the server answers with the state want. */
static int copy_start(struct db *db, const char *sql, ExecStatusType want, bdtx_error *err)
{
    PGresult *res = PQexec(db->conn, sql);

    if (PQresultStatus(res) != want) {
        set_from_result(db, res, err, "cannot start COPY");
        PQclear(res);
        return -1;
    }
    PQclear(res);
    return 0;
}

/* Reads a COPY's results to the end, once its data are through. */
static int copy_results(struct db *db, bdtx_error *err)
{
    PGresult *res;
    int rc = 0;

    while ((res = PQgetResult(db->conn)) != NULL) {
        if (PQresultStatus(res) != PGRES_COMMAND_OK && rc == 0) {
            set_from_result(db, res, err, "COPY failed");
            rc = -1;
        }
        PQclear(res);
    }
    return rc;
}

int db_copy_begin(struct db *db, const char *sql, bdtx_error *err)
{
    if (copy_start(db, sql, PGRES_COPY_IN, err) != 0)
        return -1;
    db->copying = true;
    if (!db->copybuf) {
        db->copybuf = malloc(COPY_CHUNK);
        if (!db->copybuf) {
            error_oom(err);
            return -1;
        }
    }
    db->copylen = 0;
    return 0;
}

static int copy_flush(struct db *db, bdtx_error *err)
{
    if (db->copylen == 0)
        return 0;
    if (PQputCopyData(db->conn, db->copybuf, (int)db->copylen) != 1) {
        set_from_conn(db, err, "COPY failed");
        return -1;
    }
    db->copylen = 0;
    return 0;
}

size_t db_copy_escape(const char *s, size_t len, char *out)
{
    size_t i, n = 0;

    for (i = 0; i < len; i++) {
        char c = s[i], esc = 0;

        switch (c) {
        case '\\': esc = '\\'; break;
        case '\t': esc = 't'; break;
        case '\n': esc = 'n'; break;
        case '\r': esc = 'r'; break;
        default: break;
        }
        if (esc) {
            out[n++] = '\\';
            out[n++] = esc;
        } else {
            out[n++] = c;
        }
    }
    return n;
}

/* Appends s escaped for COPY's text format; flushes when the buffer fills. */
static int copy_put(struct db *db, const char *s, size_t len, bdtx_error *err)
{
    while (len > 0) {
        size_t room = (COPY_CHUNK - db->copylen) / 2, n = len < room ? len : room;

        if (n == 0) {
            if (copy_flush(db, err) != 0)
                return -1;
            continue;
        }
        db->copylen += db_copy_escape(s, n, db->copybuf + db->copylen);
        s += n;
        len -= n;
    }
    return 0;
}

/* Appends a byte that needs no escaping (field separator, \N, end of row). */
static int copy_raw(struct db *db, const char *s, size_t len, bdtx_error *err)
{
    if (db->copylen + len > COPY_CHUNK && copy_flush(db, err) != 0)
        return -1;
    memcpy(db->copybuf + db->copylen, s, len);
    db->copylen += len;
    return 0;
}

int db_copy_row(struct db *db, const char *const *fields, int n, bdtx_error *err)
{
    int i;

    for (i = 0; i < n; i++) {
        if (i > 0 && copy_raw(db, "\t", 1, err) != 0)
            return -1;
        if (!fields[i]) {
            if (copy_raw(db, "\\N", 2, err) != 0)
                return -1;
        } else if (copy_put(db, fields[i], strlen(fields[i]), err) != 0) {
            return -1;
        }
    }
    return copy_raw(db, "\n", 1, err);
}

int db_copy_end(struct db *db, bdtx_error *err)
{
    if (copy_flush(db, err) != 0)
        return -1;
    db->copying = false;
    if (PQputCopyEnd(db->conn, NULL) != 1) {
        set_from_conn(db, err, "COPY failed");
        return -1;
    }
    return copy_results(db, err);
}

int db_copy_out_begin(struct db *db, const char *sql, bdtx_error *err)
{
    return copy_start(db, sql, PGRES_COPY_OUT, err);
}

int db_copy_out_next(struct db *db, const char **row, bdtx_error *err)
{
    int n;

    if (db->outrow) {
        PQfreemem(db->outrow);
        db->outrow = NULL;
    }
    n = PQgetCopyData(db->conn, &db->outrow, 0);
    if (n > 0) {
        *row = db->outrow;
        return 1;
    }
    if (n == -2) {
        set_from_conn(db, err, "COPY failed");
        return -1;
    }
    return copy_results(db, err);
}

void db_copy_abort(struct db *db, const char *why)
{
    PGresult *res;

    if (!db || !db->copying)
        return;
    db->copying = false;
    db->copylen = 0;
    /* As psql's handleCopyIn: the COPY ended with a message, which fails
     * it on the server, then its results read to the end; a result still
     * waiting for data is answered the same way. */
    if (PQputCopyEnd(db->conn, why) != 1)
        return;
    while ((res = PQgetResult(db->conn)) != NULL) {
        bool again = PQresultStatus(res) == PGRES_COPY_IN;

        PQclear(res);
        if (again && PQputCopyEnd(db->conn, why) != 1)
            return;
    }
}
