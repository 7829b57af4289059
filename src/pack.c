#include "bdtx/pack.h"

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bdtx/atomic.h"
#include "bdtx/db.h"
#include "bdtx/log.h"
#include "bdtx/notice.h"
#include "bdtx/people.h"
#include "bdtx/report_xlsx.h"

bool pack_code_safe(const char *code)
{
    size_t n = 0;

    for (; code[n]; n++) {
        char c = code[n];

        if (!((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
              c == '-' || c == '_'))
            return false;
    }
    return n >= 1 && n <= 64;
}

char *pack_path(const struct report *rep, const char *code, const char *ext, bdtx_error *err)
{
    const char *dir = rep->cfg->paths.reports ? rep->cfg->paths.reports : "reports";
    size_t cap = strlen(dir) + strlen(rep->year->id) + strlen(code) + 64;
    char *s = malloc(cap);

    if (!s) {
        error_oom(err);
        return NULL;
    }
    if (ext)
        snprintf(s, cap, "%s/%s/" PACK_FOLDER "/%s/%04d-W%02d%s", dir, rep->year->id, code,
                 rep->iso_year, rep->week, ext);
    else
        snprintf(s, cap, "%s/%s/" PACK_FOLDER "/%s", dir, rep->year->id, code);
    return s;
}

int pack_units(const struct report *rep, long **out, size_t *n, bdtx_error *err)
{
    size_t k, i, total = 0;
    long *units;

    *out = NULL;
    *n = 0;
    for (k = 0; k < rep->nrankings; k++)
        if (!rep->rankings[k].module)
            total += rep->rankings[k].nrows;
    if (total == 0)
        return 0;
    units = malloc(total * sizeof *units);
    if (!units) {
        error_oom(err);
        return -1;
    }
    for (k = 0; k < rep->nrankings; k++) {
        if (rep->rankings[k].module)
            continue;
        for (i = 0; i < rep->rankings[k].nrows; i++) {
            long u = rep->rankings[k].rows[i].unit;
            const char *code = rep->reg.units[u].code;

            if (!pack_code_safe(code)) {
                log_warning("unit code '%s' cannot name a folder (letters, digits, '-' and '_' "
                            "only): no pack for it",
                            code);
                continue;
            }
            units[(*n)++] = u;
        }
    }
    *out = units;
    return 0;
}

/* The warnings that speak of the unit's own figures; those about the
 * province's imports and registry stay in the province's workbook. */
static bool warning_for_unit(enum report_warning_kind kind)
{
    return kind == WARN_NO_IMPORT_THIS_WEEK || kind == WARN_NO_PREVIOUS_WEEK;
}

/* The label of unit's own ranked level: that of its district offices or
 * communes. */
static const char *level_label(const struct report *rep, long unit)
{
    bool en = rep->cfg->report.language && strcmp(rep->cfg->report.language, "en") == 0;
    size_t i;

    for (i = 0; i < rep->reg.count; i++)
        if (rep->reg.units[i].parent == unit && rep->reg.units[i].kind == UNIT_INNER)
            return strcmp(rep->reg.units[i].kind_text, "phong") == 0
                       ? (en ? "District offices" : "Phòng GDĐT")
                       : (en ? "Communes" : "UBND xã/phường");
    return NULL;
}

/* A unit with a ranked level of its own (a nation's province) is seen as
 * its own Sở sees itself: its rankings become those of its own units
 * (district offices or communes, then its direct units), against its own
 * figures as the total. Its rank among its peers stays in its notice.
 * view->rankings hold its own rows on entry; they are replaced. */
static int level_view(const struct report *rep, long unit, struct report *view)
{
    size_t l, k, i;
    const struct ranking *from;

    for (l = 0; l < rep->nlevels && rep->level_units[l] != unit; l++)
        ;
    if (l == rep->nlevels || (l + 1) * rep->nrankings > rep->nlevel_rankings)
        return 0;
    from = rep->level_rankings + l * rep->nrankings;
    for (k = 0; k < rep->nrankings; k++) {
        struct ranking *to = &view->rankings[k];
        const struct rank_row *own = to->nrows ? &to->rows[0] : NULL;

        if (own && !from[k].module) {
            view->total = own->f;
            view->total_group = own->group;
            view->total_has_delta = own->has_delta;
            view->total_delta_pp = own->delta_pp;
        } else if (own) {
            struct scope_total *t = &view->module_totals[k / 2 - 1];

            t->f = own->f;
            t->group = own->group;
            t->has_delta = own->has_delta;
            t->delta_pp = own->delta_pp;
        }
        free(to->rows);
        *to = from[k];
        to->rows = malloc((from[k].nrows + 1) * sizeof *to->rows);
        if (!to->rows) {
            to->nrows = 0;
            return -1;
        }
        for (i = 0; i < from[k].nrows; i++)
            to->rows[i] = from[k].rows[i];
    }
    view->total_unit = &rep->reg.units[unit];
    view->ranked_level = level_label(rep, unit);
    return 0;
}

int pack_view(const struct report *rep, long unit, struct report *view, bdtx_error *err)
{
    size_t k, i, w, t;

    memset(view, 0, sizeof *view);
    view->cfg = rep->cfg;
    view->year = rep->year;
    view->as_of = rep->as_of;
    view->iso_year = rep->iso_year;
    view->week = rep->week;
    view->reg = rep->reg;
    view->total = rep->total;
    view->total_group = rep->total_group;
    view->total_has_delta = rep->total_has_delta;
    view->total_delta_pp = rep->total_delta_pp;
    view->module_totals = calloc(rep->year->nmodules + 1, sizeof *view->module_totals);
    if (!view->module_totals)
        goto oom;
    if (rep->module_totals)
        memcpy(view->module_totals, rep->module_totals,
               rep->year->nmodules * sizeof *view->module_totals);
    view->imports = rep->imports;
    view->nimports = rep->nimports;
    view->generated_at = rep->generated_at;
    view->generated_offset = rep->generated_offset;
    view->people_now = rep->people_now;
    view->people_prev = rep->people_prev;
    view->pace_weeks = rep->pace_weeks;
    view->pace_base = rep->pace_base;
    for (w = 0; w < rep->nwarnings; w++)
        if (warning_for_unit(rep->warnings[w].kind))
            view->warnings[view->nwarnings++] = rep->warnings[w];

    view->rankings = calloc(rep->nrankings ? rep->nrankings : 1, sizeof *view->rankings);
    view->schools = calloc(rep->nschools ? rep->nschools : 1, sizeof *view->schools);
    view->temis = calloc(rep->ntemis ? rep->ntemis : 1, sizeof *view->temis);
    view->progress = calloc(rep->nprogress ? rep->nprogress : 1, sizeof *view->progress);
    if (!view->rankings || !view->schools || !view->temis || !view->progress)
        goto oom;
    for (i = 0; i < rep->nprogress; i++)
        if (rep->progress[i].unit == unit)
            view->progress[view->nprogress++] = rep->progress[i];
    view->nrankings = rep->nrankings;
    for (k = 0; k < rep->nrankings; k++) {
        const struct ranking *from = &rep->rankings[k];
        struct ranking *to = &view->rankings[k];

        *to = *from;
        to->rows = NULL;
        to->nrows = 0;
        for (i = 0; i < from->nrows; i++) {
            if (from->rows[i].unit != unit)
                continue;
            to->rows = malloc(sizeof *to->rows);
            if (!to->rows)
                goto oom;
            to->rows[0] = from->rows[i];
            to->nrows = 1;
            /* Dữ liệu counts the unit's own learners and pairs. */
            if (!from->module) {
                view->learners = from->rows[i].f.learners;
                view->learner_modules = from->rows[i].f.assigned;
            }
            break;
        }
    }
    if (level_view(rep, unit, view) != 0)
        goto oom;
    for (i = 0; i < rep->nschools; i++)
        if (registry_within(&rep->reg, rep->schools[i].unit, unit))
            view->schools[view->nschools++] = rep->schools[i];
    for (i = 0; i < rep->ntemis; i++)
        if (registry_within(&rep->reg, rep->temis[i].unit, unit))
            view->temis[view->ntemis++] = rep->temis[i];

    /* The trend: the unit's column beside the province's. */
    view->trend.nweeks = rep->trend.nweeks;
    view->trend.days = rep->trend.days;
    view->trend.province = rep->trend.province;
    for (t = 0; t < rep->trend.nunits; t++)
        if (rep->trend.units[t] == unit)
            break;
    if (t < rep->trend.nunits && rep->trend.nweeks > 0) {
        view->trend.units = malloc(sizeof *view->trend.units);
        view->trend.cells = malloc(rep->trend.nweeks * sizeof *view->trend.cells);
        if (!view->trend.units || !view->trend.cells)
            goto oom;
        view->trend.units[0] = unit;
        view->trend.nunits = 1;
        for (w = 0; w < rep->trend.nweeks; w++)
            view->trend.cells[w] = *trend_at(&rep->trend, w, t);
    }
    return 0;
oom:
    pack_view_release(view);
    error_oom(err);
    return -1;
}

void pack_view_release(struct report *view)
{
    size_t k;

    for (k = 0; view->rankings && k < view->nrankings; k++)
        free(view->rankings[k].rows);
    free(view->rankings);
    free(view->module_totals);
    free(view->schools);
    free(view->temis);
    free(view->progress);
    free(view->trend.units);
    free(view->trend.cells);
    memset(view, 0, sizeof *view);
}

int pack_save_notice(const struct report *rep, long unit, const char *path, bdtx_error *err)
{
    struct atomic_file f;

    if (atomic_begin(&f, path, err) != 0)
        return -1;
    if (notice_write(rep, unit, f.fp) != 0 || fflush(f.fp) != 0) {
        error_set(err, BDTX_SOFTWARE, "cannot write the notice");
        error_place(err, path, 0, NULL);
        atomic_abort(&f);
        return -1;
    }
    return atomic_commit(&f, err);
}

/* The unit's notice beside its pack (<week>.txt). */
static int write_notice(const struct report *rep, long unit, bdtx_error *err)
{
    char *path = pack_path(rep, rep->reg.units[unit].code, ".txt", err);
    int rc = path ? pack_save_notice(rep, unit, path, err) : -1;

    free(path);
    return rc;
}

/* A pack, its learners read from part `part` of spool when it is usable,
 * else from db. */
static int write_one(struct db *db, struct people_spool *spool, size_t part,
                     const struct report *rep, long unit, const char *out, bdtx_error *err)
{
    const struct unit *u = &rep->reg.units[unit];
    struct report view;
    struct report_xlsx_options opt = {0};
    struct atomic_file f = {0};
    struct people_cursor *cursor = NULL;
    struct people_source src;
    char *path = NULL, *notice = NULL;
    int rc = -1;

    if (pack_view(rep, unit, &view, err) != 0)
        return -1;
    /* The notice reads the whole report: the unit's rank among the others. */
    notice = notice_text(rep, unit, err);
    if (!notice)
        goto done;
    path = out ? strdup(out) : pack_path(rep, u->code, ".xlsx", err);
    if (!path && out)
        error_oom(err);
    if (!path || atomic_begin(&f, path, err) != 0)
        goto done;
    /* libxlsxwriter writes the file itself, by name. */
    fclose(f.fp);
    f.fp = NULL;
    opt.unit_name = u->name;
    opt.notice = notice;
    if (rep->cfg->report.include_people && people_spool_usable(spool)) {
        if (people_spool_read(spool, part, &src, err) != 0)
            goto fail;
        opt.people = &src;
    } else if (rep->cfg->report.include_people && db) {
        if (people_open_unit(db, rep->cfg->province.code, rep->year->id, rep->as_of, u->code,
                             &cursor, &src, err) != 0)
            goto fail;
        opt.people = &src;
    }
    if (report_xlsx_write(&view, f.tmp, &opt, err) != 0)
        goto fail;
    people_close(cursor);
    cursor = NULL;
    if (atomic_commit(&f, err) != 0)
        goto done;
    rc = 0;
    goto done;
fail:
    if (err->file[0] == '\0')
        error_place(err, path, 0, NULL);
    atomic_abort(&f);
done:
    people_close(cursor);
    if (people_spool_usable(spool))
        people_spool_done(spool, part);
    free(notice);
    free(path);
    pack_view_release(&view);
    return rc;
}

int pack_write_one(struct db *db, const struct report *rep, long unit, const char *out,
                   bdtx_error *err)
{
    return write_one(db, NULL, 0, rep, unit, out, err);
}

int pack_parts(const struct report *rep, const long *units, size_t n, long **out,
               bdtx_error *err)
{
    const struct registry *reg = &rep->reg;
    long *part_of, *own;
    size_t i, k, steps;

    *out = NULL;
    part_of = malloc((reg->count ? reg->count : 1) * sizeof *part_of);
    own = malloc((reg->count ? reg->count : 1) * sizeof *own);
    if (!part_of || !own) {
        free(part_of);
        free(own);
        error_oom(err);
        return -1;
    }
    for (i = 0; i < reg->count; i++)
        own[i] = -1;
    for (k = 0; k < n; k++)
        own[units[k]] = (long)k;
    for (i = 0; i < reg->count; i++) {
        long u = (long)i, found = -1;

        /* Every unit's ancestors, to the root: a learner below two packs'
         * units (which no registry of SPEC section 5 has) would belong to
         * both, so then there are no parts. */
        for (steps = 0; u >= 0 && steps <= reg->count; steps++, u = reg->units[u].parent) {
            if (own[u] < 0)
                continue;
            if (found >= 0) {
                free(part_of);
                free(own);
                return 0;
            }
            found = own[u];
        }
        part_of[i] = found;
    }
    free(own);
    *out = part_of;
    return 0;
}

struct pack_pool {
    const struct report *rep;
    struct people_spool *spool;
    const long *units;
    size_t *order;             /* the largest packs first */
    size_t n, next;
    pthread_mutex_t mu;
    bool failed;
    bdtx_error err;            /* the first failure */
};

struct pack_worker {
    struct pack_pool *pool;
    struct db *db;             /* its own connection, or the report's, or NULL */
    bool own_db;
    pthread_t thread;
    bool started;
};

/* The next unit to write (its place in units), or -1 when none is left or
 * a worker failed. */
static long pool_claim(struct pack_pool *p)
{
    long k = -1;

    pthread_mutex_lock(&p->mu);
    if (!p->failed && p->next < p->n)
        k = (long)p->order[p->next++];
    pthread_mutex_unlock(&p->mu);
    return k;
}

static void *worker_run(void *arg)
{
    struct pack_worker *w = arg;
    struct pack_pool *p = w->pool;
    bdtx_error err;
    long k, u;

    error_clear(&err);
    while ((k = pool_claim(p)) >= 0) {
        u = p->units[k];
        if (write_one(w->db, p->spool, (size_t)k, p->rep, u, NULL, &err) != 0 ||
            write_notice(p->rep, u, &err) != 0) {
            pthread_mutex_lock(&p->mu);
            if (!p->failed) {
                p->failed = true;
                p->err = err;
            }
            pthread_mutex_unlock(&p->mu);
            break;
        }
    }
    return NULL;
}

struct pack_size {
    size_t k;
    int64_t learners;
};

static int by_size(const void *a, const void *b)
{
    const struct pack_size *x = a, *y = b;

    if (x->learners != y->learners)
        return x->learners > y->learners ? -1 : 1;
    return x->k < y->k ? -1 : x->k > y->k;
}

/* The packs in the order they are claimed: the most learners first, so
 * that the last one written is a small one and the writers end together
 * (a nation's provinces differ several times in size). */
static size_t *claim_order(const struct report *rep, const long *units, size_t n)
{
    struct pack_size *sz = malloc(n * sizeof *sz);
    size_t *order = malloc(n * sizeof *order);
    size_t k, r, i;

    if (!sz || !order) {
        free(sz);
        free(order);
        return NULL;
    }
    for (k = 0; k < n; k++) {
        sz[k].k = k;
        sz[k].learners = 0;
        for (r = 0; r < rep->nrankings; r++) {
            if (rep->rankings[r].module)
                continue;
            for (i = 0; i < rep->rankings[r].nrows; i++)
                if (rep->rankings[r].rows[i].unit == units[k])
                    sz[k].learners = rep->rankings[r].rows[i].f.learners;
        }
    }
    qsort(sz, n, sizeof *sz, by_size);
    for (k = 0; k < n; k++)
        order[k] = sz[k].k;
    free(sz);
    return order;
}

int pack_write(struct db *db, const struct report *rep, const long *units, size_t n,
               struct people_spool *spool, int workers, bdtx_error *err)
{
    struct pack_pool pool = {.rep = rep, .spool = spool, .units = units, .n = n};
    struct pack_worker *w = NULL;
    size_t nw, i, started = 0;
    /* With the lists kept while the province's workbook read them, the
     * workers need no connection. */
    bool people = rep->cfg->report.include_people && !people_spool_usable(spool);
    int rc = -1;

    if (n == 0)
        return 0;
    pool.order = claim_order(rep, units, n);
    if (!pool.order) {
        error_oom(err);
        return -1;
    }
    if (workers < 1) {
        long cpus = sysconf(_SC_NPROCESSORS_ONLN);

        workers = cpus < 1 ? 1 : cpus > 8 ? 8 : (int)cpus;
    }
    nw = (size_t)workers;
    if (nw > n)
        nw = n;
    w = calloc(nw, sizeof *w);
    if (!w) {
        free(pool.order);
        error_oom(err);
        return -1;
    }
    if (pthread_mutex_init(&pool.mu, NULL) != 0) {
        free(pool.order);
        free(w);
        error_set(err, BDTX_SOFTWARE, "cannot start the pack writers");
        return -1;
    }
    error_clear(&pool.err);
    /* Each worker reads on a connection of its own, opened here, in the
     * report's snapshot: libpq connections are not shared between threads.
     * When the server allows no more, fewer workers; with none, one worker
     * on the report's own connection. */
    for (i = 0; i < nw; i++) {
        w[i].pool = &pool;
        if (!people)
            continue;
        if (db_connect_shared(db, &w[i].db, err) == 0) {
            w[i].own_db = true;
            continue;
        }
        if (err->code != BDTX_UNAVAILABLE)
            goto done;
        log_warning("%s; %zu pack writer%s instead of %zu", err->message, i ? i : 1,
                    i > 1 ? "s" : "", nw);
        error_clear(err);
        if (i == 0) {
            w[0].db = db;
            i = 1;
        }
        nw = i;
        break;
    }
    /* The first worker is this thread; the others are started beside it. */
    for (i = 1; i < nw; i++) {
        if (pthread_create(&w[i].thread, NULL, worker_run, &w[i]) != 0) {
            log_warning("cannot start a pack writer thread; fewer writers");
            break;
        }
        w[i].started = true;
        started++;
    }
    worker_run(&w[0]);
    for (i = 1; i < nw; i++)
        if (w[i].started)
            pthread_join(w[i].thread, NULL);
    if (pool.failed) {
        *err = pool.err;
        goto done;
    }
    log_debug("%zu packs written by %zu writer%s", n, started + 1, started ? "s" : "");
    rc = 0;
done:
    for (i = 0; i < nw; i++)
        if (w[i].own_db)
            db_close(w[i].db);
    pthread_mutex_destroy(&pool.mu);
    free(pool.order);
    free(w);
    return rc;
}
