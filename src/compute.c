/* The computation of SPEC section 3 from grids of counts given as plain C
 * data (compute_internal.h): the roll-up through the unit tree, the groups,
 * the ranks, Δ against the week before, the trend's weeks and the warnings.
 * What the database holds is read by compute_read.c. */
#include "bdtx/compute.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "compute_internal.h"

/* A grid rolled up the hierarchy: the cell of each unit and module holds
 * the counts of the unit and of every unit below it. */
struct rollup {
    struct figures *cells;
    size_t nunits, nmodules;
    struct figures *people;          /* nunits, or NULL: no people figures */
};

void compute_count_people(struct figures *c, const char *role, int64_t learners,
                          int64_t completed)
{
    c->learners += learners;
    c->completed += completed;
    if (strcmp(role, "gv") == 0) {
        c->gv_learners += learners;
        c->gv_completed += completed;
    } else if (strcmp(role, "cbql") == 0) {
        c->cbql_learners += learners;
        c->cbql_completed += completed;
    }
}

void compute_count_pairs(struct figures *c, const char *role, int64_t assigned, int64_t passed)
{
    c->assigned += assigned;
    c->passed += passed;
    if (strcmp(role, "gv") == 0) {
        c->gv_assigned += assigned;
        c->gv_passed += passed;
    } else if (strcmp(role, "cbql") == 0) {
        c->cbql_assigned += assigned;
        c->cbql_passed += passed;
    }
}

void compute_measure(const struct figures *f, bool people, int64_t *num, int64_t *den)
{
    *num = people ? f->completed : f->passed;
    *den = people ? f->learners : f->assigned;
}

static struct figures *rollup_at(const struct rollup *g, long unit, size_t module)
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

int64_t compute_needed(const struct config_group *group, int64_t passed, int64_t assigned)
{
    int64_t gap;

    if (assigned <= 0)
        return -1;
    /* (passed + k) * 10000 >= min_centi * assigned, k rounded up. */
    gap = (int64_t)group->min_centi * assigned - passed * 10000;
    return gap <= 0 ? 0 : (gap + 9999) / 10000;
}

/* What qsort's comparison reads: the registry for codes, and the measure. */
static const struct registry *rank_reg;
static bool rank_people;

static int64_t den_of(const struct figures *f)
{
    return rank_people ? f->learners : f->assigned;
}

/* Compares the ranked rates of a and b exactly: <0 when a's is higher. */
static int cmp_rate(const struct figures *a, const struct figures *b)
{
    int64_t an, ad, bn, bd, l, r;

    compute_measure(a, rank_people, &an, &ad);
    compute_measure(b, rank_people, &bn, &bd);
    l = an * bd;
    r = bn * ad;
    return l > r ? -1 : l < r ? 1 : 0;
}

static int cmp_rows(const void *pa, const void *pb)
{
    const struct rank_row *a = pa, *b = pb;
    int64_t da = den_of(&a->f), db = den_of(&b->f);
    int c;

    if ((da > 0) != (db > 0))
        return da > 0 ? -1 : 1;
    if (da > 0) {
        c = cmp_rate(&a->f, &b->f);
        if (c != 0)
            return c;
        if (da != db)
            return da > db ? -1 : 1;
    }
    return strcmp(rank_reg->units[a->unit].code, rank_reg->units[b->unit].code);
}

void compute_rank_by(struct rank_row *rows, size_t n, const struct registry *reg, bool people)
{
    size_t i;

    rank_reg = reg;
    rank_people = people;
    qsort(rows, n, sizeof *rows, cmp_rows);
    for (i = 0; i < n; i++) {
        if (den_of(&rows[i].f) <= 0)
            rows[i].rank = 0;
        else if (i > 0 && den_of(&rows[i - 1].f) > 0 && cmp_rate(&rows[i].f, &rows[i - 1].f) == 0)
            rows[i].rank = rows[i - 1].rank;
        else
            rows[i].rank = (int)i + 1;
    }
}

void compute_rank(struct rank_row *rows, size_t n, const struct registry *reg)
{
    compute_rank_by(rows, n, reg, false);
}

static void figures_add(struct figures *to, const struct figures *f)
{
    to->gv_assigned += f->gv_assigned;
    to->gv_passed += f->gv_passed;
    to->cbql_assigned += f->cbql_assigned;
    to->cbql_passed += f->cbql_passed;
    to->assigned += f->assigned;
    to->passed += f->passed;
    to->gv_learners += f->gv_learners;
    to->gv_completed += f->gv_completed;
    to->cbql_learners += f->cbql_learners;
    to->cbql_completed += f->cbql_completed;
    to->learners += f->learners;
    to->completed += f->completed;
}

/* The people figures of from into to, its pair figures kept. */
static void people_set(struct figures *to, const struct figures *from)
{
    to->gv_learners = from ? from->gv_learners : 0;
    to->gv_completed = from ? from->gv_completed : 0;
    to->cbql_learners = from ? from->cbql_learners : 0;
    to->cbql_completed = from ? from->cbql_completed : 0;
    to->learners = from ? from->learners : 0;
    to->completed = from ? from->completed : 0;
}

/* The units, deepest first: each comes before its parent. NULL when memory
 * runs out. */
static size_t *units_deepest_first(const struct registry *reg)
{
    size_t *order = calloc(reg->count + 1, sizeof *order);
    int *depth = calloc(reg->count + 1, sizeof *depth);
    size_t i, n = 0;
    int d, deepest = 0;

    if (!order || !depth) {
        free(order);
        free(depth);
        return NULL;
    }
    for (i = 0; i < reg->count; i++) {
        long u;

        for (u = reg->units[i].parent; u >= 0; u = reg->units[u].parent)
            depth[i]++;
        if (depth[i] > deepest)
            deepest = depth[i];
    }
    for (d = deepest; d >= 0; d--)
        for (i = 0; i < reg->count; i++)
            if (depth[i] == d)
                order[n++] = i;
    free(depth);
    return order;
}

struct agg_order {
    int depth;
    size_t row;
};

static int cmp_agg_order(const void *pa, const void *pb)
{
    const struct agg_order *a = pa, *b = pb;

    if (a->depth != b->depth)
        return b->depth - a->depth;
    return a->row < b->row ? -1 : a->row > b->row;
}

/* Rule 3: an aggregate counts for a unit with no learner rows for its
 * module at or below it, and no aggregate of the same target below it
 * already counted (deepest units first), so nothing is counted twice. */
static int add_aggregates(const struct registry *reg, const struct compute_grid *in,
                          struct rollup *g, bdtx_error *err)
{
    struct agg_order *order = NULL;
    bool *learners = NULL, *covered = NULL;
    size_t cells = g->nunits * g->nmodules, k, i;
    int rc = -1;

    if (in->naggregates == 0)
        return 0;
    order = calloc(in->naggregates, sizeof *order);
    learners = calloc(cells + 1, sizeof *learners);
    covered = calloc(2 * cells + 1, sizeof *covered);
    if (!order || !learners || !covered) {
        error_oom(err);
        goto done;
    }
    for (k = 0; k < cells; k++)
        learners[k] = g->cells[k].assigned > 0;
    for (i = 0; i < in->naggregates; i++) {
        long u;

        order[i].row = i;
        for (u = in->aggregates[i].unit; u >= 0; u = reg->units[u].parent)
            order[i].depth++;
    }
    qsort(order, in->naggregates, sizeof *order, cmp_agg_order);
    for (i = 0; i < in->naggregates; i++) {
        const struct compute_aggregate *a = &in->aggregates[order[i].row];
        size_t t = a->cbql;
        struct figures f;
        long unit;

        if (learners[(size_t)a->unit * g->nmodules + a->module] ||
            covered[((size_t)a->unit * g->nmodules + a->module) * 2 + t])
            continue;
        memset(&f, 0, sizeof f);
        f.assigned = a->assigned;
        f.passed = a->passed;
        if (t) {
            f.cbql_assigned = f.assigned;
            f.cbql_passed = f.passed;
        } else {
            f.gv_assigned = f.assigned;
            f.gv_passed = f.passed;
        }
        for (unit = a->unit; unit >= 0; unit = reg->units[unit].parent) {
            figures_add(rollup_at(g, unit, a->module), &f);
            covered[((size_t)unit * g->nmodules + a->module) * 2 + t] = true;
        }
    }
    rc = 0;
done:
    free(order);
    free(learners);
    free(covered);
    return rc;
}

/* g, holding each unit's own counts, rolled up in place: every unit adds
 * its cells, its own and those its children added, to its parent's; then
 * in's aggregates where they count. */
static int roll_up(const struct registry *reg, const struct compute_grid *in, struct rollup *g,
                   bdtx_error *err)
{
    size_t *order = units_deepest_first(reg);
    size_t i, m;

    if (!order) {
        error_oom(err);
        return -1;
    }
    for (i = 0; i < reg->count; i++) {
        long parent = reg->units[order[i]].parent;

        if (parent < 0)
            continue;
        for (m = 0; m < g->nmodules; m++)
            figures_add(rollup_at(g, parent, m), rollup_at(g, (long)order[i], m));
        if (g->people)
            figures_add(&g->people[parent], &g->people[order[i]]);
    }
    free(order);
    return add_aggregates(reg, in, g, err);
}

static struct figures figures_of(const struct rollup *g, long unit, const char *module,
                                 const struct config_year *year)
{
    struct figures f;
    size_t m;

    memset(&f, 0, sizeof f);
    if (module)
        return *rollup_at(g, unit, (size_t)config_module_index(year, module));
    for (m = 0; m < g->nmodules; m++)
        figures_add(&f, rollup_at(g, unit, m));
    /* A learner of several modules is one person: the people over all
     * modules are counted apart, not summed. */
    people_set(&f, g->people ? &g->people[unit] : NULL);
    return f;
}

/* Rule 8: Δ of the ranked rate in percentage points, rounded to
 * hundredths; none when either week has nothing assigned. */
static bool delta_of(const struct figures *now, const struct figures *before, bool people,
                     double *out)
{
    int64_t nn, nd, bn, bd;
    double d;

    compute_measure(now, people, &nn, &nd);
    compute_measure(before, people, &bn, &bd);
    if (nd <= 0 || bd <= 0)
        return false;
    d = (compute_rate(nn, nd) - compute_rate(bn, bd)) * 100.0;
    *out = round(d * 100.0) / 100.0;
    if (*out == 0.0)
        *out = 0.0;   /* no "-0" */
    return true;
}

/* The group of f by the year's ranked measure and, below the top group,
 * what it still needs (rule 11). */
static void standing(const struct config_year *year, struct rank_row *row)
{
    int64_t num, den;
    int next;

    compute_measure(&row->f, year->rank_by_learners, &num, &den);
    row->group = compute_group(year->groups, year->ngroups, num, den);
    row->to_next = row->to_top = -1;
    if (den <= 0 || year->ngroups == 0 || row->group == 0)
        return;
    /* Below every group (no group for low rates), the next is the lowest. */
    next = row->group > 0 ? row->group - 1 : (int)year->ngroups - 1;
    row->to_next = compute_needed(&year->groups[next], num, den);
    row->to_top = compute_needed(&year->groups[0], num, den);
}

/* Rule 13 on a ranking in display order: praise to the `highlight`
 * best-ranked rows of the top group, chase to the `highlight` worst-ranked
 * rows below it, rows tied with the last one marked too. */
static void mark_rows(const struct report *rep, struct ranking *rk)
{
    int h = rep->cfg ? rep->cfg->report.highlight : 0;
    int bound = 0;
    size_t i, seen = 0;

    if (h <= 0)
        return;
    for (i = 0; i < rk->nrows; i++) {
        struct rank_row *row = &rk->rows[i];

        if (row->rank <= 0 || row->group != 0)
            continue;
        if (seen < (size_t)h) {
            seen++;
            bound = row->rank;
        }
        if (row->rank == bound)
            row->mark = RANK_MARK_PRAISE;
    }
    seen = 0;
    bound = 0;
    for (i = rk->nrows; i-- > 0;) {
        struct rank_row *row = &rk->rows[i];

        if (row->rank <= 0 || row->group == 0)
            continue;
        if (seen < (size_t)h) {
            seen++;
            bound = row->rank;
        }
        if (row->rank == bound)
            row->mark = RANK_MARK_CHASE;
    }
}

/* The ranking of parent's children of one table (kind: UNIT_RANKED or
 * UNIT_DIRECT, registry_table_of), overall or for one module. */
static int build_ranking(struct report *rep, const struct rollup *now, const struct rollup *prev,
                         const char *module, enum unit_kind kind, long parent,
                         struct ranking *out, bdtx_error *err)
{
    size_t i, n = 0, count = 0;

    memset(out, 0, sizeof *out);
    snprintf(out->scope, sizeof out->scope, "%s%s", module ? "module:" : "overall",
             module ? module : "");
    out->module = module;
    out->kind = kind;
    for (i = 0; i < rep->reg.count; i++)
        count += rep->reg.units[i].parent == parent &&
                 registry_table_of(&rep->reg, (long)i) == kind;
    out->rows = calloc(count + 1, sizeof *out->rows);
    if (!out->rows) {
        error_oom(err);
        return -1;
    }
    for (i = 0; i < rep->reg.count; i++) {
        struct rank_row *row;
        struct figures before;

        if (rep->reg.units[i].parent != parent || registry_table_of(&rep->reg, (long)i) != kind)
            continue;
        row = &out->rows[n++];
        row->unit = (long)i;
        row->f = figures_of(now, (long)i, module, rep->year);
        standing(rep->year, row);
        before = figures_of(prev, (long)i, module, rep->year);
        row->has_delta = delta_of(&row->f, &before, rep->year->rank_by_learners,
                                  &row->delta_pp);
    }
    out->nrows = n;
    compute_rank_by(out->rows, n, &rep->reg, rep->year->rank_by_learners);
    mark_rows(rep, out);
    return 0;
}

/* Overall, then each module: parent's ranked units, then its direct units,
 * into out[*built] on (2 * (nmodules + 1) rankings), *built counting them. */
static int build_rankings_of(struct report *rep, const struct rollup *now,
                             const struct rollup *prev, long parent, struct ranking *out,
                             size_t *built, bdtx_error *err)
{
    size_t m;
    int k;

    for (m = 0; m <= rep->year->nmodules; m++) {
        const char *module = m == 0 ? NULL : rep->year->modules[m - 1].code;

        for (k = 0; k < 2; k++) {
            (*built)++;
            if (build_ranking(rep, now, prev, module, k == 0 ? UNIT_RANKED : UNIT_DIRECT,
                              parent, &out[*built - 1], err) != 0)
                return -1;
        }
    }
    return 0;
}

/* The root's rankings, then those of each unit with a ranked level of its
 * own below it (a nation's provinces), for its pack. */
static int build_rankings(struct report *rep, const struct rollup *now, const struct rollup *prev,
                          bdtx_error *err)
{
    size_t per = 2 * (rep->year->nmodules + 1), i, n = 0;

    rep->rankings = calloc(per, sizeof *rep->rankings);
    if (!rep->rankings) {
        error_oom(err);
        return -1;
    }
    if (build_rankings_of(rep, now, prev, rep->reg.root, rep->rankings, &rep->nrankings,
                          err) != 0)
        return -1;
    for (i = 0; i < rep->reg.count; i++)
        n += rep->reg.units[i].has_level;
    if (n == 0)
        return 0;
    rep->level_units = calloc(n, sizeof *rep->level_units);
    rep->level_rankings = calloc(n * per, sizeof *rep->level_rankings);
    if (!rep->level_units || !rep->level_rankings) {
        error_oom(err);
        return -1;
    }
    for (i = 0; i < rep->reg.count; i++) {
        if (!rep->reg.units[i].has_level)
            continue;
        rep->level_units[rep->nlevels] = (long)i;
        if (build_rankings_of(rep, now, prev, (long)i, rep->level_rankings,
                              &rep->nlevel_rankings, err) != 0)
            return -1;
        rep->nlevels++;
    }
    return 0;
}

/* The province, overall and per module. */
static int build_totals(struct report *rep, const struct rollup *now, const struct rollup *prev,
                        bdtx_error *err)
{
    const struct config_year *year = rep->year;
    struct figures before = figures_of(prev, rep->reg.root, NULL, year);
    size_t m;

    bool people = year->rank_by_learners;
    int64_t num, den;

    rep->total = figures_of(now, rep->reg.root, NULL, year);
    compute_measure(&rep->total, people, &num, &den);
    rep->total_group = compute_group(year->groups, year->ngroups, num, den);
    rep->total_has_delta = delta_of(&rep->total, &before, people, &rep->total_delta_pp);
    rep->module_totals = calloc(year->nmodules + 1, sizeof *rep->module_totals);
    if (!rep->module_totals) {
        error_oom(err);
        return -1;
    }
    for (m = 0; m < year->nmodules; m++) {
        struct scope_total *t = &rep->module_totals[m];

        before = figures_of(prev, rep->reg.root, year->modules[m].code, year);
        t->f = figures_of(now, rep->reg.root, year->modules[m].code, year);
        compute_measure(&t->f, people, &num, &den);
        t->group = compute_group(year->groups, year->ngroups, num, den);
        t->has_delta = delta_of(&t->f, &before, people, &t->delta_pp);
    }
    return 0;
}

static int cmp_school(const void *pa, const void *pb)
{
    const struct rank_row *a = pa, *b = pb;
    int c = strcmp(rank_reg->units[rank_reg->units[a->unit].parent].code,
                   rank_reg->units[rank_reg->units[b->unit].parent].code);

    return c != 0 ? c : cmp_rows(pa, pb);
}

/* Every school (and every direct unit, itself a school: under the root or,
 * in a nation, under a province), ranked within its parent. */
static int build_schools(struct report *rep, const struct rollup *now, bdtx_error *err)
{
    size_t i, n = 0, start;

    rep->schools = calloc(rep->reg.count + 1, sizeof *rep->schools);
    if (!rep->schools) {
        error_oom(err);
        return -1;
    }
    for (i = 0; i < rep->reg.count; i++) {
        struct rank_row *row;

        if (rep->reg.units[i].kind != UNIT_SCHOOL && rep->reg.units[i].kind != UNIT_DIRECT)
            continue;
        row = &rep->schools[n++];
        row->unit = (long)i;
        row->f = figures_of(now, (long)i, NULL, rep->year);
        standing(rep->year, row);
    }
    rep->nschools = n;
    rank_reg = &rep->reg;
    rank_people = rep->year->rank_by_learners;
    qsort(rep->schools, n, sizeof *rep->schools, cmp_school);
    for (start = 0; start < n;) {
        size_t end = start;
        long parent = rep->reg.units[rep->schools[start].unit].parent;

        while (end < n && rep->reg.units[rep->schools[end].unit].parent == parent)
            end++;
        compute_rank_by(rep->schools + start, end - start, &rep->reg,
                        rep->year->rank_by_learners);
        start = end;
    }
    return 0;
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

int compute_build(struct report *rep, struct compute_grid *now, struct compute_grid *prev,
                  bdtx_error *err)
{
    struct rollup r_now = {now->cells, now->nunits, now->nmodules, now->people};
    struct rollup r_prev = {prev->cells, prev->nunits, prev->nmodules, prev->people};
    size_t k;

    /* Rolled up in place, and kept for compute_trend whatever happens:
     * report_release frees them. */
    rep->grid_now = now->cells;
    rep->grid_prev = prev->cells;
    rep->people_now = now->people;
    rep->people_prev = prev->people;
    now->cells = prev->cells = NULL;
    now->people = prev->people = NULL;
    rep->learner_modules = 0;
    for (k = 0; k < r_now.nunits * r_now.nmodules; k++)
        rep->learner_modules += r_now.cells[k].assigned;
    if (roll_up(&rep->reg, now, &r_now, err) != 0 || roll_up(&rep->reg, prev, &r_prev, err) != 0 ||
        build_rankings(rep, &r_now, &r_prev, err) != 0 ||
        build_totals(rep, &r_now, &r_prev, err) != 0 || build_schools(rep, &r_now, err) != 0)
        return -1;
    build_warnings(rep, now->unregistered,
                   figures_of(&r_prev, rep->reg.root, NULL, rep->year).assigned);
    return 0;
}

int compute_trend_layout(struct report *rep, bdtx_date first, bdtx_error *err)
{
    struct trend *t = &rep->trend;
    bdtx_date start = first > rep->year->start ? first : rep->year->start;
    size_t n = rep->as_of >= start ? (size_t)((rep->as_of - start) / 7) + 1 : 1;
    size_t nranked = rep->nrankings >= 2 ? rep->rankings[0].nrows : 0;
    size_t i, k;

    t->nunits = rep->nrankings >= 2 ? nranked + rep->rankings[1].nrows : 0;
    t->days = calloc(n, sizeof *t->days);
    t->units = calloc(t->nunits + 1, sizeof *t->units);
    t->cells = calloc(n * t->nunits + 1, sizeof *t->cells);
    t->province = calloc(n, sizeof *t->province);
    if (!t->days || !t->units || !t->cells || !t->province) {
        error_oom(err);
        return -1;
    }
    t->nweeks = n;
    for (i = 0; i < t->nunits; i++)
        t->units[i] = i < nranked ? rep->rankings[0].rows[i].unit
                                  : rep->rankings[1].rows[i - nranked].unit;
    for (k = 0; k < n; k++)
        t->days[n - 1 - k] = rep->as_of - (bdtx_date)(7 * k);
    return 0;
}

static void trend_week(struct report *rep, size_t w, const struct rollup *g)
{
    size_t u;

    rep->trend.province[w] = figures_of(g, rep->reg.root, NULL, rep->year);
    for (u = 0; u < rep->trend.nunits; u++)
        rep->trend.cells[w * rep->trend.nunits + u] =
            figures_of(g, rep->trend.units[u], NULL, rep->year);
}

bool compute_trend_kept(struct report *rep)
{
    struct rollup now = {rep->grid_now, rep->reg.count, rep->year->nmodules, rep->people_now};
    struct rollup prev = {rep->grid_prev, rep->reg.count, rep->year->nmodules,
                          rep->people_prev};
    size_t n = rep->trend.nweeks;

    if (!now.cells || !(n == 1 || (n == 2 && prev.cells)))
        return false;
    trend_week(rep, n - 1, &now);
    if (n == 2)
        trend_week(rep, 0, &prev);
    return true;
}

int compute_trend_week(struct report *rep, size_t w, const struct compute_grid *g,
                       struct figures *rolled, bdtx_error *err)
{
    struct rollup r = {rolled, g->nunits, g->nmodules, NULL};

    memcpy(rolled, g->cells, g->nunits * g->nmodules * sizeof *rolled);
    if (roll_up(&rep->reg, g, &r, err) != 0)
        return -1;
    trend_week(rep, w, &r);
    return 0;
}

bool compute_pace_window(const struct report *rep, bdtx_date *base, int *nweeks)
{
    const struct config_year *year = rep->year;
    bdtx_date end;
    bool any = false;
    size_t m, i;

    for (m = 0; m < year->nmodules; m++)
        any = any || year->modules[m].has_due;
    *base = rep->as_of;
    *nweeks = 0;
    if (!any)
        return false;
    /* Week k is (as_of - 7(k + 1), as_of - 7k]; the year's first is the one
     * holding its start. */
    for (end = rep->as_of; *nweeks < 4 && end >= year->start; end -= 7) {
        bool data = false;

        for (i = 0; i < rep->nimports && !data; i++) {
            const struct import_row *im = &rep->imports[i];
            bdtx_date d;

            data = (strcmp(im->source, "lms-learners") == 0 ||
                    strcmp(im->source, "lms-units") == 0) &&
                   value_parse_date(im->as_of, &d) && d <= end && d > end - 7;
        }
        if (data) {
            (*nweeks)++;
            *base = end - 7;
        }
    }
    return true;
}

static void progress_row_fill(const struct report *rep, const struct config_module *mod,
                              const struct figures *now, const struct figures *before,
                              int nweeks, struct progress_row *p)
{
    const struct config_year *year = rep->year;
    bool people = year->rank_by_learners;
    int64_t base_passed, base_assigned;
    bdtx_date span = mod->due - mod->opens, gone = rep->as_of - mod->opens;

    compute_measure(now, people, &p->passed, &p->assigned);
    compute_measure(before, people, &base_passed, &base_assigned);
    p->group = compute_group(year->groups, year->ngroups, p->passed, p->assigned);
    p->expected_rate = gone <= 0 ? 0.0 : gone >= span ? 1.0 : (double)gone / (double)span;
    p->has_pace = nweeks > 0 && p->assigned > 0;
    p->gained = p->has_pace ? p->passed - base_passed : 0;
    p->pace = p->has_pace ? (double)p->gained / nweeks : 0.0;
    p->to_top = -1;
    if (p->assigned <= 0 || year->ngroups == 0)
        return;
    if (p->group == 0) {
        p->has_projection = true;
        p->projected = rep->as_of;
        return;
    }
    p->to_top = compute_needed(&year->groups[0], p->passed, p->assigned);
    /* D + 7 ⌈to_top / pace⌉, pace = gained / nweeks, in integers. */
    if (p->has_pace && p->gained > 0) {
        int64_t weeks = (p->to_top * nweeks + p->gained - 1) / p->gained;

        p->has_projection = true;
        p->projected = rep->as_of + (bdtx_date)(7 * weeks);
    }
    p->at_risk = !p->has_projection || p->projected > mod->due;
}

/* The row of unit in ranking rk, or NULL. */
static struct rank_row *ranking_row_of(struct ranking *rk, long unit)
{
    size_t i;

    for (i = 0; i < rk->nrows; i++)
        if (rk->rows[i].unit == unit)
            return &rk->rows[i];
    return NULL;
}

int compute_progress(struct report *rep, struct compute_grid *base, int nweeks,
                     bdtx_error *err)
{
    const struct config_year *year = rep->year;
    struct rollup now = {rep->grid_now, rep->reg.count, year->nmodules, rep->people_now};
    struct rollup before = {base->cells, base->nunits, base->nmodules, base->people};
    size_t m, k, i, n = 0;

    if (!now.cells || rep->nrankings < 2 * (year->nmodules + 1))
        return 0;
    if (roll_up(&rep->reg, base, &before, err) != 0)
        return -1;
    rep->progress = calloc(rep->reg.count * year->nmodules + 1, sizeof *rep->progress);
    if (!rep->progress) {
        error_oom(err);
        return -1;
    }
    rep->pace_weeks = nweeks;
    for (m = 0; m < year->nmodules; m++) {
        const struct config_module *mod = &year->modules[m];

        if (!mod->has_due)
            continue;
        for (k = 0; k < 2; k++) {
            struct ranking *rk = &rep->rankings[2 * (m + 1) + k];

            for (i = 0; i < rk->nrows; i++) {
                struct progress_row *p = &rep->progress[n++];
                struct figures f = figures_of(&now, rk->rows[i].unit, mod->code, year);
                struct figures b = figures_of(&before, rk->rows[i].unit, mod->code, year);
                struct rank_row *overall;

                p->unit = rk->rows[i].unit;
                p->module = m;
                progress_row_fill(rep, mod, &f, &b, nweeks, p);
                if (!p->at_risk)
                    continue;
                /* Flagged on the module's ranking and on the overall one. */
                rk->rows[i].at_risk = true;
                overall = ranking_row_of(&rep->rankings[k], p->unit);
                if (overall)
                    overall->at_risk = true;
            }
        }
    }
    rep->nprogress = n;
    return 0;
}
