/* Send only what changed: a learner of a learners export whose unit, role,
 * name and module states are what the latest export of the year naming
 * them said is not staged, so the guard and the merge see only the
 * learners that changed.
 *
 * Why that is exact (SPEC section 3, rule 1): imports of a year are merged
 * in as-of order (a late file replays the year, and the replay empties
 * learner_digest with the history), so the export E that last named a
 * learner L has an as-of date no later than this one. Each of E's pairs of
 * L is then in force from E, and L's unit, role and name are those of E's
 * last row of L. A file that says of L exactly what E said would write no
 * version: the merge writes only what differs from what is in force. The
 * pairs of L that E did not hold are absent from this file too, and keep
 * their state either way.
 *
 * The digest is 64 bits of a hash over the account and that content; two
 * different contents of one learner give the same digest with probability
 * 2^-64, about 10^-14 for a nation's weekly 65,000 changed learners: a
 * risk far below that of the export itself being wrong. The table's key is
 * another hash of the account: two accounts of one file with the same key
 * look like one learner named in two places, and are both staged (and
 * never skipped after), so a collision of keys costs time, not figures.
 *
 * What the import records of the whole file stays whole: rows are counted
 * before the choice; a learner whose run repeats a module (a duplicate row
 * to record) is always staged; the guard is told, per unit, how many
 * learners were not staged and how many passed pairs they hold
 * (stage_kept), which are exactly as in force. */
#include "import_internal.h"

#include <stdlib.h>
#include <string.h>

#include "bdtx/log.h"

/* A run longer than this is staged as it is read, with no choice: an
 * export lists a learner's few modules, and a file repeating one account
 * endlessly must neither grow the buffer nor cost its square. */
#define RUN_CAP 64

/* Slot flags. */
#define F_STORED 1u  /* val was fetched from learner_digest */
#define F_SEEN 2u    /* the account has had a run in this file */
#define F_SKIPPED 4u /* its run was not staged: val is its place in the spill */
#define F_WRITE 8u   /* val is the digest to keep (0: never skip it) */

static uint64_t mix64(uint64_t x)
{
    x ^= x >> 30;
    x *= UINT64_C(0xbf58476d1ce4e5b9);
    x ^= x >> 27;
    x *= UINT64_C(0x94d049bb133111eb);
    x ^= x >> 31;
    return x;
}

/* FNV-1a, then mixed; a NULL text hashes apart from every text. */
static uint64_t text_hash(const char *s, uint64_t seed)
{
    uint64_t h = UINT64_C(0xcbf29ce484222325) ^ mix64(seed);

    if (!s)
        return mix64(h ^ UINT64_C(0x9e3779b97f4a7c15));
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= UINT64_C(0x100000001b3);
    }
    return mix64(h);
}

static uint64_t account_key(const char *account)
{
    uint64_t k = text_hash(account, 1);

    return k ? k : 1;
}

static int map_alloc(struct learner_map *m, size_t cap, bdtx_error *err)
{
    m->slot = calloc(cap, sizeof *m->slot);
    m->flag = calloc(cap, sizeof *m->flag);
    m->cap = cap;
    m->used = 0;
    if (!m->slot || !m->flag) {
        error_oom(err);
        return -1;
    }
    return 0;
}

static void map_free(struct learner_map *m)
{
    free(m->slot);
    free(m->flag);
    m->slot = NULL;
    m->flag = NULL;
    m->cap = m->used = 0;
}

static size_t map_find(const struct learner_map *m, uint64_t key)
{
    size_t i = (size_t)key & (m->cap - 1);

    while (m->slot[i].key != 0 && m->slot[i].key != key)
        i = (i + 1) & (m->cap - 1);
    return i;
}

/* The slot of key, added (flags 0) when new; the table doubles past 3/4. */
static int map_slot(struct learner_map *m, uint64_t key, size_t *out, bdtx_error *err)
{
    size_t i;

    if ((m->used + 1) * 4 > m->cap * 3) {
        struct learner_map old = *m;
        size_t j;

        if (map_alloc(m, old.cap * 2, err) != 0) {
            map_free(m);
            *m = old;
            return -1;
        }
        m->stored = old.stored;
        for (j = 0; j < old.cap; j++) {
            if (old.slot[j].key == 0)
                continue;
            i = map_find(m, old.slot[j].key);
            m->slot[i] = old.slot[j];
            m->flag[i] = old.flag[j];
            m->used++;
        }
        map_free(&old);
    }
    i = map_find(m, key);
    if (m->slot[i].key == 0) {
        m->slot[i].key = key;
        m->slot[i].val = 0;
        m->flag[i] = 0;
        m->used++;
    }
    *out = i;
    return 0;
}

void digest_release(struct learner_digest *d)
{
    map_free(&d->map);
    free(d->run.buf);
    free(d->run.off);
    free(d->run.unit);
    free(d->spill_buf);
    if (d->spill)
        fclose(d->spill);
    free(d->kept_learners);
    free(d->kept_passed);
    memset(d, 0, sizeof *d);
}

int digest_load(struct import_ctx *c, bdtx_error *err)
{
    struct learner_digest *d = &c->digest;
    const char *params[2] = {c->cfg->province.code, c->year->id};
    struct db_result *r = NULL;
    size_t cap = 1024, n, i;
    const char *row;
    bool failed = false;
    int got;

    d->nunits = c->reg.count;
    d->kept_learners = calloc(d->nunits + 1, sizeof *d->kept_learners);
    d->kept_passed = calloc(d->nunits + 1, sizeof *d->kept_passed);
    if (!d->kept_learners || !d->kept_passed) {
        error_oom(err);
        return -1;
    }
    if (db_query(c->db, "SELECT count(*) FROM learner_digest WHERE province_code = $1 "
                        "AND school_year = $2", 2, params, &r, err) != 0)
        return -1;
    n = (size_t)strtoull(db_value(r, 0, 0), NULL, 10);
    db_result_free(r);
    r = NULL;
    while (cap * 3 < n * 4 + 4)
        cap *= 2;
    if (map_alloc(&d->map, cap, err) != 0)
        return -1;
    if (n == 0)
        return 0;
    /* Streamed by one COPY, which libpq hands over row by row, where one
     * result of a million rows would hold them all: 0.27 s against 0.63 s
     * in slices through a cursor for a nation's 1.3 million digests. COPY
     * takes no parameters: the province and year reach it as settings of
     * this transaction. */
    if (db_exec(c->db, "SELECT set_config('bdtx.digest_province', $1, true), "
                       "set_config('bdtx.digest_year', $2, true)", 2, params, err) != 0 ||
        db_copy_out_begin(c->db, "COPY (SELECT account_key, digest FROM learner_digest "
                                 "WHERE province_code = current_setting('bdtx.digest_province') "
                                 "AND school_year = current_setting('bdtx.digest_year')) "
                                 "TO STDOUT", err) != 0)
        return -1;
    while ((got = db_copy_out_next(c->db, &row, err)) == 1) {
        char *end;
        uint64_t key = (uint64_t)strtoll(row, &end, 10);
        uint64_t val = (uint64_t)strtoll(end, NULL, 10);

        /* Read to the end whatever happens (map_slot fails only for want
         * of memory, and says so in err): the connection is in the COPY
         * until then. */
        if (failed || map_slot(&d->map, key, &i, err) != 0) {
            failed = true;
            continue;
        }
        d->map.slot[i].val = val;
        d->map.flag[i] = F_STORED;
        d->map.stored++;
    }
    return got < 0 || failed ? -1 : 0;
}

static const char *run_field(const struct run_rows *run, size_t row, size_t f)
{
    size_t off = run->off[row * STAGE_FIELDS + f];

    return off == HELD_NULL ? NULL : run->buf + off;
}

static int run_add(struct run_rows *run, const char *const *fields, long unit, bdtx_error *err)
{
    size_t i, len[STAGE_FIELDS], need = 0;

    for (i = 0; i < STAGE_FIELDS; i++) {
        len[i] = fields[i] ? strlen(fields[i]) : 0;
        need += len[i] + 1;
    }
    if (run->n == run->capn) {
        size_t capn = run->capn ? run->capn * 2 : 16;
        size_t *off = realloc(run->off, capn * STAGE_FIELDS * sizeof *off);
        long *u;

        if (!off) {
            error_oom(err);
            return -1;
        }
        run->off = off;
        if (!(u = realloc(run->unit, capn * sizeof *u))) {
            error_oom(err);
            return -1;
        }
        run->unit = u;
        run->capn = capn;
    }
    if (run->len + need > run->cap) {
        size_t cap = run->cap ? run->cap : 1024;
        char *b;

        while (cap < run->len + need)
            cap *= 2;
        if (!(b = realloc(run->buf, cap))) {
            error_oom(err);
            return -1;
        }
        run->buf = b;
        run->cap = cap;
    }
    for (i = 0; i < STAGE_FIELDS; i++) {
        run->off[run->n * STAGE_FIELDS + i] = fields[i] ? run->len : HELD_NULL;
        if (fields[i])
            memcpy(run->buf + run->len, fields[i], len[i] + 1);
        run->len += len[i] + 1;
    }
    run->unit[run->n++] = unit;
    return 0;
}

static void run_clear(struct run_rows *run)
{
    run->n = 0;
    run->len = 0;
    run->streaming = false;
}

static int stage_fields(struct import_ctx *c, const char *const *fields, bool run_end,
                        bdtx_error *err)
{
    const char *all[STAGE_FIELDS + 1];

    memcpy(all, fields, sizeof(const char *) * STAGE_FIELDS);
    all[STAGE_FIELDS] = run_end ? "t" : "f";
    return db_copy_row(c->db, all, STAGE_FIELDS + 1, err);
}

/* Rows first..n-1 of the run into stage_learner; the last ends the run
 * when ends. */
static int run_stage(struct import_ctx *c, size_t first, size_t n, bool ends, bdtx_error *err)
{
    const struct run_rows *run = &c->digest.run;
    const char *fields[STAGE_FIELDS];
    size_t i, f;

    for (i = first; i < n; i++) {
        for (f = 0; f < STAGE_FIELDS; f++)
            fields[f] = run_field(run, i, f);
        if (stage_fields(c, fields, ends && i + 1 == n, err) != 0)
            return -1;
    }
    return 0;
}

/* The run's digest (see the top), whether it repeats a module, and how many
 * of its pairs are passed. */
static uint64_t run_digest(const struct run_rows *run, bool *repeats, long *passed)
{
    size_t last = run->n - 1, i, j;
    uint64_t h = text_hash(run_field(run, last, 1), 2), sum = 0, dg;

    h = mix64(h ^ text_hash(run_field(run, last, 3), 3));
    h = mix64(h ^ text_hash(run_field(run, last, 4), 4));
    h = mix64(h ^ text_hash(run_field(run, last, 2), 5));
    *repeats = false;
    *passed = 0;
    for (i = 0; i < run->n; i++) {
        const char *module = run_field(run, i, 5), *state = run_field(run, i, 6);

        for (j = 0; j < i; j++)
            if (strcmp(module, run_field(run, j, 5)) == 0)
                *repeats = true;
        /* A sum, so that the order of the modules does not matter. */
        sum += mix64(text_hash(module, 6) + (uint64_t)(unsigned char)state[0]);
        if (strcmp(state, "2") == 0)
            (*passed)++;
    }
    dg = mix64(h + sum);
    return dg ? dg : 1;
}

static int spill_error(bdtx_error *err)
{
    error_set(err, BDTX_IOERR, "cannot use a temporary file for the learners not staged");
    return -1;
}

static int spill_put(struct learner_digest *d, size_t *len, const void *p, size_t n)
{
    if (*len + n > d->spill_cap) {
        size_t cap = d->spill_cap ? d->spill_cap : 1024;
        char *b;

        while (cap < *len + n)
            cap *= 2;
        if (!(b = realloc(d->spill_buf, cap)))
            return -1;
        d->spill_buf = b;
        d->spill_cap = cap;
    }
    memcpy(d->spill_buf + *len, p, n);
    *len += n;
    return 0;
}

/* The run into the spill file: its row count, unit and passed pairs, then
 * each field as its length (-1: NULL) and bytes. *at its offset. Most of a
 * week's learners are not staged, and each goes here: the run is laid out
 * in memory and written with one fwrite. */
static int spill_run(struct learner_digest *d, long passed, uint64_t *at, bdtx_error *err)
{
    const struct run_rows *run = &d->run;
    int32_t head[3];
    size_t i, f, len = 0;

    if (!d->spill && !(d->spill = tmpfile()))
        return spill_error(err);
    if (d->spill_reading) {
        if (fseeko(d->spill, (off_t)d->spill_len, SEEK_SET) != 0)
            return spill_error(err);
        d->spill_reading = false;
    }
    *at = d->spill_len;
    head[0] = (int32_t)run->n;
    head[1] = (int32_t)run->unit[run->n - 1];
    head[2] = (int32_t)passed;
    if (spill_put(d, &len, head, sizeof head) != 0) {
        error_oom(err);
        return -1;
    }
    for (i = 0; i < run->n; i++)
        for (f = 0; f < STAGE_FIELDS; f++) {
            const char *s = run_field(run, i, f);
            int32_t n = s ? (int32_t)strlen(s) : -1;

            if (spill_put(d, &len, &n, sizeof n) != 0 ||
                (s && spill_put(d, &len, s, (size_t)n) != 0)) {
                error_oom(err);
                return -1;
            }
        }
    if (fwrite(d->spill_buf, 1, len, d->spill) != len)
        return spill_error(err);
    d->spill_len += len;
    return 0;
}

/* A run put in the spill, staged after all: the account came back. */
static int spill_stage(struct import_ctx *c, uint64_t at, bdtx_error *err)
{
    struct learner_digest *d = &c->digest;
    const char *fields[STAGE_FIELDS];
    char *text[STAGE_FIELDS] = {NULL};
    int32_t head[3], len;
    size_t f;
    int32_t i;
    int rc = -1;

    if (fflush(d->spill) != 0 || fseeko(d->spill, (off_t)at, SEEK_SET) != 0 ||
        fread(head, sizeof head, 1, d->spill) != 1)
        return spill_error(err);
    d->spill_reading = true;
    for (i = 0; i < head[0]; i++) {
        for (f = 0; f < STAGE_FIELDS; f++) {
            if (fread(&len, sizeof len, 1, d->spill) != 1)
                goto io;
            fields[f] = NULL;
            if (len < 0)
                continue;
            if (!(text[f] = malloc((size_t)len + 1))) {
                error_oom(err);
                goto done;
            }
            if (len > 0 && fread(text[f], (size_t)len, 1, d->spill) != 1)
                goto io;
            text[f][len] = '\0';
            fields[f] = text[f];
        }
        if (stage_fields(c, fields, i + 1 == head[0], err) != 0)
            goto done;
        for (f = 0; f < STAGE_FIELDS; f++) {
            free(text[f]);
            text[f] = NULL;
        }
    }
    d->kept_learners[head[1]]--;
    d->kept_passed[head[1]] -= head[2];
    d->kept--;
    rc = 0;
    goto done;
io:
    rc = spill_error(err);
done:
    for (f = 0; f < STAGE_FIELDS; f++)
        free(text[f]);
    return rc;
}

/* The account of the run's rows is staged, whatever it says: it came back
 * after a run that ended, or its run is too long to hold. Its digest is
 * not kept (0), so it is staged next time too. */
static int account_staged(struct import_ctx *c, size_t s, bdtx_error *err)
{
    struct learner_map *m = &c->digest.map;

    if (m->flag[s] & F_SKIPPED) {
        if (spill_stage(c, m->slot[s].val, err) != 0)
            return -1;
        m->flag[s] &= (uint8_t)~F_SKIPPED;
        c->digest.sent++;
    } else if (!(m->flag[s] & F_SEEN)) {
        c->digest.sent++;
    }
    m->flag[s] |= F_SEEN | F_WRITE;
    m->slot[s].val = 0;
    return 0;
}

/* The run ended: staged, or kept aside when its learner is as kept. */
static int run_end(struct import_ctx *c, bdtx_error *err)
{
    struct learner_digest *d = &c->digest;
    struct run_rows *run = &d->run;
    struct learner_map *m = &d->map;
    uint64_t dg, at;
    size_t s;
    bool repeats;
    long passed;

    if (run->n == 0)
        return 0;
    if (run->streaming) {
        if (run_stage(c, 0, run->n, true, err) != 0)
            return -1;
        run_clear(run);
        return 0;
    }
    if (map_slot(m, account_key(run_field(run, 0, 1)), &s, err) != 0)
        return -1;
    if (m->flag[s] & F_SEEN) {
        d->repeats = true;
        if (account_staged(c, s, err) != 0 || run_stage(c, 0, run->n, true, err) != 0)
            return -1;
        run_clear(run);
        return 0;
    }
    dg = run_digest(run, &repeats, &passed);
    d->repeats |= repeats;
    m->flag[s] |= F_SEEN;
    if ((m->flag[s] & F_STORED) && m->slot[s].val == dg && !repeats) {
        if (spill_run(d, passed, &at, err) != 0)
            return -1;
        m->slot[s].val = at;
        m->flag[s] |= F_SKIPPED;
        d->kept_learners[run->unit[run->n - 1]]++;
        d->kept_passed[run->unit[run->n - 1]] += passed;
        d->kept++;
    } else {
        if (run_stage(c, 0, run->n, true, err) != 0)
            return -1;
        m->slot[s].val = dg;
        m->flag[s] |= F_WRITE;
        d->sent++;
    }
    run_clear(run);
    return 0;
}

int digest_row(struct import_ctx *c, const char *const *fields, long unit, bdtx_error *err)
{
    struct run_rows *run = &c->digest.run;
    size_t slot;

    if (run->n > 0 && strcmp(run_field(run, 0, 1), fields[1]) != 0 && run_end(c, err) != 0)
        return -1;
    if (run->n == RUN_CAP && !run->streaming) {
        if (map_slot(&c->digest.map, account_key(fields[1]), &slot, err) != 0 ||
            account_staged(c, slot, err) != 0)
            return -1;
        run->streaming = true;
        c->digest.repeats = true;
    }
    if (run->streaming && run->n > 0) {
        /* Only the last row waits: the next tells whether it ends the run. */
        if (run_stage(c, 0, run->n, false, err) != 0)
            return -1;
        run->n = 0;
        run->len = 0;
    }
    return run_add(run, fields, unit, err);
}

int digest_flush(struct import_ctx *c, bdtx_error *err)
{
    if (run_end(c, err) != 0)
        return -1;
    log_debug("%s: %ld learner%s changed or new, staged; %ld as in the latest export naming "
              "them, not staged", c->path, c->digest.sent, c->digest.sent == 1 ? "" : "s",
              c->digest.kept);
    return 0;
}

int digest_store_kept(struct import_ctx *c, bdtx_error *err)
{
    const struct learner_digest *d = &c->digest;
    char learners[24], passed[24];
    const char *fields[3];
    size_t i;

    if (db_exec(c->db, "CREATE TEMP TABLE stage_kept (unit_code text, learners bigint, "
                       "passed bigint) ON COMMIT DROP", 0, NULL, err) != 0)
        return -1;
    if (d->kept == 0)
        return 0;
    if (db_copy_begin(c->db, "COPY stage_kept FROM STDIN", err) != 0)
        return -1;
    for (i = 0; i < d->nunits; i++) {
        if (d->kept_learners[i] == 0)
            continue;
        snprintf(learners, sizeof learners, "%ld", d->kept_learners[i]);
        snprintf(passed, sizeof passed, "%ld", d->kept_passed[i]);
        fields[0] = c->reg.units[i].code;
        fields[1] = learners;
        fields[2] = passed;
        if (db_copy_row(c->db, fields, 3, err) != 0)
            return -1;
    }
    /* Its statistics, or the guard's join with it is planned for a few
     * rows (a nation's 48,000 units took minutes by nested loops). */
    if (db_copy_end(c->db, err) != 0)
        return -1;
    return db_exec(c->db, "ANALYZE stage_kept", 0, NULL, err);
}

/* The digests to keep, in the order of account_key as the table sorts it
 * (signed). The keys the table does not hold yet (all of them in the year's
 * first export) are copied straight into it: COPY writes its rows in
 * batches, where INSERT ... SELECT from a staging table wrote them one by
 * one after copying them once more (2.6 s against 0.7 s for 130,000 keys,
 * server time under the same load). In key order, each new key goes to the
 * right end of the primary key's index, and the rows lie on the heap in
 * that order. The keys it holds are replaced through a staging table, in
 * the same order, so their pages are visited one after another. Nothing
 * else writes the year's digests meanwhile: the import holds the year's
 * lock. */
/* Sorts n (key, digest) pairs by key in place. Hand-written because glibc's
 * qsort sorts a copy it allocates: for a nation's 1.3 M new learners that
 * is 21 MB more at the import's peak, which the 128 MB bound has no room
 * for. A heapsort takes no memory and n log n steps. */
static void sift_down(int64_t *p, size_t at, size_t n)
{
    for (;;) {
        size_t big = at, l = 2 * at + 1, r = l + 1;
        int64_t k, v;

        if (l < n && p[2 * l] > p[2 * big])
            big = l;
        if (r < n && p[2 * r] > p[2 * big])
            big = r;
        if (big == at)
            return;
        k = p[2 * at], v = p[2 * at + 1];
        p[2 * at] = p[2 * big], p[2 * at + 1] = p[2 * big + 1];
        p[2 * big] = k, p[2 * big + 1] = v;
        at = big;
    }
}

static void sort_by_key(int64_t *p, size_t n)
{
    size_t i;

    for (i = n / 2; i-- > 0;)
        sift_down(p, i, n);
    for (i = n; i-- > 1;) {
        int64_t k = p[0], v = p[1];

        p[0] = p[2 * i], p[1] = p[2 * i + 1];
        p[2 * i] = k, p[2 * i + 1] = v;
        sift_down(p, 0, i);
    }
}

/* Every key of stage_digest is in the table (F_STORED): a plain UPDATE,
 * without the speculative insertion of INSERT ... ON CONFLICT (0.44 s
 * against 0.66 s for 55,000 digests, the table with room on its pages,
 * sql/015_learner_digest_fillfactor.sql). */
static const char update_sql[] =
    "UPDATE learner_digest d SET digest = s.digest FROM stage_digest s "
    "WHERE d.province_code = $1 AND d.school_year = $2 AND d.account_key = s.account_key";

/* The n pairs (key, digest) of pairs as COPY rows, with the province and
 * the year first when with_year. */
static int copy_digests(struct import_ctx *c, const int64_t *pairs, size_t n, bool with_year,
                        bdtx_error *err)
{
    char key[24], val[24];
    const char *fields[4] = {c->cfg->province.code, c->year->id, key, val};
    size_t i;

    for (i = 0; i < n; i++) {
        snprintf(key, sizeof key, "%lld", (long long)pairs[2 * i]);
        snprintf(val, sizeof val, "%lld", (long long)pairs[2 * i + 1]);
        if (db_copy_row(c->db, with_year ? fields : fields + 2, with_year ? 4 : 2, err) != 0)
            return -1;
    }
    return 0;
}

int digest_save(struct import_ctx *c, bdtx_error *err)
{
    const struct learner_map *m = &c->digest.map;
    const char *params[2] = {c->cfg->province.code, c->year->id};
    int64_t *pairs = NULL, *fresh, *known;
    size_t nfresh = 0, nknown = 0, nwrite = 0, i;
    int rc = -1;

    if (c->digest.sent == 0)
        return 0;
    /* One array of exactly the digests written, new keys from its front and
     * known ones from its back: a nation's first export writes 1.3 M, and
     * two arrays of the map's size each would cost the import 40 MB. */
    for (i = 0; i < m->cap; i++)
        nwrite += m->slot[i].key != 0 && (m->flag[i] & F_WRITE);
    pairs = malloc((nwrite > 0 ? nwrite : 1) * 2 * sizeof *pairs);
    if (!pairs) {
        error_oom(err);
        return -1;
    }
    for (i = 0; i < m->cap; i++) {
        int64_t *to;

        if (m->slot[i].key == 0 || !(m->flag[i] & F_WRITE))
            continue;
        to = (m->flag[i] & F_STORED) ? &pairs[2 * (nwrite - ++nknown)] : &pairs[2 * nfresh++];
        to[0] = (int64_t)m->slot[i].key;
        to[1] = (int64_t)m->slot[i].val;
    }
    fresh = pairs;
    known = pairs + 2 * nfresh;
    sort_by_key(fresh, nfresh);
    sort_by_key(known, nknown);
    if (nfresh > 0 &&
        (db_copy_begin(c->db, "COPY learner_digest (province_code, school_year, account_key, "
                              "digest) FROM STDIN", err) != 0 ||
         copy_digests(c, fresh, nfresh, true, err) != 0 || db_copy_end(c->db, err) != 0))
        goto done;
    if (nknown > 0 &&
        (db_exec(c->db, "CREATE TEMP TABLE stage_digest (account_key bigint, digest bigint) "
                        "ON COMMIT DROP", 0, NULL, err) != 0 ||
         db_copy_begin(c->db, "COPY stage_digest FROM STDIN", err) != 0 ||
         copy_digests(c, known, nknown, false, err) != 0 || db_copy_end(c->db, err) != 0 ||
         db_exec(c->db, update_sql, 2, params, err) != 0))
        goto done;
    rc = 0;
done:
    free(pairs);
    return rc;
}
