/* `bdtx run`, the unattended weekly job: under the run's lock, import
 * every new file of the inbox (moving it to the archive or to the rejected
 * folder), write every week's report whose inputs changed, and regenerate
 * the download page. Each step is safe to repeat: an import is one
 * transaction and a file known by its hash is only archived; a report is
 * written again until the database records it as written from the newest
 * imports; files appear whole or not at all. */
#include "bdtx/run.h"

#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "bdtx/atomic.h"
#include "bdtx/compute.h"
#include "bdtx/db.h"
#include "bdtx/hash.h"
#include "bdtx/import.h"
#include "bdtx/inbox.h"
#include "bdtx/index_html.h"
#include "bdtx/log.h"
#include "bdtx/migrate.h"
#include "bdtx/path.h"
#include "bdtx/progress.h"
#include "bdtx/pack.h"
#include "bdtx/people.h"
#include "bdtx/rebuild.h"
#include "bdtx/report.h"
#include "bdtx/run_advice.h"
#include "bdtx/text.h"
#include "bdtx/unit_figures.h"

struct run_ctx {
    struct cli *cli;
    struct config cfg;
    struct vocab vocab;
    bool have_cfg, have_vocab;
    struct db *db;
    struct db *lock_db;            /* holds the run's lock (take_lock) */
    struct run_summary sum;
};

/* What cmd_run and cmd_rebuild hold, closed and freed; safe on a context
 * that got only part of the way. */
static void run_ctx_release(struct run_ctx *c)
{
    db_close(c->lock_db);
    db_close(c->db);
    if (c->have_vocab)
        vocab_release(&c->vocab);
    if (c->have_cfg)
        config_release(&c->cfg);
}

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

/* The run's lock: LOCK TABLE run_lock, which only the importing role may
 * take, in a transaction held open on a connection of its own for as long
 * as the run lasts (the imports commit on the other). The server ends that
 * transaction when the connection ends, even when the process is killed: a
 * crashed run never blocks the next one. */
static int take_lock(struct run_ctx *c, bdtx_error *err)
{
    if (db_connect(c->cfg.conninfo, &c->lock_db, err) != 0)
        return -1;
    if (db_exec(c->lock_db, "SET idle_in_transaction_session_timeout = 0", 0, NULL, err) != 0 ||
        db_begin(c->lock_db, err) != 0)
        return -1;
    if (db_exec(c->lock_db, "LOCK TABLE run_lock IN EXCLUSIVE MODE NOWAIT", 0, NULL, err) == 0)
        return 0;
    if (strcmp(err->sqlstate, "55P03") == 0) {   /* lock_not_available */
        error_clear(err);
        error_set(err, BDTX_TEMPFAIL, "another bdtx run holds the lock of province %s; this "
                  "run did nothing", c->cfg.province.code);
        error_hint(err, "the other run moves the files of the inbox; run again once it ends");
    }
    return -1;
}

static char *join3(const char *a, const char *b, const char *c)
{
    size_t len = strlen(a) + strlen(b) + strlen(c) + 3;
    char *s = malloc(len);

    if (s)
        snprintf(s, len, "%s/%s%s%s", a, b, c[0] ? "/" : "", c);
    return s;
}

/* A rejected file, moved to the rejected folder with NAME.err beside it
 * (run_advice.h), and said on standard error at the level "error", one
 * fact a line, naming the file where it now is. */
static int reject_file(struct run_ctx *c, const struct inbox_file *f, const bdtx_error *why,
                       bdtx_error *err)
{
    /* The modification day is said when the date is what went wrong (a
     * file without a header has no date the scan could peek at either). */
    struct run_place at = {path_base(f->path), c->cfg.paths.inbox, c->cfg.paths.rejected,
                           c->cfg.path, !f->dated && !f->sidecar &&
                                            (strstr(why->message, "as-of") ||
                                             strstr(why->message, "as of"))};
    char *text = run_advice_err_text(why, &at), *to = NULL, advice[2048];
    int rc;

    if (!text) {
        error_oom(err);
        return -1;
    }
    rc = inbox_move(f, c->cfg.paths.rejected, path_base(f->path), text, &to, err);
    if (rc == 0) {
        run_advice_file(why, &at, advice, sizeof advice);
        if (why->row > 0)
            log_error("%s: rejected, not imported: row %ld%s%s: %s", to, why->row,
                      why->column[0] ? ", column " : "", why->column, why->message);
        else
            log_error("%s: rejected, not imported: %s", to, why->message);
        if (why->detail[0])
            log_error("%s: %s", to, why->detail);
        if (at.dated_by_mtime)
            log_error("%s: %s", to, RUN_ADVICE_MTIME);
        log_error("%s: hint: %s; %s.err says what to do", to, advice, path_base(to));
        c->sum.rejected_files++;
    }
    free(text);
    free(to);
    return rc;
}

/* The rows an imported file lost, said at the level "warning": the file
 * where it now is, how many, the first reasons and what to do. */
static int summarise_rows(struct run_ctx *c, const char *to, const struct import_result *res,
                          const char *year, bdtx_error *err)
{
    enum { FIRST = 3, UNITS = 5 };
    const struct config_year *y = config_year_by_id(&c->cfg, year);
    const char *units[UNITS], *first = NULL;
    struct db_result *r = NULL, *u = NULL;
    char id[24], hint[2048];
    const char *params[1] = {id};
    int i, n, rc = -1;

    snprintf(id, sizeof id, "%ld", res->id);
    if (db_query(c->db, "SELECT row_number, col, reason FROM import_rejection "
                        "WHERE import_id = $1 ORDER BY row_number LIMIT 3", 1, params, &r,
                 err) != 0 ||
        db_query(c->db, "SELECT DISTINCT unit_text FROM import_rejection WHERE import_id = $1 "
                        "AND unit_text IS NOT NULL ORDER BY 1 LIMIT 5", 1, params, &u,
                 err) != 0)
        goto done;
    log_warning("%s: imported, but %ld of its %ld rows were rejected", to, res->rejected,
                res->rows + res->rejected);
    for (i = 0; i < db_rows(r) && i < FIRST; i++) {
        const char *col = db_value(r, i, 1);

        if (!first)
            first = db_value(r, i, 2);
        log_warning("%s: row %s%s%s: %s", to, db_value(r, i, 0), col[0] ? ", column " : "", col,
                    db_value(r, i, 2));
    }
    if (res->rejected > FIRST)
        log_warning("%s: ... and %ld more (the sheet Dữ liệu of the week's workbook lists "
                    "them all)", to, res->rejected - FIRST);
    n = db_rows(u) < UNITS ? db_rows(u) : UNITS;
    for (i = 0; i < n; i++)
        units[i] = db_value(u, i, 0);
    run_advice_rows(first, units, (size_t)n, y ? y->units_path : "the unit registry",
                    c->cfg.path, hint, sizeof hint);
    log_warning("%s: hint: %s", to, hint);
    rc = 0;
done:
    db_result_free(r);
    db_result_free(u);
    return rc;
}

/* The note of an earlier rejection of this name, now accepted, goes: a
 * rejected folder holds only what still needs doing. */
static void forget_rejection(struct run_ctx *c, const char *name)
{
    char *file = join3(c->cfg.paths.rejected, name, ""), *note = NULL;
    size_t len;

    if (!file)
        return;
    len = strlen(file) + 5;
    note = malloc(len);
    if (note) {
        snprintf(note, len, "%s.err", file);
        if (access(file, F_OK) != 0 && access(note, F_OK) == 0) {
            if (unlink(note) == 0)
                log_info("%s: removed; %s is imported now", note, name);
            else
                log_warning("%s: cannot remove it: %s", note, strerror(errno));
        }
    }
    free(note);
    free(file);
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

/* Whether f is no longer as the scan found it (size, mtime). */
static bool changed_since_scan(const struct inbox_file *f)
{
    struct stat st;

    return lstat(f->path, &st) != 0 || (long long)st.st_size != f->size ||
           st.st_mtim.tv_sec != f->mtime.tv_sec || st.st_mtim.tv_nsec != f->mtime.tv_nsec;
}

static void leave_file(struct run_ctx *c, const struct inbox_file *f)
{
    log_warning("%s: still being written (it changed in the last %" PRIu64 " s or while it "
                "was read); left for the next run", f->path, c->cfg.limits.settle_seconds);
    c->sum.left++;
}

/* Where the file of import id is kept, relative to the archive folder:
 * what a replay of its school year reads (rebuild.h). Set again when a file
 * found already imported is archived, in case a run stopped between the
 * import and the move. */
static int record_archived(struct run_ctx *c, long id, const char *to, bdtx_error *err)
{
    char ids[24];
    size_t prefix = strlen(c->cfg.paths.archive) + 1;
    const char *params[2] = {ids, to + (strncmp(to, c->cfg.paths.archive, prefix - 1) == 0 &&
                                        to[prefix - 1] == '/' ? prefix : 0)};

    snprintf(ids, sizeof ids, "%ld", id);
    return db_exec(c->db, "UPDATE import SET archive_file = $2 WHERE id = $1 "
                          "AND archive_file IS DISTINCT FROM $2", 2, params, err);
}

/* A learners export older than the newest of its year: the year is
 * replayed from its archived files with this one among them. */
static int import_late(struct run_ctx *c, const struct inbox_file *f,
                       const struct import_options *opts, struct import_result *res,
                       bdtx_error *ferr, bdtx_error *err)
{
    const struct config_year *year = config_year_by_id(&c->cfg, res->year);
    struct rebuild_extra extra;
    struct rebuild_result rr;
    char day[11], newest[11];

    if (!year) {
        error_set(err, BDTX_SOFTWARE, "school year %s is not in the configuration", res->year);
        return -1;
    }
    extra.path = f->path;
    extra.opts = *opts;
    extra.opts.source = res->source;
    extra.opts.has_as_of = true;
    extra.opts.as_of = res->as_of;
    if (rebuild_year(c->db, &c->cfg, &c->vocab, year, &extra, &rr, ferr) != 0)
        return 1;
    date_format_iso(res->as_of, day);
    date_format_iso(res->newest, newest);
    log_info("%s: as of %s, older than the newest learners export (%s): school year %s "
             "replayed from its %d files", f->path, day, newest, year->id, rr.files);
    res->id = rr.extra_id;
    res->rows = rr.extra_rows;
    res->rejected = rr.extra_rejected;
    c->sum.replayed++;
    (void)err;
    return 0;
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
    opts.caller_reports = true;
    error_clear(&ferr);
    if (f->unsettled) {
        leave_file(c, f);
        return 0;
    }
    if (f->refused) {
        error_set(&ferr, BDTX_DATAERR, "%s", f->refused);
        error_place(&ferr, f->path, 0, NULL);
        return reject_file(c, f, &ferr, err);
    }
    /* The name is stored with the import and shown in the reports: text. */
    if (!text_valid_utf8(path_base(f->path), strlen(path_base(f->path)))) {
        error_set(&ferr, BDTX_DATAERR, "the file name is not UTF-8 text");
        error_hint(&ferr, "rename the file (letters with their accents as any program of "
                          "today writes them) and put it back in the inbox");
        error_place(&ferr, f->path, 0, NULL);
        return reject_file(c, f, &ferr, err);
    }
    if (f->sidecar && !f->sidecar_ok) {
        error_set(&ferr, BDTX_DATAERR, "%s does not hold a date (YYYY-MM-DD or dd/mm/yyyy) "
                  "or is not a regular file", path_base(f->sidecar));
        error_place(&ferr, f->path, 0, NULL);
        error_hint(&ferr, "write the export's date in %s, alone on its line (echo 2020-10-04 "
                   "> %s)", path_base(f->sidecar), f->sidecar);
        return reject_file(c, f, &ferr, err);
    }
    if (f->sidecar) {
        opts.has_as_of = true;
        opts.as_of = f->as_of;
    }
    opts.check_unchanged = true;
    opts.size = f->size;
    opts.mtime = f->mtime;
    if (import_file(c->db, &c->cfg, &c->vocab, f->path, &opts, &res, &ferr) != 0) {
        /* A copy still being written is left for the next run, whatever
         * its half read like. */
        if (ferr.code == BDTX_TEMPFAIL || (ferr.code == BDTX_DATAERR && changed_since_scan(f))) {
            leave_file(c, f);
            return 0;
        }
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
    if (res.late) {
        rc = import_late(c, f, &opts, &res, &ferr, err);
        if (rc < 0)
            return -1;
        if (rc > 0) {
            if (ferr.code != BDTX_DATAERR) {
                *err = ferr;
                return -1;
            }
            return reject_file(c, f, &ferr, err);
        }
    }
    if (res.skipped) {
        if (stored_import(c, res.id, year, sizeof year, &as_of, err) != 0)
            return -1;
    } else {
        snprintf(year, sizeof year, "%s", res.year);
        as_of = res.as_of;
    }
    rc = archive_file(c, f, year, as_of, &to, err);
    if (rc != 0 || record_archived(c, res.id, to, err) != 0) {
        free(to);
        return -1;
    }
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
    if (!f->dated && !f->sidecar && !res.skipped)
        log_warning("%s: dated %s, the day it was last modified: neither its title rows nor "
                    "its name give a date; next time put its date in %s.as-of beside it in "
                    "the inbox, or its date in its name", to, day, path_base(f->path));
    forget_rejection(c, path_base(f->path));
    rc = !res.skipped && res.rejected > 0 ? summarise_rows(c, to, &res, year, err) : 0;
    free(to);
    return rc;
}

/* A file changed in the last limits.settle_seconds may still be being
 * copied: wait until the youngest is that old (at most that long), then
 * look again; one that changed meanwhile, or is still too young, is left
 * for the next run. */
static void settle(struct run_ctx *c, struct inbox_file *files, size_t n)
{
    struct timespec now, pause = {0, 0};
    int64_t settle_ns = (int64_t)c->cfg.limits.settle_seconds * 1000000000, wait = 0;
    size_t i;

    if (settle_ns == 0 || clock_gettime(CLOCK_REALTIME, &now) != 0)
        return;
    for (i = 0; i < n; i++) {
        int64_t age = (int64_t)(now.tv_sec - files[i].mtime.tv_sec) * 1000000000 +
                      (now.tv_nsec - files[i].mtime.tv_nsec);

        if (!files[i].refused && age < settle_ns && settle_ns - age > wait)
            wait = settle_ns - age > settle_ns ? settle_ns : settle_ns - age;
    }
    if (wait == 0)
        return;
    pause.tv_sec = (time_t)(wait / 1000000000);
    pause.tv_nsec = (long)(wait % 1000000000);
    while (nanosleep(&pause, &pause) != 0 && errno == EINTR)
        ;
    clock_gettime(CLOCK_REALTIME, &now);
    for (i = 0; i < n; i++) {
        int64_t age = (int64_t)(now.tv_sec - files[i].mtime.tv_sec) * 1000000000 +
                      (now.tv_nsec - files[i].mtime.tv_nsec);

        /* A modification time in the future (a share whose clock runs
         * ahead) cannot age: there, not changing across the wait is all. */
        if (!files[i].refused && (changed_since_scan(&files[i]) ||
                                  (age >= 0 && age < settle_ns)))
            files[i].unsettled = true;
    }
}

/* The registry file of each school year whose registry is stored: loaded
 * again when its SHA-256 is not the one it was loaded with (rebuild.h). */
static int check_registries(struct run_ctx *c, bdtx_error *err)
{
    size_t i;

    for (i = 0; i < c->cfg.nyears; i++) {
        const struct config_year *year = &c->cfg.years[i];
        const char *params[2] = {c->cfg.province.code, year->id};
        struct db_result *r = NULL;
        struct registry reg = {0};
        struct registry_change ch;
        char sha[65];
        bool stored, same;
        int rc;

        if (db_query(c->db, "SELECT EXISTS (SELECT 1 FROM unit WHERE province_code = $1 AND "
                            "school_year = $2), (SELECT sha256 FROM unit_registry WHERE "
                            "province_code = $1 AND school_year = $2)", 2, params, &r,
                     err) != 0)
            return -1;
        stored = strcmp(db_value(r, 0, 0), "t") == 0;
        if (!stored) {
            db_result_free(r);
            continue;   /* loaded by the first import of the year */
        }
        if (hash_file_sha256(year->units_path, sha, err) != 0) {
            db_result_free(r);
            err->code = BDTX_CONFIG;
            return -1;
        }
        same = !db_null(r, 0, 1) && strcmp(db_value(r, 0, 1), sha) == 0;
        db_result_free(r);
        if (same)
            continue;
        if (registry_read_file(year->units_path, &reg, err) != 0) {
            error_detail(err, "the unit registry of school year %s changed since it was loaded; "
                         "it is configured in %s line %ld", year->id, c->cfg.path,
                         year->units_line);
            return -1;
        }
        rc = rebuild_registry(c->db, &c->cfg, &c->vocab, year, year->units_path, sha, &reg, &ch,
                              err);
        registry_release(&reg);
        if (rc != 0) {
            registry_change_release(&ch);
            return -1;
        }
        if (ch.nunits > 0)
            log_info("%s: the unit registry of school year %s changed: %ld added, %ld renamed, "
                     "%ld re-parented, %ld removed, %ld otherwise changed", year->units_path,
                     year->id, ch.count[REGISTRY_ADDED], ch.count[REGISTRY_RENAMED],
                     ch.count[REGISTRY_REPARENTED], ch.count[REGISTRY_REMOVED],
                     ch.count[REGISTRY_OTHER]);
        if (ch.replay) {
            log_info("school year %s replayed from its %d files with the new registry: %ld rows "
                     "rejected, %ld before", year->id, ch.rebuild.files, ch.rebuild.rejected,
                     ch.rebuild.rejected_before);
            c->sum.replayed++;
        }
        registry_change_release(&ch);
    }
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
    settle(c, files, n);
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

/* Units of both tables per group, best group first: "A=3\tB=5\tC=3" (a
 * group's name may hold spaces). */
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
        n += (size_t)snprintf(buf + n, n < cap ? cap - n : 0, "%s%s=%ld", g ? "\t" : "",
                              rep->year->groups[g].name, count);
    }
}

/* Whether the week's JSON, as it would be written now, is byte for byte the
 * one already written, and the workbook is there: after a replay, a week
 * whose figures did not change keeps its files. The JSON holds every figure
 * of the workbook's tables and the imports it was computed from. */
static int same_figures(const struct report *rep, const char *json, const char *xlsx,
                        bool *same, bdtx_error *err)
{
    char *now = NULL;
    size_t now_len = 0;
    FILE *mem;

    *same = false;
    if (access(xlsx, F_OK) != 0 || access(json, F_OK) != 0)
        return 0;
    mem = open_memstream(&now, &now_len);
    if (!mem) {
        error_oom(err);
        return -1;
    }
    if (report_write_stream(rep, REPORT_JSON, mem, err) != 0) {
        fclose(mem);
        free(now);
        return -1;
    }
    if (fclose(mem) != 0) {
        free(now);
        error_oom(err);
        return -1;
    }
    *same = atomic_same_content(json, now, now_len);
    free(now);
    return 0;
}

/* The week's packs (report.units), in the report's snapshot: their units,
 * and, with the learners lists, the parts the province's list is split
 * into as its workbook reads it (people.h), so that the packs read theirs
 * from there rather than each from the database. */
struct week_packs {
    long *units;
    size_t n;
    long *part_of;
    struct people_spool *spool;
    struct people_source tee;
};

static int packs_begin(struct run_ctx *c, const struct report *rep,
                       const struct people_source *people, struct week_packs *wp,
                       bdtx_error *err)
{
    memset(wp, 0, sizeof *wp);
    if (!c->cfg.report.units)
        return 0;
    if (pack_units(rep, &wp->units, &wp->n, err) != 0)
        return -1;
    if (!people || wp->n == 0)
        return 0;
    if (pack_parts(rep, wp->units, wp->n, &wp->part_of, err) != 0)
        return -1;
    if (!wp->part_of)
        return 0;
    return people_spool_open(&rep->reg, wp->part_of, wp->n, people, &wp->spool, &wp->tee, err);
}

/* The list the province's workbook reads: through the spool when there is
 * one. */
static const struct people_source *packs_people(const struct week_packs *wp,
                                                const struct people_source *people)
{
    return wp->spool ? &wp->tee : people;
}

static int write_packs(struct run_ctx *c, const struct report *rep, struct week_packs *wp,
                       bdtx_error *err)
{
    int rc;

    if (!c->cfg.report.units)
        return 0;
    rc = pack_write(c->db, rep, wp->units, wp->n, wp->spool, 0, err);
    if (rc == 0)
        log_info("%zu unit packs of %04d-W%02d written under %s/%s/" PACK_FOLDER, wp->n,
                 rep->iso_year, rep->week, c->cfg.paths.reports, rep->year->id);
    return rc;
}

static void packs_end(struct week_packs *wp)
{
    people_spool_close(wp->spool);
    free(wp->part_of);
    free(wp->units);
    memset(wp, 0, sizeof *wp);
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
    struct week_packs wp = {0};
    bool same = false;
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
    if (!text || same_figures(&rep, json, xlsx, &same, err) != 0)
        goto done;
    /* A week whose figures did not change keeps its files, its notice and
     * its packs among them, once they are all there. */
    if (same && access(text, F_OK) != 0)
        same = false;
    if (!same && (compute_trend(c->db, &rep, err) != 0 ||
                  packs_begin(c, &rep, report_read_people(&rd), &wp, err) != 0 ||
                  report_save(&rep, REPORT_XLSX, xlsx, packs_people(&wp, report_read_people(&rd)),
                              err) != 0 ||
                  report_save(&rep, REPORT_JSON, json, NULL, err) != 0 ||
                  report_save(&rep, REPORT_TEXT, text, NULL, err) != 0 ||
                  write_packs(c, &rep, &wp, err) != 0))
        goto done;
    packs_end(&wp);
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
    if (same) {
        log_info("report of %s (school year %s, as of %s): figures unchanged, %s kept", week,
                 sw->year->id, day, xlsx);
        c->sum.unchanged++;
        rc = 0;
        goto done;
    }
    log_info("report of %s (school year %s, as of %s) written to %s and %s", week, sw->year->id,
             day, xlsx, json);
    c->sum.reports++;
    snprintf(c->sum.last_report, sizeof c->sum.last_report, "%s", xlsx);
    rc = 0;
done:
    packs_end(&wp);
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

/* Remove the hidden temporaries of killed writers in every unit's folder
 * under year_dir/don-vi. */
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

/* Remove the hidden temporaries of killed writers under top and under
 * top/<school year> for every school year; *total counts them. */
static int sweep_tree(struct run_ctx *c, const char *top, int *total, bdtx_error *err)
{
    int removed;
    size_t i;

    if (atomic_sweep(top, STALE_TEMPORARY_SECONDS, &removed, err) != 0)
        return -1;
    *total += removed;
    for (i = 0; i < c->cfg.nyears; i++) {
        char *dir = join3(top, c->cfg.years[i].id, "");

        if (!dir) {
            error_oom(err);
            return -1;
        }
        if (atomic_sweep(dir, STALE_TEMPORARY_SECONDS, &removed, err) != 0 ||
            sweep_packs(dir, total, err) != 0) {
            free(dir);
            return -1;
        }
        free(dir);
        *total += removed;
    }
    return 0;
}

/* Remove what killed writers left in the reports folders, and what a copy
 * across file systems cut short left in the archive and the rejected
 * folder (hidden, and refused by the nginx example, but litter all the
 * same). */
static int sweep_reports(struct run_ctx *c, bdtx_error *err)
{
    const char *tops[3] = { c->cfg.paths.reports, c->cfg.paths.archive, c->cfg.paths.rejected };
    size_t k;

    for (k = 0; k < 3; k++) {
        int total = 0;

        if (sweep_tree(c, tops[k], &total, err) != 0)
            return -1;
        if (total > 0)
            log_info("removed %d unfinished temporary file%s left in %s by interrupted "
                     "writers", total, total == 1 ? "" : "s", tops[k]);
    }
    return 0;
}

static void print_summary(const struct run_ctx *c)
{
    const struct run_summary *s = &c->sum;

    if (c->cli->quiet)
        return;
    printf("bdtx run: %d file%s imported (%ld rows, %ld rows rejected), %d already imported, "
           "%d file%s rejected, %d left for the next run, %d report%s written%s%s%s\n",
           s->imported, s->imported == 1 ? "" : "s", s->rows, s->rejected_rows, s->skipped,
           s->rejected_files, s->rejected_files == 1 ? "" : "s", s->left, s->reports,
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
    if (cli_config_load(cli, &c.cfg, err) != 0)
        return err->code;
    c.have_cfg = true;
    if (vocab_init(&c.vocab, &c.cfg, err) != 0) {
        rc = err->code;
        goto done;
    }
    c.have_vocab = true;
    if (connect_db(&c, err) != 0 || take_lock(&c, err) != 0 ||
        check_registries(&c, err) != 0 || import_inbox(&c, err) != 0 ||
        write_reports(&c, err) != 0 || write_index(&c, err) != 0 ||
        sweep_reports(&c, err) != 0) {
        rc = err->code ? err->code : BDTX_SOFTWARE;
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
    run_ctx_release(&c);
    return rc;
}

/* The school years to replay: --year, or every year with imports. */
static int rebuild_years(struct run_ctx *c, const char *only, bdtx_error *err)
{
    const char *params[1] = {c->cfg.province.code};
    struct db_result *r = NULL;
    int i, rc = -1;

    if (db_query(c->db, "SELECT DISTINCT school_year FROM import WHERE province_code = $1 "
                        "ORDER BY 1", 1, params, &r, err) != 0)
        return -1;
    for (i = 0; i < db_rows(r); i++) {
        const char *id = db_value(r, i, 0);
        const struct config_year *year;
        struct rebuild_result rr;

        if (only && strcmp(only, id) != 0)
            continue;
        year = config_year_by_id(&c->cfg, id);
        if (!year) {
            log_warning("school year %s has imports but is not in the configuration; it is "
                        "not replayed", id);
            continue;
        }
        if (rebuild_year(c->db, &c->cfg, &c->vocab, year, NULL, &rr, err) != 0)
            goto done;
        c->sum.replayed++;
        c->sum.imported += rr.files;
        c->sum.rows += rr.rows;
        c->sum.rejected_rows += rr.rejected;
        if (!c->cli->quiet)
            printf("school year %s replayed from its %d files: %ld rows, %ld rejected "
                   "(%ld before)\n", id, rr.files, rr.rows, rr.rejected, rr.rejected_before);
    }
    rc = 0;
done:
    db_result_free(r);
    return rc;
}

/* The kept figures of every school year with imports (or only `only`)
 * compared with the history, in one read-only snapshot, writing nothing:
 * each difference on standard output, then 0 when there is none, else -1
 * with err set. */
static int check_years(struct run_ctx *c, const char *only, bdtx_error *err)
{
    const char *params[1] = {c->cfg.province.code};
    struct db_result *r = NULL;
    long years = 0, dates = 0, differences = 0;
    int i, rc = -1;

    if (db_begin_snapshot(c->db, err) != 0)
        return -1;
    if (db_query(c->db, "SELECT DISTINCT school_year FROM import WHERE province_code = $1 "
                        "ORDER BY 1", 1, params, &r, err) != 0)
        goto done;
    for (i = 0; i < db_rows(r); i++) {
        const char *id = db_value(r, i, 0);
        struct unit_figures_check ch;
        size_t k;

        if (only && strcmp(only, id) != 0)
            continue;
        if (unit_figures_check(c->db, c->cfg.province.code, id, &ch, err) != 0) {
            unit_figures_check_release(&ch);
            goto done;
        }
        for (k = 0; k < ch.ndiffs; k++) {
            const struct unit_figures_diff *d = &ch.diffs[k];

            printf("%s as of %s: unit %s, role '%s', %s: %" PRId64 " kept, %" PRId64
                   " in the history\n", id, d->date, d->unit_code, d->role, d->what, d->kept,
                   d->history);
        }
        if (ch.differences > (long)ch.ndiffs)
            printf("%s: %ld more difference%s\n", id, ch.differences - (long)ch.ndiffs,
                   ch.differences - (long)ch.ndiffs == 1 ? "" : "s");
        years++;
        dates += ch.dates;
        differences += ch.differences;
        unit_figures_check_release(&ch);
    }
    if (differences > 0) {
        error_set(err, BDTX_SOFTWARE, "the kept figures differ from the history in %ld "
                  "place%s", differences, differences == 1 ? "" : "s");
        error_hint(err, "run: bdtx rebuild%s%s (it writes them again from the files)",
                   only ? " --year " : "", only ? only : "");
        goto done;
    }
    if (!c->cli->quiet)
        printf("bdtx rebuild --check: the kept figures of %ld school year%s, at %ld date%s, "
               "are those of the history\n", years, years == 1 ? "" : "s", dates,
               dates == 1 ? "" : "s");
    rc = 0;
done:
    db_result_free(r);
    db_rollback(c->db);
    return rc;
}

int cmd_rebuild(struct cli *cli, int argc, char **argv, bdtx_error *err)
{
    static const char usage[] =
        "usage: bdtx [--config FILE] [--quiet] rebuild [--check] [--year ID]";
    static const struct option options[] = {
        {"year", required_argument, NULL, 'y'},
        {"check", no_argument, NULL, 'c'},
        {NULL, 0, NULL, 0},
    };
    const char *only = NULL;
    bool check = false;
    struct run_ctx c;
    int opt, rc;

    optind = 0;
    opterr = 0;
    while ((opt = getopt_long(argc, argv, ":", options, NULL)) != -1) {
        if (opt == 'c') {
            check = true;
            continue;
        }
        if (opt != 'y') {
            option_error(argv[optind - 1], opt, optopt, options, err);
            if (!err->hint[0])
                error_hint(err, "%s", usage);
            return BDTX_USAGE;
        }
        only = optarg;
    }
    if (optind != argc) {
        error_set(err, BDTX_USAGE, "rebuild takes no arguments besides --check and --year");
        error_hint(err, "%s", usage);
        return BDTX_USAGE;
    }
    memset(&c, 0, sizeof c);
    c.cli = cli;
    if (cli_config_load(cli, &c.cfg, err) != 0)
        return err->code;
    c.have_cfg = true;
    if (only && !config_year_by_id(&c.cfg, only)) {
        error_set(err, BDTX_USAGE, "no school year '%s' in the configuration", only);
        error_hint(err, "%s", usage);
        rc = BDTX_USAGE;
        goto done;
    }
    if (vocab_init(&c.vocab, &c.cfg, err) != 0) {
        rc = err->code;
        goto done;
    }
    c.have_vocab = true;
    if (check) {
        rc = connect_db(&c, err) != 0 || check_years(&c, only, err) != 0
                 ? (err->code ? err->code : BDTX_SOFTWARE) : BDTX_OK;
        goto done;
    }
    if (connect_db(&c, err) != 0 || take_lock(&c, err) != 0 || rebuild_years(&c, only, err) != 0 ||
        write_reports(&c, err) != 0 || write_index(&c, err) != 0) {
        rc = err->code ? err->code : BDTX_SOFTWARE;
        goto done;
    }
    if (!cli->quiet)
        printf("bdtx rebuild: %d school year%s replayed, %d report%s written, %d unchanged\n",
               c.sum.replayed, c.sum.replayed == 1 ? "" : "s", c.sum.reports,
               c.sum.reports == 1 ? "" : "s", c.sum.unchanged);
    rc = BDTX_OK;
done:
    run_ctx_release(&c);
    return rc;
}
