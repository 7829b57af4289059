/* Shared by the sheet front end (sheet.c) and its readers (csv.c, xlsx.c,
 * xls.c): the row builder both fill, and each reader's entry points.
 * Not installed: callers use include/bdtx/sheet.h. */
#ifndef BDTX_SHEET_INTERNAL_H
#define BDTX_SHEET_INTERNAL_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bdtx/error.h"
#include "bdtx/sheet.h"

/* Bytes asked of read() or zip_fread() at a time. */
#define SHEET_CHUNK (64 * 1024)

/* Copy of limits with every 0 replaced by its default (sheet.h). */
void sheet_limits_resolve(const struct sheet_limits *in, struct sheet_limits *out);

/* err set for a broken limit: message, then a hint naming the configuration
 * key (limits.<key>) that raises it. */
void sheet_limit_error(bdtx_error *err, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* "512 MiB" when bytes is a whole number of MiB, else "N bytes". */
void sheet_size_text(uint64_t bytes, char *buf, size_t cap);

/* Grow *buf (of *cap elements of size elem) to hold at least need elements,
 * doubling so that appends stay amortised O(1). 0, or -1 when out of memory. */
int sheet_grow_slow(void **buf, size_t *cap, size_t need, size_t elem);
/* Inline, for the readers call it for every cell they append, and nearly
 * always there is room already. */
static inline int sheet_grow(void **buf, size_t *cap, size_t need, size_t elem)
{
    return need <= *cap ? 0 : sheet_grow_slow(buf, cap, need, elem);
}

/* A thread working ahead of its owner (reading rows ahead, inflating a
 * worksheet ahead) and the lock and condition they share. The flags they
 * hand each other are set and awaited through these only. */
struct worker {
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool stop;
};

/* Start fn(arg): 0, or -1 when no thread could be started (nothing to undo:
 * the owner then does the work itself). */
int worker_start(struct worker *w, void *(*fn)(void *), void *arg);
/* Ask the thread to stop (its worker_wait returns false), wake it, join it. */
void worker_stop(struct worker *w);
/* *flag = value under the lock, and wake the other side. */
void worker_set(struct worker *w, bool *flag, bool value);
/* Wait under the lock until *flag == value: true, or false when the thread
 * was asked to stop first. */
bool worker_wait(struct worker *w, const bool *flag, bool value);

/* "A".."Z","AA"... for a workbook, "1","2"... for CSV; index is 0-based. */
void sheet_column_name(enum sheet_format format, size_t index, char *buf, size_t cap);

/* One row under construction. Cell texts are stored back to back in one
 * buffer, each followed by a NUL, so a row costs no allocation once the
 * buffers have grown to the widest row seen. */
struct rowbuf {
    char *text;
    size_t len, cap;
    struct sheet_cell *cells;
    size_t ncells, cells_cap;
    size_t cell_start;          /* offset in text of the cell being built */
    uint32_t max_cells;
    uint32_t max_cell_chars;
    uint32_t cell_chars;        /* characters of the open cell, once its bytes
                                   pass max_cell_chars */
};

void rowbuf_init(struct rowbuf *rb, const struct sheet_limits *limits);
void rowbuf_release(struct rowbuf *rb);
void rowbuf_reset(struct rowbuf *rb);
/* Append bytes to the open cell. -1 with err's message set when the cell
 * grows over max_cell_chars or memory runs out; the caller adds the place. */
int rowbuf_append(struct rowbuf *rb, const char *s, size_t n, bdtx_error *err);
/* Bytes of the open cell so far (not NUL-terminated). */
const char *rowbuf_cell(const struct rowbuf *rb, size_t *len);
/* Forget the bytes of the open cell. */
void rowbuf_clear_cell(struct rowbuf *rb);
/* Close the open cell; -1 (err set) past max_cells_per_row. */
int rowbuf_end_cell(struct rowbuf *rb, bool numeric, bdtx_error *err);
/* The cell closed last is a formula without a cached value. */
void rowbuf_mark_uncached(struct rowbuf *rb);
/* Close empty cells until the row has index cells (fills skipped columns). */
int rowbuf_pad(struct rowbuf *rb, size_t index, bdtx_error *err);
/* Fill row from the cells closed so far, trailing empty cells cut. Returns
 * false when the row is empty (no cell holds more than blanks). */
bool rowbuf_finish(struct rowbuf *rb, long number, struct sheet_row *row);

struct csv_reader;
struct xlsx_reader;
struct xls_reader;

/* The readers take over fd (open on path, at offset 0), also on failure.
 * limits are already resolved. Errors carry the file and, where known, the
 * row and column. */
int csv_open(int fd, const char *path, const struct sheet_limits *limits,
             struct csv_reader **out, bdtx_error *err);
int csv_next(struct csv_reader *r, struct sheet_row *row, bdtx_error *err);
void csv_close(struct csv_reader *r);
/* How the file's text was decoded: "utf-8", "utf-16le", "utf-16be", "windows-1258". */
const char *csv_encoding_name(const struct csv_reader *r);

int xlsx_open(int fd, const char *path, const struct sheet_limits *limits,
              const struct sheet_select *which, struct xlsx_reader **out, bdtx_error *err);
int xlsx_next(struct xlsx_reader *r, struct sheet_row *row, bdtx_error *err);
const char *xlsx_sheet_name(const struct xlsx_reader *r);
size_t xlsx_sheet_count(const struct xlsx_reader *r);
void xlsx_close(struct xlsx_reader *r);

/* The whole file is checked (its OLE2 structure and BIFF records against
 * the file's size and the limits) before FreeXL reads it. */
int xls_open(int fd, const char *path, const struct sheet_limits *limits,
             const struct sheet_select *which, struct xls_reader **out, bdtx_error *err);
int xls_next(struct xls_reader *r, struct sheet_row *row, bdtx_error *err);
const char *xls_sheet_name(const struct xls_reader *r);
size_t xls_sheet_count(const struct xls_reader *r);
void xls_close(struct xls_reader *r);

#endif
