/* Reading every row of a file with small limits, checking what sheet.h
 * promises of each row. Shared by the CSV and XLSX targets. */
#ifndef BDTX_FUZZ_SHEET_H
#define BDTX_FUZZ_SHEET_H

#include <stddef.h>

#include "bdtx/sheet.h"

/* Read path (every sheet the file has, up to a few) to the end or to the
 * first error. Aborts when a promise of sheet.h is broken. */
void fuzz_read_sheet(const char *path);

#endif
