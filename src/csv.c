/* Streaming CSV reader: RFC 4180 records read through a fixed-size buffer,
 * UTF-16 converted to UTF-8 on the way in, the delimiter guessed from the
 * first lines. */
#include <errno.h>
#include <iconv.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "bdtx/text.h"
#include "sheet_internal.h"

/* Lines looked at to choose the delimiter; title rows may come first. */
#define CSV_DETECT_LINES 20

enum csv_encoding { CSV_UTF8, CSV_UTF16LE, CSV_UTF16BE, CSV_CP1258 };

/* Where the parser is inside a record; kept across buffer refills so that a
 * record may straddle any number of chunks. */
enum csv_state { FIELD_START, UNQUOTED, QUOTED, QUOTE_SEEN };

struct csv_reader {
    char *path;
    int fd;
    enum csv_encoding enc;
    iconv_t cd;
    char *raw;              /* UTF-16 or Windows-1258 bytes read but not yet converted */
    size_t raw_len;
    bool raw_eof;
    bool bad_utf16;         /* conversion stopped at an invalid sequence */
    bool flushed;           /* the converter's held-back character was asked for */
    char *buf;              /* UTF-8 text; buf[pos..len) is not parsed yet */
    size_t pos, len, cap;
    bool eof;
    bool skip_lf;           /* the last record ended on CR: a LF after it is its */
    char delim;
    long line;              /* physical line of buf[pos], 1-based */
    bool broken;            /* csv_next failed: refuse to go on */
    struct rowbuf rb;
};

static void csv_place(struct csv_reader *r, bdtx_error *err, long line, long column)
{
    char label[16];

    if (column > 0) {
        sheet_column_name(SHEET_CSV, (size_t)column - 1, label, sizeof label);
        error_place(err, r->path, line, label);
    } else {
        error_place(err, r->path, line, NULL);
    }
}

/* Whether a sample without a BOM is Windows-1258 rather than UTF-8: it
 * has bytes above ASCII, and not one of them starts a valid UTF-8 sequence.
 * (UTF-8 with a stray bad byte stays UTF-8, and is reported as such.) */
static bool looks_cp1258(const char *buf, size_t n)
{
    size_t i;
    bool high = false;

    for (i = 0; i < n; i++) {
        unsigned char b = (unsigned char)buf[i];
        size_t len = (b & 0xE0) == 0xC0 ? 2 : (b & 0xF0) == 0xE0 ? 3 : (b & 0xF8) == 0xF0 ? 4 : 0;

        if (b < 0x80)
            continue;
        high = true;
        if (len > 0 && i + len <= n && text_valid_utf8(buf + i, len))
            return false;
    }
    return high;
}

const char *csv_encoding_name(const struct csv_reader *r)
{
    static const char *const names[] = {"utf-8", "utf-16le", "utf-16be", "windows-1258"};

    return names[r->enc];
}

static ssize_t csv_read(int fd, char *buf, size_t n)
{
    ssize_t got;

    do
        got = read(fd, buf, n);
    while (got < 0 && errno == EINTR);
    return got;
}

/* Refill buf once everything in it has been parsed. Leaves len == 0 only at
 * the end of the file. */
static int csv_fill(struct csv_reader *r, bdtx_error *err)
{
    ssize_t n;

    r->pos = r->len = 0;
    if (r->eof)
        return 0;
    if (r->enc == CSV_UTF8) {
        n = csv_read(r->fd, r->buf, SHEET_CHUNK);
        if (n < 0) {
            error_set(err, BDTX_DATAERR, "cannot read: %s", strerror(errno));
            csv_place(r, err, r->line, 0);
            return -1;
        }
        r->len = (size_t)n;
        r->eof = n == 0;
        return 0;
    }
    for (;;) {
        /* Reported only now, once the text before the bad bytes has been
         * parsed, so that the line number is right. */
        if (r->bad_utf16) {
            error_set(err, BDTX_DATAERR, r->enc == CSV_CP1258 ? "invalid Windows-1258 text"
                                                              : "invalid UTF-16 text");
            csv_place(r, err, r->line, 0);
            return -1;
        }
        if (r->raw_len > 0) {
            char *in = r->raw, *outp = r->buf;
            size_t inleft = r->raw_len, outleft = r->cap;
            size_t rc = iconv(r->cd, &in, &inleft, &outp, &outleft);

            /* E2BIG (buf full) and EINVAL (a character cut by the end of
             * the chunk) just leave bytes for the next round. */
            if (rc == (size_t)-1 && errno == EILSEQ)
                r->bad_utf16 = true;
            r->len = r->cap - outleft;
            memmove(r->raw, in, inleft);
            r->raw_len = inleft;
            if (r->len > 0)
                return 0;
            if (r->bad_utf16)
                continue;
        }
        if (r->raw_eof) {
            if (r->raw_len > 0) {
                error_set(err, BDTX_DATAERR, "UTF-16 text ends in the middle of a character");
                csv_place(r, err, r->line, 0);
                return -1;
            }
            /* Windows-1258 decoding holds the last letter back in case a
             * tone mark follows: ask for it once at the end. */
            if (!r->flushed) {
                char *outp = r->buf;
                size_t outleft = r->cap;

                r->flushed = true;
                if (iconv(r->cd, NULL, NULL, &outp, &outleft) != (size_t)-1 &&
                    outleft < r->cap) {
                    r->len = r->cap - outleft;
                    return 0;
                }
            }
            r->eof = true;
            return 0;
        }
        n = csv_read(r->fd, r->raw + r->raw_len, SHEET_CHUNK - r->raw_len);
        if (n < 0) {
            error_set(err, BDTX_DATAERR, "cannot read: %s", strerror(errno));
            csv_place(r, err, r->line, 0);
            return -1;
        }
        r->raw_eof = n == 0;
        r->raw_len += (size_t)n;
    }
}

/* Excel's delimiter hint, a first line "sep=;" (or any one character
 * after "sep="): the bytes of the line with its end, and *delim; 0 when
 * the text does not start with one. */
static size_t csv_sep_line(const char *s, size_t n, char *delim)
{
    size_t len = 5;

    if (n < 5 || strncasecmp(s, "sep=", 4) != 0 || s[4] == '\r' || s[4] == '\n' ||
        (unsigned char)s[4] >= 0x80)
        return 0;
    if (len < n && s[len] == '\r')
        len++;
    if (len < n && s[len] == '\n')
        len++;
    else if (len < n && s[len - 1] != '\r')
        return 0;
    *delim = s[4];
    return len;
}

/* Choose the delimiter whose count per line is the most often repeated
 * non-zero value: title rows above the header have none, and a decimal
 * comma inside ';'-separated data varies from line to line. */
static char csv_detect(const char *s, size_t n, bool complete)
{
    static const char candidates[] = { ',', ';', '\t' };
    char best = ',';
    size_t best_freq = 0, best_mode = 0, k;

    for (k = 0; k < sizeof candidates; k++) {
        size_t counts[CSV_DETECT_LINES];
        size_t nlines = 0, count = 0, i, j, freq = 0, mode = 0;
        enum csv_state st = FIELD_START;
        bool any = false;
        char d = candidates[k];

        for (i = 0; i < n && nlines < CSV_DETECT_LINES; i++) {
            char c = s[i];

            if (st == QUOTED) {
                if (c == '"')
                    st = QUOTE_SEEN;
                continue;
            }
            if (st == QUOTE_SEEN) {
                if (c == '"') {
                    st = QUOTED;
                    continue;
                }
                st = UNQUOTED;
            }
            if (c == '\r' || c == '\n') {
                if (any)
                    counts[nlines++] = count;
                count = 0;
                any = false;
                st = FIELD_START;
                continue;
            }
            any = true;
            if (c == d) {
                count++;
                st = FIELD_START;
            } else if (c == '"' && st == FIELD_START) {
                st = QUOTED;
            } else {
                st = UNQUOTED;
            }
        }
        if (any && nlines < CSV_DETECT_LINES && (complete || nlines == 0))
            counts[nlines++] = count;
        for (i = 0; i < nlines; i++) {
            size_t f = 0;

            if (counts[i] == 0)
                continue;
            for (j = 0; j < nlines; j++)
                f += counts[j] == counts[i];
            if (f > freq || (f == freq && counts[i] > mode)) {
                freq = f;
                mode = counts[i];
            }
        }
        if (freq > best_freq || (freq == best_freq && freq > 0 && mode > best_mode)) {
            best = d;
            best_freq = freq;
            best_mode = mode;
        }
    }
    return best;
}

static bool csv_valid_utf8(const char *s, size_t n)
{
    size_t i = 0;

    while (i < n && (unsigned char)s[i] < 0x80)
        i++;
    return i == n || text_valid_utf8(s + i, n - i);
}

static int csv_end_cell(struct csv_reader *r, long cell_line, bdtx_error *err)
{
    size_t n;
    const char *cell = rowbuf_cell(&r->rb, &n);

    if (!csv_valid_utf8(cell, n)) {
        error_set(err, BDTX_DATAERR, "invalid UTF-8 text");
        error_hint(err, "save the file as \"CSV UTF-8\" or as .xlsx");
        csv_place(r, err, cell_line, (long)r->rb.ncells + 1);
        return -1;
    }
    if (rowbuf_end_cell(&r->rb, false, err) < 0) {
        csv_place(r, err, cell_line, (long)r->rb.ncells + 1);
        return -1;
    }
    return 0;
}

/* Consume the line end at buf[pos]: LF, CRLF, or a lone CR. */
static void csv_newline(struct csv_reader *r)
{
    char c = r->buf[r->pos++];

    r->line++;
    if (c != '\r')
        return;
    if (r->pos < r->len) {
        if (r->buf[r->pos] == '\n')
            r->pos++;
    } else {
        r->skip_lf = true;
    }
}

static int csv_nul(struct csv_reader *r, bdtx_error *err)
{
    error_set(err, BDTX_DATAERR, "not a CSV, XLSX or XLS file");
    error_detail(err, "a NUL byte: the file holds binary data");
    csv_place(r, err, r->line, 0);
    return -1;
}

/* The text of an unquoted cell from buf[pos] to the delimiter, the line
 * end or the end of buf. 1 when the line end closed the record, 0 to go on
 * (*st FIELD_START after a delimiter), -1 on error. */
static int csv_unquoted(struct csv_reader *r, enum csv_state *st, long cell_line,
                        bdtx_error *err)
{
    const char *p = r->buf + r->pos, *end = r->buf + r->len, *q;
    const char d = r->delim;

    for (q = p; q < end && *q != d && *q != '\n' && *q != '\r' && *q != '\0'; q++)
        ;
    if (q > p && rowbuf_append(&r->rb, p, (size_t)(q - p), err) < 0) {
        csv_place(r, err, cell_line, (long)r->rb.ncells + 1);
        return -1;
    }
    r->pos += (size_t)(q - p);
    if (q == end)
        return 0;
    if (*q == '\0')
        return csv_nul(r, err);
    if (*q == d) {
        r->pos++;
        *st = FIELD_START;
        return csv_end_cell(r, cell_line, err) < 0 ? -1 : 0;
    }
    csv_newline(r);
    return csv_end_cell(r, cell_line, err) < 0 ? -1 : 1;
}

/* The text of a quoted cell from buf[pos] to the next quote or the end of
 * buf, line ends included. 0 to go on (*st QUOTE_SEEN past a quote), -1 on
 * error. */
static int csv_quoted(struct csv_reader *r, enum csv_state *st, long cell_line, bdtx_error *err)
{
    const char *p = r->buf + r->pos, *end = r->buf + r->len, *q;

    for (q = p; q < end && *q != '"' && *q != '\0'; q++)
        if (*q == '\n')
            r->line++;
    if (q > p && rowbuf_append(&r->rb, p, (size_t)(q - p), err) < 0) {
        /* A runaway quote usually shows up first as an endless cell. */
        error_hint(err, "the quote opened on line %ld may never be closed; if the cell "
                   "is meant to be this long, raise limits.max_cell_chars in the "
                   "configuration", cell_line);
        csv_place(r, err, cell_line, (long)r->rb.ncells + 1);
        return -1;
    }
    r->pos += (size_t)(q - p);
    if (q == end)
        return 0;
    if (*q == '\0')
        return csv_nul(r, err);
    r->pos++;
    *st = QUOTE_SEEN;
    return 0;
}

/* Parse one record into r->rb. 1 when there is one, 0 at the end of the
 * file, -1 on error. */
static int csv_record(struct csv_reader *r, long *start_line, bdtx_error *err)
{
    enum csv_state st = FIELD_START;
    const char d = r->delim;
    long cell_line;
    bool any = false;
    int rc;

    rowbuf_reset(&r->rb);
    if (r->skip_lf) {
        if (r->pos == r->len && csv_fill(r, err) < 0)
            return -1;
        if (r->pos < r->len && r->buf[r->pos] == '\n')
            r->pos++;
        r->skip_lf = false;
    }
    *start_line = cell_line = r->line;
    for (;;) {
        const char *p;

        if (r->pos == r->len) {
            if (csv_fill(r, err) < 0)
                return -1;
            if (r->len == 0) {
                if (st == QUOTED) {
                    error_set(err, BDTX_DATAERR, "quote opened here is never closed");
                    error_detail(err, "the record that starts on line %ld runs to the end of the file",
                                 *start_line);
                    csv_place(r, err, cell_line, (long)r->rb.ncells + 1);
                    return -1;
                }
                if (!any)
                    return 0;
                return csv_end_cell(r, cell_line, err) < 0 ? -1 : 1;
            }
        }
        p = r->buf + r->pos;
        switch (st) {
        case FIELD_START:
            any = true;
            cell_line = r->line;
            if (*p == '"') {
                r->pos++;
                st = QUOTED;
            } else if (*p == d) {
                r->pos++;
                if (csv_end_cell(r, cell_line, err) < 0)
                    return -1;
            } else if (*p == '\n' || *p == '\r') {
                csv_newline(r);
                return csv_end_cell(r, cell_line, err) < 0 ? -1 : 1;
            } else {
                st = UNQUOTED;
            }
            break;
        case UNQUOTED:
            rc = csv_unquoted(r, &st, cell_line, err);
            if (rc != 0)
                return rc;
            break;
        case QUOTED:
            if (csv_quoted(r, &st, cell_line, err) < 0)
                return -1;
            break;
        case QUOTE_SEEN:
            if (*p == '"') {
                if (rowbuf_append(&r->rb, "\"", 1, err) < 0) {
                    csv_place(r, err, cell_line, (long)r->rb.ncells + 1);
                    return -1;
                }
                r->pos++;
                st = QUOTED;
            } else {
                /* Closing quote. Like most readers, keep any text that
                 * follows it up to the delimiter rather than fail. */
                st = UNQUOTED;
            }
            break;
        }
    }
}

int csv_open(int fd, const char *path, const struct sheet_limits *limits,
             struct csv_reader **out, bdtx_error *err)
{
    struct csv_reader *r;
    ssize_t n;
    bool whole;
    size_t sep;
    int rc = -1;

    *out = NULL;
    r = calloc(1, sizeof *r);
    if (!r) {
        error_oom(err);
        error_place(err, path, 0, NULL);
        goto done;
    }
    r->fd = fd;
    r->cd = (iconv_t)-1;
    r->line = 1;
    rowbuf_init(&r->rb, limits);
    /* Room for a whole chunk of UTF-16 converted to UTF-8 (at most 3 bytes
     * for every 2). */
    r->cap = 2 * SHEET_CHUNK;
    r->path = strdup(path);
    r->buf = malloc(r->cap);
    if (!r->path || !r->buf) {
        error_oom(err);
        error_place(err, path, 0, NULL);
        goto done;
    }
    n = csv_read(fd, r->buf, SHEET_CHUNK);
    if (n < 0) {
        error_set(err, BDTX_DATAERR, "cannot read: %s", strerror(errno));
        csv_place(r, err, 0, 0);
        goto done;
    }
    r->len = (size_t)n;
    r->eof = n == 0;
    /* A short first read of a regular file means it is all here, so the
     * last line of the sample is complete even without a line end. */
    whole = (size_t)n < SHEET_CHUNK;
    if (n >= 2 && ((unsigned char)r->buf[0] == 0xFF && (unsigned char)r->buf[1] == 0xFE)) {
        r->enc = CSV_UTF16LE;
    } else if (n >= 2 && ((unsigned char)r->buf[0] == 0xFE && (unsigned char)r->buf[1] == 0xFF)) {
        r->enc = CSV_UTF16BE;
    }
    /* Without a BOM, text that is not UTF-8 is taken as Windows-1258, the
     * Vietnamese code page older Excel versions save CSV in. */
    if (r->enc == CSV_UTF8 && !(n >= 3 && memcmp(r->buf, "\xEF\xBB\xBF", 3) == 0) &&
        !memchr(r->buf, '\0', (size_t)n) && looks_cp1258(r->buf, (size_t)n))
        r->enc = CSV_CP1258;
    if (r->enc != CSV_UTF8) {
        size_t skip = r->enc == CSV_CP1258 ? 0 : 2;

        r->cd = iconv_open("UTF-8", r->enc == CSV_UTF16LE ? "UTF-16LE" :
                                    r->enc == CSV_UTF16BE ? "UTF-16BE" : "CP1258");
        r->raw = malloc(SHEET_CHUNK);
        if (r->cd == (iconv_t)-1 || !r->raw) {
            error_set(err, BDTX_SOFTWARE, "cannot convert the text to UTF-8: %s",
                      strerror(errno));
            csv_place(r, err, 0, 0);
            goto done;
        }
        r->raw_len = (size_t)n - skip;
        memcpy(r->raw, r->buf + skip, r->raw_len);
        r->eof = false;
        r->len = 0;
        if (csv_fill(r, err) < 0)
            goto done;
        whole = whole && r->raw_len == 0;
    } else {
        if (n >= 3 && memcmp(r->buf, "\xEF\xBB\xBF", 3) == 0)
            r->pos = 3;
        if (memchr(r->buf + r->pos, '\0', r->len - r->pos)) {
            error_set(err, BDTX_DATAERR, "not a CSV, XLSX or XLS file");
            error_detail(err, "the file holds binary data (UTF-16 text needs a byte order mark)");
            csv_place(r, err, 0, 0);
            goto done;
        }
    }
    sep = csv_sep_line(r->buf + r->pos, r->len - r->pos, &r->delim);
    if (sep > 0) {
        r->pos += sep;
        r->line++;
    } else {
        r->delim = csv_detect(r->buf + r->pos, r->len - r->pos, whole);
    }
    *out = r;
    rc = 0;

done:
    if (rc < 0 && r)
        csv_close(r);
    else if (rc < 0)
        close(fd);
    return rc;
}

int csv_next(struct csv_reader *r, struct sheet_row *row, bdtx_error *err)
{
    long line;
    int rc;

    /* After an error the parser's place is unknown: going on could hand out
     * half a record as a row. */
    if (r->broken) {
        error_set(err, BDTX_SOFTWARE, "CSV reading cannot go on after an error");
        csv_place(r, err, 0, 0);
        return -1;
    }
    for (;;) {
        rc = csv_record(r, &line, err);
        if (rc < 0)
            r->broken = true;
        if (rc <= 0)
            return rc;
        if (rowbuf_finish(&r->rb, line, row))
            return 1;
    }
}

void csv_close(struct csv_reader *r)
{
    if (!r)
        return;
    if (r->fd >= 0)
        close(r->fd);
    if (r->cd != (iconv_t)-1)
        iconv_close(r->cd);
    rowbuf_release(&r->rb);
    free(r->raw);
    free(r->buf);
    free(r->path);
    free(r);
}
