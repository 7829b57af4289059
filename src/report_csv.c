#include "bdtx/report_csv.h"

#include <inttypes.h>
#include <string.h>

#include "bdtx/compute.h"

static void csv_field(FILE *out, const char *s)
{
    if (strpbrk(s, ",\"\r\n") == NULL) {
        fputs(s, out);
        return;
    }
    fputc('"', out);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', out);
        fputc(*s, out);
    }
    fputc('"', out);
}

static void csv_row(FILE *out, const struct report *rep, const char *kind, const char *code,
                    const char *name, const struct figures *f, int rank, int group,
                    bool has_delta, double delta)
{
    char buf[40];

    fprintf(out, "%s,", kind);
    csv_field(out, code);
    fputc(',', out);
    csv_field(out, name);
    fprintf(out, ",%" PRId64 ",%" PRId64 ",%" PRId64 ",%" PRId64 ",%" PRId64 ",%" PRId64 ",",
            f->gv_assigned, f->gv_passed, f->cbql_assigned, f->cbql_passed, f->assigned,
            f->passed);
    if (f->assigned > 0) {
        value_format_double(compute_rate(f->passed, f->assigned), buf, sizeof buf);
        fputs(buf, out);
    }
    fputc(',', out);
    if (rank > 0)
        fprintf(out, "%d", rank);
    fputc(',', out);
    if (group >= 0)
        csv_field(out, rep->year->groups[group].name);
    fputc(',', out);
    if (has_delta) {
        value_format_double(delta, buf, sizeof buf);
        fputs(buf, out);
    }
    fprintf(out, ",%" PRId64 ",%" PRId64 ",", f->learners, f->completed);
    if (f->learners > 0) {
        value_format_double(compute_rate(f->completed, f->learners), buf, sizeof buf);
        fputs(buf, out);
    }
    fputs("\r\n", out);
}

int report_csv_write(const struct report *rep, FILE *out)
{
    size_t k, i;

    fputs("\xEF\xBB\xBF" "unit_kind,unit_code,unit_name,gv_assigned,gv_passed,cbql_assigned,"
          "cbql_passed,assigned,passed,rate,rank,group,delta_pp,learners,learners_completed,"
          "learner_rate\r\n", out);
    for (k = 0; k < 2 && k < rep->nrankings; k++) {
        const struct ranking *rk = &rep->rankings[k];

        for (i = 0; i < rk->nrows; i++) {
            const struct rank_row *row = &rk->rows[i];
            const struct unit *u = &rep->reg.units[row->unit];

            csv_row(out, rep, rk->kind == UNIT_RANKED ? "ranked" : "direct", u->code, u->name,
                    &row->f, row->rank, row->group, row->has_delta, row->delta_pp);
        }
    }
    csv_row(out, rep, "province", rep->cfg->province.code,
            rep->cfg->province.name ? rep->cfg->province.name : "", &rep->total, 0,
            rep->total_group, rep->total_has_delta, rep->total_delta_pp);
    return ferror(out) ? -1 : 0;
}
