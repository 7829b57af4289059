/* Importing one export into the history: recognise it, validate every row,
 * load the good rows with COPY and merge them, all in one transaction. */
#ifndef BDTX_IMPORT_H
#define BDTX_IMPORT_H

#include <stdbool.h>
#include <time.h>

#include "bdtx/config.h"
#include "bdtx/db.h"
#include "bdtx/error.h"
#include "bdtx/header.h"
#include "bdtx/units.h"
#include "bdtx/value.h"

struct import_options {
    enum source_kind source;   /* SOURCE_UNKNOWN: detect from the headers */
    bool has_as_of;
    bdtx_date as_of;
    const char *module;        /* module code for files without a module column */
    enum role target;          /* ROLE_UNKNOWN: detect */
    bool strict;               /* reject the whole file on the first bad row */
    bool force;                /* import even what the guard (guard.h) would refuse */
    /* With check_unchanged, the file must still have this size and mtime
     * when its rows are read, else nothing is kept and the import fails
     * with BDTX_TEMPFAIL (a copy still being written). */
    bool check_unchanged;
    long long size;
    struct timespec mtime;
    /* A replay of an archived file (rebuild.h): inside the caller's
     * transaction, with no check of whether the file was imported before,
     * and no refusal of a learners export older than the newest. */
    bool replay;
    const char *file_name;     /* the name to record, when not the path's (a replay) */
    bool caller_reports;       /* the caller (run) tells the rejected rows and a file
                                * dated by its modification time itself, once the
                                * file is where it stays */
    const char *sheet;         /* the worksheet to read, a name or a position from
                                  1 (--sheet); NULL: sources.sheets, else the first
                                  with a recognisable header */
};

struct import_result {
    bool skipped;              /* a byte-identical file was imported before */
    long id;
    enum source_kind source;
    bdtx_date as_of;
    char year[32];
    long rows;                 /* rows stored */
    long rejected;             /* rows rejected */
    long duplicates;           /* rows repeating an (account, module) pair (import_duplicate) */
    /* A learners export older than the newest one of its school year: not
     * imported (it cannot be merged into the history as it stands); the
     * caller replays the year with it (rebuild.h). source, as_of and year
     * are set. */
    bool late;
    bdtx_date newest;          /* then: the as-of of the newest learners export */
};

/* Import path. Rejected rows are printed to stderr as file:row:column: reason.
 * Returns 0 (also when rows were rejected: see result->rejected), or -1 with
 * err filled; then nothing of the file is stored. */
int import_file(struct db *db, const struct config *cfg, const struct vocab *vocab,
                const char *path, const struct import_options *opts,
                struct import_result *result, bdtx_error *err);

/* The temporary tables an import leaves in its transaction, which its
 * commit drops, dropped now: for a caller that runs several imports in one
 * transaction (rebuild.c). 0, or -1 with err filled. */
int import_drop_staging(struct db *db, bdtx_error *err);

/* The registry of year as stored, loading it from the configured file when
 * the database has none yet (inside the caller's transaction). */
int import_ensure_registry(struct db *db, const struct config *cfg,
                           const struct config_year *year, struct registry *reg,
                           bdtx_error *err);

/* The as-of date written in title rows ("Tính đến ngày dd/mm/yyyy", the
 * rows above the header joined) or in a file name (YYYYMMDD, DDMMYYYY,
 * YYYY-MM-DD): the order of SPEC section 2 after --as-of. */
bool import_as_of_from_title(const char *title, bdtx_date *out);
bool import_as_of_from_name(const char *base, bdtx_date *out);

/* The as-of date path gives itself, read as its import reads it: the title
 * rows above the header (found as the import finds it, with legacy text
 * converted), then the file name. false when neither gives one, or when the
 * file has no header the import would find (its import then says why). */
bool import_peek_as_of(const struct config *cfg, const struct vocab *vocab, const char *path,
                       bdtx_date *out);

#endif
