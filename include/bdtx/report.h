/* A report: the figures, lists and warnings compute_report fills and every
 * writer (report_json.h, report_csv.h, report_xlsx.h) reads; and publishing
 * it: where it goes (reports/<school year>/<file_name>) and writing it there
 * in one of its formats, through a temporary file renamed into place, so
 * that nobody ever sees half a report. */
#ifndef BDTX_REPORT_H
#define BDTX_REPORT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "bdtx/config.h"
#include "bdtx/error.h"
#include "bdtx/people.h"
#include "bdtx/units.h"
#include "bdtx/value.h"

struct db;

struct figures {
    int64_t gv_assigned, gv_passed;
    int64_t cbql_assigned, cbql_passed;
    int64_t assigned, passed;        /* GV + CBQL + learners of unknown role */
    /* Rule 10, people: learners with a pair in force (in a module's
     * figures, with a pair of that module) and those of them who passed
     * every such pair, from learner exports only; split as the pairs. */
    int64_t gv_learners, gv_completed;
    int64_t cbql_learners, cbql_completed;
    int64_t learners, completed;
};

enum rank_mark { RANK_MARK_NONE, RANK_MARK_PRAISE, RANK_MARK_CHASE };

struct rank_row {
    long unit;                       /* index into report.reg.units */
    struct figures f;
    int rank;                        /* 0 when the unit has nothing assigned */
    int group;                       /* index into year->groups, -1 when none */
    bool has_delta;
    double delta_pp;                 /* percentage points against a week earlier */
    /* Rule 11: passes (completed learners with rank_by: learners) still
     * needed to reach the next higher group and the top group; -1 when
     * none is needed or defined (in the top group, without a rate). */
    int64_t to_next, to_top;
    enum rank_mark mark;             /* rule 13, in the rankings only */
    bool at_risk;                    /* rule 12: at risk in some module */
};

struct ranking {
    char scope[64];                  /* "overall" or "module:M1" */
    const char *module;              /* NULL for overall */
    enum unit_kind kind;             /* UNIT_RANKED or UNIT_DIRECT */
    struct rank_row *rows;           /* in display order */
    size_t nrows;
};

struct temis_row {
    long unit;
    const char *target;              /* "gv" or "cbql" */
    int64_t total, self_assessed, head_assessed;
    bool has_head;
};

/* Rule 12: where a unit stands against a module's deadline at the report's
 * date, by the ranked measure (pairs, or people with rank_by: learners). */
struct progress_row {
    long unit;                       /* a ranked or direct unit */
    size_t module;                   /* index into year->modules, a module with a due date */
    int64_t passed, assigned;        /* the ranked measure at the report's date */
    int group;
    double expected_rate;            /* (date - opens) / (due - opens) in [0, 1] */
    bool has_pace;                   /* false before any week with data */
    int64_t gained;                  /* passes over the pace's weeks */
    double pace;                     /* gained / report.pace_weeks, per week */
    int64_t to_top;                  /* rule 11, -1 in the top group or without a rate */
    bool has_projection;
    bdtx_date projected;             /* when the top group is reached at this pace */
    bool at_risk;
};

/* The province's figures for one module. */
struct scope_total {
    struct figures f;
    int group;
    bool has_delta;
    double delta_pp;
};

struct import_row {
    char *file;
    char *source;
    char as_of[11];
    long rows, rejected;
};

/* A row rejected by an import of the year (SPEC section 2, "Bad input"). */
struct rejection_row {
    char *file;
    long row;
    char *column;
    char *reason;
};

/* A unit named by rejected rows that the registry does not know, with how
 * many rows named it. */
struct unknown_unit {
    char *name;                      /* the code or name as the export wrote it */
    long rows;
};

/* A row not kept because its export listed the same (account, module)
 * earlier or later with a more advanced state (import_duplicate). */
struct duplicate_row {
    char *file;
    long row;                        /* the row not kept */
    long kept_row;                   /* the row whose state counts */
    char *account;
    char *module;
};

/* Cells of an import read in a legacy Vietnamese encoding and converted
 * (import_conversion). */
struct conversion_row {
    char *file;
    char *encoding;
    long cells;
};

/* Each unit's overall figures at the Sunday of every week of the school
 * year, from the week of the first import up to the report's week, computed
 * with the same rules as the report itself (so the last week equals the
 * overall ranking). Empty until compute_trend fills it. */
struct trend {
    size_t nweeks;
    bdtx_date *days;                 /* the Sundays, oldest first */
    size_t nunits;
    long *units;                     /* registry indices: ranked units, then direct units */
    struct figures *cells;           /* nweeks * nunits, week-major */
    struct figures *province;        /* nweeks */
};

/* Something the reader of a report should know; the writers word it in
 * the report's language. */
enum report_warning_kind {
    WARN_NO_IMPORT_THIS_WEEK,        /* day: the latest as-of on or before the report's */
    WARN_NO_PREVIOUS_WEEK,           /* Δ is empty everywhere */
    WARN_REJECTED_ROWS,              /* count: rows rejected by the imports used */
    WARN_UNREGISTERED_LEARNERS,      /* count: pairs of learners whose unit left the registry */
    WARN_UNITS_WITHOUT_LEARNERS,     /* count: ranked or direct units with nothing assigned */
    WARN_REJECTIONS_CUT,             /* count: rejected rows listed (of rejections_total) */
    WARN_DUPLICATES,                 /* count: duplicate rows in the imports used */
};

struct report_warning {
    enum report_warning_kind kind;
    int64_t count;
    bdtx_date day;
};

/* At most this many rejected (or duplicate) rows are listed; the count says
 * how many there are. */
#define REPORT_MAX_REJECTIONS 10000

struct report {
    const struct config *cfg;
    const struct config_year *year;
    bdtx_date as_of;
    int iso_year, week;
    struct registry reg;
    struct ranking *rankings;        /* overall ranked, overall direct, then per module */
    size_t nrankings;
    /* The units with a ranked level of their own below them (a nation's
     * provinces, registry_has_level), and for each, nrankings rankings laid
     * out as rankings[] of its own children: its district offices or
     * communes, then its direct units. Its pack ranks them. */
    long *level_units;
    size_t nlevels;
    struct ranking *level_rankings;  /* nlevels * nrankings, once built */
    size_t nlevel_rankings;
    struct figures total;            /* the province (the root) */
    /* The unit whose figures total holds, when not the root: a province's
     * pack (pack_view) ranks the province's own units against its total. */
    const struct unit *total_unit;
    const char *ranked_level;        /* its ranked level's label, NULL: the year's */
    int total_group;
    bool total_has_delta;
    double total_delta_pp;
    struct scope_total *module_totals; /* the province per module, in year->modules order */
    struct rank_row *schools;        /* rank is the rank within the parent */
    size_t nschools;
    struct temis_row *temis;
    size_t ntemis;
    struct import_row *imports;
    size_t nimports;
    int64_t learners, learner_modules;
    struct trend trend;
    struct rejection_row *rejections; /* the first REPORT_MAX_REJECTIONS, by import and row */
    size_t nrejections;
    int64_t rejections_total;
    struct unknown_unit *unknown_units;
    size_t nunknown_units;
    struct duplicate_row *duplicates; /* the first REPORT_MAX_REJECTIONS, by import and row */
    size_t nduplicates;
    int64_t duplicates_total;
    struct conversion_row *conversions;
    size_t nconversions;
    struct report_warning warnings[8];
    size_t nwarnings;
    int64_t generated_at;             /* seconds since the epoch, UTC */
    long generated_offset;            /* the province's zone then, seconds east of UTC */
    /* The figures of every unit and module at the report's date and a week
     * before (reg.count * year->nmodules each), kept for compute_trend so
     * that its last two weeks are not computed again. */
    struct figures *grid_now, *grid_prev;
    struct figures *people_now, *people_prev; /* reg.count each: each unit's own learners */
    /* Rule 12, for the modules with a due date: per module, its ranked
     * units then its direct units, in ranking order. The pace counts the
     * passes gained since pace_base over pace_weeks weeks with data. */
    struct progress_row *progress;
    size_t nprogress;
    int pace_weeks;
    bdtx_date pace_base;
};

/* The trend figures of unit trend->units[u] in week w. */
static inline const struct figures *trend_at(const struct trend *t, size_t w, size_t u)
{
    return &t->cells[w * t->nunits + u];
}

/* The label of the first ranking table: rep->ranked_level, else the
 * year's ranked_level, else "". */
const char *report_ranked_level(const struct report *rep);

/* Whether the registry's root is the Ministry (kind nation): the report's
 * total is then the nation's, and its ranked level the provinces. */
bool report_root_is_nation(const struct report *rep);

/* Free what rep holds and empty it (safe on an emptied report). */
void report_release(struct report *rep);

enum report_format { REPORT_XLSX, REPORT_JSON, REPORT_CSV, REPORT_TEXT };

/* "xlsx", "json", "csv" or "text" (the notice, notice.h). */
bool report_format_parse(const char *name, enum report_format *out);
/* paths.reports/<school year>/<report.file_name>, with {province} (the
 * province code), {week} (2020-W47), {year} (the school year) and {as_of}
 * (2020-11-22) replaced; for json, csv and text the extension becomes
 * .json, .csv or .txt. malloc'd; NULL with err filled when memory runs out. */
char *report_default_path(const struct report *rep, enum report_format fmt, bdtx_error *err);
/* Write rep to out as fmt, except xlsx (a workbook needs a file). */
int report_write_stream(const struct report *rep, enum report_format fmt, FILE *out,
                        bdtx_error *err);
/* What a report reads, read at one instant: a db_begin_snapshot transaction
 * on db, the learners list started beside the computation when the report
 * is a workbook with report.include_people (people_open), then
 * compute_report into *rep. report_read_end ends it (the list, then the
 * transaction); call it whether or not this succeeded. */
struct report_read {
    struct db *db;
    struct people_cursor *cursor;
    struct people_source src;
};
int report_read_begin(struct db *db, const struct config *cfg, const struct config_year *year,
                      bdtx_date day, bool workbook, struct report *rep, struct report_read *rd,
                      bdtx_error *err);
/* The learners list to give report_save, or NULL. */
const struct people_source *report_read_people(const struct report_read *rd);
void report_read_end(struct report_read *rd);
/* Write rep as fmt to path: a temporary file beside it, flushed, then
 * renamed. For xlsx with report.include_people, the learners not passed are
 * read from people (people_open; NULL: the sheet has its header only).
 * Returns 0, or -1 with err filled and nothing left under path or beside it. */
int report_save(const struct report *rep, enum report_format fmt, const char *path,
                const struct people_source *people, bdtx_error *err);

#endif
