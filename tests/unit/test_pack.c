/* A unit's pack: which codes may name a folder, which units are below
 * which, and the report seen from one unit (its own rows, its schools, its
 * trend column, none of the province's lists of rejected or duplicate
 * rows). The registry and the report are written here, so every expected
 * row is known without asking the code under test. */
#include "bdtx/pack.h"
#include "test_util.h"

static const char registry_csv[] =
    "code,name,kind,parent_code\n"
    "46,Sở GDĐT Sông Mây,province,\n"
    "P1,Phòng GDĐT Bắc Hà,phong,46\n"
    "X1,UBND xã Tân Lập,xa,46\n"
    "S1,Trường THCS Kim Đồng,school,X1\n"
    "S2,Trường Mầm non Hoa Sen,school,X1\n"
    "S3,Trường Tiểu học Lê Lợi,school,P1\n"
    "D1,Trường THPT Chuyên Sông Mây,direct,46\n";

static struct registry reg;
static char *path;

static long at(const char *code)
{
    return registry_find(&reg, code);
}

static int setup(void **state)
{
    bdtx_error err;

    (void)state;
    path = temp_file(".csv", registry_csv);
    error_clear(&err);
    if (registry_read_file(path, &reg, &err) != 0) {
        fprintf(stderr, "%s\n", err.message);
        return -1;
    }
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    registry_release(&reg);
    unlink(path);
    free(path);
    return 0;
}

static void test_code_safe(void **state)
{
    static const struct {
        const char *code;
        bool safe;
    } cases[] = {
        {"20185", true}, {"X1", true}, {"a-b_C9", true}, {"", false}, {".", false},
        {"..", false}, {"../20178", false}, {"20/185", false}, {"20 185", false},
        {".hidden", false}, {"Phòng", false}, {"a\\b", false},
        {"0123456789012345678901234567890123456789012345678901234567890123", true},
        {"01234567890123456789012345678901234567890123456789012345678901234", false},
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        if (pack_code_safe(cases[i].code) != cases[i].safe)
            fail_msg("pack_code_safe(\"%s\") should be %s", cases[i].code,
                     cases[i].safe ? "true" : "false");
    }
}

static void test_within(void **state)
{
    (void)state;
    assert_true(registry_within(&reg, at("S1"), at("X1")));
    assert_true(registry_within(&reg, at("X1"), at("X1")));
    assert_true(registry_within(&reg, at("S3"), at("P1")));
    assert_true(registry_within(&reg, at("S1"), at("46")));
    assert_false(registry_within(&reg, at("S3"), at("X1")));
    assert_false(registry_within(&reg, at("D1"), at("X1")));
    assert_false(registry_within(&reg, at("X1"), at("S1")));
    assert_false(registry_within(&reg, -1, at("X1")));
}

/* The part of every unit's learners: the pack unit at or above it; none
 * for the province and units outside every pack; and no parts at all when
 * one pack's unit is below another's. */
static void test_parts(void **state)
{
    struct report rep = {0};
    long units[3], *part_of = NULL;
    bdtx_error err;

    (void)state;
    rep.reg = reg;
    units[0] = at("X1");
    units[1] = at("D1");
    error_clear(&err);
    assert_int_equal(pack_parts(&rep, units, 2, &part_of, &err), 0);
    assert_non_null(part_of);
    assert_int_equal(part_of[at("X1")], 0);
    assert_int_equal(part_of[at("S1")], 0);
    assert_int_equal(part_of[at("S2")], 0);
    assert_int_equal(part_of[at("D1")], 1);
    assert_int_equal(part_of[at("P1")], -1);
    assert_int_equal(part_of[at("S3")], -1);
    assert_int_equal(part_of[at("46")], -1);
    free(part_of);

    units[2] = at("S1");
    part_of = NULL;
    assert_int_equal(pack_parts(&rep, units, 3, &part_of, &err), 0);
    assert_null(part_of);
}

static void test_view(void **state)
{
    struct config cfg = {0};
    struct config_year year = {0};
    struct report rep = {0}, view;
    struct rank_row ranked[2] = {{.unit = 0, .rank = 1}, {.unit = 0, .rank = 2}};
    struct rank_row direct[1] = {{.unit = 0, .rank = 1}};
    struct rank_row schools[3] = {{.unit = 0}, {.unit = 0}, {.unit = 0}};
    struct temis_row temis[2] = {{.unit = 0, .target = "gv"}, {.unit = 0, .target = "gv"}};
    struct ranking rankings[2];
    struct figures cells[2 * 3], prov[2];
    bdtx_date days[2] = {100, 107};
    long trend_units[3];
    struct duplicate_row dup = {0};
    bdtx_error err;
    size_t i;

    (void)state;
    ranked[0].unit = at("X1");
    ranked[0].f.assigned = 10;
    ranked[0].f.passed = 9;
    ranked[0].f.learners = 5;
    ranked[0].to_top = -1;
    ranked[1].unit = at("P1");
    ranked[1].f.assigned = 20;
    ranked[1].f.passed = 5;
    ranked[1].to_top = 11;
    direct[0].unit = at("D1");
    schools[0].unit = at("S3");
    schools[1].unit = at("S1");
    schools[2].unit = at("S2");
    temis[0].unit = at("S1");
    temis[1].unit = at("D1");
    rankings[0] = (struct ranking){.scope = "overall", .kind = UNIT_RANKED, .rows = ranked,
                                   .nrows = 2};
    rankings[1] = (struct ranking){.scope = "overall", .kind = UNIT_DIRECT, .rows = direct,
                                   .nrows = 1};
    trend_units[0] = at("X1");
    trend_units[1] = at("P1");
    trend_units[2] = at("D1");
    for (i = 0; i < 6; i++)
        cells[i] = (struct figures){.assigned = 100 + (int64_t)i, .passed = (int64_t)i};
    rep.cfg = &cfg;
    rep.year = &year;
    rep.reg = reg;
    rep.rankings = rankings;
    rep.nrankings = 2;
    rep.schools = schools;
    rep.nschools = 3;
    rep.temis = temis;
    rep.ntemis = 2;
    rep.trend = (struct trend){.nweeks = 2, .days = days, .nunits = 3, .units = trend_units,
                               .cells = cells, .province = prov};
    rep.duplicates = &dup;
    rep.nduplicates = 1;
    rep.duplicates_total = 1;
    rep.warnings[0].kind = WARN_DUPLICATES;
    rep.warnings[1].kind = WARN_NO_PREVIOUS_WEEK;
    rep.nwarnings = 2;

    error_clear(&err);
    assert_int_equal(pack_view(&rep, at("X1"), &view, &err), 0);
    /* Its own row, rank kept; no row in the direct table. */
    assert_int_equal(view.nrankings, 2);
    assert_int_equal(view.rankings[0].nrows, 1);
    assert_int_equal(view.rankings[0].rows[0].unit, at("X1"));
    assert_int_equal(view.rankings[0].rows[0].rank, 1);
    assert_int_equal(view.rankings[1].nrows, 0);
    assert_int_equal(view.learners, 5);
    assert_int_equal(view.learner_modules, 10);
    /* Its schools, in the report's order, and its TEMIS rows. */
    assert_int_equal(view.nschools, 2);
    assert_int_equal(view.schools[0].unit, at("S1"));
    assert_int_equal(view.schools[1].unit, at("S2"));
    assert_int_equal(view.ntemis, 1);
    assert_int_equal(view.temis[0].unit, at("S1"));
    /* Its trend column (the first of three), the province's beside it. */
    assert_int_equal(view.trend.nunits, 1);
    assert_int_equal(view.trend.units[0], at("X1"));
    assert_int_equal(view.trend.cells[0].assigned, 100);
    assert_int_equal(view.trend.cells[1].assigned, 103);
    assert_ptr_equal(view.trend.province, prov);
    /* Nothing of the province's duplicate rows (they name accounts). */
    assert_int_equal(view.nduplicates, 0);
    assert_int_equal(view.duplicates_total, 0);
    assert_int_equal(view.nwarnings, 1);
    assert_int_equal(view.warnings[0].kind, WARN_NO_PREVIOUS_WEEK);
    pack_view_release(&view);

    /* A direct unit: its row in the direct table, no school but itself. */
    schools[0].unit = at("D1");
    assert_int_equal(pack_view(&rep, at("D1"), &view, &err), 0);
    assert_int_equal(view.rankings[0].nrows, 0);
    assert_int_equal(view.rankings[1].nrows, 1);
    assert_int_equal(view.nschools, 1);
    assert_int_equal(view.schools[0].unit, at("D1"));
    assert_int_equal(view.trend.cells[0].assigned, 102);
    pack_view_release(&view);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_code_safe),
        cmocka_unit_test(test_within),
        cmocka_unit_test(test_parts),
        cmocka_unit_test(test_view),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
