/* Legacy Excel 97-2003 workbooks (.xls, BIFF8 in an OLE2 compound file),
 * read with FreeXL: the only module that includes it.
 *
 * FreeXL trusts the file's structure: a sector chain that loops, a stream
 * longer than its sectors, a directory name longer than its entry, or a
 * worksheet declaring 65536 x 256 cells make it read out of bounds or
 * allocate without bound. So the compound file and the BIFF records are
 * first walked here, cheaply and with every size checked against the file
 * and the limits (FreeXL holds the declared cells in memory: they are
 * bounded by limits.max_uncompressed_mb), and only a file that passes is
 * handed to FreeXL, in a child process (below). */
#include <errno.h>
#include <freexl.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bdtx/value.h"
#include "sheet_internal.h"

#define CFB_HEADER 512
#define CFB_FREE UINT32_C(0xFFFFFFFF)
#define CFB_END UINT32_C(0xFFFFFFFE)
#define CFB_DIR_ENTRY 128
#define CFB_HEADER_DIFAT 109

/* What FreeXL keeps for each declared cell (a type and a union of an int,
 * a double and a pointer), for the memory bound. */
#define XLS_CELL_BYTES 16
/* BIFF8's own bounds. */
#define XLS_MAX_ROWS 65536
#define XLS_MAX_COLS 256
#define BIFF_MAX_RECORD 8224

#define BIFF_BOF 0x0809
#define BIFF_EOF 0x000A
#define BIFF_FILEPASS 0x002F
#define BIFF_BOUNDSHEET 0x0085
#define BIFF_DIMENSIONS 0x0200
#define BIFF_SST 0x00FC
#define BIFF_CONTINUE 0x003C
#define BIFF_FONT 0x0031
#define BIFF_FORMAT 0x041E
#define BIFF_LABEL 0x0204
#define BIFF_FORMULA 0x0006
#define BIFF_STRING 0x0207

/* A formula cell's cached value: FreeXL reads no formula cells, so their
 * values are taken from the FORMULA (and STRING) records here. */
struct xls_formula {
    uint32_t sheet;             /* BOUNDSHEET order */
    uint16_t row, col;
    bool numeric;
    bool uncached;              /* a result type BIFF does not define: no value */
    char *text;
};

struct formula_table {
    struct xls_formula *items;
    size_t count, cap;
};

/* FreeXL runs in a child process that hands the rows over a pipe, so that
 * a file it cannot cope with (it crashes on some, loops for hours on a date
 * serial of 10^10) costs a rejected file, never the run: the child is
 * given a processor-time budget, and its death is the file's error. The
 * messages on the pipe: */
enum {
    MSG_SHEET = 'S',            /* u32 worksheets, string name */
    MSG_ROW = 'R',              /* i64 number, u32 cells, each: u8 flags (1 numeric,
                                   2 uncached), string text */
    MSG_ERROR = 'E',            /* i64 row, string column, message, detail, hint */
    MSG_END = 'Z'
};

/* Processor seconds the child may use: a base and two a MiB of file. */
#define XLS_CPU_BASE 5
#define XLS_CPU_PER_MIB 2
/* Longest sheet name or message text taken from the child. */
#define XLS_MSG_MAX 1024

struct xls_reader {
    char *path;
    struct formula_table formulas;
    struct sheet_limits lim;
    pid_t pid;                  /* the child, -1 once reaped */
    int in;                     /* the pipe from it */
    unsigned cpu_budget;
    unsigned char buf[SHEET_CHUNK];
    size_t pos, len;
    char *sheet_name;
    size_t sheet_total;
    struct rowbuf rb;
    struct sheet_row row;
    bool done, broken;
};

/* The compound file as read for checking. */
struct cfb {
    const unsigned char *data;
    size_t size;
    uint32_t ssize;             /* sector size: 512 or 4096 */
    uint32_t nsectors;          /* whole sectors after the header */
    uint32_t *fat;
    size_t nfat;                /* entries */
    uint32_t *minifat;
    size_t nminifat;
    unsigned char *ministream; /* the root entry's stream */
    size_t ministream_len;
};

static uint16_t le16(const unsigned char *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t le32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void xls_place(const char *path, bdtx_error *err, long row, long col)
{
    char label[16] = "";

    if (col >= 0)
        sheet_column_name(SHEET_XLS, (size_t)col, label, sizeof label);
    error_place(err, path, row, label);
}

static int corrupt(bdtx_error *err, const char *what)
{
    error_set(err, BDTX_DATAERR, "corrupt XLS: %s", what);
    return -1;
}

/* Follows the chain from start in fat (of n entries) over nsect sectors:
 * the sectors in order into *out (allocated), their count into *len. A
 * chain that loops, leaves the table or points past the file is refused. */
static int cfb_chain(const struct cfb *c, const uint32_t *fat, size_t n, uint32_t nsect,
                     uint32_t start, const char *what, uint32_t **out, size_t *len,
                     bdtx_error *err)
{
    uint32_t *chain = NULL, s = start;
    size_t count = 0, cap = 0;
    char msg[160];

    (void)c;
    *out = NULL;
    *len = 0;
    while (s != CFB_END) {
        if (s >= nsect) {
            free(chain);
            snprintf(msg, sizeof msg, "the file is truncated (the %s goes past its end)", what);
            return corrupt(err, msg);
        }
        if (s >= n || count >= nsect) {
            free(chain);
            snprintf(msg, sizeof msg, "the sector chain of the %s is broken", what);
            return corrupt(err, msg);
        }
        if (sheet_grow((void **)&chain, &cap, count + 1, sizeof *chain) < 0) {
            free(chain);
            error_oom(err);
            return -1;
        }
        chain[count++] = s;
        s = fat[s];
    }
    *out = chain;
    *len = count;
    return 0;
}

/* The FAT, from the header's 109 sector numbers and the DIFAT sectors
 * after them (each: per - 1 sector numbers, then the next DIFAT sector). */
static int cfb_read_fat(struct cfb *c, bdtx_error *err)
{
    const unsigned char *h = c->data;
    uint32_t nfatsect = le32(h + 0x2C), difat = le32(h + 0x44), ndifat = le32(h + 0x48);
    uint32_t per = c->ssize / 4, i = 0, j, seen = 0;
    uint32_t *sects = NULL;
    int rc = -1;

    if (nfatsect == 0 || nfatsect > c->nsectors || ndifat > c->nsectors)
        return corrupt(err, "the file declares more allocation sectors than it has");
    sects = malloc((size_t)nfatsect * sizeof *sects);
    c->nfat = (size_t)nfatsect * per;
    c->fat = malloc(c->nfat * sizeof *c->fat);
    if (!sects || !c->fat) {
        error_oom(err);
        goto done;
    }
    for (; i < nfatsect && i < CFB_HEADER_DIFAT; i++)
        sects[i] = le32(h + 0x4C + 4 * i);
    while (i < nfatsect) {
        const unsigned char *p;

        if (difat >= c->nsectors || ++seen > ndifat) {
            corrupt(err, "the sector chain of the allocation table is broken");
            goto done;
        }
        p = c->data + (size_t)(difat + 1) * c->ssize;
        for (j = 0; j + 1 < per && i < nfatsect; j++)
            sects[i++] = le32(p + 4 * j);
        difat = le32(p + 4 * (per - 1));
    }
    for (i = 0; i < nfatsect; i++) {
        const unsigned char *p;

        if (sects[i] >= c->nsectors) {
            corrupt(err, "the file is truncated (its allocation table is past its end)");
            goto done;
        }
        p = c->data + (size_t)(sects[i] + 1) * c->ssize;
        for (j = 0; j < per; j++)
            c->fat[(size_t)i * per + j] = le32(p + 4 * j);
    }
    rc = 0;
done:
    free(sects);
    return rc;
}

/* Copies stream (start, size) out of the regular sectors or, when mini,
 * out of the mini stream, into *out. */
static int cfb_stream(struct cfb *c, uint32_t start, uint64_t size, bool mini, const char *what,
                      unsigned char **out, bdtx_error *err)
{
    uint32_t *chain = NULL;
    size_t n = 0, i, unit = mini ? 64 : c->ssize;
    unsigned char *buf = NULL;
    char msg[160];
    int rc = -1;

    *out = NULL;
    if (mini)
        rc = cfb_chain(c, c->minifat, c->nminifat, (uint32_t)(c->ministream_len / 64), start,
                       what, &chain, &n, err);
    else
        rc = cfb_chain(c, c->fat, c->nfat, c->nsectors, start, what, &chain, &n, err);
    if (rc < 0)
        return -1;
    rc = -1;
    if (size > (uint64_t)n * unit) {
        snprintf(msg, sizeof msg, "the %s declares %" PRIu64 " bytes, more than its sectors hold",
                 what, size);
        corrupt(err, msg);
        goto done;
    }
    buf = malloc(size ? (size_t)size : 1);
    if (!buf) {
        error_oom(err);
        goto done;
    }
    for (i = 0; i * unit < size; i++) {
        size_t take = size - i * unit < unit ? (size_t)(size - i * unit) : unit;
        const unsigned char *src = mini ? c->ministream + (size_t)chain[i] * 64
                                        : c->data + (size_t)(chain[i] + 1) * c->ssize;

        memcpy(buf + i * unit, src, take);
    }
    *out = buf;
    buf = NULL;
    rc = 0;
done:
    free(buf);
    free(chain);
    return rc;
}

static bool dir_name_is(const unsigned char *e, const char *name)
{
    size_t n = strlen(name), i;

    if (le16(e + 0x40) != 2 * (n + 1))
        return false;
    for (i = 0; i < n; i++)
        if (le16(e + 2 * i) != (unsigned char)name[i])
            return false;
    return true;
}

/* The shared string table as a run of segments (the SST record's body,
 * then each CONTINUE's), read through a cursor that never leaves them. */
struct sst_cursor {
    const unsigned char *s;     /* the Workbook stream */
    size_t len;
    size_t rec;                 /* offset of the current record */
    size_t pos, end;            /* in s: the current segment's bytes left */
};

/* On to the next segment: the CONTINUE record right after the current one. */
static bool sst_next_segment(struct sst_cursor *k)
{
    size_t next = k->end;
    uint16_t rlen;

    if (next + 4 > k->len || le16(k->s + next) != BIFF_CONTINUE)
        return false;
    rlen = le16(k->s + next + 2);
    if (rlen > BIFF_MAX_RECORD || next + 4 + rlen > k->len)
        return false;
    k->rec = next;
    k->pos = next + 4;
    k->end = next + 4 + rlen;
    return true;
}

/* n bytes of a string's header, all in one segment (a segment may end
 * exactly before it). */
static const unsigned char *sst_take(struct sst_cursor *k, size_t n)
{
    const unsigned char *p;

    if (k->pos == k->end && !sst_next_segment(k))
        return NULL;
    if (k->end - k->pos < n)
        return NULL;
    p = k->s + k->pos;
    k->pos += n;
    return p;
}

/* n bytes that may run on into the next segments (rich runs, phonetics). */
static bool sst_skip(struct sst_cursor *k, uint64_t n)
{
    while (n > 0) {
        size_t here = k->end - k->pos;

        if (here == 0 && !sst_next_segment(k))
            return false;
        here = k->end - k->pos;
        if (here > n)
            here = (size_t)n;
        k->pos += here;
        n -= here;
    }
    return true;
}

/* count strings of an XLUnicodeRichExtendedString each: characters split
 * over CONTINUE records restart with a flags byte. */
static bool sst_strings(struct sst_cursor *k, uint32_t count)
{
    uint32_t i;

    for (i = 0; i < count; i++) {
        const unsigned char *h = sst_take(k, 3);
        uint32_t chars, runs = 0, ext = 0;
        unsigned flags;

        if (!h)
            return false;
        chars = le16(h);
        flags = h[2];
        if (flags & 0x08) {
            if (!(h = sst_take(k, 2)))
                return false;
            runs = le16(h);
        }
        if (flags & 0x04) {
            if (!(h = sst_take(k, 4)))
                return false;
            ext = le32(h);
        }
        while (chars > 0) {
            size_t width = flags & 0x01 ? 2 : 1, here = (k->end - k->pos) / width;

            if (here == 0) {
                if (k->pos != k->end || !sst_next_segment(k) || k->pos == k->end)
                    return false;
                flags = k->s[k->pos++];
                continue;
            }
            if (here > chars)
                here = chars;
            k->pos += here * width;
            chars -= (uint32_t)here;
        }
        if (!sst_skip(k, (uint64_t)runs * 4 + ext))
            return false;
    }
    return true;
}

/* A string of cch characters (flags byte first) fits in len bytes. */
static bool biff_string_fits(const unsigned char *p, size_t len, size_t cch)
{
    return len >= 1 && cch * (p[0] & 0x01 ? 2 : 1) <= len - 1;
}

/* The records FreeXL reads text from hold their strings whole. */
static bool biff_strings_fit(uint16_t type, const unsigned char *p, uint16_t rlen)
{
    switch (type) {
    case BIFF_BOUNDSHEET:
        return rlen >= 8 && biff_string_fits(p + 7, rlen - 7u, p[6]);
    case BIFF_FONT:
        return rlen >= 16 && biff_string_fits(p + 15, rlen - 15u, p[14]);
    case BIFF_FORMAT:
        return rlen >= 5 && biff_string_fits(p + 4, rlen - 4u, le16(p + 2));
    case BIFF_LABEL:
        return rlen >= 9 && biff_string_fits(p + 8, rlen - 8u, le16(p + 6));
    case BIFF_STRING:
        return rlen >= 3 && biff_string_fits(p + 2, rlen - 2u, le16(p));
    default:
        return true;
    }
}

/* Latin-1 (a compressed BIFF8 string) or UTF-16LE text of cch characters
 * as UTF-8, malloc'd; NULL when out of memory. */
static char *biff_utf8(const unsigned char *p, size_t cch, bool wide)
{
    char *out = malloc(cch * 4 + 1), *o = out;
    size_t i;

    if (!out)
        return NULL;
    for (i = 0; i < cch; i++) {
        uint32_t u = wide ? le16(p + 2 * i) : p[i];

        if (wide && u >= 0xD800 && u < 0xDC00 && i + 1 < cch &&
            le16(p + 2 * i + 2) >= 0xDC00 && le16(p + 2 * i + 2) < 0xE000) {
            u = 0x10000 + ((u - 0xD800) << 10) + (le16(p + 2 * i + 2) - 0xDC00);
            i++;
        } else if (u >= 0xD800 && u < 0xE000) {
            u = 0xFFFD;
        }
        if (u < 0x80) {
            *o++ = (char)u;
        } else if (u < 0x800) {
            *o++ = (char)(0xC0 | u >> 6);
            *o++ = (char)(0x80 | (u & 0x3F));
        } else if (u < 0x10000) {
            *o++ = (char)(0xE0 | u >> 12);
            *o++ = (char)(0x80 | ((u >> 6) & 0x3F));
            *o++ = (char)(0x80 | (u & 0x3F));
        } else {
            *o++ = (char)(0xF0 | u >> 18);
            *o++ = (char)(0x80 | ((u >> 12) & 0x3F));
            *o++ = (char)(0x80 | ((u >> 6) & 0x3F));
            *o++ = (char)(0x80 | (u & 0x3F));
        }
    }
    *o = '\0';
    return out;
}

/* The cached value of a FORMULA record (p, at least 20 bytes) as a cell:
 * a number, a boolean ("1"/"0", as XLSX gives them), an error's text, or
 * empty; a string result comes in the STRING record after it. */
static int formula_add(struct formula_table *t, uint32_t sheet, const unsigned char *p,
                       bool *string_next)
{
    static const struct { unsigned char code; const char *text; } errors[] = {
        {0x00, "#NULL!"}, {0x07, "#DIV/0!"}, {0x0F, "#VALUE!"}, {0x17, "#REF!"},
        {0x1D, "#NAME?"}, {0x24, "#NUM!"}, {0x2A, "#N/A"},
    };
    const unsigned char *v = p + 6;
    struct xls_formula *f;
    char buf[64];
    const char *text = "";
    size_t i;

    if (sheet_grow((void **)&t->items, &t->cap, t->count + 1, sizeof *t->items) < 0)
        return -1;
    f = &t->items[t->count];
    f->sheet = sheet;
    f->row = le16(p);
    f->col = le16(p + 2);
    f->numeric = false;
    f->uncached = false;
    *string_next = false;
    if (le16(v + 6) != 0xFFFF) {
        uint64_t bits = (uint64_t)le32(v) | (uint64_t)le32(v + 4) << 32;
        double d;

        memcpy(&d, &bits, sizeof d);
        value_format_double(d, buf, sizeof buf);
        text = buf;
        f->numeric = true;
    } else if (v[0] == 0) {
        *string_next = true;
    } else if (v[0] == 1) {
        text = v[2] ? "1" : "0";
    } else if (v[0] == 2) {
        text = "#ERROR!";
        for (i = 0; i < sizeof errors / sizeof errors[0]; i++)
            if (errors[i].code == v[2])
                text = errors[i].text;
    } else if (v[0] != 3) {
        /* Writers that do not calculate (xlwt) leave the value all ones. */
        f->uncached = true;
    }
    f->text = strdup(text);
    if (!f->text)
        return -1;
    t->count++;
    return 0;
}

static int formula_order(const void *a, const void *b)
{
    const struct xls_formula *x = a, *y = b;

    if (x->sheet != y->sheet)
        return x->sheet < y->sheet ? -1 : 1;
    if (x->row != y->row)
        return x->row < y->row ? -1 : 1;
    return x->col < y->col ? -1 : x->col > y->col;
}

static void formulas_release(struct formula_table *t)
{
    size_t i;

    for (i = 0; i < t->count; i++)
        free(t->items[i].text);
    free(t->items);
    memset(t, 0, sizeof *t);
}

/* A worksheet's DIMENSIONS (p): within BIFF8's bounds and the limits, the
 * cells declared so far (*cells) within what FreeXL may allocate. */
static int biff_dimensions(const unsigned char *p, const struct sheet_limits *lim,
                           uint64_t *cells, bdtx_error *err)
{
    uint32_t rows = le32(p + 4);
    uint16_t cols = le16(p + 10);
    char msg[200], size[32];

    if (rows > XLS_MAX_ROWS || cols > XLS_MAX_COLS) {
        snprintf(msg, sizeof msg,
                 "a worksheet declares %" PRIu32 " rows and %u columns, more than BIFF8 allows",
                 rows, (unsigned)cols);
        return corrupt(err, msg);
    }
    if (cols > lim->max_cells_per_row) {
        sheet_limit_error(err, "max_cells_per_row", "row has more than %" PRIu32 " cells",
                          lim->max_cells_per_row);
        return -1;
    }
    *cells += (uint64_t)rows * cols;
    if (*cells * XLS_CELL_BYTES > lim->max_uncompressed_bytes) {
        sheet_size_text(lim->max_uncompressed_bytes, size, sizeof size);
        sheet_limit_error(err, "max_uncompressed_mb",
                          "XLS worksheets declare more cells than fit in %s", size);
        return -1;
    }
    return 0;
}

/* The worksheet substreams' declared sizes and the workbook's encryption,
 * from the BIFF records; FreeXL reads the rest. */
static int biff_check(const unsigned char *s, size_t len, const struct sheet_limits *lim,
                      struct formula_table *formulas, bdtx_error *err)
{
    size_t off = 0, i;
    uint64_t cells = 0;
    unsigned sheets = 0;
    uint32_t *starts = NULL;    /* the BOF offset of each sheet, BOUNDSHEET order */
    size_t starts_cap = 0;
    long sheet = -1;            /* the substream being walked, -1: globals or unknown */
    bool first = true, string_next = false;
    int rc = -1;

    while (off + 4 <= len) {
        uint16_t type = le16(s + off), rlen = le16(s + off + 2);
        const unsigned char *p = s + off + 4;

        if (rlen > BIFF_MAX_RECORD || off + 4 + rlen > len) {
            corrupt(err, "a BIFF record runs past the end of the Workbook stream");
            goto done;
        }
        if (first) {
            if (type != BIFF_BOF || rlen < 4 || le16(p) != 0x0600) {
                error_set(err, BDTX_DATAERR, "not an Excel 97-2003 (BIFF8) workbook");
                error_hint(err, "open it in Excel or LibreOffice and save it as .xlsx");
                goto done;
            }
            first = false;
        } else if (type == BIFF_BOF) {
            for (sheet = -1, i = 0; i < sheets && sheet < 0; i++)
                if (starts[i] == off)
                    sheet = (long)i;
        }
        if (type == BIFF_FILEPASS) {
            error_set(err, BDTX_DATAERR, "refused XLS: the workbook is encrypted");
            error_hint(err, "open it in Excel, remove its password and save it again");
            goto done;
        }
        if (type == BIFF_BOUNDSHEET) {
            if (sheets >= lim->max_sheets) {
                sheet_limit_error(err, "max_sheets", "workbook has more than %" PRIu32 " sheets",
                                  lim->max_sheets);
                goto done;
            }
            if (sheet_grow((void **)&starts, &starts_cap, sheets + 1, sizeof *starts) < 0) {
                error_oom(err);
                goto done;
            }
            starts[sheets++] = rlen >= 4 ? le32(p) : 0;
        }
        if (type == BIFF_SST) {
            struct sst_cursor k = { s, len, off, off + 12, off + 4 + (size_t)rlen };

            if (rlen < 8 || le32(p + 4) > len / 3 || !sst_strings(&k, le32(p + 4))) {
                corrupt(err, "the shared string table declares more strings than it holds");
                goto done;
            }
        }
        if (!biff_strings_fit(type, p, rlen)) {
            corrupt(err, "a text runs past the end of its BIFF record");
            goto done;
        }
        if (type == BIFF_FORMULA && rlen >= 20 && sheet >= 0 &&
            formula_add(formulas, (uint32_t)sheet, p, &string_next) < 0) {
            error_oom(err);
            goto done;
        }
        if (type == BIFF_STRING && string_next) {
            struct xls_formula *f = &formulas->items[formulas->count - 1];
            char *text = biff_utf8(p + 3, le16(p), p[2] & 0x01);

            if (!text) {
                error_oom(err);
                goto done;
            }
            free(f->text);
            f->text = text;
            string_next = false;
        }
        if (type == BIFF_DIMENSIONS && rlen >= 12 && biff_dimensions(p, lim, &cells, err) < 0)
            goto done;
        off += 4 + (size_t)rlen;
    }
    if (first) {
        corrupt(err, "the Workbook stream is empty");
        goto done;
    }
    if (formulas->count > 0)
        qsort(formulas->items, formulas->count, sizeof *formulas->items, formula_order);
    rc = 0;
done:
    free(starts);
    return rc;
}

/* The mini stream (the root entry's) and its allocation table, for a
 * Workbook stream under the mini stream cutoff. */
static int cfb_mini(struct cfb *c, const unsigned char *root, bdtx_error *err)
{
    uint32_t *mchain = NULL, per = c->ssize / 4;
    size_t nm = 0, i;

    if (!root || le32(c->data + 0x40) > c->nsectors)
        return corrupt(err, "the mini stream is broken");
    if (cfb_chain(c, c->fat, c->nfat, c->nsectors, le32(c->data + 0x3C), "mini allocation table",
                  &mchain, &nm, err) < 0)
        return -1;
    c->nminifat = nm * per;
    c->minifat = malloc((c->nminifat ? c->nminifat : 1) * sizeof *c->minifat);
    if (!c->minifat) {
        free(mchain);
        error_oom(err);
        return -1;
    }
    for (i = 0; i < c->nminifat; i++)
        c->minifat[i] = le32(c->data + (size_t)(mchain[i / per] + 1) * c->ssize + 4 * (i % per));
    free(mchain);
    c->ministream_len = le32(root + 0x78);
    if (c->ministream_len > c->size)
        return corrupt(err, "the mini stream declares more bytes than the file has");
    return cfb_stream(c, le32(root + 0x74), c->ministream_len, false, "mini stream",
                      &c->ministream, err);
}

/* The directory's root entry and Workbook stream entry. An encrypted
 * XLSX (an OLE2 file too), another Office document or an older BIFF
 * workbook is refused, saying which. */
static int cfb_entries(const unsigned char *dir, size_t nentries,
                       const unsigned char **root, const unsigned char **wb, bdtx_error *err)
{
    size_t i;

    *root = *wb = NULL;
    for (i = 0; i < nentries; i++) {
        const unsigned char *e = dir + i * CFB_DIR_ENTRY;

        /* A name is at most 32 UTF-16 units, its NUL included. */
        if (le16(e + 0x40) > 64 || le16(e + 0x40) % 2 != 0)
            return corrupt(err, "an entry of the OLE2 directory is broken");
        if (e[0x42] == 5 && !*root) {
            *root = e;
        } else if (e[0x42] == 2 && !*wb &&
                   (dir_name_is(e, "Workbook") || dir_name_is(e, "Book"))) {
            *wb = e;
        } else if (e[0x42] == 2 && dir_name_is(e, "EncryptedPackage")) {
            error_set(err, BDTX_DATAERR, "refused XLSX: the workbook is encrypted");
            error_hint(err, "open it in Excel, remove its password and save it again");
            return -1;
        }
    }
    if (!*wb) {
        error_set(err, BDTX_DATAERR, "not a CSV, XLSX or XLS file");
        error_detail(err, "an OLE2 document without a workbook: another kind of Office file");
        return -1;
    }
    if (!dir_name_is(*wb, "Workbook")) {
        error_set(err, BDTX_DATAERR, "not an Excel 97-2003 (BIFF8) workbook");
        error_hint(err, "open it in Excel or LibreOffice and save it as .xlsx");
        return -1;
    }
    return 0;
}

/* The compound file's header, FAT, directory, mini stream and Workbook
 * stream, each bounded by the file; then the BIFF records. */
static int xls_check(const unsigned char *data, size_t size, const struct sheet_limits *lim,
                     struct formula_table *formulas, bdtx_error *err)
{
    static const unsigned char sig[8] = { 0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1 };
    struct cfb c = { .data = data, .size = size };
    unsigned char *dir = NULL, *book = NULL;
    uint32_t *dirchain = NULL;
    size_t ndir = 0;
    const unsigned char *root = NULL, *wb = NULL;
    uint64_t wsize;
    uint16_t shift;
    int rc = -1;

    if (size < CFB_HEADER || memcmp(data, sig, sizeof sig) != 0) {
        corrupt(err, "the file is truncated (no complete OLE2 header)");
        goto done;
    }
    shift = le16(data + 0x1E);
    if (le16(data + 0x1C) != 0xFFFE || (shift != 9 && shift != 12) || le16(data + 0x20) != 6) {
        corrupt(err, "the OLE2 header is broken");
        goto done;
    }
    c.ssize = UINT32_C(1) << shift;
    if (size < c.ssize) {
        corrupt(err, "the file is truncated (no complete OLE2 header)");
        goto done;
    }
    c.nsectors = (uint32_t)((size - c.ssize) / c.ssize);
    if (cfb_read_fat(&c, err) < 0 ||
        cfb_chain(&c, c.fat, c.nfat, c.nsectors, le32(data + 0x30), "directory", &dirchain,
                  &ndir, err) < 0 ||
        cfb_stream(&c, le32(data + 0x30), (uint64_t)ndir * c.ssize, false, "directory", &dir,
                   err) < 0 ||
        cfb_entries(dir, ndir * c.ssize / CFB_DIR_ENTRY, &root, &wb, err) < 0)
        goto done;
    wsize = le32(wb + 0x78);
    if (wsize > size) {
        corrupt(err, "the Workbook stream declares more bytes than the file has");
        goto done;
    }
    if (wsize < le32(data + 0x38)) {
        if (cfb_mini(&c, root, err) < 0 ||
            cfb_stream(&c, le32(wb + 0x74), wsize, true, "Workbook stream", &book, err) < 0)
            goto done;
    } else if (cfb_stream(&c, le32(wb + 0x74), wsize, false, "Workbook stream", &book,
                          err) < 0) {
        goto done;
    }
    rc = biff_check(book, (size_t)wsize, lim, formulas, err);
done:
    free(c.fat);
    free(c.minifat);
    free(c.ministream);
    free(dir);
    free(book);
    free(dirchain);
    return rc;
}

static int read_all(int fd, size_t size, unsigned char **out, bdtx_error *err)
{
    unsigned char *buf = malloc(size ? size : 1);
    size_t got = 0;

    *out = NULL;
    if (!buf) {
        error_oom(err);
        return -1;
    }
    while (got < size) {
        ssize_t n = pread(fd, buf + got, size - got, (off_t)got);

        if (n < 0) {
            free(buf);
            error_set(err, BDTX_DATAERR, "cannot read: %s", strerror(errno));
            return -1;
        }
        if (n == 0)
            break;
        got += (size_t)n;
    }
    if (got != size) {
        free(buf);
        error_set(err, BDTX_DATAERR, "cannot read: the file changed while it was read");
        return -1;
    }
    *out = buf;
    return 0;
}

static const char *freexl_reason(int rc)
{
    switch (rc) {
    case FREEXL_INSUFFICIENT_MEMORY: return "out of memory";
    case FREEXL_BIFF_INVALID_SST: return "the shared string table is broken";
    case FREEXL_BIFF_ILLEGAL_SST_INDEX: return "a cell refers to a shared string that does not exist";
    case FREEXL_INVALID_CHARACTER: return "a text is not valid in its code page";
    case FREEXL_UNSUPPORTED_CHARSET: return "the workbook's code page is not supported";
    case FREEXL_CRAFTED_FILE: return "the file's records contradict each other";
    default: return "FreeXL cannot read it";
    }
}

/* The child's end of the pipe, buffered. A write that fails ends the
 * child: the parent has gone or closed the reader. */
struct pipe_out {
    int fd;
    size_t len;
    unsigned char buf[SHEET_CHUNK];
};

static void out_flush(struct pipe_out *o)
{
    size_t off = 0;

    while (off < o->len) {
        ssize_t n = write(o->fd, o->buf + off, o->len - off);

        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            _exit(1);
        off += (size_t)n;
    }
    o->len = 0;
}

static void out_bytes(struct pipe_out *o, const void *p, size_t n)
{
    const unsigned char *b = p;

    while (n > 0) {
        size_t take = sizeof o->buf - o->len < n ? sizeof o->buf - o->len : n;

        memcpy(o->buf + o->len, b, take);
        o->len += take;
        b += take;
        n -= take;
        if (o->len == sizeof o->buf)
            out_flush(o);
    }
}

static void out_u32(struct pipe_out *o, uint32_t v)
{
    out_bytes(o, &v, sizeof v);
}

static void out_string(struct pipe_out *o, const char *s, size_t n)
{
    out_u32(o, (uint32_t)n);
    out_bytes(o, s, n);
}

static void out_text(struct pipe_out *o, const char *s)
{
    out_string(o, s, strlen(s));
}

static void out_error(struct pipe_out *o, const bdtx_error *e)
{
    int64_t row = e->row;

    out_bytes(o, "E", 1);
    out_bytes(o, &row, sizeof row);
    out_text(o, e->column);
    out_text(o, e->message);
    out_text(o, e->detail);
    out_text(o, e->hint);
    out_flush(o);
}

/* One cell as text: numbers as XLSX writes its <v> (numeric), dates as
 * yyyy-mm-dd (FreeXL applies the cell's date format). */
static int child_cell(const void *h, const struct formula_table *formulas, uint32_t sheet,
                      struct rowbuf *rb, uint32_t row, uint16_t col, bdtx_error *err)
{
    FreeXL_CellValue v;
    char buf[64];
    const char *text = "";
    bool numeric = false, uncached = false;
    int rc = freexl_get_cell_value(h, row, col, &v);

    if (rc != FREEXL_OK) {
        error_set(err, BDTX_DATAERR, "corrupt XLS: %s", freexl_reason(rc));
        return -1;
    }
    switch (v.type) {
    case FREEXL_CELL_INT:
        snprintf(buf, sizeof buf, "%d", v.value.int_value);
        text = buf;
        numeric = true;
        break;
    case FREEXL_CELL_DOUBLE:
        value_format_double(v.value.double_value, buf, sizeof buf);
        text = buf;
        numeric = true;
        break;
    case FREEXL_CELL_TEXT:
    case FREEXL_CELL_SST_TEXT:
    case FREEXL_CELL_DATE:
    case FREEXL_CELL_DATETIME:
    case FREEXL_CELL_TIME:
        text = v.value.text_value ? v.value.text_value : "";
        break;
    default: {
        /* FreeXL leaves formula cells empty: their cached values. */
        struct xls_formula key = { sheet, (uint16_t)row, col, false, false, NULL };
        const struct xls_formula *f =
            row <= UINT16_MAX && formulas->count > 0
                ? bsearch(&key, formulas->items, formulas->count, sizeof *formulas->items,
                          formula_order)
                : NULL;

        if (f) {
            text = f->text;
            numeric = f->numeric;
            uncached = f->uncached;
        }
        break;
    }
    }
    if (rowbuf_append(rb, text, strlen(text), err) < 0 || rowbuf_end_cell(rb, numeric, err) < 0)
        return -1;
    if (uncached)
        rowbuf_mark_uncached(rb);
    return 0;
}

/* The worksheet which names or numbers, selected; its name and the count
 * sent. */
static int child_select(const void *h, const struct sheet_select *which, struct pipe_out *o,
                        uint32_t *rows, uint16_t *cols, uint32_t *chosen, bdtx_error *err)
{
    unsigned i, total = 0, index = 0;
    const char *name = NULL;
    bool found = false;

    if (freexl_get_info(h, FREEXL_BIFF_SHEET_COUNT, &total) != FREEXL_OK || total == 0)
        return corrupt(err, "the workbook has no worksheet");
    for (i = 0; i < total && !found; i++) {
        if (freexl_get_worksheet_name(h, (unsigned short)i, &name) != FREEXL_OK)
            return corrupt(err, "a worksheet has no name");
        if (which->name ? name && strcmp(name, which->name) == 0 : i == which->index) {
            index = i;
            found = true;
        }
    }
    if (!found) {
        if (which->name)
            error_set(err, BDTX_DATAERR, "the workbook has no worksheet named \"%s\"", which->name);
        else
            error_set(err, BDTX_DATAERR, "the workbook has no worksheet %zu (it has %u)",
                      which->index + 1, total);
        return -1;
    }
    if (freexl_get_worksheet_name(h, (unsigned short)index, &name) != FREEXL_OK ||
        freexl_select_active_worksheet(h, (unsigned short)index) != FREEXL_OK ||
        freexl_worksheet_dimensions(h, rows, cols) != FREEXL_OK)
        return corrupt(err, "a worksheet cannot be read");
    *chosen = index;
    out_bytes(o, "S", 1);
    out_u32(o, total);
    out_text(o, name ? name : "");
    return 0;
}

/* The child: FreeXL reads source, and every non-empty row of the chosen
 * worksheet goes down the pipe. Never returns. */
static void child_main(int fd, const char *source, const struct sheet_select *which,
                       const struct sheet_limits *lim, const struct formula_table *formulas,
                       unsigned cpu_budget)
{
    static struct pipe_out o;
    struct rlimit cpu = { cpu_budget, cpu_budget + 1 };
    const void *h = NULL;
    struct rowbuf rb;
    struct sheet_row row;
    bdtx_error err;
    uint32_t rows = 0, r, sheet = 0;
    uint16_t cols = 0, c;
    unsigned pw = 0;
    int frc;

    o.fd = fd;
    error_clear(&err);
    rowbuf_init(&rb, lim);
    if (setrlimit(RLIMIT_CPU, &cpu) != 0)
        _exit(1);
    frc = freexl_open(source, &h);
    if (frc != FREEXL_OK) {
        error_set(&err, BDTX_DATAERR, "corrupt XLS: %s", freexl_reason(frc));
        goto fail;
    }
    if (freexl_get_info(h, FREEXL_BIFF_PASSWORD, &pw) == FREEXL_OK && pw != FREEXL_BIFF_PLAIN) {
        error_set(&err, BDTX_DATAERR, "refused XLS: the workbook is encrypted");
        error_hint(&err, "open it in Excel, remove its password and save it again");
        goto fail;
    }
    if (child_select(h, which, &o, &rows, &cols, &sheet, &err) < 0)
        goto fail;
    for (r = 0; r < rows; r++) {
        int64_t number = (int64_t)r + 1;
        size_t i;

        rowbuf_reset(&rb);
        for (c = 0; c < cols; c++)
            if (child_cell(h, formulas, sheet, &rb, r, c, &err) < 0) {
                char label[16];

                sheet_column_name(SHEET_XLS, c, label, sizeof label);
                error_place(&err, "", (long)number, label);
                goto fail;
            }
        if (!rowbuf_finish(&rb, (long)number, &row))
            continue;
        out_bytes(&o, "R", 1);
        out_bytes(&o, &number, sizeof number);
        out_u32(&o, (uint32_t)row.ncells);
        for (i = 0; i < row.ncells; i++) {
            unsigned char flags = (unsigned char)(row.cells[i].numeric |
                                                  row.cells[i].uncached << 1);

            out_bytes(&o, &flags, 1);
            out_string(&o, row.cells[i].text, row.cells[i].len);
        }
    }
    out_bytes(&o, "Z", 1);
    out_flush(&o);
    _exit(0);
fail:
    out_error(&o, &err);
    _exit(0);
}

/* n bytes from the child: 0, or -1 when the pipe ends first. */
static int in_read(struct xls_reader *x, void *dst, size_t n)
{
    unsigned char *d = dst;

    while (n > 0) {
        size_t take;

        if (x->pos == x->len) {
            ssize_t got = read(x->in, x->buf, sizeof x->buf);

            if (got < 0 && errno == EINTR)
                continue;
            if (got <= 0)
                return -1;
            x->pos = 0;
            x->len = (size_t)got;
        }
        take = x->len - x->pos < n ? x->len - x->pos : n;
        memcpy(d, x->buf + x->pos, take);
        x->pos += take;
        d += take;
        n -= take;
    }
    return 0;
}

/* A string of at most max bytes into buf (of max + 1). */
static int in_string(struct xls_reader *x, char *buf, size_t max)
{
    uint32_t n;

    if (in_read(x, &n, sizeof n) < 0 || n > max || in_read(x, buf, n) < 0)
        return -1;
    buf[n] = '\0';
    return 0;
}

static void reap(struct xls_reader *x, int *status)
{
    *status = 0;
    if (x->pid > 0) {
        while (waitpid(x->pid, status, 0) < 0 && errno == EINTR)
            ;
        x->pid = -1;
    }
}

/* The pipe ended or said something else than it should: the child died
 * (or was killed for its processor time). */
static void child_lost(struct xls_reader *x, bdtx_error *err)
{
    int status;

    if (x->pid > 0)
        kill(x->pid, SIGKILL);
    reap(x, &status);
    if (WIFSIGNALED(status) && (WTERMSIG(status) == SIGXCPU || WTERMSIG(status) == SIGKILL))
        error_set(err, BDTX_DATAERR, "corrupt XLS: reading it took more than %u seconds",
                  x->cpu_budget);
    else if (WIFSIGNALED(status))
        error_set(err, BDTX_DATAERR, "corrupt XLS: FreeXL failed on it (signal %d)",
                  WTERMSIG(status));
    else
        error_set(err, BDTX_DATAERR, "corrupt XLS: FreeXL failed on it");
}

/* An error the child found, as it put it. */
static void child_error(struct xls_reader *x, bdtx_error *err)
{
    static char text[4][XLS_MSG_MAX + 1];
    int64_t row;

    if (in_read(x, &row, sizeof row) < 0 || in_string(x, text[0], 15) < 0 ||
        in_string(x, text[1], XLS_MSG_MAX) < 0 || in_string(x, text[2], XLS_MSG_MAX) < 0 ||
        in_string(x, text[3], XLS_MSG_MAX) < 0) {
        child_lost(x, err);
        return;
    }
    error_set(err, BDTX_DATAERR, "%s", text[1]);
    if (text[2][0])
        error_detail(err, "%s", text[2]);
    if (text[3][0])
        error_hint(err, "%s", text[3]);
    error_place(err, x->path, row > 0 && row <= LONG_MAX ? (long)row : 0, text[0]);
}

static int child_start(struct xls_reader *x, int fd, const char *path,
                       const struct sheet_select *which, bdtx_error *err)
{
    char self[64];
    const char *source = path;
    int p[2];

    /* The file checked is the one FreeXL reads, even if path is replaced. */
    snprintf(self, sizeof self, "/proc/self/fd/%d", fd);
    if (access(self, R_OK) == 0)
        source = self;
    if (pipe(p) != 0) {
        error_set(err, BDTX_SOFTWARE, "cannot make a pipe: %s", strerror(errno));
        return -1;
    }
    x->pid = fork();
    if (x->pid < 0) {
        error_set(err, BDTX_SOFTWARE, "cannot start a process: %s", strerror(errno));
        close(p[0]);
        close(p[1]);
        return -1;
    }
    if (x->pid == 0) {
        close(p[0]);
        child_main(p[1], source, which, &x->lim, &x->formulas, x->cpu_budget);
    }
    close(p[1]);
    x->in = p[0];
    return 0;
}

int xls_open(int fd, const char *path, const struct sheet_limits *limits,
             const struct sheet_select *which, struct xls_reader **out, bdtx_error *err)
{
    struct xls_reader *x = NULL;
    unsigned char *data = NULL;
    char name[XLS_MSG_MAX + 1];
    unsigned char kind;
    uint32_t total;
    off_t end;
    int rc = -1;

    *out = NULL;
    x = calloc(1, sizeof *x);
    if (!x || !(x->path = strdup(path))) {
        error_oom(err);
        goto done;
    }
    x->lim = *limits;
    x->pid = -1;
    x->in = -1;
    rowbuf_init(&x->rb, limits);
    end = lseek(fd, 0, SEEK_END);
    if (end < 0) {
        error_set(err, BDTX_DATAERR, "cannot read: %s", strerror(errno));
        goto done;
    }
    if (read_all(fd, (size_t)end, &data, err) < 0 ||
        xls_check(data, (size_t)end, limits, &x->formulas, err) < 0)
        goto done;
    x->cpu_budget = limits->xls_cpu_seconds ? limits->xls_cpu_seconds
                                            : XLS_CPU_BASE + XLS_CPU_PER_MIB *
                                                                 (unsigned)((uint64_t)end >> 20);
    if (child_start(x, fd, path, which, err) < 0)
        goto done;
    if (in_read(x, &kind, 1) < 0 || (kind != MSG_SHEET && kind != MSG_ERROR)) {
        child_lost(x, err);
        goto done;
    }
    if (kind == MSG_ERROR) {
        child_error(x, err);
        goto fail_placed;
    }
    if (in_read(x, &total, sizeof total) < 0 || in_string(x, name, XLS_MSG_MAX) < 0) {
        child_lost(x, err);
        goto done;
    }
    x->sheet_total = total;
    x->sheet_name = strdup(name);
    if (!x->sheet_name) {
        error_oom(err);
        goto done;
    }
    *out = x;
    rc = 0;
done:
    if (rc < 0)
        xls_place(path, err, 0, -1);
fail_placed:
    if (rc < 0)
        xls_close(x);
    free(data);
    close(fd);
    return rc;
}

/* The cells of a row message into x->rb. */
static int read_row(struct xls_reader *x, bdtx_error *err)
{
    char chunk[4096];
    int64_t number;
    uint32_t ncells, i;

    rowbuf_reset(&x->rb);
    if (in_read(x, &number, sizeof number) < 0 || in_read(x, &ncells, sizeof ncells) < 0 ||
        number < 1 || number > XLS_MAX_ROWS || ncells > x->lim.max_cells_per_row) {
        child_lost(x, err);
        return -1;
    }
    for (i = 0; i < ncells; i++) {
        unsigned char flags;
        uint32_t len;

        if (in_read(x, &flags, 1) < 0 || in_read(x, &len, sizeof len) < 0) {
            child_lost(x, err);
            return -1;
        }
        while (len > 0) {
            uint32_t take = len < sizeof chunk ? len : (uint32_t)sizeof chunk;

            if (in_read(x, chunk, take) < 0) {
                child_lost(x, err);
                return -1;
            }
            if (rowbuf_append(&x->rb, chunk, take, err) < 0)
                goto placed;
            len -= take;
        }
        if (rowbuf_end_cell(&x->rb, (flags & 1) != 0, err) < 0)
            goto placed;
        if (flags & 2)
            rowbuf_mark_uncached(&x->rb);
    }
    rowbuf_finish(&x->rb, (long)number, &x->row);
    return 0;
placed:
    xls_place(x->path, err, (long)number, (long)i);
    return -2;
}

int xls_next(struct xls_reader *x, struct sheet_row *row, bdtx_error *err)
{
    unsigned char kind;
    int rc;

    if (x->broken) {
        error_set(err, BDTX_SOFTWARE, "XLS reading cannot go on after an error");
        xls_place(x->path, err, 0, -1);
        return -1;
    }
    if (x->done)
        return 0;
    if (in_read(x, &kind, 1) < 0) {
        child_lost(x, err);
        xls_place(x->path, err, 0, -1);
        x->broken = true;
        return -1;
    }
    if (kind == MSG_END) {
        int status;

        reap(x, &status);
        x->done = true;
        return 0;
    }
    if (kind == MSG_ERROR) {
        child_error(x, err);
        x->broken = true;
        return -1;
    }
    rc = kind == MSG_ROW ? read_row(x, err) : -1;
    if (rc < 0) {
        if (rc == -1) {
            if (kind != MSG_ROW)
                child_lost(x, err);
            xls_place(x->path, err, 0, -1);
        }
        x->broken = true;
        return -1;
    }
    *row = x->row;
    return 1;
}

const char *xls_sheet_name(const struct xls_reader *x)
{
    return x->sheet_name ? x->sheet_name : "";
}

size_t xls_sheet_count(const struct xls_reader *x)
{
    return x->sheet_total;
}

void xls_close(struct xls_reader *x)
{
    int status;

    if (!x)
        return;
    if (x->in >= 0)
        close(x->in);
    if (x->pid > 0)
        kill(x->pid, SIGKILL);
    reap(x, &status);
    rowbuf_release(&x->rb);
    formulas_release(&x->formulas);
    free(x->sheet_name);
    free(x->path);
    free(x);
}
