/* Reads a workbook back with bdtx's own reader, for the tests:
 *   sheet_dump FILE          the names of its worksheets, one a line
 *   sheet_dump FILE SHEET    the rows of worksheet SHEET, one JSON array a
 *                            line: [row number, cell, cell, ...], number
 *                            cells as JSON numbers, text cells as strings. */
#include <stdio.h>
#include <string.h>

#include "bdtx/sheet.h"

static void json_string(const char *s)
{
    putchar('"');
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;

        if (c == '"' || c == '\\')
            printf("\\%c", c);
        else if (c < 0x20)
            printf("\\u%04x", c);
        else
            putchar(c);
    }
    putchar('"');
}

static int list_sheets(const char *path)
{
    struct sheet_reader *r = NULL;
    bdtx_error err;
    size_t i, n;

    error_clear(&err);
    if (sheet_open(path, NULL, &r, &err) != 0)
        goto fail;
    n = sheet_count(r);
    sheet_close(r);
    for (i = 0; i < n; i++) {
        struct sheet_select which = {NULL, i};

        if (sheet_open_sheet(path, NULL, &which, &r, &err) != 0)
            goto fail;
        puts(sheet_name(r));
        sheet_close(r);
    }
    return 0;
fail:
    error_print(&err, stderr);
    return 1;
}

int main(int argc, char **argv)
{
    struct sheet_reader *r = NULL;
    struct sheet_select which = {NULL, 0};
    struct sheet_row row;
    bdtx_error err;
    int rc;

    if (argc == 2)
        return list_sheets(argv[1]);
    if (argc != 3) {
        fprintf(stderr, "usage: sheet_dump FILE [SHEET]\n");
        return 64;
    }
    error_clear(&err);
    which.name = argv[2];
    if (sheet_open_sheet(argv[1], NULL, &which, &r, &err) != 0) {
        error_print(&err, stderr);
        return 1;
    }
    while ((rc = sheet_next(r, &row, &err)) == 1) {
        size_t i;

        printf("[%ld", row.number);
        for (i = 0; i < row.ncells; i++) {
            putchar(',');
            if (row.cells[i].uncached)
                fputs("null", stdout);
            else if (row.cells[i].numeric && row.cells[i].len > 0)
                fputs(row.cells[i].text, stdout);
            else
                json_string(row.cells[i].text);
        }
        puts("]");
    }
    sheet_close(r);
    if (rc < 0) {
        error_print(&err, stderr);
        return 1;
    }
    return 0;
}
