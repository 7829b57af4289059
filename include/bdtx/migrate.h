/* The numbered migrations of sql/, compiled in, applied in order and
 * recorded in schema_migration. */
#ifndef BDTX_MIGRATE_H
#define BDTX_MIGRATE_H

#include <stddef.h>

#include "bdtx/db.h"
#include "bdtx/error.h"

struct migration {
    const char *name;
    const char *sql;
};

extern const struct migration migrations[];
extern const size_t migration_count;

/* Apply every migration not yet recorded, each in its own transaction under
 * an advisory lock; *applied gets how many were. */
int migrate_apply(struct db *db, int *applied, bdtx_error *err);
/* The name of the newest applied migration (caller frees), NULL when none;
 * *pending gets how many compiled-in migrations are not applied. */
int migrate_current(struct db *db, char **name, int *pending, bdtx_error *err);

#endif
