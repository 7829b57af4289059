#include "bdtx/compute.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "history_sql.h"

/* Figures per (unit, module) as of one date: an array of
 * reg.count * (nmodules) cells, each already rolled up the hierarchy. */
struct grid {
    struct figures *cells;
    size_t nunits, nmodules;
};

static struct figures *grid_at(const struct grid *g, long unit, size_t module)
{
    return &g->cells[(size_t)unit * g->nmodules + module];
}

double compute_rate(int64_t passed, int64_t assigned)
{
    return assigned > 0 ? (double)passed / (double)assigned : 0.0;
}

int compute_group(const struct config_group *groups, size_t ngroups,
                  int64_t passed, int64_t assigned)
{
    size_t i;

    if (assigned <= 0)
        return -1;
    /* passed / assigned >= min_centi / 10000, without floating point. */
    for (i = 0; i < ngroups; i++)
        if (passed * 10000 >= (int64_t)groups[i].min_centi * assigned)
            return (int)i;
    return -1;
}

static const struct registry *rank_reg;

/* Compares passed/assigned of a and b exactly: <0 when a's rate is higher. */
static int cmp_rate(const struct figures *a, const struct figures *b)
{
    int64_t l = a->passed * b->assigned, r = b->passed * a->assigned;

    return l > r ? -1 : l < r ? 1 : 0;
}

static int cmp_rows(const void *pa, const void *pb)
{
    const struct rank_row *a = pa, *b = pb;
    int c;

    if ((a->f.assigned > 0) != (b->f.assigned > 0))
        return a->f.assigned > 0 ? -1 : 1;
    if (a->f.assigned > 0) {
        c = cmp_rate(&a->f, &b->f);
        if (c != 0)
            return c;
        if (a->f.assigned != b->f.assigned)
            return a->f.assigned > b->f.assigned ? -1 : 1;
    }
    return strcmp(rank_reg->units[a->unit].code, rank_reg->units[b->unit].code);
}

void compute_rank(struct rank_row *rows, size_t n, const struct registry *reg)
{
    size_t i;

    rank_reg = reg;
    qsort(rows, n, sizeof *rows, cmp_rows);
    for (i = 0; i < n; i++) {
        if (rows[i].f.assigned <= 0)
            rows[i].rank = 0;
        else if (i > 0 && rows[i - 1].f.assigned > 0 && cmp_rate(&rows[i].f, &rows[i - 1].f) == 0)
            rows[i].rank = rows[i - 1].rank;
        else
            rows[i].rank = (int)i + 1;
    }
}

static void figures_add(struct figures *to, const struct figures *f)
{
    to->gv_assigned += f->gv_assigned;
    to->gv_passed += f->gv_passed;
    to->cbql_assigned += f->cbql_assigned;
    to->cbql_passed += f->cbql_passed;
    to->assigned += f->assigned;
    to->passed += f->passed;
}

/* Rule 1: the latest version of each learner and of each (learner, module)
 * as of the date (history_sql.h); rule 2: counted per school, module and
 * role. */
static const char counts_sql[] =
    HISTORY_IN_FORCE_SQL
    "SELECT lv.unit_code, pv.module, coalesce(lv.role, ''), count(*),"
    "  count(*) FILTER (WHERE pv.state = 2) "
    "FROM pv JOIN lv USING (learner_id) "
    "GROUP BY 1, 2, 3";

/* Rule 3: the latest lms-units aggregate of each (unit, module, target) as
 * of the date. */
static const char unit_counts_sql[] =
    "SELECT DISTINCT ON (a.unit_code, a.module, a.target) a.unit_code, a.module, a.target,"
    "  a.assigned, a.passed "
    "FROM lms_unit_count a JOIN import i ON i.id = a.import_id "
    "WHERE a.province_code = $1 AND a.school_year = $2 AND i.as_of <= $3 "
    "ORDER BY a.unit_code, a.module, a.target, i.as_of DESC, i.id DESC";

struct agg_order {
    int depth, row;
};

static int cmp_agg_order(const void *pa, const void *pb)
{
    const struct agg_order *a = pa, *b = pb;

    return a->depth != b->depth ? b->depth - a->depth : a->row - b->row;
}

/* An aggregate counts for a unit with no learner rows for its module at or
 * below it, and no aggregate of the same target below it already counted
 * (deepest units first), so nothing is counted twice. */
static int grid_add_unit_counts(struct db *db, const char *const params[3],
                                const struct config_year *year, const struct registry *reg,
                                struct grid *g, bdtx_error *err)
{
    struct db_result *r = NULL;
    struct agg_order *order = NULL;
    bool *learners = NULL, *covered = NULL;
    size_t cells = g->nunits * g->nmodules, k;
    int i, n, rc = -1;

    if (db_query(db, unit_counts_sql, 3, params, &r, err) != 0)
        return -1;
    n = db_rows(r);
    if (n == 0) {
        rc = 0;
        goto done;
    }
    order = calloc((size_t)n, sizeof *order);
    learners = calloc(cells + 1, sizeof *learners);
    covered = calloc(2 * cells + 1, sizeof *covered);
    if (!order || !learners || !covered) {
        error_set(err, BDTX_SOFTWARE, "out of memory");
        goto done;
    }
    for (k = 0; k < cells; k++)
        learners[k] = g->cells[k].assigned > 0;
    for (i = 0; i < n; i++) {
        long u = registry_find(reg, db_value(r, i, 0));

        order[i].row = i;
        for (order[i].depth = 0; u >= 0; u = reg->units[u].parent)
            order[i].depth++;
    }
    qsort(order, (size_t)n, sizeof *order, cmp_agg_order);
    for (i = 0; i < n; i++) {
        int row = order[i].row;
        long unit = registry_find(reg, db_value(r, row, 0));
        long m = config_module_index(year, db_value(r, row, 1));
        size_t t = strcmp(db_value(r, row, 2), "cbql") == 0;
        struct figures f;

        if (unit < 0 || m < 0 || learners[(size_t)unit * g->nmodules + (size_t)m] ||
            covered[((size_t)unit * g->nmodules + (size_t)m) * 2 + t])
            continue;
        memset(&f, 0, sizeof f);
        f.assigned = strtoll(db_value(r, row, 3), NULL, 10);
        f.passed = strtoll(db_value(r, row, 4), NULL, 10);
        if (t) {
            f.cbql_assigned = f.assigned;
            f.cbql_passed = f.passed;
        } else {
            f.gv_assigned = f.assigned;
            f.gv_passed = f.passed;
        }
        for (; unit >= 0; unit = reg->units[unit].parent) {
            figures_add(grid_at(g, unit, (size_t)m), &f);
            covered[((size_t)unit * g->nmodules + (size_t)m) * 2 + t] = true;
        }
    }
    rc = 0;
done:
    free(order);
    free(learners);
    free(covered);
    db_result_free(r);
    return rc;
}

static int grid_fill(struct db *db, const struct config *cfg, const struct config_year *year,
                     const struct registry *reg, bdtx_date day, struct grid *g,
                     int64_t *learner_modules, int64_t *unregistered, bdtx_error *err)
{
    char date[11];
    const char *params[3] = {cfg->province.code, year->id, date};
    struct db_result *r = NULL;
    int i;

    g->nunits = reg->count;
    g->nmodules = year->nmodules;
    g->cells = calloc(g->nunits * g->nmodules + 1, sizeof *g->cells);
    if (!g->cells) {
        error_set(err, BDTX_SOFTWARE, "out of memory");
        return -1;
    }
    date_format_iso(day, date);
    if (db_query(db, counts_sql, 3, params, &r, err) != 0)
        return -1;
    *learner_modules = 0;
    if (unregistered)
        *unregistered = 0;
    for (i = 0; i < db_rows(r); i++) {
        long unit = registry_find(reg, db_value(r, i, 0));
        long m = config_module_index(year, db_value(r, i, 1));
        const char *role = db_value(r, i, 2);
        struct figures f;

        /* A learner whose unit left the registry, or a module no longer
         * configured, has nowhere to count. */
        if (unit < 0 || m < 0) {
            if (unregistered)
                *unregistered += strtoll(db_value(r, i, 3), NULL, 10);
            continue;
        }
        memset(&f, 0, sizeof f);
        f.assigned = strtoll(db_value(r, i, 3), NULL, 10);
        f.passed = strtoll(db_value(r, i, 4), NULL, 10);
        if (strcmp(role, "gv") == 0) {
            f.gv_assigned = f.assigned;
            f.gv_passed = f.passed;
        } else if (strcmp(role, "cbql") == 0) {
            f.cbql_assigned = f.assigned;
            f.cbql_passed = f.passed;
        }
        *learner_modules += f.assigned;
        for (; unit >= 0; unit = reg->units[unit].parent)
            figures_add(grid_at(g, unit, (size_t)m), &f);
    }
    db_result_free(r);
    return grid_add_unit_counts(db, params, year, reg, g, err);
}

static struct figures figures_of(const struct grid *g, long unit, const char *module,
                                 const struct config_year *year)
{
    struct figures f;
    size_t m;

    memset(&f, 0, sizeof f);
    if (module)
        return *grid_at(g, unit, (size_t)config_module_index(year, module));
    for (m = 0; m < g->nmodules; m++)
        figures_add(&f, grid_at(g, unit, m));
    return f;
}

/* Rule 8: Δ in percentage points, rounded to hundredths; none when either
 * week has nothing assigned. */
static bool delta_of(const struct figures *now, const struct figures *before, double *out)
{
    double d;

    if (now->assigned <= 0 || before->assigned <= 0)
        return false;
    d = (compute_rate(now->passed, now->assigned) -
         compute_rate(before->passed, before->assigned)) * 100.0;
    *out = round(d * 100.0) / 100.0;
    if (*out == 0.0)
        *out = 0.0;   /* no "-0" */
    return true;
}

static int build_ranking(struct report *rep, const struct grid *now, const struct grid *prev,
                         const char *module, enum unit_kind kind, struct ranking *out,
                         bdtx_error *err)
{
    size_t i, n = 0;

    memset(out, 0, sizeof *out);
    snprintf(out->scope, sizeof out->scope, "%s%s", module ? "module:" : "overall",
             module ? module : "");
    out->module = module;
    out->kind = kind;
    out->rows = calloc(rep->reg.count + 1, sizeof *out->rows);
    if (!out->rows) {
        error_set(err, BDTX_SOFTWARE, "out of memory");
        return -1;
    }
    for (i = 0; i < rep->reg.count; i++) {
        struct rank_row *row;
        struct figures before;

        if (rep->reg.units[i].kind != kind)
            continue;
        row = &out->rows[n++];
        row->unit = (long)i;
        row->f = figures_of(now, (long)i, module, rep->year);
        row->group = compute_group(rep->year->groups, rep->year->ngroups, row->f.passed,
                                   row->f.assigned);
        before = figures_of(prev, (long)i, module, rep->year);
        row->has_delta = delta_of(&row->f, &before, &row->delta_pp);
    }
    out->nrows = n;
    compute_rank(out->rows, n, &rep->reg);
    return 0;
}

static int cmp_school(const void *pa, const void *pb)
{
    const struct rank_row *a = pa, *b = pb;
    int c = strcmp(rank_reg->units[rank_reg->units[a->unit].parent].code,
                   rank_reg->units[rank_reg->units[b->unit].parent].code);

    return c != 0 ? c : cmp_rows(pa, pb);
}

/* Every school (and every unit directly under the Sở, itself a school),
 * ranked within its parent. */
static int build_schools(struct report *rep, const struct grid *now, bdtx_error *err)
{
    size_t i, n = 0, start;

    rep->schools = calloc(rep->reg.count + 1, sizeof *rep->schools);
    if (!rep->schools) {
        error_set(err, BDTX_SOFTWARE, "out of memory");
        return -1;
    }
    for (i = 0; i < rep->reg.count; i++) {
        struct rank_row *row;

        if (rep->reg.units[i].kind != UNIT_SCHOOL && rep->reg.units[i].kind != UNIT_DIRECT)
            continue;
        row = &rep->schools[n++];
        row->unit = (long)i;
        row->f = figures_of(now, (long)i, NULL, rep->year);
        row->group = compute_group(rep->year->groups, rep->year->ngroups, row->f.passed,
                                   row->f.assigned);
    }
    rep->nschools = n;
    rank_reg = &rep->reg;
    qsort(rep->schools, n, sizeof *rep->schools, cmp_school);
    for (start = 0; start < n;) {
        size_t end = start;
        long parent = rep->reg.units[rep->schools[start].unit].parent;

        while (end < n && rep->reg.units[rep->schools[end].unit].parent == parent)
            end++;
        compute_rank(rep->schools + start, end - start, &rep->reg);
        start = end;
    }
    return 0;
}

static const char temis_sql[] =
    "SELECT DISTINCT ON (t.unit_code, t.target) t.unit_code, t.target, t.total,"
    "  t.self_assessed, t.head_assessed "
    "FROM temis_unit_count t JOIN import i ON i.id = t.import_id "
    "WHERE t.province_code = $1 AND t.school_year = $2 AND i.as_of <= $3 "
    "ORDER BY t.unit_code, t.target, i.as_of DESC, i.id DESC";

static int load_temis(struct db *db, struct report *rep, bdtx_error *err)
{
    char date[11];
    const char *params[3] = {rep->cfg->province.code, rep->year->id, date};
    struct db_result *r = NULL;
    int i;

    date_format_iso(rep->as_of, date);
    if (db_query(db, temis_sql, 3, params, &r, err) != 0)
        return -1;
    rep->temis = calloc((size_t)db_rows(r) + 1, sizeof *rep->temis);
    if (!rep->temis) {
        db_result_free(r);
        error_set(err, BDTX_SOFTWARE, "out of memory");
        return -1;
    }
    for (i = 0; i < db_rows(r); i++) {
        struct temis_row *t = &rep->temis[rep->ntemis];

        t->unit = registry_find(&rep->reg, db_value(r, i, 0));
        if (t->unit < 0)
            continue;
        t->target = strcmp(db_value(r, i, 1), "gv") == 0 ? "gv" : "cbql";
        t->total = strtoll(db_value(r, i, 2), NULL, 10);
        t->self_assessed = strtoll(db_value(r, i, 3), NULL, 10);
        t->has_head = !db_null(r, i, 4);
        t->head_assessed = t->has_head ? strtoll(db_value(r, i, 4), NULL, 10) : 0;
        rep->ntemis++;
    }
    db_result_free(r);
    return 0;
}

static int load_imports(struct db *db, struct report *rep, bdtx_error *err)
{
    char date[11];
    const char *params[3] = {rep->cfg->province.code, rep->year->id, date};
    struct db_result *r = NULL;
    int i;

    date_format_iso(rep->as_of, date);
    if (db_query(db, "SELECT file_name, source, as_of, rows, rejected FROM import "
                     "WHERE province_code = $1 AND school_year = $2 AND as_of <= $3 "
                     "ORDER BY as_of, id", 3, params, &r, err) != 0)
        return -1;
    rep->imports = calloc((size_t)db_rows(r) + 1, sizeof *rep->imports);
    if (!rep->imports) {
        db_result_free(r);
        error_set(err, BDTX_SOFTWARE, "out of memory");
        return -1;
    }
    for (i = 0; i < db_rows(r); i++) {
        struct import_row *im = &rep->imports[i];

        im->file = strdup(db_value(r, i, 0));
        im->source = strdup(db_value(r, i, 1));
        snprintf(im->as_of, sizeof im->as_of, "%s", db_value(r, i, 2));
        im->rows = strtol(db_value(r, i, 3), NULL, 10);
        im->rejected = strtol(db_value(r, i, 4), NULL, 10);
        rep->nimports++;
        if (!im->file || !im->source) {
            db_result_free(r);
            error_set(err, BDTX_SOFTWARE, "out of memory");
            return -1;
        }
    }
    db_result_free(r);
    return 0;
}

static int count_learners(struct db *db, struct report *rep, bdtx_error *err)
{
    char date[11];
    const char *params[3] = {rep->cfg->province.code, rep->year->id, date};
    struct db_result *r = NULL;

    date_format_iso(rep->as_of, date);
    if (db_query(db, "SELECT count(DISTINCT learner_id) FROM learner_version "
                     "WHERE province_code = $1 AND school_year = $2 AND as_of <= $3",
                 3, params, &r, err) != 0)
        return -1;
    rep->learners = strtoll(db_value(r, 0, 0), NULL, 10);
    db_result_free(r);
    return 0;
}

/* The year's first as-of on or before the report's: 0, or 1 when none. */
static int first_as_of(struct db *db, const struct report *rep, bdtx_date *out, bdtx_error *err)
{
    char date[11];
    const char *params[3] = {rep->cfg->province.code, rep->year->id, date};
    struct db_result *r = NULL;
    int rc = 0;

    date_format_iso(rep->as_of, date);
    if (db_query(db, "SELECT min(as_of) FROM import "
                     "WHERE province_code = $1 AND school_year = $2 AND as_of <= $3",
                 3, params, &r, err) != 0)
        return -1;
    if (db_null(r, 0, 0) || !value_parse_date(db_value(r, 0, 0), out))
        rc = 1;
    db_result_free(r);
    return rc;
}

static void trend_week(struct report *rep, size_t w, const struct grid *g)
{
    size_t u;

    rep->trend.province[w] = figures_of(g, rep->reg.root, NULL, rep->year);
    for (u = 0; u < rep->trend.nunits; u++)
        rep->trend.cells[w * rep->trend.nunits + u] =
            figures_of(g, rep->trend.units[u], NULL, rep->year);
}
/* The trend in one pass over the history rather than one per week: every
 * stretch of time in which a (learner, module) pair kept its state and its
 * learner kept unit and role covers a run of the trend's Sundays; it adds
 * to the counts at the first and takes away after the last. Summed in week
 * order, the counts at each Sunday are those rule 1 gives as of that day.
 * $4 is the first Sunday, $5 the number of weeks. */
static const char trend_events_sql[] =
    "DECLARE bdtx_trend NO SCROLL CURSOR FOR "
    "WITH lv AS ("
    "  SELECT learner_id, unit_code, coalesce(role, '') AS role, as_of,"
    "    coalesce(lead(as_of) OVER (PARTITION BY learner_id ORDER BY as_of),"
    "             $3::date + 1) AS until"
    "  FROM learner_version"
    "  WHERE province_code = $1 AND school_year = $2 AND as_of <= $3"
    "), pv AS ("
    "  SELECT learner_id, module, state, as_of,"
    "    coalesce(lead(as_of) OVER (PARTITION BY learner_id, module ORDER BY as_of),"
    "             $3::date + 1) AS until"
    "  FROM progress_version"
    "  WHERE province_code = $1 AND school_year = $2 AND as_of <= $3"
    "), seg AS ("
    "  SELECT lv.unit_code, pv.module, lv.role, (pv.state = 2)::int AS passed,"
    "    greatest(0, (greatest(pv.as_of, lv.as_of) - $4::date + 6) / 7) AS first_w,"
    "    least($5::int, (least(pv.until, lv.until) - $4::date + 6) / 7) AS end_w"
    "  FROM pv JOIN lv ON lv.learner_id = pv.learner_id"
    "    AND lv.as_of < pv.until AND pv.as_of < lv.until"
    "), ev AS ("
    "  SELECT first_w AS w, unit_code, module, role, 1 AS da, passed AS dp"
    "  FROM seg WHERE first_w < end_w"
    "  UNION ALL"
    "  SELECT end_w, unit_code, module, role, -1, -passed"
    "  FROM seg WHERE first_w < end_w AND end_w < $5::int"
    ") "
    "SELECT w, unit_code, module, role, sum(da), sum(dp) FROM ev "
    "GROUP BY 1, 2, 3, 4 HAVING sum(da) <> 0 OR sum(dp) <> 0 ORDER BY 1";

/* Counts per (unit where the learners are, module, role) as the weeks go. */
struct trend_acc {
    struct figures *cells;          /* reg.count * nmodules */
};

static void trend_acc_add(struct figures *c, const char *role, int64_t da, int64_t dp)
{
    c->assigned += da;
    c->passed += dp;
    if (strcmp(role, "gv") == 0) {
        c->gv_assigned += da;
        c->gv_passed += dp;
    } else if (strcmp(role, "cbql") == 0) {
        c->cbql_assigned += da;
        c->cbql_passed += dp;
    }
}

/* The grid of one week from the accumulated counts: rolled up the
 * hierarchy, then rule 3's aggregates, as grid_fill does. */
static int trend_grid(struct db *db, struct report *rep, const struct figures *acc,
                      bdtx_date day, struct grid *g, bdtx_error *err)
{
    char date[11];
    const char *params[3] = {rep->cfg->province.code, rep->year->id, date};
    size_t u, m;

    memset(g->cells, 0, g->nunits * g->nmodules * sizeof *g->cells);
    for (u = 0; u < g->nunits; u++)
        for (m = 0; m < g->nmodules; m++) {
            const struct figures *f = &acc[u * g->nmodules + m];
            long up;

            if (f->assigned == 0 && f->passed == 0)
                continue;
            for (up = (long)u; up >= 0; up = rep->reg.units[up].parent)
                figures_add(grid_at(g, up, m), f);
        }
    date_format_iso(day, date);
    return grid_add_unit_counts(db, params, rep->year, &rep->reg, g, err);
}

static int trend_by_events(struct db *db, struct report *rep, bdtx_error *err)
{
    struct trend *t = &rep->trend;
    char last[11], first[11], weeks[16];
    const char *params[5] = {rep->cfg->province.code, rep->year->id, last, first, weeks};
    struct figures *acc = NULL;
    struct grid g = {0};
    struct db_result *r = NULL;
    size_t w = 0, cells = rep->reg.count * rep->year->nmodules;
    int i, rc = -1;
    bool own = false, declared = false, more = true;

    date_format_iso(t->days[t->nweeks - 1], last);
    date_format_iso(t->days[0], first);
    snprintf(weeks, sizeof weeks, "%zu", t->nweeks);
    g.nunits = rep->reg.count;
    g.nmodules = rep->year->nmodules;
    g.cells = calloc(cells + 1, sizeof *g.cells);
    acc = calloc(cells + 1, sizeof *acc);
    if (!g.cells || !acc) {
        error_set(err, BDTX_SOFTWARE, "out of memory");
        goto done;
    }
    /* The cursor needs a transaction: the caller's (a report's snapshot)
     * when there is one, else its own. */
    if (!db_in_transaction(db)) {
        if (db_begin(db, err) != 0)
            goto done;
        own = true;
    }
    if (db_exec(db, trend_events_sql, 5, params, err) != 0)
        goto done;
    declared = true;
    /* Rows come in week order, fetched in batches so that memory stays
     * bounded; before applying a later week's rows, the weeks up to it are
     * complete. */
    while (more) {
        if (db_query(db, "FETCH 10000 FROM bdtx_trend", 0, NULL, &r, err) != 0)
            goto done;
        more = db_rows(r) > 0;
        for (i = 0; i <= db_rows(r); i++) {
            size_t rw = i < db_rows(r) ? (size_t)strtoul(db_value(r, i, 0), NULL, 10)
                                       : (more ? w : t->nweeks);
            long unit;
            long m;

            for (; w < rw && w < t->nweeks; w++) {
                if (trend_grid(db, rep, acc, t->days[w], &g, err) != 0)
                    goto done;
                trend_week(rep, w, &g);
            }
            if (i == db_rows(r))
                break;
            unit = registry_find(&rep->reg, db_value(r, i, 1));
            m = config_module_index(rep->year, db_value(r, i, 2));
            if (unit < 0 || m < 0)
                continue;
            trend_acc_add(&acc[(size_t)unit * g.nmodules + (size_t)m], db_value(r, i, 3),
                          strtoll(db_value(r, i, 4), NULL, 10),
                          strtoll(db_value(r, i, 5), NULL, 10));
        }
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
    free(g.cells);
    free(acc);
    return rc;
}

/* Every week from the first import of the year to the report's date, each
 * as of its Sunday (the report's own date for the last one). */
static int build_trend(struct db *db, struct report *rep, const struct grid *now,
                       const struct grid *prev, bdtx_error *err)
{
    struct trend *t = &rep->trend;
    bdtx_date first = 0, start;
    size_t k, n, i, nranked;
    int rc = first_as_of(db, rep, &first, err);

    if (rc < 0)
        return -1;
    if (rc > 0)
        first = rep->as_of;
    start = first > rep->year->start ? first : rep->year->start;
    n = rep->as_of >= start ? (size_t)((rep->as_of - start) / 7) + 1 : 1;
    nranked = rep->nrankings >= 2 ? rep->rankings[0].nrows : 0;
    t->nunits = rep->nrankings >= 2 ? nranked + rep->rankings[1].nrows : 0;
    t->days = calloc(n, sizeof *t->days);
    t->units = calloc(t->nunits + 1, sizeof *t->units);
    t->cells = calloc(n * t->nunits + 1, sizeof *t->cells);
    t->province = calloc(n, sizeof *t->province);
    if (!t->days || !t->units || !t->cells || !t->province) {
        error_set(err, BDTX_SOFTWARE, "out of memory");
        return -1;
    }
    t->nweeks = n;
    for (i = 0; i < t->nunits; i++)
        t->units[i] = i < nranked ? rep->rankings[0].rows[i].unit
                                  : rep->rankings[1].rows[i - nranked].unit;
    for (k = 0; k < n; k++)
        t->days[n - 1 - k] = rep->as_of - (bdtx_date)(7 * k);
    /* A trend of one or two weeks is the report's own date and the week
     * before it: their grids are those of the report and its Δ, already
     * computed (given when compute_report kept them). */
    if (now && (n == 1 || (n == 2 && prev))) {
        trend_week(rep, n - 1, now);
        if (n == 2)
            trend_week(rep, 0, prev);
        return 0;
    }
    return trend_by_events(db, rep, err);
}

/* What the imports of rep's year up to its date recorded: sql over
 * province $1, school year $2 and date $3, and with nparams 4 the limit $4
 * (REPORT_MAX_REJECTIONS). */
static int query_recorded(struct db *db, const struct report *rep, const char *sql,
                          int nparams, struct db_result **r, bdtx_error *err)
{
    char date[11], limit[16];
    const char *params[4] = {rep->cfg->province.code, rep->year->id, date, limit};

    date_format_iso(rep->as_of, date);
    snprintf(limit, sizeof limit, "%d", REPORT_MAX_REJECTIONS);
    return db_query(db, sql, nparams, params, r, err);
}

static int load_rejections(struct db *db, struct report *rep, bdtx_error *err)
{
    struct db_result *r = NULL;
    int i;

    if (query_recorded(db, rep,
                       "SELECT i.file_name, r.row_number, r.col, r.reason "
                       "FROM import_rejection r JOIN import i ON i.id = r.import_id "
                       "WHERE i.province_code = $1 AND i.school_year = $2 AND i.as_of <= $3 "
                       "ORDER BY i.as_of, i.id, r.row_number LIMIT $4::integer",
                       4, &r, err) != 0)
        return -1;
    rep->rejections = calloc((size_t)db_rows(r) + 1, sizeof *rep->rejections);
    if (!rep->rejections)
        goto oom;
    for (i = 0; i < db_rows(r); i++) {
        struct rejection_row *x = &rep->rejections[i];

        x->file = strdup(db_value(r, i, 0));
        x->row = strtol(db_value(r, i, 1), NULL, 10);
        x->column = strdup(db_value(r, i, 2));
        x->reason = strdup(db_value(r, i, 3));
        rep->nrejections++;
        if (!x->file || !x->column || !x->reason)
            goto oom;
    }
    db_result_free(r);
    r = NULL;
    /* The unknown units, from the reasons the import wrote for them
     * ("unknown unit code 'X'", "unknown unit 'X'"). */
    if (query_recorded(db, rep,
                       "SELECT substring(r.reason FROM chr(39) || '(.*)' || chr(39)), count(*) "
                       "FROM import_rejection r JOIN import i ON i.id = r.import_id "
                       "WHERE i.province_code = $1 AND i.school_year = $2 AND i.as_of <= $3 "
                       "AND r.reason LIKE 'unknown unit %' "
                       "GROUP BY 1 ORDER BY 2 DESC, 1",
                       3, &r, err) != 0)
        return -1;
    rep->unknown_units = calloc((size_t)db_rows(r) + 1, sizeof *rep->unknown_units);
    if (!rep->unknown_units)
        goto oom;
    for (i = 0; i < db_rows(r); i++) {
        struct unknown_unit *u = &rep->unknown_units[i];

        u->name = strdup(db_null(r, i, 0) ? "" : db_value(r, i, 0));
        u->rows = strtol(db_value(r, i, 1), NULL, 10);
        rep->nunknown_units++;
        if (!u->name)
            goto oom;
    }
    db_result_free(r);
    return 0;
oom:
    db_result_free(r);
    error_set(err, BDTX_SOFTWARE, "out of memory");
    return -1;
}

/* Duplicates and legacy-encoding conversions recorded by the imports used. */
static int load_duplicates(struct db *db, struct report *rep, bdtx_error *err)
{
    struct db_result *r = NULL;
    int i;

    if (query_recorded(db, rep,
                       "SELECT i.file_name, d.row_number, d.kept_row, d.account, d.module,"
                       "  count(*) OVER () "
                       "FROM import_duplicate d JOIN import i ON i.id = d.import_id "
                       "WHERE i.province_code = $1 AND i.school_year = $2 AND i.as_of <= $3 "
                       "ORDER BY i.as_of, i.id, d.row_number LIMIT $4::integer",
                       4, &r, err) != 0)
        return -1;
    rep->duplicates = calloc((size_t)db_rows(r) + 1, sizeof *rep->duplicates);
    if (!rep->duplicates)
        goto oom;
    for (i = 0; i < db_rows(r); i++) {
        struct duplicate_row *d = &rep->duplicates[i];

        d->file = strdup(db_value(r, i, 0));
        d->row = strtol(db_value(r, i, 1), NULL, 10);
        d->kept_row = strtol(db_value(r, i, 2), NULL, 10);
        d->account = strdup(db_value(r, i, 3));
        d->module = strdup(db_value(r, i, 4));
        rep->duplicates_total = strtoll(db_value(r, i, 5), NULL, 10);
        rep->nduplicates++;
        if (!d->file || !d->account || !d->module)
            goto oom;
    }
    db_result_free(r);
    r = NULL;
    if (query_recorded(db, rep,
                       "SELECT i.file_name, c.encoding, c.cells "
                       "FROM import_conversion c JOIN import i ON i.id = c.import_id "
                       "WHERE i.province_code = $1 AND i.school_year = $2 AND i.as_of <= $3 "
                       "ORDER BY i.as_of, i.id, c.encoding",
                       3, &r, err) != 0)
        return -1;
    rep->conversions = calloc((size_t)db_rows(r) + 1, sizeof *rep->conversions);
    if (!rep->conversions)
        goto oom;
    for (i = 0; i < db_rows(r); i++) {
        struct conversion_row *c = &rep->conversions[i];

        c->file = strdup(db_value(r, i, 0));
        c->encoding = strdup(db_value(r, i, 1));
        c->cells = strtol(db_value(r, i, 2), NULL, 10);
        rep->nconversions++;
        if (!c->file || !c->encoding)
            goto oom;
    }
    db_result_free(r);
    return 0;
oom:
    db_result_free(r);
    error_set(err, BDTX_SOFTWARE, "out of memory");
    return -1;
}

static void warn(struct report *rep, enum report_warning_kind kind, int64_t count, bdtx_date day)
{
    size_t cap = sizeof rep->warnings / sizeof rep->warnings[0];

    if (rep->nwarnings < cap) {
        rep->warnings[rep->nwarnings].kind = kind;
        rep->warnings[rep->nwarnings].count = count;
        rep->warnings[rep->nwarnings].day = day;
        rep->nwarnings++;
    }
}

static void build_warnings(struct report *rep, int64_t unregistered, int64_t prev_assigned)
{
    bdtx_date latest = 0, d;
    int64_t rejected = 0, empty = 0;
    size_t i, j;

    for (i = 0; i < rep->nimports; i++) {
        rejected += rep->imports[i].rejected;
        if (strcmp(rep->imports[i].source, "lms-learners") == 0 &&
            value_parse_date(rep->imports[i].as_of, &d) && d > latest)
            latest = d;
    }
    rep->rejections_total = rejected;
    if (latest <= rep->as_of - 7)
        warn(rep, WARN_NO_IMPORT_THIS_WEEK, 0, latest);
    if (prev_assigned == 0)
        warn(rep, WARN_NO_PREVIOUS_WEEK, 0, 0);
    if (rejected > 0)
        warn(rep, WARN_REJECTED_ROWS, rejected, 0);
    if (unregistered > 0)
        warn(rep, WARN_UNREGISTERED_LEARNERS, unregistered, 0);
    for (i = 0; i < 2 && i < rep->nrankings; i++)
        for (j = 0; j < rep->rankings[i].nrows; j++)
            if (rep->rankings[i].rows[j].f.assigned == 0)
                empty++;
    if (empty > 0)
        warn(rep, WARN_UNITS_WITHOUT_LEARNERS, empty, 0);
    if (rejected > (int64_t)rep->nrejections)
        warn(rep, WARN_REJECTIONS_CUT, (int64_t)rep->nrejections, 0);
    if (rep->duplicates_total > 0)
        warn(rep, WARN_DUPLICATES, rep->duplicates_total, 0);
}

int compute_report(struct db *db, const struct config *cfg, const struct config_year *year,
                   bdtx_date as_of, struct report *rep, bdtx_error *err)
{
    struct grid now = {0}, prev = {0};
    int64_t prev_pairs, unregistered = 0;
    size_t m;
    int k, rc = -1;

    memset(rep, 0, sizeof *rep);
    rep->cfg = cfg;
    rep->year = year;
    rep->as_of = as_of;
    rep->generated_at = (int64_t)time(NULL);
    date_iso_week(as_of, &rep->iso_year, &rep->week);
    if (registry_load(db, cfg->province.code, year->id, &rep->reg, err) != 0)
        goto done;
    if (rep->reg.count == 0) {
        error_set(err, BDTX_CONFIG, "no unit registry is stored for school year %s", year->id);
        error_hint(err, "run: bdtx units import %s --year %s", year->units_path, year->id);
        goto done;
    }
    /* The latest version of every pair is found by sorting the year's
     * history: a national year has millions of rows, and the default 4 MB
     * sends those sorts to disk. This session only reads. */
    if (db_exec(db, "SET work_mem = '64MB'", 0, NULL, err) != 0)
        goto done;
    if (grid_fill(db, cfg, year, &rep->reg, as_of, &now, &rep->learner_modules,
                  &unregistered, err) != 0 ||
        grid_fill(db, cfg, year, &rep->reg, as_of - 7, &prev, &prev_pairs, NULL, err) != 0)
        goto done;
    rep->rankings = calloc(2 * (year->nmodules + 1), sizeof *rep->rankings);
    if (!rep->rankings) {
        error_set(err, BDTX_SOFTWARE, "out of memory");
        goto done;
    }
    for (m = 0; m <= year->nmodules; m++) {
        const char *module = m == 0 ? NULL : year->modules[m - 1].code;

        for (k = 0; k < 2; k++) {
            rep->nrankings++;
            if (build_ranking(rep, &now, &prev, module, k == 0 ? UNIT_RANKED : UNIT_DIRECT,
                              &rep->rankings[rep->nrankings - 1], err) != 0)
                goto done;
        }
    }
    rep->total = figures_of(&now, rep->reg.root, NULL, year);
    rep->total_group = compute_group(year->groups, year->ngroups, rep->total.passed,
                                     rep->total.assigned);
    {
        struct figures before = figures_of(&prev, rep->reg.root, NULL, year);

        rep->total_has_delta = delta_of(&rep->total, &before, &rep->total_delta_pp);
    }
    rep->module_totals = calloc(year->nmodules + 1, sizeof *rep->module_totals);
    if (!rep->module_totals) {
        error_set(err, BDTX_SOFTWARE, "out of memory");
        goto done;
    }
    for (m = 0; m < year->nmodules; m++) {
        struct scope_total *t = &rep->module_totals[m];
        struct figures before = figures_of(&prev, rep->reg.root, year->modules[m].code, year);

        t->f = figures_of(&now, rep->reg.root, year->modules[m].code, year);
        t->group = compute_group(year->groups, year->ngroups, t->f.passed, t->f.assigned);
        t->has_delta = delta_of(&t->f, &before, &t->delta_pp);
    }
    if (build_schools(rep, &now, err) != 0 || load_temis(db, rep, err) != 0 ||
        load_imports(db, rep, err) != 0 || count_learners(db, rep, err) != 0 ||
        load_rejections(db, rep, err) != 0 ||
        load_duplicates(db, rep, err) != 0)
        goto done;
    build_warnings(rep, unregistered, figures_of(&prev, rep->reg.root, NULL, year).assigned);
    rep->grid_now = now.cells;
    rep->grid_prev = prev.cells;
    now.cells = prev.cells = NULL;
    rc = 0;
done:
    free(now.cells);
    free(prev.cells);
    if (rc != 0)
        report_release(rep);
    return rc;
}

int compute_trend(struct db *db, struct report *rep, bdtx_error *err)
{
    struct grid now = {rep->grid_now, rep->reg.count, rep->year->nmodules};
    struct grid prev = {rep->grid_prev, rep->reg.count, rep->year->nmodules};
    int rc;

    if (rep->trend.nweeks > 0)
        return 0;
    rc = build_trend(db, rep, now.cells ? &now : NULL, prev.cells ? &prev : NULL, err);
    free(rep->grid_now);
    free(rep->grid_prev);
    rep->grid_now = rep->grid_prev = NULL;
    return rc;
}

void report_release(struct report *rep)
{
    size_t i;

    for (i = 0; i < rep->nrankings; i++)
        free(rep->rankings[i].rows);
    free(rep->rankings);
    free(rep->schools);
    free(rep->temis);
    for (i = 0; i < rep->nimports; i++) {
        free(rep->imports[i].file);
        free(rep->imports[i].source);
    }
    free(rep->imports);
    for (i = 0; i < rep->nrejections; i++) {
        free(rep->rejections[i].file);
        free(rep->rejections[i].column);
        free(rep->rejections[i].reason);
    }
    free(rep->rejections);
    for (i = 0; i < rep->nunknown_units; i++)
        free(rep->unknown_units[i].name);
    free(rep->unknown_units);
    for (i = 0; i < rep->nduplicates; i++) {
        free(rep->duplicates[i].file);
        free(rep->duplicates[i].account);
        free(rep->duplicates[i].module);
    }
    free(rep->duplicates);
    for (i = 0; i < rep->nconversions; i++) {
        free(rep->conversions[i].file);
        free(rep->conversions[i].encoding);
    }
    free(rep->conversions);
    free(rep->module_totals);
    free(rep->trend.days);
    free(rep->trend.units);
    free(rep->trend.cells);
    free(rep->trend.province);
    free(rep->grid_now);
    free(rep->grid_prev);
    registry_release(&rep->reg);
    memset(rep, 0, sizeof *rep);
}
