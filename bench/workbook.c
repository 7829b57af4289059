/* The workbook writer alone, at scale: a report of the fixture's registry
 * with N synthetic learners not passed (no database), written to FILE in
 * constant-memory mode, then read back with bdtx's own reader. Prints the
 * write time, the peak RSS, the file size, and the sheets with their rows,
 * so that a learners list longer than Excel's 1,048,576 rows is seen to
 * continue on a further sheet.
 *   bdtx-bench-workbook CONFIG UNITS N FILE */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>

#include "bdtx/compute.h"
#include "bdtx/config.h"
#include "bdtx/report_xlsx.h"
#include "bdtx/sheet.h"

struct gen {
    const struct registry *reg;
    long n, i;
    size_t unit;
    char account[32], name[64];
};

static int gen_next(void *ctx, struct person_row *row, bdtx_error *err)
{
    struct gen *g = ctx;

    (void)err;
    if (g->i >= g->n)
        return 0;
    while (g->reg->units[g->unit].kind != UNIT_SCHOOL)
        g->unit = (g->unit + 1) % g->reg->count;
    g->i++;
    snprintf(g->account, sizeof g->account, "%09ld", 200000000 + g->i);
    snprintf(g->name, sizeof g->name, "Nguyễn Thị Học Viên %ld", g->i);
    row->unit_code = g->reg->units[g->unit].code;
    row->account = g->account;
    row->full_name = g->name;
    row->role = g->i % 8 ? "gv" : "cbql";
    row->module = g->i % 3 ? "M1" : "M2";
    row->state = (int)(g->i % 2);
    if (g->i % 40 == 0)
        g->unit = (g->unit + 1) % g->reg->count;
    return 1;
}

static double now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    struct config cfg;
    struct report rep;
    struct gen g;
    struct people_source src = {gen_next, &g};
    struct report_xlsx_options opt = {.people = &src, .max_sheet_rows = 0};
    struct rusage ru;
    struct stat st;
    bdtx_error err;
    size_t k, i, nsheets;
    double t0, t1;

    if (argc != 5) {
        fprintf(stderr, "usage: bdtx-bench-workbook CONFIG UNITS N FILE\n");
        return 64;
    }
    error_clear(&err);
    memset(&rep, 0, sizeof rep);
    if (config_load(argv[1], &cfg, &err) != 0)
        goto fail;
    rep.cfg = &cfg;
    rep.year = &cfg.years[0];
    rep.as_of = rep.year->start + 84;
    date_iso_week(rep.as_of, &rep.iso_year, &rep.week);
    if (registry_read_file(argv[2], &rep.reg, &err) != 0)
        goto fail;
    rep.rankings = calloc(2 * (rep.year->nmodules + 1), sizeof *rep.rankings);
    rep.module_totals = calloc(rep.year->nmodules + 1, sizeof *rep.module_totals);
    if (!rep.rankings || !rep.module_totals)
        return 70;
    for (k = 0; k < 2 * (rep.year->nmodules + 1); k++) {
        struct ranking *rk = &rep.rankings[rep.nrankings++];

        rk->kind = k % 2 ? UNIT_DIRECT : UNIT_RANKED;
        rk->module = k < 2 ? NULL : rep.year->modules[k / 2 - 1].code;
        rk->rows = calloc(rep.reg.count, sizeof *rk->rows);
        if (!rk->rows)
            return 70;
        for (i = 0; i < rep.reg.count; i++) {
            struct rank_row *row;

            if (rep.reg.units[i].kind != rk->kind)
                continue;
            row = &rk->rows[rk->nrows++];
            row->unit = (long)i;
            row->f.assigned = row->f.gv_assigned = 100 + (int64_t)i;
            row->f.passed = row->f.gv_passed = 50 + (int64_t)(i * 13 % 50);
            row->group = compute_group(rep.year->groups, rep.year->ngroups, row->f.passed,
                                       row->f.assigned);
        }
        compute_rank(rk->rows, rk->nrows, &rep.reg);
    }
    g = (struct gen){&rep.reg, strtol(argv[3], NULL, 10), 0, 0, "", ""};
    t0 = now();
    if (report_xlsx_write(&rep, argv[4], &opt, &err) != 0)
        goto fail;
    t1 = now();
    getrusage(RUSAGE_SELF, &ru);
    stat(argv[4], &st);
    printf("workbook with %ld learners not passed: %.2f s, peak RSS %ld MB, %.1f MB on disk\n",
           g.n, t1 - t0, ru.ru_maxrss / 1024, (double)st.st_size / 1048576.0);
    {
        struct sheet_reader *r = NULL;
        struct sheet_select which = {NULL, 0};

        if (sheet_open_sheet(argv[4], NULL, &which, &r, &err) != 0)
            goto fail;
        nsheets = sheet_count(r);
        sheet_close(r);
        for (i = 0; i < nsheets; i++) {
            struct sheet_row row;
            long rows = 0, last = 0;
            int rc;

            which.index = i;
            if (sheet_open_sheet(argv[4], NULL, &which, &r, &err) != 0)
                goto fail;
            while ((rc = sheet_next(r, &row, &err)) == 1) {
                rows++;
                last = row.number;
            }
            printf("  sheet %-22s %8ld rows, last row %ld\n", sheet_name(r), rows, last);
            sheet_close(r);
            if (rc < 0)
                goto fail;
        }
    }
    report_release(&rep);
    config_release(&cfg);
    return 0;
fail:
    error_print(&err, stderr);
    return 1;
}
