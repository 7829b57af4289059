/* Reading and checking an export's rows: the next row with legacy text
 * converted, the unit a row names (remembered from the row before), the
 * lookups of repeated cells, and the rejected rows with their reasons. */
#include "import_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bdtx/log.h"
#include "bdtx/text.h"

/* How many rejected rows are printed; all of them are stored. */
#define PRINT_REJECTIONS 50

void import_quote_value(const char *s, char *buf, size_t cap)
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

static int reject_v(struct import_ctx *c, long row, long col, const char *unit,
                    bdtx_error *err, const char *fmt, va_list ap)
    __attribute__((format(printf, 6, 0)));

static int reject_v(struct import_ctx *c, long row, long col, const char *unit,
                    bdtx_error *err, const char *fmt, va_list ap)
{
    struct rejection *r;
    char reason[512];

    vsnprintf(reason, sizeof reason, fmt, ap);
    if (c->nrejections == c->caprejections) {
        size_t ncap = c->caprejections ? c->caprejections * 2 : 16;
        struct rejection *grown = realloc(c->rejections, ncap * sizeof *grown);

        if (!grown) {
            error_oom(err);
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
    r->unit_text = unit ? strdup(unit) : NULL;
    if (!r->reason || (unit && !r->unit_text)) {
        free(r->reason);
        free(r->unit_text);
        error_oom(err);
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

int import_reject_unit(struct import_ctx *c, long row, long col, const char *unit,
                       bdtx_error *err, const char *fmt, ...)
{
    va_list ap;
    int rc;

    va_start(ap, fmt);
    rc = reject_v(c, row, col, unit, err, fmt, ap);
    va_end(ap);
    return rc;
}

int import_store_rejections(struct import_ctx *c, bdtx_error *err)
{
    size_t i;
    char rowbuf[24];

    if (c->nrejections == 0)
        return 0;
    if (db_copy_begin(c->db, "COPY import_rejection (import_id, row_number, col, reason, "
                             "unit_text) FROM STDIN", err) != 0)
        return -1;
    for (i = 0; i < c->nrejections; i++) {
        const struct rejection *r = &c->rejections[i];
        const char *fields[5] = {c->id, rowbuf, r->column, r->reason, r->unit_text};

        snprintf(rowbuf, sizeof rowbuf, "%ld", r->row);
        if (db_copy_row(c->db, fields, 5, err) != 0)
            return -1;
    }
    return db_copy_end(c->db, err);
}

void import_print_rejections(const struct import_ctx *c)
{
    size_t i;

    if (c->opts->caller_reports)
        return;
    for (i = 0; i < c->nrejections && i < PRINT_REJECTIONS; i++) {
        const struct rejection *r = &c->rejections[i];

        if (r->column[0])
            fprintf(stderr, "bdtx: %s:%ld:%s: %s\n", c->path, r->row, r->column, r->reason);
        else
            fprintf(stderr, "bdtx: %s:%ld: %s\n", c->path, r->row, r->reason);
    }
    if (c->nrejections > PRINT_REJECTIONS)
        fprintf(stderr, "bdtx: %s: ... and %zu more rejected rows (all are listed in the "
                "report)\n", c->path, c->nrejections - PRINT_REJECTIONS);
}

void import_explain_rejections(const struct import_ctx *c, bdtx_error *err)
{
    const struct rejection *r = c->nrejections ? &c->rejections[0] : NULL;

    if (!r)
        return;
    error_detail(err, "the first, row %ld%s%s: %s%s", r->row, r->column[0] ? ", column " : "",
                 r->column, r->reason, c->nrejections > 1 ? " (and the others)" : "");
    if (r->unit_text && c->year)
        error_hint(err, "a unit the file names must be in the registry of school year %s: "
                   "add a line for '%s' (code,name,kind,parent_code[,aliases]) to %s",
                   c->year->id, r->unit_text, c->year->units_path);
}

/* A totals row ("Tổng cộng: 9908 lượt") closes many exports: it is not data.
 * It has nothing in the key column (account, or unit) and its first text
 * says so. */
bool import_is_totals_row(const struct sheet_row *row, long key_col)
{
    size_t i;

    if (!text_blank(import_cell_text(row, key_col)))
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

/* The slot that answered last is tried first: an export's rows repeat
 * the same status, result, role and module one after another. */
static bool memo_get(struct memo *m, const char *text, int *value)
{
    size_t i;

    if (m->used > 0 && strcmp(m->text[m->last], text) == 0) {
        *value = m->value[m->last];
        return true;
    }
    for (i = 0; i < m->used; i++)
        if (strcmp(m->text[i], text) == 0) {
            *value = m->value[i];
            m->last = i;
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

const char *import_module_of(struct import_ctx *c, const char *text)
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

int import_status_of(struct import_ctx *c, const char *text)
{
    int v;

    if (!memo_get(&c->memo[MEMO_STATUS], text, &v)) {
        v = vocab_status(c->vocab, text);
        memo_put(&c->memo[MEMO_STATUS], text, v);
    }
    return v;
}

int import_result_of(struct import_ctx *c, const char *text)
{
    int v;

    if (!memo_get(&c->memo[MEMO_RESULT], text, &v)) {
        v = vocab_result(text);
        memo_put(&c->memo[MEMO_RESULT], text, v);
    }
    return v;
}

enum role import_role_of(struct import_ctx *c, const char *text)
{
    int v;

    if (!memo_get(&c->memo[MEMO_ROLE], text, &v)) {
        v = (int)vocab_role(text);
        memo_put(&c->memo[MEMO_ROLE], text, v);
    }
    return (enum role)v;
}

const char *import_role_text(enum role r)
{
    return r == ROLE_GV ? "gv" : r == ROLE_CBQL ? "cbql" : NULL;
}

/* The unit a row names by name, within the parent unit the row names when
 * it names one the registry knows (by code or by name); 0 with *out set, or
 * -1 after recording a rejection that names the candidates. */
static int unit_by_name(struct import_ctx *c, const struct sheet_row *row, long name_col,
                        long *out, bdtx_error *err)
{
    const char *parent_text = import_cell_text(row, c->map.col[F_PARENT]);
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
    o = names_find(&c->names, import_cell_text(row, name_col), parent, out, cand, sizeof cand);
    if (o == NAMES_FOUND)
        return 0;
    *out = -1;
    import_quote_value(import_cell_text(row, name_col), shown, sizeof shown);
    if (o == NAMES_AMBIGUOUS)
        return import_reject(c, row->number, name_col, err,
                             "unit name '%s' matches several units: %s%s", shown, cand,
                             c->map.col[F_PARENT] < 0
                                 ? " (a parent unit column would tell them apart)" : "");
    if (o == NAMES_BAD_TEXT)
        return import_reject(c, row->number, name_col, err, "unit name is not valid UTF-8");
    if (parent >= 0) {
        import_quote_value(c->reg.units[parent].name, code, sizeof code);
        return import_reject_unit(c, row->number, name_col, shown, err,
                                  "unknown unit '%s' under %s %s", shown,
                                  c->reg.units[parent].code, code);
    }
    return import_reject_unit(c, row->number, name_col, shown, err, "unknown unit '%s'", shown);
}

int import_unit_of(struct import_ctx *c, const struct sheet_row *row, long *out,
                   bdtx_error *err)
{
    char code[128], shown[128];
    long code_col = c->map.col[F_UNIT_CODE], name_col = c->map.col[F_UNIT_NAME];
    const char *code_text = import_cell_text(row, code_col);
    const char *name_text = import_cell_text(row, name_col);

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
        *out = -1;
        import_quote_value(code_text, shown, sizeof shown);
        return import_reject_unit(c, row->number, code_col, shown, err,
                                  "unknown unit code '%s'", shown);
    }
    if (name_col >= 0 && !text_blank(name_text))
        return unit_by_name(c, row, name_col, out, err);
    return import_reject(c, row->number, code_col >= 0 ? code_col : name_col, err, "no unit");
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

/* Cell i of row replaced by text out (taken over): the row's cells are
 * copied to c->fixed on the first replacement of the row. */
static int fix_cell(struct import_ctx *c, const struct sheet_row *row, size_t i, char *out,
                    bdtx_error *err)
{
    size_t j;

    if (c->capfixed < row->ncells) {
        struct sheet_cell *cells = realloc(c->fixed, row->ncells * sizeof *cells);
        char **texts = cells ? realloc(c->fixed_text, row->ncells * sizeof *texts) : NULL;

        if (cells)
            c->fixed = cells;
        if (!cells || !texts) {
            free(out);
            error_oom(err);
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
    free(c->fixed_text[i]);
    c->fixed_text[i] = out;
    c->fixed[i].text = out;
    c->fixed[i].len = strlen(out);
    return 0;
}

/* Whether the cell is printable ASCII alone, which has nothing to convert
 * and nothing XML cannot hold: most cells of an export (codes, accounts,
 * numbers, dates), ruled out in one pass where the conversion's and the
 * XML check's each took one (a sixth of the checking thread's time went to
 * the three, perf of a nation's week in which nothing changed). */
static bool printable_ascii(const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i;

    for (i = 0; i < len; i++)
        if (p[i] < 0x20 || p[i] >= 0x80)
            return false;
    return true;
}

static bool uncached_at(const struct sheet_row *row, long col)
{
    return col >= 0 && (size_t)col < row->ncells && row->cells[col].uncached;
}

int import_uncached_cell(struct import_ctx *c, const struct sheet_row *row, bdtx_error *err)
{
    long bad = -1;
    size_t i;

    for (i = 0; i < F_COUNT && bad < 0; i++)
        if (uncached_at(row, c->map.col[i]))
            bad = c->map.col[i];
    for (i = 0; i < c->wide.count && bad < 0; i++) {
        if (uncached_at(row, c->wide.cols[i].col))
            bad = c->wide.cols[i].col;
        else if (uncached_at(row, c->wide.cols[i].result_col))
            bad = c->wide.cols[i].result_col;
    }
    if (bad < 0)
        return 0;
    return import_reject(c, row->number, bad, err, "a formula saved without its value (open "
                         "the file in Excel or LibreOffice and save it again)") != 0 ? -1 : 1;
}

/* The next row, its cells typed in a legacy Vietnamese font (TCVN3, VNI)
 * converted to Unicode and counted, and the characters XML cannot hold
 * (C0 controls, U+FFFE, U+FFFF) replaced by U+FFFD and counted: a name
 * holding one would otherwise cut the workbook's sheet short. A row with
 * nothing to change is handed on as the reader gave it. */
int import_next_row(struct import_ctx *c, struct sheet_row *row, bdtx_error *err)
{
    int got;
    size_t i, bad;

    fixed_clear(c);
    /* A row the header search read ahead, already converted. */
    if (c->has_pushed) {
        c->has_pushed = false;
        *row = c->pushed.row;
        return 1;
    }
    got = sheet_next(c->reader, row, err);
    if (got != 1)
        return got;
    if (c->nplain < row->ncells) {
        struct plain_cell *p = realloc(c->plain, row->ncells * sizeof *p);

        if (!p) {
            error_oom(err);
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

        if (!cell->text || printable_ascii(cell->text, cell->len))
            continue;
        if (!(pc->text && pc->len == cell->len && memcmp(pc->text, cell->text, cell->len) == 0)) {
            kind = legacy_convert(cell->text, cell->len, &out);
            if (kind == LEGACY_NONE) {
                plain_remember(pc, cell);
            } else {
                if (fix_cell(c, row, i, out, err) != 0)
                    return -1;
                c->conversions[kind]++;
            }
        }
        cell = c->nfixed > 0 ? &c->fixed[i] : &row->cells[i];
        bad = text_xml_invalid(cell->text, cell->len);
        if (bad == 0)
            continue;
        out = text_xml_clean(cell->text, cell->len);
        if (!out) {
            error_oom(err);
            return -1;
        }
        if (fix_cell(c, row, i, out, err) != 0)
            return -1;
        c->xml_replaced += (long)bad;
    }
    if (c->nfixed > 0)
        row->cells = c->fixed;
    return 1;
}

int import_store_conversions(struct import_ctx *c, bdtx_error *err)
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
    if (c->xml_replaced > 0) {
        params[1] = TEXT_XML_INVALID;
        snprintf(cells, sizeof cells, "%ld", c->xml_replaced);
        if (db_exec(c->db, "INSERT INTO import_conversion (import_id, encoding, cells) "
                           "VALUES ($1, $2, $3)", 3, params, err) != 0)
            return -1;
        log_warning("%s: %ld character%s a workbook cannot hold (control characters, "
                    "U+FFFE, U+FFFF) replaced by U+FFFD", c->path, c->xml_replaced,
                    c->xml_replaced == 1 ? "" : "s");
    }
    return 0;
}

int import_account_cell(struct import_ctx *c, const struct sheet_row *row, long col, char *buf,
                        size_t cap, bdtx_error *err)
{
    if (import_account_of(import_cell_text(row, col), buf, cap) == 0 && buf[0])
        return 0;
    return import_reject(c, row->number, col, err, buf[0]
                         ? "account is not valid UTF-8 or longer than 255 bytes"
                         : "no account") != 0 ? -1 : 1;
}

/* The account as stored: a number a spreadsheet kept as "205125370.0" is
 * "205125370", and text beyond ASCII is compared in NFC. buf is "" when the
 * cell is empty; -1 (buf "?") when it cannot be an account. */
int import_account_of(const char *raw, char *buf, size_t cap)
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
