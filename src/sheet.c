#include "bdtx/sheet.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bdtx/text.h"
#include "sheet_internal.h"

struct readahead;

struct sheet_reader {
    enum sheet_format format;
    char *path;                 /* for messages */
    uint64_t max_rows, rows;
    struct csv_reader *csv;
    struct xlsx_reader *xlsx;
    struct xls_reader *xls;
    struct readahead *ahead;    /* set by sheet_read_ahead */
};

void sheet_limits_resolve(const struct sheet_limits *in, struct sheet_limits *out)
{
    static const struct sheet_limits defaults = {
        .max_file_bytes = UINT64_C(512) << 20,
        .max_uncompressed_bytes = UINT64_C(4) << 30,
        .max_compression_ratio = 200,
        .max_cells_per_row = 16384,
        .max_cell_chars = 32767,
        .max_sheets = 255,
        .max_rows = SHEET_DEFAULT_MAX_ROWS,
    };

    *out = defaults;
    if (!in)
        return;
    if (in->max_file_bytes)
        out->max_file_bytes = in->max_file_bytes;
    if (in->max_uncompressed_bytes)
        out->max_uncompressed_bytes = in->max_uncompressed_bytes;
    if (in->max_compression_ratio)
        out->max_compression_ratio = in->max_compression_ratio;
    if (in->max_cells_per_row)
        out->max_cells_per_row = in->max_cells_per_row;
    if (in->max_cell_chars)
        out->max_cell_chars = in->max_cell_chars;
    if (in->max_sheets)
        out->max_sheets = in->max_sheets;
    if (in->max_rows)
        out->max_rows = in->max_rows;
    out->xls_cpu_seconds = in->xls_cpu_seconds;
}

void sheet_limit_error(bdtx_error *err, const char *key, const char *fmt, ...)
{
    char msg[sizeof err->message];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    error_set(err, BDTX_DATAERR, "%s (limits.%s)", msg, key);
    error_hint(err, "to accept such a file, raise limits.%s in the configuration", key);
}

void sheet_size_text(uint64_t bytes, char *buf, size_t cap)
{
    if (bytes >= (UINT64_C(1) << 20) && bytes % (UINT64_C(1) << 20) == 0)
        snprintf(buf, cap, "%" PRIu64 " MiB", bytes >> 20);
    else
        snprintf(buf, cap, "%" PRIu64 " bytes", bytes);
}

int sheet_grow_slow(void **buf, size_t *cap, size_t need, size_t elem)
{
    size_t ncap = *cap ? *cap : 64;
    void *p;

    if (need <= *cap)
        return 0;
    while (ncap < need) {
        if (ncap > SIZE_MAX / 2)
            return -1;
        ncap *= 2;
    }
    if (ncap > SIZE_MAX / elem)
        return -1;
    p = realloc(*buf, ncap * elem);
    if (!p)
        return -1;
    *buf = p;
    *cap = ncap;
    return 0;
}

void sheet_column_name(enum sheet_format format, size_t index, char *buf, size_t cap)
{
    char tmp[24];
    size_t n = 0, i;

    if (cap == 0)
        return;
    if (format == SHEET_CSV) {
        snprintf(buf, cap, "%zu", index + 1);
        return;
    }
    /* Bijective base 26: A..Z, AA..ZZ, AAA... */
    index++;
    while (index > 0 && n < sizeof tmp) {
        tmp[n++] = (char)('A' + (index - 1) % 26);
        index = (index - 1) / 26;
    }
    for (i = 0; i < n && i + 1 < cap; i++)
        buf[i] = tmp[n - 1 - i];
    buf[i] = '\0';
}

void rowbuf_init(struct rowbuf *rb, const struct sheet_limits *limits)
{
    memset(rb, 0, sizeof *rb);
    rb->max_cells = limits->max_cells_per_row;
    rb->max_cell_chars = limits->max_cell_chars;
}

void rowbuf_release(struct rowbuf *rb)
{
    free(rb->text);
    free(rb->cells);
    memset(rb, 0, sizeof *rb);
}

void rowbuf_reset(struct rowbuf *rb)
{
    rb->len = 0;
    rb->ncells = 0;
    rb->cell_start = 0;
    rb->cell_chars = 0;
}

static uint64_t utf8_chars(const char *s, size_t n)
{
    uint64_t chars = 0;
    size_t i;

    for (i = 0; i < n; i++)
        if (((unsigned char)s[i] & 0xC0) != 0x80)
            chars++;
    return chars;
}

int rowbuf_append(struct rowbuf *rb, const char *s, size_t n, bdtx_error *err)
{
    uint64_t before = (uint64_t)(rb->len - rb->cell_start), bytes = before + n;

    /* Excel counts a cell's length in characters: count UTF-8 lead bytes.
     * Four bytes a character bound the bytes whatever the text holds. A
     * cell has no more characters than bytes, so they are counted only once
     * its bytes pass the limit (the cell so far once, then each append):
     * every byte of a file came through this count before. */
    if (bytes > rb->max_cell_chars) {
        uint64_t chars = rb->cell_chars;

        if (before <= rb->max_cell_chars)
            chars = utf8_chars(rb->text + rb->cell_start, (size_t)before);
        chars += utf8_chars(s, n);
        if (chars > rb->max_cell_chars || bytes > (uint64_t)rb->max_cell_chars * 4) {
            sheet_limit_error(err, "max_cell_chars", "cell longer than %" PRIu32 " characters",
                              rb->max_cell_chars);
            return -1;
        }
        rb->cell_chars = (uint32_t)chars;
    }
    /* +1 keeps room for the NUL that rowbuf_end_cell adds. */
    if (sheet_grow((void **)&rb->text, &rb->cap, rb->len + n + 1, 1) < 0) {
        error_oom(err);
        return -1;
    }
    memcpy(rb->text + rb->len, s, n);
    rb->len += n;
    return 0;
}

const char *rowbuf_cell(const struct rowbuf *rb, size_t *len)
{
    *len = rb->len - rb->cell_start;
    return rb->text ? rb->text + rb->cell_start : "";
}

void rowbuf_clear_cell(struct rowbuf *rb)
{
    rb->len = rb->cell_start;
    rb->cell_chars = 0;
}

int rowbuf_end_cell(struct rowbuf *rb, bool numeric, bdtx_error *err)
{
    struct sheet_cell *c;

    if (rb->ncells >= rb->max_cells) {
        sheet_limit_error(err, "max_cells_per_row", "row has more than %" PRIu32 " cells",
                          rb->max_cells);
        return -1;
    }
    if (sheet_grow((void **)&rb->text, &rb->cap, rb->len + 1, 1) < 0 ||
        sheet_grow((void **)&rb->cells, &rb->cells_cap, rb->ncells + 1, sizeof *rb->cells) < 0) {
        error_oom(err);
        return -1;
    }
    c = &rb->cells[rb->ncells++];
    c->text = NULL;
    c->len = rb->len - rb->cell_start;
    c->numeric = numeric && c->len > 0;
    c->uncached = false;
    rb->text[rb->len++] = '\0';
    rb->cell_start = rb->len;
    rb->cell_chars = 0;
    return 0;
}

void rowbuf_mark_uncached(struct rowbuf *rb)
{
    if (rb->ncells > 0)
        rb->cells[rb->ncells - 1].uncached = true;
}

int rowbuf_pad(struct rowbuf *rb, size_t index, bdtx_error *err)
{
    while (rb->ncells < index)
        if (rowbuf_end_cell(rb, false, err) < 0)
            return -1;
    return 0;
}

bool rowbuf_finish(struct rowbuf *rb, long number, struct sheet_row *row)
{
    const char *p = rb->text;
    bool any = false;
    size_t i;

    while (rb->ncells > 0 && rb->cells[rb->ncells - 1].len == 0 &&
           !rb->cells[rb->ncells - 1].uncached)
        rb->ncells--;
    for (i = 0; i < rb->ncells; i++) {
        rb->cells[i].text = p;
        if (!any && (!text_blank(p) || rb->cells[i].uncached))
            any = true;
        p += rb->cells[i].len + 1;
    }
    row->number = number;
    row->ncells = rb->ncells;
    row->cells = rb->cells;
    return any;
}

int sheet_check_size(const char *path, const struct sheet_limits *limits, bdtx_error *err)
{
    struct sheet_limits lim;
    struct stat st;
    char size[32];

    sheet_limits_resolve(limits, &lim);
    if (stat(path, &st) < 0) {
        error_set(err, BDTX_DATAERR, "cannot open: %s", strerror(errno));
    } else if (!S_ISREG(st.st_mode)) {
        error_set(err, BDTX_DATAERR, "not a regular file");
    } else if ((uint64_t)st.st_size > lim.max_file_bytes) {
        sheet_size_text(lim.max_file_bytes, size, sizeof size);
        sheet_limit_error(err, "max_file_mb", "file larger than %s", size);
    } else {
        return 0;
    }
    error_place(err, path, 0, NULL);
    return -1;
}

int sheet_open(const char *path, const struct sheet_limits *limits,
               struct sheet_reader **out, bdtx_error *err)
{
    static const struct sheet_select first = { NULL, 0 };

    return sheet_open_sheet(path, limits, &first, out, err);
}

int sheet_open_sheet(const char *path, const struct sheet_limits *limits,
                     const struct sheet_select *which, struct sheet_reader **out,
                     bdtx_error *err)
{
    static const unsigned char zip_magic[4] = { 'P', 'K', 3, 4 };
    static const unsigned char ole_magic[4] = { 0xD0, 0xCF, 0x11, 0xE0 };
    struct sheet_limits lim;
    struct sheet_reader *r = NULL;
    unsigned char magic[4];
    struct stat st;
    ssize_t n;
    int fd = -1, rc = -1;
    bool dispatched = false;

    *out = NULL;
    sheet_limits_resolve(limits, &lim);
    fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        error_set(err, BDTX_DATAERR, "cannot open: %s", strerror(errno));
        goto done;
    }
    if (fstat(fd, &st) < 0) {
        error_set(err, BDTX_DATAERR, "cannot read: %s", strerror(errno));
        goto done;
    }
    if (!S_ISREG(st.st_mode)) {
        error_set(err, BDTX_DATAERR, "not a regular file");
        goto done;
    }
    if ((uint64_t)st.st_size > lim.max_file_bytes) {
        char size[32];

        sheet_size_text(lim.max_file_bytes, size, sizeof size);
        sheet_limit_error(err, "max_file_mb", "file larger than %s", size);
        goto done;
    }
    n = pread(fd, magic, sizeof magic, 0);
    if (n < 0) {
        error_set(err, BDTX_DATAERR, "cannot read: %s", strerror(errno));
        goto done;
    }
    r = calloc(1, sizeof *r);
    if (!r) {
        error_oom(err);
        goto done;
    }
    r->path = strdup(path);
    if (!r->path) {
        error_oom(err);
        goto done;
    }
    r->max_rows = lim.max_rows;
    if (n == (ssize_t)sizeof magic && memcmp(magic, zip_magic, sizeof magic) == 0) {
        r->format = SHEET_XLSX;
        rc = xlsx_open(fd, path, &lim, which, &r->xlsx, err);
    } else if (n == (ssize_t)sizeof magic && memcmp(magic, ole_magic, sizeof magic) == 0) {
        /* Old .xls workbooks and password-protected .xlsx are both OLE2 files. */
        r->format = SHEET_XLS;
        rc = xls_open(fd, path, &lim, which, &r->xls, err);
    } else if (!which->name && which->index > 0) {
        error_set(err, BDTX_DATAERR, "a CSV file has one sheet only");
        error_place(err, path, 0, NULL);
        close(fd);
        rc = -1;
    } else {
        r->format = SHEET_CSV;
        rc = csv_open(fd, path, &lim, &r->csv, err);
    }
    fd = -1;
    dispatched = true;
    if (rc == 0) {
        *out = r;
        r = NULL;
    }

done:
    /* The readers place their own errors, with row and column. */
    if (rc < 0 && !dispatched)
        error_place(err, path, 0, NULL);
    if (fd >= 0)
        close(fd);
    if (r)
        free(r->path);
    free(r);
    return rc;
}

static int next_direct(struct sheet_reader *r, struct sheet_row *row, bdtx_error *err)
{
    int rc;

    if (r->format == SHEET_XLSX)
        rc = xlsx_next(r->xlsx, row, err);
    else if (r->format == SHEET_XLS)
        rc = xls_next(r->xls, row, err);
    else
        rc = csv_next(r->csv, row, err);

    if (rc == 1 && ++r->rows > r->max_rows) {
        sheet_limit_error(err, "max_rows", "more than %" PRIu64 " rows", r->max_rows);
        error_place(err, r->path, row->number, NULL);
        return -1;
    }
    return rc;
}

int worker_start(struct worker *w, void *(*fn)(void *), void *arg)
{
    w->stop = false;
    if (pthread_mutex_init(&w->mu, NULL) != 0)
        return -1;
    if (pthread_cond_init(&w->cv, NULL) != 0) {
        pthread_mutex_destroy(&w->mu);
        return -1;
    }
    if (pthread_create(&w->thread, NULL, fn, arg) != 0) {
        pthread_cond_destroy(&w->cv);
        pthread_mutex_destroy(&w->mu);
        return -1;
    }
    return 0;
}

void worker_stop(struct worker *w)
{
    pthread_mutex_lock(&w->mu);
    w->stop = true;
    pthread_cond_broadcast(&w->cv);
    pthread_mutex_unlock(&w->mu);
    pthread_join(w->thread, NULL);
    pthread_cond_destroy(&w->cv);
    pthread_mutex_destroy(&w->mu);
}

void worker_set(struct worker *w, bool *flag, bool value)
{
    pthread_mutex_lock(&w->mu);
    *flag = value;
    pthread_cond_broadcast(&w->cv);
    pthread_mutex_unlock(&w->mu);
}

bool worker_wait(struct worker *w, const bool *flag, bool value)
{
    bool go;

    pthread_mutex_lock(&w->mu);
    while (*flag != value && !w->stop)
        pthread_cond_wait(&w->cv, &w->mu);
    go = *flag == value || !w->stop;
    pthread_mutex_unlock(&w->mu);
    return go;
}

/* Reading ahead. Parsing a large export (expat for XLSX, the CSV scanner)
 * and what the caller does with each row (an import's checks and COPY)
 * take about the same time on one core; a second thread parses the next
 * rows while the caller handles these. The parser's rows are copied into
 * one of two batches: the reader fills one while the caller reads the
 * other. A batch ends with what the parser said after its last row: more,
 * the end, or an error, which the caller gets in the same place it would
 * have without reading ahead. POSIX threads from libc: nothing to add. */
#define AHEAD_BATCH_BYTES (4u << 20)
#define AHEAD_BATCH_ROWS 20000

struct ahead_row {
    long number;
    size_t first, ncells;       /* cells[first .. first + ncells) */
};

struct ahead_cell {
    size_t off, len;            /* in text */
    bool numeric, uncached;
};

struct ahead_batch {
    char *text;                 /* the cells' texts, each NUL-terminated */
    size_t text_len, text_cap;
    struct ahead_row *rows;
    size_t nrows, rows_cap;
    struct ahead_cell *cells;
    size_t ncells, cells_cap;
    int status;                 /* after the rows: 1 more, 0 the end, -1 err */
    bdtx_error err;
    bool full;                  /* handed to the caller, not yet given back */
};

struct readahead {
    struct worker w;
    struct ahead_batch batch[2];
    int cur;                    /* the batch the caller reads */
    size_t next;                /* its next row */
    bool reading;               /* the caller holds batch[cur] */
    struct sheet_cell *cells;   /* the row handed out */
    size_t cells_cap;
};

/* Appends row to b; -1 when memory runs out. */
static int ahead_add(struct ahead_batch *b, const struct sheet_row *row)
{
    struct ahead_row *ar;
    size_t i;

    if (sheet_grow((void **)&b->rows, &b->rows_cap, b->nrows + 1, sizeof *b->rows) != 0 ||
        sheet_grow((void **)&b->cells, &b->cells_cap, b->ncells + row->ncells,
                   sizeof *b->cells) != 0)
        return -1;
    ar = &b->rows[b->nrows++];
    ar->number = row->number;
    ar->first = b->ncells;
    ar->ncells = row->ncells;
    for (i = 0; i < row->ncells; i++) {
        const struct sheet_cell *c = &row->cells[i];
        struct ahead_cell *ac = &b->cells[b->ncells++];

        if (sheet_grow((void **)&b->text, &b->text_cap, b->text_len + c->len + 1, 1) != 0)
            return -1;
        memcpy(b->text + b->text_len, c->text, c->len);
        b->text[b->text_len + c->len] = '\0';
        ac->off = b->text_len;
        ac->len = c->len;
        ac->numeric = c->numeric;
        ac->uncached = c->uncached;
        b->text_len += c->len + 1;
    }
    return 0;
}

static void *ahead_main(void *arg)
{
    struct sheet_reader *r = arg;
    struct readahead *a = r->ahead;
    int k = 0, status = 1;

    while (status == 1) {
        struct ahead_batch *b = &a->batch[k];
        struct sheet_row row;

        if (!worker_wait(&a->w, &b->full, false))
            break;
        b->text_len = b->nrows = b->ncells = 0;
        error_clear(&b->err);
        do {
            status = next_direct(r, &row, &b->err);
            if (status == 1 && ahead_add(b, &row) != 0) {
                error_set(&b->err, BDTX_SOFTWARE, "out of memory");
                status = -1;
            }
        } while (status == 1 && b->text_len < AHEAD_BATCH_BYTES && b->nrows < AHEAD_BATCH_ROWS);
        b->status = status;
        worker_set(&a->w, &b->full, true);
        k ^= 1;
    }
    return NULL;
}

static void ahead_free(struct readahead *a)
{
    int k;

    for (k = 0; k < 2; k++) {
        free(a->batch[k].text);
        free(a->batch[k].rows);
        free(a->batch[k].cells);
    }
    free(a->cells);
    free(a);
}

int sheet_read_ahead(struct sheet_reader *r, bdtx_error *err)
{
    struct readahead *a;

    if (r->ahead)
        return 0;
    a = calloc(1, sizeof *a);
    if (!a) {
        error_oom(err);
        return -1;
    }
    r->ahead = a;
    if (worker_start(&a->w, ahead_main, r) != 0) {
        r->ahead = NULL;
        ahead_free(a);     /* rows are read in this thread, as before */
    }
    return 0;
}

static int ahead_next(struct readahead *a, struct sheet_row *row, bdtx_error *err)
{
    struct ahead_batch *b = &a->batch[a->cur];
    const struct ahead_row *ar;
    size_t i;

    while (!a->reading || a->next == b->nrows) {
        if (a->reading) {
            /* This batch is done: its status, or on to the other. */
            if (b->status != 1) {
                if (b->status < 0)
                    *err = b->err;
                return b->status;
            }
            worker_set(&a->w, &b->full, false);
            a->cur ^= 1;
            b = &a->batch[a->cur];
        }
        worker_wait(&a->w, &b->full, true);
        a->reading = true;
        a->next = 0;
    }
    ar = &b->rows[a->next++];
    if (sheet_grow((void **)&a->cells, &a->cells_cap, ar->ncells + 1, sizeof *a->cells) != 0) {
        error_oom(err);
        return -1;
    }
    for (i = 0; i < ar->ncells; i++) {
        const struct ahead_cell *ac = &b->cells[ar->first + i];

        a->cells[i].text = b->text + ac->off;
        a->cells[i].len = ac->len;
        a->cells[i].numeric = ac->numeric;
        a->cells[i].uncached = ac->uncached;
    }
    row->number = ar->number;
    row->ncells = ar->ncells;
    row->cells = a->cells;
    return 1;
}

static void ahead_stop(struct readahead *a)
{
    worker_stop(&a->w);
    ahead_free(a);
}

int sheet_next(struct sheet_reader *r, struct sheet_row *row, bdtx_error *err)
{
    if (r->ahead)
        return ahead_next(r->ahead, row, err);
    return next_direct(r, row, err);
}

enum sheet_format sheet_format(const struct sheet_reader *r)
{
    return r->format;
}

const char *sheet_name(const struct sheet_reader *r)
{
    if (r->format == SHEET_XLSX)
        return xlsx_sheet_name(r->xlsx);
    if (r->format == SHEET_XLS)
        return xls_sheet_name(r->xls);
    return "";
}

const char *sheet_encoding(const struct sheet_reader *r)
{
    if (r->format == SHEET_XLSX)
        return "xlsx";
    if (r->format == SHEET_XLS)
        return "xls";
    return csv_encoding_name(r->csv);
}

size_t sheet_count(const struct sheet_reader *r)
{
    if (r->format == SHEET_XLSX)
        return xlsx_sheet_count(r->xlsx);
    if (r->format == SHEET_XLS)
        return xls_sheet_count(r->xls);
    return 1;
}

void sheet_column_label(const struct sheet_reader *r, size_t index, char *buf, size_t cap)
{
    sheet_column_name(r->format, index, buf, cap);
}

void sheet_close(struct sheet_reader *r)
{
    if (!r)
        return;
    if (r->ahead)
        ahead_stop(r->ahead);
    if (r->format == SHEET_XLSX)
        xlsx_close(r->xlsx);
    else if (r->format == SHEET_XLS)
        xls_close(r->xls);
    else
        csv_close(r->csv);
    free(r->path);
    free(r);
}
