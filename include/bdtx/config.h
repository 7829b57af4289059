/* The configuration file of SPEC section 5, read with libyaml and validated
 * whole: unknown keys, wrong types, overlapping school years, thresholds out
 * of order and unreadable unit registries are errors with file, line, column. */
#ifndef BDTX_CONFIG_H
#define BDTX_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bdtx/error.h"
#include "bdtx/sheet.h"
#include "bdtx/value.h"

struct config_strings {
    char **items;
    size_t count;
};

/* Modules a school year may list: the computation keeps each learner's
 * modules as bits of one 64-bit integer. A real year has one to nine. */
#define CONFIG_MAX_MODULES 63

struct config_module {
    char *code;
    char *name;
    struct config_strings aliases;
    /* Rule 12: when the module opens and when it is due; has_due false
     * when the configuration gives no deadline (opens is then unused). A
     * due date without opens counts from the school year's start. */
    bool has_due;
    bdtx_date opens, due;
};

struct config_group {
    char *name;
    int32_t min_centi;      /* min_percent in hundredths of a percent: 80 -> 8000 */
};

enum temis_metric { TEMIS_SELF_ASSESSED, TEMIS_HEAD_ASSESSED };

struct config_year {
    char *id;                      /* "2020-2021" */
    bdtx_date start, end;          /* inclusive */
    char *ranked_level;            /* "Phòng GDĐT" */
    char *units_path;              /* resolved against the configuration's folder */
    struct config_module *modules;
    size_t nmodules;
    struct config_group *groups;   /* ordered by min_centi, highest first */
    size_t ngroups;
    enum temis_metric temis_metric;
    bool rank_by_learners;         /* rank_by: learners (rule 10), else modules */
    long units_line, units_column; /* where `units:` was written, 1-based */
};

/* A field name of the built-in header vocabulary and the extra aliases
 * configuration adds to it (sources.aliases). */
struct config_alias {
    char *field;
    struct config_strings names;
    long line, column;             /* where the field was written, 1-based, so
                                    * the header module can report an unknown one */
};

/* The worksheet to read of the files whose name matches a pattern
 * (sources.sheets), for workbooks whose first recognisable sheet is not
 * the one wanted: a name, or a position counted from 1. */
struct config_sheet {
    char *files;                   /* fnmatch(3) pattern on the file name */
    char *sheet;                   /* as written: a name, or digits for a position */
};

struct config {
    char *path;                    /* the file it was read from */
    char *dir;                     /* its folder, absolute, for relative paths */
    struct {
        char *code, *name, *authority, *department;
        char *timezone;            /* "Asia/Ho_Chi_Minh": clock dates are taken there */
    } province;
    char *conninfo;                /* "" = libpq's PG* variables */
    struct {
        /* Absolute: a relative path is taken relative to dir, so a run
         * from any folder reads and writes the same files. */
        char *inbox, *archive, *rejected, *reports;
    } paths;
    struct config_year *years;     /* ordered by start */
    size_t nyears;
    struct {
        char *language;            /* "vi" or "en" */
        char *file_name;           /* "bdtx-{province}-{week}.xlsx" */
        bool include_people;
        int highlight;
        bool units;                /* a pack per ranked-level and direct unit (pack.h) */
    } report;
    struct config_alias *aliases;
    size_t naliases;
    struct config_strings status_passed, status_not_passed;
    struct config_sheet *sheets;
    size_t nsheets;
    struct {                       /* input limits of SPEC section 7; 0 = default */
        uint64_t max_file_mb, max_uncompressed_mb, max_compression_ratio;
        uint64_t max_cells_per_row, max_cell_chars, max_sheets, max_rows;
        /* The import guard: shares in hundredths of a percent (500 = 5 %),
         * defaults filled by config_load. */
        int32_t max_unpassed_centi, max_unit_drop_centi;
        uint64_t min_unit_learners;
        /* bdtx run imports a file only once it has not changed for this
         * long (a copy still being written is left for the next run). */
        uint64_t settle_seconds;
    } limits;
};

/* Read and validate path. Returns 0, or -1 with err filled (code BDTX_CONFIG,
 * file, line and column of the offending node). On error cfg holds nothing
 * to release. */
int config_load(const char *path, struct config *cfg, bdtx_error *err);
void config_release(struct config *cfg);
/* The school year containing day, or NULL. */
const struct config_year *config_year_for_date(const struct config *cfg, bdtx_date day);
/* The index of the module with this code in year->modules, or -1. */
long config_module_index(const struct config_year *year, const char *code);
const struct config_year *config_year_by_id(const struct config *cfg, const char *id);
/* The input limits of cfg for the sheet readers (0 where not configured). */
void config_sheet_limits(const struct config *cfg, struct sheet_limits *out);

#endif
