/* What an export is, before any of its data rows is read: the header row
 * and the title rows above it, the as-of date, and for a per-unit export
 * the target (GV or CBQL) and the module. */
#include "import_internal.h"

#include <errno.h>
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

static int read_header(struct import_ctx *c, struct sheet_row *row, bdtx_error *err)
{
    int got;

    c->title[0] = '\0';
    while ((got = import_next_row(c, row, err)) == 1) {
        if (row->number > HEADER_SEARCH_ROWS)
            break;
        if (header_match(c->vocab, row, &c->map) ||
            wide_match(c->cfg, row, &c->map, &c->wide))
            return 0;
        title_append(c, row);
    }
    return got < 0 ? -1 : 1;
}

int import_open_at_header(struct import_ctx *c, const struct sheet_limits *limits,
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
