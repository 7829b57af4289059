/* The figures of every unit kept at import (bdtx/unit_figures.h).
 *
 * Why a grid per as-of date rather than running totals per unit and
 * module: a learner's key (unit, role, modules had, modules owed) is what
 * rule 10's people figures need (a learner completed when nothing is
 * owed), and pairs per module follow from it, so one table serves rules 2
 * and 10. A grid of every import date, not only the newest, lets the trend
 * read each Sunday's figures directly and lets an import of the same day
 * or a later one start from the figures in force at its date. Its size is
 * the number of distinct keys per unit, not of learners.
 *
 * The delta: the learners staged for the merge are the only ones whose
 * versions the merge may write, so the figures at the import's date are
 * those in force before it, less those learners' keys before the merge,
 * plus their keys after it. Their keys before are computed before the
 * merge, since an import of the same day overwrites the versions it reads. */
#include "bdtx/unit_figures.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "history_sql.h"

/* $1 province, $2 year, $3 the import's as-of date throughout. */
static const char state_sql[] =
    "SELECT (SELECT max(as_of) FROM unit_figures"
    "        WHERE province_code = $1 AND school_year = $2 AND as_of <= $3),"
    "  EXISTS (SELECT 1 FROM unit_figures"
    "          WHERE province_code = $1 AND school_year = $2 AND as_of > $3)";

static const char learners_sql[] =
    "CREATE TEMP TABLE figures_learners ON COMMIT DROP AS "
    "SELECT learner_id FROM stage_last UNION SELECT learner_id FROM stage_pair";

static const char before_sql[] =
    "CREATE TEMP TABLE figures_before ON COMMIT DROP AS " FIGURES_OF_LEARNERS_SQL;

static const char after_sql[] =
    "CREATE TEMP TABLE figures_after ON COMMIT DROP AS " FIGURES_OF_LEARNERS_SQL;

/* Those in force before (of the latest date up to $3, which may be $3
 * itself for an import of the same day), less the learners' keys before,
 * plus their keys after. A count that falls to zero goes; one below zero
 * would break unit_figures' check, and the import with it. */
static const char new_sql[] =
    "CREATE TEMP TABLE figures_new ON COMMIT DROP AS "
    "SELECT unit_code, role, has, owed, sum(n) AS n FROM ("
    "  " FIGURES_IN_FORCE_SQL
    "  UNION ALL SELECT unit_code, role, has, owed, -n FROM figures_before"
    "  UNION ALL SELECT unit_code, role, has, owed, n FROM figures_after"
    ") d GROUP BY 1, 2, 3, 4 HAVING sum(n) <> 0";

static const char delete_sql[] =
    "DELETE FROM unit_figures WHERE province_code = $1 AND school_year = $2 AND as_of = $3";

static const char insert_new_sql[] =
    "INSERT INTO unit_figures (province_code, school_year, as_of, unit_code, role, has, owed, n) "
    "SELECT $1, $2, $3, unit_code, role, has, owed, n FROM figures_new";

static const char insert_history_sql[] =
    "INSERT INTO unit_figures (province_code, school_year, as_of, unit_code, role, has, owed, n) "
    "SELECT $1, $2, $3::date, f.unit_code, f.role, f.has, f.owed, f.n "
    "FROM (" FIGURES_FROM_HISTORY_SQL ") f";

static const char drop_sql[] =
    "DROP TABLE IF EXISTS pg_temp.figures_learners, pg_temp.figures_before,"
    "  pg_temp.figures_after, pg_temp.figures_new";

/* The as-of dates of the year's learners imports from $3 on. */
static const char later_dates_sql[] =
    "SELECT DISTINCT as_of FROM import WHERE province_code = $1 AND school_year = $2"
    "  AND source = 'lms-learners' AND as_of >= $3 ORDER BY 1";

/* The history's statistics may be missing (ANALYZE of a table the importing
 * role does not own is skipped): without them the planner joins a learner's
 * version to its pairs by nested loops over the whole year, for minutes.
 * The figures' statements go without nested loops (db_nested_loops). */

int unit_figures_before(struct db *db, const char *province, const char *year,
                        bdtx_date as_of, enum unit_figures_way *way, bdtx_error *err)
{
    char date[11];
    const char *params[3] = {province, year, date};
    struct db_result *r = NULL;

    date_format_iso(as_of, date);
    if (db_query(db, state_sql, 3, params, &r, err) != 0)
        return -1;
    *way = strcmp(db_value(r, 0, 1), "t") == 0 ? UNIT_FIGURES_LATER
           : db_null(r, 0, 0)                  ? UNIT_FIGURES_HISTORY
                                               : UNIT_FIGURES_DELTA;
    db_result_free(r);
    if (*way != UNIT_FIGURES_DELTA)
        return 0;
    if (db_exec(db, drop_sql, 0, NULL, err) != 0 ||
        db_exec(db, learners_sql, 0, NULL, err) != 0 ||
        db_exec(db, "ANALYZE figures_learners", 0, NULL, err) != 0 ||
        db_nested_loops(db, false, err) != 0 ||
        db_exec(db, before_sql, 3, params, err) != 0)
        return -1;
    return db_nested_loops(db, true, err);
}

/* The figures at each date from the history, replacing those kept. */
static int from_history(struct db *db, const char *province, const char *year,
                        const char *date, bdtx_error *err)
{
    const char *params[3] = {province, year, date};

    return db_exec(db, delete_sql, 3, params, err) != 0 ||
                   db_exec(db, insert_history_sql, 3, params, err) != 0
               ? -1 : 0;
}

static int after_planned(struct db *db, const char *province, const char *year,
                         bdtx_date as_of, enum unit_figures_way way, bdtx_error *err);

int unit_figures_after(struct db *db, const char *province, const char *year,
                       bdtx_date as_of, enum unit_figures_way way, bdtx_error *err)
{
    if (db_nested_loops(db, false, err) != 0 ||
        after_planned(db, province, year, as_of, way, err) != 0)
        return -1;
    return db_nested_loops(db, true, err);
}

static int after_planned(struct db *db, const char *province, const char *year,
                         bdtx_date as_of, enum unit_figures_way way, bdtx_error *err)
{
    char date[11];
    const char *params[3] = {province, year, date};
    struct db_result *r = NULL;
    int i, rc = -1;

    date_format_iso(as_of, date);
    switch (way) {
    case UNIT_FIGURES_HISTORY:
        return from_history(db, province, year, date, err);
    case UNIT_FIGURES_LATER:
        /* A late import that is not a replay (import --force): rare, so
         * simply every date from this one on again from the history. */
        if (db_exec(db, "DELETE FROM unit_figures WHERE province_code = $1"
                        " AND school_year = $2 AND as_of >= $3", 3, params, err) != 0 ||
            db_query(db, later_dates_sql, 3, params, &r, err) != 0)
            return -1;
        for (i = 0; i < db_rows(r); i++)
            if (from_history(db, province, year, db_value(r, i, 0), err) != 0)
                goto done;
        rc = 0;
        break;
    case UNIT_FIGURES_DELTA:
        if (db_exec(db, after_sql, 3, params, err) != 0 ||
            db_exec(db, new_sql, 3, params, err) != 0 ||
            db_exec(db, delete_sql, 3, params, err) != 0 ||
            db_exec(db, insert_new_sql, 3, params, err) != 0 ||
            db_exec(db, drop_sql, 0, NULL, err) != 0)
            return -1;
        return 0;
    }
done:
    db_result_free(r);
    return rc;
}

/* The dates compared: those of the year's learners imports (the history
 * changes only there) and those figures are kept at. */
static const char check_dates_sql[] =
    "SELECT as_of FROM import WHERE province_code = $1 AND school_year = $2"
    "  AND source = 'lms-learners' "
    "UNION SELECT as_of FROM unit_figures WHERE province_code = $1 AND school_year = $2 "
    "ORDER BY 1";

/* At $3: the figures in force (the latest kept up to $3) against those of
 * the history, every key whose counts differ, with how many there are; $4
 * the most to return. */
static const char check_sql[] =
    "WITH h AS (" FIGURES_FROM_HISTORY_SQL "), "
    "k AS (" FIGURES_IN_FORCE_SQL ") "
    "SELECT unit_code, role, has::text, owed::text, coalesce(k.n, 0), coalesce(h.n, 0),"
    "  count(*) OVER () "
    "FROM h FULL JOIN k USING (unit_code, role, has, owed) "
    "WHERE h.n IS DISTINCT FROM k.n "
    "ORDER BY unit_code, role, has, owed LIMIT $4::integer";

static int check_date(struct db *db, const char *province, const char *year, const char *date,
                      struct unit_figures_check *res, bdtx_error *err)
{
    char limit[16];
    const char *params[4] = {province, year, date, limit};
    struct db_result *r = NULL;
    int i;

    snprintf(limit, sizeof limit, "%d", (int)(UNIT_FIGURES_MAX_DIFFS - res->ndiffs) + 1);
    if (db_query(db, check_sql, 4, params, &r, err) != 0)
        return -1;
    res->dates++;
    if (db_rows(r) > 0)
        res->differences += strtol(db_value(r, 0, 6), NULL, 10);
    for (i = 0; i < db_rows(r) && res->ndiffs < UNIT_FIGURES_MAX_DIFFS; i++) {
        struct unit_figures_diff *d = &res->diffs[res->ndiffs];

        snprintf(d->date, sizeof d->date, "%s", date);
        d->unit_code = strdup(db_value(r, i, 0));
        d->role = strdup(db_value(r, i, 1));
        d->has = strdup(db_value(r, i, 2));
        d->owed = strdup(db_value(r, i, 3));
        d->kept = strtoll(db_value(r, i, 4), NULL, 10);
        d->history = strtoll(db_value(r, i, 5), NULL, 10);
        res->ndiffs++;
        if (!d->unit_code || !d->role || !d->has || !d->owed) {
            db_result_free(r);
            error_oom(err);
            return -1;
        }
    }
    db_result_free(r);
    return 0;
}

int unit_figures_check(struct db *db, const char *province, const char *year,
                       struct unit_figures_check *res, bdtx_error *err)
{
    const char *params[2] = {province, year};
    struct db_result *r = NULL;
    int i, rc = -1;

    memset(res, 0, sizeof *res);
    if (db_query(db, check_dates_sql, 2, params, &r, err) != 0)
        return -1;
    for (i = 0; i < db_rows(r); i++)
        if (check_date(db, province, year, db_value(r, i, 0), res, err) != 0)
            goto done;
    rc = 0;
done:
    db_result_free(r);
    return rc;
}

void unit_figures_check_release(struct unit_figures_check *res)
{
    size_t i;

    for (i = 0; i < res->ndiffs; i++) {
        free(res->diffs[i].unit_code);
        free(res->diffs[i].role);
        free(res->diffs[i].has);
        free(res->diffs[i].owed);
    }
    memset(res, 0, sizeof *res);
}
