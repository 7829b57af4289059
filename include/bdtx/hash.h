/* SHA-256 of a file (OpenSSL libcrypto), to recognise an identical export. */
#ifndef BDTX_HASH_H
#define BDTX_HASH_H

#include "bdtx/error.h"

#include <stdbool.h>
#include <stdint.h>

/* hex gets 64 hex digits and a NUL. */
int hash_file_sha256(const char *path, char hex[65], bdtx_error *err);

/* What the file system says about a file, as decimal text for the database:
 * device, inode, size, and modification and change times in nanoseconds.
 * Any write to a file, and any change of its times, sets its change time to
 * the clock, which no call can set back; so while all five are unchanged the
 * content is too, on a file system that keeps a real change time. */
struct file_identity {
    bool known;                      /* false: not a regular file, or stat failed */
    bool trusted_fs;                 /* on a file system known to keep a real ctime */
    int64_t ctime_ns;
    char device[24], inode[24], size[24], mtime_ns[32], ctime_text[32];
};

void file_identity_read(const char *path, struct file_identity *out);
bool file_identity_equal(const struct file_identity *a, const struct file_identity *b);

#endif
