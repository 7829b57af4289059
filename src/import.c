#include "bdtx/import.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "bdtx/encoding.h"
#include "bdtx/guard.h"
#include "bdtx/hash.h"
#include "bdtx/log.h"
#include "bdtx/names.h"
#include "bdtx/path.h"
#include "bdtx/sheet.h"
#include "bdtx/text.h"
#include "bdtx/wide.h"

/* How many rejected rows are printed; all of them are stored. */
#define PRINT_REJECTIONS 50
#define TITLE_CAP 4096

struct rejection {
    long row;
    char column[16];
    char *reason;
};

struct module_key {
    char *key;
    const char *code;
};

/* Exports repeat a handful of statuses, results, roles and module names
 * over millions of rows. Each lookup (NFC, case folding, vocabulary) is
 * remembered by the cell's raw text, so it runs once per distinct text
 * rather than once per row: a national export spent most of its reading
 * time normalising the same few words. */
#define MEMO_SLOTS 16
#define MEMO_TEXT 64
enum memo_column { MEMO_STATUS, MEMO_RESULT, MEMO_ROLE, MEMO_MODULE, MEMO_COLUMNS };

struct memo {
    char text[MEMO_SLOTS][MEMO_TEXT];
    int value[MEMO_SLOTS];
    size_t used, next;
};

static bool memo_get(const struct memo *m, const char *text, int *value)
{
    size_t i;

    for (i = 0; i < m->used; i++)
        if (strcmp(m->text[i], text) == 0) {
            *value = m->value[i];
            return true;
        }
    return false;
}

static void memo_put(struct memo *m, const char *text, int value)
{
    size_t len = strlen(text);

    if (len >= MEMO_TEXT)
        return;
    memcpy(m->text[m->next], text, len + 1);
    m->value[m->next] = value;
    m->next = (m->next + 1) % MEMO_SLOTS;
    if (m->used < MEMO_SLOTS)
        m->used++;
}

/* Everything one import works with; released at one place. */
/* A column's last non-ASCII text that had nothing to convert: the next
 * row's cell usually repeats it (the same learner, school, status), and is
 * then known not to need the legacy-encoding test. */
struct plain_cell {
    char *text;
    size_t len, cap;
};

/* The fields of a stage_learner row, but its run_end. */
#define STAGE_FIELDS 7

/* A staged learners row is held back until the next one, which tells
 * whether it ends a run of rows of its account (run_end): an account's last
 * row in the file always ends a run, and an export lists a learner's rows
 * together, so the merge finds each learner's last row among a third of
 * the rows. */
#define HELD_NULL SIZE_MAX        /* the offset of a field that is SQL NULL */

struct held_row {
    char *buf;                  /* the fields back to back, NUL-terminated */
    size_t cap;
    size_t off[STAGE_FIELDS];
    bool has;
};

struct import_ctx {
    struct db *db;
    const struct config *cfg;
    const struct config_year *year;
    const struct vocab *vocab;
    const struct import_options *opts;
    const struct file_identity *identity; /* stored with the import, or NULL */
    const char *path;
    const char *base;              /* file name without folders */
    struct sheet_reader *reader;
    struct header_map map;
    struct registry reg;
    char title[TITLE_CAP];         /* text of the rows above the header, joined */
    char id[32];
    enum source_kind source;
    enum role target;
    bdtx_date as_of;
    struct rejection *rejections;
    size_t nrejections, caprejections;
    long rows;
    struct module_key *module_keys;   /* every name of every module, as text_key() */
    size_t nmodule_keys;
    long duplicates;                  /* rows repeating an (account, module) pair */
    struct wide_map wide;             /* module columns of a wide learners export */
    const char *module;               /* the one module of an lms-units export */
    struct sheet_cell *fixed;         /* a row's cells after legacy text was converted */
    size_t nfixed, capfixed;
    char **fixed_text;                /* the converted texts of that row (capfixed) */
    struct plain_cell *plain;         /* per column, the last text found to be Unicode */
    size_t nplain;
    struct held_row held;             /* the staged row waiting for the next */
    long conversions[LEGACY_KINDS];   /* cells converted, per legacy encoding */
    struct name_index names;          /* built on the first row that names a unit */
    bool names_ready;
    /* The unit code text of the last row found in the registry, and its
     * unit: an export lists a school's rows one after another. */
    char unit_memo_text[128];
    long unit_memo;
    struct memo memo[MEMO_COLUMNS];   /* lookups of repeated cells, by raw text */
};

/* Input text for a message: control bytes replaced, cut at 80 bytes on a
 * character boundary, so a hostile cell cannot garble a terminal or a log. */
static void quote_value(const char *s, char *buf, size_t cap)
{
    size_t n = 0;

    for (; *s && n + 5 < cap && n < 80; s++)
        buf[n++] = ((unsigned char)*s < 0x20 || *s == 0x7f) ? '?' : *s;
    if (*s) {
        while (n > 0 && ((unsigned char)buf[n - 1] & 0xC0) == 0x80)
            n--;
        if (n > 0 && ((unsigned char)buf[n - 1] & 0xC0) == 0xC0)
            n--;
        memcpy(buf + n, "...", 3);
        n += 3;
    }
    buf[n] = '\0';
}

static int reject(struct import_ctx *c, long row, long col, bdtx_error *err,
                  const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static int reject(struct import_ctx *c, long row, long col, bdtx_error *err,
                  const char *fmt, ...)
{
    struct rejection *r;
    char reason[512];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(reason, sizeof reason, fmt, ap);
    va_end(ap);
    if (c->nrejections == c->caprejections) {
        size_t ncap = c->caprejections ? c->caprejections * 2 : 16;
        struct rejection *grown = realloc(c->rejections, ncap * sizeof *grown);

        if (!grown) {
            error_set(err, BDTX_SOFTWARE, "out of memory");
            return -1;
        }
        c->rejections = grown;
        c->caprejections = ncap;
    }
    r = &c->rejections[c->nrejections];
    r->row = row;
    r->column[0] = '\0';
    if (col >= 0)
        sheet_column_label(c->reader, (size_t)col, r->column, sizeof r->column);
    r->reason = strdup(reason);
    if (!r->reason) {
        error_set(err, BDTX_SOFTWARE, "out of memory");
        return -1;
    }
    c->nrejections++;
    if (c->opts->strict) {
        error_set(err, BDTX_DATAERR, "%s (--strict: the whole file is rejected)", reason);
        error_place(err, c->path, row, r->column);
        return -1;
    }
    return 0;
}

static const char *cell_text(const struct sheet_row *row, long col)
{
    return col >= 0 && (size_t)col < row->ncells ? row->cells[col].text : "";
}

/* A totals row ("Tổng cộng: 9908 lượt") closes many exports: it is not data.
 * It has nothing in the key column (account, or unit) and its first text
 * says so. */
static bool is_totals_row(const struct sheet_row *row, long key_col)
{
    size_t i;

    if (!text_blank(cell_text(row, key_col)))
        return false;
    for (i = 0; i < row->ncells; i++) {
        char *key;
        bool yes;

        if (row->cells[i].numeric || text_blank(row->cells[i].text))
            continue;
        key = text_key(row->cells[i].text);
        yes = key && (strncmp(key, "tổng cộng", strlen("tổng cộng")) == 0 ||
                      strncmp(key, "cộng", strlen("cộng")) == 0 ||
                      strcmp(key, "tổng") == 0 || strncmp(key, "tổng:", strlen("tổng:")) == 0 ||
                      strncmp(key, "tổng số:", strlen("tổng số:")) == 0 ||
                      strncmp(key, "total", 5) == 0);
        free(key);
        return yes;
    }
    return false;
}

static void title_append(struct import_ctx *c, const struct sheet_row *row)
{
    size_t i, len = strlen(c->title);

    for (i = 0; i < row->ncells; i++) {
        if (row->cells[i].numeric || !row->cells[i].text[0])
            continue;
        snprintf(c->title + len, sizeof c->title - len, "%s%s", len ? " | " : "",
                 row->cells[i].text);
        len = strlen(c->title);
    }
}

/* "Tính đến ngày 25/10/2020" in the title rows. */
bool import_as_of_from_title(const char *title, bdtx_date *out)
{
    char *key = text_key(title);
    const char *p;
    bool found = false;

    if (!key)
        return false;
    for (p = strstr(key, "tính đến"); p && !found; p = strstr(p + 1, "tính đến")) {
        const char *q = p + strlen("tính đến");
        char token[32];
        size_t n = 0;

        while (*q == ' ')
            q++;
        if (strncmp(q, "ngày", strlen("ngày")) == 0)
            q += strlen("ngày");
        while (*q == ' ' || *q == ':')
            q++;
        while (*q && *q != ' ' && *q != '|' && n + 1 < sizeof token)
            token[n++] = *q++;
        token[n] = '\0';
        while (n > 0 && (token[n - 1] == '.' || token[n - 1] == ',' || token[n - 1] == ')'))
            token[--n] = '\0';
        found = value_parse_date(token, out);
    }
    free(key);
    return found;
}

/* A date in the file name: YYYYMMDD, DDMMYYYY or YYYY-MM-DD. */
bool import_as_of_from_name(const char *base, bdtx_date *out)
{
    const char *p = base;

    while (*p) {
        const char *q = p;
        size_t n;

        if (*p < '0' || *p > '9') {
            p++;
            continue;
        }
        while (*q >= '0' && *q <= '9')
            q++;
        n = (size_t)(q - p);
        if (n == 8) {
            int a = (p[0] - '0') * 1000 + (p[1] - '0') * 100 + (p[2] - '0') * 10 + (p[3] - '0');
            int b = (p[4] - '0') * 10 + (p[5] - '0');
            int d = (p[6] - '0') * 10 + (p[7] - '0');
            int dd = (p[0] - '0') * 10 + (p[1] - '0');
            int mm = (p[2] - '0') * 10 + (p[3] - '0');
            int yy = (p[4] - '0') * 1000 + (p[5] - '0') * 100 + (p[6] - '0') * 10 + (p[7] - '0');

            if (a >= 2000 && date_valid_ymd(a, b, d)) {
                *out = date_from_ymd(a, b, d);
                return true;
            }
            if (yy >= 2000 && date_valid_ymd(yy, mm, dd)) {
                *out = date_from_ymd(yy, mm, dd);
                return true;
            }
        }
        if (n == 4 && q[0] == '-' && strlen(q) >= 6) {
            char buf[11];

            memcpy(buf, p, 10);
            buf[10] = '\0';
            if (value_parse_date(buf, out))
                return true;
        }
        p = q;
    }
    return false;
}

static int decide_as_of(struct import_ctx *c, bdtx_error *err)
{
    struct stat st;
    char buf[11];

    if (c->opts->has_as_of) {
        c->as_of = c->opts->as_of;
        return 0;
    }
    if (import_as_of_from_title(c->title, &c->as_of) ||
        import_as_of_from_name(c->base, &c->as_of))
        return 0;
    if (stat(c->path, &st) != 0) {
        error_set(err, BDTX_DATAERR, "cannot stat: %s", strerror(errno));
        error_place(err, c->path, 0, NULL);
        return -1;
    }
    c->as_of = (bdtx_date)(st.st_mtime / 86400);
    date_format_iso(c->as_of, buf);
    log_warning("%s: no as-of date in the title rows or the file name; using the file's "
                "modification date %s (give --as-of to set it)", c->path, buf);
    return 0;
}

static enum role role_in_text(const char *text)
{
    char *key = text_key(text);
    enum role role = ROLE_UNKNOWN;

    if (!key)
        return ROLE_UNKNOWN;
    if (text_has_words(key, "cbql") || text_has_words(key, "cán bộ quản lý") ||
        text_has_words(key, "cán bộ"))
        role = ROLE_CBQL;
    else if (text_has_words(key, "gv") || text_has_words(key, "giáo viên"))
        role = ROLE_GV;
    free(key);
    return role;
}

/* GV or CBQL for a per-unit file: the assessed columns say it best (a CBQL
 * export may still head its total "Tổng số giáo viên"), then the title,
 * then the file name. */
static int decide_target(struct import_ctx *c, const struct sheet_row *header, bdtx_error *err)
{
    enum role r = ROLE_UNKNOWN;
    char name[256];
    size_t i;

    if (c->opts->target != ROLE_UNKNOWN) {
        c->target = c->opts->target;
        return 0;
    }
    if (c->map.col[F_SELF_ASSESSED] >= 0)
        r = role_in_text(cell_text(header, c->map.col[F_SELF_ASSESSED]));
    if (r == ROLE_UNKNOWN && c->map.col[F_HEAD_ASSESSED] >= 0)
        r = role_in_text(cell_text(header, c->map.col[F_HEAD_ASSESSED]));
    if (r == ROLE_UNKNOWN)
        r = role_in_text(c->title);
    if (r == ROLE_UNKNOWN) {
        snprintf(name, sizeof name, "%s", c->base);
        for (i = 0; name[i]; i++)
            if (name[i] == '-' || name[i] == '_' || name[i] == '.')
                name[i] = ' ';
        r = role_in_text(name);
    }
    if (r == ROLE_UNKNOWN) {
        error_set(err, BDTX_USAGE, "cannot tell whether this file counts GV or CBQL");
        error_place(err, c->path, header->number, NULL);
        error_hint(err, "add --target gv or --target cbql");
        return -1;
    }
    c->target = r;
    return 0;
}

static int module_keys_init(struct import_ctx *c, bdtx_error *err);

/* The one module of a per-unit LMS export: --module, else the only module
 * of the year whose code, name or alias the title rows name as whole words,
 * else the only one whose code or alias the file name does. */
static int modules_named(const struct import_ctx *c, const char *text, const char **found)
{
    char *key = text_key(text);
    size_t i, n = 0;

    *found = NULL;
    for (i = 0; key && i < c->nmodule_keys; i++) {
        if (!*c->module_keys[i].key || !text_has_words(key, c->module_keys[i].key))
            continue;
        /* The keys of one module are consecutive: a new code is a new module. */
        if (!*found || strcmp(*found, c->module_keys[i].code) != 0) {
            n++;
            *found = c->module_keys[i].code;
        }
    }
    free(key);
    return (int)n;
}

static int decide_module(struct import_ctx *c, bdtx_error *err)
{
    char name[256];
    const char *found;
    size_t i;
    int n;

    if (c->opts->module) {
        c->module = c->opts->module;
        return 0;
    }
    if (module_keys_init(c, err) != 0)
        return -1;
    n = modules_named(c, c->title, &found);
    if (n == 0) {
        snprintf(name, sizeof name, "%s", c->base);
        for (i = 0; name[i]; i++)
            if (name[i] == '-' || name[i] == '_' || name[i] == '.')
                name[i] = ' ';
        n = modules_named(c, name, &found);
    }
    if (n == 1) {
        c->module = found;
        return 0;
    }
    error_set(err, BDTX_USAGE, n == 0 ? "cannot tell which module this per-unit export counts"
                                      : "the title rows or the file name name several modules");
    error_place(err, c->path, c->map.row_number, NULL);
    error_hint(err, "add --module CODE (one of the modules of school year %s)", c->year->id);
    return -1;
}

/* Keys of every code, name and alias of the year's modules, made once per
 * file rather than once per row. */
static int module_keys_init(struct import_ctx *c, bdtx_error *err)
{
    size_t i, j, n = 0;

    if (c->module_keys)
        return 0;
    for (i = 0; i < c->year->nmodules; i++)
        n += 2 + c->year->modules[i].aliases.count;
    c->module_keys = calloc(n, sizeof *c->module_keys);
    if (!c->module_keys)
        goto oom;
    for (i = 0; i < c->year->nmodules; i++) {
        const struct config_module *m = &c->year->modules[i];

        for (j = 0; j < 2 + m->aliases.count; j++) {
            const char *name = j == 0 ? m->code : j == 1 ? m->name : m->aliases.items[j - 2];
            struct module_key *k = &c->module_keys[c->nmodule_keys];

            k->key = text_key(name);
            k->code = m->code;
            if (!k->key)
                goto oom;
            c->nmodule_keys++;
        }
    }
    return 0;
oom:
    error_set(err, BDTX_SOFTWARE, "out of memory");
    return -1;
}

static const char *module_of(struct import_ctx *c, const char *text)
{
    char *key;
    int found = -1;
    size_t i;

    if (memo_get(&c->memo[MEMO_MODULE], text, &found))
        return found >= 0 ? c->module_keys[found].code : NULL;
    key = text_key(text);
    for (i = 0; key && i < c->nmodule_keys && found < 0; i++)
        if (strcmp(c->module_keys[i].key, key) == 0)
            found = (int)i;
    if (key)
        memo_put(&c->memo[MEMO_MODULE], text, found);
    free(key);
    return found >= 0 ? c->module_keys[found].code : NULL;
}

static int status_of(struct import_ctx *c, const char *text)
{
    int v;

    if (!memo_get(&c->memo[MEMO_STATUS], text, &v)) {
        v = vocab_status(c->vocab, text);
        memo_put(&c->memo[MEMO_STATUS], text, v);
    }
    return v;
}

static int result_of(struct import_ctx *c, const char *text)
{
    int v;

    if (!memo_get(&c->memo[MEMO_RESULT], text, &v)) {
        v = vocab_result(text);
        memo_put(&c->memo[MEMO_RESULT], text, v);
    }
    return v;
}

static enum role role_of(struct import_ctx *c, const char *text)
{
    int v;

    if (!memo_get(&c->memo[MEMO_ROLE], text, &v)) {
        v = (int)vocab_role(text);
        memo_put(&c->memo[MEMO_ROLE], text, v);
    }
    return (enum role)v;
}

/* The unit a row names by name, within the parent unit the row names when
 * it names one the registry knows (by code or by name); 0 with *out set, or
 * -1 after recording a rejection that names the candidates. */
static int unit_by_name(struct import_ctx *c, const struct sheet_row *row, long name_col,
                        long *out, bdtx_error *err)
{
    const char *parent_text = cell_text(row, c->map.col[F_PARENT]);
    char shown[128], code[128], cand[400];
    long parent = -1, found = -1;
    enum names_outcome o;

    if (!c->names_ready) {
        if (names_build(&c->reg, &c->names, err) != 0)
            return -1;
        c->names_ready = true;
    }
    if (!text_blank(parent_text)) {
        if (value_account_text(parent_text, code, sizeof code))
            parent = registry_find(&c->reg, code);
        if (parent < 0 && names_find(&c->names, parent_text, -1, &found, NULL, 0) == NAMES_FOUND)
            parent = found;
        /* "Trực thuộc Sở", or a parent the registry does not know: the name
         * alone decides. */
    }
    o = names_find(&c->names, cell_text(row, name_col), parent, out, cand, sizeof cand);
    if (o == NAMES_FOUND)
        return 0;
    *out = -1;
    quote_value(cell_text(row, name_col), shown, sizeof shown);
    if (o == NAMES_AMBIGUOUS)
        return reject(c, row->number, name_col, err,
                      "unit name '%s' matches several units: %s%s", shown, cand,
                      c->map.col[F_PARENT] < 0 ? " (a parent unit column would tell them apart)"
                                               : "");
    if (o == NAMES_BAD_TEXT)
        return reject(c, row->number, name_col, err, "unit name is not valid UTF-8");
    if (parent >= 0) {
        quote_value(c->reg.units[parent].name, code, sizeof code);
        return reject(c, row->number, name_col, err, "unknown unit '%s' under %s %s", shown,
                      c->reg.units[parent].code, code);
    }
    return reject(c, row->number, name_col, err, "unknown unit '%s'", shown);
}

/* The unit a row names: by code, else by name. Returns the index, or -1
 * after recording a rejection. */
static long unit_of(struct import_ctx *c, const struct sheet_row *row, long *out,
                    bdtx_error *err)
{
    char code[128], shown[128];
    long code_col = c->map.col[F_UNIT_CODE], name_col = c->map.col[F_UNIT_NAME];
    const char *code_text = cell_text(row, code_col);
    const char *name_text = cell_text(row, name_col);

    *out = -1;
    if (code_col >= 0 && c->unit_memo_text[0] && strcmp(code_text, c->unit_memo_text) == 0) {
        *out = c->unit_memo;
        return 0;
    }
    if (code_col >= 0 && !text_blank(code_text)) {
        if (value_account_text(code_text, code, sizeof code))
            *out = registry_find(&c->reg, code);
        if (*out >= 0 && *out != c->reg.root) {
            if (strlen(code_text) < sizeof c->unit_memo_text) {
                strcpy(c->unit_memo_text, code_text);
                c->unit_memo = *out;
            }
            return 0;
        }
        quote_value(code_text, shown, sizeof shown);
        return reject(c, row->number, code_col, err, "unknown unit code '%s'", shown);
    }
    if (name_col >= 0 && !text_blank(name_text))
        return unit_by_name(c, row, name_col, out, err);
    return reject(c, row->number, code_col >= 0 ? code_col : name_col, err, "no unit");
}

static void fixed_clear(struct import_ctx *c)
{
    size_t i;

    for (i = 0; i < c->nfixed; i++) {
        free(c->fixed_text[i]);
        c->fixed_text[i] = NULL;
    }
    c->nfixed = 0;
}

/* Remembers a cell that had nothing to convert, when it is worth it: an
 * ASCII cell is ruled out by legacy_convert without decoding anyway. */
static void plain_remember(struct plain_cell *pc, const struct sheet_cell *cell)
{
    size_t i;

    for (i = 0; i < cell->len && !((unsigned char)cell->text[i] & 0x80); i++)
        ;
    if (i == cell->len)
        return;
    if (cell->len + 1 > pc->cap) {
        char *t = realloc(pc->text, cell->len + 1);

        if (!t)
            return;     /* only a shortcut lost */
        pc->text = t;
        pc->cap = cell->len + 1;
    }
    memcpy(pc->text, cell->text, cell->len);
    pc->text[cell->len] = '\0';
    pc->len = cell->len;
}

/* The next row, its cells typed in a legacy Vietnamese font (TCVN3, VNI)
 * converted to Unicode and counted. A row with nothing to convert is handed
 * on as the reader gave it. */
static int next_row(struct import_ctx *c, struct sheet_row *row, bdtx_error *err)
{
    int got = sheet_next(c->reader, row, err);
    size_t i, j;

    fixed_clear(c);
    if (got != 1)
        return got;
    if (c->nplain < row->ncells) {
        struct plain_cell *p = realloc(c->plain, row->ncells * sizeof *p);

        if (!p) {
            error_set(err, BDTX_SOFTWARE, "out of memory");
            return -1;
        }
        memset(p + c->nplain, 0, (row->ncells - c->nplain) * sizeof *p);
        c->plain = p;
        c->nplain = row->ncells;
    }
    for (i = 0; i < row->ncells; i++) {
        struct plain_cell *pc = &c->plain[i];
        const struct sheet_cell *cell = &row->cells[i];
        char *out;
        enum legacy_kind kind;

        if (pc->text && pc->len == cell->len && memcmp(pc->text, cell->text, cell->len) == 0)
            continue;
        kind = legacy_convert(cell->text, cell->len, &out);
        if (kind == LEGACY_NONE) {
            plain_remember(pc, cell);
            continue;
        }
        if (c->capfixed < row->ncells) {
            struct sheet_cell *cells = realloc(c->fixed, row->ncells * sizeof *cells);
            char **texts = cells ? realloc(c->fixed_text, row->ncells * sizeof *texts) : NULL;

            if (cells)
                c->fixed = cells;
            if (!cells || !texts) {
                free(out);
                error_set(err, BDTX_SOFTWARE, "out of memory");
                return -1;
            }
            c->fixed_text = texts;
            for (j = c->capfixed; j < row->ncells; j++)
                c->fixed_text[j] = NULL;
            c->capfixed = row->ncells;
        }
        if (c->nfixed == 0) {
            memcpy(c->fixed, row->cells, row->ncells * sizeof *c->fixed);
            c->nfixed = row->ncells;
        }
        c->fixed_text[i] = out;
        c->fixed[i].text = out;
        c->fixed[i].len = strlen(out);
        c->conversions[kind]++;
    }
    if (c->nfixed > 0)
        row->cells = c->fixed;
    return 1;
}

static int store_conversions(struct import_ctx *c, bdtx_error *err)
{
    char cells[24];
    const char *params[3] = {c->id, NULL, cells};
    int k;

    params[1] = sheet_encoding(c->reader);
    if (db_exec(c->db, "UPDATE import SET file_encoding = $2 WHERE id = $1", 2, params,
                err) != 0)
        return -1;

    for (k = LEGACY_NONE + 1; k < LEGACY_KINDS; k++) {
        if (c->conversions[k] == 0)
            continue;
        params[1] = legacy_name((enum legacy_kind)k);
        snprintf(cells, sizeof cells, "%ld", c->conversions[k]);
        if (db_exec(c->db, "INSERT INTO import_conversion (import_id, encoding, cells) "
                           "VALUES ($1, $2, $3)", 3, params, err) != 0)
            return -1;
        log_warning("%s: %ld cell%s in the legacy %s encoding converted to Unicode", c->path,
                    c->conversions[k], c->conversions[k] == 1 ? "" : "s",
                    k == LEGACY_TCVN3 ? "TCVN3 (ABC)" : "VNI");
    }
    return 0;
}

static int read_header(struct import_ctx *c, struct sheet_row *row, bdtx_error *err)
{
    int got;

    c->title[0] = '\0';
    while ((got = next_row(c, row, err)) == 1) {
        if (row->number > HEADER_SEARCH_ROWS)
            break;
        if (header_match(c->vocab, row, &c->map) ||
            wide_match(c->cfg, row, &c->map, &c->wide))
            return 0;
        title_append(c, row);
    }
    return got < 0 ? -1 : 1;
}

/* Opens the file at the first worksheet with a recognisable header (a
 * workbook may start with a cover or a notes sheet); -1 with err filled. */
static int open_at_header(struct import_ctx *c, const struct sheet_limits *limits,
                          struct sheet_row *header, bdtx_error *err)
{
    size_t i, count = 1;
    int rc;

    for (i = 0; i < count; i++) {
        struct sheet_select which = {NULL, i};

        sheet_close(c->reader);
        c->reader = NULL;
        if (sheet_open_sheet(c->path, limits, &which, &c->reader, err) != 0)
            return -1;
        count = sheet_count(c->reader);
        rc = read_header(c, header, err);
        if (rc <= 0)
            return rc;
    }
    if (count > 1)
        error_set(err, BDTX_DATAERR, "no recognisable header in the first %d rows of any of "
                  "the %zu worksheets", HEADER_SEARCH_ROWS, count);
    else
        error_set(err, BDTX_DATAERR, "no recognisable header in the first %d rows",
                  HEADER_SEARCH_ROWS);
    error_place(err, c->path, 0, NULL);
    error_hint(err, "a learners export needs columns such as Tài khoản, Mã đơn vị or Đơn vị, "
                    "Mô đun and Trạng thái; a TEMIS export Mã đơn vị, Tổng số and the "
                    "self-assessed count; more names can be added under sources.aliases");
    return -1;
}

/* The account as stored: a number a spreadsheet kept as "205125370.0" is
 * "205125370", and text beyond ASCII is compared in NFC. buf is "" when the
 * cell is empty; -1 (buf "?") when it cannot be an account. */
static int account_of(const char *raw, char *buf, size_t cap)
{
    const char *p;
    char *nfc;
    size_t n;

    snprintf(buf, cap, "?");
    if (!value_account_text(raw, buf, cap))
        return -1;
    for (p = buf; *p && !((unsigned char)*p & 0x80); p++)
        ;
    if (!*p)
        return 0;
    nfc = text_nfc(buf);
    n = nfc ? strlen(nfc) : cap;
    if (n >= cap) {
        free(nfc);
        snprintf(buf, cap, "?");
        return -1;
    }
    memcpy(buf, nfc, n + 1);
    free(nfc);
    return 0;
}

static const char *role_text(enum role r)
{
    return r == ROLE_GV ? "gv" : r == ROLE_CBQL ? "cbql" : NULL;
}

/* The learner's name in NFC (NULL when the row has none): 0, or 1 after a
 * rejection, or -1. */
static int name_of(struct import_ctx *c, const struct sheet_row *row, char **name,
                   bdtx_error *err)
{
    long col = c->map.col[F_FULL_NAME];

    *name = NULL;
    if (col < 0 || text_blank(cell_text(row, col)))
        return 0;
    *name = text_nfc(cell_text(row, col));
    if (*name)
        return 0;
    return reject(c, row->number, col, err, "name is not valid UTF-8") != 0 ? -1 : 1;
}

/* Sends the held row, if any: it ends a run unless next_account, the
 * account of the row after it, is its own (NULL: there is none). */
static int held_send(struct import_ctx *c, const char *next_account, bdtx_error *err)
{
    struct held_row *h = &c->held;
    const char *fields[STAGE_FIELDS + 1];
    size_t i;

    if (!h->has)
        return 0;
    h->has = false;
    for (i = 0; i < STAGE_FIELDS; i++)
        fields[i] = h->off[i] == HELD_NULL ? NULL : h->buf + h->off[i];
    fields[STAGE_FIELDS] = next_account && strcmp(next_account, fields[1]) == 0 ? "f" : "t";
    return db_copy_row(c->db, fields, STAGE_FIELDS + 1, err);
}

static int held_keep(struct import_ctx *c, const char *const *fields, bdtx_error *err)
{
    struct held_row *h = &c->held;
    size_t i, len[STAGE_FIELDS], need = 0;

    for (i = 0; i < STAGE_FIELDS; i++) {
        len[i] = fields[i] ? strlen(fields[i]) : 0;
        need += len[i] + 1;
    }
    if (need > h->cap) {
        char *b = realloc(h->buf, need);

        if (!b) {
            error_set(err, BDTX_SOFTWARE, "out of memory");
            return -1;
        }
        h->buf = b;
        h->cap = need;
    }
    for (need = 0, i = 0; i < STAGE_FIELDS; i++) {
        h->off[i] = fields[i] ? need : HELD_NULL;
        if (fields[i])
            memcpy(h->buf + need, fields[i], len[i] + 1);
        need += len[i] + 1;
    }
    h->has = true;
    return 0;
}

/* One (learner, module) pair of row into the staging table: 0, 1 when the
 * row was rejected, -1 on error. */
static int stage_row(struct import_ctx *c, const struct sheet_row *row, const char *account,
                      long unit, const char *module, int state, bdtx_error *err)
{
    const char *fields[STAGE_FIELDS];
    char seqbuf[24], *name;
    int rc = name_of(c, row, &name, err);

    if (rc != 0)
        return rc;
    /* The row number: rows come in file order, and a duplicate is
     * reported by it. */
    snprintf(seqbuf, sizeof seqbuf, "%ld", row->number);
    fields[0] = seqbuf;
    fields[1] = account;
    fields[2] = name;
    fields[3] = c->reg.units[unit].code;
    fields[4] = role_text(role_of(c, cell_text(row, c->map.col[F_ROLE])));
    fields[5] = module;
    fields[6] = state == STATE_PASSED ? "2" : state == STATE_STARTED ? "1" : "0";
    rc = held_send(c, account, err) != 0 || held_keep(c, fields, err) != 0 ? -1 : 0;
    free(name);
    if (rc != 0)
        return -1;
    c->rows++;
    return 0;
}

/* A wide row: one pair per module cell that is not empty. A cell with an
 * unknown status rejects the whole row, so a learner is never half in. */
static int stage_wide_row(struct import_ctx *c, const struct sheet_row *row,
                          const char *account, long unit, bdtx_error *err)
{
    char shown[128], *name;
    size_t i;
    int rc;

    for (i = 0; i < c->wide.count; i++) {
        const char *text = cell_text(row, c->wide.cols[i].col);

        if (!text_blank(text) && status_of(c, text) < 0) {
            quote_value(text, shown, sizeof shown);
            return reject(c, row->number, c->wide.cols[i].col, err, "unknown status '%s'",
                          shown) != 0 ? -1 : 0;
        }
    }
    if ((rc = name_of(c, row, &name, err)) != 0)
        return rc < 0 ? -1 : 0;
    free(name);
    for (i = 0; i < c->wide.count; i++) {
        const char *text = cell_text(row, c->wide.cols[i].col);

        if (text_blank(text))
            continue;
        if (stage_row(c, row, account, unit, c->wide.cols[i].module,
                       status_of(c, text), err) < 0)
            return -1;
    }
    return 0;
}

static int load_learner_rows(struct import_ctx *c, bdtx_error *err)
{
    const long *col = c->map.col;
    struct sheet_row row;
    int got;
    char account[256], shown[128];

    if (module_keys_init(c, err) != 0)
        return -1;
    if (c->wide.count > 0 && wide_resolve(&c->wide, c->year, err) != 0) {
        error_place(err, c->path, c->map.row_number, NULL);
        return -1;
    }
    if (col[F_MODULE] < 0 && c->wide.count == 0 && !c->opts->module) {
        error_set(err, BDTX_USAGE, "the file has no module column");
        error_place(err, c->path, c->map.row_number, NULL);
        error_hint(err, "add --module CODE");
        return -1;
    }
    /* The rest of the file is data rows: parsed in a second thread while
     * this one checks and stages them. */
    if (sheet_read_ahead(c->reader, err) != 0)
        return -1;
    /* A national export has millions of rows: enough memory for the
     * merge's hashes and sorts to stay off disk, for this transaction only. */
    if (db_exec(c->db, "SET LOCAL work_mem = '256MB'", 0, NULL, err) != 0 ||
        db_exec(c->db, "CREATE TEMP TABLE stage_learner (seq integer, account text, "
                       "full_name text, unit_code text, role text, module text, state smallint, "
                       "run_end boolean) "
                       "ON COMMIT DROP", 0, NULL, err) != 0 ||
        db_copy_begin(c->db, "COPY stage_learner FROM STDIN", err) != 0)
        return -1;
    while ((got = next_row(c, &row, err)) == 1) {
        const char *module;
        long unit;
        int state, result, staged;
        size_t before = c->nrejections;

        if (is_totals_row(&row, col[F_ACCOUNT]))
            continue;
        if (account_of(cell_text(&row, col[F_ACCOUNT]), account, sizeof account) != 0 ||
            !account[0]) {
            if (reject(c, row.number, col[F_ACCOUNT], err, account[0]
                       ? "account is not valid UTF-8 or longer than 255 bytes"
                       : "no account") != 0)
                return -1;
            continue;
        }
        if (unit_of(c, &row, &unit, err) != 0)
            return -1;
        if (c->nrejections > before)
            continue;
        if (c->wide.count > 0) {
            if (stage_wide_row(c, &row, account, unit, err) != 0)
                return -1;
            continue;
        }
        if (col[F_MODULE] >= 0) {
            module = module_of(c, cell_text(&row, col[F_MODULE]));
            if (!module) {
                quote_value(cell_text(&row, col[F_MODULE]), shown, sizeof shown);
                if (reject(c, row.number, col[F_MODULE], err, "unknown module '%s'", shown) != 0)
                    return -1;
                continue;
            }
        } else {
            module = c->opts->module;
        }
        state = col[F_STATUS] >= 0 ? status_of(c, cell_text(&row, col[F_STATUS]))
                                   : STATE_NOT_STARTED;
        if (state < 0) {
            quote_value(cell_text(&row, col[F_STATUS]), shown, sizeof shown);
            if (reject(c, row.number, col[F_STATUS], err, "unknown status '%s'", shown) != 0)
                return -1;
            continue;
        }
        result = col[F_RESULT] >= 0 ? result_of(c, cell_text(&row, col[F_RESULT])) : 0;
        if (result < 0) {
            quote_value(cell_text(&row, col[F_RESULT]), shown, sizeof shown);
            if (reject(c, row.number, col[F_RESULT], err, "unknown result '%s'", shown) != 0)
                return -1;
            continue;
        }
        if (result == 1)
            state = STATE_PASSED;
        staged = stage_row(c, &row, account, unit, module, state, err);
        if (staged < 0)
            return -1;
    }
    if (got < 0 || held_send(c, NULL, err) != 0)
        return -1;
    return db_copy_end(c->db, err);
}

/* Set-based merge of the staged rows into the history, in two steps.
 *
 * stage_learners: the file is reduced, once, to what the import guard and
 * the merge both read, so that the guard judges exactly what the merge
 * writes. stage_account: each account once, with the unit, role and name of
 * its last row (found among the rows that end a run, run_end). New learners
 * are inserted from it in account order, so that their ids follow the
 * accounts and the versions below are written in the order of their
 * primary keys (appending to the indexes rather than touching pages all
 * over them). stage_last: the same keyed by learner id. stage_pair: each
 * (learner, module) once with its most advanced state (the same pair twice
 * in one file counts once) and how many rows gave it, joined to the learner
 * id first: grouping and sorting by an integer costs a fraction of doing it
 * by account text.
 *
 * merge_versions: a version is written only where the learner's unit, role
 * or name, or the pair's state, differs from what was in force at this
 * import's as-of date. stage_pair and stage_last are written in learner id
 * order and read in that order (the history in force is the hashed side),
 * so the versions go in in key order without another sort. The version in
 * force is the first of each key read backwards along the primary key
 * (every key descending), so the year's history is read in index order and
 * never sorted. */
static const char stage_account_sql[] =
    "CREATE TEMP TABLE stage_account ON COMMIT DROP AS "
    "SELECT DISTINCT ON (account) account, unit_code, role, full_name "
    "FROM stage_learner WHERE run_end ORDER BY account, seq DESC";

static const char merge_learners[] =
    "INSERT INTO learner (province_code, account) "
    "SELECT $1, a.account FROM stage_account a "
    "WHERE NOT EXISTS (SELECT 1 FROM learner l"
    "                  WHERE l.province_code = $1 AND l.account = a.account) "
    "ORDER BY a.account";

static const char stage_pair_sql[] =
    "CREATE TEMP TABLE stage_pair ON COMMIT DROP AS "
    "SELECT l.id AS learner_id, s.module, max(s.state) AS state, count(*) AS n "
    "FROM stage_learner s JOIN learner l ON l.province_code = $1 AND l.account = s.account "
    "GROUP BY l.id, s.module ORDER BY 1, 2";

static const char stage_last_sql[] =
    "CREATE TEMP TABLE stage_last ON COMMIT DROP AS "
    "SELECT l.id AS learner_id, a.unit_code, a.role, a.full_name "
    "FROM stage_account a JOIN learner l ON l.province_code = $1 AND l.account = a.account "
    "ORDER BY 1";

static const char merge_learner_versions[] =
    "WITH prev AS ("
    "  SELECT DISTINCT ON (v.learner_id) v.learner_id, v.unit_code, v.role, v.full_name"
    "  FROM learner_version v"
    "  WHERE v.province_code = $1 AND v.school_year = $2 AND v.as_of <= $3"
    "  ORDER BY v.learner_id DESC, v.as_of DESC"
    ") "
    "INSERT INTO learner_version (province_code, school_year, learner_id, as_of, import_id,"
    "  unit_code, role, full_name) "
    "SELECT $1, $2, cur.learner_id, $3, $4, cur.unit_code, cur.role, cur.full_name "
    "FROM stage_last cur LEFT JOIN prev USING (learner_id) "
    "WHERE prev.learner_id IS NULL"
    "   OR (prev.unit_code, prev.role, prev.full_name)"
    "      IS DISTINCT FROM (cur.unit_code, cur.role, cur.full_name)";

static const char merge_learner_versions_same_day[] =
    " ON CONFLICT (province_code, school_year, learner_id, as_of) DO UPDATE"
    "  SET import_id = EXCLUDED.import_id, unit_code = EXCLUDED.unit_code,"
    "      role = EXCLUDED.role, full_name = EXCLUDED.full_name";

static const char merge_progress_versions[] =
    "WITH prev AS ("
    "  SELECT DISTINCT ON (v.learner_id, v.module) v.learner_id, v.module, v.state"
    "  FROM progress_version v"
    "  WHERE v.province_code = $1 AND v.school_year = $2 AND v.as_of <= $3"
    "  ORDER BY v.learner_id DESC, v.module DESC, v.as_of DESC"
    ") "
    "INSERT INTO progress_version (province_code, school_year, learner_id, module, as_of,"
    "  import_id, state) "
    "SELECT $1, $2, cur.learner_id, cur.module, $3, $4, cur.state "
    "FROM stage_pair cur LEFT JOIN prev USING (learner_id, module) "
    "WHERE prev.learner_id IS NULL OR prev.state <> cur.state";

static const char merge_progress_versions_same_day[] =
    " ON CONFLICT (province_code, school_year, learner_id, module, as_of) DO UPDATE"
    "  SET import_id = EXCLUDED.import_id, state = EXCLUDED.state";

/* Whether an earlier learners export of the year has this as-of date: only
 * then can a version of this date already exist and need replacing. Without
 * one, the merge inserts plainly, which is much cheaper than ON CONFLICT's
 * speculative insertion of every row. */
static int same_day_import(struct import_ctx *c, const char *const *params, bool *yes,
                           bdtx_error *err)
{
    struct db_result *r = NULL;

    if (db_query(c->db, "SELECT EXISTS (SELECT 1 FROM import WHERE province_code = $1"
                        " AND school_year = $2 AND source = 'lms-learners' AND as_of = $3"
                        " AND id <> $4)", 4, params, &r, err) != 0)
        return -1;
    *yes = strcmp(db_value(r, 0, 0), "t") == 0;
    db_result_free(r);
    return 0;
}

/* Every staged row but the one that counts for its (account, module): the
 * first row with the most advanced state. */
static const char store_duplicates[] =
    "INSERT INTO import_duplicate (import_id, row_number, kept_row, account, module, state,"
    "  kept_state) "
    "SELECT $1, seq, kept_row, account, module, state, kept_state FROM ("
    "  SELECT seq, account, module, state,"
    "    first_value(seq) OVER w AS kept_row, first_value(state) OVER w AS kept_state,"
    "    count(*) OVER (PARTITION BY account, module) AS n"
    "  FROM stage_learner"
    "  WINDOW w AS (PARTITION BY account, module ORDER BY state DESC, seq)"
    ") d WHERE n > 1 AND seq <> kept_row";

static int record_duplicates(struct import_ctx *c, bdtx_error *err)
{
    const char *params[1] = {c->id};
    struct db_result *r = NULL;
    bool any;
    long n;

    /* Most exports hold no duplicate: stage_pair, already built, says
     * whether one exists at the cost of one scan, sparing the window
     * query's sort. */
    if (db_query(c->db, "SELECT EXISTS (SELECT 1 FROM stage_pair WHERE n > 1)", 0, NULL, &r,
                 err) != 0)
        return -1;
    any = strcmp(db_value(r, 0, 0), "t") == 0;
    db_result_free(r);
    r = NULL;
    c->duplicates = 0;
    if (!any)
        return 0;
    if (db_exec(c->db, store_duplicates, 1, params, err) != 0 ||
        db_query(c->db, "SELECT count(*) FROM import_duplicate WHERE import_id = $1", 1, params,
                 &r, err) != 0)
        return -1;
    n = strtol(db_value(r, 0, 0), NULL, 10);
    db_result_free(r);
    c->duplicates = n;
    if (n > 0)
        log_warning("%s: %ld row%s repeat an (account, module) pair of an earlier row; each "
                    "pair counts once, with its most advanced status", c->path, n,
                    n == 1 ? "" : "s");
    return 0;
}

/* stage_account, new learners, stage_pair and stage_last (see above). The learner
 * table is the province's, shared by its school years, whose imports may
 * run at the same time (each year has its own lock, lock_year): a lock of
 * the province, held to the end of the transaction, lets the new accounts
 * be inserted plainly, where ON CONFLICT's speculative insertion of every
 * row cost as much as the insert itself. */
static int stage_learners(struct import_ctx *c, bdtx_error *err)
{
    const char *params[1] = {c->cfg->province.code};

    /* Fresh statistics for the staged rows, or the planner guesses them. */
    if (db_exec(c->db, "ANALYZE stage_learner", 0, NULL, err) != 0 ||
        db_exec(c->db, "SELECT pg_advisory_xact_lock(hashtext('bdtx learners ' || $1))", 1,
                params, err) != 0 ||
        db_exec(c->db, stage_account_sql, 0, NULL, err) != 0 ||
        db_exec(c->db, merge_learners, 1, params, err) != 0 ||
        db_exec(c->db, stage_pair_sql, 1, params, err) != 0 ||
        db_exec(c->db, stage_last_sql, 1, params, err) != 0 ||
        db_exec(c->db, "ANALYZE stage_pair, stage_last", 0, NULL, err) != 0)
        return -1;
    return 0;
}

static int merge_versions(struct import_ctx *c, bdtx_error *err)
{
    char as_of[11], *lv_sql = NULL, *pv_sql = NULL;
    const char *params[4];
    bool same_day = false;
    int rc = -1;

    date_format_iso(c->as_of, as_of);
    params[0] = c->cfg->province.code;
    params[1] = c->year->id;
    params[2] = as_of;
    params[3] = c->id;
    if (same_day_import(c, params, &same_day, err) != 0)
        return -1;
    lv_sql = malloc(sizeof merge_learner_versions + sizeof merge_learner_versions_same_day);
    pv_sql = malloc(sizeof merge_progress_versions + sizeof merge_progress_versions_same_day);
    if (!lv_sql || !pv_sql) {
        error_set(err, BDTX_SOFTWARE, "out of memory");
        goto done;
    }
    snprintf(lv_sql, sizeof merge_learner_versions + sizeof merge_learner_versions_same_day,
             "%s%s", merge_learner_versions, same_day ? merge_learner_versions_same_day : "");
    snprintf(pv_sql, sizeof merge_progress_versions + sizeof merge_progress_versions_same_day,
             "%s%s", merge_progress_versions, same_day ? merge_progress_versions_same_day : "");
    /* Fresh statistics after each merge: without them the planner may join
     * the history by nested loops, and a report takes seconds, not tens of ms. */
    if (db_exec(c->db, lv_sql, 4, params, err) != 0 ||
        db_exec(c->db, pv_sql, 4, params, err) != 0 ||
        db_exec(c->db, "ANALYZE learner, learner_version, progress_version", 0, NULL, err) != 0)
        goto done;
    rc = 0;
done:
    free(lv_sql);
    free(pv_sql);
    return rc;
}

/* Reads a count cell; records a rejection and returns 1 when it is not one. */
static int count_of(struct import_ctx *c, const struct sheet_row *row, enum field f,
                    bool required, char *buf, size_t cap, bdtx_error *err)
{
    const char *text = cell_text(row, c->map.col[f]);
    int64_t v;
    char shown[128];

    if (c->map.col[f] < 0 || (!required && text_blank(text))) {
        buf[0] = '\0';
        return 0;
    }
    if (!value_parse_int(text, &v) || v < 0 || v > INT32_MAX) {
        quote_value(text, shown, sizeof shown);
        if (reject(c, row->number, c->map.col[f], err, "'%s' is not a count", shown) != 0)
            return -1;
        return 1;
    }
    snprintf(buf, cap, "%" PRId64, v);
    return 0;
}

/* The unit of a row of a per-unit export: 1 with *unit set; 0 when the row
 * is to be skipped (a totals row, or a unit rejected with its place); -1 on
 * error. */
static int unit_row(struct import_ctx *c, const struct sheet_row *row, long *unit,
                    bdtx_error *err)
{
    size_t before = c->nrejections;

    if (is_totals_row(row, c->map.col[F_UNIT_CODE] >= 0 ? c->map.col[F_UNIT_CODE]
                                                        : c->map.col[F_UNIT_NAME]))
        return 0;
    if (unit_of(c, row, unit, err) != 0)
        return -1;
    return c->nrejections > before ? 0 : 1;
}

static int load_temis_rows(struct import_ctx *c, const struct sheet_row *header, bdtx_error *err)
{
    struct sheet_row row;
    int got;

    if (decide_target(c, header, err) != 0)
        return -1;
    if (db_copy_begin(c->db, "COPY temis_unit_count (province_code, school_year, import_id, "
                             "unit_code, target, total, self_assessed, head_assessed) FROM STDIN",
                      err) != 0)
        return -1;
    while ((got = next_row(c, &row, err)) == 1) {
        char total[24], self[24], head[24];
        const char *fields[8];
        long unit;
        int bad = 0, rc;

        if ((rc = unit_row(c, &row, &unit, err)) < 0)
            return -1;
        if (rc == 0)
            continue;
        if ((rc = count_of(c, &row, F_TOTAL, true, total, sizeof total, err)) < 0)
            return -1;
        bad |= rc;
        if ((rc = count_of(c, &row, F_SELF_ASSESSED, true, self, sizeof self, err)) < 0)
            return -1;
        bad |= rc;
        if ((rc = count_of(c, &row, F_HEAD_ASSESSED, false, head, sizeof head, err)) < 0)
            return -1;
        bad |= rc;
        if (bad)
            continue;
        fields[0] = c->cfg->province.code;
        fields[1] = c->year->id;
        fields[2] = c->id;
        fields[3] = c->reg.units[unit].code;
        fields[4] = role_text(c->target);
        fields[5] = total;
        fields[6] = self;
        fields[7] = head[0] ? head : NULL;
        if (db_copy_row(c->db, fields, 8, err) != 0)
            return -1;
        c->rows++;
    }
    if (got < 0)
        return -1;
    return db_copy_end(c->db, err);
}

/* lms-units: one unit's assigned and passed for the file's module and
 * target; the percent column, when there, is the platform's own rounding
 * and is not used. */
static int load_lms_unit_rows(struct import_ctx *c, bdtx_error *err)
{
    struct sheet_row row;
    int got;

    if (db_copy_begin(c->db, "COPY lms_unit_count (province_code, school_year, import_id, "
                             "unit_code, module, target, assigned, passed) FROM STDIN",
                      err) != 0)
        return -1;
    while ((got = next_row(c, &row, err)) == 1) {
        char assigned[24], passed[24], shown[160];
        const char *fields[8];
        long unit;
        int bad = 0, rc;

        if ((rc = unit_row(c, &row, &unit, err)) < 0)
            return -1;
        if (rc == 0)
            continue;
        if ((rc = count_of(c, &row, F_ASSIGNED, true, assigned, sizeof assigned, err)) < 0)
            return -1;
        bad |= rc;
        if ((rc = count_of(c, &row, F_PASSED, true, passed, sizeof passed, err)) < 0)
            return -1;
        bad |= rc;
        if (bad)
            continue;
        if (strtol(passed, NULL, 10) > strtol(assigned, NULL, 10)) {
            snprintf(shown, sizeof shown, "%s passed of %s assigned", passed, assigned);
            if (reject(c, row.number, c->map.col[F_PASSED], err, "more passed than assigned "
                       "(%s)", shown) != 0)
                return -1;
            continue;
        }
        fields[0] = c->cfg->province.code;
        fields[1] = c->year->id;
        fields[2] = c->id;
        fields[3] = c->reg.units[unit].code;
        fields[4] = c->module;
        fields[5] = role_text(c->target);
        fields[6] = assigned;
        fields[7] = passed;
        if (db_copy_row(c->db, fields, 8, err) != 0)
            return -1;
        c->rows++;
    }
    if (got < 0)
        return -1;
    return db_copy_end(c->db, err);
}

/* The unit a person counts in for TEMIS: the ranked-level or direct unit
 * at or above the unit the row names, as temis-units exports count them. */
static long top_unit(const struct registry *reg, long unit)
{
    while (unit >= 0 && reg->units[unit].parent >= 0 && reg->units[unit].parent != reg->root)
        unit = reg->units[unit].parent;
    return unit;
}

/* TEMIS per-unit counts as of the TEMIS counts of temis-units exports:
 * one person once (the last row of an account counts), per unit and target. */
static const char temis_people_counts[] =
    "INSERT INTO temis_unit_count (province_code, school_year, import_id, unit_code, target,"
    "  total, self_assessed, head_assessed) "
    "SELECT $1, $2, $3, unit_code, target, count(*), count(*) FILTER (WHERE self),"
    "  CASE WHEN bool_and(head IS NULL) THEN NULL ELSE count(*) FILTER (WHERE head) END "
    "FROM (SELECT DISTINCT ON (account) account, unit_code, target, self, head"
    "      FROM stage_temis_person ORDER BY account, seq DESC) p "
    "GROUP BY unit_code, target";

/* A temis-people cell: 1 or 0, or -1 after a rejection (or an error: see err). */
static int assessed_of(struct import_ctx *c, const struct sheet_row *row, enum field f,
                       bdtx_error *err)
{
    const char *text = cell_text(row, c->map.col[f]);
    char shown[128];
    int v = vocab_assessed(text);

    if (v >= 0)
        return v;
    quote_value(text, shown, sizeof shown);
    if (reject(c, row->number, c->map.col[f], err, "unknown TEMIS status '%s'", shown) != 0)
        return -2;
    return -1;
}

/* temis-people: one row per person, counted per unit and target into
 * temis_unit_count, so a report reads them as it reads temis-units. The
 * target is the person's role where the file has a role column. */
static int load_temis_people_rows(struct import_ctx *c, const struct sheet_row *header,
                                  bdtx_error *err)
{
    const long *col = c->map.col;
    long key_col = col[F_ACCOUNT] >= 0 ? col[F_ACCOUNT] : col[F_MOET_ID];
    char account[256], shown[128], seqbuf[24];
    const char *params[3];
    struct sheet_row row;
    int got;

    if (col[F_ROLE] < 0 && decide_target(c, header, err) != 0)
        return -1;
    if (db_exec(c->db, "CREATE TEMP TABLE stage_temis_person (seq integer, account text, "
                       "unit_code text, target text, self boolean, head boolean) ON COMMIT DROP",
                0, NULL, err) != 0 ||
        db_copy_begin(c->db, "COPY stage_temis_person FROM STDIN", err) != 0)
        return -1;
    while ((got = next_row(c, &row, err)) == 1) {
        const char *fields[6];
        enum role role = c->target;
        long unit;
        size_t before = c->nrejections;
        int self, head = -1;

        if (is_totals_row(&row, key_col))
            continue;
        if (account_of(cell_text(&row, key_col), account, sizeof account) != 0 || !account[0]) {
            if (reject(c, row.number, key_col, err, account[0]
                       ? "account is not valid UTF-8 or longer than 255 bytes"
                       : "no account") != 0)
                return -1;
            continue;
        }
        if (unit_of(c, &row, &unit, err) != 0)
            return -1;
        if (c->nrejections > before)
            continue;
        if (col[F_ROLE] >= 0) {
            role = vocab_role(cell_text(&row, col[F_ROLE]));
            if (role == ROLE_UNKNOWN) {
                quote_value(cell_text(&row, col[F_ROLE]), shown, sizeof shown);
                if (reject(c, row.number, col[F_ROLE], err, "role '%s' is neither GV nor CBQL",
                           shown) != 0)
                    return -1;
                continue;
            }
        }
        if (col[F_RATING] >= 0 && vocab_rating(cell_text(&row, col[F_RATING])) < 0) {
            quote_value(cell_text(&row, col[F_RATING]), shown, sizeof shown);
            if (reject(c, row.number, col[F_RATING], err, "unknown rating '%s' (Tốt, Khá, Đạt "
                       "or Chưa đạt)", shown) != 0)
                return -1;
            continue;
        }
        /* Without a status column, a rating says the self-assessment is done. */
        self = assessed_of(c, &row, col[F_SELF_STATUS] >= 0 ? F_SELF_STATUS : F_RATING, err);
        if (self == -2)
            return -1;
        if (col[F_HEAD_STATUS] >= 0 && self >= 0)
            head = assessed_of(c, &row, F_HEAD_STATUS, err);
        if (head == -2)
            return -1;
        if (self < 0 || (col[F_HEAD_STATUS] >= 0 && head < 0))
            continue;
        snprintf(seqbuf, sizeof seqbuf, "%ld", row.number);
        fields[0] = seqbuf;
        fields[1] = account;
        fields[2] = c->reg.units[top_unit(&c->reg, unit)].code;
        fields[3] = role_text(role);
        fields[4] = self ? "t" : "f";
        fields[5] = head < 0 ? NULL : head ? "t" : "f";
        if (db_copy_row(c->db, fields, 6, err) != 0)
            return -1;
        c->rows++;
    }
    if (got < 0 || db_copy_end(c->db, err) != 0)
        return -1;
    params[0] = c->cfg->province.code;
    params[1] = c->year->id;
    params[2] = c->id;
    return c->rows > 0 ? db_exec(c->db, temis_people_counts, 3, params, err) : 0;
}

int import_ensure_registry(struct db *db, const struct config *cfg,
                           const struct config_year *year, struct registry *reg,
                           bdtx_error *err)
{
    if (registry_load(db, cfg->province.code, year->id, reg, err) != 0)
        return -1;
    if (reg->count > 0)
        return 0;
    if (registry_read_file(year->units_path, reg, err) != 0)
        return -1;
    log_info("loading the unit registry of %s from %s", year->id, year->units_path);
    return registry_store(db, cfg->province.code, year->id, reg, err);
}

static int store_rejections(struct import_ctx *c, bdtx_error *err)
{
    size_t i;
    char rowbuf[24];

    if (c->nrejections == 0)
        return 0;
    if (db_copy_begin(c->db, "COPY import_rejection (import_id, row_number, col, reason) "
                             "FROM STDIN", err) != 0)
        return -1;
    for (i = 0; i < c->nrejections; i++) {
        const char *fields[4] = {c->id, rowbuf, c->rejections[i].column, c->rejections[i].reason};

        snprintf(rowbuf, sizeof rowbuf, "%ld", c->rejections[i].row);
        if (db_copy_row(c->db, fields, 4, err) != 0)
            return -1;
    }
    return db_copy_end(c->db, err);
}

static void print_rejections(const struct import_ctx *c)
{
    size_t i;

    for (i = 0; i < c->nrejections && i < PRINT_REJECTIONS; i++) {
        const struct rejection *r = &c->rejections[i];

        if (r->column[0])
            fprintf(stderr, "%s:%ld:%s: %s\n", c->path, r->row, r->column, r->reason);
        else
            fprintf(stderr, "%s:%ld: %s\n", c->path, r->row, r->reason);
    }
    if (c->nrejections > PRINT_REJECTIONS)
        fprintf(stderr, "%s: ... and %zu more rejected rows (all are listed in the report)\n",
                c->path, c->nrejections - PRINT_REJECTIONS);
}

/* See import_file: how old a file's last change must be for its identity to
 * be trusted. Linux stamps file times from a clock that ticks every few
 * milliseconds; two seconds also cover a file system of 2-second times
 * that might be added to the list in src/hash.c. */
#define IDENTITY_MIN_AGE_NS 2000000000LL

static int already_imported(struct import_ctx *c, const char *sha, struct import_result *res,
                            bool *yes, bdtx_error *err)
{
    const char *params[2] = {c->cfg->province.code, sha};
    struct db_result *r = NULL;

    if (db_query(c->db, "SELECT id, file_name, to_char(imported_at, 'YYYY-MM-DD HH24:MI') "
                        "FROM import WHERE province_code = $1 AND sha256 = $2",
                 2, params, &r, err) != 0)
        return -1;
    *yes = db_rows(r) > 0;
    if (*yes) {
        res->skipped = true;
        res->id = strtol(db_value(r, 0, 0), NULL, 10);
        log_info("%s: already imported (import %s of %s, on %s); nothing to do", c->path,
                 db_value(r, 0, 0), db_value(r, 0, 1), db_value(r, 0, 2));
    }
    db_result_free(r);
    return 0;
}

/* The same path, untouched since it was imported: device, inode, size and
 * both times equal to those stored with an import of this province. A file
 * edited in any way has a new change time, so it is hashed and compared by
 * content like any other file. */
static int already_imported_file(struct import_ctx *c, const struct file_identity *id,
                                 struct import_result *res, bool *yes, bdtx_error *err)
{
    const char *params[6] = {c->cfg->province.code, id->inode, id->size, id->device,
                             id->mtime_ns, id->ctime_text};
    struct db_result *r = NULL;

    *yes = false;
    if (!id->known || !id->trusted_fs)
        return 0;
    if (db_query(c->db, "SELECT id, file_name, to_char(imported_at, 'YYYY-MM-DD HH24:MI') "
                        "FROM import WHERE province_code = $1 AND file_inode = $2 "
                        "AND file_size = $3 AND file_device = $4 AND file_mtime_ns = $5 "
                        "AND file_ctime_ns = $6 ORDER BY id LIMIT 1",
                 6, params, &r, err) != 0)
        return -1;
    *yes = db_rows(r) > 0;
    if (*yes) {
        res->skipped = true;
        res->id = strtol(db_value(r, 0, 0), NULL, 10);
        log_info("%s: already imported (import %s of %s, on %s; the same file, unchanged "
                 "since); nothing to do", c->path, db_value(r, 0, 0), db_value(r, 0, 1),
                 db_value(r, 0, 2));
    }
    db_result_free(r);
    return 0;
}

/* Imports of one school year are merged one at a time: each compares its
 * rows with the history in force, which must include every earlier merge. */
static int lock_year(struct import_ctx *c, bdtx_error *err)
{
    const char *params[2] = {c->cfg->province.code, c->year->id};

    return db_exec(c->db, "SELECT pg_advisory_xact_lock("
                          "hashtext('bdtx import ' || $1 || ' ' || $2))", 2, params, err);
}

/* The history stores a learner's or a pair's state only when it changes, so
 * it can only grow forward: an export older than one already merged would
 * need to know which later exports held each pair, which is not kept. */
static int check_order(struct import_ctx *c, bdtx_error *err)
{
    const char *params[2] = {c->cfg->province.code, c->year->id};
    struct db_result *r = NULL;
    bdtx_date latest;
    char mine[11];
    int rc = 0;

    if (c->source != SOURCE_LMS_LEARNERS)
        return 0;
    if (db_query(c->db, "SELECT max(as_of) FROM import WHERE province_code = $1 "
                        "AND school_year = $2 AND source = 'lms-learners'",
                 2, params, &r, err) != 0)
        return -1;
    if (!db_null(r, 0, 0) && value_parse_date(db_value(r, 0, 0), &latest) &&
        latest > c->as_of) {
        date_format_iso(c->as_of, mine);
        error_set(err, BDTX_DATAERR, "this learners export is as of %s, older than the "
                  "latest one already imported (%s)", mine, db_value(r, 0, 0));
        error_place(err, c->path, 0, NULL);
        error_detail(err, "the history keeps only what changed, so exports of a school year "
                          "must be imported in as-of order");
        error_hint(err, "if the as-of date is wrong, give the right one with --as-of");
        rc = -1;
    }
    db_result_free(r);
    return rc;
}

static int insert_import(struct import_ctx *c, const char *sha, bdtx_error *err)
{
    char as_of[11];
    const char *params[12];
    const struct file_identity *id = c->identity;
    struct db_result *r = NULL;

    date_format_iso(c->as_of, as_of);
    params[0] = c->cfg->province.code;
    params[1] = c->year->id;
    params[2] = c->base;
    params[3] = sha;
    params[4] = source_kind_name(c->source);
    params[5] = as_of;
    params[6] = c->module ? c->module : c->opts->module;
    params[7] = id ? id->device : NULL;
    params[8] = id ? id->inode : NULL;
    params[9] = id ? id->size : NULL;
    params[10] = id ? id->mtime_ns : NULL;
    params[11] = id ? id->ctime_text : NULL;
    if (db_query(c->db, "INSERT INTO import (province_code, school_year, file_name, sha256, "
                        "source, as_of, module, rows, rejected, file_device, file_inode, "
                        "file_size, file_mtime_ns, file_ctime_ns) "
                        "VALUES ($1, $2, $3, $4, $5, $6, $7, 0, 0, $8, $9, $10, $11, $12) "
                        "RETURNING id",
                 12, params, &r, err) != 0)
        return -1;
    snprintf(c->id, sizeof c->id, "%s", db_value(r, 0, 0));
    db_result_free(r);
    return 0;
}

static int finish_import(struct import_ctx *c, bdtx_error *err)
{
    char rows[24], rejected[24];
    const char *params[4] = {rows, rejected, role_text(c->target), c->id};

    snprintf(rows, sizeof rows, "%ld", c->rows);
    snprintf(rejected, sizeof rejected, "%zu", c->nrejections);
    if (db_exec(c->db, "UPDATE import SET rows = $1, rejected = $2, target = $3 WHERE id = $4",
                4, params, err) != 0 || store_conversions(c, err) != 0)
        return -1;
    return store_rejections(c, err);
}

int import_file(struct db *db, const struct config *cfg, const struct vocab *vocab,
                const char *path, const struct import_options *opts,
                struct import_result *result, bdtx_error *err)
{
    struct import_ctx c;
    struct sheet_row header;
    struct sheet_limits limits;
    char sha[65], day[11];
    struct file_identity before, after;
    struct timespec started;
    bool seen = false, in_tx = false;
    size_t i;
    int rc = -1;

    memset(&c, 0, sizeof c);
    memset(result, 0, sizeof *result);
    c.db = db;
    c.cfg = cfg;
    c.vocab = vocab;
    c.opts = opts;
    c.path = path;
    c.base = path_base(path);

    config_sheet_limits(cfg, &limits);
    if (clock_gettime(CLOCK_REALTIME, &started) != 0)
        memset(&started, 0, sizeof started); /* no identity is trusted then */
    file_identity_read(path, &before);
    if (sheet_check_size(path, &limits, err) != 0 ||
        already_imported_file(&c, &before, result, &seen, err) != 0)
        goto done;
    if (seen) {
        rc = 0;
        goto done;
    }
    if (hash_file_sha256(path, sha, err) != 0)
        goto done;
    /* The identity is stored only if the file did not change while it was
     * hashed and its last change is older than IDENTITY_MIN_AGE_NS before
     * the hash began: a write within the same tick of the file system's
     * clock as the one before it would leave its times as they were, so a
     * file that young is recognised by its content only. */
    file_identity_read(path, &after);
    if (file_identity_equal(&before, &after) && before.trusted_fs &&
        before.ctime_ns < (int64_t)started.tv_sec * 1000000000 + started.tv_nsec -
                              IDENTITY_MIN_AGE_NS)
        c.identity = &before;
    if (already_imported(&c, sha, result, &seen, err) != 0)
        goto done;
    if (seen) {
        rc = 0;
        goto done;
    }
    if (open_at_header(&c, &limits, &header, err) != 0)
        goto done;
    c.source = opts->source != SOURCE_UNKNOWN ? opts->source : c.map.kind;
    if (c.source != c.map.kind) {
        error_set(err, BDTX_DATAERR, "--source %s given, but the header on row %ld is that of "
                  "a %s export", source_kind_name(c.source), c.map.row_number,
                  source_kind_name(c.map.kind));
        error_place(err, path, c.map.row_number, NULL);
        goto done;
    }
    if (decide_as_of(&c, err) != 0)
        goto done;
    c.year = config_year_for_date(cfg, c.as_of);
    if (!c.year) {
        date_format_iso(c.as_of, day);
        error_set(err, BDTX_CONFIG, "no school year in the configuration contains the as-of "
                  "date %s of this file", day);
        error_place(err, path, 0, NULL);
        error_hint(err, "add the school year to %s, or give --as-of", cfg->path);
        goto done;
    }
    if (db_begin(db, err) != 0)
        goto done;
    in_tx = true;
    /* Asked again under the lock: the same file may have been imported by a
     * run that held it while this one waited. */
    if (lock_year(&c, err) != 0 || already_imported(&c, sha, result, &seen, err) != 0)
        goto done;
    if (seen) {
        rc = 0;
        goto done;
    }
    if (c.source == SOURCE_LMS_UNITS &&
        (decide_module(&c, err) != 0 || decide_target(&c, &header, err) != 0))
        goto done;
    if (check_order(&c, err) != 0 ||
        import_ensure_registry(db, cfg, c.year, &c.reg, err) != 0 ||
        insert_import(&c, sha, err) != 0)
        goto done;
    if (c.source == SOURCE_LMS_LEARNERS) {
        if (load_learner_rows(&c, err) != 0)
            goto done;
        if (c.rows > 0 &&
            (stage_learners(&c, err) != 0 ||
             (!opts->force &&
              guard_learners(db, cfg, c.year->id, c.as_of, c.id, path, err) != 0) ||
             record_duplicates(&c, err) != 0 || merge_versions(&c, err) != 0))
            goto done;
    } else if (c.source == SOURCE_LMS_UNITS) {
        if (load_lms_unit_rows(&c, err) != 0)
            goto done;
    } else if (c.source == SOURCE_TEMIS_PEOPLE) {
        if (load_temis_people_rows(&c, &header, err) != 0)
            goto done;
    } else if (load_temis_rows(&c, &header, err) != 0) {
        goto done;
    }
    if (c.rows == 0) {
        print_rejections(&c);
        error_set(err, BDTX_DATAERR, c.nrejections ? "every data row was rejected"
                                                   : "no data rows below the header");
        error_place(err, path, 0, NULL);
        goto done;
    }
    if (finish_import(&c, err) != 0 || db_commit(db, err) != 0)
        goto done;
    in_tx = false;
    print_rejections(&c);
    result->id = strtol(c.id, NULL, 10);
    result->source = c.source;
    result->as_of = c.as_of;
    snprintf(result->year, sizeof result->year, "%s", c.year->id);
    result->rows = c.rows;
    result->rejected = (long)c.nrejections;
    result->duplicates = c.duplicates;
    rc = 0;
done:
    if (in_tx)
        db_rollback(db);
    sheet_close(c.reader);
    if (c.names_ready)
        names_release(&c.names);
    wide_release(&c.wide);
    fixed_clear(&c);
    free(c.fixed);
    free(c.fixed_text);
    for (i = 0; i < c.nplain; i++)
        free(c.plain[i].text);
    free(c.plain);
    free(c.held.buf);
    registry_release(&c.reg);
    for (i = 0; i < c.nrejections; i++)
        free(c.rejections[i].reason);
    free(c.rejections);
    for (i = 0; i < c.nmodule_keys; i++)
        free(c.module_keys[i].key);
    free(c.module_keys);
    return rc;
}
