/* Shared by the import's modules: import.c (skip, lock, order, one
 * transaction), import_detect.c (what a file is: its header, title rows,
 * as-of date, target and module), import_rows.c (reading and checking rows:
 * next_row, the unit a row names, rejections), import_learners.c (the
 * learners' staging and merge) and import_units.c (the per-unit loaders).
 * Not installed: callers use include/bdtx/import.h. */
#ifndef BDTX_IMPORT_INTERNAL_H
#define BDTX_IMPORT_INTERNAL_H

#include <stdbool.h>
#include <stdio.h>
#include <stddef.h>
#include <stdint.h>

#include "bdtx/config.h"
#include "bdtx/db.h"
#include "bdtx/encoding.h"
#include "bdtx/error.h"
#include "bdtx/hash.h"
#include "bdtx/header.h"
#include "bdtx/import.h"
#include "bdtx/names.h"
#include "bdtx/sheet.h"
#include "bdtx/units.h"
#include "bdtx/value.h"
#include "bdtx/wide.h"

#define TITLE_CAP 4096

struct rejection {
    long row;
    char column[16];
    char *reason;
    char *unit_text;           /* the unit named, when it is unknown; else NULL */
};

struct module_key {
    char *key;
    const char *code;
};

/* Exports repeat a handful of statuses, results, roles and module names
 * over millions of rows. Each lookup (NFC, case folding, vocabulary) is
 * remembered by the cell's raw text, so it runs once per distinct text
 * rather than once per row: a national export spent most of its reading
 * time normalising the same few words. */
#define MEMO_SLOTS 16
#define MEMO_TEXT 64
enum memo_column { MEMO_STATUS, MEMO_RESULT, MEMO_ROLE, MEMO_MODULE, MEMO_COLUMNS };

struct memo {
    char text[MEMO_SLOTS][MEMO_TEXT];
    int value[MEMO_SLOTS];
    size_t used, next, last;
};

/* A column's last non-ASCII text that had nothing to convert: the next
 * row's cell usually repeats it (the same learner, school, status), and is
 * then known not to need the legacy-encoding test. */
struct plain_cell {
    char *text;
    size_t len, cap;
};

/* The fields of a stage_learner row, but its run_end. */
#define STAGE_FIELDS 7
/* Send only what changed (import_digest.c). The learners of the year's
 * earlier exports, each as a 64-bit key (a hash of the account) and the
 * 64-bit digest of what the latest export naming them said (unit, role,
 * name, module states), are held in an open-addressing table: 17 bytes a
 * slot, about 36 MB for the nation's 1.3 million learners. A learner's rows
 * are read as a run (an export lists them together): when the run ends, a
 * learner whose digest is the one kept is not staged. Its rows go to a
 * temporary spill file instead, from where they are staged after all if the
 * account comes back later in the file (its rows were not together). */
struct learner_map {
    struct learner_slot {
        uint64_t key;             /* 0: an empty slot */
        uint64_t val;             /* the kept digest; see import_digest.c */
    } *slot;                      /* together: a probe reads one cache line */
    uint8_t *flag;
    size_t cap, used, stored;
};
/* The rows of the current run: STAGE_FIELDS offsets into buf per row
 * (HELD_NULL: SQL NULL) and each row's unit. */
#define HELD_NULL SIZE_MAX
struct run_rows {
    char *buf;
    size_t len, cap;
    size_t *off;
    long *unit;
    size_t n, capn;
    bool streaming;               /* too long to hold: staged as it comes */
};
struct learner_digest {
    struct learner_map map;
    struct run_rows run;
    FILE *spill;
    uint64_t spill_len;
    char *spill_buf;              /* one run laid out for the spill */
    size_t spill_cap;
    bool spill_reading;           /* the spill's position is not its end */
    long *kept_learners;          /* per registry unit: learners not staged */
    long *kept_passed;            /* and their passed pairs, for the guard */
    size_t nunits;
    long sent, kept;              /* learners staged, learners not staged */
    bool repeats;                 /* a staged (account, module) may come twice:
                                   * a run that repeats a module, runs too long
                                   * to check, or an account that came back */
};
/* A row kept past the reader's next call: its cells and their texts owned. */
struct kept_row {
    char *text;
    size_t text_cap;
    struct sheet_cell *cells;
    size_t cells_cap;
    struct sheet_row row;
};

/* Everything one import works with; released at one place
 * (import_ctx_release). */
struct import_ctx {
    struct db *db;
    const struct config *cfg;
    const struct config_year *year;
    const struct vocab *vocab;
    const struct import_options *opts;
    const struct file_identity *identity; /* stored with the import, or NULL */
    const char *path;
    const char *base;              /* file name without folders */
    struct sheet_reader *reader;
    struct header_map map;
    struct registry reg;
    char title[TITLE_CAP];         /* text of the rows above the header, joined */
    char id[32];
    enum source_kind source;
    enum role target;
    bdtx_date as_of;
    struct rejection *rejections;
    size_t nrejections, caprejections;
    long rows;
    struct module_key *module_keys;   /* every name of every module, as text_key() */
    size_t nmodule_keys;
    long duplicates;                  /* rows repeating an (account, module) pair */
    struct wide_map wide;             /* module columns of a wide learners export */
    const char *module;               /* the one module of an lms-units export */
    struct sheet_cell *fixed;         /* a row's cells after legacy text was converted */
    size_t nfixed, capfixed;
    char **fixed_text;                /* the converted texts of that row (capfixed) */
    struct plain_cell *plain;         /* per column, the last text found to be Unicode */
    size_t nplain;
    struct learner_digest digest;     /* what the year's learners were, to skip the same */
    long conversions[LEGACY_KINDS];   /* cells converted, per legacy encoding */
    long xml_replaced;                /* characters XML cannot hold, replaced */
    struct name_index names;          /* built on the first row that names a unit */
    bool names_ready;
    /* The unit code text of the last row found in the registry, and its
     * unit: an export lists a school's rows one after another. */
    char unit_memo_text[128];
    long unit_memo;
    struct memo memo[MEMO_COLUMNS];   /* lookups of repeated cells, by raw text */
    /* The header as recognised: one row, or two (captions over
     * sub-captions) read as one; the row above the one being tried; and a
     * row read to see whether it was a second header row, which was not,
     * handed out again by import_next_row. */
    struct kept_row header, above, pushed;
    bool has_pushed;
    /* When no header is found: the row that came closest (the most cells
     * naming a field), its worksheet, and how many it named. */
    struct kept_row closest;
    char closest_sheet[128];
    int closest_named;
};

/* Frees everything c holds and closes its reader; c is left empty. */
void import_ctx_release(struct import_ctx *c);

/* import_detect.c */

/* Opens c->path at the first worksheet with a recognisable header (a
 * workbook may start with a cover or a notes sheet): c->map, c->wide and
 * c->title (the rows above the header) filled, *header its row. -1 with
 * err filled. */
int import_open_at_header(struct import_ctx *c, const struct sheet_limits *limits,
                          struct sheet_row *header, bdtx_error *err);
/* Frees what import_open_at_header kept (the header rows). */
void import_detect_release(struct import_ctx *c);
/* c->as_of: --as-of, the title rows, the file name, else (with a warning)
 * the file's modification day. */
int import_decide_as_of(struct import_ctx *c, bdtx_error *err);
/* c->target of a per-unit file: --target, the assessed columns of header,
 * the title rows, the file name. */
int import_decide_target(struct import_ctx *c, const struct sheet_row *header,
                         bdtx_error *err);
/* c->module of an lms-units export: --module, the title rows, the file name. */
int import_decide_module(struct import_ctx *c, bdtx_error *err);
/* c->module_keys, once per file. */
int import_module_keys_init(struct import_ctx *c, bdtx_error *err);

/* import_rows.c */

static inline const char *import_cell_text(const struct sheet_row *row, long col)
{
    return col >= 0 && (size_t)col < row->ncells ? row->cells[col].text : "";
}

static inline bool import_cell_numeric(const struct sheet_row *row, long col)
{
    return col >= 0 && (size_t)col < row->ncells && row->cells[col].numeric;
}

/* Input text for a message: control bytes replaced, cut at 80 bytes on a
 * character boundary, so a hostile cell cannot garble a terminal or a log. */
void import_quote_value(const char *s, char *buf, size_t cap);
/* Records a rejected row (col -1: no column); unit, when the row names a
 * unit the registry does not know, is its text as the reason quotes it,
 * stored apart (import_rejection.unit_text) for the report's list of
 * unknown units, else NULL. 0, or -1 with err set: out of memory, or
 * --strict, which rejects the whole file. */
int import_reject_unit(struct import_ctx *c, long row, long col, const char *unit,
                       bdtx_error *err, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));
#define import_reject(c, row, col, err, ...) \
    import_reject_unit(c, row, col, NULL, err, __VA_ARGS__)
/* The rejections into import_rejection; printed to stderr (the first
 * PRINT_REJECTIONS of them). */
int import_store_rejections(struct import_ctx *c, bdtx_error *err);
void import_print_rejections(const struct import_ctx *c);
/* The first rejection as err's detail, and for an unknown unit the registry
 * to add it to as its hint (a file whose every row was rejected). */
void import_explain_rejections(const struct import_ctx *c, bdtx_error *err);

/* The next row, legacy-encoded cells converted (and counted): 1, 0 at the
 * end, -1 with err filled. */
int import_next_row(struct import_ctx *c, struct sheet_row *row, bdtx_error *err);
/* The file's encoding and its conversion counts into the import. */
int import_store_conversions(struct import_ctx *c, bdtx_error *err);
/* A cell the import reads that is a formula saved without its value
 * rejects the row: 0 when there is none, 1 after the rejection, -1 with
 * err set. */
int import_uncached_cell(struct import_ctx *c, const struct sheet_row *row, bdtx_error *err);
/* A totals row closing an export, with nothing in key_col. */
bool import_is_totals_row(const struct sheet_row *row, long key_col);
/* The unit a row names, by code, else by name: 0 with *out its index, or
 * with *out -1 after a rejection was recorded; -1 with err set. */
int import_unit_of(struct import_ctx *c, const struct sheet_row *row, long *out,
                   bdtx_error *err);
/* The account as stored (NFC, "205125370.0" as "205125370"); "" when the
 * cell is empty; -1 (buf "?") when it cannot be an account. */
int import_account_of(const char *raw, char *buf, size_t cap);
/* The account in column col of row: 0 with buf set; 1 after a rejection
 * (none, or one that cannot be an account); -1 with err set. */
int import_account_cell(struct import_ctx *c, const struct sheet_row *row, long col, char *buf,
                        size_t cap, bdtx_error *err);
/* Lookups of repeated cells, remembered by their raw text. */
const char *import_module_of(struct import_ctx *c, const char *text);
int import_status_of(struct import_ctx *c, const char *text);
int import_result_of(struct import_ctx *c, const char *text);
enum role import_role_of(struct import_ctx *c, const char *text);
/* "gv", "cbql", or NULL. */
const char *import_role_text(enum role r);

/* import_learners.c: an lms-learners export's rows staged, checked by the
 * guard (unless --force), its duplicates recorded and merged into the
 * history. */
int import_learners(struct import_ctx *c, bdtx_error *err);
/* import_digest.c: the digests kept of the year's learners, fetched (before
 * the COPY into stage_learner begins); a staged pair's fields, held until
 * its learner's run ends, then staged unless the learner is as kept
 * (digest_flush after the last row); stage_kept, what the learners not
 * staged bring to the guard (after the COPY); the digests of the learners
 * staged written back (after the merge). */
int digest_load(struct import_ctx *c, bdtx_error *err);
int digest_row(struct import_ctx *c, const char *const *fields, long unit, bdtx_error *err);
int digest_flush(struct import_ctx *c, bdtx_error *err);
int digest_store_kept(struct import_ctx *c, bdtx_error *err);
int digest_save(struct import_ctx *c, bdtx_error *err);
void digest_release(struct learner_digest *d);

/* import_units.c: the rows of a per-unit export (temis-units, lms-units,
 * temis-people) into the per-unit counts. */
int import_unit_rows(struct import_ctx *c, const struct sheet_row *header, bdtx_error *err);

#endif
