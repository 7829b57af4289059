/* The database layer: the only module that includes libpq. Every call checks
 * the exact result status it expects and turns failures into bdtx_error. */
#ifndef BDTX_DB_H
#define BDTX_DB_H

#include <stdbool.h>
#include <stddef.h>

#include "bdtx/error.h"

struct db;
struct db_result;

/* Connect with conninfo ("" = the PG* variables). A refused or lost
 * connection is BDTX_UNAVAILABLE. The message never repeats the conninfo,
 * which may hold a password. */
int db_connect(const char *conninfo, struct db **out, bdtx_error *err);
void db_close(struct db *db);

/* A statement without result rows, with optional text parameters (NULL = SQL NULL). */
int db_exec(struct db *db, const char *sql, int nparams, const char *const *params,
            bdtx_error *err);
/* The same, with the number of rows it inserted, updated or deleted. */
int db_exec_count(struct db *db, const char *sql, int nparams, const char *const *params,
                  long long *rows, bdtx_error *err);
/* Whether the planner may join by nested loops, to the end of the
 * transaction: off where a table may have no statistics (ANALYZE of a
 * table the role does not own is skipped) and nested loops would take
 * minutes. */
int db_nested_loops(struct db *db, bool allowed, bdtx_error *err);
/* A query returning rows. */
int db_query(struct db *db, const char *sql, int nparams, const char *const *params,
             struct db_result **out, bdtx_error *err);
int db_rows(const struct db_result *r);
const char *db_value(const struct db_result *r, int row, int col);
bool db_null(const struct db_result *r, int row, int col);
void db_result_free(struct db_result *r);

int db_begin(struct db *db, bdtx_error *err);
/* A read-only transaction that sees the database as it was when it began
 * (REPEATABLE READ): everything one report reads comes from one instant,
 * whatever is imported meanwhile. */
int db_begin_snapshot(struct db *db, bdtx_error *err);
bool db_in_transaction(const struct db *db);
/* A second connection, with db's parameters, whose read-only transaction
 * sees exactly what db's db_begin_snapshot transaction sees
 * (pg_export_snapshot): two queries of one report run side by side on the
 * server's cores. Close it with db_close, which ends its transaction. */
int db_connect_shared(struct db *db, struct db **out, bdtx_error *err);
/* A query sent without waiting: the server works on it while the caller
 * does something else; db_receive waits for its rows. One at a time. */
int db_send(struct db *db, const char *sql, bdtx_error *err);
int db_receive(struct db *db, struct db_result **out, bdtx_error *err);
int db_commit(struct db *db, bdtx_error *err);
/* Best effort; used on error paths, so it reports nothing. */
void db_rollback(struct db *db);

/* COPY ... FROM STDIN in text format: begin, rows, end. Rows are buffered
 * and sent in large chunks. */
int db_copy_begin(struct db *db, const char *sql, bdtx_error *err);
/* One row of n fields; NULL is SQL NULL. Text is escaped for COPY
 * (db_copy_escape); a field ends at its first NUL, as a C string does. */
int db_copy_row(struct db *db, const char *const *fields, int n, bdtx_error *err);
int db_copy_end(struct db *db, bdtx_error *err);
/* The len bytes of s in COPY's text format: backslash, tab, newline and
 * carriage return written \\, \t, \n and \r; every other byte, other
 * control characters and bytes beyond ASCII included, as it is (the server
 * takes them as they come). out holds at least 2 * len bytes; returns the
 * bytes written. */
size_t db_copy_escape(const char *s, size_t len, char *out);
/* COPY ... TO STDOUT in text format, row by row: libpq holds one row at a
 * time, where a query's result holds them all. db_copy_out_next sets *row
 * to the next row (its fields tab-separated, ending with its newline, NUL
 * after it), valid until the next call, and returns 1; 0 once the COPY has
 * ended well; -1 on error. Read to 0 before anything else is sent. */
int db_copy_out_begin(struct db *db, const char *sql, bdtx_error *err);
int db_copy_out_next(struct db *db, const char **row, bdtx_error *err);
/* Ends a COPY left in the middle (nothing when none is open): the server
 * fails it with the message why, and its results are read, so the
 * connection can roll back. db_rollback does it first. */
void db_copy_abort(struct db *db, const char *why);

#endif
