#include "bdtx/units.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "bdtx/db.h"
#include "bdtx/sheet.h"
#include "bdtx/text.h"
#include "bdtx/value.h"

static const struct registry *sort_reg;

static int cmp_code(const void *a, const void *b)
{
    return strcmp(sort_reg->units[*(const size_t *)a].code,
                  sort_reg->units[*(const size_t *)b].code);
}

void registry_release(struct registry *reg)
{
    size_t i;

    for (i = 0; i < reg->count; i++) {
        free(reg->units[i].code);
        free(reg->units[i].name);
        free(reg->units[i].kind_text);
        free(reg->units[i].parent_code);
        free(reg->units[i].aliases);
    }
    free(reg->units);
    free(reg->by_code);
    free(reg->slots);
    memset(reg, 0, sizeof *reg);
}

/* FNV-1a. A code is looked up once per imported row: a hash table costs one
 * or two memory reads where a binary search over a national registry
 * (48,000 units) costs sixteen string comparisons, each a cache miss. */
static size_t code_hash(const char *s)
{
    uint64_t h = UINT64_C(14695981039346656037);

    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= UINT64_C(1099511628211);
    }
    return (size_t)h;
}

static int registry_hash(struct registry *reg, bdtx_error *err)
{
    size_t i, n = 16;

    while (n < 2 * reg->count)
        n *= 2;
    reg->slots = calloc(n, sizeof *reg->slots);
    if (!reg->slots) {
        error_oom(err);
        return -1;
    }
    reg->nslots = n;
    for (i = 0; i < reg->count; i++) {
        size_t k = code_hash(reg->units[i].code) & (n - 1);

        while (reg->slots[k])
            k = (k + 1) & (n - 1);
        reg->slots[k] = i + 1;
    }
    return 0;
}

enum unit_kind registry_table_of(const struct registry *reg, long unit)
{
    const struct unit *u = &reg->units[unit];

    /* kind says it for the root and its children; below them a direct
     * unit is a school seen from the root, a direct unit from its province. */
    if (u->kind == UNIT_INNER)
        return UNIT_RANKED;
    if (u->kind == UNIT_SCHOOL && u->kind_text && strcmp(u->kind_text, "direct") == 0)
        return UNIT_DIRECT;
    return u->kind;
}

bool registry_has_level(const struct registry *reg, long unit)
{
    return reg->units[unit].has_level;
}

bool registry_within(const struct registry *reg, long unit, long ancestor)
{
    size_t steps = 0;

    /* The registry has no cycles (config_load checks it); the bound keeps a
     * damaged one from looping. */
    while (unit >= 0 && steps++ <= reg->count) {
        if (unit == ancestor)
            return true;
        unit = reg->units[unit].parent;
    }
    return false;
}

long registry_find(const struct registry *reg, const char *code)
{
    size_t lo = 0, hi = reg->count;

    if (reg->slots) {
        size_t k = code_hash(code) & (reg->nslots - 1);

        for (; reg->slots[k]; k = (k + 1) & (reg->nslots - 1))
            if (strcmp(reg->units[reg->slots[k] - 1].code, code) == 0)
                return (long)(reg->slots[k] - 1);
        return -1;
    }

    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = strcmp(reg->units[reg->by_code[mid]].code, code);

        if (c == 0)
            return (long)reg->by_code[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -1;
}

const char registry_kinds_text[] = "nation, province, phong, xa, direct, school";

static const char *const kind_names[] = {"nation", "province", "phong", "xa", "direct", "school"};

/* The kind as written, blanks around it and ASCII case aside; NULL when it
 * is none of SPEC section 5's. */
static const char *kind_known(const char *text)
{
    size_t i, len;

    while (*text == ' ' || *text == '\t')
        text++;
    len = strlen(text);
    while (len > 0 && (text[len - 1] == ' ' || text[len - 1] == '\t'))
        len--;
    for (i = 0; i < sizeof kind_names / sizeof kind_names[0]; i++)
        if (strlen(kind_names[i]) == len && strncasecmp(text, kind_names[i], len) == 0)
            return kind_names[i];
    return NULL;
}

static bool kind_is(const struct unit *u, const char *kind)
{
    return strcmp(u->kind_text, kind) == 0;
}

enum { COL_CODE, COL_NAME, COL_KIND, COL_PARENT };

/* The place of a problem in unit u's row: the registry file, the row, the
 * column (by its label in the file and its header name). */
static void place(bdtx_error *err, const struct registry *reg, const char *file,
                  const struct unit *u, int col)
{
    error_place(err, file, u ? u->row : 0, reg->column[col][0] ? reg->column[col] : NULL);
}

/* Resolves parents and kinds, builds the code index; checks the tree: kinds
 * known, codes unique, parents known, one root (a province or the nation),
 * provinces under a nation root, district offices and communes under a
 * province, direct units under a province or the nation, schools under a
 * district office or commune. */
static int registry_link(struct registry *reg, const char *file, bdtx_error *err)
{
    size_t i;

    reg->root = -1;
    for (i = 0; i < reg->count; i++) {
        struct unit *u = &reg->units[i];
        const char *kind = kind_known(u->kind_text);
        char *canonical;

        if (!kind) {
            error_set(err, BDTX_CONFIG, "unit %s: kind '%s' is not one of %s", u->code,
                      u->kind_text, registry_kinds_text);
            place(err, reg, file, u, COL_KIND);
            error_hint(err, "write one of these in the kind column (a school under a district "
                            "office or commune is 'school'; one directly under the Sở is "
                            "'direct')");
            return -1;
        }
        canonical = strdup(kind);
        if (!canonical) {
            error_oom(err);
            return -1;
        }
        free(u->kind_text);
        u->kind_text = canonical;
    }
    reg->by_code = malloc((reg->count ? reg->count : 1) * sizeof *reg->by_code);
    if (!reg->by_code) {
        error_oom(err);
        return -1;
    }
    for (i = 0; i < reg->count; i++)
        reg->by_code[i] = i;
    sort_reg = reg;
    qsort(reg->by_code, reg->count, sizeof *reg->by_code, cmp_code);
    for (i = 1; i < reg->count; i++) {
        const struct unit *a = &reg->units[reg->by_code[i - 1]];
        const struct unit *b = &reg->units[reg->by_code[i]];

        if (strcmp(a->code, b->code) != 0)
            continue;
        if (a->row > b->row) {
            const struct unit *t = a;

            a = b;
            b = t;
        }
        if (a->row > 0)
            error_set(err, BDTX_CONFIG, "unit code %s appears twice in the registry (row %ld "
                      "already has it)", b->code, a->row);
        else
            error_set(err, BDTX_CONFIG, "unit code %s appears twice in the registry", b->code);
        place(err, reg, file, b, COL_CODE);
        error_hint(err, "a code names one unit: correct one of the two codes, or remove the "
                        "repeated row");
        return -1;
    }
    if (registry_hash(reg, err) != 0)
        return -1;
    for (i = 0; i < reg->count; i++) {
        struct unit *u = &reg->units[i];

        if (!u->parent_code) {
            if (!kind_is(u, "province") && !kind_is(u, "nation")) {
                error_set(err, BDTX_CONFIG, "unit %s (kind %s) has no parent_code", u->code,
                          u->kind_text);
                place(err, reg, file, u, COL_PARENT);
                error_hint(err, "only the root (kind province or nation) has none: give the "
                                "code of the unit it belongs to");
                return -1;
            }
            if (reg->root >= 0) {
                error_set(err, BDTX_CONFIG, "units %s and %s both have no parent; "
                          "a registry has one root (the province)",
                          reg->units[reg->root].code, u->code);
                place(err, reg, file, u, COL_PARENT);
                error_hint(err, "give unit %s the code of its parent", u->code);
                return -1;
            }
            reg->root = (long)i;
            u->parent = -1;
            continue;
        }
        u->parent = registry_find(reg, u->parent_code);
        if (u->parent < 0) {
            error_set(err, BDTX_CONFIG, "unit %s names parent %s, which is not in the registry",
                      u->code, u->parent_code);
            place(err, reg, file, u, COL_PARENT);
            error_hint(err, "add unit %s to the registry, or give the code of a unit that is "
                            "in it", u->parent_code);
            return -1;
        }
    }
    if (reg->root < 0) {
        error_set(err, BDTX_CONFIG, "the registry has no root unit (the province, with no parent)");
        error_place(err, file, 0, NULL);
        error_hint(err, "add the province itself: kind province, parent_code empty");
        return -1;
    }
    for (i = 0; i < reg->count; i++) {
        struct unit *u = &reg->units[i];
        const struct unit *p = u->parent >= 0 ? &reg->units[u->parent] : NULL;
        const struct unit *root = &reg->units[reg->root];
        char want[160];

        if (kind_is(root, "province"))
            snprintf(want, sizeof want, "the province (%s)", root->code);
        else
            snprintf(want, sizeof want, "a province");
        if (!p) {
            u->kind = UNIT_ROOT;
            continue;
        }
        if (kind_is(u, "nation") ||
            (kind_is(u, "province") && (u->parent != reg->root || !kind_is(root, "nation")))) {
            error_set(err, BDTX_CONFIG, "unit %s has kind %s but a parent (%s); only the root "
                      "of the registry is of that kind, or a province directly under a "
                      "nation", u->code, u->kind_text, p->code);
            place(err, reg, file, u, COL_KIND);
            error_hint(err, "give it the kind it has under the root (phong, xa or direct)");
            return -1;
        }
        if (kind_is(u, "province"))
            continue;
        if ((kind_is(u, "phong") || kind_is(u, "xa")) && !kind_is(p, "province")) {
            error_set(err, BDTX_CONFIG, "%s unit %s must have %s as its parent, not %s",
                      u->kind_text, u->code, want, p->code);
            place(err, reg, file, u, COL_PARENT);
            error_hint(err, "set its parent_code to its province's code, or give it kind "
                            "school if it is a school under %s", p->code);
            return -1;
        }
        if (kind_is(u, "direct") && !kind_is(p, "province") && !kind_is(p, "nation")) {
            error_set(err, BDTX_CONFIG, "direct unit %s must have %s as its parent, not %s",
                      u->code, want, p->code);
            place(err, reg, file, u, COL_PARENT);
            error_hint(err, "set its parent_code to the code of the province (or nation) it "
                            "is directly under, or give it kind school if it is a school "
                            "under %s", p->code);
            return -1;
        }
        if (kind_is(u, "school") && !(kind_is(p, "phong") || kind_is(p, "xa"))) {
            error_set(err, BDTX_CONFIG, "school %s must sit under a unit of the ranked level "
                      "(kind phong or xa), not under %s (kind %s)", u->code, p->code,
                      p->kind_text);
            place(err, reg, file, u, COL_PARENT);
            error_hint(err, "set its parent_code to its district office or commune, or give "
                            "it kind direct if it is directly under the Sở");
            return -1;
        }
    }
    /* The checks above leave no cycle: school under phong or xa, those under
     * a province, a province under the nation root. */
    for (i = 0; i < reg->count; i++) {
        struct unit *u = &reg->units[i];
        long a;

        u->depth = 0;
        for (a = u->parent; a >= 0; a = reg->units[a].parent)
            u->depth++;
        if (u->depth == 0)
            continue;
        if (u->depth == 1)
            u->kind = kind_is(u, "direct") ? UNIT_DIRECT : UNIT_RANKED;
        else if (kind_is(u, "phong") || kind_is(u, "xa")) {
            u->kind = UNIT_INNER;
            reg->units[u->parent].has_level = true;
        } else
            u->kind = UNIT_SCHOOL;
    }
    return 0;
}

static char *dup_or_null(const char *s)
{
    return s && *s ? strdup(s) : NULL;
}

static int registry_add(struct registry *reg, size_t *cap, const char *code, const char *name,
                        const char *kind, const char *parent, const char *aliases,
                        bdtx_error *err)
{
    struct unit *u;

    if (reg->count == *cap) {
        size_t ncap = *cap ? *cap * 2 : 64;
        struct unit *grown = realloc(reg->units, ncap * sizeof *grown);

        if (!grown)
            goto oom;
        reg->units = grown;
        *cap = ncap;
    }
    u = &reg->units[reg->count];
    memset(u, 0, sizeof *u);
    u->code = strdup(code);
    u->name = text_nfc(name);
    u->kind_text = strdup(kind);
    u->parent_code = dup_or_null(parent);
    u->aliases = text_nfc(aliases ? aliases : "");
    reg->count++;
    if (!u->code || !u->name || !u->kind_text || !u->aliases || (parent && *parent && !u->parent_code))
        goto oom;
    return 0;
oom:
    error_oom(err);
    return -1;
}

static const char *cell(const struct sheet_row *row, long i)
{
    return i >= 0 && (size_t)i < row->ncells ? row->cells[i].text : "";
}

int registry_read_file(const char *path, struct registry *reg, bdtx_error *err)
{
    static const char *const names[] = {"code", "name", "kind", "parent_code", "aliases"};
    struct sheet_reader *r = NULL;
    struct sheet_row row;
    long col[5] = {-1, -1, -1, -1, -1};
    size_t cap = 0, i, j;
    int rc = -1, got;
    bool header = false;
    char codebuf[128], label[16];

    memset(reg, 0, sizeof *reg);
    if (sheet_open(path, NULL, &r, err) != 0) {
        err->code = BDTX_CONFIG;
        return -1;
    }
    while ((got = sheet_next(r, &row, err)) == 1) {
        if (!header) {
            for (i = 0; i < row.ncells; i++)
                for (j = 0; j < 5; j++)
                    if (strcmp(row.cells[i].text, names[j]) == 0)
                        col[j] = (long)i;
            for (j = 0; j < 4; j++)
                if (col[j] < 0) {
                    error_set(err, BDTX_CONFIG, "registry header lacks the column '%s' "
                              "(expected code,name,kind,parent_code[,aliases])", names[j]);
                    error_place(err, path, row.number, NULL);
                    goto done;
                }
            for (j = 0; j < 4; j++) {
                sheet_column_label(r, (size_t)col[j], label, sizeof label);
                snprintf(reg->column[j], sizeof reg->column[j], "%s", label);
            }
            header = true;
            continue;
        }
        if (!value_account_text(cell(&row, col[0]), codebuf, sizeof codebuf) || !codebuf[0]) {
            sheet_column_label(r, (size_t)col[0], label, sizeof label);
            error_set(err, BDTX_CONFIG, "unit code is empty or too long");
            error_place(err, path, row.number, label);
            goto done;
        }
        for (j = 1; j < 3; j++)
            if (!cell(&row, col[j])[0]) {
                sheet_column_label(r, (size_t)col[j], label, sizeof label);
                error_set(err, BDTX_CONFIG, "unit %s has no %s", codebuf, names[j]);
                error_place(err, path, row.number, label);
                if (j == 2)
                    error_hint(err, "write one of %s", registry_kinds_text);
                goto done;
            }
        if (registry_add(reg, &cap, codebuf, cell(&row, col[1]), cell(&row, col[2]),
                         cell(&row, col[3]), cell(&row, col[4]), err) != 0)
            goto done;
        reg->units[reg->count - 1].row = row.number;
    }
    if (got < 0) {
        err->code = BDTX_CONFIG;
        goto done;
    }
    if (!header || reg->count == 0) {
        error_set(err, BDTX_CONFIG, "the registry has no units");
        error_place(err, path, 0, NULL);
        goto done;
    }
    rc = registry_link(reg, path, err);
done:
    sheet_close(r);
    if (rc != 0)
        registry_release(reg);
    return rc;
}

/* The '|'-separated aliases as a text[] literal for COPY: every element
 * quoted, with its quotes and backslashes escaped. malloc'd. At most every
 * character doubles, and each '|' becomes three (",") : 3 * len + "{\"\"}" + NUL. */
static char *aliases_literal(const char *aliases)
{
    char *out = malloc(3 * strlen(aliases) + 6), *w = out;
    const char *p = aliases;

    if (!out)
        return NULL;
    *w++ = '{';
    while (*p) {
        if (w[-1] != '{')
            *w++ = ',';
        *w++ = '"';
        for (; *p && *p != '|'; p++) {
            if (*p == '"' || *p == '\\')
                *w++ = '\\';
            *w++ = *p;
        }
        *w++ = '"';
        if (*p == '|')
            p++;
    }
    *w++ = '}';
    *w = '\0';
    return out;
}

int registry_store(struct db *db, const char *province, const char *year,
                   const struct registry *reg, bdtx_error *err)
{
    const char *params[2] = {province, year};
    size_t i;

    if (db_exec(db, "DELETE FROM unit WHERE province_code = $1 AND school_year = $2",
                2, params, err) != 0)
        return -1;
    if (db_copy_begin(db, "COPY unit (province_code, school_year, code, name, kind, "
                          "parent_code, aliases) FROM STDIN", err) != 0)
        return -1;
    for (i = 0; i < reg->count; i++) {
        const struct unit *u = &reg->units[i];
        char *aliases = aliases_literal(u->aliases);
        const char *fields[7] = {province, year, u->code, u->name, u->kind_text,
                                 u->parent_code, aliases};
        int rc;

        if (!aliases) {
            error_oom(err);
            return -1;
        }
        rc = db_copy_row(db, fields, 7, err);
        free(aliases);
        if (rc != 0)
            return -1;
    }
    return db_copy_end(db, err);
}

int registry_load(struct db *db, const char *province, const char *year,
                  struct registry *reg, bdtx_error *err)
{
    const char *params[2] = {province, year};
    struct db_result *r = NULL;
    size_t cap = 0;
    int i, rc = -1;

    memset(reg, 0, sizeof *reg);
    if (db_query(db, "SELECT code, name, kind, parent_code, array_to_string(aliases, '|') "
                     "FROM unit WHERE province_code = $1 AND school_year = $2 ORDER BY code",
                 2, params, &r, err) != 0)
        return -1;
    for (i = 0; i < db_rows(r); i++)
        if (registry_add(reg, &cap, db_value(r, i, 0), db_value(r, i, 1), db_value(r, i, 2),
                         db_null(r, i, 3) ? NULL : db_value(r, i, 3), db_value(r, i, 4), err) != 0)
            goto done;
    rc = reg->count ? registry_link(reg, "unit registry in the database", err) : 0;
done:
    db_result_free(r);
    if (rc != 0)
        registry_release(reg);
    return rc;
}
