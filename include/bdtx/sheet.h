/* Reading a table from an export, whatever its format: rows of text cells,
 * streamed one at a time from a CSV file or from a worksheet of an XLSX or
 * a legacy XLS (Excel 97-2003) workbook. */
#ifndef BDTX_SHEET_H
#define BDTX_SHEET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bdtx/error.h"

enum sheet_format { SHEET_CSV, SHEET_XLSX, SHEET_XLS };

/* Bounds on what a file may make us allocate; 0 means the default. Breaking
 * one is BDTX_DATAERR with a message that names the configuration key
 * (limits.*) that raises it. */
struct sheet_limits {
    uint64_t max_file_bytes;          /* default 512 MiB */
    uint64_t max_uncompressed_bytes;  /* XLSX, all parts read; default 4 GiB */
    uint32_t max_compression_ratio;   /* XLSX, per part; default 200 */
    uint32_t max_cells_per_row;       /* default 16384 */
    uint32_t max_cell_chars;          /* Unicode characters; default 32767, Excel's own */
    uint32_t max_sheets;              /* XLSX worksheets; default 255 */
    uint64_t max_rows;                /* non-empty rows; default 2,000,000 */
    uint32_t xls_cpu_seconds;         /* XLS: processor time of its reader; default
                                         5 s and 2 s a MiB of file (not configured) */
};

/* Rows of a CSV file or sheet, whatever its limits say, for messages. */
#define SHEET_DEFAULT_MAX_ROWS 2000000

struct sheet_cell {
    const char *text;   /* UTF-8, NUL-terminated, never NULL ("" when empty) */
    size_t len;
    bool numeric;       /* a number cell: XLSX's <v> as written, or an XLS number
                           written the shortest way that reads back the same */
    bool uncached;      /* an XLSX formula saved without its value (text ""):
                           not an empty cell, a value nobody computed */
};

struct sheet_row {
    long number;               /* 1-based: the sheet's row, or CSV line where the record starts */
    size_t ncells;             /* cells[0] is column A / field 1; trailing empties may be cut */
    const struct sheet_cell *cells;
};

struct sheet_reader;

/* Open path, detecting the format from its first bytes (a zip is XLSX, an
 * OLE2 compound file is XLS, anything else is tried as CSV: UTF-8 with or without BOM, UTF-16 with BOM;
 * delimiter ',', ';' or tab detected from the first lines). For a workbook
 * the first worksheet in workbook order is read. limits may be NULL.
 * Returns 0, or -1 with err filled (code BDTX_DATAERR, file set). */
int sheet_open(const char *path, const struct sheet_limits *limits,
               struct sheet_reader **out, bdtx_error *err);
/* Before anything reads path: refuse what is not a regular file or is over
 * limits->max_file_bytes, without opening it. 0, or -1 with err filled. */
int sheet_check_size(const char *path, const struct sheet_limits *limits, bdtx_error *err);
/* Which worksheet sheet_open_sheet reads: the one named name when name is
 * not NULL (compared byte for byte), else the one at 0-based index in
 * workbook order. A CSV file is one sheet: index 0, whatever the name. */
struct sheet_select {
    const char *name;
    size_t index;
};

/* As sheet_open, for the worksheet which selects. A worksheet that is not
 * there is an error (BDTX_DATAERR) that says what the workbook has. */
int sheet_open_sheet(const char *path, const struct sheet_limits *limits,
                     const struct sheet_select *which, struct sheet_reader **out,
                     bdtx_error *err);
/* Next non-empty row: 1 with row filled (valid until the next call),
 * 0 at the end, -1 on error (err filled with file and row). */
int sheet_next(struct sheet_reader *r, struct sheet_row *row, bdtx_error *err);
/* From now on, parse the rows in a second thread ahead of sheet_next, which
 * hands them out in the same order, with the same errors in the same
 * places; worth it for the data rows of a large file. 0, or -1 with err
 * filled (out of memory); when no thread can be started, rows are read as
 * before. */
int sheet_read_ahead(struct sheet_reader *r, bdtx_error *err);
enum sheet_format sheet_format(const struct sheet_reader *r);
/* The name of the worksheet being read ("" for CSV). */
const char *sheet_name(const struct sheet_reader *r);
/* How the text was decoded: "xlsx", "xls", or for CSV "utf-8", "utf-16le",
 * "utf-16be" or "windows-1258" (text without a BOM that is not UTF-8). */
const char *sheet_encoding(const struct sheet_reader *r);
/* How many worksheets the file has (1 for CSV): sheet_open_sheet takes
 * indexes below this. */
size_t sheet_count(const struct sheet_reader *r);
/* Column label for messages: "C" (0-based index 2) for a workbook, "3" for CSV. */
void sheet_column_label(const struct sheet_reader *r, size_t index, char *buf, size_t cap);
void sheet_close(struct sheet_reader *r);

#endif
