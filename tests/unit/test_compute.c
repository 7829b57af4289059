/* The computation rules that need no database: the group a rate falls in
 * (exact at the thresholds) and the display order and competition ranks of
 * a ranking (exact comparison of rates, ties by assigned then code); then
 * the whole computation (compute_build) from grids of counts built here:
 * the roll-up through the unit tree and rule 3's aggregates, Δ against the
 * week before, ranks and groups as the report carries them, the warnings
 * and the trend's weeks. Every expectation was worked out with exact
 * fractions apart from this code. */
#include <inttypes.h>
#include <math.h>

#include "bdtx/compute.h"
#include "compute_internal.h"
#include "test_util.h"

#define MAX_ROWS 8

/* The groups of the fixture configuration, of one with two-decimal
 * thresholds, and of one with no group for low rates. */
static const struct config_group groups_abc[] = {
    {(char *)"A", 8000}, {(char *)"B", 5000}, {(char *)"C", 0},
};
static const struct config_group groups_centi[] = {
    {(char *)"A", 8050}, {(char *)"B", 5025}, {(char *)"C", 0},
};
static const struct config_group groups_ab[] = {
    {(char *)"A", 8000}, {(char *)"B", 5000},
};

static void test_group(void **state)
{
    static const struct {
        const struct config_group *groups;
        size_t ngroups;
        int64_t passed, assigned;
        int group;
    } cases[] = {
        {groups_abc, 3, 4, 5, 0},                     /* exactly 80 % */
        {groups_abc, 3, 5, 5, 0},
        {groups_abc, 3, 6, 5, 0},                     /* more passed than assigned */
        {groups_abc, 3, 799, 1000, 1},                /* 79.9 % */
        {groups_abc, 3, 1, 2, 1},                     /* exactly 50 % */
        {groups_abc, 3, 4999, 10000, 2},              /* 49.99 % */
        {groups_abc, 3, 1, 10, 2},
        {groups_abc, 3, 0, 10, 2},                    /* 0 % is still C */
        {groups_abc, 3, 0, 0, -1},                    /* nothing assigned */
        {groups_abc, 3, 5, 0, -1},
        {groups_abc, 3, 1, -1, -1},
        {groups_abc, 3, 1200000, 1300000, 0},         /* 92.3 % */
        {groups_abc, 3, 1040000, 1300000, 0},         /* exactly 80 % */
        {groups_abc, 3, 1039999, 1300000, 1},
        {groups_abc, 3, 3000000000, 3750000000, 0},   /* exactly 80 %, 3e13 products */
        {groups_abc, 3, 2999999999, 3750000000, 1},
        {groups_centi, 3, 161, 200, 0},               /* exactly 80.5 % */
        {groups_centi, 3, 1609, 2000, 1},             /* 80.45 % */
        {groups_centi, 3, 4, 5, 1},                   /* 80 % < 80.5 % */
        {groups_centi, 3, 201, 400, 1},               /* exactly 50.25 % */
        {groups_centi, 3, 2009, 4000, 2},             /* 50.225 % */
        {groups_ab, 2, 1, 2, 1},
        {groups_ab, 2, 1, 10, -1},                    /* below every group */
        {groups_ab, 2, 0, 10, -1},
        {groups_abc, 0, 10, 10, -1},                  /* no groups configured */
    };
    size_t i;

    (void)state;
    for (i = 0; i < N(cases); i++) {
        int g = compute_group(cases[i].groups, cases[i].ngroups, cases[i].passed,
                              cases[i].assigned);

        if (g != cases[i].group)
            fail_msg("case %zu: %" PRId64 "/%" PRId64 ": group %d, expected %d", i,
                     cases[i].passed, cases[i].assigned, g, cases[i].group);
    }
}

static void test_rate(void **state)
{
    (void)state;
    assert_true(compute_rate(1, 4) == 0.25);
    assert_true(compute_rate(4, 5) == 0.8);
    assert_true(compute_rate(2, 3) == 2.0 / 3.0);
    assert_true(compute_rate(1200000, 1300000) == 12.0 / 13.0);
    assert_true(compute_rate(0, 10) == 0.0);
    assert_true(compute_rate(0, 0) == 0.0);
    assert_true(compute_rate(3, 0) == 0.0);
}

struct unit_figures {
    const char *code;
    int64_t passed, assigned;
};

struct ranked {
    const char *code;
    int rank;
};

struct rank_case {
    const char *name;
    size_t n;
    struct unit_figures in[MAX_ROWS];      /* in registry order */
    struct ranked want[MAX_ROWS];          /* in display order */
};

static const struct rank_case rank_cases[] = {
    {"equal rates share a rank, the next rank skips (1, 2, 2, 4)", 4,
     {{"D03", 3, 4}, {"D04", 1, 2}, {"D01", 6, 8}, {"D02", 9, 10}},
     {{"D02", 1}, {"D01", 2}, {"D03", 2}, {"D04", 4}}},
    {"ties: assigned descending, then code", 4,
     {{"D07", 3, 4}, {"D06", 3, 4}, {"D05", 30, 40}, {"D08", 1, 1}},
     {{"D08", 1}, {"D05", 2}, {"D06", 2}, {"D07", 2}}},
    {"nothing assigned: last, by code, rank 0", 5,
     {{"D09", 0, 0}, {"D02", 0, 5}, {"D01", 0, 0}, {"D05", 2, 4}, {"D00", 0, 0}},
     {{"D05", 1}, {"D02", 2}, {"D00", 0}, {"D01", 0}, {"D09", 0}}},
    {"a 0 % rate ties with another 0 % rate, not with nothing assigned", 4,
     {{"D01", 0, 0}, {"D02", 0, 7}, {"D03", 0, 3}, {"D04", 1, 3}},
     {{"D04", 1}, {"D02", 2}, {"D03", 2}, {"D01", 0}}},
    /* 2/3 = 4/6 = 666666/999999 exactly; 666666/1000000 is below. */
    {"2/3 against its decimal approximation", 4,
     {{"U1", 666666, 1000000}, {"U2", 2, 3}, {"U3", 4, 6}, {"U4", 666666, 999999}},
     {{"U4", 1}, {"U3", 1}, {"U2", 1}, {"U1", 4}}},
    /* The two rates differ by 1/(999999999 * 1999999997), less than a
     * double can tell apart: only exact arithmetic puts X first alone. */
    {"rates closer than a double can tell", 2,
     {{"Y", 1999999995, 1999999997}, {"X", 999999998, 999999999}},
     {{"X", 1}, {"Y", 2}}},
    {"province-sized counts", 3,
     {{"P1", 1200000, 1300000}, {"P2", 1199999, 1300000}, {"P3", 2400000, 2600000}},
     {{"P3", 1}, {"P1", 1}, {"P2", 3}}},
    {"one unit", 1, {{"D01", 0, 3}}, {{"D01", 1}}},
    {"one unit with nothing assigned", 1, {{"D01", 0, 0}}, {{"D01", 0}}},
    {"all units with nothing assigned", 3,
     {{"D03", 0, 0}, {"D01", 0, 0}, {"D02", 0, 0}},
     {{"D01", 0}, {"D02", 0}, {"D03", 0}}},
    {"no units", 0, {{NULL, 0, 0}}, {{NULL, 0}}},
};

static void test_rank(void **state)
{
    size_t i, j;

    (void)state;
    for (i = 0; i < N(rank_cases); i++) {
        const struct rank_case *c = &rank_cases[i];
        struct unit units[MAX_ROWS];
        struct registry reg;
        struct rank_row rows[MAX_ROWS];

        /* Only the codes of the registry take part in the comparison. */
        memset(units, 0, sizeof units);
        memset(&reg, 0, sizeof reg);
        memset(rows, 0, sizeof rows);
        for (j = 0; j < c->n; j++) {
            units[j].code = strdup(c->in[j].code);
            assert_non_null(units[j].code);
            rows[j].unit = (long)j;
            rows[j].f.passed = c->in[j].passed;
            rows[j].f.assigned = c->in[j].assigned;
            rows[j].rank = -7;
            rows[j].group = (int)j * 10;   /* travels with its row */
        }
        reg.units = units;
        reg.count = c->n;
        reg.root = -1;

        compute_rank(rows, c->n, &reg);

        for (j = 0; j < c->n; j++) {
            const char *code = units[rows[j].unit].code;

            if (strcmp(code, c->want[j].code) != 0 || rows[j].rank != c->want[j].rank)
                fail_msg("%s: position %zu is %s ranked %d, expected %s ranked %d", c->name, j,
                         code, rows[j].rank, c->want[j].code, c->want[j].rank);
            if (rows[j].f.passed != c->in[rows[j].unit].passed ||
                rows[j].f.assigned != c->in[rows[j].unit].assigned ||
                rows[j].group != (int)rows[j].unit * 10)
                fail_msg("%s: the row of %s lost its figures", c->name, code);
        }
        for (j = 0; j < c->n; j++)
            free(units[j].code);
    }
}

/* A small province for compute_build: three ranked units (D1 with two
 * schools, D2 with one, D3 with none), two units directly under the Sở and
 * two modules. Schools come before their parents in the registry, as
 * nothing orders a stored registry. */
static const struct {
    const char *code;
    enum unit_kind kind;
    long parent;
} tree[] = {
    {"P", UNIT_ROOT, -1},
    {"S21", UNIT_SCHOOL, 4},
    {"D1", UNIT_RANKED, 0},
    {"S11", UNIT_SCHOOL, 2},
    {"D2", UNIT_RANKED, 0},
    {"X1", UNIT_DIRECT, 0},
    {"S12", UNIT_SCHOOL, 2},
    {"D3", UNIT_RANKED, 0},
    {"X2", UNIT_DIRECT, 0},
};

enum { M1, M2, NMODULES };

struct province {
    struct config_module modules[NMODULES];
    struct config_group groups[3];
    struct config_year year;
    struct config cfg;
    struct report rep;
    struct compute_grid now, prev;   /* the report's date, a week before */
};

static void grid_new(struct compute_grid *g)
{
    memset(g, 0, sizeof *g);
    g->nunits = N(tree);
    g->nmodules = NMODULES;
    g->cells = calloc(g->nunits * g->nmodules, sizeof *g->cells);
    g->people = calloc(g->nunits, sizeof *g->people);
    g->aggregates = calloc(8, sizeof *g->aggregates);
    assert_non_null(g->cells);
    assert_non_null(g->people);
    assert_non_null(g->aggregates);
}

static void province_init(struct province *p)
{
    size_t i;

    memset(p, 0, sizeof *p);
    p->modules[M1].code = (char *)"M1";
    p->modules[M2].code = (char *)"M2";
    p->groups[0] = groups_abc[0];
    p->groups[1] = groups_abc[1];
    p->groups[2] = groups_abc[2];
    p->year.id = (char *)"2020-2021";
    p->year.start = date_from_ymd(2020, 9, 1);
    p->year.end = date_from_ymd(2021, 5, 31);
    p->year.modules = p->modules;
    p->year.nmodules = NMODULES;
    p->year.groups = p->groups;
    p->year.ngroups = 3;
    p->rep.cfg = &p->cfg;
    p->rep.year = &p->year;
    p->rep.as_of = date_from_ymd(2020, 11, 22);
    p->rep.reg.units = calloc(N(tree), sizeof *p->rep.reg.units);
    assert_non_null(p->rep.reg.units);
    for (i = 0; i < N(tree); i++) {
        p->rep.reg.units[i].code = strdup(tree[i].code);
        assert_non_null(p->rep.reg.units[i].code);
        p->rep.reg.units[i].kind = tree[i].kind;
        p->rep.reg.units[i].parent = tree[i].parent;
    }
    p->rep.reg.count = N(tree);
    p->rep.reg.root = 0;
    grid_new(&p->now);
    grid_new(&p->prev);
}

static void province_release(struct province *p)
{
    report_release(&p->rep);
    free(p->now.cells);
    free(p->now.people);
    free(p->now.aggregates);
    free(p->prev.cells);
    free(p->prev.people);
    free(p->prev.aggregates);
}

static int setup(void **state)
{
    struct province *p = malloc(sizeof *p);

    assert_non_null(p);
    province_init(p);
    *state = p;
    return 0;
}

static int teardown(void **state)
{
    province_release(*state);
    free(*state);
    return 0;
}

static long unit_of(const char *code)
{
    size_t i;

    for (i = 0; i < N(tree); i++)
        if (strcmp(tree[i].code, code) == 0)
            return (long)i;
    fail_msg("no unit %s", code);
    return -1;
}

/* assigned pairs of module m at the unit, passed of them, by role. */
static void add(struct compute_grid *g, const char *unit, size_t m, const char *role,
                int64_t assigned, int64_t passed)
{
    compute_count_pairs(compute_grid_at(g, unit_of(unit), m), role, assigned, passed);
}

/* n learners of the unit with one role: their modules as a string of
 * letters, "P" passed, "o" owed, "-" not assigned (M1 then M2). */
static void learners(struct compute_grid *g, const char *unit, const char *role,
                     const char *modules, int64_t n)
{
    bool all = true, any = false;
    size_t m;

    for (m = 0; m < NMODULES; m++) {
        struct figures *c = compute_grid_at(g, unit_of(unit), m);
        int64_t done = modules[m] == 'P' ? n : 0;

        if (modules[m] == '-')
            continue;
        compute_count_pairs(c, role, n, done);
        compute_count_people(c, role, n, done);
        any = true;
        all = all && modules[m] == 'P';
    }
    if (any)
        compute_count_people(&g->people[unit_of(unit)], role, n, all ? n : 0);
}

/* f's people: GV, CBQL, all (learners, completed). */
static void expect_people(const struct figures *f, const char *what, int64_t gv, int64_t gv_done,
                          int64_t cbql, int64_t cbql_done, int64_t all, int64_t all_done)
{
    if (f->gv_learners != gv || f->gv_completed != gv_done || f->cbql_learners != cbql ||
        f->cbql_completed != cbql_done || f->learners != all || f->completed != all_done)
        fail_msg("%s: people GV %" PRId64 "/%" PRId64 ", CBQL %" PRId64 "/%" PRId64
                 ", all %" PRId64 "/%" PRId64 "; expected GV %" PRId64 "/%" PRId64
                 ", CBQL %" PRId64 "/%" PRId64 ", all %" PRId64 "/%" PRId64,
                 what, f->gv_completed, f->gv_learners, f->cbql_completed, f->cbql_learners,
                 f->completed, f->learners, gv_done, gv, cbql_done, cbql, all_done, all);
}

static void aggregate(struct compute_grid *g, const char *unit, size_t m, const char *target,
                      int64_t assigned, int64_t passed)
{
    struct compute_aggregate *a = &g->aggregates[g->naggregates++];

    a->unit = unit_of(unit);
    a->module = m;
    a->cbql = strcmp(target, "cbql") == 0;
    a->assigned = assigned;
    a->passed = passed;
}

static void build(struct province *p)
{
    bdtx_error err;

    error_clear(&err);
    if (compute_build(&p->rep, &p->now, &p->prev, &err) != 0)
        fail_msg("compute_build: %s", err.message);
    assert_null(p->now.cells);
    assert_null(p->prev.cells);
}

/* The ranking of module m (0: overall, else year->modules[m - 1]) and kind. */
static const struct ranking *ranking_of(const struct report *rep, size_t m, enum unit_kind kind)
{
    const struct ranking *rk = &rep->rankings[2 * m + (kind == UNIT_DIRECT)];

    assert_true(rep->nrankings == 2 * (NMODULES + 1));
    assert_int_equal(rk->kind, kind);
    if (m == 0)
        assert_string_equal(rk->scope, "overall");
    else
        assert_string_equal(rk->module, rep->year->modules[m - 1].code);
    return rk;
}

static const struct rank_row *row_of(const struct rank_row *rows, size_t n,
                                     const struct report *rep, const char *code)
{
    size_t i;

    for (i = 0; i < n; i++)
        if (strcmp(rep->reg.units[rows[i].unit].code, code) == 0)
            return &rows[i];
    fail_msg("%s is not in the rows", code);
    return NULL;
}

static const struct rank_row *in_ranking(const struct report *rep, size_t m, enum unit_kind kind,
                                         const char *code)
{
    const struct ranking *rk = ranking_of(rep, m, kind);

    return row_of(rk->rows, rk->nrows, rep, code);
}

/* f against the pairs assigned and passed: GV, CBQL, all. */
static void expect_figures(const struct figures *f, const char *what, int64_t gv_assigned,
                           int64_t gv_passed, int64_t cbql_assigned, int64_t cbql_passed,
                           int64_t assigned, int64_t passed)
{
    if (f->gv_assigned != gv_assigned || f->gv_passed != gv_passed ||
        f->cbql_assigned != cbql_assigned || f->cbql_passed != cbql_passed ||
        f->assigned != assigned || f->passed != passed)
        fail_msg("%s: GV %" PRId64 "/%" PRId64 ", CBQL %" PRId64 "/%" PRId64 ", all %" PRId64
                 "/%" PRId64 "; expected GV %" PRId64 "/%" PRId64 ", CBQL %" PRId64 "/%" PRId64
                 ", all %" PRId64 "/%" PRId64,
                 what, f->gv_passed, f->gv_assigned, f->cbql_passed, f->cbql_assigned, f->passed,
                 f->assigned, gv_passed, gv_assigned, cbql_passed, cbql_assigned, passed,
                 assigned);
}

/* rows in display order: codes and ranks. */
static void expect_order(const struct rank_row *rows, size_t n, const struct report *rep,
                         const struct ranked *want, size_t nwant, const char *what)
{
    size_t i;

    if (n != nwant)
        fail_msg("%s: %zu rows, expected %zu", what, n, nwant);
    for (i = 0; i < n; i++) {
        const char *code = rep->reg.units[rows[i].unit].code;

        if (strcmp(code, want[i].code) != 0 || rows[i].rank != want[i].rank)
            fail_msg("%s: position %zu is %s ranked %d, expected %s ranked %d", what, i, code,
                     rows[i].rank, want[i].code, want[i].rank);
    }
}

/* Schools add up into their ranked unit, that and the units directly under
 * the Sở into the province; a unit's own learners count with it; GV and
 * CBQL apart, learners of no known role in the whole only; overall is the
 * sum of the modules. */
static void test_rollup(void **state)
{
    struct province *p = *state;
    const struct report *rep = &p->rep;
    static const struct ranked ranked_order[] = {{"D1", 1}, {"D2", 2}, {"D3", 0}};
    static const struct ranked direct_order[] = {{"X1", 1}, {"X2", 0}};
    static const struct ranked schools[] = {
        {"S11", 1}, {"S12", 2}, {"S21", 1}, {"X1", 1}, {"X2", 0},
    };

    add(&p->now, "S11", M1, "gv", 10, 8);
    add(&p->now, "S11", M1, "cbql", 2, 1);
    add(&p->now, "S12", M1, "gv", 5, 1);
    add(&p->now, "S12", M2, "", 4, 4);
    add(&p->now, "D1", M1, "gv", 1, 1);
    add(&p->now, "S21", M2, "gv", 3, 0);
    add(&p->now, "X1", M1, "cbql", 6, 3);
    build(p);

    expect_figures(&in_ranking(rep, 0, UNIT_RANKED, "D1")->f, "D1 overall", 16, 10, 2, 1, 22, 15);
    expect_figures(&in_ranking(rep, 1, UNIT_RANKED, "D1")->f, "D1 M1", 16, 10, 2, 1, 18, 11);
    expect_figures(&in_ranking(rep, 2, UNIT_RANKED, "D1")->f, "D1 M2", 0, 0, 0, 0, 4, 4);
    expect_figures(&in_ranking(rep, 0, UNIT_RANKED, "D2")->f, "D2 overall", 3, 0, 0, 0, 3, 0);
    expect_figures(&in_ranking(rep, 1, UNIT_RANKED, "D2")->f, "D2 M1", 0, 0, 0, 0, 0, 0);
    expect_figures(&in_ranking(rep, 0, UNIT_RANKED, "D3")->f, "D3 overall", 0, 0, 0, 0, 0, 0);
    expect_figures(&in_ranking(rep, 0, UNIT_DIRECT, "X1")->f, "X1 overall", 0, 0, 6, 3, 6, 3);
    expect_figures(&in_ranking(rep, 2, UNIT_DIRECT, "X1")->f, "X1 M2", 0, 0, 0, 0, 0, 0);
    expect_figures(&rep->total, "the province", 19, 10, 8, 4, 31, 18);
    expect_figures(&rep->module_totals[M1].f, "the province, M1", 16, 10, 8, 4, 24, 14);
    expect_figures(&rep->module_totals[M2].f, "the province, M2", 3, 0, 0, 0, 7, 4);
    assert_true(rep->learner_modules == 31);
    assert_int_equal(rep->total_group, 1);                 /* 18/31: B */

    /* Ranks and groups of the ranked level and of the direct units apart. */
    expect_order(ranking_of(rep, 0, UNIT_RANKED)->rows, ranking_of(rep, 0, UNIT_RANKED)->nrows,
                 rep, ranked_order, N(ranked_order), "overall, ranked level");
    expect_order(ranking_of(rep, 0, UNIT_DIRECT)->rows, ranking_of(rep, 0, UNIT_DIRECT)->nrows,
                 rep, direct_order, N(direct_order), "overall, direct units");
    assert_int_equal(in_ranking(rep, 0, UNIT_RANKED, "D1")->group, 1);   /* 15/22 */
    assert_int_equal(in_ranking(rep, 0, UNIT_RANKED, "D2")->group, 2);   /* 0/3 */
    assert_int_equal(in_ranking(rep, 0, UNIT_RANKED, "D3")->group, -1);
    assert_int_equal(in_ranking(rep, 0, UNIT_DIRECT, "X1")->group, 1);   /* 3/6 */

    /* Schools by parent code (D1, D2, then the Sở's P), ranked within it. */
    expect_order(rep->schools, rep->nschools, rep, schools, N(schools), "schools");
    expect_figures(&row_of(rep->schools, rep->nschools, rep, "S11")->f, "S11", 10, 8, 2, 1, 12, 9);
    expect_figures(&row_of(rep->schools, rep->nschools, rep, "S12")->f, "S12", 5, 1, 0, 0, 9, 5);
    assert_int_equal(row_of(rep->schools, rep->nschools, rep, "S11")->group, 1);  /* 9/12 */
}

/* Rule 3: an lms-units aggregate counts where no learner of its module is
 * at or below the unit, and once: the deepest one of a target wins. */
static void test_aggregates(void **state)
{
    struct province *p = *state;
    const struct report *rep = &p->rep;

    add(&p->now, "S11", M1, "gv", 10, 5);
    /* In the order read: unit code, module, target. */
    aggregate(&p->now, "D1", M1, "gv", 100, 100);   /* learners below: not counted */
    aggregate(&p->now, "D1", M2, "gv", 8, 4);
    aggregate(&p->now, "D2", M1, "cbql", 7, 7);
    aggregate(&p->now, "D2", M1, "gv", 50, 10);     /* S21's counts for D2 */
    aggregate(&p->now, "S21", M1, "gv", 20, 15);
    aggregate(&p->now, "X1", M2, "cbql", 4, 1);
    build(p);

    expect_figures(&in_ranking(rep, 1, UNIT_RANKED, "D1")->f, "D1 M1", 10, 5, 0, 0, 10, 5);
    expect_figures(&in_ranking(rep, 2, UNIT_RANKED, "D1")->f, "D1 M2", 8, 4, 0, 0, 8, 4);
    expect_figures(&in_ranking(rep, 1, UNIT_RANKED, "D2")->f, "D2 M1", 20, 15, 7, 7, 27, 22);
    expect_figures(&row_of(rep->schools, rep->nschools, rep, "S21")->f, "S21", 20, 15, 0, 0, 20,
                   15);
    expect_figures(&in_ranking(rep, 0, UNIT_DIRECT, "X1")->f, "X1", 0, 0, 4, 1, 4, 1);
    expect_figures(&rep->module_totals[M1].f, "the province, M1", 30, 20, 7, 7, 37, 27);
    expect_figures(&rep->module_totals[M2].f, "the province, M2", 8, 4, 4, 1, 12, 5);
    expect_figures(&rep->total, "the province", 38, 24, 11, 8, 49, 32);
    assert_true(rep->learner_modules == 10);   /* aggregates are not learners' pairs */
}

static void expect_delta(bool has, double delta, bool want_has, double want, const char *what)
{
    if (has != want_has)
        fail_msg("%s: %s Δ, expected %s", what, has ? "a" : "no", want_has ? "one" : "none");
    if (has && (delta != want || signbit(delta) != signbit(want)))
        fail_msg("%s: Δ %.17g, expected %.17g", what, delta, want);
}

static void expect_row_delta(const struct report *rep, size_t m, enum unit_kind kind,
                             const char *code, bool want_has, double want)
{
    const struct rank_row *row = in_ranking(rep, m, kind, code);
    char what[64];

    snprintf(what, sizeof what, "%s in ranking %zu", code, m);
    expect_delta(row->has_delta, row->delta_pp, want_has, want, what);
}

/* Rule 8: Δ in percentage points against a week before, rounded to
 * hundredths (half away from zero), never "-0"; none when either week has
 * nothing assigned. */
static void test_delta(void **state)
{
    struct province *p = *state;
    const struct report *rep = &p->rep;

    add(&p->now, "S11", M1, "gv", 4, 3);
    add(&p->prev, "S11", M1, "gv", 2, 1);
    add(&p->now, "S21", M1, "gv", 3, 2);
    add(&p->now, "S21", M2, "gv", 1, 1);
    add(&p->prev, "S21", M1, "gv", 3, 1);
    add(&p->now, "D3", M1, "gv", 3, 1);
    add(&p->prev, "D3", M1, "gv", 3, 2);
    add(&p->now, "X1", M1, "gv", 1000000, 999999);
    add(&p->prev, "X1", M1, "gv", 1, 1);
    add(&p->now, "X2", M2, "gv", 32, 1);
    add(&p->prev, "X2", M2, "gv", 5, 0);
    build(p);

    expect_row_delta(rep, 0, UNIT_RANKED, "D1", true, 25.0);      /* 75 % - 50 % */
    expect_row_delta(rep, 0, UNIT_RANKED, "D2", true, 41.67);     /* 3/4 - 1/3 */
    expect_row_delta(rep, 0, UNIT_RANKED, "D3", true, -33.33);    /* 1/3 - 2/3 */
    expect_row_delta(rep, 1, UNIT_RANKED, "D2", true, 33.33);     /* 2/3 - 1/3 */
    expect_row_delta(rep, 2, UNIT_RANKED, "D2", false, 0);        /* nothing a week before */
    expect_row_delta(rep, 2, UNIT_RANKED, "D1", false, 0);        /* nothing now */
    expect_row_delta(rep, 0, UNIT_DIRECT, "X1", true, 0.0);       /* -0.0001: 0, not -0 */
    expect_row_delta(rep, 0, UNIT_DIRECT, "X2", true, 3.13);      /* 3.125 */
    expect_delta(rep->total_has_delta, rep->total_delta_pp, true, 64.28, "the province");
    expect_delta(rep->module_totals[M1].has_delta, rep->module_totals[M1].delta_pp, true,
                 44.44, "the province, M1");                      /* 1000005/1000010 - 5/9 */
    expect_delta(rep->module_totals[M2].has_delta, rep->module_totals[M2].delta_pp, true, 6.06,
                 "the province, M2");                             /* 2/33 - 0/5 */
}

/* Ties as the report carries them: equal rates share a rank, listed by
 * assigned then code, in the rankings and among a parent's schools. */
static void test_ties(void **state)
{
    struct province *p = *state;
    const struct report *rep = &p->rep;
    static const struct ranked ranked_order[] = {{"D1", 1}, {"D2", 1}, {"D3", 3}};
    static const struct ranked direct_order[] = {{"X1", 1}, {"X2", 1}};
    static const struct ranked m2_order[] = {{"D1", 0}, {"D2", 0}, {"D3", 0}};
    static const struct ranked schools[] = {
        {"S11", 1}, {"S12", 1}, {"S21", 1}, {"X1", 1}, {"X2", 1},
    };

    add(&p->now, "S11", M1, "gv", 8, 6);
    add(&p->now, "S12", M1, "cbql", 4, 3);
    add(&p->now, "S21", M1, "gv", 4, 3);
    add(&p->now, "D3", M1, "", 2, 0);
    add(&p->now, "X2", M1, "gv", 2, 1);
    add(&p->now, "X1", M1, "gv", 4, 2);
    build(p);

    expect_order(ranking_of(rep, 0, UNIT_RANKED)->rows, ranking_of(rep, 0, UNIT_RANKED)->nrows,
                 rep, ranked_order, N(ranked_order), "overall, ranked level");
    expect_order(ranking_of(rep, 0, UNIT_DIRECT)->rows, ranking_of(rep, 0, UNIT_DIRECT)->nrows,
                 rep, direct_order, N(direct_order), "overall, direct units");
    expect_order(ranking_of(rep, 2, UNIT_RANKED)->rows, ranking_of(rep, 2, UNIT_RANKED)->nrows,
                 rep, m2_order, N(m2_order), "M2, ranked level");
    expect_order(rep->schools, rep->nschools, rep, schools, N(schools), "schools");
}

/* The Ministry's groups (80 % and 50 %, exact integer arithmetic) as the
 * report carries them: units, schools, the province and its modules. */
static void test_group_boundaries(void **state)
{
    struct province *p = *state;
    const struct report *rep = &p->rep;
    int round_trip;

    for (round_trip = 0; round_trip < 2; round_trip++) {
        /* D1's M2 exactly 80 %, then one passed fewer. */
        int64_t m2_passed = round_trip == 0 ? 1040000 : 1039999;
        int a_or_b = round_trip == 0 ? 0 : 1;

        if (round_trip > 0) {
            province_release(p);
            province_init(p);
        }
        add(&p->now, "S11", M1, "gv", 5, 4);             /* exactly 80 % */
        add(&p->now, "S21", M1, "gv", 10000, 7999);      /* 79.99 % */
        add(&p->now, "D3", M1, "gv", 2, 1);              /* exactly 50 % */
        add(&p->now, "X1", M1, "gv", 10000, 4999);       /* 49.99 % */
        add(&p->now, "X2", M1, "gv", 7, 0);              /* 0 % is still C */
        add(&p->now, "S12", M2, "gv", 1300000, m2_passed);
        build(p);

        /* D1: 1,040,004 / 1,300,005 is exactly 80 %, then just below. */
        assert_int_equal(in_ranking(rep, 0, UNIT_RANKED, "D1")->group, a_or_b);
        assert_int_equal(in_ranking(rep, 0, UNIT_RANKED, "D2")->group, 1);
        assert_int_equal(in_ranking(rep, 0, UNIT_RANKED, "D3")->group, 1);
        assert_int_equal(in_ranking(rep, 0, UNIT_DIRECT, "X1")->group, 2);
        assert_int_equal(in_ranking(rep, 0, UNIT_DIRECT, "X2")->group, 2);
        assert_int_equal(in_ranking(rep, 1, UNIT_RANKED, "D1")->group, 0);
        assert_int_equal(in_ranking(rep, 2, UNIT_RANKED, "D1")->group, a_or_b);
        assert_int_equal(in_ranking(rep, 2, UNIT_RANKED, "D2")->group, -1);
        assert_int_equal(row_of(rep->schools, rep->nschools, rep, "S11")->group, 0);
        assert_int_equal(row_of(rep->schools, rep->nschools, rep, "S12")->group, a_or_b);
        assert_int_equal(row_of(rep->schools, rep->nschools, rep, "S21")->group, 1);
        assert_int_equal(row_of(rep->schools, rep->nschools, rep, "X2")->group, 2);
        assert_int_equal(rep->module_totals[M1].group, 1);        /* 13,003 / 20,014 */
        assert_int_equal(rep->module_totals[M2].group, a_or_b);
        assert_int_equal(rep->total_group, 1);                    /* 79.77 % */
    }
}

/* Rule 10: a learner counts once in every roll-up, however many modules;
 * completed only with every pair passed; a module's people are its
 * learners; an lms-units aggregate adds pairs but no people. */
static void test_people(void **state)
{
    struct province *p = *state;
    const struct report *rep = &p->rep;

    learners(&p->now, "S11", "gv", "PP", 3);     /* complete */
    learners(&p->now, "S11", "gv", "Po", 2);     /* M2 owed */
    learners(&p->now, "S11", "cbql", "o-", 1);
    learners(&p->now, "S12", "", "-P", 1);       /* role unknown: in the whole only */
    learners(&p->now, "S21", "gv", "PP", 2);
    learners(&p->now, "S21", "gv", "oo", 1);
    learners(&p->now, "X1", "cbql", "P-", 2);
    aggregate(&p->now, "X1", M2, "gv", 10, 10);
    build(p);

    expect_figures(&in_ranking(rep, 0, UNIT_RANKED, "D1")->f, "D1 pairs", 10, 8, 1, 0, 12, 9);
    expect_people(&in_ranking(rep, 0, UNIT_RANKED, "D1")->f, "D1", 5, 3, 1, 0, 7, 4);
    expect_people(&in_ranking(rep, 1, UNIT_RANKED, "D1")->f, "D1 M1", 5, 5, 1, 0, 6, 5);
    expect_people(&in_ranking(rep, 2, UNIT_RANKED, "D1")->f, "D1 M2", 5, 3, 0, 0, 6, 4);
    expect_people(&in_ranking(rep, 0, UNIT_RANKED, "D2")->f, "D2", 3, 2, 0, 0, 3, 2);
    expect_people(&in_ranking(rep, 0, UNIT_RANKED, "D3")->f, "D3", 0, 0, 0, 0, 0, 0);
    expect_figures(&in_ranking(rep, 0, UNIT_DIRECT, "X1")->f, "X1 pairs", 10, 10, 2, 2, 12, 12);
    expect_people(&in_ranking(rep, 0, UNIT_DIRECT, "X1")->f, "X1", 0, 0, 2, 2, 2, 2);
    expect_people(&in_ranking(rep, 2, UNIT_DIRECT, "X1")->f, "X1 M2 (aggregate)", 0, 0, 0, 0,
                  0, 0);
    expect_people(&row_of(rep->schools, rep->nschools, rep, "S11")->f, "S11", 5, 3, 1, 0, 6, 3);
    expect_people(&row_of(rep->schools, rep->nschools, rep, "S12")->f, "S12", 0, 0, 0, 0, 1, 1);
    expect_people(&rep->total, "the province", 8, 5, 3, 2, 12, 8);
    expect_people(&rep->module_totals[M1].f, "the province, M1", 8, 7, 3, 2, 11, 9);

    /* Ranked by pairs D1 (9/12) is above D2 (4/6); by people D2 (2/3)
     * above D1 (4/7). Needed: 80 % of 12 pairs is 9.6, so 1 more; of 7
     * learners 5.6, so 2 more. */
    assert_int_equal(in_ranking(rep, 0, UNIT_RANKED, "D1")->rank, 1);
    assert_int_equal(in_ranking(rep, 0, UNIT_RANKED, "D2")->rank, 2);
    assert_true(in_ranking(rep, 0, UNIT_RANKED, "D1")->to_next == 1);
    assert_true(in_ranking(rep, 0, UNIT_RANKED, "D1")->to_top == 1);
    province_release(p);
    province_init(p);
    p->year.rank_by_learners = true;
    learners(&p->now, "S11", "gv", "PP", 3);
    learners(&p->now, "S11", "gv", "Po", 2);
    learners(&p->now, "S11", "cbql", "o-", 1);
    learners(&p->now, "S12", "", "-P", 1);
    learners(&p->now, "S21", "gv", "PP", 2);
    learners(&p->now, "S21", "gv", "oo", 1);
    learners(&p->prev, "S21", "gv", "oo", 3);
    build(p);
    assert_int_equal(in_ranking(rep, 0, UNIT_RANKED, "D2")->rank, 1);
    assert_int_equal(in_ranking(rep, 0, UNIT_RANKED, "D1")->rank, 2);
    assert_int_equal(in_ranking(rep, 0, UNIT_RANKED, "D1")->group, 1);
    assert_true(in_ranking(rep, 0, UNIT_RANKED, "D1")->to_next == 2);
    assert_true(in_ranking(rep, 0, UNIT_RANKED, "D1")->to_top == 2);
    assert_true(in_ranking(rep, 0, UNIT_RANKED, "D2")->to_next == 1);   /* 2.4 of 3 */
    /* Δ of the ranked rate: D2's people went from 0/3 to 2/3. */
    expect_row_delta(rep, 0, UNIT_RANKED, "D2", true, 66.67);
    assert_int_equal(rep->total_group, 1);                             /* 6/10 people */
}

/* Rule 11 at the boundaries: exactly on a threshold, two decimals,
 * nothing assigned. */
static void test_needed(void **state)
{
    static const struct {
        int32_t min_centi;
        int64_t passed, assigned, needed;
    } cases[] = {
        {8000, 4, 5, 0},           /* exactly 80 % */
        {8000, 3, 5, 1},           /* 4 of 5 */
        {8000, 799, 1000, 1},
        {8000, 20, 26, 1},         /* 20.8 of 26: 21 */
        {8000, 24, 34, 4},         /* 27.2 of 34: 28 */
        {8050, 161, 200, 0},       /* exactly 80.5 % */
        {8050, 160, 200, 1},
        {8050, 0, 1000, 805},
        {5025, 3, 10, 3},          /* 5.025 of 10: 6 */
        {5025, 201, 400, 0},       /* exactly 50.25 % */
        {10000, 7, 9, 2},
        {0, 0, 10, 0},
        {8000, 0, 0, -1},          /* nothing assigned */
        {8000, 2999999999, 3750000000, 1},
    };
    size_t i;

    (void)state;
    for (i = 0; i < N(cases); i++) {
        struct config_group g = {(char *)"A", cases[i].min_centi};
        int64_t k = compute_needed(&g, cases[i].passed, cases[i].assigned);

        if (k != cases[i].needed)
            fail_msg("case %zu: %" PRId64 "/%" PRId64 " to %d: %" PRId64 ", expected %" PRId64, i,
                     cases[i].passed, cases[i].assigned, cases[i].min_centi, k, cases[i].needed);
    }
}

/* Rule 13: praise only in the top group, chase only below it, never both;
 * ties at the boundary all marked. */
static void test_marks(void **state)
{
    struct province *p = *state;
    const struct report *rep = &p->rep;

    /* Two direct units, highlight 2: X2 is last at 10 % in Group C. */
    p->cfg.report.highlight = 2;
    add(&p->now, "X1", M1, "gv", 10, 10);
    add(&p->now, "X2", M1, "gv", 10, 1);
    add(&p->now, "S11", M1, "gv", 10, 9);    /* D1: A */
    add(&p->now, "S21", M1, "gv", 10, 9);    /* D2: A, tied with D1 */
    add(&p->now, "D3", M1, "gv", 10, 9);     /* D3: A, tied too */
    build(p);
    assert_int_equal(in_ranking(rep, 0, UNIT_DIRECT, "X1")->mark, RANK_MARK_PRAISE);
    assert_int_equal(in_ranking(rep, 0, UNIT_DIRECT, "X2")->mark, RANK_MARK_CHASE);
    assert_true(in_ranking(rep, 0, UNIT_DIRECT, "X2")->to_next == 4);   /* C to B: 5 of 10 */
    assert_true(in_ranking(rep, 0, UNIT_DIRECT, "X2")->to_top == 7);
    assert_true(in_ranking(rep, 0, UNIT_DIRECT, "X1")->to_next == -1);
    /* Three tied at rank 1 for two places: all praised, nobody chased. */
    assert_int_equal(in_ranking(rep, 0, UNIT_RANKED, "D1")->mark, RANK_MARK_PRAISE);
    assert_int_equal(in_ranking(rep, 0, UNIT_RANKED, "D2")->mark, RANK_MARK_PRAISE);
    assert_int_equal(in_ranking(rep, 0, UNIT_RANKED, "D3")->mark, RANK_MARK_PRAISE);
    /* A module nobody in the top group: chase only, the worst two. */
    province_release(p);
    province_init(p);
    p->cfg.report.highlight = 1;
    add(&p->now, "S11", M1, "gv", 10, 7);
    add(&p->now, "S21", M1, "gv", 10, 3);
    add(&p->now, "D3", M1, "gv", 10, 3);
    build(p);
    assert_int_equal(in_ranking(rep, 0, UNIT_RANKED, "D1")->mark, RANK_MARK_NONE);
    assert_int_equal(in_ranking(rep, 0, UNIT_RANKED, "D2")->mark, RANK_MARK_CHASE);
    assert_int_equal(in_ranking(rep, 0, UNIT_RANKED, "D3")->mark, RANK_MARK_CHASE);
    /* Nothing assigned: no rank, no mark. */
    assert_int_equal(in_ranking(rep, 0, UNIT_DIRECT, "X1")->mark, RANK_MARK_NONE);
}

static void add_import(struct report *rep, const char *source, const char *as_of, long rejected)
{
    struct import_row *im;

    if (rep->nimports == 0) {
        rep->imports = calloc(8, sizeof *rep->imports);
        assert_non_null(rep->imports);
    }
    im = &rep->imports[rep->nimports++];
    im->file = strdup("export.csv");
    im->source = strdup(source);
    assert_non_null(im->file);
    assert_non_null(im->source);
    snprintf(im->as_of, sizeof im->as_of, "%s", as_of);
    im->rejected = rejected;
}

static void listed_rejections(struct report *rep, size_t n)
{
    rep->rejections = calloc(n + 1, sizeof *rep->rejections);
    assert_non_null(rep->rejections);
    rep->nrejections = n;
}

struct want_warning {
    enum report_warning_kind kind;
    int64_t count;
    bdtx_date day;
};

static void expect_warnings(const struct report *rep, const struct want_warning *want, size_t n,
                            const char *what)
{
    size_t i;

    if (rep->nwarnings != n)
        fail_msg("%s: %zu warnings, expected %zu", what, rep->nwarnings, n);
    for (i = 0; i < n; i++)
        if (rep->warnings[i].kind != want[i].kind || rep->warnings[i].count != want[i].count ||
            rep->warnings[i].day != want[i].day)
            fail_msg("%s: warning %zu is kind %d, count %" PRId64 ", day %d; expected kind %d, "
                     "count %" PRId64 ", day %d", what, i, (int)rep->warnings[i].kind,
                     rep->warnings[i].count, (int)rep->warnings[i].day, (int)want[i].kind,
                     want[i].count, (int)want[i].day);
}

/* Every unit of the overall rankings with learners, and a week before. */
static void everyone_counted(struct province *p)
{
    static const char *const units[] = {"S11", "S21", "D3", "X1", "X2"};
    size_t i;

    for (i = 0; i < N(units); i++) {
        add(&p->now, units[i], M1, "gv", 2, 1);
        add(&p->prev, units[i], M1, "gv", 2, 1);
    }
}

static void test_warnings(void **state)
{
    struct province *p = *state;
    struct report *rep = &p->rep;
    bdtx_date as_of = rep->as_of;
    const struct want_warning all[] = {
        {WARN_NO_IMPORT_THIS_WEEK, 0, as_of - 7},
        {WARN_NO_PREVIOUS_WEEK, 0, 0},
        {WARN_REJECTED_ROWS, 5, 0},
        {WARN_UNREGISTERED_LEARNERS, 12, 0},
        {WARN_UNITS_WITHOUT_LEARNERS, 4, 0},
        {WARN_REJECTIONS_CUT, 4, 0},
        {WARN_DUPLICATES, 9, 0},
    };
    const struct want_warning rejected_only[] = {{WARN_REJECTED_ROWS, 3, 0}};
    const struct want_warning no_import[] = {{WARN_NO_IMPORT_THIS_WEEK, 0, 0}};

    /* The latest learners' export a week old (a TEMIS file since does not
     * count), nothing a week before, 5 rejected rows of which 4 listed,
     * pairs with nowhere to count, D2, D3, X1 and X2 without learners. */
    add_import(rep, "lms-learners", "2020-11-08", 0);
    add_import(rep, "lms-learners", "2020-11-15", 3);
    add_import(rep, "temis-units", "2020-11-20", 2);
    listed_rejections(rep, 4);
    rep->duplicates_total = 9;
    add(&p->now, "S11", M1, "gv", 1, 1);
    p->now.unregistered = 12;
    build(p);
    expect_warnings(rep, all, N(all), "everything to say");
    assert_true(rep->rejections_total == 5);

    /* The learners' export six days old, everyone counted both weeks, every
     * rejected row listed: only the rejected rows are said. */
    province_release(p);
    province_init(p);
    add_import(rep, "lms-learners", "2020-11-16", 3);
    listed_rejections(rep, 3);
    everyone_counted(p);
    build(p);
    expect_warnings(rep, rejected_only, N(rejected_only), "rejected rows, all listed");
    assert_true(rep->rejections_total == 3);

    province_release(p);
    province_init(p);
    add_import(rep, "lms-learners", "2020-11-22", 0);
    everyone_counted(p);
    build(p);
    expect_warnings(rep, NULL, 0, "nothing to say");
    assert_true(rep->rejections_total == 0);

    /* No learners' export at all: no day to name. */
    province_release(p);
    province_init(p);
    add_import(rep, "temis-units", "2020-11-22", 0);
    everyone_counted(p);
    build(p);
    expect_warnings(rep, no_import, N(no_import), "no learners' export");
}

/* The trend: a week per Sunday from the first import, the last two from
 * the grids compute_build kept when there are no more, else each week's
 * grid rolled up as the report's. */
static void test_trend(void **state)
{
    struct province *p = *state;
    struct report *rep = &p->rep;
    struct compute_grid week;
    struct figures *rolled = calloc(N(tree) * NMODULES, sizeof *rolled);
    bdtx_error err;
    size_t u;

    assert_non_null(rolled);
    add(&p->now, "S11", M1, "gv", 4, 3);
    add(&p->now, "X1", M2, "cbql", 2, 2);
    add(&p->prev, "S11", M1, "gv", 4, 1);
    build(p);
    error_clear(&err);

    /* Two weeks: the kept grids. */
    assert_int_equal(compute_trend_layout(rep, rep->as_of - 7, &err), 0);
    assert_int_equal(rep->trend.nweeks, 2);
    assert_int_equal(rep->trend.days[0], rep->as_of - 7);
    assert_int_equal(rep->trend.days[1], rep->as_of);
    assert_int_equal(rep->trend.nunits, 5);     /* D1, D2, D3, X1, X2 */
    assert_true(compute_trend_kept(rep));
    expect_figures(&rep->trend.province[0], "week 1", 4, 1, 0, 0, 4, 1);
    expect_figures(&rep->trend.province[1], "week 2", 4, 3, 2, 2, 6, 5);
    for (u = 0; u < rep->trend.nunits; u++) {
        const struct ranking *rk = ranking_of(rep, 0, u < 3 ? UNIT_RANKED : UNIT_DIRECT);
        const struct rank_row *row = &rk->rows[u < 3 ? u : u - 3];

        /* The last week is the overall ranking, in its order. */
        assert_int_equal(rep->trend.units[u], row->unit);
        assert_memory_equal(trend_at(&rep->trend, 1, u), &row->f, sizeof row->f);
    }

    /* From before the school year: its first Sunday on; a week rolled up. */
    free(rep->trend.days);
    free(rep->trend.units);
    free(rep->trend.cells);
    free(rep->trend.province);
    memset(&rep->trend, 0, sizeof rep->trend);
    assert_int_equal(compute_trend_layout(rep, date_from_ymd(2020, 8, 1), &err), 0);
    assert_int_equal(rep->trend.nweeks, 12);    /* 2020-09-06 to 2020-11-22 */
    assert_int_equal(rep->trend.days[0], date_from_ymd(2020, 9, 6));
    assert_false(compute_trend_kept(rep));
    grid_new(&week);
    add(&week, "S12", M2, "gv", 3, 2);
    add(&week, "D1", M1, "", 1, 0);
    aggregate(&week, "D2", M1, "gv", 10, 5);
    assert_int_equal(compute_trend_week(rep, 4, &week, rolled, &err), 0);
    expect_figures(&rep->trend.province[4], "week 5", 13, 7, 0, 0, 14, 7);
    expect_figures(trend_at(&rep->trend, 4, 0), "D1 in week 5", 3, 2, 0, 0, 4, 2);
    expect_figures(trend_at(&rep->trend, 4, 1), "D2 in week 5", 10, 5, 0, 0, 10, 5);
    /* The week's counts stay where they were, for the weeks after. */
    expect_figures(compute_grid_at(&week, unit_of("D1"), M2), "D1's own M2", 0, 0, 0, 0, 0, 0);
    expect_figures(compute_grid_at(&week, unit_of("P"), M1), "P's own M1", 0, 0, 0, 0, 0, 0);
    free(week.cells);
    free(week.people);
    free(week.aggregates);
    free(rolled);
}

/* Rule 12's weeks: only weeks with an lms import count, four at most,
 * none before the school year; none without a due date. */
static void test_pace_window(void **state)
{
    struct province *p = *state;
    bdtx_date base;
    int n;

    add_import(&p->rep, "lms-learners", "2020-10-18", 0);
    add_import(&p->rep, "lms-units", "2020-10-25", 0);
    add_import(&p->rep, "lms-learners", "2020-11-01", 0);
    add_import(&p->rep, "temis-units", "2020-11-08", 0);   /* not learner data */
    add_import(&p->rep, "lms-learners", "2020-11-14", 0);
    add_import(&p->rep, "lms-learners", "2020-11-22", 0);
    assert_false(compute_pace_window(&p->rep, &base, &n));
    p->modules[M2].has_due = true;
    p->modules[M2].opens = p->year.start;
    p->modules[M2].due = date_from_ymd(2021, 1, 31);
    assert_true(compute_pace_window(&p->rep, &base, &n));
    /* Weeks ending 22/11, 15/11, (8/11 has none), 1/11, 25/10. */
    assert_int_equal(n, 4);
    assert_int_equal(base, date_from_ymd(2020, 10, 18));
    /* At the start of the year: the weeks there are. */
    p->rep.as_of = date_from_ymd(2020, 9, 6);
    snprintf(p->rep.imports[0].as_of, sizeof p->rep.imports[0].as_of, "2020-09-03");
    assert_true(compute_pace_window(&p->rep, &base, &n));
    assert_int_equal(n, 1);
    assert_int_equal(base, date_from_ymd(2020, 8, 30));
    p->rep.as_of = date_from_ymd(2020, 9, 2);
    assert_true(compute_pace_window(&p->rep, &base, &n));
    assert_int_equal(n, 0);
    assert_int_equal(base, p->rep.as_of);
}

static const struct progress_row *progress_of(const struct report *rep, const char *code)
{
    size_t i;

    for (i = 0; i < rep->nprogress; i++)
        if (strcmp(rep->reg.units[rep->progress[i].unit].code, code) == 0)
            return &rep->progress[i];
    fail_msg("no progress for %s", code);
    return NULL;
}

/* Rule 12 from grids: a projection falling on the due date is in time; no
 * pace is at risk; the top group is reached today; nothing assigned has no
 * rate and no risk; the ranking rows carry the flag. */
static void test_progress(void **state)
{
    struct province *p = *state;
    const struct report *rep = &p->rep;
    const struct progress_row *r;
    struct compute_grid base;
    bdtx_error err;

    p->modules[M1].has_due = true;
    p->modules[M1].opens = date_from_ymd(2020, 9, 14);
    p->modules[M1].due = date_from_ymd(2020, 11, 29);
    add(&p->now, "S11", M1, "gv", 10, 7);      /* D1 */
    add(&p->now, "S21", M1, "gv", 10, 5);      /* D2 */
    add(&p->now, "X1", M1, "gv", 5, 4);        /* exactly 80 % */
    add(&p->now, "D3", M2, "gv", 5, 0);        /* D3: nothing of M1 */
    build(p);
    grid_new(&base);
    add(&base, "S11", M1, "gv", 10, 3);
    add(&base, "S21", M1, "gv", 10, 5);
    add(&base, "X1", M1, "gv", 5, 1);
    error_clear(&err);
    assert_int_equal(compute_progress(&p->rep, &base, 4, &err), 0);
    free(base.cells);
    free(base.people);
    free(base.aggregates);

    assert_int_equal(rep->nprogress, 5);       /* M1 only: D1, D2, D3, X1, X2 */
    r = progress_of(rep, "D1");
    assert_true(fabs(r->expected_rate - 69.0 / 76.0) < 1e-12);
    assert_true(r->has_pace && r->gained == 4 && r->pace == 1.0);
    assert_true(r->to_top == 1);
    assert_true(r->has_projection);
    assert_int_equal(r->projected, date_from_ymd(2020, 11, 29));   /* on the due date */
    assert_false(r->at_risk);
    r = progress_of(rep, "D2");
    assert_true(r->has_pace && r->pace == 0.0);
    assert_false(r->has_projection);
    assert_true(r->at_risk);
    assert_true(in_ranking(rep, 1, UNIT_RANKED, "D2")->at_risk);
    assert_true(in_ranking(rep, 0, UNIT_RANKED, "D2")->at_risk);
    assert_false(in_ranking(rep, 0, UNIT_RANKED, "D1")->at_risk);
    r = progress_of(rep, "X1");
    assert_int_equal(r->group, 0);
    assert_true(r->has_projection);
    assert_int_equal(r->projected, rep->as_of);
    assert_false(r->at_risk);
    r = progress_of(rep, "D3");
    assert_true(r->assigned == 0);
    assert_false(r->has_pace || r->has_projection || r->at_risk);
    assert_false(in_ranking(rep, 0, UNIT_RANKED, "D3")->at_risk);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_group),
        cmocka_unit_test(test_rate),
        cmocka_unit_test(test_rank),
        cmocka_unit_test_setup_teardown(test_rollup, setup, teardown),
        cmocka_unit_test_setup_teardown(test_aggregates, setup, teardown),
        cmocka_unit_test_setup_teardown(test_delta, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ties, setup, teardown),
        cmocka_unit_test_setup_teardown(test_group_boundaries, setup, teardown),
        cmocka_unit_test_setup_teardown(test_people, setup, teardown),
        cmocka_unit_test(test_needed),
        cmocka_unit_test_setup_teardown(test_marks, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pace_window, setup, teardown),
        cmocka_unit_test_setup_teardown(test_progress, setup, teardown),
        cmocka_unit_test_setup_teardown(test_warnings, setup, teardown),
        cmocka_unit_test_setup_teardown(test_trend, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
