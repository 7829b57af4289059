/* The replay of a school year: its history is kept as changes, in as-of
 * order, so an export that comes late or a registry that is corrected
 * after rows were rejected can only be taken in by writing the history
 * again from the files, oldest first. The files are the source of truth;
 * the database holds where each is kept and how it was imported. All of
 * it is one transaction under the school year's import lock: a report
 * reading at the same moment sees the old history or the new one, and a
 * process killed half-way leaves the old one whole. */
#include "bdtx/rebuild.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bdtx/hash.h"
#include "bdtx/log.h"
#include "bdtx/path.h"
#include "bdtx/names.h"

/* One import of the year as stored, and where its file was found. */
struct stored {
    long id;
    char *file_name, *sha, *archive_file, *source_path, *path;
    char *device, *inode, *size, *mtime, *ctime, *imported_at;
    struct import_options opts;
    char *module;
    bool forced;                  /* imported with --force */
};

/* The files of archive/<year>/ with their SHA-256, hashed once, when an
 * import's file is not where it was kept. */
struct archive_index {
    bool read;
    char **paths, **shas;
    size_t n;
};

static void stored_release(struct stored *s, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        free(s[i].file_name);
        free(s[i].sha);
        free(s[i].archive_file);
        free(s[i].source_path);
        free(s[i].path);
        free(s[i].device);
        free(s[i].inode);
        free(s[i].size);
        free(s[i].mtime);
        free(s[i].ctime);
        free(s[i].imported_at);
        free(s[i].module);
    }
    free(s);
}

static void archive_index_release(struct archive_index *a)
{
    size_t i;

    for (i = 0; i < a->n; i++) {
        free(a->paths[i]);
        free(a->shas[i]);
    }
    free(a->paths);
    free(a->shas);
    memset(a, 0, sizeof *a);
}

static char *dup_value(const struct db_result *r, int row, int col, bool *oom)
{
    char *s;

    if (db_null(r, row, col))
        return NULL;
    s = strdup(db_value(r, row, col));
    if (!s)
        *oom = true;
    return s;
}

/* Whether path holds a regular file whose SHA-256 is sha. */
static bool holds(const char *path, const char *sha)
{
    struct stat st;
    char got[65];
    bdtx_error ignored;

    if (!path || stat(path, &st) != 0 || !S_ISREG(st.st_mode))
        return false;
    error_clear(&ignored);
    return hash_file_sha256(path, got, &ignored) == 0 && strcmp(got, sha) == 0;
}

static int archive_index_read(struct archive_index *a, const char *dir, bdtx_error *err)
{
    DIR *d;
    struct dirent *e;
    size_t cap = 0;

    a->read = true;
    d = opendir(dir);
    if (!d)
        return 0;   /* no archive folder yet: nothing in it */
    while ((errno = 0, e = readdir(d)) != NULL) {
        struct stat st;
        char *path, sha[65];
        bdtx_error ignored;

        if (e->d_name[0] == '.')
            continue;
        path = path_join(dir, e->d_name);
        if (!path)
            goto oom;
        error_clear(&ignored);
        if (stat(path, &st) != 0 || !S_ISREG(st.st_mode) ||
            hash_file_sha256(path, sha, &ignored) != 0) {
            free(path);
            continue;
        }
        if (a->n == cap) {
            size_t ncap = cap ? cap * 2 : 32;
            char **p = realloc(a->paths, ncap * sizeof *p), **h;

            if (p)
                a->paths = p;
            h = p ? realloc(a->shas, ncap * sizeof *h) : NULL;
            if (!h) {
                free(path);
                goto oom;
            }
            a->shas = h;
            cap = ncap;
        }
        a->paths[a->n] = path;
        a->shas[a->n] = strdup(sha);
        if (!a->shas[a->n]) {
            free(path);
            goto oom;
        }
        a->n++;
    }
    if (errno != 0) {
        error_set(err, BDTX_SOFTWARE, "cannot read the archive folder %s: %s", dir,
                  strerror(errno));
        closedir(d);
        return -1;
    }
    closedir(d);
    return 0;
oom:
    closedir(d);
    error_oom(err);
    return -1;
}

/* Where the file of s is now: its place in the archive, the path it was
 * imported from, or any file of archive/<year>/ with its bytes. */
static int locate(const struct config *cfg, const char *year, struct archive_index *a,
                  struct stored *s, bdtx_error *err)
{
    char *dir = NULL, *p = NULL;
    size_t i;

    if (s->archive_file) {
        p = path_join(cfg->paths.archive, s->archive_file);
        if (!p) {
            error_oom(err);
            return -1;
        }
        if (holds(p, s->sha)) {
            s->path = p;
            return 0;
        }
        free(p);
    }
    if (holds(s->source_path, s->sha)) {
        s->path = strdup(s->source_path);
        if (!s->path) {
            error_oom(err);
            return -1;
        }
        return 0;
    }
    if (!a->read) {
        dir = path_join(cfg->paths.archive, year);
        if (!dir) {
            error_oom(err);
            return -1;
        }
        if (archive_index_read(a, dir, err) != 0) {
            free(dir);
            return -1;
        }
        free(dir);
    }
    for (i = 0; i < a->n; i++)
        if (strcmp(a->shas[i], s->sha) == 0) {
            s->path = strdup(a->paths[i]);
            if (!s->path) {
                error_oom(err);
                return -1;
            }
            return 0;
        }
    return 0;
}

static int read_stored(struct db *db, const struct config *cfg, const char *year,
                       struct stored **out, size_t *n, bdtx_error *err)
{
    const char *params[2] = {cfg->province.code, year};
    struct db_result *r = NULL;
    struct stored *list = NULL;
    bool oom = false;
    int i, rows;

    *out = NULL;
    *n = 0;
    if (db_query(db, "SELECT id, file_name, sha256, source, module, target, as_of, "
                     "archive_file, source_path, strict, forced, file_device, file_inode, "
                     "file_size, file_mtime_ns, file_ctime_ns, imported_at "
                     "FROM import WHERE province_code = $1 AND school_year = $2 "
                     "ORDER BY as_of, id",
                 2, params, &r, err) != 0)
        return -1;
    rows = db_rows(r);
    list = calloc(rows > 0 ? (size_t)rows : 1, sizeof *list);
    if (!list) {
        db_result_free(r);
        error_oom(err);
        return -1;
    }
    for (i = 0; i < rows; i++) {
        struct stored *s = &list[i];

        s->id = strtol(db_value(r, i, 0), NULL, 10);
        s->file_name = dup_value(r, i, 1, &oom);
        s->opts.file_name = s->file_name;
        s->sha = dup_value(r, i, 2, &oom);
        if (!source_kind_parse(db_value(r, i, 3), &s->opts.source) ||
            !value_parse_date(db_value(r, i, 6), &s->opts.as_of)) {
            error_set(err, BDTX_SOFTWARE, "import %ld has an unexpected source or as-of", s->id);
            *out = list;
            *n = (size_t)i + 1;
            db_result_free(r);
            return -1;
        }
        s->module = dup_value(r, i, 4, &oom);
        s->opts.module = s->module;
        s->opts.target = db_null(r, i, 5) ? ROLE_UNKNOWN
                         : strcmp(db_value(r, i, 5), "gv") == 0 ? ROLE_GV : ROLE_CBQL;
        s->opts.has_as_of = true;
        s->archive_file = dup_value(r, i, 7, &oom);
        s->source_path = dup_value(r, i, 8, &oom);
        s->opts.strict = strcmp(db_value(r, i, 9), "t") == 0;
        /* A file imported once stays imported: the guard judged it then,
         * against the history of its day, and the officer's --force too. */
        s->opts.force = true;
        s->opts.replay = true;
        s->device = dup_value(r, i, 11, &oom);
        s->inode = dup_value(r, i, 12, &oom);
        s->size = dup_value(r, i, 13, &oom);
        s->mtime = dup_value(r, i, 14, &oom);
        s->ctime = dup_value(r, i, 15, &oom);
        s->imported_at = dup_value(r, i, 16, &oom);
        s->forced = strcmp(db_value(r, i, 10), "t") == 0;
    }
    db_result_free(r);
    *out = list;
    *n = (size_t)rows;
    if (oom) {
        error_oom(err);
        return -1;
    }
    return 0;
}

/* What the replayed import keeps of the one it replaces: where its file is
 * kept, how it was imported, when, and the file's identity on disk. */
static int carry_over(struct db *db, const struct stored *s, long new_id, bdtx_error *err)
{
    char id[24];
    const char *params[11];

    snprintf(id, sizeof id, "%ld", new_id);
    params[0] = id;
    params[1] = s->archive_file;
    params[2] = s->source_path;
    params[3] = s->opts.strict ? "t" : "f";
    params[4] = s->forced ? "t" : "f";
    params[5] = s->device;
    params[6] = s->inode;
    params[7] = s->size;
    params[8] = s->mtime;
    params[9] = s->ctime;
    params[10] = s->imported_at;
    return db_exec(db, "UPDATE import SET archive_file = $2, source_path = $3, strict = $4, "
                       "forced = $5, file_device = $6, file_inode = $7, file_size = $8, "
                       "file_mtime_ns = $9, file_ctime_ns = $10, imported_at = $11 "
                       "WHERE id = $1",
                   11, params, err);
}

static int clear_year(struct db *db, const struct config *cfg, const char *year,
                      long *rejected_before, bdtx_error *err)
{
    static const char *const sql[] = {
        "DELETE FROM unit_figures WHERE province_code = $1 AND school_year = $2",
        "DELETE FROM progress_version WHERE province_code = $1 AND school_year = $2",
        "DELETE FROM learner_version WHERE province_code = $1 AND school_year = $2",
        "DELETE FROM learner_digest WHERE province_code = $1 AND school_year = $2",
        "DELETE FROM temis_unit_count WHERE province_code = $1 AND school_year = $2",
        "DELETE FROM lms_unit_count WHERE province_code = $1 AND school_year = $2",
        "DELETE FROM import WHERE province_code = $1 AND school_year = $2",
    };
    const char *params[2] = {cfg->province.code, year};
    struct db_result *r = NULL;
    size_t i;

    if (db_query(db, "SELECT coalesce(sum(rejected), 0) FROM import "
                     "WHERE province_code = $1 AND school_year = $2", 2, params, &r, err) != 0)
        return -1;
    *rejected_before = strtol(db_value(r, 0, 0), NULL, 10);
    db_result_free(r);
    for (i = 0; i < sizeof sql / sizeof sql[0]; i++)
        if (db_exec(db, sql[i], 2, params, err) != 0)
            return -1;
    return 0;
}

/* The files of the year, each found, or an error naming those that are not. */
static int locate_all(const struct config *cfg, const char *year, struct stored *list,
                      size_t n, bdtx_error *err)
{
    struct archive_index a = {0};
    size_t i, missing = 0;
    int rc = -1;
    char day[11];

    for (i = 0; i < n; i++) {
        if (locate(cfg, year, &a, &list[i], err) != 0)
            goto done;
        if (!list[i].path && missing++ == 0) {
            date_format_iso(list[i].opts.as_of, day);
            error_set(err, BDTX_DATAERR, "cannot replay school year %s: the file of import %ld "
                      "(%s, as of %s) is not in the archive", year, list[i].id,
                      list[i].file_name, day);
            error_place(err, list[i].source_path ? list[i].source_path : list[i].file_name, 0,
                        NULL);
        }
    }
    if (missing > 0) {
        error_detail(err, "%zu of the %zu files of the school year cannot be found (a file is "
                     "looked for where it was archived, where it was imported from, and by "
                     "its content among the files of %s/%s)", missing, n, cfg->paths.archive,
                     year);
        error_hint(err, "put the file back in %s/%s; nothing was changed", cfg->paths.archive,
                   year);
        goto done;
    }
    rc = 0;
done:
    archive_index_release(&a);
    return rc;
}

/* Replays one file inside the transaction. */
static int replay_one(struct db *db, const struct config *cfg, const struct vocab *vocab,
                      const char *path, const struct import_options *opts,
                      struct import_result *res, bdtx_error *err)
{
    if (import_file(db, cfg, vocab, path, opts, res, err) != 0) {
        if (!err->file[0])
            error_place(err, path, 0, NULL);
        error_detail(err, "while replaying the school year from its files; nothing was "
                          "changed");
        return -1;
    }
    /* An import's staging tables go at the end of its transaction; here
     * several imports share one. */
    return import_drop_staging(db, err);
}

/* The replay inside the caller's transaction, after the year's lock. */
static int rebuild_in_tx(struct db *db, const struct config *cfg, const struct vocab *vocab,
                         const struct config_year *year, const struct rebuild_extra *extra,
                         struct rebuild_result *res, bdtx_error *err)
{
    struct stored *list = NULL;
    struct import_options extra_opts;
    size_t n = 0, i;
    bool extra_done = extra == NULL;
    int rc = -1;

    memset(res, 0, sizeof *res);
    memset(&extra_opts, 0, sizeof extra_opts);
    if (extra) {
        extra_opts = extra->opts;
        extra_opts.replay = true;
    }
    if (read_stored(db, cfg, year->id, &list, &n, err) != 0 ||
        locate_all(cfg, year->id, list, n, err) != 0 ||
        clear_year(db, cfg, year->id, &res->rejected_before, err) != 0)
        goto done;
    for (i = 0; i <= n; i++) {
        struct import_result r;

        if (!extra_done && (i == n || list[i].opts.as_of > extra_opts.as_of)) {
            if (replay_one(db, cfg, vocab, extra->path, &extra_opts, &r, err) != 0)
                goto done;
            /* Where it is kept is the caller's to record. */
            res->extra_id = r.id;
            res->extra_rows = r.rows;
            res->extra_rejected = r.rejected;
            res->files++;
            res->rows += r.rows;
            res->rejected += r.rejected;
            extra_done = true;
        }
        if (i == n)
            break;
        if (replay_one(db, cfg, vocab, list[i].path, &list[i].opts, &r, err) != 0 ||
            carry_over(db, &list[i], r.id, err) != 0)
            goto done;
        res->files++;
        res->rows += r.rows;
        res->rejected += r.rejected;
    }
    rc = 0;
done:
    stored_release(list, n);
    return rc;
}

/* The lock every import of the year takes: none runs meanwhile. */
static int lock_year(struct db *db, const struct config *cfg, const char *year, bdtx_error *err)
{
    const char *params[2] = {cfg->province.code, year};

    return db_exec(db, "SELECT pg_advisory_xact_lock(hashtext('bdtx import ' || $1 || ' ' || "
                       "$2))", 2, params, err);
}

int rebuild_year(struct db *db, const struct config *cfg, const struct vocab *vocab,
                 const struct config_year *year, const struct rebuild_extra *extra,
                 struct rebuild_result *res, bdtx_error *err)
{
    if (db_begin(db, err) != 0)
        return -1;
    if (lock_year(db, cfg, year->id, err) != 0 ||
        rebuild_in_tx(db, cfg, vocab, year, extra, res, err) != 0 || db_commit(db, err) != 0) {
        db_copy_abort(db, "the replay stopped");
        db_rollback(db);
        return -1;
    }
    return 0;
}

static bool same_text(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static int note_unit(struct registry_change *ch, enum registry_change_kind kind,
                     const struct unit *u, const char *before, bdtx_error *err)
{
    struct registry_change_unit *grown, *e;

    if (ch->nunits == ch->capunits) {
        size_t ncap = ch->capunits ? ch->capunits * 2 : 16;

        grown = realloc(ch->units, ncap * sizeof *grown);
        if (!grown) {
            error_oom(err);
            return -1;
        }
        ch->units = grown;
        ch->capunits = ncap;
    }
    e = &ch->units[ch->nunits];
    e->kind = kind;
    e->code = strdup(u->code);
    e->name = strdup(u->name);
    e->parent_code = u->parent_code ? strdup(u->parent_code) : NULL;
    e->before = before ? strdup(before) : NULL;
    ch->nunits++;
    if (!e->code || !e->name || (u->parent_code && !e->parent_code) || (before && !e->before)) {
        error_oom(err);
        return -1;
    }
    ch->count[kind]++;
    return 0;
}

/* What changed from the registry in force (old) to reg. */
static int diff_registry(const struct registry *old, const struct registry *reg,
                         struct registry_change *ch, bdtx_error *err)
{
    size_t i;

    for (i = 0; i < reg->count; i++) {
        const struct unit *u = &reg->units[i];
        long k = old->count ? registry_find(old, u->code) : -1;
        const struct unit *o = k >= 0 ? &old->units[k] : NULL;

        if (!o) {
            if (note_unit(ch, REGISTRY_ADDED, u, NULL, err) != 0)
                return -1;
            continue;
        }
        if (strcmp(o->name, u->name) != 0 &&
            note_unit(ch, REGISTRY_RENAMED, u, o->name, err) != 0)
            return -1;
        if (!same_text(o->parent_code, u->parent_code) &&
            note_unit(ch, REGISTRY_REPARENTED, u, o->parent_code ? o->parent_code : "",
                      err) != 0)
            return -1;
        if ((strcmp(o->kind_text, u->kind_text) != 0 || strcmp(o->aliases, u->aliases) != 0) &&
            note_unit(ch, REGISTRY_OTHER, u, NULL, err) != 0)
            return -1;
    }
    for (i = 0; i < old->count; i++)
        if (registry_find(reg, old->units[i].code) < 0 &&
            note_unit(ch, REGISTRY_REMOVED, &old->units[i], NULL, err) != 0)
            return -1;
    return 0;
}

/* Rows of the year rejected for an unknown unit that reg knows (by code,
 * name or alias, anywhere in it). */
static int rejected_now_known(struct db *db, const struct config *cfg, const char *year,
                              const struct registry *reg, long *rows, bdtx_error *err)
{
    const char *params[2] = {cfg->province.code, year};
    struct db_result *r = NULL;
    struct name_index idx;
    int i, rc = -1;

    *rows = 0;
    if (db_query(db, "SELECT j.unit_text, count(*) FROM import_rejection j "
                     "JOIN import i ON i.id = j.import_id "
                     "WHERE i.province_code = $1 AND i.school_year = $2 "
                     "AND j.unit_text IS NOT NULL AND j.unit_text <> '' GROUP BY 1",
                 2, params, &r, err) != 0)
        return -1;
    if (db_rows(r) == 0) {
        db_result_free(r);
        return 0;
    }
    if (names_build(reg, &idx, err) != 0) {
        db_result_free(r);
        return -1;
    }
    for (i = 0; i < db_rows(r); i++) {
        const char *text = db_value(r, i, 0);
        long unit;
        char cand[8];

        if (registry_find(reg, text) >= 0 ||
            names_find(&idx, text, -1, &unit, cand, sizeof cand) == NAMES_FOUND)
            *rows += strtol(db_value(r, i, 1), NULL, 10);
    }
    names_release(&idx);
    rc = 0;
    db_result_free(r);
    return rc;
}

static int has_imports(struct db *db, const struct config *cfg, const char *year, bool *yes,
                       bdtx_error *err)
{
    const char *params[2] = {cfg->province.code, year};
    struct db_result *r = NULL;

    if (db_query(db, "SELECT EXISTS (SELECT 1 FROM import WHERE province_code = $1 AND "
                     "school_year = $2)", 2, params, &r, err) != 0)
        return -1;
    *yes = strcmp(db_value(r, 0, 0), "t") == 0;
    db_result_free(r);
    return 0;
}

void registry_change_release(struct registry_change *ch)
{
    size_t i;

    for (i = 0; i < ch->nunits; i++) {
        free(ch->units[i].code);
        free(ch->units[i].name);
        free(ch->units[i].parent_code);
        free(ch->units[i].before);
    }
    free(ch->units);
    memset(ch, 0, sizeof *ch);
}

/* The registry in force, to compare with. One stored before the registry
 * was checked row by row may not pass the checks (a kind that is none of
 * SPEC section 5's): then it is replaced whole, every unit counted as added. */
static int load_old(struct db *db, const struct config *cfg, const struct config_year *year,
                    struct registry *old, bdtx_error *err)
{
    bdtx_error why;

    error_clear(&why);
    if (registry_load(db, cfg->province.code, year->id, old, &why) == 0)
        return 0;
    if (why.code != BDTX_CONFIG) {
        *err = why;
        return -1;
    }
    log_warning("the unit registry of school year %s in the database does not pass the "
                "checks (%s); it is replaced whole", year->id, why.message);
    memset(old, 0, sizeof *old);
    return 0;
}

int rebuild_registry(struct db *db, const struct config *cfg, const struct vocab *vocab,
                     const struct config_year *year, const char *file, const char *sha,
                     const struct registry *reg, struct registry_change *ch, bdtx_error *err)
{
    const char *params[4] = {cfg->province.code, year->id, file, sha};
    struct registry old = {0};
    bool imports = false;
    int rc = -1;

    memset(ch, 0, sizeof *ch);
    if (db_begin(db, err) != 0)
        return -1;
    if (lock_year(db, cfg, year->id, err) != 0 || load_old(db, cfg, year, &old, err) != 0 ||
        diff_registry(&old, reg, ch, err) != 0 ||
        rejected_now_known(db, cfg, year->id, reg, &ch->rejected_rows, err) != 0 ||
        has_imports(db, cfg, year->id, &imports, err) != 0 ||
        registry_store(db, cfg->province.code, year->id, reg, err) != 0 ||
        db_exec(db, "INSERT INTO unit_registry (province_code, school_year, file_name, sha256) "
                    "VALUES ($1, $2, $3, $4) ON CONFLICT (province_code, school_year) DO "
                    "UPDATE SET file_name = excluded.file_name, sha256 = excluded.sha256, "
                    "loaded_at = now()", 4, params, err) != 0)
        goto done;
    /* Rows rejected for a unit the registry now knows are taken in, and
     * rows of a unit that moved or went count where the registry says now:
     * the history is written again from the files. Any other change (a
     * name, a kind, an alias) shows in the reports without it. */
    ch->replay = imports && (ch->rejected_rows > 0 || ch->count[REGISTRY_REPARENTED] > 0 ||
                             ch->count[REGISTRY_REMOVED] > 0);
    if (ch->replay) {
        if (rebuild_in_tx(db, cfg, vocab, year, NULL, &ch->rebuild, err) != 0)
            goto done;
    } else if (ch->nunits > 0 &&
               db_exec(db, "UPDATE report_file SET import_id = 0 WHERE province_code = $1 "
                           "AND school_year = $2", 2, params, err) != 0) {
        goto done;
    }
    if (db_commit(db, err) != 0)
        goto done;
    rc = 0;
done:
    if (rc != 0) {
        db_copy_abort(db, "the replay stopped");
        db_rollback(db);
    }
    registry_release(&old);
    return rc;
}
