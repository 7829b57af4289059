/* What an export is, before any of its data rows is read: the header row
 * and the title rows above it, the as-of date, and for a per-unit export
 * the target (GV or CBQL) and the module. */
#include "import_internal.h"

#include <errno.h>
#include <fnmatch.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "bdtx/log.h"
#include "bdtx/path.h"
#include "bdtx/text.h"

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


int import_decide_as_of(struct import_ctx *c, bdtx_error *err)
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
    /* The clock's day where the province is, not in UTC: a file saved at
     * 03:00 in Vietnam belongs to that day. */
    c->as_of = date_of_time(st.st_mtime, c->cfg->province.timezone);
    date_format_iso(c->as_of, buf);
    if (!c->opts->caller_reports)
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

/* The file name with '-', '_' and '.' as blanks, so that its parts read as
 * words. */
static void name_as_words(const char *base, char *buf, size_t cap)
{
    size_t i;

    snprintf(buf, cap, "%s", base);
    for (i = 0; buf[i]; i++)
        if (buf[i] == '-' || buf[i] == '_' || buf[i] == '.')
            buf[i] = ' ';
}

/* GV or CBQL for a per-unit file: the assessed columns say it best (a CBQL
 * export may still head its total "Tổng số giáo viên"), then the title,
 * then the file name. */
int import_decide_target(struct import_ctx *c, const struct sheet_row *header, bdtx_error *err)
{
    enum role r = ROLE_UNKNOWN;
    char name[256];

    if (c->opts->target != ROLE_UNKNOWN) {
        c->target = c->opts->target;
        return 0;
    }
    if (c->map.col[F_SELF_ASSESSED] >= 0)
        r = role_in_text(import_cell_text(header, c->map.col[F_SELF_ASSESSED]));
    if (r == ROLE_UNKNOWN && c->map.col[F_HEAD_ASSESSED] >= 0)
        r = role_in_text(import_cell_text(header, c->map.col[F_HEAD_ASSESSED]));
    if (r == ROLE_UNKNOWN)
        r = role_in_text(c->title);
    if (r == ROLE_UNKNOWN) {
        name_as_words(c->base, name, sizeof name);
        r = role_in_text(name);
    }
    if (r == ROLE_UNKNOWN) {
        error_set(err, BDTX_DATAERR, "cannot tell whether this file counts GV or CBQL");
        error_place(err, c->path, header->number, NULL);
        error_hint(err, "add --target gv or --target cbql");
        return -1;
    }
    c->target = r;
    return 0;
}

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

int import_decide_module(struct import_ctx *c, bdtx_error *err)
{
    char name[256];
    const char *found;
    int n;

    if (c->opts->module) {
        c->module = c->opts->module;
        return 0;
    }
    if (import_module_keys_init(c, err) != 0)
        return -1;
    n = modules_named(c, c->title, &found);
    if (n == 0) {
        name_as_words(c->base, name, sizeof name);
        n = modules_named(c, name, &found);
    }
    if (n == 1) {
        c->module = found;
        return 0;
    }
    error_set(err, BDTX_DATAERR, n == 0 ? "cannot tell which module this per-unit export counts"
                                      : "the title rows or the file name name several modules");
    error_place(err, c->path, c->map.row_number, NULL);
    error_hint(err, "add --module CODE (one of the modules of school year %s)", c->year->id);
    return -1;
}

/* Keys of every code, name and alias of the year's modules, made once per
 * file rather than once per row. */
int import_module_keys_init(struct import_ctx *c, bdtx_error *err)
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
    error_oom(err);
    return -1;
}

/* Texts (each NUL-terminated; NULL reads as "") copied into k as a row. */
static int kept_set(struct kept_row *k, long number, const char *const *texts,
                    const bool *numeric, size_t n)
{
    size_t i, len = 0, off = 0;

    for (i = 0; i < n; i++)
        len += strlen(texts[i] ? texts[i] : "") + 1;
    if (len + 1 > k->text_cap) {
        char *t = realloc(k->text, len + 1);

        if (!t)
            return -1;
        k->text = t;
        k->text_cap = len + 1;
    }
    if (n + 1 > k->cells_cap) {
        struct sheet_cell *cells = realloc(k->cells, (n + 1) * sizeof *cells);

        if (!cells)
            return -1;
        k->cells = cells;
        k->cells_cap = n + 1;
    }
    for (i = 0; i < n; i++) {
        const char *t = texts[i] ? texts[i] : "";
        size_t l = strlen(t);

        memcpy(k->text + off, t, l + 1);
        k->cells[i].text = k->text + off;
        k->cells[i].len = l;
        k->cells[i].numeric = numeric && numeric[i];
        k->cells[i].uncached = false;
        off += l + 1;
    }
    k->row.number = number;
    k->row.ncells = n;
    k->row.cells = k->cells;
    return 0;
}

static int kept_copy(struct kept_row *k, const struct sheet_row *row)
{
    const char **texts = calloc(row->ncells + 1, sizeof *texts);
    bool *numeric = calloc(row->ncells + 1, sizeof *numeric);
    size_t i;
    int rc = -1;

    if (texts && numeric) {
        for (i = 0; i < row->ncells; i++) {
            texts[i] = row->cells[i].text;
            numeric[i] = row->cells[i].numeric;
        }
        rc = kept_set(k, row->number, texts, numeric, row->ncells);
        for (i = 0; rc == 0 && i < row->ncells; i++)
            k->cells[i].uncached = row->cells[i].uncached;
    }
    free(texts);
    free(numeric);
    return rc;
}

static void kept_release(struct kept_row *k)
{
    free(k->text);
    free(k->cells);
    memset(k, 0, sizeof *k);
}

void import_detect_release(struct import_ctx *c)
{
    kept_release(&c->closest);
    kept_release(&c->header);
    kept_release(&c->above);
    kept_release(&c->pushed);
    c->has_pushed = false;
}

/* A second header row: text only, every cell a header name ("Trạng thái"
 * and "Kết quả" under a module's caption, "Mã đơn vị" under "Đơn vị"). */
static bool sub_header(const struct vocab *v, const struct sheet_row *row)
{
    size_t i, named = 0;

    for (i = 0; i < row->ncells; i++) {
        if (text_blank(row->cells[i].text))
            continue;
        if (row->cells[i].numeric || header_field(v, row->cells[i].text) < 0)
            return false;
        named++;
    }
    return named > 0;
}

static bool match(struct import_ctx *c, const struct sheet_row *row)
{
    wide_release(&c->wide);
    return header_match(c->vocab, row, &c->map) || wide_match(c->cfg, row, &c->map, &c->wide);
}

/* top and sub read as one header row, into c->header. A caption merged
 * down over both rows is in top only; one merged across sub-captions is in
 * top above the first of them, and stands over each sub-caption to its
 * right until a column with neither. Under a module's caption, the status
 * sub-column is the module's column in the wide layout and the result
 * sub-column its result_col; elsewhere a sub-caption names its column.
 * True when the two rows are a recognisable header. */
static int two_row_header(struct import_ctx *c, const struct sheet_row *top,
                          const struct sheet_row *sub, bool *found)
{
    size_t n = top->ncells > sub->ncells ? top->ncells : sub->ncells, i, k;
    const char **texts = calloc(n + 1, sizeof *texts);
    long *span = calloc(n + 1, sizeof *span), start = -1;
    bool *result = calloc(n + 1, sizeof *result);
    const char *carried = NULL;
    int rc = -1;

    *found = false;
    if (!texts || !span || !result)
        goto done;
    for (i = 0; i < n; i++) {
        const char *t = import_cell_text(top, (long)i), *s = import_cell_text(sub, (long)i);
        int f = text_blank(s) ? -1 : header_field(c->vocab, s);

        if (!text_blank(t)) {
            carried = t;
            start = (long)i;
        } else if (text_blank(s)) {
            carried = NULL;
        }
        span[i] = -1;
        if (carried && wide_names_module(c->cfg, carried) && (text_blank(s) || f == F_STATUS)) {
            texts[i] = carried;
            span[i] = start;
        } else if (carried && wide_names_module(c->cfg, carried) && f == F_RESULT) {
            texts[i] = "";
            span[i] = start;
            result[i] = true;
        } else {
            texts[i] = text_blank(s) ? t : s;
        }
    }
    if (kept_set(&c->header, sub->number, texts, NULL, n) != 0)
        goto done;
    rc = 0;
    if (!match(c, &c->header.row))
        goto done;
    *found = true;
    for (k = 0; k < c->wide.count; k++)
        for (i = 0; i < n; i++)
            if (result[i] && span[i] >= 0 && span[i] == span[c->wide.cols[k].col])
                c->wide.cols[k].result_col = (long)i;
done:
    free(texts);
    free(span);
    free(result);
    return rc;
}

/* Keeps row as the closest to a header when it names more fields than any
 * row before it. -1 when out of memory. */
static int remember_closest(struct import_ctx *c, const struct sheet_row *row)
{
    int named = 0;
    size_t i;

    for (i = 0; i < row->ncells; i++)
        if (!row->cells[i].numeric && !text_blank(row->cells[i].text) &&
            (header_field(c->vocab, row->cells[i].text) >= 0 ||
             wide_names_module(c->cfg, row->cells[i].text)))
            named++;
    if (named <= c->closest_named)
        return 0;
    c->closest_named = named;
    snprintf(c->closest_sheet, sizeof c->closest_sheet, "%s", sheet_name(c->reader));
    return kept_copy(&c->closest, row);
}

/* The header among the first rows: one row recognised alone (and the row
 * under it read with it when it holds sub-captions only), or two rows
 * recognised together. 0 with *row the header, 1 when none, -1 on error. */
static int read_header(struct import_ctx *c, struct sheet_row *row, bdtx_error *err)
{
    size_t title_len = 0;
    bool has_above = false, found;
    int got;

    c->title[0] = '\0';
    while ((got = import_next_row(c, row, err)) == 1) {
        if (row->number > HEADER_SEARCH_ROWS)
            break;
        if (match(c, row)) {
            struct sheet_row next;

            if (kept_copy(&c->header, row) != 0)
                goto oom;
            got = import_next_row(c, &next, err);
            if (got < 0)
                return -1;
            if (got == 1 && sub_header(c->vocab, &next)) {
                if (kept_copy(&c->above, &c->header.row) != 0 ||
                    two_row_header(c, &c->above.row, &next, &found) != 0)
                    goto oom;
                if (found) {
                    *row = c->header.row;
                    return 0;
                }
                /* Not a header read together: the first alone, as before. */
                if (kept_copy(&c->header, &c->above.row) != 0)
                    goto oom;
                match(c, &c->header.row);
            }
            if (got == 1) {
                if (kept_copy(&c->pushed, &next) != 0)
                    goto oom;
                c->has_pushed = true;
            }
            *row = c->header.row;
            return 0;
        }
        if (has_above) {
            if (two_row_header(c, &c->above.row, row, &found) != 0)
                goto oom;
            if (found) {
                /* The caption row is the header's, not a title row. */
                c->title[title_len] = '\0';
                *row = c->header.row;
                return 0;
            }
        }
        if (remember_closest(c, row) != 0)
            goto oom;
        title_len = strlen(c->title);
        title_append(c, row);
        if (kept_copy(&c->above, row) != 0)
            goto oom;
        has_above = true;
    }
    return got < 0 ? -1 : 1;
oom:
    error_oom(err);
    error_place(err, c->path, 0, NULL);
    return -1;
}

/* The worksheet asked for: --sheet, else the first sources.sheets entry
 * whose pattern matches the file name; NULL when none is. */
static const char *sheet_wanted(const struct import_ctx *c)
{
    size_t i;

    if (c->opts->sheet)
        return c->opts->sheet;
    for (i = 0; c->cfg && i < c->cfg->nsheets; i++)
        if (fnmatch(c->cfg->sheets[i].files, c->base, 0) == 0)
            return c->cfg->sheets[i].sheet;
    return NULL;
}

/* The fields each kind of export needs: each group is satisfied by any
 * one of its fields (-1 ends a group); F_MODULE is satisfied too by
 * columns headed by modules (the wide layout). */
#define GROUPS 4
#define ALTS 3
static const struct {
    const char *what;
    int need[GROUPS][ALTS];
} kinds[] = {
    { "a learners export (lms-learners)",
      { { F_ACCOUNT, -1 }, { F_UNIT_CODE, F_UNIT_NAME, -1 }, { F_MODULE, -1 },
        { F_STATUS, F_RESULT, -1 } } },
    { "a TEMIS per-unit export (temis-units)",
      { { F_UNIT_CODE, F_UNIT_NAME, -1 }, { F_TOTAL, -1 }, { F_SELF_ASSESSED, -1 }, { -1 } } },
    { "a per-unit LMS export (lms-units)",
      { { F_UNIT_CODE, F_UNIT_NAME, -1 }, { F_ASSIGNED, -1 }, { F_PASSED, -1 }, { -1 } } },
    { "a TEMIS export of people (temis-people)",
      { { F_ACCOUNT, F_MOET_ID, -1 }, { F_UNIT_CODE, F_UNIT_NAME, -1 },
        { F_SELF_STATUS, F_RATING, -1 }, { -1 } } },
};

/* Words two normalised texts share. */
static int shared_words(const char *a, const char *b)
{
    char *ka = text_key(a), *kb = text_key(b), *save = NULL, *w;
    int n = 0;

    for (w = ka ? strtok_r(ka, " ", &save) : NULL; w && kb; w = strtok_r(NULL, " ", &save))
        if (text_has_words(kb, w))
            n++;
    free(ka);
    free(kb);
    return n;
}

/* The cell of row not understood whose words meet a built-in name of
 * field f more than *words: *cell, *field and *words set to it. */
static void meant_for(const struct import_ctx *c, const struct sheet_row *row, int f,
                      long *cell, int *field, int *words)
{
    size_t i, n;

    for (i = 0; i < row->ncells; i++) {
        const char *t = row->cells[i].text;

        if (row->cells[i].numeric || text_blank(t) || header_field(c->vocab, t) >= 0)
            continue;
        for (n = 0; header_builtin_name((enum field)f, n); n++) {
            int w = shared_words(t, header_builtin_name((enum field)f, n));

            if (w > *words) {
                *words = w;
                *cell = (long)i;
                *field = f;
            }
        }
    }
}

/* Appends to buf (of cap) as snprintf would, never past cap. */
static void append(char *buf, size_t cap, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void append(char *buf, size_t cap, const char *fmt, ...)
{
    size_t len = strlen(buf);
    va_list ap;

    if (len + 1 >= cap)
        return;
    va_start(ap, fmt);
    vsnprintf(buf + len, cap - len, fmt, ap);
    va_end(ap);
}

/* The closest row, said: which kind of export it comes closest to, the
 * fields it lacks, the cells not understood (one of them named as not a
 * known name for a missing field when their words meet), and how to add
 * an alias. Falls back on the general hint when no row named anything. */
static void explain_no_header(const struct import_ctx *c, size_t sheets, bdtx_error *err)
{
    const struct sheet_row *row = &c->closest.row;
    char detail[sizeof err->detail] = "", shown[96], cell[16];
    bool has[F_COUNT] = { false }, modules = false;
    size_t i, k, g, a, best = 0, missing_best = GROUPS + 1;
    long guess = -1;
    int guess_field = -1, guess_words = 0;

    if (c->closest_named == 0) {
        error_hint(err, "a learners export needs columns such as Tài khoản, Mã đơn vị or Đơn vị, "
                        "Mô đun and Trạng thái; a TEMIS export Mã đơn vị, Tổng số and the "
                        "self-assessed count; more names can be added under sources.aliases");
        return;
    }
    for (i = 0; i < row->ncells; i++) {
        int f = row->cells[i].numeric ? -1 : header_field(c->vocab, row->cells[i].text);

        if (f >= 0)
            has[f] = true;
        else if (!row->cells[i].numeric && wide_names_module(c->cfg, row->cells[i].text))
            modules = true;
    }
    for (k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
        size_t missing = 0;

        for (g = 0; g < GROUPS && kinds[k].need[g][0] >= 0; g++) {
            bool ok = kinds[k].need[g][0] == F_MODULE && modules;

            for (a = 0; a < ALTS && kinds[k].need[g][a] >= 0; a++)
                ok = ok || has[kinds[k].need[g][a]];
            missing += !ok;
        }
        if (missing < missing_best) {
            missing_best = missing;
            best = k;
        }
    }
    append(detail, sizeof detail, "row %ld%s%s%s comes closest to %s, which lacks:",
           row->number, sheets > 1 ? " of worksheet \"" : "", sheets > 1 ? c->closest_sheet : "",
           sheets > 1 ? "\"" : "", kinds[best].what);
    for (g = 0, k = 0; g < GROUPS && kinds[best].need[g][0] >= 0; g++) {
        bool ok = kinds[best].need[g][0] == F_MODULE && modules;

        for (a = 0; a < ALTS && kinds[best].need[g][a] >= 0; a++)
            ok = ok || has[kinds[best].need[g][a]];
        if (ok)
            continue;
        append(detail, sizeof detail, "%s", k++ ? ", " : " ");
        for (a = 0; a < ALTS && kinds[best].need[g][a] >= 0; a++) {
            int f = kinds[best].need[g][a];

            append(detail, sizeof detail, "%s%s", a ? " or " : "", field_name((enum field)f));
            meant_for(c, row, f, &guess, &guess_field, &guess_words);
        }
    }
    append(detail, sizeof detail, "; cells not understood:");
    for (i = 0, k = 0; i < row->ncells; i++) {
        const char *t = row->cells[i].text;

        if (row->cells[i].numeric || text_blank(t) || header_field(c->vocab, t) >= 0 ||
            wide_names_module(c->cfg, t))
            continue;
        import_quote_value(t, shown, sizeof shown);
        sheet_column_label(c->reader, i, cell, sizeof cell);
        append(detail, sizeof detail, "%s %s \"%s\"", k++ ? "," : "", cell, shown);
    }
    if (k == 0)
        append(detail, sizeof detail, " none");
    if (guess >= 0) {
        import_quote_value(row->cells[guess].text, shown, sizeof shown);
        append(detail, sizeof detail, "; \"%s\" is not a known name for %s (known:", shown,
               field_name((enum field)guess_field));
        for (i = 0; header_builtin_name((enum field)guess_field, i); i++)
            append(detail, sizeof detail, "%s %s", i ? "," : "",
                   header_builtin_name((enum field)guess_field, i));
        append(detail, sizeof detail, ")");
        error_hint(err, "if \"%s\" is the %s column, add it to the configuration: "
                   "sources: { aliases: { %s: [\"%s\"] } }", shown,
                   field_name((enum field)guess_field), field_name((enum field)guess_field), shown);
    } else {
        error_hint(err, "name the columns as the export does, or add their names to the "
                        "configuration under sources.aliases, e.g. sources: { aliases: "
                        "{ status: [\"Tình trạng học\"] } }");
    }
    error_detail(err, "%s", detail);
}

int import_open_at_header(struct import_ctx *c, const struct sheet_limits *limits,
                          struct sheet_row *header, bdtx_error *err)
{
    const char *wanted = sheet_wanted(c);
    size_t i, count = 1;
    int rc;

    if (wanted) {
        /* Digits are a position, counted from 1; anything else a name. */
        bool position = strspn(wanted, "0123456789") == strlen(wanted);
        struct sheet_select which = {position ? NULL : wanted,
                                     position ? (size_t)strtoul(wanted, NULL, 10) - 1 : 0};

        if (sheet_open_sheet(c->path, limits, &which, &c->reader, err) != 0)
            return -1;
        rc = read_header(c, header, err);
        if (rc <= 0)
            return rc;
        error_set(err, BDTX_DATAERR, "no recognisable header in the first %d rows of worksheet "
                  "%s%s%s", HEADER_SEARCH_ROWS, position ? "" : "\"", wanted,
                  position ? "" : "\"");
        error_place(err, c->path, 0, NULL);
        explain_no_header(c, 1, err);
        return -1;
    }
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
    explain_no_header(c, count, err);
    return -1;
}

bool import_peek_as_of(const struct config *cfg, const struct vocab *vocab, const char *path,
                       bdtx_date *out)
{
    struct import_ctx c;
    struct import_options opts;
    struct sheet_limits limits;
    struct sheet_row header;
    bdtx_error ignored;
    bool found;

    memset(&c, 0, sizeof c);
    memset(&opts, 0, sizeof opts);
    c.cfg = cfg;
    c.vocab = vocab;
    c.opts = &opts;
    c.path = path;
    c.base = path_base(path);
    error_clear(&ignored);
    config_sheet_limits(cfg, &limits);
    found = import_open_at_header(&c, &limits, &header, &ignored) == 0 &&
            import_as_of_from_title(c.title, out);
    import_ctx_release(&c);
    return found || import_as_of_from_name(path_base(path), out);
}
