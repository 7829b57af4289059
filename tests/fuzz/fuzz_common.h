/* What the fuzz targets share: a scratch folder of their own, and the
 * input written to a file there, since the readers take a path. */
#ifndef BDTX_FUZZ_COMMON_H
#define BDTX_FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>

/* A private folder under $TMPDIR (or /dev/shm, else /tmp), made once. */
const char *fuzz_dir(void);
/* Write data to fuzz_dir()/name, replacing it; the full path is returned
 * (static storage). Aborts when the file cannot be written: that is a
 * problem of the machine, not a finding. */
const char *fuzz_write(const char *name, const uint8_t *data, size_t size);
/* data as a NUL-terminated string (malloc'd; aborts when out of memory). */
char *fuzz_string(const uint8_t *data, size_t size);

#endif
