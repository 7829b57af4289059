/* Streaming XLSX reader: one worksheet of the workbook, parsed with
 * expat straight from the zip stream, one row handed out at a time by
 * suspending the parser at each </row>. The only module that includes
 * libzip and expat. */
#include <expat.h>
#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zip.h>

#include "sheet_internal.h"

/* A part smaller than this is read whatever its compression ratio: it
 * cannot make us do much work, and small XML often compresses very well. */
#define XLSX_RATIO_FLOOR (UINT64_C(1) << 20)

/* Expat keeps a whole token (a tag with its attributes, a comment) in its
 * buffer: without a bound, one giant tag would make it allocate as much.
 * Text is not a token; it is handed over piece by piece. */
#define XLSX_TOKEN_MAX (4 * 1024 * 1024)

#define XLSX_WORKBOOK "xl/workbook.xml"
#define XLSX_WORKBOOK_RELS "xl/_rels/workbook.xml.rels"
#define XLSX_FIRST_SHEET "xl/worksheets/sheet1.xml"
#define XLSX_SHARED_STRINGS "xl/sharedStrings.xml"

/* What a cell's t attribute says its <v> or <is> holds. */
enum xlsx_cell_type { CELL_NUMBER, CELL_SHARED, CELL_INLINE, CELL_TEXT };

struct xlsx_reader {
    char *path;
    zip_t *zip;
    struct sheet_limits lim;
    uint64_t total_read;        /* uncompressed bytes read from all parts */
    char *sheet_name;
    char *sheet_rid;            /* r:id of the chosen <sheet> */
    struct sheet_select select; /* which <sheet> is read (name borrowed) */
    size_t sheet_total;         /* <sheet> elements in the workbook */
    char *sheet_part;           /* zip member of the worksheet read */
    char *sst_part;             /* zip member of the shared strings */

    /* The part being parsed, and where its handlers report. */
    XML_Parser parser;
    const char *part;
    zip_file_t *zf;
    struct inflater *inf;       /* the worksheet's bytes, inflated ahead */
    uint64_t part_read, part_comp;
    uint64_t last_event;        /* offset in the part of what expat has not consumed */
    bdtx_error *err;
    bool failed;                /* a handler filled err and stopped the parser */
    bool broken;                /* xlsx_next failed: refuse to go on */

    /* Shared strings, back to back and NUL-terminated; sst_off[i] is where
     * string i starts. */
    char *sst;
    size_t sst_len, sst_cap;
    size_t *sst_off;
    size_t sst_count, sst_off_cap;
    size_t si_start;
    bool in_si;

    /* Text runs: <t> collected unless inside a phonetic <rPh> run. */
    int rph_depth;
    bool capture;

    /* Worksheet state. */
    bool suspended, final_fed, finished, row_ready;
    bool in_sheet_data, in_row, in_cell, in_is;
    bool cell_formula, cell_value;  /* the cell has an <f>, a <v> or <is> */
    enum xlsx_cell_type cell_type;
    size_t col, next_col;
    long row_number;
    struct rowbuf rb;
    struct sheet_row row;
};

/* The local part of an element's name. The small parts are parsed with
 * namespace processing ("uri|local"); the worksheet, which is nearly all of
 * a file's bytes, without it, so its names come as written ("c", or "x:c"
 * where a writer binds the main namespace to a prefix): expat's namespace
 * work and the search for the separator in long expanded names cost a
 * tenth of reading a large workbook, and the worksheet's elements (row, c,
 * v, is, t, rPh) are matched by local name either way. */
static const char *xml_local(const XML_Char *name)
{
    const char *local = name, *p;

    for (p = name; *p; p++)
        if (*p == '|' || *p == ':')
            local = p + 1;
    return local;
}

/* An attribute without a namespace (r, t, name, Id, Target). */
static const char *xml_attr(const XML_Char **atts, const char *name)
{
    for (; atts[0]; atts += 2)
        if (atts[0][0] == name[0] && strcmp(atts[0], name) == 0)
            return atts[1];
    return NULL;
}

/* r:id, whichever prefix the file binds to the relationships namespace
 * (transitional or strict). */
static const char *xml_rel_id(const XML_Char **atts)
{
    static const char suffix[] = "relationships|id";
    const size_t n = sizeof suffix - 1;

    for (; atts[0]; atts += 2) {
        size_t len = strlen(atts[0]);

        if (len > n && strcmp(atts[0] + len - n, suffix) == 0)
            return atts[1];
    }
    return NULL;
}

/* Where the parser stands in the part, taken after each parse call: outside
 * a handler, expat's current byte index is the start of what it has not
 * consumed yet (a token cut by the end of the input), so the bytes fed past
 * it are what it holds for one token. Taking it here rather than in every
 * handler leaves the handlers only their own work. */
static void xlsx_mark(struct xlsx_reader *x)
{
    XML_Index i = XML_GetCurrentByteIndex(x->parser);

    if (i >= 0)
        x->last_event = (uint64_t)i;
}

/* Input shown in a message: printable ASCII only, so that a crafted file
 * cannot send control sequences to a terminal, and short. */
static const char *xlsx_safe(const char *s, char *buf, size_t cap)
{
    size_t i;

    for (i = 0; s[i] && i + 1 < cap; i++)
        buf[i] = s[i] >= 0x20 && s[i] < 0x7F ? s[i] : '?';
    buf[i] = '\0';
    return buf;
}

static void xlsx_place(struct xlsx_reader *x, bdtx_error *err, long row, long col)
{
    char label[16];

    if (col >= 0) {
        sheet_column_name(SHEET_XLSX, (size_t)col, label, sizeof label);
        error_place(err, x->path, row, label);
    } else {
        error_place(err, x->path, row, NULL);
    }
}

/* From a handler: keep the error already in x->err and stop parsing. */
static void xlsx_stop(struct xlsx_reader *x, long row, long col)
{
    xlsx_place(x, x->err, row, col);
    x->failed = true;
    XML_StopParser(x->parser, XML_FALSE);
}

static void xlsx_oom(struct xlsx_reader *x)
{
    error_set(x->err, BDTX_SOFTWARE, "out of memory");
    xlsx_stop(x, 0, -1);
}

/* A DTD could declare entities that expand without bound: refuse it
 * whatever it contains. */
static void XMLCALL xlsx_doctype(void *ud, const XML_Char *name, const XML_Char *sysid,
                                 const XML_Char *pubid, int has_internal_subset)
{
    struct xlsx_reader *x = ud;

    (void)name;
    (void)sysid;
    (void)pubid;
    (void)has_internal_subset;
    if (x->failed)
        return;
    error_set(x->err, BDTX_DATAERR, "refused XLSX: %s has a DOCTYPE declaration", x->part);
    error_detail(x->err, "spreadsheet files never need one, and its entities could expand without bound");
    xlsx_stop(x, 0, -1);
}

static void XMLCALL xlsx_entity(void *ud, const XML_Char *name, int is_parameter,
                                const XML_Char *value, int value_length, const XML_Char *base,
                                const XML_Char *sysid, const XML_Char *pubid,
                                const XML_Char *notation)
{
    struct xlsx_reader *x = ud;

    (void)name;
    (void)is_parameter;
    (void)value;
    (void)value_length;
    (void)base;
    (void)sysid;
    (void)pubid;
    (void)notation;
    if (x->failed)
        return;
    error_set(x->err, BDTX_DATAERR, "refused XLSX: %s declares an XML entity", x->part);
    xlsx_stop(x, 0, -1);
}

static XML_Parser xlsx_parser_new(struct xlsx_reader *x, bool ns, XML_StartElementHandler start,
                                  XML_EndElementHandler end, XML_CharacterDataHandler text)
{
    XML_Parser p = ns ? XML_ParserCreateNS(NULL, '|') : XML_ParserCreate(NULL);

    if (!p)
        return NULL;
    XML_SetUserData(p, x);
    XML_SetElementHandler(p, start, end);
    XML_SetCharacterDataHandler(p, text);
    XML_SetStartDoctypeDeclHandler(p, xlsx_doctype);
    XML_SetEntityDeclHandler(p, xlsx_entity);
    XML_SetParamEntityParsing(p, XML_PARAM_ENTITY_PARSING_NEVER);
    return p;
}

static bool xlsx_has(struct xlsx_reader *x, const char *name)
{
    return zip_name_locate(x->zip, name, ZIP_FL_NOCASE) >= 0;
}

static void xlsx_limit_ratio(struct xlsx_reader *x, bdtx_error *err, const char *part)
{
    sheet_limit_error(err, "max_compression_ratio", "XLSX part %s compresses more than %" PRIu32
                      " times", part, x->lim.max_compression_ratio);
    xlsx_place(x, err, 0, -1);
}

static void xlsx_limit_size(struct xlsx_reader *x, bdtx_error *err)
{
    char size[32];

    sheet_size_text(x->lim.max_uncompressed_bytes, size, sizeof size);
    sheet_limit_error(err, "max_uncompressed_mb", "XLSX content larger than %s uncompressed",
                      size);
    xlsx_place(x, err, 0, -1);
}

/* Open a member for streaming, after checking what its header declares
 * against the limits. The running counts in xlsx_feed do not trust it. */
/* Inflating the worksheet ahead. Inflating is a tenth of reading a large
 * workbook and expat cannot start on bytes before they exist: a thread
 * inflates the next blocks while expat parses this one. It alone uses the
 * zip_file_t until it is joined. */
#define INFLATE_BLOCKS 4
#define INFLATE_BLOCK (256 * 1024)

struct inflate_block {
    char data[INFLATE_BLOCK];
    zip_int64_t n;              /* bytes, 0 at the end, -1 on error */
    bool full;
};

struct inflater {
    struct worker w;
    zip_file_t *zf;
    struct inflate_block block[INFLATE_BLOCKS];
    char error[256];            /* zip_file_strerror of a failed read */
    size_t get;                 /* the block the parser reads next */
    size_t off;                 /* how far into it */
};

static void *inflate_main(void *arg)
{
    struct inflater *f = arg;
    size_t put = 0;
    zip_int64_t n;

    do {
        struct inflate_block *b = &f->block[put];

        if (!worker_wait(&f->w, &b->full, false))
            break;
        n = zip_fread(f->zf, b->data, INFLATE_BLOCK);
        if (n < 0)
            snprintf(f->error, sizeof f->error, "%s", zip_file_strerror(f->zf));
        b->n = n;
        worker_set(&f->w, &b->full, true);
        put = (put + 1) % INFLATE_BLOCKS;
    } while (n > 0);
    return NULL;
}

/* A thread that inflates zf ahead, or NULL (then zip_fread is used as
 * before). */
static struct inflater *inflater_start(zip_file_t *zf)
{
    struct inflater *f = calloc(1, sizeof *f);

    if (!f)
        return NULL;
    f->zf = zf;
    if (worker_start(&f->w, inflate_main, f) != 0) {
        free(f);
        return NULL;
    }
    return f;
}

static void inflater_stop(struct inflater *f)
{
    if (!f)
        return;
    worker_stop(&f->w);
    free(f);
}

/* As zip_fread: up to cap bytes into buf, 0 at the end, -1 on error (its
 * text in f->error). */
static zip_int64_t inflater_read(struct inflater *f, void *buf, size_t cap)
{
    struct inflate_block *b = &f->block[f->get];
    zip_int64_t n;

    worker_wait(&f->w, &b->full, true);
    if (b->n <= 0)
        return b->n;    /* the end, or the error: it stays */
    n = b->n - (zip_int64_t)f->off;
    if ((zip_int64_t)cap < n)
        n = (zip_int64_t)cap;
    memcpy(buf, b->data + f->off, (size_t)n);
    f->off += (size_t)n;
    if (f->off == (size_t)b->n) {
        f->off = 0;
        f->get = (f->get + 1) % INFLATE_BLOCKS;
        worker_set(&f->w, &b->full, false);
    }
    return n;
}

static int xlsx_part_open(struct xlsx_reader *x, const char *name, bdtx_error *err)
{
    zip_int64_t idx = zip_name_locate(x->zip, name, ZIP_FL_NOCASE);
    zip_stat_t st;

    x->part = name;
    x->part_read = 0;
    x->part_comp = 0;
    x->last_event = 0;
    zip_stat_init(&st);
    if (idx < 0 || zip_stat_index(x->zip, (zip_uint64_t)idx, 0, &st) < 0) {
        error_set(err, BDTX_DATAERR, "corrupt XLSX: cannot read %s", name);
        xlsx_place(x, err, 0, -1);
        return -1;
    }
    if ((st.valid & ZIP_STAT_SIZE) && st.size > x->lim.max_uncompressed_bytes - x->total_read) {
        xlsx_limit_size(x, err);
        return -1;
    }
    if ((st.valid & ZIP_STAT_SIZE) && (st.valid & ZIP_STAT_COMP_SIZE)) {
        x->part_comp = st.comp_size;
        if (st.size > XLSX_RATIO_FLOOR && st.size / x->lim.max_compression_ratio > st.comp_size) {
            xlsx_limit_ratio(x, err, name);
            return -1;
        }
    }
    x->zf = zip_fopen_index(x->zip, (zip_uint64_t)idx, 0);
    if (!x->zf) {
        error_set(err, BDTX_DATAERR, "corrupt XLSX: cannot read %s (%s)", name,
                  zip_strerror(x->zip));
        xlsx_place(x, err, 0, -1);
        return -1;
    }
    return 0;
}

static void xlsx_part_close(struct xlsx_reader *x)
{
    inflater_stop(x->inf);
    x->inf = NULL;
    if (x->zf)
        zip_fclose(x->zf);
    x->zf = NULL;
    if (x->parser)
        XML_ParserFree(x->parser);
    x->parser = NULL;
}

static void xlsx_xml_error(struct xlsx_reader *x, bdtx_error *err)
{
    if (x->failed)
        return;
    error_set(err, BDTX_DATAERR, "corrupt XLSX: %s, line %lu: %s", x->part,
              (unsigned long)XML_GetCurrentLineNumber(x->parser),
              XML_ErrorString(XML_GetErrorCode(x->parser)));
    xlsx_place(x, err, x->in_row ? x->row_number : 0, -1);
}

/* Read one chunk of the open part straight into expat's buffer and parse
 * it; *final is set once the part is exhausted. */
static enum XML_Status xlsx_feed(struct xlsx_reader *x, bool *final, bdtx_error *err)
{
    void *buf;
    zip_int64_t n;
    enum XML_Status st;

    if (x->part_read - x->last_event > XLSX_TOKEN_MAX) {
        error_set(err, BDTX_DATAERR, "corrupt XLSX: %s has an XML tag or comment over %d bytes",
                  x->part, XLSX_TOKEN_MAX);
        xlsx_place(x, err, x->in_row ? x->row_number : 0, -1);
        return XML_STATUS_ERROR;
    }
    buf = XML_GetBuffer(x->parser, SHEET_CHUNK);
    if (!buf) {
        error_oom(err);
        xlsx_place(x, err, 0, -1);
        return XML_STATUS_ERROR;
    }
    n = x->inf ? inflater_read(x->inf, buf, SHEET_CHUNK) : zip_fread(x->zf, buf, SHEET_CHUNK);
    if (n < 0) {
        error_set(err, BDTX_DATAERR, "corrupt XLSX: cannot read %s (%s)", x->part,
                  x->inf ? x->inf->error : zip_file_strerror(x->zf));
        xlsx_place(x, err, 0, -1);
        return XML_STATUS_ERROR;
    }
    x->total_read += (uint64_t)n;
    x->part_read += (uint64_t)n;
    if (x->total_read > x->lim.max_uncompressed_bytes) {
        xlsx_limit_size(x, err);
        return XML_STATUS_ERROR;
    }
    if (x->part_comp > 0 && x->part_read > XLSX_RATIO_FLOOR &&
        x->part_read / x->lim.max_compression_ratio > x->part_comp) {
        xlsx_limit_ratio(x, err, x->part);
        return XML_STATUS_ERROR;
    }
    *final = n == 0;
    x->err = err;
    st = XML_ParseBuffer(x->parser, (int)n, *final);
    xlsx_mark(x);
    if (st == XML_STATUS_ERROR)
        xlsx_xml_error(x, err);
    return st;
}

/* Parse a whole (small) part with the given handlers. */
static int xlsx_parse_part(struct xlsx_reader *x, const char *name, XML_StartElementHandler start,
                           XML_EndElementHandler end, XML_CharacterDataHandler text,
                           bdtx_error *err)
{
    bool final = false;
    int rc = -1;

    x->failed = false;
    x->err = err;
    x->parser = xlsx_parser_new(x, true, start, end, text);
    if (!x->parser) {
        error_oom(err);
        xlsx_place(x, err, 0, -1);
        goto done;
    }
    if (xlsx_part_open(x, name, err) < 0)
        goto done;
    while (!final)
        if (xlsx_feed(x, &final, err) != XML_STATUS_OK)
            goto done;
    rc = 0;

done:
    xlsx_part_close(x);
    return rc;
}

/* xl/workbook.xml: every <sheet> is counted; the one selected, by name or
 * by its place in document order, is the one read. */
static void XMLCALL workbook_start(void *ud, const XML_Char *name, const XML_Char **atts)
{
    struct xlsx_reader *x = ud;
    const char *sheet, *rid;
    size_t index;

    if (x->failed || strcmp(xml_local(name), "sheet") != 0)
        return;
    if (x->sheet_total >= x->lim.max_sheets) {
        sheet_limit_error(x->err, "max_sheets", "workbook has more than %" PRIu32 " sheets",
                          x->lim.max_sheets);
        xlsx_stop(x, 0, -1);
        return;
    }
    index = x->sheet_total++;
    if (x->sheet_name)
        return;
    sheet = xml_attr(atts, "name");
    if (x->select.name ? !sheet || strcmp(sheet, x->select.name) != 0 : index != x->select.index)
        return;
    rid = xml_rel_id(atts);
    x->sheet_name = strdup(sheet ? sheet : "");
    if (!x->sheet_name || (rid && !(x->sheet_rid = strdup(rid))))
        xlsx_oom(x);
}

/* A relationship target is relative to xl/, or absolute from the package
 * root when it starts with '/'. "." and ".." segments are resolved. */
static char *xlsx_resolve(const char *target)
{
    const char *base = target[0] == '/' ? "" : "xl/";
    size_t n = strlen(base) + strlen(target);
    char *s = malloc(n + 1);
    size_t r = 0, w = 0;

    if (!s)
        return NULL;
    snprintf(s, n + 1, "%s%s", base, target);
    while (r < n) {
        size_t e = r, len;

        while (e < n && s[e] != '/')
            e++;
        len = e - r;
        if (len == 2 && s[r] == '.' && s[r + 1] == '.') {
            while (w > 0 && s[w - 1] != '/')
                w--;
            if (w > 0)
                w--;
        } else if (len > 0 && !(len == 1 && s[r] == '.')) {
            if (w > 0)
                s[w++] = '/';
            memmove(s + w, s + r, len);
            w += len;
        }
        r = e + 1;
    }
    s[w] = '\0';
    return s;
}

static bool str_ends(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);

    return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* xl/_rels/workbook.xml.rels: where the chosen sheet and the shared strings
 * live. */
static void XMLCALL rels_start(void *ud, const XML_Char *name, const XML_Char **atts)
{
    struct xlsx_reader *x = ud;
    const char *id, *target, *type, *mode;
    char **slot = NULL;

    if (x->failed || strcmp(xml_local(name), "Relationship") != 0)
        return;
    id = xml_attr(atts, "Id");
    target = xml_attr(atts, "Target");
    type = xml_attr(atts, "Type");
    mode = xml_attr(atts, "TargetMode");
    if (!target || !target[0] || (mode && strcmp(mode, "External") == 0))
        return;
    if (x->sheet_rid && id && strcmp(id, x->sheet_rid) == 0 && !x->sheet_part)
        slot = &x->sheet_part;
    else if (type && str_ends(type, "/sharedStrings") && !x->sst_part)
        slot = &x->sst_part;
    if (slot && !(*slot = xlsx_resolve(target)))
        xlsx_oom(x);
}

static int sst_append(struct xlsx_reader *x, const char *s, size_t n)
{
    if (sheet_grow((void **)&x->sst, &x->sst_cap, x->sst_len + n, 1) < 0)
        return -1;
    memcpy(x->sst + x->sst_len, s, n);
    x->sst_len += n;
    return 0;
}

/* xl/sharedStrings.xml: each <si> is one string, the concatenation of its
 * <t> runs, leaving out the phonetic guides of <rPh>. */
static void XMLCALL sst_start(void *ud, const XML_Char *name, const XML_Char **atts)
{
    struct xlsx_reader *x = ud;
    const char *local = xml_local(name);

    (void)atts;
    if (x->failed)
        return;
    if (strcmp(local, "si") == 0) {
        x->in_si = true;
        x->rph_depth = 0;
        x->si_start = x->sst_len;
    } else if (x->in_si && strcmp(local, "rPh") == 0) {
        x->rph_depth++;
    } else if (x->in_si && x->rph_depth == 0 && strcmp(local, "t") == 0) {
        x->capture = true;
    }
}

static void XMLCALL sst_end(void *ud, const XML_Char *name)
{
    struct xlsx_reader *x = ud;
    const char *local = xml_local(name);

    if (x->failed)
        return;
    if (strcmp(local, "t") == 0) {
        x->capture = false;
    } else if (strcmp(local, "rPh") == 0) {
        if (x->rph_depth > 0)
            x->rph_depth--;
    } else if (x->in_si && strcmp(local, "si") == 0) {
        x->in_si = false;
        if (sst_append(x, "", 1) < 0 ||
            sheet_grow((void **)&x->sst_off, &x->sst_off_cap, x->sst_count + 1,
                       sizeof *x->sst_off) < 0) {
            xlsx_oom(x);
            return;
        }
        x->sst_off[x->sst_count++] = x->si_start;
    }
}

static void XMLCALL sst_text(void *ud, const XML_Char *s, int len)
{
    struct xlsx_reader *x = ud;

    if (x->capture && !x->failed && sst_append(x, s, (size_t)len) < 0)
        xlsx_oom(x);
}

/* "C7" -> 2. Letters, then the row digits, nothing else. */
static bool xlsx_ref_column(const char *ref, size_t *col)
{
    size_t c = 0;
    int letters = 0;

    for (; (*ref >= 'A' && *ref <= 'Z') || (*ref >= 'a' && *ref <= 'z'); ref++) {
        if (++letters > 3)
            return false;
        c = c * 26 + (size_t)((*ref | 0x20) - 'a' + 1);
    }
    if (letters == 0)
        return false;
    for (; *ref; ref++)
        if (*ref < '0' || *ref > '9')
            return false;
    *col = c - 1;
    return true;
}

static bool xlsx_parse_number(const char *s, size_t len, long max, long *out)
{
    long v = 0;
    size_t i;

    if (len == 0)
        return false;
    for (i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        if (v > (max - (s[i] - '0')) / 10)
            return false;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return true;
}

static void sheet_row_start(struct xlsx_reader *x, const XML_Char **atts)
{
    const char *r = xml_attr(atts, "r");
    char shown[24];
    long number;

    if (r) {
        /* The last row Excel allows is 1048576; anything past INT32 is junk. */
        if (!xlsx_parse_number(r, strlen(r), INT32_MAX, &number) || number < 1) {
            error_set(x->err, BDTX_DATAERR, "corrupt XLSX: %s: bad row number \"%s\"",
                      x->part, xlsx_safe(r, shown, sizeof shown));
            xlsx_stop(x, x->row_number, -1);
            return;
        }
        x->row_number = number;
    } else {
        x->row_number++;
    }
    x->in_row = true;
    x->next_col = 0;
    rowbuf_reset(&x->rb);
}

static void sheet_cell_start(struct xlsx_reader *x, const XML_Char **atts)
{
    const char *r = xml_attr(atts, "r");
    const char *t = xml_attr(atts, "t");
    size_t col = x->next_col;
    char shown[24];

    if (r && !xlsx_ref_column(r, &col)) {
        error_set(x->err, BDTX_DATAERR, "corrupt XLSX: %s: bad cell reference \"%s\"",
                  x->part, xlsx_safe(r, shown, sizeof shown));
        xlsx_stop(x, x->row_number, -1);
        return;
    }
    if (col < x->rb.ncells) {
        error_set(x->err, BDTX_DATAERR, "corrupt XLSX: %s: cells out of order", x->part);
        xlsx_stop(x, x->row_number, (long)col);
        return;
    }
    if (col >= x->lim.max_cells_per_row) {
        sheet_limit_error(x->err, "max_cells_per_row", "row has more than %" PRIu32 " cells",
                          x->lim.max_cells_per_row);
        xlsx_stop(x, x->row_number, (long)col);
        return;
    }
    if (rowbuf_pad(&x->rb, col, x->err) < 0) {
        xlsx_stop(x, x->row_number, (long)col);
        return;
    }
    if (!t || strcmp(t, "n") == 0)
        x->cell_type = CELL_NUMBER;
    else if (strcmp(t, "s") == 0)
        x->cell_type = CELL_SHARED;
    else if (strcmp(t, "inlineStr") == 0)
        x->cell_type = CELL_INLINE;
    else
        x->cell_type = CELL_TEXT;    /* str, b, e, d: <v> as written */
    x->col = col;
    x->in_cell = true;
    x->cell_formula = false;
    x->cell_value = false;
    x->in_is = false;
    x->rph_depth = 0;
}

static void sheet_cell_end(struct xlsx_reader *x)
{
    size_t len;
    const char *v = rowbuf_cell(&x->rb, &len);
    long idx;

    x->in_cell = false;
    x->capture = false;
    if (x->cell_type == CELL_SHARED && len > 0) {
        if (!xlsx_parse_number(v, len, LONG_MAX, &idx)) {
            error_set(x->err, BDTX_DATAERR, "corrupt XLSX: %s: bad shared string index", x->part);
            xlsx_stop(x, x->row_number, (long)x->col);
            return;
        }
        if ((size_t)idx >= x->sst_count) {
            error_set(x->err, BDTX_DATAERR, "corrupt XLSX: %s: shared string %ld does not exist",
                      x->part, idx);
            xlsx_stop(x, x->row_number, (long)x->col);
            return;
        }
        rowbuf_clear_cell(&x->rb);
        len = ((size_t)idx + 1 < x->sst_count ? x->sst_off[idx + 1] : x->sst_len) -
              x->sst_off[idx] - 1;
        if (rowbuf_append(&x->rb, x->sst + x->sst_off[idx], len, x->err) < 0) {
            xlsx_stop(x, x->row_number, (long)x->col);
            return;
        }
    }
    if (rowbuf_end_cell(&x->rb, x->cell_type == CELL_NUMBER, x->err) < 0) {
        xlsx_stop(x, x->row_number, (long)x->col);
        return;
    }
    /* A formula saved by a writer that does not compute (or with
     * calculation off) has no <v>: its value is unknown, not empty. */
    if (x->cell_formula && !x->cell_value)
        rowbuf_mark_uncached(&x->rb);
    x->next_col = x->col + 1;
}

/* <is> holds the text whatever t says: some writers leave t out. */
static void sheet_inline_start(struct xlsx_reader *x)
{
    x->in_is = true;
    x->cell_type = CELL_INLINE;
    rowbuf_clear_cell(&x->rb);
}

static void XMLCALL sheet_start(void *ud, const XML_Char *name, const XML_Char **atts)
{
    struct xlsx_reader *x = ud;
    const char *local = xml_local(name);

    if (x->failed)
        return;
    if (!x->in_sheet_data) {
        /* Everything before <sheetData>, <dimension> included, is ignored. */
        if (strcmp(local, "sheetData") == 0)
            x->in_sheet_data = true;
        return;
    }
    if (x->in_cell) {
        if (strcmp(local, "v") == 0) {
            x->capture = x->cell_type != CELL_INLINE;
            x->cell_value = true;
        } else if (strcmp(local, "f") == 0) {
            x->cell_formula = true;
        } else if (strcmp(local, "is") == 0) {
            x->cell_value = true;
            sheet_inline_start(x);
        } else if (x->in_is && strcmp(local, "rPh") == 0) {
            x->rph_depth++;
        } else if (x->in_is && x->rph_depth == 0 && strcmp(local, "t") == 0) {
            x->capture = true;
        }
    } else if (x->in_row && strcmp(local, "c") == 0) {
        sheet_cell_start(x, atts);
    } else if (strcmp(local, "row") == 0) {
        sheet_row_start(x, atts);
    }
}

static void XMLCALL sheet_end(void *ud, const XML_Char *name)
{
    struct xlsx_reader *x = ud;
    const char *local = xml_local(name);

    if (x->failed || !x->in_sheet_data)
        return;
    if (x->in_cell) {
        if (strcmp(local, "v") == 0 || strcmp(local, "t") == 0)
            x->capture = false;
        else if (strcmp(local, "rPh") == 0 && x->rph_depth > 0)
            x->rph_depth--;
        else if (strcmp(local, "is") == 0)
            x->in_is = false;
        else if (strcmp(local, "c") == 0)
            sheet_cell_end(x);
    } else if (x->in_row && strcmp(local, "row") == 0) {
        x->in_row = false;
        /* Hand the row out: the parser resumes at the next xlsx_next. */
        if (rowbuf_finish(&x->rb, x->row_number, &x->row)) {
            x->row_ready = true;
            XML_StopParser(x->parser, XML_TRUE);
        }
    } else if (strcmp(local, "sheetData") == 0) {
        x->in_sheet_data = false;
    }
}

static void XMLCALL sheet_text(void *ud, const XML_Char *s, int len)
{
    struct xlsx_reader *x = ud;

    if (!x->capture || x->failed)
        return;
    if (rowbuf_append(&x->rb, s, (size_t)len, x->err) < 0)
        xlsx_stop(x, x->row_number, (long)x->col);
}

static int xlsx_find_sheet(struct xlsx_reader *x, bdtx_error *err)
{
    if (!xlsx_has(x, XLSX_WORKBOOK)) {
        error_set(err, BDTX_DATAERR, "corrupt XLSX: cannot read " XLSX_WORKBOOK);
        error_detail(err, "the zip archive has no " XLSX_WORKBOOK
                          ": it may be another kind of document (.ods, .docx)");
        xlsx_place(x, err, 0, -1);
        return -1;
    }
    if (xlsx_parse_part(x, XLSX_WORKBOOK, workbook_start, NULL, NULL, err) < 0)
        return -1;
    if (xlsx_has(x, XLSX_WORKBOOK_RELS) &&
        xlsx_parse_part(x, XLSX_WORKBOOK_RELS, rels_start, NULL, NULL, err) < 0)
        return -1;
    if (x->sheet_part && xlsx_has(x, x->sheet_part))
        return 0;
    if (x->select.name || x->select.index > 0) {
        if (x->select.name)
            error_set(err, BDTX_DATAERR, "the workbook has no worksheet named \"%s\"",
                      x->select.name);
        else
            error_set(err, BDTX_DATAERR, "the workbook has no worksheet %zu (it has %zu)",
                      x->select.index + 1, x->sheet_total);
        xlsx_place(x, err, 0, -1);
        return -1;
    }
    /* The workbook does not lead to its first worksheet: fall back to where
     * nearly every writer puts it, without vouching for its name. */
    free(x->sheet_part);
    x->sheet_part = strdup(XLSX_FIRST_SHEET);
    if (!x->sheet_part) {
        error_oom(err);
        xlsx_place(x, err, 0, -1);
        return -1;
    }
    if (x->sheet_name)
        x->sheet_name[0] = '\0';
    if (!xlsx_has(x, XLSX_FIRST_SHEET)) {
        error_set(err, BDTX_DATAERR, "corrupt XLSX: no worksheet found");
        xlsx_place(x, err, 0, -1);
        return -1;
    }
    if (x->sheet_total == 0)
        x->sheet_total = 1;
    return 0;
}

int xlsx_open(int fd, const char *path, const struct sheet_limits *limits,
              const struct sheet_select *which, struct xlsx_reader **out, bdtx_error *err)
{
    struct xlsx_reader *x;
    const char *sst;
    int zerr = 0, rc = -1;

    *out = NULL;
    x = calloc(1, sizeof *x);
    if (!x || !(x->path = strdup(path))) {
        error_oom(err);
        error_place(err, path, 0, NULL);
        goto done;
    }
    x->lim = *limits;
    x->select = *which;
    rowbuf_init(&x->rb, limits);
    x->zip = zip_fdopen(fd, 0, &zerr);
    if (!x->zip) {
        zip_error_t ze;

        zip_error_init_with_code(&ze, zerr);
        error_set(err, BDTX_DATAERR, "corrupt XLSX: cannot open the zip archive (%s)",
                  zip_error_strerror(&ze));
        zip_error_fini(&ze);
        xlsx_place(x, err, 0, -1);
        goto done;
    }
    fd = -1;    /* the archive owns it now */
    if (xlsx_find_sheet(x, err) < 0)
        goto done;
    sst = x->sst_part && xlsx_has(x, x->sst_part) ? x->sst_part : XLSX_SHARED_STRINGS;
    if (xlsx_has(x, sst) && xlsx_parse_part(x, sst, sst_start, sst_end, sst_text, err) < 0)
        goto done;
    x->capture = false;
    x->rph_depth = 0;
    x->failed = false;
    x->err = err;
    x->parser = xlsx_parser_new(x, false, sheet_start, sheet_end, sheet_text);
    if (!x->parser) {
        error_oom(err);
        xlsx_place(x, err, 0, -1);
        goto done;
    }
    if (xlsx_part_open(x, x->sheet_part, err) < 0)
        goto done;
    x->inf = inflater_start(x->zf);
    *out = x;
    rc = 0;

done:
    if (fd >= 0)
        close(fd);
    if (rc < 0)
        xlsx_close(x);
    return rc;
}

int xlsx_next(struct xlsx_reader *x, struct sheet_row *row, bdtx_error *err)
{
    enum XML_Status st;

    if (x->broken) {
        error_set(err, BDTX_SOFTWARE, "XLSX reading cannot go on after an error");
        xlsx_place(x, err, 0, -1);
        return -1;
    }
    x->err = err;
    while (!x->finished) {
        if (x->suspended) {
            x->suspended = false;
            st = XML_ResumeParser(x->parser);
            xlsx_mark(x);
            if (st == XML_STATUS_ERROR)
                xlsx_xml_error(x, err);
        } else {
            st = xlsx_feed(x, &x->final_fed, err);
        }
        if (st == XML_STATUS_ERROR) {
            x->broken = true;
            return -1;
        }
        if (st == XML_STATUS_SUSPENDED)
            x->suspended = true;
        else if (x->final_fed)
            x->finished = true;
        if (x->row_ready) {
            x->row_ready = false;
            *row = x->row;
            return 1;
        }
    }
    return 0;
}

const char *xlsx_sheet_name(const struct xlsx_reader *x)
{
    return x->sheet_name ? x->sheet_name : "";
}

size_t xlsx_sheet_count(const struct xlsx_reader *x)
{
    return x->sheet_total;
}

void xlsx_close(struct xlsx_reader *x)
{
    if (!x)
        return;
    xlsx_part_close(x);
    if (x->zip)
        zip_discard(x->zip);
    rowbuf_release(&x->rb);
    free(x->sst);
    free(x->sst_off);
    free(x->sheet_name);
    free(x->sheet_rid);
    free(x->sheet_part);
    free(x->sst_part);
    free(x->path);
    free(x);
}
