/* The figures of every unit kept at import (bdtx/unit_figures.h).
 *
 * What a date holds (sql/014_unit_figures_per_unit.sql): one row per unit
 * and role of the learners in force, with the learners, rule 10's people
 * (those with a pair, those who passed every pair) and per module the
 * pairs held and passed, in arrays that follow the date's module list (a
 * header row). So a date is O(units x roles x modules) whatever the number
 * of learners, and one table serves rules 2 and 10. A grid of every import
 * date, not only the newest, lets the trend read each Sunday's figures
 * directly and lets an import of the same day or a later one start from
 * the figures in force at its date.
 *
 * The module list is every module of the year's pairs in force, so a
 * learner's people figures do not depend on the configuration; a report
 * whose configured modules leave out one the figures count pairs of
 * recomputes from the history (compute_read.c).
 *
 * The delta: the learners staged for the merge are the only ones whose
 * versions the merge may write, so at the import's date only the rows of
 * the units and roles they were in before it or are in after it change.
 * Those rows are the ones in force before, less those learners' figures
 * before the merge, plus their figures after it; every other row is copied
 * from the date in force. Their versions in force are those the import
 * read once, before the merge (stage_prev_lv and stage_prev_pv,
 * import_learners.c; an import of the same day overwrites them); their
 * figures after it follow from those and the staging tables (after_sql).
 * The merge only adds versions, so the pairs in force after it are of the
 * modules of the list in force or of the file: a file with a module not in
 * the list recomputes from the history. */
#include "bdtx/unit_figures.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "history_sql.h"

/* $1 province, $2 year, $3 the import's as-of date throughout. The date in
 * force, whether figures of a later date exist, whether the year has a
 * history at all, and the module list in force with its length. */
static const char state_sql[] =
    "SELECT " FIGURES_DATE_SQL ","
    "  EXISTS (SELECT 1 FROM unit_figures WHERE province_code = $1 AND school_year = $2"
    "          AND modules IS NOT NULL AND as_of > $3),"
    "  EXISTS (SELECT 1 FROM learner_version WHERE province_code = $1 AND school_year = $2),"
    "  (" FIGURES_MODULES_IN_FORCE_SQL "),"
    "  cardinality((" FIGURES_MODULES_IN_FORCE_SQL "))";

/* Whether the file has a pair of a module not in the list $1. */
static const char new_module_sql[] =
    "SELECT EXISTS (SELECT 1 FROM stage_pair WHERE NOT module = ANY ($1::text[]))";

/* The statements below that end in lv and pv are followed by the figures
 * of those CTEs over the module list $1 (figures_sql). */
static const char before_sql[] =
    "CREATE TEMP TABLE figures_before ON COMMIT DROP AS "
    "WITH lv AS (SELECT learner_id, unit_code, role FROM stage_prev_lv),"
    "  pv AS (SELECT learner_id, module, state FROM stage_prev_pv)";

/* Their versions in force after the merge, without reading the history
 * again: the merge writes each staged learner's unit, role and name as
 * stage_last gives them and each staged pair's state as stage_pair gives
 * it (import_learners.c, a version wherever it differs from the one in
 * force, replacing one of the same day), and leaves every other pair of
 * theirs as it was (rule 1). Should the merge ever write anything else,
 * this statement must follow it: bdtx rebuild --check and the unit-figures
 * test compare the figures with the history. */
static const char after_sql[] =
    "CREATE TEMP TABLE figures_after ON COMMIT DROP AS "
    "WITH lv AS (SELECT learner_id, unit_code, role FROM stage_last),"
    "  pv AS (SELECT learner_id, module, state FROM stage_pair"
    "    UNION ALL SELECT p.learner_id, p.module, p.state FROM stage_prev_pv p"
    "    WHERE NOT EXISTS (SELECT 1 FROM stage_pair s"
    "                      WHERE s.learner_id = p.learner_id AND s.module = p.module))";

/* The units and roles whose row changes. */
static const char touched_sql[] =
    "CREATE TEMP TABLE figures_touched ON COMMIT DROP AS "
    "SELECT unit_code, role FROM figures_before UNION SELECT unit_code, role FROM figures_after";

/* Their rows at the import's date: those in force before (of the latest
 * date up to $3, which may be $3 itself for an import of the same day),
 * less the learners' figures before, plus their figures after, element by
 * element over the module list ($4; each of the three has at most one row
 * a unit and role). A row whose learners fall to zero goes; a count below
 * zero would break unit_figures' check, and the import with it. */
#define FIGURES_SUM(col)                                                         \
    "coalesce(k." col ", 0) - coalesce(b." col ", 0) + coalesce(a." col ", 0)"
#define FIGURES_SUM_ARRAY(col)                                                   \
    "ARRAY(SELECT (coalesce(k." col "[i], 0) - coalesce(b." col "[i], 0)"         \
    "        + coalesce(a." col "[i], 0))::integer"                              \
    "      FROM generate_series(1, cardinality($4::text[])) i ORDER BY i)"

static const char new_sql[] =
    "CREATE TEMP TABLE figures_new ON COMMIT DROP AS "
    "SELECT * FROM ("
    "  SELECT t.unit_code, t.role, " FIGURES_SUM("n") " AS n,"
    "    " FIGURES_SUM("learners") " AS learners, " FIGURES_SUM("completed") " AS completed,"
    "    " FIGURES_SUM("other") " AS other, " FIGURES_SUM_ARRAY("held") " AS held,"
    "    " FIGURES_SUM_ARRAY("passed") " AS passed"
    "  FROM figures_touched t"
    "  LEFT JOIN (" FIGURES_IN_FORCE_SQL ") k USING (unit_code, role)"
    "  LEFT JOIN figures_before b USING (unit_code, role)"
    "  LEFT JOIN figures_after a USING (unit_code, role)"
    ") x WHERE n <> 0";

/* The rows of the date in force ($4) that do not change, the header with
 * its module list among them, copied to the import's date. */
static const char copy_kept_sql[] =
    "INSERT INTO unit_figures (province_code, school_year, as_of, unit_code, role, n,"
    "  learners, completed, other, held, passed, modules) "
    "SELECT $1, $2, $3, unit_code, role, n, learners, completed, other, held, passed, modules "
    "FROM unit_figures u WHERE province_code = $1 AND school_year = $2 AND as_of = $4"
    "  AND NOT EXISTS (SELECT 1 FROM figures_touched t"
    "                  WHERE t.unit_code = u.unit_code AND t.role = u.role)";

/* The same day: the rows that change go. */
static const char delete_touched_sql[] =
    "DELETE FROM unit_figures u WHERE province_code = $1 AND school_year = $2 AND as_of = $3"
    "  AND modules IS NULL AND EXISTS (SELECT 1 FROM figures_touched t"
    "                  WHERE t.unit_code = u.unit_code AND t.role = u.role)";

static const char delete_sql[] =
    "DELETE FROM unit_figures WHERE province_code = $1 AND school_year = $2 AND as_of = $3";

#define INSERT_ROWS                                                              \
    "INSERT INTO unit_figures (province_code, school_year, as_of, unit_code, role, n," \
    "  learners, completed, other, held, passed) "

static const char insert_new_sql[] =
    INSERT_ROWS "SELECT $1, $2, $3, unit_code, role, n, learners, completed, other, held, passed "
    "FROM figures_new";

static const char insert_header_sql[] =
    "INSERT INTO unit_figures (province_code, school_year, as_of, unit_code, role, n,"
    "  learners, completed, other, held, passed, modules) "
    "VALUES ($1, $2, $3, '', '', 0, 0, 0, 0, '{}', '{}', $4::text[])";

static const char insert_history_sql[] =
    INSERT_ROWS "SELECT $1, $2, $3::date, f.unit_code, f.role, f.n, f.learners, f.completed,"
    "  f.other, f.held, f.passed FROM (" FIGURES_FROM_HISTORY_SQL ") f";

/* The year's first import (nothing in force before it): the history after
 * the merge is exactly what was staged, every learner's unit and role
 * (stage_last) and every pair (stage_pair), so the figures come from them
 * rather than from reading back what the merge wrote. */
static const char insert_first_sql[] =
    INSERT_ROWS "SELECT $2, $3, $4::date, f.unit_code, f.role, f.n, f.learners, f.completed,"
    "  f.other, f.held, f.passed FROM ("
    "  WITH lv AS (SELECT learner_id, unit_code, role FROM stage_last),"
    "  pv AS (SELECT learner_id, module, state FROM stage_pair)";

static const char first_modules_sql[] =
    "SELECT l, cardinality(l) FROM ("
    "  SELECT coalesce(array_agg(module ORDER BY module COLLATE \"C\"), '{}') AS l"
    "  FROM (SELECT DISTINCT module FROM stage_pair) m) x";

/* The most modules figures_sql counts: a learner's modules are one bit
 * each of a bigint. A longer list (a year whose configured modules changed
 * many times) is recomputed from the history. */
#define FIGURES_MAX_FAST 63

/* head (a statement ending in the CTEs lv and pv) followed by their
 * figures over the module list $1 of k modules (k <= FIGURES_MAX_FAST), as
 * FIGURES_OF_LV_PV_SQL computes them, then tail; malloc'd, NULL when
 * memory runs out. Each learner's pairs are reduced by the learner's id
 * alone to three numbers: the pairs of modules not in the list, and the
 * modules of the list held and passed as bit masks; a learner has at most
 * one pair a module, so they hold some of the list when the mask held is
 * not 0, and have passed all of them when the mask passed equals it. Then
 * their unit and role are joined, and one row a unit and role counts them
 * and each module's bit. Grouping by an integer with three aggregates
 * rather than by unit, role and learner with five: 1.9 s against 2.5-2.6 s
 * for 390,000 learners and 1.17 million pairs in temporary tables, the
 * same figures (bdtx-gen national --scale 0.3, EXPLAIN ANALYZE three times
 * each), and two thirds of the memory. Only the number k shapes the
 * text. */
static char *figures_sql(const char *head, int k, const char *tail)
{
    static const char pl[] =
        ", pa AS ("
        "  SELECT pv.learner_id, count(*) FILTER (WHERE l.i IS NULL) AS other,"
        "    coalesce(bit_or(1::bigint << (l.i - 1)::integer), 0) AS hm,"
        "    coalesce(bit_or(1::bigint << (l.i - 1)::integer) FILTER (WHERE pv.state = 2), 0)"
        "      AS pm"
        "  FROM pv LEFT JOIN unnest($1::text[]) WITH ORDINALITY l (module, i)"
        "    ON l.module = pv.module"
        "  GROUP BY 1), "
        "pl AS ("
        "  SELECT lv.unit_code, coalesce(lv.role, '') AS role, coalesce(pa.other, 0) AS other,"
        "    coalesce(pa.hm, 0) AS hm, coalesce(pa.pm, 0) AS pm"
        "  FROM lv LEFT JOIN pa USING (learner_id)) "
        "SELECT unit_code, role, count(*)::integer AS n,"
        "  count(*) FILTER (WHERE hm <> 0)::integer AS learners,"
        "  count(*) FILTER (WHERE hm <> 0 AND pm = hm)::integer AS completed,"
        "  sum(other)::integer AS other, ARRAY[";
    size_t cap = strlen(head) + sizeof pl + strlen(tail) + 256 + (size_t)k * 2 * 64, n;
    char *sql = malloc(cap);
    int pass, j;

    if (!sql)
        return NULL;
    n = (size_t)snprintf(sql, cap, "%s%s", head, pl);
    for (pass = 0; pass < 2; pass++) {
        for (j = 0; j < k; j++)
            n += (size_t)snprintf(sql + n, cap - n, "%scount(*) FILTER (WHERE %s & %lld <> 0)",
                                  j > 0 ? ", " : "", pass == 0 ? "hm" : "pm", 1LL << j);
        n += (size_t)snprintf(sql + n, cap - n, "]::integer[] AS %s%s",
                              pass == 0 ? "held" : "passed", pass == 0 ? ", ARRAY[" : "");
    }
    snprintf(sql + n, cap - n, " FROM pl GROUP BY 1, 2%s", tail);
    return sql;
}

/* figures_sql(head, k, tail) run with params, $1 the module list. */
static int exec_figures(struct db *db, const char *head, int k, const char *tail, int nparams,
                        const char *const *params, bdtx_error *err)
{
    char *sql = figures_sql(head, k, tail);
    int rc;

    if (!sql) {
        error_oom(err);
        return -1;
    }
    rc = db_exec(db, sql, nparams, params, err);
    free(sql);
    return rc;
}

static const char history_modules_sql[] =
    "SELECT l, cardinality(l) FROM (" FIGURES_HISTORY_MODULES_SQL ") x (l)";

static const char drop_sql[] =
    "DROP TABLE IF EXISTS pg_temp.figures_before, pg_temp.figures_after, pg_temp.figures_touched,"
    "  pg_temp.figures_new";

/* The as-of dates of the year's learners imports from $3 on. */
static const char later_dates_sql[] =
    "SELECT DISTINCT as_of FROM import WHERE province_code = $1 AND school_year = $2"
    "  AND source = 'lms-learners' AND as_of >= $3 ORDER BY 1";

/* The history's statistics may be missing (ANALYZE of a table the importing
 * role does not own is skipped): without them the planner joins a learner's
 * version to its pairs by nested loops over the whole year, for minutes.
 * The figures' statements go without nested loops (figures_planning). */

/* How the figures' statements are planned: without nested loops but
 * those that have no other plan, with the memory to hash and sort a grid
 * of the nation, and without JIT compilation, whose cost estimate the
 * forced nested loops blow up (seconds of compiling for a statement of a
 * few hundred milliseconds). Back to the session's settings after. */
static int figures_planning(struct db *db, bool on, bdtx_error *err)
{
    return db_nested_loops(db, !on, err) != 0 ||
                   db_exec(db, on ? "SET LOCAL jit = off" : "SET LOCAL jit TO DEFAULT", 0, NULL,
                           err) != 0 ||
                   db_exec(db, on ? "SET LOCAL work_mem = '64MB'"
                                  : "SET LOCAL work_mem TO DEFAULT", 0, NULL, err) != 0
               ? -1 : 0;
}

int unit_figures_before(struct db *db, const char *province, const char *year,
                        bdtx_date as_of, enum unit_figures_way *way, bdtx_error *err)
{
    char date[11];
    const char *params[4] = {province, year, date, NULL};
    struct db_result *r = NULL, *m = NULL;
    int rc = -1;

    date_format_iso(as_of, date);
    if (db_query(db, state_sql, 3, params, &r, err) != 0)
        return -1;
    if (strcmp(db_value(r, 0, 1), "t") == 0)
        *way = UNIT_FIGURES_LATER;
    else if (strcmp(db_value(r, 0, 2), "f") == 0)
        *way = UNIT_FIGURES_FIRST;
    else if (db_null(r, 0, 0) || db_null(r, 0, 3) ||
             atoi(db_value(r, 0, 4)) > FIGURES_MAX_FAST)
        *way = UNIT_FIGURES_HISTORY;
    else {
        params[3] = db_value(r, 0, 3);
        if (db_query(db, new_module_sql, 1, &params[3], &m, err) != 0)
            goto done;
        *way = strcmp(db_value(m, 0, 0), "t") == 0 ? UNIT_FIGURES_HISTORY : UNIT_FIGURES_DELTA;
    }
    if (*way != UNIT_FIGURES_DELTA) {
        rc = 0;
        goto done;
    }
    if (db_exec(db, drop_sql, 0, NULL, err) != 0 ||
        figures_planning(db, true, err) != 0 ||
        exec_figures(db, before_sql, atoi(db_value(r, 0, 4)), "", 1, &params[3], err) != 0 ||
        figures_planning(db, false, err) != 0)
        goto done;
    rc = 0;
done:
    db_result_free(m);
    db_result_free(r);
    return rc;
}

/* The figures at date written anew: its header with the module list
 * (modules, or when NULL that of the year's pairs up to date) and its rows
 * from the history, or from the staging tables (first). */
static int write_whole(struct db *db, const char *province, const char *year, const char *date,
                       bool first, bdtx_error *err)
{
    const char *params[4] = {province, year, date, NULL};
    const char *first_params[4] = {NULL, province, year, date};
    struct db_result *r = NULL;
    int rc = -1, k;

    if (first ? db_query(db, first_modules_sql, 0, NULL, &r, err) != 0
              : db_query(db, history_modules_sql, 3, params, &r, err) != 0)
        return -1;
    params[3] = first_params[0] = db_value(r, 0, 0);
    k = atoi(db_value(r, 0, 1));
    if (db_exec(db, delete_sql, 3, params, err) == 0 &&
        db_exec(db, insert_header_sql, 4, params, err) == 0 &&
        (first && k <= FIGURES_MAX_FAST
             ? exec_figures(db, insert_first_sql, k, ") f", 4, first_params, err)
             : db_exec(db, insert_history_sql, 4, params, err)) == 0)
        rc = 0;
    db_result_free(r);
    return rc;
}

/* The delta (see the top of the file): the rows of the units and roles
 * touched computed, the others copied from the date in force. */
static int write_delta(struct db *db, const char *province, const char *year, const char *date,
                       bdtx_error *err)
{
    const char *params[4] = {province, year, date, NULL};
    struct db_result *r = NULL;
    int rc = -1;

    if (db_query(db, state_sql, 3, params, &r, err) != 0)
        return -1;
    params[3] = db_value(r, 0, 3);
    if (exec_figures(db, after_sql, atoi(db_value(r, 0, 4)), "", 1, &params[3], err) != 0 ||
        db_exec(db, touched_sql, 0, NULL, err) != 0 ||
        db_exec(db, new_sql, 4, params, err) != 0)
        goto done;
    params[3] = db_value(r, 0, 0);
    if ((strcmp(params[3], date) == 0 ? db_exec(db, delete_touched_sql, 3, params, err)
                                      : db_exec(db, copy_kept_sql, 4, params, err)) != 0 ||
        db_exec(db, insert_new_sql, 3, params, err) != 0 ||
        db_exec(db, drop_sql, 0, NULL, err) != 0)
        goto done;
    rc = 0;
done:
    db_result_free(r);
    return rc;
}

static int after_planned(struct db *db, const char *province, const char *year,
                         bdtx_date as_of, enum unit_figures_way way, bdtx_error *err);

int unit_figures_after(struct db *db, const char *province, const char *year,
                       bdtx_date as_of, enum unit_figures_way way, bdtx_error *err)
{
    if (figures_planning(db, true, err) != 0 ||
        after_planned(db, province, year, as_of, way, err) != 0)
        return -1;
    return figures_planning(db, false, err);
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
    case UNIT_FIGURES_FIRST:
        return write_whole(db, province, year, date, true, err);
    case UNIT_FIGURES_HISTORY:
        return write_whole(db, province, year, date, false, err);
    case UNIT_FIGURES_LATER:
        /* A late import that is not a replay (import --force): rare, so
         * simply every date from this one on again from the history. */
        if (db_exec(db, "DELETE FROM unit_figures WHERE province_code = $1"
                        " AND school_year = $2 AND as_of >= $3", 3, params, err) != 0 ||
            db_query(db, later_dates_sql, 3, params, &r, err) != 0)
            return -1;
        for (i = 0; i < db_rows(r); i++)
            if (write_whole(db, province, year, db_value(r, i, 0), false, err) != 0)
                goto done;
        rc = 0;
        break;
    case UNIT_FIGURES_DELTA:
        return write_delta(db, province, year, date, err);
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
    "UNION SELECT as_of FROM unit_figures WHERE province_code = $1 AND school_year = $2"
    "  AND modules IS NOT NULL "
    "ORDER BY 1";

/* At $3: the figures in force (the latest kept up to $3) against those of
 * the history over the same module list ($4, the kept one), every number
 * that differs, with how many there are; $5 the most to return. */
static const char check_sql[] =
    "WITH h AS (" FIGURES_FROM_HISTORY_SQL "), "
    "k AS (" FIGURES_IN_FORCE_SQL "), "
    "j AS ("
    "  SELECT coalesce(k.unit_code, h.unit_code) AS unit_code,"
    "    coalesce(k.role, h.role) AS role,"
    "    k.n AS kn, h.n AS hn, k.learners AS kl, h.learners AS hl,"
    "    k.completed AS kc, h.completed AS hc, k.other AS ko, h.other AS ho,"
    "    k.held AS kh, h.held AS hh, k.passed AS kp, h.passed AS hp"
    "  FROM h FULL JOIN k ON k.unit_code = h.unit_code AND k.role = h.role"
    "), d AS ("
    "  SELECT unit_code, role, v.o, v.what, v.kept, v.hist FROM j CROSS JOIN LATERAL (VALUES"
    "    (0, 'learners', kn, hn), (1, 'learners with a pair', kl, hl),"
    "    (2, 'learners who passed every pair', kc, hc),"
    "    (3, 'pairs of modules not listed', ko, ho)) v (o, what, kept, hist)"
    "  UNION ALL SELECT unit_code, role, 2 + 2 * l.i, 'pairs of ' || l.m, kh[l.i], hh[l.i]"
    "  FROM j, unnest($4::text[]) WITH ORDINALITY l (m, i)"
    "  UNION ALL SELECT unit_code, role, 3 + 2 * l.i, 'passed pairs of ' || l.m, kp[l.i], hp[l.i]"
    "  FROM j, unnest($4::text[]) WITH ORDINALITY l (m, i)"
    ") "
    "SELECT unit_code, role, what, coalesce(kept, 0), coalesce(hist, 0), count(*) OVER () "
    "FROM d WHERE coalesce(kept, 0) <> coalesce(hist, 0) "
    "ORDER BY unit_code, role, o LIMIT $5::integer";

static int check_date(struct db *db, const char *province, const char *year, const char *date,
                      struct unit_figures_check *res, bdtx_error *err)
{
    char limit[16];
    const char *params[5] = {province, year, date, NULL, limit};
    struct db_result *m = NULL, *r = NULL;
    int i, rc = -1;

    snprintf(limit, sizeof limit, "%d", (int)(UNIT_FIGURES_MAX_DIFFS - res->ndiffs) + 1);
    /* No figures kept in force at the date: every count of the history is
     * a difference, over no module list. */
    if (db_query(db, FIGURES_MODULES_IN_FORCE_SQL, 3, params, &m, err) != 0)
        return -1;
    params[3] = db_rows(m) > 0 ? db_value(m, 0, 0) : "{}";
    if (db_query(db, check_sql, 5, params, &r, err) != 0)
        goto done;
    res->dates++;
    if (db_rows(r) > 0)
        res->differences += strtol(db_value(r, 0, 5), NULL, 10);
    for (i = 0; i < db_rows(r) && res->ndiffs < UNIT_FIGURES_MAX_DIFFS; i++) {
        struct unit_figures_diff *d = &res->diffs[res->ndiffs];

        snprintf(d->date, sizeof d->date, "%s", date);
        d->unit_code = strdup(db_value(r, i, 0));
        d->role = strdup(db_value(r, i, 1));
        d->what = strdup(db_value(r, i, 2));
        d->kept = strtoll(db_value(r, i, 3), NULL, 10);
        d->history = strtoll(db_value(r, i, 4), NULL, 10);
        res->ndiffs++;
        if (!d->unit_code || !d->role || !d->what) {
            error_oom(err);
            goto done;
        }
    }
    rc = 0;
done:
    db_result_free(r);
    db_result_free(m);
    return rc;
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
        free(res->diffs[i].what);
    }
    memset(res, 0, sizeof *res);
}
