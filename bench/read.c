/* The export reader alone, at scale: every row of FILE read with bdtx's own
 * reader as an import reads it (the first row, then the rest parsed in a
 * second thread ahead of this one), and nothing else: no database, no
 * checks of the cells. bench/run sets its time against psql \copy of the
 * same rows: the part of an import that no work in the database removes.
 * Prints one line: rows, cells, wall and CPU seconds, peak RSS.
 *   bdtx-bench-read FILE */
#include <stdint.h>
#include <stdio.h>
#include <sys/resource.h>
#include <time.h>

#include "bdtx/sheet.h"

static double now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    /* The benchmark's files are larger than the defaults allow (a nation's
     * CSV is 715 MB): the same limits as the configuration bench/gen.c
     * writes. */
    const struct sheet_limits limits = {
        .max_file_bytes = (uint64_t)8192 << 20,
        .max_uncompressed_bytes = (uint64_t)16384 << 20,
        .max_rows = 20000000,
    };
    bdtx_error err = {0};
    struct sheet_reader *r = NULL;
    struct sheet_row row;
    struct rusage ru;
    long long rows = 0, cells = 0;
    double t0, t1;
    int rc;

    if (argc != 2) {
        fprintf(stderr, "usage: bdtx-bench-read FILE\n");
        return 64;
    }
    t0 = now();
    if (sheet_open(argv[1], &limits, &r, &err) != 0) {
        error_print(&err, stderr);
        return err.code;
    }
    /* The first row (the header) in this thread, as an import reads it
     * before it knows the columns. */
    rc = sheet_next(r, &row, &err);
    if (rc == 1) {
        rows++;
        cells += (long long)row.ncells;
        rc = sheet_read_ahead(r, &err) == 0 ? 1 : -1;
    }
    while (rc == 1 && (rc = sheet_next(r, &row, &err)) == 1) {
        rows++;
        cells += (long long)row.ncells;
    }
    sheet_close(r);
    if (rc < 0) {
        error_print(&err, stderr);
        return err.code;
    }
    t1 = now();
    if (getrusage(RUSAGE_SELF, &ru) != 0) {
        perror("bdtx-bench-read: getrusage");
        return 71;
    }
    printf("%lld rows, %lld cells: %.2f s wall, %.2f s CPU, %ld KB peak RSS\n", rows, cells,
           t1 - t0,
           (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
               (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6,
           ru.ru_maxrss);
    return 0;
}
