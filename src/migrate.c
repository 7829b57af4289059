#include "bdtx/migrate.h"

#include <stdlib.h>
#include <string.h>

/* Any fixed number: it only has to be the same for every bdtx process. */
#define MIGRATE_LOCK "4242001"

static const char create_table[] =
    "CREATE TABLE IF NOT EXISTS schema_migration ("
    " name text PRIMARY KEY,"
    " applied_at timestamptz NOT NULL DEFAULT now())";

static int applied_already(struct db *db, const char *name, bool *yes, bdtx_error *err)
{
    struct db_result *r = NULL;
    const char *params[1] = {name};

    if (db_query(db, "SELECT 1 FROM schema_migration WHERE name = $1", 1, params, &r, err) != 0)
        return -1;
    *yes = db_rows(r) > 0;
    db_result_free(r);
    return 0;
}

int migrate_apply(struct db *db, int *applied, bdtx_error *err)
{
    size_t i;
    bool done;
    const char *params[1];

    *applied = 0;
    for (i = 0; i < migration_count; i++) {
        if (db_begin(db, err) != 0)
            return -1;
        if (db_exec(db, "SELECT pg_advisory_xact_lock(" MIGRATE_LOCK ")", 0, NULL, err) != 0 ||
            db_exec(db, create_table, 0, NULL, err) != 0 ||
            applied_already(db, migrations[i].name, &done, err) != 0)
            goto fail;
        if (!done) {
            params[0] = migrations[i].name;
            if (db_exec(db, migrations[i].sql, 0, NULL, err) != 0) {
                error_detail(err, "in migration %s", migrations[i].name);
                goto fail;
            }
            if (db_exec(db, "INSERT INTO schema_migration (name) VALUES ($1)", 1, params, err) != 0)
                goto fail;
            (*applied)++;
        }
        if (db_commit(db, err) != 0)
            goto fail;
    }
    return 0;
fail:
    db_rollback(db);
    return -1;
}

int migrate_current(struct db *db, char **name, int *pending, bdtx_error *err)
{
    struct db_result *r = NULL;
    size_t i;
    bool done;

    *name = NULL;
    *pending = 0;
    if (db_query(db, "SELECT to_regclass('schema_migration') IS NOT NULL", 0, NULL, &r, err) != 0)
        return -1;
    done = strcmp(db_value(r, 0, 0), "t") == 0;
    db_result_free(r);
    if (!done) {
        *pending = (int)migration_count;
        return 0;
    }
    for (i = 0; i < migration_count; i++) {
        if (applied_already(db, migrations[i].name, &done, err) != 0)
            return -1;
        if (!done) {
            (*pending)++;
        } else {
            free(*name);
            *name = strdup(migrations[i].name);
            if (!*name) {
                error_oom(err);
                return -1;
            }
        }
    }
    return 0;
}
