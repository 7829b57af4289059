/* A school year's history replayed from its archived files (SPEC section 2,
 * "Late files and registry fixes"; section 4, rebuild). */
#ifndef BDTX_REBUILD_H
#define BDTX_REBUILD_H

#include <stdbool.h>

#include "bdtx/config.h"
#include "bdtx/db.h"
#include "bdtx/error.h"
#include "bdtx/header.h"
#include "bdtx/import.h"
#include "bdtx/units.h"

/* A file not imported yet to replay with the others (a late export), at its
 * as-of date, after the stored imports of the same date. */
struct rebuild_extra {
    const char *path;
    struct import_options opts;   /* has_as_of and as_of set */
};

struct rebuild_result {
    int files;                    /* imports replayed, the extra included */
    long rows, rejected;          /* their rows stored and rejected */
    long rejected_before;         /* rows the year's imports had rejected before */
    long extra_id;                /* the import id of the extra file, 0 when none */
    long extra_rows, extra_rejected;
};

/* Replay every import of school year `year`, and `extra` when not NULL, in
 * as-of order, as one transaction: the history and its kept figures, the
 * per-unit counts, the imports and their rejections are deleted and
 * written again from the files. Each file is found where the import was kept (archive_file under
 * paths.archive, then the path bdtx import read it from, then by its
 * SHA-256 among the files of archive/<year>/). On any error nothing
 * changes: err names the file (BDTX_DATAERR when a file is missing or can no
 * longer be imported). */
int rebuild_year(struct db *db, const struct config *cfg, const struct vocab *vocab,
                 const struct config_year *year, const struct rebuild_extra *extra,
                 struct rebuild_result *res, bdtx_error *err);

enum registry_change_kind {
    REGISTRY_ADDED, REGISTRY_RENAMED, REGISTRY_REPARENTED, REGISTRY_REMOVED,
    REGISTRY_OTHER,               /* kind or aliases */
    REGISTRY_CHANGE_KINDS
};

struct registry_change_unit {
    enum registry_change_kind kind;
    char *code, *name, *parent_code;
    char *before;                 /* the old name (renamed) or parent (re-parented) */
};

struct registry_change {
    struct registry_change_unit *units;
    size_t nunits, capunits;
    long count[REGISTRY_CHANGE_KINDS];
    long rejected_rows;           /* rows rejected for a unit the new registry knows */
    bool replay;                  /* the year was replayed */
    struct rebuild_result rebuild;
};

/* Make reg, read from file (SHA-256 sha), the registry of school year
 * `year`, in one transaction: *ch says what changed. When rows were rejected
 * for a unit reg knows, or a unit moved to another parent or went, the year
 * is replayed in the same transaction; after any other change its reports
 * are due to be written again (their figures are compared first). */
int rebuild_registry(struct db *db, const struct config *cfg, const struct vocab *vocab,
                     const struct config_year *year, const char *file, const char *sha,
                     const struct registry *reg, struct registry_change *ch, bdtx_error *err);
void registry_change_release(struct registry_change *ch);

#endif
