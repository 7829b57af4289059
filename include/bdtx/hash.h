/* SHA-256 of a file (OpenSSL libcrypto), to recognise an identical export. */
#ifndef BDTX_HASH_H
#define BDTX_HASH_H

#include "bdtx/error.h"

/* hex gets 64 hex digits and a NUL. */
int hash_file_sha256(const char *path, char hex[65], bdtx_error *err);

#endif
