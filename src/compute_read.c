/* The reading half of the computation: what the database holds for a
 * report, read into plain C data (compute_internal.h): the counts of each
 * date as grids, and the lists the year's imports recorded. compute.c
 * computes the report from them. */
#include "bdtx/compute.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bdtx/db.h"
#include "compute_internal.h"
#include "history_sql.h"

/* The figures in force, their arrays as text ({1,0,3}): read as they are
 * stored, an index range of one date, and turned into the configured
 * modules here, where it costs nothing. O(units x roles), whatever the
 * number of learners. Their module list is FIGURES_MODULES_IN_FORCE_SQL's. */
static const char counts_sql[] =
    "SELECT unit_code, role, n, learners, completed, other, held::text, passed::text"
    "  FROM (" FIGURES_IN_FORCE_SQL ") f";

/* The same recomputed from the history over the configured modules ($4):
 * when no figures are kept up to the date, or those kept count pairs of a
 * module not configured (rule 10's people then differ). */
static const char counts_history_sql[] =
    "SELECT unit_code, role, n, learners, completed, other, held::text, passed::text"
    "  FROM (" FIGURES_FROM_HISTORY_SQL ") f";

/* Rule 3: the latest lms-units aggregate of each (unit, module, target) as
 * of the date. */
static const char aggregates_sql[] =
    "SELECT DISTINCT ON (a.unit_code, a.module, a.target) a.unit_code, a.module, a.target,"
    "  a.assigned, a.passed "
    "FROM lms_unit_count a JOIN import i ON i.id = a.import_id "
    "WHERE a.province_code = $1 AND a.school_year = $2 AND i.as_of <= $3 "
    "ORDER BY a.unit_code, a.module, a.target, i.as_of DESC, i.id DESC";

/* The trend: the figures in force at each of its days ($3, in order),
 * as pairs per unit, module and role: week (from 0), unit_code, module,
 * role, assigned, passed, in week order. The figures of one date per week,
 * not the pairs: O(units x weeks). Pairs do not depend on the configured
 * modules, so the kept ones serve whatever the configuration. */
static const char trend_sql[] =
    "DECLARE bdtx_trend NO SCROLL CURSOR FOR "
    "SELECT d.w - 1, f.unit_code, hd.modules[x.i], f.role, sum(x.h), sum(x.p) "
    "FROM unnest($3::date[]) WITH ORDINALITY d (day, w) "
    "CROSS JOIN LATERAL (SELECT as_of, modules FROM unit_figures"
    "  WHERE province_code = $1 AND school_year = $2 AND modules IS NOT NULL"
    "    AND as_of <= d.day ORDER BY as_of DESC LIMIT 1) hd "
    "JOIN unit_figures f ON f.province_code = $1 AND f.school_year = $2 AND f.as_of = hd.as_of"
    "  AND f.modules IS NULL "
    "CROSS JOIN LATERAL unnest(f.held, f.passed) WITH ORDINALITY x (h, p, i) "
    "WHERE x.h > 0 "
    "GROUP BY 1, 2, 3, 4 ORDER BY 1";

static const char temis_sql[] =
    "SELECT DISTINCT ON (t.unit_code, t.target) t.unit_code, t.target, t.total,"
    "  t.self_assessed, t.head_assessed "
    "FROM temis_unit_count t JOIN import i ON i.id = t.import_id "
    "WHERE t.province_code = $1 AND t.school_year = $2 AND i.as_of <= $3 "
    "ORDER BY t.unit_code, t.target, i.as_of DESC, i.id DESC";

static const char imports_sql[] =
    "SELECT file_name, source, as_of, rows, rejected FROM import "
    "WHERE province_code = $1 AND school_year = $2 AND as_of <= $3 "
    "ORDER BY as_of, id";

static const char rejections_sql[] =
    "SELECT i.file_name, r.row_number, r.col, r.reason "
    "FROM import_rejection r JOIN import i ON i.id = r.import_id "
    "WHERE i.province_code = $1 AND i.school_year = $2 AND i.as_of <= $3 "
    "ORDER BY i.as_of, i.id, r.row_number LIMIT $4::integer";

/* The unknown units: the text each rejected row named (import_rejection's
 * unit_text, set by the import and backfilled by migration 008 for older
 * rows), and how many rows named it. */
static const char unknown_units_sql[] =
    "SELECT r.unit_text, count(*) "
    "FROM import_rejection r JOIN import i ON i.id = r.import_id "
    "WHERE i.province_code = $1 AND i.school_year = $2 AND i.as_of <= $3 "
    "AND r.unit_text IS NOT NULL "
    "GROUP BY 1 ORDER BY 2 DESC, 1";

static const char duplicates_sql[] =
    "SELECT i.file_name, d.row_number, d.kept_row, d.account, d.module,"
    "  count(*) OVER () "
    "FROM import_duplicate d JOIN import i ON i.id = d.import_id "
    "WHERE i.province_code = $1 AND i.school_year = $2 AND i.as_of <= $3 "
    "ORDER BY i.as_of, i.id, d.row_number LIMIT $4::integer";

static const char conversions_sql[] =
    "SELECT i.file_name, c.encoding, c.cells "
    "FROM import_conversion c JOIN import i ON i.id = c.import_id "
    "WHERE i.province_code = $1 AND i.school_year = $2 AND i.as_of <= $3 "
    "ORDER BY i.as_of, i.id, c.encoding";

/* sql over rep's province $1, school year $2 and the date $3 (day), and
 * with nparams 4 the limit $4 (REPORT_MAX_REJECTIONS). */
static int query_at(struct db *db, const struct report *rep, bdtx_date day, const char *sql,
                    int nparams, struct db_result **r, bdtx_error *err)
{
    char date[11], limit[16];
    const char *params[4] = {rep->cfg->province.code, rep->year->id, date, limit};

    date_format_iso(day, date);
    snprintf(limit, sizeof limit, "%d", REPORT_MAX_REJECTIONS);
    return db_query(db, sql, nparams, params, r, err);
}

static int grid_init(struct compute_grid *g, const struct report *rep, bdtx_error *err)
{
    memset(g, 0, sizeof *g);
    g->nunits = rep->reg.count;
    g->nmodules = rep->year->nmodules;
    g->cells = calloc(g->nunits * g->nmodules + 1, sizeof *g->cells);
    g->people = calloc(g->nunits + 1, sizeof *g->people);
    if (!g->cells || !g->people) {
        error_oom(err);
        return -1;
    }
    return 0;
}

static void grid_release(struct compute_grid *g)
{
    free(g->cells);
    free(g->people);
    free(g->aggregates);
    memset(g, 0, sizeof *g);
}

/* The aggregates in force at day into g, replacing those it held; those of
 * a unit or module not known are left out. */
static int read_aggregates(struct db *db, const struct report *rep, bdtx_date day,
                           struct compute_grid *g, bdtx_error *err)
{
    struct db_result *r = NULL;
    int i;

    free(g->aggregates);
    g->aggregates = NULL;
    g->naggregates = 0;
    if (query_at(db, rep, day, aggregates_sql, 3, &r, err) != 0)
        return -1;
    g->aggregates = calloc((size_t)db_rows(r) + 1, sizeof *g->aggregates);
    if (!g->aggregates) {
        db_result_free(r);
        error_oom(err);
        return -1;
    }
    for (i = 0; i < db_rows(r); i++) {
        struct compute_aggregate *a = &g->aggregates[g->naggregates];
        long unit = registry_find(&rep->reg, db_value(r, i, 0));
        long m = config_module_index(rep->year, db_value(r, i, 1));

        if (unit < 0 || m < 0)
            continue;
        a->unit = unit;
        a->module = (size_t)m;
        a->cbql = strcmp(db_value(r, i, 2), "cbql") == 0;
        a->assigned = strtoll(db_value(r, i, 3), NULL, 10);
        a->passed = strtoll(db_value(r, i, 4), NULL, 10);
        g->naggregates++;
    }
    db_result_free(r);
    return 0;
}

/* The next element of a PostgreSQL one-dimensional text array's text
 * form (*p just after '{' or a ','), unquoted into buf (cap bytes, cut
 * when longer: no configured code is that long); false at its end. */
static bool array_next(const char **p, char *buf, size_t cap)
{
    const char *s = *p;
    size_t n = 0;
    bool quoted;

    if (*s == ',')
        s++;
    if (*s == '\0' || *s == '}')
        return false;
    quoted = *s == '"';
    if (quoted)
        s++;
    for (; *s; s++) {
        if (quoted && *s == '"') {
            s++;
            break;
        }
        if (!quoted && (*s == ',' || *s == '}'))
            break;
        if (*s == '\\' && s[1])
            s++;
        if (n + 1 < cap)
            buf[n++] = *s;
    }
    buf[n] = '\0';
    *p = s;
    return true;
}

/* The most modules a kept list may have to be read here; a longer one (a
 * year whose modules changed many times) is recomputed from the history. */
#define FIGURES_MAX_LIST 256

/* The configured module of each element of a module list's array text
 * into idx (-1: not configured); how many, or -1 when more than
 * FIGURES_MAX_LIST. */
static int list_modules(const struct config_year *year, const char *text, long *idx)
{
    const char *p = text;
    char code[256];
    int n = 0;

    if (*p == '{')
        p++;
    while (array_next(&p, code, sizeof code)) {
        if (n == FIGURES_MAX_LIST)
            return -1;
        idx[n++] = config_module_index(year, code);
    }
    return n;
}

/* An integer array's text ({1,0,3}) into v; how many, or -1 when it does
 * not have want elements. */
static int int_array(const char *text, int64_t *v, int want)
{
    const char *p = text;
    char *end;
    int n = 0;

    if (*p == '{')
        p++;
    while (*p && *p != '}') {
        if (n == want)
            return -1;
        v[n++] = strtoll(p, &end, 10);
        if (end == p)
            return -1;
        p = *end == ',' ? end + 1 : end;
    }
    return n == want ? n : -1;
}

/* The configured modules as a PostgreSQL array literal, each code quoted,
 * for counts_history_sql's $4; malloc'd, NULL when memory runs out. */
static char *configured_modules(const struct config_year *year)
{
    size_t cap = 3, m, k;
    char *out, *o;

    for (m = 0; m < year->nmodules; m++)
        cap += 2 * strlen(year->modules[m].code) + 3;
    out = o = malloc(cap);
    if (!out)
        return NULL;
    *o++ = '{';
    for (m = 0; m < year->nmodules; m++) {
        const char *c = year->modules[m].code;

        if (m > 0)
            *o++ = ',';
        *o++ = '"';
        for (k = 0; c[k]; k++) {
            if (c[k] == '"' || c[k] == '\\')
                *o++ = '\\';
            *o++ = c[k];
        }
        *o++ = '"';
    }
    *o++ = '}';
    *o = '\0';
    return out;
}

/* The rows of counts_sql or counts_history_sql (r) into g, their arrays
 * following the module list whose configured modules are idx (nlist).
 * False, g partly counted, when the rows cannot be read as configured: a
 * row counts pairs of a module not configured or of modules not listed
 * (its people figures are then not rule 10's for the configuration), or
 * its arrays are not as long as the list. With history (the list is the
 * configured modules), such pairs have nowhere to count instead. */
static bool count_rows(struct compute_grid *g, const struct report *rep,
                       const struct db_result *r, const long *idx, int nlist, bool history)
{
    int64_t held[FIGURES_MAX_LIST], passed[FIGURES_MAX_LIST];
    int i, j;

    for (i = 0; i < db_rows(r); i++) {
        long unit = registry_find(&rep->reg, db_value(r, i, 0));
        const char *role = db_value(r, i, 1);
        int64_t other = strtoll(db_value(r, i, 5), NULL, 10), pairs = other;

        if (int_array(db_value(r, i, 6), held, nlist) < 0 ||
            int_array(db_value(r, i, 7), passed, nlist) < 0)
            return false;
        for (j = 0; j < nlist; j++)
            if (idx[j] < 0)
                other += held[j];
        if (other > 0 && !history)
            return false;
        for (j = 0; j < nlist; j++)
            pairs += held[j];
        /* Pairs of a module no longer configured, or of learners whose
         * unit left the registry, have nowhere to count. */
        if (unit < 0) {
            g->unregistered += pairs;
            continue;
        }
        g->unregistered += other;
        for (j = 0; j < nlist; j++) {
            struct figures *c;

            if (idx[j] < 0 || held[j] == 0)
                continue;
            c = compute_grid_at(g, unit, (size_t)idx[j]);
            compute_count_pairs(c, role, held[j], passed[j]);
            compute_count_people(c, role, held[j], passed[j]);
        }
        compute_count_people(&g->people[unit], role, strtoll(db_value(r, i, 3), NULL, 10),
                     strtoll(db_value(r, i, 4), NULL, 10));
    }
    return true;
}

/* The counts of day into g from the history over the configured modules. */
static int read_history(struct db *db, const struct report *rep, bdtx_date day,
                        struct compute_grid *g, bdtx_error *err)
{
    char date[11], *modules = configured_modules(rep->year);
    const char *params[4] = {rep->cfg->province.code, rep->year->id, date, modules};
    long idx[CONFIG_MAX_MODULES + 1];
    struct db_result *r = NULL;
    size_t m;
    int rc = -1;

    if (!modules) {
        error_oom(err);
        return -1;
    }
    for (m = 0; m < rep->year->nmodules; m++)
        idx[m] = (long)m;
    date_format_iso(day, date);
    if (db_query(db, counts_history_sql, 4, params, &r, err) == 0) {
        count_rows(g, rep, r, idx, (int)rep->year->nmodules, true);
        rc = 0;
    }
    db_result_free(r);
    free(modules);
    return rc;
}

/* The grid of day: the pairs and the learners in force counted where their
 * learners are, and the aggregates in force. From the figures kept when
 * they can be read as configured, else from the history. */
static int read_week(struct db *db, const struct report *rep, bdtx_date day,
                     struct compute_grid *g, bdtx_error *err)
{
    struct db_result *m = NULL, *r = NULL;
    long idx[FIGURES_MAX_LIST];
    int nlist = -1, rc = -1;
    bool kept = false;

    if (grid_init(g, rep, err) != 0 ||
        query_at(db, rep, day, FIGURES_MODULES_IN_FORCE_SQL, 3, &m, err) != 0)
        goto done;
    if (db_rows(m) > 0)
        nlist = list_modules(rep->year, db_value(m, 0, 0), idx);
    if (nlist >= 0) {
        if (query_at(db, rep, day, counts_sql, 3, &r, err) != 0)
            goto done;
        kept = count_rows(g, rep, r, idx, nlist, false);
    }
    if (!kept) {
        grid_release(g);
        if (grid_init(g, rep, err) != 0 || read_history(db, rep, day, g, err) != 0)
            goto done;
    }
    rc = read_aggregates(db, rep, day, g, err);
done:
    db_result_free(r);
    db_result_free(m);
    return rc;
}

/* One list of what the year's imports recorded up to the report's date:
 * its query, the size of an element and how one result row fills one. */
enum row_read { ROW_KEPT, ROW_SKIPPED, ROW_NO_MEMORY };

struct list_query {
    const char *sql;
    int nparams;                     /* 3, or 4 with the limit */
    size_t size;
    enum row_read (*fill)(void *row, const struct db_result *r, int i, struct report *rep);
};

/* The rows of q into *rows (a new array) and their number into *n. Rows
 * read before memory ran out stay counted, for report_release. */
static int read_list(struct db *db, struct report *rep, const struct list_query *q, void **rows,
                     size_t *n, bdtx_error *err)
{
    struct db_result *r = NULL;
    int i, rc = -1;

    if (query_at(db, rep, rep->as_of, q->sql, q->nparams, &r, err) != 0)
        return -1;
    *rows = calloc((size_t)db_rows(r) + 1, q->size);
    if (!*rows)
        goto done;
    for (i = 0; i < db_rows(r); i++) {
        enum row_read got = q->fill((char *)*rows + *n * q->size, r, i, rep);

        if (got != ROW_SKIPPED)
            (*n)++;
        if (got == ROW_NO_MEMORY)
            goto done;
    }
    rc = 0;
done:
    db_result_free(r);
    if (rc != 0)
        error_oom(err);
    return rc;
}

static enum row_read fill_temis(void *row, const struct db_result *r, int i, struct report *rep)
{
    struct temis_row *t = row;

    t->unit = registry_find(&rep->reg, db_value(r, i, 0));
    if (t->unit < 0)
        return ROW_SKIPPED;
    t->target = strcmp(db_value(r, i, 1), "gv") == 0 ? "gv" : "cbql";
    t->total = strtoll(db_value(r, i, 2), NULL, 10);
    t->self_assessed = strtoll(db_value(r, i, 3), NULL, 10);
    t->has_head = !db_null(r, i, 4);
    t->head_assessed = t->has_head ? strtoll(db_value(r, i, 4), NULL, 10) : 0;
    return ROW_KEPT;
}

static enum row_read fill_import(void *row, const struct db_result *r, int i, struct report *rep)
{
    struct import_row *im = row;

    (void)rep;
    im->file = strdup(db_value(r, i, 0));
    im->source = strdup(db_value(r, i, 1));
    snprintf(im->as_of, sizeof im->as_of, "%s", db_value(r, i, 2));
    im->rows = strtol(db_value(r, i, 3), NULL, 10);
    im->rejected = strtol(db_value(r, i, 4), NULL, 10);
    return im->file && im->source ? ROW_KEPT : ROW_NO_MEMORY;
}

static enum row_read fill_rejection(void *row, const struct db_result *r, int i,
                                    struct report *rep)
{
    struct rejection_row *x = row;

    (void)rep;
    x->file = strdup(db_value(r, i, 0));
    x->row = strtol(db_value(r, i, 1), NULL, 10);
    x->column = strdup(db_value(r, i, 2));
    x->reason = strdup(db_value(r, i, 3));
    return x->file && x->column && x->reason ? ROW_KEPT : ROW_NO_MEMORY;
}

static enum row_read fill_unknown_unit(void *row, const struct db_result *r, int i,
                                       struct report *rep)
{
    struct unknown_unit *u = row;

    (void)rep;
    u->name = strdup(db_null(r, i, 0) ? "" : db_value(r, i, 0));
    u->rows = strtol(db_value(r, i, 1), NULL, 10);
    return u->name ? ROW_KEPT : ROW_NO_MEMORY;
}

static enum row_read fill_duplicate(void *row, const struct db_result *r, int i,
                                    struct report *rep)
{
    struct duplicate_row *d = row;

    d->file = strdup(db_value(r, i, 0));
    d->row = strtol(db_value(r, i, 1), NULL, 10);
    d->kept_row = strtol(db_value(r, i, 2), NULL, 10);
    d->account = strdup(db_value(r, i, 3));
    d->module = strdup(db_value(r, i, 4));
    rep->duplicates_total = strtoll(db_value(r, i, 5), NULL, 10);
    return d->file && d->account && d->module ? ROW_KEPT : ROW_NO_MEMORY;
}

static enum row_read fill_conversion(void *row, const struct db_result *r, int i,
                                     struct report *rep)
{
    struct conversion_row *c = row;

    (void)rep;
    c->file = strdup(db_value(r, i, 0));
    c->encoding = strdup(db_value(r, i, 1));
    c->cells = strtol(db_value(r, i, 2), NULL, 10);
    return c->file && c->encoding ? ROW_KEPT : ROW_NO_MEMORY;
}

static const struct list_query temis_list = {
    temis_sql, 3, sizeof(struct temis_row), fill_temis};
static const struct list_query imports_list = {
    imports_sql, 3, sizeof(struct import_row), fill_import};
static const struct list_query rejections_list = {
    rejections_sql, 4, sizeof(struct rejection_row), fill_rejection};
static const struct list_query unknown_units_list = {
    unknown_units_sql, 3, sizeof(struct unknown_unit), fill_unknown_unit};
/* Duplicates and legacy-encoding conversions recorded by the imports used. */
static const struct list_query duplicates_list = {
    duplicates_sql, 4, sizeof(struct duplicate_row), fill_duplicate};
static const struct list_query conversions_list = {
    conversions_sql, 3, sizeof(struct conversion_row), fill_conversion};

/* The TEMIS figures and every list the imports recorded, into rep. */
static int read_lists(struct db *db, struct report *rep, bdtx_error *err)
{
    void *temis = NULL, *imports = NULL, *rejections = NULL, *unknown = NULL;
    void *duplicates = NULL, *conversions = NULL;
    int rc = read_list(db, rep, &temis_list, &temis, &rep->ntemis, err) != 0 ||
             read_list(db, rep, &imports_list, &imports, &rep->nimports, err) != 0 ||
             read_list(db, rep, &rejections_list, &rejections, &rep->nrejections, err) != 0 ||
             read_list(db, rep, &unknown_units_list, &unknown, &rep->nunknown_units, err) != 0 ||
             read_list(db, rep, &duplicates_list, &duplicates, &rep->nduplicates, err) != 0 ||
             read_list(db, rep, &conversions_list, &conversions, &rep->nconversions, err) != 0
                 ? -1 : 0;

    rep->temis = temis;
    rep->imports = imports;
    rep->rejections = rejections;
    rep->unknown_units = unknown;
    rep->duplicates = duplicates;
    rep->conversions = conversions;
    return rc;
}

static int count_learners(struct db *db, struct report *rep, bdtx_error *err)
{
    struct db_result *r = NULL;

    /* Every learner in force counts in the kept figures, one with no pair
     * too, whatever the modules; from the history when none are kept. */
    if (query_at(db, rep, rep->as_of,
                 "SELECT CASE WHEN EXISTS (" FIGURES_MODULES_IN_FORCE_SQL ")"
                 "  THEN (SELECT coalesce(sum(n), 0) FROM (" FIGURES_IN_FORCE_SQL ") f)"
                 "  ELSE (SELECT count(*) FROM (" LEARNERS_IN_FORCE_SQL ") l) END",
                 3, &r, err) != 0)
        return -1;
    rep->learners = strtoll(db_value(r, 0, 0), NULL, 10);
    db_result_free(r);
    return 0;
}

/* Rule 12: the grid at the start of the pace's weeks, then the progress
 * of every unit against the deadlines. */
static int read_progress(struct db *db, struct report *rep, bdtx_error *err)
{
    struct compute_grid base = {0};
    bdtx_date day;
    int nweeks, rc;

    if (!compute_pace_window(rep, &day, &nweeks))
        return 0;
    rep->pace_base = day;
    rc = nweeks > 0 ? read_week(db, rep, day, &base, err) : grid_init(&base, rep, err);
    if (rc == 0)
        rc = compute_progress(rep, &base, nweeks, err);
    grid_release(&base);
    return rc;
}

int compute_report(struct db *db, const struct config *cfg, const struct config_year *year,
                   bdtx_date as_of, struct report *rep, bdtx_error *err)
{
    struct compute_grid now = {0}, prev = {0};
    int rc = -1;

    memset(rep, 0, sizeof *rep);
    rep->cfg = cfg;
    rep->year = year;
    rep->as_of = as_of;
    rep->generated_at = (int64_t)time(NULL);
    rep->generated_offset = time_zone_offset((time_t)rep->generated_at, cfg->province.timezone);
    date_iso_week(as_of, &rep->iso_year, &rep->week);
    if (registry_load(db, cfg->province.code, year->id, &rep->reg, err) != 0)
        goto done;
    if (rep->reg.count == 0) {
        error_set(err, BDTX_CONFIG, "no unit registry is stored for school year %s", year->id);
        error_hint(err, "run: bdtx units import %s --year %s", year->units_path, year->id);
        goto done;
    }
    /* The learners list of a workbook reads the year's history, sorting
     * millions of rows for a nation: the default 4 MB sends those sorts to
     * disk. This session only reads. */
    if (db_exec(db, "SET work_mem = '64MB'", 0, NULL, err) != 0 ||
        read_week(db, rep, as_of, &now, err) != 0 ||
        read_week(db, rep, as_of - 7, &prev, err) != 0 || read_lists(db, rep, err) != 0 ||
        count_learners(db, rep, err) != 0 || compute_build(rep, &now, &prev, err) != 0 ||
        read_progress(db, rep, err) != 0)
        goto done;
    rc = 0;
done:
    grid_release(&now);
    grid_release(&prev);
    if (rc != 0)
        report_release(rep);
    return rc;
}

/* The year's first as-of on or before the report's: 0, or 1 when none. */
static int first_as_of(struct db *db, const struct report *rep, bdtx_date *out, bdtx_error *err)
{
    struct db_result *r = NULL;
    int rc = 0;

    if (query_at(db, rep, rep->as_of,
                 "SELECT min(as_of) FROM import "
                 "WHERE province_code = $1 AND school_year = $2 AND as_of <= $3",
                 3, &r, err) != 0)
        return -1;
    if (db_null(r, 0, 0) || !value_parse_date(db_value(r, 0, 0), out))
        rc = 1;
    db_result_free(r);
    return rc;
}

/* The trend's weeks up to (not including) week `upto`: the first from the
 * counts read into acc, any after it with none (no figures at its day),
 * each with the aggregates in force at its Sunday. acc is emptied for the
 * next week's counts. */
static int trend_weeks_upto(struct db *db, struct report *rep, size_t upto, size_t *w,
                            struct compute_grid *acc, struct figures *rolled, bdtx_error *err)
{
    for (; *w < upto && *w < rep->trend.nweeks; (*w)++) {
        if (read_aggregates(db, rep, rep->trend.days[*w], acc, err) != 0 ||
            compute_trend_week(rep, *w, acc, rolled, err) != 0)
            return -1;
        memset(acc->cells, 0, acc->nunits * acc->nmodules * sizeof *acc->cells);
    }
    return 0;
}

/* One batch of the cursor's rows (r; more: whether rows may follow) into
 * acc, each week completed as the rows pass it. */
static int trend_batch(struct db *db, struct report *rep, const struct db_result *r, bool more,
                       size_t *w, struct compute_grid *acc, struct figures *rolled,
                       bdtx_error *err)
{
    int i;

    for (i = 0; i < db_rows(r); i++) {
        size_t rw = (size_t)strtoul(db_value(r, i, 0), NULL, 10);
        long unit, m;

        if (trend_weeks_upto(db, rep, rw, w, acc, rolled, err) != 0)
            return -1;
        unit = registry_find(&rep->reg, db_value(r, i, 1));
        m = config_module_index(rep->year, db_value(r, i, 2));
        if (unit < 0 || m < 0)
            continue;
        compute_count_pairs(compute_grid_at(acc, unit, (size_t)m), db_value(r, i, 3),
                    strtoll(db_value(r, i, 4), NULL, 10), strtoll(db_value(r, i, 5), NULL, 10));
    }
    return trend_weeks_upto(db, rep, more ? *w : rep->trend.nweeks, w, acc, rolled, err);
}

/* The trend's days as a PostgreSQL array literal ({2020-09-06,...}) for
 * trend_sql's $3; malloc'd, NULL when memory runs out. */
static char *days_array(const struct trend *t)
{
    char *out = malloc(t->nweeks * 11 + 3), *o = out;
    size_t w;

    if (!out)
        return NULL;
    *o++ = '{';
    for (w = 0; w < t->nweeks; w++) {
        if (w > 0)
            *o++ = ',';
        date_format_iso(t->days[w], o);
        o += strlen(o);
    }
    *o++ = '}';
    *o = '\0';
    return out;
}

static int trend_by_figures(struct db *db, struct report *rep, bdtx_error *err)
{
    struct trend *t = &rep->trend;
    char *days = days_array(t);
    const char *params[3] = {rep->cfg->province.code, rep->year->id, days};
    struct compute_grid acc = {0};
    struct figures *rolled = NULL;
    struct db_result *r = NULL;
    size_t w = 0;
    int rc = -1;
    bool own = false, declared = false, more = true;

    if (!days) {
        error_oom(err);
        return -1;
    }
    if (grid_init(&acc, rep, err) != 0)
        goto done;
    rolled = calloc(acc.nunits * acc.nmodules + 1, sizeof *rolled);
    if (!rolled) {
        error_oom(err);
        goto done;
    }
    /* The cursor needs a transaction: the caller's (a report's snapshot)
     * when there is one, else its own. */
    if (!db_in_transaction(db)) {
        if (db_begin(db, err) != 0)
            goto done;
        own = true;
    }
    if (db_exec(db, trend_sql, 3, params, err) != 0)
        goto done;
    declared = true;
    /* Rows come in week order, fetched in batches so that memory stays
     * bounded; before applying a later week's rows, the weeks up to it are
     * complete. */
    while (more) {
        if (db_query(db, "FETCH 10000 FROM bdtx_trend", 0, NULL, &r, err) != 0)
            goto done;
        more = db_rows(r) > 0;
        if (trend_batch(db, rep, r, more, &w, &acc, rolled, err) != 0)
            goto done;
        db_result_free(r);
        r = NULL;
    }
    rc = 0;
done:
    db_result_free(r);
    if (own)
        db_rollback(db);
    else if (declared && rc == 0 && db_exec(db, "CLOSE bdtx_trend", 0, NULL, err) != 0)
        rc = -1;     /* on failure the caller rolls its transaction back */
    grid_release(&acc);
    free(rolled);
    free(days);
    return rc;
}

int compute_trend(struct db *db, struct report *rep, bdtx_error *err)
{
    bdtx_date first = 0;
    int rc;

    if (rep->trend.nweeks > 0)
        return 0;
    rc = first_as_of(db, rep, &first, err);
    if (rc > 0) {
        first = rep->as_of;
        rc = 0;
    }
    /* Every week from the first import of the year to the report's date,
     * each as of its Sunday (the report's own date for the last one). */
    if (rc == 0)
        rc = compute_trend_layout(rep, first, err);
    if (rc == 0 && !compute_trend_kept(rep))
        rc = trend_by_figures(db, rep, err);
    free(rep->grid_now);
    free(rep->grid_prev);
    free(rep->people_now);
    free(rep->people_prev);
    rep->grid_now = rep->grid_prev = NULL;
    rep->people_now = rep->people_prev = NULL;
    return rc;
}
