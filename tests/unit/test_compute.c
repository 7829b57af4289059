/* The computation rules that need no database: the group a rate falls in
 * (exact at the thresholds) and the display order and competition ranks of
 * a ranking (exact comparison of rates, ties by assigned then code). Every
 * expectation was worked out with exact fractions apart from this code. */
#include <inttypes.h>

#include "bdtx/compute.h"
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_group),
        cmocka_unit_test(test_rate),
        cmocka_unit_test(test_rank),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
