/* `bdtx run`, the unattended weekly job: under an advisory lock, import
 * every new file of the inbox (moving it to the archive or to the rejected
 * folder), write every week's report whose inputs changed, and regenerate
 * the download page. Each step is safe to repeat: an import is one
 * transaction and a file known by its hash is only archived; a report is
 * written again until the database records it as written from the newest
 * imports; files appear whole or not at all. */
#include "bdtx/run.h"

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bdtx/atomic.h"
#include "bdtx/compute.h"
#include "bdtx/db.h"
#include "bdtx/import.h"
#include "bdtx/inbox.h"
#include "bdtx/index_html.h"
#include "bdtx/log.h"
#include "bdtx/migrate.h"
#include "bdtx/path.h"
#include "bdtx/progress.h"
#include "bdtx/pack.h"
#include "bdtx/report.h"

struct run_ctx {
    struct cli *cli;
    struct config cfg;
    struct vocab vocab;
    bool have_cfg, have_vocab;
    struct db *db;
    struct run_summary sum;
};

/* A week whose report is missing or older than the imports it depends on. */
struct stale_week {
    const struct config_year *year;
    bdtx_date sunday;
    long newest_import;
};

static int connect_db(struct run_ctx *c, bdtx_error *err)
{
    char *current = NULL;
    int pending = 0;

    if (db_connect(c->cfg.conninfo, &c->db, err) != 0 ||
        migrate_current(c->db, &current, &pending, err) != 0)
        return -1;
    free(current);
    if (pending > 0) {
        error_set(err, BDTX_CONFIG, "the database schema is not up to date (%d migration%s "
                  "pending)", pending, pending == 1 ? "" : "s");
        error_hint(err, "run: bdtx db migrate (as the role that owns the schema)");
        return -1;
    }
    return 0;
}

/* A session lock, released by the server when this connection ends, even
 * when the process is killed: a crashed run never blocks the next one. */
static int take_lock(struct run_ctx *c, bdtx_error *err)
{
    const char *params[1] = {c->cfg.province.code};
    struct db_result *r = NULL;
    bool got;

    if (db_query(c->db, "SELECT pg_try_advisory_lock(hashtext('bdtx run ' || $1))", 1, params,
                 &r, err) != 0)
        return -1;
    got = strcmp(db_value(r, 0, 0), "t") == 0;
    db_result_free(r);
    if (!got) {
        error_set(err, BDTX_TEMPFAIL, "another bdtx run holds the lock of province %s; this "
                  "run did nothing", c->cfg.province.code);
        error_hint(err, "the other run moves the files of the inbox; run again once it ends");
        return -1;
    }
    return 0;
}

/* "<file>: message" with DETAIL and HINT, as the .err beside a rejected file. */
static char *error_text(const bdtx_error *e)
{
    char *text = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&text, &len);

    if (!mem)
        return NULL;
    error_print(e, mem);
    fputs("The file was not imported. Put it back in the inbox once it is fixed "
          "(or with a NAME.as-of file beside it holding its date).\n", mem);
    if (fclose(mem) != 0) {
        free(text);
        return NULL;
    }
    return text;
}

static char *join3(const char *a, const char *b, const char *c)
{
    size_t len = strlen(a) + strlen(b) + strlen(c) + 3;
    char *s = malloc(len);

    if (s)
        snprintf(s, len, "%s/%s%s%s", a, b, c[0] ? "/" : "", c);
    return s;
}

static int reject_file(struct run_ctx *c, const struct inbox_file *f, const bdtx_error *why,
                       bdtx_error *err)
{
    char *text = error_text(why), *to = NULL;
    int rc;

    if (!text) {
        error_oom(err);
        return -1;
    }
    rc = inbox_move(f, c->cfg.paths.rejected, path_base(f->path), text, &to, err);
    if (rc == 0) {
        log_warning("%s: rejected (%s); moved to %s with %s.err", f->path, why->message, to,
                    path_base(to));
        c->sum.rejected_files++;
    }
    free(text);
    free(to);
    return rc;
}

/* archive/<school year>/<as-of>_<name>: exports of every week share names. */
static int archive_file(struct run_ctx *c, const struct inbox_file *f, const char *year,
                        bdtx_date as_of, char **to, bdtx_error *err)
{
    char day[11], *dir = join3(c->cfg.paths.archive, year, ""), *name;
    size_t len = strlen(path_base(f->path)) + 12;
    int rc = -1;

    date_format_iso(as_of, day);
    name = malloc(len);
    if (!dir || !name) {
        error_oom(err);
    } else {
        snprintf(name, len, "%s_%s", day, path_base(f->path));
        rc = inbox_move(f, dir, name, NULL, to, err);
    }
    free(dir);
    free(name);
    return rc;
}

/* The year and as-of of an import already stored (found by its hash). */
static int stored_import(struct run_ctx *c, long id, char *year, size_t cap, bdtx_date *as_of,
                         bdtx_error *err)
{
    char ids[24];
    const char *params[1] = {ids};
    struct db_result *r = NULL;
    int rc = -1;

    snprintf(ids, sizeof ids, "%ld", id);
    if (db_query(c->db, "SELECT school_year, as_of FROM import WHERE id = $1", 1, params, &r,
                 err) != 0)
        return -1;
    if (db_rows(r) == 1 && value_parse_date(db_value(r, 0, 1), as_of)) {
        snprintf(year, cap, "%s", db_value(r, 0, 0));
        rc = 0;
    } else {
        error_set(err, BDTX_SOFTWARE, "import %ld is not in the database", id);
    }
    db_result_free(r);
    return rc;
}

static int import_one(struct run_ctx *c, const struct inbox_file *f, bdtx_error *err)
{
    struct import_options opts;
    struct import_result res;
    bdtx_error ferr;
    char day[11], year[32], *to = NULL;
    bdtx_date as_of;
    int rc;

    memset(&opts, 0, sizeof opts);
    error_clear(&ferr);
    if (f->sidecar && !f->sidecar_ok) {
        error_set(&ferr, BDTX_DATAERR, "%s does not hold a date (YYYY-MM-DD or dd/mm/yyyy)",
                  path_base(f->sidecar));
        error_place(&ferr, f->path, 0, NULL);
        return reject_file(c, f, &ferr, err);
    }
    if (f->sidecar) {
        opts.has_as_of = true;
        opts.as_of = f->as_of;
    }
    if (import_file(c->db, &c->cfg, &c->vocab, f->path, &opts, &res, &ferr) != 0) {
        /* A file that cannot be imported costs only itself; a database
         * outage, a configuration error or a bug stops the run and leaves
         * the file where it is for the next one. */
        if (ferr.code != BDTX_DATAERR && !(ferr.code == BDTX_CONFIG &&
                                            strcmp(ferr.file, f->path) == 0)) {
            *err = ferr;
            return -1;
        }
        /* A configuration error placed in the file itself (its as-of date
         * is in no school year) is the file's: one stray file must not stop
         * the weekly reports. */
        return reject_file(c, f, &ferr, err);
    }
    if (res.skipped) {
        if (stored_import(c, res.id, year, sizeof year, &as_of, err) != 0)
            return -1;
    } else {
        snprintf(year, sizeof year, "%s", res.year);
        as_of = res.as_of;
    }
    rc = archive_file(c, f, year, as_of, &to, err);
    if (rc != 0)
        return -1;
    date_format_iso(as_of, day);
    if (res.skipped) {
        c->sum.skipped++;
        log_info("%s: already imported (import %ld); moved to %s", f->path, res.id, to);
    } else {
        c->sum.imported++;
        c->sum.rows += res.rows;
        c->sum.rejected_rows += res.rejected;
        log_info("%s: imported %s as of %s (school year %s): %ld rows, %ld rejected; moved to %s",
                 f->path, source_kind_name(res.source), day, year, res.rows, res.rejected, to);
    }
    free(to);
    return 0;
}

static int import_inbox(struct run_ctx *c, bdtx_error *err)
{
    struct inbox_file *files = NULL;
    struct progress bar;
    size_t n = 0, i;
    int rc = 0;

    if (inbox_scan(c->cfg.paths.inbox, &c->cfg, &c->vocab, &files, &n, err) != 0)
        return -1;
    progress_init(&bar, !c->cli->quiet, "importing", n);
    for (i = 0; i < n && rc == 0; i++) {
        progress_show(&bar, i, path_base(files[i].path));
        rc = import_one(c, &files[i], err);
    }
    if (rc == 0)
        progress_show(&bar, n, "");
    progress_clear(&bar);
    inbox_free(files, n);
    return rc;
}

static void week_label(bdtx_date day, char *buf, size_t cap)
{
    int y, w;

    date_iso_week(day, &y, &w);
    snprintf(buf, cap, "%04d-W%02d", y, w);
}

static bool exists_under(const char *dir, const char *rel)
{
    char *p = join3(dir, rel, "");
    bool yes = p && access(p, F_OK) == 0;

    free(p);
    return yes;
}

/* Units of both tables per group, best group first: "A=3 B=5 C=3". */
static void count_groups(const struct report *rep, char *buf, size_t cap)
{
    size_t g, k, r, n = 0;

    buf[0] = '\0';
    for (g = 0; g < rep->year->ngroups; g++) {
        long count = 0;

        for (k = 0; k < rep->nrankings; k++) {
            if (rep->rankings[k].module)
                continue;
            for (r = 0; r < rep->rankings[k].nrows; r++)
                count += rep->rankings[k].rows[r].group == (int)g;
        }
        n += (size_t)snprintf(buf + n, n < cap ? cap - n : 0, "%s%s=%ld", g ? " " : "",
                              rep->year->groups[g].name, count);
    }
}

/* Every unit's pack of the week (report.units), in the report's snapshot. */
static int write_packs(struct run_ctx *c, const struct report *rep, bdtx_error *err)
{
    long *units = NULL;
    size_t n = 0;
    int rc;

    if (!c->cfg.report.units)
        return 0;
    if (pack_units(rep, &units, &n, err) != 0)
        return -1;
    rc = pack_write(c->db, rep, units, n, 0, err);
    if (rc == 0)
        log_info("%zu unit packs of %04d-W%02d written under %s/%s/" PACK_FOLDER, n,
                 rep->iso_year, rep->week, c->cfg.paths.reports, rep->year->id);
    free(units);
    return rc;
}

/* The week's report, written in one call: the workbook and the JSON of
 * SPEC section 6 under reports/<school year>/ (each renamed into place when
 * complete), then its row in report_file. */
static int write_week(struct run_ctx *c, const struct stale_week *sw, bdtx_error *err)
{
    struct report rep;
    struct report_read rd;
    char week[16], day[11], newest[24], assigned[24], passed[24], counts[256];
    char learners[24], completed[24];
    char *json = NULL, *xlsx = NULL, *text = NULL;
    size_t prefix = strlen(c->cfg.paths.reports) + 1;
    const char *params[13];
    int rc = -1;

    week_label(sw->sunday, week, sizeof week);
    /* Both files read the database at one instant. */
    if (report_read_begin(c->db, &c->cfg, sw->year, sw->sunday, true, &rep, &rd, err) != 0) {
        report_read_end(&rd);
        return -1;
    }
    xlsx = report_default_path(&rep, REPORT_XLSX, err);
    json = xlsx ? report_default_path(&rep, REPORT_JSON, err) : NULL;
    text = json ? report_default_path(&rep, REPORT_TEXT, err) : NULL;
    if (!text || compute_trend(c->db, &rep, err) != 0 ||
        report_save(&rep, REPORT_XLSX, xlsx, report_read_people(&rd), err) != 0 ||
        report_save(&rep, REPORT_JSON, json, NULL, err) != 0 ||
        report_save(&rep, REPORT_TEXT, text, NULL, err) != 0 ||
        write_packs(c, &rep, err) != 0)
        goto done;
    report_read_end(&rd);   /* report_file is written below, outside the read */
    date_format_iso(sw->sunday, day);
    snprintf(newest, sizeof newest, "%ld", sw->newest_import);
    snprintf(assigned, sizeof assigned, "%" PRId64, rep.total.assigned);
    snprintf(passed, sizeof passed, "%" PRId64, rep.total.passed);
    snprintf(learners, sizeof learners, "%" PRId64, rep.total.learners);
    snprintf(completed, sizeof completed, "%" PRId64, rep.total.completed);
    count_groups(&rep, counts, sizeof counts);
    params[0] = c->cfg.province.code;
    params[1] = sw->year->id;
    params[2] = week;
    params[3] = day;
    params[4] = newest;
    /* Names relative to the reports folder, as the download page links them
     * (report_default_path puts both under "<paths.reports>/"). */
    params[5] = xlsx + prefix;
    params[6] = json + prefix;
    params[7] = assigned;
    params[8] = passed;
    params[9] = rep.total_group >= 0 ? rep.year->groups[rep.total_group].name : NULL;
    params[10] = counts;
    params[11] = learners;
    params[12] = completed;
    if (db_exec(c->db, "INSERT INTO report_file (province_code, school_year, week, as_of, "
                       "import_id, workbook, json, assigned, passed, total_group, group_counts, "
                       "learners, learners_completed) "
                       "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) "
                       "ON CONFLICT (province_code, school_year, week) DO UPDATE SET "
                       "as_of = excluded.as_of, import_id = excluded.import_id, "
                       "workbook = excluded.workbook, json = excluded.json, "
                       "assigned = excluded.assigned, passed = excluded.passed, "
                       "total_group = excluded.total_group, "
                       "group_counts = excluded.group_counts, learners = excluded.learners, "
                       "learners_completed = excluded.learners_completed, written_at = now()",
                13, params, err) != 0)
        goto done;
    log_info("report of %s (school year %s, as of %s) written to %s and %s", week, sw->year->id,
             day, xlsx, json);
    c->sum.reports++;
    snprintf(c->sum.last_report, sizeof c->sum.last_report, "%s", xlsx);
    rc = 0;
done:
    report_read_end(&rd);
    report_release(&rep);
    free(json);
    free(xlsx);
    free(text);
    return rc;
}

/* Every week of every school year, from the week of its first import to that
 * of its newest, whose report is missing or was written before an import it
 * depends on (as-of on or before its Sunday). */
static int find_stale(struct run_ctx *c, struct stale_week **out, size_t *n, bdtx_error *err)
{
    const char *params[4] = {c->cfg.province.code, NULL, NULL, NULL};
    struct db_result *years = NULL, *r = NULL;
    struct stale_week *list = NULL;
    size_t count = 0, cap = 0;
    int i, rc = -1;

    *out = NULL;
    *n = 0;
    if (db_query(c->db, "SELECT school_year, min(as_of), max(as_of) FROM import "
                        "WHERE province_code = $1 GROUP BY 1 ORDER BY 1", 1, params, &years,
                 err) != 0)
        return -1;
    for (i = 0; i < db_rows(years); i++) {
        const struct config_year *year = config_year_by_id(&c->cfg, db_value(years, i, 0));
        bdtx_date first, last, sunday;
        int y, w;

        if (!year) {
            log_warning("school year %s has imports but is not in the configuration; its "
                        "reports are not written", db_value(years, i, 0));
            continue;
        }
        if (!value_parse_date(db_value(years, i, 1), &first) ||
            !value_parse_date(db_value(years, i, 2), &last)) {
            error_set(err, BDTX_SOFTWARE, "unexpected as-of dates in the import table");
            goto done;
        }
        date_iso_week(first, &y, &w);
        date_week_sunday(y, w, &sunday);
        for (; sunday < last + 7; sunday += 7) {
            char day[11], week[16];
            long newest;
            bool stale;

            date_format_iso(sunday, day);
            week_label(sunday, week, sizeof week);
            params[1] = year->id;
            params[2] = day;
            params[3] = week;
            if (db_query(c->db, "SELECT (SELECT coalesce(max(id), 0) FROM import "
                                "        WHERE province_code = $1 AND school_year = $2 "
                                "        AND as_of <= $3::date), "
                                "       (SELECT import_id FROM report_file "
                                "        WHERE province_code = $1 AND school_year = $2 "
                                "        AND week = $4), "
                                "       (SELECT json FROM report_file "
                                "        WHERE province_code = $1 AND school_year = $2 "
                                "        AND week = $4), "
                                "       (SELECT workbook FROM report_file "
                                "        WHERE province_code = $1 AND school_year = $2 "
                                "        AND week = $4)",
                         4, params, &r, err) != 0)
                goto done;
            newest = strtol(db_value(r, 0, 0), NULL, 10);
            stale = newest > 0 &&
                    (db_null(r, 0, 1) || strtol(db_value(r, 0, 1), NULL, 10) != newest ||
                     db_null(r, 0, 2) || !exists_under(c->cfg.paths.reports, db_value(r, 0, 2)) ||
                     db_null(r, 0, 3) || !exists_under(c->cfg.paths.reports, db_value(r, 0, 3)));
            db_result_free(r);
            r = NULL;
            if (!stale)
                continue;
            if (count == cap) {
                size_t ncap = cap ? cap * 2 : 16;
                struct stale_week *grown = realloc(list, ncap * sizeof *grown);

                if (!grown) {
                    error_oom(err);
                    goto done;
                }
                list = grown;
                cap = ncap;
            }
            list[count].year = year;
            list[count].sunday = sunday;
            list[count].newest_import = newest;
            count++;
        }
    }
    *out = list;
    *n = count;
    list = NULL;
    rc = 0;
done:
    free(list);
    db_result_free(r);
    db_result_free(years);
    return rc;
}

static int write_reports(struct run_ctx *c, bdtx_error *err)
{
    struct stale_week *weeks = NULL;
    struct progress bar;
    size_t n = 0, i;
    int rc = 0;

    if (find_stale(c, &weeks, &n, err) != 0)
        return -1;
    progress_init(&bar, !c->cli->quiet, "reports", n);
    for (i = 0; i < n && rc == 0; i++) {
        char week[16];

        week_label(weeks[i].sunday, week, sizeof week);
        progress_show(&bar, i, week);
        rc = write_week(c, &weeks[i], err);
    }
    if (rc == 0)
        progress_show(&bar, n, "");
    progress_clear(&bar);
    free(weeks);
    return rc;
}

/* Each unit's page (reports/<school year>/don-vi/<code>/index.html) over
 * the packs in its folder, for every unit of the registry that has one. */
static int write_unit_pages(struct run_ctx *c, bdtx_error *err)
{
    size_t y;
    int i, pages = 0;

    if (!c->cfg.report.units)
        return 0;
    for (y = 0; y < c->cfg.nyears; y++) {
        const char *params[2] = {c->cfg.province.code, c->cfg.years[y].id};
        struct db_result *r = NULL;

        if (db_query(c->db, "SELECT code, name FROM unit WHERE province_code = $1 "
                            "AND school_year = $2 ORDER BY code", 2, params, &r, err) != 0)
            return -1;
        for (i = 0; i < db_rows(r); i++) {
            const char *code = db_value(r, i, 0);
            char *dir;
            bool changed = false;
            int rc;

            if (!pack_code_safe(code))
                continue;
            dir = malloc(strlen(c->cfg.paths.reports) + strlen(params[1]) + strlen(code) + 16);
            if (!dir) {
                db_result_free(r);
                error_oom(err);
                return -1;
            }
            sprintf(dir, "%s/%s/" PACK_FOLDER "/%s", c->cfg.paths.reports, params[1], code);
            rc = access(dir, F_OK) == 0
                     ? index_html_write_unit(dir, &c->cfg, params[1], code, db_value(r, i, 1),
                                             &changed, err)
                     : 0;
            free(dir);
            if (rc != 0) {
                db_result_free(r);
                return -1;
            }
            pages += changed;
        }
        db_result_free(r);
    }
    if (pages > 0)
        log_info("%d unit page%s written", pages, pages == 1 ? "" : "s");
    return 0;
}

static int write_index(struct run_ctx *c, bdtx_error *err)
{
    const char *params[1] = {c->cfg.province.code};
    struct db_result *r = NULL;
    struct index_entry *entries = NULL;
    char **notices = NULL;
    bool changed = false;
    int i, n, rc = -1;

    if (db_query(c->db, "SELECT school_year, week, as_of, workbook, json, assigned, passed, "
                        "total_group, group_counts, learners, learners_completed "
                        "FROM report_file WHERE province_code = $1 "
                        "ORDER BY school_year DESC, week DESC", 1, params, &r, err) != 0)
        return -1;
    n = db_rows(r);
    entries = calloc(n > 0 ? (size_t)n : 1, sizeof *entries);
    notices = calloc(n > 0 ? (size_t)n : 1, sizeof *notices);
    if (!entries || !notices) {
        error_oom(err);
        goto done;
    }
    for (i = 0; i < n; i++) {
        struct index_entry *e = &entries[i];

        e->school_year = db_value(r, i, 0);
        e->week = db_value(r, i, 1);
        value_parse_date(db_value(r, i, 2), &e->as_of);
        /* Only files that are there: a page of dead links helps nobody. */
        if (!db_null(r, i, 3) && exists_under(c->cfg.paths.reports, db_value(r, i, 3)))
            e->workbook = db_value(r, i, 3);
        if (!db_null(r, i, 4) && exists_under(c->cfg.paths.reports, db_value(r, i, 4)))
            e->json = db_value(r, i, 4);
        /* The notice has the JSON's name ending in .txt (report_default_path). */
        if (!db_null(r, i, 4) && path_ends_with(db_value(r, i, 4), ".json")) {
            size_t len = strlen(db_value(r, i, 4)) - 5;

            notices[i] = malloc(len + 5);
            if (!notices[i]) {
                error_oom(err);
                goto done;
            }
            memcpy(notices[i], db_value(r, i, 4), len);
            memcpy(notices[i] + len, ".txt", 5);
            if (exists_under(c->cfg.paths.reports, notices[i]))
                e->notice = notices[i];
        }
        e->assigned = strtoll(db_value(r, i, 5), NULL, 10);
        e->passed = strtoll(db_value(r, i, 6), NULL, 10);
        e->group = db_null(r, i, 7) ? NULL : db_value(r, i, 7);
        e->group_counts = db_value(r, i, 8);
        e->has_people = !db_null(r, i, 9) && !db_null(r, i, 10);
        if (e->has_people) {
            e->learners = strtoll(db_value(r, i, 9), NULL, 10);
            e->completed = strtoll(db_value(r, i, 10), NULL, 10);
        }
    }
    if (index_html_write(c->cfg.paths.reports, &c->cfg, entries, (size_t)n, &changed, err) != 0)
        goto done;
    if (changed)
        log_info("download page written to %s/index.html (%d report%s)", c->cfg.paths.reports,
                 n, n == 1 ? "" : "s");
    if (write_unit_pages(c, err) != 0)
        goto done;
    rc = 0;
done:
    for (i = 0; notices && i < n; i++)
        free(notices[i]);
    free(notices);
    free(entries);
    db_result_free(r);
    return rc;
}

/* A report or page temporary older than this was left by a killed process:
 * even a national workbook is written in minutes. */
#define STALE_TEMPORARY_SECONDS (6L * 60 * 60)

/* Remove what killed writers left in the reports folders (hidden, and
 * refused by the nginx example, but litter all the same). */
/* The same in every unit's folder under year_dir/don-vi. */
static int sweep_packs(const char *year_dir, int *total, bdtx_error *err)
{
    char *top = join3(year_dir, PACK_FOLDER, "");
    DIR *d;
    struct dirent *ent;
    int rc = 0, removed;

    if (!top) {
        error_oom(err);
        return -1;
    }
    d = opendir(top);
    while (d && rc == 0 && (ent = readdir(d)) != NULL) {
        char *dir;

        if (!pack_code_safe(ent->d_name))
            continue;
        dir = join3(top, ent->d_name, "");
        if (!dir) {
            error_oom(err);
            rc = -1;
            break;
        }
        rc = atomic_sweep(dir, STALE_TEMPORARY_SECONDS, &removed, err);
        if (rc == 0)
            *total += removed;
        free(dir);
    }
    if (d)
        closedir(d);
    free(top);
    return rc;
}

static int sweep_reports(struct run_ctx *c, bdtx_error *err)
{
    const char *top = c->cfg.paths.reports;
    int removed, total = 0;
    size_t i;

    if (atomic_sweep(top, STALE_TEMPORARY_SECONDS, &removed, err) != 0)
        return -1;
    total += removed;
    for (i = 0; i < c->cfg.nyears; i++) {
        char *dir = join3(top, c->cfg.years[i].id, "");

        if (!dir) {
            error_oom(err);
            return -1;
        }
        if (atomic_sweep(dir, STALE_TEMPORARY_SECONDS, &removed, err) != 0 ||
            sweep_packs(dir, &total, err) != 0) {
            free(dir);
            return -1;
        }
        free(dir);
        total += removed;
    }
    if (total > 0)
        log_info("removed %d unfinished temporary file%s left in %s by interrupted writers",
                 total, total == 1 ? "" : "s", top);
    return 0;
}

static void print_summary(const struct run_ctx *c)
{
    const struct run_summary *s = &c->sum;

    if (c->cli->quiet)
        return;
    printf("bdtx run: %d file%s imported (%ld rows, %ld rows rejected), %d already imported, "
           "%d file%s rejected, %d report%s written%s%s%s\n",
           s->imported, s->imported == 1 ? "" : "s", s->rows, s->rejected_rows, s->skipped,
           s->rejected_files, s->rejected_files == 1 ? "" : "s", s->reports,
           s->reports == 1 ? "" : "s", s->last_report[0] ? " (latest: " : "", s->last_report,
           s->last_report[0] ? ")" : "");
    fflush(stdout);
}

int cmd_run(struct cli *cli, int argc, char **argv, bdtx_error *err)
{
    struct run_ctx c;
    int rc;

    (void)argv;
    if (argc > 1) {
        error_set(err, BDTX_USAGE, "run takes no arguments");
        error_hint(err, "usage: bdtx [--config FILE] [--quiet] run");
        return BDTX_USAGE;
    }
    memset(&c, 0, sizeof c);
    c.cli = cli;
    if (config_load(cli->config_path, &c.cfg, err) != 0)
        return err->code;
    c.have_cfg = true;
    if (vocab_init(&c.vocab, &c.cfg, err) != 0) {
        rc = err->code;
        goto done;
    }
    c.have_vocab = true;
    if (connect_db(&c, err) != 0 || take_lock(&c, err) != 0 || import_inbox(&c, err) != 0 ||
        write_reports(&c, err) != 0 || write_index(&c, err) != 0 ||
        sweep_reports(&c, err) != 0) {
        rc = err->code ? err->code : BDTX_SOFTWARE;
        /* insufficient_privilege: the login is not the importing one; a
         * deployment mistake, not a bug. */
        if (rc == BDTX_SOFTWARE && strcmp(err->sqlstate, "42501") == 0) {
            rc = err->code = BDTX_CONFIG;
            error_hint(err, "bdtx run needs a login in the role bdtx_import (see bdtx(1), "
                            "scripts/db-users)");
        }
        if (rc == BDTX_UNAVAILABLE && !err->hint[0])
            error_hint(err, "nothing half-done was kept; the next run picks up where this one "
                            "stopped");
        /* What was done before the stop is done for good: say so. */
        if (c.sum.imported + c.sum.skipped + c.sum.rejected_files + c.sum.reports > 0)
            print_summary(&c);
        goto done;
    }
    print_summary(&c);
    if (c.sum.rejected_files > 0 && c.sum.imported + c.sum.skipped == 0)
        rc = BDTX_DATAERR;
    else if (c.sum.rejected_files > 0 || c.sum.rejected_rows > 0)
        rc = BDTX_REJECTED_ROWS;
    else
        rc = BDTX_OK;
done:
    db_close(c.db);
    if (c.have_vocab)
        vocab_release(&c.vocab);
    if (c.have_cfg)
        config_release(&c.cfg);
    return rc;
}
