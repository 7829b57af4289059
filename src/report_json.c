#include "bdtx/report_json.h"

#include <inttypes.h>
#include <string.h>

#include "bdtx/compute.h"

/* A JSON string: UTF-8 passes through, quotes, backslashes and control
 * characters are escaped. */
static void json_string(FILE *out, const char *s)
{
    fputc('"', out);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;

        if (c == '"' || c == '\\')
            fprintf(out, "\\%c", c);
        else if (c < 0x20)
            fprintf(out, "\\u%04x", c);
        else
            fputc(c, out);
    }
    fputc('"', out);
}

static void json_double(FILE *out, double v)
{
    char buf[40];

    value_format_double(v, buf, sizeof buf);
    fputs(buf, out);
}

static void json_rate(FILE *out, int64_t passed, int64_t assigned)
{
    if (assigned > 0)
        json_double(out, compute_rate(passed, assigned));
    else
        fputs("null", out);
}

static void json_group(FILE *out, const struct report *rep, int group)
{
    if (group >= 0)
        json_string(out, rep->year->groups[group].name);
    else
        fputs("null", out);
}

/* -1 is null. */
static void json_count(FILE *out, const char *key, int64_t v)
{
    if (v >= 0)
        fprintf(out, ", \"%s\": %" PRId64, key, v);
    else
        fprintf(out, ", \"%s\": null", key);
}

/* Rule 10's people figures of f; with split, GV and CBQL apart too. */
static void json_people(FILE *out, const struct figures *f, bool split)
{
    if (split)
        fprintf(out, ", \"gv_learners\": %" PRId64 ", \"gv_learners_completed\": %" PRId64
                     ", \"cbql_learners\": %" PRId64 ", \"cbql_learners_completed\": %" PRId64,
                f->gv_learners, f->gv_completed, f->cbql_learners, f->cbql_completed);
    fprintf(out, ", \"learners\": %" PRId64 ", \"learners_completed\": %" PRId64
                 ", \"learner_rate\": ", f->learners, f->completed);
    json_rate(out, f->completed, f->learners);
}

static void json_rank_row(FILE *out, const struct report *rep, const struct rank_row *row)
{
    const struct unit *u = &rep->reg.units[row->unit];

    fputs("{\"unit_code\": ", out);
    json_string(out, u->code);
    fputs(", \"unit_name\": ", out);
    json_string(out, u->name);
    fprintf(out, ", \"gv_assigned\": %" PRId64 ", \"gv_passed\": %" PRId64
                 ", \"cbql_assigned\": %" PRId64 ", \"cbql_passed\": %" PRId64
                 ", \"assigned\": %" PRId64 ", \"passed\": %" PRId64 ", \"rate\": ",
            row->f.gv_assigned, row->f.gv_passed, row->f.cbql_assigned, row->f.cbql_passed,
            row->f.assigned, row->f.passed);
    json_rate(out, row->f.passed, row->f.assigned);
    if (row->rank > 0)
        fprintf(out, ", \"rank\": %d", row->rank);
    else
        fputs(", \"rank\": null", out);
    fputs(", \"group\": ", out);
    json_group(out, rep, row->group);
    fputs(", \"delta_pp\": ", out);
    if (row->has_delta)
        json_double(out, row->delta_pp);
    else
        fputs("null", out);
    json_count(out, "to_next_group", row->to_next);
    json_count(out, "to_top_group", row->to_top);
    json_people(out, &row->f, true);
    fputc('}', out);
}

int report_json_write(const struct report *rep, FILE *out)
{
    char as_of[11], centi[16];
    size_t i, j;

    date_format_iso(rep->as_of, as_of);
    fputs("{\n  \"province\": {\"code\": ", out);
    json_string(out, rep->cfg->province.code);
    fputs(", \"name\": ", out);
    json_string(out, rep->cfg->province.name);
    fputs("},\n  \"school_year\": ", out);
    json_string(out, rep->year->id);
    fprintf(out, ",\n  \"week\": \"%04d-W%02d\",\n  \"as_of\": \"%s\",\n  \"groups\": [",
            rep->iso_year, rep->week, as_of);
    for (i = 0; i < rep->year->ngroups; i++) {
        fputs(i ? ", {\"name\": " : "{\"name\": ", out);
        json_string(out, rep->year->groups[i].name);
        fputs(", \"min_percent\": ", out);
        value_format_centi(rep->year->groups[i].min_centi, centi, sizeof centi);
        fputs(centi, out);
        fputc('}', out);
    }
    fprintf(out, "],\n  \"learners\": %" PRId64 ",\n  \"learner_modules\": %" PRId64
                 ",\n  \"rankings\": [",
            rep->learners, rep->learner_modules);
    for (i = 0; i < rep->nrankings; i++) {
        const struct ranking *rk = &rep->rankings[i];

        fprintf(out, "%s\n    {\"scope\": ", i ? "," : "");
        json_string(out, rk->scope);
        fprintf(out, ", \"unit_kind\": \"%s\", \"rows\": [",
                rk->kind == UNIT_RANKED ? "ranked" : "direct");
        for (j = 0; j < rk->nrows; j++) {
            fputs(j ? ",\n      " : "\n      ", out);
            json_rank_row(out, rep, &rk->rows[j]);
        }
        fputs("]}", out);
    }
    fprintf(out, "],\n  \"province_total\": {\"assigned\": %" PRId64 ", \"passed\": %" PRId64
                 ", \"rate\": ", rep->total.assigned, rep->total.passed);
    json_rate(out, rep->total.passed, rep->total.assigned);
    fputs(", \"group\": ", out);
    json_group(out, rep, rep->total_group);
    json_people(out, &rep->total, true);
    fputs("},\n  \"people_total\": {", out);
    /* The same people figures on their own, as the Sở reports them. */
    fprintf(out, "\"learners\": %" PRId64 ", \"learners_completed\": %" PRId64
                 ", \"learner_rate\": ", rep->total.learners, rep->total.completed);
    json_rate(out, rep->total.completed, rep->total.learners);
    fputs("},\n  \"progress\": [", out);
    for (i = 0; i < rep->nprogress; i++) {
        const struct progress_row *p = &rep->progress[i];
        char day[11];

        fputs(i ? ",\n    {\"unit_code\": " : "\n    {\"unit_code\": ", out);
        json_string(out, rep->reg.units[p->unit].code);
        fputs(", \"module\": ", out);
        json_string(out, rep->year->modules[p->module].code);
        date_format_iso(rep->year->modules[p->module].opens, day);
        fprintf(out, ", \"opens\": \"%s\"", day);
        date_format_iso(rep->year->modules[p->module].due, day);
        fprintf(out, ", \"due\": \"%s\", \"expected_rate\": ", day);
        json_double(out, p->expected_rate);
        fputs(", \"rate\": ", out);
        json_rate(out, p->passed, p->assigned);
        fputs(", \"group\": ", out);
        json_group(out, rep, p->group);
        fputs(", \"pace_per_week\": ", out);
        if (p->has_pace)
            json_double(out, p->pace);
        else
            fputs("null", out);
        json_count(out, "to_top_group", p->to_top);
        if (p->has_projection) {
            date_format_iso(p->projected, day);
            fprintf(out, ", \"projected_date\": \"%s\"", day);
        } else {
            fputs(", \"projected_date\": null", out);
        }
        fprintf(out, ", \"at_risk\": %s}", p->at_risk ? "true" : "false");
    }
    fputs("],\n  \"schools\": [", out);
    for (i = 0; i < rep->nschools; i++) {
        const struct rank_row *s = &rep->schools[i];
        const struct unit *u = &rep->reg.units[s->unit];

        fputs(i ? ",\n    {\"unit_code\": " : "\n    {\"unit_code\": ", out);
        json_string(out, u->code);
        fputs(", \"unit_name\": ", out);
        json_string(out, u->name);
        fputs(", \"parent_code\": ", out);
        json_string(out, u->parent_code ? u->parent_code : "");
        fprintf(out, ", \"assigned\": %" PRId64 ", \"passed\": %" PRId64 ", \"rate\": ",
                s->f.assigned, s->f.passed);
        json_rate(out, s->f.passed, s->f.assigned);
        if (s->rank > 0)
            fprintf(out, ", \"rank_in_parent\": %d", s->rank);
        else
            fputs(", \"rank_in_parent\": null", out);
        fputs(", \"group\": ", out);
        json_group(out, rep, s->group);
        json_count(out, "to_next_group", s->to_next);
        json_count(out, "to_top_group", s->to_top);
        json_people(out, &s->f, true);
        fputc('}', out);
    }
    fputs("],\n  \"temis\": [", out);
    for (i = 0; i < rep->ntemis; i++) {
        const struct temis_row *t = &rep->temis[i];
        int64_t metric = rep->year->temis_metric == TEMIS_HEAD_ASSESSED ? t->head_assessed
                                                                         : t->self_assessed;

        fputs(i ? ",\n    {\"unit_code\": " : "\n    {\"unit_code\": ", out);
        json_string(out, rep->reg.units[t->unit].code);
        fprintf(out, ", \"target\": \"%s\", \"total\": %" PRId64 ", \"self_assessed\": %" PRId64,
                t->target, t->total, t->self_assessed);
        if (t->has_head)
            fprintf(out, ", \"head_assessed\": %" PRId64 ", \"rate\": ", t->head_assessed);
        else
            fputs(", \"head_assessed\": null, \"rate\": ", out);
        if (rep->year->temis_metric == TEMIS_HEAD_ASSESSED && !t->has_head)
            fputs("null", out);
        else
            json_rate(out, metric, t->total);
        fputc('}', out);
    }
    fputs("],\n  \"imports\": [", out);
    for (i = 0; i < rep->nimports; i++) {
        const struct import_row *im = &rep->imports[i];

        fputs(i ? ",\n    {\"file\": " : "\n    {\"file\": ", out);
        json_string(out, im->file);
        fputs(", \"source\": ", out);
        json_string(out, im->source);
        fprintf(out, ", \"as_of\": \"%s\", \"rows\": %ld, \"rejected\": %ld}", im->as_of,
                im->rows, im->rejected);
    }
    fputs("]\n}\n", out);
    return ferror(out) ? -1 : 0;
}
