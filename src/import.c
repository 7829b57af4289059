/* The import of one export, from the outside in: a file already imported is
 * skipped (by its identity on disk, else by its hash); its header and as-of
 * date are read (import_detect.c); under the lock of its school year, in
 * as-of order, its rows are loaded (import_learners.c, import_units.c) and
 * the import recorded, all in one transaction. */
#include "import_internal.h"

#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "bdtx/log.h"
#include "bdtx/path.h"

void import_ctx_release(struct import_ctx *c)
{
    size_t i;

    sheet_close(c->reader);
    import_detect_release(c);
    if (c->names_ready)
        names_release(&c->names);
    wide_release(&c->wide);
    for (i = 0; i < c->nfixed; i++)
        free(c->fixed_text[i]);
    free(c->fixed);
    free(c->fixed_text);
    for (i = 0; i < c->nplain; i++)
        free(c->plain[i].text);
    free(c->plain);
    digest_release(&c->digest);
    registry_release(&c->reg);
    for (i = 0; i < c->nrejections; i++) {
        free(c->rejections[i].reason);
        free(c->rejections[i].unit_text);
    }
    free(c->rejections);
    for (i = 0; i < c->nmodule_keys; i++)
        free(c->module_keys[i].key);
    free(c->module_keys);
    memset(c, 0, sizeof *c);
}

/* The SHA-256 of the registry file just loaded, so that bdtx run loads it
 * again once it changes. */
static int import_note_registry(struct db *db, const struct config *cfg,
                                const struct config_year *year, bdtx_error *err)
{
    char sha[65];
    const char *params[4] = {cfg->province.code, year->id, year->units_path, sha};

    if (hash_file_sha256(year->units_path, sha, err) != 0)
        return -1;
    return db_exec(db, "INSERT INTO unit_registry (province_code, school_year, file_name, "
                       "sha256) VALUES ($1, $2, $3, $4) ON CONFLICT (province_code, "
                       "school_year) DO UPDATE SET file_name = excluded.file_name, "
                       "sha256 = excluded.sha256, loaded_at = now()", 4, params, err);
}

int import_ensure_registry(struct db *db, const struct config *cfg,
                           const struct config_year *year, struct registry *reg,
                           bdtx_error *err)
{
    if (registry_load(db, cfg->province.code, year->id, reg, err) != 0)
        return -1;
    if (reg->count > 0)
        return 0;
    if (registry_read_file(year->units_path, reg, err) != 0)
        return -1;
    log_info("loading the unit registry of %s from %s", year->id, year->units_path);
    return registry_store(db, cfg->province.code, year->id, reg, err) != 0 ||
           import_note_registry(db, cfg, year, err) != 0 ? -1 : 0;
}

/* See known_file: how old a file's last change must be for its identity to
 * be trusted. Linux stamps file times from a clock that ticks every few
 * milliseconds; two seconds also cover a file system of 2-second times
 * that might be added to the list in src/hash.c. */
#define IDENTITY_MIN_AGE_NS 2000000000LL

static int already_imported(struct import_ctx *c, const char *sha, struct import_result *res,
                            bool *yes, bdtx_error *err)
{
    const char *params[2] = {c->cfg->province.code, sha};
    struct db_result *r = NULL;

    if (db_query(c->db, "SELECT id, file_name, to_char(imported_at, 'YYYY-MM-DD HH24:MI') "
                        "FROM import WHERE province_code = $1 AND sha256 = $2",
                 2, params, &r, err) != 0)
        return -1;
    *yes = db_rows(r) > 0;
    if (*yes) {
        res->skipped = true;
        res->id = strtol(db_value(r, 0, 0), NULL, 10);
        log_info("%s: already imported (import %s of %s, on %s); nothing to do", c->path,
                 db_value(r, 0, 0), db_value(r, 0, 1), db_value(r, 0, 2));
    }
    db_result_free(r);
    return 0;
}

/* The same path, untouched since it was imported: device, inode, size and
 * both times equal to those stored with an import of this province. A file
 * edited in any way has a new change time, so it is hashed and compared by
 * content like any other file. */
static int already_imported_file(struct import_ctx *c, const struct file_identity *id,
                                 struct import_result *res, bool *yes, bdtx_error *err)
{
    const char *params[6] = {c->cfg->province.code, id->inode, id->size, id->device,
                             id->mtime_ns, id->ctime_text};
    struct db_result *r = NULL;

    *yes = false;
    if (!id->known || !id->trusted_fs)
        return 0;
    if (db_query(c->db, "SELECT id, file_name, to_char(imported_at, 'YYYY-MM-DD HH24:MI') "
                        "FROM import WHERE province_code = $1 AND file_inode = $2 "
                        "AND file_size = $3 AND file_device = $4 AND file_mtime_ns = $5 "
                        "AND file_ctime_ns = $6 ORDER BY id LIMIT 1",
                 6, params, &r, err) != 0)
        return -1;
    *yes = db_rows(r) > 0;
    if (*yes) {
        res->skipped = true;
        res->id = strtol(db_value(r, 0, 0), NULL, 10);
        log_info("%s: already imported (import %s of %s, on %s; the same file, unchanged "
                 "since); nothing to do", c->path, db_value(r, 0, 0), db_value(r, 0, 1),
                 db_value(r, 0, 2));
    }
    db_result_free(r);
    return 0;
}

/* Imports of one school year are merged one at a time: each compares its
 * rows with the history in force, which must include every earlier merge. */
static int lock_year(struct import_ctx *c, bdtx_error *err)
{
    const char *params[2] = {c->cfg->province.code, c->year->id};

    return db_exec(c->db, "SELECT pg_advisory_xact_lock("
                          "hashtext('bdtx import ' || $1 || ' ' || $2))", 2, params, err);
}

/* The history stores a learner's or a pair's state only when it changes, so
 * it can only grow forward: an export older than one already merged is not
 * merged here; *late tells the caller to replay the school year with it. */
static int check_order(struct import_ctx *c, bool *late, bdtx_date *newest, bdtx_error *err)
{
    const char *params[2] = {c->cfg->province.code, c->year->id};
    struct db_result *r = NULL;
    bdtx_date latest;

    *late = false;
    if (c->source != SOURCE_LMS_LEARNERS || c->opts->replay)
        return 0;
    if (db_query(c->db, "SELECT max(as_of) FROM import WHERE province_code = $1 "
                        "AND school_year = $2 AND source = 'lms-learners'",
                 2, params, &r, err) != 0)
        return -1;
    if (!db_null(r, 0, 0) && value_parse_date(db_value(r, 0, 0), &latest) &&
        latest > c->as_of) {
        *late = true;
        *newest = latest;
    }
    db_result_free(r);
    return 0;
}

static int insert_import(struct import_ctx *c, const char *sha, bdtx_error *err)
{
    char as_of[11];
    const char *params[15];
    const struct file_identity *id = c->identity;
    struct db_result *r = NULL;
    char *where = realpath(c->path, NULL);
    int rc;

    date_format_iso(c->as_of, as_of);
    params[0] = c->cfg->province.code;
    params[1] = c->year->id;
    params[2] = c->base;
    params[3] = sha;
    params[4] = source_kind_name(c->source);
    params[5] = as_of;
    params[6] = c->module ? c->module : c->opts->module;
    params[7] = id ? id->device : NULL;
    params[8] = id ? id->inode : NULL;
    params[9] = id ? id->size : NULL;
    params[10] = id ? id->mtime_ns : NULL;
    params[11] = id ? id->ctime_text : NULL;
    params[12] = where;
    params[13] = c->opts->strict ? "t" : "f";
    params[14] = c->opts->force ? "t" : "f";
    rc = db_query(c->db, "INSERT INTO import (province_code, school_year, file_name, sha256, "
                         "source, as_of, module, rows, rejected, file_device, file_inode, "
                         "file_size, file_mtime_ns, file_ctime_ns, source_path, strict, forced) "
                         "VALUES ($1, $2, $3, $4, $5, $6, $7, 0, 0, $8, $9, $10, $11, $12, "
                         "$13, $14, $15) RETURNING id",
                  15, params, &r, err);
    free(where);
    if (rc != 0)
        return -1;
    snprintf(c->id, sizeof c->id, "%s", db_value(r, 0, 0));
    db_result_free(r);
    return 0;
}

static int finish_import(struct import_ctx *c, bdtx_error *err)
{
    char rows[24], rejected[24];
    const char *params[4] = {rows, rejected, import_role_text(c->target), c->id};

    snprintf(rows, sizeof rows, "%ld", c->rows);
    snprintf(rejected, sizeof rejected, "%zu", c->nrejections);
    if (db_exec(c->db, "UPDATE import SET rows = $1, rejected = $2, target = $3 WHERE id = $4",
                4, params, err) != 0 || import_store_conversions(c, err) != 0)
        return -1;
    return import_store_rejections(c, err);
}

/* Whether the file was imported before: by its identity on disk (*before),
 * else by the SHA-256 of its bytes (sha, then computed). c->identity is
 * set when that identity can be stored with the import. */
static int known_file(struct import_ctx *c, const struct sheet_limits *limits,
                      struct file_identity *before, char *sha, struct import_result *res,
                      bool *seen, bdtx_error *err)
{
    struct file_identity after;
    struct timespec started;

    if (clock_gettime(CLOCK_REALTIME, &started) != 0)
        memset(&started, 0, sizeof started); /* no identity is trusted then */
    file_identity_read(c->path, before);
    if (sheet_check_size(c->path, limits, err) != 0 ||
        already_imported_file(c, before, res, seen, err) != 0)
        return -1;
    if (*seen)
        return 0;
    if (hash_file_sha256(c->path, sha, err) != 0)
        return -1;
    /* The identity is stored only if the file did not change while it was
     * hashed and its last change is older than IDENTITY_MIN_AGE_NS before
     * the hash began: a write within the same tick of the file system's
     * clock as the one before it would leave its times as they were, so a
     * file that young is recognised by its content only. */
    file_identity_read(c->path, &after);
    if (file_identity_equal(before, &after) && before->trusted_fs &&
        before->ctime_ns < (int64_t)started.tv_sec * 1000000000 + started.tv_nsec -
                               IDENTITY_MIN_AGE_NS)
        c->identity = before;
    return already_imported(c, sha, res, seen, err);
}

/* What the file is: its header (*header), source, as-of date and school year. */
static int read_head(struct import_ctx *c, const struct sheet_limits *limits,
                     struct sheet_row *header, bdtx_error *err)
{
    char day[11];

    if (import_open_at_header(c, limits, header, err) != 0)
        return -1;
    c->source = c->opts->source != SOURCE_UNKNOWN ? c->opts->source : c->map.kind;
    if (c->source != c->map.kind) {
        error_set(err, BDTX_DATAERR, "--source %s given, but the header on row %ld is that of "
                  "a %s export", source_kind_name(c->source), c->map.row_number,
                  source_kind_name(c->map.kind));
        error_place(err, c->path, c->map.row_number, NULL);
        return -1;
    }
    if (import_decide_as_of(c, err) != 0)
        return -1;
    c->year = config_year_for_date(c->cfg, c->as_of);
    if (!c->year) {
        date_format_iso(c->as_of, day);
        error_set(err, BDTX_DATAERR, "no school year in the configuration contains the as-of "
                  "date %s of this file", day);
        error_place(err, c->path, 0, NULL);
        error_hint(err, "add the school year to %s, or give --as-of", c->cfg->path);
        return -1;
    }
    return 0;
}

/* Everything written, inside the caller's transaction. *seen when a run
 * that held the lock first imported the same bytes. */
static int load_file(struct import_ctx *c, const char *sha, const struct sheet_row *header,
                     struct import_result *res, bool *seen, bdtx_error *err)
{
    /* Asked again under the lock: the same file may have been imported by a
     * run that held it while this one waited. */
    if (lock_year(c, err) != 0 ||
        (!c->opts->replay && already_imported(c, sha, res, seen, err) != 0))
        return -1;
    if (*seen)
        return 0;
    if (c->source == SOURCE_LMS_UNITS &&
        (import_decide_module(c, err) != 0 || import_decide_target(c, header, err) != 0))
        return -1;
    if (check_order(c, &res->late, &res->newest, err) != 0)
        return -1;
    if (res->late)
        return 0;
    if (import_ensure_registry(c->db, c->cfg, c->year, &c->reg, err) != 0 ||
        insert_import(c, sha, err) != 0)
        return -1;
    if (c->source == SOURCE_LMS_LEARNERS ? import_learners(c, err) != 0
                                         : import_unit_rows(c, header, err) != 0)
        return -1;
    if (c->rows == 0) {
        import_print_rejections(c);
        error_set(err, BDTX_DATAERR, c->nrejections ? "every data row was rejected"
                                                    : "no data rows below the header");
        error_place(err, c->path, 0, NULL);
        import_explain_rejections(c, err);
        return -1;
    }
    return finish_import(c, err);
}

/* Whether the file changed since the caller saw it (size and mtime), every
 * row having been read: a copy still being written is not imported short. */
static bool changed_since(const char *path, const struct import_options *opts,
                          bdtx_error *err)
{
    struct stat st;

    if (lstat(path, &st) == 0 && (long long)st.st_size == opts->size &&
        st.st_mtim.tv_sec == opts->mtime.tv_sec && st.st_mtim.tv_nsec == opts->mtime.tv_nsec)
        return false;
    error_set(err, BDTX_TEMPFAIL, "the file changed while it was read (a copy still being "
              "written?); nothing of it was kept");
    error_place(err, path, 0, NULL);
    return true;
}

/* Every temporary table of an import's modules: the learners' staging and
 * what was in force for them (import_learners.c), the digests and the
 * learners not staged (import_digest.c), a TEMIS file's people
 * (import_units.c). The kept figures drop their own before each use
 * (unit_figures.c). */
int import_drop_staging(struct db *db, bdtx_error *err)
{
    return db_exec(db, "DROP TABLE IF EXISTS pg_temp.stage_learner, pg_temp.stage_account, "
                       "pg_temp.stage_pair, pg_temp.stage_last, pg_temp.stage_kept, "
                       "pg_temp.stage_digest, pg_temp.stage_temis_person, "
                       "pg_temp.stage_prev_lv, pg_temp.stage_prev_pv", 0, NULL, err);
}

int import_file(struct db *db, const struct config *cfg, const struct vocab *vocab,
                const char *path, const struct import_options *opts,
                struct import_result *result, bdtx_error *err)
{
    struct import_ctx c;
    struct sheet_row header;
    struct sheet_limits limits;
    struct file_identity identity;
    char sha[65];
    bool seen = false, in_tx = false;
    int rc = -1;

    memset(&c, 0, sizeof c);
    memset(result, 0, sizeof *result);
    c.db = db;
    c.cfg = cfg;
    c.vocab = vocab;
    c.opts = opts;
    c.path = path;
    c.base = opts->file_name ? opts->file_name : path_base(path);
    config_sheet_limits(cfg, &limits);
    if (opts->replay) {
        if (sheet_check_size(path, &limits, err) != 0 || hash_file_sha256(path, sha, err) != 0)
            goto done;
    } else if (known_file(&c, &limits, &identity, sha, result, &seen, err) != 0) {
        goto done;
    }
    if (seen) {
        rc = 0;
        goto done;
    }
    if (read_head(&c, &limits, &header, err) != 0 ||
        (!opts->replay && db_begin(db, err) != 0))
        goto done;
    in_tx = !opts->replay;
    if (load_file(&c, sha, &header, result, &seen, err) != 0)
        goto done;
    if (seen || result->late) {
        if (result->late) {
            result->source = c.source;
            result->as_of = c.as_of;
            snprintf(result->year, sizeof result->year, "%s", c.year->id);
        }
        rc = 0;
        goto done;
    }
    if (opts->check_unchanged && changed_since(path, opts, err))
        goto done;
    if (!opts->replay && db_commit(db, err) != 0)
        goto done;
    in_tx = false;
    if (!opts->replay)
        import_print_rejections(&c);
    result->id = strtol(c.id, NULL, 10);
    result->source = c.source;
    result->as_of = c.as_of;
    snprintf(result->year, sizeof result->year, "%s", c.year->id);
    result->rows = c.rows;
    result->rejected = (long)c.nrejections;
    result->duplicates = c.duplicates;
    rc = 0;
done:
    if (in_tx) {
        db_copy_abort(db, "the import stopped before the end of its rows");
        db_rollback(db);
    }
    import_ctx_release(&c);
    return rc;
}
