/* The learners of an lms-learners export: each (learner, module) pair of
 * its rows staged with COPY (only the learners that changed since the
 * latest export naming them: import_digest.c), then checked by the guard
 * and merged into the history set by set. */
#include "import_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bdtx/guard.h"
#include "bdtx/log.h"
#include "bdtx/text.h"
#include "bdtx/unit_figures.h"
#include "history_sql.h"

/* The learner's name in NFC (NULL when the row has none): 0, or 1 after a
 * rejection, or -1. */
static int name_of(struct import_ctx *c, const struct sheet_row *row, char **name,
                   bdtx_error *err)
{
    long col = c->map.col[F_FULL_NAME];

    *name = NULL;
    if (col < 0 || text_blank(import_cell_text(row, col)))
        return 0;
    *name = text_nfc(import_cell_text(row, col));
    if (*name)
        return 0;
    return import_reject(c, row->number, col, err, "name is not valid UTF-8") != 0 ? -1 : 1;
}

/* n (a row number, not negative) in decimal: snprintf's parsing of its
 * format cost more than the rest of handing a row to the digest. */
static void row_number_text(long n, char buf[24])
{
    char tmp[24];
    size_t k = 0, i;

    if (n < 0) {
        snprintf(buf, 24, "%ld", n);
        return;
    }
    do {
        tmp[k++] = (char)('0' + n % 10);
        n /= 10;
    } while (n > 0 && k < sizeof tmp);
    for (i = 0; i < k; i++)
        buf[i] = tmp[k - 1 - i];
    buf[k] = '\0';
}

/* One (learner, module) pair of row into the staging table: 0, 1 when the
 * row was rejected, -1 on error. */
static int stage_row(struct import_ctx *c, const struct sheet_row *row, const char *account,
                     long unit, const char *module, int state, bdtx_error *err)
{
    const char *fields[STAGE_FIELDS];
    char seqbuf[24], *name;
    int rc = name_of(c, row, &name, err);

    if (rc != 0)
        return rc;
    /* The row number: rows come in file order, and a duplicate is
     * reported by it. */
    row_number_text(row->number, seqbuf);
    fields[0] = seqbuf;
    fields[1] = account;
    fields[2] = name;
    fields[3] = c->reg.units[unit].code;
    fields[4] = import_role_text(import_role_of(c, import_cell_text(row, c->map.col[F_ROLE])));
    fields[5] = module;
    fields[6] = state == STATE_PASSED ? "2" : state == STATE_STARTED ? "1" : "0";
    rc = digest_row(c, fields, unit, err);
    free(name);
    if (rc != 0)
        return -1;
    c->rows++;
    return 0;
}

/* A module's state in a wide row: its status, passed when the result
 * beside it (a two-row header's "Kết quả") is Đạt. -2 when the module is
 * not assigned (both empty), -1 when a cell is not understood (*bad its
 * column). */
static int wide_state(struct import_ctx *c, const struct sheet_row *row,
                      const struct wide_column *w, long *bad)
{
    const char *status = import_cell_text(row, w->col);
    const char *result = import_cell_text(row, w->result_col);
    int state, passed;

    if (text_blank(status) && text_blank(result))
        return -2;
    state = import_status_of(c, status);
    if (state < 0) {
        *bad = w->col;
        return -1;
    }
    passed = w->result_col >= 0 ? import_result_of(c, result) : 0;
    if (passed < 0) {
        *bad = w->result_col;
        return -1;
    }
    return passed == 1 ? STATE_PASSED : state;
}

/* A wide row: one pair per module that is assigned. A cell not understood
 * rejects the whole row, so a learner is never half in. */
static int stage_wide_row(struct import_ctx *c, const struct sheet_row *row,
                          const char *account, long unit, bdtx_error *err)
{
    char shown[128], *name;
    long bad = -1;
    size_t i;
    int rc;

    for (i = 0; i < c->wide.count; i++) {
        if (wide_state(c, row, &c->wide.cols[i], &bad) != -1)
            continue;
        import_quote_value(import_cell_text(row, bad), shown, sizeof shown);
        return import_reject(c, row->number, bad, err, "unknown %s '%s'",
                             bad == c->wide.cols[i].col ? "status" : "result", shown) != 0
                   ? -1 : 0;
    }
    if ((rc = name_of(c, row, &name, err)) != 0)
        return rc < 0 ? -1 : 0;
    free(name);
    for (i = 0; i < c->wide.count; i++) {
        int state = wide_state(c, row, &c->wide.cols[i], &bad);

        if (state == -2)
            continue;
        if (stage_row(c, row, account, unit, c->wide.cols[i].module, state, err) < 0)
            return -1;
    }
    return 0;
}

/* What the rows need before the first: the year's modules, a module for
 * every row, the staging table and its COPY. */
static int learners_begin(struct import_ctx *c, bdtx_error *err)
{
    if (import_module_keys_init(c, err) != 0)
        return -1;
    if (c->wide.count > 0 && wide_resolve(&c->wide, c->year, err) != 0) {
        error_place(err, c->path, c->map.row_number, NULL);
        return -1;
    }
    if (c->map.col[F_MODULE] < 0 && c->wide.count == 0 && !c->opts->module) {
        error_set(err, BDTX_DATAERR, "the file has no module column");
        error_place(err, c->path, c->map.row_number, NULL);
        error_hint(err, "add --module CODE");
        return -1;
    }
    /* The rest of the file is data rows: parsed in a second thread while
     * this one checks and stages them. */
    if (sheet_read_ahead(c->reader, err) != 0)
        return -1;
    /* A national export has millions of rows: enough memory for the
     * merge's hashes and sorts to stay off disk, for this transaction only. */
    if (db_exec(c->db, "SET LOCAL work_mem = '256MB'", 0, NULL, err) != 0 ||
        digest_load(c, err) != 0 ||
        db_exec(c->db, "CREATE TEMP TABLE stage_learner (seq integer, account text, "
                       "full_name text, unit_code text, role text, module text, state smallint, "
                       "run_end boolean) "
                       "ON COMMIT DROP", 0, NULL, err) != 0 ||
        db_copy_begin(c->db, "COPY stage_learner FROM STDIN", err) != 0)
        return -1;
    return 0;
}

/* One data row, staged or rejected with its reason: 0, or -1 on error. */
static int learner_row(struct import_ctx *c, const struct sheet_row *row, bdtx_error *err)
{
    const long *col = c->map.col;
    const char *module = c->opts->module;
    char account[256], shown[128];
    long unit;
    int state, result, rc;
    size_t before = c->nrejections;

    if (import_is_totals_row(row, col[F_ACCOUNT]))
        return 0;
    if ((rc = import_uncached_cell(c, row, err)) != 0)
        return rc < 0 ? -1 : 0;
    if ((rc = import_account_cell(c, row, col[F_ACCOUNT], account, sizeof account, err)) != 0)
        return rc < 0 ? -1 : 0;
    if (import_unit_of(c, row, &unit, err) != 0)
        return -1;
    if (c->nrejections > before)
        return 0;
    if (c->wide.count > 0)
        return stage_wide_row(c, row, account, unit, err);
    if (col[F_MODULE] >= 0) {
        module = import_module_of(c, import_cell_text(row, col[F_MODULE]));
        if (!module) {
            import_quote_value(import_cell_text(row, col[F_MODULE]), shown, sizeof shown);
            return import_reject(c, row->number, col[F_MODULE], err, "unknown module '%s'",
                                 shown);
        }
    }
    state = col[F_STATUS] >= 0 ? import_status_of(c, import_cell_text(row, col[F_STATUS]))
                               : STATE_NOT_STARTED;
    if (state < 0) {
        import_quote_value(import_cell_text(row, col[F_STATUS]), shown, sizeof shown);
        return import_reject(c, row->number, col[F_STATUS], err, "unknown status '%s'", shown);
    }
    result = col[F_RESULT] >= 0 ? import_result_of(c, import_cell_text(row, col[F_RESULT])) : 0;
    if (result < 0) {
        import_quote_value(import_cell_text(row, col[F_RESULT]), shown, sizeof shown);
        return import_reject(c, row->number, col[F_RESULT], err, "unknown result '%s'", shown);
    }
    if (result == 1)
        state = STATE_PASSED;
    return stage_row(c, row, account, unit, module, state, err) < 0 ? -1 : 0;
}

static int load_learner_rows(struct import_ctx *c, bdtx_error *err)
{
    struct sheet_row row;
    int got;

    if (learners_begin(c, err) != 0)
        return -1;
    while ((got = import_next_row(c, &row, err)) == 1)
        if (learner_row(c, &row, err) != 0)
            return -1;
    if (got < 0 || digest_flush(c, err) != 0 || db_copy_end(c->db, err) != 0)
        return -1;
    return digest_store_kept(c, err);
}

/* Set-based merge of the staged rows into the history, in two steps.
 *
 * stage_learners: the file is reduced, once, to what the import guard and
 * the merge both read, so that the guard judges exactly what the merge
 * writes. stage_account: each account once, with the unit, role and name of
 * its last row (found among the rows that end a run, run_end). New learners
 * are inserted from it in account order, so that their ids follow the
 * accounts and the versions below are written in the order of their
 * primary keys (appending to the indexes rather than touching pages all
 * over them). stage_last: the same keyed by learner id. stage_pair: each
 * (learner, module) once with its most advanced state (the same pair twice
 * in one file counts once) and how many rows gave it, joined to the learner
 * id first: grouping and sorting by an integer costs a fraction of doing it
 * by account text. Accounts are sorted byte by byte (COLLATE "C"): their
 * order means nothing to anyone, and a locale's collation (the database's
 * C.UTF-8, say) compares without the sort's abbreviated keys, twice the
 * time: 4.1 s against 1.95 s to sort 1.3 million accounts. In C.UTF-8 the
 * two orders are the same (code points), so the new learners still follow
 * their index.
 *
 * merge_versions: a version is written only where the learner's unit, role
 * or name, or the pair's state, differs from what was in force at this
 * import's as-of date (stage_prev_lv, stage_prev_pv). stage_pair and
 * stage_last are written in learner id order and read in that order (what
 * was in force is the hashed side), so the versions go in in key order
 * without another sort. The version in force is the first of each key read
 * backwards along the primary key (every key descending), so the year's
 * history is read in index order and never sorted. */
static const char stage_account_sql[] =
    "CREATE TEMP TABLE stage_account ON COMMIT DROP AS "
    "SELECT DISTINCT ON (account COLLATE \"C\") account, unit_code, role, full_name "
    "FROM stage_learner WHERE run_end ORDER BY account COLLATE \"C\", seq DESC";

static const char merge_learners[] =
    "INSERT INTO learner (province_code, account) "
    "SELECT $1, a.account FROM stage_account a "
    "WHERE NOT EXISTS (SELECT 1 FROM learner l"
    "                  WHERE l.province_code = $1 AND l.account = a.account) "
    "ORDER BY a.account COLLATE \"C\"";

/* Each staged row with its learner's id. */
#define STAGED_ROWS_WITH_IDS \
    "FROM stage_learner s JOIN learner l ON l.province_code = $1 AND l.account = s.account "

static const char stage_pair_sql[] =
    "CREATE TEMP TABLE stage_pair ON COMMIT DROP AS "
    "SELECT l.id AS learner_id, s.module, max(s.state) AS state, count(*) AS n "
    STAGED_ROWS_WITH_IDS
    "GROUP BY l.id, s.module ORDER BY 1, 2";

/* The same when no (account, module) can come twice in the staged rows
 * (the digest's runs say so, import_digest.c): each row is its pair, and
 * the hash aggregation of every pair is spared. 1.7 s against 2.7 s for a
 * first export of 1.17 million rows (bdtx-gen national --scale 0.3, three
 * times each, the same rows). */
static const char stage_pair_once_sql[] =
    "CREATE TEMP TABLE stage_pair ON COMMIT DROP AS "
    "SELECT l.id AS learner_id, s.module, s.state, 1::bigint AS n "
    STAGED_ROWS_WITH_IDS
    "ORDER BY 1, 2";

static const char stage_last_sql[] =
    "CREATE TEMP TABLE stage_last ON COMMIT DROP AS "
    "SELECT l.id AS learner_id, a.unit_code, a.role, a.full_name "
    "FROM stage_account a JOIN learner l ON l.province_code = $1 AND l.account = a.account "
    "ORDER BY 1";

/* What was in force for the staged learners at this import's date, read
 * once, before anything is written: the guard (guard.c), the kept figures
 * (unit_figures.c) and the merge below compare with these, where each read
 * the same history again (a third of a week's server time at a nation's
 * scale went to those three reads). stage_prev_lv: each staged learner's
 * latest unit, role and name; stage_prev_pv: their pairs' latest states.
 * The learners of stage_last are those of stage_pair: every staged account
 * ends a run, so it has its last row in stage_account. */
static const char prev_lv_sql[] =
    "CREATE TEMP TABLE stage_prev_lv ON COMMIT DROP AS "
    LEARNERS_IN_FORCE_AMONG_SQL("stage_last");

static const char prev_pv_sql[] =
    "CREATE TEMP TABLE stage_prev_pv ON COMMIT DROP AS "
    PAIRS_IN_FORCE_AMONG_SQL("stage_last");

/* The same when the staged learners are few (staged_few): an index probe
 * along the primary key for each of them, which costs what they are where
 * the form above reads the whole year's history. */
static const char prev_pv_few_sql[] =
    "CREATE TEMP TABLE stage_prev_pv ON COMMIT DROP AS "
    "SELECT s.learner_id, p.module, p.state FROM stage_last s"
    "  CROSS JOIN LATERAL (" PAIRS_IN_FORCE_OF_SQL("s") ") p";

static const char merge_learner_versions[] =
    "WITH prev AS (SELECT learner_id, unit_code, role, full_name FROM stage_prev_lv) "
    "INSERT INTO learner_version (province_code, school_year, learner_id, as_of, import_id,"
    "  unit_code, role, full_name) "
    "SELECT $1, $2, cur.learner_id, $3, $4, cur.unit_code, cur.role, cur.full_name "
    "FROM stage_last cur LEFT JOIN prev USING (learner_id) "
    "WHERE prev.learner_id IS NULL"
    "   OR (prev.unit_code, prev.role, prev.full_name)"
    "      IS DISTINCT FROM (cur.unit_code, cur.role, cur.full_name)";

static const char merge_learner_versions_same_day[] =
    " ON CONFLICT (province_code, school_year, learner_id, as_of) DO UPDATE"
    "  SET import_id = EXCLUDED.import_id, unit_code = EXCLUDED.unit_code,"
    "      role = EXCLUDED.role, full_name = EXCLUDED.full_name";

static const char merge_progress_versions[] =
    "WITH prev AS (SELECT learner_id, module, state FROM stage_prev_pv) "
    "INSERT INTO progress_version (province_code, school_year, learner_id, module, as_of,"
    "  import_id, state) "
    "SELECT $1, $2, cur.learner_id, cur.module, $3, $4, cur.state "
    "FROM stage_pair cur LEFT JOIN prev USING (learner_id, module) "
    "WHERE prev.learner_id IS NULL OR prev.state <> cur.state";

static const char merge_progress_versions_same_day[] =
    " ON CONFLICT (province_code, school_year, learner_id, module, as_of) DO UPDATE"
    "  SET import_id = EXCLUDED.import_id, state = EXCLUDED.state";

/* Whether an earlier learners export of the year has this as-of date: only
 * then can a version of this date already exist and need replacing. Without
 * one, the merge inserts plainly, which is much cheaper than ON CONFLICT's
 * speculative insertion of every row. */
static int same_day_import(struct import_ctx *c, const char *const *params, bool *yes,
                           bdtx_error *err)
{
    struct db_result *r = NULL;

    if (db_query(c->db, "SELECT EXISTS (SELECT 1 FROM import WHERE province_code = $1"
                        " AND school_year = $2 AND source = 'lms-learners' AND as_of = $3"
                        " AND id <> $4)", 4, params, &r, err) != 0)
        return -1;
    *yes = strcmp(db_value(r, 0, 0), "t") == 0;
    db_result_free(r);
    return 0;
}

/* Every staged row but the one that counts for its (account, module): the
 * first row with the most advanced state. Partitioned byte by byte, as
 * stage_account sorts (equal accounts are equal in either collation). */
static const char store_duplicates[] =
    "INSERT INTO import_duplicate (import_id, row_number, kept_row, account, module, state,"
    "  kept_state) "
    "SELECT $1, seq, kept_row, account, module, state, kept_state FROM ("
    "  SELECT seq, account, module, state,"
    "    first_value(seq) OVER w AS kept_row, first_value(state) OVER w AS kept_state,"
    "    count(*) OVER (PARTITION BY account COLLATE \"C\", module) AS n"
    "  FROM stage_learner"
    "  WINDOW w AS (PARTITION BY account COLLATE \"C\", module ORDER BY state DESC, seq)"
    ") d WHERE n > 1 AND seq <> kept_row";

static int record_duplicates(struct import_ctx *c, bdtx_error *err)
{
    const char *params[1] = {c->id};
    struct db_result *r = NULL;
    bool any;
    long n;

    /* Most exports hold no duplicate: stage_pair, already built, says
     * whether one exists at the cost of one scan, sparing the window
     * query's sort. */
    if (db_query(c->db, "SELECT EXISTS (SELECT 1 FROM stage_pair WHERE n > 1)", 0, NULL, &r,
                 err) != 0)
        return -1;
    any = strcmp(db_value(r, 0, 0), "t") == 0;
    db_result_free(r);
    r = NULL;
    c->duplicates = 0;
    if (!any)
        return 0;
    if (db_exec(c->db, store_duplicates, 1, params, err) != 0 ||
        db_query(c->db, "SELECT count(*) FROM import_duplicate WHERE import_id = $1", 1, params,
                 &r, err) != 0)
        return -1;
    n = strtol(db_value(r, 0, 0), NULL, 10);
    db_result_free(r);
    c->duplicates = n;
    if (n > 0)
        log_warning("%s: %ld row%s repeat an (account, module) pair of an earlier row; each "
                    "pair counts once, with its most advanced status", c->path, n,
                    n == 1 ? "" : "s");
    return 0;
}

/* stage_account, new learners, stage_pair and stage_last (see above). The learner
 * table is the province's, shared by its school years, whose imports may
 * run at the same time (each year has its own lock, lock_year): a lock of
 * the province, held to the end of the transaction, lets the new accounts
 * be inserted plainly, where ON CONFLICT's speculative insertion of every
 * row cost as much as the insert itself. */
/* Whether the staged learners are few beside the year's learners in force
 * (those with a digest): fewer than a quarter. Their pairs in force are
 * then probed learner by learner, which costs what they
 * are, where the join reads the whole year's history: server CPU 0.43 s
 * against 0.60 s for 18,336 of 130,000 learners (bdtx-gen national --scale
 * 0.1), and the year's history grows week by week while the probes do not.
 * With more, or with none in force (the year's first export), the join is
 * the cheaper. The learners' own versions are one per learner, and their
 * join stays cheaper than a probe each (0.13 s against 0.16 s). */
static bool staged_few(const struct import_ctx *c)
{
    return (size_t)c->digest.sent * 4 < c->digest.map.stored;
}

static int stage_learners(struct import_ctx *c, bdtx_error *err)
{
    char as_of[11];
    const char *params[3] = {c->cfg->province.code, c->year->id, as_of};

    date_format_iso(c->as_of, as_of);
    /* Fresh statistics for the staged rows, or the planner guesses them:
     * of the columns that the joins and groupings below (and the guard's
     * and the kept figures' after them) read, for ANALYZE's time goes by
     * column. The history in force is read by hash joins (its statistics
     * may be missing: ANALYZE of a table the importing role does not own
     * is skipped) and without JIT, whose compiling the forced plans'
     * estimates make cost seconds. */
    if (db_exec(c->db, "ANALYZE stage_learner (account, module)", 0, NULL, err) != 0 ||
        db_exec(c->db, "SELECT pg_advisory_xact_lock(hashtext('bdtx learners ' || $1))", 1,
                params, err) != 0 ||
        db_exec(c->db, stage_account_sql, 0, NULL, err) != 0 ||
        db_exec(c->db, merge_learners, 1, params, err) != 0 ||
        db_exec(c->db, c->digest.repeats ? stage_pair_sql : stage_pair_once_sql, 1, params,
                err) != 0 ||
        db_exec(c->db, stage_last_sql, 1, params, err) != 0 ||
        db_exec(c->db, "ANALYZE stage_pair (learner_id, module, state), "
                       "stage_last (learner_id, unit_code)", 0, NULL, err) != 0 ||
        db_nested_loops(c->db, false, err) != 0 ||
        db_exec(c->db, "SET LOCAL jit = off", 0, NULL, err) != 0 ||
        db_exec(c->db, prev_lv_sql, 3, params, err) != 0 ||
        db_exec(c->db, staged_few(c) ? prev_pv_few_sql : prev_pv_sql, 3, params, err) != 0 ||
        db_exec(c->db, "SET LOCAL jit TO DEFAULT", 0, NULL, err) != 0 ||
        db_nested_loops(c->db, true, err) != 0 ||
        db_exec(c->db, "ANALYZE stage_prev_lv (learner_id), stage_prev_pv (learner_id, module)",
                0, NULL, err) != 0)
        return -1;
    return 0;
}

/* Fresh statistics after a merge that wrote a sizeable part of the
 * history (the year's first export, above all): without them the planner
 * may join what the same transaction reads next by nested loops. A week
 * that changed little leaves them to autovacuum: ANALYZE samples the three
 * tables whatever was written, seconds at a nation's size, while the
 * statistics of a history grown by a few percent still hold (and a date
 * past the histogram is estimated from the index). */
static int history_analyze(struct import_ctx *c, long long written, bdtx_error *err)
{
    struct db_result *r = NULL;
    long long known;

    if (db_query(c->db, "SELECT greatest(reltuples, 0)::bigint FROM pg_class"
                        " WHERE oid = 'progress_version'::regclass", 0, NULL, &r, err) != 0)
        return -1;
    known = strtoll(db_value(r, 0, 0), NULL, 10);
    db_result_free(r);
    if (written * 10 < known)
        return 0;
    return db_exec(c->db, "ANALYZE learner, learner_version, progress_version", 0, NULL, err);
}

static int merge_versions(struct import_ctx *c, bdtx_error *err)
{
    char as_of[11], *lv_sql = NULL, *pv_sql = NULL;
    long long written = 0, pairs = 0;
    const char *params[4];
    bool same_day = false;
    size_t lv_cap = sizeof merge_learner_versions + sizeof merge_learner_versions_same_day;
    size_t pv_cap = sizeof merge_progress_versions + sizeof merge_progress_versions_same_day;
    int rc = -1;

    date_format_iso(c->as_of, as_of);
    params[0] = c->cfg->province.code;
    params[1] = c->year->id;
    params[2] = as_of;
    params[3] = c->id;
    if (same_day_import(c, params, &same_day, err) != 0)
        return -1;
    lv_sql = malloc(lv_cap);
    pv_sql = malloc(pv_cap);
    if (!lv_sql || !pv_sql) {
        error_oom(err);
        goto done;
    }
    snprintf(lv_sql, lv_cap, "%s%s", merge_learner_versions,
             same_day ? merge_learner_versions_same_day : "");
    snprintf(pv_sql, pv_cap, "%s%s", merge_progress_versions,
             same_day ? merge_progress_versions_same_day : "");
    if (db_exec_count(c->db, lv_sql, 4, params, &written, err) != 0 ||
        db_exec_count(c->db, pv_sql, 4, params, &pairs, err) != 0 ||
        history_analyze(c, written + pairs, err) != 0)
        goto done;
    rc = 0;
done:
    free(lv_sql);
    free(pv_sql);
    return rc;
}


int import_learners(struct import_ctx *c, bdtx_error *err)
{
    enum unit_figures_way way;

    if (load_learner_rows(c, err) != 0)
        return -1;
    if (c->rows == 0)
        return 0;
    /* The kept figures (unit_figures.c) follow the merge: the staged
     * learners' figures are taken before it, and after it. */
    if (stage_learners(c, err) != 0 ||
        (!c->opts->force &&
         guard_learners(c->db, c->cfg, c->year->id, c->as_of, c->id, c->path, err) != 0) ||
        record_duplicates(c, err) != 0 ||
        unit_figures_before(c->db, c->cfg->province.code, c->year->id, c->as_of, &way,
                            err) != 0 ||
        merge_versions(c, err) != 0 ||
        unit_figures_after(c->db, c->cfg->province.code, c->year->id, c->as_of, way, err) != 0 ||
        digest_save(c, err) != 0)
        return -1;
    return 0;
}
