/* What the unit tests share: cmocka and its prerequisites, the fixture's
 * folder, temporary files and folders, whole files written and read,
 * strings compared with NULL allowed, errors shown when a call fails, and a
 * sheet row made of texts. Every helper fails the test (cmocka) rather than
 * return an error. */
#ifndef BDTX_TEST_UTIL_H
#define BDTX_TEST_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bdtx/error.h"
#include "bdtx/sheet.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))
/* The fixture province (FIXTURES is given by tests/meson.build). */
#define FIXTURE_DIR FIXTURES "/langson-2020-2021"

/* dir (cap bytes) becomes a new folder /tmp/bdtx-test-WHAT-XXXXXX. */
static inline void temp_dir_make(char *dir, size_t cap, const char *what)
{
    assert_true((size_t)snprintf(dir, cap, "/tmp/bdtx-test-%s-XXXXXX", what) < cap);
    assert_non_null(mkdtemp(dir));
}

/* Removes dir with the files and empty folders in it; 0 or -1. */
static inline int temp_dir_remove(const char *dir)
{
    char path[1024];
    struct dirent *e;
    DIR *d = opendir(dir);

    if (!d)
        return -1;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        remove(path);
    }
    closedir(d);
    return rmdir(dir);
}

/* path (cap bytes) becomes dir/name. */
static inline void temp_path(char *path, size_t cap, const char *dir, const char *name)
{
    assert_true((size_t)snprintf(path, cap, "%s/%s", dir, name) < cap);
}

/* Writes len bytes of data to path, replacing what was there. */
static inline void file_write(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");

    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
}

/* A new file /tmp/bdtx-test-XXXXXX<suffix> holding text ("" for none): its
 * path, to unlink and free. */
static inline char *temp_file(const char *suffix, const char *text)
{
    size_t cap = strlen("/tmp/bdtx-test-XXXXXX") + strlen(suffix) + 1;
    char *path = malloc(cap);
    int fd;

    assert_non_null(path);
    snprintf(path, cap, "/tmp/bdtx-test-XXXXXX%s", suffix);
    fd = mkstemps(path, (int)strlen(suffix));
    assert_true(fd >= 0);
    assert_int_equal(close(fd), 0);
    file_write(path, text, strlen(text));
    return path;
}

/* The whole of path, NUL-terminated, its length in *len: to free. */
static inline char *file_read(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *data = NULL;
    size_t cap = 0, n = 0, got;

    assert_non_null(f);
    for (;;) {
        if (cap - n < 4096) {
            cap = cap ? 2 * cap : 65536;
            data = realloc(data, cap + 1);
            assert_non_null(data);
        }
        got = fread(data + n, 1, cap - n, f);
        n += got;
        if (got == 0)
            break;
    }
    assert_int_equal(ferror(f), 0);
    fclose(f);
    data[n] = '\0';
    *len = n;
    return data;
}

/* a and b the same text; NULL is the same as NULL only. */
static inline bool str_same(const char *a, const char *b)
{
    return a && b ? strcmp(a, b) == 0 : a == b;
}

/* s for a message: "(null)" for NULL. */
static inline const char *str_shown(const char *s)
{
    return s ? s : "(null)";
}

/* Fails the test with what and the error when rc is not 0. */
static inline void require_ok(int rc, const bdtx_error *err, const char *what)
{
    if (rc != 0) {
        error_print(err, stderr);
        fail_msg("%s: %s", what, err->message);
    }
}

/* row becomes the row number made of n texts in cells (n of them); bit i of
 * numeric marks cell i an XLSX number. */
static inline void row_of_texts(struct sheet_row *row, struct sheet_cell *cells, long number,
                                const char *const *texts, size_t n, uint32_t numeric)
{
    size_t i;

    for (i = 0; i < n; i++) {
        cells[i].text = texts[i];
        cells[i].len = strlen(texts[i]);
        cells[i].numeric = i < 32 && ((numeric >> i) & 1);
        cells[i].uncached = false;
    }
    row->number = number;
    row->ncells = n;
    row->cells = cells;
}

#endif
