#include "bdtx/hash.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int hash_file_sha256(const char *path, char hex[65], bdtx_error *err)
{
    unsigned char buf[65536], md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0, i;
    EVP_MD_CTX *ctx = NULL;
    FILE *f = NULL;
    struct stat st;
    size_t n;
    int fd, rc = -1;

    /* O_NONBLOCK: a FIFO dropped in the inbox must not hang the run; it,
     * like /dev/zero, is refused before a byte is read. */
    fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        error_set(err, BDTX_DATAERR, "cannot open: %s", strerror(errno));
        error_place(err, path, 0, NULL);
        goto done;
    }
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
        error_set(err, BDTX_DATAERR, "not a regular file");
        error_place(err, path, 0, NULL);
        close(fd);
        goto done;
    }
    f = fdopen(fd, "rb");
    if (!f) {
        error_set(err, BDTX_SOFTWARE, "cannot read: %s", strerror(errno));
        error_place(err, path, 0, NULL);
        close(fd);
        goto done;
    }
    ctx = EVP_MD_CTX_new();
    if (!ctx || EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1) {
        error_set(err, BDTX_SOFTWARE, "cannot initialise SHA-256");
        goto done;
    }
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
        if (EVP_DigestUpdate(ctx, buf, n) != 1) {
            error_set(err, BDTX_SOFTWARE, "SHA-256 failed");
            goto done;
        }
    if (ferror(f)) {
        error_set(err, BDTX_DATAERR, "read error: %s", strerror(errno));
        error_place(err, path, 0, NULL);
        goto done;
    }
    if (EVP_DigestFinal_ex(ctx, md, &mdlen) != 1) {
        error_set(err, BDTX_SOFTWARE, "SHA-256 failed");
        goto done;
    }
    for (i = 0; i < mdlen && i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02x", md[i]);
    hex[64] = '\0';
    rc = 0;
done:
    EVP_MD_CTX_free(ctx);
    if (f)
        fclose(f);
    return rc;
}
