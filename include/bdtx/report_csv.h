/* The overall ranking tables as CSV (RFC 4180, UTF-8 with a BOM so that
 * spreadsheet programs read the Vietnamese names), from struct report. */
#ifndef BDTX_REPORT_CSV_H
#define BDTX_REPORT_CSV_H

#include <stdio.h>

#include "bdtx/report.h"

/* One header line, then the ranked-level rows, the direct-unit rows and the
 * province total (unit_kind "province"). Returns 0, or -1 when writing failed. */
int report_csv_write(const struct report *rep, FILE *out);

#endif
