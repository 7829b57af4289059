/* The per-unit exports: temis-units (a unit's teachers or managers and how
 * many assessed themselves), lms-units (a unit's learners assigned and
 * passed in one module) and temis-people (one person a row, counted per
 * unit). One loop reads them all; each kind says what it copies into and
 * what one of its rows becomes. */
#include "import_internal.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bdtx/text.h"

#define UNIT_FIELDS 8

/* The texts a row's fields point into, alive until the row is sent. */
struct row_text {
    char num[3][24];
    char account[256];
};

struct unit_loader {
    enum source_kind source;
    /* Before the COPY begins (a target to decide, a table to create); or NULL. */
    int (*begin)(struct import_ctx *c, const struct sheet_row *header, bdtx_error *err);
    const char *copy_sql;
    int nfields;
    /* A data row's fields: 1 when filled, 0 when the row is skipped (a
     * totals row, or rejected with its reason), -1 on error. */
    int (*row)(struct import_ctx *c, const struct sheet_row *row, const char **fields,
               struct row_text *t, bdtx_error *err);
    /* After the COPY; or NULL. */
    int (*end)(struct import_ctx *c, bdtx_error *err);
};

/* Reads a count cell; records a rejection and returns 1 when it is not one. */
static int count_of(struct import_ctx *c, const struct sheet_row *row, enum field f,
                    bool required, char *buf, size_t cap, bdtx_error *err)
{
    const char *text = import_cell_text(row, c->map.col[f]);
    int64_t v;
    char shown[128];

    if (c->map.col[f] < 0 || (!required && text_blank(text))) {
        buf[0] = '\0';
        return 0;
    }
    /* A number cell's point is a decimal point: thousands separators are
     * read in text only ("1.242" typed as text is 1242; the number 1.242
     * is not a count). */
    if (!(import_cell_numeric(row, c->map.col[f]) ? value_parse_int(text, &v) && v >= 0
                                                  : value_parse_count(text, &v)) ||
        v > INT32_MAX) {
        import_quote_value(text, shown, sizeof shown);
        if (import_reject(c, row->number, c->map.col[f], err, "'%s' is not a count",
                          shown) != 0)
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
    int rc;

    if (import_is_totals_row(row, c->map.col[F_UNIT_CODE] >= 0 ? c->map.col[F_UNIT_CODE]
                                                               : c->map.col[F_UNIT_NAME]))
        return 0;
    if ((rc = import_uncached_cell(c, row, err)) != 0)
        return rc < 0 ? -1 : 0;
    if (import_unit_of(c, row, unit, err) != 0)
        return -1;
    return c->nrejections > before ? 0 : 1;
}

static int temis_begin(struct import_ctx *c, const struct sheet_row *header, bdtx_error *err)
{
    return import_decide_target(c, header, err);
}

/* temis-units: one unit's total and assessed for the file's target. */
static int temis_row(struct import_ctx *c, const struct sheet_row *row, const char **fields,
                     struct row_text *t, bdtx_error *err)
{
    long unit;
    int bad = 0, rc;

    if ((rc = unit_row(c, row, &unit, err)) <= 0)
        return rc;
    if ((rc = count_of(c, row, F_TOTAL, true, t->num[0], sizeof t->num[0], err)) < 0)
        return -1;
    bad |= rc;
    if ((rc = count_of(c, row, F_SELF_ASSESSED, true, t->num[1], sizeof t->num[1], err)) < 0)
        return -1;
    bad |= rc;
    if ((rc = count_of(c, row, F_HEAD_ASSESSED, false, t->num[2], sizeof t->num[2], err)) < 0)
        return -1;
    bad |= rc;
    if (bad)
        return 0;
    fields[0] = c->cfg->province.code;
    fields[1] = c->year->id;
    fields[2] = c->id;
    fields[3] = c->reg.units[unit].code;
    fields[4] = import_role_text(c->target);
    fields[5] = t->num[0];
    fields[6] = t->num[1];
    fields[7] = t->num[2][0] ? t->num[2] : NULL;
    return 1;
}

/* lms-units: one unit's assigned and passed for the file's module and
 * target; the percent column, when there, is the platform's own rounding
 * and is not used. */
static int lms_row(struct import_ctx *c, const struct sheet_row *row, const char **fields,
                   struct row_text *t, bdtx_error *err)
{
    char shown[160];
    long unit;
    int bad = 0, rc;

    if ((rc = unit_row(c, row, &unit, err)) <= 0)
        return rc;
    if ((rc = count_of(c, row, F_ASSIGNED, true, t->num[0], sizeof t->num[0], err)) < 0)
        return -1;
    bad |= rc;
    if ((rc = count_of(c, row, F_PASSED, true, t->num[1], sizeof t->num[1], err)) < 0)
        return -1;
    bad |= rc;
    if (bad)
        return 0;
    if (strtol(t->num[1], NULL, 10) > strtol(t->num[0], NULL, 10)) {
        snprintf(shown, sizeof shown, "%s passed of %s assigned", t->num[1], t->num[0]);
        return import_reject(c, row->number, c->map.col[F_PASSED], err,
                             "more passed than assigned (%s)", shown);
    }
    fields[0] = c->cfg->province.code;
    fields[1] = c->year->id;
    fields[2] = c->id;
    fields[3] = c->reg.units[unit].code;
    fields[4] = c->module;
    fields[5] = import_role_text(c->target);
    fields[6] = t->num[0];
    fields[7] = t->num[1];
    return 1;
}

/* The unit a person counts in for TEMIS: the ranked-level or direct unit
 * at or above the unit the row names, as temis-units exports count them. */
static long top_unit(const struct registry *reg, long unit)
{
    while (unit >= 0 && reg->units[unit].parent >= 0 && reg->units[unit].parent != reg->root)
        unit = reg->units[unit].parent;
    return unit;
}

/* A temis-people cell: 1 or 0, or -1 after a rejection (or -2 on an error:
 * see err). */
static int assessed_of(struct import_ctx *c, const struct sheet_row *row, enum field f,
                       bdtx_error *err)
{
    const char *text = import_cell_text(row, c->map.col[f]);
    char shown[128];
    int v = vocab_assessed(text);

    if (v >= 0)
        return v;
    import_quote_value(text, shown, sizeof shown);
    if (import_reject(c, row->number, c->map.col[f], err, "unknown TEMIS status '%s'",
                      shown) != 0)
        return -2;
    return -1;
}

/* temis-people: one row per person, counted per unit and target into
 * temis_unit_count (people_end), so a report reads them as it reads
 * temis-units. The target is the person's role where the file has a role
 * column. */
static int people_begin(struct import_ctx *c, const struct sheet_row *header, bdtx_error *err)
{
    if (c->map.col[F_ROLE] < 0 && import_decide_target(c, header, err) != 0)
        return -1;
    return db_exec(c->db, "CREATE TEMP TABLE stage_temis_person (seq integer, account text, "
                          "unit_code text, target text, self boolean, head boolean) "
                          "ON COMMIT DROP", 0, NULL, err);
}

/* The person's role from the role column, else the file's target: 0, or
 * -1 after a rejection (or -2 on an error: see err). */
static int person_role(struct import_ctx *c, const struct sheet_row *row, enum role *role,
                       bdtx_error *err)
{
    long col = c->map.col[F_ROLE];
    char shown[128];

    *role = c->target;
    if (col < 0)
        return 0;
    *role = vocab_role(import_cell_text(row, col));
    if (*role != ROLE_UNKNOWN)
        return 0;
    import_quote_value(import_cell_text(row, col), shown, sizeof shown);
    return import_reject(c, row->number, col, err, "role '%s' is neither GV nor CBQL",
                         shown) != 0 ? -2 : -1;
}

static int people_row(struct import_ctx *c, const struct sheet_row *row, const char **fields,
                      struct row_text *t, bdtx_error *err)
{
    const long *col = c->map.col;
    long key_col = col[F_ACCOUNT] >= 0 ? col[F_ACCOUNT] : col[F_MOET_ID];
    char shown[128];
    enum role role;
    long unit;
    size_t before = c->nrejections;
    int self, head = -1, rc;

    if (import_is_totals_row(row, key_col))
        return 0;
    if ((rc = import_account_cell(c, row, key_col, t->account, sizeof t->account, err)) != 0)
        return rc < 0 ? -1 : 0;
    if (import_unit_of(c, row, &unit, err) != 0)
        return -1;
    if (c->nrejections > before)
        return 0;
    if ((rc = person_role(c, row, &role, err)) < 0)
        return rc == -2 ? -1 : 0;
    if (col[F_RATING] >= 0 && vocab_rating(import_cell_text(row, col[F_RATING])) < 0) {
        import_quote_value(import_cell_text(row, col[F_RATING]), shown, sizeof shown);
        return import_reject(c, row->number, col[F_RATING], err, "unknown rating '%s' (Tốt, "
                             "Khá, Đạt or Chưa đạt)", shown);
    }
    /* Without a status column, a rating says the self-assessment is done. */
    self = assessed_of(c, row, col[F_SELF_STATUS] >= 0 ? F_SELF_STATUS : F_RATING, err);
    if (self == -2)
        return -1;
    if (col[F_HEAD_STATUS] >= 0 && self >= 0)
        head = assessed_of(c, row, F_HEAD_STATUS, err);
    if (head == -2)
        return -1;
    if (self < 0 || (col[F_HEAD_STATUS] >= 0 && head < 0))
        return 0;
    snprintf(t->num[0], sizeof t->num[0], "%ld", row->number);
    fields[0] = t->num[0];
    fields[1] = t->account;
    fields[2] = c->reg.units[top_unit(&c->reg, unit)].code;
    fields[3] = import_role_text(role);
    fields[4] = self ? "t" : "f";
    fields[5] = head < 0 ? NULL : head ? "t" : "f";
    return 1;
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

static int people_end(struct import_ctx *c, bdtx_error *err)
{
    const char *params[3] = {c->cfg->province.code, c->year->id, c->id};

    return c->rows > 0 ? db_exec(c->db, temis_people_counts, 3, params, err) : 0;
}

static const struct unit_loader loaders[] = {
    {SOURCE_TEMIS_UNITS, temis_begin,
     "COPY temis_unit_count (province_code, school_year, import_id, unit_code, target, total, "
     "self_assessed, head_assessed) FROM STDIN", 8, temis_row, NULL},
    {SOURCE_LMS_UNITS, NULL,
     "COPY lms_unit_count (province_code, school_year, import_id, unit_code, module, target, "
     "assigned, passed) FROM STDIN", 8, lms_row, NULL},
    {SOURCE_TEMIS_PEOPLE, people_begin, "COPY stage_temis_person FROM STDIN", 6, people_row,
     people_end},
};

int import_unit_rows(struct import_ctx *c, const struct sheet_row *header, bdtx_error *err)
{
    const struct unit_loader *l = &loaders[0];
    const char *fields[UNIT_FIELDS];
    struct sheet_row row;
    struct row_text t;
    size_t i;
    int got, rc;

    for (i = 0; i < sizeof loaders / sizeof loaders[0]; i++)
        if (loaders[i].source == c->source)
            l = &loaders[i];
    if ((l->begin && l->begin(c, header, err) != 0) ||
        db_copy_begin(c->db, l->copy_sql, err) != 0)
        return -1;
    while ((got = import_next_row(c, &row, err)) == 1) {
        if ((rc = l->row(c, &row, fields, &t, err)) < 0)
            return -1;
        if (rc == 0)
            continue;
        if (db_copy_row(c->db, fields, l->nfields, err) != 0)
            return -1;
        c->rows++;
    }
    if (got < 0 || db_copy_end(c->db, err) != 0)
        return -1;
    return l->end ? l->end(c, err) : 0;
}
