#include "bdtx/report.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bdtx/atomic.h"
#include "bdtx/compute.h"
#include "bdtx/db.h"
#include "bdtx/notice.h"
#include "bdtx/people.h"
#include "bdtx/report_csv.h"
#include "bdtx/report_json.h"
#include "bdtx/report_xlsx.h"

const char *report_ranked_level(const struct report *rep)
{
    if (rep->ranked_level)
        return rep->ranked_level;
    return rep->year && rep->year->ranked_level ? rep->year->ranked_level : "";
}

bool report_root_is_nation(const struct report *rep)
{
    return rep->reg.count > 0 && strcmp(rep->reg.units[rep->reg.root].kind_text, "nation") == 0;
}

void report_release(struct report *rep)
{
    size_t i;

    for (i = 0; i < rep->nrankings; i++)
        free(rep->rankings[i].rows);
    free(rep->rankings);
    for (i = 0; i < rep->nlevel_rankings; i++)
        free(rep->level_rankings[i].rows);
    free(rep->level_rankings);
    free(rep->level_units);
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
    free(rep->people_now);
    free(rep->people_prev);
    free(rep->progress);
    registry_release(&rep->reg);
    memset(rep, 0, sizeof *rep);
}

bool report_format_parse(const char *name, enum report_format *out)
{
    if (strcmp(name, "xlsx") == 0)
        *out = REPORT_XLSX;
    else if (strcmp(name, "json") == 0)
        *out = REPORT_JSON;
    else if (strcmp(name, "csv") == 0)
        *out = REPORT_CSV;
    else if (strcmp(name, "text") == 0)
        *out = REPORT_TEXT;
    else
        return false;
    return true;
}

/* A small growable string: the template is short and its placeholders few,
 * so this stays a dozen lines rather than a dependency. */
static bool append(char **s, size_t *len, size_t *cap, const char *p, size_t n)
{
    if (*len + n + 1 > *cap) {
        size_t ncap = (*len + n + 1) * 2;
        char *grown = realloc(*s, ncap);

        if (!grown)
            return false;
        *s = grown;
        *cap = ncap;
    }
    memcpy(*s + *len, p, n);
    *len += n;
    (*s)[*len] = '\0';
    return true;
}

char *report_default_path(const struct report *rep, enum report_format fmt, bdtx_error *err)
{
    const char *dir = rep->cfg->paths.reports ? rep->cfg->paths.reports : "reports";
    const char *t = rep->cfg->report.file_name ? rep->cfg->report.file_name
                                               : "bdtx-{province}-{week}.xlsx";
    char week[16], as_of[11];
    char *s = NULL, *dot;
    size_t len = 0, cap = 0;
    bool ok;

    snprintf(week, sizeof week, "%04d-W%02d", rep->iso_year, rep->week);
    date_format_iso(rep->as_of, as_of);
    ok = append(&s, &len, &cap, dir, strlen(dir)) && append(&s, &len, &cap, "/", 1) &&
         append(&s, &len, &cap, rep->year->id, strlen(rep->year->id)) &&
         append(&s, &len, &cap, "/", 1);
    while (ok && *t) {
        const char *v = NULL;
        size_t skip = 0;

        if (strncmp(t, "{province}", 10) == 0)
            v = rep->cfg->province.code, skip = 10;
        else if (strncmp(t, "{week}", 6) == 0)
            v = week, skip = 6;
        else if (strncmp(t, "{year}", 6) == 0)
            v = rep->year->id, skip = 6;
        else if (strncmp(t, "{as_of}", 7) == 0)
            v = as_of, skip = 7;
        if (v) {
            ok = append(&s, &len, &cap, v, strlen(v));
            t += skip;
        } else {
            ok = append(&s, &len, &cap, t, 1);
            t++;
        }
    }
    if (ok && fmt != REPORT_XLSX) {
        const char *ext = fmt == REPORT_JSON ? ".json" : fmt == REPORT_CSV ? ".csv" : ".txt";
        char *slash = strrchr(s, '/');

        dot = strrchr(s, '.');
        if (dot && dot > slash) {
            len = (size_t)(dot - s);
            s[len] = '\0';
        }
        ok = append(&s, &len, &cap, ext, strlen(ext));
    }
    if (!ok) {
        free(s);
        error_oom(err);
        return NULL;
    }
    return s;
}

int report_write_stream(const struct report *rep, enum report_format fmt, FILE *out,
                        bdtx_error *err)
{
    int rc, e;

    errno = 0;
    rc = fmt == REPORT_CSV    ? report_csv_write(rep, out)
         : fmt == REPORT_TEXT ? notice_write(rep, -1, out)
                              : report_json_write(rep, out);
    if (rc != 0 || fflush(out) != 0) {
        e = errno ? errno : EIO;
        error_set(err, error_code_for_errno(e), "cannot write the report: %s",
                  e == ENOSPC || e == EDQUOT ? "no space left on the device" : strerror(e));
        return -1;
    }
    return 0;
}

int report_read_begin(struct db *db, const struct config *cfg, const struct config_year *year,
                      bdtx_date day, bool workbook, struct report *rep, struct report_read *rd,
                      bdtx_error *err)
{
    memset(rd, 0, sizeof *rd);
    if (db_begin_snapshot(db, err) != 0)
        return -1;
    rd->db = db;
    if (workbook && cfg->report.include_people &&
        people_open(db, cfg->province.code, year->id, day, &rd->cursor, &rd->src, err) != 0)
        return -1;
    return compute_report(db, cfg, year, day, rep, err);
}

const struct people_source *report_read_people(const struct report_read *rd)
{
    return rd->cursor ? &rd->src : NULL;
}

void report_read_end(struct report_read *rd)
{
    people_close(rd->cursor);
    rd->cursor = NULL;
    if (rd->db)
        db_rollback(rd->db);    /* read only: ending it either way is the same */
    rd->db = NULL;
}

static int save_xlsx(const struct report *rep, struct atomic_file *f,
                     const struct people_source *people, bdtx_error *err)
{
    struct report_xlsx_options opt = {0};
    char *notice = notice_text(rep, -1, err);
    int rc;

    if (!notice)
        return -1;
    /* libxlsxwriter writes the file itself, by name. */
    fclose(f->fp);
    f->fp = NULL;
    if (rep->cfg->report.include_people)
        opt.people = people;
    opt.notice = notice;
    rc = report_xlsx_write(rep, f->tmp, &opt, err);
    free(notice);
    return rc;
}

int report_save(const struct report *rep, enum report_format fmt, const char *path,
                const struct people_source *people, bdtx_error *err)
{
    struct atomic_file f;
    int rc;

    if (atomic_begin(&f, path, err) != 0)
        return -1;
    if (fmt == REPORT_XLSX)
        rc = save_xlsx(rep, &f, people, err);
    else
        rc = report_write_stream(rep, fmt, f.fp, err);
    if (rc != 0) {
        /* The file being written, not its hidden temporary. */
        if (err->file[0] == '\0' || (f.tmp && strcmp(err->file, f.tmp) == 0))
            error_place(err, path, 0, NULL);
        atomic_abort(&f);
        return -1;
    }
    return atomic_commit(&f, err);
}
