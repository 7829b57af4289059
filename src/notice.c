#include "bdtx/notice.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "bdtx/units.h"

struct notice_labels {
    const char *title, *unit, *province, *as_of, *rate, *pairs, *people, *people_unit, *gv,
        *cbql, *group, *no_group, *rank, *delta, *delta_unit, *province_rate, *needs, *needs_next,
        *needs_top, *needs_pairs, *needs_people, *top_already, *deadline, *deadline_item,
        *expected, *never, *at_risk, *schools_below, *units_below, *nation_rate, *praised, *chased,
        *item_rank, *item_group, *scope;
    char decimal;
};

static const struct notice_labels vi = {
    .title = "THÔNG BÁO KẾT QUẢ BỒI DƯỠNG THƯỜNG XUYÊN NĂM HỌC %s – TUẦN %d (%04d-W%02d)",
    .unit = "Đơn vị",
    .province = "Tỉnh",
    .scope = "Phạm vi",
    .as_of = "Tính đến ngày",
    .rate = "Tỷ lệ hoàn thành",
    .pairs = "lượt",
    .people = "Người hoàn thành",
    .people_unit = "người",
    .gv = "GV",
    .cbql = "CBQL",
    .group = "Nhóm",
    .no_group = "chưa xếp nhóm",
    .rank = "Xếp hạng",
    .delta = "So với tuần trước",
    .delta_unit = "điểm %",
    .province_rate = "Toàn tỉnh",
    .needs = "Cần thêm",
    .needs_next = "%" PRId64 " %s hoàn thành để lên nhóm %s",
    .needs_top = "%" PRId64 " %s hoàn thành để đạt nhóm %s",
    .needs_pairs = "lượt",
    .needs_people = "người",
    .top_already = "đã ở nhóm %s",
    .deadline = "Hạn",
    .deadline_item = "Mô đun %s hạn %s: cần đạt %s, đã đạt %s; ",
    .expected = "dự kiến đạt nhóm %s ngày %s",
    .never = "chưa có tiến độ, chưa thể dự kiến",
    .at_risk = " – CÓ NGUY CƠ KHÔNG KỊP HẠN",
    .schools_below = "Trường chưa đạt nhóm",
    .units_below = "Đơn vị chưa đạt nhóm",
    .nation_rate = "Toàn quốc",
    .praised = "Biểu dương",
    .chased = "Đôn đốc, nhắc nhở",
    .item_rank = "hạng",
    .item_group = "nhóm",
    .decimal = ',',
};

static const struct notice_labels en = {
    .title = "CONTINUOUS TRAINING RESULTS, SCHOOL YEAR %s – WEEK %d (%04d-W%02d)",
    .unit = "Unit",
    .province = "Province",
    .scope = "Scope",
    .as_of = "As of",
    .rate = "Completion rate",
    .pairs = "pairs",
    .people = "People completed",
    .people_unit = "people",
    .gv = "Teachers",
    .cbql = "Managers",
    .group = "Group",
    .no_group = "no group",
    .rank = "Rank",
    .delta = "Change from last week",
    .delta_unit = "points",
    .province_rate = "Province",
    .needs = "Needs",
    .needs_next = "%" PRId64 " more %s passed to reach group %s",
    .needs_top = "%" PRId64 " more %s passed to reach group %s",
    .needs_pairs = "pairs",
    .needs_people = "people",
    .top_already = "already in group %s",
    .deadline = "Deadline",
    .deadline_item = "Module %s due %s: expected %s, reached %s; ",
    .expected = "group %s expected on %s",
    .never = "no progress yet, no projection",
    .at_risk = " – AT RISK OF MISSING THE DEADLINE",
    .schools_below = "Schools below group",
    .units_below = "Units below group",
    .nation_rate = "Nation",
    .praised = "Praised",
    .chased = "To follow up",
    .item_rank = "rank",
    .item_group = "group",
    .decimal = '.',
};

/* passed / assigned as a percentage with two decimals, rounded half up,
 * from the integers (no floating point): "81,23%" or "81.23%"; "–" without
 * a rate. */
static const char *percent(const struct notice_labels *l, int64_t passed, int64_t assigned,
                           char *buf, size_t cap)
{
    int64_t hundredths;

    if (assigned <= 0) {
        snprintf(buf, cap, "–");
        return buf;
    }
    hundredths = (passed * 20000 + assigned) / (2 * assigned);
    snprintf(buf, cap, "%" PRId64 "%c%02" PRId64 "%%", hundredths / 100, l->decimal,
             hundredths % 100);
    return buf;
}

/* A rate in [0, 1] held as a double (rule 12's expected rate), the same way. */
static const char *percent_of(const struct notice_labels *l, double rate, char *buf, size_t cap)
{
    int64_t hundredths = (int64_t)(rate * 10000.0 + 0.5);

    snprintf(buf, cap, "%" PRId64 "%c%02" PRId64 "%%", hundredths / 100, l->decimal,
             hundredths % 100);
    return buf;
}

/* Percentage points with a sign and two decimals. */
static const char *points(const struct notice_labels *l, double pp, char *buf, size_t cap)
{
    char *dot;

    snprintf(buf, cap, "%+.2f", pp);
    dot = strchr(buf, '.');
    if (dot)
        *dot = l->decimal;
    return buf;
}

static const char *group_name(const struct report *rep, int group, const struct notice_labels *l)
{
    return group >= 0 && (size_t)group < rep->year->ngroups ? rep->year->groups[group].name
                                                            : l->no_group;
}

static const struct notice_labels *labels_of(const struct report *rep)
{
    const char *lang = rep->cfg->report.language;

    return lang && strcmp(lang, "en") == 0 ? &en : &vi;
}

/* "Tỷ lệ hoàn thành: 81,23% (697/776 lượt)" and the GV, CBQL and people
 * lines of f. */
static void figure_lines(FILE *out, const struct notice_labels *l, const struct figures *f)
{
    char a[32], b[32], c[32];

    fprintf(out, "%s: %s (%" PRId64 "/%" PRId64 " %s)\n", l->rate,
            percent(l, f->passed, f->assigned, a, sizeof a), f->passed, f->assigned, l->pairs);
    fprintf(out, "%s: %s (%" PRId64 "/%" PRId64 "); %s: %s (%" PRId64 "/%" PRId64 ")\n", l->gv,
            percent(l, f->gv_passed, f->gv_assigned, b, sizeof b), f->gv_passed, f->gv_assigned,
            l->cbql, percent(l, f->cbql_passed, f->cbql_assigned, c, sizeof c), f->cbql_passed,
            f->cbql_assigned);
    fprintf(out, "%s: %s (%" PRId64 "/%" PRId64 " %s)\n", l->people,
            percent(l, f->completed, f->learners, a, sizeof a), f->completed, f->learners,
            l->people_unit);
}

/* What a row still needs (rule 11), in the ranked measure. */
static void needs_text(FILE *out, const struct report *rep, const struct notice_labels *l,
                       const struct rank_row *row)
{
    const char *what = rep->year->rank_by_learners ? l->needs_people : l->needs_pairs;
    const char *top = rep->year->ngroups ? rep->year->groups[0].name : "";

    if (row->group == 0) {
        fprintf(out, l->top_already, top);
        return;
    }
    if (row->to_next < 0 && row->to_top < 0) {
        fputs("–", out);
        return;
    }
    if (row->to_next >= 0 && row->group != 1 && row->to_next != row->to_top) {
        int next = row->group > 0 ? row->group - 1 : (int)rep->year->ngroups - 1;

        fprintf(out, l->needs_next, row->to_next, what, rep->year->groups[next].name);
        fputs("; ", out);
    }
    if (row->to_top >= 0)
        fprintf(out, l->needs_top, row->to_top, what, top);
}

/* The ranked measure of a row: (passed, assigned) or (completed, learners). */
static void measure(const struct report *rep, const struct figures *f, int64_t *num, int64_t *den)
{
    if (rep->year->rank_by_learners) {
        *num = f->completed;
        *den = f->learners;
    } else {
        *num = f->passed;
        *den = f->assigned;
    }
}

/* "- Phòng GDĐT X (20185): 81,23% (697/776), nhóm A, hạng 3" */
static void unit_item(FILE *out, const struct report *rep, const struct notice_labels *l,
                      const struct rank_row *row, bool needs)
{
    const struct unit *u = &rep->reg.units[row->unit];
    int64_t num, den;
    char a[32];

    measure(rep, &row->f, &num, &den);
    fprintf(out, "- %s (%s): %s (%" PRId64 "/%" PRId64 "), %s %s", u->name, u->code,
            percent(l, num, den, a, sizeof a), num, den, l->item_group,
            group_name(rep, row->group, l));
    if (row->rank > 0)
        fprintf(out, ", %s %d", l->item_rank, row->rank);
    if (needs && row->group != 0 && row->to_top >= 0) {
        fputs("; ", out);
        needs_text(out, rep, l, row);
    }
    fputc('\n', out);
}

static void title_lines(FILE *out, const struct report *rep, const struct notice_labels *l)
{
    if (rep->cfg->province.department && *rep->cfg->province.department)
        fprintf(out, "%s\n", rep->cfg->province.department);
    fprintf(out, l->title, rep->year->id, rep->week, rep->iso_year, rep->week);
    fputs("\n\n", out);
}

static void province_notice(FILE *out, const struct report *rep, const struct notice_labels *l)
{
    char day[16], d[32];
    size_t k, i, n;
    int mark;

    title_lines(out, rep, l);
    fprintf(out, "%s: %s (%s)\n", report_root_is_nation(rep) ? l->scope : l->province,
            rep->cfg->province.name ? rep->cfg->province.name : "",
            rep->cfg->province.code);
    date_format_vn(rep->as_of, day);
    fprintf(out, "%s: %s\n", l->as_of, day);
    figure_lines(out, l, &rep->total);
    fprintf(out, "%s: %s\n", l->group, group_name(rep, rep->total_group, l));
    if (rep->total_has_delta)
        fprintf(out, "%s: %s %s\n", l->delta, points(l, rep->total_delta_pp, d, sizeof d),
                l->delta_unit);
    for (mark = RANK_MARK_PRAISE; mark <= RANK_MARK_CHASE; mark++) {
        n = 0;
        for (k = 0; k < rep->nrankings; k++)
            for (i = 0; !rep->rankings[k].module && i < rep->rankings[k].nrows; i++)
                n += rep->rankings[k].rows[i].mark == (enum rank_mark)mark;
        fprintf(out, "\n%s: %zu\n", mark == RANK_MARK_PRAISE ? l->praised : l->chased, n);
        for (k = 0; k < rep->nrankings; k++)
            for (i = 0; !rep->rankings[k].module && i < rep->rankings[k].nrows; i++)
                if (rep->rankings[k].rows[i].mark == (enum rank_mark)mark)
                    unit_item(out, rep, l, &rep->rankings[k].rows[i], mark == RANK_MARK_CHASE);
    }
}

/* The unit's row of the overall ranking and the number of ranked rows. */
static const struct rank_row *overall_row(const struct report *rep, long unit, size_t *ranked,
                                          const struct ranking **in)
{
    size_t k, i;

    for (k = 0; k < rep->nrankings; k++) {
        const struct ranking *rk = &rep->rankings[k];

        if (rk->module)
            continue;
        for (i = 0; i < rk->nrows; i++) {
            if (rk->rows[i].unit != unit)
                continue;
            *ranked = 0;
            for (i = 0; i < rk->nrows; i++)
                *ranked += rk->rows[i].rank > 0;
            *in = rk;
            for (i = 0; i < rk->nrows; i++)
                if (rk->rows[i].unit == unit)
                    return &rk->rows[i];
        }
    }
    return NULL;
}

/* A unit with a ranked level of its own (a nation's province): its own
 * district offices or communes and direct units below the top group, as
 * ranked within it, rather than its hundreds of schools. */
static void level_below(FILE *out, const struct report *rep, long unit,
                        const struct notice_labels *l)
{
    const char *top = rep->year->ngroups ? rep->year->groups[0].name : "";
    size_t lv, k, i, n = 0;

    for (lv = 0; lv < rep->nlevels && rep->level_units[lv] != unit; lv++)
        ;
    fputc('\n', out);
    if (lv == rep->nlevels || (lv + 1) * rep->nrankings > rep->nlevel_rankings) {
        fprintf(out, "%s %s: 0\n", l->units_below, top);
        return;
    }
    for (k = 0; k < 2 && k < rep->nrankings; k++) {
        const struct ranking *rk = &rep->level_rankings[lv * rep->nrankings + k];

        for (i = 0; i < rk->nrows; i++)
            n += rk->rows[i].group != 0 && rk->rows[i].rank > 0;
    }
    fprintf(out, "%s %s: %zu\n", l->units_below, top, n);
    for (k = 0; k < 2 && k < rep->nrankings; k++) {
        const struct ranking *rk = &rep->level_rankings[lv * rep->nrankings + k];

        for (i = 0; i < rk->nrows; i++)
            if (rk->rows[i].group != 0 && rk->rows[i].rank > 0)
                unit_item(out, rep, l, &rk->rows[i], true);
    }
}

static void unit_notice(FILE *out, const struct report *rep, long unit,
                        const struct notice_labels *l)
{
    const struct unit *u = &rep->reg.units[unit];
    const struct ranking *rk = NULL;
    const struct rank_row *row;
    const char *top = rep->year->ngroups ? rep->year->groups[0].name : "";
    char day[16], a[32], b[32], d[32];
    size_t ranked = 0, i, n;

    title_lines(out, rep, l);
    fprintf(out, "%s: %s (%s)\n", l->unit, u->name, u->code);
    date_format_vn(rep->as_of, day);
    fprintf(out, "%s: %s\n", l->as_of, day);
    row = overall_row(rep, unit, &ranked, &rk);
    if (!row)
        return;
    figure_lines(out, l, &row->f);
    fprintf(out, "%s: %s\n", l->group, group_name(rep, row->group, l));
    if (row->rank > 0)
        fprintf(out, "%s: %d/%zu %s\n", l->rank, row->rank, ranked,
                rk->kind == UNIT_RANKED ? report_ranked_level(rep) : "");
    if (row->has_delta)
        fprintf(out, "%s: %s %s\n", l->delta, points(l, row->delta_pp, d, sizeof d),
                l->delta_unit);
    {
        int64_t num, den;

        measure(rep, &rep->total, &num, &den);
        fprintf(out, "%s: %s (%" PRId64 "/%" PRId64 "), %s %s\n",
                report_root_is_nation(rep) ? l->nation_rate : l->province_rate,
                percent(l, num, den, a, sizeof a), num, den, l->item_group,
                group_name(rep, rep->total_group, l));
    }
    fprintf(out, "%s: ", l->needs);
    needs_text(out, rep, l, row);
    fputc('\n', out);
    for (i = 0; i < rep->nprogress; i++) {
        const struct progress_row *p = &rep->progress[i];
        const struct config_module *m = &rep->year->modules[p->module];
        char due[16], when[16];

        if (p->unit != unit)
            continue;
        date_format_vn(m->due, due);
        fprintf(out, "%s: ", l->deadline);
        fprintf(out, l->deadline_item, m->code, due, percent_of(l, p->expected_rate, a, sizeof a),
                percent(l, p->passed, p->assigned, b, sizeof b));
        if (p->group == 0)
            fprintf(out, l->top_already, top);
        else if (p->has_projection) {
            date_format_vn(p->projected, when);
            fprintf(out, l->expected, top, when);
        } else
            fputs(l->never, out);
        fprintf(out, "%s\n", p->at_risk ? l->at_risk : "");
    }
    if (registry_has_level(&rep->reg, unit)) {
        level_below(out, rep, unit, l);
        return;
    }
    n = 0;
    for (i = 0; i < rep->nschools; i++) {
        const struct rank_row *s = &rep->schools[i];

        n += s->unit != unit && s->group != 0 && s->rank > 0 &&
             registry_within(&rep->reg, s->unit, unit);
    }
    fputc('\n', out);
    fprintf(out, "%s %s: %zu\n", l->schools_below, top, n);
    for (i = 0; i < rep->nschools; i++) {
        const struct rank_row *s = &rep->schools[i];

        if (s->unit != unit && s->group != 0 && s->rank > 0 &&
            registry_within(&rep->reg, s->unit, unit))
            unit_item(out, rep, l, s, true);
    }
}

int notice_write(const struct report *rep, long unit, FILE *out)
{
    const struct notice_labels *l = labels_of(rep);

    if (unit < 0)
        province_notice(out, rep, l);
    else
        unit_notice(out, rep, unit, l);
    return ferror(out) ? -1 : 0;
}

char *notice_text(const struct report *rep, long unit, bdtx_error *err)
{
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    int rc;

    if (!out) {
        error_oom(err);
        return NULL;
    }
    rc = notice_write(rep, unit, out);
    if (fclose(out) != 0 || rc != 0) {
        free(text);
        error_oom(err);
        return NULL;
    }
    return text;
}
