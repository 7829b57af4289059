/* reports/index.html: the download page for officers, listing every weekly
 * report by school year and week (newest first) with the province rate and
 * how many units are in each group. Static HTML and CSS, no script. */
#ifndef BDTX_INDEX_HTML_H
#define BDTX_INDEX_HTML_H

#include <stdbool.h>
#include <stdint.h>

#include "bdtx/config.h"
#include "bdtx/error.h"
#include "bdtx/value.h"

struct index_entry {
    const char *school_year;
    const char *week;          /* "2020-W44" */
    bdtx_date as_of;
    const char *workbook;      /* relative to the reports folder; NULL when none */
    const char *json;          /* likewise */
    const char *notice;        /* likewise: the week's notice (.txt) */
    int64_t assigned, passed;
    const char *group;         /* the province's group, NULL when none */
    const char *group_counts;  /* "A=3\tB=5\tC=3", best group first */
    bool has_people;           /* rule 10's figures known (reports written since) */
    int64_t learners, completed;
};

/* Write reports_dir/index.html from entries (already in display order:
 * school year, then week, newest first), atomically, and only when its text
 * changes; *changed says whether it did. */
int index_html_write(const char *reports_dir, const struct config *cfg,
                     const struct index_entry *entries, size_t n, bool *changed,
                     bdtx_error *err);

/* A unit's page, unit_dir/index.html (unit_dir: reports/<school
 * year>/don-vi/<code>): the weeks of the packs found in unit_dir
 * (<week>.xlsx, with its <week>.txt when there), newest first, linked by
 * name, so that the page and the files it links sit in the unit's own
 * folder. Written only when its text changes. */
int index_html_write_unit(const char *unit_dir, const struct config *cfg, const char *year_id,
                          const char *code, const char *name, bool *changed, bdtx_error *err);

#endif
