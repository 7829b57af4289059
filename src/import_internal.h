/* Shared by the import's modules: import.c (skip, lock, order, one
 * transaction), import_detect.c (what a file is: its header, title rows,
 * as-of date, target and module), import_rows.c (reading and checking rows:
 * next_row, the unit a row names, rejections), import_learners.c (the
 * learners' staging and merge) and import_units.c (the per-unit loaders).
 * Not installed: callers use include/bdtx/import.h. */
#ifndef BDTX_IMPORT_INTERNAL_H
#define BDTX_IMPORT_INTERNAL_H

#include <stdbool.h>
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
    size_t used, next;
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

/* A staged learners row is held back until the next one, which tells
 * whether it ends a run of rows of its account (run_end): an account's last
 * row in the file always ends a run, and an export lists a learner's rows
 * together, so the merge finds each learner's last row among a third of
 * the rows. */
#define HELD_NULL SIZE_MAX        /* the offset of a field that is SQL NULL */

struct held_row {
    char *buf;                  /* the fields back to back, NUL-terminated */
    size_t cap;
    size_t off[STAGE_FIELDS];
    bool has;
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
    struct held_row held;             /* the staged row waiting for the next */
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

/* import_units.c: the rows of a per-unit export (temis-units, lms-units,
 * temis-people) into the per-unit counts. */
int import_unit_rows(struct import_ctx *c, const struct sheet_row *header, bdtx_error *err);

#endif
