/* One error record, filled where a problem is seen and printed once by main. */
#ifndef BDTX_ERROR_H
#define BDTX_ERROR_H

#include <stdio.h>

/* Exit codes of SPEC section 4 (sysexits). */
enum {
    BDTX_OK = 0,
    BDTX_REJECTED_ROWS = 1,
    BDTX_USAGE = 64,
    BDTX_DATAERR = 65,
    BDTX_UNAVAILABLE = 69,
    BDTX_SOFTWARE = 70,
    BDTX_CANTCREAT = 73,     /* a file or folder could not be created (permission, path) */
    BDTX_IOERR = 74,         /* a write failed (disk full, I/O error) */
    BDTX_TEMPFAIL = 75,
    BDTX_CONFIG = 78
};

typedef struct bdtx_error {
    int code;              /* exit code to end with; 0 when no error */
    char file[512];        /* file the problem is in, "" if none */
    long row;              /* 1-based; 0 when not known */
    char column[16];       /* "C" for a spreadsheet, "3" for CSV, "" if none */
    char sqlstate[6];
    char message[1024];
    char detail[1024];
    char hint[512];
} bdtx_error;

void error_clear(bdtx_error *e);
/* Set code and message (printf-style); keeps any place already recorded. */
void error_set(bdtx_error *e, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* The exit code of a failed write or creation, from its errno: 73 when the
 * file could not be created (permission, read-only, a path that is not a
 * folder), else 74 (no space, an I/O error). */
int error_code_for_errno(int errnum);
/* error_set(e, BDTX_SOFTWARE, "out of memory"), the one wording of it. */
void error_oom(bdtx_error *e);
/* Record a place: file, row (0 = none) and column ("" or NULL = none). */
void error_place(bdtx_error *e, const char *file, long row, const char *column);
void error_detail(bdtx_error *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void error_hint(bdtx_error *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* "file:row:column: message" plus DETAIL/HINT lines. */
/* s with its control characters written as \\n, \\r or \\xNN: a name
 * holding a newline cannot forge a line of the log. */
void error_write_text(const char *s, FILE *out);
void error_print(const bdtx_error *e, FILE *out);

#endif
