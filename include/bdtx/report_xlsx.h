/* The weekly workbook of SPEC section 6, written with libxlsxwriter from
 * struct report (the same figures as the JSON). The only module that
 * includes libxlsxwriter. */
#ifndef BDTX_REPORT_XLSX_H
#define BDTX_REPORT_XLSX_H

#include <stdint.h>

#include "bdtx/error.h"
#include "bdtx/people.h"
#include "bdtx/report.h"

/* Excel's rows per worksheet. */
#define REPORT_XLSX_MAX_ROWS 1048576u

struct report_xlsx_options {
    /* The learners not passed (the Chưa hoàn thành sheet, written when the
     * configuration's report.include_people is true); NULL writes the sheet
     * with its header only. */
    const struct people_source *people;
    /* Rows per worksheet before a list continues on a further sheet;
     * 0 means REPORT_XLSX_MAX_ROWS. */
    uint32_t max_sheet_rows;
    /* Folder for libxlsxwriter's temporary files; NULL: the system's. */
    const char *tmpdir;
    /* A unit's pack (pack.h): its name follows the title of the ranking
     * sheets; NULL for the province's workbook. */
    const char *unit_name;
    /* The week's notice (notice.h), one line a row on the sheet Thông
     * báo; NULL: no such sheet. */
    const char *notice;
};

/* Write the workbook of rep to path (replacing it). The workbook is written
 * in libxlsxwriter's constant-memory mode: memory stays bounded whatever the
 * number of units and learners. Callers that publish the file write it to a
 * temporary name first (report_save in report.h does). Returns 0, or -1 with
 * err filled. opt may be NULL. */
int report_xlsx_write(const struct report *rep, const char *path,
                      const struct report_xlsx_options *opt, bdtx_error *err);

#endif
