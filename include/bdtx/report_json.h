/* The report for programs: SPEC section 6's JSON, from struct report. */
#ifndef BDTX_REPORT_JSON_H
#define BDTX_REPORT_JSON_H

#include <stdio.h>

#include "bdtx/report.h"

/* Returns 0, or -1 when writing to out failed. */
int report_json_write(const struct report *rep, FILE *out);

#endif
