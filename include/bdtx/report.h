/* Publishing a report: where it goes (reports/<school year>/<file_name>)
 * and writing it there in one of its formats, through a temporary file
 * renamed into place, so that nobody ever sees half a report. */
#ifndef BDTX_REPORT_H
#define BDTX_REPORT_H

#include <stdbool.h>
#include <stdio.h>

#include "bdtx/compute.h"
#include "bdtx/db.h"
#include "bdtx/error.h"
#include "bdtx/people.h"

enum report_format { REPORT_XLSX, REPORT_JSON, REPORT_CSV };

/* "xlsx", "json" or "csv". */
bool report_format_parse(const char *name, enum report_format *out);
/* paths.reports/<school year>/<report.file_name>, with {province} (the
 * province code), {week} (2020-W47), {year} (the school year) and {as_of}
 * (2020-11-22) replaced; for json and csv the extension becomes .json or
 * .csv. malloc'd; NULL with err filled when memory runs out. */
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
