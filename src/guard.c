#include "bdtx/guard.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "history_sql.h"

/* Passed pairs of the file's (learner, module) pairs, as in force before
 * it, and how many of them the file says are not passed. The file's pairs
 * are stage_pair, which the merge writes from (import_learners.c), and the
 * passed pairs of the learners not staged because the file says of them
 * what is in force (stage_kept, import_digest.c); the pairs in force are
 * those the merge compares with (stage_prev_pv, import_learners.c). */
static const char unpassed_sql[] =
    "WITH prev AS (SELECT learner_id, module, state FROM stage_prev_pv) "
    "SELECT count(*) + (SELECT coalesce(sum(passed), 0) FROM stage_kept)::bigint,"
    "  count(*) FILTER (WHERE cur.state < 2) "
    "FROM stage_pair cur JOIN prev USING (learner_id, module) WHERE prev.state = 2";

/* For each unit of the file: its learners in force before the file (the
 * figures kept at the latest date up to its own, unit_figures.c, count
 * every learner in force by the unit of their latest version: read per
 * unit, not per learner) and its learners in the file (stage_last, each
 * learner's last row, with stage_kept, the learners not staged, who are
 * in that unit already); the units that lose more than the limit, worst
 * first. Units the file does not mention are left alone: an export may
 * cover part of the province. */
static const char unit_drop_sql[] =
    "WITH now AS ("
    "  SELECT unit_code, sum(n)::bigint AS n FROM ("
    "    SELECT unit_code, count(*) AS n FROM stage_last GROUP BY unit_code"
    "    UNION ALL SELECT unit_code, learners FROM stage_kept) f GROUP BY unit_code"
    "), before AS ("
    "  SELECT unit_code, sum(n)::bigint AS n FROM (" FIGURES_IN_FORCE_SQL ") f"
    "  GROUP BY unit_code"
    ") "
    "SELECT b.unit_code, coalesce(u.name, ''), b.n, w.n "
    "FROM before b JOIN now w USING (unit_code) "
    "LEFT JOIN unit u ON u.province_code = $1 AND u.school_year = $2 AND u.code = b.unit_code "
    "WHERE b.n >= $4::bigint AND (b.n - w.n) * 10000 > b.n * $5::bigint "
    "ORDER BY (b.n - w.n)::float8 / b.n DESC, b.unit_code LIMIT 6";

/* "7.41": part / whole in percent, two decimals, for messages. */
static void share_text(int64_t part, int64_t whole, char *buf, size_t cap)
{
    int64_t centi = whole > 0 ? (part * 10000 + whole / 2) / whole : 0;

    snprintf(buf, cap, "%" PRId64 ".%02" PRId64, centi / 100, centi % 100);
}

static int check_unpassed(struct db *db, const struct config *cfg, const char *path,
                          bdtx_error *err)
{
    struct db_result *r = NULL;
    int64_t passed, fallen;
    char share[32], limit[16];

    if (db_query(db, unpassed_sql, 0, NULL, &r, err) != 0)
        return -1;
    passed = strtoll(db_value(r, 0, 0), NULL, 10);
    fallen = strtoll(db_value(r, 0, 1), NULL, 10);
    db_result_free(r);
    if (fallen * 10000 <= passed * (int64_t)cfg->limits.max_unpassed_centi)
        return 0;
    share_text(fallen, passed, share, sizeof share);
    value_format_centi(cfg->limits.max_unpassed_centi, limit, sizeof limit);
    error_set(err, BDTX_DATAERR, "refused: %" PRId64 " of the %" PRId64 " passed (learner, "
              "module) pairs in this file (%s %%) would fall back to not passed; the limit is "
              "%s %% (limits.max_unpassed_percent)", fallen, passed, share, limit);
    error_place(err, path, 0, NULL);
    error_detail(err, "a passed module stays passed on the platform: an export of another week, "
                      "year or platform looks like this");
    error_hint(err, "if the export is right, import it again with --force");
    return -1;
}

static int check_unit_drop(struct db *db, const struct config *cfg, const char *const *params,
                           const char *path, bdtx_error *err)
{
    struct db_result *r = NULL;
    char min[24], limit_centi[24], limit[16], share[32], more[512];
    const char *p[5];
    size_t used = 0;
    int i, n;

    snprintf(min, sizeof min, "%" PRIu64, cfg->limits.min_unit_learners);
    snprintf(limit_centi, sizeof limit_centi, "%" PRId32, cfg->limits.max_unit_drop_centi);
    p[0] = params[0];
    p[1] = params[1];
    p[2] = params[2];
    p[3] = min;
    p[4] = limit_centi;
    /* Hash joins: the kept figures may have no statistics (ANALYZE of a
     * table the importing role does not own is skipped), and nested loops
     * over a nation's units take minutes. */
    if (db_nested_loops(db, false, err) != 0 ||
        db_query(db, unit_drop_sql, 5, p, &r, err) != 0 ||
        db_nested_loops(db, true, err) != 0) {
        db_result_free(r);
        return -1;
    }
    n = db_rows(r);
    if (n == 0) {
        db_result_free(r);
        return 0;
    }
    value_format_centi(cfg->limits.max_unit_drop_centi, limit, sizeof limit);
    {
        int64_t before = strtoll(db_value(r, 0, 2), NULL, 10);
        int64_t now = strtoll(db_value(r, 0, 3), NULL, 10);

        share_text(before - now, before, share, sizeof share);
        error_set(err, BDTX_DATAERR, "refused: unit %s (%s) would drop from %" PRId64
                  " learners to %" PRId64 " (%s %% fewer); the limit is %s %% "
                  "(limits.max_unit_drop_percent)", db_value(r, 0, 0), db_value(r, 0, 1),
                  before, now, share, limit);
    }
    more[0] = '\0';
    for (i = 1; i < n && i < 5 && used < sizeof more; i++) {
        int w = snprintf(more + used, sizeof more - used, "%s%s: %s -> %s", i > 1 ? "; " : "",
                         db_value(r, i, 0), db_value(r, i, 2), db_value(r, i, 3));

        if (w < 0)
            break;
        used += (size_t)w;
    }
    error_place(err, path, 0, NULL);
    if (n > 1)
        error_detail(err, "also %s%s", more, n > 5 ? "; and more" : "");
    else
        error_detail(err, "a learner is counted in the unit of the latest export that names them; "
                          "an export cut short or of another unit looks like this");
    error_hint(err, "if the export is right, import it again with --force");
    db_result_free(r);
    return -1;
}

int guard_learners(struct db *db, const struct config *cfg, const char *year, bdtx_date as_of,
                   const char *import_id, const char *path, bdtx_error *err)
{
    const char *params[4];
    struct db_result *r = NULL;
    char day[11];
    bool earlier;

    date_format_iso(as_of, day);
    params[0] = cfg->province.code;
    params[1] = year;
    params[2] = day;
    params[3] = import_id;
    /* The first learners export of a year has nothing to undo. */
    if (db_query(db, "SELECT EXISTS (SELECT 1 FROM import WHERE province_code = $1"
                     " AND school_year = $2 AND source = 'lms-learners' AND as_of <= $3"
                     " AND id <> $4)", 4, params, &r, err) != 0)
        return -1;
    earlier = strcmp(db_value(r, 0, 0), "t") == 0;
    db_result_free(r);
    if (!earlier)
        return 0;
    if (check_unpassed(db, cfg, path, err) != 0 ||
        check_unit_drop(db, cfg, params, path, err) != 0)
        return -1;
    return 0;
}
