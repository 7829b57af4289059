/* The workbook writer without a database: a report built in memory from the
 * fixture's configuration and registry, written, and read back with the
 * project's own reader. Covers what the fixture weeks cannot: a learners
 * list longer than a sheet continues on further sheets, numbered on; the
 * English labels; a workbook that cannot be written is an error. */
#include <math.h>

#include "bdtx/compute.h"
#include "bdtx/config.h"
#include "bdtx/report_xlsx.h"
#include "bdtx/sheet.h"
#include "test_util.h"

struct fake {
    struct config cfg;
    struct report rep;
};

static void build_ranking(struct report *rep, struct ranking *rk, enum unit_kind kind,
                          const char *module, int salt)
{
    size_t i;

    memset(rk, 0, sizeof *rk);
    snprintf(rk->scope, sizeof rk->scope, "%s%s", module ? "module:" : "overall",
             module ? module : "");
    rk->module = module;
    rk->kind = kind;
    rk->rows = calloc(rep->reg.count, sizeof *rk->rows);
    assert_non_null(rk->rows);
    for (i = 0; i < rep->reg.count; i++) {
        struct rank_row *row;

        if (rep->reg.units[i].kind != kind)
            continue;
        row = &rk->rows[rk->nrows++];
        row->unit = (long)i;
        row->f.gv_assigned = 40 + (int64_t)i;
        row->f.gv_passed = (int64_t)((i * 7 + (size_t)salt) % 41);
        row->f.cbql_assigned = 5;
        row->f.cbql_passed = (int64_t)(i % 6);
        row->f.assigned = row->f.gv_assigned + row->f.cbql_assigned;
        row->f.passed = row->f.gv_passed + row->f.cbql_passed;
        row->group = compute_group(rep->year->groups, rep->year->ngroups, row->f.passed,
                                   row->f.assigned);
        row->has_delta = i % 3 != 0;
        row->delta_pp = (double)((int)(i % 5) - 2) * 1.25;
    }
    compute_rank(rk->rows, rk->nrows, &rep->reg);
}

static int setup(void **state)
{
    struct fake *f = calloc(1, sizeof *f);
    bdtx_error err;
    size_t m;

    assert_non_null(f);
    error_clear(&err);
    assert_int_equal(config_load(FIXTURE_DIR "/bdtx.yaml", &f->cfg, &err), 0);
    f->rep.cfg = &f->cfg;
    f->rep.year = &f->cfg.years[0];
    f->rep.as_of = date_from_ymd(2020, 11, 22);
    date_iso_week(f->rep.as_of, &f->rep.iso_year, &f->rep.week);
    assert_int_equal(registry_read_file(FIXTURE_DIR "/units.csv", &f->rep.reg, &err), 0);
    f->rep.rankings = calloc(2 * (f->rep.year->nmodules + 1), sizeof *f->rep.rankings);
    f->rep.module_totals = calloc(f->rep.year->nmodules + 1, sizeof *f->rep.module_totals);
    assert_non_null(f->rep.rankings);
    assert_non_null(f->rep.module_totals);
    for (m = 0; m <= f->rep.year->nmodules; m++) {
        const char *code = m ? f->rep.year->modules[m - 1].code : NULL;

        build_ranking(&f->rep, &f->rep.rankings[f->rep.nrankings++], UNIT_RANKED, code, (int)m);
        build_ranking(&f->rep, &f->rep.rankings[f->rep.nrankings++], UNIT_DIRECT, code, (int)m);
    }
    f->rep.total.assigned = 1000;
    f->rep.total.passed = 640;
    f->rep.total_group = compute_group(f->rep.year->groups, f->rep.year->ngroups, 640, 1000);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fake *f = *state;

    report_release(&f->rep);
    config_release(&f->cfg);
    free(f);
    return 0;
}

/* A source of n learners not passed, spread over the registry's schools,
 * given as (learner, module) pairs in the order people_open gives them:
 * every learner owes M1, every third also M2, and every fifth has a pair of
 * a module no longer configured (M9), which has no column. */
struct gen {
    const struct report *rep;
    long n, i;
    size_t unit;
    char account[32], name[64];
    int k;                      /* the learner's pairs given so far */
};

static int gen_next(void *ctx, struct person_row *row, bdtx_error *err)
{
    struct gen *g = ctx;
    static const char *const modules[] = {"M1", "M2", "M9"};

    (void)err;
    for (;;) {
        if (g->k == 0 || g->k == 3) {
            if (g->k == 3 && g->i % 3 == 0)
                g->unit = (g->unit + 1) % g->rep->reg.count;
            if (g->i >= g->n)
                return 0;
            while (g->rep->reg.units[g->unit].kind != UNIT_SCHOOL)
                g->unit = (g->unit + 1) % g->rep->reg.count;
            g->i++;
            g->k = 0;
            snprintf(g->account, sizeof g->account, "gv%05ld", g->i);
            snprintf(g->name, sizeof g->name, "Nguyễn Văn %ld", g->i);
        }
        g->k++;
        if ((g->k == 2 && g->i % 3 != 0) || (g->k == 3 && g->i % 5 != 0))
            continue;
        break;
    }
    row->unit_code = g->rep->reg.units[g->unit].code;
    row->account = g->account;
    row->full_name = g->name;
    row->role = g->i % 4 ? "gv" : "cbql";
    row->module = modules[g->k - 1];
    row->state = (int)(g->i % 2);
    return 1;
}

/* Reads every row of every sheet of path, which must all read back (the
 * XML well formed and whole UTF-8: the reader's XML parser stops at a
 * broken character), and gives the sheets' names, '|'-joined, in out
 * (NULL: not wanted). */
static void read_sheets(const char *path, char *out, size_t cap)
{
    struct sheet_reader *r = NULL;
    struct sheet_select which = {NULL, 0};
    struct sheet_row row;
    bdtx_error err;
    size_t i, n;
    int rc;

    error_clear(&err);
    if (out)
        out[0] = '\0';
    assert_int_equal(sheet_open_sheet(path, NULL, &which, &r, &err), 0);
    n = sheet_count(r);
    sheet_close(r);
    for (i = 0; i < n; i++) {
        which.index = i;
        assert_int_equal(sheet_open_sheet(path, NULL, &which, &r, &err), 0);
        if (out && i)
            strncat(out, "|", cap - strlen(out) - 1);
        if (out)
            strncat(out, sheet_name(r), cap - strlen(out) - 1);
        while ((rc = sheet_next(r, &row, &err)) == 1)
            ;
        if (rc != 0)
            fail_msg("sheet %zu: %s", i, err.message);
        sheet_close(r);
    }
}

/* Reads the learners sheets named base, base (2), ... and checks that their
 * numbers run 1..n without a gap, one row per learner, that no sheet has
 * more than max rows, and that the module cells owed are those gen_next
 * gave: M1 for every learner, M2 for every third, M9 nowhere. */
static void check_people(const char *path, const char *base, long n, uint32_t max,
                         int want_parts)
{
    long next = 1, owed[2] = {0, 0};
    int part;

    for (part = 1;; part++) {
        char name[64];
        struct sheet_select which = {name, 0};
        struct sheet_reader *r = NULL;
        struct sheet_row row;
        bdtx_error err;
        size_t c;
        int rc;

        error_clear(&err);
        if (part == 1)
            snprintf(name, sizeof name, "%s", base);
        else
            snprintf(name, sizeof name, "%s (%d)", base, part);
        if (sheet_open_sheet(path, NULL, &which, &r, &err) != 0)
            break;
        while ((rc = sheet_next(r, &row, &err)) == 1) {
            char account[32];

            assert_true(row.number <= (long)max);
            if (row.ncells == 0 || !row.cells[0].numeric)
                continue;
            assert_int_equal(strtol(row.cells[0].text, NULL, 10), next);
            snprintf(account, sizeof account, "gv%05ld", next);
            assert_true(row.ncells >= 5);
            assert_string_equal(row.cells[4].text, account);
            assert_true(row.ncells <= 9);      /* 7 + the two configured modules */
            for (c = 7; c < row.ncells; c++)
                owed[c - 7] += row.cells[c].text[0] != '\0';
            assert_true(row.ncells > 7 && row.cells[7].text[0] != '\0');
            next++;
        }
        assert_int_equal(rc, 0);
        sheet_close(r);
    }
    assert_int_equal(next - 1, n);
    assert_int_equal(owed[0], n);
    assert_int_equal(owed[1], n / 3);
    assert_int_equal(part - 1, want_parts);
}

static void test_people_continue(void **state)
{
    struct fake *f = *state;
    struct gen g = {&f->rep, 25, 0, 0, "", "", 0};
    struct people_source src = {gen_next, &g};
    struct report_xlsx_options opt = {.people = &src, .max_sheet_rows = 10};
    char *path = temp_file("", ""), names[512];
    bdtx_error err;

    error_clear(&err);
    assert_int_equal(report_xlsx_write(&f->rep, path, &opt, &err), 0);
    read_sheets(path, names, sizeof names);
    /* Rows 1-4 are the title and the header: 6 learners a sheet, 25 in 5. */
    assert_string_equal(names, "Xếp hạng|Mô đun M1|Mô đun M2|Trường|TEMIS|Chưa hoàn thành|"
                               "Chưa hoàn thành (2)|Chưa hoàn thành (3)|Chưa hoàn thành (4)|"
                               "Chưa hoàn thành (5)|Xu hướng|Dữ liệu");
    check_people(path, "Chưa hoàn thành", 25, 10, 5);
    unlink(path);
    free(path);
}

static void test_people_one_sheet(void **state)
{
    struct fake *f = *state;
    struct gen g = {&f->rep, 300, 0, 0, "", "", 0};
    struct people_source src = {gen_next, &g};
    struct report_xlsx_options opt = {.people = &src, .max_sheet_rows = 0};
    char *path = temp_file("", "");
    bdtx_error err;

    error_clear(&err);
    assert_int_equal(report_xlsx_write(&f->rep, path, &opt, &err), 0);
    check_people(path, "Chưa hoàn thành", 300, REPORT_XLSX_MAX_ROWS, 1);
    unlink(path);
    free(path);
}

/* Rates are numbers, not text; the first ranked row is the best rate. */
static void test_rates_are_numbers(void **state)
{
    struct fake *f = *state;
    char *path = temp_file("", "");
    struct sheet_select which = {"Xếp hạng", 0};
    struct sheet_reader *r = NULL;
    struct sheet_row row;
    bdtx_error err;
    int rows = 0;

    error_clear(&err);
    assert_int_equal(report_xlsx_write(&f->rep, path, NULL, &err), 0);
    assert_int_equal(sheet_open_sheet(path, NULL, &which, &r, &err), 0);
    while (sheet_next(r, &row, &err) == 1) {
        const struct rank_row *want;
        const struct unit *u;

        if (row.ncells < 12 || !row.cells[0].numeric || rows >= (int)f->rep.rankings[0].nrows)
            continue;
        want = &f->rep.rankings[0].rows[rows++];
        u = &f->rep.reg.units[want->unit];
        assert_string_equal(row.cells[1].text, u->code);
        assert_true(row.cells[11].numeric);
        assert_true(fabs(strtod(row.cells[11].text, NULL) -
                         compute_rate(want->f.passed, want->f.assigned)) < 1e-12);
        assert_true(row.cells[9].numeric);
        assert_int_equal(strtoll(row.cells[9].text, NULL, 10), want->f.assigned);
    }
    assert_int_equal(rows, (int)f->rep.rankings[0].nrows);
    sheet_close(r);
    unlink(path);
    free(path);
}

static void test_english(void **state)
{
    struct fake *f = *state;
    struct gen g = {&f->rep, 7, 0, 0, "", "", 0};
    struct people_source src = {gen_next, &g};
    struct report_xlsx_options opt = {.people = &src, .max_sheet_rows = 8};
    char *path = temp_file("", ""), names[512], *saved = f->cfg.report.language;
    bdtx_error err;

    error_clear(&err);
    f->cfg.report.language = (char *)"en";
    assert_int_equal(report_xlsx_write(&f->rep, path, &opt, &err), 0);
    f->cfg.report.language = saved;
    read_sheets(path, names, sizeof names);
    assert_string_equal(names, "Ranking|Module M1|Module M2|Schools|TEMIS|Not passed|"
                               "Not passed (2)|Trend|Data");
    check_people(path, "Not passed", 7, 8, 2);
    unlink(path);
    free(path);
}

/* The data sheet's general lines: a province's name longer than any
 * fixed buffer comes back whole (a cut could split a character in two),
 * and the generation time is the province's clock with its offset. */
static void test_data_general(void **state)
{
    struct fake *f = *state;
    char *path = temp_file("", ""), *saved = f->cfg.province.name, name[512], want[600];
    struct sheet_select which = {"Dữ liệu", 0};
    struct sheet_reader *r = NULL;
    struct sheet_row row;
    bdtx_error err;
    bool seen_name = false, seen_time = false;
    size_t i;

    error_clear(&err);
    name[0] = '\0';
    /* 20 times a 20-byte name with Vietnamese letters: 400 bytes. */
    for (i = 0; i < 20; i++)
        strcat(name, "Thừa Thiên Huế ");
    f->cfg.province.name = name;
    snprintf(want, sizeof want, "%s – %s", f->cfg.province.code, name);
    /* 2020-11-22 17:30:00 UTC, shown as 2020-11-23 00:30:00 at UTC+07:00. */
    f->rep.generated_at = 1606066200;
    f->rep.generated_offset = 25200;
    assert_int_equal(report_xlsx_write(&f->rep, path, NULL, &err), 0);
    f->cfg.province.name = saved;
    assert_int_equal(sheet_open_sheet(path, NULL, &which, &r, &err), 0);
    while (sheet_next(r, &row, &err) == 1) {
        if (row.ncells < 2)
            continue;
        if (strcmp(row.cells[0].text, "Tỉnh") == 0) {
            assert_string_equal(row.cells[1].text, want);
            seen_name = true;
        }
        if (strcmp(row.cells[0].text, "Thời điểm tạo") == 0) {
            assert_string_equal(row.cells[1].text, "2020-11-23 00:30:00 (UTC+07:00)");
            seen_time = true;
        }
    }
    sheet_close(r);
    assert_true(seen_name);
    assert_true(seen_time);
    unlink(path);
    free(path);
}

/* A unit's name longer than the labels' buffers (a registry does not bound
 * it): where a label is cut, it is cut between characters, never inside
 * one, for each length of cut (a 3-byte letter, shifted by one byte). */
static void test_long_unit_name(void **state)
{
    struct fake *f = *state;
    struct unit *u = &f->rep.reg.units[f->rep.rankings[0].rows[0].unit];
    char *saved = u->name, name[1024];
    int shift;

    for (shift = 0; shift < 3; shift++) {
        char *path = temp_file("", "");
        bdtx_error err;
        size_t i;

        error_clear(&err);
        memset(name, 'x', (size_t)shift);
        name[shift] = '\0';
        for (i = 0; i < 300; i++)
            strcat(name, "ệ");
        u->name = name;
        f->rep.total_unit = u;
        assert_int_equal(report_xlsx_write(&f->rep, path, NULL, &err), 0);
        u->name = saved;
        f->rep.total_unit = NULL;
        read_sheets(path, NULL, 0);
        unlink(path);
        free(path);
    }
}

static void test_unwritable(void **state)
{
    struct fake *f = *state;
    bdtx_error err;

    error_clear(&err);
    assert_int_equal(report_xlsx_write(&f->rep, "/nonexistent-folder/week.xlsx", NULL, &err),
                     -1);
    /* A file that cannot be created: 73, as for every writer. */
    assert_int_equal(err.code, BDTX_CANTCREAT);
    assert_non_null(strstr(err.message, "cannot write the workbook"));
    assert_string_equal(err.file, "/nonexistent-folder/week.xlsx");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_people_continue, setup, teardown),
        cmocka_unit_test_setup_teardown(test_people_one_sheet, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rates_are_numbers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_english, setup, teardown),
        cmocka_unit_test_setup_teardown(test_data_general, setup, teardown),
        cmocka_unit_test_setup_teardown(test_long_unit_name, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unwritable, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
