/* Test tool: writes CSV files (UTF-8, comma, RFC 4180 quoting, as the
 * province generator writes them) into one XLSX workbook with libxlsxwriter,
 * one worksheet per CSV, as a spreadsheet program would: whole numbers as
 * number cells (so an account is a number), a title line (one text cell
 * alone on its row, above the header) merged across six columns, and a
 * field "=FORMULA|VALUE" as a formula whose cached value is VALUE.
 *
 * Usage: csv2xlsx OUT.xlsx SHEET-NAME FILE.csv [SHEET-NAME FILE.csv ...]
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xlsxwriter.h>

#define MAX_FIELDS 64
#define MAX_LINE 65536

/* One record of f into fields (pointing into buf); the count, or -1 at end. */
static int read_record(FILE *f, char *buf, size_t cap, char **fields)
{
    int c, n = 0;
    size_t len = 0;
    bool quoted = false, any = false;

    fields[0] = buf;
    while ((c = fgetc(f)) != EOF) {
        any = true;
        if (quoted) {
            if (c == '"') {
                int d = fgetc(f);

                if (d == '"') {
                    buf[len++] = '"';
                    continue;
                }
                quoted = false;
                if (d == EOF)
                    break;
                c = d;
            } else {
                if (len + 1 < cap)
                    buf[len++] = (char)c;
                continue;
            }
        }
        if (c == '"' && (len == 0 || buf[len - 1] == '\0')) {
            quoted = true;
        } else if (c == ',') {
            buf[len++] = '\0';
            if (n + 1 < MAX_FIELDS)
                fields[++n] = buf + len;
        } else if (c == '\r') {
            continue;
        } else if (c == '\n') {
            break;
        } else if (len + 1 < cap) {
            buf[len++] = (char)c;
        }
    }
    if (!any)
        return -1;
    buf[len] = '\0';
    return n + 1;
}

static bool whole_number(const char *s)
{
    size_t i, n = strlen(s);

    if (n == 0 || n > 15 || (s[0] == '0' && n > 1))
        return false;
    for (i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

static int add_sheet(lxw_workbook *wb, const char *name, const char *path)
{
    lxw_worksheet *ws = workbook_add_worksheet(wb, name);
    FILE *f = fopen(path, "rb");
    static char buf[MAX_LINE];
    char *fields[MAX_FIELDS];
    lxw_row_t row = 0;
    int n;

    if (!ws || !f) {
        fprintf(stderr, "csv2xlsx: cannot add %s from %s\n", name, path);
        if (f)
            fclose(f);
        return -1;
    }
    /* A BOM is not part of the first cell. */
    if (fread(buf, 1, 3, f) != 3 || memcmp(buf, "\xEF\xBB\xBF", 3) != 0)
        rewind(f);
    while ((n = read_record(f, buf, sizeof buf, fields)) >= 0) {
        int i, filled = 0;

        for (i = 0; i < n; i++)
            filled += fields[i][0] != '\0';
        for (i = 0; i < n; i++) {
            lxw_error e = LXW_NO_ERROR;

            if (!fields[i][0])
                continue;
            if (fields[i][0] == '=' && strchr(fields[i], '|')) {
                char *bar = strchr(fields[i], '|');

                *bar = '\0';
                e = worksheet_write_formula_num(ws, row, (lxw_col_t)i, fields[i], NULL,
                                                strtod(bar + 1, NULL));
            } else if (whole_number(fields[i]))
                e = worksheet_write_number(ws, row, (lxw_col_t)i, strtod(fields[i], NULL), NULL);
            else if (n == 1 || (filled == 1 && i == 0 && row < 6))
                e = worksheet_merge_range(ws, row, 0, row, 5, fields[i], NULL);
            else
                e = worksheet_write_string(ws, row, (lxw_col_t)i, fields[i], NULL);
            if (e != LXW_NO_ERROR) {
                fprintf(stderr, "csv2xlsx: %s row %u: %s\n", path, row, lxw_strerror(e));
                fclose(f);
                return -1;
            }
        }
        row++;
    }
    fclose(f);
    return 0;
}

int main(int argc, char **argv)
{
    lxw_workbook *wb;
    int i;

    if (argc < 4 || argc % 2 != 0) {
        fprintf(stderr, "usage: csv2xlsx OUT.xlsx SHEET-NAME FILE.csv [SHEET-NAME FILE.csv ...]\n");
        return 64;
    }
    wb = workbook_new(argv[1]);
    if (!wb) {
        fprintf(stderr, "csv2xlsx: cannot create %s\n", argv[1]);
        return 1;
    }
    for (i = 2; i < argc; i += 2)
        if (add_sheet(wb, argv[i], argv[i + 1]) != 0) {
            workbook_close(wb);
            return 1;
        }
    if (workbook_close(wb) != LXW_NO_ERROR) {
        fprintf(stderr, "csv2xlsx: cannot write %s\n", argv[1]);
        return 1;
    }
    return 0;
}
