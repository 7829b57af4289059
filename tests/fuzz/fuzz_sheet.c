#include "fuzz_sheet.h"

#include <stdlib.h>
#include <string.h>

#include "bdtx/error.h"

/* Small limits, so that a few kilobytes of input can reach each of them. */
static const struct sheet_limits limits = {
    .max_file_bytes = 1 << 20,
    .max_uncompressed_bytes = 8 << 20,
    .max_compression_ratio = 50,
    .max_cells_per_row = 256,
    .max_cell_chars = 1024,
    .max_sheets = 8,
    .max_rows = 5000,
    .xls_cpu_seconds = 1,
};

static void check_row(const struct sheet_row *row)
{
    size_t i;

    if (row->number < 1 || row->ncells > limits.max_cells_per_row)
        abort();
    if (row->ncells > 0 && row->cells[row->ncells - 1].len == 0 &&
        !row->cells[row->ncells - 1].uncached)
        abort();                /* trailing empties are cut */
    for (i = 0; i < row->ncells; i++) {
        const struct sheet_cell *c = &row->cells[i];

        if (!c->text || strlen(c->text) != c->len || c->len > (size_t)limits.max_cell_chars * 4)
            abort();
    }
}

static int read_one(const char *path, size_t index, size_t *count)
{
    struct sheet_select which = { NULL, index };
    struct sheet_reader *r = NULL;
    struct sheet_row row;
    bdtx_error err;
    char label[16];
    int rc, rows = 0;

    error_clear(&err);
    if (sheet_open_sheet(path, &limits, &which, &r, &err) != 0) {
        if (err.code == 0 || !err.message[0])
            abort();            /* a failure always says why */
        return -1;
    }
    *count = sheet_count(r);
    if (*count == 0 || strlen(sheet_name(r)) > 1 << 20)
        abort();
    while ((rc = sheet_next(r, &row, &err)) == 1) {
        check_row(&row);
        if (row.ncells > 0)
            sheet_column_label(r, row.ncells - 1, label, sizeof label);
        rows++;
    }
    if (rc < 0 && (err.code == 0 || !err.message[0]))
        abort();
    /* A reader that failed must keep failing, not hand out stale rows. */
    if (rc < 0 && sheet_next(r, &row, &err) == 1)
        abort();
    sheet_close(r);
    return rows;
}

void fuzz_read_sheet(const char *path)
{
    size_t count = 1, i;

    if (read_one(path, 0, &count) < 0)
        return;
    for (i = 1; i < count && i < 3; i++)
        read_one(path, i, &count);
}
